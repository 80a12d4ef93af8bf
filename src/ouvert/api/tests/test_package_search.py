"""package_search: CKAN's parameters, facets, sorting, paging and the harvester's pattern."""

import datetime as dt
import json

import pytest
from django.utils import timezone

from ouvert.catalog.models import Dataset
from tests.support.factories import make_dataset

from .conftest import token_for

pytestmark = pytest.mark.django_db


def search(api, **params):
    return api("package_search", {k: v if isinstance(v, str) else json.dumps(v) for k, v in params.items()}, method="GET")


def names(answer):
    return [p["name"] for p in answer.result["results"]]


def test_results_are_full_package_dicts(api, world):
    result = search(api).result
    assert result["count"] == 2
    assert {p["name"] for p in result["results"]} == {"arbres", "budget"}
    package = next(p for p in result["results"] if p["name"] == "arbres")
    assert package == api("package_show", {"id": "arbres"}, method="GET").result


def test_free_text_and_fielded_q(api, world):
    assert names(search(api, q="arbres")) == ["arbres"]
    assert names(search(api, q="tags:finances")) == ["budget"]
    assert search(api, q="*:*").result["count"] == 2


def test_fq_filters_on_every_field(api, world):
    assert names(search(api, fq="organization:beta")) == ["budget"]
    assert names(search(api, fq="-organization:beta")) == ["arbres"]
    assert names(search(api, fq='tags:"trees"')) == ["arbres"]
    assert names(search(api, fq="groups:environnement")) == ["arbres"]
    assert names(search(api, fq="res_format:CSV", sort="name asc")) == ["arbres", "budget"]
    assert names(search(api, fq="license_id:CC0-1.0")) == ["budget"]
    assert names(search(api, fq="name:budget")) == ["budget"]
    assert names(search(api, fq=f"id:{world.public.pk}")) == ["arbres"]
    assert names(search(api, fq=f"owner_org:{world.beta.pk}")) == ["budget"]
    assert names(search(api, fq="id:not-a-uuid")) == []
    assert names(search(api, fq="organization:(alpha OR beta) -tags:trees")) == ["budget"]
    assert names(search(api, fq="+dataset_type:dataset organization:alpha")) == ["arbres"]


def test_date_ranges(api, world):
    Dataset.objects.filter(pk=world.other.pk).update(modified=dt.datetime(2019, 6, 1, tzinfo=dt.UTC),
                                                     created=dt.datetime(2019, 5, 1, tzinfo=dt.UTC))
    assert names(search(api, fq="metadata_modified:[2020-01-01T00:00:00.000000Z TO *]")) == ["arbres"]
    assert names(search(api, fq="metadata_modified:[* TO 2020-01-01T00:00:00Z}")) == ["budget"]
    assert names(search(api, fq="metadata_created:[2019-01-01T00:00:00Z TO 2019-12-31T00:00:00Z]")) == ["budget"]
    assert names(search(api, fq="-metadata_modified:[NOW-1DAY TO NOW+1DAY]")) == ["budget"]


def test_sorts_and_paging(api, world):
    assert names(search(api, sort="name asc")) == ["arbres", "budget"]
    assert names(search(api, sort="name desc")) == ["budget", "arbres"]
    by_id = sorted(["arbres", "budget"], key=lambda n: str(Dataset.objects.get(name=n).pk))
    assert names(search(api, sort="id asc")) == by_id
    assert names(search(api, sort="metadata_created asc")) == ["arbres", "budget"]
    assert names(search(api, sort="title_string asc", lang="en")) == ["budget", "arbres"]
    assert names(search(api, sort="score desc, metadata_modified desc", q="budget")) == ["budget"]
    assert names(search(api, sort="name asc", rows=1, start=1)) == ["budget"]
    assert search(api, rows=0).result["results"] == [] and search(api, rows=0).result["count"] == 2


def test_unaligned_start_uses_two_pages(api, world):
    for i in range(5):
        make_dataset(world.beta, f"page-{i}")
    everything = names(search(api, sort="name asc", rows=100))
    assert names(search(api, sort="name asc", rows=3, start=2)) == everything[2:5]
    assert names(search(api, sort="name asc", rows=3, start=5)) == everything[5:8]


def test_facets_in_ckan_shapes(api, world):
    result = search(api, **{"facet.field": ["organization", "tags", "groups", "res_format", "license_id"]}).result
    assert result["facets"]["organization"] == {"alpha": 1, "beta": 1}
    assert result["facets"]["tags"] == {"arbres": 1, "trees": 1, "finances": 1}
    items = result["search_facets"]["organization"]["items"]
    assert result["search_facets"]["organization"]["title"] == "organization"
    assert {i["name"]: (i["display_name"], i["count"]) for i in items} == {
        "alpha": ("Organisme alpha", 1), "beta": ("Organisme beta", 1)}
    assert result["facets"]["res_format"] == {"CSV": 2}
    limited = search(api, **{"facet.field": ["tags"], "facet.limit": "1"}).result
    assert len(limited["facets"]["tags"]) == 1
    assert search(api).result["facets"] == {} and search(api).result["search_facets"] == {}


def test_facets_follow_the_filters_on_the_queryset_path(api, world):
    result = search(api, fq="-organization:alpha", **{"facet.field": ["organization", "tags"], "facet.limit": "-1"}).result
    assert result["facets"] == {"organization": {"beta": 1}, "tags": {"finances": 1}}
    assert result["search_facets"]["organization"]["items"][0]["display_name"] == "Organisme beta"


@pytest.mark.parametrize("params, field", [
    ({"rows": "1001"}, "rows"),
    ({"rows": "many"}, "rows"),
    ({"start": "-1"}, "start"),
    ({"facet.field": "[organization"}, "facet.field"),
    ({"facet.field": '["colour"]'}, "facet.field"),
    ({"include_private": "perhaps"}, "include_private"),
])
def test_bad_parameters_are_validation_errors(api, world, params, field):
    answer = api("package_search", params, method="GET")
    assert answer.status == 409 and answer.error["__type"] == "Validation Error" and field in answer.error


@pytest.mark.parametrize("params", [{"fq": "colour:red"}, {"fq": 'tags:"open'}, {"sort": "colour asc"}, {"sort": "name"}])
def test_bad_queries_are_search_query_errors(api, world, params):
    answer = api("package_search", params, method="GET")
    assert answer.status == 400 and answer.error["__type"] == "Search Query Error"
    assert answer.error["message"]


def test_json_post_with_typed_values(api, world):
    answer = api("package_search", {"fq": "organization:alpha", "rows": 5, "facet.field": ["tags"], "include_private": False})
    assert names(answer) == ["arbres"] and answer.result["facets"]["tags"] == {"arbres": 1, "trees": 1}


def test_harvester_pattern_pages_stably_to_an_empty_page(api, world):
    """ckanext-harvest's CKAN harvester: GET, string parameters, id order, paging until empty."""
    for i in range(7):
        make_dataset(world.beta, f"harvest-{i}")
    old = make_dataset(world.beta, "old-one")
    Dataset.objects.filter(pk=old.pk).update(modified=timezone.now() - dt.timedelta(days=400))
    since = (timezone.now() - dt.timedelta(days=30)).astimezone(dt.UTC).replace(tzinfo=None).isoformat()
    client_params = {"rows": "3", "start": "0", "sort": "id asc", "fq": f"metadata_modified:[{since}Z TO *]"}
    seen, pages = [], 0
    while True:
        response = api.client.get("/api/3/action/package_search", client_params)
        assert response.status_code == 200
        page = json.loads(response.content)["result"]["results"]
        pages += 1
        if not page:
            break
        seen += [p["id"] for p in page]
        client_params["start"] = str(int(client_params["start"]) + int(client_params["rows"]))
    assert pages == 4  # 9 datasets in pages of 3, then the empty one
    assert seen == sorted(seen) and len(set(seen)) == len(seen) == 9
    assert str(old.pk) not in seen


def test_include_private_and_drafts_for_members(api, world):
    editor = token_for(world.editor)
    assert "secret-prive" not in names(api("package_search", {"rows": 50}, token=editor))
    assert "secret-prive" in names(api("package_search", {"include_private": True}, token=editor))
    with_drafts = api("package_search", {"include_private": True, "include_drafts": True}, token=editor)
    assert {"secret-prive", "brouillon"} <= set(names(with_drafts))
