"""A periodic task for the worker tests, registered only where imported
(``ouvert worker --import ouvert.core.tests.periodic_tasks``)."""

from __future__ import annotations

import os

from ouvert.core.tasks import periodic, task


@task(name="core.testing.tick", max_attempts=1, timeout=30)
def tick(context):
    return {"pid": os.getpid()}


periodic("core.testing.tick", minutes=1)
