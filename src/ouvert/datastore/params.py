"""Query-string parameters of the datastore's native reads, turned into the typed arguments of
``services.query_rows`` and ``services.export_rows``. For adapters only (the native API's
endpoints and the resource page's preview): services never see a request's parameters.

Lists are repeated or comma-separated (``aggregate=count&aggregate=sum:population``,
``fields=a,b``); sorts take ``-col`` as well as CKAN's ``col desc``; every parameter that is
not one of these is a lookup candidate (``col__greater=3``), resolved by the service against
the table's columns.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext as _

from ouvert.core.errors import ValidationFailed

#: Parameters of native reads that are never lookups.
RESERVED = frozenset({"sort", "page", "page_size", "group_by", "aggregate", "fields",
                      "include_total", "bom", "lang", "format"})
#: Exports also take CKAN's ``filters`` and ``q``, which are not lookups either.
EXPORT_RESERVED = RESERVED | {"filters", "q"}


def _values(params, key: str) -> list:
    if hasattr(params, "getlist"):
        return params.getlist(key)
    value = params.get(key)
    if value is None:
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]


def _split(values) -> list[str]:
    return [part.strip() for value in values for part in str(value).split(",") if part.strip()]


def _int(params, key: str, default: int) -> int:
    values = _values(params, key)
    if not values or values[-1] in ("", None):
        return default
    try:
        return int(values[-1])
    except (TypeError, ValueError):
        raise ValidationFailed(_("Some parameters are not valid."),
                               fields={key: [_("Expected a whole number.")]}) from None


def _sort(values) -> list[str]:
    """``-col`` (descending) as well as CKAN's ``col desc``."""
    return [f"{item[1:]} desc" if item.startswith("-") else item for item in _split(values)]


def lookups(params: Mapping, *, reserved: frozenset[str] = RESERVED) -> dict[str, Any]:
    """Lookup candidates (``col__greater=3``): every parameter not reserved, one value or a list."""
    found = {}
    for key in (params.keys() if hasattr(params, "keys") else params):
        if key in reserved:
            continue
        values = _values(params, key)
        found[key] = values[0] if len(values) == 1 else values
    return found


def row_query(params: Mapping) -> dict[str, Any]:
    """``query_rows``'s arguments from a QueryDict or a mapping: lookups, ``fields``, ``sort``,
    ``page``, ``page_size``, ``group_by`` and ``aggregate``."""
    return {
        "lookups": lookups(params),
        "fields": _split(_values(params, "fields")) or None,
        "sort": _sort(_values(params, "sort")) or None,
        "page": _int(params, "page", 1),
        "page_size": _int(params, "page_size", 100),
        "group_by": _split(_values(params, "group_by")),
        "aggregates": _split(_values(params, "aggregate")),
    }


def export_query(params: Mapping) -> dict[str, Any]:
    """``export_rows``'s lookups, ``fields`` and ``sort`` from a QueryDict or a mapping."""
    return {
        "lookups": lookups(params, reserved=EXPORT_RESERVED),
        "fields": _split(_values(params, "fields")) or None,
        "sort": _sort(_values(params, "sort")) or None,
    }
