from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def _reindex_organisation(sender, *, organisation, changes, **kwargs) -> None:
    """A dataset's index entry holds its organisation's name and titles."""
    if {"title_fr", "title_en", "name"} & changes.keys():
        from .search import reindex_organisation

        reindex_organisation(organisation)


class CatalogConfig(AppConfig):
    name = "ouvert.catalog"
    label = "catalog"
    verbose_name = _("Catalog")

    def ready(self):
        from ouvert.accounts.signals import organisation_changed

        organisation_changed.connect(_reindex_organisation, dispatch_uid="catalog.reindex_organisation")
