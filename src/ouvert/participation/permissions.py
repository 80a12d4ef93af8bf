"""Participation's permission rules, registered with ``ouvert.accounts.permissions`` when the app
is ready (``ParticipationConfig.ready``).

Moderators of an organisation's challenges are its administrators and editors: the people who
already answer for what the organisation publishes. Members may take part like anyone.

Who may see what:
- a challenge: everyone once published (or closed); its organisation's members while a draft;
- an idea or a comment: whoever may see its challenge (its idea), when the content is visible;
  held, hidden or rejected content only for its author and the organisation's moderators;
- a reuse: everyone once released; before, its author and the moderators of the organisation
  that answers for it (``moderation.services.organisation_of``; none: sysadmins only);
- a consultation: whoever may see its challenge, once open; drafts only for those who manage it.
"""

from __future__ import annotations

from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from ouvert.accounts import permissions
from ouvert.accounts.permissions import (
    EDIT_ROLES,
    authenticated,
    is_authenticated,
    is_author,
    is_editor,
    organisations_where,
    role_in,
    verified,
)
from ouvert.catalog.models import Dataset
from ouvert.moderation import registry as moderated
from ouvert.moderation.permissions import can_moderate

from .models import Challenge, Comment, Consultation, Idea, Moderation, Reuse

PUBLIC_CHALLENGE = (Challenge.Status.PUBLISHED, Challenge.Status.CLOSED)


def can_edit_challenge(actor, challenge) -> bool:
    return role_in(actor, challenge.organisation_id) in EDIT_ROLES


# --- the view rules, each with its two faces ---------------------------------------------

def _shown(content, actor, organisation_id) -> bool:
    return (content.moderation == Moderation.VISIBLE or is_author(actor, content)
            or can_moderate(actor, organisation_id))


def _shown_condition(actor, organisation_field: str, prefix: str = "") -> Q:
    """``_shown`` as a condition; ``organisation_field`` leads to the answering organisation's id."""
    condition = Q(**{f"{prefix}moderation": Moderation.VISIBLE})
    if is_authenticated(actor):
        condition |= Q(**{f"{prefix}author_id": actor.pk})
    editors = organisations_where(actor, EDIT_ROLES)
    if editors:
        condition |= Q(**{f"{organisation_field}__in": editors})
    return condition


def can_view_challenge(actor, challenge) -> bool:
    return challenge.status in PUBLIC_CHALLENGE or role_in(actor, challenge.organisation_id) is not None


def _challenge_condition(actor, prefix: str = "") -> Q:
    condition = Q(**{f"{prefix}status__in": PUBLIC_CHALLENGE})
    members = organisations_where(actor)
    if members:
        condition |= Q(**{f"{prefix}organisation_id__in": members})
    return condition


def can_view_idea(actor, idea) -> bool:
    return can_view_challenge(actor, idea.challenge) and _shown(idea, actor, idea.challenge.organisation_id)


def _idea_condition(actor, prefix: str = "") -> Q:
    return (_challenge_condition(actor, f"{prefix}challenge__")
            & _shown_condition(actor, f"{prefix}challenge__organisation_id", prefix))


def can_view_comment(actor, comment) -> bool:
    return can_view_idea(actor, comment.idea) and _shown(comment, actor, comment.idea.challenge.organisation_id)


def _comment_condition(actor) -> Q:
    return _idea_condition(actor, "idea__") & _shown_condition(actor, "idea__challenge__organisation_id")


def can_view_reuse(actor, reuse) -> bool:
    if reuse.moderation == Moderation.VISIBLE or is_author(actor, reuse):
        return True
    return can_moderate(actor, moderated.of(reuse).organisation(reuse))


def _visible_reuses(actor, qs: QuerySet) -> QuerySet:
    if organisations_where(actor, EDIT_ROLES):
        # The organisation that answers for a reuse, as its moderation registration finds it
        # (``moderated._reuse_organisation``): its first challenge's, else its first dataset's.
        qs = qs.alias(answering=Coalesce(
            Subquery(Challenge.objects.filter(reuses=OuterRef("pk")).order_by("created").values("organisation_id")[:1]),
            Subquery(Dataset.objects.filter(reuses=OuterRef("pk")).order_by("name").values("organisation_id")[:1]),
        ))
    return qs.filter(_shown_condition(actor, "answering"))


def can_view_consultation(actor, consultation) -> bool:
    challenge = consultation.challenge
    return can_view_challenge(actor, challenge) and (
        consultation.status != Consultation.Status.DRAFT or can_edit_challenge(actor, challenge))


def _consultation_condition(actor) -> Q:
    condition = ~Q(status=Consultation.Status.DRAFT)
    editors = organisations_where(actor, EDIT_ROLES)
    if editors:
        condition |= Q(challenge__organisation_id__in=editors)
    return _challenge_condition(actor, "challenge__") & condition


permissions.register_view("challenge", model=Challenge, predicate=can_view_challenge,
                          queryset=lambda actor, qs: qs.filter(_challenge_condition(actor)))
permissions.register_view("idea", model=Idea, predicate=can_view_idea,
                          queryset=lambda actor, qs: qs.filter(_idea_condition(actor)))
permissions.register_view("comment", model=Comment, predicate=can_view_comment,
                          queryset=lambda actor, qs: qs.filter(_comment_condition(actor)))
permissions.register_view("reuse", model=Reuse, predicate=can_view_reuse, queryset=_visible_reuses)
permissions.register_view("consultation", model=Consultation, predicate=can_view_consultation,
                          queryset=lambda actor, qs: qs.filter(_consultation_condition(actor)))

permissions.register("challenge.create", is_editor)  # obj: the organisation
permissions.register("challenge.update", can_edit_challenge)
permissions.register("idea.answer", lambda actor, idea: can_edit_challenge(actor, idea.challenge))
permissions.register("idea.withdraw", is_author)
permissions.register("participation.post", authenticated)
permissions.register("participation.vote", verified)
permissions.register("consultation.manage", can_edit_challenge)  # obj: the challenge
permissions.register("consultation.respond", authenticated)
permissions.register("reuse.submit", authenticated)
