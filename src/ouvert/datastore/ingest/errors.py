"""The ingestion engine's one error type, and the translation hook its messages go through."""

from __future__ import annotations


def _(message: str) -> str:
    """Translate ``message`` when Django is configured, else return it unchanged.

    The engine runs in workers, benchmarks and command-line tools where Django may not be set
    up; a missing configuration must not turn a clear error into an ImproperlyConfigured one.
    """
    try:
        from django.conf import settings
        from django.utils.translation import gettext

        if not settings.configured:
            return message
        return gettext(message)
    except Exception:
        return message


class IngestError(Exception):
    """A file the engine refuses or could not convert.

    ``code`` is stable and machine-readable: "empty", "binary", "unsupported_format",
    "encoding", "too_large", "too_many_columns", "line_too_long", "zip_bomb", "no_header",
    "malformed" (the file's structure cannot be read), "bad_option", "json", "spreadsheet".
    ``row`` is the 1-based row (line) of the source file and ``column`` the column name,
    when the problem has a location.
    """

    def __init__(self, message: str, code: str, row: int | None = None,
                 column: str | None = None):
        super().__init__(message)
        self.message = message
        self.code = code
        self.row = row
        self.column = column

    def as_dict(self) -> dict:
        return {"code": self.code, "message": self.message, "row": self.row,
                "column": self.column}
