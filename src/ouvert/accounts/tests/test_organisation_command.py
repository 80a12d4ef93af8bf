"""``ouvert organisation``: organisations and their members from the command line."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from ouvert.accounts import services
from ouvert.accounts.models import Organisation
from ouvert.core.models import Activity
from tests.support.factories import make_organisation, make_user

pytestmark = pytest.mark.django_db


def run(*args):
    out = StringIO()
    call_command("organisation", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def test_create_and_update_record_who_did_it():
    root = make_user("root", sysadmin=True)
    out = run("create", "ville", "--title-fr", "Ville de Québec", "--title-en", "Québec City",
              "--email", "info@example.org", "--website", "https://example.org")
    assert "ville" in out
    ville = Organisation.objects.get(name="ville")
    assert (ville.title_fr, ville.title_en, ville.email, ville.website) == (
        "Ville de Québec", "Québec City", "info@example.org", "https://example.org")
    run("update", "ville", "--description-en", "The city.", "--name", "quebec")
    ville.refresh_from_db()
    assert (ville.name, ville.description_en, ville.title_fr) == ("quebec", "The city.", "Ville de Québec")
    keys = list(Activity.objects.filter(organisation=ville).order_by("id").values_list("key", "actor"))
    assert keys == [("catalog.organisation.created", root.pk), ("catalog.organisation.updated", root.pk)]


def test_as_names_the_actor_whose_permissions_apply():
    make_user("root", sysadmin=True)
    make_user("alice")
    with pytest.raises(CommandError):
        run("--as", "alice", "create", "ville", "--title-fr", "Ville")
    assert not Organisation.objects.filter(name="ville").exists()


def test_bad_input_says_which_option_is_wrong_and_changes_nothing():
    make_user("root", sysadmin=True)
    make_organisation("ville")
    with pytest.raises(CommandError, match="email"):
        run("create", "autre", "--title-fr", "Autre", "--email", "not an address")
    with pytest.raises(CommandError, match="name"):
        run("create", "Ville Invalide!", "--title-fr", "X")
    with pytest.raises(CommandError, match="name"):
        run("create", "ville", "--title-fr", "Doublon")
    with pytest.raises(CommandError):
        run("update", "ville")
    with pytest.raises(CommandError):
        run("update", "nowhere", "--title-fr", "X")
    assert list(Organisation.objects.values_list("name", flat=True)) == ["ville"]


def test_list_and_members():
    make_user("root", sysadmin=True)
    alice = make_user("alice")
    ville = make_organisation("ville", title_fr="Ville", title_en="City", admin=make_user("bob"))
    make_organisation("region", title_fr="Région")
    run("add-member", "ville", "alice")
    assert services.role_of(ville, alice) == "member"
    out = run("add-member", "ville", "alice@example.org", "admin")
    assert services.role_of(ville, alice) == "admin" and "admin" in out
    assert run("list").splitlines() == ["region\tRégion\tOrganisation region\t0", "ville\tVille\tCity\t2"]
    run("remove-member", "ville", "alice")
    assert services.role_of(ville, alice) is None
    with pytest.raises(CommandError):
        run("remove-member", "ville", "alice")
    with pytest.raises(CommandError, match="role"):  # the last administrator stays
        run("remove-member", "ville", "bob")
    with pytest.raises(CommandError):
        run("add-member", "ville", "alice", "owner")


def test_without_a_sysadmin_the_command_asks_for_one():
    with pytest.raises(CommandError, match="createsuperuser"):
        run("create", "ville", "--title-fr", "Ville")
