"""Personal information in French and English text: e-mail addresses (also written "[at]"
or "arobase"), phone numbers (through libphonenumber: North American ones, and others written
with "+" and a calling code),
Canadian social insurance numbers (Luhn-valid only) and street addresses.

Each detector returns spans, so the same code holds content for review and masks what slips
into open-data exports. Near-misses that must not match: prices and amounts with thousands
separators, dates and years, postal codes alone, bill and file numbers, numbers failing the
Luhn check, web addresses.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import phonenumbers


@dataclass(frozen=True)
class Finding:
    kind: str  # email | phone | sin | address
    start: int
    end: int
    text: str


# --- e-mail ------------------------------------------------------------------------------

_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b")
# Addresses written to dodge robots: "jean [at] exemple [dot] ca", "jean arobase exemple point ca".
_EMAIL_OBFUSCATED = re.compile(
    r"\b[\w.+-]+\s*(?:\[at\]|\(at\)|\{at\}|\s(?:arobase|at)\s)\s*[A-Za-z0-9-]+"
    r"\s*(?:\[dot\]|\(dot\)|\{dot\}|\.|\s(?:point|dot)\s)\s*(?:com|ca|org|net|qc\.ca|gouv\.qc\.ca|gc\.ca|fr|info)\b",
    re.I,
)

# --- phone numbers -----------------------------------------------------------------------
# Found and validated by libphonenumber (North American numbers by default, others written
# with "+" and their calling code). Ten digits in a row, or seven with a separator, could be a
# file number: they count only after a word that announces a phone number.

PHONE_REGION = "CA"
_PHONE_LOCAL = re.compile(r"(?<![\w.,/\-:])[2-9]\d{2}[.\-]\d{4}(?![\w.,/\-]?\d)")
_PHONE_CONTEXT = re.compile(
    r"(?:t[ée]l[ée]?phone|t[ée]l\.?|tel\.?|phone|cell(?:ulaire)?|mobile|portable|appel(?:ez|er|le)|call|"
    r"texto|text(?:er)?|joindre|rejoindre|reach|fax|compos(?:ez|er)|dial)\W{0,3}(?:\w+\W+){0,3}$",
    re.I,
)

# --- social insurance numbers ------------------------------------------------------------

_SIN = re.compile(r"(?<![\w.,/\-$])(\d{3})([ \-]?)(\d{3})\2(\d{3})(?![\w/\-]|[.,]\d|\s?(?:\$|%|€|\d))")
_MONEY_AFTER = re.compile(r"^\s*(?:\$|dollars?|millions?|milliards?|k\$|M\$|habitants|people|personnes|km|m²|litres?|kg|tonnes?)", re.I)
_MONEY_BEFORE = re.compile(r"(?:\$|\d\s|\d,)\s*$")


def luhn_valid(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


# --- street addresses ----------------------------------------------------------------------

_UPPER = r"[A-ZÀÂÄÇÉÈÊËÎÏÔÖÙÛÜŸ]"
_NAME_WORD = r"(?:" + _UPPER + r"[\w'’.\-]*|(?:de|du|des|la|le|l'|d'|l’|d’|of|the)\b)"
_FR_TYPES = (
    r"rue|avenue|av\.?|boulevard|boul\.?|bd|blvd\.?|chemin|ch\.|route|rang|place|côte|cote|montée|"
    r"promenade|allée|impasse|croissant|terrasse|carré|square|ruelle|sentier|quai|parc"
)
_EN_TYPES = (
    r"street|st\.?|avenue|ave\.?|road|rd\.?|boulevard|blvd\.?|drive|dr\.?|lane|ln\.?|court|ct\.?|"
    r"crescent|cres\.?|way|place|pl\.?|terrace|highway|hwy\.?|parkway|pkwy\.?|circle|trail|square"
)
# "123 rue Saint-Jean", "1200, boul. René-Lévesque Ouest", "45-B, avenue des Pins"
_ADDRESS_FR = re.compile(
    r"(?<![\w$.,])\d{1,5}(?:[\-–]?[A-Za-z]\b|[\-–]\d{1,4})?,?\s+(?:" + _FR_TYPES + r")\s+(?:" + _NAME_WORD + r"\s*){1,5}",
    re.I | re.U,
)
# "45 Main Street", "1600 Pennsylvania Ave.", "12 Queen St. West"
_ADDRESS_EN = re.compile(
    r"(?<![\w$.,])\d{1,5}[A-Za-z]?,?\s+(?:" + _UPPER + r"[\w'’.\-]*\s+){1,4}(?i:" + _EN_TYPES + r")(?![\w])",
    re.U,
)
# "app. 4", "appartement 12", "apt 3B", "suite 300", "C.P. 1234", "P.O. Box 55"
_UNIT = re.compile(
    r"\b(?:app\.|appt\.?|appartement|apt\.?|apartment|logement|log\.)\s*#?\s*\d{1,5}[A-Za-z]?\b"
    r"|(?:\bC\.\s?P\.|\bcase postale|\bP\.\s?O\.\s?Box|\bPO Box)\s*\d{1,6}\b",
    re.I,
)
_YEAR = re.compile(r"^(?:1[89]|20)\d\d$")
_TIME_WORD = re.compile(
    r"\b(?:in|en|since|depuis|and|et|between|entre|of|de|from|du|to|until|jusqu'en|by|dès|year|année|an)\s*$", re.I)


def _year_in_sentence(text: str, start: int, number: str) -> bool:
    """"in 2019 Main Street merchants...": a year, not a civic number."""
    return bool(_YEAR.match(number)) and bool(_TIME_WORD.search(text[max(0, start - 20):start]))


def _emails(text: str) -> list[Finding]:
    found = [Finding("email", m.start(), m.end(), m.group()) for m in _EMAIL.finditer(text)]
    found += [Finding("email", m.start(), m.end(), m.group()) for m in _EMAIL_OBFUSCATED.finditer(text)]
    return found


def _announced(text: str, start: int) -> bool:
    return bool(_PHONE_CONTEXT.search(text[max(0, start - 40):start]))


def _phones(text: str) -> list[Finding]:
    found = []
    for match in phonenumbers.PhoneNumberMatcher(text, PHONE_REGION, leniency=phonenumbers.Leniency.VALID):
        bare = match.raw_string.lstrip("+").isdigit()
        if not bare or _announced(text, match.start):
            found.append(Finding("phone", match.start, match.end, match.raw_string))
    for m in _PHONE_LOCAL.finditer(text):
        if _announced(text, m.start()) and _possible_local(m.group()):
            found.append(Finding("phone", m.start(), m.end(), m.group()))
    return found


def _possible_local(candidate: str) -> bool:
    """A number dialled without its area code (``555-0148``)."""
    try:
        number = phonenumbers.parse(candidate, PHONE_REGION)
    except phonenumbers.NumberParseException:
        return False
    reason = phonenumbers.is_possible_number_with_reason(number)
    return reason in (phonenumbers.ValidationResult.IS_POSSIBLE, phonenumbers.ValidationResult.IS_POSSIBLE_LOCAL_ONLY)


def _sins(text: str) -> list[Finding]:
    found = []
    for m in _SIN.finditer(text):
        digits = m.group(1) + m.group(3) + m.group(4)
        if digits[0] == "8" or not luhn_valid(digits):  # 8: business numbers, not people
            continue
        if m.group(2) == " " and (_MONEY_AFTER.match(text[m.end():]) or _MONEY_BEFORE.search(text[:m.start()])):
            continue  # "130 000 000 $", "1 250 000 000": an amount with thousands separators
        found.append(Finding("sin", m.start(), m.end(), m.group()))
    return found


def _addresses(text: str) -> list[Finding]:
    found = []
    for pattern in (_ADDRESS_FR, _ADDRESS_EN):
        for m in pattern.finditer(text):
            number = re.match(r"\d+", m.group()).group()
            if _year_in_sentence(text, m.start(), number):
                continue
            matched = m.group()
            if pattern is _ADDRESS_FR:  # a name ends before the sentence's full stop
                matched = matched.rstrip(" .,")
            matched = matched.rstrip()
            found.append(Finding("address", m.start(), m.start() + len(matched), matched))
    found += [Finding("address", m.start(), m.end(), m.group()) for m in _UNIT.finditer(text)]
    return found


DETECTORS = {"email": _emails, "phone": _phones, "sin": _sins, "address": _addresses}


def find(text: str | None) -> list[Finding]:
    """Every piece of personal information found, in order, overlaps merged to the first kind."""
    if not text:
        return []
    found: list[Finding] = []
    for detector in DETECTORS.values():
        found.extend(detector(text))
    found.sort(key=lambda f: (f.start, -(f.end - f.start)))
    merged: list[Finding] = []
    for finding in found:
        if merged and finding.start < merged[-1].end:
            continue
        merged.append(finding)
    return merged


def kinds(text: str | None) -> set[str]:
    return {f.kind for f in find(text)}


def redact(text: str | None, replacement: str = "[…]") -> str:
    """``text`` with every piece of personal information replaced (for open-data exports)."""
    if not text:
        return text or ""
    out, last = [], 0
    for finding in find(text):
        out.append(text[last:finding.start])
        out.append(replacement)
        last = finding.end
    out.append(text[last:])
    return "".join(out)
