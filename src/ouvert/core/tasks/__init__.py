"""Background tasks: one interface whatever runs them.

Apps declare tasks in their ``tasks.py`` (found automatically)::

    from ouvert.core.tasks import task

    @task(name="datastore.ingest", max_attempts=3, timeout=1800)
    def ingest(context, *, resource_id):
        ...
        context.report_progress(rows=n, percent=40)
        return {"rows": n}

and services enqueue them inside their transaction::

    enqueue("datastore.ingest", key=f"resource:{resource.pk}", resource_id=str(resource.pk))

A task that must run every N minutes is registered in its app's ``AppConfig.ready()``::

    periodic("transparency.check_deadlines", minutes=60)

and workers queue it once per period for the whole cluster (``schedule``).

The ``Task`` row (``ouvert.core.models``) is what users and the API read. ``OUVERT_TASKS``
chooses who runs it: ``database`` (``ouvert worker`` polling the table; ``ouvert serve`` starts
one), ``redis`` (workers fed through Redis lists) or ``immediate`` (in the enqueuing process).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import datetime

from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.utils import timezone

from ouvert.core.models import Task, TaskStatus

from .backends import get_backend
from .context import TaskContext
from .registry import autodiscover, periodic, task

__all__ = ["Task", "TaskContext", "TaskStatus", "autodiscover", "cancel", "enqueue", "get_backend", "periodic",
           "task"]


def enqueue(name_or_func: str | Callable, *, key: str | None = None,
            run_after: datetime | None = None, **kwargs) -> Task:
    """Queue a run of a registered task with JSON ``kwargs``; returns its ``Task`` row.

    The row is written in the caller's transaction and handed to workers only when that
    transaction commits: a rolled-back operation leaves no task behind. With ``key`` (say
    ``"resource:<id>"``), a task of the same name and key that has not started yet is returned
    instead of queueing a second one.
    """
    from . import registry

    definition = registry.resolve(name_or_func)
    # Arguments travel through the database (and Redis): refuse what would not round-trip.
    kwargs = json.loads(json.dumps(kwargs, cls=DjangoJSONEncoder))
    key = key or ""
    with transaction.atomic():
        if key:
            pending = Task.objects.filter(name=definition.name, key=key, status=TaskStatus.QUEUED).first()
            if pending is not None:
                return pending
        try:
            with transaction.atomic():
                queued = Task.objects.create(
                    name=definition.name, queue=definition.queue, kwargs=kwargs, key=key,
                    max_attempts=definition.max_attempts, run_after=run_after or timezone.now(),
                )
        except IntegrityError:
            # A concurrent transaction queued the same key first (PostgreSQL).
            pending = Task.objects.filter(name=definition.name, key=key, status=TaskStatus.QUEUED).first()
            if key and pending is not None:
                return pending
            raise
    backend = get_backend()
    transaction.on_commit(lambda: _dispatch(backend, queued))
    return queued


def _dispatch(backend, queued: Task) -> None:
    try:
        backend.dispatch(queued)
    except Exception:
        # The row is committed and stays queued: the worker's recovery sends it again.
        logging.getLogger("ouvert.tasks").exception("could not dispatch task #%s", queued.pk)


def cancel(task_or_id: Task | int) -> bool:
    """Cancel a task that has not started; returns False when it already started or ended."""
    task_id = task_or_id.pk if isinstance(task_or_id, Task) else task_or_id
    return bool(Task.objects.filter(pk=task_id, status=TaskStatus.QUEUED).update(
        status=TaskStatus.CANCELLED, finished_at=timezone.now()))
