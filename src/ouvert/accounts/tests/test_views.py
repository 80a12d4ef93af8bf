import re

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape
from django.utils.translation import gettext

from ouvert.accounts import services
from ouvert.accounts.models import ApiToken, hash_token
from tests.support.factories import make_organisation, make_user

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery"  # the factories' password


def url(name, *args, lang="fr"):
    with translation.override(lang):
        return reverse(name, args=args)


def _mail_link(message) -> str:
    return re.search(r"https?://\S+/accounts/\S+", message.body).group(0).replace("http://127.0.0.1:8000", "")


# --- sign-up, verification, sign-in and out -----------------------------------------------

def test_signup_verify_and_sign_in(client):
    page = client.get(url("accounts:signup", lang="en"))
    html = page.content.decode()
    assert page.status_code == 200 and 'lang="en"' in html
    assert 'autocomplete="new-password"' in html and 'autocomplete="email"' in html
    assert 'for="id_email"' in html and 'aria-describedby="id_email_helptext"' in html

    response = client.post(url("accounts:signup", lang="en"), {
        "username": "newbie", "email": "newbie@example.org", "display_name": "New Bie",
        "password1": "a long enough secret", "password2": "a long enough secret",
    })
    assert response.status_code == 302 and response["Location"] == url("accounts:signup_done", lang="en")
    user = services.User.objects.get(username="newbie")
    assert not user.email_verified and user.language == "en"
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["newbie@example.org"]

    link = _mail_link(mail.outbox[0])
    assert link.startswith("/en/accounts/verify/")
    page = client.get(link)
    assert page.status_code == 200 and b"newbie@example.org" in page.content
    user.refresh_from_db()
    assert user.email_verified

    response = client.post(url("accounts:login"), {"username": "NEWBIE@example.org", "password": "a long enough secret"})
    assert response.status_code == 302
    assert client.get(url("accounts:account")).status_code == 200


def test_signup_errors_are_next_to_fields_and_summarised(client):
    make_user("taken")
    response = client.post(url("accounts:signup"), {
        "username": "someone", "email": "x@example.org", "password1": "a long enough secret", "password2": "other",
    })
    assert 'href="#id_password2"' in response.content.decode()
    response = client.post(url("accounts:signup"), {
        "username": "taken", "email": "x@example.org", "password1": "123", "password2": "123",
    })
    html = response.content.decode()
    assert response.status_code == 200
    assert 'class="error-summary" role="alert"' in html
    assert 'href="#id_username"' in html and 'href="#id_password1"' in html
    assert re.search(r'id="id_username"[^>]*aria-invalid="true"|aria-invalid="true"[^>]*id="id_username"', html)
    assert 'id="id_username_errors"' in html and "id_username_errors" in re.search(r"<input[^>]*id=\"id_username\"[^>]*>", html).group(0)
    assert not mail.outbox


def test_signup_with_existing_address_looks_the_same(client):
    owner = make_user("owner")
    response = client.post(url("accounts:signup"), {
        "username": "someone", "email": owner.email, "password1": "a long enough secret", "password2": "a long enough secret",
    })
    assert response.status_code == 302 and response["Location"] == url("accounts:signup_done")
    assert not services.User.objects.filter(username="someone").exists()
    assert mail.outbox[0].to == [owner.email]


def test_bad_verification_link(client):
    response = client.get(url("accounts:verify", "not-a-token"))
    assert response.status_code == 400


def test_sign_in_by_name_and_unverified_warning(client):
    make_user("lea", verified=False)
    response = client.post(url("accounts:login"), {"username": "lea", "password": PASSWORD}, follow=True)
    assert response.status_code == 200
    warning = gettext("Your e-mail address is not verified yet. Follow the link we sent you, "
                      "or ask for a new one from your account page.")
    assert escape(warning) in response.content.decode()


def test_failed_sign_in_is_reported_accessibly(client):
    make_user("lea")
    response = client.post(url("accounts:login", lang="en"), {"username": "lea", "password": "wrong"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "<title>Error: Sign in" in html and "error-summary" in html
    assert "_auth_user_id" not in client.session


def test_sign_in_page_in_both_languages(client):
    for lang in ("fr", "en"):
        html = client.get(url("accounts:login", lang=lang)).content.decode()
        assert f'lang="{lang}"' in html
        assert 'autocomplete="username"' in html and 'autocomplete="current-password"' in html
        assert '<label for="id_username">' in html and '<label for="id_password">' in html


def test_logout_needs_post(client):
    client.force_login(make_user())
    assert client.get(url("accounts:logout")).status_code == 405
    response = client.post(url("accounts:logout"))
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


# --- password reset -----------------------------------------------------------------------

def test_password_reset_flow(client):
    user = make_user("forgetful", verified=False)
    response = client.post(url("accounts:password_reset"), {"email": "FORGETFUL@example.org"})
    assert response.status_code == 302 and response["Location"] == url("accounts:password_reset_done")
    link = _mail_link(mail.outbox[0])
    response = client.get(link)
    assert response.status_code == 302  # Django moves the token into the session
    set_password_url = response["Location"]
    page = client.get(set_password_url)
    assert page.status_code == 200 and b'autocomplete="new-password"' in page.content
    response = client.post(set_password_url, {"new_password1": "brand new secret 42", "new_password2": "brand new secret 42"})
    assert response.status_code == 302 and response["Location"] == url("accounts:password_reset_complete")
    user.refresh_from_db()
    assert user.check_password("brand new secret 42") and user.email_verified
    assert client.get(link, follow=True).context["validlink"] is False  # used once only


def test_password_reset_does_not_reveal_accounts_and_is_limited(client):
    response = client.post(url("accounts:password_reset"), {"email": "nobody@example.org"})
    assert response["Location"] == url("accounts:password_reset_done") and not mail.outbox
    make_user("target")
    for _ in range(5):
        response = client.post(url("accounts:password_reset"), {"email": "target@example.org"})
        assert response.status_code == 302
    assert len(mail.outbox) == 3


def test_password_change(client):
    user = make_user()
    client.force_login(user)
    response = client.post(url("accounts:password_change"), {
        "old_password": PASSWORD, "new_password1": "brand new secret 42", "new_password2": "brand new secret 42",
    })
    assert response.status_code == 302 and response["Location"] == url("accounts:password_change_done")


# --- account ------------------------------------------------------------------------------

def test_account_needs_sign_in(client):
    response = client.get(url("accounts:account"))
    assert response.status_code == 302 and response["Location"].startswith(url("accounts:login"))


def test_profile_update_and_resend_verification(client):
    user = make_user(verified=False)
    client.force_login(user)
    page = client.get(url("accounts:account")).content.decode()
    assert gettext("not verified") in page
    response = client.post(url("accounts:account"), {"action": "profile", "display_name": "Zoé", "language": "en"})
    assert response.status_code == 302 and response["Location"] == url("accounts:account", lang="en")
    user.refresh_from_db()
    assert (user.display_name, user.language) == ("Zoé", "en")
    for _ in range(4):
        client.post(url("accounts:account"), {"action": "resend"})
    assert len(mail.outbox) == 3 and "/en/accounts/verify/" in mail.outbox[0].body


# --- tokens -------------------------------------------------------------------------------

def test_tokens_screen_shows_value_once_and_revokes(client):
    user = make_user(verified=False)
    client.force_login(user)
    page = client.get(url("accounts:tokens"))
    assert page.status_code == 200 and b"unverified-notice-title" in page.content
    response = client.post(url("accounts:tokens"), {"action": "create", "name": "harvester", "expires_in_days": "30"})
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    raw = re.search(r'value="(ouv_[^"]+)"', response.content.decode()).group(1)
    token = ApiToken.objects.get(user=user)
    assert token.key_hash == hash_token(raw) and token.expires is not None
    listing = client.get(url("accounts:tokens")).content.decode()
    assert raw not in listing and token.hint in listing and "harvester" in listing

    response = client.post(url("accounts:tokens"), {"action": "revoke", "token": token.pk})
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked is not None


def test_tokens_screen_errors_and_others_tokens(client):
    user, other = make_user(), make_user()
    foreign, _raw = services.create_token(other, actor=other, name="theirs")
    client.force_login(user)
    response = client.post(url("accounts:tokens"), {"action": "create", "name": "", "expires_in_days": "0"})
    assert b"error-summary" in response.content and not ApiToken.objects.filter(user=user).exists()
    assert client.post(url("accounts:tokens"), {"action": "revoke", "token": foreign.pk}).status_code == 404
    foreign.refresh_from_db()
    assert foreign.revoked is None


# --- members ------------------------------------------------------------------------------

def test_members_screen_as_admin(client):
    admin, newcomer, unverified = make_user("admin1"), make_user("newcomer"), make_user("fresh", verified=False)
    org = make_organisation("ville", admin=admin)
    client.force_login(admin)
    members_url = url("accounts:members", "ville")
    page = client.get(members_url).content.decode()
    assert "admin1" in page

    response = client.post(members_url, {"action": "add", "identifier": "NEWCOMER@example.org", "role": "editor"})
    assert response.status_code == 302
    assert services.role_of(org, newcomer) == "editor"
    client.post(members_url, {"action": "add", "identifier": "fresh", "role": "member"})
    page = client.get(members_url).content.decode()
    assert gettext("not verified") in page and "fresh@example.org" in page

    response = client.post(members_url, {"action": "add", "identifier": "ghost@example.org", "role": "editor"})
    assert response.status_code == 200
    assert escape(gettext("No account has this user name or e-mail address.")) in response.content.decode()

    client.post(members_url, {"action": "role", "user": "newcomer", f"m{newcomer.pk}-role": "member"})
    assert services.role_of(org, newcomer) == "member"
    client.post(members_url, {"action": "remove", "user": "fresh"})
    assert services.role_of(org, unverified) is None

    response = client.post(members_url, {"action": "remove", "user": "admin1"}, follow=True)
    assert services.role_of(org, admin) == "admin"
    assert escape(gettext("An organisation needs at least one administrator.")) in response.content.decode()


def test_members_screen_refuses_editors_outsiders_and_anonymous(client):
    editor, outsider = make_user(), make_user()
    make_organisation("ville", admin=make_user(), editors=[editor])
    members_url = url("accounts:members", "ville")
    assert client.get(members_url).status_code == 302
    client.force_login(editor)
    assert client.get(members_url).status_code == 403
    assert client.post(members_url, {"action": "add", "identifier": outsider.username, "role": "admin"}).status_code == 403
    client.force_login(outsider)
    assert client.get(members_url).status_code == 403
    assert client.get(url("accounts:members", "nowhere")).status_code == 404


def test_sysadmin_manages_any_organisation(client):
    make_organisation("ville", admin=make_user())
    client.force_login(make_user(sysadmin=True))
    assert client.get(url("accounts:members", "ville")).status_code == 200


def test_the_sign_in_form_is_limited_by_the_service(client, monkeypatch):
    from ouvert.accounts import services

    monkeypatch.setattr(services, "SIGNIN_FAILURES_LIMIT", 2)
    make_user("lea")
    for _attempt in range(2):
        client.post(url("accounts:login", lang="en"), {"username": "lea", "password": "wrong"})
    response = client.post(url("accounts:login", lang="en"), {"username": "lea", "password": "correct horse battery"})
    assert "Too many failed attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session
