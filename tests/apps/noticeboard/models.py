from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone

from ouvert.moderation.models import Moderation


class Bulletin(models.Model):
    """A notice an organisation pins on one of its datasets' pages; private ones are for its
    members. Archived once it expires (the periodic task ``noticeboard.archive_expired``)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.CASCADE, related_name="+")
    dataset = models.ForeignKey("catalog.Dataset", on_delete=models.CASCADE, related_name="+")
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    private = models.BooleanField(default=False)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    moderation = models.CharField(max_length=10, choices=Moderation.choices, default=Moderation.VISIBLE)
    created = models.DateTimeField(default=timezone.now)
    expires = models.DateTimeField(null=True, blank=True)
    archived = models.BooleanField(default=False)

    def __str__(self) -> str:
        return self.title
