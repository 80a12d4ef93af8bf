"""``ouvert serve``: the production web server (gunicorn) with static files served by WhiteNoise."""

from __future__ import annotations

import os

from django.core.management.base import BaseCommand, CommandError
from django.db import connections


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

    def handle(self, *args, host: str, port: int, workers: int, threads: int, timeout: int,
               no_access_log: bool, **options):
        if workers < 1 or threads < 1:
            raise CommandError("--workers and --threads must be at least 1.")
        self.check(display_num_errors=False)
        self.check_migrations()
        # The app is preloaded, then workers fork: none may inherit the checks' connection.
        connections.close_all()
        self.stdout.write(f"Ouvert on http://{host}:{port}/ ({workers} workers x {threads} threads); Ctrl-C stops.")
        self.stdout.flush()
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
