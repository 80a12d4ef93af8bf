"""Challenges, ideas, votes, comments, consultations, reuses.

Ideas, comments and reuses are moderated content (``ouvert.moderation``), registered in ``apps.py``.
"""

from __future__ import annotations

import random
import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from ouvert.core.i18n import BilingualMixin, pick
from ouvert.core.validators import NAME_VALIDATOR
from ouvert.moderation.models import Channel, ModeratedContent, Moderation  # noqa: F401 - used across participation

#: Ideas get a random key at creation; the "random" order is a permutation of it per seed.
RANDOM_KEY_MODULUS = 2_147_483_647  # 2**31 - 1, a prime


def _random_key() -> int:
    return random.randrange(RANDOM_KEY_MODULUS)  # noqa: S311 - fairness of order, not secrecy


class Phase(models.TextChoices):
    IDEAS = "ideas", _("Ideas")
    VOTING = "voting", _("Voting")
    COCREATION = "cocreation", _("Co-creation")
    RESULTS = "results", _("Results")


PHASES = (Phase.IDEAS, Phase.VOTING, Phase.COCREATION, Phase.RESULTS)


class Challenge(BilingualMixin, models.Model):
    class Status(models.TextChoices):
        # Short words agree in gender in French: a challenge ("un défi") is "publié", "fermé".
        DRAFT = "draft", pgettext_lazy("challenge status", "Draft")
        PUBLISHED = "published", pgettext_lazy("challenge status", "Published")
        CLOSED = "closed", pgettext_lazy("challenge status", "Closed")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(_("name"), max_length=100, unique=True, validators=[NAME_VALIDATOR])
    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="challenges")
    title_fr = models.CharField(_("title (French)"), max_length=300, blank=True)
    title_en = models.CharField(_("title (English)"), max_length=300, blank=True)
    problem_fr = models.TextField(_("problem statement (French)"), blank=True)
    problem_en = models.TextField(_("problem statement (English)"), blank=True)
    datasets = models.ManyToManyField("catalog.Dataset", blank=True, related_name="challenges")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT, db_index=True)
    ideas_start = models.DateTimeField(_("ideas phase starts"), null=True, blank=True)
    ideas_end = models.DateTimeField(_("ideas phase ends"), null=True, blank=True)
    voting_start = models.DateTimeField(_("voting phase starts"), null=True, blank=True)
    voting_end = models.DateTimeField(_("voting phase ends"), null=True, blank=True)
    cocreation_start = models.DateTimeField(_("co-creation phase starts"), null=True, blank=True)
    cocreation_end = models.DateTimeField(_("co-creation phase ends"), null=True, blank=True)
    results_start = models.DateTimeField(_("results phase starts"), null=True, blank=True)
    results_end = models.DateTimeField(_("results phase ends"), null=True, blank=True)
    votes_during_ideas = models.BooleanField(_("votes allowed during the ideas phase"), default=False)
    vote_limit = models.PositiveIntegerField(_("votes per person"), null=True, blank=True)
    vote_threshold = models.PositiveIntegerField(_("votes for an idea to be considered"), null=True, blank=True)
    results_fr = models.TextField(_("results statement (French)"), blank=True)
    results_en = models.TextField(_("results statement (English)"), blank=True)
    results_published = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created = models.DateTimeField(auto_now_add=True)
    modified = models.DateTimeField(auto_now=True)
    published = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created"]
        verbose_name = _("challenge")
        verbose_name_plural = _("challenges")

    def __str__(self) -> str:
        return str(self.title) or self.name

    @property
    def problem(self):
        return pick(self, "problem")

    @property
    def results(self):
        return pick(self, "results")

    @property
    def is_public(self) -> bool:
        return self.status in (self.Status.PUBLISHED, self.Status.CLOSED)

    def phase_window(self, phase: str) -> tuple:
        return getattr(self, f"{phase}_start"), getattr(self, f"{phase}_end")

    def in_phase(self, phase: str, now=None) -> bool:
        """Whether ``now`` falls in the phase: start ≤ now < end (an open end lasts)."""
        start, end = self.phase_window(phase)
        now = now or timezone.now()
        return start is not None and start <= now and (end is None or now < end)

    def current_phases(self, now=None) -> list[str]:
        return [str(p) for p in PHASES if self.in_phase(p, now)]

    def accepts_votes(self, now=None) -> bool:
        if self.status != self.Status.PUBLISHED:
            return False
        return self.in_phase(Phase.VOTING, now) or (self.votes_during_ideas and self.in_phase(Phase.IDEAS, now))

    def accepts_ideas(self, now=None) -> bool:
        return self.status == self.Status.PUBLISHED and self.in_phase(Phase.IDEAS, now)

    def accepts_comments(self, now=None) -> bool:
        if self.status != self.Status.PUBLISHED:
            return False
        return any(self.in_phase(p, now) for p in (Phase.IDEAS, Phase.VOTING, Phase.COCREATION))


class Idea(ModeratedContent):
    class Status(models.TextChoices):
        # An idea ("une idée") is "publiée", "acceptée", "réalisée", "retirée".
        PUBLISHED = "published", pgettext_lazy("idea status", "Published")
        UNDER_REVIEW = "under_review", pgettext_lazy("idea status", "Under review")
        ACCEPTED = "accepted", pgettext_lazy("idea status", "Accepted")
        REJECTED = "rejected", pgettext_lazy("idea status", "Not retained")
        IMPLEMENTED = "implemented", pgettext_lazy("idea status", "Implemented")
        WITHDRAWN = "withdrawn", pgettext_lazy("idea status", "Withdrawn")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    challenge = models.ForeignKey(Challenge, on_delete=models.CASCADE, related_name="ideas")
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("description"))
    language = models.CharField(max_length=3, blank=True)
    datasets = models.ManyToManyField("catalog.Dataset", blank=True, related_name="ideas")
    status = models.CharField(max_length=15, choices=Status.choices, default=Status.PUBLISHED, db_index=True)
    vote_count = models.PositiveIntegerField(default=0)
    comment_count = models.PositiveIntegerField(default=0)
    random_key = models.BigIntegerField(default=_random_key)
    threshold_reached = models.DateTimeField(null=True, blank=True)
    answer_fr = models.TextField(_("official answer (French)"), blank=True)
    answer_en = models.TextField(_("official answer (English)"), blank=True)
    answer_prepared = models.DateTimeField(null=True, blank=True)
    answer_published = models.DateTimeField(null=True, blank=True)
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["-created"]
        verbose_name = _("idea")
        verbose_name_plural = _("ideas")
        # One index per order of the idea list, holding the whole sort key and the status: a
        # page (even a deep one) and the count are read from the index, without sorting.
        indexes = [
            models.Index(fields=["challenge", "moderation", "-vote_count", "-created", "id", "status"],
                         name="idea_list_support"),
            models.Index(fields=["challenge", "moderation", "-created", "id", "status"], name="idea_list_newest"),
            models.Index(fields=["challenge", "moderation", "-comment_count", "-created", "id", "status"],
                         name="idea_list_discussed"),
            models.Index(fields=["challenge", "moderation", "random_key", "id", "status"], name="idea_list_random"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def reference(self) -> str:
        """A short reference for e-mail replies (``[challenge #reference]``)."""
        return self.id.hex[:8]

    @property
    def answer(self):
        return pick(self, "answer")

    @property
    def organisation_id(self):
        return self.challenge.organisation_id


class Vote(models.Model):
    idea = models.ForeignKey(Idea, on_delete=models.CASCADE, related_name="votes")
    challenge = models.ForeignKey(Challenge, on_delete=models.CASCADE, related_name="votes")
    voter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="participation_votes")
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["idea", "voter"], name="vote_one_per_account")]
        indexes = [models.Index(fields=["challenge", "voter"])]

    def __str__(self) -> str:
        return f"{self.voter_id} → {self.idea_id}"


class Comment(ModeratedContent):
    MAX_DEPTH = 3

    class Stance(models.TextChoices):
        FOR = "for", _("For")
        AGAINST = "against", _("Against")
        NEUTRAL = "neutral", _("Neutral")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    idea = models.ForeignKey(Idea, on_delete=models.CASCADE, related_name="comments")
    parent = models.ForeignKey("self", on_delete=models.CASCADE, null=True, blank=True, related_name="replies")
    depth = models.PositiveSmallIntegerField(default=1)
    stance = models.CharField(max_length=7, choices=Stance.choices, default=Stance.NEUTRAL)
    body = models.TextField(_("comment"))
    language = models.CharField(max_length=3, blank=True)

    class Meta:
        ordering = ["created"]
        verbose_name = _("comment")
        verbose_name_plural = _("comments")
        constraints = [models.CheckConstraint(condition=Q(depth__gte=1, depth__lte=3), name="comment_depth_1_to_3")]
        indexes = [
            models.Index(fields=["idea", "moderation", "created"]),
            # A page of a discussion: the idea's top-level comments in reading order.
            models.Index(fields=["idea", "parent", "moderation", "created", "id"], name="comment_threads"),
            models.Index(fields=["idea", "moderation", "stance"], name="comment_stances"),
        ]

    def __str__(self) -> str:
        return self.body[:60]

    @property
    def organisation_id(self):
        return self.idea.challenge.organisation_id


class Reuse(BilingualMixin, ModeratedContent):
    """Something built on the data (the showcase); published once a moderator releases it."""

    class Kind(models.TextChoices):
        APP = "app", _("Application")
        VISUALISATION = "visualisation", _("Visualisation")
        ARTICLE = "article", _("Article")
        RESEARCH = "research", _("Research")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(_("kind"), max_length=15, choices=Kind.choices)
    title_fr = models.CharField(_("title (French)"), max_length=300, blank=True)
    title_en = models.CharField(_("title (English)"), max_length=300, blank=True)
    description_fr = models.TextField(_("description (French)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    url = models.URLField(_("address"), max_length=1000)
    datasets = models.ManyToManyField("catalog.Dataset", blank=True, related_name="reuses")
    challenges = models.ManyToManyField(Challenge, blank=True, related_name="reuses")
    published = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created"]
        verbose_name = _("reuse")
        verbose_name_plural = _("reuses")

    def __str__(self) -> str:
        return str(self.title)


# --- consultations -------------------------------------------------------------------------

class Consultation(BilingualMixin, models.Model):
    class Status(models.TextChoices):
        # A consultation ("une consultation") is "ouverte", "fermée".
        DRAFT = "draft", pgettext_lazy("consultation status", "Draft")
        OPEN = "open", pgettext_lazy("consultation status", "Open")
        CLOSED = "closed", pgettext_lazy("consultation status", "Closed")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    challenge = models.ForeignKey(Challenge, on_delete=models.CASCADE, related_name="consultations")
    title_fr = models.CharField(_("title (French)"), max_length=300, blank=True)
    title_en = models.CharField(_("title (English)"), max_length=300, blank=True)
    description_fr = models.TextField(_("description (French)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    status = models.CharField(max_length=6, choices=Status.choices, default=Status.DRAFT)
    opens = models.DateTimeField(null=True, blank=True)
    closes = models.DateTimeField(null=True, blank=True)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created"]

    def __str__(self) -> str:
        return str(self.title)

    def accepts_responses(self, now=None) -> bool:
        now = now or timezone.now()
        return (self.status == self.Status.OPEN and (self.opens is None or self.opens <= now)
                and (self.closes is None or now < self.closes))


class Question(models.Model):
    class Kind(models.TextChoices):
        TEXT = "text", _("Open text")
        SINGLE = "single", _("Single choice")
        MULTIPLE = "multiple", _("Multiple choice")
        RANKING = "ranking", _("Ranking")

    consultation = models.ForeignKey(Consultation, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveIntegerField(default=0)
    kind = models.CharField(max_length=8, choices=Kind.choices)
    prompt_fr = models.CharField(max_length=500, blank=True)
    prompt_en = models.CharField(max_length=500, blank=True)
    required = models.BooleanField(default=False)
    max_choices = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return str(pick(self, "prompt"))


class Choice(models.Model):
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="choices")
    position = models.PositiveIntegerField(default=0)
    label_fr = models.CharField(max_length=300, blank=True)
    label_en = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return str(pick(self, "label"))


class Response(models.Model):
    consultation = models.ForeignKey(Consultation, on_delete=models.CASCADE, related_name="responses")
    respondent = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["consultation", "respondent"], name="response_one_per_account")]

    def __str__(self) -> str:
        return f"response {self.pk}"


class Answer(models.Model):
    """One answer: ``text`` for open text, ``choices`` (choice ids, in rank order for ranking)."""

    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="answers")
    text = models.TextField(blank=True)
    choices = models.JSONField(default=list, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["response", "question"], name="answer_one_per_question")]

    def __str__(self) -> str:
        return f"answer {self.pk} to question {self.question_id}"


class IntakeMessage(models.Model):
    """A message received from another channel, kept whole whatever became of it."""

    class Status(models.TextChoices):
        # A message ("un message") is "accepté", "refusé".
        ACCEPTED = "accepted", pgettext_lazy("intake message status", "Accepted")
        REJECTED = "rejected", pgettext_lazy("intake message status", "Refused")

    message_id = models.CharField(max_length=300, unique=True)
    channel = models.CharField(max_length=5, choices=Channel.choices, default=Channel.EMAIL)
    status = models.CharField(max_length=8, choices=Status.choices)
    reason = models.CharField(max_length=30, blank=True)
    detail = models.TextField(blank=True)
    sender = models.CharField(max_length=300, blank=True)
    subject = models.CharField(max_length=500, blank=True)
    raw = models.BinaryField()
    source = models.CharField(max_length=500, blank=True)
    idea = models.ForeignKey(Idea, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    comment = models.ForeignKey(Comment, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    received = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-received", "-id"]

    def __str__(self) -> str:
        return f"{self.status} {self.message_id}"
