"""Validation of catalog input, shared by the web forms, both APIs and the importers.

Each ``clean_*`` function takes a plain dict and returns a cleaned dict, or raises
``ValidationFailed`` whose ``fields`` say what is wrong with each field.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import EmailValidator
from django.utils.translation import gettext as _

from ouvert.core.validation import (
    Errors,
    clean_extras,
    clean_name,
    clean_titles,
    clean_url,
    max_length,
)
from ouvert.core.validation import clean_text as _text
from ouvert.core.validation import reject_unknown as _unknown

from .models import Dataset, Frequency, Licence, Resource, Theme

_email = EmailValidator()

DATASET_FIELDS = {
    "name", "title_fr", "title_en", "description_fr", "description_en", "licence", "frequency",
    "temporal_start", "temporal_end", "spatial", "contact_name", "contact_email", "source_url",
    "version", "private", "extras", "tags_fr", "tags_en", "tags", "themes",
}
RESOURCE_FIELDS = {"title_fr", "title_en", "description_fr", "description_en", "url", "format", "position", "extras"}
THEME_FIELDS = {"name", "title_fr", "title_en", "description_fr", "description_en", "image_url"}


def _date(value: Any, field: str, errors: Errors) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        errors.add(field, _("Enter a date as YYYY-MM-DD."))
        return None


def _bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in {"1", "true", "on", "yes", "oui", "vrai"}


def _tags(value: Any, field: str, errors: Errors) -> list[str]:
    if value in (None, ""):
        return []
    if isinstance(value, str):
        value = [t for t in value.replace(";", ",").split(",")]
    if not isinstance(value, (list, tuple)):
        errors.add(field, _("Expected a list of keywords."))
        return []
    tags: list[str] = []
    for item in value:
        if isinstance(item, dict):
            item = item.get("name", "")
        if not isinstance(item, str):
            errors.add(field, _("Each keyword must be text."))
            continue
        tag = " ".join(item.split())
        if not tag:
            continue
        if len(tag) > 100:
            errors.add(field, _("Keyword “%(tag)s…” is longer than 100 characters.") % {"tag": tag[:20]})
            continue
        if tag not in tags:
            tags.append(tag)
    return tags


def clean_dataset(data: dict, *, partial: bool = False) -> dict:
    """Check dataset input; ``partial`` leaves missing fields alone (updates)."""
    errors = Errors()
    _unknown(data, DATASET_FIELDS, errors)
    cleaned: dict[str, Any] = {}
    if "name" in data or not partial:
        cleaned["name"] = clean_name(data.get("name"), errors)
    clean_titles(data, errors, cleaned, required=not partial, model=Dataset)
    if "licence" in data:
        licence_id = _text(data["licence"], "licence", errors)
        if licence_id:
            licence = Licence.objects.filter(pk=licence_id).first()
            if licence is None:
                errors.add("licence", _("Unknown licence “%(id)s”.") % {"id": licence_id})
            cleaned["licence"] = licence
        else:
            cleaned["licence"] = None
    if "frequency" in data:
        frequency = _text(data["frequency"], "frequency", errors) or Frequency.UNKNOWN
        if frequency not in Frequency.values:
            errors.add("frequency", _("Choose one of: %(choices)s.") % {"choices": ", ".join(Frequency.values)})
        cleaned["frequency"] = frequency
    for field in ("temporal_start", "temporal_end"):
        if field in data:
            cleaned[field] = _date(data[field], field, errors)
    if cleaned.get("temporal_start") and cleaned.get("temporal_end") and cleaned["temporal_start"] > cleaned["temporal_end"]:
        errors.add("temporal_end", _("The end of the coverage comes before its start."))
    for field in ("spatial", "contact_name", "version"):
        if field in data:
            cleaned[field] = _text(data[field], field, errors, max_length(Dataset, field))
    if "contact_email" in data:
        email = _text(data["contact_email"], "contact_email", errors, max_length(Dataset, "contact_email"))
        if email:
            try:
                _email(email)
            except DjangoValidationError:
                errors.add("contact_email", _("Enter a valid e-mail address."))
        cleaned["contact_email"] = email
    if "source_url" in data:
        cleaned["source_url"] = clean_url(data["source_url"], "source_url", errors, required=False)
    if "private" in data:
        cleaned["private"] = _bool(data["private"])
    if "extras" in data:
        cleaned["extras"] = clean_extras(data["extras"], errors)
    for field in ("tags_fr", "tags_en", "tags"):
        if field in data:
            cleaned[field] = _tags(data[field], field, errors)
    if "themes" in data:
        names = _tags(data["themes"], "themes", errors)
        themes = list(Theme.objects.filter(name__in=names))
        missing = sorted(set(names) - {t.name for t in themes})
        if missing:
            errors.add("themes", _("Unknown themes: %(names)s.") % {"names": ", ".join(missing)})
        cleaned["themes"] = themes
    errors.raise_if_any()
    return cleaned


def clean_resource(data: dict, *, partial: bool = False, has_file: bool = False) -> dict:
    errors = Errors()
    _unknown(data, RESOURCE_FIELDS, errors)
    cleaned: dict[str, Any] = {}
    clean_titles(data, errors, cleaned, required=False, model=Resource)
    if "url" in data:
        cleaned["url"] = clean_url(data["url"], "url", errors, required=False)
    if not partial and not has_file and not cleaned.get("url"):
        errors.add("url", _("Upload a file or give a link."))
        errors.add("file", _("Upload a file or give a link."))
    if "format" in data:
        cleaned["format"] = _text(data["format"], "format", errors, 50).upper()
    if "position" in data:
        try:
            cleaned["position"] = max(0, int(data["position"]))
        except (TypeError, ValueError):
            errors.add("position", _("Expected a whole number."))
    if "extras" in data:
        cleaned["extras"] = clean_extras(data["extras"], errors)
    errors.raise_if_any()
    return cleaned


def clean_theme(data: dict, *, partial: bool = False) -> dict:
    errors = Errors()
    _unknown(data, THEME_FIELDS, errors)
    cleaned: dict[str, Any] = {}
    if "name" in data or not partial:
        cleaned["name"] = clean_name(data.get("name"), errors)
    clean_titles(data, errors, cleaned, required=not partial, model=Theme)
    if "image_url" in data:
        cleaned["image_url"] = clean_url(data["image_url"], "image_url", errors, required=False)
    errors.raise_if_any()
    return cleaned
