"""Each read action, as an anonymous caller and as the people who may see more."""

import pytest

from .conftest import token_for

pytestmark = pytest.mark.django_db


def test_package_show_by_name_and_id_with_fluent_fields(api, world):
    by_name = api("package_show", {"id": "arbres"}, method="GET").result
    by_id = api("package_show", {"id": str(world.public.pk)}, method="GET").result
    assert by_name == by_id
    assert by_name["title_translated"] == {"fr": "Arbres publics", "en": "Public trees"}
    assert by_name["organization"]["name"] == "alpha"
    assert by_name["num_resources"] == 1 and by_name["resources"][0]["format"] == "CSV"
    assert {t["name"] for t in by_name["tags"]} == {"arbres", "trees"}
    assert [g["name"] for g in by_name["groups"]] == ["environnement"]


def test_title_and_notes_follow_the_requested_language(api, world):
    assert api("package_show", {"id": "arbres", "lang": "en"}, method="GET").result["title"] == "Public trees"
    assert api("package_show", {"id": "arbres", "lang": "fr"}, method="GET").result["notes"] == "Les arbres de la ville"
    answer = api("package_show", {"id": "arbres"}, method="GET", HTTP_ACCEPT_LANGUAGE="en")
    assert answer.result["title"] == "Public trees"
    assert api("package_show", {"id": "arbres"}, method="GET", HTTP_ACCEPT_LANGUAGE="fr").result["title"] == "Arbres publics"


def test_package_show_unknown_is_not_found(api, world):
    answer = api("package_show", {"id": "nope"}, method="GET")
    assert answer.status == 404 and answer.error["__type"] == "Not Found Error"


def test_package_list_and_current_list(api, world):
    assert api("package_list", method="GET").result == ["arbres", "budget"]
    assert api("package_list", {"limit": "1", "offset": "1"}, method="GET").result == ["budget"]
    token = token_for(world.editor)
    assert api("package_list", {"include_private": True, "include_drafts": True}, token=token).result == [
        "arbres", "brouillon", "budget", "secret-prive"]
    current = api("current_package_list_with_resources", method="GET").result
    assert {p["name"] for p in current} == {"arbres", "budget"}
    assert all("resources" in p for p in current)


def test_resource_show(api, world):
    resource = world.public.resources.get()
    result = api("resource_show", {"id": str(resource.pk)}, method="GET").result
    assert result["package_id"] == str(world.public.pk) and result["url_type"] == "upload"
    assert api("resource_show", {"id": "not-a-uuid"}, method="GET").status == 404


def test_organization_list_and_show(api, world):
    assert api("organization_list", method="GET").result == ["alpha", "beta"]
    full = api("organization_list", {"all_fields": "true"}, method="GET").result
    assert [(o["name"], o["package_count"]) for o in full] == [("alpha", 1), ("beta", 1)]
    assert api("organization_list", {"sort": "package_count desc", "limit": 1}, method="GET").result == ["alpha"]
    shown = api("organization_show", {"id": "alpha", "include_datasets": True}, method="GET").result
    assert shown["package_count"] == 1 and [p["name"] for p in shown["packages"]] == ["arbres"]
    assert "users" not in shown
    as_admin = api("organization_show", {"id": "alpha"}, method="GET", token=token_for(world.admin)).result
    assert {u["name"]: u["capacity"] for u in as_admin["users"]} == {"alice": "admin", "edith": "editor", "marc": "member"}
    assert api("organization_show", {"id": "nope"}, method="GET").status == 404


def test_group_list_and_show(api, world):
    assert api("group_list", method="GET").result == ["environnement"]
    groups = api("group_list", {"all_fields": True}, method="GET").result
    assert groups[0]["package_count"] == 1
    shown = api("group_show", {"id": "environnement", "include_datasets": True}, method="GET").result
    assert [p["name"] for p in shown["packages"]] == ["arbres"]


def test_tag_list_license_list_status_show(api, world):
    assert api("tag_list", method="GET").result == ["arbres", "finances", "trees"]
    assert api("tag_list", {"query": "arb"}, method="GET").result == ["arbres"]
    licences = api("license_list", method="GET").result
    assert "OGL-Canada-2.0" in {lic["id"] for lic in licences}
    status = api("status_show", method="GET").result
    assert status["ckan_version"].startswith("2.")


def test_user_show(api, world):
    public = api("user_show", {"id": "edith"}, method="GET").result
    assert public["name"] == "edith" and "email" not in public
    assert public["number_created_packages"] == 0  # her only dataset is a draft
    own = api("user_show", {"id": "edith"}, method="GET", token=token_for(world.editor)).result
    assert own["email"] == "edith@example.org"
    assert api("user_show", {"id": "nobody"}, method="GET").status == 404


def test_package_activity_list(api, world):
    activities = api("package_activity_list", {"id": "arbres"}, method="GET").result
    assert activities[-1]["activity_type"] == "new package"
    assert {a["data"]["key"] for a in activities} >= {"catalog.dataset.created", "catalog.resource.created"}
    assert all(a["data"]["package"]["name"] == "arbres" for a in activities)


def test_unversioned_prefix(api, world):
    assert api("package_list", method="GET", prefix="/api/action/").result == ["arbres", "budget"]
