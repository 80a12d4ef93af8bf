"""Errors of the participation domain; adapters translate them (``code`` is stable for the API)."""

from __future__ import annotations

from ouvert.core.errors import DomainError


class ParticipationError(DomainError):
    """A participation rule refuses the operation (phase closed, double vote, limit reached...)."""

    code = "participation"

    def __init__(self, message: str = "", *, code: str | None = None, fields=None):
        super().__init__(message, fields=fields)
        if code:
            self.code = code


class VoteError(ParticipationError):
    code = "vote"


class RateLimited(ParticipationError):
    """Too many attempts in a short time; the adapter answers 429."""

    code = "rate_limited"


class IntakeError(ParticipationError):
    """A message from another channel cannot become a submission (kept as a rejected intake)."""

    code = "intake"
