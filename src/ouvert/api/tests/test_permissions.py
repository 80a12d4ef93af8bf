"""The permission matrix of the CKAN-compatible API: for every read action, who sees private and
draft datasets, their resources and any count of them. (Every kind through every surface:
``tests/test_permission_matrix.py``.)"""

import json

import pytest

from ouvert.api import registry

from .conftest import token_for

pytestmark = pytest.mark.django_db

EVERYTHING = {"include_private": True, "include_drafts": True}
FACETS = {"facet.field": ["organization", "groups", "tags", "res_format", "license_id"], "facet.limit": -1}


NOWHERE = "00000000-0000-4000-8000-000000000000"


def read_calls(world):
    """Every read action, with the parameters most likely to reveal something."""
    secrets = [world.private, world.draft]
    resources = [r for d in secrets for r in d.resources.all()]
    return {
        "package_search": [{**EVERYTHING, **FACETS, "rows": 1000}, {**EVERYTHING, "q": "secret", "fq": "-name:x"},
                           {**EVERYTHING, "fq": "tags:hidden-private"}, {**EVERYTHING, **FACETS, "sort": "id asc"}],
        "package_show": [{"id": d.name} for d in secrets] + [{"id": str(d.pk)} for d in secrets],
        "package_list": [EVERYTHING],
        "current_package_list_with_resources": [EVERYTHING],
        "resource_show": [{"id": str(r.pk)} for r in resources],
        "organization_list": [{"all_fields": True}],
        "organization_show": [{"id": "alpha", "include_datasets": True}],
        "group_list": [{"all_fields": True}],
        "group_show": [{"id": "environnement", "include_datasets": True}],
        "tag_list": [{"all_fields": True}],
        "license_list": [{}],
        "status_show": [{}],
        "user_show": [{"id": "edith", "include_datasets": True}, {"id": "_factory_root", "include_datasets": True}],
        "package_activity_list": [{"id": d.name} for d in secrets],
        "help_show": [{"name": "package_show"}],
        "datastore_search": [{"resource_id": str(r.pk)} for r in resources],
        "datastore_info": [{"id": str(r.pk)} for r in resources] + [{"resource_id": str(r.pk)} for r in resources],
        "datastore_search_sql": [{"sql": f'SELECT * FROM "{r.pk}"'} for r in resources],
    }


def markers(world):
    secrets = [world.private, world.draft]
    return ([d.name for d in secrets] + [str(d.pk) for d in secrets] + ["Secret", "hidden-private", "hidden-draft"]
            + [str(r.pk) for d in secrets for r in d.resources.all()])


def counts(api, token):
    def get(name, params):
        return api(name, params, token=token).body.get("result")

    search = get("package_search", {**EVERYTHING, **FACETS})
    organisations = {o["name"]: o["package_count"] for o in get("organization_list", {"all_fields": True})}
    return {
        "search": search["count"],
        "facet_alpha": search["facets"]["organization"].get("alpha", 0),
        "facet_env": search["facets"]["groups"].get("environnement", 0),
        "package_list": len(get("package_list", EVERYTHING)),
        "organization_list": organisations["alpha"],
        "organization_show": get("organization_show", {"id": "alpha"})["package_count"],
        "group_list": get("group_list", {"all_fields": True})[0]["package_count"],
        "group_show": get("group_show", {"id": "environnement"})["package_count"],
        "tags": len(get("tag_list", {})),
    }


def test_the_matrix_covers_every_read_action(world):
    reads = {name for name, found in registry.REGISTRY.items() if not found.writes}
    assert set(read_calls(world)) == reads


@pytest.mark.parametrize("who", ["anonymous", "outsider"])
def test_strangers_never_see_private_or_draft_content(api, world, who):
    token = token_for(world.outsider) if who == "outsider" else None
    found = []
    for name, calls in read_calls(world).items():
        for params in calls:
            for method in ("GET", "POST"):
                data = {k: v if isinstance(v, str) else json.dumps(v) for k, v in params.items()} if method == "GET" else params
                answer = api(name, data, method=method, token=token)
                text = json.dumps(answer.body, ensure_ascii=False)
                if name == "datastore_search_sql":
                    # An unreadable table is refused exactly as a table that does not exist:
                    # the answer only echoes the statement the caller wrote.
                    secret_id = params["sql"].split('"')[1]
                    unknown = api(name, {"sql": params["sql"].replace(secret_id, NOWHERE)}, method=method, token=token)
                    assert answer.status == unknown.status and answer.status in (404, 409), (name, answer.body)
                    assert text == json.dumps(unknown.body, ensure_ascii=False).replace(NOWHERE, secret_id)
                    continue
                assert answer.status in (200, 404), (name, params, answer.body)
                found += [(name, marker) for marker in markers(world) if marker in text]
    assert found == []
    assert counts(api, token) == {"search": 2, "facet_alpha": 1, "facet_env": 1, "package_list": 2,
                                  "organization_list": 1, "organization_show": 1, "group_list": 1, "group_show": 1,
                                  "tags": 3}


def test_members_see_private_datasets_but_not_others_drafts(api, world):
    token = token_for(world.member)
    assert api("package_show", {"id": "secret-prive"}, method="GET", token=token).status == 200
    assert api("resource_show", {"id": str(world.private.resources.get().pk)}, method="GET", token=token).status == 200
    assert api("package_activity_list", {"id": "secret-prive"}, method="GET", token=token).status == 200
    assert api("package_show", {"id": "brouillon"}, method="GET", token=token).status == 404
    assert api("resource_show", {"id": str(world.draft.resources.get().pk)}, method="GET", token=token).status == 404
    assert counts(api, token) == {"search": 3, "facet_alpha": 2, "facet_env": 2, "package_list": 3,
                                  "organization_list": 2, "organization_show": 2, "group_list": 2, "group_show": 2,
                                  "tags": 4}


@pytest.mark.parametrize("who", ["editor", "sysadmin"])
def test_editors_and_sysadmins_see_drafts_when_they_ask(api, world, who):
    token = token_for(getattr(world, who))
    assert api("package_show", {"id": "brouillon"}, method="GET", token=token).status == 200
    assert api("resource_show", {"id": str(world.draft.resources.get().pk)}, method="GET", token=token).status == 200
    result = api("package_search", {**EVERYTHING}, token=token).result
    assert {"brouillon", "secret-prive"} <= {p["name"] for p in result["results"]}
    # Without asking, drafts and private datasets stay out of search and lists, as in CKAN.
    assert {p["name"] for p in api("package_search", {}, token=token).result["results"]} == {"arbres", "budget"}
    assert api("package_list", {}, token=token).result == ["arbres", "budget"]
    # Counts on organisations and groups are of published datasets, private included.
    assert counts(api, token)["organization_show"] == 2
