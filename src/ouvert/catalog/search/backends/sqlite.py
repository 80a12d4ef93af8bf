"""Embedded back end: SQLite FTS5 in the main database.

``catalog_search_document`` maps each dataset to an integer row and keeps its analysed terms;
``catalog_search_fts`` is an FTS5 index over that table, kept in step by triggers (see migration
``0003_search_index``). Terms are already analysed, so FTS5 only splits them on spaces again.
"""

from __future__ import annotations

from ..analysis import QueryWord
from ..documents import FIELDS, Document
from ..thesaurus import QueryClause
from .base import DOCUMENTS, SearchBackend

FTS = "catalog_search_fts"
# bm25 weights of FIELDS.
WEIGHTS = (10.0, 2.0, 1.0)
COLUMNS = ("dataset_id", *FIELDS)


def _phrase(term: str) -> str:
    # An FTS5 string: operators and punctuation inside it are plain text.
    return '"' + term.replace('"', '""') + '"'


def _word(word: QueryWord) -> str:
    alternatives = [_phrase(term) for term in word.terms]
    if word.prefix:
        alternatives.append(_phrase(word.prefix) + "*")
    return "(" + " OR ".join(alternatives) + ")"


def _expression(clauses: list[QueryClause]) -> str:
    groups = []
    for clause in clauses:
        alternatives = ["(" + " AND ".join(_word(w) for w in words) + ")" for words in clause.alternatives]
        groups.append(alternatives[0] if len(alternatives) == 1 else "(" + " OR ".join(alternatives) + ")")
    return " AND ".join(groups)


class SQLiteBackend(SearchBackend):
    vendor = "sqlite"

    def write_documents(self, cursor, documents: list[Document]) -> None:
        # An upsert keeps the row id, so the update trigger replaces the FTS entry in place.
        cursor.executemany(
            f"INSERT INTO {DOCUMENTS} ({', '.join(COLUMNS)}) VALUES ({', '.join(['%s'] * len(COLUMNS))}) "
            f"ON CONFLICT (dataset_id) DO UPDATE SET "
            + ", ".join(f"{column} = excluded.{column}" for column in COLUMNS[1:]),
            [[self.db_id(d.dataset_id), *(" ".join(terms) for terms in d.fields().values())] for d in documents],
        )

    def append_terms(self, cursor, doc: int, terms: list[str]) -> None:
        # The update trigger replaces the FTS entry, as for a whole document.
        added = " ".join(terms)
        cursor.execute(f"UPDATE {DOCUMENTS} SET extra = CASE WHEN extra = '' THEN %s ELSE extra || ' ' || %s END "
                       f"WHERE id = %s", [added, added, doc])

    def concatenated(self, column: str) -> str:
        # group_concat keeps a blob's bytes as they are (the database is UTF-8, no conversion);
        # the cast gives them back as a blob.
        return f"CAST(group_concat({column}, '') AS BLOB)"

    def match(self, clauses: list[QueryClause], tiers: list[tuple[list[QueryClause], bool]]) -> tuple[str, list]:
        weights = ", ".join(str(w) for w in WEIGHTS)
        tier = " + ".join(f"{2 ** (len(tiers) - 1 - i)} * ({FTS}.rowid IN (SELECT rowid FROM {FTS} WHERE {FTS} MATCH %s))"
                          for i in range(len(tiers)))
        sql = (
            f"SELECT {FTS}.rowid AS doc, {tier} AS tier, -bm25({FTS}, {weights}) AS score "
            f"FROM {FTS} WHERE {FTS} MATCH %s"
        )
        tier_params = ["{title} : (" + _expression(t) + ")" if title else _expression(t) for t, title in tiers]
        return sql, [*tier_params, _expression(clauses)]
