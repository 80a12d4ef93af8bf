"""Tables pushed through the API (CKAN's ``datastore_create``, ``_upsert`` and ``_delete``).

Each call writes a complete new Parquet version (existing rows merged with the sent ones in
DuckDB) and publishes it like a loaded file. Simple and safe; suited to the modest tables
clients push record by record, not to bulk loads (upload a file for those).
"""

from __future__ import annotations

import os
import uuid

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ouvert.accounts import permissions
from ouvert.catalog import services as catalog
from ouvert.catalog.models import Resource
from ouvert.core.errors import NotFound, ValidationFailed

from .. import query
from ..models import DataTable, TableVersion, VersionOrigin, VersionStatus
from ..query.sqltext import ckan_type, coerce_value, quote_ident, quote_literal
from .ingestion import publish_version
from .reading import query_errors
from .storage import local_path, lock_table, next_version_number, version_name

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
    number = next_version_number(resource)
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
    table = lock_table(resource)
    version = TableVersion.objects.filter(pk=table.active_version_id, status=VersionStatus.READY).first()
    return table, local_path(version.parquet) if version and version.parquet else None


def _push_result(resource, version: TableVersion, table: DataTable, method: str) -> dict:
    kinds = {v: k for k, v in KIND_SCHEMA.items()}
    return {"resource_id": str(resource.pk), "method": method, "primary_key": table.primary_key,
            "fields": [{"id": c["name"], "type": ckan_type(KIND_SQL[kinds.get(c["type"], "text")])}
                       for c in version.columns], "total": version.rows}


def push_table(resource: Resource, *, actor, fields=None, records=None,
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


def upsert_records(resource: Resource, *, actor, records=None, method: str = "upsert") -> dict:
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


def delete_records(resource: Resource, *, actor, filters=None) -> dict:
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
        with query_errors():
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
