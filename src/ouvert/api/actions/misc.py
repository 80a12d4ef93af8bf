"""Tags, licences, users, tokens, the site's status and the actions' own help."""

from __future__ import annotations

import math

from django.conf import settings
from django.utils.translation import gettext as _

from ouvert.accounts import permissions
from ouvert.accounts import services as accounts
from ouvert.catalog import services as catalog
from ouvert.catalog.models import Licence, Tag
from ouvert.catalog.serializers import ckan_time, licence_dict
from ouvert.core.errors import NotFound

from .. import params, registry
from ..registry import ANYONE, WRITE, Call, action
from .common import package_dicts

UNITS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400, "week": 604800}


@action("tag_list", auth=ANYONE)
def tag_list(call: Call) -> list:
    """The tags of the published datasets the caller may see, alphabetically.

    Parameters: ``query`` (text the tag contains), ``all_fields`` (dicts with the tag's
    language instead of names).
    """
    published = catalog.published_datasets(actor=call.actor)
    tags = Tag.objects.filter(datasets__in=published.order_by().values("pk")).distinct().order_by("name", "language")
    query = params.text(call.params, "query") or params.text(call.params, "q")
    if query:
        tags = tags.filter(name__icontains=query)
    if params.boolean(call.params, "all_fields"):
        return [{"id": str(t.pk), "name": t.name, "display_name": t.name, "language": t.language or None,
                 "vocabulary_id": None} for t in tags]
    return list(dict.fromkeys(t.name for t in tags))


@action("license_list", auth=ANYONE)
def license_list(call: Call) -> list[dict]:
    """The licences a dataset can have (``license_id`` takes their ``id``)."""
    return [licence_dict(licence, call.language) for licence in Licence.objects.all()]


@action("status_show", auth=ANYONE)
def status_show(call: Call) -> dict:
    """The site's address, default language and the CKAN API version it is compatible with."""
    return {
        "site_title": "Ouvert",
        "site_url": settings.SITE_URL,
        "site_description": "",
        "ckan_version": "2.10.0",
        "locale_default": settings.LANGUAGE_CODE,
        "extensions": ["fluent"],
    }


@action("help_show", auth=ANYONE)
def help_show(call: Call) -> str:
    """The documentation of an action.

    Parameters: ``name`` (an action name).
    """
    found = registry.get(params.text(call.params, "name", required=True))
    if found is None:
        raise NotFound(_("Action not found."))
    return found.doc


@action("user_show", auth=ANYONE)
def user_show(call: Call) -> dict:
    """A user's public profile; their e-mail address only for themselves and sysadmins.

    Parameters: ``id`` (user name or id), ``include_datasets`` (their published datasets the
    caller may see).
    """
    user = accounts.get_user(params.identifier(call.params, alternatives=("user_obj",)))
    created = catalog.published_datasets(actor=call.actor, created_by=user)
    result = {
        "id": str(user.pk), "name": user.username, "display_name": user.public_name,
        "fullname": user.display_name or None, "created": ckan_time(user.date_joined), "state": "active",
        "number_created_packages": created.count(),
    }
    if permissions.can(call.actor, "user.view_private", user):
        result.update(email=user.email, sysadmin=user.is_superuser)
    if params.boolean(call.params, "include_datasets"):
        result["datasets"] = package_dicts(list(created.order_by("-modified", "pk").values_list("pk", flat=True)[:1000]),
                                           call.language)
    return result


@action("api_token_create", methods=WRITE, auth="user.manage_tokens")
def api_token_create(call: Call) -> dict:
    """Make an API token for yourself; its value is returned once and never again.

    Parameters: ``user`` (your user name or id), ``name``, and optionally ``expires_in`` with
    ``unit`` (seconds per unit, or second/minute/hour/day/week; default day) — tokens last
    whole days, rounded up.
    """
    user = accounts.get_user(params.text(call.params, "user", required=True))
    days = None
    amount = params.integer(call.params, "expires_in", None, minimum=1)
    if amount is not None:
        unit = call.params.get("unit", "day")
        seconds = UNITS.get(unit) if isinstance(unit, str) and not unit.isdigit() else params.integer(call.params, "unit", 86400, minimum=1)
        if seconds is None:
            raise params.invalid("unit", _("Use a number of seconds or one of: %(units)s.") % {"units": ", ".join(UNITS)})
        days = max(1, math.ceil(amount * seconds / 86400))
    _token, raw = accounts.create_token(user, actor=call.actor, name=params.text(call.params, "name", ""),
                                        expires_in_days=days)
    return {"token": raw}
