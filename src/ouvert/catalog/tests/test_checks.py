"""The system check that the dataset revision triggers exist (``ouvert.catalog.checks``)."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.db import connection

from ouvert.catalog import revisions
from ouvert.catalog.checks import check_revision_triggers, expected_triggers

pytestmark = pytest.mark.django_db


def test_a_migrated_database_has_every_trigger():
    expected = expected_triggers(connection.vendor)
    names = {name for name, _table in expected}
    assert {"catalog_dataset_revision", "catalog_resource_revision_insert",
            "datastore_datatable_revision_delete"} <= names
    assert len(set(expected)) == len(expected) >= 17  # 14 on the catalog's tables, 3 on the datastore's
    assert check_revision_triggers(databases=["default"]) == []
    call_command("check", "--database", "default")
    assert check_revision_triggers(databases=None) == []  # no database asked for, none checked


@pytest.mark.parametrize("trigger", ["catalog_resource_revision_update", "datastore_datatable_revision_insert",
                                     "catalog_dataset_revision"])
def test_a_missing_trigger_is_reported_by_name(trigger):
    table = dict(expected_triggers(connection.vendor))[trigger]
    statements = revisions.catalog_statements(connection.vendor) + revisions.datastore_statements(connection.vendor)
    create = next(s for s in statements if s.startswith(f"CREATE TRIGGER {trigger} "))
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TRIGGER {trigger}" + (f" ON {table}" if connection.vendor == "postgresql" else ""))
    try:
        errors = check_revision_triggers(databases=["default"])
        assert [error.id for error in errors] == ["catalog.E001"]
        assert f"The trigger {trigger} on {table} is missing" in errors[0].msg
        with pytest.raises(SystemCheckError, match=trigger):
            call_command("check", "--database", "default")
        with pytest.raises(SystemCheckError, match=trigger):  # after its migrations
            call_command("bootstrap", "--no-demo", stdout=io.StringIO())
    finally:
        with connection.cursor() as cursor:
            cursor.execute(create)  # on PostgreSQL, its function is still there
    assert check_revision_triggers(databases=["default"]) == []
