"""``datastore_search_sql``: one user-written SELECT, run in a sandbox.

Two independent layers, so that a gap in one is closed by the other:

1. **The statement is checked before it runs.** DuckDB parses it (``json_serialize_sql``
   gives the syntax tree of SELECT statements and refuses every other kind), and the tree is
   walked: exactly one SELECT; every table reference is one of the allowed tables, written
   as its resource id (or a CTE in scope); no table functions at all (``read_csv``,
   ``glob``, ``query``...); every function is on an allow-list built once from DuckDB's own
   catalogue of scalar, aggregate and window functions minus a deny-list (settings,
   variables, sequences, sleeping, logging, SQL-from-strings, catalogue macros); no
   parameters, no DESCRIBE/SHOW/SUMMARIZE, no time travel; functions that build huge values
   from a small argument (``repeat``, ``lpad``, ``list_resize``...) only with small constant
   sizes, because a single call of them cannot be interrupted.
2. **It runs on a fresh in-memory database that can reach nothing else.** The allowed
   tables are views over their Parquet files (with the columns every other read sees:
   ``_id`` first, derived from the row's position where the file does not store it),
   created first; then external access is disabled (only those files remain readable),
   extension loading and installation are off, and the configuration is locked, with a
   memory limit, a thread count and no spilling to disk. A timer interrupts the query at the deadline, and the result is capped in rows
   (truncated, as CKAN does) and in bytes (refused).
"""

from __future__ import annotations

import json
import os
import re
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import duckdb

from ..layout import positional_ids
from .engine import Tables, arrow_reader, interrupt_after, parquet_source, translate_error
from .errors import SqlError, _
from .search import format_records
from .sqltext import ckan_type, quote_ident, quote_literal

MAX_SQL_LENGTH = 20_000
MAX_ROWS = 32_000
MAX_RESULT_BYTES = 64 * 1024 * 1024
MAX_SIZE_ARGUMENT = 10_000
DEFAULT_TIMEOUT = 10.0
DEFAULT_MEMORY_LIMIT = "512MB"

# Functions DuckDB lists as scalar/aggregate/window/macro that the sandbox still refuses:
# they read settings, variables or the catalogue, change state, sleep, write logs, or turn a
# string into a query plan.
DENIED_FUNCTIONS = frozenset({
    "current_setting", "getvariable", "getenv", "currval", "nextval", "setval", "setseed",
    "sleep_ms", "pg_sleep", "write_log", "parse_duckdb_log_message",
    "json_serialize_plan", "json_serialize_sql", "json_deserialize_sql",
    "json_execute_serialized_sql", "query", "query_table", "glob", "sniff_csv",
    "get_block_size", "pg_get_viewdef", "pg_get_constraintdef", "format_type",
    # Quadratic in their arguments' length and not interruptible within one call.
    "levenshtein", "editdist3", "damerau_levenshtein", "jaro_similarity",
    "jaro_winkler_similarity",
})
DENIED_PREFIXES = (
    "read_", "parquet_", "duckdb_", "pragma_", "__internal", "sqlite_", "postgres_",
    "mysql_", "ducklake", "iceberg", "delta_", "http", "s3_", "enable_", "disable_",
    "load_", "install_", "icu_calendar",
)
# Functions that are syntax more than catalogue entries.
EXTRA_FUNCTIONS = frozenset({"unnest", "unlist"})
# Argument (0-based) holding a size: must be a constant no larger than MAX_SIZE_ARGUMENT.
SIZE_ARGUMENTS = {"repeat": 1, "lpad": 1, "rpad": 1, "list_resize": 1, "array_resize": 1}
FORMAT_FUNCTIONS = frozenset({"printf", "format"})
# List builders: bounds must be integer constants and the list at most MAX_SERIES long.
SERIES_FUNCTIONS = {"range": 0, "generate_series": 1}  # value: 1 if the stop is inclusive
MAX_SERIES = 100_000

EXPRESSION_CLASSES = frozenset({
    "BETWEEN", "CASE", "CAST", "COLLATE", "COLUMN_REF", "COMPARISON", "CONJUNCTION",
    "CONSTANT", "FUNCTION", "LAMBDA", "LAMBDA_REF", "OPERATOR", "POSITIONAL_REFERENCE",
    "STAR", "SUBQUERY", "TYPE", "WINDOW",
})
TABLE_REFS = frozenset({"BASE_TABLE", "JOIN", "SUBQUERY", "EXPRESSION_LIST", "EMPTY", "PIVOT"})
QUERY_NODES = frozenset({"SELECT_NODE", "SET_OPERATION_NODE", "RECURSIVE_CTE_NODE", "CTE_NODE"})


# -- the allow-list ---------------------------------------------------------------------------


def _denied(name: str) -> bool:
    return name in DENIED_FUNCTIONS or name.startswith(DENIED_PREFIXES)


@lru_cache(maxsize=1)
def allowed_functions() -> frozenset[str]:
    """Names of the functions a sandboxed query may call (computed once per process).

    Built-in macros are allowed only if their own definition passes the same checks: some
    expand to catalogue queries (``pg_get_viewdef`` reads ``duckdb_views()``).
    """
    conn = _locked_connection()
    rows = conn.execute(
        "SELECT function_name, function_type, macro_definition FROM duckdb_functions() "
        "WHERE function_type IN ('scalar', 'aggregate', 'window', 'macro')"
    ).fetchall()
    allowed = {name.lower() for name, kind, _d in rows if kind != "macro"}
    allowed |= EXTRA_FUNCTIONS
    allowed = {name for name in allowed if not _denied(name)}
    macros: dict[str, list[str]] = {}
    for name, kind, definition in rows:
        if kind == "macro":
            macros.setdefault(name.lower(), []).append(definition or "NULL")
    for name in macros:
        allowed.discard(name)
    # A macro may use another macro: accept them until nothing changes.
    changed = True
    while changed:
        changed = False
        for name, definitions in macros.items():
            if name in allowed or _denied(name):
                continue
            if all(_macro_is_safe(conn, d, frozenset(allowed)) for d in definitions):
                allowed.add(name)
                changed = True
    return frozenset(allowed)


def _macro_is_safe(conn: duckdb.DuckDBPyConnection, definition: str,
                   allowed: frozenset[str]) -> bool:
    try:
        tree = _parse(conn, f"SELECT {definition}")
        _Checker(tables=frozenset(), functions=allowed).check(tree)
    except SqlError:
        return False
    return True


# -- parsing ----------------------------------------------------------------------------------


def _locked_connection(memory_limit: str = "256MB") -> duckdb.DuckDBPyConnection:
    conn = duckdb.connect(":memory:", config={
        "autoinstall_known_extensions": False,
        "autoload_known_extensions": False,
        "enable_external_access": False,
        "memory_limit": memory_limit,
    })
    conn.execute("SET lock_configuration = true")
    return conn


_parser_local = threading.local()


def _parser() -> duckdb.DuckDBPyConnection:
    # One parsing connection per thread: DuckDB connections are not shared across threads.
    conn = getattr(_parser_local, "conn", None)
    if conn is None:
        conn = _parser_local.conn = _locked_connection()
    return conn


def _parse(conn: duckdb.DuckDBPyConnection, sql: str) -> dict[str, Any]:
    try:
        (text,) = conn.execute("SELECT json_serialize_sql(?)", [sql]).fetchone()
        tree = json.loads(text)
    except RecursionError:
        raise SqlError(_("The query is nested too deeply."), code="too_large") from None
    except duckdb.Error as exc:
        raise SqlError(_("The query could not be read: %(error)s") % {"error": exc},
                       code="syntax") from None
    if tree.get("error"):
        message = tree.get("error_message", "")
        if "Only SELECT statements" in message:
            raise SqlError(_("Only SELECT statements are allowed."))
        raise SqlError(_("The query could not be read: %(error)s") % {"error": message},
                       code="syntax")
    return tree


# -- the tree walk ----------------------------------------------------------------------------


@dataclass
class _Checker:
    tables: frozenset[str]
    functions: frozenset[str]

    def __post_init__(self) -> None:
        self.used: set[str] = set()
        self._folded_tables = {t.lower() for t in self.tables}

    def check(self, tree: Mapping[str, Any]) -> set[str]:
        statements = tree.get("statements") or []
        if not statements:
            raise SqlError(_("The query is empty."), code="syntax")
        if len(statements) != 1:
            raise SqlError(_("Only one statement is allowed."))
        statement = statements[0]
        if statement.get("named_param_map"):
            raise SqlError(_("Query parameters ($1, ?) are not allowed."))
        try:
            self._walk(statement.get("node"), frozenset())
        except RecursionError:
            raise SqlError(_("The query is nested too deeply."), code="too_large") from None
        return self.used

    def _walk(self, node: Any, ctes: frozenset[str]) -> None:
        if isinstance(node, list):
            for item in node:
                self._walk(item, ctes)
            return
        if not isinstance(node, dict):
            return
        cte_map = node.get("cte_map")
        if isinstance(cte_map, dict) and cte_map.get("map"):
            ctes = self._walk_ctes(cte_map["map"], ctes)
        if "class" in node:
            self._expression(node)
        elif "sample" in node and "query_location" in node:
            self._table_ref(node, ctes)
        elif isinstance(node.get("type"), str) and node["type"].endswith("_NODE") \
                and node["type"] not in QUERY_NODES:
            raise SqlError(_("This kind of query is not allowed (%(kind)s).")
                           % {"kind": node["type"]})
        for key, value in node.items():
            if key != "cte_map" and isinstance(value, (dict, list)):
                self._walk(value, ctes)

    def _walk_ctes(self, entries: list[Any], ctes: frozenset[str]) -> frozenset[str]:
        visible = set(ctes)
        for entry in entries:
            name = str(entry.get("key", ""))
            if name.lower() in self._folded_tables:
                raise SqlError(_("The name “%(name)s” is a table and cannot name a WITH query.")
                               % {"name": name})
            # A CTE sees itself (recursive CTEs) and the ones before it, never later ones:
            # a later name would otherwise resolve to a catalogue object.
            visible.add(name.lower())
            self._walk(entry.get("value"), frozenset(visible))
        return frozenset(visible)

    def _table_ref(self, node: Mapping[str, Any], ctes: frozenset[str]) -> None:
        kind = node.get("type")
        if kind == "TABLE_FUNCTION":
            function = (node.get("function") or {}).get("function_name", "?")
            raise SqlError(_("Table function %(name)s is not allowed: read from the "
                             "datastore tables only.") % {"name": function})
        if kind == "SHOW_REF":
            raise SqlError(_("DESCRIBE, SHOW and SUMMARIZE are not allowed."))
        if kind not in TABLE_REFS:
            raise SqlError(_("This kind of table reference is not allowed (%(kind)s).")
                           % {"kind": kind})
        if kind != "BASE_TABLE":
            return
        name = str(node.get("table_name", ""))
        if node.get("schema_name") or node.get("catalog_name"):
            raise SqlError(_("Unknown table “%(name)s”: refer to tables by their resource id "
                             "only, without a schema.") % {"name": _qualified(node)})
        if node.get("at_clause"):
            raise SqlError(_("Time travel (AT) is not allowed."))
        if name in self.tables:
            self.used.add(name)
            return
        if name.lower() in ctes:
            return
        raise SqlError(_("Unknown table “%(name)s”.") % {"name": name[:200]}, code="forbidden")

    def _expression(self, node: Mapping[str, Any]) -> None:
        cls = node.get("class")
        if cls not in EXPRESSION_CLASSES:
            if cls == "PARAMETER":
                raise SqlError(_("Query parameters ($1, ?) are not allowed."))
            raise SqlError(_("This expression is not allowed (%(kind)s).") % {"kind": cls})
        if cls in ("FUNCTION", "WINDOW"):
            self._function(node)

    def _function(self, node: Mapping[str, Any]) -> None:
        name = str(node.get("function_name", ""))
        folded = name.lower()
        if node.get("schema") or node.get("catalog"):
            raise SqlError(_("Function %(name)s is not allowed.") % {"name": _qualified(node)})
        if folded not in self.functions:
            raise SqlError(_("Function %(name)s is not allowed.") % {"name": name[:100]})
        arguments = [a.get("expression", a) if isinstance(a, dict) else a
                     for a in node.get("arguments") or node.get("children") or []]
        if folded in SIZE_ARGUMENTS:
            index = SIZE_ARGUMENTS[folded]
            size = _constant(arguments[index]) if len(arguments) > index else None
            if not isinstance(size, int) or not 0 <= size <= MAX_SIZE_ARGUMENT:
                raise SqlError(
                    _("Function %(name)s is only allowed with a constant size up to %(max)d.")
                    % {"name": name, "max": MAX_SIZE_ARGUMENT})
        if folded in SERIES_FUNCTIONS:
            self._series(name, [_constant(a) for a in arguments], SERIES_FUNCTIONS[folded])
        if folded in FORMAT_FUNCTIONS:
            pattern = _constant(arguments[0]) if arguments else None
            if not isinstance(pattern, str) or re.search(r"\d{5,}|\*|\{[^{}]*\{", pattern):
                raise SqlError(
                    _("Function %(name)s is only allowed with a constant format without "
                      "large or computed widths.") % {"name": name})


    @staticmethod
    def _series(name: str, bounds: list[Any], inclusive: int) -> None:
        length = None
        if bounds and all(isinstance(b, int) and not isinstance(b, bool) for b in bounds):
            start, stop, step = (0, bounds[0], 1) if len(bounds) == 1 else (
                bounds[0], bounds[1], bounds[2] if len(bounds) > 2 else 1)
            if step != 0 and len(bounds) <= 3:
                length = max(0, (stop - start + (step if inclusive else 0)) // step)
        if length is None or length > MAX_SERIES:
            raise SqlError(
                _("Function %(name)s is only allowed with constant integer bounds giving at "
                  "most %(max)d values.") % {"name": name, "max": MAX_SERIES})


def _qualified(node: Mapping[str, Any]) -> str:
    parts = [node.get(k) for k in ("catalog_name", "schema_name", "table_name", "catalog",
                                   "schema", "function_name")]
    return ".".join(str(p) for p in parts if p)


def _constant(node: Any) -> Any:
    """The value of a literal constant node, or None if the node is not a constant."""
    if not isinstance(node, dict) or node.get("class") != "CONSTANT":
        return None
    literal = node.get("literal")
    if isinstance(literal, dict):
        kind, text = literal.get("kind"), literal.get("text")
        if kind == "INTEGER":
            try:
                return int(text)
            except (TypeError, ValueError):
                return None
        if kind == "STRING":
            return text
        return None
    value = node.get("value")
    if isinstance(value, dict) and not value.get("is_null"):
        return value.get("value")
    return None


def check_sql(sql: str, allowed_tables: Iterable[str]) -> set[str]:
    """Check a statement against the sandbox rules; return the allowed tables it reads.

    Raises SqlError with a message saying what is refused.
    """
    if not isinstance(sql, str) or not sql.strip():
        raise SqlError(_("The query is empty."), code="syntax")
    if len(sql) > MAX_SQL_LENGTH:
        raise SqlError(_("The query is longer than %(max)d characters.")
                       % {"max": MAX_SQL_LENGTH}, code="too_large")
    if "\x00" in sql:
        raise SqlError(_("The query contains a NUL character."), code="syntax")
    tree = _parse(_parser(), sql)
    checker = _Checker(tables=frozenset(allowed_tables), functions=allowed_functions())
    return checker.check(tree)


# -- execution --------------------------------------------------------------------------------


def _sandbox(tables: Mapping[str, str], *, memory_limit: str,
             threads: int) -> duckdb.DuckDBPyConnection:
    conn = duckdb.connect(":memory:", config={
        "autoinstall_known_extensions": False,
        "autoload_known_extensions": False,
        "allow_community_extensions": False,
        "memory_limit": memory_limit,
        "threads": threads,
        # No spilling: the memory limit is then a real bound, and nothing is written to disk.
        "max_temp_directory_size": "0B",
    })
    try:
        for name, path in tables.items():
            # The same columns as the datastore's own queries see: ``_id`` first, derived from
            # the row's position where the file does not store it (``file_row_number`` stays
            # inside the view: a query cannot name it).
            columns = [row[0] for row in conn.execute(
                f"DESCRIBE SELECT * FROM read_parquet({quote_literal(path)})").fetchall()]
            source = parquet_source(path, positional_ids=positional_ids(columns))
            conn.execute(f"CREATE VIEW {quote_ident(name)} AS SELECT * FROM {source}")
        paths = ", ".join(quote_literal(p) for p in tables.values())
        conn.execute(f"SET allowed_paths = [{paths}]")
        conn.execute("SET enable_external_access = false")
        conn.execute("SET lock_configuration = true")
    except Exception:
        conn.close()
        raise
    return conn


def datastore_search_sql(
    tables: Tables,
    *,
    sql: str,
    timeout: float = DEFAULT_TIMEOUT,
    memory_limit: str = DEFAULT_MEMORY_LIMIT,
    threads: int = 2,
    max_rows: int = MAX_ROWS,
    max_bytes: int = MAX_RESULT_BYTES,
    records_format: str = "objects",
) -> dict[str, Any]:
    """Run one sandboxed SELECT over ``tables`` and return CKAN's ``datastore_search_sql`` result.

    ``tables`` maps the resource ids the caller may read to their Parquet paths; queries
    name them as double-quoted ids (``SELECT * FROM "1b4e…"``). More than ``max_rows`` rows
    are truncated (``records_truncated`` is then true, as in CKAN); a result larger than
    ``max_bytes`` is refused.
    """
    used = check_sql(sql, tables.keys())
    paths = {name: os.path.realpath(os.fspath(tables[name])) for name in sorted(used)}
    for name, path in paths.items():
        if not os.path.isfile(path):
            raise SqlError(_("Resource “%(name)s” has no datastore table.") % {"name": name},
                           code="not_found")
    if records_format not in ("objects", "lists", "csv", "tsv"):
        raise SqlError(_("“records_format” must be one of: objects, lists, csv, tsv."),
                       code="validation", field="records_format")
    hidden = {path: name for name, path in paths.items()}
    try:
        conn = _sandbox(paths, memory_limit=memory_limit, threads=threads)
    except duckdb.Error as exc:
        raise translate_error(exc, timeout, paths=hidden, error_class=SqlError) from None
    try:
        with interrupt_after(conn, timeout):
            try:
                relation = conn.sql(sql)
                names = list(relation.columns)
                types = [str(t) for t in relation.types]
                reader = arrow_reader(relation, min(max_rows + 1, 8192))
                batches, rows_seen, size = [], 0, 0
                for batch in reader:
                    size += batch.nbytes
                    if size > max_bytes:
                        raise SqlError(
                            _("The result is larger than %(max)d MB; select fewer columns or "
                              "rows.") % {"max": max_bytes // (1024 * 1024)}, code="too_large")
                    batches.append(batch)
                    rows_seen += batch.num_rows
                    if rows_seen > max_rows:
                        break
            except duckdb.Error as exc:
                raise translate_error(exc, timeout, paths=hidden, error_class=SqlError) from None
    finally:
        conn.close()
    rows: list[tuple] = []
    for batch in batches:
        columns = [batch.column(i).to_pylist() for i in range(batch.num_columns)]
        rows.extend(zip(*columns, strict=True) if columns else [()] * batch.num_rows)
    truncated = len(rows) > max_rows
    rows = rows[:max_rows]
    result_dict: dict[str, Any] = {
        "sql": sql,
        "fields": [{"id": n, "type": ckan_type(t)} for n, t in zip(names, types, strict=True)],
        "records": format_records(names, rows, records_format),
        "records_format": records_format,
    }
    if truncated:
        result_dict["records_truncated"] = True
    return result_dict
