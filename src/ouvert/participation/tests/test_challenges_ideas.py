"""Challenges and ideas: phases, states, official answers, follows and sorting."""

import pytest

from ouvert.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from ouvert.core.models import Activity
from ouvert.notifications import services as follows
from ouvert.participation import services, signals
from ouvert.participation.errors import ParticipationError
from ouvert.participation.models import Challenge, Idea, Moderation

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


def test_editor_creates_a_draft_challenge_linked_to_datasets_then_publishes_it():
    editor = make_user()
    org = make_organisation(editors=[editor])
    water, roads = make_dataset(org, "eau-potable"), make_dataset(org, "routes")
    challenge = make_challenge(org, actor=editor, name="eau", datasets=["eau-potable", roads], publish=False)
    assert challenge.status == Challenge.Status.DRAFT
    assert {d.name for d in challenge.datasets.all()} == {"eau-potable", "routes"}
    assert list(services.challenges_for_dataset(water)) == []  # drafts are not listed
    services.publish_challenge(challenge, actor=editor)
    assert list(services.challenges_for_dataset(water)) == [challenge]
    keys = list(Activity.objects.filter(object_id=str(challenge.pk)).values_list("key", flat=True))
    assert {"participation.challenge.created", "participation.challenge.published"} <= set(keys)


def test_challenge_validation_and_permissions():
    org = make_organisation()
    with pytest.raises(PermissionDenied):
        make_challenge(org, actor=make_user())
    with pytest.raises(ValidationFailed) as exc:
        make_challenge(org, name="Bad name!", title_fr="", title_en="", datasets=["nope"],
                       voting_end="2020-01-01", vote_limit=0, problem_fr="<script>x</script>")
    assert {"name", "title_fr", "datasets", "voting_end", "vote_limit", "problem_fr"} <= exc.value.fields.keys()
    draft = make_challenge(org, publish=False)
    with pytest.raises(NotFound):
        services.get_challenge(draft.name, actor=make_user())
    member = make_user()
    make_organisation(members=[member])
    assert services.get_challenge(draft.name, actor=make_user(sysadmin=True)) == draft


def test_phases_decide_what_is_open():
    challenge = make_challenge(phase="ideas")
    assert challenge.current_phases() == ["ideas"]
    assert challenge.accepts_ideas() and challenge.accepts_comments() and not challenge.accepts_votes()
    set_phase(challenge, "voting")
    challenge.refresh_from_db()
    assert not challenge.accepts_ideas() and challenge.accepts_votes()
    with pytest.raises(ParticipationError) as exc:
        make_idea(challenge)
    assert exc.value.code == "phase_closed"
    set_phase(challenge, "results")
    challenge.refresh_from_db()
    assert not challenge.accepts_comments() and not challenge.accepts_votes()


def test_results_statement_closes_the_loop(django_capture_on_commit_callbacks):
    editor = make_user()
    org = make_organisation(editors=[editor])
    challenge = make_challenge(org, phase="results")
    with pytest.raises(ValidationFailed):
        services.publish_results(challenge, actor=editor)
    received = []
    signals.results_published.connect(lambda **kw: received.append(kw["challenge"]), weak=False, dispatch_uid="t-results")
    try:
        with django_capture_on_commit_callbacks(execute=True):
            challenge = services.publish_results(challenge, actor=editor, results_fr="Nous avons entendu…",
                                                 results_en="What we heard…")
    finally:
        signals.results_published.disconnect(dispatch_uid="t-results")
    assert challenge.status == Challenge.Status.CLOSED and challenge.results_published
    assert received == [challenge]
    with pytest.raises(Conflict):
        services.publish_results(make_challenge(org, publish=False), actor=editor, results_fr="x")


def test_idea_is_sanitised_follows_its_author_and_is_visible():
    author = make_user()
    dataset = make_dataset()
    idea = make_idea(author=author, title="Des horaires de déneigement ouverts", datasets=[dataset.name],
                     body="Publier **chaque matin** l'horaire de déneigement des rues du quartier.")
    assert idea.moderation == Moderation.VISIBLE and idea.status == Idea.Status.PUBLISHED
    assert idea.language == "fr" and idea.author_name == author.display_name
    assert list(idea.datasets.all()) == [dataset]
    assert follows.is_following(idea, actor=author)
    with pytest.raises(ValidationFailed) as exc:
        make_idea(idea.challenge, title="x", body="<script>alert(1)</script> et du texte en plus")
    assert {"title", "body"} <= exc.value.fields.keys()
    with pytest.raises(ValidationFailed) as exc:
        make_idea(idea.challenge, body="")
    assert "body" in exc.value.fields
    with pytest.raises(ValidationFailed):
        make_idea(idea.challenge, body="x" * 10_001)
    with pytest.raises(PermissionDenied):
        services.submit_idea(idea.challenge, actor=None, title="Anonyme", body="Une idée sans compte du tout.")


def test_idea_status_transitions_and_withdrawal():
    editor, author = make_user(), make_user()
    org = make_organisation(editors=[editor])
    idea = make_idea(make_challenge(org), author=author)
    with pytest.raises(PermissionDenied):
        services.set_idea_status(idea, actor=author, status="accepted")
    idea = services.set_idea_status(idea, actor=editor, status="under_review")
    idea = services.set_idea_status(idea, actor=editor, status="accepted")
    idea = services.set_idea_status(idea, actor=editor, status="implemented")
    with pytest.raises(ParticipationError):
        services.set_idea_status(idea, actor=editor, status="rejected")
    with pytest.raises(ParticipationError):
        services.withdraw_idea(idea, actor=author)
    other = make_idea(idea.challenge, author=author)
    services.set_idea_status(other, actor=editor, status="rejected")
    services.set_idea_status(other, actor=editor, status="under_review")
    with pytest.raises(PermissionDenied):
        services.withdraw_idea(other, actor=editor)
    other = services.withdraw_idea(other, actor=author)
    assert other.status == Idea.Status.WITHDRAWN
    with pytest.raises(ParticipationError):
        services.set_idea_status(other, actor=editor, status="accepted")
    keys = set(Activity.objects.filter(object_id=str(other.pk)).values_list("key", flat=True))
    assert {"participation.idea.submitted", "participation.idea.status_changed", "participation.idea.withdrawn"} <= keys


def test_official_answer_is_prepared_then_published():
    editor = make_user()
    org = make_organisation(editors=[editor])
    idea = make_idea(make_challenge(org))
    with pytest.raises(ValidationFailed):
        services.publish_answer(idea, actor=editor)
    idea = services.prepare_answer(idea, actor=editor, answer_fr="Nous étudions la question.", answer_en="We are looking into it.")
    assert idea.answer_prepared and idea.answer_published is None
    idea = services.publish_answer(idea, actor=editor, status="accepted")
    assert idea.answer_published and idea.status == Idea.Status.ACCEPTED
    assert str(idea.answer) == "Nous étudions la question."


def test_answer_idea_writes_and_publishes_in_one_transaction():
    editor = make_user()
    org = make_organisation(editors=[editor])
    idea = make_idea(make_challenge(org))
    services.set_idea_status(idea, actor=editor, status="rejected")
    # Publishing refused (a rejected idea cannot be implemented): the new text is not kept either.
    with pytest.raises(ParticipationError):
        services.answer_idea(idea, actor=editor, answer_fr="Nous le ferons.", publish=True, status="implemented")
    idea.refresh_from_db()
    assert idea.answer_fr == "" and idea.answer_prepared is None and idea.answer_published is None
    with pytest.raises(PermissionDenied):
        services.answer_idea(idea, actor=make_user(), answer_fr="Non.")
    idea = services.answer_idea(idea, actor=editor, answer_fr="Nous étudions la question.")
    assert idea.answer_prepared and idea.answer_published is None
    idea = services.answer_idea(idea, actor=editor, publish=True, status="under_review")
    assert idea.answer_published and idea.status == Idea.Status.UNDER_REVIEW and idea.answer_fr
    assert services.answer_idea(idea, actor=editor, status="accepted").status == Idea.Status.ACCEPTED


def test_sorting_by_support_newest_discussed_and_random_stable_per_seed():
    challenge = make_challenge(phase="ideas", votes_during_ideas=True)
    ideas = [make_idea(challenge, title=f"Idée de test numéro {n}") for n in range(6)]
    for voter_count, idea in zip((0, 3, 1, 0, 2, 0), ideas, strict=True):
        for _n in range(voter_count):
            services.cast_vote(idea, actor=make_user())
    make_comment(ideas[5])
    make_comment(ideas[5])
    make_comment(ideas[3])
    ids = lambda qs: [i.pk for i in qs]  # noqa: E731
    assert ids(services.list_ideas(challenge, actor=None, sort="support"))[:3] == [ideas[1].pk, ideas[4].pk, ideas[2].pk]
    assert ids(services.list_ideas(challenge, actor=None, sort="newest"))[0] == ideas[5].pk
    assert ids(services.list_ideas(challenge, actor=None, sort="discussed"))[:2] == [ideas[5].pk, ideas[3].pk]
    first = ids(services.list_ideas(challenge, actor=None, sort="random", seed="session-a"))
    assert first == ids(services.list_ideas(challenge, actor=None, sort="random", seed="session-a"))
    assert sorted(first) == sorted(i.pk for i in ideas)
    orders = {tuple(ids(services.list_ideas(challenge, actor=None, sort="random", seed=f"s{n}"))) for n in range(8)}
    assert len(orders) > 1
    with pytest.raises(ValidationFailed):
        services.list_ideas(challenge, actor=None, sort="alphabetical")


def test_held_and_withdrawn_ideas_are_not_listed_but_their_author_sees_them():
    author = make_user()
    challenge = make_challenge()
    held = make_idea(challenge, author=author, body="Écrivez-moi à marie.tremblay@courriel.ca pour en discuter.")
    assert held.moderation == Moderation.HELD
    assert list(services.list_ideas(challenge, actor=None)) == []
    assert services.get_idea(held.pk, actor=author) == held
    with pytest.raises(NotFound):
        services.get_idea(held.pk, actor=make_user())
    shown = make_idea(challenge, author=author)
    services.withdraw_idea(shown, actor=author)
    assert list(services.list_ideas(challenge, actor=None)) == []
    assert list(services.list_ideas(challenge, actor=None, status="withdrawn")) == [shown]


def test_follow_and_unfollow():
    user = make_user()
    challenge = make_challenge()
    follows.follow(challenge, actor=user)
    follows.follow(challenge, actor=user)
    assert list(follows.followers_of(challenge)) == [user]
    follows.unfollow(challenge, actor=user)
    assert not follows.is_following(challenge, actor=user)
