"""Forms of the moderation pages. They parse the request; the services decide what is valid."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from . import registry, rules
from .models import Case, Channel, Decision


def rule_choices(blank: str | None = None) -> list[tuple[str, str]]:
    choices = [(rule.code, rule.label()) for rule in rules.RULES]
    return ([("", blank)] if blank is not None else []) + choices


class RuleChoiceField(forms.ChoiceField):
    """The participation rules, labelled in the reader's language when rendered."""

    def __init__(self, *, blank=None, **kwargs):
        super().__init__(choices=lambda: rule_choices(blank), required=False, **kwargs)


def _kind_choices():
    return [("", pgettext_lazy("all kinds of content", "All"))] + [(t.kind, t.plural) for t in registry.types()]


class DecisionForm(forms.Form):
    use_required_attribute = False
    ACTIONS = [(a.value, a.label) for a in (Decision.Action.RELEASE, Decision.Action.REJECT,
                                            Decision.Action.HIDE, Decision.Action.RESTORE)]
    action = forms.ChoiceField(label=_("Decision"), choices=ACTIONS, required=False)
    rule = RuleChoiceField(label=_("Rule"), blank=_("The rule at stake (for a release)"))
    note = forms.CharField(label=_("Note to the author (optional)"), required=False, strip=False,
                           widget=forms.TextInput(attrs={"maxlength": 2000}))

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class QueueFilterForm(forms.Form):
    # "All" agrees with what it stands for in French: "tous" (cases, kinds, reasons, channels),
    # "toutes" (organisations).
    status = forms.ChoiceField(label=_("State"), required=False,
                               choices=[("open", pgettext_lazy("moderation case status", "Open")),
                                        ("closed", pgettext_lazy("moderation case status", "Closed")),
                                        ("all", pgettext_lazy("all moderation cases", "All"))])
    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=_kind_choices)
    reason = forms.ChoiceField(label=_("Why"), required=False,
                               choices=[("", pgettext_lazy("all reasons", "All"))] + list(Case.Reason.choices))
    channel = forms.ChoiceField(label=_("Channel"), required=False,
                                choices=[("", pgettext_lazy("all channels", "All"))] + list(Channel.choices))
    organisation = forms.ChoiceField(label=_("Organisation"), required=False)

    def __init__(self, *args, organisations=(), **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.fields["organisation"].choices = [("", pgettext_lazy("all organisations", "All"))] + [
            (o.name, str(o.title) or o.name) for o in organisations]
