"""Forms of the account screens. They check the shape of input; the services decide."""

from __future__ import annotations

from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm, SetPasswordForm
from django.template.defaultfilters import filesizeformat
from django.utils.functional import lazy
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from . import ratelimit, services
from .models import Organisation, Role

LANGUAGE_CHOICES = [("fr", "Français"), ("en", "English")]

def apply_errors(form: forms.Form, exc) -> None:
    """Put a domain error's messages next to the matching fields (the rest above the form)."""
    placed = False
    for field, messages in exc.fields.items():
        target = field if field in form.fields else None
        if field == "password" and "password1" in form.fields:
            target = "password1"
        for message in messages:
            form.add_error(target, message)
            placed = True
    if not placed:
        form.add_error(None, exc.message or _("Something went wrong."))


def _password_help() -> str:
    return " ".join(str(text) for text in password_validation.password_validators_help_texts())


password_help = lazy(_password_help, str)


class SignInForm(AuthenticationForm):
    """Sign in with a user name or an e-mail address."""

    username = forms.CharField(
        label=_("User name or e-mail address"), max_length=254,
        widget=forms.TextInput(attrs={"autocomplete": "username", "autocapitalize": "none", "spellcheck": "false"}),
    )
    password = forms.CharField(
        label=_("Password"), strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _("The user name, e-mail address or password is not right. Both may be case-sensitive."),
        "throttled": _("Too many failed attempts. Wait a few minutes, then try again."),
    }

    def clean(self):
        identifier = (self.cleaned_data.get("username") or "").strip()
        password = self.cleaned_data.get("password")
        if not identifier or not password:
            return self.cleaned_data
        ip = ratelimit.client_ip(self.request) if self.request else ""
        try:
            user = services.check_credentials(identifier, password, ip=ip, request=self.request)
        except services.SignInThrottled:
            raise forms.ValidationError(self.error_messages["throttled"], code="throttled") from None
        if user is None:
            raise self.get_invalid_login_error()
        self.user_cache = user
        self.confirm_login_allowed(user)
        return self.cleaned_data


class SignUpForm(forms.Form):
    username = forms.CharField(
        label=_("User name"), max_length=150,
        help_text=_("Letters, digits and @ . + - _ only; shown on what you publish."),
        widget=forms.TextInput(attrs={"autocomplete": "username", "autocapitalize": "none", "spellcheck": "false"}),
    )
    email = forms.EmailField(
        label=_("E-mail address"), max_length=254,
        help_text=_("We send a link to this address to check that it is yours."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    display_name = forms.CharField(
        label=_("Public name (optional)"), max_length=150, required=False,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    password1 = forms.CharField(
        label=_("Password"), strip=False, help_text=password_help(),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label=_("Password again"), strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("password1") and cleaned.get("password2") and cleaned["password1"] != cleaned["password2"]:
            self.add_error("password2", _("The two passwords are not the same."))
        return cleaned


class ProfileForm(forms.Form):
    display_name = forms.CharField(
        label=_("Public name"), max_length=150, required=False,
        help_text=_("Shown instead of your user name. Leave empty to show your user name."),
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    language = forms.ChoiceField(
        label=_("Language"), choices=LANGUAGE_CHOICES,
        help_text=_("Language of the e-mails we send you."),
        widget=forms.Select(attrs={"autocomplete": "language"}),
    )


class PasswordResetRequestForm(forms.Form):
    email = forms.EmailField(
        label=_("E-mail address"), max_length=254,
        help_text=_("The address of your account."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )


class ResetSetPasswordForm(SetPasswordForm):
    """Choosing a new password from an e-mailed link also proves the address works."""

    def save(self, commit=True):
        user = super().save(commit=False)
        user.email_verified = True
        if commit:
            user.save()
        return user


class TokenForm(forms.Form):
    name = forms.CharField(
        label=_("Name"), max_length=100,
        help_text=_("What the token is for, for example “nightly harvest”."),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    expires_in_days = forms.IntegerField(
        label=_("Expires after (days, optional)"), required=False, min_value=1, max_value=3650,
        help_text=_("Leave empty for a token that lasts until you revoke it."),
        widget=forms.NumberInput(attrs={"autocomplete": "off", "inputmode": "numeric"}),
    )


class MemberAddForm(forms.Form):
    identifier = forms.CharField(
        label=_("User name or e-mail address"), max_length=254,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "none", "spellcheck": "false"}),
    )
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices, initial=Role.MEMBER)


class MemberRoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)


def _organisation_text(field: str, *, widget=None, help_text=""):
    model_field = Organisation._meta.get_field(field)
    attrs = {"maxlength": model_field.max_length} if getattr(model_field, "max_length", None) else {}
    if field.endswith(("_fr", "_en")):  # the text typed is in the field's language, whatever the page's
        attrs["lang"] = field[-2:]
    return forms.CharField(label=capfirst(model_field.verbose_name), required=False, strip=False,
                           help_text=help_text, widget=(widget or forms.TextInput)(attrs=attrs))


def _organisation_textarea(field: str, help_text=""):
    bound = _organisation_text(field, widget=forms.Textarea, help_text=help_text)
    bound.widget.attrs["rows"] = 5
    return bound


class OrganisationForm(forms.Form):
    """Create or edit an organisation. Every field is optional here: the service's messages
    (``ValidationFailed.fields``) are the ones shown."""

    name = _organisation_text("name", help_text=_(
        "Its address on the site: lower-case letters, digits, - and _ (for example ville-de-quebec)."))
    title_fr = _organisation_text("title_fr")
    title_en = _organisation_text("title_en")
    description_fr = _organisation_textarea("description_fr", _("Markdown: *emphasis*, **bold**, [link](https://…)."))
    description_en = _organisation_textarea("description_en", _("Markdown: *emphasis*, **bold**, [link](https://…)."))
    website = _organisation_text("website", widget=forms.URLInput)
    email = _organisation_text("email", widget=forms.EmailInput, help_text=_("Where people can write to the organisation."))
    logo = forms.FileField(label=_("Logo"), required=False, widget=forms.FileInput(
        attrs={"accept": "image/png,image/jpeg,image/webp"}), help_text=lazy(lambda: _(
            "A PNG, JPEG or WebP image (not SVG), at most %(size)s and %(side)d pixels on each side.")
        % {"size": filesizeformat(Organisation.LOGO_MAX_BYTES), "side": Organisation.LOGO_MAX_SIDE}, str)())
    image_url = _organisation_text("image_url", widget=forms.URLInput,
                                   help_text=_("Or the web address of a logo kept elsewhere; an uploaded logo comes first."))
    remove_logo = forms.BooleanField(label=_("Remove the uploaded logo"), required=False)

    SERVICE_FIELDS = ("name", "title_fr", "title_en", "description_fr", "description_en", "website", "email", "image_url")

    def __init__(self, *args, organisation=None, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.fields["name"].widget.attrs.update({"autocapitalize": "none", "spellcheck": "false"})
        if organisation is None or not organisation.logo:
            del self.fields["remove_logo"]
        else:
            self.fields["logo"].label = _("Replace the logo")

    @classmethod
    def initial_for(cls, organisation) -> dict:
        return {field: getattr(organisation, field) for field in cls.SERVICE_FIELDS}

    def service_data(self) -> dict:
        return {field: self.cleaned_data.get(field) or "" for field in self.SERVICE_FIELDS}
