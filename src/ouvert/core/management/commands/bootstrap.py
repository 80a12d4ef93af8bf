"""``ouvert bootstrap``: everything a fresh or updated installation needs before serving.

Compiles translations, applies migrations (then runs the database's system checks), collects
static files, then runs the steps the apps register (``ouvert.core.bootstrap``): the catalog
loads its demo when it is empty. Each step is idempotent, so running it again is cheap.
"""

from __future__ import annotations

import time

from django.core.checks import Tags
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import DEFAULT_DB_ALIAS

from ouvert.core import bootstrap


class Command(BaseCommand):
    help = "Compile translations, migrate, collect static files and load the demo catalog if empty."

    def add_arguments(self, parser):
        parser.add_argument("--no-demo", action="store_true", help="Never load the demo catalog.")

    def handle(self, *args, no_demo: bool = False, **options):
        verbosity = options["verbosity"]
        # Nested commands write to the underlying stream: wrapping our OutputWrapper again would
        # add a newline after each partial line ("Applying ... OK").
        self._stream = getattr(self.stdout, "_out", self.stdout)
        steps = [
            ("Compiling translations", lambda: call_command("compiletranslations", verbosity=verbosity, stdout=self._stream)),
            ("Applying migrations", lambda: self._migrate(verbosity)),
            ("Collecting static files", lambda: call_command("collectstatic", interactive=False, verbosity=verbosity, stdout=self._stream)),
        ]
        steps += [(step.label, lambda run=step.run: run(stdout=self.stdout, stream=self._stream, verbosity=verbosity,
                                                         demo=not no_demo))
                  for step in bootstrap.steps()]
        started = time.monotonic()
        for number, (label, step) in enumerate(steps, 1):
            self.stdout.write(self.style.MIGRATE_HEADING(f"[{number}/{len(steps)}] {label}"))
            step_started = time.monotonic()
            step()
            if verbosity >= 2:
                self.stdout.write(f"    ({time.monotonic() - step_started:.1f} s)")
        self.stdout.write(self.style.SUCCESS(f"Ready ({time.monotonic() - started:.1f} s)."))

    def _migrate(self, verbosity: int) -> None:
        call_command("migrate", interactive=False, verbosity=verbosity, stdout=self._stream)
        # The checks of the migrated database (such as the catalog's triggers, which a migration
        # may have dropped): ``migrate`` runs them before migrating, if at all.
        self.check(tags=[Tags.database], databases=[DEFAULT_DB_ALIAS], display_num_errors=False)
