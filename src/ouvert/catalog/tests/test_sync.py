"""sync_dataset: a dataset and its resources written whole, with the single services' history."""

import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from ouvert.catalog import search, services, signals
from ouvert.catalog.models import Dataset, Resource
from ouvert.catalog.services import DatasetSpec, ResourceSpec
from ouvert.core.errors import PermissionDenied, ValidationFailed
from ouvert.core.models import Activity
from tests.support.factories import make_dataset, make_organisation, make_user

pytestmark = pytest.mark.django_db

DATA = {"name": "velos", "title_fr": "Vélos", "title_en": "Bicycles", "licence": "CC-BY-4.0",
        "tags_fr": ["vélo"], "tags_en": ["bicycle"]}


def _keys(dataset) -> list[str]:
    return list(Activity.objects.history_of(dataset).order_by("id").values_list("key", flat=True))


def _links(*names) -> list[ResourceSpec]:
    return [ResourceSpec({"url": f"https://example.org/{name}.csv", "title_en": name}) for name in names]


def test_create_dataset_published_writes_the_entries_of_create_then_publish():
    editor = make_user()
    org = make_organisation(editors=[editor])
    at_once = services.create_dataset(actor=editor, organisation=org, data=DATA, state="active")
    draft = services.create_dataset(actor=editor, organisation=org, data={**DATA, "name": "velos-2"})
    services.publish_dataset(draft, actor=editor)
    assert _keys(at_once) == _keys(draft) == ["catalog.dataset.created", "catalog.dataset.published"]
    published = Activity.objects.history_of(at_once).get(key="catalog.dataset.published")
    assert published.changes == {"state": ["draft", "active"]}


def test_creates_a_dataset_with_its_resources_in_one_go(django_capture_on_commit_callbacks, monkeypatch):
    editor = make_user()
    org = make_organisation(editors=[editor])
    indexed = []
    index_datasets = search.index_datasets
    monkeypatch.setattr(search, "index_datasets", lambda datasets, *args, **kwargs: (
        indexed.append(sorted(d.pk for d in datasets)), index_datasets(datasets, *args, **kwargs))[1])
    changed, published = [], []
    signals.resource_changed.connect(lambda **kw: changed.append(kw["resource"].pk), weak=False, dispatch_uid="t1")
    signals.dataset_published.connect(lambda **kw: published.append(kw["dataset"].pk), weak=False, dispatch_uid="t2")
    try:
        with django_capture_on_commit_callbacks(execute=True):
            result = services.sync_dataset(DatasetSpec(DATA, organisation=org, state="active",
                                                       resources=_links("a", "b", "c")), actor=editor, source="test")
    finally:
        signals.resource_changed.disconnect(dispatch_uid="t1")
        signals.dataset_published.disconnect(dispatch_uid="t2")
    dataset = result.dataset
    assert result.created and result.published and dataset.state == "active"
    assert [r.title_en for r in dataset.resources.all()] == ["a", "b", "c"]
    assert [r.position for r in dataset.resources.all()] == [0, 1, 2]
    assert _keys(dataset) == ["catalog.dataset.created", "catalog.dataset.published"] + ["catalog.resource.created"] * 3
    assert all(a.changes["source"] == [None, "test"] for a in Activity.objects.history_of(dataset))
    assert indexed == [[dataset.pk]]
    assert sorted(changed) == sorted(r.pk for r in dataset.resources.all()) and published == [dataset.pk]
    assert [d.pk for d in search.search_datasets("bicycles", actor=None).datasets] == [dataset.pk]


def test_updates_adds_reorders_and_removes_resources():
    editor = make_user()
    org = make_organisation(editors=[editor])
    dataset = services.sync_dataset(DatasetSpec(DATA, organisation=org, resources=_links("a", "b", "c")),
                                    actor=editor, source="test").dataset
    a, b, c = dataset.resources.all()
    last = Activity.objects.order_by("-id").values_list("id", flat=True).first()
    result = services.sync_dataset(DatasetSpec(
        {"title_en": "Bikes"}, id=dataset.pk, state="active",
        resources=[ResourceSpec({"title_en": "c2"}, id=c.pk), ResourceSpec(id=a.pk), *_links("d")]),
        actor=editor, source="test")
    assert result.changes == {"title_en": ("Bicycles", "Bikes")} and result.published
    assert [r.title_en for r in Resource.objects.filter(dataset=dataset)] == ["c2", "a", "d"]
    assert {r.pk for r in result.resources_updated} == {c.pk, a.pk}  # a moved to position 1
    assert [r.pk for r in result.resources_deleted] == [b.pk] and not Resource.objects.filter(pk=b.pk).exists()
    keys = list(Activity.objects.filter(pk__gt=last).values_list("key", flat=True))
    assert sorted(keys) == sorted(["catalog.dataset.updated", "catalog.resource.updated", "catalog.resource.updated",
                                   "catalog.resource.created", "catalog.resource.deleted", "catalog.dataset.published"])
    dataset.refresh_from_db()
    assert dataset.title_en == "Bikes" and dataset.state == "active"

    # The same spec again changes nothing and records nothing.
    count = Activity.objects.count()
    again = services.sync_dataset(DatasetSpec({"title_en": "Bikes"}, id=dataset.pk, state="active", resources=[
        ResourceSpec({"title_en": "c2"}, id=c.pk), ResourceSpec(id=a.pk),
        ResourceSpec({"url": "https://example.org/d.csv", "title_en": "d"},
                     id=Resource.objects.get(dataset=dataset, title_en="d").pk)]), actor=editor, source="test")
    assert not again.changed and Activity.objects.count() == count


def test_managed_key_and_remove_unlisted_keep_resources_added_by_hand():
    editor = make_user()
    org = make_organisation(editors=[editor])
    mine = [ResourceSpec({"url": "https://example.org/x.csv", "extras": {"from": "x"}})]
    dataset = services.sync_dataset(DatasetSpec(DATA, organisation=org, resources=mine), actor=editor, source="t").dataset
    by_hand = services.add_resource(dataset, actor=editor, data={"url": "https://example.org/notes"})
    services.sync_dataset(DatasetSpec({}, id=dataset.pk, resources=[], managed_key="from"), actor=editor, source="t")
    assert list(dataset.resources.all()) == [by_hand]
    services.sync_dataset(DatasetSpec({}, id=dataset.pk, resources=mine, remove_unlisted=False), actor=editor, source="t")
    assert dataset.resources.count() == 2
    services.sync_dataset(DatasetSpec({}, id=dataset.pk, resources=[], remove_unlisted=False), actor=editor, source="t")
    assert dataset.resources.count() == 2
    services.sync_dataset(DatasetSpec({}, id=dataset.pk, resources=[]), actor=editor, source="t")
    assert not dataset.resources.exists()


def test_given_ids_are_kept_when_free():
    editor = make_user()
    org = make_organisation(editors=[editor])
    other = make_dataset(org, resources=[("x.csv", b"a\n1\n")])
    taken = other.resources.get().pk
    given = uuid.uuid4()
    result = services.sync_dataset(DatasetSpec(DATA, id=uuid.uuid4(), organisation=org, resources=[
        ResourceSpec({"url": "https://example.org/a.csv"}, id=given),
        ResourceSpec({"url": "https://example.org/b.csv"}, id=given),
        ResourceSpec({"url": "https://example.org/c.csv"}, id=taken)]), actor=editor, source="t")
    ids = [r.pk for r in result.dataset.resources.all()]
    assert ids[0] == given and len(set(ids)) == 3 and taken not in ids
    assert Resource.objects.get(pk=taken).dataset == other


def test_uploads_are_stored_and_replaced():
    editor = make_user()
    org = make_organisation(editors=[editor])
    result = services.sync_dataset(DatasetSpec(DATA, organisation=org, resources=[
        ResourceSpec({"title_en": "Counts"}, upload=SimpleUploadedFile("counts.csv", b"a,b\n1,2\n"))]),
        actor=editor, source="t")
    resource = result.dataset.resources.get()
    assert resource.kind == "upload" and resource.format == "CSV" and resource.file.read() == b"a,b\n1,2\n"
    again = services.sync_dataset(DatasetSpec({}, id=result.dataset.pk, resources=[
        ResourceSpec(id=resource.pk, upload=SimpleUploadedFile("counts.csv", b"a,b\n3,4\n"))]), actor=editor, source="t")
    assert again.contents_changed == again.resources_updated
    resource.refresh_from_db()
    assert resource.file.read() == b"a,b\n3,4\n"


def test_a_bad_resource_names_its_place_and_nothing_is_written():
    editor = make_user()
    org = make_organisation(editors=[editor])
    with pytest.raises(ValidationFailed) as exc:
        services.sync_dataset(DatasetSpec(DATA, organisation=org, resources=[
            *_links("a"), ResourceSpec({"url": "not a link"}),
            ResourceSpec({"title_en": "empty"}, upload=SimpleUploadedFile("e.csv", b""))]), actor=editor, source="t")
    assert set(exc.value.fields) == {"resources[1].url"}
    assert not Dataset.objects.exists() and not Activity.objects.filter(key__startswith="catalog.dataset").exists()
    with pytest.raises(ValidationFailed) as exc:
        services.sync_dataset(DatasetSpec(DATA, organisation=org, resources=[
            ResourceSpec({"title_en": "empty"}, upload=SimpleUploadedFile("e.csv", b""))]), actor=editor, source="t")
    assert set(exc.value.fields) == {"resources[0].file"}
    assert not Dataset.objects.exists()


def test_permissions_are_those_of_the_single_services():
    editor, stranger = make_user(), make_user()
    org = make_organisation(editors=[editor])
    with pytest.raises(PermissionDenied):
        services.sync_dataset(DatasetSpec(DATA, organisation=org), actor=stranger, source="t")
    dataset = services.sync_dataset(DatasetSpec(DATA, organisation=org), actor=editor, source="t").dataset
    with pytest.raises(PermissionDenied):
        services.sync_dataset(DatasetSpec({"title_en": "X"}, id=dataset.pk), actor=stranger, source="t")
    with pytest.raises(PermissionDenied):  # moving needs rights in the other organisation
        services.sync_dataset(DatasetSpec({}, id=dataset.pk, organisation=make_organisation()), actor=editor, source="t")


def test_a_published_dataset_never_goes_back_to_draft():
    editor = make_user()
    org = make_organisation(editors=[editor])
    dataset = make_dataset(org, actor=editor)
    for attempt in (lambda: services.update_dataset(dataset, actor=editor, data={}, state="draft"),
                    lambda: services.sync_dataset(DatasetSpec({}, id=dataset.pk, state="draft"), actor=editor,
                                                  source="t")):
        with pytest.raises(ValidationFailed) as exc:
            attempt()
        assert list(exc.value.fields) == ["state"]
    dataset.refresh_from_db()
    assert dataset.state == "active"
    draft = make_dataset(org, actor=editor, state="draft")
    assert services.update_dataset(draft, actor=editor, data={}, state="active").state == "active"
    assert _keys(draft)[-1] == "catalog.dataset.published"


def test_removed_resources_are_signalled_by_their_id(django_capture_on_commit_callbacks):
    editor = make_user()
    org = make_organisation(editors=[editor])
    dataset = services.sync_dataset(DatasetSpec(DATA, organisation=org, resources=_links("a", "b")),
                                    actor=editor, source="t").dataset
    a, b = dataset.resources.all()
    removed = []
    signals.resource_deleted.connect(lambda **kw: removed.append(kw["resource_id"]), weak=False, dispatch_uid="t3")
    try:
        with django_capture_on_commit_callbacks(execute=True):
            result = services.sync_dataset(DatasetSpec({}, id=dataset.pk, resources=[ResourceSpec(id=a.pk)]),
                                           actor=editor, source="t")
    finally:
        signals.resource_deleted.disconnect(dispatch_uid="t3")
    assert removed == [b.pk] and [r.pk for r in result.resources_deleted] == [b.pk]
    assert Activity.objects.history_of(dataset).filter(key="catalog.resource.deleted", object_id=str(b.pk)).exists()

