"""A parser for the parts of Solr's query syntax that CKAN clients send in ``fq`` and ``sort``.

Supported filter clauses, separated by spaces (``AND`` between them is accepted):
``field:value``, ``field:"quoted value"``, ``field:(a OR b)``, a leading ``-`` or ``NOT`` to
negate, a leading ``+`` (ignored), ``*:*`` (everything), and ranges on dates
``field:[2020-01-01T00:00:00Z TO *]`` (``{}`` for exclusive bounds, ``NOW``, ``NOW-7DAYS``).
Anything else is a ``SearchQueryError`` that says what and where.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _

from .errors import SearchQueryError

TERM_FIELDS = ("organization", "owner_org", "groups", "tags", "res_format", "license_id", "name", "id",
               "dataset_type", "type")
RANGE_FIELDS = ("metadata_modified", "metadata_created")
SORT_FIELDS = ("score", "metadata_modified", "metadata_created", "name", "id", "title_string")

_SPECIAL = set('()[]{}"')
_NOW = re.compile(r"^NOW(?:([+-])(\d+)(SECOND|MINUTE|HOUR|DAY|WEEK)S?)?(?:/(DAY|HOUR))?$")
_UNITS = {"SECOND": "seconds", "MINUTE": "minutes", "HOUR": "hours", "DAY": "days", "WEEK": "weeks"}


@dataclass(frozen=True)
class Clause:
    field: str
    values: tuple[str, ...] = ()  # any of them matches
    negated: bool = False
    low: dt.datetime | None = None  # ranges only; None is an open bound
    high: dt.datetime | None = None
    include_low: bool = True
    include_high: bool = True

    @property
    def is_range(self) -> bool:
        return self.field in RANGE_FIELDS


class _Reader:
    def __init__(self, text: str, what: str):
        self.text = text
        self.pos = 0
        self.what = what

    def error(self, message: str) -> SearchQueryError:
        return SearchQueryError(_("Cannot read %(what)s at character %(pos)d: %(problem)s")
                                % {"what": self.what, "pos": self.pos + 1, "problem": message})

    def skip_spaces(self) -> None:
        while self.pos < len(self.text) and self.text[self.pos].isspace():
            self.pos += 1

    def at_end(self) -> bool:
        self.skip_spaces()
        return self.pos >= len(self.text)

    def peek(self) -> str:
        return self.text[self.pos] if self.pos < len(self.text) else ""

    def word(self) -> str:
        """A bare word: up to a space or a special character; backslash escapes one character."""
        out = []
        while self.pos < len(self.text):
            ch = self.text[self.pos]
            if ch == "\\" and self.pos + 1 < len(self.text):
                out.append(self.text[self.pos + 1])
                self.pos += 2
                continue
            if ch.isspace() or ch in _SPECIAL:
                break
            out.append(ch)
            self.pos += 1
        return "".join(out)

    def keyword(self, word: str) -> bool:
        """Consume ``word`` if it comes next as a whole word."""
        end = self.pos + len(word)
        if self.text[self.pos:end] == word and (end == len(self.text) or self.text[end].isspace() or self.text[end] in "]}"):
            self.pos = end
            return True
        return False

    def quoted(self) -> str:
        self.pos += 1  # the opening quote
        out = []
        while self.pos < len(self.text):
            ch = self.text[self.pos]
            if ch == "\\" and self.pos + 1 < len(self.text):
                out.append(self.text[self.pos + 1])
                self.pos += 2
                continue
            if ch == '"':
                self.pos += 1
                return "".join(out)
            out.append(ch)
            self.pos += 1
        raise self.error(_("a quoted value is not closed."))


def parse_fq(text: str, *, what: str = "fq") -> list[Clause]:
    """The clauses of a filter query (all must hold)."""
    reader = _Reader(text or "", what)
    clauses: list[Clause] = []
    while not reader.at_end():
        if clauses and (reader.keyword("AND") or reader.keyword("&&")):
            reader.skip_spaces()
            if reader.at_end():
                raise reader.error(_("nothing follows AND."))
        if reader.keyword("OR") or reader.keyword("||"):
            raise reader.error(_("OR between clauses is not supported; use field:(a OR b)."))
        clauses.append(_clause(reader))
    return [c for c in clauses if c.field != "*"]


def _clause(reader: _Reader) -> Clause:
    negated = False
    if reader.peek() and reader.peek() in "+-":
        negated = reader.peek() == "-"
        reader.pos += 1
    elif reader.keyword("NOT"):
        negated = True
        reader.skip_spaces()
    start = reader.pos
    field = reader.word()
    if not field or ":" not in field:
        reader.pos = start
        raise reader.error(_("expected field:value."))
    field, _colon, value = field.partition(":")
    if field == "*" and value == "*":
        if negated:
            raise reader.error(_("-*:* would exclude everything."))
        return Clause(field="*")
    if field not in TERM_FIELDS and field not in RANGE_FIELDS:
        reader.pos = start
        raise reader.error(_("unknown field “%(field)s”; filter on one of: %(fields)s.")
                           % {"field": field, "fields": ", ".join(TERM_FIELDS + RANGE_FIELDS)})
    if value:
        values: tuple[str, ...] = (value,)
    elif reader.peek() == '"':
        values = (reader.quoted(),)
    elif reader.peek() == "(":
        values = _group(reader)
    elif reader.peek() and reader.peek() in "[{":
        if field not in RANGE_FIELDS:
            raise reader.error(_("ranges are only supported on %(fields)s.") % {"fields": ", ".join(RANGE_FIELDS)})
        return _range(reader, field, negated)
    else:
        raise reader.error(_("“%(field)s:” has no value.") % {"field": field})
    if field in RANGE_FIELDS:
        raise reader.error(_("filter %(field)s with a range such as [2020-01-01T00:00:00Z TO *].") % {"field": field})
    if reader.peek() and not reader.peek().isspace():
        raise reader.error(_("unexpected “%(char)s”.") % {"char": reader.peek()})
    return Clause(field=field, values=values, negated=negated)


def _group(reader: _Reader) -> tuple[str, ...]:
    reader.pos += 1  # (
    values: list[str] = []
    while True:
        reader.skip_spaces()
        if reader.peek() == ")":
            reader.pos += 1
            break
        if not reader.peek():
            raise reader.error(_("a parenthesis is not closed."))
        if values and not (reader.keyword("OR") or reader.keyword("||")):
            raise reader.error(_("separate the values in parentheses with OR."))
        reader.skip_spaces()
        if reader.peek() == '"':
            values.append(reader.quoted())
        else:
            word = reader.word()
            if not word:
                raise reader.error(_("expected a value."))
            values.append(word)
    if not values:
        raise reader.error(_("empty parentheses."))
    return tuple(values)


def _range(reader: _Reader, field: str, negated: bool) -> Clause:
    include_low = reader.peek() == "["
    reader.pos += 1
    reader.skip_spaces()
    low = _bound(reader)
    reader.skip_spaces()
    if not reader.keyword("TO"):
        raise reader.error(_("expected TO in the range."))
    reader.skip_spaces()
    high = _bound(reader)
    reader.skip_spaces()
    if reader.peek() not in ("]", "}"):
        raise reader.error(_("a range is not closed with ] or }."))
    include_high = reader.peek() == "]"
    reader.pos += 1
    return Clause(field=field, negated=negated, low=low, high=high, include_low=include_low, include_high=include_high)


def _bound(reader: _Reader) -> dt.datetime | None:
    start = reader.pos
    if reader.peek() == '"':
        token = reader.quoted()
    else:
        token = reader.word()
    if not token:
        raise reader.error(_("a range bound is missing (use * for an open bound)."))
    if token == "*":
        return None
    value = parse_datetime(token)
    if value is None:
        reader.pos = start
        raise reader.error(_("“%(value)s” is not a date such as 2020-01-01T00:00:00Z, NOW or *.") % {"value": token})
    return value


def parse_datetime(token: str) -> dt.datetime | None:
    """A Solr date (UTC, trailing Z optional) or NOW with simple date maths; None if neither."""
    match = _NOW.match(token)
    if match:
        sign, amount, unit, round_to = match.groups()
        value = timezone.now()
        if amount:
            delta = dt.timedelta(**{_UNITS[unit]: int(amount)})
            value = value + delta if sign == "+" else value - delta
        if round_to == "DAY":
            value = value.replace(hour=0, minute=0, second=0, microsecond=0)
        elif round_to == "HOUR":
            value = value.replace(minute=0, second=0, microsecond=0)
        return value
    text = token[:-1] if token.endswith("Z") else token
    try:
        value = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    if timezone.is_naive(value):
        value = value.replace(tzinfo=dt.UTC)
    return value


def parse_sort(text: str) -> list[tuple[str, bool]]:
    """``"score desc, name asc"`` as ``[("score", True), ("name", False)]`` (True: descending)."""
    order: list[tuple[str, bool]] = []
    for part in (text or "").split(","):
        words = part.split()
        if not words:
            continue
        if len(words) != 2 or words[1].lower() not in ("asc", "desc"):
            raise SearchQueryError(_("Cannot read sort “%(part)s”: write a field then asc or desc, such as “name asc”.")
                                   % {"part": part.strip()})
        field, direction = words[0], words[1].lower()
        if field not in SORT_FIELDS:
            raise SearchQueryError(_("Cannot sort on “%(field)s”; sort on one of: %(fields)s.")
                                   % {"field": field, "fields": ", ".join(SORT_FIELDS)})
        order.append((field, direction == "desc"))
    return order
