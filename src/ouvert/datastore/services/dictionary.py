"""The data dictionary: columns' labels and descriptions in French and English, and the types
publishers choose instead of the detected ones."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from ouvert.accounts import permissions
from ouvert.catalog import services as catalog
from ouvert.catalog.models import Resource
from ouvert.core.errors import ValidationFailed

from ..ingest import FIELD_TYPES
from ..models import ColumnInfo, DataTable, TableVersion
from .ingestion import is_tabular, queue_ingestion
from .reading import readable_resource, served_version

DICTIONARY_FIELDS = ("label_fr", "label_en", "description_fr", "description_en", "type_override")


def read_dictionary(resource: Resource, *, actor) -> list[dict]:
    """The served version's columns with their type and the dictionary's entries."""
    resource = readable_resource(resource, actor)
    version = served_version(resource, actor=actor)
    described = {c.name: c for c in ColumnInfo.objects.filter(resource=resource)}
    out = []
    for column in version.columns or []:
        info = described.get(column["name"])
        out.append({"name": column["name"], "type": column.get("type"),
                    **{f: getattr(info, f) if info else "" for f in DICTIONARY_FIELDS}})
    return out


def update_dictionary(resource: Resource, *, actor, columns: list[dict]) -> list[ColumnInfo]:
    """Label and describe columns in French and English, and override their types.

    Each item has ``name`` and any of ``label_fr``, ``label_en``, ``description_fr``,
    ``description_en``, ``type_override`` (blank, or one of integer, number, boolean, date,
    datetime, string). A changed type override loads the file again.
    """
    permissions.require(actor, "dataset.update", resource.dataset)
    known = {c["name"] for c in _latest_columns(resource)}
    problems: dict[str, list[str]] = {}
    if not isinstance(columns, list):
        raise ValidationFailed(_("Some fields are not valid."), fields={"columns": [_("Expected a list.")]})
    for index, item in enumerate(columns):
        where = f"columns[{index}]"
        if not isinstance(item, dict) or not isinstance(item.get("name"), str):
            problems[where] = [_("Each column needs a name.")]
            continue
        if item["name"] not in known:
            problems[f"{where}.name"] = [_("The table has no column “%(name)s”.") % {"name": item["name"]}]
        for key, value in item.items():
            if key != "name" and key not in DICTIONARY_FIELDS:
                problems[f"{where}.{key}"] = [_("Unknown field.")]
            elif key != "name" and not isinstance(value, str):
                problems[f"{where}.{key}"] = [_("Expected text.")]
        override = item.get("type_override") or ""
        if isinstance(override, str) and override and override not in FIELD_TYPES:
            problems[f"{where}.type_override"] = [
                _("Use one of: %(types)s.") % {"types": ", ".join(FIELD_TYPES)}]
    if problems:
        raise ValidationFailed(_("Some fields are not valid."), fields=problems)
    positions = {c["name"]: i for i, c in enumerate(_latest_columns(resource))}
    overrides_changed = False
    with transaction.atomic():
        for item in columns:
            info, _created = ColumnInfo.objects.get_or_create(
                resource=resource, name=item["name"], defaults={"position": positions.get(item["name"], 0)})
            changes = {}
            for field in DICTIONARY_FIELDS:
                if field in item and getattr(info, field) != (item[field] or ""):
                    changes[field] = (getattr(info, field), item[field] or "")
                    setattr(info, field, item[field] or "")
            if changes:
                overrides_changed |= "type_override" in changes
                info.save()
                catalog.record_activity("datastore.dictionary.updated", actor=actor, obj=resource,
                                        dataset=resource.dataset, organisation=resource.dataset.organisation,
                                        changes={f"{info.name}.{k}": v for k, v in changes.items()})
        if overrides_changed and is_tabular(resource) and (resource.file or resource.url):
            queue_ingestion(resource)
    return list(ColumnInfo.objects.filter(resource=resource))


def _latest_columns(resource) -> list[dict]:
    """The columns of the served version, else of the latest loaded one."""
    table = DataTable.objects.select_related("active_version").filter(resource=resource).first()
    if table is not None and table.active_version is not None:
        return table.active_version.columns or []
    latest = (TableVersion.objects.filter(resource=resource).exclude(columns=[])
              .order_by("-number").first())
    return latest.columns if latest else []

