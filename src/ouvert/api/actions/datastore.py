"""DataStore actions: search, info and SQL over resources' tables, and tables pushed by API.

Differences from CKAN's PostgreSQL DataStore are listed in ``ouvert.datastore.query.search``
(``q`` is a substring search over text columns, totals are always exact, filters also take
ranges). ``datastore_create`` needs an existing resource (``resource_id``): creating the
resource from a ``resource`` dict is not supported.
"""

from __future__ import annotations

import json
from urllib.parse import urlencode

from django.urls import reverse
from django.utils.translation import gettext as _

from ouvert.catalog import services as catalog
from ouvert.datastore import services

from .. import params
from ..registry import WRITE, Call, action

#: Parameters of datastore_search that may arrive JSON-encoded in a query string.
JSON_PARAMS = ("filters", "q", "fields", "sort")
#: Parameters of datastore_search passed on to the service (others are ignored, as CKAN does
#: with parameters it does not know).
SEARCH_PARAMS = ("filters", "q", "full_text", "distinct", "plain", "language", "fields", "sort", "limit",
                 "offset", "include_total", "total_estimation_threshold", "records_format")


def _json(call: Call, key: str):
    value = call.params.get(key)
    if key in ("filters", "records", "fields") or (isinstance(value, str) and value.strip()[:1] in "{["):
        if isinstance(value, str) and value.strip():
            try:
                return json.loads(value)
            except ValueError:
                if key in ("fields", "sort"):
                    return value
                raise params.invalid(key, _("Expected JSON.")) from None
    return value


def _resource_id(call: Call) -> str:
    return params.identifier(call.params, "resource_id", alternatives=("id",))


def _links_base(name: str, given: dict) -> str:
    """The address of the same call as a GET, from which ``_links`` are derived."""
    query = []
    for key, value in given.items():
        if key == "offset" or value is None:
            continue
        if isinstance(value, (dict, list, bool)):
            value = json.dumps(value, ensure_ascii=False)
        query.append((key, str(value)))
    return reverse("api:action", args=[name]) + ("?" + urlencode(query) if query else "")


@action("datastore_search", auth="dataset.view")
def datastore_search(call: Call) -> dict:
    """Search a resource's table: rows, their fields with types, the total and ``_links``.

    Parameters: ``resource_id`` (or ``id``); ``filters`` (``{"column": value}``, a list of
    values, or a range ``{"gte": 1, "lt": 10}``); ``q`` (words found in any text column, or
    ``{"column": "words"}``); ``full_text``; ``fields``; ``sort`` (``"column desc, other"``);
    ``distinct``; ``limit`` (default 100, at most 32,000); ``offset``; ``include_total``;
    ``records_format`` (objects, lists, csv or tsv). Tables of datasets the caller may not see
    do not exist for them.
    """
    resource_id = _resource_id(call)
    given = {key: _json(call, key) for key in SEARCH_PARAMS if key in call.params}
    links = _links_base("datastore_search", {"resource_id": resource_id, **given})
    return services.search_rows(resource_id, actor=call.actor, links_base=links, **given)


@action("datastore_info", auth="dataset.view")
def datastore_info(call: Call) -> dict:
    """A resource's table: its size, and its fields with types and data dictionary.

    Parameters: ``id`` (or ``resource_id``).
    """
    resource_id = params.identifier(call.params, "id", alternatives=("resource_id",))
    return services.describe_table(resource_id, actor=call.actor, language=call.language)


@action("datastore_search_sql", auth="anyone")
def datastore_search_sql(call: Call) -> dict:
    """Run one SELECT over tables, named by their resource ids in double quotes.

    Parameters: ``sql``; ``records_format`` (objects, lists, csv or tsv). Only the tables of
    datasets the caller may see can be read; statements other than a single SELECT, table
    functions, file access and settings are refused. Time, memory and result size are
    bounded; more than 32,000 rows are cut (``records_truncated``).
    """
    sql = params.text(call.params, "sql", required=True)
    records_format = params.text(call.params, "records_format", "objects")
    return services.run_sql(sql, actor=call.actor, records_format=records_format)


def _writable_resource(call: Call):
    if call.params.get("resource") and not call.params.get("resource_id"):
        raise params.invalid("resource", _("Create the resource first, then give its resource_id."))
    return catalog.get_resource(_resource_id(call), actor=call.actor)


@action("datastore_create", methods=WRITE, auth="dataset.update")
def datastore_create(call: Call) -> dict:
    """Create a resource's table from fields and records (or add fields and records to it).

    Parameters: ``resource_id``; ``fields`` (``[{"id": "name", "type": "text"}]``; types
    text, int, numeric, bool, date, timestamp, json); ``records`` (a list of objects);
    ``primary_key`` (a field or a list). ``force`` is accepted and ignored.
    """
    resource = _writable_resource(call)
    return services.push_table(resource, actor=call.actor, fields=_json(call, "fields"),
                               records=_json(call, "records"), primary_key=_json(call, "primary_key"))


@action("datastore_upsert", methods=WRITE, auth="dataset.update")
def datastore_upsert(call: Call) -> dict:
    """Insert, update or upsert records of a resource's table, matched on its primary key
    (``_id`` when it has none).

    Parameters: ``resource_id``; ``records``; ``method`` (upsert, insert or update; default
    upsert). ``force`` is accepted and ignored.
    """
    resource = _writable_resource(call)
    method = params.text(call.params, "method", "upsert")
    return services.upsert_records(resource, actor=call.actor, records=_json(call, "records"),
                                   method=method)


@action("datastore_delete", methods=WRITE, auth="dataset.update")
def datastore_delete(call: Call) -> dict:
    """Delete the rows of a resource's table that match ``filters``, or the whole table.

    Parameters: ``resource_id``; ``filters`` (as in datastore_search; none: the table).
    ``force`` is accepted and ignored.
    """
    resource = _writable_resource(call)
    filters = _json(call, "filters")
    if filters is not None and not isinstance(filters, dict):
        raise params.invalid("filters", _("Expected an object of column: value."))
    return services.delete_records(resource, actor=call.actor, filters=filters)
