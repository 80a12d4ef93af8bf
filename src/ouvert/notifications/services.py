"""Follows of any registered kind of object. Web pages, the API and other domains call these.

A follow is kept only for what the person may see: ``follow`` refuses an object its kind's
``can_view`` rule hides from them (as not found: existence is not disclosed).
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from ouvert.accounts import permissions
from ouvert.core.errors import NotFound

from . import followables, signals
from .models import Follow


def _is_authenticated(actor) -> bool:
    return bool(actor is not None and getattr(actor, "is_authenticated", False))


def _target(obj) -> dict:
    followables.of(obj)  # TypeError for what is not followable
    return {"content_type": ContentType.objects.get_for_model(obj), "object_id": str(obj.pk)}


def _send_on_commit(signal, **kwargs) -> None:
    transaction.on_commit(lambda: signal.send(sender=Follow, **kwargs))


def follow(obj, *, actor) -> Follow:
    """Follow ``obj`` (any followable kind); following twice is the same as once."""
    permissions.require(actor, "account.use")
    if not followables.of(obj).can_view(actor, obj):
        raise NotFound(_("Not found."))
    target = _target(obj)
    existing = Follow.objects.filter(user=actor, **target).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            created = Follow.objects.create(user=actor, **target)
            _send_on_commit(signals.followed, follow=created, actor=actor)
            return created
    except IntegrityError:  # followed concurrently
        return Follow.objects.get(user=actor, **target)


def unfollow(obj, *, actor) -> None:
    """Stop following ``obj``; a no-op when not following it."""
    permissions.require(actor, "account.use")
    with transaction.atomic():
        deleted, _rows = Follow.objects.filter(user=actor, **_target(obj)).delete()
        if deleted:
            _send_on_commit(signals.unfollowed, target=obj, actor=actor)


def unfollow_key(kind: str, key: str, *, actor):
    """Stop following the object of kind ``kind`` addressed by ``key``; returns it.

    Found from ``actor``'s own follows, so that whoever may no longer see an object they follow
    (they left its organisation) can still stop following it. Without such a follow it is
    ``get_target`` then ``unfollow`` (a no-op): NotFound, the same answer, for an unknown
    object and for one the actor may not see, so existence is not disclosed.
    """
    permissions.require(actor, "account.use")
    followable = followables.get(kind)
    followed = _followed(followable, key, actor) if followable is not None else None
    obj = followed if followed is not None else get_target(kind, key, actor=actor)
    unfollow(obj, actor=actor)
    return obj


def _followed(followable: followables.Followable, key: str, actor):
    """The object of ``followable``'s kind addressed by ``key`` that ``actor`` follows, if any,
    whether or not they may still see it (a person follows few objects of a kind)."""
    ids = Follow.objects.filter(user=actor, content_type=ContentType.objects.get_for_model(followable.model)
                                ).values_list("object_id", flat=True)
    return next((obj for obj in followable.model._default_manager.filter(pk__in=list(ids))
                 if str(followable.key(obj)) == key), None)


def is_following(obj, *, actor) -> bool:
    if not _is_authenticated(actor):
        return False
    return Follow.objects.filter(user=actor, **_target(obj)).exists()


def followers_of(obj):
    """The active users following ``obj``, as a queryset (for notifications).

    Those who may no longer see ``obj`` (they left its organisation) are still listed: whoever
    tells them something checks the kind's ``can_view`` first (``may_see``).
    """
    ids = Follow.objects.filter(**_target(obj)).values("user_id")
    return get_user_model().objects.filter(pk__in=ids, is_active=True)


def may_see(obj, actor) -> bool:
    """Whether ``actor`` may see ``obj``, by its kind's registered rule."""
    return followables.of(obj).can_view(actor, obj)


def get_target(kind: str, key: str, *, actor):
    """The object of kind ``kind`` addressed by ``key``, if ``actor`` may see it; else NotFound."""
    followable = followables.get(kind)
    if followable is None:
        raise NotFound(_("Not found."))
    obj = followable.lookup(key, actor=actor)
    if not followable.can_view(actor, obj):
        raise NotFound(_("Not found."))
    return obj
