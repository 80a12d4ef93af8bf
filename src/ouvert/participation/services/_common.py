"""What the participation services share: input cleaning, rate limits, activity, signals."""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from ouvert.accounts import ratelimit
from ouvert.core import markdown
from ouvert.core.activity import record_activity
from ouvert.core.errors import NotFound, ValidationFailed

from ..errors import RateLimited
from ..models import Channel

#: (attempts, seconds) per account and per address. An address is shared by everyone behind
#: one office or library router, so its limits are wider than an account's. (Flags have theirs
#: in ``ouvert.moderation.services``, under the same setting.)
DEFAULT_RATE_LIMITS = {
    "post": {"account": (20, 3600), "address": (120, 3600)},
    "vote": {"account": (120, 3600), "address": (1200, 3600)},
}


def rate_limits() -> dict:
    return {**DEFAULT_RATE_LIMITS, **getattr(settings, "OUVERT_PARTICIPATION_RATE_LIMITS", {})}


def check_rate(action: str, *, actor=None, ip: str | None = None) -> None:
    """Count one ``action`` for the account and the address; RateLimited past either limit."""
    limits = rate_limits()[action]
    keys = []
    if actor is not None and getattr(actor, "is_authenticated", False):
        keys.append(("account", str(actor.pk)))
    if ip:
        keys.append(("address", ip))
    for scope, value in keys:
        limit, window = limits[scope]
        if not ratelimit.hit(f"participation.{action}.{scope}", value, limit=limit, window=window):
            raise RateLimited(_("Too many attempts in a short time. Please wait a while and try again."))


def clean_text(value: Any, field: str, *, max_length: int, min_length: int = 1,
               allow_markdown: bool = False) -> str:
    """Stripped text, or ValidationFailed saying what is wrong with ``field``."""
    errors: list[str] = []
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise ValidationFailed(fields={field: [_("Expected text.")]})
    value = value.replace("\r\n", "\n").strip()
    if len(value) < min_length:
        errors.append(_("This field is required.") if not value
                      else _("At least %(min)d characters.") % {"min": min_length})
    if len(value) > max_length:
        errors.append(_("At most %(max)d characters (this has %(length)d).") % {"max": max_length, "length": len(value)})
    errors.extend(markdown.problems(value))
    if not allow_markdown and "\n" in value:
        errors.append(_("Write this on one line."))
    if errors:
        raise ValidationFailed(_("Some fields are not valid."), fields={field: list(dict.fromkeys(errors))})
    return value


def clean_texts(data: dict, specs: dict[str, dict]) -> dict[str, str]:
    """``clean_text`` over several fields, reporting every field's problems at once."""
    cleaned, fields = {}, {}
    for field, options in specs.items():
        try:
            cleaned[field] = clean_text(data.get(field), field, **options)
        except ValidationFailed as exc:
            fields.update(exc.fields)
    if fields:
        raise ValidationFailed(_("Some fields are not valid."), fields=fields)
    return cleaned


def clean_channel(channel: str) -> str:
    if channel not in Channel.values:
        raise ValidationFailed(fields={"channel": [_("Unknown channel.")]})
    return channel


def by_id(model_or_queryset, value, message: str):
    qs = model_or_queryset if isinstance(model_or_queryset, QuerySet) else model_or_queryset.objects.all()
    try:
        return qs.get(pk=uuid.UUID(str(value)))
    except (ValueError, qs.model.DoesNotExist):
        raise NotFound(message) from None


def record(key: str, *, actor, obj, organisation=None, changes: dict | None = None):
    """Append the operation to the activity history (inside the operation's transaction)."""
    return record_activity(key, actor=actor, obj=obj, organisation=organisation, changes=changes)


def send_on_commit(signal, **kwargs) -> None:
    transaction.on_commit(lambda: signal.send(sender=None, **kwargs))


def public_name(user) -> str:
    """The name a person is shown under: the public name they chose, never an address."""
    if user is None:
        return ""
    name = user.display_name or user.username
    return "" if "@" in name else name


def is_authenticated(actor) -> bool:
    return bool(actor is not None and getattr(actor, "is_authenticated", False))
