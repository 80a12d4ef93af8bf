"""``ouvert reindex``: rebuild the catalog search index from the catalog."""

from __future__ import annotations

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ouvert.catalog.search import rebuild_index


class Command(BaseCommand):
    help = gettext_lazy(
        "Rebuild the catalog search index (after an upgrade, a restore or a change of search back end)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--every", type=int, default=500,
                            help=gettext_lazy("Report progress every N datasets (default: 500)."))

    def handle(self, *args, every: int, **options):
        every = max(every, 1)
        verbose = options["verbosity"] > 0

        def progress(done: int, total: int) -> None:
            if verbose and (done % every == 0 or done == total):
                self.stdout.write(_("Indexed %(done)d of %(total)d datasets…") % {"done": done, "total": total})

        count = rebuild_index(progress=progress)
        if verbose:
            self.stdout.write(self.style.SUCCESS(_("Search index rebuilt: %(count)d datasets.") % {"count": count}))
