"""The native API's OpenAPI document: valid, complete, true to the routes, and true to what
the server answers (schemathesis fuzzes every operation, anonymous and as a sysadmin)."""

from __future__ import annotations

import copy
import re

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.urls import URLPattern, URLResolver, get_resolver
from hypothesis import HealthCheck, settings
from openapi_spec_validator import validate
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from ouvert.api.v1.registry import COMMON_ERRORS, discover
from ouvert.api.v1.schema import build
from tests.support.api import V1Client

from .conftest import token_for

DOCUMENT = build()


def _routes(patterns, prefix=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _routes(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern), pattern


def test_the_document_is_valid_openapi_3_1():
    validate(DOCUMENT)
    assert DOCUMENT["openapi"] == "3.1.0"


def test_every_route_is_documented_and_every_documented_path_routed():
    routed = {}
    for route, pattern in _routes(get_resolver().url_patterns):
        if route.startswith("api/v1") and hasattr(pattern.callback, "operations"):
            path = "/" + re.sub(r"<str:(\w+)>", r"{\1}", route)
            routed[path] = {o.method.lower() for o in pattern.callback.operations}
    documented = {path: set(item) for path, item in DOCUMENT["paths"].items()}
    assert routed == documented
    leftovers = [route for route, pattern in _routes(get_resolver().url_patterns)
                 if route.startswith("api/v1") and not hasattr(pattern.callback, "operations")]
    assert sorted(leftovers) == ["api/v1", "api/v1/<path:rest>"]  # the JSON 404 for unknown paths


def test_every_operation_says_what_it_does_and_how_it_fails():
    for path, item in DOCUMENT["paths"].items():
        for method, operation in item.items():
            label = f"{method.upper()} {path}"
            assert operation["summary"] and operation["description"], label
            for status in COMMON_ERRORS:
                assert str(status) in operation["responses"], label
            for status, response in operation["responses"].items():
                if int(status) >= 400:
                    assert response["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}
            if "requestBody" in operation:
                assert {"413", "415"} <= set(operation["responses"]), label
            if method != "get":
                assert operation["security"] == [{"token": []}, {"session": []}], label
                assert {"401", "403"} <= set(operation["responses"]), label


def test_operation_ids_are_unique_and_schemas_all_used():
    ids = [o["operationId"] for item in DOCUMENT["paths"].values() for o in item.values()]
    assert len(ids) == len(set(ids))
    text = repr(DOCUMENT["paths"]) + repr(DOCUMENT["components"]["schemas"])
    for name in DOCUMENT["components"]["schemas"]:
        assert f"#/components/schemas/{name}'" in text, f"{name} is never used"


def test_the_title_limit_is_the_models():
    from ouvert.catalog.models import Dataset

    title = DOCUMENT["components"]["schemas"]["TitleInput"]["properties"]
    assert {lang: title[lang]["maxLength"] for lang in ("fr", "en")} == {
        lang: Dataset._meta.get_field(f"title_{lang}").max_length for lang in ("fr", "en")}


def test_the_registry_refuses_inconsistent_declarations():
    api = discover()
    with pytest.raises(ValueError):
        api.operation("GET", "/datasets", summary="x", tag="datasets", responses={})(lambda call: None)
    with pytest.raises(ValueError):
        api.operation("GET", "/things/{id}", summary="x", tag="datasets", responses={})
    with pytest.raises(ValueError):
        api.schema("Dataset", {"type": "object"})


@pytest.mark.django_db
@pytest.mark.parametrize("language, words", [("fr", "Passer au contenu principal"), ("en", "Skip to main content")])
def test_the_documentation_page(language, words):
    client = V1Client()
    response = client.get("/docs", {"lang": language}).headers
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    html = response.content.decode()
    assert f'<html lang="{language}">' in html and words in html
    for item in DOCUMENT["paths"].values():
        for operation in item.values():
            assert f'id="{operation["operationId"]}"' in html
    assert "<script" not in html and "//cdn" not in html
    assert re.findall(r'(?:src|href)="(https?:)?//', html) == []


@pytest.mark.django_db
def test_the_document_is_served_in_the_callers_language():
    document = V1Client().get("/openapi.json", HTTP_ACCEPT_LANGUAGE="en").body
    assert document["paths"].keys() == DOCUMENT["paths"].keys()
    validate(document)


# --- fuzzing ------------------------------------------------------------------------------

def _with_examples(document: dict) -> dict:
    """The document with example values that name objects of the test catalog, so that some
    generated requests reach real datasets and resources."""
    document = copy.deepcopy(document)
    examples = {"name_or_id": ["arbres", "brouillon"], "name": ["alpha", "environnement", "canopee"], "id": ["arbres"]}
    for path, item in document["paths"].items():
        for operation in item.values():
            for parameter in operation.get("parameters", []):
                if parameter["in"] == "path" and parameter["name"] in examples:
                    values = examples[parameter["name"]]
                    if parameter["name"] == "id" and path.split("/")[3] in PLACEHOLDERS:
                        values = [path.split("/")[3]]  # a placeholder the test swaps for a real id
                    parameter["schema"] = {**parameter["schema"], "examples": values}
    create = document["components"]["schemas"]["DatasetCreate"]["properties"]
    create["name"] = {**create["name"], "pattern": "^[a-z][a-z0-9-]{2,30}$"}
    create["organisation"] = {"type": "string", "enum": ["alpha", "beta"]}
    create["licence"] = {"type": ["string", "null"], "enum": ["CC-BY-4.0", "OGL-Canada-2.0", None]}
    create["themes"] = {"type": "array", "items": {"type": "string", "enum": ["environnement"]}}
    return document


#: Ids of participation objects are made in the test; their examples name them by kind.
PLACEHOLDERS = ("ideas", "comments", "reuses")
SCHEMA = schemathesis.openapi.from_dict(_with_examples(DOCUMENT))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture
def wsgi_app():
    """Django's WSGI application, running inside the test's transaction: between requests it
    must not close the connection (as the test client arranges too)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield WSGIHandler()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def participation(world) -> dict:
    """A challenge open to ideas and votes on the test catalog, with an idea, a comment and a
    released reuse: {placeholder: real id}."""
    from ouvert.moderation import services as moderation
    from ouvert.participation import services as participation
    from ouvert.participation.tests.factories import make_challenge, make_comment, make_idea

    challenge = make_challenge(world.alpha, name="canopee", datasets=[world.public], votes_during_ideas=True)
    idea = make_idea(challenge, author=world.member, datasets=["arbres"])
    comment = make_comment(idea, author=world.editor)
    reuse = participation.submit_reuse(actor=world.member, data={
        "kind": "app", "title_fr": "Carte", "url": "https://example.org/carte", "datasets": ["arbres"]})
    moderation.decide(reuse, actor=world.sysadmin, action="release")
    return {"ideas": str(idea.pk), "comments": str(comment.pk), "reuses": str(reuse.pk)}


@pytest.fixture(params=["anonymous", "sysadmin"])
def caller_headers(request, world):
    if request.param == "anonymous":
        return {}
    return {"Authorization": f"Bearer {token_for(world.sysadmin)}"}


@pytest.mark.django_db
@SCHEMA.parametrize()
@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_fuzzing_finds_no_server_error_and_no_undocumented_answer(case, wsgi_app, caller_headers, participation):
    if case.path_parameters:
        case.path_parameters = {k: participation.get(v, v) for k, v in case.path_parameters.items()}
    response = case.call(app=wsgi_app, headers=caller_headers)
    case.validate_response(response, checks=CHECKS, headers=caller_headers)
