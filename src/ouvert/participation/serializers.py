"""Participation objects in the native API's shape, each serializer next to the schema it follows.

Bilingual fields are ``{"fr": ..., "en": ...}`` objects; times are ISO 8601 in UTC. Authors
appear only under the public name they chose; no e-mail address ever goes out.
"""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse

from ouvert.accounts import permissions
from ouvert.api.v1.registry import API
from ouvert.api.v1.serializers import (
    BILINGUAL,
    NAME,
    NULLABLE_TIME,
    ORGANISATION_SUMMARY,
    TIME,
    URL,
    UUID,
    bilingual,
    iso_time,
    summary_data,
    summary_schema,
)
from ouvert.moderation import rules

from .models import PHASES, Challenge, Channel, Comment, Consultation, Idea, Moderation, Reuse

NULLABLE_BILINGUAL = {"anyOf": [BILINGUAL, {"type": "null"}]}
MODERATION = {"type": "string", "enum": list(Moderation.values), "description": (
    "visible; held (waiting for review before it appears), hidden (pending review after flags) or rejected: "
    "only the author and the organisation's moderators see content that is not visible.")}
CHANNEL = {"type": "string", "enum": list(Channel.values), "description": "How it arrived: web, email or api."}
AUTHOR = {"type": "string", "description": "The public name the author chose (may be empty)."}


def web_url(name: str, *args) -> str:
    return settings.SITE_URL + reverse(f"participation:{name}", args=[str(a) for a in args])


DATASET_SUMMARY = summary_schema("DatasetSummary")
CHALLENGE_SUMMARY = summary_schema("ChallengeSummary")


def datasets_of(manager, actor) -> list[dict]:
    """The linked datasets ``actor`` may see, by name."""
    return [summary_data(d) for d in sorted(manager.all(), key=lambda d: d.name)
            if d.state != "deleted" and permissions.can(actor, "dataset.view", d)]


# --- challenges --------------------------------------------------------------------------

PHASE = API.schema("ChallengePhase", {
    "type": "object",
    "properties": {
        "phase": {"type": "string", "enum": [str(p) for p in PHASES]},
        "start": NULLABLE_TIME, "end": {**NULLABLE_TIME, "description": "Empty: the phase lasts."},
        "current": {"type": "boolean", "description": "Whether the phase is under way now."},
    },
    "required": ["phase", "start", "end", "current"], "additionalProperties": False,
})
CONSULTATION_SUMMARY = API.schema("ConsultationSummary", {
    "type": "object",
    "properties": {"id": UUID, "title": BILINGUAL, "status": {"type": "string", "enum": list(Consultation.Status.values)},
                   "opens": NULLABLE_TIME, "closes": NULLABLE_TIME, "web_url": URL},
    "required": ["id", "title", "status", "opens", "closes", "web_url"], "additionalProperties": False,
})
CHALLENGE = API.schema("Challenge", {
    "type": "object",
    "properties": {
        "id": UUID, "name": NAME, "title": BILINGUAL,
        "problem": {**BILINGUAL, "description": "The problem statement (Markdown)."},
        "organisation": ORGANISATION_SUMMARY,
        "status": {"type": "string", "enum": list(Challenge.Status.values)},
        "phases": {"type": "array", "items": PHASE, "description": "The phases with dates, in order."},
        "accepts_ideas": {"type": "boolean"}, "accepts_votes": {"type": "boolean"},
        "accepts_comments": {"type": "boolean"},
        "votes_during_ideas": {"type": "boolean"},
        "vote_limit": {"type": ["integer", "null"], "description": "Votes per person on this challenge (empty: no limit)."},
        "vote_threshold": {"type": ["integer", "null"], "description": "Votes for an idea to be considered."},
        "idea_count": {"type": "integer", "description": "Visible ideas (withdrawn ones left out)."},
        "results": {**NULLABLE_BILINGUAL, "description": "What we heard, what we will do; empty until published."},
        "results_published": NULLABLE_TIME,
        "datasets": {"type": "array", "items": DATASET_SUMMARY, "description": "The datasets it concerns."},
        "consultations": {"type": "array", "items": CONSULTATION_SUMMARY},
        "created": TIME, "published": NULLABLE_TIME, "web_url": URL,
    },
    "required": ["id", "name", "title", "problem", "organisation", "status", "phases", "accepts_ideas",
                 "accepts_votes", "accepts_comments", "votes_during_ideas", "vote_limit", "vote_threshold",
                 "idea_count", "results", "results_published", "datasets", "consultations", "created", "published",
                 "web_url"],
    "additionalProperties": False,
})


def challenge_summary(challenge: Challenge) -> dict:
    return {"id": str(challenge.pk), "name": challenge.name, "title": bilingual(challenge, "title")}


def challenge_data(challenge: Challenge, *, actor, idea_count: int) -> dict:
    consultations = [c for c in challenge.consultations.all() if permissions.can(actor, "consultation.view", c)]
    return {
        **challenge_summary(challenge), "problem": bilingual(challenge, "problem"),
        "organisation": summary_data(challenge.organisation), "status": challenge.status,
        "phases": [{"phase": str(p), "start": iso_time(challenge.phase_window(p)[0]), "end": iso_time(challenge.phase_window(p)[1]),
                    "current": challenge.in_phase(p)} for p in PHASES if any(challenge.phase_window(p))],
        "accepts_ideas": challenge.accepts_ideas(), "accepts_votes": challenge.accepts_votes(),
        "accepts_comments": challenge.accepts_comments(), "votes_during_ideas": challenge.votes_during_ideas,
        "vote_limit": challenge.vote_limit, "vote_threshold": challenge.vote_threshold, "idea_count": idea_count,
        "results": bilingual(challenge, "results") if challenge.results_published else None,
        "results_published": iso_time(challenge.results_published),
        "datasets": datasets_of(challenge.datasets, actor),
        "consultations": [{"id": str(c.pk), "title": bilingual(c, "title"), "status": c.status, "opens": iso_time(c.opens),
                           "closes": iso_time(c.closes), "web_url": web_url("consultation", challenge.name, c.pk)}
                          for c in consultations],
        "created": iso_time(challenge.created), "published": iso_time(challenge.published),
        "web_url": web_url("challenge", challenge.name),
    }


# --- ideas -------------------------------------------------------------------------------

IDEA = API.schema("Idea", {
    "type": "object",
    "properties": {
        "id": UUID, "challenge": CHALLENGE_SUMMARY, "title": {"type": "string"},
        "body": {"type": "string", "description": "Markdown, in the author's language."},
        "language": {"type": "string", "description": "fr, en, or empty when unknown."},
        "status": {"type": "string", "enum": list(Idea.Status.values)},
        "moderation": MODERATION, "channel": CHANNEL, "author": AUTHOR,
        "datasets": {"type": "array", "items": DATASET_SUMMARY},
        "votes": {"type": "integer"}, "comments": {"type": "integer", "description": "Visible comments."},
        "threshold_reached": {**NULLABLE_TIME, "description": "When the idea reached the challenge's vote threshold."},
        "answer": {**NULLABLE_BILINGUAL, "description": (
            "The organisation's official answer (Markdown) once published; the organisation also sees it while "
            "it is prepared.")},
        "answer_prepared": NULLABLE_TIME, "answer_published": NULLABLE_TIME,
        "created": TIME, "web_url": URL,
    },
    "required": ["id", "challenge", "title", "body", "language", "status", "moderation", "channel", "author",
                 "datasets", "votes", "comments", "threshold_reached", "answer", "answer_prepared",
                 "answer_published", "created", "web_url"],
    "additionalProperties": False,
})


def idea_data(idea: Idea, *, actor, organisation_view: bool | None = None) -> dict:
    if organisation_view is None:
        organisation_view = permissions.can(actor, "idea.answer", idea)
    answer_shown = idea.answer_published is not None or (organisation_view and idea.answer_prepared is not None)
    return {
        "id": str(idea.pk), "challenge": challenge_summary(idea.challenge), "title": idea.title, "body": idea.body,
        "language": idea.language, "status": idea.status, "moderation": idea.moderation, "channel": idea.channel,
        "author": idea.author_name, "datasets": datasets_of(idea.datasets, actor), "votes": idea.vote_count,
        "comments": idea.comment_count, "threshold_reached": iso_time(idea.threshold_reached),
        "answer": bilingual(idea, "answer") if answer_shown else None,
        "answer_prepared": iso_time(idea.answer_prepared) if organisation_view else None,
        "answer_published": iso_time(idea.answer_published), "created": iso_time(idea.created),
        "web_url": web_url("idea", idea.challenge.name, idea.pk),
    }


VOTES = API.schema("Votes", {
    "type": "object", "description": "An idea's votes, and the caller's.",
    "properties": {
        "idea": UUID, "count": {"type": "integer"},
        "threshold": {"type": ["integer", "null"], "description": "Votes for an idea to be considered."},
        "open": {"type": "boolean", "description": "Whether the idea takes votes now."},
        "voted": {"type": "boolean", "description": "Whether the caller voted for it."},
        "votes_left": {"type": ["integer", "null"], "description": (
            "Votes the caller may still cast on the challenge (empty: no limit, or anonymous).")},
    },
    "required": ["idea", "count", "threshold", "open", "voted", "votes_left"], "additionalProperties": False,
})


# --- comments ----------------------------------------------------------------------------

COMMENT = API.schema("Comment", {
    "type": "object",
    "properties": {
        "id": UUID, "idea": UUID, "parent": {"type": ["string", "null"], "format": "uuid"},
        "depth": {"type": "integer", "minimum": 1, "maximum": Comment.MAX_DEPTH},
        "stance": {"type": "string", "enum": list(Comment.Stance.values)},
        "body": {"type": "string", "description": "Markdown, in the author's language."},
        "language": {"type": "string"}, "author": AUTHOR, "channel": CHANNEL, "moderation": MODERATION,
        "created": TIME,
    },
    "required": ["id", "idea", "parent", "depth", "stance", "body", "language", "author", "channel", "moderation",
                 "created"],
    "additionalProperties": False,
})
STANCES = API.schema("Stances", {
    "type": "object", "description": "Visible comments by stance.",
    "properties": {s: {"type": "integer"} for s in Comment.Stance.values},
    "required": list(Comment.Stance.values), "additionalProperties": False,
})


def comment_data(comment: Comment) -> dict:
    return {
        "id": str(comment.pk), "idea": str(comment.idea_id), "parent": str(comment.parent_id) if comment.parent_id else None,
        "depth": comment.depth, "stance": comment.stance, "body": comment.body, "language": comment.language,
        "author": comment.author_name, "channel": comment.channel, "moderation": comment.moderation,
        "created": iso_time(comment.created),
    }


# --- reuses ------------------------------------------------------------------------------

REUSE = API.schema("Reuse", {
    "type": "object",
    "properties": {
        "id": UUID, "kind": {"type": "string", "enum": list(Reuse.Kind.values)}, "title": BILINGUAL,
        "description": BILINGUAL, "url": {"type": "string", "description": "Where the reuse can be seen."},
        "datasets": {"type": "array", "items": DATASET_SUMMARY},
        "challenges": {"type": "array", "items": CHALLENGE_SUMMARY},
        "author": AUTHOR, "channel": CHANNEL, "moderation": MODERATION, "created": TIME,
        "published": NULLABLE_TIME, "web_url": URL,
    },
    "required": ["id", "kind", "title", "description", "url", "datasets", "challenges", "author", "channel",
                 "moderation", "created", "published", "web_url"],
    "additionalProperties": False,
})


def reuse_data(reuse: Reuse, *, actor) -> dict:
    challenges = [c for c in reuse.challenges.all() if permissions.can(actor, "challenge.view", c)]
    return {
        "id": str(reuse.pk), "kind": reuse.kind, "title": bilingual(reuse, "title"),
        "description": bilingual(reuse, "description"), "url": reuse.url,
        "datasets": datasets_of(reuse.datasets, actor),
        "challenges": [challenge_summary(c) for c in sorted(challenges, key=lambda c: c.name)],
        "author": reuse.author_name, "channel": reuse.channel, "moderation": reuse.moderation,
        "created": iso_time(reuse.created), "published": iso_time(reuse.published), "web_url": web_url("reuse", reuse.pk),
    }


# --- flags and rules ---------------------------------------------------------------------

FLAG = API.schema("Flag", {
    "type": "object",
    "properties": {"id": {"type": "integer"}, "rule": {"type": "string", "enum": list(rules.CODES)},
                   "note": {"type": "string"}, "created": TIME},
    "required": ["id", "rule", "note", "created"], "additionalProperties": False,
})
RULE = API.schema("ParticipationRule", {
    "type": "object",
    "properties": {"code": {"type": "string", "enum": list(rules.CODES)}, "label": BILINGUAL, "explanation": BILINGUAL},
    "required": ["code", "label", "explanation"], "additionalProperties": False,
})


def flag_data(flag) -> dict:
    return {"id": flag.pk, "rule": flag.rule, "note": flag.note, "created": iso_time(flag.created)}


def rule_data(rule: rules.Rule) -> dict:
    return {"code": rule.code, "label": {"fr": rule.label_fr, "en": rule.label_en},
            "explanation": {"fr": rule.explanation_fr, "en": rule.explanation_en}}
