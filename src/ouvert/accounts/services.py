"""Account operations: users, organisations and their memberships, API tokens."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import uuid
from contextlib import contextmanager

from django.contrib.auth import authenticate, get_user_model
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.tokens import default_token_generator
from django.core import signing
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ouvert.core.activity import record_activity
from ouvert.core.errors import NotFound, PermissionDenied, ValidationFailed
from ouvert.core.models import State
from ouvert.core.validation import Errors

from . import permissions, ratelimit
from .mail import absolute_url, send_to_user
from .models import ApiToken, Membership, Organisation, Role, hash_token
from .signals import email_verified, organisation_changed, user_registered
from .validation import clean_logo, clean_organisation

User = get_user_model()
logger = logging.getLogger("ouvert.accounts")
LANGUAGES = ("fr", "en")
EMAIL_TAKEN = gettext_lazy("An account already uses this address.")


def _new_user_errors(username: str, email: str, password: str | None) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if not username:
        errors.setdefault("username", []).append(_("This field is required."))
    else:
        try:
            User.username_validator(username)
        except DjangoValidationError as exc:
            errors.setdefault("username", []).extend(exc.messages)
        if User.objects.filter(username__iexact=username).exists():
            errors.setdefault("username", []).append(_("This user name is already taken."))
    try:
        validate_email(email)
    except DjangoValidationError:
        errors.setdefault("email", []).append(_("Enter a valid e-mail address."))
    else:
        if User.objects.filter(email__iexact=email).exists():
            errors.setdefault("email", []).append(EMAIL_TAKEN)
    if password is not None:
        try:
            validate_password(password, User(username=username, email=email))
        except DjangoValidationError as exc:
            errors.setdefault("password", []).extend(exc.messages)
    return errors


def system_account(username: str, *, display_name: str) -> User:
    """The system account ``username`` (sysadmin, no usable password), created on first use.

    Generated content (the demo catalog, the participation export) belongs to such an account
    rather than to whoever ran the command."""
    user = User.objects.filter(username=username).first()
    if user is None:
        user = create_user(username=username, email=f"{username}@localhost", password=None,
                           display_name=display_name, language="fr", email_verified=True, is_superuser=True)
    return user


def create_user(*, username: str, email: str, password: str | None, display_name: str = "",
                language: str = "fr", email_verified: bool = False, is_superuser: bool = False) -> User:
    """Create an account after checking the name, address and password."""
    username = (username or "").strip()
    email = (email or "").strip().lower()
    errors = _new_user_errors(username, email, password)
    if language not in LANGUAGES:
        errors.setdefault("language", []).append(_("Choose French or English."))
    if errors:
        raise ValidationFailed(_("Some fields are not valid."), fields=errors)
    with transaction.atomic():
        user = User(username=username, email=email, display_name=display_name.strip(), language=language,
                    email_verified=email_verified, is_superuser=is_superuser, is_staff=is_superuser)
        if password is None:
            user.set_unusable_password()
        else:
            user.set_password(password)
        user.save()
    return user


def get_user(username_or_id) -> User:
    qs = User.objects.filter(is_active=True)
    user = qs.filter(username=username_or_id).first()
    if user is None and str(username_or_id).isdigit():
        user = qs.filter(pk=int(username_or_id)).first()
    if user is None:
        raise NotFound(_("User not found."))
    return user


def get_user_to_manage(organisation, username_or_id, *, actor) -> User:
    """The user ``username_or_id`` names, for a change of ``organisation``'s members by
    ``actor``: the permission is checked first, so that whoever may not manage the members
    cannot learn whether a user name exists (403 whatever the name)."""
    permissions.require(actor, "organisation.manage_members", organisation)
    return get_user(username_or_id)


# --- organisations -----------------------------------------------------------------------

def get_organisation(name_or_id: str) -> Organisation:
    """The organisation of that id or name, unless deleted; otherwise NotFound."""
    qs = Organisation.objects.exclude(state=State.DELETED)
    try:
        return qs.get(pk=uuid.UUID(str(name_or_id)))
    except (ValueError, Organisation.DoesNotExist):
        pass
    try:
        return qs.get(name=str(name_or_id).lower())
    except Organisation.DoesNotExist:
        raise NotFound(_("Organisation not found.")) from None


def list_organisations() -> list[tuple[Organisation, int]]:
    """The organisations that are not deleted, by name, each with its number of members."""
    organisations = Organisation.objects.exclude(state=State.DELETED).annotate(members=Count("memberships"))
    return [(organisation, organisation.members) for organisation in organisations.order_by("name")]


def _clean_organisation_input(data: dict, logo, *, partial: bool) -> tuple[dict, tuple[str, str] | None]:
    """Check the fields and the logo together, so that every error is told at once."""
    errors = Errors()
    try:
        cleaned = clean_organisation(data, partial=partial)
    except ValidationFailed as exc:
        cleaned = {}
        for field, messages in exc.fields.items():
            for message in messages:
                errors.add(field, message)
    kind = clean_logo(logo, errors) if logo is not None else None
    errors.raise_if_any()
    return cleaned, kind


def _store_logo(organisation: Organisation, logo, kind: tuple[str, str]) -> tuple[str, str]:
    """Save ``logo`` under a new name; the old file goes once the change is committed. Returns
    the old and new names."""
    old_name = organisation.logo.name or ""
    organisation.logo.save(f"logo{kind[1]}", logo, save=False)
    if old_name:
        storage = organisation.logo.storage
        transaction.on_commit(lambda: storage.delete(old_name))
    return old_name, organisation.logo.name


@contextmanager
def _files_follow_rows(organisation: Organisation):
    """Run a change that may write a logo: if it fails, the file written is removed, so that a
    failed save leaves no file without its row."""
    before = organisation.logo.name
    try:
        yield
    except BaseException:
        written = organisation.logo.name
        if written and written != before:
            organisation.logo.storage.delete(written)
            organisation.logo.name = before
        raise


def create_organisation(*, actor, data: dict, logo=None) -> Organisation:
    """Create an organisation from ``data`` (see ``clean_organisation``), with ``logo`` (an
    uploaded PNG, JPEG or WebP image) if given."""
    permissions.require(actor, "organisation.create")
    cleaned, kind = _clean_organisation_input(data, logo, partial=False)
    organisation = Organisation(**cleaned)
    with _files_follow_rows(organisation), transaction.atomic():
        if Organisation.objects.filter(name=cleaned["name"]).exists():
            raise ValidationFailed(fields={"name": [_("This name is already taken.")]})
        changes = {k: (None, v) for k, v in cleaned.items()}
        if kind is not None:
            changes["logo"] = _store_logo(organisation, logo, kind)
        organisation.save()
        record_activity("catalog.organisation.created", actor=actor, obj=organisation, organisation=organisation,
                        changes=changes)
    return organisation


def update_organisation(organisation: Organisation, *, actor, data: dict, logo=None,
                        remove_logo: bool = False) -> Organisation:
    """Change the fields ``data`` gives, and the uploaded logo: replace it with ``logo``, or
    remove it (``remove_logo``); ``organisation_changed`` tells the other apps (inside the
    transaction) when something did change."""
    permissions.require(actor, "organisation.update", organisation)
    cleaned, kind = _clean_organisation_input(data, logo, partial=True)
    with _files_follow_rows(organisation), transaction.atomic():
        if "name" in cleaned and Organisation.objects.filter(name=cleaned["name"]).exclude(pk=organisation.pk).exists():
            raise ValidationFailed(fields={"name": [_("This name is already taken.")]})
        changes = {}
        for field, new in cleaned.items():
            old = getattr(organisation, field)
            if old != new:
                changes[field] = (old, new)
                setattr(organisation, field, new)
        if kind is not None:
            changes["logo"] = _store_logo(organisation, logo, kind)
        elif remove_logo and organisation.logo:
            storage, old_name = organisation.logo.storage, organisation.logo.name
            organisation.logo = ""
            transaction.on_commit(lambda: storage.delete(old_name))
            changes["logo"] = (old_name, "")
        if changes:
            organisation.save()
            record_activity("catalog.organisation.updated", actor=actor, obj=organisation, organisation=organisation,
                            changes=changes)
            organisation_changed.send(sender=Organisation, organisation=organisation, changes=changes)
    return organisation


def set_membership(organisation, user, role: str, *, actor) -> Membership:
    """Give ``user`` a role in ``organisation`` (creating or changing the membership)."""
    permissions.require(actor, "organisation.manage_members", organisation)
    if role not in Role.values:
        raise ValidationFailed(fields={"role": [_("Choose one of: %(choices)s.") % {"choices": ", ".join(Role.values)}]})
    with transaction.atomic():
        membership, created = Membership.objects.get_or_create(user=user, organisation=organisation, defaults={"role": role})
        before = None if created else membership.role
        if not created and membership.role != role:
            if membership.role == Role.ADMIN and not _other_admin_exists(organisation, user):
                raise ValidationFailed(fields={"role": [_("An organisation needs at least one administrator.")]})
            membership.role = role
            membership.save()
        if created or before != role:
            record_activity("accounts.membership.changed", actor=actor, obj=organisation, organisation=organisation,
                            changes={f"member:{user.username}": (before, role)})
    permissions.forget_roles(user)
    return membership


def _other_admin_exists(organisation, user) -> bool:
    return Membership.objects.filter(organisation=organisation, role=Role.ADMIN).exclude(user=user).exists()


def remove_membership(organisation, user, *, actor) -> None:
    permissions.require(actor, "organisation.manage_members", organisation)
    with transaction.atomic():
        membership = Membership.objects.filter(organisation=organisation, user=user).first()
        if membership is None:
            raise NotFound(_("This person is not a member."))
        if membership.role == Role.ADMIN and not _other_admin_exists(organisation, user):
            raise ValidationFailed(fields={"role": [_("An organisation needs at least one administrator.")]})
        membership.delete()
        record_activity("accounts.membership.removed", actor=actor, obj=organisation, organisation=organisation,
                        changes={f"member:{user.username}": (membership.role, None)})
    permissions.forget_roles(user)


# --- API tokens --------------------------------------------------------------------------

def create_token(user, *, actor, name: str, expires_in_days: int | None = None) -> tuple[ApiToken, str]:
    """Make a token for ``user``; returns it with its raw value, which is never stored."""
    permissions.require(actor, "user.manage_tokens", user)
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise ValidationFailed(fields={"name": [_("Give the token a name of 1 to 100 characters.")]})
    expires = None
    if expires_in_days is not None:
        if expires_in_days < 1:
            raise ValidationFailed(fields={"expires": [_("A token lasts at least one day.")]})
        expires = timezone.now() + dt.timedelta(days=expires_in_days)
    raw = ApiToken.new_raw()
    token = ApiToken.objects.create(user=user, name=name, key_hash=hash_token(raw), hint=raw[:8], expires=expires)
    logger.info("accounts.token.created %s %s… by %s", user.username, token.hint, getattr(actor, "username", "-"))
    return token, raw


def revoke_token(token: ApiToken, *, actor) -> None:
    permissions.require(actor, "user.manage_tokens", token.user)
    if token.revoked is None:
        token.revoked = timezone.now()
        token.save(update_fields=["revoked"])
        logger.info("accounts.token.revoked %s %s… by %s", token.user.username, token.hint, getattr(actor, "username", "-"))


def user_for_token(raw: str) -> User | None:
    """The active user a raw token belongs to, or None if it is unknown, revoked or expired."""
    if not raw:
        return None
    token = ApiToken.objects.select_related("user").filter(key_hash=hash_token(raw.strip())).first()
    if token is None or not token.is_valid or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used is None or (now - token.last_used).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used=now)
    return token.user


def list_tokens(user, *, actor) -> list[ApiToken]:
    """Every token of ``user``, newest first, revoked and expired ones included."""
    permissions.require(actor, "user.manage_tokens", user)
    return list(ApiToken.objects.filter(user=user))


def get_token(user, token_id, *, actor) -> ApiToken:
    permissions.require(actor, "user.manage_tokens", user)
    token = ApiToken.objects.filter(user=user, pk=token_id).first() if str(token_id).isdigit() else None
    if token is None:
        raise NotFound(_("Token not found."))
    return token


# --- sign-up, e-mail verification, profile ------------------------------------------------

VERIFY_SALT = "ouvert.accounts.verify-email"
VERIFY_MAX_AGE = dt.timedelta(days=3)


def _email_fingerprint(email: str) -> str:
    # The token is bound to the address, so changing it voids older links, without the
    # address itself appearing in URLs and logs.
    return hashlib.sha256(email.strip().lower().encode()).hexdigest()[:16]


def make_verification_token(user) -> str:
    return signing.dumps({"u": user.pk, "e": _email_fingerprint(user.email)}, salt=VERIFY_SALT)


def register_user(*, username: str, email: str, password: str, display_name: str = "",
                  language: str = "fr") -> User | None:
    """Sign-up: create an unverified account and send the verification e-mail.

    When the address already has an account, nothing is created and that account's owner is
    told by e-mail instead; the caller answers the same in both cases so that sign-up does not
    reveal which addresses have accounts. Returns the new user, or None in that case.
    """
    username = (username or "").strip()
    email = (email or "").strip().lower()
    existing = User.objects.filter(email__iexact=email).first() if email else None
    if existing is None:
        user = create_user(username=username, email=email, password=password,
                           display_name=display_name, language=language)
        user_registered.send(sender=User, user=user)
        send_verification(user)
        logger.info("accounts.user.registered %s", user.username)
        return user
    errors = _new_user_errors(username, email, password)
    errors.pop("email", None)
    if errors:
        raise ValidationFailed(_("Some fields are not valid."), fields=errors)
    if existing.is_active:
        send_to_user(existing, "account_exists", {
            "login_url": absolute_url("accounts:login", language=existing.language),
            "reset_url": absolute_url("accounts:password_reset", language=existing.language),
        })
    return None


def send_verification(user) -> None:
    """E-mail ``user`` a link that proves they receive mail at their address (valid 3 days)."""
    if user.email_verified:
        return
    link = absolute_url("accounts:verify", language=user.language, args=[make_verification_token(user)])
    send_to_user(user, "verify", {"verify_url": link, "days": VERIFY_MAX_AGE.days})


def verify_email(token: str) -> User:
    """Mark the address in a verification link as verified; returns its user.

    Raises ``ValidationFailed`` when the link is expired, altered, or for an address the
    account no longer has.
    """
    invalid = ValidationFailed(_("This verification link is not valid. Ask for a new one from your account page."))
    try:
        payload = signing.loads(token, salt=VERIFY_SALT, max_age=VERIFY_MAX_AGE)
    except signing.SignatureExpired:
        raise ValidationFailed(_("This verification link has expired. Ask for a new one from your account page.")) from None
    except signing.BadSignature:
        raise invalid from None
    user = User.objects.filter(pk=payload.get("u"), is_active=True).first() if isinstance(payload, dict) else None
    if user is None or _email_fingerprint(user.email) != payload.get("e"):
        raise invalid
    if not user.email_verified:
        User.objects.filter(pk=user.pk).update(email_verified=True)
        user.email_verified = True
        email_verified.send(sender=User, user=user)
        logger.info("accounts.user.email_verified %s", user.username)
    return user


def update_profile(user, *, actor, display_name: str | None = None, language: str | None = None) -> User:
    """Change the public name and the preferred language (of the interface and e-mails)."""
    permissions.require(actor, "user.update", user)
    errors: dict[str, list[str]] = {}
    if display_name is not None:
        display_name = display_name.strip()
        if len(display_name) > 150:
            errors["display_name"] = [_("Use at most 150 characters.")]
    if language is not None and language not in LANGUAGES:
        errors["language"] = [_("Choose French or English.")]
    if errors:
        raise ValidationFailed(_("Some fields are not valid."), fields=errors)
    fields = []
    if display_name is not None and display_name != user.display_name:
        user.display_name = display_name
        fields.append("display_name")
    if language is not None and language != user.language:
        user.language = language
        fields.append("language")
    if fields:
        user.save(update_fields=fields)
    return user


def find_user(identifier: str) -> User:
    """The active user with this user name or, failing that, this e-mail address."""
    identifier = (identifier or "").strip()
    qs = User.objects.filter(is_active=True)
    user = qs.filter(username=identifier).first() or qs.filter(username__iexact=identifier).first()
    if user is None and "@" in identifier:
        user = qs.filter(email__iexact=identifier).first()
    if user is None:
        raise NotFound(_("No account has this user name or e-mail address."))
    return user


# --- signing in ---------------------------------------------------------------------------

# Failed sign-ins allowed from one address before it has to wait.
SIGNIN_FAILURES_LIMIT = 20
SIGNIN_FAILURES_WINDOW = 15 * 60


class SignInThrottled(PermissionDenied):
    """Too many failed sign-ins from one address lately: it has to wait."""


def check_credentials(identifier: str, password: str, *, ip: str, request=None) -> User | None:
    """The user whose user name (or e-mail address) and password these are, or None.

    Every way to sign in calls this, so guessing is slowed down the same everywhere: failed
    attempts are counted per address (``ip``, as the adapter reads it) and, once
    ``SIGNIN_FAILURES_LIMIT`` failed within ``SIGNIN_FAILURES_WINDOW`` seconds, every attempt
    from it is refused (``SignInThrottled``) until the window ends, right or wrong.
    ``request`` goes to the authentication back ends, as Django's ``authenticate`` takes it.
    """
    if ratelimit.exceeded("signin", ip, limit=SIGNIN_FAILURES_LIMIT):
        raise SignInThrottled(_("Too many failed attempts. Wait a few minutes, then try again."))
    user = authenticate(request, username=identifier, password=password)
    if user is None and "@" in identifier:
        owner = User.objects.filter(email__iexact=identifier).first()
        if owner is not None:
            user = authenticate(request, username=owner.username, password=password)
    if user is None:
        ratelimit.hit("signin", ip, limit=SIGNIN_FAILURES_LIMIT, window=SIGNIN_FAILURES_WINDOW)
    return user


# --- password reset -----------------------------------------------------------------------

def request_password_reset(email: str) -> None:
    """E-mail a password reset link to the account with this address, if there is one.

    Says nothing about whether an account exists: callers show the same answer either way.
    """
    email = (email or "").strip()
    if not email:
        return
    for user in User.objects.filter(email__iexact=email, is_active=True):
        link = absolute_url("accounts:password_reset_confirm", language=user.language, kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        })
        send_to_user(user, "password_reset", {"reset_url": link})
        logger.info("accounts.user.password_reset_requested %s", user.username)


# --- memberships, read side ---------------------------------------------------------------

def role_of(organisation, user) -> str | None:
    """``user``'s role in ``organisation``, read from the database (not the per-request cache)."""
    return Membership.objects.filter(organisation=organisation, user=user).values_list("role", flat=True).first()


def list_members(organisation, *, actor) -> list[Membership]:
    """The organisation's members with their roles, administrators first."""
    permissions.require(actor, "organisation.view_members", organisation)
    order = {Role.ADMIN: 0, Role.EDITOR: 1, Role.MEMBER: 2}
    members = list(Membership.objects.filter(organisation=organisation).select_related("user"))
    return sorted(members, key=lambda m: (order.get(m.role, 9), m.user.username.lower()))


def list_memberships(user, *, actor) -> list[Membership]:
    """The organisations ``user`` belongs to, with the role in each."""
    permissions.require(actor, "user.view_private", user)
    return list(Membership.objects.filter(user=user).select_related("organisation"))
