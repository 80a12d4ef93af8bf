"""What keeps the Action API fast: how many queries its hot calls make, and package_show's
cache, which must never serve a stale or forbidden answer. (Timings are measured in
``bench/api.py``, not here.)"""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ouvert.api.actions.common import clear_package_cache, covered_tables, package_json
from ouvert.catalog import search, services
from ouvert.catalog.models import Dataset, Resource
from ouvert.core.testing import make_dataset

from .conftest import token_for

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _cold_cache():
    clear_package_cache()
    yield
    clear_package_cache()


def with_links(world, name: str, count: int) -> Dataset:
    dataset = make_dataset(world.alpha, name, tags=["transport"], themes=["environnement"])
    for i in range(count):
        services.add_resource(dataset, actor=world.sysadmin, data={
            "url": f"https://example.org/{name}/{i}.csv", "title_fr": f"Fichier {i}", "format": "CSV"})
    return dataset


def show(api, dataset, **params) -> dict:
    return api("package_show", {"id": dataset.name, **params}, method="GET").result


# --- query counts: flat whatever the number of resources ------------------------------------

@pytest.mark.parametrize("count", [5, 200])
def test_package_show_queries_do_not_grow_with_resources(api, world, count, django_assert_max_num_queries):
    dataset = with_links(world, f"links-{count}", count)
    with django_assert_max_num_queries(6):  # look-up, cache key, tags, resources, themes
        assert len(show(api, dataset)["resources"]) == count
    with django_assert_max_num_queries(2):  # cached: look-up and cache key
        assert len(show(api, dataset)["resources"]) == count


def test_resource_create_queries_are_the_same_with_5_or_200_resources(api, world):
    token = token_for(world.sysadmin)
    counts = {}
    for count in (5, 200):
        dataset = with_links(world, f"grow-{count}", count)
        api("resource_create", {"package_id": dataset.name, "url": "https://example.org/warm.csv"}, token=token)
        with CaptureQueriesContext(connection) as queries:
            answer = api("resource_create", {"package_id": dataset.name, "url": "https://example.org/new.csv"}, token=token)
        assert answer.result["position"] == count + 1
        counts[count] = len(queries)
    assert counts[200] == counts[5], counts


# --- package_show's cache: every change shows at once -----------------------------------------

def test_the_cache_key_covers_every_table_the_package_dict_reads(world):
    """A field read from a table the key does not cover would be served stale: extend
    ``_related_state`` (and ``covered_tables``) when ``dataset_dict`` reads a new table."""
    with CaptureQueriesContext(connection) as queries:
        package_json(world.public, "fr")
    read = {table for query in queries for table in re.findall(r'(?:FROM|JOIN)\s+"?(\w+)"?', query["sql"])}
    assert read and read <= covered_tables(), read - covered_tables()


def test_cached_answer_is_the_same_as_a_fresh_one(api, world):
    first = show(api, world.public)
    second = show(api, world.public)
    clear_package_cache()
    assert first == second == show(api, world.public)


def test_language_is_part_of_the_answer(api, world):
    assert show(api, world.public, lang="fr")["title"] == "Arbres publics"
    assert show(api, world.public, lang="en")["title"] == "Public trees"
    assert show(api, world.public, lang="fr")["title"] == "Arbres publics"


def test_cache_is_consulted_only_after_the_permission_check(api, world):
    token = token_for(world.member)
    assert api("package_show", {"id": world.private.name}, method="GET", token=token).result["private"] is True
    assert api("package_show", {"id": world.private.name}, method="GET").status == 404
    assert api("package_show", {"id": world.draft.name}, method="GET", token=token_for(world.editor)).status == 200
    assert api("package_show", {"id": world.draft.name}, method="GET", token=token).status == 404


def test_changes_through_the_services_show_at_once(api, world):
    dataset = with_links(world, "changing", 3)
    show(api, dataset)
    first = Resource.objects.filter(dataset=dataset).order_by("position").first()
    services.update_resource(first, actor=world.sysadmin, data={"title_fr": "Nouveau titre"})
    assert show(api, dataset)["resources"][0]["name"] == "Nouveau titre"
    services.add_resource(dataset, actor=world.sysadmin, data={"url": "https://example.org/more.csv"})
    assert show(api, dataset)["num_resources"] == 4
    services.delete_resource(first, actor=world.sysadmin)
    assert show(api, dataset)["num_resources"] == 3
    order = [r["id"] for r in show(api, dataset)["resources"]][::-1]
    services.reorder_resources(dataset, actor=world.sysadmin, order=order)
    assert [r["id"] for r in show(api, dataset)["resources"]] == order
    services.update_theme(world.theme, actor=world.sysadmin, data={"title_fr": "Milieux naturels"})
    assert show(api, dataset, lang="fr")["groups"][0]["title"] == "Milieux naturels"
    services.update_organisation(world.alpha, actor=world.sysadmin, data={"title_fr": "Alpha renommé"})
    assert show(api, dataset, lang="fr")["organization"]["title"] == "Alpha renommé"
    services.update_dataset(dataset, actor=world.sysadmin, data={"tags": ["velo"]})
    assert [t["name"] for t in show(api, dataset)["tags"]] == ["velo"]


def test_changes_that_leave_modified_as_it_was_show_at_once(api, world):
    """The CKAN importer writes the source portal's dates back after its changes: the cache
    must not take an unchanged ``modified`` for an unchanged dataset."""
    dataset = with_links(world, "imported", 2)
    show(api, dataset)
    stamp = Dataset.objects.get(pk=dataset.pk).modified
    Dataset.objects.filter(pk=dataset.pk).update(title_fr="Titre importé")
    assert show(api, dataset, lang="fr")["title"] == "Titre importé"
    services.update_dataset(dataset, actor=world.sysadmin, data={"tags": ["importe"]})
    Dataset.objects.filter(pk=dataset.pk).update(modified=stamp)
    assert [t["name"] for t in show(api, dataset)["tags"]] == ["importe"]
    services.update_dataset(dataset, actor=world.sysadmin, data={"themes": []})
    Dataset.objects.filter(pk=dataset.pk).update(modified=stamp)
    assert show(api, dataset)["groups"] == []
    services.delete_resource(Resource.objects.filter(dataset=dataset).first(), actor=world.sysadmin)
    Dataset.objects.filter(pk=dataset.pk).update(modified=stamp)
    assert show(api, dataset)["num_resources"] == 1


def test_deleted_dataset_is_not_served_from_the_cache(api, world):
    show(api, world.other)
    services.delete_dataset(world.other, actor=world.sysadmin)
    assert api("package_show", {"id": world.other.name}, method="GET").status == 404


def test_package_create_with_resources_indexes_the_dataset_once(api, world, monkeypatch):
    indexed = []
    index_datasets = search.index_datasets
    monkeypatch.setattr(search, "index_datasets", lambda datasets, *args, **kwargs: (
        indexed.append(sorted(d.pk for d in datasets)), index_datasets(datasets, *args, **kwargs))[1])
    created = api("package_create", {
        "name": "comptages", "title": "Comptages", "owner_org": "alpha",
        "resources": [{"url": f"https://example.org/{i}.csv", "name": f"Passages {i}"} for i in range(5)],
    }, token=token_for(world.sysadmin)).result
    assert indexed == [[Dataset.objects.get(name="comptages").pk]]
    found = api("package_search", {"q": "passages"}, method="GET").result
    assert [d["id"] for d in found["results"]] == [created["id"]]
