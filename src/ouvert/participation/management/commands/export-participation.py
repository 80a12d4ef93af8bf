"""``ouvert export-participation DIRECTORY``: the open-data export of participation."""

from __future__ import annotations

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ouvert.participation.export import write_export


class Command(BaseCommand):
    help = "Write the public participation data (CSV, JSON and datapackage.json) into a directory."

    def add_arguments(self, parser):
        parser.add_argument("directory", help=gettext_lazy("Where to write the files (created if needed)."))

    def handle(self, *args, directory: str, **options):
        path = write_export(directory)
        self.stdout.write(_("Wrote %(path)s.") % {"path": path})
