"""The part of a search that is the same whatever the back end: who sees what, filters,
facets, sorting and paging. The back end only says which documents match the words and how well.

Everything runs over the index tables (``catalog_search_entry`` and ``catalog_search_facet``,
see ``backends.base``), never the catalog's: one statement finds the matching documents once,
then counts them, ranks one page of them and joins their facet codes into one blob, which is
counted here in a few milliseconds whatever the number of matches. Only the page's datasets, the
names of the most frequent facet values and their labels are read afterwards.

When the process holds the stored index in memory (``memory``), the same search runs over its
arrays instead (``_from_memory``), from the same conditions, tiers and order; the database is
then only asked for the numbers of the query's terms and what is read afterwards.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import SimpleNamespace

import numpy as np
from django.conf import settings
from django.db import connection
from django.utils import timezone

from ouvert.core.i18n import current_language, pick

from ..permissions import dataset_visibility, visible_datasets
from . import memory
from .backends import get_backend
from .backends.base import ENTRIES, VALUE_BITS, VALUE_MASK
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


@dataclass
class _Conditions:
    """What a dataset must be to be found, whatever the query's words, as data that both the
    database (``where``) and a snapshot in memory (``_from_memory``) apply."""

    states: list[str]
    visibility: list[dict] | None  # ``DatasetVisibility.clauses()``
    facets: list[tuple[str, list[int], bool]] = field(default_factory=list)  # facet, value ids, negate
    fields: list[tuple[str, list, bool]] = field(default_factory=list)  # column, values, negate
    ranges: list[tuple[str, datetime | None, datetime | None]] = field(default_factory=list)
    nothing: bool = False

    def where(self) -> _Where:
        where = _Where()
        if self.nothing:
            where.add("1 = 0")
        where.add(f"d.state IN ({_marks(self.states)})", self.states)
        if self.visibility is not None:
            org_pk = get_backend().db_id  # organisation ids are UUIDs stored as dataset ids are
            alternatives = []
            for clause in self.visibility:
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
        for _facet, ids, negate in self.facets:
            where.add(f"d.id {'NOT ' if negate else ''}IN (SELECT f.doc FROM {FACET_TABLE} f "
                      f"WHERE f.value_id IN ({_marks(ids)}))", ids)
        for column, values, negate in self.fields:
            where.add(f"d.{column} {'NOT ' if negate else ''}IN ({_marks(values)})", values)
        for column, start, end in self.ranges:
            if start is not None:
                where.add(f"d.{column} >= %s", [_moment(start)])
            if end is not None:
                where.add(f"d.{column} <= %s", [_moment(end)])
        return where


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


def _filter(conditions: _Conditions, name: str, values, *, negate: bool) -> None:
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
            conditions.facets.append((name, ids, negate))
        elif not negate:
            conditions.nothing = True
        return
    column = FIELD_FILTERS.get(name)
    if column is None:
        return
    if column == "dataset_id":
        values = _ids(values)
        if not values:
            if not negate:
                conditions.nothing = True
            return
    conditions.fields.append((column, values, negate))


def _moment(value) -> object:
    if timezone.is_naive(value):
        value = timezone.make_aware(value, UTC)
    return connection.ops.adapt_datetimefield_value(value)


def _order(order, sort: str, has_query: bool) -> list[tuple[str, str]]:
    """``(column, direction)`` pairs: ``order`` (or ``sort``) over the index's columns, with
    ``title`` for the sort title in the reader's language and ``dataset_id asc`` last."""
    if order is None:
        order = SORT_ORDERS.get(sort, SORT_ORDERS["relevance"])
    columns = {
        "name": ["name"], "id": ["dataset_id"], "modified": ["modified"], "created": ["created"],
        "title": ["title"], "score": ["tier", "score"] if has_query else [],
    }
    terms: list[tuple[str, str]] = []
    seen = set()
    for item in order:
        name, direction = (item, "asc") if isinstance(item, str) else item
        direction = str(direction).lower()
        if name not in columns or direction not in DIRECTIONS or name in seen:
            continue
        seen.add(name)
        terms += [(column, direction) for column in columns[name]]
    if "id" not in seen:
        terms.append(("dataset_id", "asc"))  # stable paging whatever the order
    return terms


def _order_sql(terms: list[tuple[str, str]]) -> str:
    lang = current_language()
    other = "en" if lang == "fr" else "fr"
    title = f"CASE WHEN sort_title_{lang} <> '' THEN sort_title_{lang} ELSE sort_title_{other} END"
    return ", ".join(f"{title if column == 'title' else column} {direction.upper()}" for column, direction in terms)


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
    from ouvert.catalog.models import Dataset
    from ouvert.core.models import State

    if expand is None:
        expand = getattr(settings, "OUVERT_SEARCH_SYNONYMS", True)
    if offset is None and limit is None:
        page_size = min(max(_int(page_size, 20), 1), MAX_PAGE_SIZE)
        offset, limit = (max(_int(page, 1), 1) - 1) * page_size, page_size
    else:
        offset = max(_int(offset, 0), 0)
        limit = min(max(_int(limit, 20), 0), MAX_PAGE_SIZE)

    conditions = _Conditions(states=[State.ACTIVE, State.DRAFT] if include_drafts else [State.ACTIVE],
                             visibility=dataset_visibility(actor).clauses())
    for name, values in (filters or {}).items():
        _filter(conditions, name, values, negate=False)
    for name, values in (exclude or {}).items():
        _filter(conditions, name, values, negate=True)
    for name, bounds in (ranges or {}).items():
        if name in RANGES and bounds:
            conditions.ranges.append((name, *bounds))

    clauses = parse_clauses(query, expand=expand)
    tiers: list[tuple[list[QueryClause], bool]] = []
    if clauses:
        typed = [QueryClause((c.alternatives[0],)) for c in clauses]
        # Titles holding the words as typed, then titles holding an equivalent, then documents
        # holding the words as typed anywhere: an expansion never outranks what was typed.
        tiers = [(typed, True), (clauses, True), (typed, False)] if any(c.expanded for c in clauses) else [(clauses, True)]
    terms = _order(order, sort, bool(clauses))
    snap = memory.snapshot(connection)
    if snap is not None:
        total, keys, codes = _from_memory(snap, conditions, clauses, tiers, terms, offset, limit)
    else:
        total, keys, codes = _from_database(conditions, clauses, tiers, terms, offset, limit)
    pk = Dataset._meta.pk
    ids = [pk.to_python(key) for key in keys]
    # The index (and more so this process's copy of it) may lag behind the catalog: a dataset
    # unpublished, made private or deleted a moment ago, or changed by a queryset update or raw
    # SQL the index was not told of, may still match there. The page is read through the
    # permission rule's queryset face, over the catalog as it is now, so it never lists what
    # the actor may not see now. Those left out are dropped from the page, not replaced: the
    # page is not searched again (that would cost a second search for a lag of an instant),
    # and every other page keeps its places, so paging by offset neither skips nor repeats a
    # dataset. The total and facet counts stay the index's until it catches up, except on the
    # last page, whose total drops those left out (nothing comes after it, so no page becomes
    # unreachable; a single page of results is then counted exactly).
    current = visible_datasets(actor, Dataset.objects.filter(state__in=conditions.states))
    found = current.select_related("organisation", "licence").in_bulk(ids)
    datasets = [found[i] for i in ids if i in found]
    if offset + len(ids) >= total:
        total -= len(ids) - len(datasets)
    return SearchResult(datasets=datasets, total=total, facets=_labelled(_facet_counts(*codes)))


def _from_database(conditions: _Conditions, clauses, tiers, terms, offset: int, limit: int):
    """Total, page keys and (facet codes, counts) of a search, by one statement."""
    import pyarrow as pa
    import pyarrow.compute as pc

    where = conditions.where()
    if clauses:
        match_sql, match_params = get_backend().match(clauses, tiers)
        source = f"({match_sql}) m JOIN {ENTRIES} d ON d.id = m.doc"
        scores = "m.tier AS tier, m.score AS score"
    else:
        match_params = []
        source = f"{ENTRIES} d"
        scores = "0 AS tier, 0 AS score"
    ordering = _order_sql(terms)
    # One statement: the matching documents once, then the facet codes of every match joined
    # into one blob (part 2), their number (part 0) and the page (part 1, with its position:
    # only the first offset + limit are sorted).
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
    blob = b""
    for part, key, value, n, position in rows:
        if part == 0:
            total = n
        elif part == 1:
            page_keys.append((position, key))
        elif value is not None:
            blob = bytes(value)
    if not blob:
        return total, [key for _p, key in sorted(page_keys)], ([], [])
    array = pa.Array.from_buffers(pa.int32(), len(blob) // 4, [None, pa.py_buffer(blob)])
    frequencies = pc.value_counts(array)
    return (total, [key for _p, key in sorted(page_keys)],
            (frequencies.field("values").to_numpy(), frequencies.field("counts").to_numpy()))


def _from_memory(snap, conditions: _Conditions, clauses, tiers, terms, offset: int, limit: int):
    """The same as ``_from_database``, from a snapshot of the index in memory."""
    words = [word for clause in clauses for alternative in clause.alternatives for word in alternative]
    searcher = memory.Searcher(snap, memory.Terms(connection, words))
    backend = get_backend()
    mask = searcher.visible(conditions.states, conditions.visibility, lambda v: str(backend.db_id(v)))
    if conditions.nothing:
        mask[:] = False
    for facet, ids, negate in conditions.facets:
        position = FACETS.index(facet)
        having = searcher.with_values([position << VALUE_BITS | value_id for value_id in ids])
        mask &= ~having if negate else having
    for column, values, negate in conditions.fields:
        having = searcher.with_keys(column, values)
        mask &= ~having if negate else having
    for column, start, end in conditions.ranges:
        mask &= searcher.between(column, start, end)
    tier = score = None
    if clauses:
        mask &= searcher.matching(clauses)
        tier = np.zeros(snap.size, dtype=np.int32)
        for i, (tested, title) in enumerate(tiers):
            tier += (2 ** (len(tiers) - 1 - i)) * (searcher.matching(tested, title) & mask)
        score = searcher.scores(clauses)
    keys = searcher.page(mask, terms, tier, score, current_language(), offset, limit)
    codes, counts = searcher.facet_counts(mask)
    return int(mask.sum()), keys, (codes, counts)


def _facet_counts(codes, counts) -> dict[str, list[tuple[int, str, int]]]:
    """The ``FACET_LIMIT`` most frequent values of each facet, given the facet codes (see
    ``backends.base.pack_facets``) held by the matches and how many hold each (arrays), as
    ``(rank, value, count)``: most frequent first, then by value."""
    codes = np.asarray(codes, dtype=np.int64)
    counts = np.asarray(counts, dtype=np.int64)
    counted: dict[str, list[tuple[int, str, int]]] = {name: [] for name in FACETS}
    facet_of = codes >> VALUE_BITS
    # Values tied with the last one kept are named too, since ties are broken by value.
    wanted: dict[str, list[tuple[int, int]]] = {}
    for position, facet in enumerate(FACETS):
        chosen = facet_of == position
        n, value_ids = counts[chosen], codes[chosen] & VALUE_MASK
        if n.size > FACET_LIMIT:
            floor = np.partition(n, n.size - FACET_LIMIT)[n.size - FACET_LIMIT]
            keep = n >= floor
            n, value_ids = n[keep], value_ids[keep]
        wanted[facet] = list(zip(n.tolist(), value_ids.tolist(), strict=True))
    ids = [value_id for entries in wanted.values() for _n, value_id in entries]
    names: dict[int, str] = {}
    with connection.cursor() as cursor:
        for start in range(0, len(ids), 900):
            chunk = ids[start:start + 900]
            cursor.execute(f"SELECT id, value FROM {VALUE_TABLE} WHERE id IN ({_marks(chunk)})", chunk)
            names.update(cursor.fetchall())
    for facet, entries in wanted.items():
        named = sorted((-n, names[value_id]) for n, value_id in entries if value_id in names)[:FACET_LIMIT]
        counted[facet] = [(rank, value, -negative) for rank, (negative, value) in enumerate(named, 1)]
    return counted


def _labelled(counts: dict[str, list[tuple[int, str, int]]]) -> dict[str, list[tuple[str, str, int]]]:
    from ouvert.accounts.models import Organisation
    from ouvert.catalog.models import Licence, Theme

    facets = {name: [(value, value, n) for _rank, value, n in sorted(entries)] for name, entries in counts.items()}
    _label(facets["organisation"], Organisation, "name")
    _label(facets["theme"], Theme, "name")
    _label(facets["licence"], Licence, "pk")
    return facets


def _label(entries: list, model, key: str) -> None:
    """Replace each value's label by the object's title in the reader's language."""
    if not entries:
        return
    rows = model.objects.filter(**{f"{key}__in": [e[0] for e in entries]}).values_list(key, "title_fr", "title_en")
    titles = {str(value): pick(SimpleNamespace(title_fr=fr, title_en=en), "title") for value, fr, en in rows}
    for i, (value, label, count) in enumerate(entries):
        title = titles.get(value)
        if title is not None:
            entries[i] = (value, str(title) or label, count)
