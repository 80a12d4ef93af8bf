"""The moderation dashboard (a moderator's queues, decisions, the log) and the rules page.
Views are adapters: request → form → service → message and redirect."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as HttpForbidden
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from ouvert.accounts.permissions import is_sysadmin
from ouvert.core.errors import DomainError, ValidationFailed
from ouvert.web.errors import domain_errors
from ouvert.web.forms import safe_next

from . import registry, rules, services
from .errors import ModerationError
from .forms import DecisionForm, QueueFilterForm
from .models import Case, Decision, Flag
from .permissions import moderated_organisations


def rules_page(request):
    return render(request, "moderation/rules.html", {"rules": rules.RULES})


def _organisations(user):
    organisations = list(moderated_organisations(user).distinct().order_by("name"))
    if not organisations and not is_sysadmin(user):
        raise HttpForbidden(_("You are not allowed to do this."))
    return organisations


def _rule_label(code: str) -> str:
    return rules.get(code).label() if code in rules.BY_CODE else code


def _error_text(exc: DomainError) -> str:
    if isinstance(exc, ValidationFailed) and exc.fields:
        return " ".join(m for ms in exc.fields.values() for m in ms)
    return str(exc.message if exc.message else exc)


def _page_links(request, number: int, pages: int) -> dict:
    def link(n):
        params = request.GET.copy()
        params["page"] = n
        return f"{request.path}?{params.urlencode()}"

    window = range(max(1, number - 2), min(pages, number + 2) + 1)
    return {
        "page": number, "pages": pages,
        "page_links": [{"number": n, "url": link(n), "current": n == number} for n in window],
        "previous_url": link(number - 1) if number > 1 else None,
        "next_url": link(number + 1) if number < pages else None,
    }


def _describe(row) -> dict:
    """How the queue and the log show the content a case or decision is about."""
    target = row.target
    try:
        moderated = registry.for_model(row.content_type.model_class())
    except LookupError:  # a type no longer registered: its rows stay in the log
        return {"kind": row.content_type.model, "label": f"{row.content_type.name}:", "log_label": f"{row.content_type.name}:",
                "title": str(target or row.object_id), "summary": str(target or row.object_id), "url": "", "text": "",
                "quote_template": ""}
    if target is None:
        return {"kind": moderated.kind, "label": moderated.label, "log_label": moderated.log_label_text(),
                "title": "", "summary": "", "url": "", "text": "", "quote_template": ""}
    return {"kind": moderated.kind, "label": moderated.label, "log_label": moderated.log_label_text(),
            "title": moderated.title(target), "summary": moderated.summary_of(target), "url": moderated.url(target),
            "text": moderated.text(target), "quote_template": moderated.quote_template}


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
    targets = Q(pk__in=[])
    for case in cases:
        targets |= Q(content_type_id=case.content_type_id, object_id=case.object_id)
    for content_type_id, object_id, rule, note in (Flag.objects.filter(targets).order_by("created", "id")
                                                    .values_list("content_type_id", "object_id", "rule", "note")):
        flags.setdefault((content_type_id, object_id), []).append((rule, note))
    items = [{
        "case": case, "target": case.target, **_describe(case),
        "findings": [{**f, "label": _rule_label(f.get("rule", ""))} for f in case.findings],
        "flags": [{"label": _rule_label(r), "note": n} for r, n in flags.get((case.content_type_id, case.object_id), [])],
        "form": DecisionForm(prefix=f"case-{case.pk}"),
    } for case in cases]
    return render(request, "moderation/queue.html", {
        "filters": filters, "items": items, "page_obj": page, "bulk_form": DecisionForm(prefix="bulk"),
        **_page_links(request, page.number, page.paginator.num_pages),
    })


def _case(case_id) -> Case:
    case = Case.objects.select_related("organisation", "content_type").filter(pk=case_id).first()
    if case is None or case.target is None:
        raise Http404
    return case


@require_POST
@domain_errors
@login_required
def decide(request, case_id):
    case = _case(case_id)
    form = DecisionForm(request.POST, prefix=f"case-{case.pk}")
    form.is_valid()
    data = form.cleaned_data
    try:
        services.decide(case.target, actor=request.user, action=data.get("action") or "", rule=data.get("rule") or None,
                        note=data.get("note") or "")
    except (ModerationError, ValidationFailed) as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(request, _("The decision was recorded and the author informed."))
    return redirect(safe_next(request, "moderation:queue"))


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
        return redirect(safe_next(request, "moderation:queue"))
    cases = services.load_targets(Case.objects.filter(pk__in=ids).select_related("organisation", "content_type"))
    results = services.decide_many([c for c in cases if c.target is not None], actor=request.user,
                                   action=data.get("action") or "", rule=data.get("rule") or None,
                                   note=data.get("note") or "")
    done = sum(1 for _item, outcome in results if isinstance(outcome, Decision))
    if done:
        messages.success(request, ngettext("%(count)d decision recorded.", "%(count)d decisions recorded.", done) % {"count": done})
    for item, outcome in results:
        if not isinstance(outcome, Decision):
            messages.error(request, _("Item %(id)s: %(error)s") % {"id": item.pk, "error": _error_text(outcome)})
    return redirect(safe_next(request, "moderation:queue"))


@domain_errors
@login_required
def log(request):
    _organisations(request.user)
    decisions = services.moderation_log(actor=request.user).select_related(
        "organisation", "content_type").order_by("-created", "-id")
    page = Paginator(decisions, 50).get_page(request.GET.get("page"))
    services.load_targets(page.object_list)
    context = {"page_obj": page, **_page_links(request, page.number, page.paginator.num_pages)}
    context["decisions"] = [(d, _rule_label(d.rule) if d.rule else "", _describe(d)) for d in page.object_list]
    return render(request, "moderation/log.html", context)
