"""The catalog: datasets, resources, tags, themes and licences."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from ouvert.accounts.models import Organisation
from ouvert.core.i18n import BilingualMixin
from ouvert.core.models import State
from ouvert.core.validators import NAME_VALIDATOR

from .revisions import new_revision


class Frequency(models.TextChoices):
    """Update frequencies, after the EU Publications Office frequency vocabulary used by DCAT-AP."""

    CONTINUOUS = "continuous", _("Continuously updated")
    DAILY = "daily", _("Daily")
    WEEKLY = "weekly", _("Weekly")
    MONTHLY = "monthly", _("Monthly")
    QUARTERLY = "quarterly", _("Quarterly")
    BIANNUAL = "biannual", _("Twice a year")
    ANNUAL = "annual", _("Annually")
    IRREGULAR = "irregular", _("Irregularly")
    AS_NEEDED = "as_needed", _("As needed")
    NEVER = "never", _("Never (historical)")
    UNKNOWN = "unknown", _("Unknown")


class Theme(BilingualMixin, models.Model):
    """A theme groups datasets across organisations (CKAN calls them groups)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(_("name"), max_length=100, unique=True, validators=[NAME_VALIDATOR])
    title_fr = models.CharField(_("title (French)"), max_length=300, blank=True)
    title_en = models.CharField(_("title (English)"), max_length=300, blank=True)
    description_fr = models.TextField(_("description (French)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    image_url = models.URLField(_("image URL"), blank=True)
    created = models.DateTimeField(auto_now_add=True)
    modified = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("theme")
        verbose_name_plural = _("themes")

    def __str__(self) -> str:
        return str(self.title) or self.name

    def get_absolute_url(self) -> str:
        return reverse("web:theme", args=[self.name])


class Licence(BilingualMixin, models.Model):
    id = models.CharField(primary_key=True, max_length=100)
    title_fr = models.CharField(max_length=300)
    title_en = models.CharField(max_length=300)
    url = models.URLField(blank=True)
    is_open = models.BooleanField(default=True)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("licence")
        verbose_name_plural = _("licences")

    def __str__(self) -> str:
        return str(self.title)


class Tag(models.Model):
    """A keyword in one language (``language`` is empty for words shared by both)."""

    name = models.CharField(max_length=100)
    language = models.CharField(max_length=2, blank=True, choices=[("fr", _("French")), ("en", _("English"))])

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["name", "language"], name="tag_unique_name_language")]

    def __str__(self) -> str:
        return self.name


class Dataset(BilingualMixin, models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(_("name"), max_length=100, unique=True, validators=[NAME_VALIDATOR])
    title_fr = models.CharField(_("title (French)"), max_length=300, blank=True)
    title_en = models.CharField(_("title (English)"), max_length=300, blank=True)
    description_fr = models.TextField(_("description (French)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="datasets")
    licence = models.ForeignKey(Licence, on_delete=models.PROTECT, null=True, blank=True, related_name="datasets")
    tags = models.ManyToManyField(Tag, blank=True, related_name="datasets")
    themes = models.ManyToManyField(Theme, blank=True, related_name="datasets")
    frequency = models.CharField(_("update frequency"), max_length=20, choices=Frequency.choices, default=Frequency.UNKNOWN)
    temporal_start = models.DateField(_("coverage start"), null=True, blank=True)
    temporal_end = models.DateField(_("coverage end"), null=True, blank=True)
    spatial = models.CharField(_("spatial coverage"), max_length=300, blank=True)
    contact_name = models.CharField(_("contact name"), max_length=200, blank=True)
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    source_url = models.URLField(_("source page"), max_length=1000, blank=True)
    version = models.CharField(_("version"), max_length=100, blank=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.DRAFT, db_index=True)
    private = models.BooleanField(_("private"), default=False, db_index=True)
    extras = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created = models.DateTimeField(auto_now_add=True, db_index=True)
    modified = models.DateTimeField(auto_now=True, db_index=True)
    published = models.DateTimeField(null=True, blank=True)
    # Raised by the database on every change to the dataset or to what it is shown with
    # (ouvert.catalog.revisions); only its first value comes from the application.
    revision = models.BigIntegerField(default=new_revision, editable=False)
    # Raised by the database on every change to its resources' datastore tables.
    datastore_revision = models.BigIntegerField(default=0, editable=False)

    class Meta:
        ordering = ["-modified"]
        verbose_name = _("dataset")
        verbose_name_plural = _("datasets")
        indexes = [models.Index(fields=["state", "private", "organisation"])]

    def __str__(self) -> str:
        return str(self.title) or self.name

    def get_absolute_url(self) -> str:
        return reverse("web:dataset", args=[self.name])

    @property
    def is_public(self) -> bool:
        return self.state == State.ACTIVE and not self.private

    @property
    def revisions(self) -> tuple[int, int]:
        """What a copy of the dataset's package dict is kept under: ``revision`` and
        ``datastore_revision`` as read with the dataset."""
        return (self.revision, self.datastore_revision)


def resource_upload_to(instance: Resource, filename: str) -> str:
    return f"resources/{instance.dataset_id}/{instance.id}/{filename}"


class Resource(BilingualMixin, models.Model):
    class Kind(models.TextChoices):
        UPLOAD = "upload", _("Uploaded file")
        URL = "url", _("Link")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    dataset = models.ForeignKey(Dataset, on_delete=models.CASCADE, related_name="resources")
    title_fr = models.CharField(_("title (French)"), max_length=300, blank=True)
    title_en = models.CharField(_("title (English)"), max_length=300, blank=True)
    description_fr = models.TextField(_("description (French)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    file = models.FileField(upload_to=resource_upload_to, max_length=500, blank=True)
    url = models.URLField(_("URL"), max_length=2000, blank=True)
    filename = models.CharField(max_length=255, blank=True)
    format = models.CharField(_("format"), max_length=50, blank=True)
    media_type = models.CharField(max_length=150, blank=True)
    size = models.BigIntegerField(null=True, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    position = models.PositiveIntegerField(default=0)
    extras = models.JSONField(default=dict, blank=True)
    created = models.DateTimeField(auto_now_add=True)
    modified = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["position", "created"]
        # A dataset's resources in display order, and its last position, read from the index:
        # adding the 201st resource costs what adding the 6th does.
        indexes = [models.Index(fields=["dataset", "position", "created"], name="catalog_resource_order")]
        verbose_name = _("resource")
        verbose_name_plural = _("resources")

    def __str__(self) -> str:
        return str(self.title) or self.filename or str(self.id)

    def get_absolute_url(self) -> str:
        return reverse("web:resource", args=[self.dataset.name, self.id])

    def download_path(self) -> str:
        """Stable download address: uploaded files are served by us, links point away."""
        if self.kind == self.Kind.URL:
            return self.url
        return reverse("web:resource_download", args=[self.dataset.name, self.id, self.filename or "file"])
