"""Result pages re-check visibility: a dataset unpublished, made private or deleted after the
index (or a process's copy of it) was written is never listed to those who may no longer see
it, on any surface (the search interface, the HTML page, CKAN's ``package_search``, the native
API). The index is made stale on purpose, by queryset updates it is not told of."""

import json

import pytest
from django.test import Client

from ouvert.catalog import search
from ouvert.catalog.models import Dataset
from tests.support.api import V1Client
from tests.support.factories import make_dataset, make_organisation, make_sysadmin, make_user

pytestmark = pytest.mark.django_db

WORD = "hydrometrie"
STALE = {"made-private": {"private": True}, "unpublished": {"state": "draft"}, "deleted": {"state": "deleted"}}


@pytest.fixture(autouse=True, params=["memory", "database"])
def answered_from(request, settings):
    settings.OUVERT_SEARCH_MEMORY = "always" if request.param == "memory" else "off"
    return request.param


@pytest.fixture
def catalog():
    """Four published public datasets matching ``WORD``, three of which then change behind the
    index's back; the index (and the copy in memory, read by a first search) still shows them
    published and public."""
    member = make_user("member")
    org = make_organisation("hydro", members=[member])
    for name in ["kept", *STALE]:
        make_dataset(org, name, title_fr=f"Hydrométrie {name}", title_en=f"Hydrometry {name}")
    before = search.search_datasets(WORD, actor=None)
    assert sorted(d.name for d in before.datasets) == ["deleted", "kept", "made-private", "unpublished"]
    for name, change in STALE.items():
        Dataset.objects.filter(name=name).update(**change)
    return member


def test_the_search_interface_lists_only_what_the_actor_may_see_now(catalog):
    result = search.search_datasets(WORD, actor=None)
    assert [d.name for d in result.datasets] == ["kept"]
    assert result.total == 1
    # A member still sees the private one; nobody sees drafts without asking, nor deleted ones.
    assert sorted(d.name for d in search.search_datasets(WORD, actor=catalog).datasets) == ["kept", "made-private"]
    assert sorted(d.name for d in search.search_datasets(WORD, actor=make_sysadmin()).datasets) == ["kept", "made-private"]


def test_paging_keeps_places(catalog):
    # By name: deleted, kept | made-private, unpublished. Pages keep their places; the first
    # keeps the index's total, so the second stays reachable; the last counts what it dropped.
    pages = [search.search_datasets(WORD, actor=None, sort="name", page=n, page_size=2) for n in (1, 2)]
    assert [[d.name for d in p.datasets] for p in pages] == [["kept"], []]
    assert [p.total for p in pages] == [4, 2]


def test_the_html_search_page(catalog, client):
    response = client.get("/en/datasets/", {"q": WORD})
    assert response.status_code == 200
    assert [d.name for d in response.context["datasets"]] == ["kept"]
    assert response.context["total"] == 1


@pytest.mark.parametrize("params", [{"q": WORD}, {"fq": "organization:hydro", "sort": "name asc"},
                                    {"q": WORD, "fq": "-organization:elsewhere"}])
def test_ckan_package_search(catalog, params):
    # The first two are answered by the search interface, the last by the permission queryset
    # narrowed by the search's matches (see ``api.actions.search``): each lists only what the
    # caller may see now.
    response = Client().get("/api/3/action/package_search", params)
    result = json.loads(response.content)["result"]
    assert [p["name"] for p in result["results"]] == ["kept"]
    assert result["count"] == 1


def test_native_api_search(catalog):
    answer = V1Client().get("/datasets", {"q": WORD})
    assert answer.status == 200
    assert [d["name"] for d in answer.body["results"]] == ["kept"]
    assert answer.body["count"] == 1
