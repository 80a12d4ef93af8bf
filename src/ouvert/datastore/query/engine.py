"""A shared DuckDB connection for the datastore's own (trusted, generated) queries.

The engine holds one in-memory DuckDB database per process and a small cache of what it knows
about each table version (columns, row count, whether ``_id`` is dense). Queries read the
Parquet file directly with ``read_parquet``: there is no catalog state to keep in sync with
table versions, and DuckDB's Parquet metadata cache keeps repeated reads of a file cheap.
Every call takes its own cursor, because a DuckDB connection must not be used by two threads
at once, while cursors of one connection share the database and its caches.

User-written SQL never runs here: see ``sandbox.py``.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import duckdb

from .errors import QueryError, _
from .sqltext import ckan_type, quote_ident, quote_literal

Tables = Mapping[str, "str | os.PathLike[str]"]


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
    #: ``_id`` runs exactly 1..row_count, so a page of the unfiltered table can be read by
    #: ``_id`` range (Parquet row-group statistics then skip everything else).
    dense_ids: bool

    @property
    def source(self) -> str:
        """The FROM clause for this table version."""
        return f"read_parquet({quote_literal(self.path)})"

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
        info = self._inspect(name, path, stat.st_size)
        with self._lock:
            self._cache[key] = info
            while len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        return info

    def _inspect(self, name: str, path: str, size: int) -> TableInfo:
        source = f"read_parquet({quote_literal(path)})"
        with self.cursor() as cur:
            described = cur.execute(f"DESCRIBE SELECT * FROM {source}").fetchall()
            columns = tuple(Column(row[0], row[1]) for row in described)
            names = [c.name for c in columns]
            if "_id" in names:
                count, low, high = cur.execute(
                    f"SELECT count(*), min(_id), max(_id) FROM {source}"
                ).fetchone()
                dense = count == 0 or (low == 1 and high == count)
            else:
                (count,) = cur.execute(f"SELECT count(*) FROM {source}").fetchone()
                dense = False
        return TableInfo(name, path, columns, int(count), size, dense)

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

