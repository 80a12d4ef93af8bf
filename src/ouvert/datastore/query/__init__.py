"""The datastore's query engine: CKAN-compatible search, native lookups, exports, SQL sandbox.

A pure library over Parquet files: callers pass ``tables``, a mapping of the table names the
actor may read (resource ids) to their Parquet paths, and get plain data back.
"""

from .engine import Column, QueryEngine, TableInfo, default_engine
from .errors import QueryError, SqlError
from .export import CONTENT_TYPES, export_csv, export_json, export_parquet, export_selection
from .native import Aggregate, Lookup, native_search, parse_aggregate, parse_lookups
from .sandbox import check_sql, datastore_search_sql
from .search import DEFAULT_LIMIT, MAX_LIMIT, datastore_info, datastore_search

__all__ = [
    "CONTENT_TYPES",
    "DEFAULT_LIMIT",
    "MAX_LIMIT",
    "Aggregate",
    "Column",
    "Lookup",
    "QueryEngine",
    "QueryError",
    "SqlError",
    "TableInfo",
    "check_sql",
    "datastore_info",
    "datastore_search",
    "datastore_search_sql",
    "default_engine",
    "export_csv",
    "export_json",
    "export_parquet",
    "export_selection",
    "native_search",
    "parse_aggregate",
    "parse_lookups",
]
