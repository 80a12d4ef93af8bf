"""The shapes every domain's native endpoints share: bilingual text, times, summaries of an
object (id, name, title), pages. Each domain's serializers build on these (catalog's sit in
``ouvert.catalog.api.serializers``).

Bilingual fields are objects ``{"fr": ..., "en": ...}``; times are ISO 8601 in UTC; absent
values are ``null`` or empty strings as the schemas say.
"""

from __future__ import annotations

import datetime as dt

from .registry import API

NAME = {"type": "string", "maxLength": 100}
UUID = {"type": "string", "format": "uuid"}
TIME = {"type": "string", "format": "date-time"}
NULLABLE_TIME = {"type": ["string", "null"], "format": "date-time"}
URL = {"type": "string"}
BILINGUAL = API.schema("Bilingual", {
    "type": "object", "description": "Text in French and in English (empty when not given).",
    "properties": {"fr": {"type": "string"}, "en": {"type": "string"}},
    "required": ["fr", "en"], "additionalProperties": False,
})


def iso_time(value: dt.datetime | None) -> str | None:
    if value is None:
        return None
    return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def bilingual(obj, field: str) -> dict[str, str]:
    return {"fr": getattr(obj, f"{field}_fr", "") or "", "en": getattr(obj, f"{field}_en", "") or ""}


# --- summaries ---------------------------------------------------------------------------

def summary_schema(name: str) -> dict:
    """Register ``name`` as the schema of an object's summary (``summary_data``): id, name and
    bilingual title; returns a reference to it."""
    return API.schema(name, {
        "type": "object",
        "properties": {"id": UUID, "name": NAME, "title": BILINGUAL},
        "required": ["id", "name", "title"], "additionalProperties": False,
    })


#: Organisations are shown in several domains' objects (datasets, challenges).
ORGANISATION_SUMMARY = summary_schema("OrganisationSummary")


def summary_data(obj) -> dict:
    return {"id": str(obj.pk), "name": obj.name, "title": bilingual(obj, "title")}


# --- pages -------------------------------------------------------------------------------

def page_schema(name: str, item: dict, **extra_properties) -> dict:
    return API.schema(name, {
        "type": "object",
        "properties": {
            "count": {"type": "integer", "description": "How many in all (every page)."},
            "next": {"type": ["string", "null"], "description": "The next page's address."},
            "previous": {"type": ["string", "null"], "description": "The previous page's address."},
            "results": {"type": "array", "items": item},
            **extra_properties,
        },
        "required": ["count", "next", "previous", "results", *extra_properties],
        "additionalProperties": False,
    })
