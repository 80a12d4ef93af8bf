"""E-mail intake: .eml and mbox files; the address or the subject tag names the challenge;
what arrives waits in the moderation queue with its channel; refusals keep the message."""

import mailbox
import re
from email.message import EmailMessage

import pytest
from django.core.management import call_command
from django.utils.translation import gettext

from ouvert.moderation import services as moderation
from ouvert.moderation.models import Case
from ouvert.participation.intake import receive, receive_file
from ouvert.participation.models import Comment, Idea, IntakeMessage, Moderation

from .factories import make_challenge, make_idea, make_organisation, make_user

pytestmark = pytest.mark.django_db

BODY = "Il faudrait publier les horaires de déneigement de chaque rue, mis à jour chaque matin."


def message(*, to="defi+deneigement@ville.example", subject="Horaires de déneigement", body=BODY,
            sender="Émilie Roy <emilie.roy@exemple.ca>", message_id=None, attachment=None, html=False) -> EmailMessage:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = sender, to, subject
    if message_id:
        msg["Message-ID"] = message_id
    if html:
        msg.set_content(f"<p>{body}</p>", subtype="html")
    else:
        msg.set_content(body)
    if attachment:
        msg.add_attachment(attachment, maintype="application", subtype="pdf", filename="plan.pdf")
    return msg


@pytest.fixture
def challenge():
    return make_challenge(make_organisation(editors=[make_user("moderatrice")]), name="deneigement")


def test_eml_file_by_address_becomes_a_held_idea_from_the_email_channel(challenge, tmp_path):
    path = tmp_path / "idee.eml"
    path.write_bytes(message(message_id="<1@exemple.ca>").as_bytes())
    out = tmp_path / "out.txt"
    with open(out, "w") as stdout:
        call_command("intake-mail", str(path), stdout=stdout)
    assert gettext("%(accepted)d accepted, %(refused)d refused.") % {"accepted": 1, "refused": 0} in out.read_text()
    idea = Idea.objects.get()
    assert (idea.challenge, idea.channel, idea.moderation) == (challenge, "email", Moderation.HELD)
    assert idea.title == "Horaires de déneigement" and idea.author is None
    assert idea.author_name == "Émilie Roy" and idea.author_email == "emilie.roy@exemple.ca"
    case = Case.objects.of(idea).get()
    assert (case.reason, case.channel) == ("intake", "email")
    moderator = challenge.organisation.memberships.get().user
    assert [c.channel for c in moderation.moderation_queue(actor=moderator, channel="email")] == ["email"]
    record = IntakeMessage.objects.get()
    assert record.status == "accepted" and record.idea == idea and bytes(record.raw).startswith(b"From:")


def test_mbox_with_subject_tags_ideas_and_comments_and_refusals(challenge, tmp_path):
    target = make_idea(challenge, title="Publier les trajets des déneigeuses")
    path = tmp_path / "boite.mbox"
    box = mailbox.mbox(str(path))
    box.add(message(to="idees@ville.example", subject="[deneigement] Déneiger les trottoirs d'abord", message_id="<a@x>"))
    box.add(message(to="idees@ville.example", subject=f"Re: [deneigement #{target.reference}] trajets",
                    body="Bonne idée, les trajets en temps réel aideraient les piétons.", message_id="<b@x>"))
    box.add(message(to="idees@ville.example", subject="Une idée sans défi", message_id="<c@x>"))
    box.add(message(to="defi+inconnu@ville.example", message_id="<d@x>"))
    box.add(message(attachment=b"%PDF-1.4 fake", message_id="<e@x>"))
    box.add(message(body="", message_id="<f@x>"))
    box.add(message(sender="pas une adresse", message_id="<g@x>"))
    box.add(message(html=True, subject="[deneigement] En HTML", message_id="<h@x>"))
    box.flush()
    box.close()

    records = receive_file(path)

    by_id = {r.message_id: r for r in records}
    assert by_id["<a@x>"].status == "accepted" and by_id["<a@x>"].idea.title == "Déneiger les trottoirs d'abord"
    comment = by_id["<b@x>"].comment
    assert comment.idea == target and comment.channel == "email" and comment.moderation == Moderation.HELD
    assert [by_id[k].reason for k in ("<c@x>", "<d@x>", "<e@x>", "<f@x>", "<g@x>")] == [
        "no_challenge", "no_challenge", "attachment", "empty", "no_sender"]
    assert all(by_id[k].raw and by_id[k].detail for k in ("<c@x>", "<d@x>", "<e@x>", "<f@x>", "<g@x>"))
    assert "<p>" not in by_id["<h@x>"].idea.body and BODY[:30] in by_id["<h@x>"].idea.body
    assert IntakeMessage.objects.count() == 8
    # Taking the same file again adds nothing.
    receive_file(path)
    assert IntakeMessage.objects.count() == 8 and Comment.objects.filter(channel="email").count() == 1


def test_closed_phase_and_broken_input_are_refusals_not_crashes(challenge):
    from .factories import set_phase

    set_phase(challenge, "results")
    refused = receive(message(message_id="<late@x>").as_bytes())
    assert (refused.status, refused.reason) == ("rejected", "phase_closed")
    garbage = receive(b"\x00\xff not an e-mail at all")
    assert garbage.status == "rejected" and bytes(garbage.raw) == b"\x00\xff not an e-mail at all"
    assert Idea.objects.count() == 0


def test_the_command_says_which_file_is_missing(tmp_path):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match=re.escape(gettext("%(file)s: no such file.") % {"file": ""}).lstrip()):
        call_command("intake-mail", str(tmp_path / "missing.eml"))
