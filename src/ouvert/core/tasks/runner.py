"""Task state transitions shared by every back end: claim, run, finish, retry or fail, recover.

Each transition is a conditional update on the ``Task`` row (``status`` and ``worker`` must
still be what the caller believes), so a worker that lost its lease can never overwrite the
work of the one that took over.
"""

from __future__ import annotations

import json
import logging
from datetime import timedelta

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from ouvert.core.errors import DomainError
from ouvert.core.models import Task, TaskStatus

from . import registry
from .context import TaskContext

logger = logging.getLogger("ouvert.tasks")


def _message(text, values: dict) -> str:
    # Stored once, read by everyone: written in the site's default language.
    with translation.override(settings.LANGUAGE_CODE):
        return str(text) % values


def stopped_message(attempt: int, max_attempts: int) -> str:
    return _message(_("The worker stopped during this task (attempt %(attempt)d of %(max)d)."),
                    {"attempt": attempt, "max": max_attempts})


def timeout_message(seconds: float) -> str:
    return _message(_("The task took longer than its time limit (%(seconds)s s) and was stopped."),
                    {"seconds": f"{seconds:g}"})


def crashed_message(exitcode: int | None) -> str:
    return _message(_("The task's process ended unexpectedly (exit code %(code)s)."), {"code": exitcode})


def unknown_message(name: str) -> str:
    return _message(_("No task is registered under the name %(name)s on this worker."), {"name": name})


def superseded_message(other_id: int) -> str:
    return _message(_("Replaced by task %(id)d, queued for the same object."), {"id": other_id})


def error_text(exc: BaseException) -> str:
    if isinstance(exc, DomainError):
        return str(exc)
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


# --- transitions -------------------------------------------------------------------------

def claim(task_id: int, *, worker: str, lease: float) -> Task | None:
    """Queued → running for ``worker``; ``None`` when someone else got it first (or it is gone)."""
    now = timezone.now()
    changed = Task.objects.filter(pk=task_id, status=TaskStatus.QUEUED).update(
        status=TaskStatus.RUNNING, worker=worker, started_at=now, heartbeat_at=now,
        lease_expires_at=now + timedelta(seconds=lease), progress={}, attempts=F("attempts") + 1,
    )
    return Task.objects.get(pk=task_id) if changed else None


def finish(task_id: int, *, worker: str, result) -> bool:
    return bool(Task.objects.filter(pk=task_id, status=TaskStatus.RUNNING, worker=worker).update(
        status=TaskStatus.DONE, result=result, error="", finished_at=timezone.now(),
        lease_expires_at=None,
    ))


def fail_attempt(task_id: int, *, worker: str, message: str) -> Task | None:
    """End a failed attempt: queued again when attempts remain, failed otherwise.

    Returns the task when it was queued again (its back end must dispatch it), else ``None``.
    """
    with transaction.atomic():
        task = (Task.objects.select_for_update()
                .filter(pk=task_id, status=TaskStatus.RUNNING, worker=worker).first())
        if task is None:
            return None  # no longer ours: whoever took it over decides
        return _retry_or_fail(task, message)


def _retry_or_fail(task: Task, message: str, *, delay: float | None = None) -> Task | None:
    now = timezone.now()
    task.error = message
    task.worker = ""
    task.lease_expires_at = None
    if task.attempts < task.max_attempts:
        if delay is None:
            definition = registry.get(task.name)
            delay = definition.delay_before(task.attempts) if definition else 10.0
        task.status = TaskStatus.QUEUED
        task.run_after = now + timedelta(seconds=delay)
        try:
            with transaction.atomic():
                task.save()
            logger.warning("task %s #%s: %s; retrying in %g s", task.name, task.pk, message, delay)
            return task
        except IntegrityError:
            # Another run for the same object was queued meanwhile: it will do the work.
            other = Task.objects.filter(name=task.name, key=task.key, status=TaskStatus.QUEUED).first()
            task.status = TaskStatus.CANCELLED
            task.error = f"{message} {superseded_message(other.pk if other else 0)}"
    else:
        task.status = TaskStatus.FAILED
    task.finished_at = now
    task.save()
    logger.error("task %s #%s %s: %s", task.name, task.pk, task.status, message)
    return None


def release(task_id: int, *, worker: str) -> Task | None:
    """Give a task back unfinished (worker shutting down): the attempt does not count."""
    with transaction.atomic():
        task = (Task.objects.select_for_update()
                .filter(pk=task_id, status=TaskStatus.RUNNING, worker=worker).first())
        if task is None:
            return None
        task.attempts = max(task.attempts - 1, 0)
        return _retry_or_fail(task, task.error, delay=0)


def renew(task_ids: list[int], *, worker: str, lease: float) -> set[int]:
    """Extend the leases of ``worker``'s tasks; returns the ids it still holds."""
    if not task_ids:
        return set()
    now = timezone.now()
    held = Task.objects.filter(pk__in=task_ids, status=TaskStatus.RUNNING, worker=worker)
    held.update(heartbeat_at=now, lease_expires_at=now + timedelta(seconds=lease))
    return set(held.values_list("pk", flat=True))


def recover_expired(*, limit: int = 100) -> list[Task]:
    """Tasks whose worker stopped renewing its lease: retried, or failed when out of attempts.

    Returns the tasks queued again. Rows another worker is recovering are skipped.
    """
    requeued = []
    expired = Task.objects.filter(status=TaskStatus.RUNNING, lease_expires_at__lt=timezone.now())
    # A plain read first: on SQLite the transaction below takes the database's write lock.
    if not expired.exists():
        return requeued
    with transaction.atomic():
        expired = list(expired.select_for_update(skip_locked=True).order_by("lease_expires_at")[:limit])
        for task in expired:
            logger.warning("task %s #%s: lease of %s expired", task.name, task.pk, task.worker)
            again = _retry_or_fail(task, stopped_message(task.attempts, task.max_attempts))
            if again is not None:
                requeued.append(again)
    return requeued


def fail_now(task_id: int, *, worker: str, message: str) -> None:
    """Fail without retrying (nothing a retry could fix)."""
    Task.objects.filter(pk=task_id, status=TaskStatus.RUNNING, worker=worker).update(
        status=TaskStatus.FAILED, error=message, finished_at=timezone.now(), lease_expires_at=None)
    logger.error("task #%s failed: %s", task_id, message)


# --- running -----------------------------------------------------------------------------

def execute(task: Task, *, worker: str) -> Task | None:
    """Run a claimed task's function and record the outcome.

    Returns the task when the attempt failed and it was queued again, else ``None``.
    """
    definition = registry.get(task.name)
    if definition is None:
        fail_now(task.pk, worker=worker, message=unknown_message(task.name))
        return None
    context = TaskContext(task, worker=worker)
    logger.info("task %s #%s: attempt %d of %d", task.name, task.pk, task.attempts, task.max_attempts)
    try:
        result = definition.func(context, **task.kwargs)
        # Fail the attempt here rather than at save time if the result is not JSON.
        json.dumps(result, cls=DjangoJSONEncoder)
    except Exception as exc:  # a task's failure is recorded, never propagated to the worker
        logger.exception("task %s #%s failed", task.name, task.pk)
        _flush_quietly(context)
        return fail_attempt(task.pk, worker=worker, message=error_text(exc))
    _flush_quietly(context)
    finish(task.pk, worker=worker, result=result)
    logger.info("task %s #%s done", task.name, task.pk)
    return None


def _flush_quietly(context: TaskContext) -> None:
    try:
        context.flush()
    except Exception:  # progress is informative: losing the last report must not fail the task
        logger.exception("could not record the progress of task #%s", context.task_id)
