"""Forms of the publishing screens.

They render fields and parse the request; the services decide what is valid. Every field is
optional here so that the service's messages (``ValidationFailed.fields``) are the ones shown.
"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from ouvert.core.validation import max_length
from ouvert.web.forms import MARKDOWN_HINT, ServiceForm

from .models import Dataset, Frequency, Licence, Resource, State, Theme


def _text(label, *, help_text="", max_length=None, widget=None):
    return forms.CharField(label=label, required=False, help_text=help_text, strip=False,
                           widget=widget or forms.TextInput(attrs={"maxlength": max_length} if max_length else {}))


def _textarea(label, help_text=""):
    return forms.CharField(label=label, required=False, help_text=help_text, strip=False,
                           widget=forms.Textarea(attrs={"rows": 6}))


TAGS_HINT = _("Separate keywords with commas.")


class DatasetForm(ServiceForm):
    """Create or edit a dataset; ``organisations`` are those the user may publish in."""

    required_fields = ("organisation", "name")
    TEXT_FIELDS = (
        "name", "title_fr", "title_en", "description_fr", "description_en", "licence", "frequency",
        "temporal_start", "temporal_end", "spatial", "contact_name", "contact_email", "source_url",
        "version", "tags_fr", "tags_en", "tags",
    )

    organisation = forms.ModelChoiceField(label=_("Organisation"), queryset=None, to_field_name="name",
                                          empty_label=_("Choose an organisation"), required=False)
    name = _text(_("Short name (in the address)"), max_length=max_length(Dataset, "name"),
                 help_text=_("2 to 100 lowercase letters, digits, hyphens or underscores, e.g. “school-locations”. "
                             "It is the last part of the dataset’s address."))
    title_fr = _text(_("Title in French"), max_length=max_length(Dataset, "title_fr"),
                     help_text=_("Give a title in at least one language."))
    title_en = _text(_("Title in English"), max_length=max_length(Dataset, "title_en"),
                     help_text=_("Give a title in at least one language."))
    description_fr = _textarea(_("Description in French"), MARKDOWN_HINT)
    description_en = _textarea(_("Description in English"), MARKDOWN_HINT)
    tags_fr = _text(_("Keywords in French"), help_text=TAGS_HINT)
    tags_en = _text(_("Keywords in English"), help_text=TAGS_HINT)
    tags = _text(_("Keywords in both languages"), help_text=_("Words that are the same in French and English, such as acronyms. Separate them with commas."))
    themes = forms.MultipleChoiceField(label=_("Themes"), required=False, widget=forms.CheckboxSelectMultiple)
    licence = _text(_("Licence"), widget=forms.Select)
    frequency = _text(_("Update frequency"), widget=forms.Select(choices=Frequency.choices))
    temporal_start = _text(_("Coverage start"), help_text=_("Date as YYYY-MM-DD."),
                           widget=forms.DateInput(attrs={"type": "date"}))
    temporal_end = _text(_("Coverage end"), help_text=_("Date as YYYY-MM-DD."),
                         widget=forms.DateInput(attrs={"type": "date"}))
    spatial = _text(_("Spatial coverage"), max_length=max_length(Dataset, "spatial"), help_text=_("For example: Montréal, Québec, Canada."))
    contact_name = _text(_("Contact name"), max_length=max_length(Dataset, "contact_name"))
    contact_email = _text(_("Contact e-mail"), max_length=max_length(Dataset, "contact_email"),
                          widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    source_url = _text(_("Source page"), help_text=_("Web address of the page this data comes from, if any."),
                       widget=forms.URLInput)
    version = _text(_("Version"), max_length=max_length(Dataset, "version"))
    private = forms.BooleanField(label=_("Private: only members of the organisation can see it"), required=False)
    # Shown while the dataset is a draft (the page's publish button does the same).
    state = forms.ChoiceField(label=_("Status"), required=False, widget=forms.RadioSelect,
                              choices=[(State.DRAFT, State.DRAFT.label), (State.ACTIVE, State.ACTIVE.label)])

    def __init__(self, *args, organisations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations
        self.fields["licence"].widget.choices = [("", _("Choose a licence"))] + [
            (licence.pk, str(licence.title)) for licence in Licence.objects.all()
        ]
        self.fields["themes"].choices = [(theme.name, str(theme.title) or theme.name) for theme in Theme.objects.all()]

    @classmethod
    def initial_for(cls, dataset) -> dict:
        initial = {field: getattr(dataset, field, "") for field in cls.TEXT_FIELDS if hasattr(dataset, field)}
        initial["organisation"] = dataset.organisation.name
        initial["licence"] = dataset.licence_id or ""
        for field in ("temporal_start", "temporal_end"):
            value = getattr(dataset, field)
            initial[field] = value.isoformat() if value else ""
        tags = list(dataset.tags.all())
        initial["tags_fr"] = ", ".join(t.name for t in tags if t.language == "fr")
        initial["tags_en"] = ", ".join(t.name for t in tags if t.language == "en")
        initial["tags"] = ", ".join(t.name for t in tags if not t.language)
        initial["themes"] = [t.name for t in dataset.themes.all()]
        initial["private"] = dataset.private
        initial["state"] = dataset.state
        return initial

    def service_data(self) -> dict:
        data = {field: self.cleaned_data.get(field) or "" for field in self.TEXT_FIELDS}
        data["private"] = bool(self.cleaned_data.get("private"))
        data["themes"] = list(self.cleaned_data.get("themes") or [])
        return data


class ResourceForm(ServiceForm):
    """Add or edit a resource: upload a file or give a link."""

    title_fr = _text(_("Title in French"), max_length=max_length(Resource, "title_fr"))
    title_en = _text(_("Title in English"), max_length=max_length(Resource, "title_en"))
    description_fr = _textarea(_("Description in French"), MARKDOWN_HINT)
    description_en = _textarea(_("Description in English"), MARKDOWN_HINT)
    file = forms.FileField(label=_("File"), required=False,
                           help_text=_("A file to upload. If you choose one, the link below is ignored."))
    url = _text(_("Link"), help_text=_("Or the web address of the data, starting with https://."),
                widget=forms.URLInput)
    format = _text(_("Format"), max_length=max_length(Resource, "format"),
                   help_text=_("For example CSV, JSON or XLSX. Left empty, it is taken from the file name."))

    def __init__(self, *args, editing=None, **kwargs):
        super().__init__(*args, **kwargs)
        if editing is not None and editing.kind == "upload":
            self.fields["file"].label = _("Replace the file")
            self.fields["file"].help_text = _("Choose a new file to replace “%(name)s”. Leave empty to keep it.") % {
                "name": editing.filename}
            self.fields["url"].help_text = _("Or give a web address to replace the file with a link.")

    @classmethod
    def initial_for(cls, resource) -> dict:
        fields = ("title_fr", "title_en", "description_fr", "description_en", "format")
        initial = {field: getattr(resource, field) for field in fields}
        initial["url"] = resource.url if resource.kind == "url" else ""
        return initial

    def service_data(self, *, editing: bool) -> tuple[dict, object]:
        """(data, upload) for ``add_resource`` / ``update_resource``."""
        data = {field: self.cleaned_data.get(field) or "" for field in ("title_fr", "title_en", "description_fr", "description_en")}
        upload = self.cleaned_data.get("file") or None
        url = (self.cleaned_data.get("url") or "").strip()
        if upload is None and (url or not editing):
            data["url"] = url
        if self.cleaned_data.get("format") or not editing:
            data["format"] = self.cleaned_data.get("format") or ""
        return data, upload
