"""Participation in the native API: the services' rules through HTTP, and who sees what."""

from __future__ import annotations

import pytest

from ouvert.accounts.services import create_token
from ouvert.moderation import services as moderation
from ouvert.moderation.models import Case
from ouvert.participation import services
from ouvert.participation.models import Channel, Comment, Idea, Moderation
from tests.support.api import V1Client

from .factories import (
    make_challenge,
    make_comment,
    make_dataset,
    make_idea,
    make_organisation,
    make_user,
    set_phase,
)

pytestmark = pytest.mark.django_db


def as_user(user) -> V1Client:
    return V1Client(token=create_token(user, actor=user, name="tests")[1])


@pytest.fixture
def v1():
    return V1Client()


@pytest.fixture
def world():
    class World:
        pass

    w = World()
    w.editor = make_user("edith")
    w.member = make_user("marc")
    w.org = make_organisation("ville", editors=[w.editor], members=[w.member])
    w.other_moderator = make_user("olga")
    w.other_org = make_organisation("autre", editors=[w.other_moderator])
    w.dataset = make_dataset(w.org, "arbres")
    w.private = make_dataset(w.org, "secret", private=True)
    w.challenge = make_challenge(w.org, name="canopee", datasets=[w.dataset], vote_limit=2, vote_threshold=2)
    w.draft = make_challenge(w.org, name="brouillon", publish=False)
    w.author = make_user("autrice")
    w.citizen = make_user("citoyen")
    w.idea = make_idea(w.challenge, author=w.author, title="Planter des arbres", datasets=["arbres"])
    return w


def test_challenges_list_and_detail(world, v1):
    answer = v1.get("/challenges")
    assert answer.status == 200
    assert [c["name"] for c in answer.body["results"]] == ["canopee"]
    challenge = answer.body["results"][0]
    assert challenge["organisation"]["name"] == "ville" and challenge["idea_count"] == 1
    assert [d["name"] for d in challenge["datasets"]] == ["arbres"]
    assert [p["phase"] for p in challenge["phases"]] == ["ideas", "voting", "cocreation", "results"]
    assert [p["current"] for p in challenge["phases"]] == [True, False, False, False]
    assert challenge["accepts_ideas"] and not challenge["accepts_votes"] and challenge["results"] is None
    assert challenge["web_url"].endswith("/canopee/")

    detail = v1.get("/challenges/canopee")
    assert detail.status == 200 and detail.body == challenge
    assert v1.get("/challenges", {"dataset": "arbres"}).body["count"] == 1
    assert v1.get("/challenges", {"organisation": "autre"}).body["count"] == 0
    assert v1.get("/challenges", {"phase": "voting"}).body["count"] == 0
    assert v1.get("/challenges", {"phase": "ideas"}).body["count"] == 1
    assert v1.get("/challenges", {"dataset": "nothing"}).body["count"] == 0
    assert v1.get("/challenges", {"dataset": "secret"}).body["count"] == 0


def test_draft_challenges_only_for_the_organisation(world, v1):
    assert v1.get("/challenges/brouillon").status == 404
    assert v1.get("/challenges", {"status": "draft"}).body["count"] == 0
    assert as_user(world.other_moderator).get("/challenges/brouillon").status == 404
    assert as_user(world.member).get("/challenges/brouillon").status == 200
    assert [c["name"] for c in as_user(world.member).get("/challenges", {"status": "draft"}).body["results"]] == [
        "brouillon"]
    assert v1.get("/challenges/brouillon/ideas").status == 404


def test_a_bad_token_is_refused_not_treated_as_anonymous(world):
    answer = V1Client(token="not-a-token").get("/challenges")
    assert answer.status == 401 and answer.error["code"] == "unauthorized"
    answer = V1Client().post(f"/ideas/{world.idea.pk}/vote")
    assert answer.status == 401 and set(answer.error) == {"code", "message", "fields"}


def test_ideas_submitted_through_the_api_are_held_with_their_channel(world, v1):
    client = as_user(world.citizen)
    answer = client.post("/challenges/canopee/ideas", {
        "title": "Un inventaire ouvert", "body": "Publier l'inventaire des arbres chaque mois, en CSV.",
        "datasets": ["arbres"]})
    assert answer.status == 201, answer.body
    idea = answer.body
    assert idea["moderation"] == "held" and idea["channel"] == "api" and idea["author"] == "Citoyen"
    assert answer.headers["Location"] == f"/api/v1/ideas/{idea['id']}"
    stored = Idea.objects.get(pk=idea["id"])
    assert stored.channel == Channel.API
    case = Case.objects.of(stored).get()
    assert case.channel == Channel.API and case.reason == Case.Reason.INTAKE and case.status == Case.Status.OPEN

    # Held: for the author and the organisation's moderators only.
    assert v1.get(f"/ideas/{idea['id']}").status == 404
    assert as_user(world.other_moderator).get(f"/ideas/{idea['id']}").status == 404
    assert as_user(make_user()).get(f"/ideas/{idea['id']}").status == 404
    assert client.get(f"/ideas/{idea['id']}").status == 200
    assert as_user(world.editor).get(f"/ideas/{idea['id']}").status == 200
    assert idea["id"] not in {i["id"] for i in v1.get("/challenges/canopee/ideas").body["results"]}
    assert v1.get("/challenges/canopee").body["idea_count"] == 1

    # The moderation queue shows the channel; a moderator of another organisation sees nothing of it.
    queue = moderation.moderation_queue(actor=world.editor, channel="api")
    assert [c.target.pk for c in queue] == [stored.pk]
    assert not list(moderation.moderation_queue(actor=world.other_moderator))
    moderation.decide(stored, actor=world.editor, action="release")
    assert idea["id"] in {i["id"] for i in v1.get("/challenges/canopee/ideas").body["results"]}


def test_idea_submission_follows_the_service_rules(world):
    client = as_user(world.citizen)
    bad = client.post("/challenges/canopee/ideas", {"title": "", "body": "court"})
    assert bad.status == 400 and bad.error["code"] == "validation" and {"title", "body"} <= set(bad.error["fields"])
    assert client.post("/challenges/canopee/ideas", {"title": "x" * 10}).status == 400  # body required
    assert client.post("/challenges/canopee/ideas", {"title": "Titre", "body": "Assez long, vraiment.",
                                                     "extra": 1}).error["fields"]["extra"]
    html = client.post("/challenges/canopee/ideas", {"title": "Titre correct", "body": "<script>alert(1)</script> ok ok ok"})
    assert html.status == 400 and "body" in html.error["fields"]
    unknown = client.post("/challenges/canopee/ideas", {"title": "Titre correct", "body": "Un texte assez long.",
                                                        "datasets": ["secret"]})
    assert unknown.status == 400 and "datasets" in unknown.error["fields"]
    set_phase(world.challenge, "voting")
    closed = client.post("/challenges/canopee/ideas", {"title": "Trop tard", "body": "La phase des idées est finie."})
    assert closed.status == 409 and closed.error["code"] == "phase_closed"
    assert V1Client().post("/challenges/canopee/ideas", {"title": "Anonyme", "body": "Sans compte, refusé."}).status == 401


def test_idea_list_sorts(world, v1):
    second = make_idea(world.challenge, title="Deuxième idée")
    third = make_idea(world.challenge, title="Troisième idée")
    make_comment(third)
    make_comment(third)
    make_comment(second)
    set_phase(world.challenge, "voting")
    services.cast_vote(second, actor=world.citizen)

    def ids(**params):
        return [i["id"] for i in v1.get("/challenges/canopee/ideas", params).body["results"]]

    assert ids()[0] == str(second.pk)
    assert ids(sort="newest") == [str(third.pk), str(second.pk), str(world.idea.pk)]
    assert ids(sort="discussed")[:2] == [str(third.pk), str(second.pk)]
    first = v1.get("/challenges/canopee/ideas", {"sort": "random", "page_size": 2}).body
    assert first["seed"] and f"seed={first['seed']}" in first["next"]
    again = ids(sort="random", seed=first["seed"], page_size=2)
    assert again == [i["id"] for i in first["results"]]
    assert sorted(ids(sort="random", seed="x")) == sorted(ids())
    assert v1.get("/challenges/canopee/ideas", {"sort": "best"}).status == 400
    assert v1.get("/challenges/canopee/ideas").body["seed"] is None
    assert ids(dataset="arbres") == [str(world.idea.pk)]


def test_votes_follow_the_web_rules(world, v1):
    idea_path = f"/ideas/{world.idea.pk}/vote"
    client = as_user(world.citizen)
    assert v1.get(idea_path).body == {"idea": str(world.idea.pk), "count": 0, "threshold": 2, "open": False,
                                      "voted": False, "votes_left": None}
    others = [make_idea(world.challenge, title=f"Autre idée {n}") for n in range(2)]
    closed = client.post(idea_path)
    assert closed.status == 409 and closed.error["code"] == "phase_closed"
    set_phase(world.challenge, "voting")
    cast = client.post(idea_path)
    assert cast.status == 201 and cast.body["count"] == 1 and cast.body["voted"] and cast.body["votes_left"] == 1
    again = client.post(idea_path)
    assert again.status == 409 and again.error["code"] == "already_voted"
    assert v1.get(idea_path).body["count"] == 1 and v1.get(idea_path).body["voted"] is False
    unverified = as_user(make_user("nouveau", verified=False)).post(idea_path)
    assert unverified.status == 403 and unverified.error["code"] == "email_unverified"

    # The limit of two votes per person on the challenge.
    assert client.post(f"/ideas/{others[0].pk}/vote").status == 201
    limit = client.post(f"/ideas/{others[1].pk}/vote")
    assert limit.status == 409 and limit.error["code"] == "vote_limit"

    withdrawn = client.delete(idea_path)
    assert withdrawn.status == 200 and withdrawn.body["count"] == 0 and not withdrawn.body["voted"]
    assert client.delete(idea_path).error["code"] == "no_vote"
    assert client.post(f"/ideas/{others[1].pk}/vote").status == 201


def test_comments_threaded_and_held_from_the_api(world, v1):
    first = make_comment(world.idea, stance="for")
    reply = make_comment(world.idea, parent=first, stance="against")
    make_comment(world.idea, body="Mon courriel: moi@exemple.ca")  # held by the checks
    listing = v1.get(f"/ideas/{world.idea.pk}/comments")
    assert listing.status == 200
    assert [(c["id"], c["parent"], c["depth"]) for c in listing.body["results"]] == [
        (str(first.pk), None, 1), (str(reply.pk), str(first.pk), 2)]
    assert listing.body["stances"] == {"for": 1, "against": 1, "neutral": 0}

    client = as_user(world.citizen)
    posted = client.post(f"/ideas/{world.idea.pk}/comments", {"body": "Tout à fait, et aussi des bancs.",
                                                              "stance": "for", "parent": str(reply.pk)})
    assert posted.status == 201, posted.body
    assert posted.body["moderation"] == "held" and posted.body["channel"] == "api" and posted.body["depth"] == 3
    comment = Comment.objects.get(pk=posted.body["id"])
    assert Case.objects.of(comment).get().channel == Channel.API
    assert v1.get(f"/ideas/{world.idea.pk}/comments").body["count"] == 2

    moderation.decide(comment, actor=world.editor, action="release")
    too_deep = client.post(f"/ideas/{world.idea.pk}/comments", {"body": "Plus loin encore.", "parent": str(comment.pk)})
    assert too_deep.status == 409 and too_deep.error["code"] == "too_deep"
    assert client.post(f"/ideas/{world.idea.pk}/comments", {"body": "x", "stance": "maybe"}).status == 400
    assert client.post(f"/ideas/{world.idea.pk}/comments", {"body": ""}).error["fields"]["body"]
    held = Comment.objects.filter(moderation=Moderation.HELD).first()
    assert client.post(f"/ideas/{world.idea.pk}/comments", {"body": "Réponse.", "parent": str(held.pk)}).status == 404


def test_the_organisation_answers_and_moves_ideas(world, v1):
    path = f"/ideas/{world.idea.pk}"
    for outsider in (world.other_moderator, world.citizen, world.member):
        answer = as_user(outsider).put(path + "/answer", {"fr": "Non.", "publish": True})
        assert answer.status == 403, outsider
        assert as_user(outsider).post(path + "/status", {"status": "accepted"}).status == 403
    editor = as_user(world.editor)
    prepared = editor.put(path + "/answer", {"fr": "Nous allons planter 500 arbres.", "en": "We will plant 500 trees."})
    assert prepared.status == 200 and prepared.body["answer"]["fr"] and prepared.body["answer_published"] is None
    assert v1.get(path).body["answer"] is None and v1.get(path).body["answer_prepared"] is None
    published = editor.put(path + "/answer", {"publish": True, "status": "accepted"})
    assert published.status == 200 and published.body["status"] == "accepted" and published.body["answer_published"]
    assert v1.get(path).body["answer"] == {"fr": "Nous allons planter 500 arbres.", "en": "We will plant 500 trees."}
    moved = editor.post(path + "/status", {"status": "implemented"})
    assert moved.status == 200 and moved.body["status"] == "implemented"
    wrong = editor.post(path + "/status", {"status": "under_review"})
    assert wrong.status == 409 and wrong.error["code"] == "invalid_transition"
    assert as_user(world.author).post(path + "/status", {"status": "withdrawn"}).error["code"] == "invalid_transition"

    other = make_idea(world.challenge, author=world.author, body="Des fontaines d'eau potable dans chaque parc du quartier.")
    assert other.is_visible
    assert as_user(world.citizen).post(f"/ideas/{other.pk}/status", {"status": "withdrawn"}).status == 403
    assert as_user(world.author).post(f"/ideas/{other.pk}/status", {"status": "withdrawn"}).body["status"] == "withdrawn"


def test_reuses_list_submit_and_visibility(world, v1):
    client = as_user(world.citizen)
    answer = client.post("/reuses", {"kind": "app", "title": {"fr": "Carte des arbres", "en": "Tree map"},
                                     "url": "https://example.org/carte", "datasets": ["arbres"],
                                     "challenges": ["canopee"]})
    assert answer.status == 201, answer.body
    reuse = answer.body
    assert reuse["moderation"] == "held" and reuse["channel"] == "api"
    assert v1.get("/reuses").body["count"] == 0
    assert v1.get(f"/reuses/{reuse['id']}").status == 404
    assert as_user(world.other_moderator).get(f"/reuses/{reuse['id']}").status == 404
    assert client.get(f"/reuses/{reuse['id']}").status == 200
    assert as_user(world.editor).get(f"/reuses/{reuse['id']}").status == 200
    bad = client.post("/reuses", {"kind": "app", "title": {}, "url": "ftp://x"})
    assert bad.status == 400 and {"title.fr", "url", "datasets"} <= set(bad.error["fields"])

    moderation.decide(services.get_reuse(reuse["id"], actor=world.editor), actor=world.editor, action="release")
    listed = v1.get("/reuses", {"challenge": "canopee"}).body["results"]
    assert [r["id"] for r in listed] == [reuse["id"]]
    assert listed[0]["challenges"][0]["name"] == "canopee" and listed[0]["published"]
    assert v1.get("/reuses", {"kind": "article"}).body["count"] == 0
    assert v1.get("/reuses", {"dataset": "arbres"}).body["count"] == 1
    assert v1.get("/reuses", {"challenge": "brouillon"}).body["count"] == 0
    assert v1.get("/challenges/canopee/ideas", {"dataset": "nothing"}).body == {
        "count": 0, "next": None, "previous": None, "results": [], "seed": None}


def test_flags_hide_content_at_the_threshold(world, v1, settings):
    settings.OUVERT_PARTICIPATION_FLAG_THRESHOLD = 2
    path = f"/ideas/{world.idea.pk}/flags"
    assert V1Client().post(path, {"rule": "spam"}).status == 401
    assert as_user(world.citizen).post(path, {"rule": "nonsense"}).status == 400
    first = as_user(world.citizen).post(path, {"rule": "spam", "note": "Publicité"})
    assert first.status == 201 and first.body["rule"] == "spam"
    assert as_user(world.citizen).post(path, {"rule": "spam"}).error["code"] == "already_flagged"
    assert as_user(world.author).post(path, {"rule": "spam"}).error["code"] == "own_content"
    assert as_user(make_user()).post(path, {"rule": "hate"}).status == 201
    # Hidden pending review: gone for the public and other organisations' moderators.
    assert v1.get(f"/ideas/{world.idea.pk}").status == 404
    assert as_user(world.other_moderator).get(f"/ideas/{world.idea.pk}").status == 404
    assert as_user(world.editor).get(f"/ideas/{world.idea.pk}").body["moderation"] == "hidden"
    assert as_user(make_user()).post(path, {"rule": "spam"}).status == 404
    again = as_user(world.editor).post(path, {"rule": "spam"})
    assert again.status == 409 and again.error["code"] == "not_visible"


def test_flag_comments_and_reuses(world, v1):
    comment = make_comment(world.idea)
    assert as_user(world.citizen).post(f"/comments/{comment.pk}/flags", {"rule": "threats"}).status == 201
    held = make_comment(world.idea, body="Écrivez-moi à moi@exemple.ca")
    assert as_user(world.citizen).post(f"/comments/{held.pk}/flags", {"rule": "spam"}).status == 404
    assert as_user(world.citizen).post("/comments/nope/flags", {"rule": "spam"}).status == 404
    reuse = services.submit_reuse(actor=world.author, data={"kind": "article", "title_fr": "Article",
                                                           "url": "https://example.org/a", "datasets": ["arbres"]})
    assert as_user(world.citizen).post(f"/reuses/{reuse.pk}/flags", {"rule": "spam"}).status == 404
    moderation.decide(reuse, actor=world.editor, action="release")
    assert as_user(world.citizen).post(f"/reuses/{reuse.pk}/flags", {"rule": "spam"}).status == 201


def test_rules_and_rate_limits(world, v1, settings):
    rules = v1.get("/participation-rules").body["results"]
    assert {r["code"] for r in rules} >= {"personal_information", "hate", "spam", "language"}
    assert all(r["label"]["fr"] and r["label"]["en"] for r in rules)
    settings.OUVERT_PARTICIPATION_RATE_LIMITS = {"flag": {"account": (1, 3600), "address": (100, 3600)}}
    client = as_user(world.citizen)
    assert client.post(f"/ideas/{world.idea.pk}/flags", {"rule": "spam"}).status == 201
    second = make_idea(world.challenge)
    limited = client.post(f"/ideas/{second.pk}/flags", {"rule": "spam"})
    assert limited.status == 429 and limited.error["code"] == "rate_limited"


def test_private_datasets_are_not_listed_to_outsiders(world, v1):
    services.update_challenge(world.draft, actor=world.editor, data={"datasets": ["arbres"]})
    # Ideas can only link public datasets, and links to datasets later made private are not shown.
    from ouvert.catalog.services import update_dataset

    update_dataset(world.dataset, actor=world.editor, data={"private": True})
    assert v1.get("/challenges/canopee").body["datasets"] == []
    assert v1.get(f"/ideas/{world.idea.pk}").body["datasets"] == []
    assert [d["name"] for d in as_user(world.member).get("/challenges/canopee").body["datasets"]] == ["arbres"]


def test_lists_cost_the_same_whatever_their_length(world, v1, django_assert_max_num_queries):
    for n in range(5):
        make_challenge(world.org, name=f"defi-liste-{n}", datasets=[world.dataset])
        make_idea(world.challenge, title=f"Idée numéro {n} de la liste", body=f"Un texte différent pour l'idée {n}, assez long.")
    with django_assert_max_num_queries(8):
        assert v1.get("/challenges").body["count"] == 6
    with django_assert_max_num_queries(8):
        assert v1.get("/challenges/canopee/ideas").body["count"] == 6
