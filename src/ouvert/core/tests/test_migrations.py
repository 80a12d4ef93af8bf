"""A database made with the schema from before organisations moved to accounts and the activity
history to core (accounts/0003, core/0002, catalog/0013-0014, participation/0003) keeps every
row and relation when it is migrated forward, and again when it is migrated back and forth.

Rows are written through the historical models of the old schema, as a running portal would
hold them; the test leaves the database fully migrated."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.django_db(transaction=True)

# The heads of the schema before the move.
OLD = [
    ("accounts", "0002_initial"),
    ("catalog", "0012_search_additions"),
    ("core", "0001_initial"),
    ("participation", "0002_idea_list_indexes"),
    ("datastore", "0003_datastore_revision"),
]

WHEN = dt.datetime(2026, 3, 14, 15, 9, 26, tzinfo=dt.UTC)


def migrate(targets):
    """Migrate to ``targets`` and return the state's models."""
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    ContentType.objects.clear_cache()
    executor = MigrationExecutor(connection)  # a new loader reads what is now applied
    return executor.loader.project_state(targets).apps


def latest():
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


def populate(apps) -> dict:
    """A small portal in the old schema: two organisations with members, datasets with resources,
    tags and themes, its history, and a challenge on one of them."""
    User = apps.get_model("accounts", "User")
    Organisation = apps.get_model("catalog", "Organisation")
    Membership = apps.get_model("accounts", "Membership")
    Dataset = apps.get_model("catalog", "Dataset")
    Resource = apps.get_model("catalog", "Resource")
    Tag = apps.get_model("catalog", "Tag")
    Theme = apps.get_model("catalog", "Theme")
    Activity = apps.get_model("catalog", "Activity")
    Challenge = apps.get_model("participation", "Challenge")

    alice = User.objects.create(username="alice", email="alice@example.org", password="!")
    bob = User.objects.create(username="bob", email="bob@example.org", password="!")
    ville = Organisation.objects.create(name="ville", title_fr="Ville", title_en="City", email="ville@example.org",
                                        extras={"ckan_id": "abc"})
    region = Organisation.objects.create(name="region", title_fr="Région", state="deleted")
    Membership.objects.create(user=alice, organisation=ville, role="admin")
    Membership.objects.create(user=bob, organisation=ville, role="editor")
    Membership.objects.create(user=bob, organisation=region, role="member")
    arbres = Dataset.objects.create(name="arbres", title_fr="Arbres", organisation=ville, state="active",
                                    created_by=alice, revision=1000)
    budget = Dataset.objects.create(name="budget", title_fr="Budget", organisation=region, private=True, revision=2000)
    arbres.tags.add(Tag.objects.create(name="forêt", language="fr"))
    arbres.themes.add(Theme.objects.create(name="environnement", title_fr="Environnement"))
    csv = Resource.objects.create(dataset=arbres, kind="url", url="https://example.org/arbres.csv", format="CSV",
                                  title_fr="Inventaire", position=0)
    Resource.objects.create(dataset=arbres, kind="url", url="https://example.org/arbres.json", position=1)
    challenge = Challenge.objects.create(name="canopee", title_fr="Canopée", organisation=ville, created_by=alice)
    challenge.datasets.add(arbres)

    def entry(key, object_type, obj, *, dataset=None, organisation=None, actor=alice, name=None):
        return Activity.objects.create(key=key, actor=actor, object_type=object_type, object_id=str(obj.pk),
                                       object_name=name or obj.name, dataset=dataset, organisation=organisation,
                                       changes={"title_fr": [None, "x"]})

    activities = [
        entry("catalog.organisation.created", "organisation", ville, organisation=ville),
        entry("accounts.membership.changed", "organisation", ville, organisation=ville),
        entry("catalog.dataset.created", "dataset", arbres, dataset=arbres, organisation=ville),
        entry("catalog.resource.created", "resource", csv, dataset=arbres, organisation=ville, name="Inventaire"),
        entry("catalog.dataset.created", "dataset", budget, dataset=budget, organisation=region, actor=None),
        entry("participation.challenge.created", "challenge", challenge, organisation=ville),
    ]
    # Entries keep their time; auto_now_add set it when they were written.
    Activity.objects.filter(pk__in=[a.pk for a in activities]).update(created=WHEN)
    return {
        "users": {"alice": alice.pk, "bob": bob.pk},
        "organisations": {"ville": ville.pk, "region": region.pk},
        "datasets": {"arbres": arbres.pk, "budget": budget.pk},
        "resource": csv.pk,
        "challenge": challenge.pk,
        "activities": [(a.pk, a.key, a.object_type, a.object_id, a.dataset_id, a.organisation_id, a.actor_id)
                       for a in activities],
    }


def check_old(apps, rows: dict) -> None:
    """The rows as the old schema holds them."""
    Organisation = apps.get_model("catalog", "Organisation")
    Activity = apps.get_model("catalog", "Activity")
    ville = Organisation.objects.get(pk=rows["organisations"]["ville"])
    assert (ville.name, ville.title_en, ville.extras) == ("ville", "City", {"ckan_id": "abc"})
    assert sorted(ville.memberships.values_list("user__username", "role")) == [("alice", "admin"), ("bob", "editor")]
    assert set(ville.datasets.values_list("name", flat=True)) == {"arbres"}
    assert ville.challenges.get().pk == rows["challenge"]
    assert sorted((a.pk, a.key, a.object_type, a.object_id, a.dataset_id, a.organisation_id, a.actor_id)
                  for a in Activity.objects.all()) == sorted(rows["activities"])
    assert {a.created for a in Activity.objects.all()} == {WHEN}


def check_new(rows: dict) -> None:
    """The same rows through today's models."""
    from ouvert.accounts.models import Membership, Organisation
    from ouvert.catalog.models import Dataset, Resource
    from ouvert.core.models import Activity
    from ouvert.participation.models import Challenge

    ville = Organisation.objects.get(pk=rows["organisations"]["ville"])
    region = Organisation.objects.get(name="region")
    assert (ville.name, ville.title_fr, ville.title_en, ville.email, ville.extras, ville.state) == (
        "ville", "Ville", "City", "ville@example.org", {"ckan_id": "abc"}, "active")
    assert (region.pk, region.state) == (rows["organisations"]["region"], "deleted")
    assert sorted(Membership.objects.values_list("user__username", "organisation__name", "role")) == [
        ("alice", "ville", "admin"), ("bob", "region", "member"), ("bob", "ville", "editor")]
    arbres = Dataset.objects.get(name="arbres")
    assert (arbres.pk, arbres.organisation, arbres.created_by.username) == (rows["datasets"]["arbres"], ville, "alice")
    assert list(arbres.tags.values_list("name", flat=True)) == ["forêt"]
    assert list(arbres.themes.values_list("name", flat=True)) == ["environnement"]
    assert [r.url for r in arbres.resources.all()] == ["https://example.org/arbres.csv", "https://example.org/arbres.json"]
    assert Dataset.objects.get(name="budget").organisation == region
    challenge = Challenge.objects.get(pk=rows["challenge"])
    assert (challenge.organisation, list(challenge.datasets.all())) == (ville, [arbres])

    # Each entry keeps its id, key, actor, organisation, time and changes; what it is about
    # becomes a generic reference, the dataset whose history it was in its target.
    entries = {a.pk: a for a in Activity.objects.all()}
    assert sorted(entries) == sorted(a[0] for a in rows["activities"])
    for pk, key, object_type, object_id, dataset_id, organisation_id, actor_id in rows["activities"]:
        entry = entries[pk]
        assert (entry.key, entry.object_type, entry.object_id, entry.organisation_id, entry.actor_id) == (
            key, object_type, object_id, organisation_id, actor_id)
        assert entry.target_id == (str(dataset_id) if dataset_id else "")
        assert (entry.created, entry.changes) == (WHEN, {"title_fr": [None, "x"]})
    assert [e.content_object for e in sorted(entries.values(), key=lambda e: e.pk)] == [
        ville, ville, arbres, Resource.objects.get(pk=rows["resource"]), Dataset.objects.get(name="budget"), challenge]
    assert [(a.key, a.object_name) for a in Activity.objects.history_of(arbres).order_by("id")] == [
        ("catalog.dataset.created", "arbres"), ("catalog.resource.created", "Inventaire")]
    assert Activity.objects.history_of(Dataset.objects.get(name="budget")).get().actor is None
    assert ville.activities.count() == 5
    assert ContentType.objects.get_for_id(entries[rows["activities"][0][0]].content_type_id).app_label == "accounts"


def check_writes_after(rows: dict) -> None:
    """After the move, new entries follow the old ones and the organisation's table still
    raises its datasets' revisions (its triggers kept)."""
    from ouvert.accounts.models import Organisation
    from ouvert.catalog.models import Dataset
    from ouvert.core.activity import record_activity
    from ouvert.core.models import Activity

    arbres = Dataset.objects.get(name="arbres")
    before = arbres.revision
    Organisation.objects.filter(name="ville").update(title_en="Town")
    arbres.refresh_from_db()
    assert arbres.revision > before
    entry = record_activity("catalog.dataset.updated", actor=None, obj=arbres, target=arbres)
    assert entry.pk > max(a[0] for a in rows["activities"])
    assert Activity.objects.history_of(arbres).first() == entry
    entry.delete()
    Organisation.objects.filter(name="ville").update(title_en="City")


def test_old_schema_rows_survive_the_move_to_accounts_and_core():
    new = latest()
    try:
        old_apps = migrate(OLD)
        rows = populate(old_apps)
        check_old(old_apps, rows)

        migrate(new)
        check_new(rows)
        check_writes_after(rows)

        # Backwards, the old tables hold the same rows again; forwards once more, nothing lost.
        check_old(migrate(OLD), rows)
        migrate(new)
        check_new(rows)
    finally:
        migrate(new)
        ContentType.objects.clear_cache()


def test_activity_of_unknown_kinds_survives_with_its_name():
    """An entry about a kind the migration does not know keeps its id and name; its kind is the
    content type of that model name when there is one."""
    new = latest()
    try:
        apps = migrate(OLD)
        Activity = apps.get_model("catalog", "Activity")
        known = Activity.objects.create(key="datastore.table.pushed", object_type="datatable", object_id="7",
                                        object_name="table")
        unknown = Activity.objects.create(key="x.y", object_type="nothing", object_id=str(uuid.uuid4()),
                                          object_name="gone")
        migrate(new)
        from ouvert.core.models import Activity as Entry

        assert Entry.objects.get(pk=known.pk).object_type == "datatable"
        assert (Entry.objects.get(pk=unknown.pk).content_type, Entry.objects.get(pk=unknown.pk).object_name) == (
            None, "gone")
    finally:
        migrate(new)
        ContentType.objects.clear_cache()
