from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ParticipationConfig(AppConfig):
    name = "ouvert.participation"
    label = "participation"
    verbose_name = _("Participation")

    def ready(self) -> None:
        from ouvert.accounts import permissions
        from ouvert.core import panels
        from ouvert.notifications import followables
        from ouvert.notifications.views import follow_panel

        from . import moderated, services
        from . import permissions as _rules  # noqa: F401 - registers participation's permission rules
        from .models import Challenge, Idea
        from .views.panels import dataset_panel

        moderated.register()
        panels.register("dataset", "main", template="participation/includes/dataset_participation.html",
                        context=dataset_panel, order=50)
        # The generic follow button, for public challenges and visible ideas only.
        panels.register("challenge", "actions", template="notifications/follow_button.html", context=follow_panel,
                        order=10, condition=lambda request, challenge: request.user.is_authenticated
                        and challenge.is_public)
        panels.register("idea", "actions", template="notifications/follow_button.html", context=follow_panel,
                        order=10, condition=lambda request, idea: request.user.is_authenticated and idea.is_visible)
        followables.register(Challenge, kind="challenge", key=lambda challenge: challenge.name,
                             can_view=lambda actor, challenge: permissions.can(actor, "challenge.view", challenge),
                             lookup=lambda key, *, actor: services.get_challenge(key, actor=actor))
        followables.register(Idea, kind="idea", can_view=lambda actor, idea: permissions.can(actor, "idea.view", idea),
                             lookup=lambda key, *, actor: services.get_idea(key, actor=actor))
