"""Catalog search: one interface, two back ends (SQLite FTS5 embedded, PostgreSQL full text).

Services keep the index in step (``index_dataset``, ``index_new_resources``, ``remove_dataset``,
``reindex_organisation``, ``reindex_theme``), inside their own transaction; readers call
``search_datasets``.
``settings.OUVERT_SEARCH_BACKEND`` chooses the back end; nothing here or in callers depends on
which one it is.

Layout: ``analysis`` turns text into terms (the same for both back ends), ``thesaurus`` expands
queries with French/English equivalents, ``documents`` says what of a dataset is indexed,
``backends`` store and match terms, ``engine`` does visibility, filters, facets, sorting and
paging on top, over attributes and facet values copied into the index. ``postings`` keeps each
entry's terms in a compact form that ``memory`` reads into each process, which then answers
searches from memory while its copy is the stored index.
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime

from django.db import transaction

from . import bulk
from .backends import get_backend
from .backends.base import BATCH_SIZE
from .documents import FACETS, document_from
from .engine import ORDER_FIELDS, SORTS, SearchResult
from .engine import search_datasets as _search_datasets

__all__ = [
    "FACETS", "ORDER_FIELDS", "SORTS", "SearchResult", "deferred", "index_dataset", "index_datasets",
    "index_new_resources", "rebuild_index",
    "reindex_organisation", "reindex_theme", "remove_dataset", "search_datasets",
]


def index_dataset(dataset) -> None:
    """(Re)index one dataset after a change to it, its tags, themes or resources.

    Drafts and private datasets are indexed too (searches filter them by who is asking);
    a deleted dataset is removed. The dataset is read again from the database: callers may
    hold a copy that an update through a queryset (``modified``) or another copy
    (``publish_dataset``) left behind, and the index must hold what is stored.
    """
    pending = _pending.get()
    if pending is not None:
        pending.ids.add(dataset.pk)
        return
    # Plain rows rather than model instances: with hundreds of resources, building them
    # cost more than the rest of the update.
    source = next(bulk.sources([dataset.pk], exclude_deleted=True), None)
    if source is None:
        remove_dataset(dataset.pk)
        return
    get_backend().save(document_from(source))


def index_new_resources(dataset, resources: list, *, revision: int) -> None:
    """Bring the index entry of ``dataset`` up to date after ``resources`` were added after all
    its others, with no other change to it than its ``modified``. ``revision`` is the dataset's
    revision read, with the dataset locked, before they were added.

    When the entry holds that revision, it is added to (``SearchBackend.add_resources``), at a
    cost that does not depend on the number of the dataset's other resources; otherwise (it was
    changed since in a way the entry does not show, such as by a queryset update) the dataset is
    indexed again from what is stored, as by ``index_dataset``.
    """
    pending = _pending.get()
    if pending is not None:
        pending.ids.add(dataset.pk)
        return
    if not get_backend().add_resources(dataset.pk, resources, revision):
        index_dataset(dataset)


def remove_dataset(dataset_id) -> None:
    """Drop one dataset from the index."""
    pending = _pending.get()
    if pending is not None:
        pending.ids.add(dataset_id)
        return
    get_backend().delete(dataset_id)


class _Pending:
    """Datasets whose index entry is out of date inside a ``deferred()`` block."""

    def __init__(self) -> None:
        self.ids: set = set()

    def flush(self) -> None:
        """Bring the entries of the collected datasets up to date now, in bulk."""
        ids, self.ids = self.ids, set()
        if not ids:
            return
        token = _pending.set(None)
        try:
            with transaction.atomic():
                current = _indexable().filter(pk__in=ids)
                present = set(current.values_list("pk", flat=True))
                for gone in ids - present:
                    remove_dataset(gone)
                index_datasets(current)
        finally:
            _pending.reset(token)


_pending: contextvars.ContextVar[_Pending | None] = contextvars.ContextVar("ouvert_search_pending", default=None)


@contextmanager
def deferred() -> Iterator[_Pending]:
    """Collect the index updates made inside the block and apply them in bulk at its end.

    For bulk writers (importers, harvesters): a dataset changed many times in the block (each
    resource added re-indexes it) is indexed once, from what is stored when the block ends,
    so rolled-back or deleted datasets come out right too. Searches inside the block may not
    see its changes yet; ``flush()`` on the yielded object applies what is pending so far.
    Nested blocks leave the work to the outermost one.

    The pending work is applied only when the block ends normally: a block that raises is
    about to be rolled back (it runs inside the caller's transaction), and after a database
    error the connection may not even accept queries any more, so flushing would index work
    that is undone or replace the real error with another.
    """
    if _pending.get() is not None:
        yield _pending.get()
        return
    pending = _Pending()
    token = _pending.set(pending)
    try:
        yield pending
    finally:
        _pending.reset(token)
    pending.flush()


def reindex_organisation(organisation) -> None:
    """Reindex the datasets of an organisation whose name or title changed."""
    index_datasets(_indexable().filter(organisation=organisation))


def reindex_theme(theme) -> None:
    """Reindex the datasets of a theme whose name changed (facets count theme names)."""
    index_datasets(_indexable().filter(themes=theme))


def index_datasets(datasets, progress: Callable[[int, int], None] | None = None, *, fresh: bool = False) -> int:
    """Index the datasets of a queryset in batches of ``BATCH_SIZE`` (a few queries and
    statements per batch, whatever the batch holds); returns how many were indexed.
    ``progress(done, total)`` is called after each dataset; ``fresh`` says none is in the
    index yet."""
    backend = get_backend()
    ids = list(datasets.order_by("pk").values_list("pk", flat=True))
    done = 0
    for start in range(0, len(ids), BATCH_SIZE):
        documents = []
        for source in bulk.sources(ids[start:start + BATCH_SIZE]):
            documents.append(document_from(source))
            done += 1
            if progress is not None:
                progress(done, len(ids))
        backend.save_many(documents, fresh=fresh)
    return done


def rebuild_index(progress: Callable[[int, int], None] | None = None) -> int:
    """Rebuild the whole index from the catalog; returns the number of datasets indexed.

    Runs in one transaction, so searches see the old index until the new one is complete.
    ``progress(done, total)`` is called after each dataset is analysed.
    """
    with transaction.atomic():
        get_backend().clear()
        return index_datasets(_indexable(), progress, fresh=True)


def _indexable():
    from ouvert.catalog.models import Dataset, State

    return (Dataset.objects.exclude(state=State.DELETED).select_related("organisation")
            .prefetch_related("tags", "themes", "resources").order_by("pk"))


def search_datasets(query: str = "", *, actor, filters: dict[str, list[str]] | None = None,
                    sort: str = "relevance", page: int = 1, page_size: int = 20,
                    include_drafts: bool = False, exclude: dict[str, list[str]] | None = None,
                    ranges: dict[str, tuple[datetime | None, datetime | None]] | None = None,
                    order: list[tuple[str, str]] | None = None, offset: int | None = None,
                    limit: int | None = None, expand: bool | None = None) -> SearchResult:
    """Datasets matching ``query`` that ``actor`` may see, one page of them, with facet counts.

    ``query`` is free text in French or English: accents and case do not matter, words match
    other forms of themselves ("ecoles" finds "École"), every word must match, and the last one
    also matches as a prefix. Datasets whose titles or tags hold every word come first.

    With ``expand`` (default: ``settings.OUVERT_SEARCH_SYNONYMS``), a run of two or more words
    naming a subject of the Canadian Subject Thesaurus also matches the subject's other names,
    French or English, preferred or not ("eau potable" finds "Drinking water"). Datasets whose
    titles hold the words as typed still come before those whose titles hold an equivalent.

    Filters (values of one key are OR-ed, keys AND-ed):

    - ``filters`` keeps datasets having one of the values: a facet of ``FACETS`` (organisation
      and theme names, tag names, format codes, licence ids), ``name`` or ``id``. Unknown keys
      and empty values are ignored.
    - ``exclude`` drops datasets having any of the values, with the same keys.
    - ``ranges`` maps ``modified`` or ``created`` to ``(start, end)``, both inclusive, either
      None for no bound; naive datetimes are taken as UTC.

    Order: ``order`` is a list of ``(field, direction)`` with fields ``score`` (the title tier
    then the text score; ignored without a query), ``name``, ``id``, ``modified``, ``created``
    and ``title`` (in the reader's language, else the other), directions ``asc`` or ``desc``;
    unknown entries are ignored, and ``id asc`` is always appended last, so paging is stable.
    Without ``order``, ``sort`` chooses: ``relevance`` (default; score desc, modified desc, id
    asc, hence newest first without a query), ``name`` (name asc) or ``modified`` (modified
    desc, id asc).

    Paging: ``page`` (from 1) and ``page_size`` (1 to 1000), or ``offset`` and ``limit``
    (0 to 1000; 0 returns no datasets, only the total and facets) when either is given. The
    page's datasets are read through the permission rule as they are now: one the index still
    shows but the actor may no longer see is left out, so a page may hold fewer than asked
    (the total and facets stay the index's, but the last page's total; see ``engine``).

    Drafts appear only with ``include_drafts`` and only to those allowed to see them.
    ``facets`` maps each of ``FACETS`` to ``[(value, label, count)]`` over all matching
    datasets, most frequent first (then by value), at most 50; labels are titles in the current
    language.
    """
    return _search_datasets(query, actor=actor, filters=filters, sort=sort, page=page,
                            page_size=page_size, include_drafts=include_drafts, exclude=exclude,
                            ranges=ranges, order=order, offset=offset, limit=limit, expand=expand)
