"""Moderation: automatic holds, flags, the queues, decisions, the audit log and notices.

Content (an idea, a comment, a reuse) is ``visible``, ``held`` (never shown yet), ``hidden``
(taken down pending review) or ``rejected``. Every change of that state is a ``Decision`` in
an append-only log, citing a participation rule; the author gets a ``Notice`` and an e-mail
in their language.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter

from django.conf import settings
from django.core.mail import EmailMessage
from django.core.paginator import Paginator
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from ouvert.accounts import permissions
from ouvert.core.errors import PermissionDenied, ValidationFailed

from .. import checks, rules, signals
from ..errors import ModerationError
from ..models import Case, Channel, Comment, Decision, Flag, Idea, Moderation, Notice, Reuse
from ._common import check_rate, clean_text, record, send_on_commit

logger = logging.getLogger("ouvert.participation")
A = Decision.Action

#: Which states each decision applies to, and the state it leads to.
TRANSITIONS = {
    A.RELEASE: ({Moderation.HELD, Moderation.HIDDEN}, Moderation.VISIBLE),
    A.REJECT: ({Moderation.HELD, Moderation.HIDDEN, Moderation.VISIBLE}, Moderation.REJECTED),
    A.HIDE: ({Moderation.VISIBLE}, Moderation.HIDDEN),
    A.RESTORE: ({Moderation.HIDDEN, Moderation.REJECTED}, Moderation.VISIBLE),
}


def flag_threshold() -> int:
    return max(1, int(getattr(settings, "OUVERT_PARTICIPATION_FLAG_THRESHOLD", 3)))


def organisation_of(content):
    """The organisation whose moderators answer for ``content`` (None: sysadmins only)."""
    if isinstance(content, Idea):
        return content.challenge.organisation
    if isinstance(content, Comment):
        return content.idea.challenge.organisation
    challenge = content.challenges.select_related("organisation").order_by("created").first()
    if challenge is not None:
        return challenge.organisation
    dataset = content.datasets.select_related("organisation").order_by("name").first()
    return dataset.organisation if dataset is not None else None


def _target_fields(content) -> dict:
    return {Idea: {"idea": content}, Comment: {"comment": content}, Reuse: {"reuse": content}}[type(content)]


# --- before content appears --------------------------------------------------------------

def assess(text: str, *, author=None, channel: str = Channel.WEB) -> tuple[str | None, list[dict]]:
    """Whether new content should be held, and why: (case reason or None, findings)."""
    recent_texts: list[str] = []
    recent_count = 0
    if author is not None:
        now = timezone.now()
        day = now - dt.timedelta(days=1)
        window = now - dt.timedelta(seconds=checks.spam.RATE_WINDOW)
        for model in (Idea, Comment):
            rows = list(model.objects.filter(author=author, created__gte=day).values_list("body", "created")[:200])
            recent_texts += [body for body, _created in rows]
            recent_count += sum(1 for _body, created in rows if created >= window)
    findings = [f.as_dict() for f in checks.run(text, recent_texts=recent_texts, recent_count=recent_count)]
    if channel in (Channel.EMAIL, Channel.API):
        # What arrives through another channel is reviewed before it appears, showing where
        # it came from in the queue.
        return Case.Reason.INTAKE, findings
    if findings:
        return Case.Reason.CHECKS, findings
    days = int(getattr(settings, "OUVERT_PARTICIPATION_PREMODERATION_DAYS", 0))
    if days and author is not None and author.date_joined > timezone.now() - dt.timedelta(days=days):
        return Case.Reason.PREMODERATION, findings
    return None, findings


def hold(content, *, reason: str, findings: list[dict], channel: str = Channel.WEB) -> Case:
    """Open a case for content saved as held, and log the platform's decision to hold it."""
    organisation = organisation_of(content)
    case = Case.objects.create(organisation=organisation, reason=reason, channel=channel, findings=findings,
                               **_target_fields(content))
    rule = next((f["rule"] for f in findings if f.get("rule")), "")
    Decision.objects.create(case=case, organisation=organisation, action=A.HOLD, rule=rule,
                            note=_case_note(reason, findings), before=Moderation.HELD, after=Moderation.HELD,
                            **_target_fields(content))
    send_on_commit(signals.moderation_case_opened, case=case)
    return case


def _case_note(reason: str, findings: list[dict]) -> str:
    details = ", ".join(f"{f['check']}:{f['detail']}" for f in findings)
    return f"{reason}" + (f" ({details})" if details else "")


# --- flags -------------------------------------------------------------------------------

def flag_content(content, *, actor, rule: str, note: str = "", ip: str | None = None) -> Flag:
    """Flag visible content as breaking ``rule``; at the threshold it is hidden pending review."""
    permissions.require(actor, "participation.flag")
    if rule not in rules.CODES:
        raise ValidationFailed(fields={"rule": [_("Choose one of the participation rules.")]})
    note = clean_text(note, "note", max_length=1000, min_length=0, allow_markdown=True)
    check_rate("flag", actor=actor, ip=ip)
    model = type(content)
    with transaction.atomic():
        content = model.objects.select_for_update().get(pk=content.pk)
        if content.moderation != Moderation.VISIBLE:
            raise ModerationError(_("This content is already awaiting review."), code="not_visible")
        if content.author_id is not None and content.author_id == actor.pk:
            raise ModerationError(_("You cannot flag your own contribution."), code="own_content")
        try:
            with transaction.atomic():
                flag = Flag.objects.create(user=actor, rule=rule, note=note, **_target_fields(content))
        except IntegrityError:
            raise ModerationError(_("You have already flagged this."), code="already_flagged") from None
        record("participation.content.flagged", actor=actor, obj=content, organisation=organisation_of(content),
               changes={"rule": (None, rule)})
        open_flags = list(Flag.objects.filter(resolved=False, **_target_fields(content)).values_list("rule", flat=True))
        if len(open_flags) >= flag_threshold():
            _hide_by_flags(content, open_flags)
    return flag


def _hide_by_flags(content, flagged_rules: list[str]) -> None:
    organisation = organisation_of(content)
    counts = Counter(flagged_rules)
    findings = [{"rule": code, "check": "flags", "detail": str(n)} for code, n in counts.most_common()]
    _set_state(content, Moderation.HIDDEN)
    case = Case.objects.create(organisation=organisation, reason=Case.Reason.FLAGS, channel=content.channel,
                               findings=findings, **_target_fields(content))
    Decision.objects.create(case=case, organisation=organisation, action=A.HIDE, rule=counts.most_common(1)[0][0],
                            note=f"flags:{len(flagged_rules)}", before=Moderation.VISIBLE, after=Moderation.HIDDEN,
                            **_target_fields(content))
    send_on_commit(signals.moderation_case_opened, case=case)


# --- decisions ---------------------------------------------------------------------------

def decide(content, *, actor, action: str, rule: str | None = None, note: str = "") -> Decision:
    """Release, reject, hide or restore ``content``, citing a participation rule.

    A reject or hide names the rule broken. A release or restore cites the rule examined: by
    default the one the case was opened under, or the one the reversed decision cited; content
    held under no rule (a new account, another channel, a reuse awaiting review) may be
    released without one. Closes the open case, tells the author, and logs the decision.
    """
    if action not in TRANSITIONS:
        raise ValidationFailed(fields={"action": [_("Choose release, reject, hide or restore.")]})
    model = type(content)
    organisation = organisation_of(content)
    if not permissions.can(actor, "participation.moderate", organisation):
        raise PermissionDenied(_("You are not allowed to do this."))
    note = clean_text(note, "note", max_length=2000, min_length=0, allow_markdown=True)
    with transaction.atomic():
        content = model.objects.select_for_update().get(pk=content.pk)
        allowed_from, after = TRANSITIONS[action]
        if content.moderation not in allowed_from:
            raise ModerationError(
                _("This decision does not apply to content that is %(state)s.") % {"state": Moderation(content.moderation).label},
                code="invalid_transition")
        open_cases = list(Case.objects.filter(status=Case.Status.OPEN, **_target_fields(content)).order_by("opened"))
        if not rule:
            rule = _rule_at_stake(content, open_cases)
        if rule not in rules.CODES and not (action in (A.RELEASE, A.RESTORE) and rule == ""):
            raise ValidationFailed(fields={"rule": [_("Choose the participation rule this decision is about.")]})
        before = content.moderation
        _set_state(content, after)
        now = timezone.now()
        for case in open_cases:
            case.status, case.closed = Case.Status.CLOSED, now
            case.save(update_fields=["status", "closed"])
        if after == Moderation.VISIBLE:
            Flag.objects.filter(resolved=False, **_target_fields(content)).update(resolved=True)
        decision = Decision.objects.create(
            case=open_cases[-1] if open_cases else None, organisation=organisation, action=action, rule=rule,
            note=note, moderator=actor, before=before, after=after, **_target_fields(content))
        record(f"participation.moderation.{action}", actor=actor, obj=content, organisation=organisation,
               changes={"moderation": (before, after), "rule": (None, rule)})
        _notify_author(content, decision)
        send_on_commit(signals.moderation_decided, decision=decision)
        if isinstance(content, Idea) and after == Moderation.VISIBLE:
            send_on_commit(signals.idea_published, idea=content)
    return decision


def _rule_at_stake(content, open_cases: list[Case]) -> str | None:
    """The rule a release or restore answers: the case's, else the decision being reversed.
    "" when the content was held under no rule (a new account, another channel, a review)."""
    rule = next((code for case in open_cases for code in case.rules), None)
    if rule:
        return rule
    last = Decision.objects.filter(**_target_fields(content)).exclude(rule="").order_by("-created", "-id").first()
    if last is not None and last.action in (A.HIDE, A.REJECT):
        return last.rule
    return "" if open_cases else None


def decide_many(items, *, actor, action: str, rule: str | None = None, note: str = "") -> list[tuple[object, object]]:
    """Bulk decision over cases or contents: [(item, Decision or the error)], one by one, so that
    an item whose state changed meanwhile does not undo the others."""
    results = []
    for item in items:
        content = item.target if isinstance(item, Case) else item
        try:
            results.append((item, decide(content, actor=actor, action=action, rule=rule, note=note)))
        except (ModerationError, ValidationFailed, PermissionDenied) as exc:
            results.append((item, exc))
    return results


def _set_state(content, state: str) -> None:
    content.moderation = state
    fields = ["moderation", "modified"]
    if isinstance(content, Reuse) and state == Moderation.VISIBLE and content.published is None:
        content.published = timezone.now()
        fields.append("published")
    content.save(update_fields=fields)
    if isinstance(content, Comment):
        from .comments import refresh_comment_count

        refresh_comment_count(content.idea_id)


# --- notices -----------------------------------------------------------------------------

def _notify_author(content, decision: Decision) -> Notice | None:
    author = content.author
    email = (author.email if author is not None else content.author_email) or ""
    if author is None and not email:
        return None
    language = (author.language if author is not None else content.author_language) or settings.LANGUAGE_CODE
    language = language if language in ("fr", "en") else "fr"
    rule = rules.get(decision.rule) if decision.rule else None
    context = {
        "action": decision.action, "kind": type(content).__name__.lower(),
        "title": _content_title(content, language), "rule_label": rule.label(language) if rule else "",
        "rule_explanation": rule.explanation(language) if rule else "", "note": decision.note,
        "site_url": settings.SITE_URL,
    }
    subject = " ".join(render_to_string(f"participation/email/decision_subject_{language}.txt", context).split())
    body = render_to_string(f"participation/email/decision_body_{language}.txt", context)
    notice = Notice.objects.create(decision=decision, recipient=author, email=email, language=language,
                                   subject=subject[:300], body=body)
    if email:
        transaction.on_commit(lambda: _send(notice))
    return notice


def _content_title(content, language: str) -> str:
    if isinstance(content, Idea):
        return content.title
    if isinstance(content, Comment):
        return content.idea.title
    return str(content.localised("title", language))


def _send(notice: Notice) -> None:
    try:
        EmailMessage(notice.subject, notice.body, settings.DEFAULT_FROM_EMAIL, [notice.email]).send()
    except Exception:
        # The notice stays readable on the site; the mail can be sent again from it.
        logger.exception("could not send moderation notice %s", notice.pk)
        return
    Notice.objects.filter(pk=notice.pk).update(sent=timezone.now())


def notices_for(user, *, actor) -> list[Notice]:
    permissions.require(actor, "user.view_private", user)
    return list(Notice.objects.filter(recipient=user).select_related("decision"))


# --- queues and log ----------------------------------------------------------------------

def _scope(actor, organisation=None) -> Q:
    if organisation is not None:
        if not permissions.can(actor, "participation.moderate", organisation):
            raise PermissionDenied(_("You are not allowed to do this."))
        return Q(organisation=organisation)
    if permissions.is_sysadmin(actor):
        return Q()
    organisations = list(permissions.moderated_organisations(actor).values_list("pk", flat=True))
    if not organisations:
        raise PermissionDenied(_("You are not allowed to do this."))
    return Q(organisation__in=organisations)


def moderation_queue(*, actor, organisation=None, status: str = Case.Status.OPEN, reason: str | None = None,
                     channel: str | None = None, kind: str | None = None, rule: str | None = None,
                     page: int = 1, per_page: int = 50):
    """The cases ``actor`` moderates, oldest first, as a page (filters are optional)."""
    qs = Case.objects.filter(_scope(actor, organisation)).select_related(
        "idea", "comment", "reuse", "organisation", "idea__challenge", "comment__idea")
    if status:
        qs = qs.filter(status=status)
    if reason:
        qs = qs.filter(reason=reason)
    if channel:
        qs = qs.filter(channel=channel)
    if kind in ("idea", "comment", "reuse"):
        qs = qs.filter(**{f"{kind}__isnull": False})
    if rule:
        # JSON containment is not portable across SQLite and PostgreSQL; the queue is small.
        ids = [pk for pk, findings in qs.values_list("pk", "findings") if any(f.get("rule") == rule for f in findings)]
        qs = qs.filter(pk__in=ids)
    return Paginator(qs.order_by("opened", "id"), per_page).get_page(page)


def moderation_log(*, actor, organisation=None):
    """Every decision on content ``actor`` moderates, oldest first."""
    return Decision.objects.filter(_scope(actor, organisation)).select_related("moderator").order_by("created", "id")
