"""Catalog search: one interface, two back ends (SQLite FTS5 embedded, PostgreSQL full text).

Services keep the index in step (``index_dataset``, ``remove_dataset``, ``reindex_organisation``),
inside their own transaction; readers call ``search_datasets``. ``settings.OUVERT_SEARCH_BACKEND``
chooses the back end; nothing here or in callers depends on which one it is.

Layout: ``analysis`` turns text into terms (the same for both back ends), ``documents`` says
what of a dataset is indexed, ``backends`` store and match terms, ``engine`` does visibility,
filters, facets, sorting and paging on top.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db import transaction

from .backends import get_backend
from .documents import build_document
from .engine import FACETS, SORTS, SearchResult
from .engine import search_datasets as _search_datasets

__all__ = [
    "FACETS", "SORTS", "SearchResult", "index_dataset", "rebuild_index", "reindex_organisation",
    "remove_dataset", "search_datasets",
]


def index_dataset(dataset) -> None:
    """(Re)index one dataset after a change to it, its tags, themes or resources.

    Drafts and private datasets are indexed too (searches filter them by who is asking);
    a deleted dataset is removed.
    """
    from ouvert.catalog.models import State

    if dataset.state == State.DELETED:
        remove_dataset(dataset.pk)
        return
    get_backend().save(build_document(dataset))


def remove_dataset(dataset_id) -> None:
    """Drop one dataset from the index."""
    get_backend().delete(dataset_id)


def reindex_organisation(organisation) -> None:
    """Reindex the datasets of an organisation whose title changed."""
    backend = get_backend()
    for dataset in _indexable().filter(organisation=organisation).iterator(chunk_size=500):
        backend.save(build_document(dataset))


def rebuild_index(progress: Callable[[int, int], None] | None = None) -> int:
    """Rebuild the whole index from the catalog; returns the number of datasets indexed.

    Runs in one transaction, so searches see the old index until the new one is complete.
    ``progress(done, total)`` is called after each dataset.
    """
    backend = get_backend()
    with transaction.atomic():
        backend.clear()
        datasets = _indexable()
        total = datasets.count()
        done = 0
        for dataset in datasets.iterator(chunk_size=500):
            backend.save(build_document(dataset))
            done += 1
            if progress is not None:
                progress(done, total)
    return done


def _indexable():
    from ouvert.catalog.models import Dataset, State

    return (Dataset.objects.exclude(state=State.DELETED).select_related("organisation")
            .prefetch_related("tags", "resources").order_by("pk"))


def search_datasets(query: str = "", *, actor, filters: dict[str, list[str]] | None = None,
                    sort: str = "relevance", page: int = 1, page_size: int = 20,
                    include_drafts: bool = False) -> SearchResult:
    """Datasets matching ``query`` that ``actor`` may see, one page of them, with facet counts.

    ``query`` is free text in French or English: accents and case do not matter, words match
    other forms of themselves ("ecoles" finds "École"), every word must match, and the last one
    also matches as a prefix. Datasets whose titles or tags hold every word come first.
    ``filters`` maps a facet name (see ``FACETS``) to the values to keep (organisation and theme
    names, tag names, format codes, licence ids); values of one facet are OR-ed, facets AND-ed.
    ``sort``: ``relevance`` (default; newest first without a query), ``name`` or ``modified``.
    Drafts appear only with ``include_drafts`` and only to those allowed to see them.
    ``facets`` maps each of ``FACETS`` to ``[(value, label, count)]`` over all matching
    datasets, most frequent first; labels are titles in the current language.
    """
    return _search_datasets(query, actor=actor, filters=filters, sort=sort, page=page,
                            page_size=page_size, include_drafts=include_drafts)
