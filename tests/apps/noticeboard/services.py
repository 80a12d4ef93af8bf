"""The notice board's services: posting goes through the moderation checks, like any content."""

from __future__ import annotations

from django.db import transaction

from ouvert.accounts import permissions
from ouvert.core.activity import record_activity
from ouvert.core.errors import NotFound
from ouvert.moderation import services as moderation
from ouvert.moderation.models import Moderation

from .models import Bulletin


def post_bulletin(*, actor, dataset, title: str, body: str = "", private: bool = False, expires=None) -> Bulletin:
    """Pin a bulletin on ``dataset``'s page; held for review when the automatic checks say so."""
    permissions.require(actor, "bulletin.post", dataset.organisation)
    reason, findings = moderation.assess(f"{title}\n{body}", author=actor)
    with transaction.atomic():
        bulletin = Bulletin.objects.create(
            organisation=dataset.organisation, dataset=dataset, title=title, body=body, private=private,
            author=actor, expires=expires, moderation=Moderation.HELD if reason else Moderation.VISIBLE)
        if reason:
            moderation.hold(bulletin, reason=reason, findings=findings)
        record_activity("noticeboard.bulletin.posted", actor=actor, obj=bulletin, organisation=dataset.organisation)
    return bulletin


def get_bulletin(key: str, *, actor) -> Bulletin:
    """The bulletin ``key`` (its id) if ``actor`` may see it; otherwise NotFound."""
    bulletin = Bulletin.objects.select_related("organisation", "dataset").filter(pk=_uuid(key)).first()
    if bulletin is None or not permissions.can(actor, "bulletin.view", bulletin):
        raise NotFound("Not found.")
    return bulletin


def _uuid(key: str):
    import uuid

    try:
        return uuid.UUID(str(key))
    except ValueError:
        return None


def dataset_panel(request, dataset) -> dict | None:
    """The dataset page's panel: the bulletins pinned on it that the visitor may see."""
    bulletins = list(permissions.visible(request.user, "bulletin").filter(dataset=dataset, archived=False)
                     .order_by("-created")[:20])
    return {"bulletins": bulletins} if bulletins else None
