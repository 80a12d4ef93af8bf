"""Which language a short text is written in: French and English, told from the other languages
people most often write in here (Spanish, Portuguese, Italian, German, Dutch).

Detection is Lingua's (``lingua-language-detector``), restricted to those seven languages and in
its low-accuracy mode (trigram models only: about 30 MB, loaded on first use, a few
milliseconds a text). Around it, what moderation needs: links, addresses and other personal
information are not language; a text too short to tell (under five words) is not judged; texts
mixing French and English are French or English, both accepted, so a text is another language
only when Lingua says so for the whole text and for most of its words.
"""

from __future__ import annotations

import functools
import re
import threading
from dataclasses import dataclass

from . import personal

ACCEPTED = ("fr", "en")
MIN_WORDS = 5
#: The share of a text's words that must be in another language for the text to be.
OTHER_SHARE = 0.6
MIN_CONFIDENCE = 0.5

_LANGUAGES = {"FRENCH": "fr", "ENGLISH": "en", "SPANISH": "es", "PORTUGUESE": "pt", "ITALIAN": "it",
              "GERMAN": "de", "DUTCH": "nl"}
_URL = re.compile(r"https?://\S+|www\.\S+|\S+@\S+")
_WORD = re.compile(r"[^\W\d_]{2,}", re.U)
_lock = threading.Lock()


@functools.cache
def _codes() -> dict:
    from lingua import Language

    return {getattr(Language, name): code for name, code in _LANGUAGES.items()}


def _detector():
    with _lock:
        return _build()


@functools.cache
def _build():
    from lingua import LanguageDetectorBuilder

    return LanguageDetectorBuilder.from_languages(*_codes()).with_low_accuracy_mode().build()


@dataclass(frozen=True)
class Detection:
    language: str  # fr, en, es, pt, it, de, nl; "und" when the text is too short or unclear
    confidence: float
    confident: bool

    @property
    def accepted(self) -> bool:
        """French, English, or not enough to tell: only a clear other language is refused."""
        return not self.confident or self.language in ACCEPTED


def _words_only(text: str) -> str:
    return _URL.sub(" ", personal.redact(text, " "))


def detect(text: str | None) -> Detection:
    text = _words_only(text or "")
    words = _WORD.findall(text)
    if not words:
        return Detection("und", 0.0, False)
    detector, codes = _detector(), _codes()
    values = detector.compute_language_confidence_values(text)
    best = values[0]
    language, confidence = codes[best.language], best.value
    if language in ACCEPTED:
        return Detection(language, confidence, len(words) >= MIN_WORDS)
    if len(words) < MIN_WORDS or confidence < MIN_CONFIDENCE:
        return Detection("und", confidence, False)
    # Mixed French and English is welcome: a foreign word or a place name does not make a text.
    by_word = detector.detect_languages_in_parallel_of(words)
    other = sum(1 for found in by_word if found is not None and codes[found] not in ACCEPTED)
    confident = other / len(words) >= OTHER_SHARE
    return Detection(language if confident else "und", confidence, confident)


def is_other_language(text: str | None) -> bool:
    return not detect(text).accepted


def language_of(text: str | None) -> str:
    """``fr``, ``en`` or ``""`` (another language, or nothing to tell)."""
    detection = detect(text)
    return detection.language if detection.language in ACCEPTED else ""
