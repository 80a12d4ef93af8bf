"""Ingestion engine of the datastore: any tabular file becomes a typed Parquet table.

    from ouvert.datastore.ingest import ingest, IngestOptions
    result = ingest("upload.csv", "table.parquet", options=IngestOptions(delimiter=";"))
    result.rows, result.columns, result.schema, result.report

A pure library: no Django models. Formats: CSV, TSV, TXT, PSV, XLSX, XLS, ODS, JSON (an
array of objects) and Parquet.
"""

from .engine import ingest
from .errors import IngestError
from .model import FIELD_TYPES, IngestOptions, IngestResult

__all__ = ["FIELD_TYPES", "IngestError", "IngestOptions", "IngestResult", "ingest"]
