"""The publishing screens through the forms, and who sees what on every page type."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from ouvert.catalog.models import Dataset, Resource
from ouvert.core.models import Activity
from tests.support.factories import make_dataset, make_organisation, make_sysadmin, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english_then_default():
    """Addresses built in tests are English; requests leave their language active, so reset it."""
    translation.activate("en")
    yield
    translation.deactivate()


def url(name, *args, lang="en"):
    with translation.override(lang):
        return reverse(name, args=args)


def dataset_form(**overrides):
    data = {
        "organisation": "ville", "name": "ecoles", "title_fr": "Écoles", "title_en": "Schools",
        "description_fr": "Les **écoles**.", "description_en": "The **schools**.", "licence": "CC-BY-4.0",
        "frequency": "annual", "temporal_start": "2020-01-01", "temporal_end": "2024-12-31", "spatial": "Ville",
        "contact_name": "Open data team", "contact_email": "data@example.org", "source_url": "", "version": "1",
        "tags_fr": "éducation, écoles", "tags_en": "education, schools", "tags": "",
    }
    data.update(overrides)
    return data


@pytest.fixture
def editor():
    return make_user("editor")


@pytest.fixture
def org(editor):
    return make_organisation("ville", editors=[editor])


def test_the_whole_publishing_flow(client, editor, org):
    client.force_login(editor)
    assert client.get(url("web:dashboard")).status_code == 200
    assert client.get(url("web:dataset_new")).status_code == 200

    response = client.post(url("web:dataset_new"), dataset_form())
    assert response.status_code == 302
    dataset = Dataset.objects.get(name="ecoles")
    assert response["Location"] == dataset.get_absolute_url()
    assert (dataset.state, dataset.title_fr, dataset.title_en, dataset.licence_id) == ("draft", "Écoles", "Schools", "CC-BY-4.0")
    assert sorted(t.name for t in dataset.tags.all()) == ["education", "schools", "écoles", "éducation"]
    dashboard = client.get(url("web:dashboard")).content.decode()
    assert "Schools" in dashboard  # listed among the drafts

    # Upload a CSV.
    assert client.get(url("web:resource_new", "ecoles")).status_code == 200
    csv = SimpleUploadedFile("Écoles 2024.csv", b"id,nom\n1,Jean-Talon\n", content_type="text/csv")
    response = client.post(url("web:resource_new", "ecoles"), {"title_en": "Schools 2024", "title_fr": "", "file": csv})
    assert response.status_code == 302 and response["Location"].endswith("#resources")
    upload = dataset.resources.get()
    assert (upload.kind, upload.format, upload.filename) == ("upload", "CSV", "Ecoles-2024.csv")
    download = client.get(upload.download_path())
    assert download["Content-Type"] == "text/csv"
    assert download["Content-Disposition"].startswith("attachment")
    assert b"".join(download.streaming_content) == b"id,nom\n1,Jean-Talon\n"

    # Replace the file.
    edit_url = url("web:resource_edit", "ecoles", upload.pk)
    assert "Replace the file" in client.get(edit_url).content.decode()
    new_csv = SimpleUploadedFile("ecoles.csv", b"id,nom\n1,Jean-Talon\n2,Rosemont\n")
    response = client.post(edit_url, {"title_en": "Schools 2024", "title_fr": "Écoles 2024", "file": new_csv, "url": "", "format": ""})
    assert response.status_code == 302
    upload.refresh_from_db()
    assert upload.filename == "ecoles.csv" and upload.size == len(b"id,nom\n1,Jean-Talon\n2,Rosemont\n") and upload.format == "CSV" and upload.title_fr == "Écoles 2024"

    # Add a link.
    response = client.post(url("web:resource_new", "ecoles"), {"title_en": "Map", "url": "https://example.org/map.geojson", "format": ""})
    assert response.status_code == 302
    link = dataset.resources.get(kind="url")
    assert link.format == "GEOJSON"

    # Reorder without script: move the link up.
    edit_page = client.get(url("web:dataset_edit", "ecoles")).content.decode()
    assert f'name="move" value="{link.pk}:up"' in edit_page
    response = client.post(url("web:resources_reorder", "ecoles"), {"move": f"{link.pk}:up"})
    assert response.status_code == 302 and response["Location"].endswith(f"#resource-{link.pk}")
    assert [r.pk for r in dataset.resources.all()] == [link.pk, upload.pk]
    # ...or by a full order.
    client.post(url("web:resources_reorder", "ecoles"), {"order": [str(upload.pk), str(link.pk)]})
    assert [r.pk for r in dataset.resources.all()] == [upload.pk, link.pk]

    # Edit the metadata in both languages.
    response = client.post(url("web:dataset_edit", "ecoles"), dataset_form(title_en="Public schools", private=""))
    assert response.status_code == 302
    dataset.refresh_from_db()
    assert dataset.title_en == "Public schools" and dataset.frequency == "annual"
    assert Activity.objects.history_of(dataset).filter(key="catalog.dataset.updated").exists()

    # Publish: now everyone sees it.
    assert client.get(url("web:dataset_publish", "ecoles")).status_code == 405
    response = client.post(url("web:dataset_publish", "ecoles"))
    assert response.status_code == 302
    dataset.refresh_from_db()
    assert dataset.state == "active"
    from django.test import Client

    assert Client().get(dataset.get_absolute_url()).status_code == 200

    # Remove a resource, then delete the dataset.
    assert client.get(url("web:resource_delete", "ecoles", link.pk)).status_code == 200
    assert client.post(url("web:resource_delete", "ecoles", link.pk)).status_code == 302
    assert not Resource.objects.filter(pk=link.pk).exists()
    assert client.get(url("web:dataset_delete", "ecoles")).status_code == 200
    response = client.post(url("web:dataset_delete", "ecoles"))
    assert response.status_code == 302 and response["Location"] == url("web:dashboard")
    dataset.refresh_from_db()
    assert dataset.state == "deleted"
    assert Client().get(dataset.get_absolute_url()).status_code == 404
    history = list(Activity.objects.history_of(dataset).values_list("key", flat=True))
    assert {"catalog.dataset.created", "catalog.resource.created", "catalog.resource.updated", "catalog.resource.reordered",
            "catalog.dataset.published", "catalog.resource.deleted", "catalog.dataset.deleted"} <= set(history)


def test_bad_input_shows_errors_next_to_the_fields_and_saves_nothing(client, editor, org):
    make_dataset(org, "pris")
    client.force_login(editor)
    response = client.post(url("web:dataset_new"), dataset_form(
        name="Pas Bon!", title_fr="", title_en="", contact_email="nope", temporal_start="2024-01-01",
        temporal_end="2020-01-01", description_en="<script>alert(1)</script>", licence="nope"))
    assert response.status_code == 400
    html = response.content.decode()
    assert not Dataset.objects.filter(name__in=["pas bon!", "pas-bon"]).exists()
    assert Dataset.objects.count() == 1
    assert "There is a problem" in html and 'data-error-summary' in html
    for field in ("name", "title_fr", "title_en", "contact_email", "temporal_end", "description_en", "licence"):
        assert f'href="#id_{field}"' in html, field  # the summary links to the field
        assert f'id="id_{field}_error"' in html, field
        assert re.search(rf'<(input|textarea|select)[^>]*aria-invalid="true"[^>]*id="id_{field}"|<(input|textarea|select)[^>]*id="id_{field}"[^>]*aria-invalid="true"', html), field
        assert re.search(rf'aria-describedby="[^"]*id_{field}_error', html), field
    assert "<script>alert(1)</script>" not in html  # the rejected text is escaped in the textarea
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert html.count("<title>Error:") == 1

    # A taken name.
    response = client.post(url("web:dataset_new"), dataset_form(name="pris"))
    assert response.status_code == 400 and "This name is already taken." in response.content.decode()

    # A resource with neither file nor link.
    dataset = make_dataset(org, "vide", state="draft")
    response = client.post(url("web:resource_new", "vide"), {"title_en": "Nothing", "url": ""})
    assert response.status_code == 400
    assert 'id="id_file_error"' in response.content.decode() and 'id="id_url_error"' in response.content.decode()
    assert not dataset.resources.exists()

    # A failed edit changes nothing.
    response = client.post(url("web:dataset_edit", "pris"), dataset_form(name="pris", title_en="Changed", contact_email="bad"))
    assert response.status_code == 400
    assert Dataset.objects.get(name="pris").title_en != "Changed"


def test_the_edit_form_publishes_a_draft_and_never_makes_a_published_dataset_a_draft(client, editor, org):
    """The rule is the service's (as through both APIs); the form shows its error next to the field."""
    client.force_login(editor)
    make_dataset(org, "ecoles", actor=editor)
    assert 'name="state"' not in client.get(url("web:dataset_edit", "ecoles")).content.decode()
    response = client.post(url("web:dataset_edit", "ecoles"), dataset_form(title_en="Changed", state="draft"))
    assert response.status_code == 400 and list(response.context["form"].errors) == ["state"]
    assert 'id="id_state_error"' in response.content.decode()
    assert Dataset.objects.get(name="ecoles").state == "active" and Dataset.objects.get(name="ecoles").title_en != "Changed"

    make_dataset(org, "pris", actor=editor, state="draft")
    assert 'name="state"' in client.get(url("web:dataset_edit", "pris")).content.decode()
    assert client.post(url("web:dataset_edit", "pris"), dataset_form(name="pris", state="draft")).status_code == 302
    assert Dataset.objects.get(name="pris").state == "draft"
    assert client.post(url("web:dataset_edit", "pris"), dataset_form(name="pris", state="active")).status_code == 302
    assert Dataset.objects.get(name="pris").state == "active"


def test_french_form_in_french(client, editor, org):
    client.force_login(editor)
    html = client.get(url("web:dataset_new", lang="fr")).content.decode()
    assert '<html lang="fr">' in html and 'enctype' not in html
    assert 'name="title_fr"' in html and 'lang="fr"' in html
    assert 'enctype="multipart/form-data"' in client.get(url("web:resource_new", make_dataset(org, "x1").name, lang="fr")).content.decode()


# --- who sees what ---------------------------------------------------------------------------

@pytest.fixture
def hidden():
    """A draft and a private dataset (each with a file) in an organisation, and its people."""
    editor, member = make_user("ed"), make_user("mem")
    org = make_organisation("secret-org", editors=[editor], members=[member])
    make_organisation("other-org")
    draft = make_dataset(org, "brouillon", state="draft", title_en="Hidden draft", resources=[("d.csv", b"a\n1\n")])
    private = make_dataset(org, "prive", private=True, title_en="Hidden private", tags_en=["secret"],
                           resources=[("p.csv", b"a\n1\n")])
    public = make_dataset(org, "public", title_en="Open budget", resources=[("o.csv", b"a\n1\n")])
    return {"editor": editor, "member": member, "org": org, "draft": draft, "private": private, "public": public}


def _listing_pages():
    return [url("web:home"), url("web:search"), url("web:search") + "?q=Hidden", url("web:search") + "?tag=secret",
            url("web:organisation", "secret-org"), url("web:organisations"), url("web:themes")]


def _detail_pages(dataset):
    resource = dataset.resources.get()
    return [dataset.get_absolute_url(), url("web:dataset_json", dataset.name), resource.get_absolute_url(),
            resource.download_path()]


def _edit_pages(dataset):
    resource = dataset.resources.get()
    return [url("web:dataset_edit", dataset.name), url("web:dataset_delete", dataset.name),
            url("web:resource_new", dataset.name), url("web:resource_edit", dataset.name, resource.pk),
            url("web:resource_delete", dataset.name, resource.pk)]


@pytest.mark.parametrize("who", ["anonymous", "outsider"])
def test_drafts_and_private_datasets_are_invisible_to_outsiders(client, hidden, who):
    if who == "outsider":
        client.force_login(make_user("outsider"))
    for page in _listing_pages():
        html = client.get(page).content.decode()
        assert "Hidden draft" not in html and "Hidden private" not in html, page
        assert "brouillon" not in html and "/prive/" not in html, page
    for dataset in (hidden["draft"], hidden["private"]):
        for page in _detail_pages(dataset):
            assert client.get(page).status_code == 404, page
        for page in _edit_pages(dataset):
            status = client.get(page).status_code
            assert status == (302 if who == "anonymous" else 404), page  # anonymous: to the sign-in page
        for name in ("web:dataset_publish", "web:resources_reorder"):
            assert client.post(url(name, dataset.name)).status_code in ((302,) if who == "anonymous" else (404,))
        assert client.post(url("web:dataset_delete", dataset.name)).status_code in (302, 404)
    for dataset in (hidden["draft"], hidden["private"]):
        dataset.refresh_from_db()
        assert dataset.state != "deleted"
    # The counts on the organisation list leave them out too.
    assert re.search(r"1 dataset<", client.get(url("web:organisations")).content.decode())


def test_anonymous_edit_pages_send_to_sign_in(client, hidden):
    response = client.get(url("web:dataset_edit", "public"))
    assert response.status_code == 302 and response["Location"].startswith(url("accounts:login"))


def test_members_see_private_datasets_but_not_drafts_and_cannot_edit(client, hidden):
    client.force_login(hidden["member"])
    search = client.get(url("web:search")).content.decode()
    assert "Hidden private" in search and "Hidden draft" not in search
    assert client.get(hidden["private"].get_absolute_url()).status_code == 200
    assert client.get(hidden["draft"].get_absolute_url()).status_code == 404
    html = client.get(hidden["public"].get_absolute_url()).content.decode()
    assert url("web:dataset_edit", "public") not in html
    assert client.get(url("web:dataset_edit", "public")).status_code == 403
    assert client.post(url("web:dataset_delete", "public")).status_code == 403
    assert client.get(url("web:dataset_new")).status_code == 403
    assert "Not allowed" in client.get(url("web:dataset_new")).content.decode()


def test_editors_see_drafts_and_edit_buttons_others_do_not(client, hidden):
    public_page = hidden["public"].get_absolute_url()
    edit = url("web:dataset_edit", "public")
    assert edit not in client.get(public_page).content.decode()
    client.force_login(make_user("someone"))
    assert edit not in client.get(public_page).content.decode()
    assert client.get(edit).status_code == 403
    client.force_login(hidden["editor"])
    html = client.get(public_page).content.decode()
    assert edit in html and url("web:resource_new", "public") in html and url("web:dataset_delete", "public") in html
    draft_page = client.get(hidden["draft"].get_absolute_url()).content.decode()
    assert "Hidden draft" in draft_page and url("web:dataset_publish", "brouillon") in draft_page
    for dataset in (hidden["draft"], hidden["private"]):
        for page in _detail_pages(dataset) + _edit_pages(dataset):
            assert client.get(page).status_code == 200, page
    dashboard = client.get(url("web:dashboard")).content.decode()
    assert "Hidden draft" in dashboard and url("web:dataset_new") in dashboard
    organisation_page = client.get(url("web:organisation", "secret-org")).content.decode()
    assert url("web:dataset_new") + "?organisation=secret-org" in organisation_page
    # A sysadmin may edit everything.
    client.force_login(make_sysadmin("boss"))
    assert client.get(url("web:dataset_edit", "brouillon")).status_code == 200


def test_private_downloads_are_not_cached(client, hidden):
    client.force_login(hidden["member"])
    response = client.get(hidden["private"].resources.get().download_path())
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]


def test_resource_of_another_dataset_is_not_found(client, hidden):
    other = make_dataset(name="autre", resources=[("x.csv", b"a\n")])
    resource = other.resources.get()
    assert client.get(url("web:resource", "public", resource.pk)).status_code == 404
    assert client.get(url("web:resource_download", "public", resource.pk, "x.csv")).status_code == 404
