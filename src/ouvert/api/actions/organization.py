"""Organisation and group (theme) actions."""

from __future__ import annotations

from django.db.models import Q
from django.utils.translation import gettext as _

from ouvert.accounts import permissions
from ouvert.accounts import services as accounts
from ouvert.accounts.models import Organisation
from ouvert.catalog import services
from ouvert.catalog.models import State, Theme
from ouvert.catalog.serializers import organisation_dict, theme_dict

from .. import convert, params
from ..registry import ANYONE, WRITE, Call, action
from .common import package_dicts

MAX_LIST = 1000
SHOWN_DATASETS = 1000
ORGANISATION_SORTS = {"name asc": ("name",), "name desc": ("-name",), "name": ("name",),
                      "title asc": ("{title}", "name"), "title desc": ("-{title}", "-name"),
                      "package_count desc": None, "package_count asc": None}


def _group_list(call: Call, objects, to_dict, by: str, names_key: str):
    given = call.params
    all_fields = params.boolean(given, "all_fields")
    limit = params.integer(given, "limit", MAX_LIST if not all_fields else 25, maximum=MAX_LIST)
    offset = params.integer(given, "offset", 0)
    sort = (params.text(given, "sort", "name asc") or "name asc").strip()
    if sort not in ORGANISATION_SORTS:
        raise params.invalid("sort", _("Sort by one of: %(sorts)s.") % {"sorts": ", ".join(ORGANISATION_SORTS)})
    wanted = params.string_list(given, names_key)
    if wanted:
        objects = objects.filter(name__in=wanted)
    text = params.text(given, "q")
    if text:
        objects = objects.filter(Q(name__icontains=text) | Q(title_fr__icontains=text) | Q(title_en__icontains=text))
    counts = services.published_dataset_counts(actor=call.actor, by=by)
    ordering = ORGANISATION_SORTS[sort]
    ordering = [o.format(title=f"title_{call.language}") for o in ordering or ()]
    items = list(objects.order_by(*ordering)) if ordering else sorted(
        objects, key=lambda o: (counts.get(o.pk, 0) * (-1 if sort.endswith("desc") else 1), o.name))
    items = items[offset:offset + limit]
    if not all_fields:
        return [o.name for o in items]
    return [{**to_dict(o, call.language), "display_name": str(o.title) or o.name,
             "package_count": counts.get(o.pk, 0)} for o in items]


def _with_datasets(result: dict, datasets, call: Call) -> dict:
    result["package_count"] = datasets.count()
    if params.boolean(call.params, "include_datasets"):
        ids = list(datasets.order_by("-modified", "pk").values_list("pk", flat=True)[:SHOWN_DATASETS])
        result["packages"] = package_dicts(ids, call.language)
    return result


@action("organization_list", auth=ANYONE)
def organization_list(call: Call) -> list:
    """The organisations, as names or (``all_fields``) dicts with their ``package_count``.

    Parameters: ``all_fields``, ``limit`` (at most 1000; 25 with ``all_fields``), ``offset``,
    ``sort`` (``name asc``, ``title asc``, ``package_count desc``...), ``organizations`` (a list
    of names to keep), ``q`` (text in the name or title). Package counts count the published
    datasets the caller may see.
    """
    return _group_list(call, Organisation.objects.exclude(state=State.DELETED), organisation_dict,
                       "organisation", "organizations")


@action("organization_show", auth=ANYONE)
def organization_show(call: Call) -> dict:
    """One organisation with its ``package_count``, its datasets (``include_datasets``) and, for
    its members, its ``users`` with their roles (``include_users``, default true).

    Parameters: ``id`` (id or name), ``include_datasets``, ``include_users``.
    """
    organisation = accounts.get_organisation(params.identifier(call.params))
    result = {**organisation_dict(organisation, call.language), "display_name": str(organisation.title) or organisation.name,
              "extras": [{"key": k, "value": v} for k, v in sorted(organisation.extras.items())]}
    if params.boolean(call.params, "include_users", True) and permissions.can(call.actor, "organisation.view_members", organisation):
        result["users"] = [{"id": str(m.user.pk), "name": m.user.username, "display_name": m.user.public_name,
                            "capacity": m.role} for m in accounts.list_members(organisation, actor=call.actor)]
    return _with_datasets(result, services.published_datasets(actor=call.actor, organisation=organisation), call)


def _set_users(organisation, users, *, actor) -> None:
    if users is None:
        return
    if not isinstance(users, list) or not all(isinstance(u, dict) for u in users):
        raise params.invalid("users", _("Expected a list of {name, capacity} objects."))
    for entry in users:
        user = accounts.get_user(entry.get("name") or entry.get("id") or "")
        accounts.set_membership(organisation, user, entry.get("capacity") or "member", actor=actor)


@action("organization_create", methods=WRITE, auth="organisation.create")
def organization_create(call: Call) -> dict:
    """Create an organisation (sysadmins only).

    Parameters: ``name``, ``title`` or ``title_translated``, ``description`` or
    ``description_translated``, ``image_url``, ``extras``, ``users`` ([{name, capacity}]).
    """
    data = convert.group_input(call.params, call.language, organisation=True)
    organisation = accounts.create_organisation(actor=call.actor, data=data)
    _set_users(organisation, call.params.get("users"), actor=call.actor)
    return organisation_dict(organisation, call.language)


@action("organization_update", methods=WRITE, auth="organisation.update")
def organization_update(call: Call) -> dict:
    """Replace an organisation's details (fields left out are emptied; the name is kept).

    Parameters: ``id`` (id or name) and the fields of ``organization_create``; ``users`` adds
    members or changes their roles.
    """
    organisation = accounts.get_organisation(params.identifier(call.params))
    data = convert.group_input(call.params, call.language, organisation=True, replace=True)
    organisation = accounts.update_organisation(organisation, actor=call.actor, data=data)
    _set_users(organisation, call.params.get("users"), actor=call.actor)
    return organisation_dict(organisation, call.language)


@action("organization_member_create", methods=WRITE, auth="organisation.manage_members")
def organization_member_create(call: Call) -> dict:
    """Give a user a role in an organisation (or change it).

    Parameters: ``id`` (organisation id or name), ``username`` (name or id), ``role``
    (``admin``, ``editor`` or ``member``).
    """
    organisation = accounts.get_organisation(params.identifier(call.params))
    user = accounts.get_user_to_manage(organisation, params.text(call.params, "username", required=True),
                                      actor=call.actor)
    role = params.text(call.params, "role", required=True)
    membership = accounts.set_membership(organisation, user, role, actor=call.actor)
    return {"group_id": str(organisation.pk), "table_name": "user", "table_id": str(user.pk),
            "capacity": membership.role, "state": "active"}


@action("group_list", auth=ANYONE)
def group_list(call: Call) -> list:
    """The groups (themes), as names or (``all_fields``) dicts with their ``package_count``.

    Parameters as ``organization_list`` (``groups`` instead of ``organizations``).
    """
    return _group_list(call, Theme.objects.all(), theme_dict, "theme", "groups")


@action("group_show", auth=ANYONE)
def group_show(call: Call) -> dict:
    """One group (theme) with its ``package_count`` and (``include_datasets``) its datasets.

    Parameters: ``id`` (id or name), ``include_datasets``.
    """
    theme = services.get_theme(params.identifier(call.params))
    result = {**theme_dict(theme, call.language), "type": "group", "is_organization": False, "state": "active"}
    return _with_datasets(result, services.published_datasets(actor=call.actor, theme=theme), call)


@action("group_create", methods=WRITE, auth="theme.manage")
def group_create(call: Call) -> dict:
    """Create a group (theme); sysadmins only.

    Parameters: ``name``, ``title`` or ``title_translated``, ``description`` or
    ``description_translated``, ``image_url``.
    """
    data = convert.group_input(call.params, call.language, organisation=False)
    return theme_dict(services.create_theme(actor=call.actor, data=data), call.language)
