"""The organisation's consultation screens: create and edit a questionnaire with plain HTML forms
(no JavaScript), open and close it; who may."""

import pytest
from django.urls import reverse
from django.utils import translation

from ouvert.core.errors import Conflict
from ouvert.participation import services
from ouvert.participation.models import Consultation, Question

from .factories import make_challenge, make_organisation, make_user

pytestmark = pytest.mark.django_db


def url(name, *args, lang="en"):
    with translation.override(lang):
        return reverse(f"participation:{name}", args=args)


@pytest.fixture
def editor():
    return make_user("edith")


@pytest.fixture
def challenge(editor):
    org = make_organisation("ville", editors=[editor], members=[make_user("marc")])
    return make_challenge(org, name="canopee")


FORM = {
    "slots": "4", "title_fr": "Sondage sur les arbres", "title_en": "Tree survey", "description_fr": "Dites-nous.",
    "opens": "", "closes": "",
    "q1_kind": "text", "q1_prompt_fr": "Pourquoi ?", "q1_prompt_en": "Why?", "q1_required": "on",
    "q2_kind": "single", "q2_prompt_fr": "Quel quartier ?", "q2_prompt_en": "Which area?",
    "q2_choices": "Limoilou | Limoilou\nSaint-Roch | Saint-Roch\n",
    "q3_kind": "multiple", "q3_prompt_fr": "Quelles essences ?", "q3_prompt_en": "Which species?",
    "q3_max_choices": "2", "q3_choices": "Érable | Maple\nChêne | Oak\nBouleau | Birch",
    "q4_kind": "ranking", "q4_prompt_fr": "Classez", "q4_prompt_en": "Rank",
    "q4_choices": "Ombre | Shade\nBeauté | Beauty",
}


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_the_form_renders_in_both_languages(client, editor, challenge, lang):
    client.force_login(editor)
    response = client.get(url("consultation_new", "canopee", lang=lang))
    assert response.status_code == 200
    html = response.content.decode()
    assert f'<html lang="{lang}"' in html
    assert ('Ajouter une question' if lang == "fr" else "Add a question") in html
    assert 'name="q2_choices"' in html and "<script" not in html.split("<main", 1)[-1].split("</main>")[0]
    page = client.get(url("challenge", "canopee", lang=lang)).content.decode()
    assert url("consultation_new", "canopee", lang=lang) in page


def test_only_the_organisations_editors_may(client, challenge):
    address = url("consultation_new", "canopee")
    assert client.get(address).status_code == 302  # to the login page
    member = challenge.organisation.memberships.get(user__username="marc").user
    for user in (member, make_user("olga")):
        client.force_login(user)
        assert client.get(address).status_code == 403
        assert client.post(address, FORM).status_code == 403
    assert not Consultation.objects.exists()


def test_create_with_every_kind_of_question(client, editor, challenge):
    client.force_login(editor)
    response = client.post(url("consultation_new", "canopee"), FORM)
    consultation = Consultation.objects.get()
    assert response.status_code == 302 and response["Location"] == url("consultation", "canopee", consultation.pk)
    assert consultation.status == "draft" and consultation.title_en == "Tree survey"
    questions = list(consultation.questions.prefetch_related("choices"))
    assert [q.kind for q in questions] == ["text", "single", "multiple", "ranking"]
    assert questions[0].required and not questions[1].required and questions[2].max_choices == 2
    assert [(c.label_fr, c.label_en) for c in questions[2].choices.all()] == [
        ("Érable", "Maple"), ("Chêne", "Oak"), ("Bouleau", "Birch")]
    page = client.get(response["Location"]).content.decode()
    assert "Edit the consultation" in page and "Open the consultation" in page


def test_add_a_question_without_javascript(client, editor, challenge):
    client.force_login(editor)
    response = client.post(url("consultation_new", "canopee"), {**FORM, "add": "1"})
    assert response.status_code == 200 and not Consultation.objects.exists()
    html = response.content.decode()
    assert 'name="q5_kind"' in html and 'name="slots" value="5"' in html
    assert "Sondage sur les arbres" in html and "Érable | Maple" in html  # what was typed is kept


def test_errors_are_shown_next_to_the_question(client, editor, challenge):
    client.force_login(editor)
    form = {"slots": "3", "title_fr": "", "title_en": "", "q1_kind": "", "q1_prompt_fr": "",
            "q2_kind": "single", "q2_prompt_fr": "Oui ou non ?", "q2_choices": "Oui | Yes",
            "q3_kind": "text", "q3_prompt_en": "Anything else?", "q3_remove": "on"}
    response = client.post(url("consultation_new", "canopee"), form)
    assert response.status_code == 400 and not Consultation.objects.exists()
    form_errors = response.context["form"].errors
    assert "title_fr" in form_errors and "q2_choices" in form_errors and "q3_choices" not in form_errors
    empty = client.post(url("consultation_new", "canopee"), {"slots": "1", "title_en": "Survey"})
    assert empty.status_code == 400 and empty.context["form"].non_field_errors()


def test_edit_a_draft_then_open_and_close(client, editor, challenge):
    client.force_login(editor)
    client.post(url("consultation_new", "canopee"), FORM)
    consultation = Consultation.objects.get()
    edit = url("consultation_edit", "canopee", consultation.pk)
    page = client.get(edit)
    assert page.status_code == 200
    form = page.context["form"]
    assert form.slot_count == 4 and form["q3_choices"].value() == "Érable | Maple\nChêne | Oak\nBouleau | Birch"
    changed = {**FORM, "title_en": "Survey on trees", "q1_remove": "on", "q2_choices": "Limoilou\nVanier"}
    assert client.post(edit, changed).status_code == 302
    consultation.refresh_from_db()
    questions = list(consultation.questions.prefetch_related("choices"))
    assert consultation.title_en == "Survey on trees" and [q.kind for q in questions] == ["single", "multiple", "ranking"]
    assert [(c.label_fr, c.label_en) for c in questions[0].choices.all()] == [("Limoilou", "Limoilou"), ("Vanier", "Vanier")]

    status = url("consultation_status", "canopee", consultation.pk)
    assert client.post(status, {"status": "open"}).status_code == 302
    consultation.refresh_from_db()
    assert consultation.status == "open" and consultation.accepts_responses()
    assert client.get(edit).status_code == 302  # an open questionnaire no longer changes
    with pytest.raises(Conflict):
        services.update_consultation(consultation, actor=editor, data={"title_fr": "x", "questions": [
            {"kind": "text", "prompt_fr": "Quoi ?"}]})
    assert Question.objects.filter(consultation=consultation).count() == 3
    assert client.post(status, {"status": "closed"}).status_code == 302
    consultation.refresh_from_db()
    assert consultation.status == "closed"
    client.force_login(make_user("olga"))
    assert client.post(status, {"status": "open"}).status_code == 403


def test_status_words_agree_in_gender_in_french(client, editor, challenge):
    from ouvert.moderation.forms import QueueFilterForm
    from ouvert.moderation.models import Case
    from ouvert.participation.models import Challenge, Idea, IntakeMessage

    with translation.override("fr"):
        assert [str(s.label) for s in Consultation.Status] == ["Brouillon", "Ouverte", "Fermée"]
        assert [str(s.label) for s in Challenge.Status] == ["Brouillon", "Publié", "Fermé"]
        assert [str(s.label) for s in Case.Status] == ["Ouvert", "Fermé"]
        assert str(Idea.Status.PUBLISHED.label) == "Publiée" and str(Idea.Status.WITHDRAWN.label) == "Retirée"
        assert str(IntakeMessage.Status.ACCEPTED.label) == "Accepté"
        filters = QueueFilterForm(organisations=[challenge.organisation])
        assert str(dict(filters.fields["organisation"].choices)[""]) == "Toutes"
        assert str(dict(filters.fields["channel"].choices)[""]) == "Tous"
    with translation.override("en"):
        assert [str(s.label) for s in Consultation.Status] == ["Draft", "Open", "Closed"]
        assert str(Idea.Status.PUBLISHED.label) == "Published"
    consultation = services.create_consultation(challenge, actor=editor, data={
        "title_fr": "Sondage", "questions": [{"kind": "text", "prompt_fr": "Pourquoi ?"}]})
    services.set_consultation_status(consultation, actor=editor, status="open")
    page = client.get(url("challenge", "canopee", lang="fr")).content.decode()
    assert "(Ouverte)" in page and "Fermé</span>" not in page
