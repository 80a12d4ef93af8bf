from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    name = "ouvert.api"
    label = "api"
    verbose_name = _("CKAN-compatible API")

    def ready(self) -> None:
        # Importing the action modules fills the registry.
        from . import actions  # noqa: F401
