"""Models shared by every app: the life cycle of published content, the background task (whose
row is the source of truth for its status), the schedule of periodic tasks and the activity
history."""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class State(models.TextChoices):
    """Where published content (an organisation, a dataset) stands in its life."""

    DRAFT = "draft", _("Draft")
    ACTIVE = "active", _("Published")
    DELETED = "deleted", _("Deleted")


class TaskStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Cancelled")


class Task(models.Model):
    """One run of a registered background task (see ``ouvert.core.tasks``).

    Users and the API read the status, progress, result and error from here whatever back end
    dispatches the work: a queue (Redis) only says which row to look at next.
    """

    name = models.CharField(_("task"), max_length=200, db_index=True)
    queue = models.CharField(_("queue"), max_length=100, default="default")
    kwargs = models.JSONField(_("arguments"), default=dict, blank=True)
    # Deduplication: at most one queued task per (name, key), e.g. one ingestion per resource.
    key = models.CharField(_("key"), max_length=255, blank=True, default="")
    status = models.CharField(_("status"), max_length=10, choices=TaskStatus.choices,
                              default=TaskStatus.QUEUED, db_index=True)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    max_attempts = models.PositiveIntegerField(_("maximum attempts"), default=3)
    run_after = models.DateTimeField(_("run after"), default=timezone.now)
    progress = models.JSONField(_("progress"), default=dict, blank=True)
    result = models.JSONField(_("result"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    worker = models.CharField(_("worker"), max_length=200, blank=True)
    lease_expires_at = models.DateTimeField(_("lease expires"), null=True, blank=True)
    heartbeat_at = models.DateTimeField(_("last heartbeat"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("background task")
        verbose_name_plural = _("background tasks")
        indexes = [
            models.Index(fields=["status", "queue", "run_after"], name="core_task_claim"),
            models.Index(fields=["status", "lease_expires_at"], name="core_task_lease"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["name", "key"],
                condition=Q(status="queued") & ~Q(key=""),
                name="core_task_one_queued_per_key",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} #{self.pk} ({self.status})"

    @property
    def is_finished(self) -> bool:
        return self.status in {TaskStatus.DONE, TaskStatus.FAILED, TaskStatus.CANCELLED}


class PeriodicTask(models.Model):
    """When a periodic task's next run falls due (see ``ouvert.core.tasks.schedule``)."""

    name = models.CharField(_("task"), max_length=200, primary_key=True)
    next_run = models.DateTimeField(_("next run"))
    last_run = models.DateTimeField(_("last run"), null=True, blank=True)

    class Meta:
        verbose_name = _("periodic task")
        verbose_name_plural = _("periodic tasks")

    def __str__(self) -> str:
        return self.name


class ActivityQuerySet(models.QuerySet):
    def history_of(self, obj: models.Model) -> ActivityQuerySet:
        """The entries of ``obj``'s history: those recorded with ``obj`` as their ``target`` (a
        dataset's history holds the entries about it and about its resources)."""
        return self.filter(target_type=ContentType.objects.get_for_model(obj), target_id=str(obj.pk))

    def about(self, obj: models.Model) -> ActivityQuerySet:
        """The entries whose object is ``obj``."""
        return self.filter(content_type=ContentType.objects.get_for_model(obj), object_id=str(obj.pk))


class Activity(models.Model):
    """One change, in any domain: who, when, what (a dotted key such as
    ``catalog.dataset.published``), to which object and which fields (``changes``: each changed
    field, ``[before, after]``). Written by ``ouvert.core.activity`` only.

    The object is a generic reference that outlives it (``object_name`` keeps a readable name);
    ``target``, when given, is the object whose history the entry belongs to (a resource's
    entries belong to its dataset's), read by ``Activity.objects.history_of``.
    """

    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    key = models.CharField(max_length=100, db_index=True)
    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.SET_NULL, null=True, blank=True,
                                     related_name="activities")
    content_type = models.ForeignKey(ContentType, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    object_id = models.CharField(max_length=64)
    object_name = models.CharField(max_length=300, blank=True)
    target_type = models.ForeignKey(ContentType, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    target_id = models.CharField(max_length=64, blank=True)
    changes = models.JSONField(default=dict, blank=True)
    created = models.DateTimeField(default=timezone.now, db_index=True)

    content_object = GenericForeignKey("content_type", "object_id")
    target = GenericForeignKey("target_type", "target_id")

    objects = ActivityQuerySet.as_manager()

    class Meta:
        ordering = ["-created", "-id"]
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        indexes = [
            models.Index(fields=["target_type", "target_id", "created"], name="core_activity_target"),
            models.Index(fields=["content_type", "object_id"], name="core_activity_object"),
        ]

    def __str__(self) -> str:
        return f"{self.key} {self.object_name}"

    @property
    def object_type(self) -> str:
        """The object's kind, by model name (``dataset``, ``resource``), as the APIs show it."""
        if self.content_type_id is None:
            return ""
        return ContentType.objects.get_for_id(self.content_type_id).model
