"""Translation of the services' domain errors for HTML views."""

from __future__ import annotations

import functools

from django.core.exceptions import PermissionDenied as HttpForbidden
from django.http import Http404

from ouvert.core.errors import NotFound, PermissionDenied


def domain_errors(view):
    """Turn the services' NotFound and PermissionDenied into the 404 and 403 pages."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except NotFound:
            raise Http404 from None
        except PermissionDenied as exc:
            raise HttpForbidden(str(exc)) from None

    return wrapper
