"""Moderation's permission rules, registered with ``ouvert.accounts.permissions`` when the app is
ready (``ModerationConfig.ready``).

The moderators of an organisation's content are its administrators and editors: the people who
already answer for what the organisation publishes. Content tied to no organisation is for
sysadmins only (who pass every rule).
"""

from __future__ import annotations

from ouvert.accounts import permissions


def can_moderate(actor, organisation) -> bool:
    """obj: the organisation (or its id) whose queue it is."""
    return organisation is not None and permissions.is_editor(actor, organisation)


permissions.register("participation.flag", permissions.authenticated)
permissions.register("participation.moderate", can_moderate)
