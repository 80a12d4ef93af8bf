"""System checks of the catalog's database (tagged ``database``: run by ``ouvert check
--database default``, ``ouvert bootstrap`` and ``ouvert serve``).

The dataset revisions (``revisions``) are kept by triggers, which nothing else recreates: on
SQLite, a migration that rebuilds one of their tables (``AlterField`` and the like) drops them
silently, and package dicts and search entries would then go on being served after they changed.
"""

from __future__ import annotations

import re

from django.apps import apps
from django.core import checks
from django.db import connections
from django.db.migrations.loader import MigrationLoader

from . import revisions

_TRIGGER = re.compile(r"CREATE TRIGGER (\w+) .* ON (\w+)")
#: Apps whose migrations create the triggers checked here.
APPS = ("catalog", "datastore")


def expected_triggers(vendor: str) -> list[tuple[str, str]]:
    """``(trigger, table)`` of every revision trigger the migrations create on ``vendor``."""
    statements = revisions.catalog_statements(vendor)
    if apps.is_installed("ouvert.datastore"):
        statements += revisions.datastore_statements(vendor)
    return [match.groups() for statement in statements if (match := _TRIGGER.match(statement))]


def existing_triggers(connection) -> set[tuple[str, str]]:
    """``(trigger, table)`` of the triggers in the database."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT name, tbl_name FROM sqlite_master WHERE type = 'trigger'")
        else:
            cursor.execute("SELECT t.tgname, c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                           "WHERE NOT t.tgisinternal AND pg_catalog.pg_table_is_visible(c.oid)")
        return {(name, table) for name, table in cursor.fetchall()}


def _migrated(connection) -> bool:
    """Whether every migration of ``APPS`` is applied: before that (``migrate`` runs the checks
    first), the triggers may not exist yet, or a migration still to come creates them again."""
    loader = MigrationLoader(connection, ignore_no_migrations=True)
    leaves = [node for node in loader.graph.leaf_nodes() if node[0] in APPS]
    return bool(leaves) and all(node in loader.applied_migrations for node in leaves)


@checks.register(checks.Tags.database)
def check_revision_triggers(app_configs=None, databases=None, **kwargs) -> list[checks.CheckMessage]:
    """An error for each revision trigger missing from the databases checked."""
    if app_configs is not None and not any(config.label in APPS for config in app_configs):
        return []
    errors: list[checks.CheckMessage] = []
    for alias in databases or ():
        connection = connections[alias]
        if connection.vendor not in ("sqlite", "postgresql") or not _migrated(connection):
            continue
        existing = existing_triggers(connection)
        for name, table in expected_triggers(connection.vendor):
            if (name, table) not in existing:
                errors.append(checks.Error(
                    f"The trigger {name} on {table} is missing from the database “{alias}”: dataset "
                    f"revisions no longer follow the changes to {table}, so package dicts and search "
                    f"entries may be served after they changed.",
                    hint="A migration that rebuilt the table must create its triggers again, with the "
                         "statements of ouvert.catalog.revisions (catalog_statements, datastore_statements).",
                    id="catalog.E001"))
    return errors
