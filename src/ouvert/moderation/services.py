"""Moderation: automatic holds, flags, the queues, decisions, the audit log and notices.

Content of any registered type is ``visible``, ``held`` (never shown yet), ``hidden`` (taken
down pending review) or ``rejected``. Every change of that state is a ``Decision`` in an
append-only log, citing a participation rule; the author gets a ``Notice``, and a task queued in
the same transaction sends it by e-mail in their language.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.paginator import Paginator
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from ouvert.accounts import permissions, ratelimit
from ouvert.core import markdown
from ouvert.core.activity import record_activity
from ouvert.core.errors import PermissionDenied, ValidationFailed
from ouvert.core.tasks import enqueue

from . import checks, registry, rules, signals
from .checks import spam
from .errors import ModerationError, RateLimited
from .models import Case, Channel, Decision, Flag, Moderation, Notice
from .permissions import moderated_organisations

A = Decision.Action

#: Which states each decision applies to, and the state it leads to.
TRANSITIONS = {
    A.RELEASE: ({Moderation.HELD, Moderation.HIDDEN}, Moderation.VISIBLE),
    A.REJECT: ({Moderation.HELD, Moderation.HIDDEN, Moderation.VISIBLE}, Moderation.REJECTED),
    A.HIDE: ({Moderation.VISIBLE}, Moderation.HIDDEN),
    A.RESTORE: ({Moderation.HIDDEN, Moderation.REJECTED}, Moderation.VISIBLE),
}

#: (attempts, seconds) per account and per address, for flags; overridden by the "flag" entry
#: of ``OUVERT_PARTICIPATION_RATE_LIMITS``.
DEFAULT_FLAG_LIMITS = {"account": (30, 3600), "address": (200, 3600)}


def flag_threshold() -> int:
    return max(1, int(getattr(settings, "OUVERT_PARTICIPATION_FLAG_THRESHOLD", 3)))


def organisation_of(content):
    """The organisation whose moderators answer for ``content`` (None: sysadmins only)."""
    return registry.of(content).organisation(content)


def _target(content) -> dict:
    registry.of(content)  # only registered types are moderated
    return {"content_type": ContentType.objects.get_for_model(type(content)), "object_id": str(content.pk)}


def _send_on_commit(signal, **kwargs) -> None:
    transaction.on_commit(lambda: signal.send(sender=None, **kwargs))


def _record(key: str, *, actor, obj, organisation, changes: dict):
    # The keys keep their "participation." prefix: stored activity history refers to them.
    return record_activity(key, actor=actor, obj=obj, organisation=organisation, changes=changes)


def _clean_note(value, *, max_length: int) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise ValidationFailed(fields={"note": [_("Expected text.")]})
    value = value.replace("\r\n", "\n").strip()
    errors = []
    if len(value) > max_length:
        errors.append(_("At most %(max)d characters (this has %(length)d).") % {"max": max_length, "length": len(value)})
    errors.extend(markdown.problems(value))
    if errors:
        raise ValidationFailed(_("Some fields are not valid."), fields={"note": list(dict.fromkeys(errors))})
    return value


def _check_flag_rate(*, actor, ip: str | None) -> None:
    limits = {**DEFAULT_FLAG_LIMITS, **getattr(settings, "OUVERT_PARTICIPATION_RATE_LIMITS", {}).get("flag", {})}
    keys = [("account", str(actor.pk))] if getattr(actor, "is_authenticated", False) else []
    if ip:
        keys.append(("address", ip))
    for scope, value in keys:
        limit, window = limits[scope]
        if not ratelimit.hit(f"participation.flag.{scope}", value, limit=limit, window=window):
            raise RateLimited(_("Too many attempts in a short time. Please wait a while and try again."))


# --- before content appears --------------------------------------------------------------

def assess(text: str, *, author=None, channel: str = Channel.WEB) -> tuple[str | None, list[dict]]:
    """Whether new content should be held, and why: (case reason or None, findings).

    The registered checks read ``text`` with what the author posted lately (every registered
    type that keeps a history field).
    """
    recent_texts: list[str] = []
    recent_count = 0
    if author is not None:
        now = timezone.now()
        window = now - dt.timedelta(seconds=spam.RATE_WINDOW)
        for moderated in registry.types():
            rows = moderated.recent_texts(author, since=now - dt.timedelta(days=1))
            recent_texts += [text for text, _created in rows]
            recent_count += sum(1 for _text, created in rows if created >= window)
    findings = [f.as_dict() for f in checks.run(text, recent_texts=recent_texts, recent_count=recent_count,
                                                 author=author, channel=channel)]
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
    target = _target(content)
    case = Case.objects.create(organisation=organisation, reason=reason, channel=channel, findings=findings, **target)
    rule = next((f["rule"] for f in findings if f.get("rule")), "")
    Decision.objects.create(case=case, organisation=organisation, action=A.HOLD, rule=rule,
                            note=_case_note(reason, findings), before=Moderation.HELD, after=Moderation.HELD,
                            **target)
    _send_on_commit(signals.case_opened, case=case)
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
    note = _clean_note(note, max_length=1000)
    _check_flag_rate(actor=actor, ip=ip)
    moderated = registry.of(content)
    with transaction.atomic():
        content = type(content)._default_manager.select_for_update().get(pk=content.pk)
        if content.moderation != Moderation.VISIBLE:
            raise ModerationError(_("This content is already awaiting review."), code="not_visible")
        author = moderated.author_of(content)
        if author is not None and author.pk == actor.pk:
            raise ModerationError(_("You cannot flag your own contribution."), code="own_content")
        target = _target(content)
        try:
            with transaction.atomic():
                flag = Flag.objects.create(user=actor, rule=rule, note=note, **target)
        except IntegrityError:
            raise ModerationError(_("You have already flagged this."), code="already_flagged") from None
        _record("participation.content.flagged", actor=actor, obj=content, organisation=organisation_of(content),
                changes={"rule": (None, rule)})
        open_flags = list(Flag.objects.filter(resolved=False, **target).values_list("rule", flat=True))
        if len(open_flags) >= flag_threshold():
            _hide_by_flags(content, open_flags)
    return flag


def _hide_by_flags(content, flagged_rules: list[str]) -> None:
    organisation = organisation_of(content)
    counts = Counter(flagged_rules)
    findings = [{"rule": code, "check": "flags", "detail": str(n)} for code, n in counts.most_common()]
    _set_state(content, Moderation.HIDDEN)
    target = _target(content)
    case = Case.objects.create(organisation=organisation, reason=Case.Reason.FLAGS,
                               channel=getattr(content, "channel", Channel.WEB), findings=findings, **target)
    Decision.objects.create(case=case, organisation=organisation, action=A.HIDE, rule=counts.most_common(1)[0][0],
                            note=f"flags:{len(flagged_rules)}", before=Moderation.VISIBLE, after=Moderation.HIDDEN,
                            **target)
    _send_on_commit(signals.case_opened, case=case)


# --- decisions ---------------------------------------------------------------------------

def decide(content, *, actor, action: str, rule: str | None = None, note: str = "") -> Decision:
    """Release, reject, hide or restore ``content``, citing a participation rule.

    A reject or hide names the rule broken. A release or restore cites the rule examined: by
    default the one the case was opened under, or the one the reversed decision cited; content
    held under no rule (a new account, another channel, a reuse awaiting review) may be
    released without one. Closes the open case, logs the decision and queues the author's
    notice, all in one transaction.
    """
    if action not in TRANSITIONS:
        raise ValidationFailed(fields={"action": [_("Choose release, reject, hide or restore.")]})
    moderated = registry.of(content)
    organisation = organisation_of(content)
    if not permissions.can(actor, "participation.moderate", organisation):
        raise PermissionDenied(_("You are not allowed to do this."))
    note = _clean_note(note, max_length=2000)
    with transaction.atomic():
        content = type(content)._default_manager.select_for_update().get(pk=content.pk)
        target = _target(content)
        allowed_from, after = TRANSITIONS[action]
        if content.moderation not in allowed_from:
            raise ModerationError(
                _("This decision does not apply to content that is %(state)s.") % {"state": Moderation(content.moderation).label},
                code="invalid_transition")
        open_cases = list(Case.objects.filter(status=Case.Status.OPEN, **target).order_by("opened"))
        if not rule:
            rule = _rule_at_stake(target, open_cases)
        if rule not in rules.CODES and not (action in (A.RELEASE, A.RESTORE) and rule == ""):
            raise ValidationFailed(fields={"rule": [_("Choose the participation rule this decision is about.")]})
        before = content.moderation
        _set_state(content, after)
        now = timezone.now()
        for case in open_cases:
            case.status, case.closed = Case.Status.CLOSED, now
            case.save(update_fields=["status", "closed"])
        if after == Moderation.VISIBLE:
            Flag.objects.filter(resolved=False, **target).update(resolved=True)
        decision = Decision.objects.create(
            case=open_cases[-1] if open_cases else None, organisation=organisation, action=action, rule=rule,
            note=note, moderator=actor, before=before, after=after, **target)
        _record(f"participation.moderation.{action}", actor=actor, obj=content, organisation=organisation,
                changes={"moderation": (before, after), "rule": (None, rule)})
        notify_author(content, decision)
        if moderated.on_change is not None:
            moderated.on_change(content, before, after)
        _send_on_commit(signals.decided, decision=decision, content=content)
    return decision


def _rule_at_stake(target: dict, open_cases: list[Case]) -> str | None:
    """The rule a release or restore answers: the case's, else the decision being reversed.
    "" when the content was held under no rule (a new account, another channel, a review)."""
    rule = next((code for case in open_cases for code in case.rules), None)
    if rule:
        return rule
    last = Decision.objects.filter(**target).exclude(rule="").order_by("-created", "-id").first()
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
    fields = ["moderation"] + (["modified"] if hasattr(content, "modified") else [])
    content.save(update_fields=fields)


# --- notices -----------------------------------------------------------------------------

def notify_author(content, decision: Decision) -> Notice | None:
    """Write the author's notice of ``decision`` and queue its e-mail, in the caller's
    transaction: both are kept or both are dropped, and the task is dispatched on commit."""
    author = registry.of(content).author_of(content)
    email = (author.email if author is not None else getattr(content, "author_email", "")) or ""
    if author is None and not email:
        return None
    language = (author.language if author is not None else getattr(content, "author_language", "")) or settings.LANGUAGE_CODE
    language = language if language in ("fr", "en") else "fr"
    rule = rules.get(decision.rule) if decision.rule else None
    context = {
        "action": decision.action, "kind": registry.of(content).kind,
        "title": registry.of(content).title_for(content, language), "rule_label": rule.label(language) if rule else "",
        "rule_explanation": rule.explanation(language) if rule else "", "note": decision.note,
        "site_url": settings.SITE_URL,
    }
    subject = " ".join(render_to_string(f"moderation/email/decision_subject_{language}.txt", context).split())
    body = render_to_string(f"moderation/email/decision_body_{language}.txt", context)
    notice = Notice.objects.create(decision=decision, recipient=author, email=email, language=language,
                                   subject=subject[:300], body=body)
    if email:
        enqueue("moderation.send_notice", key=f"notice:{notice.pk}", notice_id=notice.pk)
    return notice


def notices_for(user, *, actor) -> list[Notice]:
    permissions.require(actor, "user.view_private", user)
    return list(Notice.objects.filter(recipient=user).select_related("decision"))


def latest_decisions(contents, *, by_moderator: bool = True) -> dict:
    """The last decision on each of ``contents`` (any registered types), by content pk."""
    by_type: dict = {}
    for content in contents:
        by_type.setdefault(ContentType.objects.get_for_model(type(content)), []).append(str(content.pk))
    if not by_type:
        return {}
    condition = Q()
    for content_type, ids in by_type.items():
        condition |= Q(content_type=content_type, object_id__in=ids)
    decisions = Decision.objects.filter(condition)
    if by_moderator:
        decisions = decisions.filter(moderator__isnull=False)
    latest = {}
    for decision in decisions.order_by("created", "id"):
        latest[decision.object_id] = decision
    return {content.pk: latest[str(content.pk)] for content in contents if str(content.pk) in latest}


def open_case(content) -> Case | None:
    """The latest open case on ``content``."""
    return Case.objects.of(content).filter(status=Case.Status.OPEN).order_by("-opened").first()


# --- queues and log ----------------------------------------------------------------------

def _scope(actor, organisation=None) -> Q:
    if organisation is not None:
        if not permissions.can(actor, "participation.moderate", organisation):
            raise PermissionDenied(_("You are not allowed to do this."))
        return Q(organisation=organisation)
    if permissions.is_sysadmin(actor):
        return Q()
    organisations = list(moderated_organisations(actor).values_list("pk", flat=True))
    if not organisations:
        raise PermissionDenied(_("You are not allowed to do this."))
    return Q(organisation__in=organisations)


def moderation_queue(*, actor, organisation=None, status: str = Case.Status.OPEN, reason: str | None = None,
                     channel: str | None = None, kind: str | None = None, rule: str | None = None,
                     page: int = 1, per_page: int = 50):
    """The cases ``actor`` moderates, oldest first, as a page (filters are optional); each
    case's ``target`` is read with the relations its type registered."""
    qs = Case.objects.filter(_scope(actor, organisation)).select_related("organisation", "content_type")
    if status:
        qs = qs.filter(status=status)
    if reason:
        qs = qs.filter(reason=reason)
    if channel:
        qs = qs.filter(channel=channel)
    moderated = registry.by_kind(kind) if kind else None
    if moderated is not None:
        qs = qs.filter(content_type=ContentType.objects.get_for_model(moderated.model))
    if rule:
        # JSON containment is not portable across SQLite and PostgreSQL; the queue is small.
        ids = [pk for pk, findings in qs.values_list("pk", "findings") if any(f.get("rule") == rule for f in findings)]
        qs = qs.filter(pk__in=ids)
    page = Paginator(qs.order_by("opened", "id"), per_page).get_page(page)
    load_targets(page.object_list)
    return page


def load_targets(rows) -> list:
    """Fill ``target`` on cases or decisions with one query per content type."""
    rows = list(rows)
    by_type: dict = {}
    for row in rows:
        by_type.setdefault(row.content_type_id, []).append(row)
    for content_type_id, group in by_type.items():
        cache = group[0]._meta.get_field("target")
        model = ContentType.objects.get_for_id(content_type_id).model_class()
        qs = model._default_manager.all()
        try:
            qs = qs.select_related(*registry.for_model(model).select_related)
        except LookupError:
            pass
        objects = qs.in_bulk([row.object_id for row in group])
        by_text = {str(pk): obj for pk, obj in objects.items()}
        for row in group:
            cache.set_cached_value(row, by_text.get(row.object_id))
    return rows


def moderation_log(*, actor, organisation=None):
    """Every decision on content ``actor`` moderates, oldest first."""
    return Decision.objects.filter(_scope(actor, organisation)).select_related("moderator").order_by("created", "id")
