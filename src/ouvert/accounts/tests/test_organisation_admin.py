"""Creating and editing organisations: the services (permissions, logo, files) and the screens."""

import io

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape
from PIL import Image

from ouvert.accounts import services
from ouvert.accounts.models import Organisation
from ouvert.core.errors import PermissionDenied, ValidationFailed
from ouvert.core.models import Activity
from tests.support.factories import make_organisation, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _own_file_storage(settings, tmp_path):
    """Files of this module's tests only, so that leftovers are theirs."""
    settings.STORAGES = {**settings.STORAGES, "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(tmp_path)}}}


def image(fmt: str = "PNG", size=(40, 20), name: str | None = None) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, fmt)
    return SimpleUploadedFile(name or f"logo.{fmt.lower()}", buffer.getvalue(), content_type="image/png")


def stored_logos(organisation) -> list[str]:
    folder = f"organisations/{organisation.pk}"
    return default_storage.listdir(folder)[1] if default_storage.exists(folder) else []


def no_orphan_logos() -> bool:
    """Every folder of logos belongs to an organisation that exists, and holds only its logo."""
    if not default_storage.exists("organisations"):
        return True
    for folder in default_storage.listdir("organisations")[0]:
        organisation = Organisation.objects.filter(pk=folder).first()
        names = default_storage.listdir(f"organisations/{folder}")[1]
        if organisation is None and names:
            return False
        if organisation is not None and names and [f"organisations/{folder}/{n}" for n in names] != [organisation.logo.name]:
            return False
    return True


def url(name, *args, lang="fr"):
    with translation.override(lang):
        return reverse(name, args=args)


@pytest.fixture
def people():
    people = {"stranger": make_user("stranger"), "member": make_user("member"), "editor": make_user("editor"),
              "admin": make_user("admin"), "sysadmin": make_user("sysadmin", sysadmin=True)}
    org = make_organisation("ville", admin=people["admin"], editors=[people["editor"]], members=[people["member"]])
    return people, org


# --- services -----------------------------------------------------------------------------

@pytest.mark.parametrize("who, allowed", [("stranger", False), ("member", False), ("editor", False),
                                          ("admin", False), ("sysadmin", True)])
def test_only_sysadmins_create_organisations(people, who, allowed):
    users, _ = people
    data = {"name": "nouvelle", "title_fr": "Nouvelle"}
    if not allowed:
        with pytest.raises(PermissionDenied):
            services.create_organisation(actor=users[who], data=data, logo=image())
        assert not Organisation.objects.filter(name="nouvelle").exists()
        return
    organisation = services.create_organisation(actor=users[who], data=data, logo=image())
    assert organisation.logo.name.endswith(".png") and stored_logos(organisation)
    assert Activity.objects.filter(key="catalog.organisation.created", object_id=str(organisation.pk)).exists()


@pytest.mark.parametrize("who, allowed", [("stranger", False), ("member", False), ("editor", False),
                                          ("admin", True), ("sysadmin", True)])
def test_organisation_admins_and_sysadmins_edit(people, who, allowed):
    users, org = people
    data = {"description_en": "Changed", "email": "contact@ville.example"}
    if not allowed:
        with pytest.raises(PermissionDenied):
            services.update_organisation(org, actor=users[who], data=data, logo=image())
        org.refresh_from_db()
        assert org.description_en == "" and not org.logo and stored_logos(org) == []
        return
    services.update_organisation(org, actor=users[who], data=data, logo=image("WEBP"))
    org.refresh_from_db()
    assert org.description_en == "Changed" and org.logo.name.endswith(".webp")
    entry = Activity.objects.filter(key="catalog.organisation.updated", object_id=str(org.pk)).latest("pk")
    assert set(entry.changes) == {"description_en", "email", "logo"}


@pytest.mark.parametrize("who, allowed", [("stranger", False), ("member", False), ("editor", False),
                                          ("admin", True), ("sysadmin", True)])
def test_organisation_admins_and_sysadmins_manage_members(people, who, allowed):
    users, org = people
    newcomer = make_user("newcomer")
    if not allowed:
        with pytest.raises(PermissionDenied):
            services.set_membership(org, newcomer, "editor", actor=users[who])
        with pytest.raises(PermissionDenied):
            services.remove_membership(org, users["member"], actor=users[who])
        return
    services.set_membership(org, newcomer, "editor", actor=users[who])
    services.remove_membership(org, users["member"], actor=users[who])
    assert services.role_of(org, newcomer) == "editor" and services.role_of(org, users["member"]) is None


@pytest.mark.parametrize("upload, message", [
    (SimpleUploadedFile("logo.png", b"<svg xmlns='http://www.w3.org/2000/svg'/>"), "not a PNG, JPEG or WebP"),
    (SimpleUploadedFile("logo.png", b"GIF89a not really"), "not a PNG, JPEG or WebP"),
    (image("GIF", name="logo.gif"), "not a PNG, JPEG or WebP"),
    (SimpleUploadedFile("logo.png", b""), "empty"),
    (SimpleUploadedFile("big.png", image().read() + b"\0" * Organisation.LOGO_MAX_BYTES), "the limit is"),
    (image(size=(Organisation.LOGO_MAX_SIDE + 1, 2)), "too large"),
])
def test_logos_are_checked_by_their_content(people, upload, message):
    users, org = people
    with pytest.raises(ValidationFailed) as caught, translation.override("en"):
        services.update_organisation(org, actor=users["admin"], data={"title_en": "Kept?"}, logo=upload)
    assert message in " ".join(caught.value.fields["logo"])
    org.refresh_from_db()
    assert org.title_en == "Organisation ville" and not org.logo and stored_logos(org) == []


def test_field_and_logo_errors_are_told_together(people):
    users, _ = people
    with pytest.raises(ValidationFailed) as caught:
        services.create_organisation(actor=users["sysadmin"], data={"name": "Bad Name!"},
                                     logo=SimpleUploadedFile("x.png", b"nope"))
    assert {"name", "logo"} <= set(caught.value.fields)


def test_replaced_logo_is_removed_after_commit_and_removal_works(people, django_capture_on_commit_callbacks):
    users, org = people
    with django_capture_on_commit_callbacks(execute=True):
        services.update_organisation(org, actor=users["admin"], data={}, logo=image())
    first = org.logo.name
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.update_organisation(org, actor=users["admin"], data={}, logo=image("JPEG"))
    assert default_storage.exists(first)  # still there until the change is committed
    for callback in callbacks:
        callback()
    assert not default_storage.exists(first) and default_storage.exists(org.logo.name)
    second = org.logo.name
    with django_capture_on_commit_callbacks(execute=True):
        services.update_organisation(org, actor=users["admin"], data={}, remove_logo=True)
    org.refresh_from_db()
    assert not org.logo and not default_storage.exists(second)


def test_failed_save_leaves_no_file(people, monkeypatch):
    users, org = people

    def fail(*args, **kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(services, "record_activity", fail)
    with pytest.raises(RuntimeError):
        services.update_organisation(org, actor=users["admin"], data={}, logo=image())
    assert stored_logos(org) == []
    org.refresh_from_db()
    assert not org.logo
    with pytest.raises(RuntimeError):
        services.create_organisation(actor=users["sysadmin"], data={"name": "ghost", "title_en": "Ghost"},
                                     logo=image())
    assert not Organisation.objects.filter(name="ghost").exists()
    assert no_orphan_logos()


def test_logo_is_served_at_a_stable_address_and_image_url_still_works(client, people):
    users, org = people
    assert org.logo_url == ""
    services.update_organisation(org, actor=users["admin"], data={"image_url": "https://example.org/logo.png"})
    assert org.logo_url == "https://example.org/logo.png"
    services.update_organisation(org, actor=users["admin"], data={}, logo=image("JPEG"))
    assert org.logo_url.startswith("/organisations/ville/logo?v=")
    response = client.get(org.logo_url)
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content)[:3] == b"\xff\xd8\xff"
    assert client.get("/organisations/nowhere/logo").status_code == 404
    assert client.get("/organisations/" + make_organisation("plain").name + "/logo").status_code == 404


# --- screens ------------------------------------------------------------------------------

FORM = {"name": "nouvelle", "title_fr": "Nouvelle", "title_en": "New one", "description_fr": "Une **ville**.",
        "description_en": "A **town**.", "website": "https://nouvelle.example", "email": "info@nouvelle.example",
        "image_url": ""}


@pytest.mark.parametrize("lang, heading", [("fr", "Nouvelle organisation"), ("en", "New organisation")])
def test_sysadmin_creates_an_organisation_with_a_logo(client, people, lang, heading):
    users, _ = people
    client.force_login(users["sysadmin"])
    listing = client.get(url("web:organisations", lang=lang)).content.decode()
    assert url("accounts:organisation_new", lang=lang) in listing
    page = client.get(url("accounts:organisation_new", lang=lang)).content.decode()
    assert heading in page and 'for="id_logo"' in page and 'aria-describedby="id_logo_helptext"' in page
    response = client.post(url("accounts:organisation_new", lang=lang), {**FORM, "logo": image()})
    assert response.status_code == 302 and response["Location"] == url("accounts:members", "nouvelle", lang=lang)
    organisation = Organisation.objects.get(name="nouvelle")
    assert organisation.title_en == "New one" and organisation.logo
    detail = client.get(url("web:organisation", "nouvelle", lang=lang)).content.decode()
    assert escape(organisation.logo_url) in detail
    assert url("accounts:organisation_edit", "nouvelle", lang=lang) in detail
    assert escape(organisation.logo_url) in client.get(url("web:organisations", lang=lang)).content.decode()


@pytest.mark.parametrize("lang", ["fr", "en"])
@pytest.mark.parametrize("change, field, message", [
    ({"name": "ville"}, "name", {"fr": "Ce nom est déjà pris.", "en": "This name is already taken."}),
    ({"name": "Pas Valide!"}, "name", None),
    ({"logo": "text"}, "logo", {"fr": "Le fichier n’est pas une image PNG, JPEG ou WebP.",
                                "en": "The file is not a PNG, JPEG or WebP image."}),
    ({"logo": "big"}, "logo", None),
])
def test_bad_input_is_shown_on_the_field_and_nothing_is_saved(client, people, lang, change, field, message):
    users, _ = people
    client.force_login(users["sysadmin"])
    data = {**FORM, **change}
    if data.get("logo") == "text":
        data["logo"] = SimpleUploadedFile("logo.png", b"just text", content_type="image/png")
    elif data.get("logo") == "big":
        data["logo"] = SimpleUploadedFile("logo.png", image().read() + b"\0" * Organisation.LOGO_MAX_BYTES)
    before = Organisation.objects.count()
    response = client.post(url("accounts:organisation_new", lang=lang), data)
    html = response.content.decode()
    assert response.status_code == 200 and Organisation.objects.count() == before
    assert f'id="id_{field}_errors"' in html and f'href="#id_{field}"' in html
    assert f'aria-describedby="id_{field}_helptext id_{field}_errors"' in html
    if message:
        assert escape(message[lang]) in html
    assert no_orphan_logos()


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_admin_edits_the_organisation(client, people, lang):
    users, org = people
    client.force_login(users["admin"])
    detail = client.get(url("web:organisation", "ville", lang=lang)).content.decode()
    edit_url = url("accounts:organisation_edit", "ville", lang=lang)
    assert edit_url in detail
    page = client.get(edit_url).content.decode()
    assert url("accounts:members", "ville", lang=lang) in page and 'value="Organisation ville"' in page
    response = client.post(edit_url, {**FORM, "name": "ville", "title_en": "Town", "logo": image("WEBP")})
    assert response.status_code == 302 and response["Location"] == url("web:organisation", "ville", lang=lang)
    org.refresh_from_db()
    assert org.title_en == "Town" and org.logo.name.endswith(".webp")
    page = client.get(edit_url).content.decode()
    assert 'name="remove_logo"' in page and escape(org.logo_url) in page
    client.post(edit_url, {**FORM, "name": "ville", "remove_logo": "on"})
    org.refresh_from_db()
    assert not org.logo


def test_edit_screen_refuses_those_who_may_not(client, people):
    users, _ = people
    edit_url = url("accounts:organisation_edit", "ville")
    assert client.get(edit_url).status_code == 302  # to the sign-in page
    for who in ("stranger", "member", "editor"):
        client.force_login(users[who])
        assert client.get(edit_url).status_code == 403
        assert client.post(edit_url, {**FORM, "name": "ville"}).status_code == 403
        assert url("accounts:organisation_edit", "ville") not in client.get(url("web:organisation", "ville")).content.decode()
        assert client.get(url("accounts:organisation_new")).status_code == 403
        assert url("accounts:organisation_new") not in client.get(url("web:organisations")).content.decode()
    assert client.get(url("accounts:organisation_edit", "nowhere")).status_code == 404
