"""Moderation's permission rules, registered with ``ouvert.accounts.permissions`` when the app is
ready (``ModerationConfig.ready``).

The moderators of an organisation's content are its administrators and editors: the people who
already answer for what the organisation publishes. Content tied to no organisation is for
sysadmins only (who pass every rule).
"""

from __future__ import annotations

from django.db.models import QuerySet

from ouvert.accounts import permissions


def can_moderate(actor, organisation) -> bool:
    """obj: the organisation (or its id) whose queue it is."""
    return organisation is not None and permissions.is_editor(actor, organisation)


def moderated_organisations(actor) -> QuerySet:
    """The queryset face of ``participation.moderate``: the organisations whose queue ``actor``
    moderates (every one for a sysadmin)."""
    from ouvert.accounts.models import Organisation

    if permissions.is_sysadmin(actor):
        return Organisation.objects.all()
    return Organisation.objects.filter(pk__in=permissions.organisations_where(actor, permissions.EDIT_ROLES))


# The rule names are kept as they are: stored activity history and settings refer to them.
permissions.register("participation.flag", permissions.authenticated)
permissions.register("participation.moderate", can_moderate)
