"""A consultation: its questionnaire, the response form, and the results as charts and a file."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ouvert.accounts import permissions
from ouvert.core.errors import Conflict, NotFound, ValidationFailed
from ouvert.core.i18n import current_language

from .. import services
from ..errors import ParticipationError
from ..forms import ConsultationEditForm, ConsultationForm
from ..models import Consultation, Response
from ._common import domain_errors


def _consultation_in(request, name, consultation_id) -> Consultation:
    consultation = services.get_consultation(consultation_id, actor=request.user)
    if consultation.challenge.name != name:
        raise NotFound(_("Consultation not found."))
    return consultation


def _answered(consultation, user) -> bool:
    return user.is_authenticated and Response.objects.filter(consultation=consultation, respondent=user).exists()


@domain_errors
def consultation_detail(request, name, consultation_id):
    consultation = _consultation_in(request, name, consultation_id)
    form = ConsultationForm(request.POST if request.method == "POST" else None, consultation=consultation)
    if request.method == "POST":
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if form.is_valid():
            answers = form.answers()
            if not form.errors:
                try:
                    services.submit_response(consultation, actor=request.user, answers=answers)
                except ValidationFailed as exc:
                    form.add_service_errors(exc)
                except ParticipationError as exc:
                    form.add_error(None, str(exc))
                else:
                    messages.success(request, _("Thank you: your answers are recorded."))
                    return redirect("participation:consultation_results", name, consultation.pk)
    return render(request, "participation/consultation.html", {
        "consultation": consultation, "challenge": consultation.challenge, "form": form,
        "questions": [(q, form.ranking_fields(q) if q.kind == q.Kind.RANKING else [form[f"q{q.pk}"]])
                      for q in form.questions],
        "open": consultation.accepts_responses(), "answered": _answered(consultation, request.user),
        "can_manage": permissions.can(request.user, "consultation.manage", consultation.challenge),
    }, status=400 if form.errors else 200)


@domain_errors
def consultation_results(request, name, consultation_id):
    consultation = _consultation_in(request, name, consultation_id)
    language = current_language()
    rows = []
    for item in services.results(consultation):
        question = item["question"]
        choices = []
        top = max((c.get("count", c.get("borda", 0)) for c in item.get("choices", [])), default=0) or 1
        for choice in item.get("choices", []):
            value = choice.get("count", choice.get("borda", 0))
            choices.append({**choice, "label": choice["choice"], "value": value,
                            "percent": round(100 * choice.get("share", 0)),
                            "width": round(100 * value / top)})
        rows.append({**item, "prompt": question, "choices": choices, "texts": item.get("texts", [])[:200]})
    return render(request, "participation/consultation_results.html", {
        "consultation": consultation, "challenge": consultation.challenge, "results": rows, "language": language,
    })


@domain_errors
def consultation_export(request, name, consultation_id):
    consultation = _consultation_in(request, name, consultation_id)
    response = HttpResponse(services.export_responses_csv(consultation), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="consultation-{consultation.pk}.csv"'
    return response


# --- the organisation's screens -----------------------------------------------------------

def _managed_challenge(request, name):
    challenge = services.get_challenge(name, actor=request.user)
    permissions.require(request.user, "consultation.manage", challenge)
    return challenge


def _edit_page(request, form, challenge, consultation=None):
    return render(request, "participation/consultation_form.html", {
        "form": form, "challenge": challenge, "consultation": consultation,
    }, status=400 if form.errors else 200)


def _save(request, form, challenge, consultation=None):
    """Add a slot, or save through the service; the page again with the errors otherwise."""
    if request.POST.get("add") or not form.is_valid():
        return _edit_page(request, form, challenge, consultation)
    try:
        if consultation is None:
            consultation = services.create_consultation(challenge, actor=request.user, data=form.service_data())
            messages.success(request, _("The draft consultation was created. Open it when it is ready."))
        else:
            consultation = services.update_consultation(consultation, actor=request.user, data=form.service_data())
            messages.success(request, _("Your changes were saved."))
    except ValidationFailed as exc:
        form.add_service_errors(exc)
    except Conflict as exc:
        form.add_error(None, str(exc))
    else:
        return redirect("participation:consultation", challenge.name, consultation.pk)
    return _edit_page(request, form, challenge, consultation)


@domain_errors
@login_required
def consultation_new(request, name):
    challenge = _managed_challenge(request, name)
    if request.method != "POST":
        return _edit_page(request, ConsultationEditForm(slots=2), challenge)
    return _save(request, ConsultationEditForm(request.POST), challenge)


@domain_errors
@login_required
def consultation_edit(request, name, consultation_id):
    challenge = _managed_challenge(request, name)
    consultation = _consultation_in(request, name, consultation_id)
    if consultation.status != consultation.Status.DRAFT:
        messages.error(request, _("Only a draft consultation can be changed."))
        return redirect("participation:consultation", name, consultation.pk)
    if request.method != "POST":
        initial, slots = ConsultationEditForm.initial_for(consultation)
        return _edit_page(request, ConsultationEditForm(initial=initial, slots=slots), challenge, consultation)
    return _save(request, ConsultationEditForm(request.POST), challenge, consultation)


@require_POST
@domain_errors
@login_required
def consultation_status(request, name, consultation_id):
    _managed_challenge(request, name)
    consultation = _consultation_in(request, name, consultation_id)
    status = request.POST.get("status", "")
    try:
        services.set_consultation_status(consultation, actor=request.user, status=status)
    except Conflict as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("The consultation is open.") if status == consultation.Status.OPEN
                         else _("The consultation is closed."))
    return redirect("participation:consultation", name, consultation.pk)
