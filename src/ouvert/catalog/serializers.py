"""Catalog objects as plain dicts, in the shape of CKAN's package dicts.

The dataset page's JSON and the CKAN-compatible API share these, so both say the same thing.
Bilingual fields follow the ckanext-fluent convention (``title_translated``), with ``title``
and ``notes`` in the requested language.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.db.models import prefetch_related_objects
from django.utils import timezone

from ouvert.accounts.models import Organisation
from ouvert.core.i18n import pick

from .models import Dataset, Licence, Resource, Theme


def ckan_time(value: dt.datetime | None) -> str | None:
    """CKAN's timestamp format: naive UTC with microseconds."""
    if value is None:
        return None
    if value.tzinfo is dt.UTC:  # what the database gives back: the cheap path
        value = value.replace(tzinfo=None)
    elif timezone.is_aware(value):
        value = value.astimezone(dt.UTC).replace(tzinfo=None)
    return value.isoformat(timespec="microseconds")


def _translated(obj, field: str) -> dict[str, str]:
    return {lang: getattr(obj, f"{field}_{lang}", "") or "" for lang in ("fr", "en")}


def organisation_dict(organisation: Organisation, language: str) -> dict:
    return {
        "id": str(organisation.pk),
        "name": organisation.name,
        "title": pick(organisation, "title", language).value,
        "title_translated": _translated(organisation, "title"),
        "description": pick(organisation, "description", language).value,
        "description_translated": _translated(organisation, "description"),
        "image_url": organisation.image_url,
        # As CKAN does: where to show the logo from, an uploaded one included.
        "image_display_url": (settings.SITE_URL + organisation.logo_url if organisation.logo_url.startswith("/")
                              else organisation.logo_url),
        "created": ckan_time(organisation.created),
        "is_organization": True,
        "type": "organization",
        "state": organisation.state,
        "approval_status": "approved",
    }


def theme_dict(theme: Theme, language: str) -> dict:
    return {
        "id": str(theme.pk),
        "name": theme.name,
        "title": pick(theme, "title", language).value,
        "title_translated": _translated(theme, "title"),
        "description": pick(theme, "description", language).value,
        "display_name": pick(theme, "title", language).value or theme.name,
        "image_display_url": theme.image_url,
    }


def licence_dict(licence: Licence, language: str) -> dict:
    return {
        "id": licence.pk,
        "title": pick(licence, "title", language).value,
        "url": licence.url,
        "od_conformance": "approved" if licence.is_open else "not reviewed",
        "is_okd_compliant": licence.is_open,
    }


def datastore_active(resource: Resource) -> bool:
    """Whether the datastore serves a table for this resource. Free when ``datatable`` was
    prefetched (``dataset_dict`` does so for all of a dataset's resources in one query)."""
    try:
        return resource.datatable.active_version_id is not None
    except (ObjectDoesNotExist, AttributeError):  # no table, or no datastore app
        return False


def resource_dict(resource: Resource, language: str, dataset: Dataset | None = None) -> dict:
    dataset = dataset or resource.dataset
    url = resource.url
    if resource.kind == Resource.Kind.UPLOAD:
        url = settings.SITE_URL + resource.download_path()
    return {
        "id": str(resource.pk),
        "package_id": str(dataset.pk),
        "name": pick(resource, "title", language).value or resource.filename,
        "name_translated": _translated(resource, "title"),
        "description": pick(resource, "description", language).value,
        "description_translated": _translated(resource, "description"),
        "url": url,
        "url_type": "upload" if resource.kind == Resource.Kind.UPLOAD else None,
        "format": resource.format,
        "mimetype": resource.media_type or None,
        "size": resource.size,
        "hash": f"sha256:{resource.sha256}" if resource.sha256 else "",
        "position": resource.position,
        "created": ckan_time(resource.created),
        "last_modified": ckan_time(resource.modified),
        "metadata_modified": ckan_time(resource.modified),
        "state": "active",
        **{k: v for k, v in resource.extras.items() if k not in {"id", "package_id", "url"}},
        "datastore_active": datastore_active(resource),
    }


def dataset_dict(dataset: Dataset, language: str) -> dict:
    """The dataset with its resources, organisation, tags and themes, as CKAN's package_show gives it."""
    licence = dataset.licence
    tags = list(dataset.tags.all())
    resources = list(dataset.resources.all())
    if hasattr(Resource, "datatable"):
        prefetch_related_objects(resources, "datatable")
    return {
        "id": str(dataset.pk),
        "name": dataset.name,
        "type": "dataset",
        "title": pick(dataset, "title", language).value,
        "title_translated": _translated(dataset, "title"),
        "notes": pick(dataset, "description", language).value,
        "notes_translated": _translated(dataset, "description"),
        "owner_org": str(dataset.organisation_id),
        "organization": organisation_dict(dataset.organisation, language),
        "private": dataset.private,
        "state": dataset.state,
        "license_id": licence.pk if licence else None,
        "license_title": pick(licence, "title", language).value if licence else None,
        "license_url": licence.url if licence else None,
        "isopen": bool(licence and licence.is_open),
        "maintainer": dataset.contact_name or None,
        "maintainer_email": dataset.contact_email or None,
        "author": None,
        "author_email": None,
        "url": dataset.source_url or None,
        "version": dataset.version or None,
        "frequency": dataset.frequency,
        "temporal_start": dataset.temporal_start.isoformat() if dataset.temporal_start else None,
        "temporal_end": dataset.temporal_end.isoformat() if dataset.temporal_end else None,
        "spatial": dataset.spatial or None,
        "metadata_created": ckan_time(dataset.created),
        "metadata_modified": ckan_time(dataset.modified),
        "tags": [{"name": t.name, "display_name": t.name, "language": t.language or None, "vocabulary_id": None, "state": "active"} for t in tags],
        "keywords": {lang: [t.name for t in tags if t.language == lang] for lang in ("fr", "en")},
        "groups": [theme_dict(t, language) for t in dataset.themes.all()],
        "resources": [resource_dict(r, language, dataset) for r in resources],
        "num_resources": len(resources),
        "num_tags": len(tags),
        "extras": [{"key": k, "value": v} for k, v in sorted(dataset.extras.items())],
    }
