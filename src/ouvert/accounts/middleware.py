"""API token authentication for scripts and CKAN clients.

Accepted forms: ``Authorization: <token>`` (as CKAN clients send it),
``Authorization: Bearer <token>`` and the older ``X-CKAN-API-Key: <token>``.

A valid token sets ``request.user`` for that request only (no session) and exempts it from
CSRF checks: the token is not sent by browsers on their own, so it cannot be forged
cross-site. A token that is given but not valid leaves the request anonymous, even with a
session cookie, and sets ``request.token_error`` so the API can answer with an authorization
error instead of silently acting as an anonymous user.
"""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext_lazy as _

from . import services

ERROR_MALFORMED = _("The Authorization header is not a token.")
ERROR_INVALID = _("The API token is not valid: it is unknown, revoked or expired.")


def token_from_request(request) -> str | None:
    """The raw token a request carries, '' if the header is there but unusable, None if absent."""
    header = request.META.get("HTTP_AUTHORIZATION")
    if header is None:
        header = request.META.get("HTTP_X_CKAN_API_KEY")
        if header is None:
            return None
    header = header.strip()
    scheme, _sep, rest = header.partition(" ")
    if not rest:
        return scheme  # the raw token, as CKAN clients send it
    if scheme.lower() == "bearer" and " " not in rest.strip():
        return rest.strip()
    return ""


class TokenAuthenticationMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        raw = token_from_request(request)
        request.token_error = None
        request.authenticated_by_token = False
        if raw is not None:
            user = services.user_for_token(raw) if raw else None
            if user is not None:
                request.authenticated_by_token = True
                request._dont_enforce_csrf_checks = True
            else:
                request.token_error = ERROR_INVALID if raw else ERROR_MALFORMED
                user = AnonymousUser()
            request.user = user
            request.auser = _async_getter(user)
        response = self.get_response(request)
        if raw is not None:
            patch_vary_headers(response, ("Authorization",))
        return response


def _async_getter(user):
    async def auser():
        return user

    return auser
