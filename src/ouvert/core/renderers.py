"""The registry of a dataset's metadata renderers: named representations other apps add.

::

    renderers.register("ckan", package_dict, media_type="application/json", label=_("CKAN package"))

A renderer is ``func(dataset, *, actor, language)`` returning a dict (sent as JSON) or text in
its ``media_type``. It is given a dataset the actor may see (the adapter that calls it got the
dataset from ``catalog.services.get_dataset``) and says nothing the actor may not see either.
The dataset page lists every renderer (``rel="alternate"`` links) and
``/datasets/<name>/metadata/<format>`` serves each.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

from django.utils.functional import Promise


@dataclass(frozen=True)
class Renderer:
    name: str
    func: Callable
    media_type: str = "application/json"
    label: str | Promise = ""

    def render(self, dataset, *, actor, language: str):
        return self.func(dataset, actor=actor, language=language)


_renderers: dict[str, Renderer] = {}
_lock = threading.Lock()


def register(name: str, func: Callable, *, media_type: str = "application/json",
             label: str | Promise = "") -> Renderer:
    """Add the renderer ``name`` (a format name: ``ckan``, ``dcat``...); call from ``AppConfig.ready()``."""
    if not name or not name.replace("-", "").replace("_", "").isalnum() or name != name.lower():
        raise ValueError(f"renderer name {name!r}: lower-case letters, digits, - and _ only")
    renderer = Renderer(name, func, media_type, label or name)
    with _lock:
        known = _renderers.get(name)
        if known is not None and known.func is not func:
            raise ValueError(f"renderer {name!r} is already registered")
        _renderers[name] = renderer
    return renderer


def unregister(name: str) -> None:
    with _lock:
        _renderers.pop(name, None)


def get(name: str) -> Renderer | None:
    return _renderers.get(name)


def available() -> list[Renderer]:
    """Every registered renderer, by name."""
    with _lock:
        return sorted(_renderers.values(), key=lambda r: r.name)
