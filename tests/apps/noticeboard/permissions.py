"""The notice board's permission rules, registered with ``ouvert.accounts.permissions`` when the
app is ready.

Who may see a bulletin: everyone, once public, visible (not held or hidden by moderation) and
not archived; its organisation's members and its author, always. Its organisation's editors and
administrators post them.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from ouvert.accounts import permissions
from ouvert.accounts.permissions import (
    is_authenticated,
    is_author,
    is_editor,
    organisations_where,
    role_in,
)
from ouvert.moderation.models import Moderation

from .models import Bulletin


def can_view_bulletin(actor, bulletin) -> bool:
    return ((not bulletin.private and bulletin.moderation == Moderation.VISIBLE and not bulletin.archived)
            or role_in(actor, bulletin.organisation_id) is not None or is_author(actor, bulletin))


def visible_bulletins(actor, qs: QuerySet) -> QuerySet:
    condition = Q(private=False, moderation=Moderation.VISIBLE, archived=False)
    members = organisations_where(actor)
    if members:
        condition |= Q(organisation_id__in=members)
    if is_authenticated(actor):
        condition |= Q(author_id=actor.pk)
    return qs.filter(condition)


permissions.register_view("bulletin", model=Bulletin, predicate=can_view_bulletin, queryset=visible_bulletins)
permissions.register("bulletin.post", is_editor)  # obj: the organisation
