"""What keeps the Action API fast: how many queries its hot calls make, and package_show's
cache, which must never serve a stale or forbidden answer. (Timings are measured in
``bench/api.py``, not here.)"""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ouvert.accounts import services as accounts
from ouvert.accounts.models import Organisation
from ouvert.api.actions.common import clear_package_cache, covered_tables, package_json
from ouvert.catalog import search, services
from ouvert.catalog.models import Dataset, Licence, Resource, Tag, Theme
from tests.support.factories import make_dataset

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
    with django_assert_max_num_queries(6):  # revision, look-up, tags, resources, themes, datastore tables
        assert len(show(api, dataset)["resources"]) == count
    with django_assert_max_num_queries(1):  # cached: the dataset's revision alone
        assert len(show(api, dataset)["resources"]) == count


def test_resource_create_queries_are_the_same_with_5_or_200_resources(api, world):
    token = token_for(world.sysadmin)
    counts = {}
    for count in (5, 200):
        dataset = with_links(world, f"grow-{count}", count)
        # Written whole, as after any other change: both entries then keep no addition apart
        # (every ``MAX_ADDITIONS``th one writes an entry whole again, whatever its resources).
        search.index_dataset(dataset)
        api("resource_create", {"package_id": dataset.name, "url": "https://example.org/warm.csv"}, token=token)
        with CaptureQueriesContext(connection) as queries:
            answer = api("resource_create", {"package_id": dataset.name, "url": "https://example.org/new.csv"}, token=token)
        assert answer.result["position"] == count + 1
        counts[count] = len(queries)
    assert counts[200] == counts[5], counts


# --- package_show's cache: every change shows at once -----------------------------------------

def test_the_cache_key_covers_every_table_the_package_dict_reads(world):
    """A field read from a table the key does not cover would be served stale: give a new
    table read by ``dataset_dict`` revision triggers (``ouvert.catalog.revisions``) and add it to
    ``covered_tables``."""
    with CaptureQueriesContext(connection) as queries:
        package_json(world.public, "fr")
    read = {table for query in queries for table in re.findall(r'(?:FROM|JOIN)\s+"?(\w+)"?', query["sql"])}
    assert read and read <= covered_tables(), read - covered_tables()


def _revision(dataset, counter: str = "revision") -> int:
    return Dataset.objects.filter(pk=dataset.pk).values_list(counter, flat=True).get()


def test_every_change_to_what_the_dict_is_made_of_raises_a_revision(world):
    """Whoever writes, and however: querysets and raw SQL, no service involved. Changes to the
    catalog raise ``revision`` alone, changes to datastore tables ``datastore_revision`` alone."""
    dataset = with_links(world, "raised", 2)
    other = with_links(world, "untouched", 1)
    changes = []

    def changed(label, change, *, shared=False, counter="revision"):
        still = "datastore_revision" if counter == "revision" else "revision"
        before, untouched, kept = _revision(dataset, counter), _revision(other, counter), _revision(dataset, still)
        change()
        changes.append(label)
        assert _revision(dataset, counter) > before, label
        assert (_revision(other, counter) > untouched) if shared else (_revision(other, counter) == untouched), label
        assert _revision(dataset, still) == kept, label

    resource = Resource.objects.filter(dataset=dataset).first()
    changed("resource added", lambda: Resource.objects.create(dataset=dataset, kind="url", url="https://example.org/x"))
    changed("resource changed", lambda: Resource.objects.filter(pk=resource.pk).update(title_fr="Autre"))
    changed("resource deleted", lambda: Resource.objects.filter(pk=resource.pk).delete())
    tag = Tag.objects.create(name="nouveau", language="fr")
    changed("tag linked", lambda: dataset.tags.add(tag))
    changed("tag renamed", lambda: Tag.objects.filter(pk=tag.pk).update(name="renomme"))
    changed("tag unlinked", lambda: dataset.tags.remove(tag))
    theme = Theme.objects.create(name="nouveau-theme", title_fr="Nouveau")
    changed("theme linked", lambda: dataset.themes.add(theme))
    changed("theme changed", lambda: Theme.objects.filter(pk=theme.pk).update(title_fr="Renommé"))
    changed("theme unlinked", lambda: dataset.themes.remove(theme))
    changed("dataset changed", lambda: Dataset.objects.filter(pk=dataset.pk).update(title_fr="Nouveau"))
    changed("organisation changed", lambda: Organisation.objects.filter(pk=dataset.organisation_id).update(
        title_fr="Autre"), shared=True)  # both datasets are in it
    changed("licence changed", lambda: Licence.objects.filter(pk=dataset.licence_id).update(title_fr="Autre"), shared=True)
    with connection.cursor() as cursor:
        changed("raw SQL", lambda: cursor.execute(
            f"UPDATE {Resource._meta.db_table} SET format = 'XLSX' WHERE dataset_id = %s",
            [Dataset._meta.pk.get_db_prep_value(dataset.pk, connection)]))
    if hasattr(Resource, "datatable"):
        table_model = Resource.datatable.related.related_model
        resource = Resource.objects.filter(dataset=dataset).first()
        datastore = "datastore_revision"
        changed("datastore table added", lambda: table_model.objects.create(resource=resource), counter=datastore)
        changed("datastore table changed", lambda: table_model.objects.filter(resource=resource).update(
            primary_key=["a"]), counter=datastore)
        changed("datastore table removed", lambda: table_model.objects.filter(resource=resource).delete(),
                counter=datastore)
    assert len(changes) >= 14


def test_a_stale_copy_saved_never_lowers_the_revision(world):
    dataset = with_links(world, "stale", 1)
    stale = Dataset.objects.get(pk=dataset.pk)
    services.add_resource(dataset, actor=world.sysadmin, data={"url": "https://example.org/later.csv"})
    raised = _revision(dataset)
    assert raised > stale.revision
    stale.spatial = "Québec"
    stale.save()  # writes back its old revision, which the database replaces
    assert _revision(dataset) > raised


def test_a_stale_copy_saved_never_lowers_the_datastore_revision(world):
    if not hasattr(Resource, "datatable"):
        pytest.skip("the datastore app is not installed")
    dataset = with_links(world, "stale-table", 1)
    stale = Dataset.objects.get(pk=dataset.pk)
    Resource.datatable.related.related_model.objects.create(resource=dataset.resources.get())
    raised = _revision(dataset, "datastore_revision")
    assert raised > stale.datastore_revision
    stale.spatial = "Québec"
    stale.save()
    assert _revision(dataset, "datastore_revision") == raised
    assert _revision(dataset) > stale.revision


def test_a_dataset_made_again_with_the_same_id_is_never_served_its_old_copy(api, world):
    dataset = with_links(world, "again", 2)
    first = show(api, dataset)
    Dataset.objects.filter(pk=dataset.pk).delete()  # gone for good, as before a re-import
    again = services.create_dataset(actor=world.sysadmin, organisation=world.alpha, state="active", id=dataset.pk,
                                    data={"name": "again", "title_fr": "Autre chose", "title_en": "Something else"})
    assert again.revision != dataset.revision
    shown = show(api, again, lang="fr")
    assert shown["id"] == first["id"] and shown["title"] == "Autre chose" and shown["num_resources"] == 0


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
    accounts.update_organisation(world.alpha, actor=world.sysadmin, data={"title_fr": "Alpha renommé"})
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


def test_search_results_are_package_show_dicts_from_the_same_cache(api, world):
    dataset = with_links(world, "searched", 3)
    search = {"fq": "name:searched", "rows": 10}
    first = api("package_search", search, method="GET").result
    assert first["count"] == 1 and first["results"] == [show(api, dataset)]
    with CaptureQueriesContext(connection) as queries:
        assert api("package_search", search, method="GET").result == first
    assert not [q for q in queries if Resource._meta.db_table in q["sql"]], "the dict came from the cache"
    resource = Resource.objects.filter(dataset=dataset).order_by("position").first()
    services.update_resource(resource, actor=world.sysadmin, data={"title_fr": "Renommée"})
    assert api("package_search", {**search, "lang": "fr"}, method="GET").result["results"][0]["resources"][0]["name"] == "Renommée"
    assert api("package_search", {**search, "lang": "fr"}, method="GET").result["results"] == [show(api, dataset, lang="fr")]


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
