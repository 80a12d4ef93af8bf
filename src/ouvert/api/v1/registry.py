"""The native API's one list of operations, each declared next to its view.

An operation says its method, path, parameters, request body and responses. The dispatcher
(``http``) reads and checks the request against that declaration before the view runs, and
``schema`` writes the OpenAPI document from the same declarations, so what is documented is
what is accepted.

Domains add endpoints by declaring operations in their own module (``ouvert.<app>.api``, a
module or a package) with ``API.operation``; ``discover()`` imports them all, then this
package's own operations (the caller's account, the documentation). Object
schemas are registered once with ``API.schema`` and referred to by name.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

ANYONE = "anyone"
AUTHENTICATED = "authenticated"
JSON = "application/json"
MULTIPART = "multipart/form-data"
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
PREFIX = "/api/v1"
#: Every operation may answer these: unreadable input, an invalid token, a failure on our side.
COMMON_ERRORS = (400, 401, 500)
_PATH_PARAMETER = re.compile(r"{([a-z_]+)}")


@dataclass(frozen=True)
class Param:
    """A path or query parameter; ``schema`` is the JSON Schema its value must satisfy."""

    name: str
    schema: dict
    description: str | Promise = ""
    where: str = "query"
    required: bool = False

    def __post_init__(self) -> None:
        if self.where not in ("path", "query"):
            raise ValueError(f"parameter {self.name!r}: 'where' is path or query")


def path_param(name: str, description: str | Promise, **schema: Any) -> Param:
    return Param(name, {"type": "string", "minLength": 1, "maxLength": 200, **schema}, description,
                 where="path", required=True)


@dataclass(frozen=True)
class Response:
    description: str | Promise
    schema: dict | None = None  # None: no body
    content_type: str = JSON


@dataclass(frozen=True)
class Operation:
    method: str
    path: str  # below PREFIX, with {name} for path parameters
    view: Callable
    operation_id: str
    summary: str | Promise
    tag: str
    params: tuple[Param, ...] = ()
    body: dict[str, dict] = field(default_factory=dict)  # content type -> schema
    body_required: bool = True
    responses: dict[int, Response] = field(default_factory=dict)
    auth: str = ANYONE
    description: str | Promise = ""

    @property
    def writes(self) -> bool:
        return self.method != "GET"

    def param(self, where: str) -> list[Param]:
        return [p for p in self.params if p.where == where]


class Api:
    def __init__(self) -> None:
        self.operations: list[Operation] = []
        self.schemas: dict[str, dict] = {}
        self.tags: dict[str, str | Promise] = {}
        #: Error codes beyond ``ERROR_CODES`` that domains answer with (say, ``already_voted``).
        self.error_codes: list[str] = []

    def schema(self, name: str, schema: dict) -> dict:
        """Register the object schema ``name``; returns a reference to it."""
        if self.schemas.get(name, schema) is not schema:
            raise ValueError(f"schema {name!r} is registered twice")
        self.schemas[name] = schema
        return ref(name)

    def error_code(self, *codes: str) -> None:
        """Declare error codes a domain's operations may answer with, so the document lists them."""
        for code in codes:
            if code not in ERROR_CODES and code not in self.error_codes:
                self.error_codes.append(code)

    def tag(self, name: str, description: str | Promise) -> str:
        self.tags.setdefault(name, description)
        return name

    def operation(self, method: str, path: str, *, summary: str | Promise, tag: str,
                  description: str | Promise = "", params=(),
                  body: dict[str, dict] | None = None, body_required: bool = True,
                  responses: dict[int, Response], errors: tuple[int, ...] = (), auth: str = ANYONE):
        """Declare the view below as ``method path``; ``errors`` are its own error statuses
        beyond ``COMMON_ERRORS`` (404, 403, 409, 413, 415...), answered with the error body.
        ``summary`` and ``description`` (Markdown) are translatable: they are the documentation."""
        method = method.upper()
        if method not in METHODS:
            raise ValueError(f"{method} {path}: unknown method")
        if auth not in (ANYONE, AUTHENTICATED):
            raise ValueError(f"{method} {path}: unknown access rule {auth!r}")
        declared = {p.name for p in params if p.where == "path"}
        if declared != set(_PATH_PARAMETER.findall(path)):
            raise ValueError(f"{method} {path}: path parameters and the path disagree")

        def register(view: Callable) -> Callable:
            if any(o.method == method and o.path == path for o in self.operations):
                raise ValueError(f"{method} {path} is declared twice")
            if any(o.operation_id == view.__name__ for o in self.operations):
                raise ValueError(f"{method} {path}: another operation is called {view.__name__}")
            statuses = {**{status: Response(ERROR_DESCRIPTIONS[status], ERROR_REF)
                           for status in (*COMMON_ERRORS, *errors)}, **responses}
            if auth == AUTHENTICATED:
                statuses.setdefault(401, Response(ERROR_DESCRIPTIONS[401], ERROR_REF))
            if body:
                statuses.setdefault(413, Response(ERROR_DESCRIPTIONS[413], ERROR_REF))
                statuses.setdefault(415, Response(ERROR_DESCRIPTIONS[415], ERROR_REF))
            if method != "GET":
                statuses.setdefault(403, Response(ERROR_DESCRIPTIONS[403], ERROR_REF))  # CSRF
            self.operations.append(Operation(
                method=method, path=path, view=view, operation_id=view.__name__, summary=summary, tag=tag,
                params=tuple(params), body=dict(body or {}), body_required=body_required,
                responses=dict(sorted(statuses.items())), auth=auth, description=description))
            return view

        return register

    def paths(self) -> dict[str, list[Operation]]:
        """Operations by path, in the order they were declared."""
        found: dict[str, list[Operation]] = {}
        for operation in self.operations:
            found.setdefault(operation.path, []).append(operation)
        return found


def ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


ERROR_REF = ref("Error")
ERROR_CODES = ("bad_request", "validation", "unauthorized", "forbidden", "not_found", "method_not_allowed",
               "conflict", "payload_too_large", "unsupported_media_type", "server_error")


ERROR_DESCRIPTIONS = {
    400: _("The request is not valid: a parameter or field is missing, of the wrong type or unknown."),
    401: _("The API token is not valid (unknown, revoked or expired), or the operation needs one."),
    403: _("The caller may not do this (or a browser session sent no CSRF token)."),
    404: _("Not found, or not visible to the caller."),
    405: _("The path does not take this method."),
    409: _("The operation clashes with the current state."),
    413: _("The request body is too large."),
    415: _("The request body is not of a content type this operation reads."),
    429: _("Too many attempts in a short time; wait a while and try again."),
    500: _("Something went wrong on our side; it has been logged."),
}

API = Api()

#: Modules of this package that declare operations; apps' ``api`` modules are found by
#: ``discover``.
MODULES = ("ouvert.api.v1.account", "ouvert.api.v1.members", "ouvert.api.v1.meta")


def discover() -> Api:
    """Import every module that declares operations (once); returns the filled registry."""
    from importlib import import_module
    from importlib.util import find_spec

    from django.apps import apps

    for app in apps.get_app_configs():
        if app.name.startswith("ouvert.") and find_spec(f"{app.name}.api") is not None:
            import_module(f"{app.name}.api")
    for module in MODULES:
        import_module(module)
    return API
