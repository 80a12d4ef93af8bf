"""Plain-text e-mails to users, written in each recipient's language with links to SITE_URL."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

logger = logging.getLogger("ouvert.accounts")


def absolute_url(viewname: str, *, language: str, args=None, kwargs=None) -> str:
    """A full address on the public site, with the path in ``language``."""
    with translation.override(language):
        return settings.SITE_URL + reverse(viewname, args=args, kwargs=kwargs)


def send_to_user(user, template: str, context: dict | None = None, *, to: str | None = None) -> None:
    """Render ``accounts/email/<template>_subject.txt`` and ``_body.txt`` in the user's language and send them."""
    language = user.language if user.language in ("fr", "en") else settings.LANGUAGE_CODE
    context = {"user": user, "site_url": settings.SITE_URL, **(context or {})}
    with translation.override(language):
        subject = render_to_string(f"accounts/email/{template}_subject.txt", context)
        body = render_to_string(f"accounts/email/{template}_body.txt", context)
    subject = " ".join(subject.split())  # headers cannot hold newlines
    try:
        EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [to or user.email]).send()
    except Exception:
        # A mail server failure must neither undo the operation nor show up only for
        # addresses that have accounts; the user can ask again.
        logger.exception("could not send %s e-mail to user %s", template, user.pk)
