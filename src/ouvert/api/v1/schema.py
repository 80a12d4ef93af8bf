"""The OpenAPI 3.1 document of the native API, written from the operations' declarations."""

from __future__ import annotations

import copy

from django.conf import settings
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from .registry import ANYONE, AUTHENTICATED, ERROR_CODES, PREFIX, Api, Operation, discover

VERSION = "1.0.0"
ERROR = {
    "type": "object",
    "properties": {"error": {
        "type": "object",
        "properties": {
            "code": {"type": "string", "enum": list(ERROR_CODES)},
            "message": {"type": "string", "description": "What is wrong, in the caller's language."},
            "fields": {"type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}},
                       "description": "For each faulty field or parameter (a dotted path), what is wrong with it."},
        },
        "required": ["code", "message", "fields"], "additionalProperties": False,
    }},
    "required": ["error"], "additionalProperties": False,
}
SECURITY = {
    # Anonymous callers are welcome on reads: the empty requirement says so.
    ANYONE: [{}, {"token": []}, {"session": []}],
    AUTHENTICATED: [{"token": []}, {"session": []}],
}


def plain(value):
    """A deep copy of ``value`` with translatable strings rendered in the current language."""
    if isinstance(value, Promise):
        return str(value)
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return copy.copy(value)


def _error(api: Api) -> dict:
    error = copy.deepcopy(ERROR)
    error["properties"]["error"]["properties"]["code"]["enum"] = [*ERROR_CODES, *api.error_codes]
    return error


def _operation(operation: Operation) -> dict:
    item = {
        "operationId": operation.operation_id, "summary": operation.summary, "tags": [operation.tag],
        "security": SECURITY[operation.auth],
        "responses": {str(status): _response(response) for status, response in operation.responses.items()},
    }
    if operation.description:
        item["description"] = operation.description
    if operation.params:
        item["parameters"] = [{"name": p.name, "in": p.where, "required": p.required, "description": p.description,
                               "schema": p.schema} for p in operation.params]
    if operation.body:
        item["requestBody"] = {"required": operation.body_required,
                               "content": {media: {"schema": schema} for media, schema in operation.body.items()}}
    return item


def _response(response) -> dict:
    out = {"description": response.description}
    if response.schema is not None:
        out["content"] = {response.content_type: {"schema": response.schema}}
    return out


def build(api: Api | None = None) -> dict:
    """The document, its texts in the current language."""
    api = api or discover()
    paths = {}
    for path, operations in api.paths().items():
        paths[PREFIX + path] = {o.method.lower(): _operation(o) for o in operations}
    return plain({
        "openapi": "3.1.0",
        "info": {
            "title": _("Ouvert API"), "version": VERSION,
            "summary": _("The open data catalog (datasets, their files and links, organisations and themes) and "
                         "participation (challenges, ideas, votes, comments, reuses)."),
            "description": _(
                "Answers are JSON. Bilingual fields are objects with `fr` and `en` keys. Reads need no "
                "account; private datasets and drafts are visible only to those allowed to see them. "
                "Writes need an API token (`Authorization: Bearer <token>`) or a browser session with "
                "its CSRF token. Errors are `{\"error\": {\"code\", \"message\", \"fields\"}}`. "
                "Pages are numbered from 1 (`page`, `page_size` up to 1000). The CKAN-compatible "
                "Action API stays available under `/api/3/action/`."),
            "license": {"name": "AGPL-3.0-or-later", "identifier": "AGPL-3.0-or-later"},
        },
        "servers": [{"url": settings.SITE_URL}],
        "tags": [{"name": name, "description": description} for name, description in api.tags.items()],
        "paths": paths,
        "components": {
            "schemas": {**api.schemas, "Error": _error(api)},
            "securitySchemes": {
                "token": {"type": "http", "scheme": "bearer", "description": _(
                    "An API token from your account page or `ouvert token create`.")},
                "session": {"type": "apiKey", "in": "cookie", "name": settings.SESSION_COOKIE_NAME, "description": _(
                    "A browser session; writes also need the CSRF token in the X-CSRFToken header.")},
            },
        },
    })
