"""Each index entry's terms in a compact form that a search process loads whole into memory
(``ouvert.catalog.search.memory``), whatever the back end.

Terms are numbered once in ``catalog_search_term`` (a term keeps its number for good). For each
document, ``catalog_search_postings`` holds ``term_ids``, the numbers of its distinct terms in
rising order as 32-bit integers, ``term_weights``, one 16-bit weight per term, and ``length``,
its number of terms. A weight is the term's occurrences weighted by field (``FIELD_WEIGHTS``)
shifted left by one bit, the low bit telling whether the term is in the ``title`` field (which
the title tiers test). The table is apart from ``catalog_search_entry``, which searches in the
database read for every match and which must stay narrow.

It also keeps, for each entry, the ``revision`` of the dataset it holds
(``ouvert.catalog.revisions``) and ``resource_mask``, one bit per term of ``term_ids`` telling
whether it is a term of the dataset's resources (NULL when the ``extra`` field was cut): with
them, an entry whose dataset was given new resources and nothing else is added to
(``add_resource_terms``, ``SearchBackend.add_resources``) rather than made again from all its
resources.
"""

from __future__ import annotations

import json
import threading
from collections import Counter
from collections.abc import Iterable

import numpy as np
from django.db import transaction

from .documents import FIELDS, Document

TERMS = "catalog_search_term"
POSTINGS = "catalog_search_postings"
VERSION = "catalog_search_version"
# Occurrences in the title (and tags) weigh most, as in the back ends' own ranking.
FIELD_WEIGHTS = dict(zip(FIELDS, (10, 2, 1), strict=True))
MAX_WEIGHT = (1 << 15) - 1
CHUNK = 5000
# Numbers of terms known to be committed, per database, kept by each process so that indexing a
# dataset asks the database only for the terms it has not seen: a dataset with hundreds of
# resources is re-indexed for each change to one of them. A term keeps its number for good;
# only the migration that creates the table (and undoes it) starts numbering again, and it
# calls ``forget_terms``.
KNOWN_TERMS_LIMIT = 300_000
REMEMBERED_PER_CALL = 2_000
_known: dict[tuple, dict[str, int]] = {}
_known_lock = threading.Lock()


def weights(document: Document) -> dict[str, int]:
    """Term -> encoded weight (see the module docstring) of one document."""
    found: Counter[str] = Counter()
    for field, terms in document.fields().items():
        weight = FIELD_WEIGHTS[field]
        for term, n in Counter(terms).items():
            found[term] += weight * n
    title = set(document.title)
    return {term: min(w, MAX_WEIGHT) << 1 | (term in title) for term, w in found.items()}


def length(document: Document) -> int:
    return sum(len(terms) for terms in document.fields().values())


def pack(term_weights: dict[str, int], ids: dict[str, int]) -> tuple[bytes, bytes]:
    """``term_ids`` and ``term_weights`` of an entry, given the numbers of its terms."""
    if not term_weights:
        return b"", b""
    numbers = np.fromiter((ids[term] for term in term_weights), dtype="<u4", count=len(term_weights))
    values = np.fromiter(term_weights.values(), dtype="<u2", count=len(term_weights))
    order = np.argsort(numbers, kind="stable")
    return numbers[order].tobytes(), values[order].tobytes()


def mark(term_ids: bytes, numbers: Iterable[int]) -> bytes:
    """``resource_mask`` of an entry: one bit per term of ``term_ids``, in its order (packed by
    ``numpy.packbits``), set for the terms of ``numbers``."""
    ids = np.frombuffer(term_ids, dtype="<u4")
    return np.packbits(np.isin(ids, np.fromiter(numbers, dtype="<u4"))).tobytes()


def add_resource_terms(term_ids: bytes, term_weights: bytes, resource_mask: bytes, numbers: np.ndarray, *,
                       most: int = 255) -> tuple[bytes, bytes, bytes, np.ndarray] | None:
    """An entry's ``term_ids``, ``term_weights`` and ``resource_mask`` once the distinct terms
    ``numbers`` of new resources are in it: those not yet terms of its resources count once
    more in the ``extra`` field (``fresh``, returned last, tells which). None when one of them
    already weighs more than ``most``: it may be at a limit of the back ends' (PostgreSQL keeps
    256 positions of a lexeme), which indexing the dataset again respects."""
    ids = np.frombuffer(term_ids, dtype="<u4")
    values = np.frombuffer(term_weights, dtype="<u2").astype(np.int64)
    marked = np.unpackbits(np.frombuffer(resource_mask, dtype=np.uint8), count=len(ids)).astype(bool)
    numbers = np.asarray(numbers, dtype="<u4")
    at = np.searchsorted(ids, numbers)
    present = at < len(ids)
    present[present] = ids[at[present]] == numbers[present]
    fresh = np.ones(len(numbers), dtype=bool)
    fresh[present] = ~marked[at[present]]
    grown = at[present & fresh]
    if np.any(values[grown] >> 1 > most):
        return None
    weight = FIELD_WEIGHTS["extra"]
    values[grown] = np.minimum((values[grown] >> 1) + weight, MAX_WEIGHT) << 1 | (values[grown] & 1)
    marked[grown] = True
    new = np.sort(numbers[~present])
    where = np.searchsorted(ids, new)
    ids = np.insert(ids, where, new)
    values = np.insert(values, where, min(weight, MAX_WEIGHT) << 1)
    marked = np.insert(marked, where, True)
    return ids.astype("<u4").tobytes(), values.astype("<u2").tobytes(), np.packbits(marked).tobytes(), fresh


def database_key(connection) -> tuple:
    """Which database a connection reads, for what a process keeps per database (term numbers
    here, the index snapshot in ``memory``)."""
    return (connection.alias, connection.vendor, str(connection.settings_dict.get("NAME")))


def forget_terms() -> None:
    """Forget the numbers this process has seen (the table was created or dropped)."""
    with _known_lock:
        _known.clear()


def _remember(database: tuple, numbers: dict[str, int]) -> None:
    with _known_lock:
        known = _known.setdefault(database, {})
        if len(known) + len(numbers) > KNOWN_TERMS_LIMIT:
            known.clear()
        known.update(numbers)


def term_ids(cursor, terms: Iterable[str]) -> dict[str, int]:
    """The numbers of ``terms``, numbering those not yet known: those this process has seen
    committed come from memory, the others cost two statements per ``CHUNK`` terms. Only new
    terms are inserted, so that no number is spent on a term already known."""
    database = database_key(cursor.db)
    known = _known.get(database, {})
    found = {}
    missing = []
    for term in set(terms):
        number = known.get(term)
        if number is None:
            missing.append(term)
        else:
            found[term] = number
    fetched = _fetch(cursor, missing)
    if fetched and len(fetched) <= REMEMBERED_PER_CALL:
        # Remembered once committed: a rolled-back transaction (or savepoint) takes its new
        # terms with it. Bulk indexing, which numbers many terms at a time, is left out: it
        # would hold them all until its transaction ends, for little gain.
        transaction.on_commit(lambda: _remember(database, fetched), using=cursor.db.alias)
    found.update(fetched)
    return found


def _fetch(cursor, terms: list[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    terms = sorted(terms)
    if cursor.db.vendor == "postgresql":
        listed, given = "SELECT unnest(%s::text[]) AS term", list
    else:
        listed, given = "SELECT value AS term FROM json_each(%s)", json.dumps
    for start in range(0, len(terms), CHUNK):
        chunk = given(terms[start:start + CHUNK])
        cursor.execute(f"INSERT INTO {TERMS} (term) SELECT t.term FROM ({listed}) t "
                       f"WHERE NOT EXISTS (SELECT 1 FROM {TERMS} k WHERE k.term = t.term) ON CONFLICT DO NOTHING",
                       [chunk])
        cursor.execute(f"SELECT term, id FROM {TERMS} WHERE term IN ({listed})", [chunk])
        found.update(cursor.fetchall())
    return found
