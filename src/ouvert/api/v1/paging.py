"""Pages of results: the ``page`` and ``page_size`` parameters and the ``next``/``previous`` links."""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from .registry import Param

MAX_PAGE_SIZE = 1000
MAX_PAGE = 1_000_000


def params(default_size: int = 20) -> tuple[Param, Param]:
    return (
        Param("page", {"type": "integer", "minimum": 1, "maximum": MAX_PAGE, "default": 1}, _("Page number, from 1.")),
        Param("page_size", {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE, "default": default_size},
              _("Results per page (at most 1000).")),
    )


def bounds(call) -> tuple[int, int]:
    """(offset, limit) of the requested page."""
    size = call.params["page_size"]
    return (call.params["page"] - 1) * size, size


def _link(request, page: int) -> str:
    query = request.GET.copy()
    query["page"] = str(page)
    return f"{settings.SITE_URL}{request.path}?{query.urlencode()}"


def page(call, count: int, results: list, **extra) -> dict:
    """The page body: ``count``, ``next``, ``previous``, ``results`` and ``extra``."""
    number, size = call.params["page"], call.params["page_size"]
    has_next = number * size < count
    has_previous = number > 1 and count > 0
    previous = min(number - 1, max(1, -(-count // size))) if has_previous else None
    return {"count": count, "next": _link(call.request, number + 1) if has_next else None,
            "previous": _link(call.request, previous) if previous else None, "results": results, **extra}


def sliced(call, queryset) -> tuple[int, list]:
    """(total, the page's objects) of a queryset."""
    offset, limit = bounds(call)
    return queryset.count(), list(queryset[offset:offset + limit])
