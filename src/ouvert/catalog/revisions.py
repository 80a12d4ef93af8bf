"""A dataset's ``revision``: a number the database raises whenever anything of the catalog that
its package dict and its search entry are made of changes, so that one read of the dataset's
row tells whether a copy made earlier is still current. ``datastore_revision`` does the same
for the datastore tables of its resources, which the package dict shows (``datastore_active``)
and the search entry does not: together they key the package dicts a process keeps
(``ouvert.api.actions.common.package_json``); ``revision`` alone says whether a search entry
can be brought up to date by adding to it (``ouvert.catalog.search.index_new_resources``).

Triggers keep them, whoever writes: the services, a queryset ``update()``, an importer or raw SQL.
- Any update of the dataset's row raises ``revision``, and never lets it go down: a model
  instance read before a change and saved after it writes its old number back, which the
  trigger replaces. (Such a save may write back an older ``datastore_revision`` too; it raises
  ``revision`` at the same time, so the pair never repeats.)
- Rows that belong to a dataset (its resources, tag and theme links, and, for
  ``datastore_revision``, the datastore tables of its resources) raise it when they are added,
  changed or removed.
- Rows that datasets share (themes, tags, organisations and licences) raise the revision of
  every dataset linked to them when they change.

The migrations that add the columns and the triggers (``catalog/0009``, and ``datastore/0003``
for its tables) build them with ``dataset_statements`` and ``statements``. On SQLite, a migration
that rebuilds one of these tables drops its triggers: it must create them again (the tests of
``ouvert.api.tests.test_performance`` change every table and would fail).
"""

from __future__ import annotations

import random
import re

DATASET = "catalog_dataset"
# The columns triggers raise.
REVISION = "revision"
DATASTORE_REVISION = "datastore_revision"


def new_revision() -> int:
    """A new dataset's first revision: random, so that a dataset deleted and made again with
    the same id (an importer keeps other portals' ids) never repeats a revision it had."""
    return random.getrandbits(62)


def _dataset_of(alias: str, column: str, via: tuple[str, str, str] | None) -> str:
    """SQL of the dataset ids of the rows of ``alias``: ``alias.column``, or through ``via``
    ``(table, key, dataset column)`` when the row names a row of ``table`` instead."""
    if via is None:
        return f"SELECT {alias}.{column}"
    table, key, dataset_column = via
    return f"SELECT {dataset_column} FROM {table} WHERE {key} = {alias}.{column}"


def _raise(ids: str, counter: str) -> str:
    return f"UPDATE {DATASET} SET {counter} = {counter} + 1 WHERE id IN ({ids})"


def statements(vendor: str, table: str, column: str, *, via: tuple[str, str, str] | None = None,
               shared_by: tuple[str, str, str] | None = None, counter: str = REVISION) -> list[str]:
    """The SQL creating the triggers that raise datasets' ``counter`` (``REVISION`` or
    ``DATASTORE_REVISION``) on changes to ``table``.

    - ``column`` names the dataset (or, with ``via``, the row of another table that does);
    - with ``shared_by`` ``(table, column, dataset column)``, ``table`` is shared by datasets,
      found in that table where that column names the row: an update of one of its rows
      (``column`` is its key) raises every one of them.
    """
    name = f"{table}_revision"
    if shared_by is not None:
        links, link_column, dataset_column = shared_by
        events = {"UPDATE": [f"SELECT {dataset_column} FROM {links} WHERE {link_column} = NEW.{column}"]}
    else:
        events = {
            "INSERT": [_dataset_of("NEW", column, via)],
            "UPDATE": [_dataset_of("NEW", column, via), _dataset_of("OLD", column, via)],
            "DELETE": [_dataset_of("OLD", column, via)],
        }
    result = []
    for event, sources in events.items():
        body = _raise(" UNION ".join(sources), counter)
        if vendor == "sqlite":
            result.append(f"CREATE TRIGGER {name}_{event.lower()} AFTER {event} ON {table} BEGIN {body}; END")
        elif vendor == "postgresql":
            function = f"{name}_{event.lower()}"
            result.append(f"CREATE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $$ "
                          f"BEGIN {body}; RETURN NULL; END $$")
            result.append(f"CREATE TRIGGER {function} AFTER {event} ON {table} FOR EACH ROW EXECUTE FUNCTION {function}()")
    return result


def dataset_statements(vendor: str, *, datastore_revision: bool = True) -> list[str]:
    """The trigger that raises a dataset's revision on every update of its row, except the
    updates that only raise ``datastore_revision`` (the datastore's triggers), and keeps
    ``datastore_revision`` from going down. Without ``datastore_revision``: the trigger as it
    was before that column (``catalog/0009``)."""
    if vendor == "sqlite":
        # A nested update does not fire the trigger that made it (recursive triggers are off).
        if not datastore_revision:
            return [f"CREATE TRIGGER {DATASET}_revision AFTER UPDATE ON {DATASET} WHEN NEW.revision <= OLD.revision "
                    f"BEGIN UPDATE {DATASET} SET revision = OLD.revision + 1 WHERE id = NEW.id; END"]
        return [f"CREATE TRIGGER {DATASET}_revision AFTER UPDATE ON {DATASET} "
                f"WHEN NEW.revision <= OLD.revision AND NEW.datastore_revision <= OLD.datastore_revision "
                f"BEGIN UPDATE {DATASET} SET revision = OLD.revision + 1, datastore_revision = OLD.datastore_revision "
                f"WHERE id = NEW.id; END"]
    if vendor == "postgresql":
        if not datastore_revision:
            return [f"CREATE FUNCTION {DATASET}_revision() RETURNS trigger LANGUAGE plpgsql AS $$ "
                    f"BEGIN NEW.revision := OLD.revision + 1; RETURN NEW; END $$",
                    f"CREATE TRIGGER {DATASET}_revision BEFORE UPDATE ON {DATASET} "
                    f"FOR EACH ROW EXECUTE FUNCTION {DATASET}_revision()"]
        return [f"CREATE FUNCTION {DATASET}_revision() RETURNS trigger LANGUAGE plpgsql AS $$ "
                f"BEGIN NEW.revision := OLD.revision + 1; NEW.datastore_revision := OLD.datastore_revision; "
                f"RETURN NEW; END $$",
                f"CREATE TRIGGER {DATASET}_revision BEFORE UPDATE ON {DATASET} "
                f"FOR EACH ROW WHEN (NEW.datastore_revision <= OLD.datastore_revision) "
                f"EXECUTE FUNCTION {DATASET}_revision()"]
    return []


def catalog_statements(vendor: str, *, datastore_revision: bool = True) -> list[str]:
    """Every trigger of the catalog's own tables (``datastore_revision``: see
    ``dataset_statements``)."""
    return [
        *dataset_statements(vendor, datastore_revision=datastore_revision),
        *statements(vendor, "catalog_resource", "dataset_id"),
        *statements(vendor, "catalog_dataset_tags", "dataset_id"),
        *statements(vendor, "catalog_dataset_themes", "dataset_id"),
        *statements(vendor, "catalog_theme", "id", shared_by=("catalog_dataset_themes", "theme_id", "dataset_id")),
        *statements(vendor, "catalog_tag", "id", shared_by=("catalog_dataset_tags", "tag_id", "dataset_id")),
        # accounts.Organisation's table, which kept its name when organisations left the catalog.
        *statements(vendor, "catalog_organisation", "id", shared_by=(DATASET, "organisation_id", "id")),
        *statements(vendor, "catalog_licence", "id", shared_by=(DATASET, "licence_id", "id")),
    ]


def datastore_statements(vendor: str, counter: str = DATASTORE_REVISION) -> list[str]:
    """The triggers of the datastore's tables (``counter``: ``REVISION`` before ``datastore/0003``)."""
    return statements(vendor, "datastore_datatable", "resource_id", via=("catalog_resource", "id", "dataset_id"),
                      counter=counter)


def drop_statements(vendor: str, created: list[str]) -> list[str]:
    """The SQL removing what ``created`` (statements made here) creates, to undo a migration."""
    dropped = []
    for statement in reversed(created):
        if match := re.match(r"CREATE TRIGGER (\w+) .* ON (\w+)", statement):
            name, table = match.groups()
            dropped.append(f"DROP TRIGGER IF EXISTS {name}" + (f" ON {table}" if vendor == "postgresql" else ""))
        elif match := re.match(r"CREATE FUNCTION (\w+)", statement):
            dropped.append(f"DROP FUNCTION IF EXISTS {match.group(1)}()")
    return dropped
