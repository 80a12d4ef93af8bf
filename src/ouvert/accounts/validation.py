"""Validation of organisation input, shared by the web forms, both APIs, the command line and
the importers (see ``ouvert.core.validation``)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import EmailValidator
from django.utils.translation import gettext as _

from ouvert.core.validation import (
    Errors,
    clean_extras,
    clean_name,
    clean_text,
    clean_titles,
    clean_url,
    reject_unknown,
)

from .models import Organisation

ORGANISATION_FIELDS = {"name", "title_fr", "title_en", "description_fr", "description_en", "website", "email", "image_url", "extras"}

_email = EmailValidator()


def clean_organisation(data: dict, *, partial: bool = False) -> dict:
    """Check organisation input; ``partial`` leaves missing fields alone (updates)."""
    errors = Errors()
    reject_unknown(data, ORGANISATION_FIELDS, errors)
    cleaned: dict[str, Any] = {}
    if "name" in data or not partial:
        cleaned["name"] = clean_name(data.get("name"), errors)
    clean_titles(data, errors, cleaned, required=not partial, model=Organisation)
    for field in ("website", "image_url"):
        if field in data:
            cleaned[field] = clean_url(data[field], field, errors, required=False)
    if "email" in data:
        email = clean_text(data["email"], "email", errors, 254)
        if email:
            try:
                _email(email)
            except DjangoValidationError:
                errors.add("email", _("Enter a valid e-mail address."))
        cleaned["email"] = email
    if "extras" in data:
        cleaned["extras"] = clean_extras(data["extras"], errors)
    errors.raise_if_any()
    return cleaned
