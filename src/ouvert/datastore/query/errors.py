"""The query engine's one error type, and the translation hook its messages go through."""

from __future__ import annotations


def _(message: str) -> str:
    """Translate ``message`` when Django's translation machinery is available.

    The query library is usable without Django (benchmarks, command-line tools), so a missing
    or not-yet-configured Django must not turn a clear error into an ImproperlyConfigured one.
    """
    try:
        from django.conf import settings
        from django.utils.translation import gettext

        if not settings.configured:
            return message
        return gettext(message)
    except Exception:
        return message


class QueryError(Exception):
    """A request the engine refuses or could not complete.

    ``code`` is stable and machine-readable (adapters map it to HTTP statuses and CKAN error
    types); ``field`` names the request parameter at fault, when there is one, so the CKAN
    adapter can build its ``{"field": ["message"]}`` validation dictionary.
    """

    #: codes: "validation" (bad parameter), "not_found" (unknown table), "timeout",
    #: "memory", "too_large" (result bigger than allowed), "execution" (the engine failed).
    def __init__(self, message: str, *, code: str = "validation", field: str | None = None):
        super().__init__(message)
        self.message = message
        self.code = code
        self.field = field

    def as_dict(self) -> dict[str, list[str]]:
        """CKAN's ValidationError shape."""
        return {self.field or "__all__": [self.message]}


class SqlError(QueryError):
    """A ``datastore_search_sql`` statement the sandbox refuses or that failed.

    Extra codes: "forbidden" (statement kind, table, function or syntax not allowed) and
    "syntax" (DuckDB could not parse it).
    """

    def __init__(self, message: str, *, code: str = "forbidden", field: str | None = "sql"):
        super().__init__(message, code=code, field=field)
