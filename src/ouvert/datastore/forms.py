"""Forms of the datastore's publisher screens: the data dictionary and the loading options.

As in the catalogue, the forms parse the request and the services decide what is valid.
"""

from __future__ import annotations

import codecs

from django import forms
from django.utils.translation import gettext_lazy as _

from ouvert.core.errors import ValidationFailed
from ouvert.web.forms import ServiceForm

from .ingest import FIELD_TYPES

#: Encodings a publisher may choose instead of the detected one (Python codec names).
ENCODINGS = [
    ("", _("Detect automatically")),
    ("utf-8", "UTF-8"),
    ("utf-16-le", "UTF-16LE"),
    ("utf-16-be", "UTF-16BE"),
    ("windows-1252", "Windows-1252"),
    ("iso-8859-1", "ISO-8859-1 (Latin-1)"),
    ("mac_roman", "Mac Roman"),
]
#: Delimiters offered; a tab travels as the word "tab" (a tab character in an HTML attribute
#: does not survive every browser).
DELIMITER_CODES = {"comma": ",", "semicolon": ";", "tab": "\t", "pipe": "|"}
DELIMITERS = [
    ("", _("Detect automatically")),
    ("comma", _("Comma (,)")),
    ("semicolon", _("Semicolon (;)")),
    ("tab", _("Tab")),
    ("pipe", _("Vertical bar (|)")),
]
TYPE_NAMES = {
    "integer": _("Integer"), "number": _("Number"), "boolean": _("Yes/no"), "date": _("Date"),
    "datetime": _("Date and time"), "string": _("Text"),
}


def _encoding_choice(name: str | None) -> str:
    """The choice for a stored codec name (the services store ``cp1252`` for Windows-1252)."""
    if not name:
        return ""
    try:
        wanted = codecs.lookup(name).name
    except LookupError:
        return ""
    for value, _label in ENCODINGS[1:]:
        if codecs.lookup(value).name == wanted:
            return value
    return ""


class IngestionOptionsForm(ServiceForm):
    """What the publisher knows better than the detection: encoding, delimiter, header row."""

    encoding = forms.ChoiceField(
        label=_("Encoding"), choices=ENCODINGS, required=False,
        help_text=_("Choose one only if accented letters look wrong in the preview."))
    delimiter = forms.ChoiceField(label=_("Delimiter"), choices=DELIMITERS, required=False)
    header_row = forms.IntegerField(
        label=_("Header row"), required=False, min_value=0, max_value=10_000,
        help_text=_("The line number of the column names in the file; 0 if the file has none; empty to detect it."),
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}))

    @staticmethod
    def initial_for(resource, table) -> dict:
        options = dict(getattr(table, "options", None) or {}) if table is not None else {}
        codes = {value: code for code, value in DELIMITER_CODES.items()}
        return {
            "encoding": _encoding_choice(options.get("encoding")),
            "delimiter": codes.get(options.get("delimiter") or "", ""),
            "header_row": options.get("header_row"),
        }

    def service_data(self) -> dict:
        data = self.cleaned_data
        return {
            "encoding": data.get("encoding") or None,
            "delimiter": DELIMITER_CODES.get(data.get("delimiter") or ""),
            "header_row": data.get("header_row"),
        }


class ColumnForm(ServiceForm):
    """One column of the data dictionary (the form is repeated, one prefix per column)."""

    label_fr = forms.CharField(label=_("Label in French"), required=False, max_length=300)
    label_en = forms.CharField(label=_("Label in English"), required=False, max_length=300)
    description_fr = forms.CharField(label=_("Description in French"), required=False,
                                     widget=forms.Textarea(attrs={"rows": 3}))
    description_en = forms.CharField(label=_("Description in English"), required=False,
                                     widget=forms.Textarea(attrs={"rows": 3}))
    type_override = forms.ChoiceField(
        label=_("Type"), required=False,
        help_text=_("Applies when the data is loaded again; values that do not fit the type are left empty and reported."))

    def __init__(self, *args, column: dict, **kwargs):
        super().__init__(*args, **kwargs)
        self.column = column
        detected = TYPE_NAMES.get(column["type"], column["type"])
        self.fields["type_override"].choices = [("", _("As detected (%(type)s)") % {"type": detected})] + [
            (kind, TYPE_NAMES.get(kind, kind)) for kind in FIELD_TYPES]

    @staticmethod
    def initial_for(column: dict) -> dict:
        info = column.get("info")
        if info is None:
            return {}
        return {field: getattr(info, field, "") or "" for field in
                ("label_fr", "label_en", "description_fr", "description_en", "type_override")}

    def service_data(self) -> dict:
        data = {"name": self.column["name"]}
        for field in ("label_fr", "label_en", "description_fr", "description_en", "type_override"):
            data[field] = (self.cleaned_data.get(field) or "").strip()
        return data


def dictionary_errors(exc: ValidationFailed | None, forms_: list[ColumnForm]) -> list[dict]:
    """Errors of the dictionary page for its summary: the forms' own, then the service's
    (placed on a column's field when the service names it, ``columns.<i>.<field>`` or
    ``<column name>.<field>``)."""
    if exc is not None:
        by_name = {form.column["name"]: form for form in forms_}
        for key, messages in exc.fields.items():
            form, field = _target(key, forms_, by_name)
            for message in messages:
                if form is not None and field in form.fields:
                    form.add_error(field, message)
                elif form is not None:
                    form.add_error(None, message)
                elif forms_:
                    forms_[0].add_error(None, f"{key}: {message}" if key else message)
        if not exc.fields and forms_:
            forms_[0].add_error(None, exc.message or _("The data dictionary could not be saved."))
    items = []
    for form in forms_:
        for item in form.error_summary():
            item = dict(item)
            item["column"] = form.column["name"]
            items.append(item)
    return items


def _target(key: str, forms_: list[ColumnForm], by_name: dict) -> tuple[ColumnForm | None, str]:
    parts = key.replace("[", ".").replace("]", "").split(".")
    if len(parts) >= 2 and parts[0] == "columns" and parts[1].isdigit():
        index = int(parts[1])
        if index < len(forms_):
            return forms_[index], parts[2] if len(parts) > 2 else ""
    head, _sep, field = key.rpartition(".")
    if head in by_name:
        return by_name[head], field
    if key in by_name:
        return by_name[key], ""
    return None, ""
