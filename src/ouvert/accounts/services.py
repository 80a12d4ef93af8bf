"""Account operations: users, memberships and API tokens."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ouvert.core.errors import NotFound, ValidationFailed

from . import permissions
from .models import ApiToken, Membership, Role, hash_token

User = get_user_model()


def create_user(*, username: str, email: str, password: str | None, display_name: str = "",
                language: str = "fr", email_verified: bool = False, is_superuser: bool = False) -> User:
    """Create an account after checking the name, address and password."""
    errors: dict[str, list[str]] = {}
    username = (username or "").strip()
    email = (email or "").strip().lower()
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
            errors.setdefault("email", []).append(_("An account already uses this address."))
    if password is not None:
        try:
            validate_password(password, User(username=username, email=email))
        except DjangoValidationError as exc:
            errors.setdefault("password", []).extend(exc.messages)
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


def set_membership(organisation, user, role: str, *, actor) -> Membership:
    """Give ``user`` a role in ``organisation`` (creating or changing the membership)."""
    permissions.require(actor, "organisation.manage_members", organisation)
    if role not in Role.values:
        raise ValidationFailed(fields={"role": [_("Choose one of: %(choices)s.") % {"choices": ", ".join(Role.values)}]})
    from ouvert.catalog.services import record_activity

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
    from ouvert.catalog.services import record_activity

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
    return token, raw


def revoke_token(token: ApiToken, *, actor) -> None:
    permissions.require(actor, "user.manage_tokens", token.user)
    if token.revoked is None:
        token.revoked = timezone.now()
        token.save(update_fields=["revoked"])


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
