"""The catalog's bootstrap step (``ouvert.core.bootstrap``): the demo catalog, into an empty catalog."""

from __future__ import annotations

from django.core.management import call_command


def load_if_empty(*, stdout, stream, verbosity: int, demo: bool) -> None:
    from ouvert.catalog.models import Dataset

    if not demo:
        stdout.write("Skipped (--no-demo).")
    elif Dataset.objects.exists():
        stdout.write("Skipped: the catalog already has datasets (run `ouvert demo` to refresh it).")
    else:
        call_command("demo", verbosity=verbosity, stdout=stream)
