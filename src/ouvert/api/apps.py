from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def ckan_package(dataset, *, actor, language):
    """The CKAN package dict, as ``package_show`` gives it (from the same cache)."""
    from .actions.common import package_json

    return package_json(dataset, language)


class ApiConfig(AppConfig):
    name = "ouvert.api"
    label = "api"
    verbose_name = _("CKAN-compatible API")

    def ready(self) -> None:
        from ouvert.core import renderers

        # Importing the action modules fills the registry.
        from . import actions  # noqa: F401

        renderers.register("ckan", ckan_package, media_type="application/json",
                           label=_("CKAN package (JSON)"))
