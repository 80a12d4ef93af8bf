from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def _resource_sections(request, resource):
    from .views import resource_sections

    return resource_sections(request, resource)


class DatastoreConfig(AppConfig):
    name = "ouvert.datastore"
    label = "datastore"
    verbose_name = _("Datastore")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from ouvert.catalog import signals as catalog_signals
        from ouvert.core import panels

        from . import signals

        catalog_signals.resource_changed.connect(signals.on_resource_changed,
                                                 dispatch_uid="datastore.resource_changed")
        catalog_signals.resource_deleted.connect(signals.on_resource_deleted,
                                                 dispatch_uid="datastore.resource_deleted")
        # The resource page's table: status, preview, chart builder, dictionary, quality, API.
        panels.register("resource", "head", template="datastore/head.html", order=10)
        panels.register("resource", "main", template="datastore/sections.html", context=_resource_sections, order=10)
