"""What an import did: counts per kind and outcome, reasons grouped, broken input lines."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

#: Line numbers kept per reason, to point at examples without listing thousands.
EXAMPLES = 5

KINDS = ("organisation", "dataset", "resource")
OUTCOMES = ("created", "updated", "unchanged", "deleted", "skipped")


@dataclass
class Report:
    records: int = 0
    counts: Counter = field(default_factory=Counter)
    #: (kind, reason) -> number of times; kind "" for notes that skipped nothing.
    reasons: Counter = field(default_factory=Counter)
    examples: dict = field(default_factory=dict)
    broken_lines: list[tuple[int, str]] = field(default_factory=list)
    recovered_lines: list[int] = field(default_factory=list)
    seconds: float = 0.0

    def count(self, kind: str, outcome: str, n: int = 1) -> None:
        self.counts[(kind, outcome)] += n

    def skip(self, kind: str, reason: str, line: int | None = None) -> None:
        self.count(kind, "skipped")
        self._reason(kind, reason, line)

    def note(self, reason: str, line: int | None = None) -> None:
        self._reason("", reason, line)

    def _reason(self, kind: str, reason: str, line: int | None) -> None:
        key = (kind, reason)
        self.reasons[key] += 1
        lines = self.examples.setdefault(key, [])
        if line is not None and len(lines) < EXAMPLES:
            lines.append(line)

    def total(self, kind: str, outcome: str) -> int:
        return self.counts[(kind, outcome)]

    def lines(self) -> list[str]:
        """The report as text lines, for a terminal."""
        out = [_("%(records)d records read in %(seconds).1f s; %(broken)d broken lines.") % {
            "records": self.records, "seconds": self.seconds, "broken": len(self.broken_lines)}]
        labels = {"organisation": _("Organisations"), "dataset": _("Datasets"), "resource": _("Resources")}
        outcome_labels = {"created": _("created"), "updated": _("updated"), "unchanged": _("unchanged"),
                          "deleted": _("deleted"), "skipped": _("skipped")}
        for kind in KINDS:
            parts = [f"{self.total(kind, o):,} {outcome_labels[o]}" for o in OUTCOMES
                     if self.total(kind, o) or o in ("created", "updated", "unchanged", "skipped")]
            out.append(f"{labels[kind]}: {', '.join(parts)}.")
        for title, wanted in ((_("Skipped, and why:"), True), (_("Notes:"), False)):
            items = [(key, n) for key, n in self.reasons.items() if bool(key[0]) is wanted]
            if not items:
                continue
            out.append(title)
            for (kind, reason), n in sorted(items, key=lambda item: (-item[1], item[0])):
                where = ", ".join(str(line) for line in self.examples.get((kind, reason), []))
                what = f" {labels[kind].lower()}" if kind else ""
                suffix = _(" (lines %(lines)s%(more)s)") % {"lines": where, "more": ", …" if n > EXAMPLES else ""} if where else ""
                out.append(f"  {reason}: {n:,}{what}{suffix}")
        if self.broken_lines:
            out.append(_("Broken lines (not imported):"))
            out.extend(_("  line %(line)d: %(error)s") % {"line": line, "error": error} for line, error in self.broken_lines)
        if self.recovered_lines:
            out.append(_("Records recovered from the end of a broken line: lines %(lines)s.") % {
                "lines": ", ".join(map(str, self.recovered_lines))})
        return out
