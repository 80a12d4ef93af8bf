"""Checks of plain-dict input that every domain's ``clean_*`` functions share (each domain
keeps its own, next to its services).

A ``clean_*`` function takes a plain dict and returns a cleaned dict, or raises
``ValidationFailed`` whose ``fields`` say what is wrong with each field; these helpers add to
an ``Errors`` what they find wrong with one field.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import URLValidator
from django.utils.translation import gettext as _

from . import markdown
from .errors import ValidationFailed
from .validators import NAME_VALIDATOR

_url = URLValidator(schemes=["http", "https", "ftp"])


class Errors:
    def __init__(self) -> None:
        self.fields: dict[str, list[str]] = {}

    def add(self, field: str, message: str) -> None:
        self.fields.setdefault(field, []).append(str(message))

    def raise_if_any(self) -> None:
        if self.fields:
            raise ValidationFailed(_("Some fields are not valid."), fields=self.fields)


def clean_text(value: Any, field: str, errors: Errors, max_length: int | None = None) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        errors.add(field, _("Expected text."))
        return ""
    value = value.strip()
    if max_length and len(value) > max_length:
        errors.add(field, _("At most %(max)d characters (this has %(length)d).") % {"max": max_length, "length": len(value)})
    if "\x00" in value:
        errors.add(field, _("The text contains a NUL character."))
    return value


def reject_unknown(data: dict, allowed: set[str], errors: Errors) -> None:
    for key in data:
        if key not in allowed:
            errors.add(key, _("Unknown field."))


def clean_name(value: Any, errors: Errors, field: str = "name") -> str:
    name = clean_text(value, field, errors).lower()
    if not name:
        errors.add(field, _("This field is required."))
        return ""
    try:
        NAME_VALIDATOR(name)
    except DjangoValidationError as exc:
        errors.add(field, exc.messages[0])
    return name


def max_length(model, field: str) -> int:
    """The limit of a text field, as its model says: validation, the forms and the API's schema
    read their limits here rather than repeating them."""
    return model._meta.get_field(field).max_length


def clean_titles(data: dict, errors: Errors, cleaned: dict, *, required: bool, model) -> None:
    """Titles and descriptions in both languages, titles within ``model``'s limits."""
    for lang in ("fr", "en"):
        if f"title_{lang}" in data:
            field = f"title_{lang}"
            cleaned[field] = clean_text(data[field], field, errors, max_length(model, field))
        if f"description_{lang}" in data:
            text = clean_text(data[f"description_{lang}"], f"description_{lang}", errors)
            for problem in markdown.problems(text):
                errors.add(f"description_{lang}", problem)
            cleaned[f"description_{lang}"] = text
    if required and not (cleaned.get("title_fr") or cleaned.get("title_en")):
        errors.add("title_fr", _("Give a title in French or in English (or both)."))
        errors.add("title_en", _("Give a title in French or in English (or both)."))


def clean_url(value: Any, field: str, errors: Errors, *, required: bool) -> str:
    url = clean_text(value, field, errors, 2000)
    if not url:
        if required:
            errors.add(field, _("This field is required."))
        return ""
    try:
        _url(url)
    except DjangoValidationError:
        errors.add(field, _("Enter a valid web address starting with http:// or https://."))
    return url


def clean_extras(value: Any, errors: Errors) -> dict[str, str]:
    if value in (None, ""):
        return {}
    if isinstance(value, list):  # CKAN's [{"key": ..., "value": ...}]
        try:
            value = {item["key"]: item.get("value", "") for item in value}
        except (TypeError, KeyError):
            errors.add("extras", _("Expected a list of {key, value} objects."))
            return {}
    if not isinstance(value, dict):
        errors.add("extras", _("Expected an object of keys and values."))
        return {}
    extras = {}
    for key, item in value.items():
        if not isinstance(key, str) or not key.strip() or len(key) > 100:
            errors.add("extras", _("Each extra needs a key of 1 to 100 characters."))
            continue
        extras[key.strip()] = item if isinstance(item, str) else str(item)
    return extras
