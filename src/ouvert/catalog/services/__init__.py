"""Catalog operations. HTML views, both APIs and the command line call these and nothing else.

Each public function checks permissions, runs in one transaction, records an activity with a
dotted key, keeps the search index in step and sends its signal. Each write is made of steps
(``_insert_dataset``, ``_change_dataset``, ``_publish``, ``_insert_resources``,
``_change_resource``, ``_remove_resource``) that the single services and ``sync_dataset``
(``sync``: a whole dataset and its resources at once) share, so both write the same rows,
history and signals.
"""

from __future__ import annotations

import hashlib
import mimetypes
import os
import re
import unicodedata
import uuid
from types import SimpleNamespace
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, OuterRef, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from ouvert.accounts import permissions
from ouvert.accounts.models import Organisation
from ouvert.core import activity
from ouvert.core.errors import Conflict, NotFound, ValidationFailed
from ouvert.core.models import Activity

from .. import search, signals
from ..models import Dataset, Resource, State, Tag, Theme
from ..permissions import visible_datasets
from ..validation import clean_dataset, clean_resource, clean_theme

TRACKED_DATASET_FIELDS = (
    "name", "title_fr", "title_en", "description_fr", "description_en", "licence", "frequency",
    "temporal_start", "temporal_end", "spatial", "contact_name", "contact_email", "source_url",
    "version", "private", "extras", "state",
)


# --- activity ----------------------------------------------------------------------------

def record_activity(key: str, *, actor, obj, dataset: Dataset | None = None, organisation: Organisation | None = None,
                    changes: dict | None = None) -> Activity:
    """Append one entry to the history (called inside the operation's transaction); a
    dataset's entries are its history (``Activity.objects.history_of``)."""
    return activity.record_activity(key, actor=actor, obj=obj, organisation=organisation, target=dataset, changes=changes)


def _activity(key: str, *, actor, obj, dataset: Dataset | None = None, organisation: Organisation | None = None,
              changes: dict | None = None) -> Activity:
    """An unsaved history entry (``record_activity`` saves one, bulk writers many at once)."""
    return activity.new_activity(key, actor=actor, obj=obj, organisation=organisation, target=dataset, changes=changes)


def _apply(instance, cleaned: dict, fields) -> dict:
    """Set the cleaned fields on ``instance``; returns {field: (old, new)} for those that changed."""
    changes = {}
    for field in fields:
        if field in cleaned:
            old = getattr(instance, field)
            new = cleaned[field]
            if old != new:
                changes[field] = (old, new)
                setattr(instance, field, new)
    return changes


# --- look-ups ----------------------------------------------------------------------------

def get_dataset(name_or_id: str, *, actor, include_deleted: bool = False) -> Dataset:
    """The dataset if ``actor`` may see it; otherwise NotFound (existence is not disclosed)."""
    qs = Dataset.objects.select_related("organisation", "licence")
    dataset = None
    try:
        dataset = qs.filter(pk=uuid.UUID(str(name_or_id))).first()
    except ValueError:
        pass
    if dataset is None:
        dataset = qs.filter(name=str(name_or_id).lower()).first()
    if dataset is None or not permissions.can(actor, "dataset.view", dataset):
        raise NotFound(_("Dataset not found."))
    if dataset.state == State.DELETED and not include_deleted:
        raise NotFound(_("Dataset not found."))
    return dataset


_REVISION_FIELDS = ("pk", "revision", "datastore_revision", "state", "private", "organisation_id", "created_by_id")
_revision_sql: dict[tuple, str] = {}


def dataset_revision(name_or_id: str, *, actor) -> tuple[uuid.UUID, tuple[int, int]] | None:
    """``(id, revisions)`` (``Dataset.revisions``) of the dataset ``get_dataset`` would give
    ``actor``, read with one narrow query, for answers kept per revision
    (``ouvert.catalog.revisions``); None when it is not found that way, may not be seen or is
    deleted (``get_dataset`` then gives the answer)."""
    try:
        field, value = "id", uuid.UUID(str(name_or_id))
    except ValueError:
        field, value = "name", str(name_or_id).lower()
    key = (connection.vendor, field)
    sql = _revision_sql.get(key)
    if sql is None:  # the statement is made once: building it costs more than running it
        query = Dataset.objects.filter(**{field: value}).order_by().values_list(*_REVISION_FIELDS)[:1].query
        sql = _revision_sql[key] = query.sql_with_params()[0]
    with connection.cursor() as cursor:
        cursor.execute(sql, [Dataset._meta.get_field(field).get_db_prep_value(value, connection)])
        row = cursor.fetchone()
    if row is None:
        return None
    pk, revision, datastore_revision, state, private, organisation_id, created_by_id = row
    seen = SimpleNamespace(state=state, private=bool(private), created_by_id=created_by_id,
                           organisation_id=Dataset._meta.get_field("organisation").target_field.to_python(organisation_id))
    if state == State.DELETED or not permissions.can(actor, "dataset.view", seen):
        return None
    return Dataset._meta.pk.to_python(pk), (revision, datastore_revision)


def get_resource(resource_id: str, *, actor) -> Resource:
    try:
        resource = Resource.objects.select_related("dataset", "dataset__organisation").get(pk=uuid.UUID(str(resource_id)))
    except (ValueError, Resource.DoesNotExist):
        raise NotFound(_("Resource not found.")) from None
    if not permissions.can(actor, "dataset.view", resource.dataset) or resource.dataset.state == State.DELETED:
        raise NotFound(_("Resource not found."))
    return resource


def get_theme(name_or_id: str) -> Theme:
    try:
        return Theme.objects.get(pk=uuid.UUID(str(name_or_id)))
    except (ValueError, Theme.DoesNotExist):
        pass
    try:
        return Theme.objects.get(name=str(name_or_id).lower())
    except Theme.DoesNotExist:
        raise NotFound(_("Theme not found.")) from None


# --- what an actor sees, and how many ------------------------------------------------------

def published_datasets(*, actor, organisation: Organisation | None = None, theme: Theme | None = None,
                       created_by=None) -> QuerySet:
    """The published datasets ``actor`` may see (private ones of their organisations included),
    optionally of one organisation, theme or author: what the catalog's lists show and counts count."""
    qs = visible_datasets(actor).filter(state=State.ACTIVE)
    if organisation is not None:
        qs = qs.filter(organisation=organisation)
    if theme is not None:
        qs = qs.filter(themes=theme)
    if created_by is not None:
        qs = qs.filter(created_by=created_by)
    return qs


def published_dataset_counts(*, actor, by: str) -> dict:
    """How many published datasets ``actor`` may see, per organisation id (``by="organisation"``)
    or per theme id (``by="theme"``); groups with none are left out."""
    lookup = {"organisation": "organisation_id", "theme": "themes"}[by]
    rows = (published_datasets(actor=actor).order_by().values(lookup)
            .annotate(n=Count("pk", distinct=True)).values_list(lookup, "n"))
    return {key: n for key, n in rows if key is not None}


# --- themes ------------------------------------------------------------------------------

def create_theme(*, actor, data: dict) -> Theme:
    permissions.require(actor, "theme.manage")
    cleaned = clean_theme(data)
    with transaction.atomic():
        if Theme.objects.filter(name=cleaned["name"]).exists():
            raise ValidationFailed(fields={"name": [_("This name is already taken.")]})
        theme = Theme.objects.create(**cleaned)
        record_activity("catalog.theme.created", actor=actor, obj=theme, changes={k: (None, v) for k, v in cleaned.items()})
    return theme


def update_theme(theme: Theme, *, actor, data: dict) -> Theme:
    permissions.require(actor, "theme.manage")
    cleaned = clean_theme(data, partial=True)
    with transaction.atomic():
        if "name" in cleaned and Theme.objects.filter(name=cleaned["name"]).exclude(pk=theme.pk).exists():
            raise ValidationFailed(fields={"name": [_("This name is already taken.")]})
        changes = _apply(theme, cleaned, cleaned.keys())
        if changes:
            theme.save()
            record_activity("catalog.theme.updated", actor=actor, obj=theme, changes=changes)
            if "name" in changes:
                search.reindex_theme(theme)
    return theme


# --- datasets ----------------------------------------------------------------------------

def _tags_named(wanted: set[tuple[str, str]]) -> list[Tag]:
    """The tags (name, language) of ``wanted``, created when missing, in two or three queries
    whatever their number (a query per tag made large imports crawl)."""
    if not wanted:
        return []

    def existing() -> dict[tuple[str, str], Tag]:
        rows = Tag.objects.filter(name__in={name for name, _lang in wanted}).order_by()
        return {key: tag for tag in rows if (key := (tag.name, tag.language)) in wanted}

    found = existing()
    if len(found) < len(wanted):
        # ignore_conflicts: a tag another transaction created meanwhile is simply read back.
        Tag.objects.bulk_create([Tag(name=name, language=lang) for name, lang in sorted(wanted - found.keys())],
                                ignore_conflicts=True)
        found = existing()
    return [found[key] for key in sorted(wanted)]


def _set_tags(dataset: Dataset, cleaned: dict, *, new: bool = False) -> dict:
    """Replace the dataset's tags by language when the input names them; returns changes.

    ``new``: the dataset was just created, so it has no tags yet (saves reading them)."""
    if not {"tags", "tags_fr", "tags_en"} & cleaned.keys():
        return {}
    current = set() if new else {(t.name, t.language) for t in dataset.tags.all()}
    wanted = set(current)
    for field, lang in (("tags_fr", "fr"), ("tags_en", "en"), ("tags", "")):
        if field in cleaned:
            wanted = {(n, lg) for n, lg in wanted if lg != lang} | {(n, lang) for n in cleaned[field]}
    if wanted == current:
        return {}
    tags = _tags_named(wanted)
    if new:
        dataset.tags.add(*tags)
    else:
        dataset.tags.set(tags)
    return {"tags": (sorted(f"{n}@{lg}" if lg else n for n, lg in current), sorted(f"{n}@{lg}" if lg else n for n, lg in wanted))}


def _set_themes(dataset: Dataset, cleaned: dict) -> dict:
    if "themes" not in cleaned:
        return {}
    before = sorted(t.name for t in dataset.themes.all())
    after = sorted(t.name for t in cleaned["themes"])
    if before == after:
        return {}
    dataset.themes.set(cleaned["themes"])
    return {"themes": (before, after)}


def _check_new_state(state: str) -> None:
    if state not in (State.DRAFT, State.ACTIVE):
        raise ValidationFailed(fields={"state": [_("A new dataset is a draft or published.")]})


def check_state_change(dataset: Dataset, state: str | None) -> None:
    """Refuse a change of ``dataset``'s state to ``state`` (None: no change) that no one may make:
    a published dataset never goes back to draft (deleting is ``delete_dataset``)."""
    if state and dataset.state == State.ACTIVE and state == State.DRAFT:
        raise ValidationFailed(_("A published dataset cannot go back to draft."),
                               fields={"state": [_("A published dataset cannot go back to draft.")]})


def _sourced(changes: dict, source: str) -> dict:
    """``changes`` with who asked (``sync_dataset``'s ``source``), when known."""
    return {**changes, "source": (None, source)} if source else changes


def _insert_dataset(*, actor, organisation: Organisation, cleaned: dict, state: str, id: uuid.UUID | None,
                    source: str = "") -> Dataset:
    """Write a new dataset and its history (``create_dataset``'s work, inside its transaction)."""
    if Dataset.objects.filter(name=cleaned["name"]).exists():
        raise ValidationFailed(fields={"name": [_("This name is already taken.")]})
    dataset = Dataset(organisation=organisation, state=state,
                      created_by=actor if getattr(actor, "is_authenticated", False) else None)
    if id is not None:
        dataset.id = id
    _apply(dataset, cleaned, TRACKED_DATASET_FIELDS)
    if state == State.ACTIVE:
        dataset.published = timezone.now()
    dataset.save(force_insert=True)
    changes = {k: (None, v) for k, v in cleaned.items() if k in TRACKED_DATASET_FIELDS and v not in ("", None, {}, [])}
    changes.update(_set_tags(dataset, cleaned, new=True))
    changes.update(_set_themes(dataset, cleaned))
    record_activity("catalog.dataset.created", actor=actor, obj=dataset, dataset=dataset, organisation=organisation,
                    changes=_sourced(changes, source))
    if state == State.ACTIVE:  # the same entries as creating a draft, then publishing it
        record_activity("catalog.dataset.published", actor=actor, obj=dataset, dataset=dataset, organisation=organisation,
                        changes=_sourced({"state": (State.DRAFT, State.ACTIVE)}, source))
    return dataset


def _change_dataset(dataset: Dataset, *, actor, cleaned: dict, organisation: Organisation | None,
                    source: str = "") -> dict:
    """Write the changes of ``cleaned`` to ``dataset`` (locked) and its history; returns them."""
    if "name" in cleaned and Dataset.objects.filter(name=cleaned["name"]).exclude(pk=dataset.pk).exists():
        raise ValidationFailed(fields={"name": [_("This name is already taken.")]})
    changes = _apply(dataset, cleaned, TRACKED_DATASET_FIELDS)
    if not (dataset.title_fr or dataset.title_en):
        raise ValidationFailed(fields={"title_fr": [_("Give a title in French or in English (or both).")]})
    if organisation is not None and organisation.pk != dataset.organisation_id:
        changes["organisation"] = (dataset.organisation.name, organisation.name)
        dataset.organisation = organisation
    changes.update(_set_tags(dataset, cleaned))
    changes.update(_set_themes(dataset, cleaned))
    if changes:
        dataset.save()
        record_activity("catalog.dataset.updated", actor=actor, obj=dataset, dataset=dataset,
                        organisation=dataset.organisation, changes=_sourced(changes, source))
    return changes


def _publish(dataset: Dataset, *, actor, source: str = "") -> bool:
    """Publish ``dataset`` (locked) if it is a draft; True when it was."""
    if dataset.state == State.ACTIVE:
        return False
    if not (dataset.title_fr or dataset.title_en):
        raise ValidationFailed(fields={"title_fr": [_("Give a title before publishing.")]})
    dataset.state = State.ACTIVE
    dataset.published = timezone.now()
    dataset.save()
    record_activity("catalog.dataset.published", actor=actor, obj=dataset, dataset=dataset,
                    organisation=dataset.organisation, changes=_sourced({"state": (State.DRAFT, State.ACTIVE)}, source))
    return True


def create_dataset(*, actor, organisation: Organisation, data: dict, state: str = State.DRAFT,
                   id: uuid.UUID | None = None) -> Dataset:
    """Create a dataset in ``organisation``; it starts as a draft unless ``state`` says otherwise
    (then its history says it was created and published, as ``publish_dataset`` would).

    ``id`` keeps an identifier given elsewhere (an importer keeping another portal's ids).
    """
    permissions.require(actor, "dataset.create", organisation)
    cleaned = clean_dataset(data)
    _check_new_state(state)
    try:
        with transaction.atomic():
            dataset = _insert_dataset(actor=actor, organisation=organisation, cleaned=cleaned, state=state, id=id)
            search.index_dataset(dataset)
    except IntegrityError as exc:
        raise Conflict(_("This name is already taken.")) from exc
    if state == State.ACTIVE:
        transaction.on_commit(lambda: signals.dataset_published.send(Dataset, dataset=dataset, actor=actor))
    return dataset


def update_dataset(dataset: Dataset, *, actor, data: dict, organisation: Organisation | None = None,
                   state: str | None = None) -> Dataset:
    """Change the fields present in ``data`` (a partial update); ``organisation`` moves it;
    ``state`` "active" publishes a draft, "draft" is refused for a published dataset."""
    permissions.require(actor, "dataset.update", dataset)
    if organisation is not None and organisation.pk != dataset.organisation_id:
        permissions.require(actor, "dataset.create", organisation)
    cleaned = clean_dataset(data, partial=True)
    with transaction.atomic():
        dataset = Dataset.objects.select_for_update().get(pk=dataset.pk)
        check_state_change(dataset, state)  # on the locked row: the state it has now
        changes = _change_dataset(dataset, actor=actor, cleaned=cleaned, organisation=organisation)
        published = False
        if state == State.ACTIVE and dataset.state == State.DRAFT:
            permissions.require(actor, "dataset.publish", dataset)
            published = _publish(dataset, actor=actor)
        if changes or published:
            search.index_dataset(dataset)
    if changes:
        transaction.on_commit(lambda: signals.dataset_updated.send(Dataset, dataset=dataset, actor=actor, changes=changes))
    if published:
        transaction.on_commit(lambda: signals.dataset_published.send(Dataset, dataset=dataset, actor=actor))
    return dataset


def publish_dataset(dataset: Dataset, *, actor) -> Dataset:
    """Make a draft public (or visible to members, if private)."""
    permissions.require(actor, "dataset.publish", dataset)
    with transaction.atomic():
        dataset = Dataset.objects.select_for_update().get(pk=dataset.pk)
        if not _publish(dataset, actor=actor):
            return dataset
        search.index_dataset(dataset)
    transaction.on_commit(lambda: signals.dataset_published.send(Dataset, dataset=dataset, actor=actor))
    return dataset


def delete_dataset(dataset: Dataset, *, actor) -> Dataset:
    """Soft-delete: the dataset leaves every public list; its history stays."""
    permissions.require(actor, "dataset.delete", dataset)
    with transaction.atomic():
        dataset = Dataset.objects.select_for_update().get(pk=dataset.pk)
        previous = dataset.state
        dataset.state = State.DELETED
        dataset.save()
        record_activity("catalog.dataset.deleted", actor=actor, obj=dataset, dataset=dataset,
                        organisation=dataset.organisation, changes={"state": (previous, State.DELETED)})
        search.remove_dataset(dataset.pk)
    transaction.on_commit(lambda: signals.dataset_deleted.send(Dataset, dataset=dataset, actor=actor))
    return dataset


# --- resources ---------------------------------------------------------------------------

FORMAT_MEDIA_TYPES = {
    "CSV": "text/csv", "TSV": "text/tab-separated-values", "JSON": "application/json",
    "GEOJSON": "application/geo+json", "XML": "application/xml", "PDF": "application/pdf",
    "XLSX": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "XLS": "application/vnd.ms-excel", "ODS": "application/vnd.oasis.opendocument.spreadsheet",
    "PARQUET": "application/vnd.apache.parquet", "ZIP": "application/zip", "TXT": "text/plain",
    "HTML": "text/html", "SHP": "application/x-esri-shape", "KML": "application/vnd.google-earth.kml+xml",
}


def safe_filename(name: str) -> str:
    """A file name safe on every filesystem and in a URL: no path, no control characters."""
    name = os.path.basename((name or "").replace("\\", "/"))
    name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    name = re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip(".-_")
    stem, dot, ext = name.rpartition(".")
    if not dot:
        stem, ext = name, ""
    stem = stem[:100] or "file"
    ext = ext[:16].lower()
    return f"{stem}.{ext}" if ext else stem


def format_of(filename: str, given: str = "") -> tuple[str, str]:
    """(format, media type) from a stated format or the file name's extension."""
    fmt = (given or "").upper().strip()
    ext = filename.rsplit(".", 1)[-1].upper() if "." in filename else ""
    if not fmt:
        fmt = {"JSONL": "JSON", "GZ": "GZIP", "TXT": "TXT"}.get(ext, ext)
    media = FORMAT_MEDIA_TYPES.get(fmt) or mimetypes.guess_type(filename)[0] or "application/octet-stream"
    return fmt, media


def _check_upload(upload) -> int:
    """The size of an uploaded file, which must be neither empty nor too large."""
    size = getattr(upload, "size", None)
    limit = settings.OUVERT_MAX_UPLOAD_SIZE
    if size is None or size == 0:
        raise ValidationFailed(fields={"file": [_("The file is empty.")]})
    if size > limit:
        raise ValidationFailed(fields={"file": [_("The file is %(size)s bytes; the limit is %(limit)s bytes.") % {"size": f"{size:,}", "limit": f"{limit:,}"}]})
    return size


def _store_upload(resource: Resource, upload) -> dict:
    """Save an uploaded file through the storage API; returns the fields it set."""
    size = _check_upload(upload)
    digest = getattr(upload, "sha256", None)
    if not digest:
        hasher = hashlib.sha256()
        for chunk in upload.chunks():
            hasher.update(chunk)
        digest = hasher.hexdigest()
        upload.seek(0)
    filename = safe_filename(getattr(upload, "name", "") or "file")
    old_name = resource.file.name if resource.file else None
    resource.file.save(filename, upload, save=False)
    if old_name and old_name != resource.file.name:
        storage = resource.file.storage
        transaction.on_commit(lambda: storage.delete(old_name))
    fmt, media = format_of(filename, resource.format if resource.format else "")
    return {"kind": Resource.Kind.UPLOAD, "filename": filename, "size": size, "sha256": digest,
            "format": resource.format or fmt, "media_type": media, "url": ""}


def add_resource(dataset: Dataset, *, actor, data: dict, upload=None, id: uuid.UUID | None = None) -> Resource:
    """Add a file (``upload``) or a link (``data['url']``) to a dataset, at the end.

    ``id`` keeps an identifier given elsewhere (an importer keeping another portal's ids).
    """
    permissions.require(actor, "dataset.update", dataset)
    cleaned = clean_resource(data, has_file=upload is not None)
    with transaction.atomic():
        dataset = _lock_for_new_resource(dataset)
        [resource], last = _insert_resources(dataset, [(cleaned, id, upload)], actor=actor)
        Dataset.objects.filter(pk=dataset.pk).update(modified=timezone.now())
        _index_added(dataset, [resource], last=last)
    transaction.on_commit(lambda: signals.resource_changed.send(Resource, resource=resource, actor=actor))
    return resource


def add_links(dataset: Dataset, *, actor, links: list[tuple[dict, uuid.UUID | None]]) -> list[Resource]:
    """Add several links at once: ``add_resource`` for each ``(data, id)`` of ``links``, in order,
    with one lock, one insert and one index update for them all (for importers and harvesters).

    Each link is checked first; one invalid link adds none. Each gets its activity entry and
    its ``resource_changed`` signal, as with ``add_resource``.
    """
    permissions.require(actor, "dataset.update", dataset)
    cleaned_links = [(clean_resource(data), id, None) for data, id in links]
    if not cleaned_links:
        return []
    with transaction.atomic():
        dataset = _lock_for_new_resource(dataset)
        resources, last = _insert_resources(dataset, cleaned_links, actor=actor)
        Dataset.objects.filter(pk=dataset.pk).update(modified=timezone.now())
        _index_added(dataset, resources, last=last)
    for resource in resources:
        transaction.on_commit(lambda resource=resource: signals.resource_changed.send(Resource, resource=resource, actor=actor))
    return resources


def _insert_resources(dataset: Dataset, items: list[tuple[dict, uuid.UUID | None, Any]], *, actor,
                      source: str = "") -> tuple[list[Resource], bool]:
    """Write new resources of ``dataset`` (read by ``_lock_for_new_resource``), each from its
    ``(cleaned, id, upload)`` in order, with their history; a resource without ``position``
    goes after all the others. Returns them, and whether each comes after all those before it."""
    highest = dataset.last_position
    resources = []
    last = True
    for cleaned, id, upload in items:
        cleaned = dict(cleaned)
        position = cleaned.pop("position", None)
        if position is None:
            position = 0 if highest is None else highest + 1
        last = last and (highest is None or position > highest)
        highest = position if highest is None else max(highest, position)
        resource = Resource(dataset=dataset, position=position, **cleaned)
        if id is not None:
            resource.id = id
        if upload is not None:
            for field, value in _store_upload(resource, upload).items():
                setattr(resource, field, value)
        else:
            _as_link(resource)
        resources.append(resource)
    entries = [_activity("catalog.resource.created", actor=actor, obj=resource, dataset=dataset,
                         organisation=dataset.organisation, changes=_sourced(_created_changes(resource), source))
               for resource in resources]
    if len(resources) == 1:
        resources[0].save(force_insert=True)
        entries[0].save(force_insert=True)
    else:
        Resource.objects.bulk_create(resources)
        activity.record_activities(entries)
    dataset.last_position = highest
    return resources, last


def _index_added(dataset: Dataset, resources: list[Resource], *, last: bool) -> None:
    """Index ``resources``, just added to ``dataset`` (read by ``_lock_for_new_resource``):
    added to its entry when they come after all its others (``last``), else by indexing it
    again."""
    if last:
        search.index_new_resources(dataset, resources, revision=dataset.revision)
    else:
        search.index_dataset(dataset)


def _lock_for_new_resource(dataset: Dataset) -> Dataset:
    """The dataset, locked (not its organisation), with its organisation for the activity and
    ``last_position`` (None without resources), in one query whatever its resources; its
    ``revision``, read under the lock, is the one the index entry is checked against
    (``search.index_new_resources``)."""
    last = Resource.objects.filter(dataset=OuterRef("pk")).order_by("-position").values("position")[:1]
    return (Dataset.objects.select_for_update(of=("self",)).select_related("organisation")
            .annotate(last_position=Subquery(last)).get(pk=dataset.pk))


def _as_link(resource: Resource) -> None:
    """Make ``resource`` a link to its ``url``: file name and format from the URL's path."""
    resource.kind = Resource.Kind.URL
    path = resource.url.split("?")[0].rstrip("/")
    resource.filename = safe_filename(path.rsplit("/", 1)[-1]) if "/" in path else ""
    fmt, media = format_of(resource.filename, resource.format)
    resource.format, resource.media_type = fmt if resource.format or "." in resource.filename else "", media


def _created_changes(resource: Resource) -> dict:
    return {k: (None, getattr(resource, k)) for k in ("title_fr", "title_en", "url", "filename", "format", "size", "sha256")
            if getattr(resource, k)}


def _change_resource(resource: Resource, dataset: Dataset, *, actor, cleaned: dict, upload=None,
                     source: str = "") -> tuple[dict, bool]:
    """Write the changes of ``cleaned`` (and ``upload``) to ``resource`` (locked) and its
    history; returns them, and whether its content (file or link) changed."""
    changes = _apply(resource, cleaned, ("title_fr", "title_en", "description_fr", "description_en", "format", "position", "extras"))
    content_changed = False
    if upload is not None:
        before = {k: getattr(resource, k) for k in ("filename", "size", "sha256", "url")}
        for field, value in _store_upload(resource, upload).items():
            setattr(resource, field, value)
        changes.update({k: (before[k], getattr(resource, k)) for k in before if before[k] != getattr(resource, k)})
        content_changed = True
    elif cleaned.get("url") and cleaned["url"] != resource.url:
        changes["url"] = (resource.url, cleaned["url"])
        if resource.file:
            storage, old_name = resource.file.storage, resource.file.name
            transaction.on_commit(lambda: storage.delete(old_name))
        resource.kind, resource.url, resource.file = Resource.Kind.URL, cleaned["url"], None
        resource.size, resource.sha256 = None, ""
        content_changed = True
    if changes:
        resource.save()
        record_activity("catalog.resource.updated", actor=actor, obj=resource, dataset=dataset,
                        organisation=dataset.organisation, changes=_sourced(changes, source))
    return changes, content_changed


def update_resource(resource: Resource, *, actor, data: dict, upload=None) -> Resource:
    """Change a resource's metadata, replace its file, or turn it into a link."""
    dataset = resource.dataset
    permissions.require(actor, "dataset.update", dataset)
    cleaned = clean_resource(data, partial=True, has_file=upload is not None)
    with transaction.atomic():
        resource = Resource.objects.select_for_update().get(pk=resource.pk)
        changes, content_changed = _change_resource(resource, dataset, actor=actor, cleaned=cleaned, upload=upload)
        if changes:
            Dataset.objects.filter(pk=dataset.pk).update(modified=timezone.now())
            search.index_dataset(dataset)
    if content_changed:
        transaction.on_commit(lambda: signals.resource_changed.send(Resource, resource=resource, actor=actor))
    return resource


def _remove_resource(resource: Resource, dataset: Dataset, *, actor, source: str = "") -> None:
    """Delete ``resource`` and its file (after the commit), with its history entry."""
    record_activity("catalog.resource.deleted", actor=actor, obj=resource, dataset=dataset, organisation=dataset.organisation,
                    changes=_sourced({"filename": (resource.filename or resource.url, None)}, source))
    if resource.file:
        storage, name = resource.file.storage, resource.file.name
        transaction.on_commit(lambda: storage.delete(name))
    resource.delete()


def delete_resource(resource: Resource, *, actor) -> None:
    dataset = resource.dataset
    permissions.require(actor, "dataset.update", dataset)
    resource_id = resource.pk
    with transaction.atomic():
        _remove_resource(resource, dataset, actor=actor)
        Dataset.objects.filter(pk=dataset.pk).update(modified=timezone.now())
        search.index_dataset(dataset)
    transaction.on_commit(lambda: signals.resource_deleted.send(Resource, dataset=dataset, resource_id=resource_id, actor=actor))


def reorder_resources(dataset: Dataset, *, actor, order: list[str]) -> None:
    """Put the dataset's resources in the order of ``order`` (all of its resource ids)."""
    permissions.require(actor, "dataset.update", dataset)
    with transaction.atomic():
        resources = {str(r.pk): r for r in Resource.objects.select_for_update().filter(dataset=dataset)}
        wanted = [str(i) for i in order]
        if sorted(wanted) != sorted(resources):
            raise ValidationFailed(fields={"order": [_("List every resource of the dataset exactly once.")]})
        before = [str(r.pk) for r in sorted(resources.values(), key=lambda r: (r.position, r.created))]
        if before == wanted:
            return
        for position, rid in enumerate(wanted):
            resources[rid].position = position
        Resource.objects.bulk_update(resources.values(), ["position"])
        Dataset.objects.filter(pk=dataset.pk).update(modified=timezone.now())
        record_activity("catalog.resource.reordered", actor=actor, obj=dataset, dataset=dataset, organisation=dataset.organisation,
                        changes={"order": (before, wanted)})


# The write path of whole datasets, made of the steps above.
from .sync import DatasetSpec, ResourceSpec, SyncResult, sync_dataset  # noqa: E402, F401
