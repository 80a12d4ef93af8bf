"""``ouvert worker``: run background tasks (``ouvert serve`` starts one with the database back end)."""

from __future__ import annotations

import argparse
import importlib

from django.core.management.base import BaseCommand, CommandError

from ouvert.core.tasks import get_backend
from ouvert.core.tasks.worker import Worker


class Command(BaseCommand):
    help = ("Run background tasks: claims queued tasks and runs each in a child process. "
            "SIGTERM or Ctrl-C lets running tasks finish (a second one gives them back).")

    def add_arguments(self, parser):
        parser.add_argument("--concurrency", type=int, default=1,
                            help="Tasks run at the same time, each in its own process (default 1).")
        parser.add_argument("--once", action="store_true",
                            help="Run what is runnable now, then exit (cron, tests).")
        parser.add_argument("--queues", default="",
                            help="Comma-separated queues to serve, in priority order (default: all).")
        parser.add_argument("--lease", type=float, default=60.0,
                            help="Seconds a stopped worker's task stays claimed before another "
                                 "worker retries it (default 60; renewed every third of that).")
        parser.add_argument("--grace", type=float, default=30.0,
                            help="Seconds running tasks get to finish on SIGTERM before they are "
                                 "given back to the queue (default 30).")
        parser.add_argument("--import", dest="imports", action="append", default=[], metavar="MODULE",
                            help="Also import MODULE to register its tasks (tasks outside an app's "
                                 "tasks.py); may be repeated.")
        # Set by `ouvert serve` to its own pid: the worker leaves when that server is gone, even
        # when it was killed outright. A pid, not "my parent at start-up", since the server may
        # die before the worker has started.
        parser.add_argument("--parent-pid", type=int, default=None, help=argparse.SUPPRESS)

    def handle(self, *args, concurrency: int, once: bool, queues: str, lease: float, grace: float,
               imports: list[str], parent_pid: int | None, **options):
        if concurrency < 1:
            raise CommandError("--concurrency must be at least 1.")
        if lease < 1:
            raise CommandError("--lease must be at least 1 second.")
        backend = get_backend()
        if not backend.needs_worker:
            raise CommandError(f"OUVERT_TASKS={backend.name} runs tasks in the process that queues "
                               "them: there is nothing for a worker to do.")
        for module in imports:
            try:
                importlib.import_module(module)
            except ImportError as exc:
                raise CommandError(f"--import {module}: {exc}") from exc
        worker = Worker(backend=backend, concurrency=concurrency, once=once, lease=lease, grace=grace,
                        queues=[q.strip() for q in queues.split(",") if q.strip()],
                        parent_pid=parent_pid)
        if options["verbosity"] >= 1:
            self.stdout.write(f"Worker {worker.id} ({backend.name}, concurrency {concurrency}); "
                              "Ctrl-C stops.")
            self.stdout.flush()
        worker.run()
