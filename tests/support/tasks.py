"""Tasks for the tests of the task back ends, registered when this module is imported (a
worker process: ``ouvert worker --import tests.support.tasks``, with the repository on its
``PYTHONPATH``). Their names keep the ``core.testing.`` prefix they were first given."""

from __future__ import annotations

import os
import signal
import tempfile
import time
from pathlib import Path

from ouvert.core.tasks.registry import task


@task(name="core.testing.echo", max_attempts=1, timeout=30)
def echo(context, **kwargs):
    context.report_progress(message="echo", force=True)
    return kwargs


@task(name="core.testing.fail", max_attempts=2, timeout=30, retry_delay=0)
def fail(context, *, message="This task always fails."):
    raise RuntimeError(message)


@task(name="core.testing.flaky", max_attempts=3, timeout=30, retry_delay=0)
def flaky(context, *, succeed_on: int = 2):
    if context.attempt < succeed_on:
        raise RuntimeError(f"attempt {context.attempt} fails on purpose")
    return {"attempt": context.attempt}


@task(name="core.testing.sleep", max_attempts=1, timeout=1, retry_delay=0)
def sleep(context, *, seconds: float = 10):
    time.sleep(seconds)
    return {"slept": seconds}


@task(name="core.testing.crash", max_attempts=1, timeout=30)
def crash(context):
    os.kill(os.getpid(), signal.SIGKILL)


def _write_slowly(context, *, path: str, rows: int = 50, delay: float = 0.05, text: str = "new"):
    """Write ``rows`` lines to ``path`` the way an ingestion publishes a table: into a temporary
    file beside it, renamed over the previous version only once complete."""
    target = Path(path)
    for leftover in target.parent.glob(f".{target.name}.*.tmp"):
        leftover.unlink()  # from an attempt killed before its rename
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    with os.fdopen(fd, "w") as out:
        for row in range(1, rows + 1):
            out.write(f"{text} {row}\n")
            out.flush()
            context.report_progress(rows=row, percent=round(100 * row / rows, 1))
            time.sleep(delay)
        os.fsync(out.fileno())
    os.replace(tmp, target)
    return {"rows": rows}


@task(name="core.testing.write_slowly", max_attempts=2, timeout=120, retry_delay=0)
def write_slowly(context, **kwargs):
    return _write_slowly(context, **kwargs)


@task(name="core.testing.write_slowly_once", max_attempts=1, timeout=120, retry_delay=0)
def write_slowly_once(context, **kwargs):
    return _write_slowly(context, **kwargs)
