"""The worker: claims tasks from the back end and runs each in a child process.

The parent process never runs task code. It claims, renews leases (the heartbeat), enforces
time limits and recovers the tasks of stopped workers; each task runs in a forked child, so a
task that crashes, leaks or hangs cannot take the worker down, and one past its time limit can
be killed. The parent keeps no threads, which is what makes forking it safe.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import secrets
import signal
import socket
import threading
import time
from dataclasses import dataclass, field

from django.db import connections

from . import registry, runner, schedule
from .backends import TaskBackend, get_backend

logger = logging.getLogger("ouvert.tasks")

KILL_AFTER = 5.0  # seconds between asking a child to stop (SIGTERM) and killing it


@dataclass
class _Running:
    task_id: int
    name: str
    process: multiprocessing.Process
    timeout: float | None
    reason: str = ""  # why the parent stopped the child: "timeout", "lost", "release"
    signalled_at: float | None = None
    started: float = field(default_factory=time.monotonic)

    @property
    def deadline(self) -> float | None:
        return self.started + self.timeout if self.timeout else None


def _child(task, worker: str, parent_pid: int, backend: TaskBackend) -> None:
    # Ctrl-C in a terminal reaches the whole process group: the parent decides what happens
    # to the task, so the child ignores it. SIGTERM from the parent ends it.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    _killed_with_parent(parent_pid)
    threading.Thread(target=_exit_with_parent, args=(parent_pid,), daemon=True).start()
    try:
        again = runner.execute(task, worker=worker)
        if again is not None:
            backend.dispatch(again)
    finally:
        connections.close_all()


def _killed_with_parent(parent_pid: int) -> None:
    """On Linux, have the kernel kill this child the moment its worker dies: the check below
    runs every 0.2 s, time enough for a task near its end to commit what the worker's death
    should have stopped (a new table version published by a task whose lease is lost)."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        return
    if os.getppid() != parent_pid:  # the worker died before the request took effect
        os._exit(70)


def _exit_with_parent(parent_pid: int) -> None:
    """A worker killed outright (SIGKILL, out of memory) must not leave its task running on:
    its lease will expire and another worker will run the task again."""
    while True:
        time.sleep(0.2)
        if os.getppid() != parent_pid:
            os._exit(70)


class Worker:
    def __init__(self, *, backend: TaskBackend | None = None, concurrency: int = 1,
                 queues: list[str] | None = None, once: bool = False, lease: float = 60.0,
                 grace: float = 30.0, idle_wait: float = 2.0, parent_pid: int | None = None):
        if concurrency < 1:
            raise ValueError("concurrency must be at least 1")
        self.backend = backend or get_backend()
        self.concurrency = concurrency
        self.queues = queues or None
        self.once = once
        self.lease = lease
        self.grace = grace
        self.idle_wait = idle_wait
        self.parent_pid = parent_pid  # stop when this process is no longer our parent
        self.id = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"
        self.running: dict[int, _Running] = {}
        self.completed = 0
        self._stop_requested_at: float | None = None
        self._release_now = False
        self._wake = threading.Event()
        self._fork = multiprocessing.get_context("fork")

    # --- control -------------------------------------------------------------------------

    def stop(self, *, release: bool = False) -> None:
        """Stop claiming; running tasks finish (within ``grace``) or, with ``release``, go back."""
        if self._stop_requested_at is None:
            self._stop_requested_at = time.monotonic()
            logger.info("worker %s stopping: %d task(s) running", self.id, len(self.running))
        elif not release:
            release = True  # a second request means "now"
        self._release_now = self._release_now or release
        self._wake.set()

    def _on_signal(self, signum, frame) -> None:
        self.stop()

    # --- main loop -----------------------------------------------------------------------

    def run(self) -> int:
        """Run until stopped (or, with ``once``, until nothing is runnable); returns tasks run."""
        registry.autodiscover()
        previous = {}
        if threading.current_thread() is threading.main_thread():
            for signum in (signal.SIGTERM, signal.SIGINT):
                previous[signum] = signal.signal(signum, self._on_signal)
        logger.info("worker %s started (back end %s, concurrency %d, queues %s)", self.id,
                    self.backend.name, self.concurrency, ", ".join(self.queues or ["all"]))
        try:
            self._loop()
        finally:
            self._abandon()
            for signum, handler in previous.items():
                signal.signal(signum, handler)
            connections.close_all()
            logger.info("worker %s stopped after %d task(s)", self.id, self.completed)
        return self.completed

    def _loop(self) -> None:
        next_heartbeat = next_recovery = 0.0
        idle_polls = 0
        while True:
            now = time.monotonic()
            try:
                self._collect()
                self._enforce_limits(now)
                if now >= next_heartbeat:
                    self._heartbeat()
                    next_heartbeat = now + self.lease / 3
                if self._stop_requested_at is None and now >= next_recovery:
                    self.backend.recover()
                    schedule.enqueue_due()
                    next_recovery = now + min(self.lease / 2, 5.0)
            except Exception:
                logger.exception("worker %s: database or queue unavailable; retrying", self.id)
                connections.close_all()
                self._sleep(self.idle_wait)
                continue

            if self.parent_pid is not None and os.getppid() != self.parent_pid:
                self.stop()
            if self._stop_requested_at is not None:
                if not self.running:
                    return
                if self._release_now or now - self._stop_requested_at > self.grace:
                    self._release_all(now)
                self._sleep(0.1)
                continue
            if len(self.running) >= self.concurrency:
                self._sleep(0.1)
                continue

            # Short waits while tasks run (they need watching) or work keeps coming; longer
            # ones, doubling, when the queue stays empty.
            wait = 0.1 if self.running else min(0.1 * 2 ** idle_polls, self.idle_wait)
            if self.once:
                wait = 0.0
            try:
                task = self.backend.claim(worker=self.id, queues=self.queues, lease=self.lease,
                                          wait=wait)
            except Exception:
                logger.exception("worker %s: could not claim a task; retrying", self.id)
                connections.close_all()
                self._sleep(self.idle_wait)
                continue
            if task is not None:
                idle_polls = 0
                self._start(task)
                continue
            idle_polls += 1
            if self.once:
                if not self.running:
                    return
                self._sleep(0.1)

    def _sleep(self, seconds: float) -> None:
        self._wake.wait(seconds)
        self._wake.clear()

    # --- children ------------------------------------------------------------------------

    def _start(self, task) -> None:
        definition = registry.get(task.name)
        timeout = definition.timeout if definition else None
        # The child must open its own database connections, never share the parent's.
        connections.close_all()
        process = self._fork.Process(target=_child, args=(task, self.id, os.getpid(), self.backend),
                                     name=f"ouvert-task-{task.pk}", daemon=False)
        process.start()
        self.running[task.pk] = _Running(task.pk, task.name, process, timeout)
        logger.info("worker %s: task %s #%s started (pid %s)", self.id, task.name, task.pk, process.pid)

    def _collect(self) -> None:
        """Record the end of children that exited; the ones that crashed fail their attempt."""
        for task_id, running in list(self.running.items()):
            if running.process.is_alive():
                continue
            running.process.join()
            del self.running[task_id]
            self.completed += 1
            if running.reason == "release":
                again = runner.release(task_id, worker=self.id)
            else:
                code = running.process.exitcode
                message = (runner.timeout_message(running.timeout) if running.reason == "timeout"
                           else runner.crashed_message(code))
                # A no-op when the child recorded the outcome itself (the usual case).
                again = runner.fail_attempt(task_id, worker=self.id, message=message)
            if again is not None:
                self.backend.dispatch(again)
            self.backend.acknowledge(task_id, worker=self.id)

    def _enforce_limits(self, now: float) -> None:
        for running in self.running.values():
            if running.signalled_at is None:
                if running.deadline is not None and now > running.deadline:
                    logger.warning("task %s #%s exceeded its time limit; stopping it",
                                   running.name, running.task_id)
                    self._signal(running, "timeout", now)
            elif now - running.signalled_at > KILL_AFTER and running.process.is_alive():
                running.process.kill()

    def _signal(self, running: _Running, reason: str, now: float) -> None:
        running.reason = reason
        running.signalled_at = now
        if running.process.is_alive():
            running.process.terminate()

    def _heartbeat(self) -> None:
        held = self.backend.heartbeat(list(self.running), worker=self.id, lease=self.lease)
        for task_id, running in self.running.items():
            if task_id not in held and running.signalled_at is None:
                # Another worker took it over (we were too slow to renew): two runs must not
                # write the same output, so ours stops.
                logger.warning("task %s #%s: lease lost; stopping it", running.name, task_id)
                self._signal(running, "lost", time.monotonic())

    def _release_all(self, now: float) -> None:
        for running in self.running.values():
            if running.signalled_at is None:
                logger.info("task %s #%s given back to the queue", running.name, running.task_id)
                self._signal(running, "release", now)

    def _abandon(self) -> None:
        """Leaving on an error: stop the children and give their tasks back."""
        if not self.running:
            return
        self._release_all(time.monotonic())
        deadline = time.monotonic() + KILL_AFTER
        while self.running and time.monotonic() < deadline + 1:
            try:
                self._collect()
            except Exception:
                logger.exception("worker %s: could not give tasks back", self.id)
                return
            if time.monotonic() > deadline:
                for running in self.running.values():
                    running.process.kill()
            time.sleep(0.05)
