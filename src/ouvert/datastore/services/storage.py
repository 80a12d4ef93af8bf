"""Where a resource's table versions live, and the row they are numbered and published under.

Tables are Parquet files in the default storage, which must be on the local filesystem:
DuckDB reads them by path (``default_storage.path()``). An object store (S3) would need a
local cache of the active versions in front of it.
"""

from __future__ import annotations

import logging
import os
import shutil

from django.core.files.storage import default_storage
from django.db.models import Max

from ..models import DataTable, TableVersion

logger = logging.getLogger("ouvert.datastore")


def table_dir(resource_id) -> str:
    """The storage-relative directory of a resource's table versions."""
    return f"datastore/{resource_id}"


def version_name(resource_id, number: int) -> str:
    return f"{table_dir(resource_id)}/v{number}.parquet"


def local_path(name: str) -> str:
    """The absolute path of a storage name (the storage must be local; see the module doc)."""
    return default_storage.path(name)


def remove_table_files(resource_id) -> None:
    """Delete every file of a resource's tables (the resource is gone)."""
    shutil.rmtree(local_path(table_dir(resource_id)), ignore_errors=True)


def delete_files(names) -> None:
    for name in names:
        try:
            os.remove(local_path(name))
        except FileNotFoundError:
            pass
        except OSError:
            logger.exception("could not delete %s", name)


def next_version_number(resource) -> int:
    highest = TableVersion.objects.filter(resource=resource).aggregate(m=Max("number"))["m"]
    return (highest or 0) + 1


def lock_table(resource) -> DataTable:
    """The resource's DataTable row, locked for this transaction (versions are numbered and
    published under it, one writer at a time)."""
    DataTable.objects.get_or_create(resource=resource)
    return DataTable.objects.select_for_update().get(resource=resource)
