"""Markdown to safe HTML. Descriptions are user content: raw HTML is never trusted."""

from __future__ import annotations

import re

import nh3
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from markdown_it import MarkdownIt

_md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable("table").enable("strikethrough")

ALLOWED_TAGS = {
    "a", "abbr", "blockquote", "br", "code", "del", "em", "h1", "h2", "h3", "h4", "h5", "h6",
    "hr", "li", "ol", "p", "pre", "strong", "table", "tbody", "td", "th", "thead", "tr", "ul",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "abbr": {"title"}, "td": {"align"}, "th": {"align"}}
MAX_LENGTH = 50_000

_DANGEROUS = re.compile(r"<\s*(script|iframe|object|embed|style)\b|javascript\s*:|\bon[a-z]+\s*=", re.I)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def render(text: str | None) -> SafeString:
    """Render Markdown; the result is sanitised whatever the input, so templates may trust it."""
    if not text:
        return mark_safe("")
    html = _md.render(text)
    clean = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="nofollow noopener noreferrer",
    )
    return mark_safe(clean)  # noqa: S308 - sanitised by nh3 above


def problems(text: str | None) -> list[str]:
    """Reasons to refuse a description, as messages for the field (empty when acceptable)."""
    if not text:
        return []
    found = []
    if len(text) > MAX_LENGTH:
        found.append(_("The text is too long (%(length)d characters; at most %(max)d).") % {"length": len(text), "max": MAX_LENGTH})
    if _CONTROL.search(text):
        found.append(_("The text contains control characters; paste it again as plain text."))
    if _DANGEROUS.search(text):
        found.append(_("Scripts, embedded frames and event handlers are not allowed; write Markdown instead of HTML."))
    return found


#: What makes Markdown differ from its plain text: inline markup, HTML, entities, escapes, and
#: block markers at the start of a line (headings, quotes, lists, code, tables, rules).
_MARKUP = re.compile(r"[*_`\[\]<>&\\|~!]|^\s*(?:#|>|[-+=]|\d+[.)])|^ {4}|\t", re.M)


def plain(text: str | None, limit: int = 200) -> str:
    """A short plain-text excerpt of a Markdown text (for cards and meta descriptions)."""
    if not text:
        return ""
    if not _MARKUP.search(text):
        # Plain prose (most ideas and comments): Markdown would give back the same words.
        stripped = re.sub(r"\s+", " ", text).strip()
        return stripped if len(stripped) <= limit else stripped[: limit - 1].rsplit(" ", 1)[0] + "…"
    # Only the beginning can reach the excerpt: render the first lines that give enough text,
    # not a whole 20,000-character description (cut at a line end, so no inline markup is split).
    budget = max(limit * 4, 400)
    if len(text) > budget:
        end = text.find("\n", budget)
        text = text[:end] if 0 <= end < budget * 4 else text[: budget * 4]
    stripped = nh3.clean(_md.render(text), tags=set())
    stripped = re.sub(r"\s+", " ", stripped).strip()
    return stripped if len(stripped) <= limit else stripped[: limit - 1].rsplit(" ", 1)[0] + "…"
