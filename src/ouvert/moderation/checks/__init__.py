"""Automatic moderation checks: what holds content for review before it appears.

Checks are registered, by this app (personal information, spam, language) and by any domain
that needs one of its own, in its ``AppConfig.ready()``::

    from ouvert.moderation import checks

    @checks.register("links", rule="spam")
    def too_many_links(submission):
        return ["links"] if submission.text.count("http") > 5 else []

A check receives a :class:`Submission` and returns details for moderators (the kind of problem
found, never the information itself); ``run()`` turns them into findings naming the
participation rule at stake, in the order the checks were registered.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class Finding:
    rule: str
    check: str
    detail: str

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Submission:
    """What a check reads: the text, and what is known of its author's recent activity."""

    text: str
    author: Any = None
    channel: str = "web"
    #: The author's texts of the last day, and how many they posted in the last minutes.
    recent_texts: tuple[str, ...] = field(default_factory=tuple)
    recent_count: int = 0


@dataclass(frozen=True)
class Check:
    name: str
    rule: str
    func: Callable[[Submission], Iterable[str]]


_checks: dict[str, Check] = {}


def register(name: str, *, rule: str):
    """Register ``func(submission) -> details`` as the check ``name``, citing ``rule``."""

    def decorator(func):
        known = _checks.get(name)
        if known is not None and known.func is not func:
            raise ValueError(f"moderation check {name!r} is already registered")
        _checks[name] = Check(name, rule, func)
        return func

    return decorator


def unregister(name: str) -> None:
    _checks.pop(name, None)


def registered() -> list[Check]:
    return list(_checks.values())


def run(text: str, *, recent_texts=(), recent_count: int = 0, author=None, channel: str = "web") -> list[Finding]:
    submission = Submission(text=text or "", author=author, channel=channel, recent_texts=tuple(recent_texts),
                            recent_count=recent_count)
    return [Finding(check.rule, check.name, detail) for check in _checks.values() for detail in check.func(submission)]
