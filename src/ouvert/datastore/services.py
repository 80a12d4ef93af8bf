"""The datastore's operations: load resources into table versions, publish them, query them.

Every caller (HTML views, the CKAN-compatible actions, the native API, commands, tasks) goes
through these functions. Reads check ``dataset.view`` on the resource's dataset and treat a
table the actor may not read as one that does not exist; writes check ``dataset.update``.
Query engine errors become domain errors here: an unknown table is ``NotFound``, any other
refusal (bad parameter, timeout, result too large) ``ValidationFailed`` with CKAN's
``{field: [message]}`` dictionary.

Tables are Parquet files in the default storage, which must be on the local filesystem:
DuckDB reads them by path (``default_storage.path()``). An object store (S3) would need a
local cache of the active versions in front of it.
"""

from __future__ import annotations

import codecs
import logging
import os
import shutil
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit

from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from ouvert.accounts import permissions
from ouvert.catalog import services as catalog
from ouvert.catalog.models import Resource, State
from ouvert.core.errors import NotFound, ValidationFailed
from ouvert.core.models import Task, TaskStatus

from . import query, signals
from .ingest import FIELD_TYPES
from .models import ColumnInfo, DataTable, TableVersion, VersionOrigin, VersionStatus
from .query.sqltext import ckan_type, coerce_value, quote_ident, quote_literal

logger = logging.getLogger("ouvert.datastore")

TASK_NAME = "datastore.ingest"
TABULAR_FORMATS = frozenset({"CSV", "TSV", "TXT", "PSV", "XLSX", "XLS", "ODS", "JSON", "PARQUET"})
TABULAR_EXTENSIONS = frozenset({"csv", "tsv", "txt", "psv", "xlsx", "xls", "ods", "json", "parquet"})
DELIMITERS = (",", ";", "\t", "|")
EXPORT_FORMATS = ("csv", "json", "parquet")
SEARCH_PARAMS = frozenset({"filters", "q", "full_text", "distinct", "plain", "language", "fields",
                           "sort", "limit", "offset", "include_total", "total_estimation_threshold",
                           "records_format"})
NATIVE_RESERVED = frozenset({"sort", "page", "page_size", "group_by", "aggregate", "fields",
                             "include_total", "bom", "lang", "format"})


# --- storage -------------------------------------------------------------------------------

def table_dir(resource_id) -> str:
    """The storage-relative directory of a resource's table versions."""
    return f"datastore/{resource_id}"


def version_name(resource_id, number: int) -> str:
    return f"{table_dir(resource_id)}/v{number}.parquet"


def local_path(name: str) -> str:
    """The absolute path of a storage name (the storage must be local; see the module doc)."""
    return default_storage.path(name)


def remove_files(resource_id) -> None:
    """Delete every file of a resource's tables (the resource is gone)."""
    shutil.rmtree(local_path(table_dir(resource_id)), ignore_errors=True)


# --- what gets loaded ----------------------------------------------------------------------

def is_tabular(resource: Resource) -> bool:
    """Whether the datastore loads this resource: by its format, or its file's extension."""
    if (resource.format or "").strip().upper() in TABULAR_FORMATS:
        return True
    name = resource.filename or urlsplit(resource.url or "").path
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    return extension in TABULAR_EXTENSIONS


def _type_overrides(resource) -> dict[str, str]:
    return dict(ColumnInfo.objects.filter(resource=resource).exclude(type_override="")
                .values_list("name", "type_override"))


def _latest_options(resource) -> dict:
    latest = (TableVersion.objects.filter(resource=resource, origin=VersionOrigin.FILE)
              .order_by("-number").values_list("options", flat=True).first())
    return {k: v for k, v in (latest or {}).items() if k in ("encoding", "delimiter", "header_row")}


def _next_number(resource) -> int:
    highest = TableVersion.objects.filter(resource=resource).aggregate(m=Max("number"))["m"]
    return (highest or 0) + 1


def _lock_table(resource) -> DataTable:
    """The resource's DataTable row, locked for this transaction (versions are numbered and
    published under it, one writer at a time)."""
    DataTable.objects.get_or_create(resource=resource)
    return DataTable.objects.select_for_update().get(resource=resource)


def queue_ingestion(resource: Resource, *, options: dict | None = None) -> TableVersion:
    """A new queued version of ``resource`` and the task that will load it (no permission
    check: for callers that already made it, such as the catalog's signal)."""
    from ouvert.core.tasks import enqueue

    merged = _latest_options(resource)
    merged.update(options or {})
    with transaction.atomic():
        _lock_table(resource)
        version = TableVersion.objects.create(
            resource=resource, number=_next_number(resource), options=merged,
            source_sha256=resource.sha256 or "")
        # One queued task per resource: it loads the newest queued version when it runs.
        task = enqueue(TASK_NAME, key=str(resource.pk), resource_id=str(resource.pk))
        TableVersion.objects.filter(pk=version.pk).update(task=task)
        version.task = task
    return version


def request_ingestion(resource: Resource, *, actor, options: dict | None = None) -> TableVersion:
    """Load ``resource``'s file (again) into a new table version, in the background.

    ``options`` are publisher overrides (``encoding``, ``delimiter``, ``header_row``); the
    previous ones are kept otherwise. Type overrides come from the data dictionary.
    """
    permissions.require(actor, "dataset.update", resource.dataset)
    if not is_tabular(resource):
        raise ValidationFailed(_("This resource is not a table the datastore can load."),
                               fields={"resource_id": [_("Not a tabular format.")]})
    with transaction.atomic():
        version = queue_ingestion(resource, options=options)
        catalog.record_activity("datastore.ingestion.requested", actor=actor, obj=resource,
                                dataset=resource.dataset, organisation=resource.dataset.organisation,
                                changes={"options": (None, version.options)} if options else None)
    return version


def set_ingestion_options(resource: Resource, *, actor, encoding: str | None = None,
                          delimiter: str | None = None, header_row: int | None = None) -> TableVersion:
    """Set the publisher's reading options (None: detect) and load the file again."""
    problems: dict[str, list[str]] = {}
    if encoding:
        try:
            encoding = codecs.lookup(encoding).name
        except LookupError:
            problems["encoding"] = [_("Unknown encoding “%(name)s”.") % {"name": encoding}]
    if delimiter and delimiter not in DELIMITERS:
        problems["delimiter"] = [_("The delimiter must be a comma, a semicolon, a tab or a vertical bar.")]
    if header_row is not None and (not isinstance(header_row, int) or isinstance(header_row, bool)
                                   or header_row < 0):
        problems["header_row"] = [_("The header row is a line number (0: the file has no header).")]
    if problems:
        raise ValidationFailed(_("Some options are not valid."), fields=problems)
    options = {"encoding": encoding or None, "delimiter": delimiter or None, "header_row": header_row}
    return request_ingestion(resource, actor=actor, options=options)


# --- the ingestion's life cycle (called by the task) ---------------------------------------

def claim_version(resource: Resource, *, task_id: int | None) -> TableVersion | None:
    """The version the running task must load: the newest pending one (older pending versions
    are superseded by it), now running."""
    with transaction.atomic():
        _lock_table(resource)
        pending = list(TableVersion.objects.select_for_update().filter(
            resource=resource, origin=VersionOrigin.FILE,
            status__in=(VersionStatus.QUEUED, VersionStatus.RUNNING)).order_by("-number"))
        if not pending:
            return None
        version, older = pending[0], pending[1:]
        if older:
            TableVersion.objects.filter(pk__in=[v.pk for v in older]).update(
                status=VersionStatus.SUPERSEDED, finished=timezone.now(),
                error=_("Replaced by version %(number)d.") % {"number": version.number})
        version.status = VersionStatus.RUNNING
        version.task_id = task_id or version.task_id
        version.options = {**version.options, "column_types": _type_overrides(resource)}
        version.save(update_fields=["status", "task", "options"])
    return version


def record_progress(version_id: int, progress: dict) -> None:
    TableVersion.objects.filter(pk=version_id, status=VersionStatus.RUNNING).update(progress=progress)


def publish_version(version: TableVersion, *, name: str, result=None, extra: dict | None = None) -> bool:
    """Serve ``version``, whose complete Parquet file is at storage ``name``: in one
    transaction it becomes ready and active and the previous version is superseded.

    ``result`` is the ingestion's IngestResult (None for tables pushed through the API, which
    give ``extra`` fields instead). Returns False when a newer version was published meanwhile
    (``version`` is then superseded, never served).
    """
    fields: dict[str, Any] = dict(extra or {})
    if result is not None:
        fields.update(rows=result.rows, columns=result.columns, schema=result.schema,
                      report=result.report, encoding=result.encoding or "",
                      dialect=result.dialect)
    now = timezone.now()
    with transaction.atomic():
        table = _lock_table(version.resource)
        current = TableVersion.objects.filter(pk=table.active_version_id).first()
        if current is not None and current.number > version.number:
            TableVersion.objects.filter(pk=version.pk).update(
                status=VersionStatus.SUPERSEDED, finished=now, **fields)
            return False
        progress = {"rows": fields.get("rows"), "percent": 100.0}
        TableVersion.objects.filter(pk=version.pk).update(
            status=VersionStatus.READY, parquet=name, finished=now, error="", progress=progress,
            **fields)
        # Older superseded versions lose their files now; the one superseded here keeps its
        # file, which queries that started on it may still be reading.
        stale = list(TableVersion.objects.filter(resource=version.resource,
                                                 status=VersionStatus.SUPERSEDED)
                     .exclude(parquet="").values_list("pk", "parquet"))
        TableVersion.objects.filter(pk__in=[pk for pk, _n in stale]).update(parquet="")
        if current is not None:
            TableVersion.objects.filter(pk=current.pk).update(status=VersionStatus.SUPERSEDED)
        table.active_version_id = version.pk
        table.save(update_fields=["active_version", "modified"])
        # The resource's dicts say datastore_active: their caches key on ``modified``.
        Resource.objects.filter(pk=version.resource_id).update(modified=now)
        names = [n for _pk, n in stale]
        transaction.on_commit(lambda: _delete_files(names))
        resource = version.resource
        transaction.on_commit(lambda: signals.table_published.send(
            TableVersion, resource=resource, version=TableVersion.objects.get(pk=version.pk)))
    return True


def _delete_files(names) -> None:
    for name in names:
        try:
            os.remove(local_path(name))
        except FileNotFoundError:
            pass
        except OSError:
            logger.exception("could not delete %s", name)


def fail_version(version: TableVersion, message: str, *, report: dict | None = None) -> None:
    """Record a failed load; the active version, if any, stays served."""
    TableVersion.objects.filter(pk=version.pk, status__in=(VersionStatus.QUEUED, VersionStatus.RUNNING)).update(
        status=VersionStatus.FAILED, error=message, finished=timezone.now(), parquet="",
        report={"error": report} if report else {})
    resource = version.resource
    transaction.on_commit(lambda: signals.ingestion_failed.send(
        TableVersion, resource=resource, version=TableVersion.objects.get(pk=version.pk)))


# --- reading -------------------------------------------------------------------------------

def _resource(resource_or_id, actor) -> Resource:
    if isinstance(resource_or_id, Resource):
        resource = resource_or_id
        if not permissions.can(actor, "dataset.view", resource.dataset) or resource.dataset.state == State.DELETED:
            raise NotFound(_("Resource not found."))
        return resource
    return catalog.get_resource(str(resource_or_id), actor=actor)


def table_for(resource_or_id, *, actor) -> TableVersion:
    """The version served for this resource, if the actor may read it; else NotFound."""
    if isinstance(resource_or_id, Resource):
        resource = _resource(resource_or_id, actor)
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
            resource = _resource(key, actor)  # says "not found" without telling why
        else:
            resource = _resource(table.resource, actor)
    version = table.active_version if table is not None else None
    if version is None or version.status != VersionStatus.READY or not version.parquet:
        raise NotFound(_("This resource has no datastore table."))
    version.resource = resource
    return version


def _tables(version: TableVersion) -> dict[str, str]:
    return {str(version.resource_id): local_path(version.parquet)}


@contextmanager
def _query_errors():
    """The query engine's refusals as domain errors."""
    try:
        yield
    except query.QueryError as exc:
        if exc.code == "not_found":
            raise NotFound(exc.message) from None
        raise ValidationFailed(exc.message, fields=exc.as_dict()) from None


def search(resource_id, *, actor, links_base: str | None = None, **ckan_params) -> dict:
    """CKAN's ``datastore_search`` on the served version; ``links_base`` is the request's path
    and query string, from which ``_links`` are built."""
    unknown = set(ckan_params) - SEARCH_PARAMS
    if unknown:
        raise ValidationFailed(_("Unknown parameters."), fields={k: [_("Unknown parameter.")] for k in sorted(unknown)})
    version = table_for(resource_id, actor=actor)
    params = dict(ckan_params)
    if "full_text" in params:
        params["full_text_query"] = params.pop("full_text")
    with _query_errors():
        return query.datastore_search(_tables(version), resource_id=str(version.resource_id),
                                      links_base=links_base, **params)


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


def info(resource_id, *, actor, language: str | None = None) -> dict:
    """CKAN's ``datastore_info``: size, fields, types and the data dictionary."""
    version = table_for(resource_id, actor=actor)
    schema = _schema_with_dictionary(version, language)
    with _query_errors():
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
    visible = permissions.visible_datasets(actor)
    rows = (DataTable.objects.filter(active_version__isnull=False,
                                     active_version__status=VersionStatus.READY,
                                     resource__dataset__in=visible)
            .exclude(active_version__parquet="")
            .values_list("resource_id", "active_version__parquet"))
    return {str(rid): local_path(name) for rid, name in rows}


def search_sql(sql, *, actor, records_format: str = "objects") -> dict:
    """CKAN's ``datastore_search_sql``: one sandboxed SELECT over the tables the actor may read."""
    with _query_errors():
        return query.datastore_search_sql(readable_tables(actor), sql=sql,
                                          records_format=records_format)


def _values(params, key: str) -> list:
    if hasattr(params, "getlist"):
        return params.getlist(key)
    value = params.get(key)
    if value is None:
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]


def _split(values) -> list[str]:
    return [part.strip() for value in values for part in str(value).split(",") if part.strip()]


def _int(params, key: str, default: int) -> int:
    values = _values(params, key)
    if not values or values[-1] in ("", None):
        return default
    try:
        return int(values[-1])
    except (TypeError, ValueError):
        raise ValidationFailed(_("Some parameters are not valid."),
                               fields={key: [_("Expected a whole number.")]}) from None


def _sort(values) -> list[str]:
    """``-col`` (descending) as well as CKAN's ``col desc``."""
    return [f"{item[1:]} desc" if item.startswith("-") else item for item in _split(values)]


def lookups_from(params, columns) -> list:
    """Native lookups (``col__greater=3``) from query parameters."""
    plain = {}
    for key in (params.keys() if hasattr(params, "keys") else params):
        if key in NATIVE_RESERVED:
            continue
        values = _values(params, key)
        plain[key] = values[0] if len(values) == 1 else values
    return query.parse_lookups(plain, columns=columns)


def native(resource_id, *, actor, params: Mapping) -> dict:
    """A page of the served version with native lookups, sort, pages and aggregates.

    ``params`` is a QueryDict or a mapping: ``col__op=value`` lookups, ``sort`` (``col``,
    ``-col``, ``col desc``), ``page``, ``page_size``, ``fields``, ``group_by`` and
    ``aggregate`` (``count``, ``sum:col``...; both repeatable or comma-separated).
    """
    version = table_for(resource_id, actor=actor)
    tables = _tables(version)
    with _query_errors():
        columns = [c.name for c in query.default_engine().describe(tables, str(version.resource_id)).columns]
        aggregates = [query.parse_aggregate(spec) for spec in _split(_values(params, "aggregate"))]
        fields = _split(_values(params, "fields")) or None
        return query.native_search(
            tables, table=str(version.resource_id), lookups=lookups_from(params, columns),
            fields=fields, sort=_sort(_values(params, "sort")) or None,
            page=_int(params, "page", 1), page_size=_int(params, "page_size", 100),
            group_by=_split(_values(params, "group_by")), aggregates=aggregates)


def export(resource_id, *, actor, fmt: str, bom: bool = False, filters=None, q=None,
           lookups=None, params: Mapping | None = None, fields=None,
           sort=None) -> tuple[Iterator[bytes], str, str]:
    """A streamed export of the served version (whole, or filtered by CKAN ``filters``/``q``
    or native lookups from ``params``): (chunks, content type, file name).

    Bad parameters fail here, before the first byte is sent.
    """
    if fmt not in EXPORT_FORMATS:
        raise ValidationFailed(_("Unknown export format."), fields={"format": [_("Use csv, json or parquet.")]})
    version = table_for(resource_id, actor=actor)
    tables = _tables(version)
    rid = str(version.resource_id)
    with _query_errors():
        if params is not None:
            columns = [c.name for c in query.default_engine().describe(tables, rid).columns]
            lookups = list(lookups or []) + lookups_from(params, columns)
            fields = fields or _split(_values(params, "fields")) or None
            sort = sort or _sort(_values(params, "sort")) or None
        selection = query.export_selection(tables, resource_id=rid, filters=filters, q=q,
                                           lookups=lookups or (), fields=fields, sort=sort)
    if fmt == "csv":
        chunks = query.export_csv(selection, bom=bom)
    elif fmt == "json":
        chunks = query.export_json(selection)
    else:
        chunks = query.export_parquet(selection)
    stem = (version.resource.filename or rid).rsplit(".", 1)[0] or rid
    return chunks, query.CONTENT_TYPES[fmt], f"{stem}.{fmt}"


def status(resource: Resource, *, actor) -> dict:
    """Where the resource's table stands: ``state`` (none, queued, running, ready, failed),
    ``progress`` of a load under way, the last ``error``, the ``active_version`` served and
    the ``pending`` one."""
    resource = _resource(resource, actor)
    versions = list(TableVersion.objects.filter(resource=resource).select_related("task")
                    .order_by("-number")[:20])
    table = DataTable.objects.filter(resource=resource).first()
    active = next((v for v in versions if table and v.pk == table.active_version_id), None)
    if active is None and table is not None and table.active_version_id:
        active = TableVersion.objects.filter(pk=table.active_version_id).first()
    pending, error = None, ""
    for version in versions:
        if active is not None and version.number <= active.number:
            break
        state, message = _effective(version)
        if state in (VersionStatus.QUEUED, VersionStatus.RUNNING):
            pending = version
            break
        if state == VersionStatus.FAILED:
            error = message
            break
    if pending is not None:
        state = _effective(pending)[0]
    elif error:
        state = "failed"
    elif active is not None:
        state = "ready"
    else:
        state = "none"
    progress = None
    if pending is not None and state == VersionStatus.RUNNING:
        live = dict(pending.progress or {})
        if pending.task is not None and pending.task.status == TaskStatus.RUNNING:
            live.update(pending.task.progress or {})
        progress = {"rows": live.get("rows"), "percent": live.get("percent")}
    return {
        "state": str(state),
        "tabular": is_tabular(resource),
        "progress": progress,
        "error": error,
        "active_version": None if active is None else {
            "number": active.number, "rows": active.rows, "finished": active.finished,
            "origin": active.origin},
        "pending": None if pending is None else {
            "number": pending.number, "status": str(_effective(pending)[0]), "created": pending.created},
    }


def _effective(version: TableVersion) -> tuple[str, str]:
    """A version's status, seeing through a task that ended without updating it (a worker
    killed on the task's last attempt)."""
    if version.is_pending and version.task is not None and version.task.is_finished:
        again = Task.objects.filter(name=TASK_NAME, key=str(version.resource_id),
                                    status__in=(TaskStatus.QUEUED, TaskStatus.RUNNING)).exists()
        if not again:
            return VersionStatus.FAILED, version.task.error or _("The load stopped before it finished.")
    return version.status, version.error


# --- the data dictionary -------------------------------------------------------------------

DICTIONARY_FIELDS = ("label_fr", "label_en", "description_fr", "description_en", "type_override")


def dictionary(resource: Resource, *, actor) -> list[dict]:
    """The served version's columns with their type and the dictionary's entries."""
    resource = _resource(resource, actor)
    version = table_for(resource, actor=actor)
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


# --- tables pushed through the API (CKAN's datastore_create / _upsert / _delete) -----------
#
# Each call writes a complete new Parquet version (existing rows merged with the sent ones in
# DuckDB) and publishes it like a loaded file. Simple and safe; suited to the modest tables
# clients push record by record, not to bulk loads (upload a file for those).

PUSH_KINDS = {
    "text": "text", "varchar": "text", "json": "text", "int": "int", "int4": "int", "int8": "int",
    "integer": "int", "bigint": "int", "smallint": "int", "numeric": "numeric", "float": "numeric",
    "float4": "numeric", "float8": "numeric", "double": "numeric", "real": "numeric",
    "number": "numeric", "bool": "bool", "boolean": "bool", "date": "date", "timestamp": "timestamp",
    "timestamptz": "timestamp", "datetime": "timestamp",
}
KIND_SQL = {"text": "VARCHAR", "int": "BIGINT", "numeric": "DOUBLE", "bool": "BOOLEAN",
            "date": "DATE", "timestamp": "TIMESTAMP"}
KIND_SCHEMA = {"text": "string", "int": "integer", "numeric": "number", "bool": "boolean",
               "date": "date", "timestamp": "datetime"}
PUSH_METHODS = ("insert", "upsert", "update")


def _invalid(field: str, message: str) -> ValidationFailed:
    return ValidationFailed(_("Some parameters are not valid."), fields={field: [message]})


def _table_columns(path: str | None) -> list[tuple[str, str]]:
    """(name, kind) of a Parquet table's columns, ``_id`` left out."""
    if path is None:
        return []
    info = query.default_engine().describe({"t": path}, "t")
    return [(c.name, c.type if c.type in KIND_SQL else "text") for c in info.columns if c.name != "_id"]


def _push_fields(fields) -> list[tuple[str, str]]:
    if fields in (None, ""):
        return []
    if not isinstance(fields, list):
        raise _invalid("fields", _("Expected a list of {\"id\": ..., \"type\": ...} objects."))
    out = []
    for index, field in enumerate(fields):
        if not isinstance(field, dict) or not isinstance(field.get("id"), str) or not field["id"].strip():
            raise _invalid("fields", _("Field %(n)d needs an “id”.") % {"n": index + 1})
        name = field["id"]
        if name.startswith("_") or '"' in name or len(name) > 63:
            raise _invalid("fields", _("“%(name)s” is not a valid column name.") % {"name": name})
        kind = PUSH_KINDS.get(str(field.get("type") or "text").lower())
        if kind is None:
            raise _invalid("fields", _("Unknown type “%(type)s” for “%(name)s”.")
                           % {"type": field.get("type"), "name": name})
        out.append((name, kind))
    return out


def _guess_fields(records) -> list[tuple[str, str]]:
    names: dict[str, str] = {}
    for record in records:
        for key, value in record.items():
            kind = ("bool" if isinstance(value, bool) else "int" if isinstance(value, int)
                    else "numeric" if isinstance(value, float) else "text")
            if names.get(key, kind) != kind:
                kind = "numeric" if {kind, names[key]} == {"int", "numeric"} else "text"
            names[key] = kind
    return [(name, kind) for name, kind in names.items() if not name.startswith("_")]


def _records(records) -> list[dict]:
    if records in (None, ""):
        return []
    if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
        raise _invalid("records", _("Expected a list of objects."))
    return records


def _incoming(records: list[dict], columns: list[tuple[str, str]], *, allow_id: bool):
    """The records as an Arrow table: each column's typed value and whether it was given."""
    import json

    import pyarrow as pa

    kinds = dict(columns)
    data: dict[str, list] = {"__row": []}
    if allow_id:
        data["_id"] = []
    for name, _kind in columns:
        data[name], data[f"__set_{name}"] = [], []
    for number, record in enumerate(records, start=1):
        unknown = [k for k in record if k not in kinds and not (allow_id and k == "_id")]
        if unknown:
            raise _invalid("records", _("Record %(n)d: unknown column “%(name)s”.")
                           % {"n": number, "name": unknown[0]})
        data["__row"].append(number)
        if allow_id:
            data["_id"].append(record.get("_id"))
        for name, kind in columns:
            value = record.get(name)
            if isinstance(value, (dict, list)) and kind == "text":
                value = json.dumps(value, ensure_ascii=False)
            if value is not None:
                try:
                    value = coerce_value(
                        value, column=name, kind=kind, field="records")
                except query.QueryError as exc:
                    raise _invalid("records", _("Record %(n)d: %(problem)s")
                                   % {"n": number, "problem": exc.message}) from None
            data[name].append(value)
            data[f"__set_{name}"].append(name in record)
    arrow_types = {"text": pa.string(), "int": pa.int64(), "numeric": pa.float64(),
                   "bool": pa.bool_(), "date": pa.date32(), "timestamp": pa.timestamp("us")}
    schema = [pa.field("__row", pa.int64())] + ([pa.field("_id", pa.int64())] if allow_id else [])
    for name, kind in columns:
        schema += [pa.field(name, arrow_types[kind]), pa.field(f"__set_{name}", pa.bool_())]
    return pa.table(data, schema=pa.schema(schema))


def _write_version(resource, table: DataTable, *, columns, build_sql, con, note: dict) -> TableVersion:
    """Run ``build_sql`` (a SELECT of ``_id`` and ``columns``) into a new published version."""
    number = _next_number(resource)
    name = version_name(resource.pk, number)
    final = local_path(name)
    os.makedirs(os.path.dirname(final), exist_ok=True)
    partial = f"{final}.{uuid.uuid4().hex}.tmp"
    select = ", ".join(quote_ident(n) for n, _k in columns)
    sql = f'SELECT "_id"{", " + select if select else ""} FROM ({build_sql}) ORDER BY "_id"'
    try:
        con.execute(f"COPY ({sql}) TO {quote_literal(partial)} "
                    "(FORMAT parquet, COMPRESSION zstd)")
        rows = con.execute(f"SELECT count(*) FROM read_parquet({quote_literal(partial)})").fetchone()[0]
        os.replace(partial, final)
    except Exception:
        if os.path.exists(partial):
            os.remove(partial)
        raise
    fields = [{"name": "_id", "type": "integer", "title": "_id"}] + [
        {"name": n, "type": KIND_SCHEMA[k], "title": n} for n, k in columns]
    version = TableVersion.objects.create(
        resource=resource, number=number, status=VersionStatus.RUNNING, origin=VersionOrigin.API,
        options={"primary_key": table.primary_key})
    publish_version(version, name=name, extra={
        "rows": rows, "columns": [{"name": n, "type": KIND_SCHEMA[k]} for n, k in columns],
        "schema": {"fields": fields, "primaryKey": table.primary_key or ["_id"]},
        "report": {"origin": "api", "rows": rows, **note}})
    version.refresh_from_db()
    return version


def _existing_sql(path: str | None, columns, extra_columns) -> str:
    if path is None:
        nulls = ", ".join(f"CAST(NULL AS {KIND_SQL[k]}) AS {quote_ident(n)}"
                          for n, k in columns)
        return f"SELECT CAST(NULL AS BIGINT) AS _id{', ' + nulls if nulls else ''} WHERE false"
    added = "".join(f", CAST(NULL AS {KIND_SQL[k]}) AS {quote_ident(n)}"
                    for n, k in extra_columns)
    # An ingested table stores no _id: its source derives it from the row's position.
    source = query.default_engine().describe({"t": path}, "t").source
    return f"SELECT *{added} FROM {source}"


def _merge(resource, table: DataTable, *, path, columns, extra_columns, records, method) -> TableVersion:
    import duckdb

    key = list(table.primary_key) or (["_id"] if method != "insert" else [])
    allow_id = key == ["_id"]
    incoming = _incoming(records, columns, allow_id=allow_id)
    con = duckdb.connect(":memory:")
    try:
        con.register("incoming", incoming)
        con.execute(f"CREATE TEMP VIEW existing AS {_existing_sql(path, columns, extra_columns)}")
        if key:
            nulls = con.execute("SELECT min(__row) FROM incoming WHERE "
                                + " OR ".join(f"{quote_ident(k)} IS NULL" for k in key)).fetchone()[0]
            if nulls is not None:
                raise _invalid("records", _("Record %(n)d: the key (%(key)s) is missing.")
                               % {"n": nulls, "key": ", ".join(key)})
            twice = con.execute(f"SELECT min(__row) FROM (SELECT __row, count(*) OVER (PARTITION BY "
                                f"{', '.join(quote_ident(k) for k in key)}) AS n FROM incoming) WHERE n > 1").fetchone()[0]
            if twice is not None:
                raise _invalid("records", _("Record %(n)d: the same key is sent twice.") % {"n": twice})
            match = " AND ".join(f"o.{quote_ident(k)} = i.{quote_ident(k)}" for k in key)
            found = f"EXISTS (SELECT 1 FROM existing o WHERE {match})"
            if method == "insert":
                clash = con.execute(f"SELECT min(__row) FROM incoming i WHERE {found}").fetchone()[0]
                if clash is not None:
                    raise _invalid("records", _("Record %(n)d: a record with this key already exists.")
                                   % {"n": clash})
            if method == "update":
                missing = con.execute(f"SELECT min(__row) FROM incoming i WHERE NOT {found}").fetchone()[0]
                if missing is not None:
                    raise _invalid("records", _("Record %(n)d: no record has this key.") % {"n": missing})
        changed = ", ".join(
            f"CASE WHEN i.__row IS NOT NULL AND i.{quote_ident('__set_' + n)} THEN i.{quote_ident(n)} "
            f"ELSE o.{quote_ident(n)} END AS {quote_ident(n)}" for n, _k in columns)
        if key:
            join = " AND ".join(f"o.{quote_ident(k)} = i.{quote_ident(k)}" for k in key)
            kept = f"SELECT o._id{', ' + changed if changed else ''} FROM existing o LEFT JOIN incoming i ON {join}"
            new_rows = f"SELECT * FROM incoming i WHERE NOT EXISTS (SELECT 1 FROM existing o WHERE {join})"
        else:
            kept = "SELECT * FROM existing"
            new_rows = "SELECT * FROM incoming"
        values = ", ".join(quote_ident(n) for n, _k in columns)
        inserted = (f"SELECT (SELECT coalesce(max(_id), 0) FROM existing) + row_number() OVER (ORDER BY __row) AS _id"
                    f"{', ' + values if values else ''} FROM ({new_rows})")
        build = kept if method == "update" else f"{kept} UNION ALL BY NAME {inserted}"
        return _write_version(resource, table, columns=columns, build_sql=build, con=con,
                              note={"method": method, "records": len(records)})
    except duckdb.Error as exc:
        raise ValidationFailed(_("The records could not be stored: %(error)s") % {"error": exc},
                               fields={"records": [str(exc)]}) from None
    finally:
        con.close()


def _push_target(resource, actor) -> tuple[DataTable, str | None]:
    permissions.require(actor, "dataset.update", resource.dataset)
    table = _lock_table(resource)
    version = TableVersion.objects.filter(pk=table.active_version_id, status=VersionStatus.READY).first()
    return table, local_path(version.parquet) if version and version.parquet else None


def _push_result(resource, version: TableVersion, table: DataTable, method: str) -> dict:
    kinds = {v: k for k, v in KIND_SCHEMA.items()}
    return {"resource_id": str(resource.pk), "method": method, "primary_key": table.primary_key,
            "fields": [{"id": c["name"], "type": ckan_type(KIND_SQL[kinds.get(c["type"], "text")])}
                       for c in version.columns], "total": version.rows}


def datastore_create(resource: Resource, *, actor, fields=None, records=None,
                     primary_key=None) -> dict:
    """Create the resource's table from ``fields`` (``[{"id", "type"}]``, guessed from the
    records when left out) and insert ``records``; on an existing table, new fields are added
    and the records inserted. ``primary_key`` (a column or a list) makes keys unique."""
    records = _records(records)
    with transaction.atomic():
        table, path = _push_target(resource, actor)
        existing = _table_columns(path)
        wanted = _push_fields(fields) or ([] if existing else _guess_fields(records))
        if not existing and not wanted:
            raise _invalid("fields", _("Give the table's fields (or records to guess them from)."))
        known = dict(existing)
        for name, kind in wanted:
            if name in known and known[name] != kind:
                raise _invalid("fields", _("“%(name)s” already exists with type %(type)s.")
                               % {"name": name, "type": known[name]})
        added = [(n, k) for n, k in wanted if n not in known]
        columns = existing + added
        if primary_key not in (None, "", []):
            keys = [primary_key] if isinstance(primary_key, str) else primary_key
            keys = [k.strip() for key in keys for k in str(key).split(",") if k.strip()] \
                if isinstance(keys, list) else None
            if not keys or any(k not in dict(columns) for k in keys):
                raise _invalid("primary_key", _("The primary key must name fields of the table."))
            table.primary_key = keys
            table.save(update_fields=["primary_key", "modified"])
        version = _merge(resource, table, path=path, columns=columns, extra_columns=added,
                         records=records, method="insert")
        catalog.record_activity("datastore.table.pushed", actor=actor, obj=resource, dataset=resource.dataset,
                                organisation=resource.dataset.organisation,
                                changes={"rows": (None, version.rows)})
    return _push_result(resource, version, table, "insert")


def datastore_upsert(resource: Resource, *, actor, records=None, method: str = "upsert") -> dict:
    """Add or change records of a pushed table: ``insert`` (new keys only), ``update``
    (existing keys only; fields left out keep their values) or ``upsert`` (either)."""
    if method not in PUSH_METHODS:
        raise _invalid("method", _("Use insert, upsert or update."))
    records = _records(records)
    with transaction.atomic():
        table, path = _push_target(resource, actor)
        if path is None:
            raise NotFound(_("This resource has no datastore table."))
        columns = _table_columns(path)
        version = _merge(resource, table, path=path, columns=columns, extra_columns=[],
                         records=records, method=method)
        catalog.record_activity("datastore.table.pushed", actor=actor, obj=resource, dataset=resource.dataset,
                                organisation=resource.dataset.organisation,
                                changes={"rows": (None, version.rows)})
    return _push_result(resource, version, table, method)


def datastore_delete(resource: Resource, *, actor, filters=None) -> dict:
    """Delete the rows matching CKAN ``filters`` (a new version without them), or with no
    filters the whole table (the resource then has no datastore table)."""
    import duckdb

    with transaction.atomic():
        table, path = _push_target(resource, actor)
        if path is None:
            raise NotFound(_("This resource has no datastore table."))
        if not filters:
            active = table.active_version_id
            TableVersion.objects.filter(pk=active).update(status=VersionStatus.SUPERSEDED)
            table.active_version = None
            table.primary_key = []
            table.save(update_fields=["active_version", "primary_key", "modified"])
            Resource.objects.filter(pk=resource.pk).update(modified=timezone.now())
            catalog.record_activity("datastore.table.deleted", actor=actor, obj=resource, dataset=resource.dataset,
                                    organisation=resource.dataset.organisation)
            return {"resource_id": str(resource.pk)}
        tables = {str(resource.pk): path}
        with _query_errors():
            selection = query.export_selection(tables, resource_id=str(resource.pk), filters=filters)
        condition = " AND ".join(f"({c})" for c in selection.where) or "false"
        con = duckdb.connect(":memory:")
        try:
            build = (f"SELECT * FROM {selection.info.source} "
                     f"WHERE NOT coalesce(({condition}), false)")
            con.execute(f"CREATE TEMP TABLE kept AS {build}", selection.params)
            version = _write_version(resource, table, columns=_table_columns(path), build_sql="SELECT * FROM kept",
                                     con=con, note={"method": "delete"})
        finally:
            con.close()
        catalog.record_activity("datastore.table.pushed", actor=actor, obj=resource, dataset=resource.dataset,
                                organisation=resource.dataset.organisation,
                                changes={"rows": (None, version.rows)})
    return {"resource_id": str(resource.pk), "filters": filters}
