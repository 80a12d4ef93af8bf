"""Catalog search: the interface used by the CKAN API (exclusions, ranges, orders, offsets),
thesaurus expansion, visibility read from ``ouvert.accounts.permissions`` and bulk indexing.
Runs on SQLite and PostgreSQL like ``test_search``."""

import struct
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from ouvert.catalog import search, services
from ouvert.catalog.models import Dataset, Resource
from ouvert.catalog.permissions import visible_datasets
from ouvert.catalog.search.backends import base
from ouvert.catalog.search.backends.base import unpack_code
from ouvert.catalog.search.documents import build_document
from ouvert.catalog.search.thesaurus import parse_clauses
from ouvert.core.errors import ValidationFailed
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
    data.setdefault("title_fr", "Registre")
    data.setdefault("title_en", "Register")
    return make_dataset(org, name, **data)


# --- thesaurus expansion ---------------------------------------------------------------------

def test_french_phrase_finds_english_title_and_the_reverse():
    plain(name="water", title_fr="", title_en="Drinking water")
    plain(name="eau", title_fr="Eau potable", title_en="")
    plain(name="other", title_fr="Eaux usées", title_en="Waste water")
    assert sorted(names("eau potable")) == ["eau", "water"]
    assert sorted(names("drinking water")) == ["eau", "water"]
    assert sorted(names("potable water")) == ["eau", "water"]  # a non-preferred name
    assert names("eau potable", expand=False) == ["eau"]
    assert names("drinking water", expand=False) == ["water"]


def test_the_setting_switches_expansion(settings):
    plain(name="water", title_fr="", title_en="Drinking water")
    settings.OUVERT_SEARCH_SYNONYMS = False
    assert names("eau potable") == []
    assert names("eau potable", expand=True) == ["water"]
    settings.OUVERT_SEARCH_SYNONYMS = True
    assert names("eau potable") == ["water"]


def test_typed_words_rank_above_equivalents_and_titles_above_descriptions():
    plain(name="synonym-in-title", title_fr="", title_en="Drinking water")
    plain(name="exact-in-description", description_fr="Analyses de l'eau potable du réseau.")
    plain(name="exact-in-title", title_fr="Eau potable", title_en="")
    plain(name="synonym-in-description", description_en="Drinking water quality.")
    assert names("eau potable") == ["exact-in-title", "synonym-in-title", "exact-in-description", "synonym-in-description"]


def test_only_phrases_expand_and_the_rest_of_the_query_still_applies():
    assert len(parse_clauses("eau potable analyses")) == 2
    assert parse_clauses("eau potable")[0].expanded
    assert not any(c.expanded for c in parse_clauses("arbres"))
    plain(name="tested", title_en="Drinking water tests")
    plain(name="untested", title_en="Drinking water")
    assert names("eau potable tests") == ["tested"]


# --- interface additions -------------------------------------------------------------------

@pytest.fixture
def three():
    org = make_organisation("org-a")
    other = make_organisation("org-b")
    a = plain(org, "alpha", title_fr="Zèbre", title_en="Zebra", tags=["x"], resources=[("a.csv", b"a\n1\n")])
    b = plain(org, "bravo", title_fr="Âne", title_en="Donkey", tags=["y"])
    c = plain(other, "charlie", title_fr="Merle", title_en="Blackbird", tags=["x", "y"])
    return {"alpha": a, "bravo": b, "charlie": c}


def test_exclude_name_and_id_filters(three):
    assert sorted(names(exclude={"tag": ["x"]})) == ["bravo"]
    assert sorted(names(exclude={"organisation": ["org-a"]})) == ["charlie"]
    assert sorted(names(filters={"tag": ["y"]}, exclude={"organisation": ["org-b"]})) == ["bravo"]
    assert sorted(names(exclude={"format": ["CSV"]})) == ["bravo", "charlie"]
    assert names(filters={"name": ["bravo"]}) == ["bravo"]
    assert names(filters={"id": [str(three["charlie"].pk)]}) == ["charlie"]
    assert names(filters={"id": ["not-a-uuid"]}) == []
    assert sorted(names(exclude={"id": [str(three["charlie"].pk)], "name": ["alpha"]})) == ["bravo"]


def test_ranges_are_inclusive(three):
    now = timezone.now()
    Dataset.objects.filter(pk=three["alpha"].pk).update(modified=now - timedelta(days=10), created=now - timedelta(days=30))
    Dataset.objects.filter(pk=three["bravo"].pk).update(modified=now - timedelta(days=5), created=now - timedelta(days=20))
    search.rebuild_index()
    alpha = Dataset.objects.get(pk=three["alpha"].pk)
    assert names(ranges={"modified": (alpha.modified, alpha.modified)}) == ["alpha"]
    assert sorted(names(ranges={"modified": (None, now - timedelta(days=4))})) == ["alpha", "bravo"]
    assert names(ranges={"modified": (now - timedelta(days=4), None)}) == ["charlie"]
    assert sorted(names(ranges={"created": (now - timedelta(days=25), None)})) == ["bravo", "charlie"]


def test_orders_offsets_and_limits(three):
    assert names(order=[("name", "desc")]) == ["charlie", "bravo", "alpha"]
    with_ids = sorted(three.values(), key=lambda d: str(d.pk))
    assert names(order=[("id", "asc")]) == [d.name for d in with_ids]
    from django.utils import translation

    with translation.override("en"):
        assert names(order=[("title", "asc")]) == ["charlie", "bravo", "alpha"]
    with translation.override("fr"):
        assert names(order=[("title", "asc")]) == ["bravo", "charlie", "alpha"]  # Âne, Merle, Zèbre
    assert names(order=[("created", "asc")]) == ["alpha", "bravo", "charlie"]
    assert names(order=[("bogus", "up"), ("name", "asc")]) == ["alpha", "bravo", "charlie"]
    pages = [names(order=[("id", "asc")], offset=o, limit=1) for o in range(4)]
    assert pages == [[d.name] for d in with_ids] + [[]]
    result = search.search_datasets("", actor=None, limit=0)
    assert result.datasets == [] and result.total == 3 and result.facets["tag"][0] == ("x", "x", 2)
    assert len(names(limit=5000)) == 3


# --- visibility comes from the permission rule ------------------------------------------------

def test_search_and_visible_datasets_agree_on_every_actor():
    admin, editor, member, author, outsider, other_admin = (make_user() for _ in range(6))
    org = make_organisation(admin=admin, editors=[editor, author], members=[member])
    other = make_organisation(admin=other_admin, members=[editor])
    for owner in (org, other):
        plain(owner, f"{owner.name}-public")
        plain(owner, f"{owner.name}-private", private=True)
        plain(owner, f"{owner.name}-draft-author", actor=author if owner is org else other_admin, state="draft")
        plain(owner, f"{owner.name}-draft-admin", actor=admin if owner is org else other_admin, state="draft")
        plain(owner, f"{owner.name}-private-draft", private=True, state="draft")
    services.delete_dataset(plain(org, "deleted"), actor=admin)
    actors = [None, admin, editor, member, author, outsider, other_admin, make_user(sysadmin=True)]
    for actor in actors:
        expected = set(visible_datasets(actor).filter(state__in=["active", "draft"]).values_list("name", flat=True))
        assert set(names(actor=actor, include_drafts=True, limit=100)) == expected, actor
        active = set(visible_datasets(actor).filter(state="active").values_list("name", flat=True))
        assert set(names(actor=actor, limit=100)) == active, actor


# --- bulk and incremental indexing write the same index -------------------------------------

def _index_rows():
    with connection.cursor() as cursor:
        cursor.execute("SELECT e.dataset_id, e.state, e.private, e.organisation_id, e.created_by_id, e.licence_id, "
                       "e.name, e.sort_title_fr, e.sort_title_en, e.created, e.modified FROM catalog_search_entry e")
        entries = sorted(tuple(str(v) for v in row) for row in cursor.fetchall())
        cursor.execute("SELECT e.dataset_id, v.facet, v.value FROM catalog_search_facet f "
                       "JOIN catalog_search_value v ON v.id = f.value_id JOIN catalog_search_entry e ON e.id = f.doc")
        facets = sorted(tuple(str(v) for v in row) for row in cursor.fetchall())
        # Each entry's facet codes name the same values as its facet rows.
        cursor.execute("SELECT id, facet, value FROM catalog_search_value")
        values = {pk: (facet, value) for pk, facet, value in cursor.fetchall()}
        cursor.execute("SELECT dataset_id, facet_codes FROM catalog_search_entry")
        coded = []
        for dataset_id, blob in cursor.fetchall():
            for (code,) in struct.iter_unpack("<i", bytes(blob)):
                facet, value_id = unpack_code(code)
                assert values[value_id][0] == facet
                coded.append((str(dataset_id), facet, values[value_id][1]))
        assert sorted(coded) == facets
        # With the terms kept apart for it (``SearchBackend.append_terms``).
        column = ("(d.document || coalesce((SELECT catalog_search_cat(a.document ORDER BY a.id) FROM "
                  "catalog_search_addition a WHERE a.doc = d.id), ''))::text") if connection.vendor == "postgresql" else (
            "title || '|' || body || '|' || trim(extra || coalesce((SELECT group_concat(' ' || a.extra, '') FROM "
            "(SELECT extra FROM catalog_search_addition WHERE doc = d.id ORDER BY id) a), ''))")
        cursor.execute(f"SELECT dataset_id, {column} FROM catalog_search_document d")
        documents = sorted(tuple(str(v) for v in row) for row in cursor.fetchall())
        # The postings, by term, with the revision they hold and their resources' terms.
        cursor.execute("SELECT id, term FROM catalog_search_term")
        terms = dict(cursor.fetchall())
        cursor.execute("SELECT e.dataset_id, p.term_ids, p.term_weights, p.length, p.revision, p.resource_mask, "
                       "d.revision FROM catalog_search_postings p JOIN catalog_search_entry e ON e.id = p.id "
                       "JOIN catalog_dataset d ON d.id = e.dataset_id")
        postings = []
        for dataset_id, ids, weights, length, revision, mask, current in cursor.fetchall():
            ids = struct.unpack(f"<{len(ids) // 4}I", bytes(ids))
            assert list(ids) == sorted(set(ids))
            weighted = sorted(zip((terms[i] for i in ids), struct.unpack(f"<{len(ids)}H", bytes(weights)), strict=True))
            bits = "".join(f"{byte:08b}" for byte in bytes(mask))
            assert len(bits) == (len(ids) + 7) // 8 * 8 and "1" not in bits[len(ids):]
            held = sorted(terms[i] for i, bit in zip(ids, bits[:len(ids)], strict=True) if bit == "1")
            assert revision == current  # every entry holds its dataset's revision here
            postings.append((str(dataset_id), weighted, length, held))
    return entries, facets, documents, sorted(postings)


def test_bulk_rebuild_equals_incremental_indexing():
    root = make_user(sysadmin=True)
    services.create_theme(actor=root, data={"name": "eau", "title_fr": "Eau", "title_en": "Water"})
    org = make_organisation("org", title_fr="Ministère", title_en="Ministry")
    first = plain(org, "first", title_fr="Qualité de l'Eau", tags_fr=["eau", "qualité"], tags_en=["water"],
                  themes=["eau"], licence="CC-BY-4.0", resources=[("b.csv", b"a\n1\n"), ("a.json", b"[]")])
    plain(org, "second", state="draft", private=True, description_en="Notes", spatial="Québec")
    services.update_dataset(first, actor=root, data={"description_fr": "Mise à jour"})
    incremental = _index_rows()
    assert search.rebuild_index() == 2
    assert _index_rows() == incremental


def test_theme_renames_reach_the_facets():
    root = make_user(sysadmin=True)
    theme = services.create_theme(actor=root, data={"name": "old", "title_fr": "Vieux", "title_en": "Old"})
    plain(name="member", themes=["old"])
    theme.name = "new"
    theme.save()
    search.reindex_theme(theme)
    assert names(filters={"theme": ["new"]}) == ["member"]
    assert search.search_datasets("", actor=None).facets["theme"] == [("new", "Vieux", 1)]


@pytest.mark.django_db
def test_deferred_indexing_applies_in_bulk_what_is_stored_at_the_end():
    root = make_user(sysadmin=True)
    org = make_organisation()
    with search.deferred() as pending:
        kept = make_dataset(org, "kept-dataset", title_en="Snow removal routes")
        gone = make_dataset(org, "gone-dataset", title_en="Snow plough positions")
        services.add_resource(kept, actor=root, data={"url": "https://example.org/a.csv", "title_en": "Sidewalks"})
        assert search.search_datasets("snow", actor=None).total == 0  # nothing applied yet
        services.delete_dataset(gone, actor=root)
        pending.flush()
        assert [d.name for d in search.search_datasets("snow", actor=None).datasets] == ["kept-dataset"]
        services.update_dataset(kept, actor=root, data={"title_en": "Snow clearing routes"})
    assert [d.name for d in search.search_datasets("clearing", actor=None).datasets] == ["kept-dataset"]
    assert search.search_datasets("sidewalks", actor=None).total == 1


def test_resources_add_each_of_their_terms_once():
    """A dataset is about what its resources are about, not how many there are; its entry
    grows with their vocabulary, not their number."""
    root = make_user(sysadmin=True)
    series = make_dataset(name="series", title_fr="Finances", title_en="Finances")
    make_dataset(name="titled", title_fr="Budget", title_en="Budget")
    for year in range(2000, 2040):
        services.add_resource(series, actor=root, data={"url": f"https://example.org/{year}.csv",
                                                        "title_en": f"Budget {year}", "format": "CSV"})
    document = build_document(Dataset.objects.get(pk=series.pk))
    assert document.extra.count("budget") == 1 and document.extra.count("csv") == 1
    assert {str(year) for year in range(2000, 2040)} <= set(document.extra)
    assert names("budget") == ["titled", "series"]
    assert names("2039") == ["series"]
    services.add_resource(series, actor=root, data={"url": "https://example.org/2000.csv", "title_en": "Budget 2000",
                                                    "format": "CSV"})
    assert build_document(Dataset.objects.get(pk=series.pk)).extra == document.extra


# --- new resources are added to an entry rather than indexed again with all the others ------

@pytest.fixture
def reindexed(monkeypatch):
    """The datasets indexed again from all their rows (rather than added to)."""
    found = []
    read = search.bulk.sources

    def sources(dataset_ids, **kwargs):
        found.extend(dataset_ids)
        return read(dataset_ids, **kwargs)

    monkeypatch.setattr(search.bulk, "sources", sources)
    return found


def _link(dataset, actor, name: str, **data):
    return services.add_resource(dataset, actor=actor, data={"url": f"https://example.org/{name}", **data})


def test_new_resources_are_added_to_the_entry_as_indexing_again_would(reindexed):
    root = make_user(sysadmin=True)
    services.create_theme(actor=root, data={"name": "eau", "title_fr": "Eau", "title_en": "Water"})
    org = make_organisation("org", title_fr="Ministère des Finances", title_en="Ministry of Finance")
    dataset = plain(org, "budgets", title_fr="Budget des villes", title_en="City budgets", tags_fr=["budget"],
                    themes=["eau"], licence="CC-BY-4.0", description_fr="Les budgets annuels, budget par budget.")
    _link(dataset, root, "a.csv", title_fr="Budget 2001", format="CSV")
    plain(org, "other", title_en="Unrelated")
    reindexed.clear()
    _link(dataset, root, "b.csv", title_fr="Budget 2002", description_en="Quarterly lines", format="CSV")
    _link(dataset, root, "c.json", title_fr="Budget 2001", format="JSON")  # known words, a new format
    _link(dataset, root, "d", title_en="Ministry of Finance")  # words of the organisation, no format
    services.add_links(dataset, actor=root, links=[
        ({"url": "https://example.org/e.xlsx", "title_en": "Budget 2003", "format": "XLSX"}, None),
        ({"url": "https://example.org/f.csv", "title_en": "Sewers 2003", "format": "CSV"}, None)])
    services.add_resource(dataset, actor=root, data={"title_en": "Upload 2004"},
                          upload=SimpleUploadedFile("tableau.csv", b"a,b\n1,2\n"))
    assert reindexed == []
    added = _index_rows()
    search.index_dataset(dataset)
    assert _index_rows() == added
    assert search.rebuild_index() == 2
    assert _index_rows() == added
    assert names("quarterly") == names("sewers") == names("2004") == ["budgets"]
    formats = {value: count for value, _label, count in search.search_datasets("", actor=None).facets["format"]}
    assert formats == {"CSV": 1, "JSON": 1, "XLSX": 1}


def test_an_entry_changed_behind_its_back_is_indexed_again(reindexed):
    root = make_user(sysadmin=True)
    dataset = plain(name="changed")
    first = _link(dataset, root, "a.csv", title_en="Roads", format="CSV")
    assert reindexed == [dataset.pk]  # made by create_dataset; a.csv was added to it
    reindexed.clear()
    # A change the index was not told of: the next new resource indexes the dataset again.
    Resource.objects.filter(pk=first.pk).update(title_en="Bridges")
    _link(dataset, root, "b.csv", title_en="Tunnels")
    assert reindexed == [dataset.pk]
    assert names("bridges") == names("tunnels") == ["changed"] and names("roads") == []
    # Datastore tables are not part of the entry: a change to one leaves it to be added to.
    if hasattr(Resource, "datatable"):
        Resource.datatable.related.related_model.objects.update_or_create(resource=first)
        _link(dataset, root, "c.csv", title_en="Ferries")
        assert reindexed == [dataset.pk]
    # An entry written before entries kept their revision is indexed again, once.
    with connection.cursor() as cursor:
        cursor.execute("UPDATE catalog_search_postings SET revision = NULL, resource_mask = NULL")
    _link(dataset, root, "d.csv", title_en="Canals")
    _link(dataset, root, "e.csv", title_en="Locks")
    assert reindexed == [dataset.pk, dataset.pk]
    added = _index_rows()
    search.index_dataset(dataset)
    assert _index_rows() == added
    assert names("ferries") == names("locks") == ["changed"]


def test_resources_placed_before_others_or_near_limits_index_again(reindexed):
    root = make_user(sysadmin=True)
    dataset = plain(name="placed", description_en=" ".join(["river"] * 300))
    _link(dataset, root, "a.csv", title_en="Lakes")
    reindexed.clear()
    services.add_resource(dataset, actor=root, data={"url": "https://example.org/b.csv", "title_en": "Ponds",
                                                     "position": 0})
    assert reindexed == [dataset.pk]
    # "river" weighs more than an entry is added to: back ends bound a term's positions.
    _link(dataset, root, "c.csv", title_en="River mouths")
    assert reindexed == [dataset.pk, dataset.pk]
    _link(dataset, root, "d.csv", title_en="Estuaries")
    assert reindexed == [dataset.pk, dataset.pk]
    added = _index_rows()
    search.index_dataset(dataset)
    assert _index_rows() == added
    assert names("ponds") == names("mouths") == names("estuaries") == ["placed"]


def _kept_apart() -> int:
    """How many additions are kept apart from their entries' rows."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM catalog_search_addition")
        return cursor.fetchone()[0]


def test_terms_of_new_resources_are_found_with_the_rest_of_the_entry(monkeypatch):
    root = make_user(sysadmin=True)
    org = make_organisation()
    budgets = plain(org, "budgets", title_en="City budgets", title_fr="Budgets municipaux")
    plain(org, "sewers-only", title_en="Sewers", title_fr="Égouts")
    _link(budgets, root, "a.csv", title_en="Quarterly sewers")
    _link(budgets, root, "b.csv", title_en="Yearly totals")
    assert _kept_apart() == 2
    assert names("budgets quarterly") == names("quarterly yearly") == names("budgets quarterly tot") == ["budgets"]
    assert names("quart") == names("yea") == ["budgets"]  # the last word is also a prefix
    assert names("sewers") == ["sewers-only", "budgets"]  # titles first
    assert names("budgets nowhere") == names("quarterly nowhere") == []
    assert search.search_datasets("budgets", actor=None).total == 1
    assert search.search_datasets("sewers", actor=None, filters={"format": ["CSV"]}).total == 1
    # A document keeps a bounded number of additions apart, then is written whole again.
    monkeypatch.setattr(base, "MAX_ADDITIONS", 3)
    _link(budgets, root, "c.csv", title_en="Weekly")
    assert _kept_apart() == 3
    _link(budgets, root, "d.csv", title_en="Daily")
    assert _kept_apart() == 0
    assert names("budgets weekly daily quarterly") == ["budgets"]
    _link(budgets, root, "e.csv", title_en="Hourly")
    services.update_dataset(budgets, actor=root, data={"description_en": "Spending"})  # written whole again
    assert _kept_apart() == 0
    assert names("budgets quarterly spending") == ["budgets"]
    _link(budgets, root, "f.csv", title_en="Monthly")
    services.delete_dataset(budgets, actor=root)
    assert _kept_apart() == 0 and names("monthly") == names("quarterly") == []


@pytest.mark.django_db
@pytest.mark.parametrize("failure", ["database", "domain"])
def test_deferred_indexing_applies_nothing_when_its_block_fails(monkeypatch, failure):
    """A block that raises is about to be rolled back: nothing it queued is indexed, and its
    error is the one raised (on PostgreSQL, after a database error, nothing may run in the
    transaction until it is rolled back)."""
    root = make_user(sysadmin=True)
    org = make_organisation()
    make_dataset(org, "taken")
    dataset = make_dataset(org, "snow-routes", title_en="Snow removal routes")
    indexed = []
    monkeypatch.setattr(search, "index_datasets", lambda datasets, *a, **kw: indexed.append(list(datasets)))
    monkeypatch.setattr(search, "remove_dataset", lambda pk: indexed.append(pk))
    with pytest.raises(IntegrityError if failure == "database" else ValidationFailed):
        with transaction.atomic(), search.deferred():
            services.add_resource(dataset, actor=root, data={"url": "https://example.org/a.csv", "title_en": "Sidewalks"})
            if failure == "database":
                Dataset.objects.filter(pk=dataset.pk).update(name="taken")
            else:
                services.update_dataset(dataset, actor=root, data={"name": "taken"})
    assert indexed == []
    assert not dataset.resources.exists()
