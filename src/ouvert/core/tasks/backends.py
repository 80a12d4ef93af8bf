"""Task back ends, chosen by the ``OUVERT_TASKS`` setting; callers only see ``enqueue``.

- ``immediate``: the task runs in the enqueuing process once the transaction commits (tests,
  and installations that want no worker at all).
- ``database``: workers poll the ``Task`` table and claim rows with an atomic update.
- ``redis``: the row stays the source of truth; Redis lists carry the dispatch
  (``ouvert.core.tasks.redis_backend``).
"""

from __future__ import annotations

import logging
import threading
import time

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.db import transaction
from django.utils import timezone

from ouvert.core.models import Task, TaskStatus

from . import runner

logger = logging.getLogger("ouvert.tasks")

BACKENDS = ("database", "redis", "immediate")


class TaskBackend:
    """What the rest of the code may ask of a back end."""

    name = ""
    needs_worker = True

    def dispatch(self, task: Task) -> None:
        """Make a committed queued task known to workers."""

    def claim(self, *, worker: str, queues: list[str] | None, lease: float,
              wait: float = 0.0) -> Task | None:
        """The next runnable task, now running for ``worker``.

        When there is none, waits up to ``wait`` seconds (the back end's own way) and returns
        ``None``: the worker then looks after its running tasks and asks again.
        """
        raise NotImplementedError

    def heartbeat(self, task_ids: list[int], *, worker: str, lease: float) -> set[int]:
        """Extend ``worker``'s leases; returns the ids it still holds."""
        return runner.renew(task_ids, worker=worker, lease=lease)

    def acknowledge(self, task_id: int, *, worker: str) -> None:
        """The attempt on ``task_id`` is over, whatever its outcome."""

    def recover(self) -> int:
        """Queue again (or fail) the tasks of workers that stopped; returns how many were found."""
        requeued = runner.recover_expired()
        for task in requeued:
            self.dispatch(task)
        return len(requeued)

    def close(self) -> None:
        pass


class ImmediateBackend(TaskBackend):
    name = "immediate"
    needs_worker = False
    worker_name = "immediate"

    def dispatch(self, task: Task) -> None:
        # Retries run at once: there is nobody to come back later.
        while True:
            claimed = runner.claim(task.pk, worker=self.worker_name, lease=24 * 3600)
            if claimed is None or runner.execute(claimed, worker=self.worker_name) is None:
                return

    def claim(self, *, worker, queues, lease, wait=0.0):
        return None


class DatabaseBackend(TaskBackend):
    name = "database"

    def claim(self, *, worker, queues, lease, wait=0.0):
        task = self._claim(worker=worker, queues=queues, lease=lease)
        if task is None and wait > 0:
            time.sleep(wait)
        return task

    def _claim(self, *, worker, queues, lease):
        runnable = Task.objects.filter(status=TaskStatus.QUEUED, run_after__lte=timezone.now())
        if queues:
            runnable = runnable.filter(queue__in=queues)
        # A plain read first: on SQLite the claim below takes the write lock, which idle workers
        # polling every second or two should not keep taking.
        if not runnable.exists():
            return None
        with transaction.atomic():
            # PostgreSQL: FOR UPDATE SKIP LOCKED lets workers claim different rows at once.
            # SQLite ignores it; the IMMEDIATE transaction (settings) serialises the claims.
            task_id = (runnable.select_for_update(skip_locked=True).order_by("run_after", "pk")
                       .values_list("pk", flat=True).first())
            if task_id is None:
                return None
            return runner.claim(task_id, worker=worker, lease=lease)


_cache: dict[tuple, TaskBackend] = {}
_cache_lock = threading.Lock()


def get_backend() -> TaskBackend:
    """The back end the settings choose (built once per configuration)."""
    kind = getattr(settings, "OUVERT_TASKS", "database") or "database"
    url = getattr(settings, "OUVERT_REDIS_URL", "") or ""
    if kind not in BACKENDS:
        raise ImproperlyConfigured(f"OUVERT_TASKS must be one of {', '.join(BACKENDS)}, not {kind!r}")
    if kind == "redis" and not url:
        raise ImproperlyConfigured("OUVERT_TASKS=redis needs OUVERT_REDIS_URL (redis://host:6379/0)")
    cache_key = (kind, url if kind == "redis" else "")
    with _cache_lock:
        backend = _cache.get(cache_key)
        if backend is None:
            if kind == "redis":
                from .redis_backend import RedisBackend

                backend = RedisBackend(url)
            else:
                backend = ImmediateBackend() if kind == "immediate" else DatabaseBackend()
            _cache[cache_key] = backend
    return backend


def _forget_backends(*, setting, **kwargs):
    if setting in {"OUVERT_TASKS", "OUVERT_REDIS_URL", "DATABASES"}:
        with _cache_lock:
            for backend in _cache.values():
                backend.close()
            _cache.clear()


setting_changed.connect(_forget_backends)
