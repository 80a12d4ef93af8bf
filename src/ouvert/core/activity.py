"""The activity history: every domain records what its services change through these functions
(inside the operation's transaction), and reads it through ``Activity.objects``."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models

from .models import Activity


def _jsonable(value: Any) -> Any:
    if hasattr(value, "pk"):
        return str(value.pk)
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    return value


def new_activity(key: str, *, actor, obj: models.Model, organisation=None, target: models.Model | None = None,
                 changes: dict | None = None) -> Activity:
    """An unsaved entry: ``actor`` did ``key`` (a dotted key, ``catalog.dataset.published``) to
    ``obj``, within ``organisation``; ``target`` is the object whose history it belongs to
    (``Activity.objects.history_of``); ``changes`` maps each changed field to ``(before, after)``."""
    return Activity(
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        key=key,
        organisation=organisation,
        content_type=ContentType.objects.get_for_model(obj),
        object_id=str(obj.pk),
        object_name=getattr(obj, "name", "") or str(obj)[:300],
        target_type=None if target is None else ContentType.objects.get_for_model(target),
        target_id="" if target is None else str(target.pk),
        changes={k: [_jsonable(a), _jsonable(b)] for k, (a, b) in (changes or {}).items()},
    )


def record_activity(key: str, *, actor, obj: models.Model, organisation=None, target: models.Model | None = None,
                    changes: dict | None = None) -> Activity:
    """Append one entry to the history (see ``new_activity`` for the arguments)."""
    entry = new_activity(key, actor=actor, obj=obj, organisation=organisation, target=target, changes=changes)
    entry.save(force_insert=True)
    return entry


def record_activities(entries: Iterable[Activity]) -> list[Activity]:
    """Append many entries made by ``new_activity`` at once."""
    return Activity.objects.bulk_create(list(entries))
