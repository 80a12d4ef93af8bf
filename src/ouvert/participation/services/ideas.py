"""Ideas: proposals on a challenge, their review by the organisation and its official answer."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.db import transaction
from django.db.models import F, QuerySet, Value
from django.utils import timezone
from django.utils.translation import gettext as _

from ouvert.accounts import permissions
from ouvert.catalog.models import Dataset
from ouvert.core.errors import NotFound, ValidationFailed
from ouvert.moderation import services as moderation
from ouvert.moderation.checks.language import language_of
from ouvert.notifications import services as notifications

from .. import signals
from ..errors import ParticipationError
from ..models import RANDOM_KEY_MODULUS, Challenge, Channel, Idea, Moderation
from ._common import (
    by_id,
    check_rate,
    clean_channel,
    clean_text,
    clean_texts,
    public_name,
    record,
    send_on_commit,
)

S = Idea.Status

#: Status changes the organisation may make (withdrawal is the author's, through withdraw_idea).
STATUS_TRANSITIONS = {
    S.PUBLISHED: {S.UNDER_REVIEW, S.ACCEPTED, S.REJECTED},
    S.UNDER_REVIEW: {S.ACCEPTED, S.REJECTED, S.PUBLISHED},
    S.ACCEPTED: {S.IMPLEMENTED, S.UNDER_REVIEW},
    S.REJECTED: {S.UNDER_REVIEW},
    S.IMPLEMENTED: set(),
    S.WITHDRAWN: set(),
}
SORTS = ("support", "newest", "random", "discussed")
TITLE_MAX, BODY_MIN, BODY_MAX = 200, 10, 10_000


@dataclass(frozen=True)
class Sender:
    """Who sent a contribution through a channel without an account (an e-mail)."""

    name: str
    email: str
    language: str = "fr"


def _clean_datasets(value) -> list[Dataset]:
    datasets, unknown = [], []
    for item in value or ():
        dataset = item if isinstance(item, Dataset) else Dataset.objects.filter(name=str(item).strip().lower()).first()
        if dataset is None or not dataset.is_public:
            unknown.append(str(item))
        else:
            datasets.append(dataset)
    if unknown:
        raise ValidationFailed(fields={"datasets": [_("No published dataset is named %(name)s.") % {"name": ", ".join(unknown)}]})
    return datasets


def submit_idea(challenge: Challenge, *, actor, title: str, body: str, datasets=(), channel: str = Channel.WEB,
                ip: str | None = None, sender: Sender | None = None) -> Idea:
    """Submit an idea during the ideas phase. It appears at once unless the automatic checks,
    pre-moderation or its channel hold it for review (``idea.moderation == "held"``).

    ``sender`` stands for the author of a message from another channel, with ``actor`` None.
    """
    if sender is None or actor is not None:
        permissions.require(actor, "participation.post")
    channel = clean_channel(channel)
    if not challenge.accepts_ideas():
        raise ParticipationError(_("This challenge is not accepting ideas at the moment."), code="phase_closed")
    cleaned = clean_texts({"title": title, "body": body}, {
        "title": {"max_length": TITLE_MAX, "min_length": 3},
        "body": {"max_length": BODY_MAX, "min_length": BODY_MIN, "allow_markdown": True},
    })
    title, body = cleaned["title"], cleaned["body"]
    datasets = _clean_datasets(datasets)
    check_rate("post", actor=actor, ip=ip)
    text = f"{title}\n\n{body}"
    reason, findings = moderation.assess(text, author=actor, channel=channel)
    language = language_of(text)
    with transaction.atomic():
        idea = Idea.objects.create(
            challenge=challenge, title=title, body=body, language=language, channel=channel,
            author=actor, author_name=public_name(actor) if actor is not None else sender.name[:150],
            author_email="" if actor is not None else sender.email,
            author_language=(actor.language if actor is not None else sender.language),
            moderation=Moderation.HELD if reason else Moderation.VISIBLE,
        )
        idea.datasets.set(datasets)
        if reason:
            moderation.hold(idea, reason=reason, findings=findings, channel=channel)
        if actor is not None:
            notifications.follow(idea, actor=actor)
        record("participation.idea.submitted", actor=actor, obj=idea, organisation=challenge.organisation,
               changes={"title": (None, title), "channel": (None, channel), "moderation": (None, idea.moderation)})
        send_on_commit(signals.idea_submitted, idea=idea, actor=actor, held=bool(reason))
        if not reason:
            send_on_commit(signals.idea_published, idea=idea)
    return idea


def withdraw_idea(idea: Idea, *, actor) -> Idea:
    """The author takes back an idea that the organisation has not decided on yet."""
    permissions.require(actor, "idea.withdraw", idea)
    with transaction.atomic():
        idea = Idea.objects.select_for_update().get(pk=idea.pk)
        if idea.status not in (S.PUBLISHED, S.UNDER_REVIEW):
            raise ParticipationError(_("An idea the organisation has decided on cannot be withdrawn."), code="invalid_transition")
        old = idea.status
        idea.status = S.WITHDRAWN
        idea.save(update_fields=["status", "modified"])
        record("participation.idea.withdrawn", actor=actor, obj=idea, organisation=idea.challenge.organisation,
               changes={"status": (old, S.WITHDRAWN)})
        send_on_commit(signals.idea_status_changed, idea=idea, actor=actor, old=old, new=S.WITHDRAWN)
    return idea


def set_idea_status(idea: Idea, *, actor, status: str) -> Idea:
    """The organisation moves an idea along: under review, accepted, not retained, implemented."""
    permissions.require(actor, "idea.answer", idea)
    with transaction.atomic():
        idea = Idea.objects.select_for_update().get(pk=idea.pk)
        _change_status(idea, status, actor=actor)
    return idea


def _change_status(idea: Idea, status: str, *, actor) -> None:
    if status == idea.status:
        return
    if status not in STATUS_TRANSITIONS.get(idea.status, set()):
        raise ParticipationError(
            _("An idea that is %(old)s cannot become %(new)s.") % {
                "old": S(idea.status).label, "new": S(status).label if status in S.values else status},
            code="invalid_transition")
    old = idea.status
    idea.status = status
    idea.save(update_fields=["status", "modified"])
    record("participation.idea.status_changed", actor=actor, obj=idea, organisation=idea.challenge.organisation,
           changes={"status": (old, status)})
    send_on_commit(signals.idea_status_changed, idea=idea, actor=actor, old=old, new=status)


def prepare_answer(idea: Idea, *, actor, answer_fr: str = "", answer_en: str = "") -> Idea:
    """Write (or rewrite) the official answer without publishing it.

    Once the answer is published, rewriting it changes the published text.
    """
    permissions.require(actor, "idea.answer", idea)
    answer_fr = clean_text(answer_fr, "answer_fr", max_length=20_000, min_length=0, allow_markdown=True)
    answer_en = clean_text(answer_en, "answer_en", max_length=20_000, min_length=0, allow_markdown=True)
    if not (answer_fr or answer_en):
        raise ValidationFailed(fields={"answer_fr": [_("Write the answer in French or in English (or both).")]})
    with transaction.atomic():
        idea = Idea.objects.select_for_update().get(pk=idea.pk)
        changes = {f: (getattr(idea, f), v) for f, v in (("answer_fr", answer_fr), ("answer_en", answer_en)) if getattr(idea, f) != v}
        idea.answer_fr, idea.answer_en = answer_fr, answer_en
        idea.answer_prepared, idea.answered_by = timezone.now(), actor
        idea.save(update_fields=["answer_fr", "answer_en", "answer_prepared", "answered_by", "modified"])
        record("participation.idea.answer_prepared", actor=actor, obj=idea, organisation=idea.challenge.organisation,
               changes=changes)
    return idea


def publish_answer(idea: Idea, *, actor, status: str | None = None) -> Idea:
    """Publish the prepared answer, optionally with the status it announces (say, accepted)."""
    permissions.require(actor, "idea.answer", idea)
    with transaction.atomic():
        idea = Idea.objects.select_for_update().get(pk=idea.pk)
        if not (idea.answer_fr or idea.answer_en):
            raise ValidationFailed(fields={"answer_fr": [_("Prepare the answer before publishing it.")]})
        if status:
            _change_status(idea, status, actor=actor)
        first = idea.answer_published is None
        idea.answer_published = timezone.now()
        idea.save(update_fields=["answer_published", "modified"])
        record("participation.idea.answer_published", actor=actor, obj=idea, organisation=idea.challenge.organisation,
               changes={"answer_published": (None if first else "", idea.answer_published)})
        send_on_commit(signals.idea_answered, idea=idea, actor=actor)
    return idea


def answer_idea(idea: Idea, *, actor, answer_fr: str | None = None, answer_en: str | None = None,
                publish: bool = False, status: str | None = None) -> Idea:
    """The organisation's answer to an idea, in one transaction: the text (when ``answer_fr`` or
    ``answer_en`` is given) is written as by ``prepare_answer``; with ``publish`` the answer is
    published, announcing ``status`` if given (``publish_answer``); ``status`` alone moves the
    idea (``set_idea_status``). Nothing is written when any step is refused."""
    permissions.require(actor, "idea.answer", idea)
    with transaction.atomic():
        if answer_fr is not None or answer_en is not None:
            idea = prepare_answer(idea, actor=actor, answer_fr=answer_fr or "", answer_en=answer_en or "")
        if publish:
            idea = publish_answer(idea, actor=actor, status=status)
        elif status:
            idea = set_idea_status(idea, actor=actor, status=status)
    return idea


# --- reading -----------------------------------------------------------------------------

def get_idea(idea_id, *, actor) -> Idea:
    """The idea if ``actor`` may see it: visible ones for all; held or hidden ones for their
    author and the moderators."""
    idea = by_id(Idea.objects.select_related("challenge", "challenge__organisation"), idea_id, _("Idea not found."))
    if not permissions.can(actor, "idea.view", idea):
        raise NotFound(_("Idea not found."))
    return idea


def _random_order(seed: str) -> tuple[int, int]:
    """A multiplier and offset from the seed: key ↦ (key × m + a) mod p is a permutation."""
    digest = hashlib.sha256(str(seed).encode()).digest()
    multiplier = int.from_bytes(digest[:8], "big") % (RANDOM_KEY_MODULUS - 1) + 1
    offset = int.from_bytes(digest[8:16], "big") % RANDOM_KEY_MODULUS
    return multiplier, offset


def list_ideas(challenge: Challenge, *, actor, sort: str = "support", seed: str | None = None,
               status: str | None = None, dataset=None) -> QuerySet:
    """The visible ideas of a challenge, sorted by ``support`` (votes), ``newest``, ``discussed``
    (comments) or ``random`` (the same order for the same ``seed``, say the session's, so
    paging is stable and no idea keeps the top spot for everyone). Withdrawn ideas are left
    out unless ``status`` asks for them."""
    if not permissions.can(actor, "challenge.view", challenge):
        raise NotFound(_("Challenge not found."))
    if sort not in SORTS:
        raise ValidationFailed(fields={"sort": [_("Sort by one of: %(choices)s.") % {"choices": ", ".join(SORTS)}]})
    qs = Idea.objects.filter(challenge=challenge, moderation=Moderation.VISIBLE)
    qs = qs.filter(status=status) if status else qs.exclude(status=S.WITHDRAWN)
    if dataset is not None:
        qs = qs.filter(datasets=dataset)
    if sort == "support":
        return qs.order_by("-vote_count", "-created", "id")
    if sort == "newest":
        return qs.order_by("-created", "id")
    if sort == "discussed":
        return qs.order_by("-comment_count", "-created", "id")
    multiplier, offset = _random_order(seed or "")
    # The % operator, not Mod(): integer arithmetic in the database on both back ends (on
    # SQLite, Mod() calls a Python function per row, in floating point). Keys and multiplier
    # are below 2**31, so the product fits in 64 bits.
    return qs.annotate(
        shuffle=(F("random_key") * Value(multiplier) + Value(offset)) % Value(RANDOM_KEY_MODULUS)
    ).order_by("shuffle", "id")
