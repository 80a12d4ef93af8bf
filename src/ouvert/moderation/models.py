"""Moderation of any registered content type: flags, cases (the queue), decisions (the
append-only audit log) and the notices authors are sent.

Each row points at its content through a content type and an object id (a generic relation),
so a domain adds a moderated type by registering it (``ouvert.moderation.register``), never by
adding a column here.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey, GenericRelation
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from . import rules


class Channel(models.TextChoices):
    WEB = "web", _("Web")
    EMAIL = "email", _("E-mail")
    API = "api", _("API")


class Moderation(models.TextChoices):
    """Whether content is shown: held (before it ever appears), hidden (after flags or by a
    moderator), rejected (a decision under a rule)."""

    VISIBLE = "visible", pgettext_lazy("moderation state", "Visible")
    HELD = "held", pgettext_lazy("moderation state", "Held for review")
    HIDDEN = "hidden", pgettext_lazy("moderation state", "Hidden pending review")
    REJECTED = "rejected", pgettext_lazy("moderation state", "Rejected")


class ModeratedContent(models.Model):
    """What moderated content usually shares: an author shown by a public name, a channel, a
    moderation state. ``author_email`` is for telling the author about decisions only.

    A registered type need not inherit it; it needs a ``moderation`` state field and the
    fields named at registration.
    """

    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    author_name = models.CharField(_("public name"), max_length=150, blank=True)
    author_email = models.EmailField(blank=True)
    author_language = models.CharField(max_length=2, default="fr")
    channel = models.CharField(max_length=5, choices=Channel.choices, default=Channel.WEB)
    moderation = models.CharField(max_length=10, choices=Moderation.choices, default=Moderation.VISIBLE, db_index=True)
    created = models.DateTimeField(default=timezone.now, db_index=True)
    modified = models.DateTimeField(auto_now=True)
    cases = GenericRelation("moderation.Case")
    flags = GenericRelation("moderation.Flag")

    class Meta:
        abstract = True

    @property
    def is_visible(self) -> bool:
        return self.moderation == Moderation.VISIBLE


class TargetQuerySet(models.QuerySet):
    def of(self, content):
        """Rows about ``content`` (any registered type)."""
        return self.filter(content_type=ContentType.objects.get_for_model(type(content)), object_id=str(content.pk))


class Target(models.Model):
    """The moderated content a row is about: its type and its primary key as text."""

    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    object_id = models.CharField(max_length=64)
    target = GenericForeignKey("content_type", "object_id")

    class Meta:
        abstract = True

    @property
    def kind(self) -> str:
        from .registry import for_model

        return for_model(self.content_type.model_class()).kind


class Flag(Target):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    rule = models.CharField(max_length=30, choices=rules.CHOICES)
    note = models.CharField(max_length=1000, blank=True)
    #: Flags stop counting toward the threshold once a moderator has reviewed the content.
    resolved = models.BooleanField(default=False)
    created = models.DateTimeField(auto_now_add=True)

    objects = TargetQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["content_type", "object_id", "user"], name="flag_once_per_user"),
        ]
        indexes = [models.Index(fields=["content_type", "object_id", "resolved"], name="flag_target")]

    def __str__(self) -> str:
        return f"flag {self.rule}"


class Case(Target):
    """An item in a moderation queue: content held by the automatic checks, hidden by flags,
    arriving from another channel, or waiting for review (reuses)."""

    class Reason(models.TextChoices):
        CHECKS = "checks", _("Automatic checks")
        FLAGS = "flags", _("Flags")
        PREMODERATION = "premoderation", _("New account")
        INTAKE = "intake", _("Other channel")
        REVIEW = "review", _("Review before publication")

    class Status(models.TextChoices):
        # A moderation case ("un dossier") is "ouvert", "fermé".
        OPEN = "open", pgettext_lazy("moderation case status", "Open")
        CLOSED = "closed", pgettext_lazy("moderation case status", "Closed")

    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    reason = models.CharField(max_length=15, choices=Reason.choices)
    channel = models.CharField(max_length=5, choices=Channel.choices, default=Channel.WEB)
    #: [{"rule": code, "check": name, "detail": text}] from the checks or the flags.
    findings = models.JSONField(default=list, blank=True)
    status = models.CharField(max_length=6, choices=Status.choices, default=Status.OPEN, db_index=True)
    opened = models.DateTimeField(auto_now_add=True, db_index=True)
    closed = models.DateTimeField(null=True, blank=True)

    objects = TargetQuerySet.as_manager()

    class Meta:
        ordering = ["opened", "id"]
        indexes = [
            models.Index(fields=["organisation", "status", "opened"], name="case_queue"),
            models.Index(fields=["content_type", "object_id", "status"], name="case_target"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} case {self.pk} ({self.reason})"

    @property
    def rules(self) -> list[str]:
        return list(dict.fromkeys(f["rule"] for f in self.findings if f.get("rule")))


class AppendOnlyQuerySet(TargetQuerySet):
    def update(self, **kwargs):
        raise TypeError("the moderation log is append-only")

    def delete(self):
        raise TypeError("the moderation log is append-only")


class Decision(Target):
    """One entry of the moderation log, never changed nor removed (the audit trail).

    ``moderator`` is empty for decisions the platform took itself (a hold by the checks, a hide
    at the flag threshold).
    """

    class Action(models.TextChoices):
        HOLD = "hold", pgettext_lazy("moderation decision", "Held for review")
        RELEASE = "release", pgettext_lazy("moderation decision", "Released")
        REJECT = "reject", pgettext_lazy("moderation decision", "Rejected")
        HIDE = "hide", pgettext_lazy("moderation decision", "Hidden")
        RESTORE = "restore", pgettext_lazy("moderation decision", "Restored")

    case = models.ForeignKey(Case, on_delete=models.PROTECT, null=True, blank=True, related_name="decisions")
    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    action = models.CharField(max_length=7, choices=Action.choices)
    #: Empty only for holds that no rule caused (a new account, another channel, a review).
    rule = models.CharField(max_length=30, choices=rules.CHOICES, blank=True)
    note = models.TextField(blank=True)
    moderator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    before = models.CharField(max_length=10, choices=Moderation.choices)
    after = models.CharField(max_length=10, choices=Moderation.choices)
    created = models.DateTimeField(auto_now_add=True, db_index=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["created", "id"]
        indexes = [models.Index(fields=["content_type", "object_id", "created"], name="decision_target")]

    def __str__(self) -> str:
        return f"{self.action} {self.rule}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise TypeError("the moderation log is append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("the moderation log is append-only")


class Notice(models.Model):
    """What an author was told about a decision on their content, in their language; a task
    sends it by e-mail (``sent`` once done)."""

    decision = models.ForeignKey(Decision, on_delete=models.PROTECT, related_name="notices")
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True,
                                  related_name="moderation_notices")
    email = models.EmailField(blank=True)
    language = models.CharField(max_length=2)
    subject = models.CharField(max_length=300)
    body = models.TextField()
    created = models.DateTimeField(auto_now_add=True)
    sent = models.DateTimeField(null=True, blank=True)
    read = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created", "-id"]

    def __str__(self) -> str:
        return self.subject
