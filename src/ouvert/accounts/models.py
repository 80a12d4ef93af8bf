"""Users, organisations with their memberships and roles, and API tokens."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from pathlib import PurePosixPath

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ouvert.core.i18n import BilingualMixin
from ouvert.core.models import State
from ouvert.core.validators import NAME_VALIDATOR


class User(AbstractUser):
    email = models.EmailField(_("e-mail address"), unique=True)
    email_verified = models.BooleanField(_("e-mail verified"), default=False)
    display_name = models.CharField(_("public name"), max_length=150, blank=True)
    language = models.CharField(_("language"), max_length=2, default="fr", choices=[("fr", "Français"), ("en", "English")])

    def save(self, *args, **kwargs):
        # Sysadmins are made by operators (``ouvert createsuperuser``), who vouch for the address.
        if self.is_superuser and not self.email_verified:
            self.email_verified = True
            if kwargs.get("update_fields") is not None:
                kwargs["update_fields"] = {*kwargs["update_fields"], "email_verified"}
        super().save(*args, **kwargs)

    @property
    def is_sysadmin(self) -> bool:
        return self.is_active and self.is_superuser

    @property
    def public_name(self) -> str:
        return self.display_name or self.username


def organisation_logo_upload_to(instance: Organisation, filename: str) -> str:
    # A new name for every upload: a replaced logo never shadows the old file, which is removed
    # once the change is committed.
    return f"organisations/{instance.id}/logo-{secrets.token_hex(8)}{PurePosixPath(filename).suffix.lower()}"


class Organisation(BilingualMixin, models.Model):
    """An organisation that publishes and answers for content in every domain. What a domain
    needs to know about it goes in a one-to-one profile of its own, not here."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(_("name"), max_length=100, unique=True, validators=[NAME_VALIDATOR])
    title_fr = models.CharField(_("title (French)"), max_length=300, blank=True)
    title_en = models.CharField(_("title (English)"), max_length=300, blank=True)
    description_fr = models.TextField(_("description (French)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    website = models.URLField(_("website"), blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    image_url = models.URLField(_("logo URL"), blank=True)
    logo = models.FileField(_("logo"), upload_to=organisation_logo_upload_to, max_length=300, blank=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.ACTIVE)
    extras = models.JSONField(default=dict, blank=True)
    created = models.DateTimeField(auto_now_add=True)
    modified = models.DateTimeField(auto_now=True)

    class Meta:
        # The table keeps the name it had in the catalog: the catalog's revision triggers
        # (ouvert.catalog.revisions) are installed on it under that name.
        db_table = "catalog_organisation"
        ordering = ["name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")

    def __str__(self) -> str:
        return str(self.title) or self.name

    def get_absolute_url(self) -> str:
        return reverse("web:organisation", args=[self.name])

    #: What an uploaded logo may be: formats Pillow names, with their media types. No SVG: it
    #: may carry scripts and outside references, and sanitising it is a fragile art.
    LOGO_FORMATS = {"PNG": ("image/png", ".png"), "JPEG": ("image/jpeg", ".jpg"), "WEBP": ("image/webp", ".webp")}
    LOGO_MAX_BYTES = 1024 * 1024
    LOGO_MAX_SIDE = 4096  # pixels

    @property
    def logo_url(self) -> str:
        """Where the logo is shown from: the uploaded file, served by us at a stable address
        (its query changes with the file, so browsers may keep it), else ``image_url``."""
        if self.logo:
            version = PurePosixPath(self.logo.name).stem.rpartition("-")[2]
            return f"{reverse('organisation_logo', args=[self.name])}?v={version}"
        return self.image_url

    @property
    def logo_media_type(self) -> str:
        suffix = PurePosixPath(self.logo.name).suffix if self.logo else ""
        return next((media for media, ext in self.LOGO_FORMATS.values() if ext == suffix), "application/octet-stream")


class Role(models.TextChoices):
    ADMIN = "admin", _("Administrator")
    EDITOR = "editor", _("Editor")
    MEMBER = "member", _("Member")


class Membership(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.MEMBER)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "organisation"], name="membership_unique")]
        ordering = ["organisation__name", "user__username"]

    def __str__(self) -> str:
        return f"{self.user} · {self.organisation} · {self.role}"


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiToken(models.Model):
    """A named credential for scripts; only its hash is stored, the value is shown once."""

    PREFIX = "ouv_"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100)
    key_hash = models.CharField(max_length=64, unique=True)
    hint = models.CharField(max_length=12)
    created = models.DateTimeField(auto_now_add=True)
    expires = models.DateTimeField(_("expires"), null=True, blank=True)
    last_used = models.DateTimeField(null=True, blank=True)
    revoked = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created"]

    def __str__(self) -> str:
        return f"{self.name} ({self.hint}…)"

    @classmethod
    def new_raw(cls) -> str:
        return cls.PREFIX + secrets.token_urlsafe(32)

    @property
    def is_valid(self) -> bool:
        return self.revoked is None and (self.expires is None or self.expires > timezone.now())
