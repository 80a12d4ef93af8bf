"""Ideas and comments arriving by e-mail (``ouvert intake-mail FILE``).

The challenge is named by the address (``defi+<challenge>@...``, or ``defi+<challenge>+<idea>@...``
to comment on an idea) or by a subject tag (``[<challenge>]``, ``[<challenge> #<idea>]``). What
arrives enters the moderation queue with its channel, ``email``. A message that cannot become a
submission (no matching challenge, attachments, no text, phase closed...) is refused with a
reason, and kept whole: every message ends as an ``IntakeMessage``, accepted or refused.

Contributions by e-mail are never attributed to an account, since a ``From`` header is easy to
forge: the author is the sender's name, their address kept only to tell them about decisions.
"""

from __future__ import annotations

import email
import email.policy
import hashlib
import logging
import mailbox
import re
import uuid
from collections.abc import Iterator
from email.message import EmailMessage
from email.utils import getaddresses, parseaddr
from pathlib import Path

import nh3
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils.translation import gettext as _

from ouvert.core.errors import DomainError
from ouvert.moderation.checks.language import language_of

from .errors import IntakeError
from .models import Challenge, Channel, Idea, IntakeMessage, Moderation
from .services.comments import post_comment
from .services.ideas import Sender, submit_idea

logger = logging.getLogger("ouvert.participation")

ADDRESS = re.compile(r"^(?:defi|challenge)\+(?P<challenge>[a-z0-9][a-z0-9_-]{1,99})(?:\+(?P<idea>[0-9a-f]{8}))?$", re.I)
SUBJECT_TAG = re.compile(r"\[(?P<challenge>[a-z0-9][a-z0-9_-]{1,99})(?:\s*#(?P<idea>[0-9a-f]{8}))?\]", re.I)
RECIPIENT_HEADERS = ("To", "Cc", "Delivered-To", "X-Original-To", "Envelope-To")
_REPLY_PREFIX = re.compile(r"^\s*(?:(?:re|tr|fwd?|réf?)\s*:\s*)+", re.I)


def read_file(path: Path) -> Iterator[bytes]:
    """The raw messages of an ``.eml`` file (one) or an mbox file (any number)."""
    with open(path, "rb") as handle:
        head = handle.read(5)
    if head == b"From ":
        box = mailbox.mbox(str(path), create=False)
        try:
            for key in box.iterkeys():
                yield box.get_bytes(key)
        finally:
            box.close()
    else:
        yield Path(path).read_bytes()


def _message_id(message: EmailMessage, raw: bytes) -> str:
    value = str(message.get("Message-ID", "") or "").strip()
    return value[:300] if value else "sha256:" + hashlib.sha256(raw).hexdigest()


def _target(message: EmailMessage) -> tuple[str, str | None]:
    """(challenge name, idea reference or None), from the recipients, then the subject."""
    headers = []
    for name in RECIPIENT_HEADERS:
        headers.extend(str(v) for v in message.get_all(name, []))
    for _name, address in getaddresses(headers):
        local = address.rsplit("@", 1)[0] if "@" in address else ""
        match = ADDRESS.match(local)
        if match:
            return match["challenge"].lower(), (match["idea"] or "").lower() or None
    match = SUBJECT_TAG.search(str(message.get("Subject", "") or ""))
    if match:
        return match["challenge"].lower(), (match["idea"] or "").lower() or None
    return "", None


def _has_attachments(message: EmailMessage) -> bool:
    if not message.is_multipart():
        return message.get_content_disposition() == "attachment"
    return any(True for _part in message.iter_attachments())


def _text(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain", "html"))
    if part is None:
        return ""
    try:
        content = part.get_content()
    except (LookupError, UnicodeDecodeError):
        content = part.get_payload(decode=True).decode("utf-8", errors="replace")
    if part.get_content_type() == "text/html":
        content = nh3.clean(re.sub(r"(?i)<br\s*/?>|</p>", "\n", content), tags=set())
    lines = []
    for line in content.replace("\r\n", "\n").split("\n"):
        if line.rstrip() == "--":  # signature separator: the rest is the signature
            break
        if line.startswith(">"):  # quoted reply
            continue
        lines.append(line.rstrip())
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def _subject(message: EmailMessage) -> str:
    subject = str(message.get("Subject", "") or "")
    subject = SUBJECT_TAG.sub("", subject)
    return " ".join(_REPLY_PREFIX.sub("", subject).split())


def receive(raw: bytes, *, source: str = "") -> IntakeMessage:
    """Turn one raw e-mail into an idea or comment held for review, or a refusal; either way
    the message is stored. A message already received (same Message-ID) is not taken twice."""
    try:
        message = email.message_from_bytes(raw, policy=email.policy.default)
        message_id = _message_id(message, raw)
        sender_header = str(message.get("From", "") or "")[:300]
        subject = str(message.get("Subject", "") or "")[:500]
    except Exception:  # a message too broken to parse is still kept
        logger.exception("unreadable message in %s", source)
        message, message_id, sender_header, subject = None, "sha256:" + hashlib.sha256(raw).hexdigest(), "", ""
    existing = IntakeMessage.objects.filter(message_id=message_id).first()
    if existing is not None:
        return existing
    base = {"message_id": message_id, "channel": Channel.EMAIL, "sender": sender_header, "subject": subject,
            "raw": raw, "source": source[:500]}
    if message is None:
        return _refuse(base, "unreadable", _("The message could not be read."))
    try:
        with transaction.atomic():
            idea, comment = _submit(message)
            return IntakeMessage.objects.create(status=IntakeMessage.Status.ACCEPTED, idea=idea, comment=comment, **base)
    except IntakeError as exc:
        return _refuse(base, exc.code, str(exc))
    except DomainError as exc:
        return _refuse(base, getattr(exc, "code", "invalid"), str(exc))
    except Exception as exc:  # never lose a message to a bug: keep it, refused, with the error
        logger.exception("intake of %s failed", message_id)
        return _refuse(base, "error", f"{type(exc).__name__}: {exc}")


def _refuse(base: dict, reason: str, detail: str) -> IntakeMessage:
    with transaction.atomic():
        return IntakeMessage.objects.create(status=IntakeMessage.Status.REJECTED, reason=reason[:30],
                                            detail=detail, **base)


def _submit(message: EmailMessage):
    name, address = parseaddr(str(message.get("From", "") or ""))
    try:
        validate_email(address)
    except DjangoValidationError:
        raise IntakeError(_("The message has no valid sender address."), code="no_sender") from None
    challenge_name, idea_ref = _target(message)
    if not challenge_name:
        raise IntakeError(_("No challenge is named: write to defi+<challenge>@… or put [<challenge>] in the subject."),
                          code="no_challenge")
    challenge = Challenge.objects.filter(name=challenge_name).first()
    if challenge is None or not challenge.is_public:
        raise IntakeError(_("No open challenge is named %(name)s.") % {"name": challenge_name}, code="no_challenge")
    if _has_attachments(message):
        raise IntakeError(_("Attachments are not accepted: send the text in the body of the message."), code="attachment")
    body = _text(message)
    if not body:
        raise IntakeError(_("The message has no text."), code="empty")
    sender = Sender(name=" ".join(name.split())[:150] if "@" not in name else "", email=address.lower(),
                    language=language_of(body) or "fr")
    if idea_ref:
        # Ids starting with the reference form one range, in UUID and in text order alike.
        idea = Idea.objects.filter(challenge=challenge, moderation=Moderation.VISIBLE,
                                   pk__gte=uuid.UUID(idea_ref + "0" * 24), pk__lte=uuid.UUID(idea_ref + "f" * 24)).first()
        if idea is None:
            raise IntakeError(_("No idea of this challenge has the reference %(ref)s.") % {"ref": idea_ref}, code="no_idea")
        return None, post_comment(idea, actor=None, body=body, channel=Channel.EMAIL, sender=sender)
    title = _subject(message) or body.split("\n", 1)[0][:200]
    return submit_idea(challenge, actor=None, title=title[:200], body=body, channel=Channel.EMAIL, sender=sender), None


def receive_file(path: Path) -> list[IntakeMessage]:
    return [receive(raw, source=f"{path}#{index}") for index, raw in enumerate(read_file(path), start=1)]
