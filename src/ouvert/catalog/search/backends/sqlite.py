"""Embedded back end: SQLite FTS5 in the main database.

``catalog_search_document`` maps each dataset to an integer row and keeps its analysed terms;
``catalog_search_fts`` is an FTS5 index over that table, kept in step by triggers (see migration
``0003_search_index``). Terms are already analysed, so FTS5 only splits them on spaces again.
"""

from __future__ import annotations

from ..analysis import QueryWord
from ..documents import FIELDS, Document
from .base import SearchBackend

DOCUMENTS = "catalog_search_document"
FTS = "catalog_search_fts"
# bm25 weights of FIELDS.
WEIGHTS = (10.0, 2.0, 1.0)


def _phrase(term: str) -> str:
    # An FTS5 string: operators and punctuation inside it are plain text.
    return '"' + term.replace('"', '""') + '"'


def _expression(words: list[QueryWord]) -> str:
    groups = []
    for word in words:
        alternatives = [_phrase(term) for term in word.terms]
        if word.prefix:
            alternatives.append(_phrase(word.prefix) + "*")
        groups.append("(" + " OR ".join(alternatives) + ")")
    return " AND ".join(groups)


class SQLiteBackend(SearchBackend):
    vendor = "sqlite"

    def save(self, document: Document) -> None:
        values = [" ".join(terms) for terms in document.fields().values()]
        with self.connection.cursor() as cursor:
            # An upsert keeps the row id, so the update trigger replaces the FTS entry in place.
            cursor.execute(
                f"INSERT INTO {DOCUMENTS} (dataset_id, {', '.join(FIELDS)}) VALUES (%s, %s, %s, %s) "
                f"ON CONFLICT (dataset_id) DO UPDATE SET "
                + ", ".join(f"{field} = excluded.{field}" for field in FIELDS),
                [self.db_id(document.dataset_id), *values],
            )

    def delete(self, dataset_id) -> None:
        with self.connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {DOCUMENTS} WHERE dataset_id = %s", [self.db_id(dataset_id)])

    def clear(self) -> None:
        with self.connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {DOCUMENTS}")

    def match(self, words: list[QueryWord]) -> tuple[str, list]:
        expression = _expression(words)
        weights = ", ".join(str(w) for w in WEIGHTS)
        sql = (
            f"SELECT d.dataset_id AS dataset_id, "
            f"{FTS}.rowid IN (SELECT rowid FROM {FTS} WHERE {FTS} MATCH %s) AS tier, "
            f"-bm25({FTS}, {weights}) AS score "
            f"FROM {FTS} JOIN {DOCUMENTS} d ON d.id = {FTS}.rowid "
            f"WHERE {FTS} MATCH %s"
        )
        return sql, ["{title} : (" + expression + ")", expression]
