"""The form base every domain's screens share: fields rendered with a label, a hint and their
errors tied to the input, and the services' refusals put next to the fields they are about.

Forms render fields and parse the request; the services decide what is valid.
"""

from __future__ import annotations

from django import forms
from django.forms.renderers import DjangoTemplates
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _

from ouvert.core.errors import ValidationFailed


def safe_next(request, default: str) -> str:
    """Where to go after a form: the ``next`` field posted when it is a URL of this site (so
    that a crafted form cannot send people elsewhere: no open redirect), else ``default`` (a
    URL or a URL name, as ``redirect`` takes)."""
    destination = request.POST.get("next", "")
    if destination and url_has_allowed_host_and_scheme(destination, allowed_hosts={request.get_host()},
                                                       require_https=request.is_secure()):
        return destination
    return default


MARKDOWN_HINT = _("Markdown: *emphasis*, **bold**, [link](https://…), lists with “- ”. HTML is not allowed.")


class FormRenderer(DjangoTemplates):
    """Renders fields with a label, a hint and errors tied to the input (``aria-describedby``)."""

    form_template_name = "web/forms/form.html"
    field_template_name = "web/forms/field.html"


class ServiceForm(forms.Form):
    default_renderer = FormRenderer
    use_required_attribute = False  # the server explains what is missing, next to the field
    required_fields: tuple[str, ...] = ()

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        for name in self.required_fields:
            self.fields[name].widget.attrs["aria-required"] = "true"
            self.fields[name].mandatory = True
        for name, field in self.fields.items():
            # Bilingual content: the text typed is in the field's language, whatever the page's.
            if name.endswith(("_fr", "_en")):
                field.widget.attrs["lang"] = name[-2:]

    def add_service_errors(self, exc: ValidationFailed) -> None:
        """Put each of the service's field messages next to its field (or at the top)."""
        for field, messages in exc.fields.items():
            target = field if field in self.fields else None
            for message in messages:
                self.add_error(target, message if target else f"{field}: {message}")
        if not exc.fields:
            self.add_error(None, exc.message or _("The form could not be saved."))

    def error_summary(self) -> list[dict]:
        """Errors for the summary at the top: each with the id of the input to jump to."""
        items = [{"message": m, "anchor": ""} for m in self.non_field_errors()]
        for name in self.errors:
            if name == forms.forms.NON_FIELD_ERRORS:
                continue
            bound = self[name]
            anchor = f"{bound.auto_id}_0" if bound.use_fieldset else bound.auto_id
            for message in bound.errors:
                items.append({"label": bound.label, "message": message, "anchor": anchor})
        return items
