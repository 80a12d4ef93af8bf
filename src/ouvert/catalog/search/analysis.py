"""Text analysis shared by every back end, so that they find exactly the same datasets.

Documents and queries go through the same steps: case and accent folding, tokenizing on
anything that is not a letter or a digit, then Snowball stemming per language. Back ends only
ever receive the resulting tokens (letters and digits), never raw user text.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import snowballstemmer

LANGUAGES = {"fr": "french", "en": "english"}

# Tokens longer than this are cut, on both sides, so an index entry can never outgrow what a
# back end accepts (PostgreSQL refuses lexemes above 2 KB) and a query still matches it.
MAX_TOKEN_LENGTH = 64
# Bounds on the work one query can cause, whatever is typed.
MAX_QUERY_LENGTH = 1000
MAX_QUERY_WORDS = 32
# The last word of a query also matches as a prefix (search while typing) from this length:
# shorter prefixes match too much to be useful.
MIN_PREFIX_LENGTH = 3

# Letters NFKD does not decompose but that readers type without their mark.
_LIGATURES = str.maketrans({"œ": "oe", "æ": "ae", "ø": "o", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "ı": "i"})
_TOKEN = re.compile(r"[^\W_]+")
# French elision ("l'eau", "qu'elle") and the English possessive ("Canada's"): without this,
# the lone letter would become a required query word.
_ELISION = re.compile(r"\b(?:[cdjlmnst]|qu|jusqu|lorsqu|puisqu)['’‘`]|['’‘`]s\b")


class _Marks(dict):
    """``str.translate`` table dropping combining marks, filled as characters are met (the
    per-character Python loop this replaces was most of the cost of indexing)."""

    def __missing__(self, code: int):
        value = None if unicodedata.combining(chr(code)) else code
        self[code] = value
        return value


_MARKS = _Marks()


def fold(text: str) -> str:
    """Lowercase without accents: "Œuvre Québec" -> "oeuvre quebec"."""
    if text.isascii():
        return text.lower()
    text = text.casefold().translate(_LIGATURES)
    return unicodedata.normalize("NFKD", text).translate(_MARKS)


def tokenize(text: str) -> list[str]:
    """Folded words of ``text``, split on everything that is not a letter or a digit."""
    if not text:
        return []
    folded = _ELISION.sub(" ", fold(text))
    return [token[:MAX_TOKEN_LENGTH] for token in _TOKEN.findall(folded)]


_local = threading.local()


def _stemmer(language: str):
    # Snowball stemmers keep state while stemming: one per thread.
    stemmers = _local.__dict__.setdefault("stemmers", {})
    if language not in stemmers:
        stemmers[language] = snowballstemmer.stemmer(LANGUAGES[language])
    return stemmers[language]


@lru_cache(maxsize=100_000)
def stem(token: str, language: str) -> str:
    """The Snowball stem of a folded token in ``language`` ("fr" or "en")."""
    if token.isdigit():  # no suffix rule applies to digits; numbers are many and each unique
        return token
    return _stemmer(language).stemWord(token) or token


def analyse(text: str, language: str = "") -> list[str]:
    """Index terms of ``text`` written in ``language``.

    Text in no particular language (shared tags, file names, formats) is indexed under its
    folded form and both stems, so that any query word that could match it does.
    """
    terms = []
    for token in tokenize(text):
        if language:
            terms.append(stem(token, language))
        else:
            terms.extend(dict.fromkeys((token, stem(token, "fr"), stem(token, "en"))))
    return terms


@dataclass(frozen=True)
class QueryWord:
    """One word of a query: it matches any of ``terms``, or a term starting with ``prefix``."""

    terms: tuple[str, ...]
    prefix: str | None = None


def parse_query(query: str) -> list[QueryWord]:
    """The words of a query, all of which a dataset must match; empty means no text filter.

    Each word matches its French stem, its English stem or its folded form.
    """
    tokens = list(dict.fromkeys(tokenize((query or "")[:MAX_QUERY_LENGTH])))[:MAX_QUERY_WORDS]
    words = []
    for position, token in enumerate(tokens):
        terms = tuple(dict.fromkeys((stem(token, "fr"), stem(token, "en"), token)))
        is_last = position == len(tokens) - 1
        prefix = token if is_last and len(token) >= MIN_PREFIX_LENGTH else None
        words.append(QueryWord(terms, prefix))
    return words
