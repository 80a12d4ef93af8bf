"""Author notices: written and queued as a task inside the deciding transaction, sent once it
commits, kept (and retried) when the mail server refuses, gone with a rolled-back decision."""

from unittest import mock

import pytest
from django.core import mail
from django.db import transaction

from ouvert.core.models import Task, TaskStatus
from ouvert.core.tasks import runner
from ouvert.moderation import services
from ouvert.moderation.models import Decision, Notice
from ouvert.participation.tests.factories import (
    make_challenge,
    make_idea,
    make_organisation,
    make_user,
)

pytestmark = pytest.mark.django_db

HELD_BODY = "Écrivez-moi à jeanne.roy@exemple.ca pour en parler."


@pytest.fixture
def held_and_moderator():
    moderator = make_user()
    challenge = make_challenge(make_organisation(editors=[moderator]))
    return make_idea(challenge, body=HELD_BODY), moderator


def test_the_notice_is_queued_in_the_deciding_transaction_and_sent_on_commit(
        held_and_moderator, django_capture_on_commit_callbacks):
    idea, moderator = held_and_moderator
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        decision = services.decide(idea, actor=moderator, action="reject", rule="personal_information")
        # Before the commit: the notice and its task are written, nothing is sent.
        notice = Notice.objects.get(decision=decision)
        task = Task.objects.get(name="moderation.send_notice")
        assert task.kwargs == {"notice_id": notice.pk} and task.status == TaskStatus.QUEUED
        assert mail.outbox == [] and notice.sent is None
    for callback in callbacks:
        callback()
    notice.refresh_from_db()
    task.refresh_from_db()
    assert task.status == TaskStatus.DONE and notice.sent is not None
    assert [m.to for m in mail.outbox] == [[idea.author.email]]
    assert mail.outbox[0].subject == notice.subject and "Renseignements personnels" in mail.outbox[0].body


def test_a_rolled_back_decision_leaves_no_notice_nor_task(held_and_moderator, django_capture_on_commit_callbacks):
    idea, moderator = held_and_moderator
    decisions = Decision.objects.count()
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError):  # noqa: PT012
        with transaction.atomic():
            services.decide(idea, actor=moderator, action="release")
            raise RuntimeError("the operation fails after the decision")
    assert Decision.objects.count() == decisions
    assert not Notice.objects.exists() and not Task.objects.filter(name="moderation.send_notice").exists()
    assert mail.outbox == []


def test_a_refused_mail_is_retried_and_the_notice_kept(held_and_moderator, settings, django_capture_on_commit_callbacks):
    settings.OUVERT_TASKS = "database"  # a worker runs it, later
    idea, moderator = held_and_moderator
    with django_capture_on_commit_callbacks(execute=True):
        decision = services.decide(idea, actor=moderator, action="release")
    notice = Notice.objects.get(decision=decision)
    task = Task.objects.get(name="moderation.send_notice")
    assert task.status == TaskStatus.QUEUED and mail.outbox == []

    with mock.patch("django.core.mail.EmailMessage.send", side_effect=ConnectionRefusedError("smtp down")):
        assert runner.execute(runner.claim(task.pk, worker="w", lease=60), worker="w") is not None
    task.refresh_from_db()
    notice.refresh_from_db()
    assert task.status == TaskStatus.QUEUED and "smtp down" in task.error and notice.sent is None

    assert runner.execute(runner.claim(task.pk, worker="w", lease=60), worker="w") is None
    task.refresh_from_db()
    notice.refresh_from_db()
    assert task.status == TaskStatus.DONE and notice.sent is not None and len(mail.outbox) == 1
    # Run again (a worker's lease expired after the send): the author gets one mail.
    Task.objects.filter(pk=task.pk).update(status=TaskStatus.QUEUED)
    runner.execute(runner.claim(task.pk, worker="w", lease=60), worker="w")
    assert len(mail.outbox) == 1


def test_an_author_without_an_address_gets_the_notice_on_the_site_only(held_and_moderator):
    idea, moderator = held_and_moderator
    type(idea.author).objects.filter(pk=idea.author_id).update(email="")
    idea.refresh_from_db()
    decision = services.decide(idea, actor=moderator, action="release")
    assert Notice.objects.get(decision=decision).email == ""
    assert not Task.objects.filter(name="moderation.send_notice").exists()
