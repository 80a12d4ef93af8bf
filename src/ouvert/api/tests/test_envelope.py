"""The envelope, the error types and codes, the registry, help_show, tokens and CSRF."""

import datetime as dt
import json

import pytest
from django.test import Client
from django.utils import timezone

from ouvert.accounts import permissions
from ouvert.accounts.models import ApiToken
from ouvert.accounts.services import create_token, revoke_token
from ouvert.api import registry
from ouvert.api.registry import ANYONE, AUTHENTICATED

from .conftest import Api, token_for

pytestmark = pytest.mark.django_db


def test_success_envelope(api, world):
    answer = api("package_list", method="GET")
    assert answer.status == 200
    assert set(answer.body) == {"help", "success", "result"}
    assert answer.body["help"].endswith("/api/3/action/help_show?name=package_list")


@pytest.mark.parametrize("name, data, method, status, kind", [
    ("package_show", {"id": "nope"}, "GET", 404, "Not Found Error"),
    ("package_create", {"name": "x", "owner_org": "alpha"}, "POST", 403, "Authorization Error"),
    ("no_such_action", None, "GET", 400, "Bad Request"),
    ("package_create", None, "GET", 400, "Bad Request"),
    ("package_search", {"fq": "colour:red"}, "GET", 400, "Search Query Error"),
    ("package_search", {"rows": "5000"}, "GET", 409, "Validation Error"),
])
def test_error_types_and_codes(api, world, name, data, method, status, kind):
    answer = api(name, data, method=method)
    assert answer.status == status
    assert set(answer.body) == {"help", "success", "error"}
    assert answer.error["__type"] == kind and answer.error["message"]


def test_wrong_method_names_the_allowed_one(api, world):
    response = api.client.get("/api/3/action/package_delete")
    assert response.status_code == 400 and response["Allow"] == "POST"


def test_validation_errors_map_fields_to_messages(api, world):
    answer = api("package_create", {"name": "Bad Name!", "owner_org": "alpha", "license_id": "nope"},
                 token=token_for(world.editor))
    assert answer.status == 409 and answer.error["__type"] == "Validation Error"
    assert answer.error["name"] and answer.error["licence"]


@pytest.mark.parametrize("body, problem", [
    (b"{not json", "not valid JSON"),
    (b"[1, 2]", "must be an object"),
    (b"\xff\xfe", "not valid JSON"),
])
def test_malformed_bodies(api, world, body, problem):
    response = api.client.post("/api/3/action/package_search", body, content_type="application/json",
                               HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    error = json.loads(response.content)["error"]
    assert error["__type"] == "Bad Request" and problem in error["message"]


def test_form_and_query_bodies(api, world):
    response = api.client.post("/api/3/action/package_search", {"fq": "organization:beta"})
    assert [p["name"] for p in json.loads(response.content)["result"]["results"]] == ["budget"]


def test_unexpected_errors_are_an_enveloped_500_without_details(api, world, monkeypatch):
    def broken(call):
        raise RuntimeError("database password is hunter2")

    monkeypatch.setitem(registry.REGISTRY, "status_show",
                        registry.Action("status_show", broken, registry.READ, ANYONE))
    answer = api("status_show", method="GET")
    assert answer.status == 500 and answer.error["__type"] == "Internal Server Error"
    assert "hunter2" not in json.dumps(answer.body)


def test_every_action_has_an_access_rule_and_a_docstring():
    assert len(registry.REGISTRY) == 34
    for name, found in registry.REGISTRY.items():
        assert found.auth in (ANYONE, AUTHENTICATED) or found.auth in permissions.RULES, name
        assert len(found.doc) > 30, name
        assert found.methods in (registry.READ, registry.WRITE), name
    writes = {n for n, a in registry.REGISTRY.items() if a.writes}
    assert writes == {
        "package_create", "package_update", "package_patch", "package_delete", "resource_create",
        "resource_update", "resource_patch", "resource_delete", "organization_create", "organization_update",
        "organization_member_create", "group_create", "api_token_create",
        "datastore_create", "datastore_upsert", "datastore_delete"}
    assert all(registry.REGISTRY[n].auth != ANYONE for n in writes)


def test_help_show_returns_the_docstring(api, world):
    assert api("help_show", {"name": "package_search"}, method="GET").result == registry.REGISTRY["package_search"].doc
    assert api("help_show", {"name": "nope"}, method="GET").status == 404
    assert api("help_show", method="GET").status == 409


# --- tokens ---------------------------------------------------------------------------------

def test_raw_and_bearer_tokens(api, world):
    raw = token_for(world.editor)
    for header in (raw, f"Bearer {raw}"):
        answer = api("package_show", {"id": "brouillon"}, method="GET", token=header)
        assert answer.result["name"] == "brouillon"


@pytest.mark.parametrize("spoil", ["revoked", "expired", "unknown", "malformed"])
def test_bad_tokens_are_authorization_errors_even_for_reads(api, world, spoil):
    token, raw = create_token(world.editor, actor=world.editor, name="spoilt")
    if spoil == "revoked":
        revoke_token(token, actor=world.editor)
    elif spoil == "expired":
        ApiToken.objects.filter(pk=token.pk).update(expires=timezone.now() - dt.timedelta(seconds=1))
    elif spoil == "unknown":
        raw = "ouv_unknown"
    else:
        raw = "Basic abc def"
    answer = api("package_list", method="GET", token=raw)
    assert answer.status == 403 and answer.error["__type"] == "Authorization Error"


def test_token_writes_need_no_csrf_token(world):
    api = Api(Client(enforce_csrf_checks=True))
    answer = api("package_patch", {"id": "arbres", "version": "2"}, token=token_for(world.editor))
    assert answer.result["version"] == "2"


# --- CSRF for cookie sessions -----------------------------------------------------------------

def test_cookie_writes_need_the_csrf_token(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.editor)
    api = Api(client)
    refused = api("package_patch", {"id": "arbres", "version": "3"})
    assert refused.status == 403 and refused.error["__type"] == "Authorization Error"
    assert "CSRF" in refused.error["message"]
    client.get("/fr/")  # any page sets the CSRF cookie
    csrf = client.cookies["csrftoken"].value
    accepted = api("package_patch", {"id": "arbres", "version": "3"}, HTTP_X_CSRFTOKEN=csrf)
    assert accepted.result["version"] == "3"


def test_cookie_reads_by_get_and_anonymous_posts_need_no_csrf_token(world):
    client = Client(enforce_csrf_checks=True)
    assert Api(client)("package_search", {"q": "budget"}).status == 200
    client.force_login(world.editor)
    assert Api(client)("package_show", {"id": "brouillon"}, method="GET").status == 200


WRONG_VALUES = [None, 1, 1.5, True, "", "x" * 500, [], [1, {"a": []}], {"a": {"b": 1}}, "\x00"]


def test_wrong_types_never_crash_any_action(api, world):
    """Every action, given each parameter it might read with values of every wrong type."""
    token = token_for(world.sysadmin)
    keys = ["id", "name", "q", "fq", "sort", "rows", "start", "facet.field", "facet.limit", "include_private",
            "owner_org", "title", "title_translated", "notes_translated", "tags", "groups", "extras", "resources",
            "url", "package_id", "all_fields", "limit", "offset", "users", "username", "role", "user",
            "expires_in", "unit", "state", "keywords", "license_id", "organization", "private"]
    for name in registry.REGISTRY:
        for value in WRONG_VALUES:
            answer = api(name, {key: value for key in keys}, token=token)
            assert answer.status != 500, (name, value, answer.body)
            answer = api(name, {"id": "arbres", "package_id": "arbres", "name": "arbres", "user": "sysadmin",
                                "username": "sysadmin", "owner_org": "alpha", "resources": [value]}, token=token)
            assert answer.status != 500, (name, value, answer.body)


def test_nul_characters_are_a_validation_error(api, world):
    answer = api("package_show", {"id": "arb\x00res"})
    assert answer.status == 409 and "id" in answer.error
    answer = api("package_search", {"fq": 'name:"a\x00"'}, method="GET")
    assert answer.status == 409 and "fq" in answer.error
