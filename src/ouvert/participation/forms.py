"""Forms of the participation pages.

They render fields and parse the request; the services decide what is valid, so fields are
optional here and the services' messages (``ValidationFailed.fields``) are the ones shown.
"""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ouvert.moderation.forms import RuleChoiceField
from ouvert.web.forms import MARKDOWN_HINT, ServiceForm

from .models import PHASES, Comment, Idea, Phase, Question, Reuse

DATASETS_HINT = _("Short names of published datasets, separated by commas (as in the dataset's address).")
PHASE_LABELS = {
    Phase.IDEAS: (_("Ideas phase starts"), _("Ideas phase ends")),
    Phase.VOTING: (_("Voting phase starts"), _("Voting phase ends")),
    Phase.COCREATION: (_("Co-creation phase starts"), _("Co-creation phase ends")),
    Phase.RESULTS: (_("Results phase starts"), _("Results phase ends")),
}


def _text(label, *, help_text="", max_length=None):
    attrs = {"maxlength": max_length} if max_length else {}
    return forms.CharField(label=label, required=False, help_text=help_text, strip=False,
                           widget=forms.TextInput(attrs=attrs))


def _textarea(label, help_text="", rows=6):
    return forms.CharField(label=label, required=False, help_text=help_text, strip=False,
                           widget=forms.Textarea(attrs={"rows": rows}))


class IdeaForm(ServiceForm):
    required_fields = ("title", "body")
    title = _text(_("Title"), max_length=200)
    body = _textarea(_("Description"), MARKDOWN_HINT, rows=8)
    datasets = _text(_("Datasets it uses (optional)"), help_text=DATASETS_HINT)

    def service_data(self) -> dict:
        data = self.cleaned_data
        return {"title": data["title"], "body": data["body"], "datasets": _names(data["datasets"])}


class CommentForm(ServiceForm):
    required_fields = ("body",)
    body = _textarea(_("Your comment"), MARKDOWN_HINT, rows=4)
    stance = forms.ChoiceField(label=_("Your position"), choices=Comment.Stance.choices, initial=Comment.Stance.NEUTRAL,
                               widget=forms.RadioSelect, required=False)
    parent = forms.UUIDField(required=False, widget=forms.HiddenInput)


class FlagForm(ServiceForm):
    required_fields = ("rule",)
    rule = RuleChoiceField(label=_("Which rule does it break?"), blank=_("Choose a rule"))
    note = _text(_("Details (optional)"), max_length=1000)


class AnswerForm(ServiceForm):
    answer_fr = _textarea(_("Official answer (French)"), MARKDOWN_HINT)
    answer_en = _textarea(_("Official answer (English)"), MARKDOWN_HINT)
    status = forms.ChoiceField(label=_("Status announced with the answer"), required=False,
                               choices=[("", _("Keep the current status"))] + [
                                   (s.value, s.label) for s in (Idea.Status.UNDER_REVIEW, Idea.Status.ACCEPTED,
                                                                Idea.Status.REJECTED, Idea.Status.IMPLEMENTED)])


class ResultsForm(ServiceForm):
    results_fr = _textarea(_("Results statement (French)"), MARKDOWN_HINT, rows=10)
    results_en = _textarea(_("Results statement (English)"), MARKDOWN_HINT, rows=10)


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def format_value(self, value):
        if hasattr(value, "strftime"):
            return timezone.localtime(value).strftime("%Y-%m-%dT%H:%M") if timezone.is_aware(value) else \
                value.strftime("%Y-%m-%dT%H:%M")
        return value


class ChallengeForm(ServiceForm):
    """Create or edit a challenge; ``organisations`` are those the user may open challenges in."""

    required_fields = ("organisation", "name")
    organisation = forms.ChoiceField(label=_("Organisation"), required=False)
    name = _text(_("Short name"), max_length=100,
                 help_text=_("Lower-case letters, digits and hyphens; it becomes the page address."))
    title_fr = _text(_("Title (French)"), max_length=300)
    title_en = _text(_("Title (English)"), max_length=300)
    problem_fr = _textarea(_("Problem statement (French)"), MARKDOWN_HINT, rows=8)
    problem_en = _textarea(_("Problem statement (English)"), MARKDOWN_HINT, rows=8)
    datasets = _text(_("Datasets concerned"), help_text=DATASETS_HINT)
    votes_during_ideas = forms.BooleanField(label=_("Allow votes during the ideas phase"), required=False)
    vote_limit = forms.CharField(label=_("Votes per person (optional)"), required=False,
                                 widget=forms.NumberInput(attrs={"min": 1}))
    vote_threshold = forms.CharField(label=_("Votes for an idea to be considered (optional)"), required=False,
                                     widget=forms.NumberInput(attrs={"min": 1}))

    def __init__(self, *args, organisations=(), editing=None, **kwargs):
        super().__init__(*args, **kwargs)
        for phase in PHASES:
            for end, label in zip(("start", "end"), PHASE_LABELS[phase], strict=True):
                self.fields[f"{phase}_{end}"] = forms.CharField(label=label, required=False, widget=DateTimeInput)
        self.organisations = {org.name: org for org in organisations}
        self.fields["organisation"].choices = [("", _("Choose"))] + [(o.name, str(o.title) or o.name) for o in organisations]
        if editing is not None:
            del self.fields["organisation"]

    def phase_fields(self):
        return [(phase, PHASE_LABELS[phase], self[f"{phase}_start"], self[f"{phase}_end"]) for phase in PHASES]

    @staticmethod
    def initial_for(challenge) -> dict:
        data = {f: getattr(challenge, f) for f in ("name", "title_fr", "title_en", "problem_fr", "problem_en",
                                                  "votes_during_ideas", "vote_limit", "vote_threshold")}
        for phase in PHASES:
            for end in ("start", "end"):
                data[f"{phase}_{end}"] = getattr(challenge, f"{phase}_{end}")
        data["datasets"] = ", ".join(challenge.datasets.order_by("name").values_list("name", flat=True))
        return data

    def service_data(self) -> dict:
        data = {k: v for k, v in self.cleaned_data.items() if k != "organisation"}
        data["datasets"] = _names(data["datasets"])
        for field in ("vote_limit", "vote_threshold"):
            data[field] = (data[field] or "").strip() or None
        for field in list(data):
            if field.endswith(("_start", "_end")):
                data[field] = (data[field] or "").strip() or None
        return data

    def selected_organisation(self):
        return self.organisations.get(self.cleaned_data.get("organisation") or "")


class ReuseForm(ServiceForm):
    required_fields = ("kind", "url")
    kind = forms.ChoiceField(label=_("Kind"), choices=[("", _("Choose"))] + list(Reuse.Kind.choices), required=False)
    title_fr = _text(_("Title (French)"), max_length=300)
    title_en = _text(_("Title (English)"), max_length=300)
    description_fr = _textarea(_("Description (French)"), MARKDOWN_HINT)
    description_en = _textarea(_("Description (English)"), MARKDOWN_HINT)
    url = forms.CharField(label=_("Web address"), required=False, widget=forms.URLInput,
                          help_text=_("Where the reuse can be seen (http or https)."))
    datasets = _text(_("Datasets it is built on"), help_text=DATASETS_HINT)
    challenges = _text(_("Challenges it answers (optional)"),
                       help_text=_("Short names of challenges, separated by commas."))

    def service_data(self) -> dict:
        data = dict(self.cleaned_data)
        data["datasets"] = _names(data["datasets"])
        data["challenges"] = _names(data["challenges"])
        return data


class ConsultationForm(ServiceForm):
    """One field per question of a consultation; ``answers()`` gives the service's input."""

    def __init__(self, *args, consultation, **kwargs):
        super().__init__(*args, **kwargs)
        self.questions = list(consultation.questions.prefetch_related("choices"))
        for question in self.questions:
            label = str(question)
            choices = [(str(c.pk), str(c)) for c in question.choices.all()]
            key = f"q{question.pk}"
            if question.kind == Question.Kind.TEXT:
                field = forms.CharField(label=label, required=False, widget=forms.Textarea(attrs={"rows": 4}))
            elif question.kind == Question.Kind.SINGLE:
                field = forms.ChoiceField(label=label, required=False, choices=choices, widget=forms.RadioSelect)
            elif question.kind == Question.Kind.MULTIPLE:
                hint = (_("Choose at most %(max)d.") % {"max": question.max_choices}) if question.max_choices else ""
                field = forms.MultipleChoiceField(label=label, required=False, choices=choices,
                                                  widget=forms.CheckboxSelectMultiple, help_text=hint)
            else:
                for choice_id, choice_label in choices:
                    self.fields[f"{key}_{choice_id}"] = forms.ChoiceField(
                        label=choice_label, required=False,
                        choices=[("", "—")] + [(str(n), str(n)) for n in range(1, len(choices) + 1)])
                continue
            field.mandatory = question.required
            self.fields[key] = field

    def ranking_fields(self, question):
        return [self[f"q{question.pk}_{c.pk}"] for c in question.choices.all()]

    def answers(self) -> dict:
        answers = {}
        for question in self.questions:
            key = f"q{question.pk}"
            if question.kind == Question.Kind.RANKING:
                ranked = []
                for choice in question.choices.all():
                    rank = self.cleaned_data.get(f"{key}_{choice.pk}")
                    if rank:
                        ranked.append((int(rank), choice.pk))
                ranked.sort()
                ranks = [r for r, _c in ranked]
                if len(set(ranks)) != len(ranks):
                    self.add_error(None, _("%(question)s: give each choice a different rank.") % {"question": question})
                answers[question.pk] = [c for _r, c in ranked]
            else:
                answers[question.pk] = self.cleaned_data.get(key)
        return answers


def _names(value) -> list[str]:
    return [v.strip() for v in (value or "").replace(";", ",").split(",") if v.strip()]


CHOICES_HINT = _("One choice per line: the French label, a vertical bar, then the English label (Oui | Yes). "
                 "A line without a bar is used in both languages.")
QUESTION_KINDS = [("", _("Choose"))] + list(Question.Kind.choices)


class ConsultationEditForm(ServiceForm):
    """A questionnaire: its texts and dates, and ``slots`` questions (``q1_kind``, ``q1_prompt_fr``...).

    It works without JavaScript: "Add a question" sends the form back with one more empty slot,
    and a question is removed by ticking its box. Empty slots are ignored.
    """

    QUESTION_FIELDS = ("kind", "prompt_fr", "prompt_en", "required", "max_choices", "choices", "remove")
    title_fr = _text(_("Title (French)"), max_length=300)
    title_en = _text(_("Title (English)"), max_length=300)
    description_fr = _textarea(_("Description (French)"), MARKDOWN_HINT, rows=4)
    description_en = _textarea(_("Description (English)"), MARKDOWN_HINT, rows=4)
    opens = forms.CharField(label=_("Opens (optional)"), required=False, widget=DateTimeInput)
    closes = forms.CharField(label=_("Closes (optional)"), required=False, widget=DateTimeInput)
    slots = forms.IntegerField(required=False, min_value=1, max_value=100, widget=forms.HiddenInput)

    def __init__(self, *args, slots: int = 1, **kwargs):
        super().__init__(*args, **kwargs)
        if self.is_bound:
            try:
                slots = int(self.data.get("slots") or slots)
            except ValueError:
                pass
            if self.data.get("add"):
                slots += 1
        self.slot_count = max(1, min(slots, 100))
        self.initial["slots"] = self.slot_count
        self.data = self.data.copy() if self.is_bound else self.data
        if self.is_bound:
            self.data["slots"] = str(self.slot_count)
        for n in range(1, self.slot_count + 1):
            self.fields[f"q{n}_kind"] = forms.ChoiceField(label=_("Kind of question"), choices=QUESTION_KINDS,
                                                          required=False)
            self.fields[f"q{n}_prompt_fr"] = forms.CharField(label=_("Question (French)"), required=False,
                                                             widget=forms.TextInput(attrs={"maxlength": 500, "lang": "fr"}))
            self.fields[f"q{n}_prompt_en"] = forms.CharField(label=_("Question (English)"), required=False,
                                                             widget=forms.TextInput(attrs={"maxlength": 500, "lang": "en"}))
            self.fields[f"q{n}_required"] = forms.BooleanField(label=_("An answer is required"), required=False)
            self.fields[f"q{n}_max_choices"] = forms.IntegerField(
                label=_("Most choices a person may tick (multiple choice, optional)"), required=False, min_value=1,
                widget=forms.NumberInput(attrs={"min": 1}))
            self.fields[f"q{n}_choices"] = forms.CharField(label=_("Choices"), required=False, help_text=CHOICES_HINT,
                                                           widget=forms.Textarea(attrs={"rows": 4}))
            self.fields[f"q{n}_remove"] = forms.BooleanField(label=_("Remove this question"), required=False)

    @classmethod
    def initial_for(cls, consultation) -> tuple[dict, int]:
        data = {f: getattr(consultation, f) for f in ("title_fr", "title_en", "description_fr", "description_en",
                                                       "opens", "closes")}
        questions = list(consultation.questions.prefetch_related("choices"))
        for n, question in enumerate(questions, start=1):
            data.update({f"q{n}_kind": question.kind, f"q{n}_prompt_fr": question.prompt_fr,
                         f"q{n}_prompt_en": question.prompt_en, f"q{n}_required": question.required,
                         f"q{n}_max_choices": question.max_choices,
                         f"q{n}_choices": "\n".join(f"{c.label_fr} | {c.label_en}" for c in question.choices.all())})
        return data, max(1, len(questions))

    def question_groups(self) -> list[dict]:
        return [{"number": n, "fields": [self[f"q{n}_{name}"] for name in self.QUESTION_FIELDS]}
                for n in range(1, self.slot_count + 1)]

    def _slot_used(self, n: int) -> bool:
        data = self.cleaned_data
        if data.get(f"q{n}_remove"):
            return False
        return any(data.get(f"q{n}_{name}") for name in ("kind", "prompt_fr", "prompt_en", "choices"))

    def service_data(self) -> dict:
        data = {k: self.cleaned_data.get(k) or "" for k in ("title_fr", "title_en", "description_fr", "description_en")}
        data["opens"] = (self.cleaned_data.get("opens") or "").strip() or None
        data["closes"] = (self.cleaned_data.get("closes") or "").strip() or None
        questions, self.slot_of = [], {}
        for n in range(1, self.slot_count + 1):
            if not self._slot_used(n):
                continue
            kind = self.cleaned_data.get(f"q{n}_kind") or None
            questions.append({
                "kind": kind, "prompt_fr": self.cleaned_data.get(f"q{n}_prompt_fr") or "",
                "prompt_en": self.cleaned_data.get(f"q{n}_prompt_en") or "",
                "required": bool(self.cleaned_data.get(f"q{n}_required")),
                "max_choices": self.cleaned_data.get(f"q{n}_max_choices") if kind == Question.Kind.MULTIPLE else None,
                "choices": _choices(self.cleaned_data.get(f"q{n}_choices") or ""),
            })
            self.slot_of[len(questions)] = n
        data["questions"] = questions
        return data

    def add_service_errors(self, exc) -> None:
        """The service names question fields ``questions[2].choices``: show them on that slot."""
        for key, messages in exc.fields.items():
            target = key if key in self.fields else None
            if key.startswith("questions["):
                index, _dot, name = key[len("questions["):].partition("].")
                slot = getattr(self, "slot_of", {}).get(int(index)) if index.isdigit() else None
                target = f"q{slot}_{name}" if slot and f"q{slot}_{name}" in self.fields else None
            for message in messages:
                self.add_error(target, message)
        if not exc.fields:
            self.add_error(None, exc.message or _("The form could not be saved."))


def _choices(text: str) -> list[dict]:
    choices = []
    for line in text.replace("\r\n", "\n").split("\n"):
        if not line.strip():
            continue
        french, bar, english = line.partition("|")
        french, english = french.strip(), english.strip()
        choices.append({"label_fr": french, "label_en": english if bar else french})
    return choices
