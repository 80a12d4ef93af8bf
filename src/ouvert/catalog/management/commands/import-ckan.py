"""``ouvert import-ckan FILE``: load a CKAN portal's catalog from a ``ckanapi dump datasets`` file.

Safe to run again: records already imported are updated, or reported unchanged.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ouvert.catalog.importers.ckan import FALLBACK_ORGANISATION, CkanImporter


class Command(BaseCommand):
    help = (
        "Import organisations, datasets and resources (as links) from a `ckanapi dump datasets` "
        "file (JSON lines, gzipped or not). Safe to run again: changed records are updated."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help=gettext_lazy("The dump: one CKAN package (JSON) per line; .gz is read as is."))
        parser.add_argument("--limit", type=int, default=None,
                            help=gettext_lazy("Import only the first N records (to try a file out)."))
        parser.add_argument("--every", type=int, default=250,
                            help=gettext_lazy("Report progress every N records (default: 250)."))
        parser.add_argument("--quiet", action="store_true", help=gettext_lazy("No progress lines."))
        parser.add_argument("--language", choices=["en", "fr"], default="en",
                            help=gettext_lazy("Language of text given in one language only (default: en)."))
        parser.add_argument("--organisation", default=FALLBACK_ORGANISATION,
                            help=gettext_lazy("Organisation for new datasets whose record names none known "
                                              "(created if needed; default: %(default)s)."))

    def handle(self, *args, file: str, limit: int | None, every: int, quiet: bool, language: str,
               organisation: str, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(_("No such file: %(path)s") % {"path": path})
        every = max(every, 1)
        started = time.monotonic()
        show = not quiet and options["verbosity"] > 0

        def progress(records: int, fraction: float) -> None:
            if show and records % every == 0:
                sys.stderr.write(_("%(records)d records (%(percent)d%% of the file), %(seconds)d s\n") % {
                    "records": records, "percent": round(fraction * 100), "seconds": time.monotonic() - started})
                sys.stderr.flush()

        importer = CkanImporter(language=language, fallback_organisation=organisation)
        report = importer.import_file(path, limit=limit, progress=progress)
        for line in report.lines():
            self.stdout.write(line)
