"""Participation in the native API (``/api/v1/``): challenges, ideas, votes, comments, reuses, flags.

Each operation is a thin adapter over ``ouvert.participation.services``, so the API follows
the same rules as the web pages: phases, one vote per verified account, vote limits, rate
limits, moderation. Ideas, comments and reuses sent through the API enter the moderation
queue with the channel ``api``. Held, hidden and rejected content exists only for its author
and the organisation's moderators; draft challenges only for the organisation's members.
"""

from __future__ import annotations

import functools
import secrets

from django.db.models import Count, Prefetch, Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ouvert.accounts import permissions
from ouvert.api.v1 import paging
from ouvert.api.v1.http import ApiError, Reply
from ouvert.api.v1.registry import API, AUTHENTICATED, JSON, Param, Response, path_param
from ouvert.api.v1.serializers import page_schema
from ouvert.api.v1.validation import renamed
from ouvert.catalog.models import Dataset
from ouvert.catalog.permissions import visible_datasets
from ouvert.core.errors import NotFound, ValidationFailed
from ouvert.moderation import rules
from ouvert.moderation import services as moderation
from ouvert.moderation.errors import ModerationError

from . import services
from .errors import ParticipationError
from .models import PHASES, Challenge, Channel, Comment, Consultation, Idea, Moderation, Reuse
from .serializers import (
    CHALLENGE,
    COMMENT,
    FLAG,
    IDEA,
    REUSE,
    RULE,
    STANCES,
    VOTES,
    challenge_data,
    comment_data,
    flag_data,
    idea_data,
    reuse_data,
    rule_data,
)
from .services.ideas import SORTS
from .services.votes import VOTABLE

TAG = API.tag("participation", gettext_lazy(
    "Challenges that point to the data, their ideas, votes and comments, the showcase of reuses, and "
    "flags under the participation rules."))

#: The participation services' refusals: their code, and the status that says it over HTTP.
ERROR_STATUS = {
    "rate_limited": 429, "email_unverified": 403,
    "phase_closed": 409, "not_votable": 409, "already_voted": 409, "vote_limit": 409, "no_vote": 409,
    "not_commentable": 409, "too_deep": 409, "invalid_transition": 409, "already_flagged": 409,
    "own_content": 409, "not_visible": 409,
}
API.error_code(*ERROR_STATUS)


def refusals(view):
    """Say the participation services' refusals with their own code (``already_voted``...)."""

    @functools.wraps(view)
    def wrapper(call):
        try:
            return view(call)
        except (ParticipationError, ModerationError) as exc:
            status = ERROR_STATUS.get(exc.code, 409)
            code = exc.code if exc.code in ERROR_STATUS else "conflict"
            raise ApiError(status, code, str(exc), fields=exc.fields) from None

    return wrapper


def _ip(call) -> str | None:
    return call.request.META.get("REMOTE_ADDR") or None


class _Unknown(Exception):
    """A filter names nothing the caller may see: the answer is an empty page, as for datasets."""


def _dataset(name: str | None, actor):
    if not name:
        return None
    dataset = visible_datasets(actor, Dataset.objects.filter(name=name.lower())).first()
    if dataset is None:
        raise _Unknown
    return dataset


def _empty_when_unknown(view):
    @functools.wraps(view)
    def wrapper(call):
        try:
            return view(call)
        except _Unknown:
            return paging.page(call, 0, [], **({"seed": None} if view.__name__ == "list_ideas" else {}))

    return wrapper


CHALLENGE_NAME = path_param("name", gettext_lazy("The challenge's name or id."))
IDEA_ID = path_param("id", gettext_lazy("The idea's id."))
COMMENT_ID = path_param("id", gettext_lazy("The comment's id."))
REUSE_ID = path_param("id", gettext_lazy("The reuse's id."))
NAME_FILTER = {"type": "string", "maxLength": 100}
IDEA_STATUSES = list(Idea.Status.values)
WRITE_ERRORS = (403, 404, 409, 429)


# --- challenges --------------------------------------------------------------------------

def _challenges(actor):
    return (services.visible_challenges(actor=actor).select_related("organisation")
            .prefetch_related("datasets", Prefetch("consultations", Consultation.objects.order_by("created")))
            .annotate(visible_ideas=Count("ideas", filter=Q(ideas__moderation=Moderation.VISIBLE)
                                          & ~Q(ideas__status=Idea.Status.WITHDRAWN), distinct=True)))


@API.operation("GET", "/challenges", summary=gettext_lazy("List challenges"), tag=TAG,
               params=(
                   Param("organisation", NAME_FILTER, gettext_lazy("An organisation's name.")),
                   Param("dataset", NAME_FILTER, gettext_lazy("A dataset's name: the challenges that concern it.")),
                   Param("status", {"type": "string", "enum": list(Challenge.Status.values)}, gettext_lazy(
                       "published, closed, or draft (drafts only for the organisation's members); default: "
                       "published and closed.")),
                   Param("phase", {"type": "string", "enum": [str(p) for p in PHASES]}, gettext_lazy(
                       "Only the challenges in this phase now.")),
                   *paging.params()),
               responses={200: Response(gettext_lazy("Challenges, newest first."),
                                        page_schema("ChallengePage", CHALLENGE))},
               description=gettext_lazy(
                   "Public challenges, newest first, with the datasets they concern, their phases and "
                   "their results statement once published."))
@_empty_when_unknown
def list_challenges(call):
    qs = _challenges(call.actor)
    status = call.params.get("status")
    qs = qs.filter(status=status) if status else qs.filter(status__in=[Challenge.Status.PUBLISHED,
                                                                         Challenge.Status.CLOSED])
    if call.params.get("organisation"):
        qs = qs.filter(organisation__name=call.params["organisation"].lower())
    dataset = _dataset(call.params.get("dataset"), call.actor)
    if dataset is not None:
        qs = qs.filter(datasets=dataset)
    qs = qs.order_by("-published", "-created", "id")
    phase = call.params.get("phase")
    if phase:
        items = [c for c in qs if c.in_phase(phase)]
        offset, limit = paging.bounds(call)
        total, items = len(items), items[offset:offset + limit]
    else:
        total, items = paging.sliced(call, qs)
    return paging.page(call, total, [challenge_data(c, actor=call.actor, idea_count=c.visible_ideas) for c in items])


def _challenge(call) -> Challenge:
    challenge = services.get_challenge(call.params["name"], actor=call.actor)
    return _challenges(call.actor).get(pk=challenge.pk)


@API.operation("GET", "/challenges/{name}", summary=gettext_lazy("Read a challenge"), tag=TAG,
               params=(CHALLENGE_NAME,), errors=(404,),
               responses={200: Response(gettext_lazy("The challenge."), CHALLENGE)},
               description=gettext_lazy(
                   "One challenge with the datasets it concerns, its phases, its consultations and its "
                   "results statement. Drafts exist only for the organisation's members."))
def get_challenge(call):
    challenge = _challenge(call)
    return challenge_data(challenge, actor=call.actor, idea_count=challenge.visible_ideas)


# --- ideas -------------------------------------------------------------------------------

def _ideas(qs):
    return qs.select_related("challenge").prefetch_related("datasets")


def _ideas_data(ideas, actor) -> list[dict]:
    answering: dict = {}
    out = []
    for idea in ideas:
        key = idea.challenge.organisation_id
        if key not in answering:
            answering[key] = permissions.can(actor, "idea.answer", idea)
        out.append(idea_data(idea, actor=actor, organisation_view=answering[key]))
    return out


@API.operation("GET", "/challenges/{name}/ideas", summary=gettext_lazy("List a challenge's ideas"), tag=TAG,
               params=(
                   CHALLENGE_NAME,
                   Param("sort", {"type": "string", "enum": list(SORTS), "default": "support"}, gettext_lazy(
                       "support (most votes first), newest, discussed (most comments first) or random.")),
                   Param("seed", {"type": "string", "maxLength": 64}, gettext_lazy(
                       "For the random order: the same seed gives the same order, so pages follow each other "
                       "(the first page's links carry one).")),
                   Param("status", {"type": "string", "enum": IDEA_STATUSES}, gettext_lazy(
                       "Only ideas in this state (withdrawn ones are left out otherwise).")),
                   Param("dataset", NAME_FILTER, gettext_lazy("Only ideas that use this dataset.")),
                   *paging.params()),
               errors=(404,),
               responses={200: Response(gettext_lazy("A page of ideas."), page_schema(
                   "IdeaPage", IDEA, seed={"type": ["string", "null"],
                                           "description": "The seed of the random order, to ask for other pages."}))},
               description=gettext_lazy(
                   "The visible ideas of a challenge. The random order is the caller's own (no idea keeps "
                   "the top spot for everyone) and stable through the pages of one seed."))
@_empty_when_unknown
def list_ideas(call):
    challenge = services.get_challenge(call.params["name"], actor=call.actor)
    sort = call.params["sort"]
    seed = (call.params.get("seed") or secrets.token_hex(8)) if sort == "random" else None
    ideas = services.list_ideas(challenge, actor=call.actor, sort=sort, seed=seed, status=call.params.get("status"),
                                dataset=_dataset(call.params.get("dataset"), call.actor))
    total, items = paging.sliced(call, _ideas(ideas))
    page = paging.page(call, total, _ideas_data(items, call.actor), seed=seed)
    if seed and not call.params.get("seed"):
        for link in ("next", "previous"):
            if page[link]:
                page[link] += f"&seed={seed}"
    return page


IDEA_CREATE = API.schema("IdeaCreate", {
    "type": "object",
    "properties": {
        "title": {"type": "string", "maxLength": 1000, "description": "3 to 200 characters."},
        "body": {"type": "string", "maxLength": 100_000, "description": "10 to 10,000 characters of Markdown."},
        "datasets": {"type": "array", "items": {"type": "string", "maxLength": 100}, "maxItems": 50,
                     "description": "Names of published datasets the idea uses."},
    },
    "required": ["title", "body"], "additionalProperties": False,
})


@API.operation("POST", "/challenges/{name}/ideas", summary=gettext_lazy("Submit an idea"), tag=TAG,
               params=(CHALLENGE_NAME,), auth=AUTHENTICATED, body={JSON: IDEA_CREATE}, errors=WRITE_ERRORS,
               responses={201: Response(gettext_lazy("The idea, held for review."), IDEA)},
               description=gettext_lazy(
                   "Submit an idea during the ideas phase. Like every contribution from another channel, "
                   "it enters the moderation queue (channel `api`) and appears once a moderator releases it; "
                   "`moderation` says where it stands."))
@refusals
def create_idea(call):
    challenge = services.get_challenge(call.params["name"], actor=call.actor)
    idea = services.submit_idea(challenge, actor=call.actor, title=call.body["title"], body=call.body["body"],
                                datasets=call.body.get("datasets", ()), channel=Channel.API, ip=_ip(call))
    idea = services.get_idea(idea.pk, actor=call.actor)
    return Reply(201, idea_data(idea, actor=call.actor), {"Location": f"/api/v1/ideas/{idea.pk}"})


@API.operation("GET", "/ideas/{id}", summary=gettext_lazy("Read an idea"), tag=TAG, params=(IDEA_ID,),
               errors=(404,), responses={200: Response(gettext_lazy("The idea."), IDEA)},
               description=gettext_lazy(
                   "One idea, with its official answer once published. Ideas held or hidden for review "
                   "exist only for their author and the organisation's moderators."))
def get_idea(call):
    return idea_data(services.get_idea(call.params["id"], actor=call.actor), actor=call.actor)


IDEA_STATUS = API.schema("IdeaStatusChange", {
    "type": "object",
    "properties": {"status": {"type": "string", "enum": IDEA_STATUSES}},
    "required": ["status"], "additionalProperties": False,
})


@API.operation("POST", "/ideas/{id}/status", summary=gettext_lazy("Change an idea's state"), tag=TAG,
               params=(IDEA_ID,), auth=AUTHENTICATED, body={JSON: IDEA_STATUS}, errors=WRITE_ERRORS,
               responses={200: Response(gettext_lazy("The idea."), IDEA)},
               description=gettext_lazy(
                   "The organisation moves an idea along: `under_review`, `accepted`, `rejected` (not "
                   "retained), `implemented`, or back to `published`. Its author may set `withdrawn` while "
                   "the organisation has not decided."))
@refusals
def change_idea_status(call):
    idea = services.get_idea(call.params["id"], actor=call.actor)
    status = call.body["status"]
    if status == Idea.Status.WITHDRAWN:
        idea = services.withdraw_idea(idea, actor=call.actor)
    else:
        idea = services.set_idea_status(idea, actor=call.actor, status=status)
    return idea_data(services.get_idea(idea.pk, actor=call.actor), actor=call.actor)


ANSWER = API.schema("IdeaAnswer", {
    "type": "object",
    "properties": {
        "fr": {"type": "string", "maxLength": 100_000}, "en": {"type": "string", "maxLength": 100_000},
        "publish": {"type": "boolean", "default": False,
                    "description": "Publish the answer now (otherwise it is prepared, not public)."},
        "status": {"type": "string", "enum": [Idea.Status.UNDER_REVIEW, Idea.Status.ACCEPTED, Idea.Status.REJECTED,
                                              Idea.Status.IMPLEMENTED],
                   "description": "The state announced with the published answer."},
    },
    "additionalProperties": False,
})


@API.operation("PUT", "/ideas/{id}/answer", summary=gettext_lazy("Write the official answer"), tag=TAG,
               params=(IDEA_ID,), auth=AUTHENTICATED, body={JSON: ANSWER}, errors=WRITE_ERRORS,
               responses={200: Response(gettext_lazy("The idea with its answer."), IDEA)},
               description=gettext_lazy(
                   "The organisation prepares its answer (Markdown, in French, English or both) and "
                   "publishes it now or later, optionally with the state it announces."))
@refusals
def answer_idea(call):
    idea = services.get_idea(call.params["id"], actor=call.actor)
    body = call.body
    text = {"answer_fr": body.get("fr", ""), "answer_en": body.get("en", "")} if {"fr", "en"} & body.keys() else {}
    idea = services.answer_idea(idea, actor=call.actor, **text, publish=bool(body.get("publish")),
                                status=body.get("status"))
    return idea_data(services.get_idea(idea.pk, actor=call.actor), actor=call.actor)


# --- votes -------------------------------------------------------------------------------

def _votes(idea: Idea, actor) -> dict:
    authenticated = bool(getattr(actor, "is_authenticated", False))
    return {
        "idea": str(idea.pk), "count": idea.vote_count, "threshold": idea.challenge.vote_threshold,
        "open": idea.moderation == Moderation.VISIBLE and idea.status in VOTABLE and idea.challenge.accepts_votes(),
        "voted": services.has_voted(idea, actor=actor),
        "votes_left": services.votes_left(idea.challenge, actor=actor) if authenticated else None,
    }


@API.operation("GET", "/ideas/{id}/vote", summary=gettext_lazy("An idea's votes"), tag=TAG, params=(IDEA_ID,),
               errors=(404,), responses={200: Response(gettext_lazy("The count, and the caller's vote."), VOTES)},
               description=gettext_lazy(
                   "How many votes the idea has (who voted is not public), whether it takes votes now, "
                   "and whether the caller voted."))
def get_votes(call):
    return _votes(services.get_idea(call.params["id"], actor=call.actor), call.actor)


@API.operation("POST", "/ideas/{id}/vote", summary=gettext_lazy("Vote for an idea"), tag=TAG,
               params=(IDEA_ID,), auth=AUTHENTICATED, errors=WRITE_ERRORS,
               responses={201: Response(gettext_lazy("The vote is counted."), VOTES)},
               description=gettext_lazy(
                   "One vote per verified account and idea, while the challenge takes votes and within its "
                   "vote limit. A second vote is refused (`already_voted`), as are votes outside the voting "
                   "phase (`phase_closed`), past the limit (`vote_limit`) and from accounts whose e-mail "
                   "address is not confirmed (`email_unverified`)."))
@refusals
def cast_vote(call):
    idea = services.get_idea(call.params["id"], actor=call.actor)
    services.cast_vote(idea, actor=call.actor, ip=_ip(call))
    return Reply(201, _votes(idea, call.actor))


@API.operation("DELETE", "/ideas/{id}/vote", summary=gettext_lazy("Withdraw a vote"), tag=TAG,
               params=(IDEA_ID,), auth=AUTHENTICATED, errors=WRITE_ERRORS,
               responses={200: Response(gettext_lazy("The vote is withdrawn."), VOTES)},
               description=gettext_lazy("Take back the caller's vote while voting is open."))
@refusals
def withdraw_vote(call):
    idea = services.get_idea(call.params["id"], actor=call.actor)
    services.withdraw_vote(idea, actor=call.actor)
    return _votes(idea, call.actor)


# --- comments ----------------------------------------------------------------------------

@API.operation("GET", "/ideas/{id}/comments", summary=gettext_lazy("An idea's comments"), tag=TAG,
               params=(IDEA_ID, *paging.params(100)), errors=(404,),
               responses={200: Response(gettext_lazy("A page of the thread."), page_schema(
                   "CommentPage", COMMENT, stances=STANCES))},
               description=gettext_lazy(
                   "The visible comments in reading order: each followed by its replies (`parent`, `depth` "
                   "1 to 3), oldest first, with the count of comments for, against and neutral."))
def list_comments(call):
    idea = services.get_idea(call.params["id"], actor=call.actor)
    thread = services.comment_thread(idea) if idea.is_visible else []
    offset, limit = paging.bounds(call)
    return paging.page(call, len(thread), [comment_data(c) for c in thread[offset:offset + limit]],
                       stances=services.stance_summary(idea))


COMMENT_CREATE = API.schema("CommentCreate", {
    "type": "object",
    "properties": {
        "body": {"type": "string", "maxLength": 50_000, "description": "1 to 5,000 characters of Markdown."},
        "stance": {"type": "string", "enum": list(Comment.Stance.values), "default": Comment.Stance.NEUTRAL},
        "parent": {"type": "string", "maxLength": 100, "description": "The id of the comment replied to."},
    },
    "required": ["body"], "additionalProperties": False,
})


@API.operation("POST", "/ideas/{id}/comments", summary=gettext_lazy("Comment on an idea"), tag=TAG,
               params=(IDEA_ID,), auth=AUTHENTICATED, body={JSON: COMMENT_CREATE}, errors=WRITE_ERRORS,
               responses={201: Response(gettext_lazy("The comment, held for review."), COMMENT)},
               description=gettext_lazy(
                   "Comment on an idea, for, against or neutral, or reply to a comment (three levels at "
                   "most). It enters the moderation queue (channel `api`) and appears once released."))
@refusals
def create_comment(call):
    idea = services.get_idea(call.params["id"], actor=call.actor)
    parent = None
    if call.body.get("parent"):
        parent = services.get_comment(call.body["parent"], actor=call.actor)
        if parent.idea_id != idea.pk:
            raise NotFound(_("Comment not found."))
    comment = services.post_comment(idea, actor=call.actor, body=call.body["body"],
                                    stance=call.body.get("stance", Comment.Stance.NEUTRAL), parent=parent,
                                    channel=Channel.API, ip=_ip(call))
    return Reply(201, comment_data(comment))


# --- reuses ------------------------------------------------------------------------------

def _reuses(qs):
    return qs.prefetch_related("datasets", "challenges")


@API.operation("GET", "/reuses", summary=gettext_lazy("The showcase"), tag=TAG,
               params=(
                   Param("dataset", NAME_FILTER, gettext_lazy("Only reuses built on this dataset.")),
                   Param("challenge", NAME_FILTER, gettext_lazy("Only reuses linked to this challenge.")),
                   Param("kind", {"type": "string", "enum": list(Reuse.Kind.values)}, gettext_lazy("Only this kind.")),
                   *paging.params()),
               responses={200: Response(gettext_lazy("A page of reuses, newest first."),
                                        page_schema("ReusePage", REUSE))},
               description=gettext_lazy(
                   "Apps, visualisations, articles and research built on the data, once a moderator has "
                   "reviewed them."))
@_empty_when_unknown
def list_reuses(call):
    challenge = None
    if call.params.get("challenge"):
        challenge = services.visible_challenges(actor=call.actor).filter(name=call.params["challenge"].lower()).first()
        if challenge is None:
            raise _Unknown
    qs = services.published_reuses(dataset=_dataset(call.params.get("dataset"), call.actor), challenge=challenge)
    if call.params.get("kind"):
        qs = qs.filter(kind=call.params["kind"])
    total, items = paging.sliced(call, _reuses(qs.order_by("-published", "-created", "id")))
    return paging.page(call, total, [reuse_data(r, actor=call.actor) for r in items])


REUSE_CREATE = API.schema("ReuseCreate", {
    "type": "object",
    "properties": {
        "kind": {"type": "string", "enum": list(Reuse.Kind.values)},
        "title": {"type": "object", "properties": {"fr": {"type": "string", "maxLength": 1000},
                                                   "en": {"type": "string", "maxLength": 1000}},
                  "additionalProperties": False, "description": "In French, English or both (300 characters)."},
        "description": {"type": "object", "properties": {"fr": {"type": "string", "maxLength": 50_000},
                                                         "en": {"type": "string", "maxLength": 50_000}},
                        "additionalProperties": False, "description": "Markdown, in French, English or both."},
        "url": {"type": "string", "maxLength": 1000, "description": "Where it can be seen (http or https)."},
        "datasets": {"type": "array", "items": {"type": "string", "maxLength": 100}, "maxItems": 50},
        "challenges": {"type": "array", "items": {"type": "string", "maxLength": 100}, "maxItems": 50},
    },
    "required": ["kind", "title", "url"], "additionalProperties": False,
})
REUSE_FIELDS = {"title_fr": "title.fr", "title_en": "title.en", "description_fr": "description.fr",
                "description_en": "description.en"}


@API.operation("POST", "/reuses", summary=gettext_lazy("Propose a reuse"), tag=TAG, auth=AUTHENTICATED,
               body={JSON: REUSE_CREATE}, errors=WRITE_ERRORS,
               responses={201: Response(gettext_lazy("The reuse, waiting for review."), REUSE)},
               description=gettext_lazy(
                   "Propose something built on the data, linked to at least one dataset or challenge. It "
                   "appears in the showcase once a moderator has reviewed it."))
@refusals
def create_reuse(call):
    body = call.body
    data = {"kind": body["kind"], "url": body["url"], "datasets": body.get("datasets", []),
            "challenges": body.get("challenges", [])}
    for field in ("title", "description"):
        for lang, text in body.get(field, {}).items():
            data[f"{field}_{lang}"] = text
    try:
        reuse = services.submit_reuse(actor=call.actor, data=data, channel=Channel.API, ip=_ip(call))
    except ValidationFailed as exc:
        raise renamed(exc, REUSE_FIELDS) from None
    return Reply(201, reuse_data(reuse, actor=call.actor), {"Location": f"/api/v1/reuses/{reuse.pk}"})


@API.operation("GET", "/reuses/{id}", summary=gettext_lazy("Read a reuse"), tag=TAG, params=(REUSE_ID,),
               errors=(404,), responses={200: Response(gettext_lazy("The reuse."), REUSE)},
               description=gettext_lazy(
                   "One reuse; those not yet reviewed exist only for their author and the moderators."))
def get_reuse(call):
    reuse = services.get_reuse(call.params["id"], actor=call.actor)
    return reuse_data(Reuse.objects.prefetch_related("datasets", "challenges").get(pk=reuse.pk), actor=call.actor)


# --- flags and rules ---------------------------------------------------------------------

FLAG_CREATE = API.schema("FlagCreate", {
    "type": "object",
    "properties": {
        "rule": {"type": "string", "enum": list(rules.CODES), "description": "The participation rule it breaks."},
        "note": {"type": "string", "maxLength": 1000, "description": "Details for the moderators (optional)."},
    },
    "required": ["rule"], "additionalProperties": False,
})
FLAG_DESCRIPTION = gettext_lazy(
    "Tell the moderators that visible content breaks a participation rule (see `/participation-rules`). "
    "After enough flags from different people it is hidden until a moderator reviews it.")


def _flag(call, content):
    flag = moderation.flag_content(content, actor=call.actor, rule=call.body["rule"], note=call.body.get("note", ""),
                                   ip=_ip(call))
    return Reply(201, flag_data(flag))


@API.operation("POST", "/ideas/{id}/flags", summary=gettext_lazy("Flag an idea"), tag=TAG, params=(IDEA_ID,),
               auth=AUTHENTICATED, body={JSON: FLAG_CREATE}, errors=WRITE_ERRORS,
               responses={201: Response(gettext_lazy("The flag is recorded."), FLAG)}, description=FLAG_DESCRIPTION)
@refusals
def flag_idea(call):
    return _flag(call, services.get_idea(call.params["id"], actor=call.actor))


@API.operation("POST", "/comments/{id}/flags", summary=gettext_lazy("Flag a comment"), tag=TAG,
               params=(COMMENT_ID,), auth=AUTHENTICATED, body={JSON: FLAG_CREATE}, errors=WRITE_ERRORS,
               responses={201: Response(gettext_lazy("The flag is recorded."), FLAG)}, description=FLAG_DESCRIPTION)
@refusals
def flag_comment(call):
    return _flag(call, services.get_comment(call.params["id"], actor=call.actor))


@API.operation("POST", "/reuses/{id}/flags", summary=gettext_lazy("Flag a reuse"), tag=TAG, params=(REUSE_ID,),
               auth=AUTHENTICATED, body={JSON: FLAG_CREATE}, errors=WRITE_ERRORS,
               responses={201: Response(gettext_lazy("The flag is recorded."), FLAG)}, description=FLAG_DESCRIPTION)
@refusals
def flag_reuse(call):
    return _flag(call, services.get_reuse(call.params["id"], actor=call.actor))


@API.operation("GET", "/participation-rules", summary=gettext_lazy("The participation rules"), tag=TAG,
               responses={200: Response(gettext_lazy("Every rule, in both languages."), API.schema("RuleList", {
                   "type": "object", "properties": {"results": {"type": "array", "items": RULE}},
                   "required": ["results"], "additionalProperties": False}))},
               description=gettext_lazy(
                   "The published rules that flags and moderation decisions cite, by code."))
def list_rules(call):
    return {"results": [rule_data(rule) for rule in rules.RULES]}
