"""Dataset actions: show, lists, history, create, update (full replace), patch and delete."""

from __future__ import annotations

from django.utils.translation import gettext as _

from ouvert.accounts import services as accounts
from ouvert.catalog import services
from ouvert.catalog.models import Dataset
from ouvert.catalog.permissions import visible_datasets
from ouvert.catalog.serializers import ckan_time, resource_dict
from ouvert.core.errors import NotFound, ValidationFailed
from ouvert.core.models import Activity, State

from .. import convert, params
from ..registry import ANYONE, WRITE, Call, action
from .common import EncodedJSON, cached_package_json, package_dicts, package_json

#: ``sync_dataset``'s ``source`` for the changes made through these actions.
SOURCE = "ckan-api"
ACTIVITY_TYPES = {"catalog.dataset.created": "new package", "catalog.dataset.deleted": "deleted package"}


def _listed(actor, given: dict):
    """Datasets for the list actions: published and public unless asked (and allowed) otherwise."""
    states = [State.ACTIVE, State.DRAFT] if params.boolean(given, "include_drafts") else [State.ACTIVE]
    qs = visible_datasets(actor).filter(state__in=states)
    if not params.boolean(given, "include_private"):
        qs = qs.filter(private=False)
    return qs


@action("package_show", auth="dataset.view")
def package_show(call: Call) -> EncodedJSON:
    """One dataset as a package dict, with its resources, organisation, tags and groups.

    Parameters: ``id`` (the dataset's id or name). Private datasets and drafts are found only
    by those allowed to see them; for anyone else they do not exist.
    """
    identifier = params.identifier(call.params, alternatives=("name",))
    current = services.dataset_revision(identifier, actor=call.actor)
    if current is not None and (cached := cached_package_json(*current, call.language)) is not None:
        return cached
    return package_json(services.get_dataset(identifier, actor=call.actor), call.language)


@action("package_list", auth=ANYONE)
def package_list(call: Call) -> list[str]:
    """The names of the published public datasets, in alphabetical order.

    Parameters: ``limit``, ``offset``; ``include_private`` and ``include_drafts`` (default
    false) add those the caller may see.
    """
    limit = params.integer(call.params, "limit", None)
    offset = params.integer(call.params, "offset", 0)
    names = _listed(call.actor, call.params).order_by("name").values_list("name", flat=True)
    return list(names[offset:offset + limit] if limit is not None else names[offset:])


@action("current_package_list_with_resources", auth=ANYONE)
def current_package_list_with_resources(call: Call) -> list[dict]:
    """The published public datasets with their resources, most recently modified first.

    Parameters: ``limit`` (default 100, at most 1000), ``offset`` or ``page`` (from 1).
    """
    limit = params.integer(call.params, "limit", 100, minimum=1, maximum=1000)
    page = params.integer(call.params, "page", None, minimum=1)
    offset = (page - 1) * limit if page else params.integer(call.params, "offset", 0)
    ids = (_listed(call.actor, {}).order_by("-modified", "pk").values_list("pk", flat=True)[offset:offset + limit])
    return package_dicts(list(ids), call.language)


@action("package_activity_list", auth="dataset.view")
def package_activity_list(call: Call) -> list[dict]:
    """The history of a dataset, newest first.

    Parameters: ``id`` (dataset id or name), ``limit`` (default 31, at most 100), ``offset``.
    """
    dataset = services.get_dataset(params.identifier(call.params), actor=call.actor)
    limit = params.integer(call.params, "limit", 31, minimum=1, maximum=100)
    offset = params.integer(call.params, "offset", 0)
    activities = Activity.objects.history_of(dataset).order_by("-created", "-id")[offset:offset + limit]
    return [{
        "id": str(a.pk),
        "timestamp": ckan_time(a.created),
        "user_id": str(a.actor_id) if a.actor_id else None,
        "object_id": a.object_id,
        "activity_type": ACTIVITY_TYPES.get(a.key, "changed package"),
        "data": {"key": a.key, "object_type": a.object_type, "object_name": a.object_name,
                 "changes": a.changes, "package": {"id": str(dataset.pk), "name": dataset.name}},
    } for a in activities]


# --- writing ---------------------------------------------------------------------------------

def owner_organisation(data: dict, *, required: bool):
    """The organisation named by ``owner_org`` (id or name).

    When ``owner_org`` is unknown but the dict's ``organization`` names an organisation we
    have (a dataset dumped from another portal, whose ids differ), that one is used.
    """
    given = data.get("owner_org")
    candidates = [given] if given else []
    if isinstance(data.get("organization"), dict) and data["organization"].get("name"):
        candidates.append(data["organization"]["name"])
    for candidate in candidates:
        if not isinstance(candidate, str):
            raise params.invalid("owner_org", _("Expected an organisation id or name."))
        try:
            return accounts.get_organisation(candidate)
        except NotFound:
            continue
    if given:
        raise params.invalid("owner_org", _("Organisation “%(name)s” not found.") % {"name": given})
    if required:
        raise params.invalid("owner_org", _("Missing value"))
    return None


def _state(data: dict) -> str | None:
    state = data.get("state")
    if state in (None, ""):
        return None
    if state not in (State.ACTIVE, State.DRAFT):
        raise params.invalid("state", _("Use “active” or “draft” (package_delete deletes)."))
    return state


def _resource_list(data: dict) -> list[dict] | None:
    if data.get("resources") is None:
        return None
    items = data["resources"]
    if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
        raise params.invalid("resources", _("Expected a list of resource objects."))
    return items


def _at(index: int, error: ValidationFailed) -> ValidationFailed:
    """``error`` about the resource at ``index``, its fields named ``resources[index].field``."""
    fields = {f"resources[{index}].{field}": messages for field, messages in error.fields.items()}
    return ValidationFailed(error.message, fields=fields or {f"resources[{index}]": [error.message]})


def _resource_specs(dataset: Dataset | None, items: list[dict], *, language: str) -> list[services.ResourceSpec]:
    """The resources of a package dict, in order, for ``sync_dataset``: those whose ``id`` is
    one of ``dataset``'s are updated (an uploaded file stays unless a new link is given), the
    others created with ids of their own."""
    existing = {str(r.pk): r for r in dataset.resources.all()} if dataset is not None else {}
    claimed: set[str] = set()
    specs = []
    for index, item in enumerate(items):
        try:
            data = convert.resource_input(item, language, replace=dataset is not None)
        except ValidationFailed as exc:
            raise _at(index, exc) from None
        current = existing.get(str(item.get("id") or ""))
        if current is None or str(current.pk) in claimed:
            specs.append(services.ResourceSpec(data))
            continue
        claimed.add(str(current.pk))
        if current.kind == current.Kind.UPLOAD and (item.get("url_type") == "upload"
                                                     or item.get("url") == resource_dict(current, language)["url"]):
            data.pop("url", None)  # the file stays; its download address is not a link
        specs.append(services.ResourceSpec(data, id=current.pk))
    return specs


def _sync(call: Call, spec: services.DatasetSpec) -> dict:
    try:
        result = services.sync_dataset(spec, actor=call.actor, source=SOURCE)
    except ValidationFailed as exc:
        if "state" in exc.fields:  # said as the other parameter errors are
            raise params.invalid("state", exc.fields["state"][0]) from None
        raise
    return package_dicts([result.dataset], call.language)[0]


@action("package_create", methods=WRITE, auth="dataset.create")
def package_create(call: Call) -> dict:
    """Create a dataset, with its resources (links) if the dict lists them.

    Takes a package dict: ``name``, ``title`` or ``title_translated`` ({"fr", "en"}),
    ``notes`` or ``notes_translated``, ``owner_org`` (id or name), ``license_id``, ``tags``,
    ``groups``, ``extras``, ``private``, ``maintainer``, ``maintainer_email``, ``url``,
    ``version``, ``frequency``, ``temporal_start``, ``temporal_end``, ``spatial``,
    ``resources``; ``state`` is ``active`` (default) or ``draft``. Keys that ``package_show``
    returns but nobody sets (``id``, ``metadata_modified``...) are ignored. Needs the editor or
    administrator role in the organisation.
    """
    data = call.params
    organisation = owner_organisation(data, required=True)
    state = _state(data) or State.ACTIVE
    items = _resource_list(data)
    changes = convert.package_input(data, call.language)
    return _sync(call, services.DatasetSpec(changes, organisation=organisation, state=state,
                                            resources=_resource_specs(None, items or [], language=call.language)))


def _update(call: Call, *, replace: bool) -> dict:
    data = call.params
    dataset = services.get_dataset(params.identifier(data, alternatives=("name",)), actor=call.actor)
    organisation = owner_organisation(data, required=False)
    state = _state(data)
    items = _resource_list(data)
    changes = convert.package_input(data, call.language, replace=replace)
    resources = _resource_specs(dataset, items, language=call.language) if items is not None else None
    return _sync(call, services.DatasetSpec(changes, id=dataset.pk, organisation=organisation, state=state,
                                            resources=resources))


@action("package_update", methods=WRITE, auth="dataset.update")
def package_update(call: Call) -> dict:
    """Replace a dataset's metadata with the given package dict.

    Parameters: ``id`` (or ``name``) of the dataset and the package dict (see
    ``package_create``). Fields left out are emptied, as in CKAN; the resources are kept when
    ``resources`` is left out, otherwise they become the listed ones (matched by ``id``).
    ``owner_org`` moves the dataset; ``state: active`` publishes a draft.
    """
    return _update(call, replace=True)


@action("package_patch", methods=WRITE, auth="dataset.update")
def package_patch(call: Call) -> dict:
    """Change only the given fields of a dataset.

    Parameters: ``id`` (or ``name``) and any fields of ``package_create``; ``resources``, when
    given, replaces the list as in ``package_update``.
    """
    return _update(call, replace=False)


@action("package_delete", methods=WRITE, auth="dataset.delete")
def package_delete(call: Call) -> None:
    """Delete a dataset (it leaves every list and search; its history stays).

    Parameters: ``id`` (id or name).
    """
    dataset = services.get_dataset(params.identifier(call.params), actor=call.actor)
    services.delete_dataset(dataset, actor=call.actor)
    return None
