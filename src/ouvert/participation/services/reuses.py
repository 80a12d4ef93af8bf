"""The showcase: reuses of the data (apps, visualisations, articles, research), submitted by
anyone and published once a moderator has reviewed them."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils.translation import gettext as _

from ouvert.accounts import permissions
from ouvert.catalog.validation import Errors
from ouvert.core import markdown
from ouvert.core.errors import ValidationFailed
from ouvert.moderation import services as moderation
from ouvert.moderation.models import Case

from .. import signals
from ..models import Challenge, Channel, Moderation, Reuse
from ._common import check_rate, clean_channel, public_name, record, send_on_commit
from .ideas import _clean_datasets

FIELDS = {"kind", "title_fr", "title_en", "description_fr", "description_en", "url", "datasets", "challenges"}
_url = URLValidator(schemes=["http", "https"])


def clean_reuse(data: dict) -> dict:
    errors = Errors()
    cleaned: dict = {}
    for key in data:
        if key not in FIELDS:
            errors.add(key, _("Unknown field."))
    if data.get("kind") not in Reuse.Kind.values:
        errors.add("kind", _("Choose one of: %(choices)s.") % {"choices": ", ".join(Reuse.Kind.values)})
    cleaned["kind"] = data.get("kind")
    for field, max_length in (("title_fr", 300), ("title_en", 300), ("description_fr", 10_000), ("description_en", 10_000)):
        value = data.get(field) or ""
        if not isinstance(value, str):
            errors.add(field, _("Expected text."))
            value = ""
        value = value.strip()
        if len(value) > max_length:
            errors.add(field, _("At most %(max)d characters (this has %(length)d).") % {"max": max_length, "length": len(value)})
        for problem in markdown.problems(value):
            errors.add(field, problem)
        cleaned[field] = value
    if not (cleaned["title_fr"] or cleaned["title_en"]):
        errors.add("title_fr", _("Give a title in French or in English (or both)."))
    url = (data.get("url") or "").strip() if isinstance(data.get("url"), str) else ""
    try:
        _url(url)
    except DjangoValidationError:
        errors.add("url", _("Enter the web address (http or https) where the reuse can be seen."))
    cleaned["url"] = url
    try:
        cleaned["datasets"] = _clean_datasets(data.get("datasets") or [])
    except ValidationFailed as exc:
        for message in exc.fields["datasets"]:
            errors.add("datasets", message)
    challenges = []
    for name in data.get("challenges") or []:
        challenge = name if isinstance(name, Challenge) else Challenge.objects.filter(name=str(name).lower()).first()
        if challenge is None or not challenge.is_public:
            errors.add("challenges", _("No public challenge is named %(name)s.") % {"name": str(name)})
        else:
            challenges.append(challenge)
    cleaned["challenges"] = challenges
    if not cleaned.get("datasets") and not challenges:
        errors.add("datasets", _("Name at least one dataset or challenge the reuse is built on."))
    errors.raise_if_any()
    return cleaned


def submit_reuse(*, actor, data: dict, channel: str = Channel.WEB, ip: str | None = None) -> Reuse:
    """Propose a reuse for the showcase; it waits in the moderation queue until released."""
    permissions.require(actor, "reuse.submit")
    channel = clean_channel(channel)
    cleaned = clean_reuse(data)
    check_rate("post", actor=actor, ip=ip)
    datasets, challenges = cleaned.pop("datasets"), cleaned.pop("challenges")
    text = "\n".join(cleaned[f] for f in ("title_fr", "title_en", "description_fr", "description_en") if cleaned[f])
    _reason, findings = moderation.assess(text, author=None, channel=channel)
    with transaction.atomic():
        reuse = Reuse.objects.create(author=actor, author_name=public_name(actor), author_language=actor.language,
                                     channel=channel, moderation=Moderation.HELD, **cleaned)
        reuse.datasets.set(datasets)
        reuse.challenges.set(challenges)
        reason = Case.Reason.CHECKS if findings else Case.Reason.REVIEW
        moderation.hold(reuse, reason=reason, findings=findings, channel=channel)
        record("participation.reuse.submitted", actor=actor, obj=reuse, organisation=moderation.organisation_of(reuse),
               changes={"url": (None, reuse.url), "kind": (None, reuse.kind)})
        send_on_commit(signals.reuse_submitted, reuse=reuse, actor=actor)
    return reuse


def published_reuses(*, dataset=None, challenge=None):
    """The showcase: released reuses, newest first, optionally those built on a dataset or
    linked to a challenge (each page lists its own)."""
    qs = permissions.visible(None, "reuse")
    if dataset is not None:
        qs = qs.filter(datasets=dataset)
    if challenge is not None:
        qs = qs.filter(challenges=challenge)
    return qs.order_by("-published", "-created")


def get_reuse(reuse_id, *, actor) -> Reuse:
    """The reuse if ``actor`` may see it: released ones for all; others for their author and
    the moderators of the organisation that answers for it."""
    from ouvert.core.errors import NotFound

    from ._common import by_id

    reuse = by_id(Reuse, reuse_id, _("Reuse not found."))
    if not permissions.can(actor, "reuse.view", reuse):
        raise NotFound(_("Reuse not found."))
    return reuse
