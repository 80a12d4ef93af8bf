"""Domain errors shared by every app. Adapters (HTML, API, CLI) translate them; services raise them."""

from __future__ import annotations


class DomainError(Exception):
    """Base of every error a service raises on purpose."""

    def __init__(self, message: str = "", *, fields: dict[str, list[str]] | None = None):
        super().__init__(message)
        self.message = str(message)
        self.fields: dict[str, list[str]] = {k: [str(m) for m in v] for k, v in (fields or {}).items()}

    def __str__(self) -> str:
        if self.fields and not self.message:
            return "; ".join(f"{k}: {' '.join(v)}" for k, v in self.fields.items())
        return self.message


class ValidationFailed(DomainError):
    """Input is wrong; ``fields`` maps each field name to its messages."""


class PermissionDenied(DomainError):
    """The actor may not do this."""


class NotFound(DomainError):
    """The object does not exist, or the actor may not know that it does."""


class Conflict(DomainError):
    """The operation clashes with the current state (duplicate name, stale version)."""
