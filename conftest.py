"""Test set-up shared by every app's tests (settings: ``ouvert.settings_test``).

The test helpers are in ``tests/support`` (this file's directory is on ``sys.path`` while
pytest runs, so they import as ``tests.support``)."""

import pytest


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the default language: a request under /en/ must not leak into the next test."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _forget_term_numbers():
    """Each test starts without the term numbers a process remembers once they are committed:
    a test that runs its commit callbacks inside a transaction it then rolls back
    (``django_capture_on_commit_callbacks(execute=True)``) would leave numbers that no longer
    exist, a state no real commit can produce."""
    from ouvert.catalog.search import postings

    postings.forget_terms()


def _is_transactional(request) -> bool:
    marker = request.node.get_closest_marker("django_db")
    return bool(
        {"transactional_db", "live_server"} & set(request.fixturenames)
        or (marker and marker.kwargs.get("transaction"))
    )


@pytest.fixture(autouse=True)
def _reference_data(request):
    """Transactional tests start with what the migrations load (the licence register).

    The flush that ends a transactional test empties every table, and re-creates only content
    types and permissions; a test that follows it would otherwise find no licences. Restoring
    them here, rather than through ``serialized_rollback``, works in any test order (serialized
    content types clash with the ones such a flush re-creates)."""
    if not _is_transactional(request):
        yield
        return
    import importlib

    from django.apps import apps

    request.getfixturevalue("transactional_db")
    importlib.import_module("ouvert.catalog.migrations.0002_licences").load(apps, None)
    yield


@pytest.fixture(scope="session")
def migrated_sqlite_file(tmp_path_factory, django_db_blocker):
    """A migrated SQLite file that tests copy when threads or worker processes must share a
    database (the in-memory test database cannot be shared); migrating is the slow part, once."""
    from django.core.management import call_command
    from django.db import connections

    from ouvert import settings as ouvert_settings
    from tests.support.databases import database_wrapper

    path = tmp_path_factory.mktemp("shared-db") / "template.sqlite3"
    with django_db_blocker.unblock():
        original = connections["default"]
        connections["default"] = template = database_wrapper(ouvert_settings._database(f"sqlite:///{path}"))
        try:
            call_command("migrate", verbosity=0, interactive=False)
        finally:
            template.close()
            connections["default"] = original
    return path
