"""Redis dispatch: the reliable-queue pattern on Redis lists, the ``Task`` row as the truth.

Keys, under a namespace per database (task ids only mean something in one database):

- ``queue:<name>``: ids ready to run; producers ``LPUSH``, workers ``BLMOVE`` from the right
  end into their own ``processing:<worker>`` list, so a dispatched id is never only in a
  worker's memory;
- ``delayed``: a sorted set of ``<queue>:<id>`` scored by ``run_after`` (retries, delayed work);
- ``lease:<worker>``: exists while the worker lives (expiry renewed by its heartbeat);
- ``workers``: the workers that may have a ``processing`` list.

A worker turns the id into a running task with the same conditional update as the database
back end; an id whose row is no longer queued (duplicate, cancelled) is dropped. The reaper
gives back the ids of workers whose lease key expired and, through the shared database
recovery, retries or fails their tasks.
"""

from __future__ import annotations

import hashlib
import logging
import time
from datetime import timedelta

from django.core.exceptions import ImproperlyConfigured
from django.db import connections
from django.utils import timezone

from ouvert.core.models import Task, TaskStatus

from . import registry, runner
from .backends import TaskBackend

logger = logging.getLogger("ouvert.tasks")

RESYNC_INTERVAL = 60.0  # seconds between two checks for queued rows Redis lost
RESYNC_AGE = 300.0  # a queued row older than this that Redis does not know about is re-sent


def database_namespace() -> str:
    db = connections["default"].settings_dict
    identity = "|".join(str(db.get(k) or "") for k in ("ENGINE", "HOST", "PORT", "NAME"))
    return "ouvert:" + hashlib.sha256(identity.encode()).hexdigest()[:12] + ":tasks"


class RedisBackend(TaskBackend):
    name = "redis"

    def __init__(self, url: str, *, namespace: str | None = None):
        try:
            import redis
        except ImportError as exc:
            raise ImproperlyConfigured("OUVERT_TASKS=redis needs the `redis` package "
                                       "(pip install redis)") from exc

        self.url = url
        self.client = redis.Redis.from_url(url, decode_responses=True, health_check_interval=30)
        self.namespace = namespace or database_namespace()
        self._last_resync = 0.0

    def key(self, *parts: str) -> str:
        return ":".join((self.namespace, *parts))

    # --- producer side -------------------------------------------------------------------

    def dispatch(self, task: Task) -> None:
        when = task.run_after.timestamp()
        if when > time.time() + 0.5:
            self.client.zadd(self.key("delayed"), {f"{task.queue}:{task.pk}": when})
        else:
            self.client.lpush(self.key("queue", task.queue), task.pk)

    def _promote_due(self) -> None:
        due = self.client.zrangebyscore(self.key("delayed"), "-inf", time.time(), start=0, num=100)
        for member in due:
            # Whoever removes the member pushes it: several workers may race here.
            if self.client.zrem(self.key("delayed"), member):
                queue, _, task_id = member.rpartition(":")
                self.client.lpush(self.key("queue", queue), task_id)

    # --- worker side ---------------------------------------------------------------------

    def _register(self, worker: str, lease: float) -> None:
        # The lease key first: a reaper must never see the worker listed without its lease.
        self.client.set(self.key("lease", worker), "1", px=int(lease * 1000))
        self.client.sadd(self.key("workers"), worker)

    def claim(self, *, worker, queues, lease, wait=0.0):
        queues = queues or registry.queues()
        self._register(worker, lease)
        self._promote_due()
        processing = self.key("processing", worker)
        for _ in range(100):  # skip stale ids quickly, but never spin forever
            task_id = None
            for queue in queues:
                task_id = self.client.lmove(self.key("queue", queue), processing, "RIGHT", "LEFT")
                if task_id:
                    break
            if task_id is None and wait > 0:
                # Blocking on several lists is not possible with BLMOVE: block on the first
                # queue; the others are looked at again after at most ``wait`` seconds.
                task_id = self.client.blmove(self.key("queue", queues[0]), processing, wait,
                                             "RIGHT", "LEFT")
                wait = 0
            if task_id is None:
                return None
            try:
                task = runner.claim(int(task_id), worker=worker, lease=lease)
            except Exception:
                self.client.lmove(processing, self.key("queue", queues[0]), "LEFT", "RIGHT")
                raise
            if task is not None:
                return task
            self.client.lrem(processing, 1, task_id)  # duplicate or no longer queued
        return None

    def heartbeat(self, task_ids, *, worker, lease):
        self._register(worker, lease)
        return super().heartbeat(task_ids, worker=worker, lease=lease)

    def acknowledge(self, task_id, *, worker):
        self.client.lrem(self.key("processing", worker), 1, task_id)

    def recover(self) -> int:
        found = 0
        for worker in self.client.smembers(self.key("workers")):
            if self.client.exists(self.key("lease", worker)):
                continue
            # Only the reaper that removes the worker from the set handles its list.
            if not self.client.srem(self.key("workers"), worker):
                continue
            processing = self.key("processing", worker)
            for task_id in self.client.lrange(processing, 0, -1):
                found += 1
                task = Task.objects.filter(pk=int(task_id)).first()
                if task is not None and task.status == TaskStatus.QUEUED:
                    self.dispatch(task)  # taken from the queue but never claimed
            self.client.delete(processing)
            logger.warning("worker %s stopped; its queue entries were given back", worker)
        # Running rows of stopped workers: retried or failed, and re-sent when retried.
        found += super().recover()
        self._resync()
        return found

    def _resync(self) -> None:
        """Re-send queued rows Redis lost (flushed, or unreachable when they were enqueued)."""
        if time.monotonic() - self._last_resync < RESYNC_INTERVAL:
            return
        self._last_resync = time.monotonic()
        old = timezone.now() - timedelta(seconds=RESYNC_AGE)
        for task in Task.objects.filter(status=TaskStatus.QUEUED, run_after__lt=old)[:100]:
            queued = self.client.lpos(self.key("queue", task.queue), str(task.pk)) is not None
            delayed = self.client.zscore(self.key("delayed"), f"{task.queue}:{task.pk}") is not None
            if not queued and not delayed:
                logger.warning("task %s #%s was missing from Redis; sent again", task.name, task.pk)
                self.dispatch(task)

    def close(self) -> None:
        self.client.close()
