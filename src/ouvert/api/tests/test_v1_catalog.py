"""The native API's catalog endpoints: answers, errors and who sees what."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from ouvert.accounts.models import ApiToken
from ouvert.catalog.models import Dataset, Resource
from ouvert.core.models import State
from tests.support.api import V1Client

from .conftest import token_for

pytestmark = pytest.mark.django_db

NEW = {"name": "nouveau", "organisation": "alpha", "title": {"fr": "Nouveau", "en": "New"},
       "description": {"en": "Some *text*"}, "licence": "CC-BY-4.0", "tags": ["eau"],
       "keywords": {"fr": ["rivière"], "en": ["river"]}, "themes": ["environnement"], "frequency": "monthly",
       "temporal_start": "2020-01-01", "temporal_end": None, "private": False, "extras": {"source": "x", "n": 3, "ok": True}}


@pytest.fixture
def v1():
    return V1Client()


def as_user(user) -> V1Client:
    return V1Client(token=token_for(user))


def names(answer) -> set[str]:
    return {d["name"] for d in answer.body["results"]}


def test_search_shows_anonymous_only_public_published(world, v1):
    answer = v1.get("/datasets")
    assert answer.status == 200
    assert names(answer) == {"arbres", "budget"}
    assert answer.body["count"] == 2
    facets = answer.body["facets"]
    assert set(facets) == {"organisation", "theme", "tag", "format", "licence"}
    tags = {f["value"] for f in facets["tag"]}
    assert "hidden-private" not in tags and "hidden-draft" not in tags
    themes = {f["value"]: f["count"] for f in facets["theme"]}
    assert themes == {"environnement": 1}
    assert {f["value"] for f in facets["licence"]} == {"OGL-Canada-2.0", "CC0-1.0"}


def test_search_by_members_and_editors(world):
    assert names(as_user(world.member).get("/datasets")) == {"arbres", "budget", "secret-prive"}
    assert names(as_user(world.outsider).get("/datasets")) == {"arbres", "budget"}
    assert names(as_user(world.outsider).get("/datasets", {"include_drafts": "true"})) == {"arbres", "budget"}
    editor = as_user(world.editor).get("/datasets", {"include_drafts": "true"})
    assert names(editor) == {"arbres", "budget", "secret-prive", "brouillon"}
    assert editor.body["count"] == 4


def test_search_text_filters_sort_and_pages(world, v1):
    assert names(v1.get("/datasets", {"q": "arbres"})) == {"arbres"}
    assert names(v1.get("/datasets", {"organisation": "beta"})) == {"budget"}
    assert names(v1.get("/datasets", {"organisation": ["alpha", "beta"]})) == {"arbres", "budget"}
    assert names(v1.get("/datasets", {"tag": "trees"})) == {"arbres"}
    assert names(v1.get("/datasets", {"theme": "environnement"})) == {"arbres"}
    assert names(v1.get("/datasets", {"format": "CSV"})) == {"arbres", "budget"}
    assert names(v1.get("/datasets", {"licence": "CC0-1.0"})) == {"budget"}
    assert names(v1.get("/datasets", {"organisation": "nobody"})) == set()
    ordered = v1.get("/datasets", {"sort": "-name", "page_size": 1})
    assert [d["name"] for d in ordered.body["results"]] == ["budget"]
    assert ordered.body["next"].endswith("page=2") and ordered.body["previous"] is None
    second = v1.get("/datasets", {"sort": "-name", "page_size": 1, "page": 2})
    assert [d["name"] for d in second.body["results"]] == ["arbres"]
    assert second.body["next"] is None and "page=1" in second.body["previous"]


@pytest.mark.parametrize("params, field", [
    ({"page_size": "1001"}, "page_size"), ({"page_size": "0"}, "page_size"), ({"page": "x"}, "page"),
    ({"page": "99999999999999999999999"}, "page"), ({"sort": "colour"}, "sort"),
    ({"include_drafts": "maybe"}, "include_drafts"), ({"q": "a\x00b"}, "q"), ({"q": "x" * 1001}, "q"),
])
def test_search_refuses_bad_parameters(world, v1, params, field):
    answer = v1.get("/datasets", params)
    assert answer.status == 400
    assert answer.error["code"] == "validation"
    assert field in answer.error["fields"]


def test_dataset_detail_is_bilingual_and_hides_private_and_drafts(world, v1):
    answer = v1.get("/datasets/arbres")
    assert answer.status == 200
    body = answer.body
    assert body["title"] == {"fr": "Arbres publics", "en": "Public trees"}
    assert body["description"] == {"fr": "Les arbres de la ville", "en": "The city's trees"}
    assert body["keywords"] == {"fr": ["arbres"], "en": ["trees"]}
    assert body["organisation"]["name"] == "alpha"
    assert body["themes"][0]["name"] == "environnement"
    assert body["resources"][0]["kind"] == "upload" and body["resources"][0]["url"].startswith("http")
    assert v1.get(f"/datasets/{world.public.pk}").body["name"] == "arbres"
    for name in ("secret-prive", "brouillon", "nothing-here"):
        missing = v1.get(f"/datasets/{name}")
        assert missing.status == 404 and missing.error["code"] == "not_found"
    assert as_user(world.outsider).get("/datasets/secret-prive").status == 404
    assert as_user(world.member).get("/datasets/secret-prive").status == 200
    assert as_user(world.member).get("/datasets/brouillon").status == 404
    assert as_user(world.editor).get("/datasets/brouillon").body["state"] == "draft"


def test_create_dataset(world):
    answer = as_user(world.editor).post("/datasets", NEW)
    assert answer.status == 201, answer.body
    body = answer.body
    assert body["state"] == "draft" and body["licence"]["id"] == "CC-BY-4.0"
    assert body["extras"] == {"source": "x", "n": "3", "ok": "true"}
    assert body["tags"] == ["eau"] and body["keywords"] == {"fr": ["rivière"], "en": ["river"]}
    assert body["temporal_start"] == "2020-01-01"
    assert answer.headers["Location"] == "/api/v1/datasets/nouveau"
    published = as_user(world.editor).post("/datasets", {**NEW, "name": "publie", "state": "active"})
    assert published.body["state"] == "active" and published.body["published"]


@pytest.mark.parametrize("body, field", [
    ({**NEW, "colour": "blue"}, "colour"),
    ({**NEW, "title": "Nouveau"}, "title"),
    ({**NEW, "title": {"de": "Neu"}}, "title.de"),
    ({**NEW, "tags": "eau"}, "tags"),
    ({**NEW, "tags": [1]}, "tags[0]"),
    ({**NEW, "private": "yes"}, "private"),
    ({**NEW, "temporal_start": "2020-13-01"}, "temporal_start"),
    ({**NEW, "organisation": "nobody"}, "organisation"),
    ({**NEW, "licence": "no-such-licence"}, "licence"),
    ({**NEW, "themes": ["no-such-theme"]}, "themes"),
    ({**NEW, "name": "Bad Name!"}, "name"),
    ({**NEW, "name": "arbres"}, "name"),
    ({**NEW, "title": {}}, "title.fr"),
    ({**NEW, "title": {"fr": "a\x00b"}}, "title.fr"),
    ({**NEW, "title": {"fr": "\ud800"}}, "title.fr"),
    ({**NEW, "extras": {"\udfff": "x"}}, "extras.\ufffd"),
    ({**NEW, "extras": {"k": {"nested": 1}}}, "extras.k"),
    ({**NEW, "extras": {"": "x"}}, "extras."),
    ({**NEW, "state": "deleted"}, "state"),
    ({k: v for k, v in NEW.items() if k != "organisation"}, "organisation"),
])
def test_create_dataset_refuses_bad_fields_and_writes_nothing(world, body, field):
    before = Dataset.objects.count()
    answer = as_user(world.editor).post("/datasets", body)
    assert answer.status == 400, answer.body
    assert answer.error["code"] == "validation"
    assert field in answer.error["fields"], answer.error
    assert Dataset.objects.count() == before


@pytest.mark.parametrize("raw, content_type, status, code", [
    (b"{not json", "application/json", 400, "bad_request"),
    (b"[1, 2]", "application/json", 400, "bad_request"),
    (b"", "application/json", 400, "bad_request"),
    (b"\xff\xfe", "application/json", 400, "bad_request"),
    (b"[" * 100_000, "application/json", 400, "bad_request"),
    (b'{"name": 1e999}', "application/json", 400, "validation"),
    (b"name=x", "application/x-www-form-urlencoded", 415, "unsupported_media_type"),
    (b"<x/>", "text/xml", 415, "unsupported_media_type"),
])
def test_create_dataset_refuses_unreadable_bodies(world, raw, content_type, status, code):
    answer = as_user(world.editor)("POST", "/datasets", data=raw, content_type=content_type)
    assert (answer.status, answer.error["code"]) == (status, code)


def test_body_too_large(world, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    answer = as_user(world.editor).post("/datasets", {**NEW, "description": {"fr": "x" * 2000}})
    assert (answer.status, answer.error["code"]) == (413, "payload_too_large")


def test_writes_need_the_right_role(world, v1):
    anonymous = v1.post("/datasets", NEW)
    assert (anonymous.status, anonymous.error["code"]) == (401, "unauthorized")
    assert anonymous.headers["WWW-Authenticate"] == "Bearer"
    member = as_user(world.member).post("/datasets", NEW)
    assert (member.status, member.error["code"]) == (403, "forbidden")
    assert as_user(world.outsider).patch("/datasets/arbres", {"version": "2"}).status == 403
    assert as_user(world.outsider).delete("/datasets/secret-prive").status == 404
    assert v1.delete("/datasets/arbres").status == 401
    assert not Dataset.objects.filter(name="nouveau").exists()


def test_patch_put_delete_and_publish(world):
    editor = as_user(world.editor)
    patched = editor.patch("/datasets/arbres", {"version": "2", "title": {"en": "Trees"}})
    assert patched.status == 200, patched.body
    assert patched.body["title"] == {"fr": "Arbres publics", "en": "Trees"} and patched.body["version"] == "2"
    assert patched.body["keywords"] == {"fr": ["arbres"], "en": ["trees"]}
    replaced = editor.put("/datasets/arbres", {"title": {"fr": "Arbres"}})
    assert replaced.status == 200, replaced.body
    body = replaced.body
    assert body["title"] == {"fr": "Arbres", "en": ""} and body["version"] == "" and body["keywords"] == {"fr": [], "en": []}
    assert body["licence"] is None and body["name"] == "arbres" and len(body["resources"]) == 1
    untitled = editor.put("/datasets/arbres", {"version": "3"})
    assert untitled.status == 400 and "title.fr" in untitled.error["fields"]
    moved = as_user(world.sysadmin).patch("/datasets/budget", {"organisation": "alpha"})
    assert moved.body["organisation"]["name"] == "alpha"
    published = editor.post("/datasets/brouillon/publish")
    assert published.status == 200 and published.body["state"] == "active"
    assert editor.post("/datasets/brouillon/publish").status == 200
    assert editor.delete("/datasets/brouillon").status == 204
    assert Dataset.objects.get(name="brouillon").state == State.DELETED
    assert editor.get("/datasets/brouillon").status == 404


def test_a_published_dataset_cannot_go_back_to_draft(world):
    """The service's rule, translated by this adapter as a field error (as by the CKAN actions)."""
    editor = as_user(world.editor)
    back = editor.patch("/datasets/arbres", {"state": "draft", "version": "9"})
    assert back.status == 400 and list(back.error["fields"]) == ["state"]
    assert Dataset.objects.get(name="arbres").state == State.ACTIVE and Dataset.objects.get(name="arbres").version != "9"
    published = editor.patch("/datasets/brouillon", {"state": "active"})
    assert published.status == 200 and published.body["state"] == "active"


def test_activity(world, v1):
    as_user(world.editor).patch("/datasets/arbres", {"version": "2"})
    answer = v1.get("/datasets/arbres/activity")
    assert answer.status == 200
    keys = [a["key"] for a in answer.body["results"]]
    assert keys[0] == "catalog.dataset.updated" and "catalog.dataset.created" in keys
    assert answer.body["results"][0]["actor"] == "edith"
    assert answer.body["results"][0]["changes"]["version"] == ["", "2"]
    assert v1.get("/datasets/brouillon/activity").status == 404
    assert v1.get("/datasets/secret-prive/activity").status == 404


def test_resources(world, v1):
    listed = v1.get("/datasets/arbres/resources")
    assert listed.status == 200 and listed.body["count"] == 1
    resource_id = listed.body["results"][0]["id"]
    assert v1.get(f"/resources/{resource_id}").body["filename"] == "arbres.csv"
    assert v1.get("/datasets/secret-prive/resources").status == 404
    hidden = world.private.resources.first()
    assert v1.get(f"/resources/{hidden.pk}").status == 404
    assert v1.get("/resources/not-a-uuid").status == 404

    editor = as_user(world.editor)
    link = editor.post("/datasets/arbres/resources", {"url": "https://example.org/a.json", "title": {"fr": "Lien"}})
    assert link.status == 201, link.body
    assert link.body["kind"] == "url" and link.body["format"] == "JSON" and link.body["title"]["fr"] == "Lien"
    assert "url" in editor.post("/datasets/arbres/resources", {"title": {"fr": "x"}}).error["fields"]
    bad = editor.post("/datasets/arbres/resources", {"url": "javascript:alert(1)"})
    assert bad.status == 400 and "url" in bad.error["fields"]
    upload = editor("POST", "/datasets/arbres/resources",
                    data={"file": SimpleUploadedFile("b.csv", b"a,b\n1,2\n"), "title_en": "B"})
    assert upload.status == 201, upload.body
    assert upload.body["kind"] == "upload" and upload.body["size"] == 8 and upload.body["title"]["en"] == "B"
    unknown = editor("POST", "/datasets/arbres/resources",
                     data={"file": SimpleUploadedFile("c.csv", b"a\n"), "colour": "blue"})
    assert unknown.status == 400 and "colour" in unknown.error["fields"]
    patched = editor.patch(f"/resources/{link.body['id']}", {"format": "geojson", "position": 0})
    assert patched.status == 200 and patched.body["format"] == "GEOJSON"
    replaced = editor("PATCH", f"/resources/{link.body['id']}",
                      data={"file": SimpleUploadedFile("d.csv", b"x\n1\n")})
    assert replaced.status == 200, replaced.body
    assert replaced.body["kind"] == "upload"
    assert as_user(world.outsider).delete(f"/resources/{link.body['id']}").status == 403
    assert editor.delete(f"/resources/{link.body['id']}").status == 204
    assert not Resource.objects.filter(pk=link.body["id"]).exists()


def test_organisations_themes_licences_count_only_visible(world, v1):
    organisations = v1.get("/organisations")
    assert organisations.status == 200
    counts = {o["name"]: o["dataset_count"] for o in organisations.body["results"]}
    assert counts == {"alpha": 1, "beta": 1}
    assert as_user(world.member).get("/organisations/alpha").body["dataset_count"] == 2
    assert v1.get("/organisations/alpha").body["title"] == {"fr": "Organisme alpha", "en": "Organisation alpha"}
    assert v1.get("/organisations/nobody").status == 404
    themes = v1.get("/themes")
    assert themes.body["results"][0]["dataset_count"] == 1
    assert v1.get("/themes/environnement").body["title"] == {"fr": "Environnement", "en": "Environment"}
    assert as_user(world.sysadmin).get("/themes/environnement").body["dataset_count"] == 2
    assert v1.get("/themes/nothing").status == 404
    licences = v1.get("/licences")
    assert licences.status == 200 and "CC-BY-4.0" in {licence["id"] for licence in licences.body["results"]}


def test_me(world, v1):
    assert v1.get("/me").status == 401
    me = as_user(world.editor).get("/me")
    assert me.status == 200
    assert me.body["username"] == "edith" and me.body["organisations"][0]["role"] == "editor"


def test_revoked_expired_and_malformed_tokens_are_refused(world, v1):
    token = token_for(world.editor)
    assert v1.get("/me", token=token).status == 200
    ApiToken.objects.filter(user=world.editor).update(expires=timezone.now() - dt.timedelta(days=1))
    expired = v1.get("/datasets", token=token)
    assert (expired.status, expired.error["code"]) == (401, "unauthorized")
    ApiToken.objects.filter(user=world.editor).update(expires=None, revoked=timezone.now())
    assert v1.post("/datasets", NEW, token=token).status == 401
    assert v1.get("/datasets", HTTP_AUTHORIZATION="Basic a b").status == 401
    assert not Dataset.objects.filter(name="nouveau").exists()


def test_browser_sessions_need_csrf_to_write(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.editor)
    v1 = V1Client(client)
    assert v1.get("/me").status == 200
    refused = v1.post("/datasets", NEW)
    assert (refused.status, refused.error["code"]) == (403, "forbidden")
    client.get("/api/v1/docs")  # any page; the cookie is then set by get_token below
    from django.middleware.csrf import _get_new_csrf_string, _mask_cipher_secret

    secret = _get_new_csrf_string()
    client.cookies["csrftoken"] = secret
    accepted = v1.post("/datasets", NEW, HTTP_X_CSRFTOKEN=_mask_cipher_secret(secret))
    assert accepted.status == 201, accepted.body


def test_methods_and_unknown_paths(world, v1):
    answer = v1("PUT", "/datasets", {})
    assert (answer.status, answer.error["code"]) == (405, "method_not_allowed")
    assert answer.headers["Allow"] == "GET, HEAD, OPTIONS, POST"
    options = v1("OPTIONS", "/datasets/arbres")
    assert options.status == 204 and "PATCH" in options.headers["Allow"]
    assert v1("HEAD", "/datasets").status == 200
    unknown = v1.get("/nothing/here")
    assert (unknown.status, unknown.error["code"]) == (404, "not_found")
    assert v1.get("/datasets/a%00b").status == 404
