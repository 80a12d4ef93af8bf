"""The ingestion task: a resource's file (or link) becomes a new published table version.

The Parquet file is written beside its final name and renamed once complete (``ingest()``
does so); only then is the version published, in one transaction. A worker killed at any
point therefore leaves the previous version served and no half-written table referenced; the
retry writes the same version again from the start.
"""

from __future__ import annotations

import ipaddress
import os
import shutil
import socket
import threading
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from urllib.parse import urlsplit

from django.conf import settings
from django.db import connections
from django.utils.translation import gettext as _

from ouvert.catalog.models import Resource
from ouvert.core.tasks import task

from . import services
from .ingest import IngestError, IngestOptions, ingest

DOWNLOAD_TIMEOUT = 30.0  # seconds without a byte before a download is abandoned
DOWNLOAD_DEADLINE = 900.0  # seconds for a whole download
CHUNK = 1024 * 1024


class FetchError(Exception):
    """A link that cannot be downloaded; ``permanent`` when retrying cannot help."""

    def __init__(self, message: str, *, permanent: bool):
        super().__init__(message)
        self.message = message
        self.permanent = permanent


@task(name=services.TASK_NAME, max_attempts=3, timeout=4 * 3600, retry_delay=5.0)
def ingest_resource(context, *, resource_id: str):
    resource = Resource.objects.select_related("dataset").filter(pk=resource_id).first()
    if resource is None:
        return {"skipped": "the resource was deleted"}
    version = services.claim_version(resource, task_id=context.task_id)
    if version is None:
        return {"skipped": "nothing to load"}
    last_attempt = context.attempt >= context.max_attempts
    try:
        result = _load(context, resource, version)
    except IngestError as exc:
        services.fail_version(version, exc.message, report=exc.as_dict())
        return {"version": version.number, "status": "failed", "error": exc.message}
    except FetchError as exc:
        if exc.permanent or last_attempt:
            services.fail_version(version, exc.message)
            return {"version": version.number, "status": "failed", "error": exc.message}
        raise
    except Exception as exc:
        if last_attempt:
            services.fail_version(version, _("The file could not be loaded: %(error)s")
                                  % {"error": f"{type(exc).__name__}: {exc}"})
        raise
    published = services.publish_version(version, name=services.version_name(resource.pk, version.number),
                                          result=result)
    return {"version": version.number, "status": "ready" if published else "superseded",
            "rows": result.rows}


def _load(context, resource: Resource, version):
    name = services.version_name(resource.pk, version.number)
    final = services.local_path(name)
    os.makedirs(os.path.dirname(final), exist_ok=True)
    # Scratch space of this version only: what an attempt killed earlier left behind is
    # removed without touching another version's load.
    scratch = os.path.join(os.path.dirname(final), f".tmp-v{version.number}")
    shutil.rmtree(scratch, ignore_errors=True)
    os.makedirs(scratch)
    progress = _Progress(context, version.pk)
    try:
        with _source(resource, scratch) as (path, filename):
            options = version.options or {}
            types = dict(options.get("column_types") or {})
            while True:
                try:
                    return ingest(path, final, filename=filename, progress=progress, options=IngestOptions(
                        encoding=options.get("encoding"), delimiter=options.get("delimiter"),
                        header_row=options.get("header_row"), column_types=types, temp_dir=scratch))
                except IngestError as exc:
                    # A type override naming a column the new file no longer has is dropped.
                    if exc.code == "bad_option" and exc.column in types:
                        types.pop(exc.column)
                        continue
                    raise
    finally:
        progress.flush()
        shutil.rmtree(scratch, ignore_errors=True)


class _Progress:
    """Progress reports from the engine, which may come from its polling thread.

    The task's own thread writes them; other threads write only in a worker process, where
    each thread has its own committed connection. (With the immediate back end the task runs
    inside the caller's transaction, which another connection must not wait on.)
    """

    INTERVAL = 1.0

    def __init__(self, context, version_id: int):
        self.context = context
        self.version_id = version_id
        self.owner = threading.get_ident()
        self.threads_may_write = getattr(settings, "OUVERT_TASKS", "") != "immediate"
        self.latest: dict | None = None
        self.last_write = 0.0
        self.lock = threading.Lock()

    def __call__(self, rows: int, fraction: float) -> None:
        with self.lock:
            self.latest = {"rows": int(rows), "percent": round(100.0 * min(max(fraction, 0.0), 1.0), 1)}
        if time.monotonic() - self.last_write >= self.INTERVAL:
            self.flush()

    def flush(self) -> None:
        own_thread = threading.get_ident() == self.owner
        if not own_thread and not self.threads_may_write:
            return
        with self.lock:
            latest, self.latest = self.latest, None
            self.last_write = time.monotonic()
        if latest is None:
            return
        try:
            self.context.report_progress(**latest, force=True)
            services.record_progress(self.version_id, latest)
        finally:
            if not own_thread:
                connections.close_all()  # this thread's connections only


@contextmanager
def _source(resource: Resource, scratch: str):
    """(local path, file name) of the resource's data: the stored upload, or the downloaded link."""
    if resource.kind == Resource.Kind.UPLOAD:
        if not resource.file:
            raise IngestError(_("The resource has no file."), "empty")
        filename = resource.filename or os.path.basename(resource.file.name)
        try:
            path = resource.file.path
        except NotImplementedError:  # a remote storage: work on a local copy
            path = None
        if path is not None:
            yield path, filename
            return
        local = os.path.join(scratch, "source")
        with resource.file.open("rb") as src, open(local, "wb") as out:
            shutil.copyfileobj(src, out, CHUNK)
        yield local, filename
        return
    local = os.path.join(scratch, "download")
    download(resource.url, local, max_bytes=settings.OUVERT_MAX_UPLOAD_SIZE)
    yield local, _link_filename(resource)


def _link_filename(resource: Resource) -> str:
    name = os.path.basename(urlsplit(resource.url).path) or "data"
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if extension not in services.TABULAR_EXTENSIONS and resource.format:
        name = f"{name}.{resource.format.strip().lower()}"
    return name


# --- downloading links ---------------------------------------------------------------------

def check_url(url: str) -> None:
    """Refuse what a loader must not fetch: other schemes than http(s), and addresses of the
    server's own networks (private, link-local, loopback...). Loopback is allowed only when
    ``OUVERT_DATASTORE_FETCH_LOOPBACK`` is set (tests serve files on 127.0.0.1)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise FetchError(_("Only http and https links can be loaded into the datastore."), permanent=True)
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or (443 if parts.scheme == "https" else 80),
                                   type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise FetchError(_("The link's host could not be found: %(error)s") % {"error": exc},
                         permanent=False) from None
    loopback_ok = getattr(settings, "OUVERT_DATASTORE_FETCH_LOOPBACK", False)
    for info in infos:
        address = ipaddress.ip_address(info[4][0].split("%")[0])
        if address.is_loopback and loopback_ok:
            continue
        if (address.is_private or address.is_loopback or address.is_link_local or address.is_multicast
                or address.is_reserved or address.is_unspecified):
            raise FetchError(_("Links to private network addresses cannot be loaded."), permanent=True)


class _CheckedRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        check_url(newurl)
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def download(url: str, dest: str, *, max_bytes: int, timeout: float = DOWNLOAD_TIMEOUT,
             deadline: float = DOWNLOAD_DEADLINE) -> None:
    """Save ``url`` to ``dest``, at most ``max_bytes``; raises FetchError."""
    check_url(url)
    opener = urllib.request.build_opener(_CheckedRedirects)
    request = urllib.request.Request(url, headers={"User-Agent": "Ouvert datastore loader"})
    started = time.monotonic()
    too_large = FetchError(_("The linked file is larger than %(mb)d MB.") % {"mb": max_bytes // 1024**2},
                           permanent=True)
    try:
        with opener.open(request, timeout=timeout) as response:
            length = response.headers.get("Content-Length")
            if length and length.isdigit() and int(length) > max_bytes:
                raise too_large
            size = 0
            with open(dest, "wb") as out:
                while chunk := response.read(CHUNK):
                    size += len(chunk)
                    if size > max_bytes:
                        raise too_large
                    if time.monotonic() - started > deadline:
                        raise FetchError(_("The download took longer than %(s)d s.") % {"s": deadline},
                                         permanent=False)
                    out.write(chunk)
    except urllib.error.HTTPError as exc:
        raise FetchError(_("The link answered with HTTP status %(status)d.") % {"status": exc.code},
                         permanent=exc.code < 500) from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise FetchError(_("The link could not be downloaded: %(error)s") % {"error": reason},
                         permanent=False) from None

