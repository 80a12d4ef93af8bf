from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from ouvert.accounts import services
from tests.support.factories import make_organisation, make_user

pytestmark = pytest.mark.django_db


def run(*args):
    out, err = StringIO(), StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_token_create_prints_a_working_token_last():
    user = make_user("bot")
    out, _err = run("token", "create", "bot", "--name", "ci", "--expires-days", "7")
    raw = out.strip().splitlines()[-1]
    assert services.user_for_token(raw) == user
    token = services.list_tokens(user, actor=user)[0]
    assert token.name == "ci" and token.expires is not None


def test_token_list_and_revoke_by_name_or_hint():
    user = make_user("bot")
    out, _err = run("token", "create", "bot")
    raw = out.strip().splitlines()[-1]
    run("token", "create", "bot", "--name", "second")
    listing, _err = run("token", "list", "bot")
    assert "command line" in listing and "second" in listing and raw not in listing
    run("token", "revoke", "bot", raw[:8])
    assert services.user_for_token(raw) is None
    run("token", "revoke", "bot", "second")
    assert all(t.revoked for t in services.list_tokens(user, actor=user))
    with pytest.raises(CommandError):
        run("token", "revoke", "bot", "second")


def test_token_command_errors():
    with pytest.raises(CommandError):
        run("token", "create", "ghost")
    make_user("bot")
    with pytest.raises(CommandError):
        run("token", "create", "bot", "--expires-days", "0")


def test_createsuperuser_without_input_makes_a_verified_sysadmin(monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "a long enough secret")
    run("createsuperuser", "--noinput", "--username", "x", "--email", "x@example.org")
    user = services.User.objects.get(username="x")
    assert user.is_sysadmin and user.email_verified and user.check_password("a long enough secret")


def test_member_command():
    make_user("root", sysadmin=True)
    alice = make_user("alice")
    org = make_organisation("ville")
    out, _err = run("member", "add", "ville", "alice", "editor")
    assert services.role_of(org, alice) == "editor" and "editor" in out
    listing, _err = run("member", "list", "ville")
    assert "alice\teditor" in listing
    run("member", "remove", "ville", "alice@example.org")
    assert services.role_of(org, alice) is None
    with pytest.raises(CommandError):
        run("member", "add", "nowhere", "alice", "editor")
