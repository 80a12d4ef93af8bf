"""Consultations: a questionnaire attached to a challenge (open text, single and multiple
choice, ranking), its responses, aggregated results and an export without personal data."""

from __future__ import annotations

import csv
import io

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from ouvert.accounts import permissions
from ouvert.catalog.validation import Errors
from ouvert.core.errors import Conflict, NotFound
from ouvert.moderation.checks import personal

from .. import signals
from ..errors import ParticipationError
from ..models import Answer, Choice, Consultation, Question, Response
from ._common import record, send_on_commit
from .challenges import _datetime

TEXT_MAX = 5_000
K = Question.Kind


def _clean_questions(items, errors: Errors) -> list[dict]:
    if not isinstance(items, list) or not items:
        errors.add("questions", _("Add at least one question."))
        return []
    questions = []
    for index, item in enumerate(items, start=1):
        field = f"questions[{index}]"
        if not isinstance(item, dict):
            errors.add(field, _("Expected a question."))
            continue
        kind = item.get("kind")
        if kind not in K.values:
            errors.add(f"{field}.kind", _("Choose one of: %(choices)s.") % {"choices": ", ".join(K.values)})
        prompt_fr, prompt_en = (str(item.get("prompt_fr") or "").strip(), str(item.get("prompt_en") or "").strip())
        if not (prompt_fr or prompt_en):
            errors.add(f"{field}.prompt_fr", _("Write the question in French or in English (or both)."))
        choices = [c for c in item.get("choices") or [] if isinstance(c, dict) and (c.get("label_fr") or c.get("label_en"))]
        if kind != K.TEXT and len(choices) < 2:
            errors.add(f"{field}.choices", _("A choice question needs at least two choices."))
        if kind == K.TEXT and choices:
            errors.add(f"{field}.choices", _("An open-text question has no choices."))
        max_choices = item.get("max_choices")
        if max_choices is not None and (kind != K.MULTIPLE or not isinstance(max_choices, int) or max_choices < 1):
            errors.add(f"{field}.max_choices", _("Only a multiple-choice question limits the number of choices."))
        questions.append({
            "kind": kind, "prompt_fr": prompt_fr[:500], "prompt_en": prompt_en[:500],
            "required": bool(item.get("required")), "max_choices": max_choices,
            "choices": [{"label_fr": str(c.get("label_fr") or "")[:300], "label_en": str(c.get("label_en") or "")[:300]}
                        for c in choices],
        })
    return questions


def _clean_consultation(data: dict) -> tuple[dict, list[dict]]:
    errors = Errors()
    title_fr, title_en = str(data.get("title_fr") or "").strip(), str(data.get("title_en") or "").strip()
    if not (title_fr or title_en):
        errors.add("title_fr", _("Give a title in French or in English (or both)."))
    opens, closes = _datetime(data.get("opens"), "opens", errors), _datetime(data.get("closes"), "closes", errors)
    if opens and closes and closes <= opens:
        errors.add("closes", _("A consultation closes after it opens."))
    questions = _clean_questions(data.get("questions"), errors)
    errors.raise_if_any()
    fields = {"title_fr": title_fr[:300], "title_en": title_en[:300],
              "description_fr": str(data.get("description_fr") or ""),
              "description_en": str(data.get("description_en") or ""), "opens": opens, "closes": closes}
    return fields, questions


def _save_questions(consultation: Consultation, questions: list[dict]) -> None:
    for position, item in enumerate(questions):
        item = dict(item)
        choices = item.pop("choices")
        question = Question.objects.create(consultation=consultation, position=position, **item)
        Choice.objects.bulk_create([Choice(question=question, position=i, **c) for i, c in enumerate(choices)])


def create_consultation(challenge, *, actor, data: dict) -> Consultation:
    """A draft questionnaire on ``challenge``; ``data["questions"]`` lists the questions in order."""
    permissions.require(actor, "consultation.manage", challenge)
    fields, questions = _clean_consultation(data)
    with transaction.atomic():
        consultation = Consultation.objects.create(challenge=challenge, **fields)
        _save_questions(consultation, questions)
        record("participation.consultation.created", actor=actor, obj=consultation, organisation=challenge.organisation,
               changes={"questions": (None, len(questions))})
    return consultation


def update_consultation(consultation: Consultation, *, actor, data: dict) -> Consultation:
    """Rewrite a draft questionnaire: its texts, dates and questions (``data`` as for
    ``create_consultation``). Once open, answers refer to the questions, so they stay as they are."""
    permissions.require(actor, "consultation.manage", consultation.challenge)
    fields, questions = _clean_consultation(data)
    with transaction.atomic():
        consultation = Consultation.objects.select_for_update().get(pk=consultation.pk)
        if consultation.status != Consultation.Status.DRAFT:
            raise Conflict(_("Only a draft consultation can be changed."))
        before = consultation.questions.count()
        changes = {k: (getattr(consultation, k), v) for k, v in fields.items() if getattr(consultation, k) != v}
        for field, value in fields.items():
            setattr(consultation, field, value)
        consultation.save()
        consultation.questions.all().delete()
        _save_questions(consultation, questions)
        changes["questions"] = (before, len(questions))
        record("participation.consultation.updated", actor=actor, obj=consultation,
               organisation=consultation.challenge.organisation, changes=changes)
    return consultation


def set_consultation_status(consultation: Consultation, *, actor, status: str) -> Consultation:
    """Open a draft consultation, or close an open one."""
    permissions.require(actor, "consultation.manage", consultation.challenge)
    allowed = {Consultation.Status.DRAFT: {Consultation.Status.OPEN}, Consultation.Status.OPEN: {Consultation.Status.CLOSED}}
    with transaction.atomic():
        consultation = Consultation.objects.select_for_update().get(pk=consultation.pk)
        if status not in allowed.get(consultation.status, set()):
            raise Conflict(_("A consultation goes from draft to open to closed."))
        old, consultation.status = consultation.status, status
        consultation.save(update_fields=["status"])
        record(f"participation.consultation.{status}", actor=actor, obj=consultation,
               organisation=consultation.challenge.organisation, changes={"status": (old, status)})
    return consultation


def _clean_answer(question: Question, value, choice_ids: set[int], errors: Errors):
    field = f"q{question.pk}"
    if question.kind == K.TEXT:
        text = value if isinstance(value, str) else ""
        text = text.strip()
        if len(text) > TEXT_MAX:
            errors.add(field, _("At most %(max)d characters (this has %(length)d).") % {"max": TEXT_MAX, "length": len(text)})
        return ({"text": text}, bool(text))
    values = value if isinstance(value, list) else ([] if value in (None, "") else [value])
    try:
        ids = [int(v) for v in values]
    except (TypeError, ValueError):
        errors.add(field, _("Unknown choice."))
        return None, False
    if any(i not in choice_ids for i in ids) or len(set(ids)) != len(ids):
        errors.add(field, _("Unknown or repeated choice."))
        return None, False
    if question.kind == K.SINGLE and len(ids) > 1:
        errors.add(field, _("Choose one answer."))
    if question.kind == K.MULTIPLE and question.max_choices and len(ids) > question.max_choices:
        errors.add(field, _("Choose at most %(max)d answers.") % {"max": question.max_choices})
    if question.kind == K.RANKING and ids and len(ids) != len(choice_ids):
        errors.add(field, _("Rank every choice."))
    return ({"choices": ids}, bool(ids))


def submit_response(consultation: Consultation, *, actor, answers: dict) -> Response:
    """Record ``actor``'s answers ({question id: text, choice id, or list of choice ids, in rank
    order for a ranking}); one response per account."""
    permissions.require(actor, "consultation.respond")
    if not consultation.accepts_responses():
        raise ParticipationError(_("This consultation is not open."), code="phase_closed")
    questions = list(consultation.questions.prefetch_related("choices"))
    by_id = {q.pk: q for q in questions}
    errors = Errors()
    cleaned = []
    for key in answers:
        if _int(key) not in by_id:
            errors.add(f"q{key}", _("Unknown question."))
    for question in questions:
        value = answers.get(question.pk, answers.get(str(question.pk)))
        answer, given = _clean_answer(question, value, {c.pk for c in question.choices.all()}, errors)
        if question.required and not given:
            errors.add(f"q{question.pk}", _("This question needs an answer."))
        if answer is not None and given:
            cleaned.append((question, answer))
    errors.raise_if_any()
    try:
        with transaction.atomic():
            response = Response.objects.create(consultation=consultation, respondent=actor)
            Answer.objects.bulk_create([Answer(response=response, question=q, **a) for q, a in cleaned])
    except IntegrityError:
        raise ParticipationError(_("You have already answered this consultation."), code="already_answered") from None
    send_on_commit(signals.consultation_answered, response=response)
    return response


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def get_consultation(consultation_id, *, actor) -> Consultation:
    consultation = Consultation.objects.select_related("challenge").filter(pk=consultation_id).first()
    if consultation is None or not permissions.can(actor, "consultation.view", consultation):
        raise NotFound(_("Consultation not found."))
    return consultation


def results(consultation: Consultation) -> list[dict]:
    """Aggregated answers, question by question, ready for charts.

    Choice questions: each choice's count and share of the question's respondents. Rankings:
    each choice's average rank and Borda score (n−1 points for first place down to 0), best
    first. Open text: the number of answers and the answers, personal information masked.
    """
    questions = list(consultation.questions.prefetch_related("choices"))
    answers: dict[int, list[Answer]] = {q.pk: [] for q in questions}
    for answer in Answer.objects.filter(question__consultation=consultation).order_by("response_id", "id"):
        answers[answer.question_id].append(answer)
    total = Response.objects.filter(consultation=consultation).count()
    out = []
    for question in questions:
        given = answers[question.pk]
        item = {"question": question, "kind": question.kind, "prompt_fr": question.prompt_fr,
                "prompt_en": question.prompt_en, "respondents": total, "answered": len(given)}
        choices = list(question.choices.all())
        if question.kind == K.TEXT:
            item["texts"] = [personal.redact(a.text) for a in given if a.text]
        elif question.kind in (K.SINGLE, K.MULTIPLE):
            counts = dict.fromkeys((c.pk for c in choices), 0)
            for answer in given:
                for choice_id in answer.choices:
                    counts[choice_id] = counts.get(choice_id, 0) + 1
            item["choices"] = [{"choice": c, "label_fr": c.label_fr, "label_en": c.label_en, "count": counts[c.pk],
                                "share": round(counts[c.pk] / len(given), 4) if given else 0.0} for c in choices]
        else:
            n = len(choices)
            ranks: dict[int, list[int]] = {c.pk: [] for c in choices}
            for answer in given:
                for rank, choice_id in enumerate(answer.choices, start=1):
                    ranks[choice_id].append(rank)
            rows = [{"choice": c, "label_fr": c.label_fr, "label_en": c.label_en,
                     "average_rank": round(sum(ranks[c.pk]) / len(ranks[c.pk]), 4) if ranks[c.pk] else None,
                     "borda": sum(n - r for r in ranks[c.pk]), "first_place": ranks[c.pk].count(1)} for c in choices]
            item["choices"] = sorted(rows, key=lambda r: (-r["borda"], r["choice"].position))
        out.append(item)
    return out


def export_responses_csv(consultation: Consultation) -> str:
    """Every answer, one row each, without personal data: responses are numbered in the order
    received, respondents are not named, and personal information in open text is masked."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["response", "question", "question_fr", "question_en", "kind", "answer_fr", "answer_en", "rank"])
    questions = {q.pk: q for q in consultation.questions.prefetch_related("choices")}
    labels = {c.pk: c for q in questions.values() for c in q.choices.all()}
    numbers: dict[int, int] = {}
    for answer in Answer.objects.filter(question__consultation=consultation).order_by("response__created", "response_id", "id"):
        number = numbers.setdefault(answer.response_id, len(numbers) + 1)
        question = questions[answer.question_id]
        common = [number, question.position + 1, question.prompt_fr, question.prompt_en, question.kind]
        if question.kind == K.TEXT:
            text = personal.redact(answer.text)
            writer.writerow([*common, text, text, ""])
        else:
            for rank, choice_id in enumerate(answer.choices, start=1):
                choice = labels[choice_id]
                writer.writerow([*common, choice.label_fr, choice.label_en, rank if question.kind == K.RANKING else ""])
    return buffer.getvalue()
