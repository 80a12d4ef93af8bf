"""PostgreSQL full-text back end: one ``tsvector`` per dataset under a GIN index.

The vector is written as a ``tsvector`` literal from the terms of the shared analyser, rather
than through ``to_tsvector()``: PostgreSQL's parser would split some terms again (it reads
"1e5" as a number, for one) and the two back ends would drift apart. Fields become weights
A, B and C, which ``ts_rank`` uses; the generated column ``title`` keeps the weight-A lexemes
alone (``ts_filter``), and title tests match it: a long document is stored compressed out of
line, and reading it again for each test of each match cost more than the rest of a search.
Terms added since a document was last written whole are vectors of ``catalog_search_addition``
(migration ``0012_search_additions``), joined after the document's own by ``catalog_search_cat``.
"""

from __future__ import annotations

from ..analysis import QueryWord
from ..documents import FIELDS, Document
from ..thesaurus import QueryClause
from .base import ADDITIONS, DOCUMENTS, SearchBackend, query_words

TABLE = DOCUMENTS
FIELD_WEIGHTS = dict(zip(FIELDS, "ABC", strict=True))
# ts_rank weights of D, C, B, A.
RANK_WEIGHTS = "{0.05, 0.2, 0.4, 1.0}"
# PostgreSQL keeps at most 256 positions per lexeme and none beyond 16383.
MAX_POSITIONS = 256
MAX_POSITION = 16383


def _lexeme(term: str) -> str:
    return "'" + term.replace("\\", "\\\\").replace("'", "''") + "'"


def tsvector_literal(document: Document) -> str:
    positions: dict[str, list[str]] = {}
    position = 0
    for field, terms in document.fields().items():
        weight = FIELD_WEIGHTS[field]
        for term in terms:
            position = min(position + 1, MAX_POSITION)
            entries = positions.setdefault(term, [])
            if len(entries) < MAX_POSITIONS:
                entries.append(f"{position}{weight}")
    return " ".join(f"{_lexeme(term)}:{','.join(entries)}" for term, entries in positions.items())


def _word(word: QueryWord, weight: str) -> str:
    alternatives = [f"{_lexeme(term)}:{weight}" if weight else _lexeme(term) for term in word.terms]
    if word.prefix:
        alternatives.append(f"{_lexeme(word.prefix)}:*{weight}")
    return "(" + " | ".join(alternatives) + ")"


def tsquery_literal(clauses: list[QueryClause], weight: str = "") -> str:
    groups = []
    for clause in clauses:
        alternatives = ["(" + " & ".join(_word(w, weight) for w in words) + ")" for words in clause.alternatives]
        groups.append("(" + " | ".join(alternatives) + ")")
    return " & ".join(groups)


class PostgreSQLBackend(SearchBackend):
    vendor = "postgresql"

    def write_documents(self, cursor, documents: list[Document]) -> None:
        cursor.executemany(
            f"INSERT INTO {TABLE} (dataset_id, document) VALUES (%s, %s::tsvector) "
            f"ON CONFLICT (dataset_id) DO UPDATE SET document = excluded.document",
            [[self.db_id(d.dataset_id), tsvector_literal(d)] for d in documents],
        )

    def append_terms(self, cursor, doc: int, terms: list[str]) -> None:
        weight = FIELD_WEIGHTS["extra"]
        cursor.execute(f"INSERT INTO {ADDITIONS} (doc, document) VALUES (%s, %s::tsvector)",
                       [doc, " ".join(f"{_lexeme(term)}:{i}{weight}" for i, term in enumerate(terms, 1))])

    def concatenated(self, column: str) -> str:
        return f"string_agg({column}, ''::bytea)"

    def match(self, clauses: list[QueryClause], tiers: list[tuple[list[QueryClause], bool]]) -> tuple[str, list]:
        """Documents whose row matches, then those that match only with the terms kept apart
        for them (few: those given resources since they were last written whole). A document
        with such terms is tested and ranked with them after its own: ``||`` places their
        positions after its last one, where writing it whole would put them. When no terms
        kept apart hold a word of the query, the rows alone give the same answer, and are all
        that is read."""
        query = tsquery_literal(clauses)
        anything = " | ".join(_word(word, "") for word in query_words(clauses))
        with self.connection.cursor() as cursor:
            cursor.execute(f"SELECT 1 FROM {ADDITIONS} WHERE document @@ %s::tsquery LIMIT 1", [anything])
            added = cursor.fetchone() is not None
        whole = "d.document"
        if added:
            whole = (f"CASE WHEN d.id IN (SELECT doc FROM {ADDITIONS}) THEN d.document || (SELECT "
                     f"catalog_search_cat(a.document ORDER BY a.id) FROM {ADDITIONS} a WHERE a.doc = d.id) "
                     f"ELSE d.document END")
        # Title tests look at ``title``, the weight-A lexemes of ``document`` (migration 0005):
        # the same answer as a ``:A`` query on ``document``, without reading the whole document.
        # Added terms are never in titles.
        tier = " + ".join(f"{2 ** (len(tiers) - 1 - i)} * ({'d.title' if title else whole} @@ %s::tsquery)::int"
                          for i, (_clauses, title) in enumerate(tiers))
        tier_params = [tsquery_literal(t) for t, _title in tiers]
        selected = f"SELECT d.id AS doc, {tier} AS tier, ts_rank('{RANK_WEIGHTS}', {whole}, %s::tsquery) AS score"
        sql = f"{selected} FROM {TABLE} d WHERE d.document @@ %s::tsquery"
        if not added:
            return sql, [*tier_params, query, query]
        sql += (
            f" UNION ALL {selected} FROM {TABLE} d WHERE d.id IN (SELECT doc FROM {ADDITIONS} WHERE document @@ %s::tsquery) "
            f"AND NOT d.document @@ %s::tsquery AND {whole} @@ %s::tsquery"
        )
        return sql, [*tier_params, query, query, *tier_params, query, anything, query, query]
