"""The one list of Action API names, each with its HTTP methods, access rule and docstring.

An access rule names what the caller needs: ``"anyone"`` (the service still filters what each
caller sees), ``"authenticated"``, or a rule of ``ouvert.accounts.permissions.RULES`` that the
service called by the action enforces. The dispatcher checks ``"authenticated"`` itself; the
others are documentation that a test holds against the permission rules.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ouvert.accounts.permissions import RULES

ANYONE = "anyone"
AUTHENTICATED = "authenticated"
READ = frozenset({"GET", "POST"})
WRITE = frozenset({"POST"})


@dataclass(frozen=True)
class Call:
    """What an action receives: who asks, with which parameters, in which language."""

    actor: Any
    params: dict[str, Any]
    files: dict[str, Any]
    language: str
    site_url: str = ""


@dataclass(frozen=True)
class Action:
    name: str
    func: Callable[[Call], Any]
    methods: frozenset[str]
    auth: str

    @property
    def doc(self) -> str:
        return inspect.cleandoc(self.func.__doc__ or "")

    @property
    def writes(self) -> bool:
        return "GET" not in self.methods


REGISTRY: dict[str, Action] = {}


def action(name: str, *, methods: frozenset[str] = READ, auth: str):
    """Register ``func`` as the action ``name``."""
    if auth not in (ANYONE, AUTHENTICATED) and auth not in RULES:
        raise ValueError(f"action {name!r}: unknown access rule {auth!r}")

    def register(func: Callable[[Call], Any]) -> Callable[[Call], Any]:
        if name in REGISTRY:
            raise ValueError(f"action {name!r} is registered twice")
        REGISTRY[name] = Action(name=name, func=func, methods=frozenset(methods), auth=auth)
        return func

    return register


def get(name: str) -> Action | None:
    return REGISTRY.get(name)
