"""The task that e-mails an author the notice of a moderation decision.

The notice row and this task are written in the deciding transaction; the task is dispatched
once it commits and retried if the mail server refuses, so a notice is never lost between the
decision and the e-mail.
"""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMessage
from django.utils import timezone

from ouvert.core.tasks import task

from .models import Notice


@task(name="moderation.send_notice", max_attempts=5, timeout=120, retry_delay=60)
def send_notice(context, *, notice_id: int):
    notice = Notice.objects.filter(pk=notice_id).first()
    if notice is None or notice.sent is not None or not notice.email:
        return {"sent": False}
    EmailMessage(notice.subject, notice.body, settings.DEFAULT_FROM_EMAIL, [notice.email]).send()
    Notice.objects.filter(pk=notice.pk, sent__isnull=True).update(sent=timezone.now())
    return {"sent": True}
