"""The moderation dashboard (a moderator's queues, decisions, the log), the rules page and an
author's own contributions with the reasons for decisions on them."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as HttpForbidden
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from ouvert.accounts.permissions import is_sysadmin, moderated_organisations
from ouvert.core.errors import PermissionDenied, ValidationFailed

from .. import rules, services
from ..errors import ModerationError
from ..forms import DecisionForm, QueueFilterForm
from ..models import Case, Comment, Decision, Flag, Idea, Reuse
from ._common import domain_errors, error_text, held_reason, page_links, paginate


def rules_page(request):
    return render(request, "participation/rules.html", {"rules": rules.RULES})


def _organisations(user):
    organisations = list(moderated_organisations(user).distinct().order_by("name"))
    if not organisations and not is_sysadmin(user):
        raise HttpForbidden(_("You are not allowed to do this."))
    return organisations


def _rule_label(code: str) -> str:
    return rules.get(code).label() if code in rules.BY_CODE else code


@domain_errors
@login_required
def queue(request):
    organisations = _organisations(request.user)
    filters = QueueFilterForm(request.GET or None, organisations=organisations)
    values = filters.cleaned_data if filters.is_valid() else {}
    organisation = {o.name: o for o in organisations}.get(values.get("organisation") or "")
    status = values.get("status") or "open"
    page = services.moderation_queue(
        actor=request.user, organisation=organisation, status="" if status == "all" else status,
        reason=values.get("reason") or None, channel=values.get("channel") or None, kind=values.get("kind") or None,
        page=request.GET.get("page") or 1, per_page=20)
    cases = list(page)
    flags: dict = {}
    for case in cases:
        target = {"idea": case.idea_id, "comment": case.comment_id, "reuse": case.reuse_id}[case.kind]
        flags[case.pk] = list(Flag.objects.filter(**{f"{case.kind}_id": target}).order_by("created")
                              .values_list("rule", "note"))
    items = [{
        "case": case, "target": case.target, "kind": case.kind,
        "findings": [{**f, "label": _rule_label(f.get("rule", ""))} for f in case.findings],
        "flags": [{"label": _rule_label(r), "note": n} for r, n in flags[case.pk]],
        "form": DecisionForm(prefix=f"case-{case.pk}"),
    } for case in cases]
    return render(request, "participation/moderation/queue.html", {
        "filters": filters, "items": items, "page_obj": page, "bulk_form": DecisionForm(prefix="bulk"),
        **page_links(request, page.number, page.paginator.num_pages),
    })


def _case(request, case_id) -> Case:
    case = Case.objects.select_related("organisation", "idea", "comment", "reuse").filter(pk=case_id).first()
    if case is None:
        raise Http404
    return case


@require_POST
@domain_errors
@login_required
def decide(request, case_id):
    case = _case(request, case_id)
    form = DecisionForm(request.POST, prefix=f"case-{case.pk}")
    form.is_valid()
    data = form.cleaned_data
    try:
        services.decide(case.target, actor=request.user, action=data.get("action") or "", rule=data.get("rule") or None,
                        note=data.get("note") or "")
    except PermissionDenied:
        raise
    except (ModerationError, ValidationFailed) as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, _("The decision was recorded and the author informed."))
    return redirect(request.POST.get("next") or "participation:moderation")


@require_POST
@domain_errors
@login_required
def decide_bulk(request):
    _organisations(request.user)
    form = DecisionForm(request.POST, prefix="bulk")
    form.is_valid()
    data = form.cleaned_data
    ids = [v for v in request.POST.getlist("cases") if v.isdigit()]
    if not ids:
        messages.error(request, _("Select at least one item of the queue."))
        return redirect(request.POST.get("next") or "participation:moderation")
    cases = list(Case.objects.filter(pk__in=ids).select_related("idea", "comment", "reuse", "organisation"))
    results = services.decide_many(cases, actor=request.user, action=data.get("action") or "",
                                   rule=data.get("rule") or None, note=data.get("note") or "")
    done = sum(1 for _item, outcome in results if isinstance(outcome, Decision))
    if done:
        messages.success(request, ngettext("%(count)d decision recorded.", "%(count)d decisions recorded.", done) % {"count": done})
    for item, outcome in results:
        if not isinstance(outcome, Decision):
            messages.error(request, _("Item %(id)s: %(error)s") % {"id": item.pk, "error": error_text(outcome)})
    return redirect(request.POST.get("next") or "participation:moderation")


@domain_errors
@login_required
def log(request):
    _organisations(request.user)
    decisions = services.moderation_log(actor=request.user).select_related(
        "idea", "comment", "reuse", "organisation").order_by("-created", "-id")
    context = paginate(request, decisions, per_page=50)
    context["decisions"] = [(d, _rule_label(d.rule) if d.rule else "") for d in context["page_obj"]]
    return render(request, "participation/moderation/log.html", context)


@login_required
def my_contributions(request):
    """What the reader contributed, its state, and why moderators decided what they did."""
    user = request.user
    ideas = list(Idea.objects.filter(author=user).select_related("challenge").order_by("-created")[:200])
    comments = list(Comment.objects.filter(author=user).select_related("idea", "idea__challenge")
                    .order_by("-created")[:200])
    reuses = list(Reuse.objects.filter(author=user).order_by("-created")[:200])
    notices = services.notices_for(user, actor=user)
    decisions = {}
    mine = Q(idea__in=ideas) | Q(comment__in=comments) | Q(reuse__in=reuses)
    for decision in Decision.objects.filter(mine, moderator__isnull=False).order_by("created", "id"):
        decisions[decision.idea_id or decision.comment_id or decision.reuse_id] = decision

    def explain(content):
        decision = decisions.get(content.pk)
        if decision is None:
            return None
        rule = rules.BY_CODE.get(decision.rule)
        return {"decision": decision, "rule": rule.label() if rule else "",
                "explanation": rule.explanation() if rule else "", "note": decision.note}

    return render(request, "participation/my_contributions.html", {
        "held_reasons": {c.pk: held_reason(c) for c in [*ideas, *comments, *reuses] if c.moderation == "held"},
        "ideas": [(i, explain(i)) for i in ideas], "comments": [(c, explain(c)) for c in comments],
        "reuses": [(r, explain(r)) for r in reuses], "notices": notices,
    })
