"""Checking request values against the JSON Schemas the operations declare.

Only the part of JSON Schema the declarations use: ``type`` (one or a list), ``enum``,
``minLength``/``maxLength``, ``minimum``/``maximum``, ``pattern``, ``format: date``,
``properties``, ``required``, ``additionalProperties`` (false or a schema), ``items``,
``maxItems`` and ``$ref`` to the registry's schemas. Each problem is reported under the
field's dotted path, so a client knows what is wrong and where. Text never holds NUL
or a lone surrogate (neither can be stored).
"""

from __future__ import annotations

import datetime as dt
import math
import re

from django.utils.translation import gettext as _

from ouvert.core.errors import ValidationFailed

from .registry import API

_TYPES = {
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: (isinstance(v, int) and not isinstance(v, bool))
    or (isinstance(v, float) and math.isfinite(v) and v.is_integer()),
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v),
    "boolean": lambda v: isinstance(v, bool),
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "null": lambda v: v is None,
}


def resolve(schema: dict) -> dict:
    while "$ref" in schema:
        schema = API.schemas[schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def _join(path: str, key) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else str(key)


def check(value, schema: dict, path: str = "") -> dict[str, list[str]]:
    """Problems of ``value`` against ``schema``: {field path: [messages]}, empty if none."""
    problems: dict[str, list[str]] = {}
    _check(value, resolve(schema), path, problems)
    return problems


def _add(problems: dict, path: str, message: str) -> None:
    problems.setdefault(path or "body", []).append(message)


def _check(value, schema: dict, path: str, problems: dict) -> None:
    types = schema.get("type")
    if types is not None:
        types = [types] if isinstance(types, str) else types
        if not any(_TYPES[t](value) for t in types):
            _add(problems, path, _("Expected %(types)s.") % {"types": _(" or ").join(types)})
            return
    if "enum" in schema and value not in schema["enum"]:
        _add(problems, path, _("Expected one of: %(values)s.")
             % {"values": ", ".join("null" if v is None else str(v) for v in schema["enum"])})
        return
    if isinstance(value, str):
        _check_text(value, schema, path, problems)
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        if "minimum" in schema and value < schema["minimum"]:
            _add(problems, path, _("Must be at least %(min)s.") % {"min": schema["minimum"]})
        if "maximum" in schema and value > schema["maximum"]:
            _add(problems, path, _("Must be at most %(max)s.") % {"max": schema["maximum"]})
    elif isinstance(value, dict):
        _check_object(value, schema, path, problems)
    elif isinstance(value, list):
        if "maxItems" in schema and len(value) > schema["maxItems"]:
            _add(problems, path, _("At most %(max)d items.") % {"max": schema["maxItems"]})
            return
        items = schema.get("items")
        if items is not None:
            items = resolve(items)
            for index, item in enumerate(value):
                _check(item, items, _join(path, index), problems)


_SURROGATE = re.compile("[\ud800-\udfff]")


def text_problem(value: str) -> str | None:
    """Why ``value`` cannot be stored as text at all, or None."""
    if "\x00" in value:
        return _("The text contains a NUL character.")
    if _SURROGATE.search(value):  # a lone "\ud800" escape in JSON: no character at all
        return _("The text holds an invalid character (a lone surrogate).")
    return None


def _check_text(value: str, schema: dict, path: str, problems: dict) -> None:
    problem = text_problem(value)
    if problem:
        _add(problems, path, problem)
        return
    if len(value) < schema.get("minLength", 0):
        _add(problems, path, _("This field is required.") if not value else
             _("At least %(min)d characters.") % {"min": schema["minLength"]})
    if "maxLength" in schema and len(value) > schema["maxLength"]:
        _add(problems, path, _("At most %(max)d characters (this has %(length)d).")
             % {"max": schema["maxLength"], "length": len(value)})
    if "pattern" in schema and not re.search(schema["pattern"], value):
        _add(problems, path, _("Not in the expected form."))
    if schema.get("format") == "date":
        try:
            dt.date.fromisoformat(value)
            if len(value) != 10:
                raise ValueError
        except ValueError:
            _add(problems, path, _("Enter a date as YYYY-MM-DD."))


def _check_object(value: dict, schema: dict, path: str, problems: dict) -> None:
    properties = schema.get("properties", {})
    for name in schema.get("required", ()):
        if name not in value:
            _add(problems, _join(path, name), _("This field is required."))
    extra = schema.get("additionalProperties", True)
    if "maxProperties" in schema and len(value) > schema["maxProperties"]:
        _add(problems, path, _("At most %(max)d keys.") % {"max": schema["maxProperties"]})
        return
    for key, item in value.items():
        where = _join(path, key)
        if text_problem(key):
            printable = _SURROGATE.sub("\ufffd", key.replace("\x00", "\\0"))
            _add(problems, _join(path, printable), text_problem(key))
        elif key in properties:
            _check(item, resolve(properties[key]), where, problems)
        elif extra is False:
            _add(problems, where, _("Unknown field."))
        elif isinstance(extra, dict):
            names = schema.get("propertyNames")
            if names is not None:
                _check(key, names, where, problems)
            _check(item, resolve(extra), where, problems)


def renamed(exc: ValidationFailed, names: dict) -> ValidationFailed:
    """The error with the services' field names given as the body names them (``names``:
    the service's name to the body's dotted path)."""
    return ValidationFailed(exc.message, fields={names.get(k, k): v for k, v in exc.fields.items()})
