"""Derive ``cst_equivalents.tsv`` from the Canadian Subject Thesaurus CSV.

    python src/ouvert/catalog/search/data/derive_cst.py CST20200630.csv

The CSV has one relation per line: ``"term","relation","other term"``. Only "French" and "Use"
are kept ("Used For" is the exact reverse of "Use" in this file). Each output line is one
subject: its preferred English name, its French name, then the names it is used for,
tab-separated. A name to be replaced by a combination of subjects ("Use A" and "Use B" both
given) is left out, since neither subject alone is equivalent to it.
"""

from __future__ import annotations

import csv
import sys
from collections import defaultdict
from pathlib import Path

TARGET = Path(__file__).resolve().parent / "cst_equivalents.tsv"


def derive(source: Path, target: Path = TARGET) -> int:
    uses: dict[str, list[str]] = defaultdict(list)
    french: dict[str, list[str]] = defaultdict(list)
    with open(source, encoding="utf-8-sig", newline="") as handle:
        for row in csv.reader(handle):
            if len(row) != 3:
                continue
            term, relation, other = (cell.strip() for cell in row)
            if relation == "Use":
                uses[term].append(other)
            elif relation == "French":
                french[term].append(other)
    groups: dict[str, list[str]] = {term: [term, *names] for term, names in french.items()}
    for term, preferred in uses.items():
        if len(preferred) == 1:
            groups.setdefault(preferred[0], [preferred[0]]).append(term)
    lines = ["\t".join(dict.fromkeys(names)) for _term, names in sorted(groups.items()) if len(names) > 1]
    target.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return len(lines)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    print(f"{derive(Path(sys.argv[1]))} subjects written to {TARGET}")
