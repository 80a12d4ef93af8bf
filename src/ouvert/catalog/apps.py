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

    def ready(self) -> None:
        from ouvert.accounts import permissions
        from ouvert.accounts import services as accounts
        from ouvert.accounts.models import Organisation
        from ouvert.accounts.signals import organisation_changed
        from ouvert.core import bootstrap
        from ouvert.notifications import followables

        from . import checks as _checks  # noqa: F401 - registers the catalog's system checks
        from . import permissions as _rules  # noqa: F401 - registers the catalog's permission rules
        from . import services
        from .demo.bootstrap import load_if_empty
        from .models import Dataset, State

        bootstrap.register("Demo catalog", load_if_empty)
        organisation_changed.connect(_reindex_organisation, dispatch_uid="catalog.reindex_organisation")
        followables.register(Dataset, kind="dataset", key=lambda dataset: dataset.name,
                             can_view=lambda actor, dataset: (dataset.state != State.DELETED
                                                              and permissions.can(actor, "dataset.view", dataset)),
                             lookup=lambda key, *, actor: services.get_dataset(key, actor=actor))
        # Organisations are public while they exist.
        followables.register(Organisation, kind="organisation", key=lambda organisation: organisation.name,
                             can_view=lambda actor, organisation: organisation.state != State.DELETED,
                             lookup=lambda key, *, actor: accounts.get_organisation(key))
