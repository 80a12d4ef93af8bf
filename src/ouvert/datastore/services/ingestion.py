"""Loading resources' files into table versions: what gets loaded, the publisher's requests
and options, the life cycle the background task drives (claim, progress, publish or fail), and
where a resource's table stands."""

from __future__ import annotations

import codecs
from typing import Any
from urllib.parse import urlsplit

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ouvert.accounts import permissions
from ouvert.catalog import services as catalog
from ouvert.catalog.models import Resource
from ouvert.core.errors import ValidationFailed
from ouvert.core.models import Task, TaskStatus

from .. import signals
from ..models import ColumnInfo, DataTable, TableVersion, VersionOrigin, VersionStatus
from .reading import readable_resource
from .storage import delete_files, lock_table, next_version_number

TASK_NAME = "datastore.ingest"
TABULAR_FORMATS = frozenset({"CSV", "TSV", "TXT", "PSV", "XLSX", "XLS", "ODS", "JSON", "PARQUET"})
TABULAR_EXTENSIONS = frozenset({"csv", "tsv", "txt", "psv", "xlsx", "xls", "ods", "json", "parquet"})
DELIMITERS = (",", ";", "\t", "|")


def is_tabular(resource: Resource) -> bool:
    """Whether the datastore loads this resource: by its format, or its file's extension."""
    if (resource.format or "").strip().upper() in TABULAR_FORMATS:
        return True
    name = resource.filename or urlsplit(resource.url or "").path
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    return extension in TABULAR_EXTENSIONS


def _type_overrides(resource) -> dict[str, str]:
    return dict(ColumnInfo.objects.filter(resource=resource).exclude(type_override="")
                .values_list("name", "type_override"))


def _latest_options(resource) -> dict:
    latest = (TableVersion.objects.filter(resource=resource, origin=VersionOrigin.FILE)
              .order_by("-number").values_list("options", flat=True).first())
    return {k: v for k, v in (latest or {}).items() if k in ("encoding", "delimiter", "header_row")}


def queue_ingestion(resource: Resource, *, options: dict | None = None) -> TableVersion:
    """A new queued version of ``resource`` and the task that will load it (no permission
    check: for callers that already made it, such as the catalog's signal)."""
    from ouvert.core.tasks import enqueue

    merged = _latest_options(resource)
    merged.update(options or {})
    with transaction.atomic():
        lock_table(resource)
        version = TableVersion.objects.create(
            resource=resource, number=next_version_number(resource), options=merged,
            source_sha256=resource.sha256 or "")
        # One queued task per resource: it loads the newest queued version when it runs.
        task = enqueue(TASK_NAME, key=str(resource.pk), resource_id=str(resource.pk))
        TableVersion.objects.filter(pk=version.pk).update(task=task)
        version.task = task
    return version


def request_ingestion(resource: Resource, *, actor, options: dict | None = None) -> TableVersion:
    """Load ``resource``'s file (again) into a new table version, in the background.

    ``options`` are publisher overrides (``encoding``, ``delimiter``, ``header_row``); the
    previous ones are kept otherwise. Type overrides come from the data dictionary.
    """
    permissions.require(actor, "dataset.update", resource.dataset)
    if not is_tabular(resource):
        raise ValidationFailed(_("This resource is not a table the datastore can load."),
                               fields={"resource_id": [_("Not a tabular format.")]})
    with transaction.atomic():
        version = queue_ingestion(resource, options=options)
        catalog.record_activity("datastore.ingestion.requested", actor=actor, obj=resource,
                                dataset=resource.dataset, organisation=resource.dataset.organisation,
                                changes={"options": (None, version.options)} if options else None)
    return version


def set_ingestion_options(resource: Resource, *, actor, encoding: str | None = None,
                          delimiter: str | None = None, header_row: int | None = None) -> TableVersion:
    """Set the publisher's reading options (None: detect) and load the file again."""
    problems: dict[str, list[str]] = {}
    if encoding:
        try:
            encoding = codecs.lookup(encoding).name
        except LookupError:
            problems["encoding"] = [_("Unknown encoding “%(name)s”.") % {"name": encoding}]
    if delimiter and delimiter not in DELIMITERS:
        problems["delimiter"] = [_("The delimiter must be a comma, a semicolon, a tab or a vertical bar.")]
    if header_row is not None and (not isinstance(header_row, int) or isinstance(header_row, bool)
                                   or header_row < 0):
        problems["header_row"] = [_("The header row is a line number (0: the file has no header).")]
    if problems:
        raise ValidationFailed(_("Some options are not valid."), fields=problems)
    options = {"encoding": encoding or None, "delimiter": delimiter or None, "header_row": header_row}
    return request_ingestion(resource, actor=actor, options=options)


# --- the ingestion's life cycle (called by the task) ---------------------------------------

def claim_version(resource: Resource, *, task_id: int | None) -> TableVersion | None:
    """The version the running task must load: the newest pending one (older pending versions
    are superseded by it), now running."""
    with transaction.atomic():
        lock_table(resource)
        pending = list(TableVersion.objects.select_for_update().filter(
            resource=resource, origin=VersionOrigin.FILE,
            status__in=(VersionStatus.QUEUED, VersionStatus.RUNNING)).order_by("-number"))
        if not pending:
            return None
        version, older = pending[0], pending[1:]
        if older:
            TableVersion.objects.filter(pk__in=[v.pk for v in older]).update(
                status=VersionStatus.SUPERSEDED, finished=timezone.now(),
                error=_("Replaced by version %(number)d.") % {"number": version.number})
        version.status = VersionStatus.RUNNING
        version.task_id = task_id or version.task_id
        version.options = {**version.options, "column_types": _type_overrides(resource)}
        version.save(update_fields=["status", "task", "options"])
    return version


def record_progress(version_id: int, progress: dict) -> None:
    TableVersion.objects.filter(pk=version_id, status=VersionStatus.RUNNING).update(progress=progress)


def publish_version(version: TableVersion, *, name: str, result=None, extra: dict | None = None) -> bool:
    """Serve ``version``, whose complete Parquet file is at storage ``name``: in one
    transaction it becomes ready and active and the previous version is superseded.

    ``result`` is the ingestion's IngestResult (None for tables pushed through the API, which
    give ``extra`` fields instead). Returns False when a newer version was published meanwhile
    (``version`` is then superseded, never served).
    """
    fields: dict[str, Any] = dict(extra or {})
    if result is not None:
        fields.update(rows=result.rows, columns=result.columns, schema=result.schema,
                      report=result.report, encoding=result.encoding or "",
                      dialect=result.dialect)
    now = timezone.now()
    with transaction.atomic():
        table = lock_table(version.resource)
        current = TableVersion.objects.filter(pk=table.active_version_id).first()
        if current is not None and current.number > version.number:
            TableVersion.objects.filter(pk=version.pk).update(
                status=VersionStatus.SUPERSEDED, finished=now, **fields)
            return False
        progress = {"rows": fields.get("rows"), "percent": 100.0}
        TableVersion.objects.filter(pk=version.pk).update(
            status=VersionStatus.READY, parquet=name, finished=now, error="", progress=progress,
            **fields)
        # Older superseded versions lose their files now; the one superseded here keeps its
        # file, which queries that started on it may still be reading.
        stale = list(TableVersion.objects.filter(resource=version.resource,
                                                 status=VersionStatus.SUPERSEDED)
                     .exclude(parquet="").values_list("pk", "parquet"))
        TableVersion.objects.filter(pk__in=[pk for pk, _n in stale]).update(parquet="")
        if current is not None:
            TableVersion.objects.filter(pk=current.pk).update(status=VersionStatus.SUPERSEDED)
        table.active_version_id = version.pk
        table.save(update_fields=["active_version", "modified"])
        # The resource's dicts say datastore_active: their caches key on ``modified``.
        Resource.objects.filter(pk=version.resource_id).update(modified=now)
        names = [n for _pk, n in stale]
        transaction.on_commit(lambda: delete_files(names))
        resource = version.resource
        transaction.on_commit(lambda: signals.table_published.send(
            TableVersion, resource=resource, version=TableVersion.objects.get(pk=version.pk)))
    return True


def fail_version(version: TableVersion, message: str, *, report: dict | None = None) -> None:
    """Record a failed load; the active version, if any, stays served."""
    TableVersion.objects.filter(pk=version.pk, status__in=(VersionStatus.QUEUED, VersionStatus.RUNNING)).update(
        status=VersionStatus.FAILED, error=message, finished=timezone.now(), parquet="",
        report={"error": report} if report else {})
    resource = version.resource
    transaction.on_commit(lambda: signals.ingestion_failed.send(
        TableVersion, resource=resource, version=TableVersion.objects.get(pk=version.pk)))


def table_status(resource: Resource, *, actor) -> dict:
    """Where the resource's table stands: ``state`` (none, queued, running, ready, failed),
    ``progress`` of a load under way, the last ``error``, the ``active_version`` served and
    the ``pending`` one."""
    resource = readable_resource(resource, actor)
    versions = list(TableVersion.objects.filter(resource=resource).select_related("task")
                    .order_by("-number")[:20])
    table = DataTable.objects.filter(resource=resource).first()
    active = next((v for v in versions if table and v.pk == table.active_version_id), None)
    if active is None and table is not None and table.active_version_id:
        active = TableVersion.objects.filter(pk=table.active_version_id).first()
    pending, error = None, ""
    for version in versions:
        if active is not None and version.number <= active.number:
            break
        state, message = _effective(version)
        if state in (VersionStatus.QUEUED, VersionStatus.RUNNING):
            pending = version
            break
        if state == VersionStatus.FAILED:
            error = message
            break
    if pending is not None:
        state = _effective(pending)[0]
    elif error:
        state = "failed"
    elif active is not None:
        state = "ready"
    else:
        state = "none"
    progress = None
    if pending is not None and state == VersionStatus.RUNNING:
        live = dict(pending.progress or {})
        if pending.task is not None and pending.task.status == TaskStatus.RUNNING:
            live.update(pending.task.progress or {})
        progress = {"rows": live.get("rows"), "percent": live.get("percent")}
    return {
        "state": str(state),
        "tabular": is_tabular(resource),
        "progress": progress,
        "error": error,
        "active_version": None if active is None else {
            "number": active.number, "rows": active.rows, "finished": active.finished,
            "origin": active.origin},
        "pending": None if pending is None else {
            "number": pending.number, "status": str(_effective(pending)[0]), "created": pending.created},
    }


def _effective(version: TableVersion) -> tuple[str, str]:
    """A version's status, seeing through a task that ended without updating it (a worker
    killed on the task's last attempt)."""
    if version.is_pending and version.task is not None and version.task.is_finished:
        again = Task.objects.filter(name=TASK_NAME, key=str(version.resource_id),
                                    status__in=(TaskStatus.QUEUED, TaskStatus.RUNNING)).exists()
        if not again:
            return VersionStatus.FAILED, version.task.error or _("The load stopped before it finished.")
    return version.status, version.error

