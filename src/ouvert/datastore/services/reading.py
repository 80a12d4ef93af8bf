"""Reading the served version of a resource's table: CKAN's search and info, SQL over every
readable table, native lookups with pages and aggregates, and streamed exports.

Reads check ``dataset.view`` on the resource's dataset and treat a table the actor may not
read as one that does not exist. Query engine errors become domain errors here: an unknown
table is ``NotFound``, any other refusal (bad parameter, timeout, result too large)
``ValidationFailed`` with CKAN's ``{field: [message]}`` dictionary. Arguments arrive typed:
adapters read them from their requests (``ouvert.datastore.params``).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from django.utils.translation import gettext as _

from ouvert.accounts import permissions
from ouvert.catalog import services as catalog
from ouvert.catalog.models import Resource
from ouvert.catalog.permissions import visible_datasets
from ouvert.core.errors import NotFound, ValidationFailed
from ouvert.core.models import State

from .. import query
from ..models import ColumnInfo, DataTable, TableVersion, VersionStatus
from .storage import local_path

EXPORT_FORMATS = ("csv", "json", "parquet")


def readable_resource(resource_or_id, actor) -> Resource:
    if isinstance(resource_or_id, Resource):
        resource = resource_or_id
        if not permissions.can(actor, "dataset.view", resource.dataset) or resource.dataset.state == State.DELETED:
            raise NotFound(_("Resource not found."))
        return resource
    return catalog.get_resource(str(resource_or_id), actor=actor)


def served_version(resource_or_id, *, actor) -> TableVersion:
    """The version served for this resource, if the actor may read it; else NotFound."""
    if isinstance(resource_or_id, Resource):
        resource = readable_resource(resource_or_id, actor)
        table = DataTable.objects.select_related("active_version").filter(resource=resource).first()
    else:
        try:
            key = uuid.UUID(str(resource_or_id))
        except ValueError:
            raise NotFound(_("Resource not found.")) from None
        # One query for the common case: the table, its version, the resource and its dataset.
        table = (DataTable.objects.select_related("active_version", "resource__dataset")
                 .filter(resource_id=key).first())
        if table is None:
            resource = readable_resource(key, actor)  # says "not found" without telling why
        else:
            resource = readable_resource(table.resource, actor)
    version = table.active_version if table is not None else None
    if version is None or version.status != VersionStatus.READY or not version.parquet:
        raise NotFound(_("This resource has no datastore table."))
    version.resource = resource
    return version


def _tables(version: TableVersion) -> dict[str, str]:
    return {str(version.resource_id): local_path(version.parquet)}


@contextmanager
def query_errors():
    """The query engine's refusals as domain errors."""
    try:
        yield
    except query.QueryError as exc:
        if exc.code == "not_found":
            raise NotFound(exc.message) from None
        raise ValidationFailed(exc.message, fields=exc.as_dict()) from None


def search_rows(resource_id, *, actor, filters: Mapping[str, Any] | None = None,
                q: str | Mapping[str, str] | None = None, full_text: str | None = None,
                distinct: bool | str = False, plain: bool | str = True, language: str | None = None,
                fields: list[str] | str | None = None, sort: str | list[str] | None = None,
                limit: int | str | None = None, offset: int | str | None = None,
                include_total: bool | str = True, total_estimation_threshold: int | None = None,
                records_format: str = "objects", links_base: str | None = None) -> dict:
    """CKAN's ``datastore_search`` on the served version (its parameters, ``full_text`` being
    a row-wide search added to ``q``); ``links_base`` is the request's path and query string,
    from which ``_links`` are built."""
    version = served_version(resource_id, actor=actor)
    with query_errors():
        return query.datastore_search(
            _tables(version), resource_id=str(version.resource_id), filters=filters, q=q,
            full_text_query=full_text, distinct=distinct, plain=plain, language=language,
            fields=fields, sort=sort, limit=limit, offset=offset, include_total=include_total,
            total_estimation_threshold=total_estimation_threshold, records_format=records_format,
            links_base=links_base)


def _schema_with_dictionary(version: TableVersion, language: str | None) -> dict:
    """The version's Table Schema, with the data dictionary's labels and descriptions."""
    from django.utils.translation import get_language

    lang = (language or get_language() or "fr")[:2]
    lang = lang if lang in ("fr", "en") else "fr"
    other = "en" if lang == "fr" else "fr"
    described = {c.name: c for c in ColumnInfo.objects.filter(resource_id=version.resource_id)}
    fields = []
    for field in (version.schema or {}).get("fields", []):
        field = dict(field)
        info = described.get(field.get("name"))
        if info is not None:
            title = getattr(info, f"label_{lang}") or getattr(info, f"label_{other}")
            description = getattr(info, f"description_{lang}") or getattr(info, f"description_{other}")
            if title:
                field["title"] = title
            if description:
                field["description"] = description
            if info.type_override:
                field["type_override"] = info.type_override
        fields.append(field)
    return {**(version.schema or {}), "fields": fields}


def describe_table(resource_id, *, actor, language: str | None = None) -> dict:
    """CKAN's ``datastore_info``: size, fields, types and the data dictionary."""
    version = served_version(resource_id, actor=actor)
    schema = _schema_with_dictionary(version, language)
    with query_errors():
        result = query.datastore_info(_tables(version), resource_id=str(version.resource_id),
                                      table_schema=schema)
    overrides = {f["name"]: f.get("type_override", "") for f in schema.get("fields", [])}
    for field in result["fields"]:
        if "info" in field:
            field["info"]["type_override"] = overrides.get(field["id"], "")
    result["meta"]["version"] = version.number
    return result


def readable_tables(actor) -> dict[str, str]:
    """Table name (resource id) → Parquet path, for every served table the actor may read."""
    visible = visible_datasets(actor)
    rows = (DataTable.objects.filter(active_version__isnull=False,
                                     active_version__status=VersionStatus.READY,
                                     resource__dataset__in=visible)
            .exclude(active_version__parquet="")
            .values_list("resource_id", "active_version__parquet"))
    return {str(rid): local_path(name) for rid, name in rows}


def run_sql(sql, *, actor, records_format: str = "objects") -> dict:
    """CKAN's ``datastore_search_sql``: one sandboxed SELECT over the tables the actor may read."""
    with query_errors():
        return query.datastore_search_sql(readable_tables(actor), sql=sql,
                                          records_format=records_format)


def _columns(tables: dict[str, str], table: str) -> list[str]:
    return [c.name for c in query.default_engine().describe(tables, table).columns]


def query_rows(resource_id, *, actor, lookups: Mapping[str, Any] | None = None,
               fields: Sequence[str] | None = None, sort: Sequence[str] | None = None,
               page: int = 1, page_size: int = 100, group_by: Sequence[str] = (),
               aggregates: Sequence[str] = ()) -> dict:
    """A page of the served version with native lookups, sort, pages and aggregates.

    ``lookups`` maps ``column__operator`` (or a bare column: ``exact``) to a value or a list of
    values; other keys are ignored. ``sort`` items are ``col`` or ``col desc``; ``aggregates``
    are ``count``, ``sum:col``, ``avg:col``... With ``group_by``, a page holds groups.
    """
    version = served_version(resource_id, actor=actor)
    tables = _tables(version)
    with query_errors():
        columns = _columns(tables, str(version.resource_id))
        parsed = [query.parse_aggregate(spec) for spec in aggregates]
        return query.native_search(
            tables, table=str(version.resource_id),
            lookups=query.parse_lookups(lookups or {}, columns=columns),
            fields=list(fields) if fields else None, sort=list(sort) if sort else None,
            page=page, page_size=page_size, group_by=list(group_by), aggregates=parsed)


def export_rows(resource_id, *, actor, fmt: str, bom: bool = False,
                filters: Mapping[str, Any] | None = None, q: str | Mapping[str, str] | None = None,
                lookups: Mapping[str, Any] | None = None, fields: Sequence[str] | None = None,
                sort: Sequence[str] | None = None) -> tuple[Iterator[bytes], str, str]:
    """A streamed export of the served version (whole, or filtered by CKAN ``filters``/``q``
    or native ``lookups`` as in ``query_rows``): (chunks, content type, file name).

    Bad parameters fail here, before the first byte is sent.
    """
    if fmt not in EXPORT_FORMATS:
        raise ValidationFailed(_("Unknown export format."), fields={"format": [_("Use csv, json or parquet.")]})
    version = served_version(resource_id, actor=actor)
    tables = _tables(version)
    rid = str(version.resource_id)
    with query_errors():
        parsed = query.parse_lookups(lookups, columns=_columns(tables, rid)) if lookups else []
        selection = query.export_selection(tables, resource_id=rid, filters=filters, q=q,
                                           lookups=parsed, fields=list(fields) if fields else None,
                                           sort=list(sort) if sort else None)
    if fmt == "csv":
        chunks = query.export_csv(selection, bom=bom)
    elif fmt == "json":
        chunks = query.export_json(selection)
    else:
        chunks = query.export_parquet(selection)
    stem = (version.resource.filename or rid).rsplit(".", 1)[0] or rid
    return chunks, query.CONTENT_TYPES[fmt], f"{stem}.{fmt}"
