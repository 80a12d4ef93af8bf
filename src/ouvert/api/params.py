"""Reading action parameters, which arrive as JSON values or as strings (query, form).

Each reader raises ``ValidationFailed`` naming the parameter, so a wrong type is a
Validation Error, never a crash.
"""

from __future__ import annotations

import json

from django.utils.translation import gettext as _

from ouvert.core.errors import ValidationFailed

TRUE = {"true", "1", "yes", "on"}
FALSE = {"false", "0", "no", "off", ""}


def invalid(field: str, message: str) -> ValidationFailed:
    return ValidationFailed(_("Some parameters are not valid."), fields={field: [message]})


def text(params: dict, key: str, default: str | None = None, *, required: bool = False) -> str | None:
    value = params.get(key)
    if value is None or value == "":
        if required:
            raise invalid(key, _("Missing value"))
        return default
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    if not isinstance(value, str):
        raise invalid(key, _("Expected text."))
    return value


def boolean(params: dict, key: str, default: bool = False) -> bool:
    value = params.get(key)
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in TRUE | FALSE:
        return value.strip().lower() in TRUE
    if isinstance(value, int):
        return bool(value)
    raise invalid(key, _("Expected true or false."))


def integer(params: dict, key: str, default: int | None, *, minimum: int | None = 0,
            maximum: int | None = None) -> int | None:
    value = params.get(key)
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        raise invalid(key, _("Expected a whole number."))
    try:
        number = int(value) if not isinstance(value, float) or value.is_integer() else None
    except (TypeError, ValueError):
        number = None
    if number is None:
        raise invalid(key, _("Expected a whole number."))
    if minimum is not None and number < minimum:
        raise invalid(key, _("Must be at least %(min)d.") % {"min": minimum})
    if maximum is not None and number > maximum:
        raise invalid(key, _("Must be less than or equal to %(max)d.") % {"max": maximum})
    return number


def string_list(params: dict, key: str) -> list[str]:
    """A list of strings given as a JSON list, a JSON-encoded string of one, or a single string."""
    value = params.get(key)
    if value in (None, ""):
        return []
    if isinstance(value, str):
        stripped = value.strip()
        if stripped.startswith("["):
            try:
                value = json.loads(stripped)
            except ValueError:
                raise invalid(key, _("Expected a JSON list of strings.")) from None
        else:
            return [stripped]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise invalid(key, _("Expected a list of strings."))
    return value


def identifier(params: dict, key: str = "id", *, alternatives: tuple[str, ...] = ()) -> str:
    """The id or name of the object an action works on (``id`` or one of ``alternatives``)."""
    for name in (key, *alternatives):
        value = text(params, name)
        if value:
            return value
    raise invalid(key, _("Missing value"))
