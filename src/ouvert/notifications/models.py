"""Follows: a person asks to hear about an object of any registered kind (``followables``)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Follow(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="follows",
                             verbose_name=_("user"))
    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, verbose_name=_("kind"))
    # Text, so that one column holds the keys of every kind (UUIDs, integers, names).
    object_id = models.CharField(_("object"), max_length=64)
    target = GenericForeignKey("content_type", "object_id")
    created = models.DateTimeField(_("created"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("follow")
        verbose_name_plural = _("follows")
        constraints = [
            models.UniqueConstraint(fields=["user", "content_type", "object_id"], name="follow_unique_target"),
        ]
        indexes = [models.Index(fields=["content_type", "object_id"], name="follow_targets")]

    def __str__(self) -> str:
        return f"{self.user_id} → {self.content_type_id}:{self.object_id}"
