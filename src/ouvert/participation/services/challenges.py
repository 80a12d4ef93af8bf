"""Challenges: public problems described by an organisation, pointing to its datasets."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from ouvert.accounts import permissions
from ouvert.catalog.models import Dataset
from ouvert.catalog.validation import Errors, clean_name
from ouvert.core import markdown
from ouvert.core.errors import Conflict, NotFound, ValidationFailed

from .. import signals
from ..models import PHASES, Challenge
from ._common import is_authenticated, record, send_on_commit

TEXT_FIELDS = {"title_fr": 300, "title_en": 300, "problem_fr": 20_000, "problem_en": 20_000,
               "results_fr": 20_000, "results_en": 20_000}
PHASE_FIELDS = tuple(f"{phase}_{end}" for phase in PHASES for end in ("start", "end"))
FIELDS = {"name", "datasets", "votes_during_ideas", "vote_limit", "vote_threshold", *TEXT_FIELDS, *PHASE_FIELDS}


def _datetime(value: Any, field: str, errors: Errors):
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        parsed = value
    elif isinstance(value, dt.date):
        parsed = dt.datetime.combine(value, dt.time.min)
    else:
        parsed = parse_datetime(str(value)) or (
            dt.datetime.combine(dt.date.fromisoformat(str(value)), dt.time.min) if len(str(value)) == 10 else None)
    if parsed is None:
        errors.add(field, _("Enter a date and time as YYYY-MM-DD HH:MM."))
        return None
    return timezone.make_aware(parsed) if timezone.is_naive(parsed) else parsed


def _positive(value: Any, field: str, errors: Errors):
    if value in (None, ""):
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        number = -1
    if number < 1:
        errors.add(field, _("Enter a whole number of at least 1."))
        return None
    return number


def clean_challenge(data: dict, *, actor, partial: bool = False, current: Challenge | None = None) -> dict:
    errors = Errors()
    cleaned: dict[str, Any] = {}
    for key in data:
        if key not in FIELDS:
            errors.add(key, _("Unknown field."))
    if "name" in data or not partial:
        cleaned["name"] = clean_name(data.get("name"), errors)
    for field, max_length in TEXT_FIELDS.items():
        if field in data:
            value = data[field]
            if value is not None and not isinstance(value, str):
                errors.add(field, _("Expected text."))
                value = ""
            value = (value or "").strip()
            if len(value) > max_length:
                errors.add(field, _("At most %(max)d characters (this has %(length)d).") % {"max": max_length, "length": len(value)})
            for problem in markdown.problems(value):
                errors.add(field, problem)
            cleaned[field] = value
    for field in PHASE_FIELDS:
        if field in data:
            cleaned[field] = _datetime(data[field], field, errors)
    for field in ("vote_limit", "vote_threshold"):
        if field in data:
            cleaned[field] = _positive(data[field], field, errors)
    if "votes_during_ideas" in data:
        cleaned["votes_during_ideas"] = bool(data["votes_during_ideas"])
    if "datasets" in data:
        cleaned["datasets"] = _datasets(data["datasets"], errors, actor)
    merged = {f: getattr(current, f) for f in PHASE_FIELDS} if current else {}
    merged.update({f: cleaned[f] for f in PHASE_FIELDS if f in cleaned})
    previous_start = None
    for phase in PHASES:
        start, end = merged.get(f"{phase}_start"), merged.get(f"{phase}_end")
        if start and end and end <= start:
            errors.add(f"{phase}_end", _("A phase ends after it starts."))
        if start and previous_start and start < previous_start:
            errors.add(f"{phase}_start", _("Phases follow each other: ideas, voting, co-creation, results."))
        previous_start = start or previous_start
    title = {**({"title_fr": current.title_fr, "title_en": current.title_en} if current else {}), **cleaned}
    if not (title.get("title_fr") or title.get("title_en")):
        errors.add("title_fr", _("Give a title in French or in English (or both)."))
    errors.raise_if_any()
    return cleaned


def _datasets(value, errors: Errors, actor) -> list[Dataset]:
    if isinstance(value, str):
        value = [v for v in value.replace(";", ",").split(",") if v.strip()]
    datasets = []
    for item in value or []:
        if isinstance(item, Dataset):
            dataset = item
        else:
            dataset = Dataset.objects.filter(name=str(item).strip().lower()).first()
        if dataset is None or not dataset.is_public:
            errors.add("datasets", _("No published dataset is named %(name)s.") % {"name": str(item)})
        else:
            datasets.append(dataset)
    return datasets


def create_challenge(*, actor, organisation, data: dict) -> Challenge:
    """Create a draft challenge owned by ``organisation``."""
    permissions.require(actor, "challenge.create", organisation)
    cleaned = clean_challenge(data, actor=actor)
    datasets = cleaned.pop("datasets", [])
    try:
        with transaction.atomic():
            if Challenge.objects.filter(name=cleaned["name"]).exists():
                raise ValidationFailed(fields={"name": [_("This name is already taken.")]})
            challenge = Challenge.objects.create(organisation=organisation, created_by=actor if is_authenticated(actor) else None,
                                                 **cleaned)
            challenge.datasets.set(datasets)
            record("participation.challenge.created", actor=actor, obj=challenge, organisation=organisation,
                   changes={k: (None, v) for k, v in cleaned.items() if v not in ("", None)})
    except IntegrityError as exc:
        raise Conflict(_("This name is already taken.")) from exc
    return challenge


def update_challenge(challenge: Challenge, *, actor, data: dict) -> Challenge:
    permissions.require(actor, "challenge.update", challenge)
    cleaned = clean_challenge(data, actor=actor, partial=True, current=challenge)
    with transaction.atomic():
        if "name" in cleaned and Challenge.objects.filter(name=cleaned["name"]).exclude(pk=challenge.pk).exists():
            raise ValidationFailed(fields={"name": [_("This name is already taken.")]})
        changes = {}
        if "datasets" in cleaned:
            datasets = cleaned.pop("datasets")
            before = sorted(d.name for d in challenge.datasets.all())
            after = sorted(d.name for d in datasets)
            if before != after:
                challenge.datasets.set(datasets)
                changes["datasets"] = (before, after)
        for field, value in cleaned.items():
            if getattr(challenge, field) != value:
                changes[field] = (getattr(challenge, field), value)
                setattr(challenge, field, value)
        if changes:
            challenge.save()
            record("participation.challenge.updated", actor=actor, obj=challenge,
                   organisation=challenge.organisation, changes=changes)
    return challenge


def publish_challenge(challenge: Challenge, *, actor) -> Challenge:
    """Make a draft challenge public; it needs an ideas phase to be worth opening."""
    permissions.require(actor, "challenge.update", challenge)
    with transaction.atomic():
        challenge = Challenge.objects.select_for_update().get(pk=challenge.pk)
        if challenge.status != Challenge.Status.DRAFT:
            raise Conflict(_("Only a draft challenge can be published."))
        if challenge.ideas_start is None:
            raise ValidationFailed(fields={"ideas_start": [_("Set when the ideas phase starts before publishing.")]})
        challenge.status = Challenge.Status.PUBLISHED
        challenge.published = timezone.now()
        challenge.save(update_fields=["status", "published", "modified"])
        record("participation.challenge.published", actor=actor, obj=challenge, organisation=challenge.organisation,
               changes={"status": (Challenge.Status.DRAFT, Challenge.Status.PUBLISHED)})
        send_on_commit(signals.challenge_published, challenge=challenge, actor=actor)
    return challenge


def publish_results(challenge: Challenge, *, actor, results_fr: str | None = None, results_en: str | None = None,
                    close: bool = True) -> Challenge:
    """Publish the results statement ("what we heard, what we will do"); closes the challenge."""
    permissions.require(actor, "challenge.update", challenge)
    data = {k: v for k, v in (("results_fr", results_fr), ("results_en", results_en)) if v is not None}
    cleaned = clean_challenge(data, actor=actor, partial=True, current=challenge)
    with transaction.atomic():
        challenge = Challenge.objects.select_for_update().get(pk=challenge.pk)
        if challenge.status == Challenge.Status.DRAFT:
            raise Conflict(_("Publish the challenge before its results."))
        for field, value in cleaned.items():
            setattr(challenge, field, value)
        if not (challenge.results_fr or challenge.results_en):
            raise ValidationFailed(fields={"results_fr": [_("Write the results statement in French or in English (or both).")]})
        before = challenge.status
        challenge.results_published = timezone.now()
        if close:
            challenge.status = Challenge.Status.CLOSED
        challenge.save()
        record("participation.challenge.results_published", actor=actor, obj=challenge,
               organisation=challenge.organisation, changes={"status": (before, challenge.status)})
        send_on_commit(signals.results_published, challenge=challenge, actor=actor)
    return challenge


def get_challenge(name_or_id: str, *, actor) -> Challenge:
    """The challenge if ``actor`` may see it; otherwise NotFound."""
    qs = Challenge.objects.select_related("organisation")
    challenge = qs.filter(name=str(name_or_id).lower()).first()
    if challenge is None:
        try:
            challenge = qs.filter(pk=uuid.UUID(str(name_or_id))).first()
        except ValueError:
            challenge = None
    if challenge is None or not permissions.can(actor, "challenge.view", challenge):
        raise NotFound(_("Challenge not found."))
    return challenge


def visible_challenges(*, actor):
    """The challenges ``actor`` may see (the queryset face of ``challenge.view``): public ones,
    and the drafts of the organisations they belong to."""
    return permissions.visible(actor, "challenge")


def public_challenges():
    """The challenges everyone may see (published and closed ones)."""
    return permissions.visible(None, "challenge")


def challenges_for_dataset(dataset):
    """The public challenges that point to ``dataset`` (listed on the dataset's page)."""
    return public_challenges().filter(datasets=dataset).order_by("-published")
