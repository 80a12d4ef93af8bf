"""The registry of page panels: a domain shows something on another domain's page by registering.

::

    panels.register("resource", "main", template="datastore/sections.html", context=sections, order=10)

A page kind (``dataset``, ``resource``, ``organisation``, ``challenge``, ``idea``) has places (``head``, ``actions``,
``main``) where its template renders the panels registered for them, in ``order``:
``{% panels "dataset" "main" dataset %}`` (``ouvert_ui``). ``condition(request, obj)`` says
whether the panel is shown at all; ``context(request, obj)`` gives its template's context, or
None when it has nothing to show after all.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

PAGES = ("dataset", "resource", "organisation", "challenge", "idea")
PLACES = ("head", "actions", "main")


def _always(request, obj) -> bool:
    return True


def _nothing(request, obj) -> dict:
    return {}


@dataclass(frozen=True)
class Panel:
    page: str
    place: str
    template: str
    context: Callable[..., dict | None] = _nothing
    order: int = 100
    condition: Callable[..., bool] = _always
    name: str = ""

    def render(self, request, obj) -> str:
        if not self.condition(request, obj):
            return ""
        context = self.context(request, obj)
        if context is None:
            return ""
        return render_to_string(self.template, context, request=request)


_panels: list[Panel] = []


def register(page: str, place: str = "main", *, template: str, context: Callable[..., dict | None] = _nothing,
             order: int = 100, condition: Callable[..., bool] = _always, name: str = "") -> Panel:
    """Show ``template`` at ``place`` on every ``page``; registering the same name again replaces it."""
    if page not in PAGES:
        raise ValueError(f"unknown page kind {page!r} (one of {', '.join(PAGES)})")
    if place not in PLACES:
        raise ValueError(f"unknown place {place!r} (one of {', '.join(PLACES)})")
    panel = Panel(page, place, template, context, order, condition, name or template)
    unregister(page, place, panel.name)
    _panels.append(panel)
    return panel


def unregister(page: str, place: str, name: str) -> None:
    _panels[:] = [p for p in _panels if (p.page, p.place, p.name) != (page, place, name)]


def registered(page: str, place: str) -> list[Panel]:
    """The panels of ``page`` at ``place``, in order (then in registration order)."""
    return sorted((p for p in _panels if p.page == page and p.place == place), key=lambda p: p.order)


def render(page: str, place: str, request, obj) -> SafeString:
    """Every panel shown for ``obj`` at ``place``, rendered one after the other."""
    parts = [html for panel in registered(page, place) if (html := panel.render(request, obj))]
    return mark_safe("".join(parts))  # noqa: S308 - the panels' rendered templates
