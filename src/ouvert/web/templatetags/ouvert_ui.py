"""Template helpers shared by every page: bilingual content, Markdown, sizes."""

from __future__ import annotations

from django import template
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import get_language_info

from ouvert.core import markdown as markdown_module
from ouvert.core.i18n import Localised

register = template.Library()


@register.filter
def markdown(text):
    """User Markdown as sanitised HTML (the only way descriptions reach a page)."""
    return markdown_module.render(str(text) if text else "")


@register.filter
def excerpt(text, limit=200):
    return markdown_module.plain(str(text) if text else "", int(limit))


@register.filter
def lang_attr(value):
    """` lang="xx"` when a bilingual value is shown in the other language, so it is read correctly."""
    if isinstance(value, Localised) and value.fallback:
        return format_html(' lang="{}"', value.language)
    return mark_safe("")


@register.filter
def language_name(code):
    """The name of a language in the reader's language (``fr`` → “French” / « Français »)."""
    try:
        return get_language_info(code)["name_translated"]
    except KeyError:
        return code


@register.inclusion_tag("web/components/fallback_notice.html")
def fallback_notice(*values):
    """Say so when a title or description is shown in the other language."""
    for value in values:
        if isinstance(value, Localised) and value.fallback and value.value:
            return {"language": value.language}
    return {"language": None}


@register.simple_tag(takes_context=True)
def panels(context, page, place, obj):
    """The panels registered for ``page`` at ``place`` (``ouvert.core.panels``), rendered for ``obj``;
    ``{% panels "dataset" "actions" dataset as found %}`` keeps them to test before placing them."""
    from ouvert.core import panels as registry

    request = context.get("request")
    if request is None:
        return ""
    return registry.render(page, place, request, obj)
