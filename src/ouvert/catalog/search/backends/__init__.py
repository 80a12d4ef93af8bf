"""Choice of the search back end (``settings.OUVERT_SEARCH_BACKEND``)."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connection

from .base import SearchBackend
from .postgresql import PostgreSQLBackend
from .sqlite import SQLiteBackend

BACKENDS: dict[str, type[SearchBackend]] = {"sqlite": SQLiteBackend, "postgresql": PostgreSQLBackend}


def get_backend() -> SearchBackend:
    """The configured back end; ``auto`` follows the database."""
    name = getattr(settings, "OUVERT_SEARCH_BACKEND", "auto") or "auto"
    if name == "auto":
        name = connection.vendor
    backend = BACKENDS.get(name)
    if backend is None:
        raise ImproperlyConfigured(
            f"OUVERT_SEARCH_BACKEND={name!r}: choose auto, {', '.join(BACKENDS)}."
        )
    if backend.vendor != connection.vendor:
        # The index lives in the main database, so it can only be the database's own kind.
        raise ImproperlyConfigured(
            f"OUVERT_SEARCH_BACKEND={name!r} needs a {backend.vendor} database, not {connection.vendor}."
        )
    return backend(connection)
