"""The permission engine itself: registration, the sysadmin's pass, unknown actions and kinds.

Each domain's rules are tested with its own tests and, all together, by the permission matrix
(``tests/test_permission_matrix.py``)."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from ouvert.accounts import permissions
from ouvert.accounts.models import User
from ouvert.core.errors import PermissionDenied
from tests.support.factories import make_sysadmin, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def registry(monkeypatch):
    """A registry of the rules registered so far, which a test may add to without leaving a trace."""
    monkeypatch.setattr(permissions, "RULES", dict(permissions.RULES))
    monkeypatch.setattr(permissions, "VIEWS", dict(permissions.VIEWS))


def test_unknown_actions_and_kinds_raise_rather_than_answer_no():
    with pytest.raises(KeyError):
        permissions.can(None, "dataset.fly")
    with pytest.raises(KeyError):
        permissions.can(make_sysadmin(), "dataset.fly")
    with pytest.raises(KeyError):
        permissions.visible(None, "spaceship")


def test_an_action_is_registered_once(registry):
    permissions.register("test.poke", permissions.authenticated)
    permissions.register("test.poke", permissions.authenticated)  # the same rule again: harmless
    with pytest.raises(ImproperlyConfigured):
        permissions.register("test.poke", permissions.verified)


def test_a_view_rule_gives_both_faces_and_sysadmins_see_everything(registry):
    permissions.register_view("person", model=User, predicate=permissions.is_self,
                              queryset=lambda actor, qs: qs.filter(pk=getattr(actor, "pk", None)))
    alice, bob, root = make_user("alice"), make_user("bob"), make_sysadmin()
    assert permissions.can(alice, "person.view", alice) and not permissions.can(alice, "person.view", bob)
    assert list(permissions.visible(alice, "person")) == [alice]
    assert list(permissions.visible(None, "person")) == []
    assert permissions.visible(root, "person").count() == User.objects.count()
    assert list(permissions.visible(alice, "person", User.objects.filter(username="bob"))) == []
    with pytest.raises(PermissionDenied):
        permissions.require(bob, "person.view", alice)


def test_roles_are_read_once_and_forgotten_when_asked(django_assert_num_queries):
    from tests.support.factories import make_organisation

    editor = make_user()
    organisation = make_organisation(editors=[editor])
    editor = User.objects.get(pk=editor.pk)
    with django_assert_num_queries(1):
        assert permissions.role_in(editor, organisation) == "editor"
        assert permissions.is_editor(editor, organisation.pk) and permissions.is_member(editor, organisation)
        assert not permissions.is_admin(editor, organisation)
        assert permissions.organisations_where(editor, ("admin",)) == []
    permissions.forget_roles(editor)
    with django_assert_num_queries(1):
        assert permissions.roles_of(editor) == {organisation.pk: "editor"}
