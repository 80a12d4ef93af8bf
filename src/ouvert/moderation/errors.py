"""Errors of moderation; adapters translate them (``code`` is stable for the API)."""

from __future__ import annotations

from ouvert.core.errors import DomainError


class ModerationError(DomainError):
    """A moderation rule refuses the operation (already flagged, not visible, wrong transition...)."""

    code = "moderation"

    def __init__(self, message: str = "", *, code: str | None = None, fields=None):
        super().__init__(message, fields=fields)
        if code:
            self.code = code


class RateLimited(ModerationError):
    """Too many attempts in a short time; the adapter answers 429."""

    code = "rate_limited"
