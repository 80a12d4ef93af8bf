"""The resource page's datastore sections, as one tag the catalogue's template includes."""

from __future__ import annotations

from django import template
from django.template.loader import render_to_string

register = template.Library()


@register.simple_tag(takes_context=True)
def datastore_sections(context, resource):
    """Status, preview, chart builder, data dictionary, quality report and API examples of
    ``resource``'s table; nothing when the resource is not tabular or its table is hidden."""
    from ouvert.datastore.views import resource_sections

    request = context.get("request")
    if request is None:
        return ""
    sections = resource_sections(request, resource)
    if sections is None:
        return ""
    return render_to_string("datastore/sections.html", sections, request=request)


@register.filter
def column_type_class(kind: str) -> str:
    return "num" if kind in ("integer", "number") else ""
