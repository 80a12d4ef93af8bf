"""Options, result and quality report of an ingestion."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

#: Types a publisher may force on a column (Frictionless Table Schema names).
FIELD_TYPES = ("integer", "number", "boolean", "date", "datetime", "string")


@dataclass
class IngestOptions:
    """Publisher overrides and safety limits.

    ``header_row`` is the 1-based row of the header in the source file, 0 when the file has
    no header (columns are then named ``column_1``...), None to detect it.
    ``column_types`` maps a column name (as in the header) to one of :data:`FIELD_TYPES`;
    a forced type never falls back to text: values that do not fit become empty and are
    reported row by row.
    """

    encoding: str | None = None
    delimiter: str | None = None
    header_row: int | None = None
    column_types: dict[str, str] = field(default_factory=dict)
    sheet: str | int | None = None
    max_bytes: int = 5 * 1024**3
    max_columns: int = 10_000
    max_line_length: int = 2 * 1024**2
    max_uncompressed_bytes: int = 2 * 1024**3
    max_compression_ratio: int = 200
    max_json_bytes: int = 256 * 1024**2
    max_problems: int = 100
    threads: int | None = None
    memory_limit: str = "1GB"
    temp_dir: str | None = None


@dataclass
class IngestResult:
    rows: int
    columns: list[dict[str, Any]]
    schema: dict[str, Any]
    report: dict[str, Any]
    encoding: str | None
    dialect: dict[str, Any] | None


class Problems:
    """Problems found while reading, with a capped list and exact counts by code."""

    def __init__(self, cap: int = 100):
        self.cap = cap
        self.items: list[dict[str, Any]] = []
        self.counts: Counter[str] = Counter()

    def add(self, code: str, message: str, *, row: int | None = None,
            column: str | None = None) -> None:
        self.counts[code] += 1
        if len(self.items) < self.cap:
            self.items.append({"row": row, "column": column, "code": code, "message": message})

    def add_count(self, code: str, n: int) -> None:
        """Count problems that were already listed elsewhere or are too many to list."""
        self.counts[code] += n

    def as_dict(self) -> dict[str, Any]:
        total = sum(self.counts.values())
        return {"items": self.items, "counts": dict(self.counts), "total": total,
                "truncated": total > len(self.items)}
