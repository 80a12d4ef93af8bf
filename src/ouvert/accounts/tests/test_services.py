import datetime as dt
import re

import pytest
from django.core import mail, signing
from django.utils import timezone
from django.utils.translation import gettext

from ouvert.accounts import services
from ouvert.accounts.models import ApiToken, Membership, hash_token
from ouvert.core.errors import NotFound, PermissionDenied, ValidationFailed
from ouvert.core.models import Activity
from tests.support.factories import make_organisation, make_user

pytestmark = pytest.mark.django_db

PASSWORD = "a long enough secret"


def _link(message) -> str:
    return re.search(r"https?://\S+/accounts/\S+", message.body).group(0)


def _token_of(message) -> str:
    return _link(message).rstrip("/").rsplit("/", 1)[1]


# --- sign-up and verification -------------------------------------------------------------

def test_register_creates_unverified_user_and_mails_a_link_in_their_language():
    user = services.register_user(username="marie", email="Marie@Example.org", password=PASSWORD,
                                  display_name="Marie", language="fr")
    assert user.email == "marie@example.org" and not user.email_verified
    assert user.check_password(PASSWORD)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["marie@example.org"]
    assert "/fr/accounts/verify/" in _link(message)
    assert _link(message).startswith("http://127.0.0.1:8000/")

    services.register_user(username="john", email="john@example.org", password=PASSWORD, language="en")
    assert mail.outbox[1].subject == "Verify your e-mail address"
    assert "/en/accounts/verify/" in mail.outbox[1].body


def test_register_with_bad_fields_creates_nothing():
    with pytest.raises(ValidationFailed) as exc:
        services.register_user(username="bad name!", email="nope", password="123")
    assert {"username", "email", "password"} <= exc.value.fields.keys()
    assert not mail.outbox


def test_register_with_a_used_address_does_not_reveal_it_but_tells_the_owner():
    owner = make_user("owner")
    assert services.register_user(username="other", email=owner.email.upper(), password=PASSWORD) is None
    assert not services.User.objects.filter(username="other").exists()
    assert mail.outbox[0].to == [owner.email]
    assert "owner" in mail.outbox[0].body
    # other mistakes are still reported, without mention of the address
    with pytest.raises(ValidationFailed) as exc:
        services.register_user(username="owner", email=owner.email, password=PASSWORD)
    assert "email" not in exc.value.fields and "username" in exc.value.fields


def test_verify_with_good_token():
    user = services.register_user(username="ana", email="ana@example.org", password=PASSWORD)
    verified = services.verify_email(_token_of(mail.outbox[0]))
    assert verified == user
    user.refresh_from_db()
    assert user.email_verified
    services.verify_email(_token_of(mail.outbox[0]))  # following it twice is harmless


def test_verify_with_expired_token(monkeypatch):
    user = make_user(verified=False)
    token = services.make_verification_token(user)
    import time

    now = time.time()
    monkeypatch.setattr(signing.time, "time", lambda: now + 4 * 86400)
    with pytest.raises(ValidationFailed, match=re.escape(gettext("This verification link has expired. Ask for a new one from your account page."))):
        services.verify_email(token)
    user.refresh_from_db()
    assert not user.email_verified


def test_verify_with_tampered_or_foreign_token():
    user = make_user(verified=False)
    token = services.make_verification_token(user)
    with pytest.raises(ValidationFailed):
        services.verify_email(token[:-2] + ("AA" if not token.endswith("AA") else "BB"))
    with pytest.raises(ValidationFailed):
        services.verify_email("garbage")
    # a password reset-style signature with another salt is refused
    with pytest.raises(ValidationFailed):
        services.verify_email(signing.dumps({"u": user.pk, "e": "x"}))
    # changing the address voids older links
    user.email = "new@example.org"
    user.save()
    with pytest.raises(ValidationFailed):
        services.verify_email(token)


def test_send_verification_skips_verified_users():
    services.send_verification(make_user(verified=True))
    assert not mail.outbox


def test_superusers_are_sysadmins_with_verified_address():
    root = services.User.objects.create_superuser("boss", "boss@example.org", PASSWORD)
    assert root.email_verified and root.is_sysadmin


def test_update_profile_only_by_self():
    user = make_user()
    services.update_profile(user, actor=user, display_name="  Jo  ", language="en")
    user.refresh_from_db()
    assert (user.display_name, user.language) == ("Jo", "en")
    with pytest.raises(ValidationFailed):
        services.update_profile(user, actor=user, language="de")
    with pytest.raises(PermissionDenied):
        services.update_profile(user, actor=make_user(), display_name="x")


def test_find_user_by_name_or_address():
    user = make_user("Finder")
    assert services.find_user("finder") == user
    assert services.find_user("FINDER@example.org") == user
    with pytest.raises(NotFound):
        services.find_user("nobody@example.org")


def test_password_reset_mail_goes_only_to_existing_accounts():
    user = make_user("resetme")
    services.request_password_reset("nobody@example.org")
    assert not mail.outbox
    services.request_password_reset("RESETME@example.org")
    assert mail.outbox[0].to == [user.email]
    assert "/fr/accounts/password-reset/" in mail.outbox[0].body


# --- memberships --------------------------------------------------------------------------

def test_membership_roles_and_last_admin_rule():
    admin, editor, outsider = make_user(), make_user(), make_user()
    org = make_organisation(admin=admin, editors=[editor])
    assert services.role_of(org, editor) == "editor"
    services.set_membership(org, editor, "member", actor=admin)
    assert services.role_of(org, editor) == "member"
    assert Activity.objects.filter(key="accounts.membership.changed", organisation=org).exists()
    with pytest.raises(PermissionDenied):
        services.set_membership(org, outsider, "editor", actor=editor)
    with pytest.raises(ValidationFailed):
        services.set_membership(org, admin, "editor", actor=admin)  # the only admin
    with pytest.raises(ValidationFailed):
        services.remove_membership(org, admin, actor=admin)
    with pytest.raises(ValidationFailed):
        services.set_membership(org, editor, "owner", actor=admin)
    services.set_membership(org, editor, "admin", actor=admin)
    services.remove_membership(org, admin, actor=editor)
    assert [m.user for m in services.list_members(org, actor=editor)] == [editor]
    with pytest.raises(NotFound):
        services.remove_membership(org, outsider, actor=editor)


def test_list_members_needs_membership():
    admin = make_user()
    org = make_organisation(admin=admin)
    with pytest.raises(PermissionDenied):
        services.list_members(org, actor=make_user())
    assert [m.organisation for m in services.list_memberships(admin, actor=admin)] == [org]


# --- tokens -------------------------------------------------------------------------------

def test_token_is_shown_once_and_stored_hashed():
    user = make_user()
    token, raw = services.create_token(user, actor=user, name="harvest")
    assert raw.startswith("ouv_") and len(raw) > 40
    stored = ApiToken.objects.get(pk=token.pk)
    assert stored.key_hash == hash_token(raw) and raw not in {stored.key_hash, stored.hint, stored.name}
    assert stored.hint == raw[:8]
    assert services.user_for_token(raw) == user
    stored.refresh_from_db()
    assert stored.last_used is not None


def test_token_revoke_and_expiry():
    user = make_user()
    token, raw = services.create_token(user, actor=user, name="short", expires_in_days=1)
    assert services.user_for_token(raw) == user
    ApiToken.objects.filter(pk=token.pk).update(expires=timezone.now() - dt.timedelta(seconds=1))
    assert services.user_for_token(raw) is None
    token2, raw2 = services.create_token(user, actor=user, name="long")
    with pytest.raises(PermissionDenied):
        services.revoke_token(token2, actor=make_user())
    services.revoke_token(token2, actor=user)
    assert services.user_for_token(raw2) is None
    assert services.user_for_token("") is None and services.user_for_token("ouv_unknown") is None
    with pytest.raises(ValidationFailed):
        services.create_token(user, actor=user, name="x", expires_in_days=0)
    with pytest.raises(ValidationFailed):
        services.create_token(user, actor=user, name=" ")


def test_token_of_inactive_user_does_not_work():
    user = make_user()
    _token, raw = services.create_token(user, actor=user, name="t")
    user.is_active = False
    user.save()
    assert services.user_for_token(raw) is None


def test_tokens_are_private_to_their_owner():
    user, other = make_user(), make_user()
    token, _raw = services.create_token(user, actor=user, name="mine")
    with pytest.raises(PermissionDenied):
        services.create_token(user, actor=other, name="theirs")
    with pytest.raises(PermissionDenied):
        services.list_tokens(user, actor=other)
    with pytest.raises(NotFound):
        services.get_token(other, token.pk, actor=other)
    assert services.get_token(user, str(token.pk), actor=user) == token
    assert Membership.objects.count() == 0


def test_mail_failure_does_not_break_or_reveal(monkeypatch, caplog):
    make_user("unlucky")

    def broken(self, fail_silently=False):
        raise OSError("mail server down")

    monkeypatch.setattr("django.core.mail.EmailMessage.send", broken)
    services.request_password_reset("unlucky@example.org")  # no exception
    assert "could not send password_reset" in caplog.text


def test_check_credentials_counts_failures_per_address_and_then_refuses_every_attempt(monkeypatch):
    monkeypatch.setattr(services, "SIGNIN_FAILURES_LIMIT", 3)
    user = make_user("lea", password=PASSWORD)
    user.email = "lea@example.org"
    user.save()
    assert services.check_credentials("lea", PASSWORD, ip="10.0.0.1") == user
    assert services.check_credentials("LEA@example.org", PASSWORD, ip="10.0.0.1") == user
    for _attempt in range(3):
        assert services.check_credentials("lea", "wrong", ip="10.0.0.1") is None
    with pytest.raises(services.SignInThrottled):  # even with the right password
        services.check_credentials("lea", PASSWORD, ip="10.0.0.1")
    with pytest.raises(PermissionDenied):
        services.check_credentials("lea@example.org", PASSWORD, ip="10.0.0.1")
    assert services.check_credentials("lea", PASSWORD, ip="10.0.0.2") == user  # another address
