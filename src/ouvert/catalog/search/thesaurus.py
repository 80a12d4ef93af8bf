"""Query expansion from the Canadian Subject Thesaurus (CST): French and English names of a
subject, and its preferred and non-preferred names, find each other ("eau potable" finds
"Drinking water", "potable water" finds both).

``data/cst_equivalents.tsv`` is derived from the published CST file by ``data/derive_cst.py``
(see ``data/SOURCES.md``): one subject per line, its preferred English name first, then its
French name and the names it is used for, tab-separated.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from .analysis import (
    MAX_QUERY_LENGTH,
    MAX_QUERY_WORDS,
    MIN_PREFIX_LENGTH,
    QueryWord,
    stem,
    tokenize,
)

DATA = Path(__file__).resolve().parent / "data" / "cst_equivalents.tsv"
# Only names of at least this many words expand. One-word subjects ("Arbre"/"Trees") are left to
# the stemmer: expanding them would make a dataset reappear for a word just removed from its
# French title because its English title still says it, which readers of one language do not
# expect; phrases are where the two languages share no word at all.
MIN_ENTRY_WORDS = 2
MAX_ENTRY_WORDS = 8
# Bounds the size of one expanded query, whatever the thesaurus says.
MAX_EQUIVALENTS = 12


@dataclass(frozen=True)
class QueryClause:
    """One part of a query: it matches when any alternative does, and an alternative matches
    when all its words do. The first alternative is always what was typed."""

    alternatives: tuple[tuple[QueryWord, ...], ...]

    @property
    def expanded(self) -> bool:
        return len(self.alternatives) > 1


def _keys(tokens: tuple[str, ...]) -> set[tuple[str, ...]]:
    # A name is found whether typed as written, or in another form that stems alike in either
    # language ("eaux potables").
    return {tokens, tuple(stem(t, "fr") for t in tokens), tuple(stem(t, "en") for t in tokens)}


@lru_cache(maxsize=1)
def equivalents() -> dict[tuple[str, ...], tuple[tuple[str, ...], ...]]:
    """Map from a name's tokens (and their stems) to the tokens of each of its equivalents."""
    groups: list[list[tuple[str, ...]]] = []
    for line in DATA.read_text(encoding="utf-8").splitlines():
        names = [tuple(tokenize(name)) for name in line.split("\t")]
        groups.append([name for name in dict.fromkeys(names) if name])
    found: dict[tuple[str, ...], dict[tuple[str, ...], None]] = defaultdict(dict)
    for names in groups:
        for name in names:
            if not MIN_ENTRY_WORDS <= len(name) <= MAX_ENTRY_WORDS:
                continue
            for key in _keys(name):
                for other in names:
                    if other != name:
                        found[key][other] = None
    return {key: tuple(others)[:MAX_EQUIVALENTS] for key, others in found.items()}


def _word(token: str, prefix: bool) -> QueryWord:
    terms = tuple(dict.fromkeys((stem(token, "fr"), stem(token, "en"), token)))
    return QueryWord(terms, token if prefix and len(token) >= MIN_PREFIX_LENGTH else None)


def parse_clauses(query: str, *, expand: bool = True) -> list[QueryClause]:
    """The clauses of a query, all of which a dataset must match; empty means no text filter.

    Without expansion each word is a clause of its own, exactly as ``analysis.parse_query``.
    With it, the longest runs of words that name a thesaurus subject become one clause whose
    alternatives are that run and each equivalent name (all of its words required).
    """
    tokens = list(dict.fromkeys(tokenize((query or "")[:MAX_QUERY_LENGTH])))[:MAX_QUERY_WORDS]
    last = len(tokens) - 1
    table = equivalents() if expand else {}
    clauses = []
    position = 0
    while position < len(tokens):
        for length in range(min(MAX_ENTRY_WORDS, len(tokens) - position), MIN_ENTRY_WORDS - 1, -1):
            span = tuple(tokens[position:position + length])
            names = next((table[key] for key in _keys(span) if key in table), None) if table else None
            if names:
                typed = tuple(_word(t, position + i == last) for i, t in enumerate(span))
                others = tuple(tuple(_word(t, False) for t in name) for name in names)
                clauses.append(QueryClause((typed, *others)))
                position += length
                break
        else:
            clauses.append(QueryClause(((_word(tokens[position], position == last),),)))
            position += 1
    return clauses


