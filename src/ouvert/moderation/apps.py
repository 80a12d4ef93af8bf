from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ModerationConfig(AppConfig):
    name = "ouvert.moderation"
    label = "moderation"
    verbose_name = _("Moderation")

    def ready(self):
        from . import permissions  # noqa: F401 - registers who may flag and moderate
        from .checks import builtin  # noqa: F401 - registers the built-in checks
