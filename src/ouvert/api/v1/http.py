"""Requests in, JSON out: the native API's dispatcher and its error translation.

Before a view runs, the dispatcher checks the method, the token, CSRF (for browser sessions
that write), the path and query parameters and the body against the operation's declaration.
Views receive a ``Call`` and return data (a 200 answer) or a ``Reply``; writes run in one
transaction, so a failure leaves nothing half-written. Domain errors become the error body
``{"error": {"code", "message", "fields"}}``; nothing unexpected leaks past a logged 500.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.http import HttpResponse, HttpResponseBase
from django.http.multipartparser import MultiPartParserError
from django.middleware.csrf import CsrfViewMiddleware
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from ouvert.core.errors import Conflict, DomainError, NotFound, PermissionDenied, ValidationFailed

from .registry import AUTHENTICATED, JSON, MULTIPART, Operation
from .validation import check, resolve

logger = logging.getLogger("ouvert.api")

_INTEGER = re.compile(r"^[+-]?\d{1,18}$")
_BOOLEANS = {"true": True, "1": True, "false": False, "0": False}


class ApiError(Exception):
    """An answer other than success, raised by the dispatcher or a view."""

    def __init__(self, status: int, code: str, message: str, *, fields: dict | None = None,
                 headers: dict | None = None):
        super().__init__(message)
        self.status, self.code, self.message = status, code, str(message)
        self.fields = fields or {}
        self.headers = headers or {}


@dataclass(frozen=True)
class Call:
    """What a view receives: who asks, the checked parameters and body, and the request."""

    request: Any
    actor: Any
    params: dict[str, Any]
    body: dict[str, Any]
    files: dict[str, Any] = field(default_factory=dict)
    content_type: str = JSON


@dataclass(frozen=True)
class Reply:
    status: int = 200
    data: Any = None
    headers: dict = field(default_factory=dict)


def json_response(data, status: int = 200, headers: dict | None = None) -> HttpResponse:
    if status == 204:
        response = HttpResponse(status=204)
    else:
        text = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False)
        try:
            content = text.encode()
        except UnicodeEncodeError:  # a lone surrogate: JSON can still say it, escaped
            content = json.dumps(data, cls=DjangoJSONEncoder).encode()
        response = HttpResponse(content, status=status, content_type="application/json")
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def error_response(error: ApiError) -> HttpResponse:
    body = {"error": {"code": error.code, "message": error.message,
                      "fields": {k: [str(m) for m in v] for k, v in error.fields.items()}}}
    return json_response(body, error.status, error.headers)


def not_found_view(request, rest: str = ""):
    """Unknown paths under the API answer in JSON, as the rest of it does."""
    return error_response(ApiError(404, "not_found", _("There is no such path in the API.")))


def path_view(operations: list[Operation]):
    """The Django view of one path: dispatches each method to its operation."""
    by_method = {o.method: o for o in operations}
    allowed = sorted({*by_method, "OPTIONS", *(["HEAD"] if "GET" in by_method else [])})
    allow = {"Allow": ", ".join(allowed)}

    @csrf_exempt  # checked in ``_dispatch``, so that a failure is a JSON error
    def view(request, **kwargs):
        method = "GET" if request.method == "HEAD" else request.method
        if method == "OPTIONS":
            return json_response(None, 204, allow)
        operation = by_method.get(method)
        if operation is None:
            return error_response(ApiError(405, "method_not_allowed", _("This path takes %(methods)s.")
                                           % {"methods": ", ".join(allowed)}, headers=allow))
        try:
            return _dispatch(operation, request, kwargs)
        except ApiError as exc:
            return error_response(exc)
        except Exception:
            logger.exception("api.v1.failed %s %s", operation.method, operation.path)
            return error_response(ApiError(500, "server_error", _("Something went wrong on our side; it has been logged.")))

    view.operations = operations
    return view


def _dispatch(operation: Operation, request, kwargs: dict) -> HttpResponse:
    if getattr(request, "token_error", None):
        raise ApiError(401, "unauthorized", str(request.token_error), headers={"WWW-Authenticate": "Bearer"})
    if operation.writes:
        _check_csrf(request)
    if operation.auth == AUTHENTICATED and not request.user.is_authenticated:
        raise ApiError(401, "unauthorized", _("Log in or send an API token."), headers={"WWW-Authenticate": "Bearer"})
    params = _path_params(operation, kwargs)
    params.update(_query_params(operation, request))
    body, files, content_type = _read_body(operation, request)
    call = Call(request=request, actor=request.user, params=params, body=body, files=files, content_type=content_type)
    try:
        if operation.writes:
            with transaction.atomic():
                result = operation.view(call)
        else:
            result = operation.view(call)
    except DomainError as exc:
        raise _translate(exc, call.actor) from None
    if isinstance(result, HttpResponseBase):  # a view's own answer, streamed ones included
        return result
    reply = result if isinstance(result, Reply) else Reply(data=result)
    return json_response(reply.data, reply.status, reply.headers)


def _translate(exc: DomainError, actor) -> ApiError:
    if isinstance(exc, NotFound):
        return ApiError(404, "not_found", str(exc) or _("Not found."))
    if isinstance(exc, PermissionDenied):
        if not getattr(actor, "is_authenticated", False):
            return ApiError(401, "unauthorized", _("Log in or send an API token."), headers={"WWW-Authenticate": "Bearer"})
        return ApiError(403, "forbidden", str(exc) or _("You are not allowed to do this."))
    if isinstance(exc, ValidationFailed):
        return ApiError(400, "validation", exc.message or _("Some fields are not valid."), fields=exc.fields)
    if isinstance(exc, Conflict):
        return ApiError(409, "conflict", str(exc), fields=exc.fields)
    return ApiError(400, "bad_request", str(exc), fields=exc.fields)


def _check_csrf(request) -> None:
    """Browser sessions that write must pass Django's CSRF check; API tokens and anonymous
    callers carry no ambient authority to forge."""
    if getattr(request, "authenticated_by_token", False) or not request.user.is_authenticated:
        return
    if CsrfViewMiddleware(lambda r: None).process_view(request, _csrf_protected, (), {}) is not None:
        raise ApiError(403, "forbidden", _("CSRF check failed: send the CSRF token, or use an API token."))


def _csrf_protected(request):  # stands for the API's views in the CSRF check
    raise AssertionError


def _path_params(operation: Operation, kwargs: dict) -> dict:
    values = {}
    for param in operation.param("path"):
        value = kwargs.get(param.name, "")
        if check(value, param.schema, param.name):
            raise ApiError(404, "not_found", _("Not found."))
        values[param.name] = value
    return values


def _query_params(operation: Operation, request) -> dict:
    values: dict[str, Any] = {}
    problems: dict[str, list[str]] = {}
    for param in operation.param("query"):
        given = request.GET.getlist(param.name)
        if not given:
            if param.required:
                problems[param.name] = [_("This field is required.")]
            elif "default" in param.schema:
                values[param.name] = param.schema["default"]
            continue
        is_list = param.schema.get("type") == "array"
        item_schema = param.schema.get("items", {}) if is_list else param.schema
        raw = given if is_list else given[-1:]
        typed = []
        for text in raw:
            converted = _from_text(text, item_schema)
            if converted is _INVALID:
                problems.setdefault(param.name, []).append(_("Expected %(type)s.") % {"type": item_schema.get("type", "text")})
            typed.append(converted)
        if param.name in problems:
            continue
        value = typed if is_list else typed[0]
        found = check(value, param.schema, param.name)
        if found:
            problems.update(found)
        else:
            values[param.name] = value
    if problems:
        raise ApiError(400, "validation", _("Some parameters are not valid."), fields=problems)
    return values


_INVALID = object()


def _from_text(text: str, schema: dict):
    kind = schema.get("type")
    if kind == "integer":
        return int(text) if _INTEGER.match(text.strip()) else _INVALID
    if kind == "boolean":
        return _BOOLEANS.get(text.strip().lower(), _INVALID)
    return text


def _media_type(request) -> str:
    return (request.content_type or "").split(";")[0].strip().lower()


def _read_body(operation: Operation, request) -> tuple[dict, dict, str]:
    if not operation.body:
        return {}, {}, ""
    media = _media_type(request)
    try:
        has_body = bool(request.body.strip()) if media != MULTIPART else True
    except RequestDataTooBig:
        raise ApiError(413, "payload_too_large", _("The request body is too large.")) from None
    if not has_body and not media:
        if operation.body_required:
            raise ApiError(400, "bad_request", _("This operation needs a request body."))
        return {}, {}, ""
    if media not in operation.body:
        raise ApiError(415, "unsupported_media_type", _("Send the body as %(types)s.")
                       % {"types": _(" or ").join(operation.body)})
    schema = operation.body[media]
    if media == MULTIPART:
        body, files = _read_form(request, schema)
        return body, files, media
    body = _read_json(request)
    problems = check(body, schema)
    if problems:
        raise ApiError(400, "validation", _("Some fields are not valid."), fields=problems)
    return body, {}, media


def _read_json(request) -> dict:
    if not request.body.strip():
        raise ApiError(400, "bad_request", _("This operation needs a request body."))
    try:
        data = json.loads(request.body)
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise ApiError(400, "bad_request", _("The body is not valid JSON: %(problem)s") % {"problem": exc}) from None
    if not isinstance(data, dict):
        raise ApiError(400, "bad_request", _("The JSON body must be an object."))
    return data


def _read_form(request, schema: dict) -> tuple[dict, dict]:
    """The text fields and files of a multipart body; file fields are the schema's
    ``format: binary`` properties."""
    schema = resolve(schema)
    binary = {name for name, prop in schema.get("properties", {}).items() if prop.get("format") == "binary"}
    try:
        if request.method == "POST":
            form, uploads = request.POST, request.FILES
        else:  # Django parses forms of POST requests only
            form, uploads = request.parse_file_upload(request.META, request)
    except RequestDataTooBig:
        raise ApiError(413, "payload_too_large", _("The request body is too large.")) from None
    except (MultiPartParserError, SuspiciousOperation, UnicodeDecodeError, ValueError) as exc:
        raise ApiError(400, "bad_request", _("Cannot read the form: %(problem)s") % {"problem": exc}) from None
    body: dict[str, Any] = {}
    problems: dict[str, list[str]] = {}
    for name, values in form.lists():
        if name in binary:
            problems[name] = [_("Send a file here, not text.")]
        elif len(values) > 1:
            problems[name] = [_("Give this field once.")]
        else:
            body[name] = values[0]
    files = {}
    for name, values in uploads.lists():
        if name not in binary:
            problems[name] = [_("Unknown file field.")]
        elif len(values) > 1:
            problems[name] = [_("Send one file.")]
        else:
            files[name] = values[0]
    if problems:
        raise ApiError(400, "validation", _("Some fields are not valid."), fields=problems)
    text_schema = {**schema, "properties": {k: v for k, v in schema.get("properties", {}).items() if k not in binary},
                   "required": [k for k in schema.get("required", ()) if k not in binary]}
    problems = check(body, text_schema)
    for name in schema.get("required", ()):
        if name in binary and name not in files:
            problems[name] = [_("This field is required.")]
    if problems:
        raise ApiError(400, "validation", _("Some fields are not valid."), fields=problems)
    return body, files
