"""Import a CKAN portal's catalog from a ``ckanapi dump datasets`` file (JSON lines, maybe gzipped).

Three steps: ``read_records`` yields the packages of the file (broken lines are reported with
their number, never fatal); ``map_package`` turns one CKAN package into Ouvert's input dicts
(pure, no database); ``CkanImporter`` creates or updates organisations, datasets and resources
through ``ouvert.catalog.services``, one transaction per dataset, as a sysadmin system account.

Two layouts of bilingual packages are read: the fluent one (``title_translated``,
``notes_translated``, ``keywords`` as ``{"en": [...], "fr": [...]}``) and data.gc.ca's 2013
one (``title``/``title_fra``, ``notes``/``notes_fra``, ``keywords``/``keywords_fra``, tags
and organisation titles written "English  Français" or "English | Français").

CKAN ids are kept as Ouvert ids when they are UUIDs (so a re-run, or a later dump of the same
portal, finds the same rows), and always in ``extras["ckan_id"]``.
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
import re
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import URLValidator
from django.db import DatabaseError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from ouvert.accounts import services as accounts
from ouvert.accounts.models import Organisation
from ouvert.catalog import licences, search, services
from ouvert.catalog.models import Dataset, Frequency
from ouvert.core.errors import DomainError, ValidationFailed
from ouvert.core.models import State
from ouvert.core.validation import max_length

from .report import Report

IMPORT_USERNAME = "ouvert-import"
#: ``sync_dataset``'s ``source`` for the changes an import makes.
SOURCE = "import-ckan"
#: Extras longer than this are left out (harvested XML documents, citation blobs).
MAX_EXTRA_LENGTH = 10_000
TITLE_LENGTH = max_length(Dataset, "title_fr")
DESCRIPTION_LENGTH = 50_000
TAG_LENGTH = 100
FALLBACK_ORGANISATION = "ckan-import"

#: Licence ids seen on Canadian CKAN portals for a licence of our register, beyond ``licences.ALIASES``.
LICENCE_ALIASES = {
    "government-open-license-canada": "OGL-Canada-2.0",
    "ogl-can-2.0": "OGL-Canada-2.0",
}
NO_LICENCE = {"", "none", "null", "notspecified", "not specified", "license not specified"}

#: ISO 19115 maintenance codes (CIOOS) and data.gc.ca's English labels, to our frequencies.
FREQUENCIES = {
    "continual": Frequency.CONTINUOUS, "continuous": Frequency.CONTINUOUS, "daily": Frequency.DAILY,
    "weekly": Frequency.WEEKLY, "monthly": Frequency.MONTHLY, "quarterly": Frequency.QUARTERLY,
    "biannually": Frequency.BIANNUAL, "semiannual": Frequency.BIANNUAL, "annually": Frequency.ANNUAL,
    "annual": Frequency.ANNUAL, "yearly": Frequency.ANNUAL, "irregular": Frequency.IRREGULAR,
    "asneeded": Frequency.AS_NEEDED, "as needed": Frequency.AS_NEEDED, "notplanned": Frequency.NEVER,
    "not planned": Frequency.NEVER, "unknown": Frequency.UNKNOWN,
}
FREQUENCY_KEYS = ("frequency", "frequency-of-update", "maintenance_and_update_frequency", "update_frequency")

#: Package keys read into Ouvert's fields, or derived by CKAN and not worth keeping.
PACKAGE_KEYS_USED = {
    "id", "name", "title", "title_fra", "title_translated", "notes", "notes_fra", "notes_translated",
    "license_id", "license_title", "license_title_fra", "license_url", "license_url_fra", "isopen",
    "organization", "owner_org", "state", "private", "type", "resources", "tags", "keywords",
    "keywords_fra", "url", "version", "author", "author_email", "maintainer", "maintainer_email",
    "metadata_created", "metadata_modified", "num_resources", "num_tags", "tracking_summary",
    "relationships_as_subject", "relationships_as_object", "revision_id", "revision_timestamp",
    "creator_user_id", "extras", "temporal-extent", *FREQUENCY_KEYS,
}
RESOURCE_KEYS_USED = {
    "id", "package_id", "url", "format", "name", "name_fra", "name_translated", "description",
    "description_fra", "description_translated", "position", "state", "revision_id",
    "revision_timestamp", "resource_group_id", "tracking_summary", "cache_url", "cache_last_updated",
    "webstore_url", "webstore_last_updated", "datastore_active", "mimetype_inner", "url_type",
}
#: Fields whose bad value costs the field, not the whole dataset (see ``_call_dropping``).
OPTIONAL_DATASET_FIELDS = {
    "description_fr": "", "description_en": "", "contact_name": "", "contact_email": "", "source_url": "",
    "version": "", "frequency": Frequency.UNKNOWN, "temporal_start": None, "temporal_end": None,
    "tags": [], "tags_fr": [], "tags_en": [], "extras": {},
}
OPTIONAL_ORGANISATION_FIELDS = {"description_fr": "", "description_en": "", "website": "", "image_url": "", "extras": {}}

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
#: Where a link starts: a scheme at the start of the text or after a space or punctuation, not
#: inside another link (web.archive.org/web/…/https://…).
_URL_START = re.compile(r"""(?<![^\s;,|(<"'])(?:https?|ftp)://""", re.I)
_TWO_LANGUAGES = re.compile(r"\s{2,}")
_url_validator = URLValidator(schemes=["http", "https", "ftp"])


class Skip(Exception):
    """The record cannot be imported; the message says why (grouped in the report)."""


class Deleted(Skip):
    """CKAN marks the record deleted."""


# --- reading -----------------------------------------------------------------------------

@dataclass
class Line:
    number: int
    record: dict | None = None
    error: str = ""
    #: Set when a record was read from the end of a broken line.
    recovered: bool = False


def read_records(path: str | Path, *, position: Callable[[float], None] | None = None) -> Iterator[Line]:
    """Yield each line of a JSON-lines file (gzipped or not) as a record or an error.

    A line that is not a JSON object is yielded with ``error`` set. When such a line ends with a
    complete object (two records run together by a truncated write), that object is yielded too,
    marked ``recovered``. ``position(fraction)`` is told how far through the file reading is.
    """
    path = Path(path)
    size = max(path.stat().st_size, 1)
    with path.open("rb") as raw:
        gzipped = raw.read(2) == b"\x1f\x8b"
        raw.seek(0)
        stream = gzip.GzipFile(fileobj=raw) if gzipped else raw
        for number, data in enumerate(stream, 1):
            if position is not None:
                position(raw.tell() / size)
            if not data.strip():
                continue
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError as exc:
                yield Line(number, error=_("not UTF-8 (byte %(at)d)") % {"at": exc.start})
                continue
            try:
                record = json.loads(text)
            except json.JSONDecodeError as exc:
                yield Line(number, error=f"{exc.msg} (column {exc.colno})")
                if tail := _record_at_end(text):
                    yield Line(number, tail, recovered=True)
                continue
            if isinstance(record, dict):
                yield Line(number, record)
            else:
                yield Line(number, error=_("not a JSON object"))


def _record_at_end(text: str) -> dict | None:
    """A package that runs from some ``{"`` to the end of a broken line, if there is one."""
    start = text.find('{"', 1)
    while start != -1:
        try:
            record = json.loads(text[start:])
        except json.JSONDecodeError:
            start = text.find('{"', start + 1)
            continue
        if isinstance(record, dict) and ("title" in record or "title_translated" in record or "name" in record):
            return record
        return None
    return None


# --- mapping (pure) -----------------------------------------------------------------------

@dataclass
class OrganisationSpec:
    name: str = ""
    ckan_id: str = ""
    #: Input for the services; None when the record only refers to the organisation.
    data: dict | None = None


@dataclass
class ResourceSpec:
    ckan_id: str
    uuid: uuid.UUID | None
    data: dict


@dataclass
class Package:
    """One CKAN package mapped onto Ouvert's input."""

    id: uuid.UUID | None
    ckan_id: str
    data: dict
    organisation: OrganisationSpec | None
    state: str
    created: dt.datetime | None
    modified: dt.datetime | None
    resources: list[ResourceSpec] = field(default_factory=list)
    #: (kind, reason): kind "resource" for resources left out, "" for notes.
    notes: list[tuple[str, str]] = field(default_factory=list)


def map_package(pkg: dict, *, language: str = "en") -> Package:
    """Map a CKAN package dict to Ouvert's input; raises ``Skip`` when it cannot be imported.

    ``language`` ("en" or "fr") is the language of text that a package gives in one language only.
    """
    notes: list[tuple[str, str]] = []
    kind = pkg.get("type") or "dataset"
    if kind != "dataset":
        raise Skip(_("not a dataset (type “%(type)s”)") % {"type": kind})
    state = str(pkg.get("state") or "active").lower()
    if state == "deleted":
        raise Deleted(_("deleted in CKAN"))
    ckan_id = str(pkg.get("id") or "").strip()
    dataset_uuid = _uuid(ckan_id)
    titles = _bilingual(pkg, "title", "title_fra", language, TITLE_LENGTH, notes, label=_("title"))
    if not (titles["fr"] or titles["en"]):
        raise Skip(_("no title in either language"))
    descriptions = _bilingual(pkg, "notes", "notes_fra", language, DESCRIPTION_LENGTH, notes, label=_("description"))
    name = _name(pkg.get("name"), ckan_id, notes)
    licence, licence_note = _licence(pkg)
    if licence_note:
        notes.append(("", licence_note))
    tags_fr, tags_en, tags = _tags(pkg, notes)
    data: dict[str, Any] = {
        "name": name,
        "title_fr": titles["fr"], "title_en": titles["en"],
        "description_fr": descriptions["fr"], "description_en": descriptions["en"],
        "licence": licence,
        "frequency": _frequency(pkg),
        "private": bool(pkg.get("private")),
        "tags_fr": tags_fr, "tags_en": tags_en, "tags": tags,
        "version": _text(pkg.get("version"))[:100],
        "contact_name": _text(pkg.get("maintainer") or pkg.get("author"))[:200],
        "contact_email": _text(pkg.get("maintainer_email") or pkg.get("author_email")),
        "source_url": _url(pkg.get("url"), 1000) or "",
        **_temporal(pkg),
    }
    extras = _extras(pkg, PACKAGE_KEYS_USED, notes)
    for key in ("url", "license_url"):
        if pkg.get(key) and not _url(pkg.get(key), 1000):
            extras[f"ckan_{key}"] = _text(pkg[key])[:MAX_EXTRA_LENGTH]
    if licence == "notspecified" and str(pkg.get("license_id") or "").strip().lower() not in NO_LICENCE:
        extras["ckan_license_id"] = str(pkg["license_id"])[:MAX_EXTRA_LENGTH]
        if pkg.get("license_title"):
            extras["ckan_license_title"] = str(pkg["license_title"])[:MAX_EXTRA_LENGTH]
    if ckan_id:
        extras["ckan_id"] = ckan_id
    data["extras"] = extras
    return Package(
        id=dataset_uuid, ckan_id=ckan_id, data=data, organisation=_organisation(pkg, language),
        state=State.ACTIVE if state == "active" else State.DRAFT,
        created=_datetime(pkg.get("metadata_created")), modified=_datetime(pkg.get("metadata_modified")),
        resources=_resources(pkg, language, notes), notes=notes,
    )


def _text(value: Any) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        value = json.dumps(value, ensure_ascii=False) if isinstance(value, (list, dict)) else str(value)
    return _CONTROL.sub("", value).strip()


def _bounded(value: Any, limit: int, what: str, notes: list) -> str:
    text = _text(value)
    if len(text) > limit:
        notes.append(("", _("%(what)s longer than %(limit)d characters, cut") % {"what": what, "limit": limit}))
        text = text[: limit - 1].rstrip() + "…"
    return text


def _bilingual(obj: dict, field: str, fra_field: str, language: str, limit: int, notes: list, *,
               label: str, split_pipe: bool = False) -> dict[str, str]:
    """{"fr": ..., "en": ...} from the fluent layout, the 2013 layout or one language."""
    out = {"fr": "", "en": ""}
    translated = obj.get(f"{field}_translated")
    if isinstance(translated, dict) and any(translated.get(lang) for lang in out):
        for lang in out:
            out[lang] = _bounded(translated.get(lang), limit, label, notes)
        return out
    if obj.get(fra_field):
        out["en"] = _bounded(obj.get(field), limit, label, notes)
        out["fr"] = _bounded(obj.get(fra_field), limit, label, notes)
        return out
    text = _text(obj.get(field))
    parts = text.split(" | ")
    if split_pipe and len(parts) == 2 and all(p.strip() for p in parts):
        out["en"], out["fr"] = (_bounded(p, limit, label, notes) for p in parts)
    else:
        out[language] = _bounded(text, limit, label, notes)
    return out


def _uuid(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value) if value else None
    except ValueError:
        return None


def normalise_name(value: Any) -> str:
    """A valid Ouvert name from a CKAN name (CKAN's rule is ours, but old portals bent it)."""
    name = re.sub(r"[^a-z0-9_-]+", "-", _text(value).lower()).strip("-_")[:100].rstrip("-_")
    return name if len(name) >= 2 else ""


def _name(value: Any, ckan_id: str, notes: list) -> str:
    name = normalise_name(value)
    if name and name != _text(value):
        notes.append(("", _("name changed to fit Ouvert's rules")))
    if not name:
        name = normalise_name(ckan_id)
        if not name:
            raise Skip(_("neither a name nor an id"))
        notes.append(("", _("no name: the CKAN id is used as name")))
    return name


def _licence(pkg: dict) -> tuple[str, str]:
    """(our licence id, note for the report or "")."""
    raw = str(pkg.get("license_id") or "").strip()
    if raw.lower() in NO_LICENCE:
        return "notspecified", _("no licence given (stored as “notspecified”)")
    ours = licences.resolve(raw) or LICENCE_ALIASES.get(raw.lower())
    if ours:
        return ours, ""
    for entry_id, _fr, _en, url, _open in licences.LICENCES:
        bare = re.sub(r"^https?://(www\.)?", "", url).rstrip("/")
        if bare and bare in raw:
            return entry_id, ""
    return "notspecified", _("unknown licence “%(id)s” (stored as “notspecified”, kept in extras)") % {"id": raw[:80]}


def _tag_list(value: Any) -> list[str]:
    if isinstance(value, str):
        return [t for t in value.split(",")]
    if isinstance(value, list):
        return [t.get("name", "") if isinstance(t, dict) else t for t in value if isinstance(t, (str, dict))]
    return []


def _tags(pkg: dict, notes: list) -> tuple[list[str], list[str], list[str]]:
    fr: list[str] = []
    en: list[str] = []
    neutral: list[str] = []
    keywords = pkg.get("keywords")
    if isinstance(keywords, dict):
        en += _tag_list(keywords.get("en"))
        fr += _tag_list(keywords.get("fr"))
    else:
        en += _tag_list(keywords)
        fr += _tag_list(pkg.get("keywords_fra"))
    for tag in _tag_list(pkg.get("tags")):
        parts = _TWO_LANGUAGES.split(tag.strip())
        if len(parts) == 2:  # data.gc.ca 2013: "English  Français"
            en.append(parts[0])
            fr.append(parts[1])
        else:
            neutral.append(tag)
    return _tag_clean(fr, notes), _tag_clean(en, notes), _tag_clean(neutral, notes)


def _tag_clean(tags: list[str], notes: list) -> list[str]:
    out: list[str] = []
    for tag in tags:
        tag = " ".join(_text(tag).split())
        if len(tag) > TAG_LENGTH:
            notes.append(("", _("keyword longer than %(limit)d characters left out") % {"limit": TAG_LENGTH}))
        elif tag and tag not in out:
            out.append(tag)
    return out


def _frequency(pkg: dict) -> str:
    for key in FREQUENCY_KEYS:
        value = pkg.get(key)
        if isinstance(value, str) and value.strip():
            english = value.split("|")[0].strip().lower()
            return FREQUENCIES.get(english, FREQUENCIES.get(english.replace(" ", ""), Frequency.UNKNOWN))
    return Frequency.UNKNOWN


def _date(value: Any) -> dt.date | None:
    try:
        day = dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        return None
    # Placeholders such as 1000-01-01 and 3000-01-01 mean "no date".
    return day if 1800 <= day.year <= 2200 else None


def _temporal(pkg: dict) -> dict:
    starts: list[dt.date] = []
    ends: list[dt.date] = []
    extents = pkg.get("temporal-extent")
    for extent in extents if isinstance(extents, list) else []:
        if isinstance(extent, dict):
            starts += [d for d in [_date(extent.get("begin"))] if d]
            ends += [d for d in [_date(extent.get("end"))] if d]
    starts += [d for d in [_date(pkg.get("time_period_coverage_start"))] if d]
    ends += [d for d in [_date(pkg.get("time_period_coverage_end"))] if d]
    start, end = (min(starts) if starts else None), (max(ends) if ends else None)
    if start and end and start > end:
        start = end = None
    return {"temporal_start": start, "temporal_end": end}


def _datetime(value: Any) -> dt.datetime | None:
    try:
        moment = dt.datetime.fromisoformat(str(value).strip().replace("Z", "+00:00").replace(" ", "T"))
    except ValueError:
        return None
    # CKAN writes naive UTC timestamps.
    return moment if timezone.is_aware(moment) else moment.replace(tzinfo=dt.UTC)


def _url(value: Any, max_length: int = 2000) -> str | None:
    """A valid link from CKAN's URL field, which may be a list, carry a label ("English: http://…"),
    hold spaces (encoded here) or several links (the first valid one is kept)."""
    if isinstance(value, list):
        value = next((v for v in value if isinstance(v, str) and v.strip()), "")
    text = _text(value)
    starts = [m.start() for m in _URL_START.finditer(text)]
    for index, start in enumerate(starts):
        end = starts[index + 1] if index + 1 < len(starts) else len(text)
        candidate = re.sub(r"\s+", "%20", text[start:end].strip())
        scheme, rest = candidate.split("://", 1)
        candidate = f"{scheme.lower()}://{rest}"
        try:
            _url_validator(candidate)
        except DjangoValidationError:
            continue
        if len(candidate) <= max_length:
            return candidate
    return None


def _extras(obj: dict, used: set[str], notes: list) -> dict[str, str]:
    """The fields Ouvert has no column for, as text; CKAN's own ``extras`` list included."""
    pairs = [(k, v) for k, v in obj.items() if k not in used]
    listed = obj.get("extras") if "extras" in used else None
    for item in listed if isinstance(listed, list) else []:
        if isinstance(item, dict) and "key" in item:
            pairs.append((item["key"], item.get("value")))
    extras: dict[str, str] = {}
    for key, value in pairs:
        if value in (None, "", [], {}) or not isinstance(key, str) or not key.strip() or len(key) > 100:
            continue
        text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
        if len(text) > MAX_EXTRA_LENGTH:
            notes.append(("", _("extra “%(key)s” over 10 kB left out") % {"key": key[:60]}))
            continue
        extras[key.strip()] = _CONTROL.sub("", text)
    return extras


def _organisation(pkg: dict, language: str) -> OrganisationSpec | None:
    org = pkg.get("organization")
    owner = _text(pkg.get("owner_org"))
    if isinstance(org, dict) and (org.get("name") or org.get("id")):
        notes: list = []
        ckan_id = _text(org.get("id")).lower()
        name = normalise_name(org.get("name")) or normalise_name(ckan_id)
        titles = _bilingual(org, "title", "title_fra", language, TITLE_LENGTH, notes, label=_("organisation title"), split_pipe=True)
        if not (titles["fr"] or titles["en"]):
            titles = {"fr": name, "en": name}
        for lang in ("fr", "en"):  # a proper name given once serves both languages
            titles[lang] = titles[lang] or titles["en" if lang == "fr" else "fr"]
        descriptions = _bilingual(org, "description", "description_fra", language, DESCRIPTION_LENGTH, notes,
                                  label=_("organisation description"))
        images = org.get("image_url_translated") if isinstance(org.get("image_url_translated"), dict) else {}
        data = {
            "name": name, "title_fr": titles["fr"], "title_en": titles["en"],
            "description_fr": descriptions["fr"], "description_en": descriptions["en"],
            "website": _url(org.get("external_home_url") or org.get("url"), 200) or "",
            "image_url": _url(images.get(language) or org.get("image_url"), 200) or "",
            "extras": {"ckan_id": ckan_id} if ckan_id else {},
        }
        return OrganisationSpec(name=name, ckan_id=ckan_id, data=data)
    if isinstance(org, str) and org.strip():
        return OrganisationSpec(name=normalise_name(org), ckan_id=owner.lower())
    if owner:
        return OrganisationSpec(name=normalise_name(owner), ckan_id=owner.lower())
    return None


def _resources(pkg: dict, language: str, notes: list) -> list[ResourceSpec]:
    items = [r for r in pkg.get("resources") or [] if isinstance(r, dict)]
    items.sort(key=lambda r: r.get("position") if isinstance(r.get("position"), int) else 0)
    specs = []
    for resource in items:
        if str(resource.get("state") or "active").lower() == "deleted":
            notes.append(("resource", _("resource deleted in CKAN")))
            continue
        url = _url(resource.get("url"))
        if url is None:
            notes.append(("resource", _("resource without a usable URL")))
            continue
        if _text(resource.get("url")) != url:
            notes.append(("", _("resource URL cleaned (label, list or spaces around it)")))
        ckan_id = _text(resource.get("id"))
        titles = _bilingual(resource, "name", "name_fra", language, TITLE_LENGTH, notes, label=_("resource title"))
        descriptions = _bilingual(resource, "description", "description_fra", language, DESCRIPTION_LENGTH, notes,
                                  label=_("resource description"))
        data: dict[str, Any] = {
            "url": url, "position": len(specs),
            "title_fr": titles["fr"], "title_en": titles["en"],
            "description_fr": descriptions["fr"], "description_en": descriptions["en"],
        }
        fmt = _text(resource.get("format"))[:50]
        if fmt:
            data["format"] = fmt
        extras = _extras(resource, RESOURCE_KEYS_USED, notes)
        if ckan_id:
            extras["ckan_id"] = ckan_id
        data["extras"] = extras
        specs.append(ResourceSpec(ckan_id=ckan_id, uuid=_uuid(ckan_id), data=data))
    return specs


# --- importing ----------------------------------------------------------------------------

def import_actor():
    """The system account the import acts as (sysadmin, no usable password)."""
    from django.contrib.auth import get_user_model

    from ouvert.accounts.services import create_user

    user = get_user_model().objects.filter(username=IMPORT_USERNAME).first()
    if user is None:
        user = create_user(username=IMPORT_USERNAME, email=f"{IMPORT_USERNAME}@localhost", password=None,
                           display_name="CKAN import", email_verified=True, is_superuser=True)
    return user


class CkanImporter:
    """Create or update the catalog from CKAN packages; one instance per run."""

    def __init__(self, *, actor=None, language: str = "en", fallback_organisation: str = FALLBACK_ORGANISATION,
                 report: Report | None = None):
        self.actor = actor or import_actor()
        self.language = language
        self.fallback_name = fallback_organisation
        self.report = report or Report()
        self._organisations: dict[str, Organisation | None] = {}

    # organisations

    def organisation(self, spec: OrganisationSpec | None, line: int | None) -> Organisation | None:
        """The dataset's organisation, created or updated from the record; None when unknown."""
        if spec is None:
            return None
        for key in (spec.name, spec.ckan_id):
            if key and key in self._organisations:
                return self._organisations[key]
        found = self._save_organisation(spec, line) if spec.data is not None else self._find_organisation(spec)
        if found is not None or spec.data is not None:
            # Refused organisations are remembered too, so they are reported once.
            for key in (spec.name, spec.ckan_id, getattr(found, "name", "")):
                if key:
                    self._organisations[key] = found
        return found

    def _find_organisation(self, spec: OrganisationSpec) -> Organisation | None:
        found = Organisation.objects.filter(name=spec.name).first() if spec.name else None
        if found is None and spec.ckan_id:
            found = Organisation.objects.filter(extras__ckan_id=spec.ckan_id).first()
        return found

    def _save_organisation(self, spec: OrganisationSpec, line: int | None) -> Organisation | None:
        existing = self._find_organisation(spec)
        data = dict(spec.data)
        try:
            if existing is None:
                organisation = _call_dropping(
                    lambda d: accounts.create_organisation(actor=self.actor, data=d), data,
                    OPTIONAL_ORGANISATION_FIELDS, self.report, line)
                self.report.count("organisation", "created")
                return organisation
            data["extras"] = {**existing.extras, **data["extras"]}
            data.pop("name")  # found by id or name: it keeps the name it has here
            changes = {k: v for k, v in data.items() if getattr(existing, k) != v}
            if not changes:
                self.report.count("organisation", "unchanged")
                return existing
            organisation = _call_dropping(
                lambda d: accounts.update_organisation(existing, actor=self.actor, data=d), changes,
                OPTIONAL_ORGANISATION_FIELDS, self.report, line)
            self.report.count("organisation", "updated")
            return organisation
        except DomainError as exc:
            self.report.skip("organisation", _("organisation not valid: %(error)s") % {"error": _error_text(exc)}, line)
            return None

    def fallback_organisation(self) -> Organisation:
        """Where datasets go whose record names no organisation known here."""
        key = f"\0{self.fallback_name}"
        if self._organisations.get(key) is None:
            found = Organisation.objects.filter(name=self.fallback_name).first()
            if found is None:
                found = accounts.create_organisation(actor=self.actor, data={
                    "name": self.fallback_name, "title_fr": "Importé de CKAN", "title_en": "Imported from CKAN"})
                self.report.count("organisation", "created")
            self._organisations[key] = found
        return self._organisations[key]

    # datasets

    def import_record(self, pkg: dict, line: int | None = None) -> str:
        """Import one package; returns the outcome ("created", "updated", "unchanged", "deleted", "skipped")."""
        report = self.report
        try:
            package = map_package(pkg, language=self.language)
        except Deleted as exc:
            if self._delete(pkg):
                report.count("dataset", "deleted")
                return "deleted"
            report.skip("dataset", str(exc), line)
            return "skipped"
        except Skip as exc:
            report.skip("dataset", str(exc), line)
            return "skipped"
        for kind, reason in package.notes:
            if kind:
                report.skip(kind, reason, line)
            else:
                report.note(reason, line)
        organisation = self.organisation(package.organisation, line)
        try:
            # The record and its index entry commit together, so an import stopped at any point
            # leaves every record it committed findable. ``deferred`` indexes the dataset once,
            # in the record's transaction, from what is stored when the record is done (with
            # CKAN's dates, written after the service), however many changes the record made.
            with transaction.atomic(), search.deferred():
                outcome = self._save_dataset(package, organisation, line)
        except Skip as exc:
            report.skip("dataset", str(exc), line)
            return "skipped"
        except (DomainError, DatabaseError) as exc:
            report.skip("dataset", _("not valid: %(error)s") % {"error": _error_text(exc)}, line)
            return "skipped"
        report.count("dataset", outcome)
        return outcome

    def _find_dataset(self, package: Package) -> Dataset | None:
        # One query for both ways of finding it; the one with the record's id wins.
        wanted = Q(name=package.data["name"]) | Q(pk=package.id) if package.id is not None else Q(name=package.data["name"])
        candidates = list(Dataset.objects.filter(wanted)[:2])
        found = next((d for d in candidates if d.pk == package.id), None)
        if found is not None:
            return found
        found = candidates[0] if candidates else None
        if found is not None and package.ckan_id and found.extras.get("ckan_id", package.ckan_id) != package.ckan_id:
            raise Skip(_("name already used by another dataset"))
        return found

    def _save_dataset(self, package: Package, organisation: Organisation | None, line: int | None) -> str:
        actor, data, report = self.actor, dict(package.data), self.report
        dataset = self._find_dataset(package)
        if dataset is not None and dataset.state == State.DELETED:
            raise Skip(_("deleted in Ouvert: left alone"))
        if organisation is None:
            if package.organisation is None:
                report.note(_("no organisation in the record"), line)
            else:
                report.note(_("organisation “%(ref)s” not found") % {"ref": package.organisation.name
                                                                      or package.organisation.ckan_id}, line)
            if dataset is None:
                organisation = self.fallback_organisation()
                report.note(_("new dataset without a known organisation put in “%(name)s”") % {"name": self.fallback_name}, line)
        state = package.state
        if dataset is not None and package.state == State.DRAFT:
            if dataset.state == State.ACTIVE:
                report.note(_("draft in CKAN but published here: left published"), line)
            state = None
        resources = self._resource_specs(dataset, package.resources)
        # Resources without a CKAN id were added here by hand: they stay.
        result = _call_dropping(
            lambda d: services.sync_dataset(services.DatasetSpec(
                d, id=dataset.pk if dataset is not None else package.id, organisation=organisation, state=state,
                resources=resources, managed_key="ckan_id"), actor=actor, source=SOURCE),
            data, OPTIONAL_DATASET_FIELDS, report, line)
        dataset = result.dataset
        for outcome, resources in (("updated", result.resources_updated), ("unchanged", result.resources_unchanged),
                                   ("created", result.resources_created), ("deleted", result.resources_deleted)):
            if resources:
                report.count("resource", outcome, len(resources))
        outcome = "created" if result.created else "updated" if result.changed else "unchanged"
        # The services stamp ``created``/``modified`` with the time of the call (auto_now) and
        # ``published`` with the time of publication; the catalog should show CKAN's dates, so
        # they are written afterwards with a queryset update, which bypasses auto_now and
        # records no activity (the dates are not a change made by anyone).
        dates = {"created": package.created, "modified": package.modified}
        if dataset.state == State.ACTIVE:
            dates["published"] = package.created
        dates = {k: v for k, v in dates.items() if v is not None}
        # A dataset just created always needs them (the services stamped the time of the call).
        current = Dataset.objects.filter(pk=dataset.pk).values(*dates).first() if dates and not result.created else {}
        if dates and current != dates:
            Dataset.objects.filter(pk=dataset.pk).update(**dates)
            if outcome == "unchanged":
                outcome = "updated"
        return outcome

    def _resource_specs(self, dataset: Dataset | None, specs: list[ResourceSpec]) -> list[services.ResourceSpec]:
        """The package's links for ``sync_dataset``, each matched to the dataset's resource it
        was imported as: by id, by CKAN id, or (no id) the first unclaimed link to the same URL."""
        existing = [] if dataset is None else list(dataset.resources.all())
        by_pk = {r.pk: r for r in existing}
        by_ckan = {r.extras.get("ckan_id"): r for r in existing if r.extras.get("ckan_id")}
        seen: set = set()
        out = []
        for spec in specs:
            resource = by_pk.get(spec.uuid) or by_ckan.get(spec.ckan_id)
            if resource is None and not spec.ckan_id:
                resource = next((r for r in existing if r.url == spec.data["url"] and r.pk not in seen
                                 and not r.extras.get("ckan_id")), None)
            if resource is not None and resource.pk in seen:
                resource = None
            if resource is None:  # a new link, keeping the CKAN id when no resource has it
                out.append(services.ResourceSpec(spec.data, id=spec.uuid))
                continue
            seen.add(resource.pk)
            out.append(services.ResourceSpec(spec.data, id=resource.pk))
        return out

    def _delete(self, pkg: dict) -> bool:
        """Delete a dataset imported earlier that CKAN now marks deleted (matched by id only)."""
        dataset_id = _uuid(str(pkg.get("id") or ""))
        dataset = Dataset.objects.filter(pk=dataset_id).first() if dataset_id else None
        if dataset is None or dataset.state == State.DELETED:
            return False
        services.delete_dataset(dataset, actor=self.actor)
        return True

    def import_file(self, path: str | Path, *, limit: int | None = None,
                    progress: Callable[[int, float], None] | None = None) -> Report:
        """Import every package of ``path`` (at most ``limit``); ``progress(records, fraction)`` after each."""
        report, started, fraction = self.report, time.monotonic(), [0.0]

        def at(value: float) -> None:
            fraction[0] = value

        for line in read_records(path, position=at):
            if line.error:
                report.broken_lines.append((line.number, line.error))
                continue
            if limit is not None and report.records >= limit:
                break
            report.records += 1
            if line.recovered:
                report.recovered_lines.append(line.number)
            self.import_record(line.record, line.number)
            if progress is not None:
                progress(report.records, fraction[0])
        report.seconds = time.monotonic() - started
        return report


def import_file(path: str | Path, *, limit: int | None = None, language: str = "en",
                fallback_organisation: str = FALLBACK_ORGANISATION,
                progress: Callable[[int, float], None] | None = None) -> Report:
    """Import a ``ckanapi dump datasets`` file; see ``CkanImporter``."""
    importer = CkanImporter(language=language, fallback_organisation=fallback_organisation)
    return importer.import_file(path, limit=limit, progress=progress)


def _call_dropping(call: Callable[[dict], Any], data: dict, optional: dict, report: Report, line: int | None):
    """Call a service; if only optional fields are refused, retry once without them (noted)."""
    try:
        return call(data)
    except ValidationFailed as exc:
        bad = set(exc.fields)
        if not bad or not bad <= optional.keys():
            raise
        retry = dict(data)
        for key in bad:
            retry[key] = optional[key]
            report.note(_("field “%(field)s” left out: %(error)s") % {"field": key, "error": " ".join(exc.fields[key])}, line)
        return call(retry)


def _error_text(exc: Exception) -> str:
    fields = getattr(exc, "fields", None)
    text = "; ".join(f"{k}: {' '.join(v)}" for k, v in fields.items()) if fields else str(exc)
    text = text or exc.__class__.__name__
    return text if len(text) <= 200 else text[:199] + "…"
