"""Account screens. Thin: form → service → message and redirect; domain errors become form errors."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import translation
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_safe

from ouvert.core.errors import NotFound, PermissionDenied, ValidationFailed

from . import permissions, ratelimit, services
from .forms import (
    MemberAddForm,
    MemberRoleForm,
    OrganisationForm,
    PasswordResetRequestForm,
    ProfileForm,
    ResetSetPasswordForm,
    SignInForm,
    SignUpForm,
    TokenForm,
    apply_errors,
)
from .models import Role

SIGNUP_LIMIT, SIGNUP_WINDOW = 20, 3600
RESET_PER_ADDRESS, RESET_PER_IP, RESET_WINDOW = 3, 20, 3600
RESEND_LIMIT, RESEND_WINDOW = 3, 3600


# --- sign in and out ---------------------------------------------------------------------

class SignInView(auth_views.LoginView):
    form_class = SignInForm
    template_name = "accounts/login.html"

    def form_valid(self, form):
        response = super().form_valid(form)
        if not form.get_user().email_verified:
            messages.warning(self.request, _("Your e-mail address is not verified yet. Follow the link we sent you, "
                                             "or ask for a new one from your account page."))
        return response


class SignOutView(auth_views.LogoutView):
    http_method_names = ["post", "options"]


# --- sign-up and verification ------------------------------------------------------------

@sensitive_post_parameters("password1", "password2")
def signup(request):
    if request.user.is_authenticated:
        return redirect("accounts:account")
    form = SignUpForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        if not ratelimit.hit("signup", ratelimit.client_ip(request), limit=SIGNUP_LIMIT, window=SIGNUP_WINDOW):
            form.add_error(None, _("Too many sign-ups from your network. Try again in an hour."))
            status = 429
        else:
            data = form.cleaned_data
            try:
                services.register_user(username=data["username"], email=data["email"], password=data["password1"],
                                       display_name=data["display_name"], language=_page_language(request))
            except ValidationFailed as exc:
                apply_errors(form, exc)
            else:
                return redirect("accounts:signup_done")
    return render(request, "accounts/signup.html", {"form": form}, status=status)


def signup_done(request):
    return render(request, "accounts/signup_done.html")


def verify(request, token):
    try:
        user = services.verify_email(token)
    except ValidationFailed as exc:
        return render(request, "accounts/verify.html", {"error": exc.message}, status=400)
    signed_in_as_them = request.user.is_authenticated and request.user.pk == user.pk
    if signed_in_as_them:
        request.user.email_verified = True
    return render(request, "accounts/verify.html", {"verified_user": user, "signed_in": signed_in_as_them})


def _page_language(request) -> str:
    language = (getattr(request, "LANGUAGE_CODE", None) or settings.LANGUAGE_CODE)[:2]
    return language if language in services.LANGUAGES else "fr"


# --- password reset and change -----------------------------------------------------------

def password_reset(request):
    form = PasswordResetRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"]
        # Over the limit, nothing is sent but the answer stays the same: the page must not
        # tell whether an address has an account, nor let anyone flood a mailbox.
        allowed = ratelimit.hit("reset-ip", ratelimit.client_ip(request), limit=RESET_PER_IP, window=RESET_WINDOW)
        allowed = ratelimit.hit("reset-address", email, limit=RESET_PER_ADDRESS, window=RESET_WINDOW) and allowed
        if allowed:
            services.request_password_reset(email)
        return redirect("accounts:password_reset_done")
    return render(request, "accounts/password_reset_form.html", {"form": form})


password_reset_done = auth_views.PasswordResetDoneView.as_view(template_name="accounts/password_reset_done.html")
password_reset_confirm = auth_views.PasswordResetConfirmView.as_view(
    template_name="accounts/password_reset_confirm.html",
    form_class=ResetSetPasswordForm,
    success_url=reverse_lazy("accounts:password_reset_complete"),
)
password_reset_complete = auth_views.PasswordResetCompleteView.as_view(
    template_name="accounts/password_reset_complete.html")
password_change = auth_views.PasswordChangeView.as_view(
    template_name="accounts/password_change_form.html",
    success_url=reverse_lazy("accounts:password_change_done"),
)
password_change_done = auth_views.PasswordChangeDoneView.as_view(template_name="accounts/password_change_done.html")


# --- profile -----------------------------------------------------------------------------

@login_required
def account(request):
    user = request.user
    form = ProfileForm(initial={"display_name": user.display_name, "language": user.language})
    if request.method == "POST" and request.POST.get("action") == "resend":
        if user.email_verified:
            messages.info(request, _("Your e-mail address is already verified."))
        elif ratelimit.hit("resend", str(user.pk), limit=RESEND_LIMIT, window=RESEND_WINDOW):
            services.send_verification(user)
            messages.success(request, _("We sent a new verification link to %(email)s.") % {"email": user.email})
        else:
            messages.error(request, _("We already sent several links recently. Check your mailbox, or try again in an hour."))
        return redirect("accounts:account")
    if request.method == "POST":
        form = ProfileForm(request.POST)
        if form.is_valid():
            try:
                services.update_profile(user, actor=user, **form.cleaned_data)
            except ValidationFailed as exc:
                apply_errors(form, exc)
            else:
                with translation.override(user.language):
                    messages.success(request, _("Your profile was saved."))
                    response = HttpResponseRedirect(reverse("accounts:account"))
                response.set_cookie(settings.LANGUAGE_COOKIE_NAME, user.language, samesite="Lax",
                                    max_age=settings.LANGUAGE_COOKIE_AGE)
                return response
    return render(request, "accounts/account.html", {
        "form": form, "memberships": services.list_memberships(user, actor=user),
    })


# --- API tokens --------------------------------------------------------------------------

@login_required
def tokens(request):
    user = request.user
    form = TokenForm()
    new_token = None
    if request.method == "POST" and request.POST.get("action") == "revoke":
        try:
            token = services.get_token(user, request.POST.get("token", ""), actor=user)
        except NotFound:
            raise Http404 from None
        services.revoke_token(token, actor=user)
        messages.success(request, _("The token “%(name)s” was revoked.") % {"name": token.name})
        return redirect("accounts:tokens")
    if request.method == "POST":
        form = TokenForm(request.POST)
        if form.is_valid():
            try:
                _token, new_token = services.create_token(user, actor=user, name=form.cleaned_data["name"],
                                                          expires_in_days=form.cleaned_data["expires_in_days"])
            except ValidationFailed as exc:
                apply_errors(form, exc)
            else:
                form = TokenForm()
    response = render(request, "accounts/tokens.html", {
        "form": form, "new_token": new_token, "tokens": services.list_tokens(user, actor=user),
    })
    add_never_cache_headers(response)  # a new token's value must not stay in any cache
    return response


# --- organisation members ----------------------------------------------------------------

@login_required
def members(request, name):
    try:
        organisation = services.get_organisation(name)
    except NotFound:
        raise Http404 from None
    if not permissions.can(request.user, "organisation.manage_members", organisation):
        raise DjangoPermissionDenied
    add_form = MemberAddForm()
    try:
        if request.method == "POST" and request.POST.get("action") == "add":
            add_form = MemberAddForm(request.POST)
            if add_form.is_valid() and _add_member(request, organisation, add_form):
                return redirect("accounts:members", name=organisation.name)
        elif request.method == "POST" and request.POST.get("action") in ("role", "remove"):
            _change_member(request, organisation, request.POST["action"])
            return redirect("accounts:members", name=organisation.name)
    except PermissionDenied:
        raise DjangoPermissionDenied from None
    rows = [(m, MemberRoleForm(prefix=f"m{m.user_id}", initial={"role": m.role}))
            for m in services.list_members(organisation, actor=request.user)]
    return render(request, "accounts/members.html", {"organisation": organisation, "rows": rows, "add_form": add_form})


def _add_member(request, organisation, form) -> bool:
    try:
        user = services.find_user(form.cleaned_data["identifier"])
        if services.role_of(organisation, user) is not None:
            form.add_error("identifier", _("%(name)s is already a member; change their role in the list.")
                           % {"name": user.username})
            return False
        services.set_membership(organisation, user, form.cleaned_data["role"], actor=request.user)
    except (NotFound, ValidationFailed) as exc:
        if isinstance(exc, NotFound):
            form.add_error("identifier", exc.message)
        else:
            apply_errors(form, exc)
        return False
    messages.success(request, _("%(name)s is now a member, with the role %(role)s.")
                     % {"name": user.public_name, "role": Role(form.cleaned_data["role"]).label})
    return True


def _change_member(request, organisation, action: str) -> None:
    try:
        user = services.find_user(request.POST.get("user", ""))
        if services.role_of(organisation, user) is None:
            raise NotFound(_("This person is not a member."))
        if action == "remove":
            services.remove_membership(organisation, user, actor=request.user)
            messages.success(request, _("%(name)s is no longer a member.") % {"name": user.public_name})
            return
        form = MemberRoleForm(request.POST, prefix=f"m{user.pk}")
        if not form.is_valid():
            messages.error(request, _("Choose a role."))
            return
        services.set_membership(organisation, user, form.cleaned_data["role"], actor=request.user)
        messages.success(request, _("%(name)s now has the role %(role)s.")
                         % {"name": user.public_name, "role": Role(form.cleaned_data["role"]).label})
    except (NotFound, ValidationFailed) as exc:
        messages.error(request, " ".join([exc.message] + [m for ms in exc.fields.values() for m in ms]).strip())


# --- organisations ------------------------------------------------------------------------

@login_required
def organisation_new(request):
    if not permissions.can(request.user, "organisation.create"):
        raise DjangoPermissionDenied
    form = OrganisationForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            organisation = services.create_organisation(actor=request.user, data=form.service_data(),
                                                        logo=form.cleaned_data.get("logo"))
        except ValidationFailed as exc:
            apply_errors(form, exc)
        except PermissionDenied:
            raise DjangoPermissionDenied from None
        else:
            messages.success(request, _("The organisation was created. Add its members now."))
            return redirect("accounts:members", name=organisation.name)
    return render(request, "accounts/organisation_form.html", {"form": form, "organisation": None})


@login_required
def organisation_edit(request, name):
    try:
        organisation = services.get_organisation(name)
    except NotFound:
        raise Http404 from None
    if not permissions.can(request.user, "organisation.update", organisation):
        raise DjangoPermissionDenied
    form = OrganisationForm(request.POST or None, request.FILES or None, organisation=organisation,
                            initial=OrganisationForm.initial_for(organisation))
    if request.method == "POST" and form.is_valid():
        try:
            services.update_organisation(organisation, actor=request.user, data=form.service_data(),
                                         logo=form.cleaned_data.get("logo"),
                                         remove_logo=form.cleaned_data.get("remove_logo", False))
        except ValidationFailed as exc:
            apply_errors(form, exc)
            organisation.refresh_from_db()  # the page shows what is saved, not the refused input
        except PermissionDenied:
            raise DjangoPermissionDenied from None
        else:
            messages.success(request, _("The organisation was updated."))
            return redirect(organisation.get_absolute_url())
    return render(request, "accounts/organisation_form.html", {"form": form, "organisation": organisation})


@require_safe
def organisation_logo(request, name):
    """The uploaded logo, typed by what it was checked to be and never run as a document."""
    try:
        organisation = services.get_organisation(name)
    except NotFound:
        raise Http404 from None
    if not organisation.logo:
        raise Http404
    try:
        handle = organisation.logo.open("rb")
    except OSError:
        raise Http404 from None
    response = FileResponse(handle, content_type=organisation.logo_media_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "public, max-age=3600"
    return response
