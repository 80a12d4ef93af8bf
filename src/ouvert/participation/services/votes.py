"""Votes: one per verified account and idea, during the voting phase, exact under concurrency.

The unique constraint (idea, voter) makes a second vote fail in the database whatever the
timing; the idea's counter moves by an atomic ``UPDATE ... SET vote_count = vote_count + 1``
in the same transaction, so it always equals the number of vote rows. The voter's row is
locked while their votes in the challenge are counted, so a vote limit holds as well.
A vote is its own record (who, which idea, when): no separate activity entry is written.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from ouvert.accounts import permissions

from .. import signals
from ..errors import VoteError
from ..models import Idea, Moderation, Vote
from ._common import check_rate, send_on_commit

VOTABLE = (Idea.Status.PUBLISHED, Idea.Status.UNDER_REVIEW, Idea.Status.ACCEPTED)


def _check_voter(actor) -> None:
    if actor is not None and getattr(actor, "is_authenticated", False) and not actor.email_verified:
        raise VoteError(_("Confirm your e-mail address before voting: follow the link we sent you."),
                        code="email_unverified")
    permissions.require(actor, "participation.vote")


def _check_idea(idea: Idea) -> None:
    if idea.moderation != Moderation.VISIBLE or idea.status not in VOTABLE:
        raise VoteError(_("This idea is not open to votes."), code="not_votable")
    if not idea.challenge.accepts_votes():
        raise VoteError(_("Voting is not open on this challenge at the moment."), code="phase_closed")


def cast_vote(idea: Idea, *, actor, ip: str | None = None) -> Vote:
    """Vote for ``idea``. Refused for unverified accounts, outside the voting phase (or the ideas
    phase when the challenge allows it), past the challenge's vote limit, and the second time."""
    _check_voter(actor)
    _check_idea(idea)
    check_rate("vote", actor=actor, ip=ip)
    challenge = idea.challenge
    with transaction.atomic():
        if challenge.vote_limit:
            get_user_model().objects.select_for_update().filter(pk=actor.pk).first()
            used = Vote.objects.filter(challenge=challenge, voter=actor).exclude(idea=idea).count()
            if used >= challenge.vote_limit:
                raise VoteError(
                    _("You have used your %(limit)d votes on this challenge. Withdraw one to vote for this idea.")
                    % {"limit": challenge.vote_limit}, code="vote_limit")
        try:
            with transaction.atomic():
                vote = Vote.objects.create(idea=idea, challenge=challenge, voter=actor)
        except IntegrityError:
            raise VoteError(_("You have already voted for this idea."), code="already_voted") from None
        Idea.objects.filter(pk=idea.pk).update(vote_count=F("vote_count") + 1)
        count, reached = Idea.objects.filter(pk=idea.pk).values_list("vote_count", "threshold_reached").get()
        idea.vote_count = count
        if challenge.vote_threshold and count >= challenge.vote_threshold and reached is None:
            updated = Idea.objects.filter(pk=idea.pk, threshold_reached__isnull=True).update(threshold_reached=timezone.now())
            if updated:
                send_on_commit(signals.idea_threshold_reached, idea=idea)
        send_on_commit(signals.vote_changed, idea=idea, voter=actor, cast=True)
    return vote


def withdraw_vote(idea: Idea, *, actor) -> None:
    """Take a vote back, while voting is open."""
    permissions.require(actor, "account.use")
    if not idea.challenge.accepts_votes():
        raise VoteError(_("Voting is not open on this challenge at the moment."), code="phase_closed")
    with transaction.atomic():
        deleted, _detail = Vote.objects.filter(idea=idea, voter=actor).delete()
        if not deleted:
            raise VoteError(_("You have not voted for this idea."), code="no_vote")
        Idea.objects.filter(pk=idea.pk).update(vote_count=F("vote_count") - 1)
        idea.vote_count = Idea.objects.filter(pk=idea.pk).values_list("vote_count", flat=True).get()
        send_on_commit(signals.vote_changed, idea=idea, voter=actor, cast=False)


def has_voted(idea: Idea, *, actor) -> bool:
    if actor is None or not getattr(actor, "is_authenticated", False):
        return False
    return Vote.objects.filter(idea=idea, voter=actor).exists()


def votes_left(challenge, *, actor) -> int | None:
    """Votes ``actor`` may still cast on ``challenge`` (None: no limit)."""
    if not challenge.vote_limit:
        return None
    return max(0, challenge.vote_limit - Vote.objects.filter(challenge=challenge, voter=actor).count())
