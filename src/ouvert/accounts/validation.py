"""Validation of organisation input, shared by the web forms, both APIs, the command line and
the importers (see ``ouvert.core.validation``)."""

from __future__ import annotations

import warnings
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import EmailValidator
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from PIL import Image

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


def clean_logo(upload, errors: Errors, field: str = "logo") -> tuple[str, str] | None:
    """Check that ``upload`` is a PNG, JPEG or WebP image within the size limits, reading its
    content (never the name or the type the client claims); returns its media type and file
    extension, or None after adding an error."""
    size = getattr(upload, "size", None) or 0
    if size == 0:
        errors.add(field, _("The file is empty."))
        return None
    if size > Organisation.LOGO_MAX_BYTES:
        errors.add(field, _("The image is %(size)s; the limit is %(limit)s.")
                   % {"size": filesizeformat(size), "limit": filesizeformat(Organisation.LOGO_MAX_BYTES)})
        return None
    try:
        upload.seek(0)
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(upload, formats=list(Organisation.LOGO_FORMATS)) as image:
                too_large = max(image.size) > Organisation.LOGO_MAX_SIDE
                image.verify()
                found = image.format
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError, Image.DecompressionBombWarning):
        errors.add(field, _("The file is not a PNG, JPEG or WebP image."))
        return None
    finally:
        upload.seek(0)
    if too_large:
        errors.add(field, _("The image is too large: at most %(side)d pixels on each side.")
                   % {"side": Organisation.LOGO_MAX_SIDE})
        return None
    return Organisation.LOGO_FORMATS[found]
