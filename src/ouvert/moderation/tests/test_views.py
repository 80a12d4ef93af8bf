"""The moderation pages: the queue of each moderator's organisations, decisions one by one and
in bulk, the log, the rules page; for every registered content type."""

import pytest

from ouvert.moderation import services as moderation
from ouvert.moderation.models import Case, Moderation
from ouvert.participation import services
from ouvert.participation.tests.factories import make_comment, make_idea
from ouvert.participation.tests.pages import _english_then_default, messages_of, page, url  # noqa: F401
from tests.support.factories import make_organisation, make_user

pytestmark = pytest.mark.django_db


def test_moderators_see_only_their_organisations_queue(client, challenge, moderator):
    held = make_idea(challenge, body="Mon téléphone : 418-555-0123, appelez-moi.")
    other_moderator = make_user("autre")
    make_organisation("autre-org", editors=[other_moderator])
    client.force_login(other_moderator)
    html = page(client, url("moderation:queue"))
    assert held.title not in html
    assert client.post(url("moderation:decide", held.cases.get().pk),
                       {f"case-{held.cases.get().pk}-action": "release"}).status_code == 403
    client.force_login(make_user("nobody"))
    page(client, url("moderation:queue"), status=403)
    client.force_login(moderator)
    assert held.title in page(client, url("moderation:queue"))


def test_release_and_reject_then_the_author_sees_the_reason(client, challenge, moderator):
    author = make_user("dora")
    released = make_idea(challenge, author=author, title="Idée retenue", body="Contact : info@ville.example pour les données.")
    rejected = make_idea(challenge, author=author, title="Idée refusée", body="Écrivez à dora@exemple.ca tout de suite.")
    client.force_login(moderator)
    case = released.cases.get()
    client.post(url("moderation:decide", case.pk), {f"case-{case.pk}-action": "release"})
    case = rejected.cases.get()
    response = client.post(url("moderation:decide", case.pk), {
        f"case-{case.pk}-action": "reject", f"case-{case.pk}-rule": "personal_information",
        f"case-{case.pk}-note": "Retirez l'adresse et proposez-la de nouveau."}, follow=True)
    assert "decision was recorded" in messages_of(response)
    released.refresh_from_db()
    rejected.refresh_from_db()
    assert released.moderation == Moderation.VISIBLE and rejected.moderation == Moderation.REJECTED
    log = page(client, url("moderation:log"))
    assert "Personal information" in log and "Idée refusée" in log
    client.force_login(author)
    html = page(client, url("participation:my_contributions"))
    assert "Personal information" in html and "Retirez l&#x27;adresse" in html
    assert "Idée retenue" in page(client, url("participation:challenge", "canopee"))


def test_bulk_decisions(client, challenge, moderator):
    ideas = [make_idea(challenge, body=f"Appelez le 418-555-012{n} pour en parler.") for n in range(2)]
    client.force_login(moderator)
    cases = [str(i.cases.get().pk) for i in ideas]
    response = client.post(url("moderation:decide_bulk"), {"cases": cases, "bulk-action": "reject",
                                                              "bulk-rule": "personal_information"}, follow=True)
    assert "2 decisions recorded" in messages_of(response)
    assert not Case.objects.filter(status="open").exists()


def test_footer_links_to_the_rules(client):
    assert url("moderation:rules", lang="fr") in page(client, url("web:home", lang="fr"))


def test_the_queue_and_the_log_show_every_registered_kind(client, challenge, moderator):
    idea = make_idea(challenge)
    comment = make_comment(idea, body="Écrivez-moi à paul@exemple.ca pour en parler.")
    reuse = services.submit_reuse(actor=make_user(), data={
        "kind": "app", "title_fr": "Appli des arbres", "url": "https://example.org/arbres", "datasets": ["arbres"]})
    assert comment.moderation == reuse.moderation == Moderation.HELD
    client.force_login(moderator)
    html = page(client, url("moderation:queue"))
    assert f'Comment on <a href="{url("participation:idea", "canopee", idea.pk)}#comment-{comment.pk}">' in html
    assert f'Reuse: <a href="{url("participation:reuse", reuse.pk)}">Appli des arbres</a>' in html
    assert 'href="https://example.org/arbres" rel="nofollow noopener"' in html
    only_comments = page(client, url("moderation:queue") + "?kind=comment")
    assert "Comment on" in only_comments and "Appli des arbres" not in only_comments
    for case in Case.objects.filter(status="open"):
        client.post(url("moderation:decide", case.pk), {f"case-{case.pk}-action": "release"})
    assert not Case.objects.filter(status="open").exists()
    log = page(client, url("moderation:log"))
    assert "Comment: Écrivez-moi à paul@exemple.ca pour en parler." in log and "Reuse: Appli des arbres" in log


def test_the_queue_shows_the_reports_on_content_hidden_by_flags(client, challenge, moderator, settings):
    settings.OUVERT_PARTICIPATION_FLAG_THRESHOLD = 2
    idea = make_idea(challenge)
    moderation.flag_content(idea, actor=make_user(), rule="spam", note="Publicité déguisée")
    moderation.flag_content(idea, actor=make_user(), rule="hate")
    client.force_login(moderator)
    html = page(client, url("moderation:queue"))
    assert idea.title in html and "Hidden pending review" in html
    assert "Advertising and spam: “Publicité déguisée”" in html and "Racist, hateful" in html


def test_decisions_go_back_only_to_pages_of_this_site(client, challenge, moderator):
    """``next`` is followed when it is a page of this site; another site's address is not (no
    open redirect): the queue instead."""
    ideas = [make_idea(challenge, body=f"Appelez le 418-555-013{n} pour en parler.") for n in range(3)]
    client.force_login(moderator)
    queue = url("moderation:queue")
    for outside in ("https://evil.example/", "//evil.example/queue"):
        case = ideas[0].cases.get()
        response = client.post(url("moderation:decide", case.pk), {f"case-{case.pk}-action": "release", "next": outside})
        assert response.status_code == 302 and response.url == queue
        response = client.post(url("moderation:decide_bulk"), {"cases": [], "bulk-action": "reject", "next": outside})
        assert response.status_code == 302 and response.url == queue
        case = ideas[1].cases.get()
        response = client.post(url("moderation:decide_bulk"), {"cases": [str(case.pk)], "bulk-action": "release",
                                                                  "next": outside})
        assert response.status_code == 302 and response.url == queue
    case = ideas[2].cases.get()
    log = url("moderation:log")
    response = client.post(url("moderation:decide", case.pk), {f"case-{case.pk}-action": "release", "next": log})
    assert response.url == log
