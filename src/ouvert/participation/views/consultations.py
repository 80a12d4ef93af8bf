"""A consultation: its questionnaire, the response form, and the results as charts and a file."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from ouvert.core.errors import NotFound, ValidationFailed
from ouvert.core.i18n import current_language

from .. import services
from ..errors import ParticipationError
from ..forms import ConsultationForm
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
