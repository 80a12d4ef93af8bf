"""Every public page renders in French and English, with the language switch and the right `lang`."""

import re

import pytest
from django.urls import reverse
from django.utils import translation

from ouvert.catalog import services
from tests.support.factories import make_dataset, make_organisation, make_sysadmin, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english_then_default():
    """Addresses built in tests are English; requests leave their language active, so reset it."""
    translation.activate("en")
    yield
    translation.deactivate()


def url(name, lang, *args, query=""):
    with translation.override(lang):
        return reverse(name, args=args) + query


@pytest.fixture
def catalog():
    editor = make_user("editor")
    org = make_organisation("ville", editors=[editor], description_fr="La **ville**.", website="https://ville.example.org")
    theme = services.create_theme(actor=make_sysadmin(), data={"name": "environnement", "title_fr": "Environnement", "title_en": "Environment"})
    dataset = make_dataset(org, "arbres", title_fr="Arbres publics", title_en="Public trees",
                           description_fr="Les *arbres*.", description_en="The *trees*.", tags_fr=["arbres"], tags_en=["trees"],
                           themes=["environnement"], contact_email="arbres@example.org",
                           resources=[("arbres.csv", b"id,espece\n1,erable\n")])
    return {"editor": editor, "org": org, "theme": theme, "dataset": dataset, "resource": dataset.resources.get()}


def _pages(catalog):
    d, r = catalog["dataset"], catalog["resource"]
    return [
        ("web:home", ()), ("web:search", ()), ("web:dataset", (d.name,)), ("web:resource", (d.name, r.pk)),
        ("web:organisations", ()), ("web:organisation", ("ville",)), ("web:themes", ()), ("web:theme", ("environnement",)),
    ]


@pytest.mark.parametrize("lang,other", [("fr", "en"), ("en", "fr")])
def test_every_public_page_renders_in_both_languages_with_a_switch(client, catalog, lang, other):
    for name, args in _pages(catalog):
        response = client.get(url(name, lang, *args))
        assert response.status_code == 200, name
        html = response.content.decode()
        assert f'<html lang="{lang}">' in html, name
        other_url = url(name, other, *args)
        assert re.search(rf'<a href="{re.escape(other_url)}" lang="{other}" hreflang="{other}">', html), name
        assert 'class="skip-link" href="#main"' in html
        assert html.count("<h1") == 1, name


def test_language_switch_keeps_the_query_string(client, catalog):
    response = client.get(url("web:search", "en", query="?q=trees&tag=trees"))
    assert 'href="/fr/datasets/?q=trees&amp;tag=trees" lang="fr"' in response.content.decode()


def test_ui_strings_follow_the_language(client, catalog):
    en = client.get(url("web:dataset", "en", "arbres")).content.decode()
    assert "Public trees" in en and "Skip to main content" in en
    fr = client.get(url("web:dataset", "fr", "arbres")).content.decode()
    assert "Arbres publics" in fr


def test_fallback_to_the_other_language_is_marked_and_announced(client):
    make_dataset(name="seulement-fr", title_fr="Budget municipal", title_en="", description_fr="Le budget.", description_en="")
    html = client.get(url("web:dataset", "en", "seulement-fr")).content.decode()
    assert '<h1 lang="fr">Budget municipal</h1>' in html
    assert 'class="notice notice-fallback"' in html
    assert re.search(r'<div class="prose" lang="fr">\s*<p>Le budget.</p>', html)
    # In French nothing falls back: no notice, no lang override.
    fr = client.get(url("web:dataset", "fr", "seulement-fr")).content.decode()
    assert "notice-fallback" not in fr and '<h1>Budget municipal</h1>' in fr
    # Search results mark the fallback title too.
    search = client.get(url("web:search", "en")).content.decode()
    assert 'lang="fr">Budget municipal</a>' in search


def test_markdown_is_rendered_and_sanitised(client, catalog):
    html = client.get(url("web:dataset", "en", "arbres")).content.decode()
    assert "<em>trees</em>" in html
    # Services refuse scripts; even text stored around them is rendered without raw HTML.
    from ouvert.catalog.models import Dataset

    Dataset.objects.filter(name="arbres").update(description_en='<script>alert(1)</script> [x](javascript:alert(1)) <img src=x onerror=alert(1)>')
    html = client.get(url("web:dataset", "en", "arbres")).content.decode()
    assert "<script>alert" not in html
    assert 'href="javascript:' not in html
    assert "<img" not in html and "onerror=alert(1)>" not in html
    search = client.get(url("web:search", "en")).content.decode()
    assert "<script>alert" not in search


def test_dataset_page_shows_metadata_resources_history_and_json_link(client, catalog):
    html = client.get(url("web:dataset", "en", "arbres")).content.decode()
    json_url = url("web:dataset_json", "en", "arbres")
    assert f'<link rel="alternate" type="application/json" href="{json_url}"' in html
    assert f'<a href="{json_url}" type="application/json">' in html
    resource = catalog["resource"]
    assert resource.download_path() in html
    assert "Open Government Licence – Canada 2.0" in html
    assert "mailto:arbres@example.org" in html
    assert "Created the dataset" in html and "Added a resource" in html
    assert "title in French" in html  # which fields changed
    response = client.get(json_url)
    assert response.status_code == 200 and response.json()["name"] == "arbres"


def test_home_shows_counts_latest_and_themes(client, catalog):
    html = client.get(url("web:home", "en")).content.decode()
    assert "Public trees" in html
    assert 'href="/en/themes/environnement/"' in html
    assert re.search(r'<span class="stat-number">1</span> dataset<', html)


def test_search_facets_filters_sort_and_pagination(client, catalog):
    org = catalog["org"]
    for i in range(22):
        make_dataset(org, f"extra-{i:02d}", title_en=f"Extra {i:02d}", tags_en=["extra"])
    html = client.get(url("web:search", "en", query="?sort=name")).content.decode()
    assert "23 datasets found" in html
    assert 'aria-current="page"' in html and "?sort=name&amp;page=2" in html
    page2 = client.get(url("web:search", "en", query="?sort=name&page=2")).content.decode()
    assert "Page 2 of 2" in page2
    filtered = client.get(url("web:search", "en", query="?tag=trees&sort=name")).content.decode()
    assert "1 dataset found" in filtered
    assert "Remove filter" in filtered
    assert '<input type="hidden" name="tag" value="trees">' in filtered  # the query form keeps filters
    assert 'href="/en/datasets/?sort=name"' in filtered  # remove the filter, keep the sort


def test_missing_pages_are_404_with_the_site_layout(client):
    response = client.get("/en/datasets/nope/")
    assert response.status_code == 404
    assert '<html lang="en">' in response.content.decode()
    assert client.get("/fr/organisations/nope/").status_code == 404
    assert client.get("/fr/themes/nope/").status_code == 404


def test_header_account_links(client, catalog):
    html = client.get(url("web:home", "en")).content.decode()
    assert url("accounts:login", "en") in html and url("accounts:signup", "en") in html
    assert url("web:dashboard", "en") not in html
    client.force_login(catalog["editor"])
    html = client.get(url("web:home", "en")).content.decode()
    assert url("web:dashboard", "en") in html and url("accounts:account", "en") in html
    assert re.search(rf'<form method="post" action="{url("accounts:logout", "en")}">', html)
