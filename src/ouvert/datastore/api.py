"""The datastore's native endpoints under ``/api/v1/datastore/``, declared in the OpenAPI
document like every other v1 operation (``ouvert.api.v1.registry`` finds this module)."""

from __future__ import annotations

import json

from django.http import StreamingHttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ouvert.api.v1.http import Reply
from ouvert.api.v1.registry import API, AUTHENTICATED, JSON, Param, Response, path_param
from ouvert.catalog import services as catalog
from ouvert.core.errors import NotFound, ValidationFailed

from . import params as query_params
from . import services
from .ingest import FIELD_TYPES

TAG = API.tag("datastore", gettext_lazy(
    "The tables loaded from resources' files: their status, records, aggregates, exports and "
    "data dictionary."))
RESOURCE_ID = path_param("resource_id", gettext_lazy("The resource's id."))

NULLABLE_INT = {"type": ["integer", "null"]}
STATUS = API.schema("DatastoreStatus", {
    "type": "object", "description": "Where the resource's table stands.",
    "properties": {
        "state": {"type": "string", "enum": ["none", "queued", "running", "ready", "failed"]},
        "tabular": {"type": "boolean"},
        "progress": {"type": ["object", "null"], "properties": {
            "rows": NULLABLE_INT, "percent": {"type": ["number", "null"]}}},
        "error": {"type": "string"},
        "active_version": {"type": ["object", "null"], "properties": {
            "number": {"type": "integer"}, "rows": NULLABLE_INT, "finished": {"type": ["string", "null"]},
            "origin": {"type": "string"}}},
        "pending": {"type": ["object", "null"], "properties": {
            "number": {"type": "integer"}, "status": {"type": "string"}, "created": {"type": "string"}}},
    },
    "required": ["state", "progress", "error", "active_version", "pending"],
})
FIELD = {"type": "object", "properties": {"id": {"type": "string"}, "type": {"type": "string"}},
         "required": ["id", "type"]}
TABLE = API.schema("DatastoreTable", {
    "type": "object", "description": "A resource's table: status, and the served version's description.",
    "properties": {
        "resource_id": {"type": "string"},
        "status": STATUS,
        "version": {"type": ["object", "null"], "properties": {
            "number": {"type": "integer"}, "rows": NULLABLE_INT, "encoding": {"type": "string"},
            "dialect": {"type": ["object", "null"]}, "schema": {"type": "object"},
            "report": {"type": "object"}, "finished": {"type": ["string", "null"]}}},
        "fields": {"type": "array", "items": {"type": "object"}},
    },
    "required": ["resource_id", "status", "version", "fields"],
})
RECORDS = API.schema("DatastoreRecords", {
    "type": "object", "description": "A page of rows, or of groups with their aggregates.",
    "properties": {
        "fields": {"type": "array", "items": FIELD},
        "records": {"type": "array", "items": {"type": "object"}},
        "total": {"type": "integer"}, "page": {"type": "integer"}, "page_size": {"type": "integer"},
        "has_next": {"type": "boolean"},
    },
    "required": ["fields", "records", "page", "page_size"],
})
_TEXT = {"type": "string", "maxLength": 300}
_LONG_TEXT = {"type": "string", "maxLength": 10_000}
_OVERRIDE = {"type": "string", "enum": ["", *FIELD_TYPES]}
COLUMN = API.schema("DatastoreColumn", {
    "type": "object", "description": "A column, its detected type and its dictionary entry.",
    "properties": {"name": {"type": "string"}, "type": {"type": ["string", "null"]},
                   "label_fr": {"type": "string"}, "label_en": {"type": "string"},
                   "description_fr": {"type": "string"}, "description_en": {"type": "string"},
                   "type_override": {"type": "string"}},
    "required": ["name", "label_fr", "label_en", "description_fr", "description_en", "type_override"],
})
DICTIONARY = API.schema("DatastoreDictionary", {
    "type": "object", "properties": {"columns": {"type": "array", "items": COLUMN}}, "required": ["columns"],
})
DICTIONARY_CHANGE = API.schema("DatastoreDictionaryChange", {
    "type": "object", "description": "Entries to set, by column name; fields left out keep their value.",
    "properties": {"columns": {"type": "array", "maxItems": 10_000, "items": {
        "type": "object", "properties": {
            "name": _TEXT, "label_fr": _TEXT, "label_en": _TEXT, "description_fr": _LONG_TEXT,
            "description_en": _LONG_TEXT, "type_override": _OVERRIDE},
        "required": ["name"], "additionalProperties": False}}},
    "required": ["columns"], "additionalProperties": False,
})
INGEST_OPTIONS = API.schema("DatastoreIngestOptions", {
    "type": "object", "description": "How to read the file; a value left out or null is detected.",
    "properties": {"encoding": {"type": ["string", "null"], "maxLength": 50},
                   "delimiter": {"type": ["string", "null"], "enum": [",", ";", "\t", "|", None]},
                   "header_row": {"type": ["integer", "null"], "minimum": 0, "maximum": 1000}},
    "additionalProperties": False,
})
VERSION = API.schema("DatastoreVersion", {
    "type": "object", "description": "The version queued for loading.",
    "properties": {"number": {"type": "integer"}, "status": {"type": "string"}, "options": {"type": "object"}},
    "required": ["number", "status"],
})

_LIST = {"type": "array", "items": {"type": "string", "maxLength": 300}, "maxItems": 100}
QUERY_PARAMS = (
    Param("sort", {"type": "string", "maxLength": 1000}, gettext_lazy(
        "Columns to sort by, comma-separated: `name`, `-name` or `name desc`.")),
    Param("fields", {"type": "string", "maxLength": 10_000}, gettext_lazy("Columns to return, comma-separated.")),
)
FILTER_HELP = gettext_lazy(
    "Filter with `column__operator=value` parameters: `exact` (also a bare `column=value`), `not`, "
    "`in` (comma-separated or repeated), `less`, `less_equal`, `greater`, `greater_equal`, "
    "`contains`, `startswith` (accent- and case-insensitive) and `isnull` (`true`/`false`).")


def _table_info(version) -> dict:
    return {"number": version.number, "rows": version.rows, "encoding": version.encoding,
            "dialect": version.dialect, "schema": version.schema, "report": version.report,
            "finished": version.finished}


@API.operation("GET", "/datastore/{resource_id}", summary=gettext_lazy("A resource's table"), tag=TAG,
               params=(RESOURCE_ID,), errors=(404,),
               responses={200: Response(gettext_lazy("The table's status and description."), TABLE)},
               description=gettext_lazy(
                   "The loading status (with progress and the last error) and, once loaded, the served "
                   "version: rows, detected encoding and dialect, Table Schema, quality report and fields."))
def datastore_table(call):
    resource = catalog.get_resource(call.params["resource_id"], actor=call.actor)
    state = services.table_status(resource, actor=call.actor)
    try:
        version = services.served_version(resource, actor=call.actor)
    except NotFound:
        return {"resource_id": str(resource.pk), "status": state, "version": None, "fields": []}
    info = services.describe_table(resource, actor=call.actor)
    return {"resource_id": str(resource.pk), "status": state, "version": _table_info(version),
            "fields": info["fields"]}


@API.operation("GET", "/datastore/{resource_id}/records", summary=gettext_lazy("Query a table"), tag=TAG,
               params=(RESOURCE_ID, *QUERY_PARAMS,
                       Param("page", {"type": "integer", "minimum": 1, "default": 1}, gettext_lazy("Page number, from 1.")),
                       Param("page_size", {"type": "integer", "minimum": 1, "maximum": 32_000, "default": 100},
                             gettext_lazy("Rows per page.")),
                       Param("group_by", _LIST, gettext_lazy("Columns to group by (repeat, or comma-separate).")),
                       Param("aggregate", _LIST, gettext_lazy(
                           "Aggregates: `count`, `count_distinct:col`, `sum:col`, `avg:col`, `min:col`, `max:col`."))),
               errors=(404,), responses={200: Response(gettext_lazy("A page of rows or groups."), RECORDS)},
               description=FILTER_HELP)
def datastore_records(call):
    return services.query_rows(call.params["resource_id"], actor=call.actor,
                               **query_params.row_query(call.request.GET))


def _export(call, fmt: str):
    params = call.request.GET
    filters = params.get("filters")
    if filters:
        try:
            filters = json.loads(filters)
        except ValueError:
            raise ValidationFailed(_("Some parameters are not valid."), fields={"filters": [_("Expected JSON.")]}) from None
    chunks, content_type, filename = services.export_rows(
        call.params["resource_id"], actor=call.actor, fmt=fmt, bom=bool(call.params.get("bom")),
        filters=filters or None, q=params.get("q") or None, **query_params.export_query(params))
    response = StreamingHttpResponse(chunks, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


EXPORT_PARAMS = (RESOURCE_ID, *QUERY_PARAMS,
                 Param("q", {"type": "string", "maxLength": 1000}, gettext_lazy("Words found in any text column.")),
                 Param("filters", {"type": "string", "maxLength": 10_000}, gettext_lazy(
                     "CKAN-style filters as JSON: `{\"column\": value}`.")))
EXPORT_HELP = gettext_lazy("The whole table, or the rows matching the filters, streamed. ")


@API.operation("GET", "/datastore/{resource_id}/export.csv", summary=gettext_lazy("Export as CSV"), tag=TAG,
               params=(*EXPORT_PARAMS, Param("bom", {"type": "boolean", "default": False}, gettext_lazy(
                   "Start with a byte order mark, for spreadsheet software."))),
               errors=(404,), responses={200: Response(gettext_lazy("UTF-8 CSV with a header line."),
                                                       {"type": "string"}, "text/csv")},
               description=EXPORT_HELP + FILTER_HELP)
def datastore_export_csv(call):
    return _export(call, "csv")


@API.operation("GET", "/datastore/{resource_id}/export.json", summary=gettext_lazy("Export as JSON"), tag=TAG,
               params=EXPORT_PARAMS, errors=(404,),
               responses={200: Response(gettext_lazy("`{\"fields\": [...], \"records\": [...]}`."), RECORDS)},
               description=EXPORT_HELP + FILTER_HELP)
def datastore_export_json(call):
    return _export(call, "json")


@API.operation("GET", "/datastore/{resource_id}/export.parquet", summary=gettext_lazy("Export as Parquet"),
               tag=TAG, params=EXPORT_PARAMS, errors=(404,),
               responses={200: Response(gettext_lazy("A Parquet file (zstd)."), {"type": "string"},
                                        "application/vnd.apache.parquet")},
               description=EXPORT_HELP + FILTER_HELP)
def datastore_export_parquet(call):
    return _export(call, "parquet")


@API.operation("GET", "/datastore/{resource_id}/dictionary", summary=gettext_lazy("Read the data dictionary"),
               tag=TAG, params=(RESOURCE_ID,), errors=(404,),
               responses={200: Response(gettext_lazy("The served table's columns."), DICTIONARY)},
               description=gettext_lazy(
                   "Each column of the served table with its type, labels and descriptions in French "
                   "and English, and the type its publisher chose, if any."))
def datastore_dictionary(call):
    resource = catalog.get_resource(call.params["resource_id"], actor=call.actor)
    return {"columns": services.read_dictionary(resource, actor=call.actor)}


@API.operation("PUT", "/datastore/{resource_id}/dictionary", summary=gettext_lazy("Change the data dictionary"),
               tag=TAG, params=(RESOURCE_ID,), auth=AUTHENTICATED, body={JSON: DICTIONARY_CHANGE},
               errors=(403, 404), responses={200: Response(gettext_lazy("The dictionary."), DICTIONARY)},
               description=gettext_lazy(
                   "Set columns' labels and descriptions, and override their types (integer, number, "
                   "boolean, date, datetime, string, or empty for the detected one). A changed type "
                   "loads the file again."))
def datastore_dictionary_update(call):
    resource = catalog.get_resource(call.params["resource_id"], actor=call.actor)
    services.update_dictionary(resource, actor=call.actor, columns=call.body["columns"])
    return {"columns": services.read_dictionary(resource, actor=call.actor)}


@API.operation("POST", "/datastore/{resource_id}/ingest", summary=gettext_lazy("Load the file again"), tag=TAG,
               params=(RESOURCE_ID,), auth=AUTHENTICATED, body={JSON: INGEST_OPTIONS}, body_required=False,
               errors=(403, 404), responses={202: Response(gettext_lazy("The load is queued."), VERSION)},
               description=gettext_lazy(
                   "Queue a new load of the resource's file or link, with reading options (encoding, "
                   "delimiter, header row) that replace the previous ones. Follow it on "
                   "`GET /datastore/{resource_id}`."))
def datastore_ingest(call):
    resource = catalog.get_resource(call.params["resource_id"], actor=call.actor)
    if call.body:
        version = services.set_ingestion_options(resource, actor=call.actor, **{
            k: call.body.get(k) for k in ("encoding", "delimiter", "header_row")})
    else:
        version = services.request_ingestion(resource, actor=call.actor)
    return Reply(202, {"number": version.number, "status": str(version.status), "options": version.options})
