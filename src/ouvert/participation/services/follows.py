"""Follows: a person asks to hear about an idea or a challenge (notifications reads them)."""

from __future__ import annotations

from django.db import IntegrityError, transaction

from ouvert.accounts import permissions

from ..models import Challenge, Follow, Idea


def _target(obj) -> dict:
    if isinstance(obj, Idea):
        return {"idea": obj}
    if isinstance(obj, Challenge):
        return {"challenge": obj}
    raise TypeError(f"cannot follow {type(obj).__name__}")


def follow(obj, *, actor) -> Follow:
    """Follow an idea or a challenge; following twice is the same as once."""
    permissions.require(actor, "account.use")
    target = _target(obj)
    existing = Follow.objects.filter(user=actor, **target).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            return Follow.objects.create(user=actor, **target)
    except IntegrityError:  # followed concurrently
        return Follow.objects.get(user=actor, **target)


def unfollow(obj, *, actor) -> None:
    permissions.require(actor, "account.use")
    Follow.objects.filter(user=actor, **_target(obj)).delete()


def is_following(obj, *, actor) -> bool:
    if actor is None or not getattr(actor, "is_authenticated", False):
        return False
    return Follow.objects.filter(user=actor, **_target(obj)).exists()


def followers(obj):
    """The users following ``obj`` (for notifications)."""
    from django.contrib.auth import get_user_model

    key = "participation_follows__idea" if isinstance(obj, Idea) else "participation_follows__challenge"
    return get_user_model().objects.filter(**{key: obj}, is_active=True)
