"""The entry point: recognise the file, convert it, describe the result."""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from collections.abc import Callable

from . import convert, spreadsheets
from .careful import run_careful
from .errors import IngestError, _
from .model import IngestOptions, IngestResult, Problems
from .text import SAMPLE_ROWS, ingest_text, plan_table
from .types import ColumnType, schema_field, sql_ident, sql_string

TEXT_EXTENSIONS = {"csv", "tsv", "txt", "psv", "tab", "ssv", "dat", ""}
MAGIC = (
    (b"\x89PNG", "a PNG image"), (b"\xff\xd8\xff", "a JPEG image"), (b"GIF8", "a GIF image"),
    (b"%PDF", "a PDF document"), (b"\x1f\x8b", "a gzip archive"), (b"\x7fELF", "a program"),
    (b"MZ", "a Windows program"), (b"Rar!", "a RAR archive"), (b"7z\xbc\xaf", "a 7-Zip archive"),
    (b"BM", None),  # too short a signature alone: checked with NUL bytes below
)
_BILINGUAL = re.compile(r"^\s*([^\W\d_][^/.]{2,})/([^\W\d_][^/.]{2,})\s*$")
_FRENCH_HINT = re.compile(r"[éèêàâçôûîù]|\b(de|des|du|la|le|les|mois|année|nombre|date de)\b",
                          re.IGNORECASE)


def _kind(path: str, extension: str) -> str:
    with open(path, "rb") as fh:
        head = fh.read(4096)
    if not head:
        raise IngestError(_("The file is empty."), "empty")
    for magic, label in MAGIC:
        if label and head.startswith(magic):
            raise IngestError(_("This file is %(kind)s, not a table (CSV, spreadsheet or JSON).")
                              % {"kind": _(label)}, "binary")
    if head.startswith(b"PAR1"):
        return "parquet"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return "xls"
    if head.startswith(b"PK\x03\x04"):
        if b"mimetypeapplication/vnd.oasis.opendocument.spreadsheet" in head:
            return "ods"
        if extension in ("ods",):
            return "ods"
        return "xlsx"
    if extension == "json" or (extension in ("", "txt") and head.lstrip()[:1] == b"["):
        return "json"
    if extension in ("xlsx", "xls", "ods", "parquet"):
        raise IngestError(_("The file is named .%s but its content is not of that format.")
                          % extension, "unsupported_format")
    if extension not in TEXT_EXTENSIONS:
        raise IngestError(_("Files of type .%s cannot be loaded into the datastore.") % extension,
                          "unsupported_format")
    return "text"


def ingest(source_path: str, dest_path: str, *, filename: str | None = None,
           options: IngestOptions | None = None,
           progress: Callable[[int, float], None] | None = None) -> IngestResult:
    """Convert a tabular file into a typed Parquet table at ``dest_path``.

    The Parquet file holds the file's columns, in the source's row order: queries add ``_id``,
    the 1-based row number, from each row's position in it (a column of the position's own
    name, ``file_row_number``, makes the file store ``_id`` first instead).
    It is written to a temporary file and renamed, so a failure never leaves a partial table.
    Raises IngestError with a message that says what is wrong and where.
    """
    options = options or IngestOptions()
    name = filename or os.path.basename(source_path)
    extension = name.rsplit(".", 1)[1].lower() if "." in name else ""
    size = os.path.getsize(source_path)
    if size == 0:
        raise IngestError(_("The file is empty."), "empty")
    if size > options.max_bytes:
        raise IngestError(_("The file is %(mb)d MB; at most %(max)d MB are accepted.")
                          % {"mb": size // 1024**2, "max": options.max_bytes // 1024**2},
                          "too_large")
    kind = _kind(source_path, extension)
    dest_dir = os.path.dirname(os.path.abspath(dest_path))
    tmpdir = tempfile.mkdtemp(prefix=".ingest-", dir=options.temp_dir or dest_dir)
    partial = os.path.join(tmpdir, "out.parquet")
    problems = Problems(options.max_problems)
    con = convert.connect(threads=options.threads, memory_limit=options.memory_limit,
                          temp_dir=os.path.join(tmpdir, "duckdb"))
    try:
        if kind == "text":
            out = ingest_text(source_path, partial, extension=extension, options=options,
                              tmpdir=tmpdir, con=con, problems=problems, progress=progress)
        elif kind == "parquet":
            out = _ingest_parquet(con, source_path, partial)
        else:
            out = _ingest_rows(con, source_path, partial, kind=kind, options=options,
                               tmpdir=tmpdir, problems=problems, progress=progress)
        con.close()
        result = _describe(partial, out, kind, problems)
        os.replace(partial, dest_path)
    finally:
        con.close()
        shutil.rmtree(tmpdir, ignore_errors=True)
    if progress:
        progress(result.rows, 1.0)
    return result


def _ingest_rows(con, path, dest, *, kind, options, tmpdir, problems, progress) -> dict:
    if kind == "json":
        header, rows = spreadsheets.json_rows(path, max_bytes=options.max_json_bytes)
        rows = iter([(-1, header), *rows]) if header else rows
    elif kind == "xls":
        rows = spreadsheets.xls_rows(path, sheet=options.sheet)
    else:
        reader = spreadsheets.xlsx_rows if kind == "xlsx" else spreadsheets.ods_rows
        rows = reader(path, sheet=options.sheet, max_uncompressed=options.max_uncompressed_bytes,
                      max_ratio=options.max_compression_ratio)
    head: list[tuple[int, list[str]]] = []
    for item in rows:
        head.append(item)
        if len(head) >= SAMPLE_ROWS + 60:
            break
    if not head:
        raise IngestError(_("The file has no rows."), "empty")
    if kind == "json":
        # The keys are the header, on a pseudo-row -1 that no source row number can clash with.
        opts = IngestOptions(**{**options.__dict__, "header_row": -1 if header else 0})
        plan = plan_table(head, opts, prefer_comma=False)
        plan.header_line = None
    else:
        plan = plan_table(head, options, prefer_comma=False)

    def remaining():
        yield from head[plan.data_start:]
        yield from rows

    count, types, stats = run_careful(
        con, remaining(), names=plan.names, header_cells=plan.header_cells, need=plan.need,
        types=plan.types, forced=plan.forced, tmpdir=tmpdir, dest=dest, problems=problems,
        delimiter=";", max_columns=options.max_columns, progress=progress)
    names = plan.names + (["_extra"] if stats["extra_column"] else [])
    dialect = {"header_row": plan.header_line, "skipped_title_rows": plan.skipped_title_rows,
               **{k: v for k, v in stats.items() if k != "extra_column"}}
    if options.sheet is not None:
        dialect["sheet"] = options.sheet
    return {"rows": count, "names": names, "types": types,
            "report": {"encoding": None, "dialect": dialect, "path": "careful"},
            "encoding": None, "dialect": dialect}


_DUCK_TO_SCHEMA = {"BIGINT": "integer", "INTEGER": "integer", "SMALLINT": "integer",
                   "TINYINT": "integer", "UBIGINT": "integer", "UINTEGER": "integer",
                   "USMALLINT": "integer", "UTINYINT": "integer", "HUGEINT": "integer",
                   "DOUBLE": "number", "FLOAT": "number", "BOOLEAN": "boolean", "DATE": "date",
                   "TIMESTAMP": "datetime", "TIMESTAMP WITH TIME ZONE": "datetime"}


def _ingest_parquet(con, path: str, dest: str) -> dict:
    from .dialect import column_names

    try:
        described = con.execute(
            f"DESCRIBE SELECT * FROM read_parquet({sql_string(path)})").fetchall()
    except Exception as exc:
        raise IngestError(_("The Parquet file could not be read: %s") % exc, "malformed") from None
    source = [row[0] for row in described]
    names = column_names(source, len(source))
    types = []
    exprs = []
    for src, name, row in zip(source, names, described, strict=True):
        duck = str(row[1]).upper()
        kind = "number" if duck.startswith("DECIMAL") else _DUCK_TO_SCHEMA.get(duck, "string")
        types.append(ColumnType(kind, None, duck.lower()))
        expr = sql_ident(src)
        if kind == "string" and duck != "VARCHAR":
            expr = f"CAST({expr} AS VARCHAR)"
        elif duck.startswith("DECIMAL"):
            expr = f"CAST({expr} AS DOUBLE)"
        exprs.append(f"{expr} AS {sql_ident(name)}")
    count = convert.copy_to_parquet(
        con, f"SELECT {convert.id_sql(names)}{', '.join(exprs)} "
             f"FROM read_parquet({sql_string(path)})", dest)
    return {"rows": count, "names": names, "types": types,
            "report": {"encoding": None, "dialect": None, "path": "parquet"},
            "encoding": None, "dialect": None}


def _labels(name: str) -> dict:
    match = _BILINGUAL.match(name)
    if not match:
        return {}
    first, second = match.group(1).strip(), match.group(2).strip()
    if _FRENCH_HINT.search(first) and not _FRENCH_HINT.search(second):
        return {"fr": first, "en": second}
    return {"en": first, "fr": second}


def _null_counts(path: str) -> dict[str, int]:
    import pyarrow.parquet as pq

    meta = pq.ParquetFile(path).metadata
    counts = {meta.schema.column(i).name: 0 for i in range(meta.num_columns)}
    for g in range(meta.num_row_groups):
        group = meta.row_group(g)
        for i in range(meta.num_columns):
            stats = group.column(i).statistics
            name = meta.schema.column(i).name
            if stats is not None and stats.has_null_count:
                counts[name] += stats.null_count
    return counts


def _describe(path: str, out: dict, kind: str, problems: Problems) -> IngestResult:
    nulls = _null_counts(path)
    columns, fields = [], [{"name": "_id", "type": "integer", "title": "_id"}]
    types = list(out["types"])
    if len(out["names"]) > len(types):
        types.append(ColumnType("string", guess="text"))
    for name, ctype in zip(out["names"], types, strict=True):
        field = schema_field(name, ctype)
        columns.append({"name": name, "type": ctype.type, "source_type_guess": ctype.guess,
                        "format": field.get("format") or field.get("decimalChar"),
                        "labels": _labels(name), "profile": dict(ctype.profile),
                        "null_count": nulls.get(name, 0)})
        fields.append(field)
    schema = {"fields": fields, "primaryKey": ["_id"], "missingValues": [""]}
    report = {**out["report"], "format": kind, "rows": out["rows"],
              "problems": problems.as_dict()}
    return IngestResult(rows=out["rows"], columns=columns, schema=schema, report=report,
                        encoding=out["encoding"], dialect=out["dialect"])
