"""The Action API's one view: read the parameters, call the action, wrap the result.

Every answer is CKAN's envelope ``{"help", "success", "result" | "error"}``; domain errors
become CKAN's error types and status codes, and nothing unexpected leaks past a generic 500.
"""

from __future__ import annotations

import json
import logging

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.http import HttpResponse, QueryDict
from django.http.multipartparser import MultiPartParserError
from django.middleware.csrf import CsrfViewMiddleware
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from ouvert.core.errors import Conflict, DomainError, NotFound, PermissionDenied, ValidationFailed
from ouvert.core.i18n import LANGS

from . import registry
from .actions.common import EncodedJSON
from .errors import BadRequest, SearchQueryError
from .registry import AUTHENTICATED, Call

logger = logging.getLogger("ouvert.api")

#: Domain error -> (HTTP status, CKAN's ``__type``).
ERRORS = [
    (NotFound, 404, "Not Found Error"),
    (PermissionDenied, 403, "Authorization Error"),
    (ValidationFailed, 409, "Validation Error"),
    (Conflict, 409, "Validation Error"),
]


def _envelope(name: str, status: int = 200, *, result=None, error: dict | None = None, allow=()) -> HttpResponse:
    body = {"help": _help_url(name), "success": error is None}
    if isinstance(result, EncodedJSON):  # encoded by the action (a cached package dict)
        text = json.dumps(body, ensure_ascii=False)[:-1] + ', "result": ' + result + "}"
    else:
        if error is None:
            body["result"] = result
        else:
            body["error"] = error
        text = json.dumps(body, cls=DjangoJSONEncoder, ensure_ascii=False)
    response = HttpResponse(text, status=status, content_type="application/json;charset=utf-8")
    if allow:
        response["Allow"] = ", ".join(sorted(allow))
    return response


def _help_url(name: str) -> str:
    return f"{settings.SITE_URL}{reverse('api:action', args=['help_show'])}?name={name}"


def _domain_error(exc: DomainError) -> tuple[int, dict]:
    for cls, status, kind in ERRORS:
        if isinstance(exc, cls):
            error = {"__type": kind, "message": str(exc)}
            error.update(exc.fields)
            return status, error
    return 400, {"__type": "Bad Request", "message": str(exc)}


def _read_params(request) -> tuple[dict, dict]:
    """The call's parameters and uploaded files, from the query (GET) or the body (POST)."""
    if request.method == "GET":
        return _flatten(request.GET), {}
    content_type = request.content_type or ""
    if content_type in ("multipart/form-data", "application/x-www-form-urlencoded"):
        try:
            return _flatten(request.POST), {k: request.FILES[k] for k in request.FILES}
        except (MultiPartParserError, RequestDataTooBig, TooManyFieldsSent) as exc:
            raise BadRequest(_("Cannot read the form: %(problem)s") % {"problem": exc}) from None
    try:
        body = request.body
    except RequestDataTooBig as exc:
        raise BadRequest(_("The body is too large: %(problem)s") % {"problem": exc}) from None
    if not body.strip():
        return {}, {}
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise BadRequest(_("The body is not valid JSON: %(problem)s") % {"problem": exc}) from None
    if not isinstance(data, dict):
        raise BadRequest(_("The JSON body must be an object of parameters."))
    return data, {}


def _holds_nul(value) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_holds_nul(k) or _holds_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_holds_nul(v) for v in value)
    return False


def _refuse_nul(params: dict) -> None:
    """NUL characters are never valid text here, and some databases refuse even to compare them."""
    fields = {str(key).replace("\x00", "\\0"): [_("The text contains a NUL character.")]
              for key, value in params.items() if _holds_nul(key) or _holds_nul(value)}
    if fields:
        raise ValidationFailed(_("Some parameters are not valid."), fields=fields)


def _flatten(query: QueryDict) -> dict:
    """One value per key, as CKAN reads query strings and forms; a repeated key gives a list."""
    return {key: values[0] if len(values) == 1 else values for key, values in query.lists()}


def _language(request, params: dict) -> str:
    wanted = params.pop("lang", None) or request.GET.get("lang")
    if isinstance(wanted, str) and wanted[:2] in LANGS:
        return wanted[:2]
    current = (translation.get_language() or "")[:2]
    return current if current in LANGS else settings.LANGUAGE_CODE


def _csrf_failure(request) -> str | None:
    """Why a session-authenticated POST fails Django's CSRF check, or None if it passes.

    Calls with an API token are exempt (the middleware says so on the request); anonymous
    calls carry no ambient authority to forge.
    """
    if request.method != "POST" or getattr(request, "authenticated_by_token", False):
        return None
    if not getattr(request.user, "is_authenticated", False):
        return None
    rejected = CsrfViewMiddleware(lambda r: None).process_view(request, _csrf_protected, (), {})
    return None if rejected is None else _("CSRF check failed: send the CSRF token, or use an API token.")


def _csrf_protected(request):  # stands for this view in the CSRF check
    raise AssertionError


@csrf_exempt  # checked in the view instead, so that a failure is an enveloped error
def action_view(request, name: str):
    found = registry.get(name)
    if found is None:
        return _envelope(name, 400, error={"__type": "Bad Request",
                                           "message": _("Action name not known: %(name)s") % {"name": name}})
    if request.method not in found.methods:
        return _envelope(name, 400, allow=found.methods, error={
            "__type": "Bad Request",
            "message": _("%(name)s needs a %(methods)s request.") % {"name": name, "methods": " or ".join(sorted(found.methods))},
        })
    token_error = getattr(request, "token_error", None)
    if token_error:
        return _envelope(name, 403, error={"__type": "Authorization Error", "message": str(token_error)})
    csrf_problem = _csrf_failure(request)
    if csrf_problem:
        return _envelope(name, 403, error={"__type": "Authorization Error", "message": csrf_problem})
    try:
        params, files = _read_params(request)
        _refuse_nul(params)
        language = _language(request, params)
        with translation.override(language):
            if found.auth == AUTHENTICATED and not request.user.is_authenticated:
                raise PermissionDenied(_("Log in or send an API token."))
            call = Call(actor=request.user, params=params, files=files, language=language)
            if found.writes:
                with transaction.atomic():
                    result = found.func(call)
            else:
                result = found.func(call)
            return _envelope(name, result=result)
    except BadRequest as exc:
        return _envelope(name, 400, error={"__type": "Bad Request", "message": exc.message})
    except SearchQueryError as exc:
        return _envelope(name, 400, error={"__type": "Search Query Error", "message": exc.message})
    except DomainError as exc:
        status, error = _domain_error(exc)
        return _envelope(name, status, error=error)
    except Exception:
        logger.exception("api.action.failed %s", name)
        return _envelope(name, 500, error={"__type": "Internal Server Error",
                                           "message": _("Something went wrong on our side; it has been logged.")})
