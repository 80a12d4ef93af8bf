"""The participation pages: who sees what, and every action through its plain HTML form."""

import pytest

from ouvert.moderation import services as moderation
from ouvert.participation import services
from ouvert.participation.models import Comment, Idea, Moderation, Vote
from ouvert.participation.tests.pages import _english_then_default, messages_of, page, url  # noqa: F401
from tests.support.factories import make_dataset, make_user

from .factories import make_challenge, make_comment, make_idea, set_phase

pytestmark = pytest.mark.django_db
LANGS = ("fr", "en")


def test_every_page_renders_in_both_languages(client, org, moderator, challenge, dataset):
    idea = make_idea(challenge)
    make_comment(idea)
    consultation = services.create_consultation(challenge, actor=moderator, data={
        "title_fr": "Sondage", "title_en": "Survey", "questions": [
            {"kind": "text", "prompt_fr": "Pourquoi ?", "prompt_en": "Why?"},
            {"kind": "single", "prompt_fr": "Oui ?", "prompt_en": "Yes?",
             "choices": [{"label_fr": "Oui", "label_en": "Yes"}, {"label_fr": "Non", "label_en": "No"}]},
            {"kind": "multiple", "prompt_fr": "Quoi ?", "prompt_en": "What?",
             "choices": [{"label_fr": "A", "label_en": "A"}, {"label_fr": "B", "label_en": "B"}]},
            {"kind": "ranking", "prompt_fr": "Ordre ?", "prompt_en": "Order?",
             "choices": [{"label_fr": "X", "label_en": "X"}, {"label_fr": "Y", "label_en": "Y"}]},
        ]})
    services.set_consultation_status(consultation, actor=moderator, status="open")
    reuse = services.submit_reuse(actor=make_user(), data={"kind": "app", "title_fr": "Appli", "url": "https://example.org/",
                                                           "datasets": ["arbres"]})
    moderation.decide(reuse, actor=moderator, action="release")
    client.force_login(moderator)
    for lang in LANGS:
        pages = [
            url("participation:challenges", lang=lang), url("participation:challenge", "canopee", lang=lang),
            url("participation:idea", "canopee", idea.pk, lang=lang), url("moderation:rules", lang=lang),
            url("participation:reuses", lang=lang), url("participation:reuse", reuse.pk, lang=lang),
            url("participation:reuse_new", lang=lang), url("participation:my_contributions", lang=lang),
            url("moderation:queue", lang=lang), url("moderation:log", lang=lang),
            url("participation:challenge_new", lang=lang), url("participation:challenge_edit", "canopee", lang=lang),
            url("participation:challenge_results", "canopee", lang=lang),
            url("participation:idea_answer", "canopee", idea.pk, lang=lang),
            url("participation:idea_new", "canopee", lang=lang),
            url("participation:consultation", "canopee", consultation.pk, lang=lang),
            url("participation:consultation_results", "canopee", consultation.pk, lang=lang),
        ]
        for address in pages:
            html = page(client, address)
            assert f'<html lang="{lang}">' in html
    english = page(client, url("participation:challenge", "canopee"))
    assert '<h1 lang="fr">Canopée urbaine</h1>' in english
    assert url("web:dataset", "arbres") in english
    assert "current phase" in english


def test_consultation_response_and_results(client, moderator, challenge):
    consultation = services.create_consultation(challenge, actor=moderator, data={
        "title_en": "Survey", "questions": [
            {"kind": "single", "prompt_en": "Yes?", "required": True,
             "choices": [{"label_en": "Yes"}, {"label_en": "No"}]},
            {"kind": "ranking", "prompt_en": "Order?", "choices": [{"label_en": "X"}, {"label_en": "Y"}]},
        ]})
    services.set_consultation_status(consultation, actor=moderator, status="open")
    single, ranking = consultation.questions.all()
    yes = single.choices.first()
    x, y = ranking.choices.all()
    client.force_login(make_user())
    address = url("participation:consultation", "canopee", consultation.pk)
    assert client.post(address, {}).status_code == 400
    response = client.post(address, {f"q{single.pk}": yes.pk, f"q{ranking.pk}_{x.pk}": "2", f"q{ranking.pk}_{y.pk}": "1"})
    assert response.status_code == 302
    html = page(client, url("participation:consultation_results", "canopee", consultation.pk))
    assert "100 %" in html and 'class="bar"' in html
    csv = client.get(url("participation:consultation_export", "canopee", consultation.pk))
    assert csv["Content-Type"].startswith("text/csv") and b"@" not in csv.content


def test_submitting_an_idea_publishes_it(client, challenge):
    client.force_login(make_user("alice"))
    response = client.post(url("participation:idea_new", "canopee"), {
        "title": "Planter des arbres", "body": "Planter des arbres dans les quartiers où la canopée est faible.",
        "datasets": "arbres"}, follow=True)
    idea = Idea.objects.get(title="Planter des arbres")
    assert idea.moderation == Moderation.VISIBLE and list(idea.datasets.values_list("name", flat=True)) == ["arbres"]
    assert "Your idea is published" in messages_of(response)
    assert "Planter des arbres" in page(client, url("participation:challenge", "canopee"))


def test_an_idea_with_an_email_address_is_held_and_the_author_told_why(client, challenge):
    author = make_user("bob")
    client.force_login(author)
    response = client.post(url("participation:idea_new", "canopee"), {
        "title": "Écrivez-moi", "body": "Écrivez-moi à bob.martin@exemple.ca pour en discuter."}, follow=True)
    idea = Idea.objects.get(title="Écrivez-moi")
    assert idea.moderation == Moderation.HELD
    assert "waiting for review because it seems to contain personal information" in messages_of(response)
    client.logout()
    assert "Écrivez-moi" not in page(client, url("participation:challenge", "canopee"))
    page(client, url("participation:idea", "canopee", idea.pk), status=404)


def test_invalid_idea_shows_the_errors_next_to_the_fields(client, challenge):
    client.force_login(make_user())
    response = client.post(url("participation:idea_new", "canopee"), {"title": "", "body": "<script>x</script>"})
    assert response.status_code == 400
    assert "There is a problem" in response.content.decode()
    assert Idea.objects.count() == 0


def test_vote_then_double_vote_is_refused(client, challenge):
    idea = make_idea(challenge)
    set_phase(challenge, "voting")
    client.force_login(make_user("voter"))
    vote = url("participation:idea_vote", "canopee", idea.pk)
    response = client.post(vote, {"vote": "1"}, follow=True)
    assert "Your vote was counted" in messages_of(response)
    assert "1 vote" in response.content.decode()
    # A second form posted from a stale page.
    response = client.post(vote, {"vote": "1"}, follow=True)
    assert "already voted" in messages_of(response)
    assert Vote.objects.filter(idea=idea).count() == 1
    assert client.post(vote, {"vote": "1"}, HTTP_ACCEPT="application/json").status_code == 409
    response = client.post(vote, {"vote": "0"}, HTTP_ACCEPT="application/json")
    assert response.json() == {"ok": True, "voted": False, "count": 0, "message": "Your vote was withdrawn."}


def test_vote_outside_the_phase_and_unverified_are_refused_with_messages(client, challenge):
    idea = make_idea(challenge)
    vote = url("participation:idea_vote", "canopee", idea.pk)
    client.force_login(make_user())
    response = client.post(vote, {"vote": "1"}, follow=True)
    assert "Voting is not open" in messages_of(response)
    set_phase(challenge, "voting")
    client.force_login(make_user("unverified", verified=False))
    response = client.post(vote, {"vote": "1"}, follow=True)
    assert "Confirm your e-mail address" in messages_of(response)
    assert Vote.objects.count() == 0
    client.logout()
    assert client.post(vote, {"vote": "1"}).status_code == 302  # to the sign-in page
    assert Vote.objects.count() == 0


def test_comments_are_threaded_three_levels_deep(client, challenge):
    idea = make_idea(challenge)
    client.force_login(make_user("carla"))
    address = url("participation:idea_comment", "canopee", idea.pk)
    parent = None
    for level in range(1, 4):
        data = {"body": f"Commentaire de niveau {level}, tout à fait pertinent.", "stance": "for"}
        if parent:
            data["parent"] = str(parent.pk)
        client.post(address, data)
        parent = Comment.objects.get(depth=level)
        assert parent.stance == "for"
    response = client.post(address, {"body": "Une réponse trop profonde pour le fil.", "parent": str(parent.pk)},
                           follow=True)
    assert "at most 3 levels" in messages_of(response)
    html = page(client, url("participation:idea", "canopee", idea.pk))
    assert 'class="comment depth-3"' in html
    assert html.count("Post the reply") == 2  # no reply form under the third level


def test_flagging_an_idea(client, challenge, settings):
    settings.OUVERT_PARTICIPATION_FLAG_THRESHOLD = 1
    idea = make_idea(challenge)
    client.force_login(make_user())
    flag = url("participation:idea_flag", "canopee", idea.pk)
    response = client.post(flag, {"rule": ""}, follow=True)
    assert "Choose one of the participation rules" in messages_of(response)
    response = client.post(flag, {"rule": "spam", "note": "Publicité"}, follow=True)
    assert "moderators will look at it" in messages_of(response)
    idea.refresh_from_db()
    assert idea.moderation == Moderation.HIDDEN


def test_withdraw_by_the_author_only(client, challenge):
    author = make_user()
    idea = make_idea(challenge, author=author)
    client.force_login(make_user())
    assert client.post(url("participation:idea_withdraw", "canopee", idea.pk)).status_code == 403
    client.force_login(author)
    client.post(url("participation:idea_withdraw", "canopee", idea.pk))
    idea.refresh_from_db()
    assert idea.status == Idea.Status.WITHDRAWN


def test_answer_and_results_statement(client, challenge, moderator):
    idea = make_idea(challenge)
    client.force_login(moderator)
    client.post(url("participation:idea_answer", "canopee", idea.pk), {
        "answer_fr": "Nous allons le faire.", "answer_en": "We will do it.", "status": "accepted", "publish": "1"})
    idea.refresh_from_db()
    assert idea.answer_published and idea.status == Idea.Status.ACCEPTED
    assert "We will do it." in page(client, url("participation:idea", "canopee", idea.pk))
    response = client.post(url("participation:challenge_results", "canopee"), {
        "results_fr": "Nous avons entendu.", "results_en": "What we heard.", "close": "1"}, follow=True)
    assert "results statement is published" in messages_of(response)
    client.logout()
    assert "What we heard." in page(client, url("participation:challenge", "canopee"))


def test_an_answer_refused_at_publication_is_not_half_written(client, challenge, moderator):
    idea = make_idea(challenge)
    services.set_idea_status(idea, actor=moderator, status="rejected")
    client.force_login(moderator)
    response = client.post(url("participation:idea_answer", "canopee", idea.pk), {
        "answer_fr": "Nous allons le faire.", "answer_en": "", "status": "implemented", "publish": "1"})
    assert response.status_code == 400
    idea.refresh_from_db()
    assert idea.answer_fr == "" and idea.answer_published is None and idea.status == Idea.Status.REJECTED


def test_staff_create_edit_and_publish_a_challenge(client, org, moderator, dataset):
    client.force_login(moderator)
    response = client.post(url("participation:challenge_new"), {
        "organisation": "ville", "name": "velo", "title_fr": "Vélo", "title_en": "Cycling",
        "problem_fr": "Pistes.", "datasets": "arbres", "ideas_start": "2026-01-01T09:00", "ideas_end": "2030-01-01T09:00",
        "vote_limit": "3"})
    assert response.status_code == 302
    challenge = services.get_challenge("velo", actor=moderator)
    assert challenge.vote_limit == 3 and challenge.status == "draft"
    client.logout()
    page(client, url("participation:challenge", "velo"), status=404)
    client.force_login(moderator)
    page(client, url("participation:challenge_edit", "velo"))
    client.post(url("participation:challenge_edit", "velo"), {
        "name": "velo", "title_fr": "Vélo", "title_en": "Cycling", "datasets": "arbres",
        "ideas_start": "2026-01-01T09:00", "vote_threshold": "10"})
    client.post(url("participation:challenge_publish", "velo"))
    client.logout()
    assert "Cycling" in page(client, url("participation:challenges"))
    client.force_login(make_user())
    assert client.get(url("participation:challenge_new")).status_code == 403


def test_dataset_page_lists_its_challenges_and_reuses(client, challenge, moderator):
    reuse = services.submit_reuse(actor=make_user(), data={"kind": "visualisation", "title_en": "Tree map",
                                                           "url": "https://example.org/map", "datasets": ["arbres"],
                                                           "challenges": ["canopee"]})
    html = page(client, url("web:dataset", "arbres"))
    assert url("participation:challenge", "canopee") in html
    assert "Tree map" not in html
    moderation.decide(reuse, actor=moderator, action="release")
    html = page(client, url("web:dataset", "arbres"))
    assert "Tree map" in html
    assert "Tree map" in page(client, url("participation:challenge", "canopee"))


def test_private_and_draft_content_is_never_shown_to_others(client, org):
    draft = make_challenge(org, name="brouillon", publish=False, title_en="Secret draft")
    dataset = make_dataset(org, "public-data")
    services.update_challenge(draft, actor=draft.created_by, data={"datasets": ["public-data"]})
    stranger = make_user()
    client.force_login(stranger)
    page(client, url("participation:challenge", "brouillon"), status=404)
    assert "Secret draft" not in page(client, url("participation:challenges"))
    assert "Secret draft" not in page(client, url("web:dataset", dataset.name))
    reuse = services.submit_reuse(actor=make_user(), data={"kind": "app", "title_en": "Pending app",
                                                           "url": "https://example.org/", "datasets": ["public-data"]})
    page(client, url("participation:reuse", reuse.pk), status=404)
    assert "Pending app" not in page(client, url("participation:reuses"))


def test_showcase_submission(client, challenge):
    client.force_login(make_user())
    response = client.post(url("participation:reuse_new"), {"kind": "app", "title_fr": "Carte", "url": "https://example.org/",
                                                             "datasets": "arbres", "challenges": "canopee"}, follow=True)
    assert "once a moderator has reviewed it" in messages_of(response)
    assert client.post(url("participation:reuse_new"), {"kind": "", "url": "nope"}).status_code == 400


def test_challenge_list_links_the_moderation_queue_for_moderators_only(client, org, moderator, challenge):
    queue = url("moderation:queue")
    client.force_login(moderator)
    assert f'href="{queue}"' in page(client, url("participation:challenges"))
    client.force_login(make_user("citoyen"))
    assert f'href="{queue}"' not in page(client, url("participation:challenges"))


def test_linked_private_datasets_show_to_their_organisation_members_only(client, org, moderator, challenge, dataset):
    """Challenge, idea and reuse pages list the linked datasets the reader may see: a dataset made
    private after it was linked stays on them for its organisation's members, and for them only."""
    from ouvert.catalog import services as catalog

    idea = make_idea(challenge, datasets=[dataset])
    reuse = services.submit_reuse(actor=make_user(), data={"kind": "app", "title_fr": "Carte des arbres",
                                                           "url": "https://example.org/carte", "datasets": ["arbres"]})
    moderation.decide(reuse, actor=moderator, action="release")
    catalog.update_dataset(dataset, actor=moderator, data={"private": True})
    addresses = [url("participation:challenge", "canopee"), url("participation:idea", "canopee", idea.pk),
                 url("participation:reuse", reuse.pk)]
    link = url("web:dataset", "arbres")
    for address in addresses:
        assert link not in page(client, address), address
    client.force_login(make_user("passante"))
    for address in addresses:
        assert link not in page(client, address), address
    client.force_login(moderator)
    for address in addresses:
        assert link in page(client, address), address
