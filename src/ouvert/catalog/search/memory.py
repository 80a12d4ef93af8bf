"""Catalog search from memory: each process holds the whole index as arrays, loaded from the
stored index, and answers a search from them in a few milliseconds at 100,000 datasets, where
the database has to visit every matching document to rank and count it.

The stored index stays the reference and the fallback (``engine``), and the database still
says which datasets a page holds. A snapshot is only used while it is the stored index:

- ``catalog_search_version`` holds a token that changes each time a transaction that wrote to the
  index commits (``changed`` registers the change on commit). A snapshot remembers the token it
  was read under, read before the rest; a search compares it with the stored one, so a snapshot
  is never used after a commit it does not hold (in the instant between a commit and its new
  token, a search may still see the index just before it, as with any search server).
- Inside a transaction that has itself written to the index, searches read the database, which
  shows that transaction's own changes.

``settings.OUVERT_SEARCH_MEMORY``: ``auto`` (default) reads a new snapshot in a background thread
when the stored index changed, and searches the database meanwhile; ``always`` reads it before
answering, in the search's own transaction (tests, benchmarks and command-line tools); ``off``
always searches the database.

Ranking is BM25F: each term's occurrences are weighted by field (``postings.FIELD_WEIGHTS``)
and saturate with the document's length; titles come first through the same tiers as in the
database (``engine``). Layout: postings as one array of document positions and one of their
BM25F impacts, in term order, with each term's start in ``offsets`` (and the same for titles
alone); facet values as one array of (document, value) pairs and its inverse, by value.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np
from django.conf import settings
from django.db import connections, transaction

from .analysis import QueryWord
from .postings import POSTINGS, TERMS, VERSION, database_key

logger = logging.getLogger(__name__)

MODES = ("auto", "always", "off")
K1 = 1.2
B = 0.75
# A snapshot older than this is read again in the background even if the token did not change
# (a process that died between its commit and the new token leaves the old one).
MAX_AGE = 300.0

_lock = threading.Lock()
_snapshots: dict[tuple, Snapshot] = {}
_building: set[tuple] = set()


def mode() -> str:
    value = getattr(settings, "OUVERT_SEARCH_MEMORY", "auto") or "auto"
    return value if value in MODES else "auto"


# -- keeping track of changes -------------------------------------------------------------------

def changed(connection) -> None:
    """Note that the index was written on ``connection``: searches in the same transaction read
    the database, and the stored token changes when the transaction commits."""
    if connection.in_atomic_block:
        connection.ouvert_search_dirty = True
    alias = connection.alias
    transaction.on_commit(lambda: _new_token(alias), using=alias)


def _new_token(alias: str) -> None:
    connection = connections[alias]
    connection.ouvert_search_dirty = False
    token = random.getrandbits(62) + 1
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {VERSION} SET token = %s WHERE id = 1", [token])
        if cursor.rowcount == 0:
            cursor.execute(f"INSERT INTO {VERSION} (id, token) VALUES (1, %s) "
                           f"ON CONFLICT (id) DO UPDATE SET token = excluded.token", [token])


def stored_token(connection) -> int | None:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT token FROM {VERSION} WHERE id = 1")
        row = cursor.fetchone()
    return row[0] if row else None


def snapshot(connection) -> Snapshot | None:
    """The snapshot to answer a search on ``connection`` from, or None to read the database."""
    chosen = mode()
    if chosen == "off" or connection.vendor not in ("sqlite", "postgresql"):
        return None
    if not connection.in_atomic_block:
        connection.ouvert_search_dirty = False
    dirty = getattr(connection, "ouvert_search_dirty", False)
    key = database_key(connection)
    token = None if dirty else stored_token(connection)
    with _lock:
        found = _snapshots.get(key)
    if token is not None and found is not None and found.token == token:
        if chosen == "auto" and time.monotonic() - found.read_at > MAX_AGE:
            _refresh_in_background(connection.alias, key)
        return found
    if chosen == "always":
        built = build(connection, token)
        if token is not None:
            with _lock:
                _snapshots[key] = built
        return built
    if token is not None:
        _refresh_in_background(connection.alias, key)
    return None


def _refresh_in_background(alias: str, key: tuple) -> None:
    with _lock:
        if key in _building:
            return
        _building.add(key)
    threading.Thread(target=refresh, args=(alias, key), name="ouvert-search-snapshot", daemon=True).start()


def refresh(alias: str, key: tuple | None = None) -> Snapshot | None:
    """Read a snapshot of the committed index on this thread's connection and keep it."""
    connection = connections[alias]
    key = key or database_key(connection)
    try:
        outermost = not connection.in_atomic_block
        with transaction.atomic(using=alias):
            if connection.vendor == "postgresql" and outermost:
                with connection.cursor() as cursor:  # one view of the index for every read
                    cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            token = stored_token(connection)
            if token is None:
                return None
            built = build(connection, token)
        with _lock:
            _snapshots[key] = built
        return built
    except Exception:
        logger.exception("Reading the search index into memory failed; searches read the database.")
        return None
    finally:
        with _lock:
            _building.discard(key)
        if threading.current_thread() is not threading.main_thread():
            connection.close()  # this thread's own connection


def forget() -> None:
    """Drop every snapshot of this process."""
    with _lock:
        _snapshots.clear()


# -- the snapshot -------------------------------------------------------------------------------

EPOCH = datetime(1970, 1, 1)
NO_TIME = np.iinfo(np.int64).min


def _micros(value) -> int:
    """A stored or given moment as microseconds since 1970 (UTC)."""
    if value is None:
        return NO_TIME
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    delta = value - EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def _dense_ranks(values: list) -> np.ndarray:
    """Rank of each value in rising order, equal values sharing a rank."""
    rank = {value: i for i, value in enumerate(sorted(set(values)))}
    return np.fromiter((rank[value] for value in values), dtype=np.int32, count=len(values))


@dataclass
class Snapshot:
    token: int | None
    read_at: float
    size: int
    keys: list[str]  # CAST(dataset_id AS text), per position
    positions: dict[str, int]  # key -> position
    name_positions: dict[str, int]
    states: dict[str, int]
    state: np.ndarray  # int8 codes of ``states``
    private: np.ndarray  # bool
    organisations: dict[str, int]
    organisation: np.ndarray  # int32 codes, -1 for none
    created_by: np.ndarray  # int64, -1 for none
    ranks: dict[str, np.ndarray]  # name, dataset_id, title_fr, title_en -> dense ranks
    created: np.ndarray  # int64 microseconds (UTC)
    modified: np.ndarray
    # Postings, by term then position: every term's documents, and those whose titles hold it.
    offsets: np.ndarray  # int64, term id -> start (length = largest id + 2)
    documents: np.ndarray  # int32 positions
    impacts: np.ndarray  # float32, BM25F saturation of the term's weight in the document
    title_offsets: np.ndarray
    title_documents: np.ndarray
    # Facet values: (document, dense value) pairs by document, and dense value -> code.
    codes: np.ndarray  # int64 facet codes, sorted (dense value -> code)
    code_documents: np.ndarray  # int32
    code_values: np.ndarray  # int32 dense value
    document_offsets: np.ndarray  # position -> start in ``code_documents``
    value_offsets: np.ndarray  # dense value -> start in ``value_documents``
    value_documents: np.ndarray  # int32 positions, grouped by dense value

    @property
    def nbytes(self) -> int:
        return sum(getattr(self, name).nbytes for name in (
            "state", "private", "organisation", "created_by", "created", "modified", "offsets", "documents",
            "impacts", "title_offsets", "title_documents", "codes", "document_offsets", "code_documents", "code_values", "value_offsets", "value_documents"))


# Moments as the database gives them whole: converting 200,000 datetimes one by one in Python
# took longer than the rest of reading the rows. SQLite keeps UTC text, which NumPy reads.
MOMENTS = {"sqlite": "CAST({0} AS text)", "postgresql": "CAST(EXTRACT(EPOCH FROM {0}) * 1000000 AS bigint)"}
EMPTY = {"sqlite": "x''", "postgresql": "''::bytea"}
# Postings are sorted as one 64-bit key per (term, document, weight) when numbers fit.
DOCUMENT_BITS = 24
WEIGHT_BITS = 16


def _column(values, dtype) -> np.ndarray:
    return np.fromiter(values, dtype=dtype, count=len(values))


def _moments(values: list) -> np.ndarray:
    """Microseconds since 1970 (UTC) of moments read with ``MOMENTS``."""
    if not values or not isinstance(values[0], str):
        return _column([NO_TIME if v is None else v for v in values], np.int64)
    # NaT, for a missing moment, is the smallest int64: NO_TIME.
    return np.array(["NaT" if v is None else v for v in values], dtype="datetime64[us]").astype(np.int64)


def build(connection, token: int | None) -> Snapshot:
    """Read the stored index into a snapshot, in ``connection``'s current view."""
    from .backends.base import ENTRIES  # the back ends import this module

    moment = MOMENTS[connection.vendor]
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT CAST(e.dataset_id AS text), e.name, e.state, e.private, CAST(e.organisation_id AS text), "
            f"e.created_by_id, e.sort_title_fr, e.sort_title_en, {moment.format('e.created')}, "
            f"{moment.format('e.modified')}, e.facet_codes, coalesce(p.term_ids, {EMPTY[connection.vendor]}), "
            f"coalesce(p.term_weights, {EMPTY[connection.vendor]}), coalesce(p.length, 0) "
            f"FROM {ENTRIES} e LEFT JOIN {POSTINGS} p ON p.id = e.id ORDER BY e.id")
        rows = cursor.fetchall()
    size = len(rows)
    (keys, names, states, private, organisations, creators, titles_fr, titles_en, created, modified, facet_blobs,
     id_blobs, weight_blobs, lengths) = (
        (list(column) for column in zip(*rows, strict=True)) if rows else ([] for _ in range(14)))
    del rows
    state_codes = {value: code for code, value in enumerate(sorted(set(states)))}
    org_codes = {value: code for code, value in enumerate(sorted({o for o in organisations if o is not None}))}
    length = np.asarray([n or 0 for n in lengths], dtype=np.float32).reshape(-1)
    average = float(length.mean()) if size and length.mean() > 0 else 1.0
    norms = (K1 * (1 - B + B * length / average)).astype(np.float32)

    # Postings: every (term, document) pair, ordered by term then document, with the BM25F
    # saturation of the term's weighted occurrences in the document worked out once.
    counts = np.fromiter((len(b) // 4 for b in id_blobs), dtype=np.int64, count=size)
    term_ids = np.frombuffer(b"".join(id_blobs), dtype="<u4")
    encoded = np.frombuffer(b"".join(weight_blobs), dtype="<u2")
    del id_blobs, weight_blobs
    largest = int(term_ids.max()) if term_ids.size else 0
    if largest < 1 << (64 - DOCUMENT_BITS - WEIGHT_BITS) and size < 1 << DOCUMENT_BITS:
        packed = np.repeat(np.arange(size, dtype=np.uint64), counts) << np.uint64(WEIGHT_BITS)
        packed |= term_ids.astype(np.uint64) << np.uint64(DOCUMENT_BITS + WEIGHT_BITS)
        packed |= encoded
        packed.sort()
        sorted_terms = (packed >> np.uint64(DOCUMENT_BITS + WEIGHT_BITS)).astype(np.int64)
        documents = ((packed >> np.uint64(WEIGHT_BITS)) & np.uint64((1 << DOCUMENT_BITS) - 1)).astype(np.int32)
        encoded = (packed & np.uint64((1 << WEIGHT_BITS) - 1)).astype(np.uint16)
        del packed
    else:
        order = np.argsort(term_ids, kind="stable")
        sorted_terms = term_ids[order].astype(np.int64)
        documents = np.repeat(np.arange(size, dtype=np.int32), counts)[order]
        encoded = encoded[order]
        del order
    del term_ids
    offsets = np.zeros(largest + 2, dtype=np.int64)
    np.cumsum(np.bincount(sorted_terms, minlength=largest + 1), out=offsets[1:])
    weighted = (encoded >> 1).astype(np.float32)
    impacts = weighted * np.float32(K1 + 1) / (weighted + norms[documents])
    in_title = (encoded & 1).astype(bool)
    del weighted, encoded
    title_documents = documents[in_title]
    title_offsets = np.zeros(largest + 2, dtype=np.int64)
    np.cumsum(np.bincount(sorted_terms[in_title], minlength=largest + 1), out=title_offsets[1:])
    del sorted_terms, in_title

    # Facet values.
    facet_counts = np.fromiter((len(b) // 4 for b in facet_blobs), dtype=np.int64, count=size)
    all_codes = np.frombuffer(b"".join(facet_blobs), dtype="<i4").astype(np.int64)
    del facet_blobs
    codes, code_values = np.unique(all_codes, return_inverse=True)
    code_values = code_values.astype(np.int32).reshape(-1)
    code_documents = np.repeat(np.arange(size, dtype=np.int32), facet_counts)
    by_value = np.argsort(code_values, kind="stable")
    value_offsets = np.zeros(len(codes) + 1, dtype=np.int64)
    np.cumsum(np.bincount(code_values, minlength=len(codes)), out=value_offsets[1:])

    titles_fr = [title or "" for title in titles_fr]
    titles_en = [title or "" for title in titles_en]
    return Snapshot(
        token=token, read_at=time.monotonic(), size=size, keys=keys,
        positions={key: i for i, key in enumerate(keys)},
        name_positions={name: i for i, name in enumerate(names)},
        states=state_codes, state=_column([state_codes[s] for s in states], np.int8),
        private=_column([bool(p) for p in private], bool),
        organisations=org_codes,
        organisation=_column([-1 if o is None else org_codes[o] for o in organisations], np.int32),
        created_by=_column([-1 if c is None else c for c in creators], np.int64),
        ranks={
            "name": _dense_ranks(names), "dataset_id": _dense_ranks(keys),
            "title_fr": _dense_ranks([fr or en for fr, en in zip(titles_fr, titles_en, strict=True)]),
            "title_en": _dense_ranks([en or fr for fr, en in zip(titles_fr, titles_en, strict=True)]),
        },
        created=_moments(created), modified=_moments(modified),
        offsets=offsets, documents=documents, impacts=impacts,
        title_offsets=title_offsets, title_documents=title_documents,
        codes=codes, code_documents=code_documents, code_values=code_values,
        document_offsets=np.concatenate(([0], np.cumsum(facet_counts))).astype(np.int64),
        value_offsets=value_offsets, value_documents=code_documents[by_value],
    )


# -- answering ----------------------------------------------------------------------------------

class Terms:
    """The stored numbers of a query's terms and prefixes, read in one or two statements."""

    def __init__(self, connection, words: Sequence[QueryWord]) -> None:
        terms = sorted({term for word in words for term in word.terms})
        self.numbers: dict[str, int] = {}
        self.prefixes: dict[str, list[int]] = {}
        with connection.cursor() as cursor:
            if terms:
                cursor.execute(f"SELECT term, id FROM {TERMS} WHERE term IN ({', '.join(['%s'] * len(terms))})", terms)
                self.numbers = dict(cursor.fetchall())
            for prefix in sorted({word.prefix for word in words if word.prefix}):
                cursor.execute(f"SELECT id FROM {TERMS} WHERE term >= %s AND term < %s",
                               [prefix, prefix + "\U0010ffff"])
                self.prefixes[prefix] = [row[0] for row in cursor.fetchall()]

    def of(self, word: QueryWord) -> list[int]:
        found = [self.numbers[t] for t in word.terms if t in self.numbers]
        if word.prefix:
            found += self.prefixes.get(word.prefix, [])
        return found


class Searcher:
    """One search over one snapshot."""

    def __init__(self, snap: Snapshot, terms: Terms) -> None:
        self.snap = snap
        self.terms = terms
        self._words: dict[tuple[QueryWord, bool], np.ndarray] = {}

    # Sets of documents are boolean arrays over positions.
    def everything(self) -> np.ndarray:
        return np.ones(self.snap.size, dtype=bool)

    def _postings(self, number: int, title: bool = False) -> tuple[np.ndarray, np.ndarray | None]:
        snap = self.snap
        offsets, documents = (snap.title_offsets, snap.title_documents) if title else (snap.offsets, snap.documents)
        if number + 1 >= len(offsets):
            return documents[:0], None if title else snap.impacts[:0]
        start, stop = offsets[number], offsets[number + 1]
        return documents[start:stop], None if title else snap.impacts[start:stop]

    def _word(self, word: QueryWord, title: bool) -> np.ndarray:
        """Documents holding ``word`` (in their titles with ``title``); do not modify."""
        mask = self._words.get((word, title))
        if mask is None:
            mask = np.zeros(self.snap.size, dtype=bool)
            for number in self.terms.of(word):
                mask[self._postings(number, title)[0]] = True
            self._words[word, title] = mask
        return mask

    def matching(self, clauses, title: bool = False) -> np.ndarray:
        """Documents matching every clause (in their titles alone with ``title``)."""
        mask = self.everything()
        for clause in clauses:
            either = np.zeros(self.snap.size, dtype=bool)
            for words in clause.alternatives:
                every = self.everything()
                for word in words:
                    every &= self._word(word, title)
                either |= every
            mask &= either
        return mask

    def scores(self, clauses) -> np.ndarray:
        """BM25F of every document for the terms of ``clauses`` (each term once)."""
        snap = self.snap
        scores = np.zeros(snap.size, dtype=np.float32)
        numbers = {n for clause in clauses for words in clause.alternatives for word in words for n in self.terms.of(word)}
        for number in numbers:
            documents, impacts = self._postings(number)
            if not documents.size:
                continue
            frequency = documents.size
            idf = np.float32(np.log(1 + (snap.size - frequency + 0.5) / (frequency + 0.5)))
            scores[documents] += idf * impacts
        return scores

    # Conditions.
    def visible(self, states: list[str], clauses, stored=str) -> np.ndarray:
        """Documents in ``states`` that one of the visibility ``clauses`` allows (None: all);
        ``stored`` turns an organisation id into its stored form."""
        snap = self.snap
        mask = self._column_in("state", states)
        if clauses is None:
            return mask
        allowed = np.zeros(snap.size, dtype=bool)
        for clause in clauses:
            part = self.everything()
            for lookup, value in clause.items():
                column, _, operator = lookup.partition("__")
                values = list(value) if operator == "in" else [value]
                if column == "organisation_id":
                    values = [None if v is None else stored(v) for v in values]
                part &= self._column_in(column, values)
            allowed |= part
        return mask & allowed

    def _column_in(self, column: str, values: list) -> np.ndarray:
        snap = self.snap
        if column == "state":
            array, wanted = snap.state, [snap.states[v] for v in values if v in snap.states]
        elif column == "private":
            array, wanted = snap.private, [bool(v) for v in values]
        elif column == "organisation_id":
            array, wanted = snap.organisation, [-1 if v is None else snap.organisations.get(str(v), -2) for v in values]
        elif column == "created_by_id":
            array, wanted = snap.created_by, [-1 if v is None else int(v) for v in values]
        else:
            raise ValueError(f"unknown visibility column {column!r}")
        if len(wanted) > 8:
            return np.isin(array, wanted)
        mask = np.zeros(snap.size, dtype=bool)
        for value in set(wanted):  # a few comparisons cost less than isin's sort
            mask |= array == value
        return mask

    def with_values(self, codes: list[int]) -> np.ndarray:
        """Documents having any of these facet codes."""
        snap = self.snap
        mask = np.zeros(snap.size, dtype=bool)
        for code in codes:
            index = int(np.searchsorted(snap.codes, code))
            if index < len(snap.codes) and snap.codes[index] == code:
                mask[snap.value_documents[snap.value_offsets[index]:snap.value_offsets[index + 1]]] = True
        return mask

    def with_keys(self, column: str, values: list) -> np.ndarray:
        snap = self.snap
        lookup = snap.name_positions if column == "name" else snap.positions
        mask = np.zeros(snap.size, dtype=bool)
        found = [lookup[str(v)] for v in values if str(v) in lookup]
        mask[found] = True
        return mask

    def between(self, column: str, start: datetime | None, end: datetime | None) -> np.ndarray:
        values = getattr(self.snap, column)
        mask = self.everything()
        if start is not None:
            mask &= values >= _micros(start)
        if end is not None:
            mask &= values <= _micros(end)
        return mask

    # Results.
    def page(self, mask: np.ndarray, order: list[tuple[str, str]], tier: np.ndarray | None,
             score: np.ndarray | None, language: str, offset: int, limit: int) -> list[str]:
        """Keys of the documents ``offset`` to ``offset + limit`` of ``mask`` in ``order``:
        ``(field, direction)`` over tier, score, name, dataset_id, modified, created, title."""
        snap = self.snap
        chosen = np.flatnonzero(mask)
        wanted = offset + limit
        if limit <= 0 or offset >= chosen.size:
            return []
        columns = []
        if len(order) > 1 and [f for f, _d in order[:2]] == ["tier", "score"] and order[0][1] == order[1][1]:
            # One leading key for both: scores are far below a million.
            combined = tier[chosen].astype(np.float64) * 1e6 + score[chosen]
            columns.append(-combined if order[0][1] == "desc" else combined)
            order = order[2:]
        for field, direction in order:
            if field == "tier":
                values = tier[chosen].astype(np.float64)
            elif field == "score":
                values = score[chosen].astype(np.float64)
            elif field in ("modified", "created"):
                values = getattr(snap, field)[chosen]
            elif field == "title":
                values = snap.ranks[f"title_{language}"][chosen]
            else:
                values = snap.ranks[field][chosen]
            columns.append(-values if direction == "desc" else values)
        if chosen.size > wanted and columns:
            # Keep the first ``wanted`` by the leading key, with every document tied with the
            # last of them, before sorting those alone.
            first = columns[0]
            bound = np.partition(first, wanted - 1)[wanted - 1]
            keep = first <= bound
            chosen = chosen[keep]
            columns = [c[keep] for c in columns]
        ordered = chosen[np.lexsort(columns[::-1])] if columns else chosen
        return [snap.keys[i] for i in ordered[offset:wanted]]

    def facet_counts(self, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(facet codes, counts) of the values held by the documents of ``mask``."""
        snap = self.snap
        chosen = np.flatnonzero(mask)
        if chosen.size * 8 < snap.size:
            # Few matches: gather their own values rather than test every document's.
            starts, stops = snap.document_offsets[chosen], snap.document_offsets[chosen + 1]
            lengths = stops - starts
            steps = np.repeat(starts - np.concatenate(([0], np.cumsum(lengths)[:-1])), lengths)
            values = snap.code_values[steps + np.arange(int(lengths.sum()))]
        else:
            values = snap.code_values[mask[snap.code_documents]]
        counts = np.bincount(values, minlength=len(snap.codes))
        present = np.flatnonzero(counts)
        return snap.codes[present], counts[present]
