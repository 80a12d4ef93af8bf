"""Build the WHERE / ORDER BY / column list of a query over one table, from request values.

Every request value reaches DuckDB as a bound parameter; only column names (checked against
the table's columns, then quoted) and fixed keywords are written into the SQL text.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .engine import Column, TableInfo
from .errors import QueryError, _
from .sqltext import coerce_value

#: Range operators accepted inside a CKAN ``filters`` value (an Ouvert extension):
#: ``{"population": {"gte": 1000, "lt": 5000}}``.
ID_ORDER = '"_id" ASC NULLS LAST'
# Types of Parquet statistics that bound a sort (see ``Selection.sort_bound``).
BOUND_TYPES = (int, datetime.date)
#: ``_id desc`` (with either NULLS placement: a positional ``_id`` is never NULL).
ID_ORDER_DESC = ('"_id" DESC NULLS FIRST', '"_id" DESC NULLS LAST')
RANGE_OPERATORS = {"gt": ">", "gte": ">=", "lt": "<", "lte": "<="}


@dataclass
class Selection:
    """A query over one table, ready to be rendered as a page, a count or an export."""

    info: TableInfo
    columns: list[Column]
    where: list[str] = field(default_factory=list)
    params: list[Any] = field(default_factory=list)
    order: list[str] = field(default_factory=list)
    distinct: bool = False

    def add(self, clauses: Iterable[str], params: Iterable[Any]) -> None:
        self.where.extend(clauses)
        self.params.extend(params)

    @property
    def is_whole_table(self) -> bool:
        return not self.where and not self.distinct

    def row_range(self, *, limit: int, offset: int) -> tuple[int, int, bool] | None:
        """The page as row numbers ``(start, stop, descending)`` (0-based, end excluded),
        when it is a page of the whole table in ``_id`` order and ``_id`` is the row's
        position; None otherwise."""
        if not (self.info.dense_ids and self.is_whole_table):
            return None
        total = self.info.row_count
        if self.order in ([], [ID_ORDER]):
            start = min(offset, total)
            return start, min(offset + limit, total), False
        if len(self.order) == 1 and self.order[0] in ID_ORDER_DESC:
            stop = max(total - offset, 0)
            return max(stop - limit, 0), stop, True
        return None

    def sort_bound(self, *, rows: int) -> tuple[str, Any] | None:
        """A condition, read from the Parquet statistics, that every one of the first ``rows``
        rows in this order meets, so that DuckDB skips the row groups that cannot hold them;
        None when there is none to give.

        Only for the whole table sorted first on an integer or date column without nulls: the
        row groups with the largest maxima (``desc``; smallest minima for ``asc``) that hold
        ``rows`` rows between them put a floor under the first ``rows`` values, the smallest of
        their minima. On a column that grows along the file, as identifiers and dates of entry
        often do, a sort on it then reads one row group instead of all of them.
        """
        metadata = self.info.metadata
        if not self.is_whole_table or not self.order or metadata is None or rows <= 0:
            return None
        term = self.order[0]
        column = next((c for c in self.info.columns if term.startswith(c.sql + " ")), None)
        if column is None or column.name == "_id":
            return None
        descending = term[len(column.sql):].lstrip().startswith("DESC")
        try:
            index = metadata.schema.names.index(column.name)
        except ValueError:
            return None
        groups = []
        for number in range(metadata.num_row_groups):
            group = metadata.row_group(number)
            stats = group.column(index).statistics
            if stats is None or not stats.has_min_max or stats.null_count is None or stats.null_count:
                return None
            if type(stats.min) not in BOUND_TYPES or type(stats.max) not in BOUND_TYPES:
                return None
            groups.append((stats.min, stats.max, group.num_rows))
        groups.sort(key=lambda g: g[1] if descending else g[0], reverse=descending)
        held, bound = 0, None
        for low, high, count in groups:
            edge = low if descending else high
            bound = edge if bound is None else (min(bound, edge) if descending else max(bound, edge))
            held += count
            if held >= rows:
                break
        if held < rows or bound is None:
            return None
        return f"{column.sql} {'>=' if descending else '<='} ?", bound

    def where_sql(self) -> str:
        return " WHERE " + " AND ".join(f"({c})" for c in self.where) if self.where else ""

    def select_list(self) -> str:
        return ", ".join(c.sql for c in self.columns)

    def select_sql(self, *, limit: int | None = None, offset: int = 0,
                   select_list: str | None = None) -> tuple[str, list[Any]]:
        """The SQL of the selected rows, with LIMIT/OFFSET pushed into DuckDB."""
        params = list(self.params)
        where = self.where_sql()
        order = list(self.order)
        # Unfiltered page in _id order: read it by _id range so Parquet statistics skip
        # every row group but the one or two holding the page (offset 9,999,900 costs the
        # same as offset 0, and so does the last page, for ``_id desc``).
        rows = self.row_range(limit=limit, offset=offset) if limit is not None else None
        if rows is not None:
            start, stop, descending = rows
            where = ' WHERE "_id" > ? AND "_id" <= ?'
            params += [start, stop]
            offset = 0
            # In natural order, no ORDER BY: DuckDB keeps file order
            # (preserve_insertion_order), and a sort would make it read the whole row group
            # instead of stopping after the page.
            order = ['"_id" DESC'] if descending else []
        sql = "SELECT {distinct}{cols} FROM {src}{where}".format(
            distinct="DISTINCT " if self.distinct else "",
            cols=select_list or self.select_list(),
            src=self.info.source,
            where=where,
        )
        if order:
            sql += " ORDER BY " + ", ".join(order)
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        if offset:
            sql += f" OFFSET {int(offset)}"
        return sql, params

    def count_sql(self) -> tuple[str, list[Any]]:
        if self.distinct:
            inner = f"SELECT DISTINCT {self.select_list()} FROM {self.info.source}{self.where_sql()}"
            return f"SELECT count(*) FROM ({inner})", list(self.params)
        return f"SELECT count(*) FROM {self.info.source}{self.where_sql()}", list(self.params)


# -- fields -----------------------------------------------------------------------------------


def parse_fields(info: TableInfo, fields: Any, *, field_name: str = "fields") -> list[Column]:
    """CKAN's ``fields``: a list of names or a comma-separated string; all columns if empty."""
    if fields is None or fields == "" or fields == []:
        return list(info.columns)
    if isinstance(fields, str):
        names = [fields] if fields in info.by_name else [f.strip() for f in fields.split(",")]
    elif isinstance(fields, (list, tuple)):
        names = list(fields)
    else:
        raise QueryError(_("“fields” must be a list or a comma-separated string."),
                         field=field_name)
    columns: list[Column] = []
    for name in names:
        column = info.column(name, field=field_name)
        if column not in columns:
            columns.append(column)
    return columns


# -- sort -------------------------------------------------------------------------------------

_SORT_ITEM = re.compile(
    r'^\s*(?:"(?P<quoted>(?:[^"]|"")+)"|(?P<bare>.+?))'
    r"(?:\s+(?P<dir>asc|desc))?(?:\s+nulls\s+(?P<nulls>first|last))?\s*$",
    re.IGNORECASE | re.DOTALL,
)


def _split_commas(text: str) -> list[str]:
    """Split on commas outside double quotes (quoted column names may contain commas)."""
    parts, current, quoted = [], [], False
    for char in text:
        if char == '"':
            quoted = not quoted
        if char == "," and not quoted:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    return [p for p in parts if p.strip()]


def parse_sort(info: TableInfo, sort: Any, *, field_name: str = "sort",
               extra: Mapping[str, str] | None = None) -> list[str]:
    """CKAN's ``sort``: ``"col desc, other"`` (or a list of such items) → ORDER BY terms.

    ``extra`` maps further sortable names (aggregate aliases) to their SQL.
    """
    if sort is None or sort == "" or sort == []:
        return []
    if isinstance(sort, str):
        items = _split_commas(sort)
    elif isinstance(sort, (list, tuple)) and all(isinstance(s, str) for s in sort):
        items = [part for s in sort for part in _split_commas(s)]
    else:
        raise QueryError(_("“sort” must be a string such as “name desc, date”."),
                         field=field_name)
    known = {c.name: c.sql for c in info.columns} | dict(extra or {})
    terms = []
    for item in items:
        stripped = item.strip()
        if stripped in known:  # a column name that itself ends in " desc" wins
            name, direction, nulls = stripped, "ASC", None
        else:
            match = _SORT_ITEM.match(item)
            if not match:
                raise QueryError(_("Invalid sort “%(sort)s”.") % {"sort": item},
                                 field=field_name)
            name = match["quoted"].replace('""', '"') if match["quoted"] else match["bare"]
            direction = (match["dir"] or "asc").upper()
            nulls = match["nulls"]
        if name not in known:
            raise QueryError(
                _("Unknown column “%(name)s” in %(field)s.") % {"name": name, "field": field_name},
                field=field_name,
            )
        # PostgreSQL's default (what CKAN clients see): NULLs are larger than any value.
        nulls = (nulls or ("first" if direction == "DESC" else "last")).upper()
        terms.append(f"{known[name]} {direction} NULLS {nulls}")
    return terms


# -- CKAN filters -----------------------------------------------------------------------------


def _compare(column: Column, value: Any, *, field_name: str) -> tuple[str, list[Any]]:
    if value is None:
        return f"{column.sql} IS NULL", []
    if isinstance(value, Mapping):
        if not value:
            raise QueryError(_("Empty range for column “%(column)s”.") % {"column": column.name},
                             field=field_name)
        clauses, params = [], []
        for op, bound in value.items():
            if op not in RANGE_OPERATORS:
                raise QueryError(
                    _("Unknown range operator “%(op)s” for column “%(column)s” "
                      "(use gt, gte, lt or lte).") % {"op": op, "column": column.name},
                    field=field_name,
                )
            clauses.append(f"{column.sql} {RANGE_OPERATORS[op]} ?")
            params.append(_coerce(column, bound, field_name))
        return " AND ".join(clauses), params
    if isinstance(value, (list, tuple, set)):
        values = list(value)
        if not values:
            return "FALSE", []
        present = [v for v in values if v is not None]
        clauses, params = [], []
        if present:
            clauses.append(f"{column.sql} IN ({', '.join('?' * len(present))})")
            params = [_coerce(column, v, field_name) for v in present]
        if len(present) != len(values):
            clauses.append(f"{column.sql} IS NULL")
        return " OR ".join(clauses), params
    return f"{column.sql} = ?", [_coerce(column, value, field_name)]


def _coerce(column: Column, value: Any, field_name: str) -> Any:
    return coerce_value(value, column=column.name, kind=column.type, field=field_name)


def ckan_filters(info: TableInfo, filters: Any, *,
                 field_name: str = "filters") -> tuple[list[str], list[Any]]:
    """CKAN's ``filters``: ``{column: value | [values] | {"gte": x, "lt": y}}``."""
    if not filters:
        return [], []
    if not isinstance(filters, Mapping):
        raise QueryError(_("“filters” must be a dictionary of column → value."),
                         field=field_name)
    clauses, params = [], []
    for name, value in filters.items():
        column = info.column(name, field=field_name)
        clause, values = _compare(column, value, field_name=field_name)
        clauses.append(clause)
        params.extend(values)
    return clauses, params


# -- full text --------------------------------------------------------------------------------


def fold(sql: str) -> str:
    """Case- and accent-insensitive form of a text expression (« Québec » matches "quebec")."""
    return f"strip_accents(lower({sql}))"


def _words(text: Any, field_name: str) -> list[str]:
    if not isinstance(text, (str, int, float)) or isinstance(text, bool):
        raise QueryError(_("“q” must be text or a dictionary of column → text."),
                         field=field_name)
    return [w for w in re.split(r"\s+", str(text).strip()) if w]


def full_text(info: TableInfo, q: Any, *, field_name: str = "q") -> tuple[list[str], list[Any]]:
    """CKAN's ``q``: every word must occur, accent- and case-insensitively, as a substring.

    A string searches all text columns of the row; a dictionary ``{column: text}`` searches
    each named column (of any type, compared as text).
    """
    if q is None or q == "" or q == {}:
        return [], []
    clauses: list[str] = []
    params: list[Any] = []
    if isinstance(q, Mapping):
        for name, text in q.items():
            column = info.column(name, field=field_name)
            haystack = fold(f"CAST({column.sql} AS VARCHAR)")
            for word in _words(text, field_name):
                clauses.append(f"contains({haystack}, {fold('?')})")
                params.append(word)
        return clauses, params
    words = _words(q, field_name)
    if not words:
        return [], []
    columns: Sequence[Column] = info.text_columns
    if not columns:
        return ["FALSE"], []
    # One test per column rather than one over the concatenated row: DuckDB folds each
    # distinct value of a dictionary-encoded column once, which is many times faster.
    for word in words:
        clauses.append(" OR ".join(f"contains({fold(c.sql)}, {fold('?')})" for c in columns))
        params.extend([word] * len(columns))
    return clauses, params
