"""Streaming exports of a table or of a filtered query: CSV, JSON and Parquet.

Each export is a generator of ``bytes`` chunks that a streaming HTTP response can send as
they come. Rows flow from DuckDB as Arrow record batches, each batch is encoded and handed
on, so memory stays constant whatever the table's size.
"""

from __future__ import annotations

import io
import json
import os
from collections import deque
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from .engine import QueryEngine, Tables, default_engine
from .errors import QueryError, _
from .native import Lookup, lookup_clauses
from .search import build_selection, fields_description
from .selection import Selection
from .sqltext import quote_literal

BATCH_ROWS = 64 * 1024
FILE_CHUNK = 1024 * 1024
UTF8_BOM = b"\xef\xbb\xbf"
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "tsv": "text/tab-separated-values; charset=utf-8",
    "json": "application/json",
    "parquet": "application/vnd.apache.parquet",
}


def export_selection(
    tables: Tables,
    *,
    resource_id: str,
    filters: Any = None,
    q: Any = None,
    full_text_query: str | None = None,
    lookups: Sequence[Lookup] = (),
    fields: Any = None,
    sort: Any = None,
    engine: QueryEngine | None = None,
) -> Selection:
    """The rows an export will contain (CKAN-style filters and/or native lookups).

    Build it before starting the response: bad parameters then fail with a clear error
    instead of a truncated download.
    """
    engine = engine or default_engine()
    info = engine.describe(tables, resource_id)
    selection = build_selection(info, filters=filters, q=q, full_text_query=full_text_query,
                                fields=fields, sort=sort)
    selection.add(*lookup_clauses(info, lookups))
    return selection


def _plain_arrow(batch: pa.RecordBatch) -> pa.RecordBatch:
    """Replace Arrow view types (which some writers don't take) by their plain equivalents."""
    fields, arrays, changed = [], [], False
    for column, field in zip(batch.columns, batch.schema, strict=True):
        if pa.types.is_string_view(field.type):
            column, field, changed = column.cast(pa.large_string()), field.with_type(
                pa.large_string()), True
        elif pa.types.is_binary_view(field.type):
            column, field, changed = column.cast(pa.large_binary()), field.with_type(
                pa.large_binary()), True
        fields.append(field)
        arrays.append(column)
    return pa.RecordBatch.from_arrays(arrays, schema=pa.schema(fields)) if changed else batch


def _pipelined(batches: Iterator[pa.RecordBatch], encode, *, depth: int = 3) -> Iterator[bytes]:
    """Encode batches on worker threads while the next ones are read, keeping their order.

    Arrow's encoders and DuckDB's scan both release the GIL, so reading and encoding overlap;
    at most ``depth`` batches are in flight, which keeps memory bounded.
    """
    with ThreadPoolExecutor(max_workers=max(1, min(depth, (os.cpu_count() or 2)))) as pool:
        pending: deque = deque()
        try:
            for index, batch in enumerate(batches):
                pending.append(pool.submit(encode, batch, index == 0))
                if len(pending) >= depth:
                    yield pending.popleft().result()
            while pending:
                yield pending.popleft().result()
        finally:
            for future in pending:
                future.cancel()


def export_csv(selection: Selection, *, bom: bool = False, delimiter: str = ",",
               engine: QueryEngine | None = None) -> Iterator[bytes]:
    """The selection as UTF-8 CSV with a header line.

    ``bom`` prefixes a UTF-8 byte order mark, which spreadsheet software (Excel) needs to
    read accented text correctly; leave it off for programs.
    """
    engine = engine or default_engine()
    if delimiter not in (",", ";", "\t", "|"):
        raise QueryError(_("Unsupported CSV delimiter."), field="delimiter")
    # DuckDB's text form of timestamps ("2021-01-01 10:00:00") is what spreadsheets read;
    # Arrow's would add ".000000" to every value.
    columns = [f"CAST({c.sql} AS VARCHAR) AS {c.sql}" if c.type == "timestamp" else c.sql
               for c in selection.columns]
    sql, params = selection.select_sql(select_list=", ".join(columns))

    def encode(batch: pa.RecordBatch, first: bool) -> bytes:
        sink = io.BytesIO()
        options = pa_csv.WriteOptions(include_header=first, delimiter=delimiter)
        pa_csv.write_csv(_plain_arrow(batch), sink, write_options=options)
        return sink.getvalue()

    if bom:
        yield UTF8_BOM
    wrote = False
    for chunk in _pipelined(engine.batches(sql, params, rows=BATCH_ROWS), encode):
        wrote = True
        yield chunk
    if not wrote:
        # No rows: still a header, so the file says what the columns are.
        yield (delimiter.join(_csv_header(c.name, delimiter) for c in selection.columns)
               + "\n").encode()


def _csv_header(name: str, delimiter: str) -> str:
    if any(ch in name for ch in (delimiter, '"', "\n", "\r")):
        return '"' + name.replace('"', '""') + '"'
    return name


def _json_value_sql(column) -> str:
    if column.type == "timestamp":
        # CKAN's timestamp form: ISO 8601 with a "T".
        return f"replace(CAST({column.sql} AS VARCHAR), ' ', 'T')"
    if column.type == "numeric" and column.native_type.upper() in ("DOUBLE", "FLOAT", "REAL"):
        # JSON has no NaN/Infinity: write them as strings, like the search results.
        return (f"CASE WHEN isfinite({column.sql}) OR {column.sql} IS NULL THEN "
                f"to_json({column.sql}) ELSE to_json(CAST({column.sql} AS VARCHAR)) END")
    return column.sql


def export_json(selection: Selection, *, records_format: str = "objects",
                engine: QueryEngine | None = None) -> Iterator[bytes]:
    """The selection as one JSON document ``{"fields": [...], "records": [...]}``.

    Records are objects (``records_format="objects"``) or lists (``"lists"``), as in
    ``datastore_search``.
    """
    engine = engine or default_engine()
    if records_format not in ("objects", "lists"):
        raise QueryError(_("“records_format” must be objects or lists."), field="records_format")
    values = [_json_value_sql(c) for c in selection.columns]
    if records_format == "objects":
        pairs = ", ".join(f"{quote_literal(c.name)}, {v}"
                          for c, v in zip(selection.columns, values, strict=True))
        row = f"json_object({pairs})"
    else:
        row = f"json_array({', '.join(values)})"
    # Every row comes out of DuckDB already encoded and preceded by its separator, so a
    # batch's bytes are the Arrow string buffer as is (the very first separator is dropped).
    sql, params = selection.select_sql(
        select_list=f"',' || chr(10) || CAST({row} AS VARCHAR) AS r")
    head = {"fields": fields_description(selection.columns)}
    yield (json.dumps(head, ensure_ascii=False)[:-1] + ', "records": [').encode()
    first = True
    for batch in engine.batches(sql, params, rows=BATCH_ROWS):
        if not batch.num_rows:
            continue
        data = _string_bytes(batch.column(0))
        yield data[1:] if first else data
        first = False
    yield b"\n]}\n"


def _string_bytes(array: pa.Array) -> bytes:
    """The concatenated values of a string array without nulls, straight from its buffers."""
    if not (pa.types.is_string(array.type) or pa.types.is_large_string(array.type)):
        array = array.cast(pa.large_string())
    _validity, offsets, data = array.buffers()
    view = memoryview(offsets).cast("q" if pa.types.is_large_string(array.type) else "i")
    start, end = view[array.offset], view[array.offset + len(array)]
    return memoryview(data)[start:end].tobytes()


class _ChunkSink(io.RawIOBase):
    """A write-only file that keeps what was written until the generator takes it."""

    def __init__(self) -> None:
        self._chunks: list[bytes] = []
        self._position = 0

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        data = bytes(data)
        self._chunks.append(data)
        self._position += len(data)
        return len(data)

    def tell(self) -> int:
        return self._position

    def take(self) -> bytes:
        data = b"".join(self._chunks)
        self._chunks.clear()
        return data


def _parquet_writer(sink, schema: pa.Schema) -> pq.ParquetWriter:
    # Dictionaries for text only: on numbers and dates, mostly distinct, a dictionary is larger
    # than the values and slower to build (a third less time, two fifths smaller files).
    text = [f.name for f in schema if pa.types.is_string(f.type) or pa.types.is_large_string(f.type)]
    return pq.ParquetWriter(sink, schema, compression="zstd", use_dictionary=text)


def export_parquet(selection: Selection, *,
                   engine: QueryEngine | None = None) -> Iterator[bytes]:
    """The selection as a Parquet file (the stored file itself for a whole-table export of a
    table that stores its ``_id``)."""
    engine = engine or default_engine()
    if selection.is_whole_table and not selection.order and not selection.info.positional_ids \
            and selection.columns == list(selection.info.columns):
        with open(selection.info.path, "rb") as handle:
            while chunk := handle.read(FILE_CHUNK):
                yield chunk
        return
    sql, params = selection.select_sql()
    sink = _ChunkSink()
    writer = None
    for batch in engine.batches(sql, params, rows=BATCH_ROWS):
        batch = _plain_arrow(batch)
        if writer is None:
            writer = _parquet_writer(sink, batch.schema)
        # One row group per batch: the writer never holds more than a batch.
        writer.write_batch(batch)
        chunk = sink.take()
        if chunk:
            yield chunk
    if writer is None:
        # No rows: still a valid file with the right columns, typed by a zero-row query.
        schema_sql, schema_params = selection.select_sql(limit=0)
        schema = engine.arrow_schema(schema_sql, schema_params)
        empty = pa.RecordBatch.from_pylist([], schema=schema)
        writer = _parquet_writer(sink, _plain_arrow(empty).schema)
    writer.close()
    yield sink.take()
