"""Catalog search: one interface, two back ends (SQLite FTS5 embedded, PostgreSQL full text).

Services keep the index in step (``index_dataset``, ``remove_dataset``, ``reindex_organisation``),
inside their own transaction; readers call ``search_datasets``.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class SearchResult:
    datasets: list  # Dataset instances of the requested page, in order
    total: int
    facets: dict[str, list[tuple[str, str, int]]] = field(default_factory=dict)  # facet -> [(value, label, count)]


def index_dataset(dataset) -> None:
    """(Re)index one dataset; no-op until the back ends exist."""


def remove_dataset(dataset_id) -> None:
    """Drop one dataset from the index."""


def reindex_organisation(organisation) -> None:
    """Reindex the datasets of an organisation whose title changed."""


SORTS = ("relevance", "name", "modified")
FACETS = ("organisation", "theme", "tag", "format", "licence")


def search_datasets(query: str = "", *, actor, filters: dict[str, list[str]] | None = None,
                    sort: str = "relevance", page: int = 1, page_size: int = 20,
                    include_drafts: bool = False) -> SearchResult:
    """Datasets matching ``query`` that ``actor`` may see, one page of them, with facet counts.

    ``filters`` maps a facet name (see ``FACETS``) to the values to keep (organisation and theme
    names, tag names, format codes, licence ids); values of one facet are OR-ed, facets AND-ed.
    ``sort``: ``relevance`` (default; newest first without a query), ``name`` or ``modified``.
    Drafts appear only with ``include_drafts`` and only to those allowed to see them.
    Temporary implementation (substring match), replaced by the back ends.
    """
    from django.db.models import Count, Q

    from ouvert.accounts.permissions import visible_datasets

    qs = visible_datasets(actor)
    if not include_drafts:
        qs = qs.filter(state="active")
    if query:
        cond = Q()
        for word in query.split():
            cond &= Q(title_fr__icontains=word) | Q(title_en__icontains=word) | Q(description_fr__icontains=word) | Q(description_en__icontains=word)
        qs = qs.filter(cond)
    lookups = {"organisation": "organisation__name", "theme": "themes__name", "tag": "tags__name",
               "format": "resources__format", "licence": "licence_id"}
    for facet, values in (filters or {}).items():
        if values and facet in lookups:
            qs = qs.filter(**{f"{lookups[facet]}__in": values})
    qs = qs.distinct()
    facets = {}
    for facet, lookup in lookups.items():
        rows = qs.exclude(**{f"{lookup}__isnull": True}).values(lookup).annotate(n=Count("id", distinct=True)).order_by("-n")[:20]
        facets[facet] = [(r[lookup], r[lookup], r["n"]) for r in rows]
    order = {"name": ["name"], "modified": ["-modified"]}.get(sort, ["-modified"])
    total = qs.count()
    start = (max(page, 1) - 1) * page_size
    datasets = list(qs.select_related("organisation", "licence").order_by(*order)[start:start + page_size])
    return SearchResult(datasets=datasets, total=total, facets=facets)
