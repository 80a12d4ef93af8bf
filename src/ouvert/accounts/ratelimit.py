"""A small fixed-window counter on Django's cache, to slow down guessing and mail flooding.

With the default local-memory cache each process counts alone; with a shared cache (Redis)
the limits hold across processes.
"""

from __future__ import annotations

import hashlib

from django.core.cache import cache


def client_ip(request) -> str:
    # Behind a proxy every request shares the proxy's address; limits then apply to all
    # clients together, which errs on the side of caution.
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def _key(scope: str, value: str) -> str:
    return "ouvert:rl:" + scope + ":" + hashlib.sha256(value.lower().encode()).hexdigest()[:32]


def hit(scope: str, value: str, *, limit: int, window: int) -> bool:
    """Count one attempt; False once more than ``limit`` happened within ``window`` seconds."""
    key = _key(scope, value)
    if cache.add(key, 1, timeout=window):
        return True
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add() and incr()
        cache.add(key, 1, timeout=window)
        return True
    return count <= limit


def exceeded(scope: str, value: str, *, limit: int) -> bool:
    """Whether ``limit`` attempts were already counted, without counting one more."""
    return (cache.get(_key(scope, value)) or 0) >= limit


def reset(scope: str, value: str) -> None:
    cache.delete(_key(scope, value))
