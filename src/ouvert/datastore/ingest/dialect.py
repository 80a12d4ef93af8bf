"""Dialect sniffing (delimiter, quoting, line endings), header detection and column naming."""

from __future__ import annotations

import csv
import io
import statistics
from collections import Counter
from dataclasses import dataclass

from .errors import IngestError, _
from .types import is_null, parse_number

DELIMITERS = (",", ";", "\t", "|")
DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}
EXTENSION_DELIMITER = {"tsv": "\t", "tab": "\t", "psv": "|"}
HEADER_SEARCH_ROWS = 50


@dataclass
class Dialect:
    delimiter: str = ","
    quotechar: str = '"'
    lineterminator: str = "\n"
    skipinitialspace: bool = False

    def as_dict(self) -> dict:
        return {"delimiter": self.delimiter, "quote_char": self.quotechar,
                "line_terminator": {"\r\n": "CRLF", "\n": "LF", "\r": "CR"}[self.lineterminator],
                "skip_initial_space": self.skipinitialspace}


def parse_rows(text: str, dialect: Dialect, *, complete: bool) -> list[tuple[int, list[str]]]:
    """Parse sample text into (1-based source line, cells); drop a cut last row if partial."""
    csv.field_size_limit(max(len(text), 131072))  # the caller bounds the sample's size
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=dialect.delimiter,
                        quotechar=dialect.quotechar,
                        skipinitialspace=dialect.skipinitialspace, strict=False)
    rows = []
    line = 1
    try:
        for cells in reader:
            rows.append((line, cells))
            line = reader.line_num + 1
    except csv.Error:
        pass  # a quote opened in the cut tail of the sample
    if not complete and rows:
        rows.pop()
    return rows


def line_terminator(text: str) -> str:
    crlf = text.count("\r\n")
    cr = text.count("\r") - crlf
    lf = text.count("\n") - crlf
    if cr > max(crlf, lf):
        return "\r"
    return "\r\n" if crlf >= lf and crlf else "\n"


def _consistency(text: str, delimiter: str) -> tuple[int, int]:
    rows = parse_rows(text[:65536], Dialect(delimiter), complete=False)[:500]
    widths = Counter(len(cells) for _line, cells in rows if any(c.strip() for c in cells))
    if not widths:
        return 0, 0
    width, count = max(widths.items(), key=lambda item: (item[1], item[0]))
    if width < 2:
        return 0, 1
    return count, width


def sniff(text: str, *, extension: str = "", delimiter: str | None = None) -> Dialect:
    """Choose the delimiter giving the most rows of one consistent width (then the widest)."""
    terminator = line_terminator(text)
    if delimiter is None:
        scores = {d: _consistency(text, d) for d in DELIMITERS}
        preferred = EXTENSION_DELIMITER.get(extension)
        if preferred and scores[preferred][1] >= 2:
            delimiter = preferred
        else:
            delimiter = max(DELIMITERS, key=lambda d: scores[d])
    lines = text.replace("\r", "\n").split("\n")[:200]
    spaced = sum(1 for line in lines if f"{delimiter} " in line)
    quoted_after_space = sum(1 for line in lines if f'{delimiter} "' in line)
    both = sum(1 for line in lines if delimiter in line)
    # "a, b, c" files pad every separator with a space; honouring it lets ', "6,000"' read
    # as one quoted value.
    skip_space = bool(both) and spaced >= 0.8 * both and quoted_after_space > 0
    return Dialect(delimiter, '"', terminator, skip_space)


def _is_data_like(cell: str) -> bool:
    return is_null(cell) or parse_number(cell, ".") is not None or \
        parse_number(cell, ",") is not None


def find_header(rows: list[tuple[int, list[str]]]) -> int | None:
    """Index in ``rows`` of the header row, skipping title rows; None when there is none.

    Title rows ("Budget 2015", a source note, a blank line) fill few cells; the header is the
    first row that fills at least half as many cells as a typical data row. A first row made
    only of numbers and empty markers is data, not a header.
    """
    if not rows:
        return None
    filled = [sum(1 for c in cells if c.strip()) for _line, cells in rows]
    widths = Counter(len(cells) for _line, cells in rows if any(c.strip() for c in cells))
    width = max(widths.items(), key=lambda item: (item[1], item[0]))[0] if widths else 1
    typical_rows = [f for (_line, cells), f in zip(rows, filled, strict=True)
                    if len(cells) == width and f]
    typical = statistics.median(typical_rows) if typical_rows else max(filled)
    need = max(1, min(typical, (typical + 1) // 2))
    for index, count in enumerate(filled[:HEADER_SEARCH_ROWS]):
        cells = rows[index][1]
        # A lone cell narrower than the table is a title, even when the table is narrow.
        if count >= need and (count >= 2 or len(cells) == width):
            if all(_is_data_like(c) for c in cells):
                return None if index == 0 else index
            return index
    return None


def column_names(header: list[str] | None, width: int) -> list[str]:
    """Trimmed header texts; empty ones become column_N, duplicates get _2, _3..."""
    raw = [(header[i] if header and i < len(header) else "") for i in range(width)]
    names: list[str] = []
    seen: set[str] = {"_id"}
    for i, text in enumerate(raw):
        name = " ".join(text.split()) or f"column_{i + 1}"
        candidate, n = name, 1
        while candidate.lower() in seen:
            n += 1
            candidate = f"{name}_{n}"
        seen.add(candidate.lower())
        names.append(candidate)
    return names


def check_width(width: int, max_columns: int) -> None:
    if width > max_columns:
        raise IngestError(
            _("The file has %(n)d columns; at most %(max)d are accepted.")
            % {"n": width, "max": max_columns}, "too_many_columns", row=1)
