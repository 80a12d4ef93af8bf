"""Spam signals: too many links, a text repeating itself or its author's recent posts, posting
faster than people write, and advertising vocabulary."""

from __future__ import annotations

import re
from collections import Counter

MAX_LINKS = 2
MAX_RECENT_POSTS = 5  # in RATE_WINDOW seconds
RATE_WINDOW = 600

_LINK = re.compile(r"https?://|www\.", re.I)
_WORD = re.compile(r"\w+", re.U)
_ADVERTISING = re.compile(
    r"\b(?:buy now|order now|click here|limited offer|free shipping|discount code|promo code|best price|"
    r"casino|viagra|cialis|crypto(?:currency)?|bitcoin|forex|loans? approved|work from home|earn \$?\d+|"
    r"achetez maintenant|cliquez ici|offre limitée|livraison gratuite|code promo|meilleur prix|"
    r"prêt rapide|gagnez \d+|rabais exclusif)\b",
    re.I,
)


def _normalised(text: str) -> str:
    return " ".join(_WORD.findall(text.lower()))


def signals(text: str, *, recent_texts=(), recent_count: int = 0) -> list[str]:
    """Reasons to hold ``text`` as likely spam (empty: none).

    ``recent_texts`` are the author's posts of the last day, ``recent_count`` how many they
    posted in the last ``RATE_WINDOW`` seconds.
    """
    found = []
    links = len(_LINK.findall(text))
    if links > MAX_LINKS:
        found.append(f"links:{links}")
    words = _WORD.findall(text.lower())
    if len(words) >= 12:
        counts = Counter(words)
        top, top_count = counts.most_common(1)[0]
        if len(counts) / len(words) < 0.3 or (len(top) > 3 and top_count / len(words) > 0.25):
            found.append("repetition:words")
    if re.search(r"(.)\1{9,}", text) or re.search(r"(\b.{4,40}\b)(?:\W+\1){3,}", text, re.I | re.S):
        found.append("repetition:pattern")
    normalised = _normalised(text)
    recent = (_normalised(t) for t in recent_texts)
    if len(normalised) >= 20 and any(len(t) >= 20 and t in normalised for t in recent):
        found.append("repetition:duplicate")
    if recent_count >= MAX_RECENT_POSTS:
        found.append(f"rate:{recent_count}")
    if _ADVERTISING.search(text):
        found.append("advertising")
    return found
