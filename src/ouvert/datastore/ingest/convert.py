"""DuckDB conversions: one pass from CSV to typed Parquet, with bounded threads and memory."""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Callable

import duckdb

from ..layout import positional_ids
from .errors import IngestError, _
from .types import ColumnType, sql_failed, sql_ident, sql_string, sql_typed

FAIL_TAG = "\x01ouvert-cast:"
_LINE_RE = re.compile(r"CSV Error on Line: (\d+)")


def connect(*, threads: int | None, memory_limit: str, temp_dir: str) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(":memory:", config={
        "autoinstall_known_extensions": False,
        "autoload_known_extensions": False,
    })
    con.execute(f"SET threads = {int(threads or os.cpu_count() or 1)}")
    con.execute(f"SET memory_limit = {sql_string(memory_limit)}")
    # Insertion order keeps each row's position in the Parquet file its position in the
    # source, which is what queries make _id from.
    con.execute("SET preserve_insertion_order = true")
    con.execute(f"SET temp_directory = {sql_string(temp_dir)}")
    con.execute("SET enable_progress_bar = false")
    return con


def read_csv_sql(path: str, ncols: int, *, delimiter: str, skip: int, new_line: str | None,
                 max_line_length: int, names: list[str] | None = None,
                 encoding: str = "utf-8") -> str:
    cols = names or [f"c{i}" for i in range(ncols)]
    columns = "{" + ", ".join(f"{sql_string(c)}: 'VARCHAR'" for c in cols) + "}"
    opts = [
        f"delim = {sql_string(delimiter)}", "quote = '\"'", "escape = '\"'", "header = false",
        f"skip = {int(skip)}", "auto_detect = false", f"columns = {columns}",
        "strict_mode = true", "null_padding = false", "all_varchar = true",
        f"max_line_size = {int(max_line_length)}", f"encoding = {sql_string(encoding)}",
    ]
    if new_line:
        opts.append(f"new_line = {sql_string(new_line)}")
    return f"read_csv({sql_string(path)}, {', '.join(opts)})"


def _poll_progress(con, stop: threading.Event, callback, estimated_rows: int, base: float,
                   span: float) -> None:
    while not stop.wait(0.25):
        try:
            fraction = con.query_progress()
        except Exception:
            return
        if fraction is not None and fraction >= 0:
            fraction = min(fraction / 100.0, 1.0)
            callback(int(estimated_rows * fraction), base + span * fraction)


def run(con, sql: str, *, progress: Callable | None = None, estimated_rows: int = 0,
        base: float = 0.0, span: float = 1.0):
    """Execute ``sql``, reporting DuckDB's own progress through ``progress`` meanwhile."""
    if progress is None:
        return con.execute(sql).fetchall()
    stop = threading.Event()
    watcher = threading.Thread(target=_poll_progress,
                               args=(con, stop, progress, estimated_rows, base, span),
                               daemon=True)
    watcher.start()
    try:
        return con.execute(sql).fetchall()
    finally:
        stop.set()
        watcher.join()


def select_sql(source: str, columns: list[tuple[str, str, ColumnType]], *, checked: bool,
               skip_empty: bool = False) -> str:
    """SELECT producing each typed column, from ``source`` with varchar columns.

    ``columns`` holds (source column, output name, type). With ``checked``, a value that
    breaks its column's type aborts the query with a tagged error (see types.sql_typed).

    The table stores no ``_id``: queries derive it from the row's position in the Parquet
    file (``query.engine.parquet_source``), which insertion order keeps equal to the row's
    position in the source. Numbering the rows here (``row_number() OVER ()``) would run on
    a single thread. Only a table with a column of the position's own name (which DuckDB
    could not tell from the position) stores ``_id``, numbered here.
    """
    exprs = []
    for index, (src, name, ctype) in enumerate(columns):
        fail = f"{FAIL_TAG}{index}:" if checked else None
        exprs.append(f"{sql_typed(sql_ident(src), ctype, fail=fail)} AS {sql_ident(name)}")
    where = ""
    if skip_empty:
        # Rows of empty cells (",,,,") carry nothing; the careful path drops them too.
        where = " WHERE NOT (" + " AND ".join(
            f"nullif({sql_ident(src)}, '') IS NULL" for src, _n, _t in columns) + ")"
    return f"SELECT {id_sql([name for _s, name, _t in columns])}{', '.join(exprs)} " \
           f"FROM {source}{where}"


def id_sql(names: list[str]) -> str:
    """The select-list entry for ``_id`` of a table with these columns: none (positional),
    or the row number where a column takes the name of the position's column."""
    return "" if positional_ids(names) else "row_number() OVER () AS _id, "


def copy_to_parquet(con, select: str, dest: str, **kw) -> int:
    rows = run(con, f"COPY ({select}) TO {sql_string(dest)} "
                    "(FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 122880)", **kw)
    return int(rows[0][0]) if rows else 0


class FastPathFailed(Exception):
    """The one-pass conversion met something that needs the careful path."""

    def __init__(self, reason: str, *, line: int | None = None, column: int | None = None):
        super().__init__(reason)
        self.reason = reason
        self.line = line
        self.column = column


def classify_error(exc: Exception, *, max_line_length: int) -> Exception:
    """Turn a DuckDB error of the fast path into IngestError or FastPathFailed."""
    text = str(exc)
    if FAIL_TAG in text:
        index = int(text.split(FAIL_TAG, 1)[1].split(":", 1)[0])
        return FastPathFailed("cast", column=index)
    match = _LINE_RE.search(text)
    line = int(match.group(1)) if match else None
    if "Maximum line size" in text or "maximum line size" in text:
        return IngestError(
            _("Line %(line)s is longer than %(max)d bytes: the file does not look like a table, "
              "or a quote is never closed.") % {"line": line or "?", "max": max_line_length},
            "line_too_long", row=line)
    if "Invalid unicode" in text or "not utf-8" in text:
        return FastPathFailed("encoding", line=line)
    if isinstance(exc, duckdb.OutOfMemoryException):
        return IngestError(_("The file could not be converted within the memory allowed."),
                           "too_large")
    return FastPathFailed("structure", line=line)


def failure_counts(con, source: str, checks: list[tuple[str, ColumnType]],
                   *, examples: int = 20) -> list[tuple[int, list[tuple[int, str]]]]:
    """For each (column, type): how many present values fail, and the first few (_line, value)."""
    if not checks:
        return []
    counts = ", ".join(
        f"count(*) FILTER (WHERE {sql_failed(sql_ident(col), ctype)})" for col, ctype in checks)
    totals = con.execute(f"SELECT {counts} FROM {source}").fetchone()
    out = []
    for (col, ctype), total in zip(checks, totals, strict=True):
        found: list[tuple[int, str]] = []
        if total:
            found = con.execute(
                f"SELECT CAST(_line AS BIGINT), {sql_ident(col)} FROM {source} "
                f"WHERE {sql_failed(sql_ident(col), ctype)} ORDER BY 1 LIMIT {examples}"
            ).fetchall()
        out.append((int(total), found))
    return out
