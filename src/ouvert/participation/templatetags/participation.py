"""Template helpers of the participation pages, and the dataset page's list of challenges."""

from __future__ import annotations

from django import template

from .. import rules, services

register = template.Library()


@register.filter
def rule_label(code):
    """A participation rule's name in the reader's language."""
    return rules.get(code).label() if code in rules.BY_CODE else code


@register.inclusion_tag("participation/includes/dataset_participation.html")
def dataset_participation(dataset):
    """The public challenges that point to ``dataset`` and the reuses built on it."""
    return {
        "dataset": dataset,
        "challenges": list(services.challenges_for_dataset(dataset).select_related("organisation")[:50]),
        "reuses": list(services.published_reuses(dataset=dataset)[:50]),
    }
