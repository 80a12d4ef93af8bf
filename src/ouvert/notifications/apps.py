from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "ouvert.notifications"
    label = "notifications"
    verbose_name = _("Notifications")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from ouvert.core import panels

        from .views import follow_panel

        # The follow button on the catalog's pages; participation registers it on challenges and ideas.
        for page in ("dataset", "organisation"):
            panels.register(page, "actions", template="notifications/follow_button.html", context=follow_panel,
                            order=100, condition=lambda request, obj: request.user.is_authenticated)
