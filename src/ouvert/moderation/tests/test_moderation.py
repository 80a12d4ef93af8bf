"""Moderation: automatic holds, flags and the threshold, queues per organisation, decisions with
reasons, the append-only log, and the author told why in their language."""

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.utils import timezone

from ouvert.core.errors import PermissionDenied, ValidationFailed
from ouvert.moderation import rules, services
from ouvert.moderation.errors import ModerationError, RateLimited
from ouvert.moderation.models import Case, Decision, Flag, Moderation, Notice
from ouvert.participation.models import Idea
from ouvert.participation.tests.factories import (
    make_challenge,
    make_comment,
    make_idea,
    make_organisation,
    make_user,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def org_and_moderator():
    moderator = make_user()
    return make_organisation(editors=[moderator]), moderator


def test_rules_are_a_bilingual_code_list():
    assert set(rules.CODES) == {"personal_information", "hate", "threats", "illegal", "spam", "impersonation", "language"}
    for rule in rules.RULES:
        assert rule.label("fr") and rule.label("en") and rule.label("fr") != rule.label("en")
        assert rule.explanation("fr") and rule.explanation("en")


@pytest.mark.parametrize(("body", "rule", "detail"), [
    ("Écrivez-moi à jeanne.roy@exemple.ca pour en parler.", "personal_information", "email"),
    ("Call me at (613) 555-0142 to discuss the details.", "personal_information", "phone"),
    ("Mon numéro d'assurance sociale est le 046 454 286, oups.", "personal_information", "sin"),
    ("J'habite au 123 rue Saint-Jean et la chaussée est brisée.", "personal_information", "address"),
    ("Buy now! Best price casino bonus at https://a.example https://b.example https://c.example", "spam", "links:3"),
    ("Deberíamos publicar los horarios de los autobuses en tiempo real para toda la ciudad.", "language", "es"),
])
def test_automatic_checks_hold_content_before_it_appears(org_and_moderator, body, rule, detail):
    org, _moderator = org_and_moderator
    idea = make_idea(make_challenge(org), title="Une idée", body=body)
    assert idea.moderation == Moderation.HELD
    case = Case.objects.of(idea).get()
    assert case.reason == Case.Reason.CHECKS and case.organisation == org and case.channel == "web"
    assert {"rule": rule, "check": {"personal_information": "personal"}.get(rule, rule), "detail": detail} in case.findings
    hold = Decision.objects.of(idea).get()
    assert hold.action == "hold" and hold.moderator is None and hold.rule == rule


def test_clean_content_appears_at_once(org_and_moderator):
    idea = make_idea(make_challenge(org_and_moderator[0]),
                     body="In 2023 the city spent $1,250,000 on snow removal; publish the 2024 budget too.")
    assert idea.moderation == Moderation.VISIBLE and not Case.objects.exists()


def test_repeated_posts_are_held_as_spam():
    author = make_user()
    challenge = make_challenge()
    body = "Publier les données de collecte des ordures pour chaque quartier de la ville."
    first = make_idea(challenge, author=author, body=body)
    second = make_idea(challenge, author=author, body=body, title="La même idée encore")
    assert first.moderation == Moderation.VISIBLE and second.moderation == Moderation.HELD
    assert any(f["detail"] == "repetition:duplicate" for f in Case.objects.of(second).get().findings)


def test_new_accounts_can_be_premoderated(settings):
    settings.OUVERT_PARTICIPATION_PREMODERATION_DAYS = 7
    challenge = make_challenge()
    newcomer = make_user()
    veteran = make_user()
    get_user_model().objects.filter(pk=veteran.pk).update(date_joined=timezone.now() - dt.timedelta(days=30))
    veteran.refresh_from_db()
    assert make_idea(challenge, author=newcomer).moderation == Moderation.HELD
    assert Case.objects.get().reason == Case.Reason.PREMODERATION
    assert make_idea(challenge, author=veteran, title="Une idée d'un ancien").moderation == Moderation.VISIBLE


def test_flags_hide_content_at_the_threshold_pending_review(settings):
    settings.OUVERT_PARTICIPATION_FLAG_THRESHOLD = 3
    idea = make_idea()
    flaggers = [make_user() for _n in range(4)]
    services.flag_content(idea, actor=flaggers[0], rule="hate")
    with pytest.raises(ModerationError) as exc:
        services.flag_content(idea, actor=flaggers[0], rule="spam")
    assert exc.value.code == "already_flagged"
    with pytest.raises(ModerationError):
        services.flag_content(idea, actor=idea.author, rule="spam")
    with pytest.raises(ValidationFailed):
        services.flag_content(idea, actor=flaggers[1], rule="boring")
    services.flag_content(idea, actor=flaggers[1], rule="hate")
    idea.refresh_from_db()
    assert idea.moderation == Moderation.VISIBLE
    services.flag_content(idea, actor=flaggers[2], rule="threats", note="menace voilée")
    idea.refresh_from_db()
    assert idea.moderation == Moderation.HIDDEN
    case = Case.objects.of(idea).get()
    assert case.reason == Case.Reason.FLAGS and case.rules == ["hate", "threats"]
    hide = Decision.objects.of(idea).get()
    assert (hide.action, hide.rule, hide.moderator) == ("hide", "hate", None)
    with pytest.raises(ModerationError) as exc:
        services.flag_content(idea, actor=flaggers[3], rule="hate")
    assert exc.value.code == "not_visible"
    assert Flag.objects.count() == 3


def test_flagging_is_rate_limited(settings):
    settings.OUVERT_PARTICIPATION_RATE_LIMITS = {"flag": {"account": (1, 60), "address": (10, 60)}}
    flagger = make_user()
    challenge = make_challenge()
    services.flag_content(make_idea(challenge), actor=flagger, rule="spam")
    with pytest.raises(RateLimited):
        services.flag_content(make_idea(challenge, title="Une autre idée"), actor=flagger, rule="spam")


def test_moderators_see_only_their_organisations_queues():
    a_mod, b_mod, member = make_user(), make_user(), make_user()
    org_a = make_organisation(editors=[a_mod], members=[member])
    org_b = make_organisation(admin=b_mod)
    held_a = make_idea(make_challenge(org_a), body="Mon téléphone : 418-555-0123, appelez-moi.")
    held_b = make_idea(make_challenge(org_b), body="Mon téléphone : 819-555-0199, appelez-moi.")
    assert [c.target for c in services.moderation_queue(actor=a_mod)] == [held_a]
    assert [c.target for c in services.moderation_queue(actor=b_mod)] == [held_b]
    assert len(services.moderation_queue(actor=make_user(sysadmin=True))) == 2
    with pytest.raises(PermissionDenied):
        services.moderation_queue(actor=a_mod, organisation=org_b)
    with pytest.raises(PermissionDenied):
        services.moderation_queue(actor=member)
    with pytest.raises(PermissionDenied):
        services.decide(held_b, actor=a_mod, action="release")
    page = services.moderation_queue(actor=a_mod, kind="idea", channel="web", reason="checks", rule="personal_information")
    assert [c.target for c in page] == [held_a]
    assert list(services.moderation_queue(actor=a_mod, rule="spam")) == []


def test_release_and_reject_with_reasons_logged_and_author_told(org_and_moderator, django_capture_on_commit_callbacks):
    org, moderator = org_and_moderator
    challenge = make_challenge(org)
    english_author = make_user()
    english_author.language = "en"
    english_author.save()
    released = make_idea(challenge, author=english_author, body="Contact the city at info@ville.example for the data.")
    rejected = make_idea(challenge, body="Mon NAS est 046 454 286 et je veux qu'on m'appelle.", title="Idée à rejeter")
    with django_capture_on_commit_callbacks(execute=True):
        services.decide(released, actor=moderator, action="release", note="Adresse institutionnelle, pas personnelle.")
        with pytest.raises(ValidationFailed):
            services.decide(rejected, actor=moderator, action="reject", rule="not-a-rule")
        services.decide(rejected, actor=moderator, action="reject", rule="personal_information")
    released.refresh_from_db()
    rejected.refresh_from_db()
    assert released.moderation == Moderation.VISIBLE and rejected.moderation == Moderation.REJECTED
    assert not Case.objects.filter(status="open").exists()
    log = list(services.moderation_log(actor=moderator).values_list("action", "rule", "moderator"))
    assert log[-2:] == [("release", "personal_information", moderator.pk), ("reject", "personal_information", moderator.pk)]
    en_notice = Notice.objects.get(recipient=english_author)
    assert en_notice.language == "en" and "published" in en_notice.subject and "Personal information" in en_notice.body
    fr_notice = Notice.objects.get(decision__action="reject")
    assert fr_notice.language == "fr" and "retirée" in fr_notice.subject
    assert "Renseignements personnels" in fr_notice.body
    assert services.notices_for(rejected.author, actor=rejected.author) == [fr_notice]
    assert len(mail.outbox) == 2 and {m.to[0] for m in mail.outbox} == {english_author.email, rejected.author.email}
    assert Notice.objects.filter(sent__isnull=False).count() == 2
    with pytest.raises(ModerationError):
        services.decide(released, actor=moderator, action="release", rule="spam")


def test_hide_and_restore_and_flags_reset(org_and_moderator):
    org, moderator = org_and_moderator
    idea = make_idea(make_challenge(org))
    comment = make_comment(idea)
    services.decide(comment, actor=moderator, action="hide", rule="threats")
    idea.refresh_from_db()
    assert idea.comment_count == 0
    restore = services.decide(comment, actor=moderator, action="restore")
    assert restore.rule == "threats"  # the rule of the decision being reversed
    idea.refresh_from_db()
    assert idea.comment_count == 1
    with pytest.raises(ValidationFailed):
        services.decide(idea, actor=moderator, action="hide")  # a hide names the rule broken
    with pytest.raises(ValidationFailed):
        services.decide(idea, actor=moderator, action="ban", rule="spam")


def test_bulk_decisions_report_each_item(org_and_moderator):
    org, moderator = org_and_moderator
    challenge = make_challenge(org)
    for n in range(3):
        make_idea(challenge, title=f"Idée {n}", body=f"Joignez-moi au 514-555-01{n}9, merci beaucoup.")
    cases = list(services.moderation_queue(actor=moderator))
    services.decide(cases[0].target, actor=moderator, action="reject", rule="personal_information")
    results = services.decide_many(cases, actor=moderator, action="release")
    assert [isinstance(r, Decision) for _case, r in results] == [False, True, True]
    assert isinstance(results[0][1], ModerationError)
    assert Idea.objects.filter(moderation="visible").count() == 2


def test_the_moderation_log_is_append_only():
    idea = make_idea(body="Écrivez à luc@exemple.ca s'il vous plaît.")
    decision = Decision.objects.of(idea).get()
    decision.note = "changed"
    with pytest.raises(TypeError):
        decision.save()
    with pytest.raises(TypeError):
        decision.delete()
    with pytest.raises(TypeError):
        Decision.objects.all().update(note="x")
    with pytest.raises(TypeError):
        Decision.objects.all().delete()
