"""``ouvert export-participation DIRECTORY [--publish]``: the open-data export of participation."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ouvert.core.errors import DomainError
from ouvert.participation.export import publish_export, write_export


class Command(BaseCommand):
    help = ("Write the public participation data (CSV, JSON and datapackage.json) into a directory; with "
            "--publish, also publish it as a dataset of the catalog (a re-run updates it).")

    def add_arguments(self, parser):
        parser.add_argument("directory", help=gettext_lazy("Where to write the files (created if needed)."))
        parser.add_argument("--publish", action="store_true", help=gettext_lazy(
            "Publish the files as a catalog dataset, one resource per file."))
        parser.add_argument("--organisation", default=None, help=gettext_lazy(
            "The organisation that owns the dataset (default: OUVERT_PARTICIPATION_EXPORT_ORGANISATION)."))
        parser.add_argument("--dataset", default="participation", help=gettext_lazy(
            "The dataset's name (default: participation)."))

    def handle(self, *args, directory: str, publish: bool, organisation: str | None, dataset: str, **options):
        if not publish:
            path = write_export(directory)
            self.stdout.write(_("Wrote %(path)s.") % {"path": path})
            return
        from ouvert.accounts.services import get_organisation

        name = organisation or settings.OUVERT_PARTICIPATION_EXPORT_ORGANISATION
        if not name:
            raise CommandError(_("Name the organisation that publishes the dataset: --organisation NAME or "
                                 "OUVERT_PARTICIPATION_EXPORT_ORGANISATION."))
        try:
            owner = get_organisation(name)
            result = publish_export(directory, organisation=owner, dataset_name=dataset)
        except DomainError as exc:
            raise CommandError(str(exc)) from None
        summary = ", ".join(f"{n} {what}" for what, n in sorted(result.counts.items()))
        self.stdout.write(_("Published %(url)s (%(summary)s).")
                          % {"url": settings.SITE_URL + result.dataset.get_absolute_url(), "summary": summary})
