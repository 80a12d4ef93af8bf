"""Signals the datastore sends, and its receivers of the catalog's signals (connected in
``apps.py``)."""

from __future__ import annotations

import logging

from django.dispatch import Signal

logger = logging.getLogger("ouvert.datastore")

#: A new table version is served. Arguments: ``resource``, ``version`` (a ready TableVersion).
table_published = Signal()
#: An ingestion failed; the previous version, if any, is still served. Arguments:
#: ``resource``, ``version`` (the failed TableVersion).
ingestion_failed = Signal()


def on_resource_changed(sender, *, resource, actor=None, **kwargs) -> None:
    """A resource was added or its file or link replaced: load it when it is a table."""
    from . import services

    if not services.is_tabular(resource):
        return
    services.queue_ingestion(resource)  # the catalog already checked the actor may change it


def on_resource_deleted(sender, *, resource_id, **kwargs) -> None:
    """The resource's rows are gone (cascade): remove its Parquet files."""
    from . import services

    services.remove_table_files(resource_id)
