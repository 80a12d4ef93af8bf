"""What a running task sees: its identity and a throttled way to report progress."""

from __future__ import annotations

import time
from typing import Any

PROGRESS_INTERVAL = 0.5  # seconds between two progress writes: enough for a progress bar


class TaskContext:
    """Passed as the first argument of every task function."""

    def __init__(self, task, *, worker: str = "", interval: float = PROGRESS_INTERVAL):
        self.task_id: int = task.pk
        self.name: str = task.name
        self.attempt: int = task.attempts
        self.max_attempts: int = task.max_attempts
        self.worker = worker
        self._interval = interval
        self._progress: dict[str, Any] = dict(task.progress or {})
        self._dirty = False
        self._last_write = 0.0

    @property
    def progress(self) -> dict[str, Any]:
        return dict(self._progress)

    def report_progress(self, *, rows: int | None = None, percent: float | None = None,
                        message: str | None = None, force: bool = False, **extra: Any) -> None:
        """Record progress for users and the API (written at most every half second).

        Only the values given change; ``force`` writes now (the last report is always written
        when the task ends).
        """
        values = {"rows": rows, "percent": percent, "message": message, **extra}
        self._progress.update({k: v for k, v in values.items() if v is not None})
        self._dirty = True
        if force or time.monotonic() - self._last_write >= self._interval:
            self.flush()

    def flush(self) -> None:
        if not self._dirty:
            return
        from ouvert.core.models import Task, TaskStatus

        # Only while the task is ours and running: a reclaimed task must not be overwritten.
        Task.objects.filter(pk=self.task_id, status=TaskStatus.RUNNING, worker=self.worker).update(
            progress=self._progress)
        self._dirty = False
        self._last_write = time.monotonic()
