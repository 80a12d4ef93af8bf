"""Catalog search. The same tests run on SQLite (FTS5) and PostgreSQL (full text): see the
module docstring of ``ouvert.settings_test``; and each answered from memory and by the database."""

import io

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.db import connection
from django.utils import translation

from ouvert.accounts import services as accounts
from ouvert.catalog import search, services
from ouvert.catalog.search.analysis import fold, parse_query, tokenize
from ouvert.catalog.search.backends import get_backend
from tests.support.factories import make_dataset, make_organisation, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True, params=["memory", "database"])
def answered_from(request, settings):
    """Every test runs twice: searches answered from the index read into memory, then by the
    database alone (see ``ouvert.catalog.search.memory``)."""
    settings.OUVERT_SEARCH_MEMORY = "always" if request.param == "memory" else "off"
    return request.param


def names(query="", actor=None, **kwargs):
    return [d.name for d in search.search_datasets(query, actor=actor, **kwargs).datasets]


def plain(org=None, name=None, **data):
    """A published dataset with neutral titles unless told otherwise."""
    data.setdefault("title_fr", "Registre")
    data.setdefault("title_en", "Register")
    return make_dataset(org, name, **data)


# --- analysis ----------------------------------------------------------------------------

def test_folding_and_tokenizing():
    assert fold("Œuvre ÉCOLE Straße Ærø") == "oeuvre ecole strasse aero"
    assert tokenize("L'eau d’Île-de-France, Canada's") == ["eau", "ile", "de", "france", "canada"]
    assert tokenize("aujourd'hui") == ["aujourd", "hui"]
    assert parse_query("!!! ... ''") == []


def test_the_backend_follows_the_database(settings):
    assert get_backend().vendor == connection.vendor
    settings.OUVERT_SEARCH_BACKEND = connection.vendor
    assert get_backend().vendor == connection.vendor
    settings.OUVERT_SEARCH_BACKEND = "postgresql" if connection.vendor == "sqlite" else "sqlite"
    with pytest.raises(ImproperlyConfigured):
        get_backend()
    settings.OUVERT_SEARCH_BACKEND = "solr"
    with pytest.raises(ImproperlyConfigured):
        get_backend()


# --- matching ----------------------------------------------------------------------------

def test_accents_are_folded_both_ways():
    plain(name="ecoles-a", title_fr="Écoles primaires")
    plain(name="ecole-b", title_fr="Liste ecole")
    plain(name="other")
    assert sorted(names("ecoles")) == ["ecole-b", "ecoles-a"]
    assert sorted(names("École")) == ["ecole-b", "ecoles-a"]
    assert sorted(names("ÉCOLES")) == ["ecole-b", "ecoles-a"]


def test_english_and_french_words_are_stemmed():
    plain(name="schools", title_en="School locations")
    plain(name="libraries", title_fr="Bibliothèques municipales", title_en="Municipal libraries")
    plain(name="other")
    assert names("schools") == ["schools"]
    assert names("location") == ["schools"]
    assert names("bibliothèque municipale") == ["libraries"]
    assert names("library") == ["libraries"]


def test_oe_ligature_and_hyphenated_words():
    plain(name="oeuvres", title_fr="Œuvres d'art public", title_en="Public art")
    plain(name="idf", title_fr="Communes d'Île-de-France")
    assert names("oeuvre") == ["oeuvres"]
    assert names("l'œuvre") == ["oeuvres"]
    assert names("ile de france") == ["idf"]


def test_every_word_must_match():
    plain(name="both", title_fr="Qualité de l'eau des parcs")
    plain(name="water", title_fr="Qualité de l'eau potable")
    plain(name="parks", title_fr="Parcs et espaces verts")
    assert names("eau parc") == ["both"]
    assert sorted(names("eau")) == ["both", "water"]


def test_last_word_matches_as_a_prefix():
    plain(name="libraries", title_fr="Bibliothèques")
    plain(name="other")
    assert names("biblio") == ["libraries"]
    assert names("bi") == []  # too short to be a prefix


def test_tags_descriptions_organisations_and_resources_are_searched():
    org = make_organisation("transit", title_fr="Société de transport", title_en="Transit authority")
    plain(org, name="tagged", tags_fr=["vélo"], tags_en=["cycling"])
    plain(name="described", description_en="Counts of **pedestrians** at crossings.")
    plain(org, name="by-org")
    plain(name="with-file", resources=[("trottinettes.geojson", b'{"type": "FeatureCollection"}')])
    assert names("velo") == ["tagged"]
    assert names("cyclist") == []
    assert names("cycling") == ["tagged"]
    assert names("pedestrian") == ["described"]
    assert sorted(names("societe transport")) == ["by-org", "tagged"]
    assert names("geojson") == ["with-file"]
    assert names("trottinettes") == ["with-file"]


def test_title_matches_rank_above_description_matches():
    title = plain(name="in-title", title_fr="Comptages vélo", title_en="Bicycle counts")
    plain(name="in-tags", tags_fr=["vélo"])
    # Made later (newer) and mentioning the word many times, still below.
    plain(name="in-description", title_fr="Circulation", description_fr="Vélo, vélo, vélo et encore des vélos. " * 5)
    plain(name="in-organisation", org=make_organisation(title_fr="Vélo Québec"))
    found = names("velo")
    assert found[:2] in (["in-title", "in-tags"], ["in-tags", "in-title"])
    assert found[2:] == ["in-description", "in-organisation"]
    services.update_dataset(title, actor=make_user(sysadmin=True), data={"description_fr": "Une autre description."})
    assert names("velos comptage")[0] == "in-title"


def test_empty_or_punctuation_query_is_no_text_filter():
    first, second = plain(name="first"), plain(name="second")
    for query in ("", "   ", "!!!", "'\"-*()", None):
        result = search.search_datasets(query, actor=None)
        assert [d.name for d in result.datasets] == [second.name, first.name]
        assert result.total == 2


@pytest.mark.parametrize("query", [
    '"', '""', "'", "*", "-", "+", "^", "(", ")", "()", '"école', "école*", "NEAR(a b)", "a NEAR b",
    "AND", "OR", "NOT", "title:école", "{title}: x", "x AND OR NOT", "éco -le", "a' OR 1=1 --",
    "%", "%s", "\\", "\x00", "école\x00", "😀 école", "ß", "ﬁ", "١٢٣", "東京 データ", "x" * 5000,
    " ".join(["école"] * 500), "'; DROP TABLE catalog_dataset; --",
])
def test_hostile_queries_do_not_raise(query):
    plain(name="ecoles", title_fr="Écoles")
    result = search.search_datasets(query, actor=None)
    assert result.total == len(result.datasets)


def test_hostile_text_in_datasets_is_indexed_safely():
    plain(name="odd", title_fr='Données "NEAR" (AND) * -x \' OR', description_en="\\ % %s '; --")
    assert names("near and or") == ["odd"]
    assert names("%s") == ["odd"]


# --- facets, filters, sorting, paging ------------------------------------------------------

@pytest.fixture
def catalog():
    root = make_user(sysadmin=True)
    health = make_organisation("sante", title_fr="Ministère de la Santé", title_en="Ministry of Health")
    transport = make_organisation("transport", title_fr="Ministère des Transports", title_en="Ministry of Transport")
    services.create_theme(actor=root, data={"name": "sante", "title_fr": "Santé", "title_en": "Health"})
    services.create_theme(actor=root, data={"name": "mobilite", "title_fr": "Mobilité", "title_en": "Mobility"})
    hospitals = plain(health, "hopitaux", title_fr="Hôpitaux", title_en="Hospitals", tags_fr=["santé"],
                      themes=["sante"], licence="CC-BY-4.0", resources=[("hopitaux.csv", b"a,b\n1,2\n")])
    clinics = plain(health, "cliniques", title_fr="Cliniques", title_en="Clinics", tags_fr=["santé", "soins"],
                    themes=["sante"], resources=[("cliniques.csv", b"a\n1\n"), ("cliniques.json", b"[]")])
    roads = plain(transport, "routes", title_fr="Routes", title_en="Roads", tags_fr=["routes"],
                  themes=["mobilite", "sante"], resources=[("routes.geojson", b"{}")])
    return {"health": health, "transport": transport, "hospitals": hospitals, "clinics": clinics, "roads": roads}


def test_facets_count_matching_datasets_with_localised_labels(catalog):
    with translation.override("fr"):
        facets = search.search_datasets("", actor=None).facets
    assert facets["organisation"] == [("sante", "Ministère de la Santé", 2), ("transport", "Ministère des Transports", 1)]
    assert facets["theme"] == [("sante", "Santé", 3), ("mobilite", "Mobilité", 1)]
    assert facets["tag"] == [("santé", "santé", 2), ("routes", "routes", 1), ("soins", "soins", 1)]
    assert facets["format"] == [("CSV", "CSV", 2), ("GEOJSON", "GEOJSON", 1), ("JSON", "JSON", 1)]
    assert facets["licence"] == [("OGL-Canada-2.0", "Licence du gouvernement ouvert – Canada 2.0", 2),
                                 ("CC-BY-4.0", "Creative Commons Attribution 4.0", 1)]
    with translation.override("en"):
        facets = search.search_datasets("", actor=None).facets
    assert facets["organisation"][0] == ("sante", "Ministry of Health", 2)
    assert facets["theme"][0] == ("sante", "Health", 3)
    assert facets["licence"][0] == ("OGL-Canada-2.0", "Open Government Licence – Canada 2.0", 2)


def test_facets_follow_the_query_and_filters(catalog):
    facets = search.search_datasets("cliniques", actor=None).facets
    assert facets["organisation"] == [("sante", "Ministère de la Santé", 1)]
    assert facets["format"] == [("CSV", "CSV", 1), ("JSON", "JSON", 1)]
    # Filtering on a tag still counts the other tags of the datasets kept.
    facets = search.search_datasets("", actor=None, filters={"tag": ["soins"]}).facets
    assert facets["tag"] == [("santé", "santé", 1), ("soins", "soins", 1)]


def test_facet_limit_keeps_the_most_frequent_values_ties_broken_by_value(catalog, monkeypatch):
    from ouvert.catalog.search import engine

    monkeypatch.setattr(engine, "FACET_LIMIT", 2)
    facets = search.search_datasets("", actor=None).facets
    # CSV (2) first, then GEOJSON and JSON tie at 1: the first by value is kept.
    assert facets["format"] == [("CSV", "CSV", 2), ("GEOJSON", "GEOJSON", 1)]
    assert facets["tag"] == [("santé", "santé", 2), ("routes", "routes", 1)]


def test_filters_on_unknown_facet_values(catalog):
    assert names(filters={"tag": ["inconnu"]}) == []
    assert search.search_datasets("", actor=None, filters={"tag": ["inconnu"]}).facets["tag"] == []
    assert sorted(names(exclude={"tag": ["inconnu"]})) == ["cliniques", "hopitaux", "routes"]


@pytest.mark.parametrize(("filters", "expected"), [
    ({"organisation": ["sante"]}, ["cliniques", "hopitaux"]),
    ({"organisation": ["sante", "transport"]}, ["cliniques", "hopitaux", "routes"]),
    ({"theme": ["mobilite"]}, ["routes"]),
    ({"theme": ["sante"]}, ["cliniques", "hopitaux", "routes"]),
    ({"tag": ["santé"]}, ["cliniques", "hopitaux"]),
    ({"tag": ["soins", "routes"]}, ["cliniques", "routes"]),
    ({"format": ["CSV"]}, ["cliniques", "hopitaux"]),
    ({"format": ["JSON", "GEOJSON"]}, ["cliniques", "routes"]),
    ({"licence": ["CC-BY-4.0"]}, ["hopitaux"]),
    ({"organisation": ["sante"], "format": ["JSON"]}, ["cliniques"]),
    ({"theme": ["sante"], "licence": ["OGL-Canada-2.0"], "tag": ["routes"]}, ["routes"]),
    ({"organisation": ["nope"]}, []),
    ({"organisation": [], "tag": None, "unknown": ["x"]}, ["cliniques", "hopitaux", "routes"]),
])
def test_filters(catalog, filters, expected):
    result = search.search_datasets("", actor=None, filters=filters, sort="name")
    assert [d.name for d in result.datasets] == expected
    assert result.total == len(expected)


def test_filters_combine_with_the_query(catalog):
    assert names("sante", filters={"organisation": ["sante"]}, sort="name") == ["cliniques", "hopitaux"]
    assert names("sante", filters={"organisation": ["transport"]}) == []
    assert names("ministere", filters={"organisation": ["transport"]}) == ["routes"]
    assert names("hopital") == ["hopitaux"]
    assert names("hopital", filters={"format": ["JSON"]}) == []


def test_sorts(catalog):
    root = make_user(sysadmin=True)
    services.update_dataset(catalog["clinics"], actor=root, data={"version": "2"})
    assert names("", sort="name") == ["cliniques", "hopitaux", "routes"]
    assert names("", sort="modified") == ["cliniques", "routes", "hopitaux"]
    assert names("") == ["cliniques", "routes", "hopitaux"]
    assert names("ministere", sort="name") == ["cliniques", "hopitaux", "routes"]
    assert names("ministere", sort="modified") == ["cliniques", "routes", "hopitaux"]
    assert names("", sort="nonsense") == ["cliniques", "routes", "hopitaux"]


def test_pagination_and_total():
    org = make_organisation()
    for i in range(7):
        plain(org, f"parc-{i}", title_fr=f"Parc numéro {i}")
    plain(org, "other")
    pages = [search.search_datasets("parcs", actor=None, sort="name", page=p, page_size=3) for p in (1, 2, 3, 4)]
    assert [r.total for r in pages] == [7, 7, 7, 7]
    assert [[d.name for d in r.datasets] for r in pages] == [
        ["parc-0", "parc-1", "parc-2"], ["parc-3", "parc-4", "parc-5"], ["parc-6"], []]
    ranked = [d.name for p in (1, 2, 3) for d in search.search_datasets("parcs", actor=None, page=p, page_size=3).datasets]
    assert sorted(ranked) == [f"parc-{i}" for i in range(7)]
    assert names("parc", page=0, page_size=0) == [names("parc")[0]]


# --- visibility ----------------------------------------------------------------------------

@pytest.fixture
def visibility():
    admin, editor, member, author, outsider = (make_user() for _ in range(5))
    org = make_organisation(admin=admin, editors=[editor, author], members=[member])
    plain(org, "public", title_fr="Budget public")
    plain(org, "private", title_fr="Budget privé", private=True)
    plain(org, "draft", title_fr="Budget brouillon", actor=author, state="draft")
    deleted = plain(org, "deleted", title_fr="Budget supprimé")
    services.delete_dataset(deleted, actor=admin)
    return {"admin": admin, "editor": editor, "member": member, "author": author, "outsider": outsider}


@pytest.mark.parametrize(("who", "expected", "with_drafts"), [
    (None, ["public"], ["public"]),
    ("outsider", ["public"], ["public"]),
    ("member", ["private", "public"], ["private", "public"]),
    ("editor", ["private", "public"], ["draft", "private", "public"]),
    ("author", ["private", "public"], ["draft", "private", "public"]),
    ("admin", ["private", "public"], ["draft", "private", "public"]),
    ("sysadmin", ["private", "public"], ["draft", "private", "public"]),
])
def test_private_drafts_and_deleted_follow_the_permission_rule(visibility, who, expected, with_drafts):
    actor = make_user(sysadmin=True) if who == "sysadmin" else visibility.get(who)
    for query in ("budget", ""):
        assert sorted(names(query, actor=actor)) == expected
        assert sorted(names(query, actor=actor, include_drafts=True)) == with_drafts
        result = search.search_datasets(query, actor=actor, include_drafts=True)
        assert result.total == len(with_drafts)
        assert sum(n for _value, _label, n in result.facets["organisation"]) == len(with_drafts)


def test_a_plain_member_does_not_see_drafts_of_others():
    member = make_user()
    org = make_organisation(members=[member])
    make_dataset(org, "mine", title_fr="Brouillon", state="draft")
    assert names("brouillon", actor=member, include_drafts=True) == []


# --- keeping the index in step ---------------------------------------------------------------

def test_index_follows_updates_publication_deletion_and_resources():
    editor = make_user()
    org = make_organisation(editors=[editor])
    dataset = make_dataset(org, "trees", actor=editor, state="draft", title_fr="Arbres", title_en="Trees")
    assert names("arbres") == []
    assert names("arbres", actor=editor, include_drafts=True) == ["trees"]

    services.publish_dataset(dataset, actor=editor)
    assert names("arbres") == ["trees"]

    services.update_dataset(dataset, actor=editor, data={"title_fr": "Canopée", "tags_en": ["urban forest"]})
    assert names("arbres") == []
    assert names("canopee") == ["trees"]
    assert names("forests") == ["trees"]

    services.add_resource(dataset, actor=editor, data={"url": "https://example.org/data.xlsx", "title_fr": "Essences"})
    assert names("essences") == ["trees"]
    assert search.search_datasets("", actor=None).facets["format"] == [("XLSX", "XLSX", 1)]

    resource = dataset.resources.get()
    services.update_resource(resource, actor=editor, data={"title_fr": "Espèces"})
    assert names("essences") == []
    assert names("especes") == ["trees"]
    services.delete_resource(resource, actor=editor)
    assert names("especes") == []

    services.update_dataset(dataset, actor=editor, data={"private": True})
    assert names("canopee") == []
    assert names("canopee", actor=editor) == ["trees"]

    services.delete_dataset(dataset, actor=editor)
    assert names("canopee", actor=editor, include_drafts=True) == []


def test_index_follows_organisation_titles_and_moves():
    root = make_user(sysadmin=True)
    old, new = make_organisation("old"), make_organisation("new")
    dataset = plain(old, "moved")
    accounts.update_organisation(old, actor=root, data={"title_fr": "Archives nationales"})
    assert names("archives") == ["moved"]
    services.update_dataset(dataset, actor=root, data={}, organisation=new)
    assert names("archives") == []
    assert names("", filters={"organisation": ["new"]}) == ["moved"]


def test_reindex_command_rebuilds_the_index():
    plain(name="ecoles", title_fr="Écoles")
    plain(name="other")
    get_backend().clear()
    assert names("ecoles") == []
    out = io.StringIO()
    call_command("reindex", every=1, stdout=out)
    assert names("ecoles") == ["ecoles"]
    assert "2" in out.getvalue()
    assert len(out.getvalue().strip().splitlines()) == 3  # two progress lines and a summary


def test_rebuild_index_reports_progress_and_skips_deleted():
    root = make_user(sysadmin=True)
    plain(name="kept")
    services.delete_dataset(plain(name="gone"), actor=root)
    calls = []
    assert search.rebuild_index(progress=lambda done, total: calls.append((done, total))) == 1
    assert calls == [(1, 1)]
    assert names("registre", actor=root, include_drafts=True) == ["kept"]
