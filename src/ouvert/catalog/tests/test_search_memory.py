"""Catalog search from the index read into memory (``ouvert.catalog.search.memory``): a snapshot
is used only while it is the stored index, a transaction sees its own changes, and memory and the
database give the same answers. Runs on SQLite and PostgreSQL like ``test_search``."""

import importlib
import itertools
import random
from datetime import timedelta

import numpy as np
import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from ouvert.catalog import search, services
from ouvert.catalog.models import Dataset
from ouvert.catalog.search import memory, postings
from ouvert.catalog.search.postings import POSTINGS, TERMS
from tests.support.factories import make_dataset, make_organisation, make_user

pytestmark = pytest.mark.django_db


def names(query="", actor=None, **kwargs):
    return [d.name for d in search.search_datasets(query, actor=actor, **kwargs).datasets]


@pytest.fixture
def auto(settings, monkeypatch):
    """``auto`` mode, with the background reads recorded instead of started: tests read
    snapshots themselves with ``memory.refresh``."""
    settings.OUVERT_SEARCH_MEMORY = "auto"
    memory.forget()
    started = []
    monkeypatch.setattr(memory, "_refresh_in_background", lambda alias, key: started.append(alias))
    yield started
    memory.forget()


@pytest.mark.django_db(transaction=True)
def test_a_snapshot_is_used_only_while_it_is_the_stored_index(auto):
    search.rebuild_index()  # the index tables outlive other tests' flushed catalogs
    org = make_organisation()
    make_dataset(org, "alpha-one", title_en="Alpha rivers")
    assert memory.snapshot(connection) is None  # none read yet: the database answers
    assert auto  # and one is read in the background
    assert names("alpha") == ["alpha-one"]

    snap = memory.refresh(connection.alias)
    assert snap is not None and snap.size == 1
    assert memory.snapshot(connection) is snap
    assert names("alpha") == ["alpha-one"]

    # A commit that wrote to the index makes the snapshot stale at once.
    make_dataset(org, "alpha-two", title_en="Alpha lakes")
    assert memory.snapshot(connection) is None
    assert sorted(names("alpha")) == ["alpha-one", "alpha-two"]
    snap = memory.refresh(connection.alias)
    assert snap.size == 2 and memory.snapshot(connection) is snap

    # Inside a transaction that wrote to the index, searches read the database and see it.
    with transaction.atomic():
        make_dataset(org, "alpha-three", title_en="Alpha wells")
        assert memory.snapshot(connection) is None
        assert sorted(names("alpha")) == ["alpha-one", "alpha-three", "alpha-two"]
    assert memory.snapshot(connection) is None
    assert memory.refresh(connection.alias).size == 3

    # A rolled-back change leaves the stored index, and the snapshot, as they were.
    snap = memory.snapshot(connection)
    with pytest.raises(RuntimeError), transaction.atomic():
        make_dataset(org, "alpha-four", title_en="Alpha springs")
        raise RuntimeError
    assert memory.snapshot(connection) is snap
    assert sorted(names("alpha")) == ["alpha-one", "alpha-three", "alpha-two"]

    # Deletions count as changes too.
    services.delete_dataset(Dataset.objects.get(name="alpha-one"), actor=make_user(sysadmin=True))
    assert memory.snapshot(connection) is None
    assert sorted(names("alpha")) == ["alpha-three", "alpha-two"]
    assert memory.refresh(connection.alias).size == 2
    assert sorted(names("alpha")) == ["alpha-three", "alpha-two"]


def test_off_never_reads_memory(settings):
    settings.OUVERT_SEARCH_MEMORY = "off"
    make_dataset(name="one")
    assert memory.snapshot(connection) is None
    assert names() == ["one"]


def test_reindexing_spends_no_number_on_known_terms():
    dataset = make_dataset(name="counted", title_en="Groundwater levels", description_en="Monthly levels of wells.")
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*), max(id) FROM {TERMS}")
        before = cursor.fetchone()
        search.index_dataset(dataset)
        search.rebuild_index()
        cursor.execute(f"SELECT count(*), max(id) FROM {TERMS}")
        assert cursor.fetchone() == before


def _unnamed_term_numbers() -> set[int]:
    """Numbers in stored postings that name no term."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT term_ids FROM {POSTINGS}")
        used = {int(n) for (ids,) in cursor.fetchall() for n in np.frombuffer(bytes(ids), dtype="<u4")}
        cursor.execute(f"SELECT id FROM {TERMS}")
        return used - {n for (n,) in cursor.fetchall()}


@pytest.mark.django_db(transaction=True)
def test_term_numbers_are_remembered_once_committed():
    postings.forget_terms()
    dataset = make_dataset(name="remembered", title_en="Groundwater levels", description_en="Wells.")
    with CaptureQueriesContext(connection) as queries:
        search.index_dataset(dataset)
    assert not [q for q in queries if TERMS in q["sql"]], "every term was numbered by a committed change"
    with pytest.raises(RuntimeError), transaction.atomic():
        services.update_dataset(dataset, actor=make_user(sysadmin=True), data={"description_en": "Piezometers."})
        raise RuntimeError("rolled back, and its new term with it")
    Dataset.objects.filter(pk=dataset.pk).update(description_en="Piezometers.")
    with CaptureQueriesContext(connection) as queries:
        search.index_dataset(dataset)
    assert [q for q in queries if TERMS in q["sql"]], "a rolled-back number is not remembered"
    assert not _unnamed_term_numbers()
    assert names("piezometers") == ["remembered"]


def _postings():
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id, term_ids, term_weights, length FROM {POSTINGS} ORDER BY id")
        return [(doc, bytes(ids), bytes(weights), length) for doc, ids, weights, length in cursor.fetchall()]


def test_the_migration_fills_existing_entries_as_indexing_does():
    org = make_organisation()
    make_dataset(org, "first", title_fr="Qualité de l'eau", title_en="Water quality",
                 description_en="Samples of water, water and more water.", tags=[])
    make_dataset(org, "second", title_fr="Vélos", title_en="Bicycles", description_fr="Comptages quotidiens.")
    indexed = _postings()
    assert len(indexed) == 2 and all(ids and weights and length for _doc, ids, weights, length in indexed)
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {POSTINGS}")
        importlib.import_module("ouvert.catalog.migrations.0008_search_postings").fill(cursor, connection.vendor)
    assert _postings() == indexed


# --- the same answers from memory and from the database ---------------------------------------

WORDS = ["water", "quality", "eau", "qualité", "river", "rivière", "temperature", "température", "ice",
         "glace", "fish", "poisson", "budget", "school", "école", "drinking", "potable"]
FORMATS = ["CSV", "JSON", "XLSX", "PDF"]


@pytest.fixture
def catalog():
    rng = random.Random(7)
    root = make_user(sysadmin=True)
    editor = make_user()
    orgs = [make_organisation(f"org-{i}", editors=[editor] if i == 0 else []) for i in range(3)]
    themes = [services.create_theme(actor=root, data={
        "name": f"theme-{i}", "title_fr": f"Thème {i}", "title_en": f"Theme {i}"}).name for i in range(3)]
    now = timezone.now()
    for i in range(48):
        words = rng.sample(WORDS, 3)
        dataset = make_dataset(
            orgs[i % 3], f"set-{i:02d}",
            title_fr=" ".join(rng.sample(WORDS, 2)).capitalize() if i % 5 else "",
            title_en=" ".join(words).capitalize(),
            description_en=" ".join(rng.choice(WORDS) for _ in range(rng.randint(0, 12))),
            state="draft" if i % 11 == 0 else "active",
            private=i % 7 == 0, tags=[rng.choice(WORDS) for _ in range(2)],
            themes=[themes[i % 3]] if i % 2 else [],
        )
        for _ in range(i % 3):
            services.add_resource(dataset, actor=root,
                                  data={"url": f"https://example.org/{i}.dat", "format": rng.choice(FORMATS)})
        type(dataset).objects.filter(pk=dataset.pk).update(modified=now - timedelta(days=rng.randint(0, 9)))
        search.index_dataset(dataset)
    # Resources given last are added to their datasets' entries, their terms kept apart from
    # the entries' rows: searches in the database read both.
    for i in range(0, 48, 4):
        dataset = Dataset.objects.get(name=f"set-{i:02d}")
        services.add_resource(dataset, actor=root, data={
            "url": f"https://example.org/{i}-more.dat", "title_en": " ".join(rng.sample(WORDS, 2)),
            "format": rng.choice(FORMATS)})
    return {"editor": editor}


def _both(settings, query, **kwargs):
    answers = []
    for mode in ("always", "off"):
        settings.OUVERT_SEARCH_MEMORY = mode
        result = search.search_datasets(query, **kwargs)
        answers.append((result.total, [d.name for d in result.datasets], result.facets))
    return answers


def test_memory_and_database_agree(settings, catalog):
    editor = catalog["editor"]
    for query, actor in itertools.product(["", "water", "eau qualité", "eau potable", "temp", "riv", "nothing-here"],
                                          (None, editor)):
        for kwargs in (
            {"sort": "name"}, {"sort": "modified"}, {"order": [("title", "desc")]},
            {"order": [("created", "asc")], "offset": 3, "limit": 5},
            {"filters": {"format": ["CSV"]}, "sort": "name"},
            {"exclude": {"tag": ["water"]}, "filters": {"organisation": ["org-1", "org-2"]}, "sort": "name"},
            {"filters": {"theme": ["theme-1"], "name": ["set-01", "set-03", "set-05"]}, "sort": "name"},
            {"ranges": {"modified": (timezone.now() - timedelta(days=4), None)}, "sort": "modified"},
            {"include_drafts": True, "sort": "name", "limit": 0},
        ):
            memory_answer, database_answer = _both(settings, query, actor=actor, **kwargs)
            assert memory_answer == database_answer, (query, actor, kwargs)
        # Ranked: the same matches, the same facets, and the same title tiers in the same order.
        (total, ranked, facets), (total_db, ranked_db, facets_db) = _both(settings, query, actor=actor, limit=1000)
        assert (total, facets, sorted(ranked)) == (total_db, facets_db, sorted(ranked_db))
