"""Models shared by every app: the background task, whose row is the source of truth for its status,
and the schedule of periodic tasks."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


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
