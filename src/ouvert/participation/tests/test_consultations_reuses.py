"""Consultations (questions of four kinds, one response per account, aggregation, an export
without personal data) and the showcase of reuses."""

import csv
import io

import pytest

from ouvert.core.errors import PermissionDenied, ValidationFailed
from ouvert.moderation import services as moderation
from ouvert.moderation.models import Case
from ouvert.participation import services
from ouvert.participation.errors import ParticipationError
from ouvert.participation.models import Moderation

from .factories import make_challenge, make_dataset, make_organisation, make_user

pytestmark = pytest.mark.django_db

QUESTIONS = [
    {"kind": "text", "prompt_fr": "Qu'en pensez-vous ?", "prompt_en": "What do you think?"},
    {"kind": "single", "prompt_fr": "Fréquence ?", "prompt_en": "How often?", "required": True,
     "choices": [{"label_fr": "Chaque jour", "label_en": "Daily"}, {"label_fr": "Chaque semaine", "label_en": "Weekly"}]},
    {"kind": "multiple", "prompt_fr": "Formats ?", "prompt_en": "Formats?", "max_choices": 2,
     "choices": [{"label_fr": "CSV", "label_en": "CSV"}, {"label_fr": "JSON", "label_en": "JSON"},
                 {"label_fr": "Carte", "label_en": "Map"}]},
    {"kind": "ranking", "prompt_fr": "Priorités", "prompt_en": "Priorities",
     "choices": [{"label_fr": "Trottoirs", "label_en": "Sidewalks"}, {"label_fr": "Rues", "label_en": "Streets"},
                 {"label_fr": "Pistes", "label_en": "Bike lanes"}]},
]


@pytest.fixture
def consultation():
    editor = make_user()
    org = make_organisation(editors=[editor])
    consultation = services.create_consultation(make_challenge(org), actor=editor, data={
        "title_fr": "Consultation sur le déneigement", "title_en": "Snow removal consultation", "questions": QUESTIONS})
    return services.set_consultation_status(consultation, actor=editor, status="open")


def _ids(consultation):
    questions = list(consultation.questions.all())
    return questions, [[c.pk for c in q.choices.all()] for q in questions]


def test_questionnaire_validation_and_permissions():
    editor = make_user()
    challenge = make_challenge(make_organisation(editors=[editor]))
    with pytest.raises(PermissionDenied):
        services.create_consultation(challenge, actor=make_user(), data={"title_fr": "x", "questions": QUESTIONS})
    with pytest.raises(ValidationFailed) as exc:
        services.create_consultation(challenge, actor=editor, data={"questions": [
            {"kind": "single", "prompt_fr": "Une seule ?", "choices": [{"label_fr": "Oui"}]}, {"kind": "poll"}]})
    assert {"title_fr", "questions[1].choices", "questions[2].kind"} <= exc.value.fields.keys()


def test_responses_are_checked_counted_once_and_aggregated(consultation):
    (text, single, multiple, ranking), (_none, s, m, r) = _ids(consultation)
    answers = [
        {text.pk: "Plus de données, svp. Mon courriel : a@b.ca", single.pk: s[0], multiple.pk: [m[0], m[1]], ranking.pk: [r[0], r[1], r[2]]},
        {single.pk: s[0], multiple.pk: [m[0]], ranking.pk: [r[1], r[0], r[2]]},
        {single.pk: s[1], multiple.pk: [m[2]], ranking.pk: [r[0], r[2], r[1]]},
    ]
    people = [make_user() for _a in answers]
    for person, answer in zip(people, answers, strict=True):
        services.submit_response(consultation, actor=person, answers=answer)
    with pytest.raises(ParticipationError) as exc:
        services.submit_response(consultation, actor=people[0], answers=answers[1])
    assert exc.value.code == "already_answered"
    for bad in ({multiple.pk: [m[0]]}, {single.pk: [s[0], s[1]]}, {single.pk: s[0], multiple.pk: m},
                {single.pk: s[0], ranking.pk: [r[0]]}, {single.pk: 999999}, {single.pk: s[0], 424242: "x"}):
        with pytest.raises(ValidationFailed):
            services.submit_response(consultation, actor=make_user(), answers=bad)

    results = {item["question"].pk: item for item in services.results(consultation)}
    assert results[text.pk]["texts"] == ["Plus de données, svp. Mon courriel : […]"]
    assert [(c["label_en"], c["count"], c["share"]) for c in results[single.pk]["choices"]] == [
        ("Daily", 2, 0.6667), ("Weekly", 1, 0.3333)]
    assert [c["count"] for c in results[multiple.pk]["choices"]] == [2, 1, 1]
    ranked = results[ranking.pk]["choices"]
    assert [c["label_en"] for c in ranked] == ["Sidewalks", "Streets", "Bike lanes"]
    assert ranked[0]["borda"] == 5 and ranked[0]["average_rank"] == pytest.approx(1.3333) and ranked[0]["first_place"] == 2

    rows = list(csv.DictReader(io.StringIO(services.export_responses_csv(consultation))))
    assert {r["response"] for r in rows} == {"1", "2", "3"}
    exported = "".join(str(v) for r in rows for v in r.values())
    assert "a@b.ca" not in exported and not any(p.username in exported or p.email in exported for p in people)
    assert [r["answer_en"] for r in rows if r["response"] == "2" and r["kind"] == "ranking"] == ["Streets", "Sidewalks", "Bike lanes"]


def test_closed_consultation_refuses_responses(consultation):
    editor = consultation.challenge.organisation.memberships.get().user
    consultation = services.set_consultation_status(consultation, actor=editor, status="closed")
    with pytest.raises(ParticipationError):
        services.submit_response(consultation, actor=make_user(), answers={})


def test_reuses_are_published_after_review_and_listed_on_datasets_and_challenges():
    moderator = make_user()
    org = make_organisation(editors=[moderator])
    dataset = make_dataset(org, "arbres")
    challenge = make_challenge(org, name="canopee")
    author = make_user()
    with pytest.raises(ValidationFailed) as exc:
        services.submit_reuse(actor=author, data={"kind": "poster", "url": "javascript:alert(1)"})
    assert {"kind", "url", "title_fr", "datasets"} <= exc.value.fields.keys()
    reuse = services.submit_reuse(actor=author, data={
        "kind": "visualisation", "title_fr": "Carte des arbres", "title_en": "Tree map",
        "url": "https://arbres.example", "datasets": ["arbres"], "challenges": ["canopee"]})
    assert reuse.moderation == Moderation.HELD
    case = Case.objects.of(reuse).get()
    assert case.reason == "review" and case.organisation == org
    assert list(services.published_reuses(dataset=dataset)) == []
    moderation.decide(reuse, actor=moderator, action="release")
    reuse.refresh_from_db()
    assert reuse.published is not None
    assert list(services.published_reuses(dataset=dataset)) == [reuse]
    assert list(services.published_reuses(challenge=challenge)) == [reuse]
