"""A worker killed in the middle of an ingestion: the previous version stays served, nothing
half-written is referenced, and the next worker loads the new version (a retry).

Real ``ouvert worker`` processes run against a database shared with the test (a migrated
SQLite file, or the PostgreSQL test database) and the test's own files directory.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import duckdb
import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from ouvert.catalog import services as catalog
from ouvert.core.models import Task, TaskStatus
from ouvert.core.tests.test_tasks import processes, shared_db, wait_for  # noqa: F401
from ouvert.datastore import services
from ouvert.datastore.models import DataTable, TableVersion
from tests.support.factories import make_dataset, make_organisation, make_user

ROWS = 1_500_000  # several seconds of loading on a small machine


def worker(db_url: str, tmp_path: Path, *args: str) -> subprocess.Popen:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "ouvert.settings", "OUVERT_DATABASE_URL": db_url,
           "OUVERT_HOME": str(settings.OUVERT_HOME), "OUVERT_TASKS": "database", "PYTHONUNBUFFERED": "1"}
    log = open(tmp_path / f"worker-{time.monotonic_ns()}.log", "w")  # noqa: SIM115 - closed with the process
    return subprocess.Popen([sys.executable, "-m", "ouvert", "worker", "--lease", "2", *args],
                            env=env, stdout=log, stderr=subprocess.STDOUT)


def logs(tmp_path: Path) -> str:
    return "\n".join(p.read_text()[-3000:] for p in sorted(tmp_path.glob("worker-*.log")))


def big_csv(path: Path) -> None:
    duckdb.connect().execute(f"""COPY (SELECT i AS id, 'Organisme ' || (1 + i % 500) AS organisme,
        lpad(CAST(i % 100000 AS VARCHAR), 6, '0') AS code,
        'Réfection de la chaussée rue ' || (i % 9973) AS libelle,
        replace(printf('%.2f', (i * 7919 % 10000000) / 100.0), '.', ',') AS montant,
        strftime(DATE '2010-01-01' + CAST(i % 5000 AS INTEGER), '%d/%m/%Y') AS signature,
        CASE WHEN i % 3 = 0 THEN 'oui' ELSE 'non' END AS actif
        FROM range(1, {ROWS} + 1) t(i)) TO '{path}' (DELIMITER ';', HEADER)""")


def test_a_killed_worker_leaves_the_previous_version_served_and_the_load_is_retried(
        shared_db, tmp_path, processes):  # noqa: F811
    editor = make_user("edith")
    # No licence: earlier transactional tests may have flushed them.
    dataset = make_dataset(make_organisation("alpha", editors=[editor]), "gros", actor=editor, licence="")
    resource = catalog.add_resource(dataset, actor=editor, data={"title_en": "data"},
                                    upload=SimpleUploadedFile("data.csv", b"id;organisme\n1;Organisme 1\n2;Organisme 2\n"))
    first = worker(shared_db, tmp_path)
    processes.append(first)
    wait_for(lambda: TableVersion.objects.filter(resource=resource, number=1, status="ready").exists(),
             what=f"version 1 (worker log: {logs(tmp_path)})")

    big = tmp_path / "big.csv"
    big_csv(big)
    with open(big, "rb") as handle:
        catalog.update_resource(resource, actor=editor, data={},
                                upload=SimpleUploadedFile("data.csv", handle.read()))
    wait_for(lambda: TableVersion.objects.filter(resource=resource, number=2, status="running").exists(),
             what="version 2 to be loading")
    time.sleep(0.3)  # into the load, which takes a second or more
    first.send_signal(signal.SIGKILL)
    first.wait()

    def served():
        version = services.served_version(resource.pk, actor=None)
        assert services.search_rows(resource.pk, actor=None)["total"] == 2
        return version

    assert served().number == 1
    half = TableVersion.objects.get(resource=resource, number=2)
    assert half.status == "running" and half.parquet == ""
    assert DataTable.objects.get(resource=resource).active_version.number == 1
    referenced = set(TableVersion.objects.exclude(parquet="").values_list("parquet", flat=True))
    assert referenced == {services.version_name(resource.pk, 1)}
    task = Task.objects.get(pk=half.task_id)
    assert task.status == TaskStatus.RUNNING  # held by a worker that no longer exists
    wait_for(lambda: timezone.now() > task.lease_expires_at + timedelta(seconds=0.3), timeout=15,
             what="the lease to expire")
    assert served().number == 1
    assert services.table_status(resource, actor=None)["state"] == "running"

    second = worker(shared_db, tmp_path)  # recovers the task, then retries it after its delay
    processes.append(second)
    wait_for(lambda: Task.objects.filter(pk=task.pk, status__in=(TaskStatus.DONE, TaskStatus.FAILED)).exists(),
             timeout=180, what="the retry")
    second.send_signal(signal.SIGTERM)
    assert second.wait(timeout=60) == 0, logs(tmp_path)
    task.refresh_from_db()
    assert (task.status, task.attempts) == (TaskStatus.DONE, 2), logs(tmp_path)
    version = services.served_version(resource.pk, actor=None)
    assert (version.number, version.rows) == (2, ROWS)
    assert services.search_rows(resource.pk, actor=None, filters={"id": ROWS})["records"][0]["organisme"] == \
        f"Organisme {1 + ROWS % 500}"
    assert TableVersion.objects.get(resource=resource, number=1).status == "superseded"
    leftovers = os.listdir(services.local_path(services.table_dir(resource.pk)))
    assert sorted(leftovers) == ["v1.parquet", "v2.parquet"], leftovers  # no scratch left behind
    assert services.table_status(resource, actor=None)["state"] == "ready"


@pytest.mark.django_db
def test_a_load_whose_last_attempt_was_killed_is_reported_failed(django_capture_on_commit_callbacks):
    from ouvert.core.tasks import runner

    editor = make_user("edith")
    dataset = make_dataset(make_organisation("alpha", editors=[editor]), "gros", actor=editor)
    resource = catalog.add_resource(dataset, actor=editor, data={"title_en": "data"},
                                    upload=SimpleUploadedFile("data.csv", b"a\n1\n"))
    version = services.queue_ingestion(resource)
    message = runner.stopped_message(3, 3)
    Task.objects.filter(pk=version.task_id).update(status=TaskStatus.FAILED, error=message, attempts=3)
    TableVersion.objects.filter(pk=version.pk).update(status="running")
    state = services.table_status(resource, actor=None)
    assert state["state"] == "failed" and state["error"] == message and state["pending"] is None
