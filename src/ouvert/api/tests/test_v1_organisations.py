"""The native API's organisation writes: create, change, logo, members."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from ouvert.accounts import services
from ouvert.accounts.models import Organisation
from tests.support.api import V1Client
from tests.support.factories import make_organisation, make_user

from .conftest import token_for

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _own_file_storage(settings, tmp_path):
    settings.STORAGES = {**settings.STORAGES, "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(tmp_path)}}}


def png() -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (30, 30), (0, 90, 160)).save(buffer, "PNG")
    return SimpleUploadedFile("logo.png", buffer.getvalue(), content_type="image/png")


@pytest.fixture
def people():
    people = {"stranger": make_user("stranger"), "member": make_user("member"), "editor": make_user("editor"),
              "admin": make_user("admin"), "sysadmin": make_user("sysadmin", sysadmin=True)}
    make_organisation("ville", admin=people["admin"], editors=[people["editor"]], members=[people["member"]])
    return {who: V1Client(token=token_for(user)) for who, user in people.items()}


NEW = {"name": "nouvelle", "title": {"fr": "Nouvelle", "en": "New"}, "description": {"en": "A *town*."},
       "website": "https://nouvelle.example", "email": "info@nouvelle.example"}


def test_only_sysadmins_create(people):
    for who in ("stranger", "member", "editor", "admin"):
        assert people[who].post("/organisations", NEW).status == 403
    assert V1Client().post("/organisations", NEW).status == 401
    created = people["sysadmin"].post("/organisations", NEW)
    assert created.status == 201, created.body
    assert created.body["title"] == {"fr": "Nouvelle", "en": "New"} and created.body["logo_url"] == ""
    assert created.headers["Location"] == "/api/v1/organisations/nouvelle"
    taken = people["sysadmin"].post("/organisations", {**NEW, "title": {"fr": "Encore"}})
    assert taken.status == 400 and "name" in taken.error["fields"]
    bad = people["sysadmin"].post("/organisations", {**NEW, "name": "Pas Valide!"})
    assert bad.status == 400 and "name" in bad.error["fields"]


def test_admins_change_and_others_may_not(people):
    for who in ("stranger", "member", "editor"):
        assert people[who].patch("/organisations/ville", {"email": "x@ville.example"}).status == 403
    changed = people["admin"].patch("/organisations/ville", {"description": {"fr": "Une ville"},
                                                              "image_url": "https://example.org/l.png"})
    assert changed.status == 200 and changed.body["description"]["fr"] == "Une ville"
    assert changed.body["logo_url"] == "https://example.org/l.png"
    assert changed.body["title"]["en"] == "Organisation ville"  # kept
    bad = people["admin"].patch("/organisations/ville", {"email": "not an address"})
    assert bad.status == 400 and "email" in bad.error["fields"]
    assert people["admin"].patch("/organisations/nowhere", {"email": "x@y.example"}).status == 404


def test_logo_upload_replace_and_removal(people, client):
    assert people["editor"].put("/organisations/ville/logo", data={"logo": png()}).status == 403
    uploaded = people["admin"].put("/organisations/ville/logo", data={"logo": png()})
    assert uploaded.status == 200, uploaded.body
    logo_url = uploaded.body["logo_url"]
    assert "/organisations/ville/logo?v=" in logo_url
    served = client.get("/" + logo_url.split("/", 3)[3])  # the address without the site
    assert served.status_code == 200 and served["Content-Type"] == "image/png"
    listed = {o["name"]: o for o in V1Client().get("/organisations").body["results"]}
    assert listed["ville"]["logo_url"] == logo_url

    svg = SimpleUploadedFile("logo.svg", b"<svg xmlns='http://www.w3.org/2000/svg'><script>1</script></svg>",
                             content_type="image/svg+xml")
    refused = people["admin"].put("/organisations/ville/logo", data={"logo": svg})
    assert refused.status == 400 and "logo" in refused.error["fields"]
    assert Organisation.objects.get(name="ville").logo_url in logo_url

    removed = people["admin"].delete("/organisations/ville/logo")
    assert removed.status == 200 and removed.body["logo_url"] == ""


def test_members_list_add_and_remove(people):
    assert people["stranger"].get("/organisations/ville/members").status == 403
    listed = people["member"].get("/organisations/ville/members")
    assert listed.status == 200 and [m["role"] for m in listed.body["results"]] == ["admin", "editor", "member"]
    newcomer = make_user("newcomer")
    assert people["editor"].post("/organisations/ville/members", {"username": "newcomer", "role": "editor"}).status == 403
    added = people["admin"].post("/organisations/ville/members", {"username": "newcomer", "role": "editor"})
    assert added.status == 200 and added.body["role"] == "editor"
    assert services.role_of(Organisation.objects.get(name="ville"), newcomer) == "editor"
    assert people["admin"].post("/organisations/ville/members", {"username": "ghost", "role": "editor"}).status == 404
    assert people["member"].delete("/organisations/ville/members/newcomer").status == 403
    assert people["admin"].delete("/organisations/ville/members/newcomer").status == 204
    last_admin = people["admin"].delete("/organisations/ville/members/admin")
    assert last_admin.status == 400 and "role" in last_admin.error["fields"]


def test_ckan_organisation_dicts_show_the_uploaded_logo(people, api):
    from django.conf import settings

    ville = Organisation.objects.get(name="ville")
    assert api("organization_show", {"id": "ville"}).result["image_display_url"] == ""
    services.update_organisation(ville, actor=ville.memberships.get(role="admin").user, data={}, logo=png())
    shown = api("organization_show", {"id": "ville"}).result
    assert shown["image_display_url"] == settings.SITE_URL + ville.logo_url and shown["image_url"] == ""


def test_who_may_not_manage_members_cannot_learn_whether_a_user_name_exists(people):
    """The permission is checked before the user is looked up: 403 for a name that exists and
    for one that does not."""
    for who in ("stranger", "member", "editor"):
        for username in ("admin", "ghost"):
            assert people[who].post("/organisations/ville/members", {"username": username, "role": "admin"}).status == 403
            assert people[who].delete(f"/organisations/ville/members/{username}").status == 403
    assert people["admin"].delete("/organisations/ville/members/ghost").status == 404
