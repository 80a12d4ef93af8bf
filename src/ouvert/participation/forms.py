"""Forms of the participation pages.

They render fields and parse the request; the services decide what is valid, so fields are
optional here and the services' messages (``ValidationFailed.fields``) are the ones shown.
"""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ouvert.catalog.forms import MARKDOWN_HINT, ServiceForm

from . import rules
from .models import PHASES, Case, Channel, Comment, Decision, Idea, Phase, Question, Reuse

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


def rule_choices(blank: str | None = None) -> list[tuple[str, str]]:
    choices = [(rule.code, rule.label()) for rule in rules.RULES]
    return ([("", blank)] if blank is not None else []) + choices


class RuleChoiceField(forms.ChoiceField):
    """The participation rules, labelled in the reader's language when rendered."""

    def __init__(self, *, blank=None, **kwargs):
        super().__init__(choices=lambda: rule_choices(blank), required=False, **kwargs)


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


class DecisionForm(ServiceForm):
    ACTIONS = [(a.value, a.label) for a in (Decision.Action.RELEASE, Decision.Action.REJECT,
                                            Decision.Action.HIDE, Decision.Action.RESTORE)]
    action = forms.ChoiceField(label=_("Decision"), choices=ACTIONS, required=False)
    rule = RuleChoiceField(label=_("Rule"), blank=_("The rule at stake (for a release)"))
    note = _text(_("Note to the author (optional)"), max_length=2000)


class QueueFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("State"), required=False,
                               choices=[("open", _("Open")), ("closed", _("Closed")), ("all", _("All"))])
    kind = forms.ChoiceField(label=_("Kind"), required=False,
                             choices=[("", _("All")), ("idea", _("Ideas")), ("comment", _("Comments")),
                                      ("reuse", _("Reuses"))])
    reason = forms.ChoiceField(label=_("Why"), required=False, choices=[("", _("All"))] + list(Case.Reason.choices))
    channel = forms.ChoiceField(label=_("Channel"), required=False, choices=[("", _("All"))] + list(Channel.choices))
    organisation = forms.ChoiceField(label=_("Organisation"), required=False)

    def __init__(self, *args, organisations=(), **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.fields["organisation"].choices = [("", _("All"))] + [(o.name, str(o.title) or o.name) for o in organisations]


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
