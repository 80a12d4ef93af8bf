"""The interface every search back end implements.

A back end stores analysed documents and answers one question: which documents match these
query clauses, and how well. Visibility, filters, facets, sorting and paging are done once,
above the back ends (``ouvert.catalog.search.engine``), over columns and tables both back ends
share, so they cannot differ between them.

Shared layout: each back end keeps one ``catalog_search_document`` row per indexed dataset, with
an integer ``id`` (the document) and its own representation of the terms; for that same ``id``,
``catalog_search_entry`` holds ``dataset_id`` and the attributes of ``Document.attributes``, and
``catalog_search_facet`` one ``(doc, value_id)`` row per facet value, ``value_id`` naming a
``(facet, value)`` pair of ``catalog_search_value``. ``catalog_search_addition`` holds, per
document, the terms that new resources added to it since it was last written whole
(``add_resources``), in the back end's own form; ``match`` reads them with the document's row.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable

import numpy as np
from django.db import connection

from .. import memory, postings
from ..documents import FACETS as FACET_NAMES
from ..documents import Document, format_facets, resource_terms
from ..postings import POSTINGS
from ..thesaurus import QueryClause

DOCUMENTS = "catalog_search_document"
DATASETS = "catalog_dataset"
# Terms added to documents since they were last written whole (``append_terms``), one row per
# addition, with each back end's full-text form (migration ``0012_search_additions``).
ADDITIONS = "catalog_search_addition"
ENTRIES = "catalog_search_entry"
FACETS = "catalog_search_facet"
VALUES = "catalog_search_value"
ATTRIBUTES = ("state", "private", "organisation_id", "created_by_id", "licence_id", "name",
              "sort_title_fr", "sort_title_en", "created", "modified")
# Datasets per statement batch when writing many documents.
BATCH_SIZE = 500
# Entries of more terms are indexed again rather than added to: ``extra`` may not hold more than
# ``documents.MAX_TERMS_PER_FIELD``, nor PostgreSQL's vectors positions beyond 16,383.
APPEND_LIMIT = 16_000
# Additions a document keeps apart (``append_terms``) before it is written whole again: searches
# in the database read them with it.
MAX_ADDITIONS = 100
# A facet code: the facet's position in ``documents.FACETS`` above ``VALUE_BITS`` bits of value id.
VALUE_BITS = 27
VALUE_MASK = (1 << VALUE_BITS) - 1


def facet_code(facet: str, value_id: int) -> int:
    """The facet code of a ``(facet, value id)`` pair."""
    if value_id > VALUE_MASK:
        raise OverflowError("facet value id beyond the range of a facet code")
    return FACET_NAMES.index(facet) << VALUE_BITS | value_id


def pack_facets(pairs: Iterable[tuple[str, int]]) -> bytes:
    """``(facet, value id)`` pairs as the ``facet_codes`` of an entry: 32-bit little-endian codes."""
    codes = [facet_code(facet, value_id) for facet, value_id in pairs]
    return struct.pack(f"<{len(codes)}i", *codes)


def unpack_code(code: int) -> tuple[str, int]:
    """The facet name and value id of a facet code."""
    return FACET_NAMES[code >> VALUE_BITS], code & VALUE_MASK


def query_words(clauses: list[QueryClause]) -> list:
    """The distinct words of ``clauses`` (of every alternative), in order."""
    return list(dict.fromkeys(word for clause in clauses for alternative in clause.alternatives for word in alternative))


def _postings_row(doc: int, document: Document, found: dict[str, int], numbers: dict[str, int]) -> list:
    """The ``catalog_search_postings`` row of ``document`` (``postings``), given its weights
    and the numbers of its terms."""
    term_ids, term_weights = postings.pack(found, numbers)
    resources = document.resource_terms
    mask = None if resources is None else postings.mark(term_ids, (numbers[term] for term in resources))
    return [doc, term_ids, term_weights, postings.length(document), document.revision, mask]


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

    def attribute_values(self, document: Document) -> list:
        """``document.attributes`` in ``ATTRIBUTES`` order, as the database stores them."""
        from ouvert.accounts.models import Organisation

        ops = self.connection.ops
        values = dict(document.attributes)
        values["organisation_id"] = Organisation._meta.pk.get_db_prep_value(values.get("organisation_id"), self.connection)
        for column in ("created", "modified"):
            values[column] = ops.adapt_datetimefield_value(values.get(column))
        return [values.get(column) for column in ATTRIBUTES]

    def save(self, document: Document) -> None:
        """Insert or replace the index entry of ``document.dataset_id``."""
        self.save_many([document])

    def save_many(self, documents: Iterable[Document], *, fresh: bool = False) -> None:
        """Insert or replace many entries in a few statements; ``fresh`` says none of them is in
        the index yet (after ``clear``), which spares looking for old facet rows."""
        documents = list(documents)
        for start in range(0, len(documents), BATCH_SIZE):
            batch = documents[start:start + BATCH_SIZE]
            with self.connection.cursor() as cursor:
                self.write_documents(cursor, batch)
                ids = [self.db_id(d.dataset_id) for d in batch]
                marks = ", ".join(["%s"] * len(ids))
                cursor.execute(f"SELECT dataset_id, id FROM {DOCUMENTS} WHERE dataset_id IN ({marks})", ids)
                docs = {str(key): doc for key, doc in cursor.fetchall()}
                if not fresh:
                    marks = ", ".join(["%s"] * len(docs))
                    # The rows now hold every term: those kept apart for them go.
                    cursor.execute(f"DELETE FROM {ADDITIONS} WHERE doc IN ({marks})", list(docs.values()))
                    cursor.execute(f"DELETE FROM {FACETS} WHERE doc IN ({marks})", list(docs.values()))
                    cursor.execute(f"DELETE FROM {ENTRIES} WHERE id IN ({marks})", list(docs.values()))
                    cursor.execute(f"DELETE FROM {POSTINGS} WHERE id IN ({marks})", list(docs.values()))
                value_ids = self.value_ids(cursor, {pair for document in batch for pair in document.facets})
                weights = [postings.weights(document) for document in batch]
                numbers = postings.term_ids(cursor, {term for found in weights for term in found})
                cursor.executemany(
                    f"INSERT INTO {ENTRIES} (id, dataset_id, {', '.join(ATTRIBUTES)}, facet_codes) "
                    f"VALUES ({', '.join(['%s'] * (len(ATTRIBUTES) + 3))})",
                    [[docs[str(db_id)], db_id, *self.attribute_values(document),
                      pack_facets((pair[0], value_ids[pair]) for pair in document.facets)]
                     for db_id, document in zip(ids, batch, strict=True)])
                cursor.executemany(
                    f"INSERT INTO {POSTINGS} (id, term_ids, term_weights, length, revision, resource_mask) "
                    f"VALUES (%s, %s, %s, %s, %s, %s)",
                    [_postings_row(docs[str(db_id)], document, found, numbers)
                     for db_id, document, found in zip(ids, batch, weights, strict=True)])
                rows = [(docs[str(db_id)], value_ids[pair])
                        for db_id, document in zip(ids, batch, strict=True) for pair in document.facets]
                if rows:
                    cursor.executemany(f"INSERT INTO {FACETS} (doc, value_id) VALUES (%s, %s)", rows)
        if documents:
            memory.changed(self.connection)  # after the writes: outside a transaction it acts at once

    def add_resources(self, dataset_id, resources: list, revision: int) -> bool:
        """Bring a dataset's entry up to date after ``resources`` were added after its others,
        with no other change than its ``modified``, as indexing it again would: when the entry
        holds the dataset at ``revision`` (read, with the dataset locked, before the change),
        add their terms new to the entry's resources, their formats and the new ``modified``
        to it, whatever the number of the dataset's other resources. False, with nothing
        written, when the entry holds another revision or cannot be added to (its ``extra``
        field was cut, is near a limit of the back end's, or it has ``MAX_ADDITIONS``)."""
        key = self.db_id(dataset_id)
        with self.connection.cursor() as cursor:
            cursor.execute(
                f"SELECT p.id, p.revision, p.resource_mask, p.term_ids, p.term_weights, p.length, e.facet_codes, "
                f"d.revision, d.modified, (SELECT count(*) FROM {ADDITIONS} a WHERE a.doc = p.id) "
                f"FROM {ENTRIES} e JOIN {POSTINGS} p ON p.id = e.id "
                f"JOIN {DATASETS} d ON d.id = e.dataset_id WHERE e.dataset_id = %s", [key])
            row = cursor.fetchone()
            if row is None or row[1] != revision or row[2] is None or row[-1] >= MAX_ADDITIONS:
                return False
            doc, _revision, mask, term_ids, term_weights, length, codes, current, modified, _additions = row
            terms = resource_terms(resources)
            numbers = postings.term_ids(cursor, terms)
            added = postings.add_resource_terms(bytes(term_ids), bytes(term_weights), bytes(mask),
                                                np.fromiter((numbers[term] for term in terms), dtype="<u4",
                                                            count=len(terms)))
            if added is None:
                return False
            *written, fresh = added
            new_terms = [term for term, new in zip(terms, fresh, strict=True) if new]
            if length + len(new_terms) > APPEND_LIMIT:
                return False
            pairs = list(dict.fromkeys(format_facets(resources)))
            value_ids = self.value_ids(cursor, set(pairs)) if pairs else {}
            held = set(np.frombuffer(bytes(codes), dtype="<i4").tolist())
            new_pairs = [pair for pair in pairs if facet_code(pair[0], value_ids[pair]) not in held]
            if new_terms:
                self.append_terms(cursor, doc, new_terms)
            cursor.execute(f"UPDATE {POSTINGS} SET term_ids = %s, term_weights = %s, resource_mask = %s, length = %s, "
                           f"revision = %s WHERE id = %s", [*written, length + len(new_terms), current, doc])
            cursor.execute(f"UPDATE {ENTRIES} SET modified = %s, facet_codes = %s WHERE id = %s",
                           [modified, bytes(codes) + pack_facets((pair[0], value_ids[pair]) for pair in new_pairs), doc])
            if new_pairs:
                cursor.executemany(f"INSERT INTO {FACETS} (doc, value_id) VALUES (%s, %s)",
                                   [(doc, value_ids[pair]) for pair in new_pairs])
        memory.changed(self.connection)
        return True

    def append_terms(self, cursor, doc: int, terms: list[str]) -> None:
        """Add ``terms`` at the end of the ``extra`` field of document ``doc``: in a row of
        ``ADDITIONS``, which ``match`` reads with the document's own row until it is next
        written whole (rewriting it would cost as much as all its terms)."""
        raise NotImplementedError

    def value_ids(self, cursor, pairs: set[tuple[str, str]]) -> dict[tuple[str, str], int]:
        """The ids of ``(facet, value)`` pairs, adding those not yet known."""
        found: dict[tuple[str, str], int] = {}
        pairs = sorted(pairs)
        for start in range(0, len(pairs), BATCH_SIZE):
            chunk = pairs[start:start + BATCH_SIZE]
            names = sorted({value for _facet, value in chunk})
            cursor.execute(f"SELECT facet, value, id FROM {VALUES} WHERE value IN ({', '.join(['%s'] * len(names))})", names)
            known = {(facet, value): pk for facet, value, pk in cursor.fetchall()}
            missing = [pair for pair in chunk if pair not in known]
            if missing:
                cursor.executemany(f"INSERT INTO {VALUES} (facet, value) VALUES (%s, %s) ON CONFLICT DO NOTHING", missing)
                cursor.execute(f"SELECT facet, value, id FROM {VALUES} WHERE value IN ({', '.join(['%s'] * len(names))})",
                               names)
                known = {(facet, value): pk for facet, value, pk in cursor.fetchall()}
            found.update((pair, known[pair]) for pair in chunk)
        return found

    def write_documents(self, cursor, documents: list[Document]) -> None:
        """Upsert the document rows (terms) of ``documents``, keeping their ids."""
        raise NotImplementedError

    def delete(self, dataset_id) -> None:
        """Remove a dataset's entry (no error if there is none)."""
        with self.connection.cursor() as cursor:
            for table, key in ((FACETS, "doc"), (ENTRIES, "id"), (POSTINGS, "id"), (ADDITIONS, "doc")):
                cursor.execute(f"DELETE FROM {table} WHERE {key} IN (SELECT id FROM {DOCUMENTS} WHERE dataset_id = %s)",
                               [self.db_id(dataset_id)])
            cursor.execute(f"DELETE FROM {DOCUMENTS} WHERE dataset_id = %s", [self.db_id(dataset_id)])
        memory.changed(self.connection)

    def clear(self) -> None:
        """Remove every entry."""
        with self.connection.cursor() as cursor:
            for table in (FACETS, ENTRIES, POSTINGS, ADDITIONS, DOCUMENTS):
                cursor.execute(f"DELETE FROM {table}")
        memory.changed(self.connection)

    def concatenated(self, column: str) -> str:
        """SQL of an aggregate joining the ``column`` blobs of a group into one."""
        raise NotImplementedError

    def match(self, clauses: list[QueryClause], tiers: list[tuple[list[QueryClause], bool]]) -> tuple[str, list]:
        """SQL and parameters selecting ``doc, tier, score`` for the documents matching all
        ``clauses`` (never empty).

        ``tiers`` lists ``(clauses, title_only)`` tests, most important first: ``tier`` adds
        2^(n-1) for the first one the document passes, 2^(n-2) for the second..., where
        ``title_only`` tests look at the heaviest field (titles and tags) alone. ``score``
        orders documents within a tier, higher first.
        """
        raise NotImplementedError
