"""Template helpers of the datastore's sections of the resource page."""

from __future__ import annotations

from django import template

register = template.Library()


@register.filter
def column_type_class(kind: str) -> str:
    return "num" if kind in ("integer", "number") else ""
