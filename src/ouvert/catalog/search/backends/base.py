"""The interface every search back end implements.

A back end stores analysed documents and answers one question: which datasets match these
query words, and how well. Visibility, filters, facets, sorting and paging are done once, above
the back ends (``ouvert.catalog.search.engine``), so they cannot differ between them.
"""

from __future__ import annotations

from django.db import connection

from ..analysis import QueryWord
from ..documents import Document


class SearchBackend:
    """Keeps the index in the main database, so it commits and rolls back with the catalog."""

    #: ``connection.vendor`` this back end needs.
    vendor: str = ""

    def __init__(self, db=connection) -> None:
        self.connection = db

    def db_id(self, dataset_id) -> object:
        """A dataset id as the database stores it (SQLite keeps UUIDs as 32 hex digits)."""
        from ouvert.catalog.models import Dataset

        return Dataset._meta.pk.get_db_prep_value(dataset_id, self.connection)

    def save(self, document: Document) -> None:
        """Insert or replace the index entry of ``document.dataset_id``."""
        raise NotImplementedError

    def delete(self, dataset_id) -> None:
        """Remove a dataset's entry (no error if there is none)."""
        raise NotImplementedError

    def clear(self) -> None:
        """Remove every entry."""
        raise NotImplementedError

    def match(self, words: list[QueryWord]) -> tuple[str, list]:
        """SQL and parameters selecting ``dataset_id, tier, score`` for datasets matching all
        ``words`` (never empty).

        ``tier`` is 1 when the heaviest field (titles and tags) holds every word, else 0;
        ``score`` orders datasets within a tier, higher first.
        """
        raise NotImplementedError
