"""How a table version's Parquet file keeps ``_id``: shared by what writes and what reads it.

Ingestion stores the source's columns only, in the source's row order: ``_id`` is the row's
position in the file plus one, which DuckDB reads as ``file_row_number`` at no cost, instead
of a column numbered while writing (``row_number() OVER ()`` runs on a single thread). A file
stores ``_id`` when it came from an older version, from the push API (``datastore_create``,
``datastore_upsert``, ``datastore_delete``: deletes leave gaps), or when one of its columns
takes the name of the position's column, which DuckDB could not tell from the position.

No dependencies: the ingestion workers and the query engine both import it.
"""

from __future__ import annotations

from collections.abc import Iterable

#: DuckDB's column of row positions in a Parquet file (``read_parquet(..., file_row_number =
#: true)``), 0-based.
ROW_NUMBER = "file_row_number"


def positional_ids(columns: Iterable[str]) -> bool:
    """Whether a Parquet file with these columns leaves ``_id`` to the row's position: it
    stores no ``_id``, and no column of its own takes the name of the position's column."""
    columns = list(columns)
    return "_id" not in columns and all(c.lower() != ROW_NUMBER for c in columns)
