"""Delimited text files (CSV, TSV, TXT, PSV): sniff on a sample, convert in one DuckDB pass.

The fast path hands the whole file to DuckDB once, with explicit options and typed
expressions that abort on the first value breaking its sampled type. Anything unusual
(ragged rows, a broken type, spaces after separators, notes under the table) sends the file
down the careful path (rows.py, careful.py), which reads it in Python with exact row numbers.
"""

from __future__ import annotations

import codecs
import csv
import mmap
import os
from dataclasses import dataclass, field

import duckdb

from . import convert, encoding
from .careful import run_careful
from .dialect import (
    Dialect,
    check_width,
    column_names,
    find_header,
    parse_rows,
    sniff,
)
from .errors import IngestError, _
from .model import FIELD_TYPES, IngestOptions, Problems
from .rows import Normalizer
from .types import ColumnType, forced_type, infer_type

SAMPLE_BYTES = 512 * 1024
SAMPLE_ROWS = 3000


@dataclass
class Plan:
    """What the sample told us about a table, shared by text files and spreadsheets."""

    names: list[str]
    types: list[ColumnType]
    forced: set[str]
    header_cells: list[str] | None
    header_line: int | None
    data_start: int  # index in the sample rows of the first row after the header
    need: int
    skipped_title_rows: int
    stats: dict = field(default_factory=dict)


def plan_table(rows: list[tuple[int, list[str]]], options: IngestOptions, *,
               prefer_comma: bool) -> Plan:
    if not any(any(c.strip() for c in cells) for _line, cells in rows):
        raise IngestError(_("The file has no data: every row is empty."), "empty")
    if options.header_row == 0:
        header_index = None
    elif options.header_row:
        matches = [i for i, (line, _c) in enumerate(rows) if line == options.header_row]
        if not matches:
            raise IngestError(_("Row %d, chosen as the header, is not among the first rows of "
                                "the file.") % options.header_row, "bad_option",
                              row=options.header_row)
        header_index = matches[0]
    else:
        header_index = find_header(rows)
    filled = sorted(sum(1 for c in cells if c.strip()) for _l, cells in rows if cells)
    typical = filled[len(filled) // 2] if filled else 1
    if header_index is None:
        first = next(i for i, (_l, cells) in enumerate(rows) if any(c.strip() for c in cells))
        widths = [len(cells) for _l, cells in rows[first:] if cells]
        width = max(set(widths), key=widths.count)
        header_cells, header_line, data_start, skipped = None, None, first, first
    else:
        header_cells = rows[header_index][1]
        width = len(header_cells)
        while width > 1 and not header_cells[width - 1].strip() and all(
                len(cells) < width or not cells[width - 1].strip()
                for _l, cells in rows[header_index + 1:]):
            width -= 1  # a trailing separator after the header names no column
        header_line = rows[header_index][0]
        data_start = header_index + 1
        skipped = sum(1 for _l, cells in rows[:header_index] if any(c.strip() for c in cells))
    check_width(width, options.max_columns)
    names = column_names(header_cells, width)
    need = max(1, min(typical, (typical + 1) // 2))
    unknown = set(options.column_types) - set(names)
    if unknown:
        raise IngestError(_("Unknown column in the chosen types: %s.") % ", ".join(sorted(unknown)),
                          "bad_option", column=sorted(unknown)[0])
    bad = {t for t in options.column_types.values() if t not in FIELD_TYPES}
    if bad:
        raise IngestError(_("Unknown column type: %s.") % ", ".join(sorted(bad)), "bad_option")
    # Rows the careful path would drop (blank, repeated header, notes) must not sway types.
    probe = Normalizer(names=names, header_cells=header_cells, need=need, problems=Problems(0))
    sample = [cells for _l, cells in rows[data_start:data_start + SAMPLE_ROWS]
              if not probe._footer_like(cells) and
              [c.strip() for c in cells[:width]] != probe.header_key]
    types = []
    for i, name in enumerate(names):
        # Distinct values only: the verdict is the same and repeated codes cost nothing.
        values = list(dict.fromkeys(cells[i] if i < len(cells) else "" for cells in sample))
        if name in options.column_types:
            types.append(forced_type(name, options.column_types[name], values, prefer_comma))
        else:
            types.append(infer_type(values, prefer_comma=prefer_comma))
    return Plan(names, types, set(options.column_types), header_cells, header_line, data_start,
                need, skipped)


def _read_head(path: str, start: int, max_line_length: int) -> bytes:
    with open(path, "rb") as fh:
        fh.seek(start)
        head = fh.read(SAMPLE_BYTES)
        while head and b"\n" not in head and b"\r" not in head:
            more = fh.read(SAMPLE_BYTES)
            if not more:
                break
            head += more
            if len(head) > max_line_length:
                raise IngestError(
                    _("Line 1 is longer than %d bytes: the file does not look like a table.")
                    % max_line_length, "line_too_long", row=1)
    return head


def check_line_lengths(path: str, max_line_length: int) -> None:
    """Refuse a file with a line longer than ``max_line_length`` bytes, cheaply.

    DuckDB does not reliably refuse over-long lines (it may drop them silently), so we look
    ourselves: every line at least max_line_length long fully covers one aligned window of
    half that size, and probing each window stops at its first line break (a few bytes in
    for any ordinary file), so the whole check touches a handful of pages per window.
    """
    size = os.path.getsize(path)
    if size <= max_line_length:
        return
    step = max(1, max_line_length // 2)
    with open(path, "rb") as fh, mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as mm:
        for start in range(0, size, step):
            end = min(size, start + step)
            if end - start < step or mm.find(b"\n", start, end) >= 0 or \
                    mm.find(b"\r", start, end) >= 0:
                continue
            before = max(mm.rfind(b"\n", 0, start), mm.rfind(b"\r", 0, start))
            after = [i for i in (mm.find(b"\n", end), mm.find(b"\r", end)) if i >= 0]
            stop = min(after) if after else size
            if stop - before - 1 > max_line_length:
                line = _line_of(mm, before + 1)
                raise IngestError(
                    _("Line %(line)d is longer than %(max)d bytes: the file does not look like a "
                      "table, or a quote is never closed.")
                    % {"line": line, "max": max_line_length}, "line_too_long", row=line)


def _line_of(mm, offset: int) -> int:
    lines, pos, chunk = 1, 0, 16 * 1024 * 1024
    while pos < offset:
        data = mm[pos:min(offset, pos + chunk)]
        lines += data.count(b"\n") + data.count(b"\r") - data.count(b"\r\n")
        pos += chunk
    return lines


def _sample_rows(text: str, dialect: Dialect, complete: bool, plan_limit: int = SAMPLE_ROWS):
    return parse_rows(text, dialect, complete=complete)[: plan_limit + 60]


def _fast_path_ok(rows, plan: Plan, dialect: Dialect, complete: bool) -> bool:
    if dialect.skipinitialspace:
        return False
    width = len(plan.names)
    norm = Normalizer(names=plan.names, header_cells=plan.header_cells, need=plan.need,
                      problems=Problems(0), delimiter=dialect.delimiter)
    body = rows[plan.data_start:]
    for _line, cells in body:
        if cells and len(cells) != width:
            return False
        if norm.header_key and [c.strip() for c in cells] == norm.header_key:
            return False
    if complete and body and norm._footer_like(body[-1][1]) and body[-1][1]:
        return False
    return True


def ingest_text(path: str, dest: str, *, extension: str, options: IngestOptions, tmpdir: str,
                con, problems: Problems, progress=None) -> dict:
    size = os.path.getsize(path)
    head = _read_head(path, 0, options.max_line_length)
    enc = encoding.detect(head, override=options.encoding)
    if b"\x00" in head and not enc.name.startswith(("utf-16", "utf-32")):
        raise IngestError(_("The file contains binary data (NUL bytes): it is not a text table."),
                          "binary")
    work, work_bom = path, enc.bom
    label = enc.name
    codec = "utf-8"  # of ``work``, the file DuckDB reads
    if enc.name != "utf-8":
        label = encoding.reads_as_latin1(path, enc)
        if label:
            codec = "latin-1"
        else:
            work, work_bom = os.path.join(tmpdir, "utf8.csv"), 0
            label = encoding.transcode(path, enc, work, on_chunk=lambda done: progress and
                                       progress(0, 0.2 * done / max(size, 1)))
    text = codecs.getincrementaldecoder(codec)("replace").decode(
        _read_head(work, work_bom, options.max_line_length))
    if encoding.looks_like_mojibake(text):
        if enc.source == "publisher":
            raise IngestError(
                _("Read as %s, the text shows garbled accents (such as “Ã©”): the file is "
                  "probably UTF-8.") % enc.label, "encoding")
        problems.add("mojibake", _("The text contains garbled accents (such as “Ã©”): the file "
                                   "was probably converted twice before it was published."))
    complete = os.path.getsize(work) - work_bom <= SAMPLE_BYTES
    check_line_lengths(work, options.max_line_length)
    dialect = sniff(text, extension=extension, delimiter=options.delimiter)
    rows = _sample_rows(text, dialect, complete)
    if not rows:
        raise IngestError(_("The file is empty."), "empty")
    plan = plan_table(rows, options, prefer_comma=dialect.delimiter in (";", "\t", "|"))
    avg = max(1, len(text.encode()) // max(1, len(rows)))
    estimated = max(1, os.path.getsize(work) // avg)
    report = {
        "encoding": {**enc.as_dict(), "encoding": encoding.NAMES.get(label, label)},
        "dialect": {**dialect.as_dict(), "header_row": plan.header_line,
                    "skipped_title_rows": plan.skipped_title_rows},
    }
    types = plan.types
    rows_written = None
    if _fast_path_ok(rows, plan, dialect, complete):
        data_line = rows[plan.data_start][0] if plan.data_start < len(rows) else (
            rows[-1][0] + 1)
        source = convert.read_csv_sql(
            work, len(plan.names), delimiter=dialect.delimiter, skip=data_line - 1,
            # Only CR-only files need telling: DuckDB reads LF and CRLF by itself, and an
            # explicit "\r\n" or "\n" silently yields no rows when combined with skip.
            new_line="\\r" if dialect.lineterminator == "\r" else None,
            max_line_length=options.max_line_length, encoding=codec)
        select = convert.select_sql(
            source, [(f"c{i}", n, t) for i, (n, t) in enumerate(zip(plan.names, types,
                                                                     strict=True))],
            checked=True, skip_empty=True)
        try:
            rows_written = convert.copy_to_parquet(con, select, dest, progress=progress,
                                                   estimated_rows=estimated, base=0.2 if
                                                   work != path else 0.0)
            report["path"] = "fast"
            blank = sum(1 for _l, cells in rows[plan.data_start:] if not any(
                c.strip() for c in cells))
            report["dialect"].update(blank_lines_removed=blank, repeated_headers_removed=0,
                                     ragged_rows=0, footer_rows_removed=0)
            if all(t.type == "string" for t in types) and plan.header_cells and \
                    _has_repeated_header(con, dest, plan.names, plan.header_cells):
                rows_written = None
        except duckdb.Error as exc:
            failure = convert.classify_error(exc, max_line_length=options.max_line_length)
            if isinstance(failure, IngestError):
                raise failure from None
            if failure.reason == "encoding" and enc.name == "utf-8":
                # Valid UTF-8 at the start only: find the real encoding where it breaks.
                return _retry_legacy(path, dest, extension=extension, options=options,
                                     tmpdir=tmpdir, con=con, problems=problems,
                                     progress=progress)
        if rows_written is None and os.path.exists(dest):
            os.unlink(dest)
    if rows_written is None:
        rows_written, types, stats = run_careful(
            con, _all_rows(work, work_bom, dialect, skip_records=plan.data_start,
                           max_line_length=options.max_line_length, codec=codec),
            names=plan.names, header_cells=plan.header_cells, need=plan.need, types=types,
            forced=plan.forced, tmpdir=tmpdir, dest=dest, problems=problems,
            delimiter=dialect.delimiter, max_columns=options.max_columns, progress=progress,
            estimated_rows=estimated)
        report["path"] = "careful"
        report["dialect"].update({k: v for k, v in stats.items() if k != "extra_column"})
    names = plan.names + (["_extra"] if rows_written is not None and _has_extra(dest) else [])
    return {"rows": rows_written, "names": names, "types": types, "report": report,
            "encoding": report["encoding"]["encoding"], "dialect": report["dialect"]}


def _has_extra(dest: str) -> bool:
    import pyarrow.parquet as pq

    return "_extra" in pq.read_schema(dest).names


def _has_repeated_header(con, dest: str, names: list[str], header: list[str]) -> bool:
    from .types import sql_ident, sql_string

    cond = " AND ".join(f"trim({sql_ident(n)}) = {sql_string(h.strip())}"
                        for n, h in zip(names[:3], header[:3], strict=False) if h.strip())
    if not cond:
        return False
    found = con.execute(f"SELECT count(*) FROM read_parquet({sql_string(dest)}) WHERE {cond}")
    return bool(found.fetchone()[0])


def _retry_legacy(path, dest, *, extension, options, tmpdir, con, problems, progress):
    offset = encoding.first_invalid_utf8(path) or 0
    guess = encoding.detect(encoding.window(path, offset), override=None)
    if guess.name == "utf-8":
        guess = encoding.Encoding("windows-1252", 0, 0.6)
    new_options = IngestOptions(**{**options.__dict__, "encoding": guess.name})
    result = ingest_text(path, dest, extension=extension, options=new_options, tmpdir=tmpdir,
                         con=con, problems=problems, progress=progress)
    result["report"]["encoding"].update(source="detected", confidence=0.7)
    return result


def _all_rows(path: str, bom: int, dialect: Dialect, *, skip_records: int,
              max_line_length: int, codec: str = "utf-8"):
    csv.field_size_limit(max_line_length)
    with open(path, encoding="utf-8-sig" if bom else codec, newline="") as fh:
        reader = csv.reader(fh, delimiter=dialect.delimiter, quotechar=dialect.quotechar,
                            skipinitialspace=dialect.skipinitialspace, strict=False)
        line = 1
        try:
            for index, cells in enumerate(reader):
                if index >= skip_records:
                    yield line, cells
                line = reader.line_num + 1
        except csv.Error as exc:
            message = str(exc)
            if "NUL" in message:
                raise IngestError(_("Line %d contains binary data (NUL bytes).") % line,
                                  "binary", row=line) from None
            if "field larger" in message:
                raise IngestError(_("A value starting on line %(line)d is longer than %(max)d "
                                    "bytes: a quote is probably never closed.")
                                  % {"line": line, "max": max_line_length},
                                  "line_too_long", row=line) from None
            raise IngestError(_("Line %(line)d cannot be read: %(error)s")
                              % {"line": line, "error": message}, "malformed", row=line) from None
