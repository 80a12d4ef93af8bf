"""Catalog objects in the native API's shape, each serializer next to the schema it follows
(the shared shapes, bilingual text and summaries, are the API toolkit's).

Bilingual fields are objects ``{"fr": ..., "en": ...}``; times are ISO 8601 in UTC; absent
values are ``null`` or empty strings as the schemas say.
"""

from __future__ import annotations

from django.conf import settings
from django.db.models import Prefetch

from ouvert.accounts.models import Organisation
from ouvert.api.v1.registry import API
from ouvert.api.v1.serializers import (
    BILINGUAL,
    NAME,
    NULLABLE_TIME,
    ORGANISATION_SUMMARY,
    TIME,
    URL,
    UUID,
    bilingual,
    iso_time,
    summary_data,
    summary_schema,
)
from ouvert.catalog.models import Dataset, Frequency, Licence, Resource, Theme
from ouvert.core.models import Activity, State

EXTRAS = {"type": "object", "additionalProperties": {"type": "string"}}


def _absolute(url: str) -> str:
    return settings.SITE_URL + url if url.startswith("/") else url


def _web(obj) -> str:
    return settings.SITE_URL + obj.get_absolute_url()


# --- licences ----------------------------------------------------------------------------

LICENCE = API.schema("Licence", {
    "type": "object",
    "properties": {"id": {"type": "string"}, "title": BILINGUAL, "url": URL, "is_open": {"type": "boolean"}},
    "required": ["id", "title", "url", "is_open"], "additionalProperties": False,
})


def licence_data(licence: Licence) -> dict:
    return {"id": licence.pk, "title": bilingual(licence, "title"), "url": licence.url, "is_open": licence.is_open}


# --- organisations and themes ----------------------------------------------------------

ORGANISATION = API.schema("Organisation", {
    "type": "object",
    "properties": {
        "id": UUID, "name": NAME, "title": BILINGUAL, "description": BILINGUAL, "website": URL,
        "email": {"type": "string"}, "image_url": URL,
        "logo_url": {**URL, "description": "The logo: the uploaded image, else `image_url` (empty if none)."},
        "dataset_count": {"type": "integer", "description": "Published datasets the caller may see."},
        "created": TIME, "modified": TIME, "web_url": URL,
    },
    "required": ["id", "name", "title", "description", "website", "email", "image_url", "logo_url", "dataset_count",
                 "created", "modified", "web_url"],
    "additionalProperties": False,
})
THEME_SUMMARY = summary_schema("ThemeSummary")
THEME = API.schema("Theme", {
    "type": "object",
    "properties": {
        "id": UUID, "name": NAME, "title": BILINGUAL, "description": BILINGUAL, "image_url": URL,
        "dataset_count": {"type": "integer", "description": "Published datasets the caller may see."},
        "created": TIME, "modified": TIME, "web_url": URL,
    },
    "required": ["id", "name", "title", "description", "image_url", "dataset_count", "created", "modified",
                 "web_url"],
    "additionalProperties": False,
})


def organisation_data(organisation: Organisation, dataset_count: int) -> dict:
    return {
        **summary_data(organisation), "description": bilingual(organisation, "description"),
        "website": organisation.website, "email": organisation.email, "image_url": organisation.image_url,
        "logo_url": _absolute(organisation.logo_url), "dataset_count": dataset_count,
        "created": iso_time(organisation.created), "modified": iso_time(organisation.modified),
        "web_url": _web(organisation),
    }


def theme_data(theme: Theme, dataset_count: int) -> dict:
    return {
        **summary_data(theme), "description": bilingual(theme, "description"), "image_url": theme.image_url,
        "dataset_count": dataset_count, "created": iso_time(theme.created), "modified": iso_time(theme.modified),
        "web_url": _web(theme),
    }


# --- resources ---------------------------------------------------------------------------

RESOURCE = API.schema("Resource", {
    "type": "object",
    "properties": {
        "id": UUID, "dataset_id": UUID, "title": BILINGUAL, "description": BILINGUAL,
        "kind": {"type": "string", "enum": list(Resource.Kind.values)},
        "url": {"type": "string", "description": "The download address of a file, or the link."},
        "filename": {"type": "string"}, "format": {"type": "string"}, "media_type": {"type": "string"},
        "size": {"type": ["integer", "null"]}, "sha256": {"type": "string"},
        "position": {"type": "integer"}, "extras": EXTRAS, "created": TIME, "modified": TIME,
    },
    "required": ["id", "dataset_id", "title", "description", "kind", "url", "filename", "format", "media_type",
                 "size", "sha256", "position", "extras", "created", "modified"],
    "additionalProperties": False,
})


def resource_data(resource: Resource, dataset: Dataset | None = None) -> dict:
    dataset = dataset or resource.dataset
    url = resource.url
    if resource.kind == Resource.Kind.UPLOAD:
        url = settings.SITE_URL + resource.download_path()
    return {
        "id": str(resource.pk), "dataset_id": str(dataset.pk), "title": bilingual(resource, "title"),
        "description": bilingual(resource, "description"), "kind": resource.kind, "url": url,
        "filename": resource.filename, "format": resource.format, "media_type": resource.media_type,
        "size": resource.size, "sha256": resource.sha256, "position": resource.position,
        "extras": {str(k): str(v) for k, v in (resource.extras or {}).items()},
        "created": iso_time(resource.created), "modified": iso_time(resource.modified),
    }


# --- datasets ----------------------------------------------------------------------------

DATASET = API.schema("Dataset", {
    "type": "object",
    "properties": {
        "id": UUID, "name": NAME, "title": BILINGUAL, "description": BILINGUAL,
        "organisation": ORGANISATION_SUMMARY,
        "licence": {"anyOf": [LICENCE, {"type": "null"}]},
        "state": {"type": "string", "enum": list(State.values)},
        "private": {"type": "boolean"},
        "tags": {"type": "array", "items": {"type": "string"}, "description": "Keywords shared by both languages."},
        "keywords": {"type": "object", "description": "Keywords in one language.",
                     "properties": {"fr": {"type": "array", "items": {"type": "string"}},
                                    "en": {"type": "array", "items": {"type": "string"}}},
                     "required": ["fr", "en"], "additionalProperties": False},
        "themes": {"type": "array", "items": THEME_SUMMARY},
        "frequency": {"type": "string", "enum": list(Frequency.values)},
        "temporal_start": {"type": ["string", "null"], "format": "date"},
        "temporal_end": {"type": ["string", "null"], "format": "date"},
        "spatial": {"type": "string"}, "contact_name": {"type": "string"}, "contact_email": {"type": "string"},
        "source_url": URL, "version": {"type": "string"}, "extras": EXTRAS,
        "resources": {"type": "array", "items": RESOURCE},
        "created": TIME, "modified": TIME, "published": NULLABLE_TIME, "web_url": URL,
    },
    "required": ["id", "name", "title", "description", "organisation", "licence", "state", "private", "tags",
                 "keywords", "themes", "frequency", "temporal_start", "temporal_end", "spatial", "contact_name",
                 "contact_email", "source_url", "version", "extras", "resources", "created", "modified",
                 "published", "web_url"],
    "additionalProperties": False,
})


def dataset_data(dataset: Dataset) -> dict:
    """One dataset with its resources; prefetch ``tags``, ``themes`` and ``resources`` for lists."""
    tags = list(dataset.tags.all())
    return {
        "id": str(dataset.pk), "name": dataset.name, "title": bilingual(dataset, "title"),
        "description": bilingual(dataset, "description"), "organisation": summary_data(dataset.organisation),
        "licence": licence_data(dataset.licence) if dataset.licence else None,
        "state": dataset.state, "private": dataset.private,
        "tags": sorted(t.name for t in tags if not t.language),
        "keywords": {lang: sorted(t.name for t in tags if t.language == lang) for lang in ("fr", "en")},
        "themes": [summary_data(t) for t in dataset.themes.all()],
        "frequency": dataset.frequency,
        "temporal_start": dataset.temporal_start.isoformat() if dataset.temporal_start else None,
        "temporal_end": dataset.temporal_end.isoformat() if dataset.temporal_end else None,
        "spatial": dataset.spatial, "contact_name": dataset.contact_name, "contact_email": dataset.contact_email,
        "source_url": dataset.source_url, "version": dataset.version,
        "extras": {str(k): str(v) for k, v in (dataset.extras or {}).items()},
        "resources": [resource_data(r, dataset) for r in dataset.resources.all()],
        "created": iso_time(dataset.created), "modified": iso_time(dataset.modified), "published": iso_time(dataset.published),
        "web_url": _web(dataset),
    }


def datasets_data(datasets) -> list[dict]:
    """Datasets (instances or ids) in their order, in a fixed number of queries."""
    ids = [getattr(d, "pk", d) for d in datasets]
    found = (Dataset.objects.filter(pk__in=ids).select_related("organisation", "licence")
             .prefetch_related("tags", "themes", Prefetch("resources", Resource.objects.order_by("position", "created")))
             .in_bulk())
    return [dataset_data(found[pk]) for pk in ids if pk in found]


# --- history ----------------------------------------------------------------------------

ACTIVITY = API.schema("Activity", {
    "type": "object",
    "properties": {
        "id": {"type": "integer"}, "key": {"type": "string", "description": "What happened, e.g. catalog.dataset.published."},
        "created": TIME, "actor": {"type": ["string", "null"], "description": "The user name of who did it."},
        "object_type": {"type": "string"}, "object_id": {"type": "string"}, "object_name": {"type": "string"},
        "changes": {"type": "object", "description": "Each changed field: [before, after]."},
    },
    "required": ["id", "key", "created", "actor", "object_type", "object_id", "object_name", "changes"],
    "additionalProperties": False,
})


def activity_data(activity: Activity) -> dict:
    return {
        "id": activity.pk, "key": activity.key, "created": iso_time(activity.created),
        "actor": activity.actor.username if activity.actor_id and activity.actor else None,
        "object_type": activity.object_type, "object_id": activity.object_id, "object_name": activity.object_name,
        "changes": activity.changes if isinstance(activity.changes, dict) else {},
    }
