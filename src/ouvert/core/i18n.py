"""Bilingual user content: values stored per language, shown in the reader's with a fallback."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import get_language

LANGS = ("fr", "en")


def current_language() -> str:
    lang = (get_language() or "fr")[:2]
    return lang if lang in LANGS else "fr"


@dataclass(frozen=True)
class Localised:
    """A value in the language it was found in; ``fallback`` is true when it is not the reader's."""

    value: str
    language: str
    fallback: bool

    def __str__(self) -> str:
        return self.value


def pick(obj, field: str, language: str | None = None) -> Localised:
    language = language or current_language()
    order = [language] + [lang for lang in LANGS if lang != language]
    for lang in order:
        value = getattr(obj, f"{field}_{lang}", "") or ""
        if value.strip():
            return Localised(value, lang, lang != language)
    return Localised("", language, False)


class BilingualMixin:
    """Adds ``localised('title')`` and ``title`` / ``description`` shortcuts to models."""

    def localised(self, field: str, language: str | None = None) -> Localised:
        return pick(self, field, language)

    @property
    def title(self) -> Localised:
        return pick(self, "title")

    @property
    def description(self) -> Localised:
        return pick(self, "description")
