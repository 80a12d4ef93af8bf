"""Automatic moderation checks: what holds content for review before it appears.

``run()`` returns findings, each naming the participation rule at stake, the check that found
it and a detail for moderators (the kind of information, never the information itself).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from . import language, personal, spam


@dataclass(frozen=True)
class Finding:
    rule: str
    check: str
    detail: str

    def as_dict(self) -> dict:
        return asdict(self)


def run(text: str, *, recent_texts=(), recent_count: int = 0) -> list[Finding]:
    findings = [Finding("personal_information", "personal", kind) for kind in sorted(personal.kinds(text))]
    findings += [Finding("spam", "spam", signal)
                 for signal in spam.signals(text, recent_texts=recent_texts, recent_count=recent_count)]
    detection = language.detect(text)
    if not detection.accepted:
        findings.append(Finding("language", "language", detection.language))
    return findings
