"""The write path of whole datasets: ``sync_dataset`` makes a dataset and its resources look
like a ``DatasetSpec`` in one transaction, with the history and signals of the single services
(``ouvert.catalog.services``) whose steps it shares, and one index update."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ouvert.accounts import permissions
from ouvert.accounts.models import Organisation
from ouvert.core.errors import Conflict, NotFound, ValidationFailed

from .. import search, signals
from ..models import Dataset, Resource, State
from ..validation import clean_dataset, clean_resource
from . import (
    _change_dataset,
    _change_resource,
    _check_upload,
    _insert_dataset,
    _insert_resources,
    _publish,
    _remove_resource,
    check_state_change,
)


@dataclass
class ResourceSpec:
    """One resource of a ``DatasetSpec``.

    ``data``: the input of ``add_resource`` (``update_resource`` for one that exists: only the
    fields given change; ``position`` comes from the list's order). ``id``: a resource of the
    dataset to update; otherwise the id a new resource gets when no resource has it yet (an
    importer keeping another portal's ids). ``upload``: a file (a Django ``File``) to store,
    for a new resource or in place of an existing one's.
    """

    data: dict = field(default_factory=dict)
    id: uuid.UUID | str | None = None
    upload: Any = None


@dataclass
class DatasetSpec:
    """What a dataset and its resources should look like, for ``sync_dataset``.

    ``data``: the dataset's fields as ``create_dataset`` takes them (``name``, ``title_fr``,
    ``title_en``, descriptions, ``licence``, ``frequency``, tags as ``tags``/``tags_fr``/
    ``tags_en``, ``themes`` as names, ``extras``, ``private``...); for a dataset that exists,
    only the fields given change. ``id``: the dataset to update; when no dataset has it (or it
    is None) a dataset is created, with that id if given. ``organisation``: required to
    create, moves an existing dataset when it differs. ``state``: "active" or "draft"; None
    makes a draft or leaves the state alone; a published dataset never goes back to draft.
    ``resources``: the dataset's resources in order, or None to leave them alone. Resources
    the list leaves out are removed when ``remove_unlisted``; with ``managed_key`` set, only
    those whose ``extras`` hold that key (the ones the caller put there: hand-added
    resources stay).
    """

    data: dict
    id: uuid.UUID | None = None
    organisation: Organisation | None = None
    state: str | None = None
    resources: list[ResourceSpec] | None = None
    remove_unlisted: bool = True
    managed_key: str = ""


@dataclass
class SyncResult:
    """What ``sync_dataset`` did."""

    dataset: Dataset
    created: bool = False
    changes: dict = field(default_factory=dict)
    published: bool = False
    resources_created: list[Resource] = field(default_factory=list)
    resources_updated: list[Resource] = field(default_factory=list)
    resources_unchanged: list[Resource] = field(default_factory=list)
    resources_deleted: list[Resource] = field(default_factory=list)
    #: Those of ``resources_updated`` whose file or link changed.
    contents_changed: list[Resource] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.created or self.changes or self.published or self.resources_created
                    or self.resources_updated or self.resources_deleted)


def _at(index: int, error: ValidationFailed) -> ValidationFailed:
    """``error`` about the resource at ``index``, its fields named ``resources[index].field``."""
    fields = {f"resources[{index}].{name}": messages for name, messages in error.fields.items()}
    return ValidationFailed(error.message, fields=fields or {f"resources[{index}]": [error.message]})


def _uuid(value) -> uuid.UUID | None:
    try:
        return value if isinstance(value, uuid.UUID) or value is None else uuid.UUID(str(value))
    except ValueError:
        return None


def sync_dataset(spec: DatasetSpec, *, actor, source: str) -> SyncResult:
    """Create or update a dataset and its resources (added, updated, reordered, removed) as
    ``spec`` says, in one transaction, indexed once: the one write path of every caller that
    holds a whole dataset (the CKAN API's package actions, importers, generated datasets).

    Each change is recorded under the keys the single services use (``catalog.dataset.created``,
    ``.updated``, ``.published``, ``catalog.resource.created``, ``.updated``, ``.deleted``), its
    changes naming ``source`` (who asked: "ckan-api", "import-ckan"...), and sends their
    signals. Errors about a resource name its fields ``resources[index].field``. Nothing is
    written when anything is refused.
    """
    state = spec.state or None
    if state not in (None, State.DRAFT, State.ACTIVE):
        raise ValidationFailed(fields={"state": [_("Use “active” or “draft”.")]})
    try:
        with transaction.atomic(), search.deferred():  # indexed once, when the block ends
            existing = (Dataset.objects.select_for_update(of=("self",)).select_related("organisation")
                        .filter(pk=spec.id).first() if spec.id is not None else None)
            cleaned = _check(spec, existing, state, actor=actor)
            result = _sync(spec, existing, cleaned, state, actor=actor, source=source)
            if result.changed:
                search.index_dataset(result.dataset)
    except IntegrityError as exc:
        raise Conflict(_("This name is already taken.")) from exc
    _send_signals(result, actor=actor)
    return result


def _check(spec: DatasetSpec, existing: Dataset | None, state: str | None, *, actor) -> dict:
    """What the single services check before writing; returns the dataset's cleaned fields."""
    organisation = spec.organisation
    if existing is None:
        if organisation is None:
            raise ValidationFailed(fields={"organisation": [_("Choose the organisation that publishes the dataset.")]})
        permissions.require(actor, "dataset.create", organisation)
        return clean_dataset(spec.data)
    if existing.state == State.DELETED:
        raise NotFound(_("Dataset not found."))
    permissions.require(actor, "dataset.update", existing)
    if organisation is not None and organisation.pk != existing.organisation_id:
        permissions.require(actor, "dataset.create", organisation)
    check_state_change(existing, state)
    if state == State.ACTIVE and existing.state == State.DRAFT:
        permissions.require(actor, "dataset.publish", existing)
    return clean_dataset(spec.data, partial=True)


def _sync(spec: DatasetSpec, existing: Dataset | None, cleaned: dict, state: str | None, *, actor,
          source: str) -> SyncResult:
    """The writes of ``sync_dataset``, ``existing`` (if any) locked."""
    current: list[Resource] = []
    if existing is None:
        dataset = _insert_dataset(actor=actor, organisation=spec.organisation, cleaned=cleaned,
                                  state=state or State.DRAFT, id=spec.id, source=source)
        result = SyncResult(dataset, created=True, published=state == State.ACTIVE)
    else:
        dataset = existing
        result = SyncResult(dataset)
        result.changes = _change_dataset(dataset, actor=actor, cleaned=cleaned, organisation=spec.organisation,
                                         source=source)
        if spec.resources is not None:
            current = list(Resource.objects.select_for_update().filter(dataset=dataset))
    dataset.last_position = max((r.position for r in current), default=None)
    if spec.resources is not None:
        _sync_resources(result, spec, current, actor=actor, source=source)
    if result.resources_created or result.resources_updated or result.resources_deleted:
        Dataset.objects.filter(pk=dataset.pk).update(modified=timezone.now())
    if existing is not None and state == State.ACTIVE:
        result.published = _publish(dataset, actor=actor, source=source)
    return result


def _sync_resources(result: SyncResult, spec: DatasetSpec, current: list[Resource], *, actor, source: str) -> None:
    dataset = result.dataset
    by_id = {r.pk: r for r in current}
    listed: set = set()
    new: list[tuple[int, dict, uuid.UUID | None, Any]] = []
    for index, item in enumerate(spec.resources):
        wanted = _uuid(item.id)
        resource = by_id.get(wanted) if wanted not in listed else None
        try:
            cleaned = clean_resource({**item.data, "position": index}, partial=resource is not None,
                                     has_file=item.upload is not None)
            if item.upload is not None:
                _check_upload(item.upload)
        except ValidationFailed as exc:
            raise _at(index, exc) from None
        if resource is None:
            new.append((index, cleaned, wanted, item.upload))
            continue
        listed.add(resource.pk)
        changes, content_changed = _change_resource(resource, dataset, actor=actor, cleaned=cleaned,
                                                    upload=item.upload, source=source)
        (result.resources_updated if changes else result.resources_unchanged).append(resource)
        if content_changed:
            result.contents_changed.append(resource)
    if new:
        # A given id is kept when no resource has it yet (here, elsewhere, or earlier in the list).
        taken = set(Resource.objects.filter(pk__in=[id for *_rest, id, _upload in new if id is not None])
                    .values_list("pk", flat=True)) | listed
        items = []
        for _index, cleaned, id, upload in new:
            items.append((cleaned, id if id is not None and id not in taken else None, upload))
            taken.add(id)
        result.resources_created, _last = _insert_resources(dataset, items, actor=actor, source=source)
    if spec.remove_unlisted:
        for resource in current:
            if resource.pk not in listed and (not spec.managed_key or (resource.extras or {}).get(spec.managed_key)):
                resource_id = resource.pk
                _remove_resource(resource, dataset, actor=actor, source=source)
                resource.pk = resource_id  # what was removed, as callers and signals name it
                result.resources_deleted.append(resource)


def _send_signals(result: SyncResult, *, actor) -> None:
    """The signals of the single services, sent when the transaction commits."""
    dataset = result.dataset
    on_commit = transaction.on_commit
    if result.changes:
        on_commit(lambda: signals.dataset_updated.send(Dataset, dataset=dataset, actor=actor, changes=result.changes))
    for resource in [*result.contents_changed, *result.resources_created]:
        on_commit(lambda resource=resource: signals.resource_changed.send(Resource, resource=resource, actor=actor))
    for resource in result.resources_deleted:
        on_commit(lambda resource_id=resource.pk: signals.resource_deleted.send(
            Resource, dataset=dataset, resource_id=resource_id, actor=actor))
    if result.published:
        on_commit(lambda: signals.dataset_published.send(Dataset, dataset=dataset, actor=actor))
