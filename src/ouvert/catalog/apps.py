from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CatalogConfig(AppConfig):
    name = "ouvert.catalog"
    label = "catalog"
    verbose_name = _("Catalog")

    def ready(self) -> None:
        from ouvert.accounts import permissions
        from ouvert.notifications import followables

        from . import services
        from .models import Dataset, Organisation, State

        followables.register(Dataset, kind="dataset", key=lambda dataset: dataset.name,
                             can_view=lambda actor, dataset: (dataset.state != State.DELETED
                                                              and permissions.can(actor, "dataset.view", dataset)),
                             lookup=lambda key, *, actor: services.get_dataset(key, actor=actor))
        # Organisations are public while they exist. Registered here while catalog owns them.
        followables.register(Organisation, kind="organisation", key=lambda organisation: organisation.name,
                             can_view=lambda actor, organisation: organisation.state != State.DELETED,
                             lookup=lambda key, *, actor: services.get_organisation(key))
