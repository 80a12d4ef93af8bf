"""The datastore's records: each resource's table versions, the version served, and the data
dictionary publishers write.

A table version is one Parquet file under ``datastore/<resource_id>/v<n>.parquet`` in the
default storage. Only a ``ready`` version is ever served, and a resource serves at most one:
``DataTable.active_version``. A new version is published (made active, the previous one
superseded) in one transaction, after its Parquet file is complete.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from ouvert.catalog.models import Resource

from .ingest import FIELD_TYPES


class VersionStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Loading")
    READY = "ready", _("Ready")
    FAILED = "failed", _("Failed")
    SUPERSEDED = "superseded", _("Superseded")


class VersionOrigin(models.TextChoices):
    FILE = "file", _("The resource's file or link")
    API = "api", _("Records sent through the API")


class TableVersion(models.Model):
    """One load of a resource's data into a typed Parquet table."""

    Status = VersionStatus

    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="table_versions")
    number = models.PositiveIntegerField(_("version"))
    status = models.CharField(_("status"), max_length=12, choices=VersionStatus.choices,
                              default=VersionStatus.QUEUED, db_index=True)
    origin = models.CharField(_("origin"), max_length=8, choices=VersionOrigin.choices,
                              default=VersionOrigin.FILE)
    # Storage-relative; set only when the version is published (never for a partial file).
    parquet = models.CharField(_("Parquet file"), max_length=500, blank=True)
    schema = models.JSONField(_("Table Schema"), default=dict, blank=True)
    report = models.JSONField(_("quality report"), default=dict, blank=True)
    rows = models.BigIntegerField(_("rows"), null=True, blank=True)
    columns = models.JSONField(_("columns"), default=list, blank=True)
    encoding = models.CharField(_("encoding"), max_length=50, blank=True)
    dialect = models.JSONField(_("dialect"), null=True, blank=True)
    options = models.JSONField(_("ingestion options"), default=dict, blank=True)
    error = models.TextField(_("error"), blank=True)
    progress = models.JSONField(_("progress"), default=dict, blank=True)
    task = models.ForeignKey("core.Task", on_delete=models.SET_NULL, null=True, blank=True,
                             related_name="+")
    source_sha256 = models.CharField(_("source SHA-256"), max_length=64, blank=True)
    created = models.DateTimeField(_("created"), auto_now_add=True)
    finished = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        ordering = ["resource", "-number"]
        verbose_name = _("table version")
        verbose_name_plural = _("table versions")
        constraints = [
            models.UniqueConstraint(fields=["resource", "number"], name="datastore_version_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.resource_id} v{self.number} ({self.status})"

    @property
    def is_pending(self) -> bool:
        return self.status in (VersionStatus.QUEUED, VersionStatus.RUNNING)


class DataTable(models.Model):
    """A resource's place in the datastore: which version is served, and its primary key when
    the table was pushed through the API."""

    resource = models.OneToOneField(Resource, on_delete=models.CASCADE, related_name="datatable")
    active_version = models.ForeignKey(TableVersion, on_delete=models.SET_NULL, null=True, blank=True,
                                       related_name="+")
    primary_key = models.JSONField(_("primary key"), default=list, blank=True)
    modified = models.DateTimeField(_("modified"), auto_now=True)

    class Meta:
        verbose_name = _("datastore table")
        verbose_name_plural = _("datastore tables")

    def __str__(self) -> str:
        return f"{self.resource_id} → {self.active_version_id}"


class ColumnInfo(models.Model):
    """The data dictionary: a column's labels and descriptions in both languages, and the type
    the publisher wants instead of the detected one (applied on the next ingestion)."""

    TYPE_CHOICES = [(t, t) for t in FIELD_TYPES]

    resource = models.ForeignKey(Resource, on_delete=models.CASCADE)
    name = models.CharField(_("column"), max_length=300)
    label_fr = models.CharField(_("label (French)"), max_length=300, blank=True)
    label_en = models.CharField(_("label (English)"), max_length=300, blank=True)
    description_fr = models.TextField(_("description (French)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    type_override = models.CharField(_("type override"), max_length=10, blank=True,
                                     choices=TYPE_CHOICES)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["resource", "position", "name"]
        verbose_name = _("column description")
        verbose_name_plural = _("column descriptions")
        constraints = [
            models.UniqueConstraint(fields=["resource", "name"], name="datastore_column_unique"),
        ]

    def __str__(self) -> str:
        return self.name
