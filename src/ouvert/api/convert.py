"""CKAN input dicts (as ``package_show`` and friends give them) to the services' input dicts.

Keys the serializers produce but nobody sets (``metadata_modified``, ``num_resources``...) are
accepted and ignored, so that a dict read from the API can be sent back; keys nobody knows
are a Validation Error, as in CKAN. Resources keep unknown keys as extras, as CKAN does.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from ouvert.catalog import licences
from ouvert.core.errors import ValidationFailed

LANGS = ("fr", "en")

PACKAGE_READ_ONLY = {
    "id", "type", "organization", "license_title", "license_url", "isopen", "metadata_created",
    "metadata_modified", "num_resources", "num_tags", "creator_user_id", "revision_id",
    "relationships_as_object", "relationships_as_subject", "tracking_summary", "owner_org", "state",
    "resources", "author", "author_email",
}
RESOURCE_READ_ONLY = {
    "id", "package_id", "url_type", "mimetype", "mimetype_inner", "size", "hash", "created",
    "last_modified", "metadata_modified", "state", "datastore_active", "cache_url",
    "cache_last_updated", "revision_id", "upload", "clear_upload", "tracking_summary",
}
GROUP_READ_ONLY = {
    "id", "type", "is_organization", "state", "approval_status", "created", "display_name",
    "image_display_url", "package_count", "packages", "users", "num_followers", "groups", "tags",
}


class _Errors:
    def __init__(self) -> None:
        self.fields: dict[str, list[str]] = {}

    def add(self, field: str, message: str) -> None:
        self.fields.setdefault(field, []).append(message)

    def raise_if_any(self) -> None:
        if self.fields:
            raise ValidationFailed(_("Some fields are not valid."), fields=self.fields)


def _bilingual(data: dict, ckan: str, ours: str, language: str, errors: _Errors, out: dict, *,
               translated: str | None = None) -> None:
    """``<ckan>_translated`` ({"fr", "en"}) wins; a plain ``<ckan>`` is in the request's language."""
    translated = translated or f"{ckan}_translated"
    if translated in data and data[translated] is not None:
        value = data[translated]
        if not isinstance(value, dict) or not set(value) <= set(LANGS):
            errors.add(translated, _("Expected an object with “fr” and “en” keys."))
            return
        for lang in LANGS:
            if lang in value:
                out[f"{ours}_{lang}"] = value[lang] if value[lang] is not None else ""
    elif ckan in data:
        out[f"{ours}_{language}"] = data[ckan] if data[ckan] is not None else ""


def _tags(data: dict, errors: _Errors, out: dict) -> None:
    if data.get("tags") is not None:
        tags = data["tags"]
        if isinstance(tags, str):
            tags = [t for t in tags.split(",")]
        if not isinstance(tags, list):
            errors.add("tags", _("Expected a list of tags."))
            return
        by_language: dict[str, list] = {"": [], "fr": [], "en": []}
        for tag in tags:
            if isinstance(tag, str):
                by_language[""].append(tag)
            elif isinstance(tag, dict) and isinstance(tag.get("name"), str):
                lang = tag.get("language") or ""
                if lang not in by_language:
                    errors.add("tags", _("A tag's language is “fr”, “en” or empty."))
                    continue
                by_language[lang].append(tag["name"])
            else:
                errors.add("tags", _("Each tag is a name or an object with a name."))
        out["tags"], out["tags_fr"], out["tags_en"] = by_language[""], by_language["fr"], by_language["en"]
    if data.get("keywords") is not None:
        keywords = data["keywords"]
        if not isinstance(keywords, dict) or not set(keywords) <= set(LANGS):
            errors.add("keywords", _("Expected an object with “fr” and “en” lists."))
            return
        for lang in LANGS:
            if lang in keywords:
                out[f"tags_{lang}"] = keywords[lang]


def _groups(data: dict, errors: _Errors, out: dict) -> None:
    groups = data.get("groups")
    if groups is None:
        return
    if not isinstance(groups, list):
        errors.add("groups", _("Expected a list of groups."))
        return
    names = []
    for group in groups:
        name = group.get("name") or group.get("id") if isinstance(group, dict) else group
        if not isinstance(name, str):
            errors.add("groups", _("Each group is a name or an object with a name."))
            continue
        names.append(name)
    out["themes"] = names


PACKAGE_FIELDS = {
    "name": "name", "private": "private", "maintainer": "contact_name", "maintainer_email": "contact_email",
    "url": "source_url", "version": "version", "frequency": "frequency", "temporal_start": "temporal_start",
    "temporal_end": "temporal_end", "spatial": "spatial", "extras": "extras",
}
PACKAGE_KNOWN = (set(PACKAGE_FIELDS) | PACKAGE_READ_ONLY
                 | {"title", "title_translated", "notes", "notes_translated", "license_id", "tags", "keywords", "groups"})

#: What a full replace (package_update) sets a field to when the input leaves it out.
PACKAGE_DEFAULTS = {
    "title_fr": "", "title_en": "", "description_fr": "", "description_en": "", "licence": "",
    "frequency": "", "temporal_start": None, "temporal_end": None, "spatial": "", "contact_name": "",
    "contact_email": "", "source_url": "", "version": "", "private": False, "extras": {}, "tags": [],
    "tags_fr": [], "tags_en": [], "themes": [],
}


def package_input(data: dict, language: str, *, replace: bool = False) -> dict:
    """The dataset fields of a CKAN package dict, for ``create_dataset`` / ``update_dataset``.

    With ``replace``, fields absent from ``data`` are reset (package_update's full replace).
    """
    errors = _Errors()
    out: dict[str, Any] = {}
    for key in data:
        if key not in PACKAGE_KNOWN:
            errors.add(key, _("Unknown field."))
    for key in ("author", "author_email"):
        if data.get(key):
            errors.add(key, _("Not supported; use maintainer and maintainer_email."))
    for ckan, ours in PACKAGE_FIELDS.items():
        if ckan in data:
            out[ours] = data[ckan] if data[ckan] is not None or ours == "temporal_start" or ours == "temporal_end" else ""
    if "private" in out and out["private"] == "":
        out["private"] = False
    _bilingual(data, "title", "title", language, errors, out)
    _bilingual(data, "notes", "description", language, errors, out)
    if "license_id" in data:
        given = data["license_id"] or ""
        out["licence"] = (licences.resolve(given) or given) if isinstance(given, str) else given
    _tags(data, errors, out)
    _groups(data, errors, out)
    errors.raise_if_any()
    if replace:
        out = {**PACKAGE_DEFAULTS, **out}
        if not {"tags", "keywords"} & data.keys():
            out.update(tags=[], tags_fr=[], tags_en=[])
    return out


RESOURCE_FIELDS = {"url": "url", "format": "format", "position": "position"}
RESOURCE_DEFAULTS = {"title_fr": "", "title_en": "", "description_fr": "", "description_en": "",
                     "format": "", "extras": {}}


def resource_input(data: dict, language: str, *, replace: bool = False) -> dict:
    """The fields of a CKAN resource dict for ``add_resource`` / ``update_resource``; keys we do
    not know become extras."""
    errors = _Errors()
    out: dict[str, Any] = {}
    extras: dict[str, Any] = {}
    known = set(RESOURCE_FIELDS) | RESOURCE_READ_ONLY | {"name", "name_translated", "description",
                                                         "description_translated", "extras"}
    for ckan, ours in RESOURCE_FIELDS.items():
        if ckan in data and data[ckan] is not None:
            out[ours] = data[ckan]
    _bilingual(data, "name", "title", language, errors, out)
    _bilingual(data, "description", "description", language, errors, out)
    for key, value in data.items():
        if key in known or value is None:
            continue
        if isinstance(value, (dict, list)):
            errors.add(key, _("Extra resource fields hold text, numbers or booleans."))
            continue
        extras[key] = value
    if isinstance(data.get("extras"), dict):
        extras.update(data["extras"])
    elif data.get("extras") is not None:
        errors.add("extras", _("Expected an object of keys and values."))
    if extras or replace:
        out["extras"] = extras
    errors.raise_if_any()
    if replace:
        out = {**RESOURCE_DEFAULTS, **out}
    return out


def group_input(data: dict, language: str, *, organisation: bool, replace: bool = False) -> dict:
    """The fields of a CKAN organization or group dict for the organisation / theme services."""
    errors = _Errors()
    out: dict[str, Any] = {}
    known = GROUP_READ_ONLY | {"name", "title", "title_translated", "description",
                               "description_translated", "image_url"} | ({"extras"} if organisation else set())
    for key in data:
        if key not in known:
            errors.add(key, _("Unknown field."))
    if "name" in data:
        out["name"] = data["name"]
    _bilingual(data, "title", "title", language, errors, out)
    _bilingual(data, "description", "description", language, errors, out)
    if "image_url" in data:
        out["image_url"] = data["image_url"] or ""
    if organisation and "extras" in data:
        out["extras"] = data["extras"]
    errors.raise_if_any()
    if replace:
        defaults = {"title_fr": "", "title_en": "", "description_fr": "", "description_en": "", "image_url": ""}
        out = {**defaults, **out}
    return out
