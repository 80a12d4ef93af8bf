from django.apps import AppConfig


class NoticeboardConfig(AppConfig):
    name = "tests.apps.noticeboard"
    label = "noticeboard"
    verbose_name = "Notice board"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.urls import reverse

        from ouvert import moderation
        from ouvert.accounts import permissions
        from ouvert.core import panels
        from ouvert.core.tasks import periodic
        from ouvert.notifications import followables

        from . import permissions as _rules  # noqa: F401 - registers the notice board's permission rules
        from . import services, tasks
        from .models import Bulletin

        moderation.register(
            Bulletin, kind="bulletin", organisation=lambda bulletin: bulletin.organisation,
            text=lambda bulletin: bulletin.body, title=lambda bulletin: bulletin.title,
            url=lambda bulletin: reverse("web:dataset", args=[bulletin.dataset.name]) + f"#bulletin-{bulletin.pk}",
            select_related=("organisation", "dataset"),
        )
        followables.register(Bulletin, kind="bulletin",
                             can_view=lambda actor, bulletin: permissions.can(actor, "bulletin.view", bulletin),
                             lookup=services.get_bulletin)
        panels.register("dataset", "main", template="noticeboard/panel.html", context=services.dataset_panel,
                        order=90)
        periodic(tasks.archive_expired, minutes=60)
