import hashlib
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from ouvert.catalog import services, signals
from ouvert.catalog.models import Dataset, Resource, Tag
from ouvert.core.errors import NotFound, PermissionDenied, ValidationFailed
from ouvert.core.models import Activity
from tests.support.factories import make_dataset, make_organisation, make_user

pytestmark = pytest.mark.django_db


def test_create_dataset_records_activity_and_starts_as_draft():
    editor = make_user()
    org = make_organisation(editors=[editor])
    dataset = services.create_dataset(actor=editor, organisation=org, data={
        "name": "ecoles", "title_fr": "Écoles", "title_en": "Schools", "licence": "CC-BY-4.0",
        "tags_fr": ["éducation"], "tags_en": ["education"],
    })
    assert dataset.state == "draft"
    activity = Activity.objects.history_of(dataset).get()
    assert activity.key == "catalog.dataset.created"
    assert activity.actor == editor
    assert activity.changes["title_fr"] == [None, "Écoles"]
    assert sorted(t.name for t in dataset.tags.all()) == ["education", "éducation"]


def test_missing_titles_duplicate_name_and_unknown_licence_are_field_errors():
    org = make_organisation()
    make_dataset(org, "taken")
    with pytest.raises(ValidationFailed) as exc:
        services.create_dataset(actor=make_user(sysadmin=True), organisation=org,
                                data={"name": "Bad Name!", "licence": "nope"})
    assert {"name", "title_fr", "licence"} <= exc.value.fields.keys()
    with pytest.raises(ValidationFailed) as exc:
        make_dataset(org, "taken")
    assert "name" in exc.value.fields
    assert Dataset.objects.filter(name="taken").count() == 1


def test_dangerous_html_in_description_is_refused():
    with pytest.raises(ValidationFailed) as exc:
        make_dataset(description_en="<script>alert(1)</script>")
    assert "description_en" in exc.value.fields


def test_non_member_cannot_edit_and_member_cannot_create():
    member = make_user()
    org = make_organisation(members=[member])
    dataset = make_dataset(org)
    with pytest.raises(PermissionDenied):
        services.update_dataset(dataset, actor=make_user(), data={"title_en": "x"})
    with pytest.raises(PermissionDenied):
        services.create_dataset(actor=member, organisation=org, data={"name": "x1", "title_en": "x"})


def test_update_publish_delete_history():
    editor = make_user()
    org = make_organisation(editors=[editor])
    dataset = make_dataset(org, actor=editor, state="draft")
    services.update_dataset(dataset, actor=editor, data={"title_en": "New title", "frequency": "monthly"})
    services.publish_dataset(dataset, actor=editor)
    services.delete_dataset(dataset, actor=editor)
    keys = list(Activity.objects.history_of(dataset).order_by("id").values_list("key", flat=True))
    assert keys == ["catalog.dataset.created", "catalog.dataset.updated", "catalog.dataset.published", "catalog.dataset.deleted"]
    update = Activity.objects.history_of(dataset).get(key="catalog.dataset.updated")
    assert update.changes["frequency"] == ["unknown", "monthly"]
    with pytest.raises(NotFound):
        services.get_dataset(dataset.name, actor=None)


def test_upload_stores_file_with_hash_size_and_safe_name():
    dataset = make_dataset()
    content = "nom;valeur\nÉcole;1,5\n".encode("latin-1")
    resource = services.add_resource(dataset, actor=make_user(sysadmin=True), data={"title_fr": "Données"},
                                     upload=SimpleUploadedFile("../../etc/Données écoles.CSV", content))
    assert resource.kind == Resource.Kind.UPLOAD
    assert resource.filename == "Donnees-ecoles.csv"
    assert resource.size == len(content)
    assert resource.sha256 == hashlib.sha256(content).hexdigest()
    assert resource.format == "CSV" and resource.media_type == "text/csv"
    with resource.file.open("rb") as fh:
        assert fh.read() == content


def test_empty_and_oversized_uploads_are_refused_and_nothing_is_saved(settings):
    dataset = make_dataset()
    root = make_user(sysadmin=True)
    with pytest.raises(ValidationFailed) as exc:
        services.add_resource(dataset, actor=root, data={}, upload=SimpleUploadedFile("a.csv", b""))
    assert "file" in exc.value.fields
    settings.OUVERT_MAX_UPLOAD_SIZE = 10
    with pytest.raises(ValidationFailed):
        services.add_resource(dataset, actor=root, data={}, upload=SimpleUploadedFile("a.csv", b"x" * 11))
    assert not dataset.resources.exists()


def test_link_resources_reorder_and_delete():
    dataset = make_dataset()
    root = make_user(sysadmin=True)
    a = services.add_resource(dataset, actor=root, data={"url": "https://example.org/a.json"})
    b = services.add_resource(dataset, actor=root, data={"url": "https://example.org/b.csv"})
    assert (a.position, b.position) == (0, 1)
    assert a.format == "JSON"
    services.reorder_resources(dataset, actor=root, order=[b.pk, a.pk])
    assert list(dataset.resources.values_list("pk", flat=True)) == [b.pk, a.pk]
    with pytest.raises(ValidationFailed):
        services.reorder_resources(dataset, actor=root, order=[b.pk])
    services.delete_resource(a, actor=root)
    assert list(dataset.resources.all()) == [b]
    with pytest.raises(ValidationFailed):
        services.add_resource(dataset, actor=root, data={"url": "javascript:alert(1)"})


def test_add_links_adds_in_order_with_one_activity_and_signal_each(django_capture_on_commit_callbacks):
    dataset = make_dataset()
    root = make_user(sysadmin=True)
    first = services.add_resource(dataset, actor=root, data={"url": "https://example.org/a.json"})
    given = uuid.uuid4()
    sent = []

    def receiver(sender, *, resource, **kwargs):
        sent.append(resource.pk)

    signals.resource_changed.connect(receiver)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            added = services.add_links(dataset, actor=root, links=[
                ({"url": "https://example.org/b.csv", "title_en": "B"}, given),
                ({"url": "https://example.org/c"}, None),
                ({"url": "https://example.org/d.xml", "position": 7}, None),
                ({"url": "https://example.org/e.pdf"}, None)])
    finally:
        signals.resource_changed.disconnect(receiver)
    assert added[0].pk == given
    assert [(r.position, r.format, r.filename) for r in added] == [
        (1, "CSV", "b.csv"), (2, "", "c"), (7, "XML", "d.xml"), (8, "PDF", "e.pdf")]
    assert list(dataset.resources.all()) == [first, *added]
    assert sent == [r.pk for r in added]
    created = Activity.objects.filter(key="catalog.resource.created", object_id__in=[str(r.pk) for r in added])
    assert created.count() == 4
    assert created.get(object_id=str(given)).changes["url"] == [None, "https://example.org/b.csv"]
    with pytest.raises(ValidationFailed):
        services.add_links(dataset, actor=root, links=[({"url": "https://example.org/f"}, None),
                                                       ({"url": "javascript:alert(1)"}, None)])
    assert dataset.resources.count() == 5
    with pytest.raises(PermissionDenied):
        services.add_links(dataset, actor=make_user(), links=[({"url": "https://example.org/g"}, None)])


def test_replacing_tags_reuses_existing_ones_and_creates_the_rest():
    editor = make_user()
    org = make_organisation(editors=[editor])
    one = services.create_dataset(actor=editor, organisation=org, data={
        "name": "one", "title_en": "One", "tags_en": ["water", "Water"], "tags": ["H2O"]})
    two = services.create_dataset(actor=editor, organisation=org, data={
        "name": "two", "title_en": "Two", "tags_fr": ["water", "eau"], "tags_en": ["water"]})
    assert {(t.name, t.language) for t in one.tags.all()} == {("water", "en"), ("Water", "en"), ("H2O", "")}
    assert {(t.name, t.language) for t in two.tags.all()} == {("water", "fr"), ("eau", "fr"), ("water", "en")}
    assert Tag.objects.count() == 5
    services.update_dataset(one, actor=editor, data={"tags_en": ["eau", "rivers"]})
    assert {(t.name, t.language) for t in one.tags.all()} == {("eau", "en"), ("rivers", "en"), ("H2O", "")}
    assert Tag.objects.count() == 7


def test_private_and_draft_visibility():
    member, editor, outsider = make_user(), make_user(), make_user()
    org = make_organisation(editors=[editor], members=[member])
    private = make_dataset(org, private=True)
    draft = make_dataset(org, state="draft")
    for actor in (None, outsider):
        for ds in (private, draft):
            with pytest.raises(NotFound):
                services.get_dataset(ds.name, actor=actor)
    assert services.get_dataset(private.name, actor=member)
    with pytest.raises(NotFound):
        services.get_dataset(draft.name, actor=member)
    assert services.get_dataset(draft.name, actor=editor)


def test_dataset_revision_agrees_with_get_dataset():
    member, editor, outsider, root = make_user(), make_user(), make_user(), make_user(sysadmin=True)
    org = make_organisation(editors=[editor], members=[member])
    datasets = [make_dataset(org, "public"), make_dataset(org, "private", private=True),
                make_dataset(org, "draft", state="draft"), make_dataset(org, "gone")]
    services.delete_dataset(datasets[-1], actor=root)
    for actor in (None, outsider, member, editor, root):
        for dataset in datasets:
            for identifier in (dataset.name, dataset.name.upper(), str(dataset.pk)):
                current = services.dataset_revision(identifier, actor=actor)
                try:
                    found = services.get_dataset(identifier, actor=actor)
                except NotFound:
                    assert current is None, (actor, identifier)
                else:
                    assert current == (found.pk, found.revisions), (actor, identifier)
    assert services.dataset_revision("nowhere", actor=root) is None
    assert services.dataset_revision(str(uuid.uuid4()), actor=root) is None


def test_published_datasets_and_their_counts_hold_only_what_the_actor_may_see():
    member, root = make_user(), make_user(sysadmin=True)
    org, other = make_organisation(members=[member]), make_organisation()
    services.create_theme(actor=root, data={"name": "eau", "title_fr": "Eau", "title_en": "Water"})
    make_dataset(org, "public", themes=["eau"])
    make_dataset(org, "prive", private=True, themes=["eau"])
    make_dataset(org, "brouillon", state="draft", themes=["eau"])
    make_dataset(other, "ailleurs", private=True)
    theme = services.get_theme("eau")

    def names(actor, **narrowed):
        return sorted(services.published_datasets(actor=actor, **narrowed).values_list("name", flat=True))

    assert names(None) == ["public"]
    assert names(member) == ["prive", "public"]
    assert names(root) == ["ailleurs", "prive", "public"]
    assert names(member, organisation=other) == [] and names(member, theme=theme) == ["prive", "public"]
    assert services.published_dataset_counts(actor=None, by="organisation") == {org.pk: 1}
    assert services.published_dataset_counts(actor=member, by="organisation") == {org.pk: 2}
    assert services.published_dataset_counts(actor=root, by="organisation") == {org.pk: 2, other.pk: 1}
    assert services.published_dataset_counts(actor=member, by="theme") == {theme.pk: 2}
