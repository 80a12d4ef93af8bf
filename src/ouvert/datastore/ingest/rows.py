"""The careful path: rows read in Python, cleaned by stated rules, written as a plain CSV.

Files the one-pass DuckDB conversion cannot take as they are (ragged rows, repeated header
rows, footnotes, spaces after separators, values that break a sampled type) and every
spreadsheet or JSON file go through here. Each row keeps its source row number in a `_line`
column so every problem found later is reported where the publisher can find it.

Rules, in order, for each row after the header:
- a row with no value in any cell is dropped (counted as a blank line);
- a row equal to the header is dropped (a repeated header, reported);
- a short row is padded with empty cells (reported as ragged);
- a long row loses its trailing empty cells silently; any non-empty extra cells are kept,
  joined by the delimiter, in an `_extra` text column (reported as ragged);
- rows at the very end that fill few cells and are narrower than the table or read like a
  note ("Source: ...", "****" lines) are footnotes: dropped and reported, if nothing but such
  rows follows them.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Iterator

from .errors import IngestError, _
from .model import Problems

FOOTER_BUFFER = 1000
_NOTE = re.compile(r"^\s*(sources?|notes?|nota|remarques?|footnotes?|fu(ss|ß)noten?|quelle|"
                   r"\*|\(?\d{1,2}[).])", re.IGNORECASE)
EXAMPLES = 20


class Normalizer:
    def __init__(self, *, names: list[str], header_cells: list[str] | None, need: int,
                 problems: Problems, delimiter: str = ";", max_columns: int = 10_000):
        self.width = len(names)
        self.names = names
        # A one-column file may legitimately repeat its header word as a value.
        filled = [c for c in header_cells or [] if c.strip()]
        self.header_key = ([c.strip() for c in header_cells[: self.width]]
                           if len(filled) >= 2 else None)
        self.need = need
        self.problems = problems
        self.delimiter = delimiter
        self.max_columns = max_columns
        self.rows = 0
        self.blank = 0
        self.repeated_headers = 0
        self.ragged = 0
        self.footer: list[tuple[int, list[str]]] = []
        self.footer_removed = 0
        self.has_extra = False

    def _footer_like(self, cells: list[str]) -> bool:
        filled = [c for c in cells if c.strip()]
        if not filled:
            return True
        if len(filled) <= 2 and _NOTE.match(filled[0]):
            return True  # "Source: ...", "Note: ...", "(1) ..."
        if len(filled) == 1 and len(cells) < self.width:
            return True
        # Otherwise a row as wide as the table with few cells is sparse data.
        return len(filled) < self.need and len(cells) != self.width

    def _emit(self, line: int, cells: list[str]) -> list[str] | None:
        if not any(c.strip() for c in cells):
            self.blank += 1
            return None
        if self.header_key and len(cells) >= self.width and \
                [c.strip() for c in cells[: self.width]] == self.header_key:
            self.repeated_headers += 1
            self.problems.add("repeated_header", _("The header row is repeated here; the row "
                                                   "was removed."), row=line)
            return None
        extra = ""
        if len(cells) < self.width:
            self.ragged += 1
            self.problems.add(
                "short_row",
                _("This row has %(found)d values where the header has %(expected)d; the missing "
                  "values are left empty.") % {"found": len(cells), "expected": self.width},
                row=line)
            cells = cells + [""] * (self.width - len(cells))
        elif len(cells) > self.width:
            if len(cells) > self.max_columns:
                raise IngestError(
                    _("Row %(row)d has %(n)d values; at most %(max)d columns are accepted.")
                    % {"row": line, "n": len(cells), "max": self.max_columns},
                    "too_many_columns", row=line)
            rest = cells[self.width:]
            cells = cells[: self.width]
            if any(c.strip() for c in rest):
                self.ragged += 1
                self.has_extra = True
                while rest and not rest[-1].strip():
                    rest.pop()
                extra = self.delimiter.join(rest)
                self.problems.add(
                    "long_row",
                    _("This row has %(found)d values where the header has %(expected)d; the "
                      "extra values are kept in the “_extra” column.")
                    % {"found": self.width + len(rest), "expected": self.width}, row=line)
        self.rows += 1
        return [str(line), *cells, extra]

    def feed(self, rows: Iterable[tuple[int, list[str]]]) -> Iterator[list[str]]:
        for line, cells in rows:
            if self._footer_like(cells):
                self.footer.append((line, cells))
                if len(self.footer) < FOOTER_BUFFER:
                    continue
            for held_line, held in self.footer:
                out = self._emit(held_line, held)
                if out is not None:
                    yield out
            self.footer.clear()
            if not self._footer_like(cells):
                out = self._emit(line, cells)
                if out is not None:
                    yield out
        self._finish_footer()

    def _finish_footer(self) -> None:
        notes = [(line, cells) for line, cells in self.footer if any(c.strip() for c in cells)]
        self.blank += len(self.footer) - len(notes)
        if notes:
            self.footer_removed = len(notes)
            first = " ".join(c.strip() for c in notes[0][1] if c.strip())[:80]
            self.problems.add(
                "footer_removed",
                _("%(n)d rows of notes after the table (from row %(row)d: “%(text)s”) were not "
                  "loaded as data.") % {"n": len(notes), "row": notes[0][0], "text": first},
                row=notes[0][0])
        self.footer.clear()


def write_normalized(path: str, rows: Iterable[list[str]]) -> None:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerows(rows)
