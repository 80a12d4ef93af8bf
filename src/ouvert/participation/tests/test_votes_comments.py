"""Votes (verified accounts, phases, limits, threshold, rate limits) and threaded comments."""

import pytest

from ouvert.core.errors import NotFound, PermissionDenied, ValidationFailed
from ouvert.participation import services, signals
from ouvert.participation.errors import ParticipationError, RateLimited, VoteError
from ouvert.participation.models import Comment, Idea, Vote

from .factories import make_challenge, make_comment, make_idea, make_user, set_phase

pytestmark = pytest.mark.django_db


@pytest.fixture
def voting_idea():
    challenge = make_challenge(phase="ideas")
    idea = make_idea(challenge)
    set_phase(challenge, "voting")
    return Idea.objects.select_related("challenge").get(pk=idea.pk)


def test_vote_counts_once_and_can_be_withdrawn(voting_idea):
    voter = make_user()
    services.cast_vote(voting_idea, actor=voter)
    with pytest.raises(VoteError) as exc:
        services.cast_vote(voting_idea, actor=voter)
    assert exc.value.code == "already_voted"
    voting_idea.refresh_from_db()
    assert voting_idea.vote_count == 1 and services.has_voted(voting_idea, actor=voter)
    services.withdraw_vote(voting_idea, actor=voter)
    voting_idea.refresh_from_db()
    assert voting_idea.vote_count == 0 == Vote.objects.count()
    with pytest.raises(VoteError):
        services.withdraw_vote(voting_idea, actor=voter)


def test_unverified_and_anonymous_cannot_vote(voting_idea):
    with pytest.raises(VoteError) as exc:
        services.cast_vote(voting_idea, actor=make_user(verified=False))
    assert exc.value.code == "email_unverified"
    with pytest.raises(PermissionDenied):
        services.cast_vote(voting_idea, actor=None)
    assert Vote.objects.count() == 0


def test_votes_only_in_the_voting_phase_or_ideas_phase_when_allowed():
    challenge = make_challenge(phase="ideas")
    idea = make_idea(challenge)
    with pytest.raises(VoteError) as exc:
        services.cast_vote(idea, actor=make_user())
    assert exc.value.code == "phase_closed"
    services.update_challenge(challenge, actor=make_user(sysadmin=True), data={"votes_during_ideas": True})
    idea = Idea.objects.select_related("challenge").get(pk=idea.pk)
    services.cast_vote(idea, actor=make_user())
    set_phase(challenge, "cocreation")
    idea = Idea.objects.select_related("challenge").get(pk=idea.pk)
    with pytest.raises(VoteError):
        services.cast_vote(idea, actor=make_user())


def test_no_votes_on_held_withdrawn_or_rejected_ideas():
    author = make_user()
    challenge = make_challenge(phase="ideas", votes_during_ideas=True)
    held = make_idea(challenge, body="Appelez-moi au 514-555-0199 pour en parler de vive voix.")
    withdrawn = services.withdraw_idea(make_idea(challenge, author=author), actor=author)
    for idea in (held, withdrawn):
        with pytest.raises(VoteError) as exc:
            services.cast_vote(idea, actor=make_user())
        assert exc.value.code == "not_votable"


def test_vote_limit_per_challenge_and_threshold(django_capture_on_commit_callbacks):
    challenge = make_challenge(phase="ideas", votes_during_ideas=True, vote_limit=2, vote_threshold=2)
    a, b, c = (make_idea(challenge) for _n in range(3))
    voter = make_user()
    reached = []
    signals.idea_threshold_reached.connect(lambda **kw: reached.append(kw["idea"].pk), weak=False, dispatch_uid="t-threshold")
    try:
        with django_capture_on_commit_callbacks(execute=True):
            services.cast_vote(a, actor=voter)
            services.cast_vote(b, actor=voter)
            with pytest.raises(VoteError) as exc:
                services.cast_vote(c, actor=voter)
            assert exc.value.code == "vote_limit"
            assert services.votes_left(challenge, actor=voter) == 0
            services.withdraw_vote(b, actor=voter)
            services.cast_vote(c, actor=voter)
            services.cast_vote(a, actor=make_user())
    finally:
        signals.idea_threshold_reached.disconnect(dispatch_uid="t-threshold")
    a.refresh_from_db()
    assert a.threshold_reached is not None and reached == [a.pk]


def test_rate_limit_on_votes_per_account_and_address(settings, voting_idea):
    settings.OUVERT_PARTICIPATION_RATE_LIMITS = {"vote": {"account": (100, 60), "address": (2, 60)}}
    services.cast_vote(voting_idea, actor=make_user(), ip="192.0.2.7")
    services.cast_vote(voting_idea, actor=make_user(), ip="192.0.2.7")
    with pytest.raises(RateLimited):
        services.cast_vote(voting_idea, actor=make_user(), ip="192.0.2.7")
    services.cast_vote(voting_idea, actor=make_user(), ip="192.0.2.8")
    assert Vote.objects.count() == 3


def test_rate_limit_on_posting(settings):
    settings.OUVERT_PARTICIPATION_RATE_LIMITS = {"post": {"account": (2, 60), "address": (100, 60)}}
    author = make_user()
    challenge = make_challenge()
    make_idea(challenge, author=author)
    make_idea(challenge, author=author, title="Une autre idée tout à fait différente")
    with pytest.raises(RateLimited):
        make_idea(challenge, author=author, title="Encore une idée de plus aujourd'hui")


def test_threaded_comments_go_three_levels_deep_with_a_stance():
    idea = make_idea()
    first = make_comment(idea, stance="for")
    reply = make_comment(idea, parent=first, stance="against", body="Je ne suis pas d'accord, voici pourquoi.")
    third = make_comment(idea, parent=reply, body="Les deux points de vue se défendent.")
    assert (first.depth, reply.depth, third.depth) == (1, 2, 3)
    with pytest.raises(ParticipationError) as exc:
        make_comment(idea, parent=third)
    assert exc.value.code == "too_deep"
    second = make_comment(idea, stance="neutral")
    assert services.comment_thread(idea) == [first, reply, third, second]
    assert services.stance_summary(idea) == {"for": 1, "against": 1, "neutral": 2}
    idea.refresh_from_db()
    assert idea.comment_count == 4
    with pytest.raises(ValidationFailed):
        make_comment(idea, stance="maybe")
    with pytest.raises(ValidationFailed):
        make_comment(idea, body="   ")
    with pytest.raises(NotFound):
        make_comment(make_idea(), parent=first)


def test_comments_close_with_the_phases_and_held_comments_do_not_count():
    challenge = make_challenge(phase="ideas")
    idea = make_idea(challenge)
    held = make_comment(idea, body="Mon courriel : paul.gagnon@exemple.ca, écrivez-moi.")
    assert held.moderation == "held"
    idea.refresh_from_db()
    assert idea.comment_count == 0 and services.comment_thread(idea) == []
    set_phase(challenge, "results")
    idea = Idea.objects.select_related("challenge").get(pk=idea.pk)
    with pytest.raises(ParticipationError) as exc:
        make_comment(idea)
    assert exc.value.code == "phase_closed"
    assert Comment.objects.count() == 1
