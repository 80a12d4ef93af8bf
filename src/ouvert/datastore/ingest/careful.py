"""Second half of the careful path: typed Parquet from a normalized CSV, with type checks.

Policy for values that do not fit the type guessed on the sample: the column falls back to
text, so nothing is lost, and the first offending rows are reported. A type forced by the
publisher is kept: the values that do not fit become empty and are reported row by row.
"""

from __future__ import annotations

import os
from collections.abc import Iterable

from . import convert
from .errors import _
from .model import Problems
from .rows import Normalizer, write_normalized
from .types import ColumnType

TYPE_WORDS = {"integer": "an integer", "number": "a number", "boolean": "a yes/no value",
              "date": "a date", "datetime": "a date and time"}


def normalized_to_parquet(con, norm_path: str, *, names: list[str], types: list[ColumnType],
                          forced: set[str], has_extra: bool, dest: str, problems: Problems,
                          progress=None, estimated_rows: int = 0,
                          base: float = 0.5) -> tuple[int, list[ColumnType]]:
    width = len(names)
    src_names = ["_line", *[f"c{i}" for i in range(width)], "_extra"]
    source = convert.read_csv_sql(norm_path, len(src_names), delimiter=",", skip=0,
                                  new_line=None, max_line_length=2**31 - 1, names=src_names)
    checked = [i for i, t in enumerate(types) if t.type != "string"]
    results = convert.failure_counts(con, source, [(f"c{i}", types[i]) for i in checked])
    types = list(types)
    for index, (total, examples) in zip(checked, results, strict=True):
        if not total:
            continue
        name, ctype = names[index], types[index]
        word = _(TYPE_WORDS[ctype.type])
        if name in forced:
            for line, value in examples:
                problems.add("cast_error", _("“%(value)s” is not %(type)s; the cell is left empty.")
                             % {"value": value[:80], "type": word}, row=line, column=name)
            problems.add_count("cast_error", total - len(examples))
            continue
        rows = ", ".join(str(line) for line, _v in examples[:5])
        problems.add(
            "type_fallback",
            _("%(n)d values of this column are not %(type)s (rows %(rows)s…, e.g. “%(value)s”); "
              "the column is kept as text.")
            % {"n": total, "type": word, "rows": rows, "value": examples[0][1][:80]},
            row=examples[0][0], column=name)
        types[index] = ColumnType("string", guess=f"mixed ({ctype.guess})")
    columns = [(f"c{i}", names[i], types[i]) for i in range(width)]
    if has_extra:
        columns.append(("_extra", "_extra", ColumnType("string", guess="text")))
    select = convert.select_sql(source, columns, checked=False)
    rows = convert.copy_to_parquet(con, select, dest, progress=progress,
                                   estimated_rows=estimated_rows, base=base, span=1 - base)
    return rows, types


def run_careful(con, rows: Iterable[tuple[int, list[str]]], *, names: list[str],
                header_cells: list[str] | None, need: int, types: list[ColumnType],
                forced: set[str], tmpdir: str, dest: str, problems: Problems, delimiter: str,
                max_columns: int, progress=None, estimated_rows: int = 0):
    """Normalize ``rows`` (those after the header) then convert; returns (rows, types, stats)."""
    norm = Normalizer(names=names, header_cells=header_cells, need=need, problems=problems,
                      delimiter=delimiter, max_columns=max_columns)
    norm_path = os.path.join(tmpdir, "normalized.csv")

    def counted(source):
        for n, row in enumerate(norm.feed(source), start=1):
            if progress and n % 100_000 == 0:
                progress(n, min(0.5, 0.5 * n / max(estimated_rows, n)))
            yield row

    write_normalized(norm_path, counted(rows))
    count, final_types = normalized_to_parquet(
        con, norm_path, names=names, types=types, forced=forced, has_extra=norm.has_extra,
        dest=dest, problems=problems, progress=progress, estimated_rows=norm.rows)
    stats = {"blank_lines_removed": norm.blank, "repeated_headers_removed": norm.repeated_headers,
             "ragged_rows": norm.ragged, "footer_rows_removed": norm.footer_removed,
             "extra_column": norm.has_extra}
    os.unlink(norm_path)
    return count, final_types, stats
