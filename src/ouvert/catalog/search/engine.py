"""The part of a search that is the same whatever the back end: who sees what, filters,
facets, sorting and paging. The back end only says which datasets match the words and how well.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Count, QuerySet
from django.db.models.expressions import RawSQL

from ouvert.accounts.permissions import visible_datasets
from ouvert.catalog.models import Dataset, Licence, Organisation, State, Theme

from .analysis import parse_query
from .backends import get_backend

SORTS = ("relevance", "name", "modified")
FACETS = ("organisation", "theme", "tag", "format", "licence")

# What each facet counts, and whether a dataset can have several values of it.
FACET_LOOKUPS = {
    "organisation": ("organisation__name", False),
    "theme": ("themes__name", True),
    "tag": ("tags__name", True),
    "format": ("resources__format", True),
    "licence": ("licence_id", False),
}
FACET_LIMIT = 50
MAX_PAGE_SIZE = 1000
ORDERINGS = {"relevance": ("-modified", "pk"), "modified": ("-modified", "pk"), "name": ("name",)}


@dataclass
class SearchResult:
    datasets: list  # Dataset instances of the requested page, in order
    total: int
    facets: dict[str, list[tuple[str, str, int]]] = field(default_factory=dict)  # facet -> [(value, label, count)]


def search_datasets(query: str = "", *, actor, filters: dict[str, list[str]] | None = None,
                    sort: str = "relevance", page: int = 1, page_size: int = 20,
                    include_drafts: bool = False) -> SearchResult:
    states = [State.ACTIVE, State.DRAFT] if include_drafts else [State.ACTIVE]
    candidates = _filtered(visible_datasets(actor).filter(state__in=states), filters)
    words = parse_query(query)
    match = get_backend().match(words) if words else None
    matching = candidates
    if match is not None:
        sql, params = match
        matching = candidates.filter(pk__in=RawSQL(f"SELECT m.dataset_id FROM ({sql}) m", params))

    page = max(_int(page, 1), 1)
    page_size = min(max(_int(page_size, 20), 1), MAX_PAGE_SIZE)
    offset = (page - 1) * page_size
    if match is not None and sort not in ("name", "modified"):
        ids = _ranked_ids(candidates, match, offset, page_size)
        found = Dataset.objects.select_related("organisation", "licence").in_bulk(ids)
        datasets = [found[pk] for pk in ids if pk in found]
    else:
        ordering = ORDERINGS.get(sort, ORDERINGS["relevance"])
        datasets = list(matching.select_related("organisation", "licence").order_by(*ordering)[offset:offset + page_size])
    return SearchResult(datasets=datasets, total=matching.count(), facets=_facets(matching))


def _int(value, default: int) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def _filtered(qs: QuerySet, filters: dict | None) -> QuerySet:
    for facet, values in (filters or {}).items():
        if facet not in FACET_LOOKUPS:
            continue
        if isinstance(values, str):
            values = [values]
        values = [str(v) for v in values or () if v not in (None, "")]
        if not values:
            continue
        lookup, many = FACET_LOOKUPS[facet]
        if many:
            # A subquery rather than a join: a dataset with two matching tags stays one row,
            # and the facet counts are not limited to the values filtered on.
            qs = qs.filter(pk__in=Dataset.objects.filter(**{f"{lookup}__in": values}).values("pk"))
        else:
            qs = qs.filter(**{f"{lookup}__in": values})
    return qs


def _ranked_ids(candidates: QuerySet, match: tuple[str, list], offset: int, limit: int) -> list:
    """One page of matching candidates' ids, best first: title tier, score, then recency."""
    match_sql, match_params = match
    candidates_sql, candidates_params = candidates.order_by().values("pk").query.sql_with_params()
    qn = connection.ops.quote_name
    meta = Dataset._meta
    table, pk, modified = qn(meta.db_table), qn(meta.pk.column), qn(meta.get_field("modified").column)
    sql = (
        f"SELECT m.dataset_id FROM ({match_sql}) m JOIN {table} d ON d.{pk} = m.dataset_id "
        f"WHERE m.dataset_id IN ({candidates_sql}) "
        f"ORDER BY m.tier DESC, m.score DESC, d.{modified} DESC, d.{pk} "
        f"LIMIT %s OFFSET %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*match_params, *candidates_params, limit, offset])
        return [meta.pk.to_python(row[0]) for row in cursor.fetchall()]


def _facets(matching: QuerySet) -> dict[str, list[tuple[str, str, int]]]:
    # ``matching`` holds no join on a multi-valued relation (``_filtered`` uses subqueries for
    # those), so each count below joins afresh and sees every value of the datasets kept.
    base = matching.order_by()
    facets = {}
    for facet, (lookup, _many) in FACET_LOOKUPS.items():
        rows = (base.filter(**{f"{lookup}__gt": ""})
                .values_list(lookup)
                .annotate(n=Count("pk", distinct=True))
                .order_by("-n", lookup)[:FACET_LIMIT])
        facets[facet] = [(str(value), str(value), n) for value, n in rows]
    _label(facets["organisation"], Organisation, "name")
    _label(facets["theme"], Theme, "name")
    _label(facets["licence"], Licence, "pk")
    return facets


def _label(entries: list, model, key: str) -> None:
    """Replace each value's label by the object's title in the reader's language."""
    objects = {str(getattr(obj, key)): obj for obj in model.objects.filter(**{f"{key}__in": [e[0] for e in entries]})}
    for i, (value, label, count) in enumerate(entries):
        obj = objects.get(value)
        if obj is not None:
            entries[i] = (value, str(obj.title) or label, count)
