"""Each index entry's terms in a compact form that a search process loads whole into memory
(``ouvert.catalog.search.memory``), whatever the back end.

Terms are numbered once in ``catalog_search_term`` (a term keeps its number for good). For each
document, ``catalog_search_postings`` holds ``term_ids``, the numbers of its distinct terms in
rising order as 32-bit integers, ``term_weights``, one 16-bit weight per term, and ``length``,
its number of terms. A weight is the term's occurrences weighted by field (``FIELD_WEIGHTS``)
shifted left by one bit, the low bit telling whether the term is in the ``title`` field (which
the title tiers test). The table is apart from ``catalog_search_entry``, which searches in the
database read for every match and which must stay narrow.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable

import numpy as np

from .documents import FIELDS, Document

TERMS = "catalog_search_term"
POSTINGS = "catalog_search_postings"
VERSION = "catalog_search_version"
# Occurrences in the title (and tags) weigh most, as in the back ends' own ranking.
FIELD_WEIGHTS = dict(zip(FIELDS, (10, 2, 1), strict=True))
MAX_WEIGHT = (1 << 15) - 1
CHUNK = 5000


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


def term_ids(cursor, terms: Iterable[str]) -> dict[str, int]:
    """The numbers of ``terms``, numbering those not yet known: two statements per
    ``CHUNK`` terms, whether or not some are new. Only new terms are inserted, so that no
    number is spent on a term already known."""
    found: dict[str, int] = {}
    terms = sorted(set(terms))
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
