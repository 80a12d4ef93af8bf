import pytest
from django.http import HttpResponse
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import translation

from ouvert.accounts import middleware, services
from ouvert.accounts.middleware import TokenAuthenticationMiddleware, token_from_request
from tests.support.factories import make_user

pytestmark = pytest.mark.django_db


def url(name):
    with translation.override("fr"):
        return reverse(name)


@pytest.fixture
def owner_and_token():
    user = make_user("scripter")
    _token, raw = services.create_token(user, actor=user, name="script")
    return user, raw


def _run(**headers):
    request = RequestFactory().get("/", headers=headers)
    seen = {}

    def view(req):
        seen["user"], seen["error"], seen["csrf_exempt"] = (
            req.user, req.token_error, getattr(req, "_dont_enforce_csrf_checks", False))
        return HttpResponse()

    from django.contrib.auth.models import AnonymousUser

    request.user = AnonymousUser()
    response = TokenAuthenticationMiddleware(view)(request)
    return seen, response


@pytest.mark.parametrize("header", ["{raw}", "Bearer {raw}", "bearer  {raw} "])
def test_raw_and_bearer_tokens_authenticate(owner_and_token, header):
    user, raw = owner_and_token
    seen, response = _run(Authorization=header.format(raw=raw))
    assert seen["user"] == user and seen["error"] is None and seen["csrf_exempt"] is True
    assert "Authorization" in response["Vary"]


def test_ckan_api_key_header(owner_and_token):
    user, raw = owner_and_token
    seen, _response = _run(**{"X-CKAN-API-Key": raw})
    assert seen["user"] == user


@pytest.mark.parametrize("header", ["ouv_nonsense", "Bearer ouv_nonsense", "Basic dXNlcjpwYXNz", "Bearer a b"])
def test_bad_tokens_leave_request_anonymous_with_an_error(header):
    seen, _response = _run(Authorization=header)
    assert not seen["user"].is_authenticated
    assert seen["error"] and seen["csrf_exempt"] is False


def test_revoked_and_expired_tokens_are_errors(owner_and_token):
    user, raw = owner_and_token
    services.revoke_token(services.list_tokens(user, actor=user)[0], actor=user)
    seen, _response = _run(Authorization=raw)
    assert not seen["user"].is_authenticated and str(seen["error"]) == str(middleware.ERROR_INVALID)


def test_no_header_changes_nothing():
    seen, response = _run()
    assert seen["error"] is None and seen["csrf_exempt"] is False
    assert not response.has_header("Vary")


def test_token_header_parsing():
    factory = RequestFactory()
    assert token_from_request(factory.get("/")) is None
    assert token_from_request(factory.get("/", headers={"Authorization": "  abc  "})) == "abc"
    assert token_from_request(factory.get("/", headers={"Authorization": "Bearer abc"})) == "abc"
    assert token_from_request(factory.get("/", headers={"Authorization": "Token abc"})) == ""


def test_token_authenticates_a_page_request(owner_and_token):
    _user, raw = owner_and_token
    client = Client()
    assert client.get(url("accounts:account")).status_code == 302
    assert client.get(url("accounts:account"), headers={"Authorization": raw}).status_code == 200
    assert client.get(url("accounts:account"), headers={"Authorization": f"Bearer {raw}"}).status_code == 200
    # the token does not open a session
    assert client.get(url("accounts:account")).status_code == 302


def test_invalid_token_wins_over_a_session_cookie():
    client = Client()
    client.force_login(make_user())
    assert client.get(url("accounts:account")).status_code == 200
    assert client.get(url("accounts:account"), headers={"Authorization": "ouv_wrong"}).status_code == 302


def test_csrf_is_waived_only_for_valid_tokens(owner_and_token):
    user, raw = owner_and_token
    client = Client(enforce_csrf_checks=True)
    data = {"action": "create", "name": "from a script"}
    response = client.post(url("accounts:tokens"), data, headers={"Authorization": f"Bearer {raw}"})
    assert response.status_code == 200
    assert services.list_tokens(user, actor=user)[0].name == "from a script"

    # a session cookie alone does not waive CSRF
    client.force_login(user)
    assert client.post(url("accounts:tokens"), {"action": "create", "name": "forged"}).status_code == 403
    # nor does an invalid token next to the session cookie
    response = client.post(url("accounts:tokens"), {"action": "create", "name": "forged"},
                           headers={"Authorization": "ouv_wrong"})
    assert response.status_code == 403
    assert not any(t.name == "forged" for t in services.list_tokens(user, actor=user))
