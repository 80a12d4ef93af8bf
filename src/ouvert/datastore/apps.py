from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DatastoreConfig(AppConfig):
    name = "ouvert.datastore"
    label = "datastore"
    verbose_name = _("Datastore")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from ouvert.catalog import signals as catalog_signals

        from . import signals

        catalog_signals.resource_changed.connect(signals.on_resource_changed,
                                                 dispatch_uid="datastore.resource_changed")
        catalog_signals.resource_deleted.connect(signals.on_resource_deleted,
                                                 dispatch_uid="datastore.resource_deleted")
