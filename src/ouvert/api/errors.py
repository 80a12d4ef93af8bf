"""Errors of the API layer itself; domain errors come from ``ouvert.core.errors``."""

from __future__ import annotations


class BadRequest(Exception):
    """The request cannot be read (malformed body, unknown action, wrong method)."""

    def __init__(self, message: str, *, allow: tuple[str, ...] = ()):
        super().__init__(message)
        self.message = str(message)
        self.allow = allow


class SearchQueryError(Exception):
    """A ``q``, ``fq`` or ``sort`` parameter that does not parse or names an unknown field."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = str(message)
