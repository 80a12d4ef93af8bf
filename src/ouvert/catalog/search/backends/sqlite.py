"""Embedded back end: SQLite FTS5 in the main database.

``catalog_search_document`` maps each dataset to an integer row and keeps its analysed terms;
``catalog_search_fts`` is an FTS5 index over that table, kept in step by triggers (see migration
``0003_search_index``). Terms are already analysed, so FTS5 only splits them on spaces again.
Terms added since a document was last written whole are in ``catalog_search_addition``, under
``catalog_search_addition_fts`` (migration ``0012_search_additions``).
"""

from __future__ import annotations

from ..analysis import QueryWord
from ..documents import FIELDS, Document
from ..thesaurus import QueryClause
from .base import ADDITIONS, DOCUMENTS, SearchBackend, query_words

FTS = "catalog_search_fts"
# The FTS5 index of ``ADDITIONS``.
ADDITION_FTS = "catalog_search_addition_fts"
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
        cursor.execute(f"INSERT INTO {ADDITIONS} (doc, extra) VALUES (%s, %s)", [doc, " ".join(terms)])

    def concatenated(self, column: str) -> str:
        # group_concat keeps a blob's bytes as they are (the database is UTF-8, no conversion);
        # the cast gives them back as a blob.
        return f"CAST(group_concat({column}, '') AS BLOB)"

    def match(self, clauses: list[QueryClause], tiers: list[tuple[list[QueryClause], bool]]) -> tuple[str, list]:
        """Documents whose row matches, then those that match only with the terms kept apart
        for them (few: those given resources since they were last written whole). Matches and
        every test other than of titles (which added terms never are) read both; scores read
        the row alone (``bm25`` only scores a row that a query matches), so a resource's terms
        weigh in a document's score from its next whole writing. When no terms kept apart hold
        a word of the query, the rows alone give the same answer, and are all that is read."""
        weights = ", ".join(str(w) for w in WEIGHTS)
        anything = " OR ".join(_word(word) for word in query_words(clauses))
        with self.connection.cursor() as cursor:
            cursor.execute(f"SELECT 1 FROM {ADDITION_FTS} WHERE {ADDITION_FTS} MATCH %s LIMIT 1", [anything])
            added = cursor.fetchone() is not None
        tier_sql, tier_params = _tiers(tiers, f"{FTS}.rowid", added=added)
        sql = (
            f"SELECT {FTS}.rowid AS doc, {tier_sql} AS tier, -bm25({FTS}, {weights}) AS score "
            f"FROM {FTS} WHERE {FTS} MATCH %s"
        )
        params = [*tier_params, _expression(clauses)]
        if not added:
            return sql, params
        tier_sql, tier_params = _tiers(tiers, "c.doc", added=True)
        combined, combined_params = _combined(clauses, "c.doc")
        sql += (
            f" UNION ALL SELECT c.doc, {tier_sql}, "
            f"coalesce((SELECT -bm25({FTS}, {weights}) FROM {FTS} WHERE {FTS} MATCH %s AND rowid = c.doc), 0) "
            f"FROM (SELECT DISTINCT a.doc FROM {ADDITION_FTS} JOIN {ADDITIONS} a ON a.id = {ADDITION_FTS}.rowid "
            f"WHERE {ADDITION_FTS} MATCH %s) c "
            f"WHERE NOT EXISTS (SELECT 1 FROM {FTS} WHERE {FTS} MATCH %s AND rowid = c.doc) AND {combined}"
        )
        params += [*tier_params, anything, anything, _expression(clauses), *combined_params]
        return sql, params


def _held(word: QueryWord, doc: str) -> tuple[str, list]:
    """SQL testing that document ``doc`` holds ``word``, in its row or in its added terms."""
    return (f"(EXISTS (SELECT 1 FROM {FTS} WHERE {FTS} MATCH %s AND rowid = {doc}) OR "
            f"EXISTS (SELECT 1 FROM {ADDITION_FTS} JOIN {ADDITIONS} a ON a.id = {ADDITION_FTS}.rowid "
            f"WHERE {ADDITION_FTS} MATCH %s AND a.doc = {doc}))", [_word(word), _word(word)])


def _combined(clauses: list[QueryClause], doc: str) -> tuple[str, list]:
    """SQL testing that document ``doc`` matches ``clauses`` with its row and added terms
    together (as ``_expression`` does on its row alone)."""
    groups, params = [], []
    for clause in clauses:
        alternatives = []
        for words in clause.alternatives:
            tests = []
            for word in words:
                test, more = _held(word, doc)
                tests.append(test)
                params += more
            alternatives.append("(" + " AND ".join(tests) + ")")
        groups.append("(" + " OR ".join(alternatives) + ")")
    return " AND ".join(groups), params


def _tiers(tiers: list[tuple[list[QueryClause], bool]], doc: str, *, added: bool) -> tuple[str, list]:
    """SQL of the tier of document ``doc`` (see ``SearchBackend.match``), reading the terms
    kept apart too when some may hold words of the query (``added``)."""
    parts, params = [], []
    for i, (tested, title) in enumerate(tiers):
        test = f"{doc} IN (SELECT rowid FROM {FTS} WHERE {FTS} MATCH %s)"
        params.append("{title} : (" + _expression(tested) + ")" if title else _expression(tested))
        if added and not title:
            combined, more = _combined(tested, doc)
            test = f"({test} OR ({doc} IN (SELECT doc FROM {ADDITIONS}) AND {combined}))"
            params += more
        parts.append(f"{2 ** (len(tiers) - 1 - i)} * ({test})")
    return " + ".join(parts), params
