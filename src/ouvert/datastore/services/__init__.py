"""The datastore's operations: load resources into table versions, publish them, query them.

Every caller (HTML views, the CKAN-compatible actions, the native API, commands, tasks) goes
through these functions, which take typed arguments (adapters read their requests). Reads
check ``dataset.view`` on the resource's dataset and treat a table the actor may not read as
one that does not exist; writes check ``dataset.update``.

- ``storage``: where table versions' Parquet files live;
- ``ingestion``: loading files into versions, and where a resource's table stands;
- ``reading``: CKAN search and info, SQL, native queries and exports of the served version;
- ``dictionary``: columns' labels, descriptions and type overrides;
- ``pushed``: tables written record by record through the API.
"""

from .dictionary import DICTIONARY_FIELDS, read_dictionary, update_dictionary
from .ingestion import (
    DELIMITERS,
    TABULAR_EXTENSIONS,
    TABULAR_FORMATS,
    TASK_NAME,
    claim_version,
    fail_version,
    is_tabular,
    publish_version,
    queue_ingestion,
    record_progress,
    request_ingestion,
    set_ingestion_options,
    table_status,
)
from .pushed import PUSH_METHODS, delete_records, push_table, upsert_records
from .reading import (
    EXPORT_FORMATS,
    describe_table,
    export_rows,
    query_rows,
    readable_tables,
    run_sql,
    search_rows,
    served_version,
)
from .storage import local_path, remove_table_files, table_dir, version_name

__all__ = [
    "DELIMITERS",
    "DICTIONARY_FIELDS",
    "EXPORT_FORMATS",
    "PUSH_METHODS",
    "TABULAR_EXTENSIONS",
    "TABULAR_FORMATS",
    "TASK_NAME",
    "claim_version",
    "delete_records",
    "describe_table",
    "export_rows",
    "fail_version",
    "is_tabular",
    "local_path",
    "publish_version",
    "push_table",
    "query_rows",
    "queue_ingestion",
    "read_dictionary",
    "readable_tables",
    "record_progress",
    "remove_table_files",
    "request_ingestion",
    "run_sql",
    "search_rows",
    "served_version",
    "set_ingestion_options",
    "table_dir",
    "table_status",
    "update_dictionary",
    "upsert_records",
    "version_name",
]
