"""Periodic tasks: each worker asks now and then which are due; the database says who queues them.

Every periodic task has a row (``PeriodicTask``) holding when its next run falls due. A worker
that finds it due moves that time one period on with a conditional UPDATE (``WHERE next_run =``
the value it read): of several workers reading the same row, exactly one update matches, and
only that worker queues the run, in the same transaction. The run then goes through the
configured back end like any task (the database, or Redis lists), so any worker may run it.
Periods missed while no worker ran are not made up: the next run is one period after now.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from ouvert.core.models import PeriodicTask, Task

from . import registry

logger = logging.getLogger("ouvert.tasks")


def _row(name: str, now: datetime) -> PeriodicTask:
    row = PeriodicTask.objects.filter(name=name).first()
    if row is not None:
        return row
    try:
        with transaction.atomic():
            return PeriodicTask.objects.create(name=name, next_run=now)
    except IntegrityError:  # another worker made it first
        return PeriodicTask.objects.get(name=name)


def enqueue_due(now: datetime | None = None) -> list[Task]:
    """Queue a run of every periodic task that is due; returns the runs this call queued."""
    from . import enqueue

    now = now or timezone.now()
    queued = []
    for definition in registry.periodic_tasks():
        if registry.get(definition.name) is None:
            logger.error("periodic task %s is not a registered task", definition.name)
            continue
        try:
            run = _enqueue_if_due(definition, now, enqueue)
        except Exception:
            # One task's trouble must not keep the others (or the worker's own work) waiting.
            logger.exception("could not queue periodic task %s", definition.name)
            continue
        if run is not None:
            queued.append(run)
    return queued


def _enqueue_if_due(definition, now: datetime, enqueue) -> Task | None:
    row = _row(definition.name, now)
    if row.next_run > now:
        return None
    period = timedelta(minutes=definition.minutes)
    next_run = row.next_run + period
    if next_run <= now:
        next_run = now + period
    with transaction.atomic():
        claimed = PeriodicTask.objects.filter(name=definition.name, next_run=row.next_run).update(
            next_run=next_run, last_run=now)
        return enqueue(definition.name, key="periodic", **definition.kwargs) if claimed else None
