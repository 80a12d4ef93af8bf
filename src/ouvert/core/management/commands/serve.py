"""``ouvert serve``: the production web server (gunicorn) with static files served by WhiteNoise.

With the database task back end (the embedded default) it also starts a local ``ouvert
worker`` child process, stopped with the server, so one command runs the whole portal.
"""

from __future__ import annotations

import os
import subprocess
import sys

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections


def default_workers() -> int:
    # gunicorn's usual advice (2 x cores + 1), capped: each worker is a full Django process.
    return min(2 * (os.cpu_count() or 1) + 1, 8)


def make_application(options: dict):
    from gunicorn.app.base import BaseApplication

    class OuvertApplication(BaseApplication):
        def load_config(self):
            for key, value in options.items():
                if key in self.cfg.settings and value is not None:
                    self.cfg.set(key.lower(), value)

        def load(self):
            from ouvert.wsgi import application

            return application

    return OuvertApplication()


def worker_command(*, no_worker: bool = False) -> list[str] | None:
    """The command of the local worker ``serve`` starts, or ``None`` when none is wanted:
    the immediate back end needs none, and with Redis workers are deployed on their own."""
    if no_worker or getattr(settings, "OUVERT_TASKS", "database") != "database":
        return None
    return [sys.executable, "-m", "ouvert", "worker", "--parent-pid", str(os.getpid())]


def start_worker(command: list[str]) -> subprocess.Popen:
    return subprocess.Popen(command)


def stop_worker(process: subprocess.Popen, *, timeout: float = 35.0) -> None:
    """Ask the worker to stop (running tasks finish within its grace period), then insist."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


class Command(BaseCommand):
    help = "Serve Ouvert with gunicorn (a production WSGI server); static files come from WhiteNoise."
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1",
                            help="Address to listen on (default 127.0.0.1; 0.0.0.0 for every interface).")
        parser.add_argument("--port", type=int, default=8000, help="Port (default 8000).")
        parser.add_argument("--workers", type=int, default=default_workers(),
                            help="Worker processes (default: 2 x CPU cores + 1, at most 8).")
        parser.add_argument("--threads", type=int, default=4, help="Threads per worker (default 4).")
        parser.add_argument("--timeout", type=int, default=120, help="Seconds before a silent worker is restarted.")
        parser.add_argument("--no-access-log", action="store_true", help="Do not log each request.")
        parser.add_argument("--no-worker", action="store_true",
                            help="Do not start a background task worker (with OUVERT_TASKS=database, "
                                 "one is started by default).")

    def handle(self, *args, host: str, port: int, workers: int, threads: int, timeout: int,
               no_access_log: bool, no_worker: bool = False, **options):
        if workers < 1 or threads < 1:
            raise CommandError("--workers and --threads must be at least 1.")
        self.check(display_num_errors=False, databases=[DEFAULT_DB_ALIAS])  # with the database's own checks
        self.check_migrations()
        # The app is preloaded, then workers fork: none may inherit the checks' connection.
        connections.close_all()
        command = worker_command(no_worker=no_worker)
        task_worker = start_worker(command) if command else None
        self.stdout.write(f"Ouvert on http://{host}:{port}/ ({workers} workers x {threads} threads"
                          f"{', a background task worker' if task_worker else ''}); Ctrl-C stops.")
        self.stdout.flush()
        try:
            self._serve(host, port, workers, threads, timeout, no_access_log)
        finally:
            if task_worker is not None:
                stop_worker(task_worker)

    def _serve(self, host, port, workers, threads, timeout, no_access_log):
        make_application({
            "bind": f"[{host}]:{port}" if ":" in host else f"{host}:{port}",
            "workers": workers,
            "threads": threads,
            "worker_class": "gthread",
            "timeout": timeout,
            "graceful_timeout": 30,
            "preload_app": True,
            "accesslog": None if no_access_log else "-",
            "errorlog": "-",
            "proc_name": "ouvert",
        }).run()
