"""Each write action: what it changes, fluent fields, permissions, and no partial writes."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from ouvert.accounts.models import Organisation
from ouvert.accounts.services import role_of
from ouvert.catalog.models import Dataset, Resource, Theme

from .conftest import token_for

pytestmark = pytest.mark.django_db

NEW = {
    "name": "nouveau", "owner_org": "alpha", "title_translated": {"fr": "Nouveau", "en": "New"},
    "notes_translated": {"fr": "Des notes", "en": "Some notes"}, "license_id": "cc-by",
    "tags": [{"name": "eau", "language": "fr"}, {"name": "water", "language": "en"}, {"name": "h2o"}],
    "groups": [{"name": "environnement"}], "extras": [{"key": "source", "value": "test"}],
    "maintainer": "Service des données", "maintainer_email": "donnees@example.org",
    "resources": [{"url": "https://example.org/eau.csv", "name_translated": {"fr": "Eau", "en": "Water"},
                   "format": "CSV", "custom_field": "kept"}],
}


def test_package_create_with_fluent_fields_and_resources(api, world):
    result = api("package_create", NEW, token=token_for(world.editor)).result
    assert result["title_translated"] == {"fr": "Nouveau", "en": "New"}
    assert result["license_id"] == "CC-BY-4.0" and result["state"] == "active"
    assert result["keywords"] == {"fr": ["eau"], "en": ["water"]}
    assert result["resources"][0]["name_translated"] == {"fr": "Eau", "en": "Water"}
    assert result["resources"][0]["custom_field"] == "kept"
    assert result["extras"] == [{"key": "source", "value": "test"}]
    assert api("package_show", {"id": "nouveau"}, method="GET").result == result


def test_plain_title_is_in_the_request_language(api, world):
    data = {"name": "plain", "owner_org": "alpha", "title": "Plain title", "notes": "Plain notes"}
    result = api("package_create", data, token=token_for(world.editor), HTTP_ACCEPT_LANGUAGE="en").result
    assert result["title_translated"] == {"fr": "", "en": "Plain title"}
    assert result["notes_translated"] == {"fr": "", "en": "Plain notes"}
    assert api("package_create", {**data, "name": "plain-fr", "lang": "fr"},
               token=token_for(world.editor)).result["title_translated"]["fr"] == "Plain title"


def test_package_create_draft(api, world):
    result = api("package_create", {**NEW, "state": "draft"}, token=token_for(world.editor)).result
    assert result["state"] == "draft"
    assert api("package_show", {"id": "nouveau"}, method="GET").status == 404


@pytest.mark.parametrize("change, field", [
    ({"owner_org": "nowhere"}, "owner_org"),
    ({"colour": "red"}, "colour"),
    ({"private": "maybe", "title_translated": "Nouveau"}, "title_translated"),
    ({"tags": "eau", "resources": "not a list"}, "resources"),
    ({"resources": [{"name": "no url"}]}, "resources[0].url"),
    ({"state": "deleted"}, "state"),
    ({"name": "arbres"}, "name"),
])
def test_bad_package_input_names_the_field_and_writes_nothing(api, world, change, field):
    before = (Dataset.objects.count(), Resource.objects.count())
    answer = api("package_create", {**NEW, **change}, token=token_for(world.editor))
    assert answer.status == 409 and answer.error["__type"] == "Validation Error"
    assert field in answer.error, answer.error
    assert (Dataset.objects.count(), Resource.objects.count()) == before


def test_package_create_needs_the_editor_role(api, world):
    assert api("package_create", NEW, token=token_for(world.member)).status == 403
    assert api("package_create", NEW).status == 403
    assert not Dataset.objects.filter(name="nouveau").exists()


def test_package_update_replaces_and_keeps_resources_when_omitted(api, world):
    token = token_for(world.editor)
    current = api("package_show", {"id": "arbres"}, method="GET").result
    upload_url = current["resources"][0]["url"]
    result = api("package_update", {"id": current["id"], "name": "arbres", "title": "Arbres", "lang": "fr"},
                 token=token).result
    assert result["title_translated"] == {"fr": "Arbres", "en": ""}  # the full replace empties English
    assert result["notes"] == "" and result["tags"] == [] and result["groups"] == []
    assert result["license_id"] is None
    assert [r["url"] for r in result["resources"]] == [upload_url]
    assert result["resources"][0]["url_type"] == "upload"


def test_package_update_round_trips_a_shown_dict(api, world):
    token = token_for(world.editor)
    shown = api("package_show", {"id": "arbres"}, method="GET").result
    updated = api("package_update", shown, token=token).result
    ignore = {"metadata_modified"}
    assert {k: v for k, v in updated.items() if k not in ignore} == {k: v for k, v in shown.items() if k not in ignore}


def test_package_update_replaces_the_resource_list(api, world):
    token = token_for(world.editor)
    shown = api("package_show", {"id": "arbres"}, method="GET").result
    kept = shown["resources"][0]
    new = {"url": "https://example.org/new.json", "name": "New", "format": "JSON"}
    result = api("package_update", {**shown, "resources": [new, kept]}, token=token).result
    assert [r["format"] for r in result["resources"]] == ["JSON", "CSV"]
    result = api("package_update", {**shown, "resources": [new]}, token=token).result
    assert [r["url"] for r in result["resources"]] == ["https://example.org/new.json"]


def test_package_patch_changes_only_given_fields_and_publishes(api, world):
    token = token_for(world.editor)
    result = api("package_patch", {"id": "brouillon", "notes_translated": {"fr": "N", "en": "N"}, "state": "active"},
                 token=token).result
    assert result["state"] == "active" and result["title_translated"]["en"] == "Secret draft"
    assert result["notes_translated"] == {"fr": "N", "en": "N"}
    back = api("package_patch", {"id": "brouillon", "state": "draft"}, token=token)
    assert back.status == 409 and "state" in back.error
    assert back.error["message"] and len(back.error["state"]) == 1


def test_package_patch_moves_between_organisations_only_with_rights(api, world):
    token = token_for(world.editor)
    assert api("package_patch", {"id": "arbres", "owner_org": "beta"}, token=token).status == 403
    result = api("package_patch", {"id": "arbres", "owner_org": "beta"}, token=token_for(world.sysadmin)).result
    assert result["organization"]["name"] == "beta"


def test_package_delete(api, world):
    assert api("package_delete", {"id": "arbres"}, token=token_for(world.member)).status == 403
    assert api("package_delete", {"id": "arbres"}, token=token_for(world.editor)).result is None
    assert api("package_show", {"id": "arbres"}, method="GET").status == 404
    assert api("package_delete", {"id": "arbres"}, token=token_for(world.editor)).status == 404


def test_resource_create_by_upload_and_by_url(api, world):
    token = token_for(world.editor)
    response = api.client.post("/api/3/action/resource_create", {
        "package_id": "arbres", "name": "Second file", "upload": SimpleUploadedFile("deux.csv", b"a,b\n1,2\n"),
    }, HTTP_AUTHORIZATION=token)
    result = json.loads(response.content)["result"]
    assert result["url_type"] == "upload" and result["size"] == 8 and result["format"] == "CSV"
    assert result["url"].endswith("/deux.csv")
    link = api("resource_create", {"package_id": "arbres", "url": "https://example.org/x.json"}, token=token).result
    assert link["url"] == "https://example.org/x.json" and link["format"] == "JSON"
    assert api("resource_create", {"package_id": "arbres"}, token=token).status == 409
    assert api("resource_create", {"package_id": "budget", "url": "https://example.org/y"}, token=token).status == 403


def test_resource_update_patch_and_delete(api, world):
    token = token_for(world.editor)
    resource = world.public.resources.get()
    patched = api("resource_patch", {"id": str(resource.pk), "description": "Décrit", "lang": "fr"}, token=token).result
    assert patched["description_translated"]["fr"] == "Décrit" and patched["url_type"] == "upload"
    assert patched["name_translated"]["en"] == "arbres.csv"
    replaced = api("resource_update", {"id": str(resource.pk), "url": patched["url"], "format": "CSV"}, token=token).result
    assert replaced["url_type"] == "upload" and replaced["name_translated"] == {"fr": "", "en": ""}
    relinked = api("resource_update", {"id": str(resource.pk), "url": "https://example.org/z.csv"}, token=token).result
    assert relinked["url_type"] is None and relinked["url"] == "https://example.org/z.csv"
    assert api("resource_delete", {"id": str(resource.pk)}, token=token).result is None
    assert api("resource_show", {"id": str(resource.pk)}, method="GET").status == 404


def test_organization_create_update_and_members(api, world):
    root = token_for(world.sysadmin)
    assert api("organization_create", {"name": "gamma", "title": "Gamma"}, token=token_for(world.admin)).status == 403
    created = api("organization_create", {"name": "gamma", "title_translated": {"fr": "Gamma", "en": "Gamma"},
                                          "users": [{"name": "olga", "capacity": "admin"}]}, token=root).result
    assert created["name"] == "gamma" and role_of(Organisation.objects.get(name="gamma"), world.outsider) == "admin"
    olga = token_for(world.outsider)
    updated = api("organization_update", {"id": "gamma", "title": "Gamma!", "description": "D", "lang": "en"},
                  token=olga).result
    assert updated["title_translated"] == {"fr": "", "en": "Gamma!"} and updated["name"] == "gamma"
    member = api("organization_member_create", {"id": "gamma", "username": "marc", "role": "editor"}, token=olga).result
    assert member["capacity"] == "editor"
    assert api("organization_member_create", {"id": "gamma", "username": "marc", "role": "boss"}, token=olga).status == 409
    assert api("organization_member_create", {"id": "alpha", "username": "marc", "role": "admin"}, token=olga).status == 403
    assert api("organization_create", {"name": "gamma", "title": "Again"}, token=root).status == 409
    assert api("organization_create", {"name": "delta", "title": "D", "colour": "red"}, token=root).error["colour"]


def test_group_create(api, world):
    assert api("group_create", {"name": "sante", "title": "Santé"}, token=token_for(world.admin)).status == 403
    result = api("group_create", {"name": "sante", "title": "Santé", "lang": "fr"}, token=token_for(world.sysadmin)).result
    assert result["title_translated"] == {"fr": "Santé", "en": ""} and Theme.objects.filter(name="sante").exists()


def test_api_token_create(api, world):
    token = token_for(world.editor)
    raw = api("api_token_create", {"user": "edith", "name": "script", "expires_in": 2, "unit": 86400}, token=token).result["token"]
    assert api("package_show", {"id": "brouillon"}, method="GET", token=raw).status == 200
    assert api("api_token_create", {"user": "alice", "name": "theirs"}, token=token).status == 403
    assert api("api_token_create", {"user": "edith", "name": "x"}).status == 403
    assert api("api_token_create", {"user": "edith", "name": "x", "unit": "fortnight", "expires_in": 1}, token=token).status == 409


def test_organization_member_create_checks_the_permission_before_looking_the_user_up(api, world):
    """Whoever may not manage the members gets 403 whether the user name exists or not."""
    for token in (token_for(world.outsider), token_for(world.editor)):
        for username in ("marc", "ghost"):
            assert api("organization_member_create", {"id": "alpha", "username": username, "role": "admin"},
                       token=token).status == 403
    assert api("organization_member_create", {"id": "alpha", "username": "ghost", "role": "admin"},
               token=token_for(world.admin)).status == 404
