"""Small SQL-text helpers shared by the query builders: quoting, types, value coercion."""

from __future__ import annotations

import base64
import datetime as dt
import math
import uuid
from decimal import Decimal
from typing import Any

from .errors import QueryError, _


def quote_ident(name: str) -> str:
    """Quote an identifier for DuckDB; every column and table name goes through here."""
    if "\x00" in name:
        raise QueryError(_("Names cannot contain NUL characters."))
    return '"' + name.replace('"', '""') + '"'


def quote_literal(text: str) -> str:
    """Quote a string literal; only used for server-side paths, never for request values."""
    if "\x00" in text:
        raise QueryError(_("Names cannot contain NUL characters."))
    return "'" + text.replace("'", "''") + "'"


# CKAN's DataStore type names (what clients such as ckanapi and the data explorer expect),
# keyed by the first word of DuckDB's type name.
_CKAN_TYPES = {
    "BIGINT": "int",
    "INTEGER": "int",
    "SMALLINT": "int",
    "TINYINT": "int",
    "HUGEINT": "int",
    "UBIGINT": "int",
    "UINTEGER": "int",
    "USMALLINT": "int",
    "UTINYINT": "int",
    "UHUGEINT": "int",
    "DOUBLE": "numeric",
    "FLOAT": "numeric",
    "REAL": "numeric",
    "DECIMAL": "numeric",
    "VARCHAR": "text",
    "BOOLEAN": "bool",
    "DATE": "date",
    "TIMESTAMP": "timestamp",
    "TIMESTAMP_S": "timestamp",
    "TIMESTAMP_MS": "timestamp",
    "TIMESTAMP_NS": "timestamp",
    "TIME": "time",
    "INTERVAL": "interval",
    "UUID": "text",
    "BLOB": "bytea",
    "JSON": "json",
}


def ckan_type(duckdb_type: str) -> str:
    """CKAN's name for a DuckDB type (lists, structs and maps are reported as ``json``)."""
    upper = duckdb_type.upper()
    if upper.startswith("TIMESTAMP WITH TIME ZONE") or upper == "TIMESTAMPTZ":
        return "timestamp"
    if upper.endswith("]") or upper.startswith(("STRUCT", "MAP", "UNION")):
        return "json"
    head = upper.split("(")[0].split(" ")[0]
    return _CKAN_TYPES.get(head, "text")


_TRUE = {"true", "t", "1", "yes", "y", "on", "oui", "vrai"}
_FALSE = {"false", "f", "0", "no", "n", "off", "non", "faux"}


def coerce_value(value: Any, *, column: str, kind: str, field: str) -> Any:
    """Turn a request value (often a string from a query string) into the column's type.

    Coercing here, rather than letting DuckDB cast, gives the caller an error that names the
    column and the expected type instead of a conversion error from the engine.
    """
    def invalid() -> QueryError:
        return QueryError(
            _("Invalid value “%(value)s” for column “%(column)s”: expected %(type)s.")
            % {"value": str(value)[:100], "column": column, "type": kind},
            field=field,
        )

    if isinstance(value, (dict, list, tuple, set)):
        raise invalid()
    if kind == "int":
        if isinstance(value, bool):
            raise invalid()
        if isinstance(value, int):
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
        try:
            return int(str(value).strip())
        except ValueError:
            raise invalid() from None
    if kind == "numeric":
        if isinstance(value, bool):
            raise invalid()
        if isinstance(value, (int, float, Decimal)):
            return float(value)
        text = str(value).strip()
        # French users type decimal commas ("3,5"); one comma and no point is unambiguous.
        if text.count(",") == 1 and "." not in text:
            text = text.replace(",", ".")
        try:
            return float(text)
        except ValueError:
            raise invalid() from None
    if kind == "bool":
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
        raise invalid()
    if kind == "date":
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        try:
            return dt.date.fromisoformat(str(value).strip())
        except ValueError:
            raise invalid() from None
    if kind == "timestamp":
        if isinstance(value, dt.datetime):
            return value
        if isinstance(value, dt.date):
            return dt.datetime.combine(value, dt.time())
        try:
            return dt.datetime.fromisoformat(str(value).strip())
        except ValueError:
            raise invalid() from None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def to_plain(value: Any) -> Any:
    """A JSON-ready version of a value fetched from DuckDB, in CKAN's representation."""
    if value is None or isinstance(value, (str, bool, int)):
        return value
    if isinstance(value, float):
        # JSON has no NaN or infinity; PostgreSQL-backed CKAN returns these as strings too.
        if math.isfinite(value):
            return value
        return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() and value.as_tuple().exponent >= 0 \
            else float(value)
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return str(value)
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, dict):
        return {str(k): to_plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_plain(v) for v in value]
    return str(value)
