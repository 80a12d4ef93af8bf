"""Ouvert's native table endpoints: Django-style lookups, pages, and grouped aggregates.

Lookups are written ``column__operator=value`` (``population__greater=1000``); a bare
``column=value`` means ``__exact``. Operators:

=================  ==================================================================
``exact``          equal (typed: ``"12"`` matches the integer 12)
``not``            different, or NULL
``in``             one of a list (a list, or a comma-separated string)
``less``           ``<``; ``less_equal`` ``<=``; ``greater`` ``>``; ``greater_equal`` ``>=``
``contains``       substring, accent- and case-insensitive (« montreal » finds Montréal)
``startswith``     prefix, accent- and case-insensitive
``isnull``         ``true`` or ``false``
=================  ==================================================================
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .engine import QueryEngine, TableInfo, Tables, default_engine
from .errors import QueryError, _
from .search import count_selection, fields_description, format_records
from .selection import Selection, fold, parse_fields, parse_sort
from .sqltext import coerce_value, quote_ident

OPERATORS = ("exact", "not", "in", "less", "less_equal", "greater", "greater_equal",
             "contains", "startswith", "isnull")
AGGREGATES = ("count", "count_distinct", "sum", "avg", "min", "max")
MAX_PAGE_SIZE = 32000


@dataclass(frozen=True)
class Lookup:
    column: str
    operator: str
    value: Any


@dataclass(frozen=True)
class Aggregate:
    """``function`` over ``column`` (``None`` for ``count`` of rows), named ``alias``."""

    function: str
    column: str | None = None
    alias: str | None = None

    @property
    def name(self) -> str:
        if self.alias:
            return self.alias
        return self.function if self.column is None else f"{self.function}_{self.column}"


def parse_lookups(params: Mapping[str, Any], *, columns: Iterable[str]) -> list[Lookup]:
    """Lookups from query parameters; parameters that are not about a column are ignored.

    ``columns`` disambiguates names containing ``__`` (a column called ``a__in`` wins over
    the ``in`` operator on ``a``).
    """
    known = set(columns)
    lookups = []
    for key, value in params.items():
        if key in known:
            lookups.append(Lookup(key, "exact", value))
            continue
        column, sep, operator = key.rpartition("__")
        if sep and column in known:
            if operator not in OPERATORS:
                raise QueryError(
                    _("Unknown filter “%(op)s” on column “%(column)s”.")
                    % {"op": operator, "column": column},
                    field=key,
                )
            lookups.append(Lookup(column, operator, value))
    return lookups


def parse_aggregate(spec: str) -> Aggregate:
    """``"count"``, ``"sum:population"``, ``"avg:prix"`` → Aggregate."""
    function, _sep, column = spec.partition(":")
    function = function.strip().lower()
    if function not in AGGREGATES:
        raise QueryError(
            _("Unknown aggregate “%(name)s” (use count, count_distinct, sum, avg, min or max).")
            % {"name": function},
            field="aggregate",
        )
    return Aggregate(function, column or None)


def lookup_clauses(info: TableInfo, lookups: Iterable[Lookup]) -> tuple[list[str], list[Any]]:
    """WHERE clauses and parameters for native lookups."""
    clauses: list[str] = []
    params: list[Any] = []
    for lookup in lookups:
        field = f"{lookup.column}__{lookup.operator}"
        column = info.column(lookup.column, field=field)
        op = lookup.operator
        value = lookup.value
        if isinstance(value, list) and op not in ("in",) and len(value) == 1:
            value = value[0]  # QueryDict.getlist() style single values
        def typed(v: Any, column=column, field=field) -> Any:
            return coerce_value(v, column=column.name, kind=column.type, field=field)
        if op == "exact":
            clauses.append(f"{column.sql} = ?")
            params.append(typed(value))
        elif op == "not":
            clauses.append(f"{column.sql} IS DISTINCT FROM ?")
            params.append(typed(value))
        elif op == "in":
            values = value.split(",") if isinstance(value, str) else list(value)
            if not values:
                clauses.append("FALSE")
                continue
            clauses.append(f"{column.sql} IN ({', '.join('?' * len(values))})")
            params.extend(typed(v.strip() if isinstance(v, str) else v) for v in values)
        elif op in ("less", "less_equal", "greater", "greater_equal"):
            symbol = {"less": "<", "less_equal": "<=", "greater": ">", "greater_equal": ">="}[op]
            clauses.append(f"{column.sql} {symbol} ?")
            params.append(typed(value))
        elif op == "contains":
            clauses.append(f"contains({fold(f'CAST({column.sql} AS VARCHAR)')}, {fold('?')})")
            params.append(str(value))
        elif op == "startswith":
            clauses.append(
                f"starts_with({fold(f'CAST({column.sql} AS VARCHAR)')}, {fold('?')})")
            params.append(str(value))
        elif op == "isnull":
            wanted = coerce_value(value, column=column.name, kind="bool", field=field)
            clauses.append(f"{column.sql} IS {'' if wanted else 'NOT '}NULL")
        else:
            raise QueryError(_("Unknown filter “%(op)s” on column “%(column)s”.")
                             % {"op": op, "column": column.name}, field=field)
    return clauses, params


def native_search(
    tables: Tables,
    *,
    table: str,
    lookups: Sequence[Lookup] = (),
    fields: Sequence[str] | str | None = None,
    sort: str | Sequence[str] | None = None,
    page: int = 1,
    page_size: int = 100,
    group_by: Sequence[str] = (),
    aggregates: Sequence[Aggregate] = (),
    include_total: bool = True,
    max_page_size: int = MAX_PAGE_SIZE,
    engine: QueryEngine | None = None,
) -> dict[str, Any]:
    """One page of a table, filtered by lookups, optionally grouped and aggregated.

    Without aggregates, rows are the table's (``fields`` selects columns). With aggregates,
    rows are one per ``group_by`` combination (or a single row), with the group columns then
    the aggregates; ``sort`` may name group columns and aggregate names (``count``,
    ``sum_population``...).
    """
    engine = engine or default_engine()
    info = engine.describe(tables, table)
    if not isinstance(page, int) or isinstance(page, bool) or page < 1:
        raise QueryError(_("“page” must be a positive integer."), field="page")
    if not isinstance(page_size, int) or isinstance(page_size, bool) or page_size < 1:
        raise QueryError(_("“page_size” must be a positive integer."), field="page_size")
    if page_size > max_page_size:
        raise QueryError(_("“page_size” must be at most %(max)d.") % {"max": max_page_size},
                         field="page_size")
    offset = (page - 1) * page_size
    where, params = lookup_clauses(info, lookups)

    if not aggregates and not group_by:
        selection = Selection(info, parse_fields(info, fields), where, params)
        selection.order = parse_sort(info, sort)
        sql, sql_params = selection.select_sql(limit=page_size, offset=offset)
        names, rows = engine.fetch(sql, sql_params)
        result = {"fields": fields_description(selection.columns),
                  "records": format_records(names, rows, "objects")}
        if include_total:
            result["total"] = count_selection(engine, selection, page_rows=len(rows),
                                              limit=page_size, offset=offset)
    else:
        groups = parse_fields(info, list(group_by), field_name="group_by") if group_by else []
        select, extra, out_fields = [c.sql for c in groups], {}, fields_description(groups)
        for aggregate in aggregates:
            expression, kind = _aggregate_sql(info, aggregate)
            if aggregate.name in extra or aggregate.name in {c.name for c in groups}:
                raise QueryError(_("Two result columns are called “%(name)s”.")
                                 % {"name": aggregate.name}, field="aggregate")
            extra[aggregate.name] = quote_ident(aggregate.name)
            select.append(f"{expression} AS {quote_ident(aggregate.name)}")
            out_fields.append({"id": aggregate.name, "type": kind})
        order_info = TableInfo(info.name, info.path, tuple(groups), 0, 0, False)
        order = parse_sort(order_info, sort, extra=extra) or [c.sql for c in groups]
        where_sql = " WHERE " + " AND ".join(f"({c})" for c in where) if where else ""
        grouping = " GROUP BY " + ", ".join(c.sql for c in groups) if groups else ""
        base = f"SELECT {', '.join(select)} FROM {info.source}{where_sql}{grouping}"
        sql = base + (" ORDER BY " + ", ".join(order) if order else "")
        sql += f" LIMIT {page_size} OFFSET {offset}"
        names, rows = engine.fetch(sql, params)
        result = {"fields": out_fields, "records": format_records(names, rows, "objects")}
        if include_total:
            if 0 < len(rows) < page_size:
                result["total"] = offset + len(rows)
            else:
                _n, count_rows = engine.fetch(f"SELECT count(*) FROM ({base})", params)
                result["total"] = int(count_rows[0][0])
    result.update(page=page, page_size=page_size)
    if "total" in result:
        result["has_next"] = offset + page_size < result["total"]
    return result


def _aggregate_sql(info: TableInfo, aggregate: Aggregate) -> tuple[str, str]:
    function = aggregate.function
    if function not in AGGREGATES:
        raise QueryError(_("Unknown aggregate “%(name)s” (use count, count_distinct, sum, avg, "
                           "min or max).") % {"name": function}, field="aggregate")
    if aggregate.column is None:
        if function != "count":
            raise QueryError(_("Aggregate “%(name)s” needs a column.") % {"name": function},
                             field="aggregate")
        return "count(*)", "int"
    column = info.column(aggregate.column, field="aggregate")
    if function == "count":
        return f"count({column.sql})", "int"
    if function == "count_distinct":
        return f"count(DISTINCT {column.sql})", "int"
    if function in ("sum", "avg") and column.type not in ("int", "numeric"):
        raise QueryError(
            _("Aggregate “%(name)s” needs a numeric column; “%(column)s” is %(type)s.")
            % {"name": function, "column": column.name, "type": column.type},
            field="aggregate",
        )
    if function == "avg":
        return f"avg({column.sql})", "numeric"
    if function == "sum":
        return f"sum({column.sql})", column.type
    return f"{function}({column.sql})", column.type
