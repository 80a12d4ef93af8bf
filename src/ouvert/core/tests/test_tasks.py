"""Background tasks: enqueue on commit, deduplication, the immediate, database and Redis back
ends, the worker (retries, time limits, crashes, shutdown) and a worker killed mid-ingestion."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
import time
import uuid
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import connection, connections, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

import tests.support.tasks  # noqa: F401 - registers the core.testing.* tasks
from ouvert import settings as ouvert_settings
from ouvert.core.management.commands import serve
from ouvert.core.models import PeriodicTask, Task, TaskStatus
from ouvert.core.tasks import cancel, enqueue, get_backend, registry, runner, schedule
from ouvert.core.tasks.backends import DatabaseBackend
from ouvert.core.tasks.context import TaskContext
from ouvert.core.tasks.worker import Worker
from tests.support.databases import database_wrapper

REPOSITORY = Path(tests.support.tasks.__file__).resolve().parents[2]
QUEUED, RUNNING, DONE, FAILED, CANCELLED = (TaskStatus.QUEUED, TaskStatus.RUNNING, TaskStatus.DONE,
                                             TaskStatus.FAILED, TaskStatus.CANCELLED)


@pytest.fixture(autouse=True)
def _only_this_modules_periodic_tasks(monkeypatch):
    """Workers here queue only the periodic tasks these tests register: those of the installed
    apps (the test apps' among them) would add runs the tests do not count on."""
    monkeypatch.setattr(registry, "_periodic", {})


def wait_for(condition, *, timeout: float = 30.0, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


# --- a database shared with other processes ----------------------------------------------

def _url(db: dict) -> str:
    auth = quote(db["USER"] or "", safe="")
    if db.get("PASSWORD"):
        auth += ":" + quote(db["PASSWORD"], safe="")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def shared_db(transactional_db, request, tmp_path, settings):
    """The URL of a database that worker processes share with the test, which uses it too.

    PostgreSQL: pytest-django's test database, committed to (``transactional_db``). SQLite: the
    test database lives in memory, where no other process can see it, so a file database takes
    its place for the test's duration.
    """
    settings.OUVERT_TASKS = "database"
    if connection.vendor != "sqlite":
        yield _url(connection.settings_dict)
        return
    path = tmp_path / "tasks.sqlite3"
    shutil.copy(request.getfixturevalue("migrated_sqlite_file"), path)
    url = f"sqlite:///{path}"
    original, shared = connections["default"], database_wrapper(ouvert_settings._database(url))
    connections["default"] = shared
    try:
        yield url
    finally:
        shared.close()
        connections["default"] = original


def worker_process(db_url: str, tmp_path: Path, *args: str, tasks: str = "database",
                   redis_url: str = "") -> subprocess.Popen:
    """``ouvert worker`` in its own process, with production settings, on ``db_url``."""
    # The repository's root on the path: the worker imports the test tasks from tests.support.
    path = os.pathsep.join(filter(None, [str(REPOSITORY), os.environ.get("PYTHONPATH", "")]))
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "ouvert.settings", "OUVERT_DATABASE_URL": db_url,
           "OUVERT_HOME": str(tmp_path / "home"), "OUVERT_TASKS": tasks, "OUVERT_REDIS_URL": redis_url,
           "PYTHONUNBUFFERED": "1", "PYTHONPATH": path}
    log = open(tmp_path / f"worker-{time.monotonic_ns()}.log", "w")  # noqa: SIM115 - closed with the process
    return subprocess.Popen(
        [sys.executable, "-m", "ouvert", "worker", "--import", "tests.support.tasks", *args],
        env=env, stdout=log, stderr=subprocess.STDOUT)


def logs(tmp_path: Path) -> str:
    return "\n".join(p.read_text() for p in sorted(tmp_path.glob("worker-*.log")))


@pytest.fixture
def processes():
    started: list[subprocess.Popen] = []
    yield started
    for process in started:
        if process.poll() is None:
            process.kill()
            process.wait()


def run_worker(**options) -> int:
    options.setdefault("once", True)
    options.setdefault("lease", 5)
    return Worker(**options).run()


# --- enqueue -----------------------------------------------------------------------------

@pytest.mark.django_db(transaction=True)
def test_enqueue_runs_on_commit_only_and_a_rollback_leaves_nothing():
    with transaction.atomic():
        queued = enqueue("core.testing.echo", value=1)
        assert Task.objects.get(pk=queued.pk).status == QUEUED  # not before the commit
    queued.refresh_from_db()
    assert queued.status == DONE
    assert queued.result == {"value": 1}

    with pytest.raises(RuntimeError), transaction.atomic():
        enqueue("core.testing.echo", value=2)
        raise RuntimeError("the operation fails")
    assert Task.objects.count() == 1


@pytest.mark.django_db
def test_enqueue_with_a_key_returns_the_pending_task(settings):
    settings.OUVERT_TASKS = "database"  # nothing runs: the tasks stay queued
    first = enqueue("core.testing.echo", key="resource:1", value=1)
    again = enqueue(tests.support.tasks.echo, key="resource:1", value=1)
    other = enqueue("core.testing.echo", key="resource:2", value=2)
    unkeyed = [enqueue("core.testing.echo"), enqueue("core.testing.echo")]
    assert again.pk == first.pk
    assert other.pk != first.pk
    assert unkeyed[0].pk != unkeyed[1].pk

    Task.objects.filter(pk=first.pk).update(status=RUNNING)  # started: a new change needs a new run
    assert enqueue("core.testing.echo", key="resource:1").pk not in {first.pk, other.pk}


@pytest.mark.django_db
def test_enqueue_refuses_unknown_tasks_and_arguments_that_are_not_json(settings):
    settings.OUVERT_TASKS = "database"
    with pytest.raises(LookupError, match="not a registered task"):
        enqueue("core.testing.no_such_task")
    with pytest.raises(TypeError):
        enqueue("core.testing.echo", value=object())
    assert not Task.objects.exists()


@pytest.mark.django_db
def test_cancel_only_a_task_that_has_not_started(settings):
    settings.OUVERT_TASKS = "database"
    queued, started = enqueue("core.testing.echo"), enqueue("core.testing.echo")
    Task.objects.filter(pk=started.pk).update(status=RUNNING)
    assert cancel(queued) is True
    assert cancel(started.pk) is False
    assert Task.objects.get(pk=queued.pk).status == CANCELLED


def test_registering_another_function_under_a_taken_name_is_an_error():
    with pytest.raises(ValueError, match="already registered"):
        registry.task(name="core.testing.echo")(lambda context: None)


# --- immediate back end ------------------------------------------------------------------

@pytest.mark.django_db
def test_immediate_back_end_retries_then_records_the_result(django_capture_on_commit_callbacks):
    assert get_backend().name == "immediate"  # the test settings' default
    with django_capture_on_commit_callbacks(execute=True):
        flaky = enqueue("core.testing.flaky", succeed_on=2)
        failing = enqueue("core.testing.fail", message="Le fichier est illisible.")
    flaky.refresh_from_db()
    failing.refresh_from_db()
    assert (flaky.status, flaky.attempts, flaky.result) == (DONE, 2, {"attempt": 2})
    assert (failing.status, failing.attempts) == (FAILED, 2)
    assert failing.error == "RuntimeError: Le fichier est illisible."
    assert failing.finished_at is not None


@pytest.mark.django_db
def test_progress_is_written_at_most_every_half_second(settings):
    settings.OUVERT_TASKS = "database"
    queued = enqueue("core.testing.echo")
    claimed = runner.claim(queued.pk, worker="w", lease=60)
    context = TaskContext(claimed, worker="w")
    with CaptureQueriesContext(connection) as queries:
        for row in range(1, 1001):
            context.report_progress(rows=row, percent=row / 10)
        context.report_progress(message="finishing", force=True)
    updates = [q for q in queries.captured_queries if q["sql"].startswith("UPDATE")]
    assert 1 <= len(updates) <= 4
    claimed.refresh_from_db()
    assert claimed.progress == {"rows": 1000, "percent": 100.0, "message": "finishing"}


# --- database back end and worker --------------------------------------------------------

def test_database_worker_runs_a_task_and_records_progress_and_result(shared_db, tmp_path):
    output = tmp_path / "table.csv"
    queued = enqueue("core.testing.write_slowly", path=str(output), rows=5, delay=0.01)
    assert run_worker() == 1
    queued.refresh_from_db()
    assert queued.status == DONE
    assert queued.result == {"rows": 5}
    assert queued.progress == {"rows": 5, "percent": 100.0}
    assert queued.attempts == 1 and queued.worker
    assert queued.started_at <= queued.finished_at
    assert output.read_text().splitlines() == [f"new {n}" for n in range(1, 6)]


def test_database_worker_retries_a_failure_then_marks_it_failed_with_the_message(shared_db):
    flaky = enqueue("core.testing.flaky", succeed_on=2)
    failing = enqueue("core.testing.fail", message="Column 3 of row 12 is not a date.")
    run_worker()
    flaky.refresh_from_db()
    failing.refresh_from_db()
    assert (flaky.status, flaky.attempts) == (DONE, 2)
    assert (failing.status, failing.attempts) == (FAILED, 2)
    assert failing.error == "RuntimeError: Column 3 of row 12 is not a date."


def test_a_task_past_its_time_limit_is_stopped_and_failed(shared_db):
    slow = enqueue("core.testing.sleep", seconds=30)
    started = time.monotonic()
    run_worker()
    slow.refresh_from_db()
    assert slow.status == FAILED
    assert slow.error == runner.timeout_message(1)
    assert time.monotonic() - started < 10


def test_a_crashing_task_does_not_take_the_worker_down(shared_db):
    crash = enqueue("core.testing.crash")
    after = enqueue("core.testing.echo", value="still here")
    assert run_worker() == 2
    crash.refresh_from_db()
    after.refresh_from_db()
    assert crash.status == FAILED
    assert crash.error == runner.crashed_message(-signal.SIGKILL)
    assert (after.status, after.result) == (DONE, {"value": "still here"})


def test_a_stopping_worker_gives_its_task_back_without_counting_the_attempt(shared_db, tmp_path):
    output = tmp_path / "table.csv"
    output.write_text("previous version\n")
    queued = enqueue("core.testing.write_slowly", path=str(output), rows=200, delay=0.05)
    worker = Worker(lease=5, grace=0)

    def stop_when_started():
        # Watches the file, not the database: the test's database connection is this thread's.
        try:
            wait_for(lambda: any(p.read_text().count("\n") >= 2 for p in tmp_path.glob(".table.csv.*")),
                     what="the task to start")
        finally:
            worker.stop()

    stopper = threading.Thread(target=stop_when_started)
    stopper.start()
    worker.run()
    stopper.join()
    queued.refresh_from_db()
    assert (queued.status, queued.attempts, queued.worker) == (QUEUED, 0, "")
    assert output.read_text() == "previous version\n"


def test_expired_leases_are_retried_or_failed_with_a_message(db):
    now = timezone.now()
    expired = {"status": RUNNING, "worker": "gone:1", "lease_expires_at": now - timedelta(seconds=1)}
    retried = Task.objects.create(name="core.testing.write_slowly", attempts=1, max_attempts=2, **expired)
    exhausted = Task.objects.create(name="core.testing.write_slowly_once", attempts=1, max_attempts=1, **expired)
    alive = Task.objects.create(name="core.testing.echo", attempts=1, status=RUNNING, worker="alive:1",
                                lease_expires_at=now + timedelta(seconds=60))
    assert DatabaseBackend().recover() == 1
    for task in (retried, exhausted, alive):
        task.refresh_from_db()
    assert (retried.status, retried.worker, retried.error) == (QUEUED, "", runner.stopped_message(1, 2))
    assert (exhausted.status, exhausted.error) == (FAILED, runner.stopped_message(1, 1))
    assert alive.status == RUNNING


def test_the_stopped_worker_message_is_stored_in_the_site_language(settings):
    from django.utils import translation

    settings.LANGUAGE_CODE = "en"
    with translation.override("fr"):  # whoever reads it later, it is written once, in English here
        assert "The worker stopped during this task (attempt 2 of 3)" in runner.stopped_message(2, 3)
    settings.LANGUAGE_CODE = "fr"
    with translation.override("fr"):
        expected = translation.gettext("The worker stopped during this task (attempt %(attempt)d of %(max)d).")
    assert runner.stopped_message(2, 3) == expected % {"attempt": 2, "max": 3}


# --- a worker killed in the middle of an ingestion ---------------------------------------

def kill_mid_task_then_restart(db_url, tmp_path, processes, name, *, tasks="database", redis_url=""):
    output = tmp_path / "table.csv"
    output.write_text("previous version\n")
    queued = enqueue(name, path=str(output), rows=40, delay=0.05)
    first = worker_process(db_url, tmp_path, "--lease", "2", tasks=tasks, redis_url=redis_url)
    processes.append(first)
    wait_for(lambda: Task.objects.filter(pk=queued.pk, progress__rows__gte=5).exists(),
             what=f"the task to be half-way (worker log: {logs(tmp_path)})")
    first.send_signal(signal.SIGKILL)
    first.wait()

    assert output.read_text() == "previous version\n"  # readers still see the previous version
    queued.refresh_from_db()
    assert queued.status == RUNNING  # claimed by a worker that no longer exists
    # The orphaned child stops too; once the lease runs out, the next worker takes over.
    wait_for(lambda: timezone.now() > queued.lease_expires_at + timedelta(seconds=0.3), timeout=10,
             what="the lease to expire")
    assert output.read_text() == "previous version\n"

    second = worker_process(db_url, tmp_path, "--once", "--lease", "2", tasks=tasks, redis_url=redis_url)
    processes.append(second)
    assert second.wait(timeout=60) == 0, logs(tmp_path)
    queued.refresh_from_db()
    return queued, output


@pytest.mark.parametrize("name", ["core.testing.write_slowly", "core.testing.write_slowly_once"])
def test_a_killed_worker_leaves_the_previous_version_and_the_task_is_retried_or_failed(
        shared_db, tmp_path, processes, name):
    queued, output = kill_mid_task_then_restart(shared_db, tmp_path, processes, name)
    if queued.max_attempts > 1:
        assert (queued.status, queued.attempts) == (DONE, 2), logs(tmp_path)
        assert output.read_text().splitlines() == [f"new {n}" for n in range(1, 41)]
        assert not list(tmp_path.glob(".table.csv.*")), "temporary file left behind"
    else:
        assert (queued.status, queued.attempts) == (FAILED, 1), logs(tmp_path)
        assert queued.error == runner.stopped_message(1, 1)
        assert output.read_text() == "previous version\n"


# --- ouvert serve starts a worker --------------------------------------------------------

def test_serve_starts_a_worker_only_with_the_database_back_end(settings):
    settings.OUVERT_TASKS = "database"
    command = serve.worker_command()
    assert command[-4:] == ["ouvert", "worker", "--parent-pid", str(os.getpid())]
    assert serve.worker_command(no_worker=True) is None
    settings.OUVERT_TASKS = "immediate"
    assert serve.worker_command() is None
    settings.OUVERT_TASKS = "redis"
    assert serve.worker_command() is None


def test_stopping_the_server_stops_its_worker(shared_db, tmp_path, processes):
    worker = worker_process(shared_db, tmp_path, "--parent-pid", str(os.getpid()))
    processes.append(worker)
    wait_for(lambda: "started" in logs(tmp_path), what="the worker to start")
    started = time.monotonic()
    serve.stop_worker(worker, timeout=20)
    assert worker.returncode == 0, logs(tmp_path)
    assert time.monotonic() - started < 10


def test_a_worker_started_by_serve_leaves_when_serve_is_killed(shared_db, tmp_path, processes):
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "ouvert.settings", "OUVERT_DATABASE_URL": shared_db,
           "OUVERT_HOME": str(tmp_path / "home"), "OUVERT_TASKS": "database"}
    # A shell stands for the server: it starts the worker, then dies without stopping it.
    parent = subprocess.Popen(
        ["sh", "-c", f"{sys.executable} -m ouvert worker --parent-pid $$ >/dev/null 2>&1 & echo $!; sleep 1"],
        env=env, stdout=subprocess.PIPE, text=True)
    processes.append(parent)
    worker_pid = int(parent.stdout.readline())
    parent.wait(timeout=10)

    def gone():
        try:
            os.kill(worker_pid, 0)
        except ProcessLookupError:
            return True
        # Reparented to a process that does not reap it: a zombie has also left.
        return Path(f"/proc/{worker_pid}/stat").exists() and " Z " in Path(f"/proc/{worker_pid}/stat").read_text()

    try:
        wait_for(gone, timeout=15, what="the orphaned worker to stop")
    finally:
        if not gone():
            os.kill(worker_pid, signal.SIGKILL)


@pytest.mark.django_db
def test_a_retry_gives_way_to_a_newer_run_for_the_same_object(settings):
    settings.OUVERT_TASKS = "database"
    older = enqueue("core.testing.flaky", key="resource:7")
    runner.claim(older.pk, worker="w", lease=60)
    newer = enqueue("core.testing.flaky", key="resource:7")
    assert newer.pk != older.pk
    assert runner.fail_attempt(older.pk, worker="w", message="Boom.") is None
    older.refresh_from_db()
    assert older.status == CANCELLED
    assert older.error == f"Boom. {runner.superseded_message(newer.pk)}"


# --- Redis back end ----------------------------------------------------------------------

@pytest.fixture
def redis_url():
    """Redis at OUVERT_TEST_REDIS_URL: skipped when it does not answer, unless required."""
    url = os.environ.get("OUVERT_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    required = os.environ.get("OUVERT_REQUIRE_REDIS") == "1"
    try:
        import redis

        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except Exception as exc:
        message = f"Redis does not answer at {url} (OUVERT_TEST_REDIS_URL): {exc}"
        if required:
            pytest.fail(f"OUVERT_REQUIRE_REDIS=1 but {message}")
        pytest.skip(message)
    return url


@pytest.fixture
def redis_backend(redis_url, shared_db, settings):
    settings.OUVERT_TASKS = "redis"
    settings.OUVERT_REDIS_URL = redis_url
    backend = get_backend()
    assert backend.name == "redis"
    _clear(backend)
    yield backend
    _clear(backend)


def _clear(backend):
    for key in backend.client.scan_iter(f"{backend.namespace}:*"):
        backend.client.delete(key)


def test_redis_dispatches_on_commit_and_a_worker_runs_the_task(redis_backend):
    with transaction.atomic():
        queued = enqueue("core.testing.echo", value="via redis")
        assert redis_backend.client.llen(redis_backend.key("queue", "default")) == 0
    assert redis_backend.client.lrange(redis_backend.key("queue", "default"), 0, -1) == [str(queued.pk)]
    assert run_worker(backend=redis_backend) == 1
    queued.refresh_from_db()
    assert (queued.status, queued.result) == (DONE, {"value": "via redis"})
    assert not [k for k in redis_backend.client.scan_iter(f"{redis_backend.namespace}:processing:*")
                if redis_backend.client.llen(k)]


def test_redis_retries_go_through_the_delayed_set(redis_backend):
    failing = enqueue("core.testing.fail")
    later = enqueue("core.testing.echo", run_after=timezone.now() + timedelta(hours=1))
    assert redis_backend.client.zcard(redis_backend.key("delayed")) == 1
    run_worker(backend=redis_backend)
    failing.refresh_from_db()
    later.refresh_from_db()
    assert (failing.status, failing.attempts) == (FAILED, 2)
    assert later.status == QUEUED  # not due yet


def test_redis_reaper_gives_back_what_a_dead_worker_held(redis_backend):
    lost = enqueue("core.testing.echo", value="lost")  # taken from the queue, never claimed
    stuck = enqueue("core.testing.flaky", succeed_on=1)  # claimed, then the worker died
    client, dead = redis_backend.client, "dead:1:x"
    for _ in range(2):
        client.lmove(redis_backend.key("queue", "default"), redis_backend.key("processing", dead), "RIGHT", "LEFT")
    client.sadd(redis_backend.key("workers"), dead)  # and no lease key: it stopped renewing
    runner.claim(stuck.pk, worker=dead, lease=60)
    Task.objects.filter(pk=stuck.pk).update(lease_expires_at=timezone.now() - timedelta(seconds=1))

    assert run_worker(backend=redis_backend) == 2
    lost.refresh_from_db()
    stuck.refresh_from_db()
    assert (lost.status, lost.result) == (DONE, {"value": "lost"})
    assert (stuck.status, stuck.attempts) == (DONE, 2)
    assert not client.exists(redis_backend.key("processing", dead))


def test_redis_stale_queue_entries_are_dropped(redis_backend):
    queued = enqueue("core.testing.echo")
    cancel(queued)
    assert run_worker(backend=redis_backend) == 0
    assert redis_backend.client.llen(redis_backend.key("queue", "default")) == 0


@pytest.mark.parametrize("name", ["core.testing.write_slowly", "core.testing.write_slowly_once"])
def test_a_killed_redis_worker_leaves_the_previous_version_and_the_task_is_retried_or_failed(
        redis_backend, redis_url, shared_db, tmp_path, processes, name):
    queued, output = kill_mid_task_then_restart(shared_db, tmp_path, processes, name,
                                                tasks="redis", redis_url=redis_url)
    if queued.max_attempts > 1:
        assert (queued.status, queued.attempts) == (DONE, 2), logs(tmp_path)
        assert output.read_text().splitlines()[-1] == "new 40"
    else:
        assert (queued.status, queued.error) == (FAILED, runner.stopped_message(1, 1)), logs(tmp_path)
        assert output.read_text() == "previous version\n"


def test_redis_namespace_is_per_database(redis_url, settings):
    from ouvert.core.tasks.redis_backend import RedisBackend

    backend = RedisBackend(redis_url)
    assert backend.namespace.startswith("ouvert:") and backend.namespace.endswith(":tasks")
    assert RedisBackend(redis_url, namespace=f"test-{uuid.uuid4().hex}").namespace != backend.namespace


# --- periodic tasks ----------------------------------------------------------------------

@pytest.fixture
def every_five_minutes(settings):
    settings.OUVERT_TASKS = "database"
    registry.periodic("core.testing.echo", minutes=5, value="tick")
    yield
    registry.unregister_periodic("core.testing.echo")


def test_a_periodic_task_is_queued_once_per_period(db, every_five_minutes):
    now = timezone.now()
    first = schedule.enqueue_due(now)
    assert [(t.name, t.kwargs) for t in first] == [("core.testing.echo", {"value": "tick"})]
    assert schedule.enqueue_due(now) == []  # already claimed for this period
    assert schedule.enqueue_due(now + timedelta(minutes=4)) == []
    row = PeriodicTask.objects.get(name="core.testing.echo")
    assert row.next_run == now + timedelta(minutes=5) and row.last_run == now
    Task.objects.filter(pk=first[0].pk).update(status=DONE)
    second = schedule.enqueue_due(now + timedelta(minutes=5))
    assert len(second) == 1 and second[0].pk != first[0].pk
    # Periods missed while no worker ran are not made up: one run, then one period later.
    Task.objects.filter(pk=second[0].pk).update(status=DONE)
    assert len(schedule.enqueue_due(now + timedelta(hours=2))) == 1
    assert PeriodicTask.objects.get().next_run == now + timedelta(hours=2, minutes=5)


def test_a_run_still_queued_is_not_doubled(db, every_five_minutes):
    now = timezone.now()
    first = schedule.enqueue_due(now)[0]
    assert schedule.enqueue_due(now + timedelta(minutes=5)) == [first]
    assert Task.objects.filter(name="core.testing.echo").count() == 1


def test_a_claim_made_by_another_worker_meanwhile_wins(db, every_five_minutes, monkeypatch):
    """The worker that read the row before another moved it on queues nothing."""
    now = timezone.now()
    schedule.enqueue_due(now - timedelta(minutes=10))  # the row exists, due now
    stale = PeriodicTask.objects.get()
    PeriodicTask.objects.update(next_run=now + timedelta(minutes=5))  # another worker's claim
    monkeypatch.setattr(schedule, "_row", lambda name, when: stale)
    assert schedule.enqueue_due(now) == []
    assert Task.objects.filter(name="core.testing.echo").count() == 1


def test_periodic_needs_a_positive_period_and_json_arguments():
    with pytest.raises(ValueError):
        registry.periodic("core.testing.echo", minutes=0)
    with pytest.raises(TypeError):
        registry.periodic("core.testing.echo", minutes=1, value=object())
    assert "core.testing.echo" not in [d.name for d in registry.periodic_tasks()]


def test_one_failing_periodic_task_does_not_hold_back_the_others(db, every_five_minutes, monkeypatch):
    registry.periodic("core.testing.fail", minutes=5)
    real = schedule._enqueue_if_due

    def broken(definition, now, enqueue):
        if definition.name == "core.testing.fail":
            raise RuntimeError("broken")
        return real(definition, now, enqueue)

    monkeypatch.setattr(schedule, "_enqueue_if_due", broken)
    try:
        assert [t.name for t in schedule.enqueue_due()] == ["core.testing.echo"]
    finally:
        registry.unregister_periodic("core.testing.fail")


def _two_workers_run_each_period_once(db_url, tmp_path, processes, *, tasks="database", redis_url=""):
    ticks = Task.objects.filter(name="core.testing.tick")
    for _ in range(2):
        processes.append(worker_process(db_url, tmp_path, "--lease", "2", "--import", "ouvert.core.tests.periodic_tasks",
                                        tasks=tasks, redis_url=redis_url))
    wait_for(lambda: ticks.filter(status=DONE).exists(), what=f"a first run (worker log: {logs(tmp_path)})")
    time.sleep(3)  # both workers look for due tasks every second
    assert ticks.count() == 1, logs(tmp_path)
    PeriodicTask.objects.update(next_run=timezone.now())  # the next period is due
    wait_for(lambda: ticks.filter(status=DONE).count() == 2, what=f"a second run (worker log: {logs(tmp_path)})")
    time.sleep(3)
    assert ticks.count() == 2, logs(tmp_path)
    assert PeriodicTask.objects.get(name="core.testing.tick").next_run > timezone.now() + timedelta(seconds=50)


def test_two_database_workers_run_a_periodic_task_once_per_period(shared_db, tmp_path, processes):
    _two_workers_run_each_period_once(shared_db, tmp_path, processes)


def test_two_redis_workers_run_a_periodic_task_once_per_period(redis_backend, redis_url, shared_db, tmp_path,
                                                                processes):
    _two_workers_run_each_period_once(shared_db, tmp_path, processes, tasks="redis", redis_url=redis_url)
