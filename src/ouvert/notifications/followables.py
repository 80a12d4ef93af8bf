"""The registry of followable kinds: each domain registers its models in ``AppConfig.ready()``.

::

    followables.register(Dataset, kind="dataset", can_view=..., lookup=..., key=lambda d: d.name)

``can_view(actor, obj)`` is the domain's "may see" rule for one object: nobody follows (or
hears about) what they may not see. ``lookup(key, *, actor)`` finds an object by the key that
addresses it in URLs and the API, raising ``NotFound`` when the actor may not see it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Model
from django.db.models.signals import post_delete


@dataclass(frozen=True)
class Followable:
    kind: str
    model: type[Model]
    can_view: Callable[..., bool]
    lookup: Callable[..., Model]
    key: Callable[[Model], str]


_by_kind: dict[str, Followable] = {}
_by_model: dict[type[Model], Followable] = {}


def _pk(obj) -> str:
    return str(obj.pk)


def register(model: type[Model], *, kind: str, can_view: Callable[..., bool], lookup: Callable[..., Model],
             key: Callable[[Model], str] = _pk) -> Followable:
    """Make ``model`` followable under the name ``kind`` (``dataset``, ``idea``...)."""
    model = model._meta.concrete_model
    known = _by_kind.get(kind)
    if known is not None and known.model is not model:
        raise ValueError(f"followable kind {kind!r} is already registered for {known.model.__name__}")
    followable = Followable(kind, model, can_view, lookup, key)
    _by_kind[kind] = followable
    _by_model[model] = followable
    # Generic relations do not cascade: an object's follows go with it.
    post_delete.connect(_forget, sender=model, dispatch_uid=f"notifications.follows.{kind}")
    return followable


def unregister(kind: str) -> None:
    followable = _by_kind.pop(kind, None)
    if followable is not None:
        _by_model.pop(followable.model, None)
        post_delete.disconnect(sender=followable.model, dispatch_uid=f"notifications.follows.{kind}")


def _forget(sender, instance, **kwargs) -> None:
    from django.contrib.contenttypes.models import ContentType

    from .models import Follow

    Follow.objects.filter(content_type=ContentType.objects.get_for_model(sender),
                          object_id=str(instance.pk)).delete()


def get(kind: str) -> Followable | None:
    return _by_kind.get(kind)


def of(obj) -> Followable:
    """The registration of ``obj``'s model; TypeError when it is not followable."""
    followable = _by_model.get(type(obj)._meta.concrete_model)
    if followable is None:
        raise TypeError(f"{type(obj).__name__} is not a followable kind")
    return followable


def kinds() -> list[str]:
    return sorted(_by_kind)
