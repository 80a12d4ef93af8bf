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
