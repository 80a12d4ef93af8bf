"""The part of a search that is the same whatever the back end: who sees what, filters,
facets, sorting and paging. The back end only says which documents match the words and how well.

Everything runs over the index tables (``catalog_search_entry`` and ``catalog_search_facet``,
see ``backends.base``), never the catalog's: one statement finds the matching documents once,
then counts them, ranks one page of them and joins their facet codes into one blob, which is
counted here in a few milliseconds whatever the number of matches. Only the page's datasets, the
names of the most frequent facet values and their labels are read afterwards.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime

from django.conf import settings
from django.db import connection
from django.utils import timezone

from ouvert.accounts.permissions import dataset_visibility
from ouvert.core.i18n import current_language

from .backends import get_backend
from .backends.base import ENTRIES, unpack_code
from .backends.base import FACETS as FACET_TABLE
from .backends.base import VALUES as VALUE_TABLE
from .documents import FACETS
from .thesaurus import QueryClause, parse_clauses

SORTS = ("relevance", "name", "modified")
# Fields of ``order`` and the expression each sorts on; ``score`` is the tier then the score.
ORDER_FIELDS = ("score", "name", "id", "modified", "created", "title")
DIRECTIONS = ("asc", "desc")
# The old ``sort`` values as ``order`` lists.
SORT_ORDERS = {
    "relevance": [("score", "desc"), ("modified", "desc"), ("id", "asc")],
    "modified": [("modified", "desc"), ("id", "asc")],
    "name": [("name", "asc")],
}
# Filters beyond the facets: on the dataset's name and id.
FIELD_FILTERS = {"name": "name", "id": "dataset_id"}
RANGES = ("modified", "created")
FACET_LIMIT = 50
MAX_PAGE_SIZE = 1000


@dataclass
class SearchResult:
    datasets: list  # Dataset instances of the requested page, in order
    total: int
    facets: dict[str, list[tuple[str, str, int]]] = field(default_factory=dict)  # facet -> [(value, label, count)]


class _Where:
    """SQL conditions on the document ``d``, AND-ed, with their parameters in order."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.params: list = []

    def add(self, sql: str, params=()) -> None:
        self.parts.append(sql)
        self.params.extend(params)

    def sql(self) -> str:
        return " AND ".join(self.parts) if self.parts else "1 = 1"


def _marks(values) -> str:
    return ", ".join(["%s"] * len(values))


def _values(values) -> list[str]:
    if isinstance(values, str):
        values = [values]
    return [str(v) for v in values or () if v not in (None, "")]


def _ids(values: list[str]) -> list:
    backend = get_backend()
    found = []
    for value in values:
        try:
            found.append(backend.db_id(uuid.UUID(value)))
        except ValueError:
            continue
    return found


def _visibility(where: _Where, actor, states: list[str]) -> None:
    where.add(f"d.state IN ({_marks(states)})", states)
    clauses = dataset_visibility(actor).clauses()
    if clauses is None:
        return
    org_pk = get_backend().db_id  # organisation ids are UUIDs stored as dataset ids are
    alternatives = []
    for clause in clauses:
        parts = []
        for lookup, value in clause.items():
            column, _, operator = lookup.partition("__")
            if operator == "in":
                values = [org_pk(v) for v in value] if column == "organisation_id" else list(value)
                parts.append(f"d.{column} IN ({_marks(values)})")
                where.params.extend(values)
            elif value is None:
                parts.append(f"d.{column} IS NULL")
            else:
                parts.append(f"d.{column} = %s")
                where.params.append(value)
        alternatives.append("(" + " AND ".join(parts) + ")")
    where.parts.append("(" + " OR ".join(alternatives) + ")")


def _filter(where: _Where, name: str, values, *, negate: bool) -> None:
    values = _values(values)
    if not values:
        return
    if name in FACETS:
        # The value ids are looked up first: given them, PostgreSQL's planner estimates how many
        # documents a value holds from its statistics (a value held by 80,000 documents is not
        # planned as if it held 700).
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT id FROM {VALUE_TABLE} WHERE facet = %s AND value IN ({_marks(values)})",
                           [name, *values])
            ids = sorted(row[0] for row in cursor.fetchall())
        if ids:
            where.add(f"d.id {'NOT ' if negate else ''}IN (SELECT f.doc FROM {FACET_TABLE} f "
                      f"WHERE f.value_id IN ({_marks(ids)}))", ids)
        elif not negate:
            where.add("1 = 0")
        return
    column = FIELD_FILTERS.get(name)
    if column is None:
        return
    if column == "dataset_id":
        values = _ids(values)
        if not values:
            if not negate:
                where.add("1 = 0")
            return
    where.add(f"d.{column} {'NOT ' if negate else ''}IN ({_marks(values)})", values)


def _moment(value) -> object:
    if timezone.is_naive(value):
        value = timezone.make_aware(value, UTC)
    return connection.ops.adapt_datetimefield_value(value)


def _order_sql(order, sort: str, has_query: bool) -> str:
    if order is None:
        order = SORT_ORDERS.get(sort, SORT_ORDERS["relevance"])
    lang = current_language()
    other = "en" if lang == "fr" else "fr"
    columns = {
        "name": ["name"], "id": ["dataset_id"], "modified": ["modified"], "created": ["created"],
        "title": [f"CASE WHEN sort_title_{lang} <> '' THEN sort_title_{lang} ELSE sort_title_{other} END"],
        "score": ["tier", "score"] if has_query else [],
    }
    terms: list[str] = []
    seen = set()
    for item in order:
        name, direction = (item, "asc") if isinstance(item, str) else item
        direction = str(direction).lower()
        if name not in columns or direction not in DIRECTIONS or name in seen:
            continue
        seen.add(name)
        terms += [f"{column} {direction.upper()}" for column in columns[name]]
    if "id" not in seen:
        terms.append("dataset_id ASC")  # stable paging whatever the order
    return ", ".join(terms)


def _int(value, default: int) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def search_datasets(query: str = "", *, actor, filters: dict[str, list[str]] | None = None,
                    sort: str = "relevance", page: int = 1, page_size: int = 20,
                    include_drafts: bool = False, exclude: dict[str, list[str]] | None = None,
                    ranges: dict[str, tuple[datetime | None, datetime | None]] | None = None,
                    order: list[tuple[str, str]] | None = None, offset: int | None = None,
                    limit: int | None = None, expand: bool | None = None) -> SearchResult:
    from ouvert.catalog.models import Dataset, State

    if expand is None:
        expand = getattr(settings, "OUVERT_SEARCH_SYNONYMS", True)
    if offset is None and limit is None:
        page_size = min(max(_int(page_size, 20), 1), MAX_PAGE_SIZE)
        offset, limit = (max(_int(page, 1), 1) - 1) * page_size, page_size
    else:
        offset = max(_int(offset, 0), 0)
        limit = min(max(_int(limit, 20), 0), MAX_PAGE_SIZE)

    where = _Where()
    _visibility(where, actor, [State.ACTIVE, State.DRAFT] if include_drafts else [State.ACTIVE])
    for name, values in (filters or {}).items():
        _filter(where, name, values, negate=False)
    for name, values in (exclude or {}).items():
        _filter(where, name, values, negate=True)
    for name, bounds in (ranges or {}).items():
        if name not in RANGES or not bounds:
            continue
        start, end = bounds
        if start is not None:
            where.add(f"d.{name} >= %s", [_moment(start)])
        if end is not None:
            where.add(f"d.{name} <= %s", [_moment(end)])

    clauses = parse_clauses(query, expand=expand)
    if clauses:
        typed = [QueryClause((c.alternatives[0],)) for c in clauses]
        # Titles holding the words as typed, then titles holding an equivalent, then documents
        # holding the words as typed anywhere: an expansion never outranks what was typed.
        tiers = [(typed, True), (clauses, True), (typed, False)] if any(c.expanded for c in clauses) else [(clauses, True)]
        match_sql, match_params = get_backend().match(clauses, tiers)
        source = f"({match_sql}) m JOIN {ENTRIES} d ON d.id = m.doc"
        scores = "m.tier AS tier, m.score AS score"
    else:
        match_params = []
        source = f"{ENTRIES} d"
        scores = "0 AS tier, 0 AS score"
    ordering = _order_sql(order, sort, bool(clauses))
    # One statement: the matching documents once, then the facet codes of every match joined
    # into one blob (part 2, counted by ``_facet_counts``), their number (part 0) and the page
    # (part 1, with its position: only the first offset + limit are sorted).
    backend = get_backend()
    sql = (
        f"WITH hits AS MATERIALIZED (SELECT d.id, d.dataset_id, d.name, d.modified, d.created, "
        f"d.sort_title_fr, d.sort_title_en, d.facet_codes, {scores} FROM {source} WHERE {where.sql()}) "
        f"SELECT 2, NULL, {backend.concatenated('facet_codes')}, 0, 0 FROM hits "  # first: it types the column
        f"UNION ALL SELECT 0, NULL, NULL, count(*), 0 FROM hits "
        f"UNION ALL SELECT 1, key, NULL, 0, pos FROM ("
        f"  SELECT CAST(dataset_id AS text) AS key, row_number() OVER (ORDER BY {ordering}) AS pos "
        f"  FROM (SELECT * FROM hits ORDER BY {ordering} LIMIT %s) top"
        f") p WHERE pos > %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*match_params, *where.params, offset + limit, offset])
        rows = cursor.fetchall()

    total = 0
    page_keys: list[tuple[int, str]] = []
    codes = b""
    for part, key, value, n, position in rows:
        if part == 0:
            total = n
        elif part == 1:
            page_keys.append((position, key))
        elif value is not None:
            codes = bytes(value)
    pk = Dataset._meta.pk
    ids = [pk.to_python(key) for _position, key in sorted(page_keys)]
    found = Dataset.objects.select_related("organisation", "licence").in_bulk(ids)
    datasets = [found[i] for i in ids if i in found]
    return SearchResult(datasets=datasets, total=total, facets=_labelled(_facet_counts(codes)))


def _facet_counts(codes: bytes) -> dict[str, list[tuple[int, str, int]]]:
    """The ``FACET_LIMIT`` most frequent values of each facet in ``codes`` (the facet codes of
    every match, see ``backends.base.pack_facets``), as ``(rank, value, count)``: most
    frequent first, then by value."""
    import pyarrow as pa
    import pyarrow.compute as pc

    counts: dict[str, list[tuple[int, str, int]]] = {name: [] for name in FACETS}
    if not codes:
        return counts
    array = pa.Array.from_buffers(pa.int32(), len(codes) // 4, [None, pa.py_buffer(codes)])
    frequencies = pc.value_counts(array)
    by_facet: dict[str, list[tuple[int, int]]] = {name: [] for name in FACETS}
    for code, n in zip(frequencies.field("values").to_pylist(), frequencies.field("counts").to_pylist(),
                       strict=True):
        facet, value_id = unpack_code(code)
        by_facet[facet].append((n, value_id))
    # Values tied with the last one kept are named too, since ties are broken by value.
    wanted: dict[str, list[tuple[int, int]]] = {}
    for facet, entries in by_facet.items():
        entries.sort(reverse=True)
        if len(entries) > FACET_LIMIT:
            floor = entries[FACET_LIMIT - 1][0]
            entries = [entry for entry in entries if entry[0] >= floor]
        wanted[facet] = entries
    ids = [value_id for entries in wanted.values() for _n, value_id in entries]
    names: dict[int, str] = {}
    with connection.cursor() as cursor:
        for start in range(0, len(ids), 900):
            chunk = ids[start:start + 900]
            cursor.execute(f"SELECT id, value FROM {VALUE_TABLE} WHERE id IN ({_marks(chunk)})", chunk)
            names.update(cursor.fetchall())
    for facet, entries in wanted.items():
        named = sorted((-n, names[value_id]) for n, value_id in entries if value_id in names)[:FACET_LIMIT]
        counts[facet] = [(rank, value, -negative) for rank, (negative, value) in enumerate(named, 1)]
    return counts


def _labelled(counts: dict[str, list[tuple[int, str, int]]]) -> dict[str, list[tuple[str, str, int]]]:
    from ouvert.catalog.models import Licence, Organisation, Theme

    facets = {name: [(value, value, n) for _rank, value, n in sorted(entries)] for name, entries in counts.items()}
    _label(facets["organisation"], Organisation, "name")
    _label(facets["theme"], Theme, "name")
    _label(facets["licence"], Licence, "pk")
    return facets


def _label(entries: list, model, key: str) -> None:
    """Replace each value's label by the object's title in the reader's language."""
    if not entries:
        return
    objects = {str(getattr(obj, key)): obj for obj in model.objects.filter(**{f"{key}__in": [e[0] for e in entries]})}
    for i, (value, label, count) in enumerate(entries):
        obj = objects.get(value)
        if obj is not None:
            entries[i] = (value, str(obj.title) or label, count)
