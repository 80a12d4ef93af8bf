"""CKAN's ``datastore_search`` and ``datastore_info``, over Parquet, as plain-data functions.

The results have CKAN's shape so that the API adapter only wraps them in the
``{help, success, result}`` envelope. Documented differences from CKAN's PostgreSQL DataStore:

- ``q`` is a substring search, accent- and case-insensitive, where every word must occur
  (CKAN uses PostgreSQL full-text search with stemming); ``plain`` and ``language`` are
  accepted and ignored, and no ``rank`` column is added.
- ``filters`` values may also be ranges: ``{"col": {"gte": 1, "lt": 10}}`` (gt/gte/lt/lte),
  and ``None`` matches NULL.
- Totals are always exact: ``total_was_estimated`` is always false and
  ``total_estimation_threshold`` is accepted and ignored.
- Without ``sort``, rows come in ``_id`` order (the order of the source file).
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import pyarrow as pa
import pyarrow.compute as pc

from ..layout import ROW_NUMBER
from .engine import ROW_READ_TYPES, QueryEngine, TableInfo, Tables, default_engine
from .errors import QueryError, _
from .selection import Selection, ckan_filters, full_text, parse_fields, parse_sort
from .sqltext import to_plain

DEFAULT_LIMIT = 100
# Sorted pages up to this many rows are read in two steps (``_sorted_page``).
LATE_ROWS_LIMIT = 10_000
PAGE_KEY = "__ouvert_page_key"
MAX_LIMIT = 32000
RECORDS_FORMATS = ("objects", "lists", "csv", "tsv")


def _int_param(value: Any, name: str, default: int) -> int:
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        raise QueryError(_("“%(name)s” must be an integer.") % {"name": name}, field=name)
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise QueryError(_("“%(name)s” must be an integer.") % {"name": name},
                         field=name) from None
    if number < 0:
        raise QueryError(_("“%(name)s” must be zero or more.") % {"name": name}, field=name)
    return number


def _bool_param(value: Any, name: str, default: bool) -> bool:
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "1", "yes", "on", "t"):
        return True
    if text in ("false", "0", "no", "off", "f"):
        return False
    raise QueryError(_("“%(name)s” must be true or false.") % {"name": name}, field=name)


def fields_description(columns) -> list[dict[str, str]]:
    return [{"id": c.name, "type": c.type} for c in columns]


def format_records(names: list[str], rows: list[tuple], records_format: str) -> Any:
    """Rows in one of CKAN's ``records_format`` representations."""
    if records_format == "objects":
        return [dict(zip(names, (to_plain(v) for v in row), strict=True)) for row in rows]
    if records_format == "lists":
        return [[to_plain(v) for v in row] for row in rows]
    # CKAN's csv/tsv records are the rows only, without a header line (fields describe them).
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter="," if records_format == "csv" else "\t",
                        lineterminator="\n")
    for row in rows:
        writer.writerow(["" if v is None else _csv_cell(to_plain(v)) for v in row])
    return buffer.getvalue()


def format_arrow(table: pa.Table, records_format: str) -> Any:
    """``format_records`` for rows held in an Arrow table of plain column types
    (``engine.ROW_READ_TYPES``): the same output, built column by column."""
    if records_format in ("csv", "tsv"):
        return delimited_text(table, "," if records_format == "csv" else "\t")
    names = table.column_names
    columns = [_plain_values(column) for column in table.columns]
    if records_format == "objects":
        return [dict(zip(names, row, strict=True)) for row in zip(*columns, strict=True)]
    return [list(row) for row in zip(*columns, strict=True)]


def _plain_values(column: pa.ChunkedArray) -> list:
    """A column's values as ``to_plain`` gives them."""
    kind = column.type
    if (pa.types.is_integer(kind) or pa.types.is_boolean(kind) or pa.types.is_string(kind)
            or pa.types.is_large_string(kind) or pa.types.is_string_view(kind)
            or pa.types.is_null(kind)):
        return column.to_pylist()
    if pa.types.is_floating(kind) and pc.all(pc.is_finite(column)).as_py() is not False:
        return column.to_pylist()
    if pa.types.is_date32(kind):  # isoformat, as to_plain writes dates
        return column.cast(pa.string()).to_pylist()
    return [to_plain(v) for v in column.to_pylist()]


def _repr_float(value: float | None) -> str:
    if value is None:
        return ""
    if math.isfinite(value):
        return repr(value)
    return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")


def _text_column(column: pa.ChunkedArray, delimiter: str) -> pa.Array:
    """One column as CSV cells, exactly as ``csv.writer`` writes ``format_records``' values."""
    kind = column.type
    column = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    if pa.types.is_string(kind) or pa.types.is_large_string(kind) or pa.types.is_string_view(kind):
        text = column.cast(pa.large_string())
        # csv.writer (QUOTE_MINIMAL, "\n" line ends) quotes a cell holding the delimiter, a
        # quote or a line feed, and doubles its quotes.
        special = "\\t" if delimiter == "\t" else delimiter
        if _may_hold(text, (delimiter, '"', "\n")):
            needs = pc.fill_null(pc.match_substring_regex(text, f'[{special}"\n]'), False)
        else:
            needs = None
        if needs is not None and pc.any(needs).as_py():
            quote, empty = _large('"'), _large("")
            quoted = pc.binary_join_element_wise(
                quote, pc.replace_substring(text, '"', '""'), quote, empty)
            text = pc.if_else(needs, quoted, text)
    elif pa.types.is_boolean(kind):
        text = pc.if_else(column, "true", "false").cast(pa.large_string())
    elif pa.types.is_integer(kind) or pa.types.is_date32(kind):
        text = column.cast(pa.large_string())
    elif pa.types.is_floating(kind):
        text = _float_text(column)
    else:  # timestamps, as Python writes them (isoformat)
        text = pa.array(["" if v is None else _csv_cell(to_plain(v))
                         for v in column.to_pylist()], pa.large_string())
    return pc.fill_null(text, _large(""))


def _may_hold(text: pa.Array, characters) -> bool:
    """Whether any of the (ASCII) ``characters`` may occur in the string array: one look at
    its bytes (those of a slice's neighbours too, which can only say yes wrongly)."""
    data = text.buffers()[2]
    if data is None:
        return False
    raw = data.to_pybytes()
    return any(c.encode() in raw for c in characters)


def _large(text: str) -> pa.Scalar:
    return pa.scalar(text, pa.large_string())


def _float_text(column: pa.Array) -> pa.Array:
    """Floats as Python writes them (``repr``), built by Arrow where the two agree.

    Arrow and Python both write the shortest digits that read back the same number; they
    differ in layout only: Arrow leaves ".0" off whole numbers and switches to exponents
    elsewhere. Where Python writes plain digits (1e-4 <= |x| < 1e16) and Arrow did too,
    adding the missing ".0" gives Python's text; the rest (exponents, NaN, infinities) are
    written by Python itself.
    """
    values = column.cast(pa.float64())  # a float32 is written as its double, as Python does
    text = values.cast(pa.large_string())
    magnitude = pc.abs(values)
    plain = pc.fill_null(pc.and_(
        pc.or_(pc.and_(pc.greater_equal(magnitude, 1e-4), pc.less(magnitude, 1e16)),
               pc.equal(values, 0)),
        pc.invert(pc.match_substring(text, "e"))), False)
    whole = pc.and_(plain, pc.invert(pc.fill_null(pc.match_substring(text, "."), True)))
    if pc.any(whole).as_py():
        text = pc.if_else(whole, pc.binary_join_element_wise(text, _large(".0"), _large("")),
                          text)
    others = pc.and_(pc.is_valid(values), pc.invert(plain))
    if pc.any(others).as_py():
        cells = text.to_pylist()
        numbers = values.to_pylist()
        for index in pc.indices_nonzero(others).to_pylist():
            cells[index] = _repr_float(numbers[index])
        text = pa.array(cells, pa.large_string())
    return text


def delimited_text(table: pa.Table, delimiter: str) -> str:
    """CKAN's csv/tsv records (no header) of an Arrow table, built column by column."""
    if table.num_rows == 0:
        return ""
    cells = [_text_column(column, delimiter) for column in table.columns]
    if len(cells) == 1:
        # csv.writer writes a row made of one empty cell as "" (a blank line is no row).
        lines = pc.if_else(pc.equal(cells[0], _large("")), _large('""'), cells[0])
    else:
        lines = pc.binary_join_element_wise(*cells, _large(delimiter))
    # One string from all the lines, joined by Arrow and decoded once.
    whole = pa.LargeListArray.from_arrays(pa.array([0, len(lines)], pa.int64()), lines)
    return pc.binary_join(whole, _large("\n"))[0].as_py() + "\n"


def arrow_formattable(columns) -> bool:
    """Whether ``format_arrow`` handles these columns (else fetch rows for format_records)."""
    return all(c.native_type in ROW_READ_TYPES for c in columns)


def _csv_cell(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


def page_links(links_base: str | None, *, offset: int, limit: int) -> dict[str, str]:
    """``_links``: the same request without offset (start), and the next page (next)."""
    if not links_base:
        return {}
    parts = urlsplit(links_base)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "offset"]
    def with_query(items):
        return urlunsplit(parts._replace(query=urlencode(items)))
    links = {
        "start": with_query(query),
        "next": with_query(query + [("offset", str(offset + limit))]),
    }
    if offset > 0:
        links["prev"] = with_query(query + [("offset", str(max(offset - limit, 0)))])
    return links


def datastore_search(
    tables: Tables,
    *,
    resource_id: str,
    filters: Mapping[str, Any] | None = None,
    q: str | Mapping[str, str] | None = None,
    full_text_query: str | None = None,
    distinct: bool | str = False,
    plain: bool | str = True,
    language: str | None = None,
    fields: list[str] | str | None = None,
    sort: str | list[str] | None = None,
    limit: int | str | None = None,
    offset: int | str | None = None,
    include_total: bool | str = True,
    total_estimation_threshold: int | None = None,
    records_format: str = "objects",
    links_base: str | None = None,
    max_limit: int = MAX_LIMIT,
    engine: QueryEngine | None = None,
) -> dict[str, Any]:
    """Search one table the CKAN way and return CKAN's ``datastore_search`` result.

    ``tables`` maps the resource ids the caller may read to their Parquet paths.
    ``full_text_query`` is CKAN's ``full_text`` parameter (a row-wide search added to ``q``).
    ``links_base`` is the request's URL (path and query string) used to build ``_links``;
    ``limit`` above ``max_limit`` is lowered to it, as CKAN does.
    """
    engine = engine or default_engine()
    info = engine.describe(tables, resource_id)
    limit_value = min(_int_param(limit, "limit", DEFAULT_LIMIT), max_limit)
    offset_value = _int_param(offset, "offset", 0)
    want_total = _bool_param(include_total, "include_total", True)
    distinct_value = _bool_param(distinct, "distinct", False)
    _bool_param(plain, "plain", True)
    if language is not None and not isinstance(language, str):
        raise QueryError(_("“language” must be text."), field="language")
    if records_format not in RECORDS_FORMATS:
        raise QueryError(
            _("“records_format” must be one of: objects, lists, csv, tsv."),
            field="records_format",
        )

    selection = build_selection(info, filters=filters, q=q, full_text_query=full_text_query,
                                fields=fields, sort=sort, distinct=distinct_value)
    records, page_rows = fetch_page(engine, selection, limit=limit_value, offset=offset_value,
                                    records_format=records_format)

    result: dict[str, Any] = {
        "resource_id": resource_id,
        "fields": fields_description(selection.columns),
        "records": records,
        "limit": limit_value,
        "offset": offset_value,
        "include_total": want_total,
        "records_format": records_format,
    }
    if want_total:
        result["total"] = count_selection(engine, selection, page_rows=page_rows,
                                          limit=limit_value, offset=offset_value)
        result["total_was_estimated"] = False
    for key, value in (("filters", filters), ("q", q), ("sort", sort)):
        if value:
            result[key] = value
    if distinct_value:
        result["distinct"] = True
    links = page_links(links_base, offset=offset_value, limit=limit_value)
    if links:
        result["_links"] = links
    return result


def fetch_page(engine: QueryEngine, selection: Selection, *, limit: int, offset: int,
               records_format: str) -> tuple[Any, int]:
    """A page of the selection in ``records_format``, and its number of rows.

    A page of the whole table in ``_id`` order is read by row number, without a query
    (``QueryEngine.read_rows``); CSV and TSV records are built column by column from Arrow.
    """
    rows = selection.row_range(limit=limit, offset=offset)
    if rows is not None and engine.can_read_rows(selection.info, selection.columns):
        start, stop, descending = rows
        try:
            table = engine.read_rows(selection.info, selection.columns, start, stop)
        except OSError:
            table = None  # the file went away: the query below says so
        if table is not None:
            if descending:
                table = table.take(pa.array(range(table.num_rows - 1, -1, -1), pa.int64()))
            return format_arrow(table, records_format), table.num_rows
    if selection.order and not selection.distinct and 0 < limit <= LATE_ROWS_LIMIT:
        return _sorted_page(engine, selection, limit=limit, offset=offset, records_format=records_format)
    sql, params = selection.select_sql(limit=limit, offset=offset)
    if records_format in ("csv", "tsv") and arrow_formattable(selection.columns):
        table = engine.fetch_arrow(sql, params)
        return format_arrow(table, records_format), table.num_rows
    names, fetched = engine.fetch(sql, params)
    return format_records(names, fetched, records_format), len(fetched)


def _sorted_page(engine: QueryEngine, selection: Selection, *, limit: int, offset: int,
                 records_format: str) -> tuple[Any, int]:
    """A sorted page in two steps: the ``_id`` of its rows, found reading only the columns the
    order and the filters need (and, on the whole table, only the row groups that can hold the
    page: ``Selection.sort_bound``), then those rows whole. Sorting every column of millions of
    rows to keep a hundred read them all; ties are broken by ``_id``, so pages are stable."""
    info = selection.info
    where, params = selection.where_sql(), list(selection.params)
    bound = selection.sort_bound(rows=offset + limit)
    if bound is not None:
        where = f" WHERE {bound[0]}"
        params.append(bound[1])
    # Where ``_id`` is the row's position, the position DuckDB knows without reading a column
    # stands for it: finding and fetching the rows then reads one column less (or computes
    # none, where ``_id`` is not stored).
    if info.dense_ids and all(c.name.lower() != ROW_NUMBER for c in info.columns):
        source, key = info.numbered_source, ROW_NUMBER
    else:
        source, key = info.source, '"_id"'
    sql = (f'SELECT {key} FROM {source}{where} '
           f'ORDER BY {", ".join([*selection.order, f"{key} ASC"])} LIMIT {int(limit)} OFFSET {int(offset)}')
    _names, found = engine.fetch(sql, params)
    ids = [row[0] for row in found]
    if not ids:
        return format_records([], [], records_format), 0
    rank = {value: position for position, value in enumerate(ids)}
    sql = (f'SELECT {selection.select_list()}, {key} AS "{PAGE_KEY}" FROM {source} '
           f'WHERE {key} IN ({", ".join("?" * len(ids))})')
    if records_format in ("csv", "tsv") and arrow_formattable(selection.columns):
        table = engine.fetch_arrow(sql, ids)
        order = pc.sort_indices(pc.index_in(table[PAGE_KEY], value_set=pa.array(ids, table.schema.field(PAGE_KEY).type)))
        table = table.take(order).drop_columns([PAGE_KEY])
        return format_arrow(table, records_format), table.num_rows
    names, rows = engine.fetch(sql, ids)
    rows = sorted(rows, key=lambda row: rank[row[-1]])
    return format_records(names[:-1], [row[:-1] for row in rows], records_format), len(rows)


def build_selection(info: TableInfo, *, filters=None, q=None, full_text_query=None,
                    fields=None, sort=None, distinct=False) -> Selection:
    """The Selection for CKAN-style parameters (shared by search and exports)."""
    selection = Selection(info, parse_fields(info, fields), distinct=distinct)
    selection.add(*ckan_filters(info, filters))
    selection.add(*full_text(info, q))
    selection.add(*full_text(info, full_text_query, field_name="full_text"))
    selection.order = parse_sort(info, sort)
    return selection


def count_selection(engine: QueryEngine, selection: Selection, *, page_rows: int = 0,
                    limit: int = 0, offset: int = 0) -> int:
    """The number of rows the selection matches, scanning only when it must."""
    if selection.is_whole_table:
        return selection.info.row_count
    # A short page that is not empty already tells the total: no second scan.
    if 0 < page_rows < limit:
        return offset + page_rows
    sql, params = selection.count_sql()
    _names, rows = engine.fetch(sql, params)
    return int(rows[0][0])


def datastore_info(
    tables: Tables,
    *,
    resource_id: str,
    table_schema: Mapping[str, Any] | None = None,
    engine: QueryEngine | None = None,
) -> dict[str, Any]:
    """CKAN's ``datastore_info``: the table's size and its fields with their types.

    ``table_schema`` is the table's Frictionless Table Schema, when known: each field's
    ``title`` and ``description`` become CKAN's data dictionary ``info`` (``label``/``notes``).
    """
    engine = engine or default_engine()
    info = engine.describe(tables, resource_id)
    described: dict[str, Mapping[str, Any]] = {}
    for item in (table_schema or {}).get("fields", []) or []:
        if isinstance(item, Mapping) and isinstance(item.get("name"), str):
            described[item["name"]] = item
    fields = []
    for column in info.columns:
        entry: dict[str, Any] = {
            "id": column.name,
            "type": column.type,
            "schema": {"native_type": column.native_type, "is_index": column.name == "_id"},
        }
        schema_field = described.get(column.name)
        if schema_field is not None:
            entry["info"] = {
                "label": schema_field.get("title", ""),
                "notes": schema_field.get("description", ""),
                "type_override": "",
            }
        fields.append(entry)
    return {
        "meta": {
            "id": resource_id,
            "count": info.row_count,
            "table_type": "BASE TABLE",
            "size": info.size,
            "aliases": [],
        },
        "fields": fields,
        # The pre-2.10 CKAN shape, still read by older clients.
        "schema": {c.name: c.type for c in info.columns},
    }
