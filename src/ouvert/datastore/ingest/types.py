"""Value parsers, column type inference on a sample, and the matching DuckDB expressions.

Types are guessed in Python on a bounded sample (fast, predictable); the whole file is then
converted by DuckDB with SQL expressions that accept exactly what the Python parsers accept,
so a type that holds on the sample holds on the rest unless the data changes further down.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime

#: Cell texts that mean "no value" in typed columns (compared trimmed and lower-cased).
NULL_TOKENS = ("", "null", "none", "n/a", "na", "nan", "-", "--", "s.o.", "n.d.")

TRUE_WORDS = ("true", "vrai", "yes", "oui", "t", "y", "o")
FALSE_WORDS = ("false", "faux", "no", "non", "f", "n")
# Single letters alone are too weak a sign: a column needs at least one full word.
_BOOL_FULL = {"true", "vrai", "yes", "oui", "false", "faux", "no", "non"}

_SPACES = " \u00a0\u202f\u2009"
_CURRENCY = "$€£¥"
_POINT = re.compile(r"^[+-]?(\d{1,3}(,\d{3})+|\d+)?(\.\d+)?$")
_COMMA = re.compile(r"^[+-]?(\d{1,3}(\.\d{3})+|\d+)?(,\d+)?$")
_LEADING_ZERO = re.compile(r"^[+-]?0\d")
_DIGIT = re.compile(r"\d")

FRENCH_MONTHS = (
    ("janvier", 1), ("janv.", 1), ("février", 2), ("fevrier", 2), ("févr.", 2), ("mars", 3),
    ("avril", 4), ("avr.", 4), ("mai", 5), ("juin", 6), ("juillet", 7), ("juil.", 7),
    ("août", 8), ("aout", 8), ("septembre", 9), ("sept.", 9), ("octobre", 10), ("oct.", 10),
    ("novembre", 11), ("nov.", 11), ("décembre", 12), ("decembre", 12), ("déc.", 12),
)
_FRENCH_MONTH_RE = re.compile(
    r"^(\d{1,2})(?:er)? (" + "|".join(re.escape(m) for m, _ in FRENCH_MONTHS) + r") (\d{4})$")
_FRENCH_NUM = dict(FRENCH_MONTHS)

# Date formats tried in this order; a column takes the first that reads every sampled value.
# Day-first comes before month-first: French and most Canadian government files write
# 05/03/2014 for 5 March; a column is read month-first only when a value proves it.
DATE_FORMATS = (
    "%Y-%m-%d", "%d/%m/%Y", "%m/%d/%Y", "%Y/%m/%d", "%d-%m-%Y", "%d.%m.%Y", "%Y%m%d",
    "%d/%m/%y", "%d-%m-%y", "%d %B %Y", "%B %d, %Y", "%b %d, %Y", "%d %b %Y",
    "fr:%d %m %Y",
)
DATETIME_FORMATS = (
    "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M",
    "%Y-%m-%dT%H:%M:%S.%f", "%Y-%m-%d %H:%M:%S.%f", "%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M",
    "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M",
)
_DATE_SHAPE = re.compile(r"^[\d\w.,/ -]{6,40}$")
_DIGITS8 = re.compile(r"^(19|20)\d{2}(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])$")
CANADIAN_POSTAL_CODE = re.compile(r"^[ABCEGHJ-NPRSTVXY]\d[ABCEGHJ-NPRSTV-Z] ?\d[ABCEGHJ-NPRSTV-Z]\d$",
                                  re.IGNORECASE)


def is_null(text: str | None) -> bool:
    return text is None or text.strip().lower() in NULL_TOKENS


@dataclass
class NumberShape:
    """What a number cell looked like once its decorations were removed."""

    digits: str  # sign, digits and separators only
    percent: bool = False
    money: bool = False


def strip_number(text: str) -> NumberShape | None:
    """Remove spaces used as thousands separators, currency signs and a percent sign."""
    s = text.strip()
    if not s:
        return None
    percent = money = False
    if s.endswith("%"):
        percent, s = True, s[:-1].strip()
    if s and (s[0] in _CURRENCY or s[-1] in _CURRENCY):
        money, s = True, s.strip(_CURRENCY + _SPACES + "%")
    for space in _SPACES:
        if space in s:
            s = s.replace(space, "")
    if not _DIGIT.search(s):
        return None
    return NumberShape(s, percent, money)


def parse_number(text: str, decimal: str = ".") -> float | None:
    """Read ``text`` as a number written with ``decimal`` ("." or ",") as decimal mark.

    Accepts spaces, no-break spaces and the other mark as thousands separators, currency
    signs and a trailing percent sign (kept as written: "12,5 %" is 12.5).
    """
    shape = strip_number(text)
    if shape is None:
        return None
    pattern = _POINT if decimal == "." else _COMMA
    if not pattern.match(shape.digits):
        return None
    if decimal == ".":
        digits = shape.digits.replace(",", "")
    else:
        digits = shape.digits.replace(".", "").replace(",", ".")
    try:
        return float(digits)
    except ValueError:
        return None


def parse_integer(text: str, decimal: str = ".") -> int | None:
    shape = strip_number(text)
    return None if shape is None else _integer_of(shape, decimal)


def _integer_of(shape: NumberShape, decimal: str) -> int | None:
    pattern = _POINT if decimal == "." else _COMMA
    if not pattern.match(shape.digits):
        return None
    thousands = "," if decimal == "." else "."
    digits = shape.digits.replace(thousands, "")
    if decimal in digits:
        return None
    try:
        value = int(digits)
    except ValueError:
        return None
    return value if -(2**63) <= value < 2**63 else None


def parse_boolean(text: str) -> bool | None:
    s = text.strip().lower()
    if s in TRUE_WORDS:
        return True
    if s in FALSE_WORDS:
        return False
    return None


def _french_to_numeric(text: str) -> str | None:
    m = _FRENCH_MONTH_RE.match(text.strip().lower())
    if not m:
        return None
    return f"{m.group(1)} {_FRENCH_NUM[m.group(2)]} {m.group(3)}"


def parse_date(text: str, fmt: str) -> date | None:
    value = parse_datetime(text, fmt)
    return value.date() if value else None


def parse_datetime(text: str, fmt: str) -> datetime | None:
    s = text.strip()
    if fmt.startswith("fr:"):
        s = _french_to_numeric(s) or ""
        fmt = fmt[3:]
    if fmt == "%Y%m%d" and not _DIGITS8.match(s):
        return None
    try:
        value = datetime.strptime(s, fmt)
    except ValueError:
        return None
    # Two-digit years: DuckDB and Python both map 00-68 to 20xx; refuse the rest so a code
    # like 31-12-99 is not silently read as 2099 by one and 1999 by the other.
    if "%y" in fmt and value.year > 2068:
        return None
    return value


@dataclass
class ColumnType:
    type: str  # Table Schema type
    format: str | None = None  # strptime format for dates, "," or "." for numbers
    guess: str = "string"  # finer source type: integer, decimal, money, percentage, code...
    profile: dict = field(default_factory=dict)


def _fits_all(values: list[str], parse) -> bool:
    return all(parse(v) is not None for v in values)


def _number_type(values: list[str], prefer_comma: bool) -> ColumnType | None:
    shapes = []
    for value in values:
        shape = strip_number(value)
        if shape is None:
            return None  # most text columns stop at their first value
        shapes.append(shape)
    if any(_LEADING_ZERO.match(s.digits) for s in shapes):
        return None  # codes such as 01340 or 007 keep their zeros as text
    candidates = []
    for decimal in (".", ","):
        pattern = _POINT if decimal == "." else _COMMA
        if all(pattern.match(s.digits) for s in shapes):
            candidates.append(decimal)
    if not candidates:
        return None
    if len(candidates) == 2:
        # Both readings fit ("1,700" alone): French files separated by ";" or tabs write
        # decimal commas; comma-separated files use the comma for thousands. A lone point
        # ("1.613") is read as a decimal point, the mark of nearly every data export.
        has_comma = any("," in s.digits for s in shapes)
        decimal = "," if has_comma and prefer_comma else "."
    else:
        decimal = candidates[0]
    guess = "money" if any(s.money for s in shapes) else (
        "percentage" if any(s.percent for s in shapes) else None)
    if all(_integer_of(s, decimal) is not None for s in shapes):
        return ColumnType("integer", decimal, guess or "integer")
    return ColumnType("number", decimal, guess or "decimal")


def infer_type(values: list[str], *, prefer_comma: bool = False) -> ColumnType:
    """Guess the type of a column from its sampled cell texts (nulls included)."""
    present = [v for v in values if not is_null(v)]
    if not present:
        return ColumnType("string", guess="empty")
    lowered = {v.strip().lower() for v in present}
    if lowered <= set(TRUE_WORDS + FALSE_WORDS) and lowered & _BOOL_FULL:
        return ColumnType("boolean", guess="boolean")
    number = _number_type(present, prefer_comma)
    if number:
        return number
    if all(_DATE_SHAPE.match(v.strip()) for v in present):
        for fmt in DATE_FORMATS:
            if _fits_all(present, lambda v, f=fmt: parse_date(v, f)):
                return ColumnType("date", fmt, "date")
    for fmt in DATETIME_FORMATS:
        if _fits_all(present, lambda v, f=fmt: parse_datetime(v, f)):
            return ColumnType("datetime", fmt, "datetime")
    profile = {}
    if sum(1 for v in present if CANADIAN_POSTAL_CODE.match(v.strip())) >= 0.9 * len(present):
        profile["postal_code"] = True
        return ColumnType("string", guess="postal_code", profile=profile)
    if all(_LEADING_ZERO.match(v.strip()) or v.strip().isdigit() for v in present):
        return ColumnType("string", guess="code")
    return ColumnType("string", guess="text")


def forced_type(name: str, type_: str, values: list[str], prefer_comma: bool) -> ColumnType:
    """The publisher's type for a column, with the format the sample suggests for it."""
    guessed = infer_type(values, prefer_comma=prefer_comma)
    if guessed.type == type_:
        return guessed
    if type_ in ("integer", "number"):
        return ColumnType(type_, "," if prefer_comma else ".", type_)
    if type_ == "date":
        return ColumnType("date", "%Y-%m-%d", "date")
    if type_ == "datetime":
        return ColumnType("datetime", "%Y-%m-%d %H:%M:%S", "datetime")
    return ColumnType(type_, None, type_)


# --- DuckDB expressions --------------------------------------------------------------------

def sql_string(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def sql_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


_SQL_NULLS = ", ".join(sql_string(t) for t in NULL_TOKENS)
_BOOL_MAP = "MAP {" + ", ".join(
    [f"{sql_string(w)}: true" for w in TRUE_WORDS] + [f"{sql_string(w)}: false" for w in FALSE_WORDS]
) + "}"


def sql_is_null(v: str) -> str:
    # trim(lower(v)), not lower(trim(v)): the parsers use trim(v) and lower(trim(v)), and
    # DuckDB computes a sub-expression shared by two branches for every row, so sharing one
    # would make this check, meant for the rare unparsed cells, cost a full pass.
    return f"({v} IS NULL OR trim(lower({v})) IN ({_SQL_NULLS}))"


def _sql_without_spaces(v: str) -> str:
    expr = v
    for ch in ("' '", "chr(160)", "chr(8239)", "chr(8201)"):
        expr = f"replace({expr}, {ch}, '')"
    return expr


def _sql_number_pattern(ctype: ColumnType) -> str:
    """The Python parsers' pattern for a stripped number (an integer has no decimal part)."""
    thousands, decimal = (r"\.", ",") if ctype.format == "," else (",", r"\.")
    whole = rf"[+-]?(\d{{1,3}}({thousands}\d{{3}})+|\d+)"
    return whole if ctype.type == "integer" else rf"{whole}?({decimal}\d+)?"


def _sql_slow_parse(v: str, ctype: ColumnType) -> str:
    """The complete reading of ``v``, mirroring the Python parsers."""
    if ctype.type in ("integer", "number"):
        # Each text is bound once by a lambda, so nothing here is shared with the other
        # branches (see _sql_fast_parse): without its spaces, checked against the parsers'
        # pattern (so "1.5" in a column of decimal commas is not read as 15, nor "1,5" as 15
        # where the point is the mark), then its separators are rewritten for the cast.
        # Trimming currency and percent signs costs more than all the rest together, so it
        # is only done for the cells that need it.
        if ctype.format == ",":
            digits = "replace(replace({x}, '.', ''), ',', '.')"
        else:
            digits = "replace({x}, ',', '')"
        cast = "BIGINT" if ctype.type == "integer" else "DOUBLE"
        pattern = sql_string(_sql_number_pattern(ctype))

        def read(x: str) -> str:
            return f"TRY_CAST({digits.format(x=x)} AS {cast})"

        signs = sql_string(_CURRENCY + "%")
        return (f"list_transform([{_sql_without_spaces(v)}], lambda x: CASE WHEN "
                f"regexp_full_match(x, {pattern}) THEN {read('x')} ELSE list_transform("
                f"[trim(x, {signs})], lambda y: CASE WHEN regexp_full_match(y, {pattern}) "
                f"THEN {read('y')} END)[1] END)[1]")
    if ctype.type == "boolean":
        return f"{_BOOL_MAP}[lower(trim({v}))]"
    fmt = ctype.format or "%Y-%m-%d"
    s = f"trim({v})"
    if fmt.startswith("fr:"):
        s = f"regexp_replace(lower({s}), '^(\\d{{1,2}})er ', '\\1 ')"
        for word, num in FRENCH_MONTHS:
            s = f"replace({s}, {sql_string(' ' + word + ' ')}, ' {num} ')"
        fmt = fmt[3:]
    parsed = f"try_strptime({s}, {sql_string(fmt)})"
    if "%y" in fmt:
        parsed = f"(CASE WHEN year({parsed}) <= 2068 THEN {parsed} END)"
    if fmt == "%Y%m%d":
        parsed = f"(CASE WHEN regexp_full_match({s}, '(19|20)\\d{{6}}') THEN {parsed} END)"
    return parsed


def _sql_fast_parse(v: str, ctype: ColumnType) -> str | None:
    """A cheap reading that is right for the common spelling, NULL when unsure.

    Most cells of a column are written the plain way ("1234,5", "15/05/2014", "oui"); this
    form costs a single cast and the complete one only runs where it gives NULL. The
    complete form may share no computed sub-expression with this one nor with the null
    check: DuckDB would hoist it and compute it for every row, making its cost
    unconditional. This form is computed for every row anyway, so it may repeat its cast.
    """
    # A cell holding the other mark is left to the complete form; testing for it costs less
    # than copying every cell to make that mark uncastable.
    if ctype.type == "integer":
        # Only the canonical spelling, the one the cast writes back: DuckDB would also read
        # "1.5" (as 2), "007", "1e3" or "0x10", which the complete form judges instead.
        return (f"(CASE WHEN CAST(TRY_CAST({v} AS BIGINT) AS VARCHAR) = {v} "
                f"THEN TRY_CAST({v} AS BIGINT) END)")
    if ctype.type == "number":
        if ctype.format == ",":
            cast = (f"(CASE WHEN contains({v}, '.') THEN NULL "
                    f"ELSE TRY_CAST(replace({v}, ',', '.') AS DOUBLE) END)")
        else:
            cast = f"(CASE WHEN contains({v}, ',') THEN NULL ELSE TRY_CAST({v} AS DOUBLE) END)"
        # The cast also reads "nan" and "inf", a null marker and a word for the parsers.
        return f"(CASE WHEN isfinite({cast}) THEN {cast} END)"
    if ctype.type == "boolean":
        return f"{_BOOL_MAP}[{v}]"
    if ctype.type in ("date", "datetime") and not (ctype.format or "").startswith("fr:") \
            and "%y" not in (ctype.format or "") and ctype.format != "%Y%m%d":
        return f"try_strptime({v}, {sql_string(ctype.format or '%Y-%m-%d')})"
    return None


def sql_parse(v: str, ctype: ColumnType) -> str:
    """An expression giving the typed value of varchar ``v``, NULL when it does not parse."""
    if ctype.type == "string":
        return f"nullif({v}, '')"
    fast = _sql_fast_parse(v, ctype)
    slow = _sql_slow_parse(v, ctype)
    if ctype.type in ("integer", "number"):
        # A code such as 01340 met after the sample must not lose its zero: it does not
        # parse, so the column falls back to text. The first test is cheap and rarely true:
        # every first character the pattern allows (space, tab, sign, zero) sorts before
        # "1", compared without a function. The integers' fast form never reads such a
        # code, so there only the cells it leaves are tested.
        zero = f"({v} < '1' AND regexp_matches({v}, '^\\s*[+-]?0[0-9]'))"
        if ctype.type == "integer":
            return f"coalesce({fast}, CASE WHEN {zero} THEN NULL ELSE {slow} END)"
        return f"(CASE WHEN {zero} THEN NULL ELSE coalesce({fast}, {slow}) END)"
    parsed = f"coalesce({fast}, {slow})" if fast else slow
    if ctype.type in ("date", "datetime") and "%Y" in (ctype.format or "%Y-%m-%d"):
        # DuckDB's %Y also reads "14" as the year 14, where the parsers want four digits: a
        # date written 15/05/14 under a sample of 15/05/2014 is not a date of the year 14.
        parsed = f"(CASE WHEN year({parsed}) >= 1000 THEN {parsed} END)"
    return f"CAST({parsed} AS DATE)" if ctype.type == "date" else parsed


def sql_typed(v: str, ctype: ColumnType, *, fail: str | None) -> str:
    """The output expression of a column.

    With ``fail`` set, a value that does not parse raises a DuckDB error tagged with it, so
    the single conversion pass doubles as the check that the sampled type held everywhere.
    Null markers ("", "n/a", "null"...) never parse, so they are only looked for on the
    rare cells that did not.
    """
    parsed = sql_parse(v, ctype)
    if ctype.type == "string" or fail is None:
        return parsed
    return (f"coalesce({parsed}, CASE WHEN {sql_is_null(v)} THEN NULL "
            f"ELSE error({sql_string(fail)} || {v}) END)")


def sql_failed(v: str, ctype: ColumnType) -> str:
    """A predicate true for values present but unreadable as ``ctype``."""
    return f"(NOT {sql_is_null(v)} AND {sql_parse(v, ctype)} IS NULL)"


def schema_field(name: str, ctype: ColumnType) -> dict:
    out = {"name": name, "title": name, "type": ctype.type}
    if ctype.type == "date":
        out["format"] = "default" if ctype.format == "%Y-%m-%d" else (ctype.format or "default")
    elif ctype.type == "datetime":
        out["format"] = ctype.format or "default"
    elif ctype.type in ("integer", "number") and ctype.format == ",":
        out["decimalChar"] = ","
        out["groupChar"] = " "
    if ctype.guess in ("money", "percentage"):
        out["bareNumber"] = False
    return out
