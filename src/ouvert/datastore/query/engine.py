"""A shared DuckDB connection for the datastore's own (trusted, generated) queries.

The engine holds one in-memory DuckDB database per process and a small cache of what it knows
about each table version (columns, row count, whether ``_id`` is the row's position, its
Parquet footer). Queries read the Parquet file directly with ``read_parquet``: there is no
catalog state to keep in sync with table versions, and DuckDB's Parquet metadata cache keeps
repeated reads of a file cheap.

Tables written by ingestion store no ``_id``: it is the row's position in the file plus one,
which DuckDB gives as ``file_row_number`` without reading anything (see ``layout.py``).
``TableInfo.source`` adds it as the first column, so every query sees the same columns as for
the tables that store it (older versions, and tables pushed through the API, whose deletes
leave gaps).

Pages of the whole table in ``_id`` order (the default page, ``sort=_id desc``, a preview)
need no query at all: when ``_id`` is the row's position, the page's rows are known by
number, and ``read_rows`` takes them from the one or two Parquet row groups holding them,
with pyarrow. Decoded row groups stay in a small per-process cache bounded in bytes (the
way PostgreSQL keeps hot pages in its buffer cache), so the first page of a popular table
costs a slice, not a decompression.
Every call takes its own cursor, because a DuckDB connection must not be used by two threads
at once, while cursors of one connection share the database and its caches.

User-written SQL never runs here: see ``sandbox.py``.
"""

from __future__ import annotations

import bisect
import os
import threading
from collections import OrderedDict
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from ..layout import ROW_NUMBER, positional_ids
from .errors import QueryError, _
from .sqltext import ckan_type, quote_ident, quote_literal

Tables = Mapping[str, "str | os.PathLike[str]"]

#: The type of ``_id``, stored or derived.
ID_TYPE = "BIGINT"

#: Column types whose values pyarrow turns into the same Python objects as DuckDB does.
ROW_READ_TYPES = frozenset({"BIGINT", "INTEGER", "SMALLINT", "TINYINT", "DOUBLE", "FLOAT",
                            "BOOLEAN", "DATE", "TIMESTAMP", "VARCHAR"})


@dataclass(frozen=True)
class Column:
    name: str
    native_type: str

    @property
    def type(self) -> str:
        """CKAN's type name."""
        return ckan_type(self.native_type)

    @property
    def sql(self) -> str:
        return quote_ident(self.name)


@dataclass(frozen=True)
class TableInfo:
    """What the engine knows about one version of one table."""

    name: str
    path: str
    columns: tuple[Column, ...]
    row_count: int
    size: int
    #: ``_id`` is the row's position in the file plus one (1..row_count, in file order), so a
    #: page of the unfiltered table can be read by ``_id`` range (Parquet row-group
    #: statistics then skip everything else) or by row number (``QueryEngine.read_rows``).
    dense_ids: bool
    #: The Parquet footer (pyarrow), for reading row groups without parsing it again.
    metadata: Any = None
    #: Where each row group starts (row numbers), and the total, as one tuple.
    row_group_starts: tuple[int, ...] = ()
    #: The largest row group's decoded size in bytes.
    largest_row_group: int = 0
    #: Identifies this version of the file (path, modification time, size).
    stamp: tuple = ()

    #: ``_id`` is not stored in the file but derived from the row's position (``dense_ids``
    #: is then true); ``columns`` lists it all the same.
    positional_ids: bool = False

    @property
    def source(self) -> str:
        """The FROM clause for this table version: ``_id`` then the data columns."""
        return parquet_source(self.path, positional_ids=self.positional_ids)

    @property
    def numbered_source(self) -> str:
        """A FROM clause with the table's columns and ``file_row_number``, the row's position
        (only for ``dense_ids`` tables, where ``_id`` is that position plus one)."""
        if self.positional_ids:
            return (f"(SELECT {ROW_NUMBER} + 1 AS _id, * FROM "
                    f"read_parquet({quote_literal(self.path)}, {ROW_NUMBER} = true))")
        return f"read_parquet({quote_literal(self.path)}, {ROW_NUMBER} = true)"

    @property
    def by_name(self) -> dict[str, Column]:
        return {c.name: c for c in self.columns}

    def column(self, name: Any, *, field: str) -> Column:
        """The column called ``name``, or a validation error naming it."""
        if not isinstance(name, str):
            raise QueryError(_("Column names must be strings."), field=field)
        column = self.by_name.get(name)
        if column is None:
            raise QueryError(
                _("Unknown column “%(name)s” in %(field)s.") % {"name": name, "field": field},
                field=field,
            )
        return column

    @property
    def text_columns(self) -> list[Column]:
        return [c for c in self.columns if c.type == "text"]


def parquet_source(path: str, *, positional_ids: bool) -> str:
    """The FROM clause of a table stored at ``path``, ``_id`` first.

    Where ``_id`` is not stored, it is the row's position plus one, named in a subquery that
    hides ``file_row_number``: a filter on ``_id`` still reaches the Parquet reader, which
    skips the row groups that cannot hold it, and a query that does not use ``_id`` costs
    nothing more.
    """
    if not positional_ids:
        return f"read_parquet({quote_literal(path)})"
    return (f"(SELECT {ROW_NUMBER} + 1 AS _id, * EXCLUDE ({ROW_NUMBER}) FROM "
            f"read_parquet({quote_literal(path)}, {ROW_NUMBER} = true))")


class QueryEngine:
    """Runs the datastore's generated queries with bounded time and memory.

    ``memory_limit`` and ``threads`` apply to the whole process-wide database; ``timeout`` is
    the default wall-clock limit of one query (interactive searches, not exports).
    """

    def __init__(
        self,
        *,
        memory_limit: str = "2GB",
        threads: int | None = None,
        timeout: float = 30.0,
        cache_size: int = 256,
        row_group_cache_bytes: int = 64 * 1024 * 1024,
    ):
        config: dict[str, Any] = {
            "memory_limit": memory_limit,
            # Nothing the engine runs needs an extension it doesn't ship with; never fetch
            # code from the network at query time.
            "autoinstall_known_extensions": False,
            "autoload_known_extensions": False,
        }
        if threads:
            config["threads"] = threads
        self._conn = duckdb.connect(":memory:", config=config)
        # Footers are re-read on every query otherwise (an option of the Parquet extension,
        # so it can only be set once the connection exists).
        self._conn.execute("SET parquet_metadata_cache = true")
        self.timeout = timeout
        self._cache: OrderedDict[tuple, TableInfo] = OrderedDict()
        self._cache_size = cache_size
        self._lock = threading.Lock()
        self._groups: OrderedDict[tuple, pa.Table] = OrderedDict()
        self._group_bytes = 0
        self._group_cache_bytes = row_group_cache_bytes
        self._row_group_max = max(row_group_cache_bytes // 2, 8 * 1024 * 1024)

    # -- tables -----------------------------------------------------------------------------

    def describe(self, tables: Tables, name: Any) -> TableInfo:
        """The table called ``name`` among those the caller may read."""
        if not isinstance(name, str) or name not in tables:
            raise QueryError(
                _("Resource “%(name)s” was not found in the datastore.") % {"name": name},
                code="not_found",
                field="resource_id",
            )
        path = os.path.realpath(os.fspath(tables[name]))
        try:
            stat = os.stat(path)
        except OSError:
            raise QueryError(
                _("Resource “%(name)s” has no datastore table.") % {"name": name},
                code="not_found",
                field="resource_id",
            ) from None
        # A new table version is a new file (or a rewritten one): mtime and size catch both.
        key = (name, path, stat.st_mtime_ns, stat.st_size)
        with self._lock:
            info = self._cache.get(key)
            if info is not None:
                self._cache.move_to_end(key)
                return info
        info = self._inspect(name, path, stat.st_size, key[1:])
        with self._lock:
            self._cache[key] = info
            while len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        return info

    def _inspect(self, name: str, path: str, size: int, stamp: tuple) -> TableInfo:
        source = f"read_parquet({quote_literal(path)})"
        with self.cursor() as cur:
            described = cur.execute(f"DESCRIBE SELECT * FROM {source}").fetchall()
            columns = tuple(Column(row[0], row[1]) for row in described)
            names = [c.name for c in columns]
            positional = positional_ids(names)
            if positional:
                # The row count is in the footer: nothing to scan.
                (count,) = cur.execute(f"SELECT count(*) FROM {source}").fetchone()
                columns = (Column("_id", ID_TYPE), *columns)
                dense = True
            elif "_id" in names:
                # A stored _id: one scan of one column, once per table version and process.
                if any(n.lower() == ROW_NUMBER for n in names):
                    # The file's own column hides the position: number the rows instead.
                    numbered = (f"(SELECT _id, row_number() OVER () - 1 AS {ROW_NUMBER} "
                                f"FROM {source})")
                else:
                    numbered = f"read_parquet({quote_literal(path)}, {ROW_NUMBER} = true)"
                count, in_order = cur.execute(
                    f"SELECT count(*), coalesce(bool_and(_id IS NOT NULL AND "
                    f"_id = {ROW_NUMBER} + 1), true) FROM {numbered}"
                ).fetchone()
                dense = bool(in_order)
            else:
                (count,) = cur.execute(f"SELECT count(*) FROM {source}").fetchone()
                dense = False
        try:
            metadata = pq.read_metadata(path)
        except (OSError, pa.ArrowException):
            metadata = None
        starts: tuple[int, ...] = ()
        largest = 0
        if metadata is not None and metadata.num_rows == count:
            bounds = [0]
            for index in range(metadata.num_row_groups):
                group = metadata.row_group(index)
                bounds.append(bounds[-1] + group.num_rows)
                largest = max(largest, group.total_byte_size)
            starts = tuple(bounds)
        return TableInfo(name, path, columns, int(count), size, dense, metadata, starts,
                         largest, stamp, positional)

    # -- pages by row number ----------------------------------------------------------------

    def can_read_rows(self, info: TableInfo, columns: Sequence[Column]) -> bool:
        """Whether ``read_rows`` serves these columns of this table exactly as a query would.

        Only for plain column types, whose Python values are the same through pyarrow as
        through DuckDB, and for row groups small enough to decode whole.
        """
        if not info.dense_ids or not info.row_group_starts or info.metadata is None:
            return False
        if any(c.native_type not in ROW_READ_TYPES for c in columns):
            return False
        return info.largest_row_group <= self._row_group_max

    def read_rows(self, info: TableInfo, columns: Sequence[Column], start: int,
                  stop: int) -> pa.Table:
        """Rows ``start`` to ``stop`` (0-based, end excluded) of the table, in file order."""
        names = [c.name for c in columns]
        # A positional _id is not in the file: it is made from the rows' numbers.
        derived = info.positional_ids and "_id" in names
        stored = [n for n in names if n != "_id"] if derived else names
        starts = info.row_group_starts
        stop = min(stop, info.row_count)
        pieces = []
        if start < stop:
            first = bisect.bisect_right(starts, start) - 1
            for group in range(first, len(starts) - 1):
                if starts[group] >= stop:
                    break
                table = self._row_group(info, group)
                low = max(start - starts[group], 0)
                high = min(stop, starts[group + 1]) - starts[group]
                piece = table.select(stored).slice(low, high - low)
                if derived:
                    row = starts[group] + low + 1
                    piece = piece.add_column(names.index("_id"), "_id", pa.array(
                        range(row, row + piece.num_rows), pa.int64()))
                pieces.append(piece)
        if not pieces:
            empty = info.metadata.schema.to_arrow_schema().empty_table().select(stored)
            if derived:
                empty = empty.add_column(names.index("_id"), "_id", pa.array([], pa.int64()))
            return empty
        return pieces[0] if len(pieces) == 1 else pa.concat_tables(pieces)

    def _row_group(self, info: TableInfo, group: int) -> pa.Table:
        key = (info.stamp, group)
        with self._lock:
            table = self._groups.get(key)
            if table is not None:
                self._groups.move_to_end(key)
                return table
        parquet = pq.ParquetFile(info.path, metadata=info.metadata)
        try:
            table = parquet.read_row_group(group, use_threads=False)
        finally:
            parquet.close()
        # View types (which some compute kernels lack) as plain strings.
        table = table.cast(pa.schema([
            f.with_type(pa.large_string()) if pa.types.is_string_view(f.type) else f
            for f in table.schema]))
        size = table.nbytes
        if size <= self._group_cache_bytes // 2:
            with self._lock:
                if key not in self._groups:
                    self._groups[key] = table
                    self._group_bytes += size
                while self._group_bytes > self._group_cache_bytes:
                    _key, old = self._groups.popitem(last=False)
                    self._group_bytes -= old.nbytes
        return table

    # -- execution --------------------------------------------------------------------------

    @contextmanager
    def cursor(self) -> Iterator[duckdb.DuckDBPyConnection]:
        cur = self._conn.cursor()
        try:
            yield cur
        finally:
            cur.close()

    def fetch(
        self,
        sql: str,
        params: Sequence[Any] = (),
        *,
        timeout: float | None = None,
    ) -> tuple[list[str], list[tuple]]:
        """Run one query and return (column names, rows), within ``timeout`` seconds."""
        with self.cursor() as cur, interrupt_after(cur, timeout or self.timeout):
            try:
                result = cur.execute(sql, list(params))
                names = [d[0] for d in result.description]
                return names, result.fetchall()
            except duckdb.Error as exc:
                raise translate_error(exc, timeout or self.timeout) from None


    def fetch_arrow(self, sql: str, params: Sequence[Any] = (), *,
                    timeout: float | None = None) -> pa.Table:
        """Run one query and return its result as an Arrow table, within ``timeout`` seconds."""
        with self.cursor() as cur, interrupt_after(cur, timeout or self.timeout):
            try:
                return cur.sql(sql, params=list(params)).to_arrow_table()
            except duckdb.Error as exc:
                raise translate_error(exc, timeout or self.timeout) from None

    def batches(self, sql: str, params: Sequence[Any] = (), *,
                rows: int = 128 * 1024) -> Iterator[Any]:
        """Stream a query's result as Arrow record batches (for exports: no timeout)."""
        cur = self._conn.cursor()
        try:
            try:
                reader = arrow_reader(cur.sql(sql, params=list(params)), rows)
            except duckdb.Error as exc:
                raise translate_error(exc, self.timeout) from None
            yield from reader
        finally:
            cur.close()

    def arrow_schema(self, sql: str, params: Sequence[Any] = ()) -> Any:
        """The Arrow schema of a query's result."""
        with self.cursor() as cur:
            return arrow_reader(cur.sql(sql, params=list(params)), 1).schema


def arrow_reader(result: Any, rows: int) -> Any:
    """A pyarrow RecordBatchReader over a relation's rows, streamed in batches of ``rows``.

    Callers pass a relation (``cursor.sql(...)``), not an executed statement: DuckDB
    materialises an executed statement's whole result before handing it to Arrow.
    Older DuckDB releases call the method ``fetch_record_batch``.
    """
    method = getattr(result, "to_arrow_reader", None) or result.fetch_record_batch
    return method(rows)


class _Deadline:
    def __init__(self) -> None:
        self.expired = False


@contextmanager
def interrupt_after(cur: duckdb.DuckDBPyConnection, seconds: float) -> Iterator[_Deadline]:
    """Interrupt whatever ``cur`` runs once ``seconds`` have passed.

    DuckDB checks for interruption between vectors, so a query stops shortly after the
    deadline wherever it is (scan, join, sort), without killing the process.
    """
    deadline = _Deadline()

    def fire() -> None:
        deadline.expired = True
        cur.interrupt()

    timer = threading.Timer(seconds, fire)
    timer.daemon = True
    timer.start()
    try:
        yield deadline
    finally:
        timer.cancel()


def translate_error(exc: duckdb.Error, timeout: float, *, paths: Mapping[str, str] | None = None,
                    error_class: type[QueryError] = QueryError) -> QueryError:
    """A QueryError for a DuckDB failure, without leaking server paths."""
    if isinstance(exc, duckdb.InterruptException):
        return error_class(
            _("The query took longer than %(seconds)s s and was stopped.")
            % {"seconds": f"{timeout:g}"},
            code="timeout",
        )
    if isinstance(exc, duckdb.OutOfMemoryException):
        return error_class(
            _("The query needed more memory than allowed and was stopped."), code="memory"
        )
    message = str(exc)
    for path, name in (paths or {}).items():
        message = message.replace(path, name)
    return error_class(
        _("The query failed: %(error)s") % {"error": message.strip()}, code="execution"
    )


_default_engine: QueryEngine | None = None
_default_lock = threading.Lock()


def default_engine() -> QueryEngine:
    """The process-wide engine (created on first use)."""
    global _default_engine
    with _default_lock:
        if _default_engine is None:
            _default_engine = QueryEngine()
        return _default_engine

