"""Follows in the native API: follow, read, stop, and nothing hidden exists."""

from __future__ import annotations

import pytest

from ouvert.accounts.models import Membership
from ouvert.accounts.services import create_token
from ouvert.notifications import services
from ouvert.participation.tests.factories import make_challenge, make_idea
from tests.support.api import V1Client
from tests.support.factories import make_dataset, make_organisation, make_user

pytestmark = pytest.mark.django_db


def as_user(user) -> V1Client:
    return V1Client(token=create_token(user, actor=user, name="tests")[1])


@pytest.fixture
def world():
    class World:
        pass

    w = World()
    w.member = make_user("marc")
    w.org = make_organisation("ville", members=[w.member])
    w.dataset = make_dataset(w.org, "arbres")
    w.private = make_dataset(w.org, "secret", private=True)
    w.challenge = make_challenge(w.org, name="canopee")
    w.draft = make_challenge(w.org, name="brouillon", publish=False)
    w.idea = make_idea(w.challenge)
    w.citizen = make_user("citoyen")
    return w


def test_follow_read_and_stop_for_every_kind(world):
    api = as_user(world.citizen)
    for kind, key, obj in (("dataset", "arbres", world.dataset), ("organisation", "ville", world.org),
                           ("challenge", "canopee", world.challenge), ("idea", str(world.idea.pk), world.idea)):
        path = f"/follows/{kind}/{key}"
        assert api.get(path).body == {"kind": kind, "key": key, "following": False}
        answer = api("PUT", path)
        assert (answer.status, answer.body["following"]) == (200, True), answer.body
        assert api("PUT", path).status == 200  # twice is once
        assert services.is_following(obj, actor=world.citizen)
        assert api.get(path).body["following"] is True
        answer = api("DELETE", path)
        assert (answer.status, answer.body["following"]) == (200, False)
        assert not services.is_following(obj, actor=world.citizen)


def test_a_token_is_needed_to_follow(world, client):
    v1 = V1Client()
    assert v1.get("/follows/dataset/arbres").body["following"] is False
    assert v1("PUT", "/follows/dataset/arbres").status == 401
    assert v1("DELETE", "/follows/dataset/arbres").status == 401


def test_what_the_caller_may_not_see_does_not_exist(world):
    api = as_user(world.citizen)
    for path in ("/follows/dataset/secret", "/follows/challenge/brouillon", "/follows/dataset/nothing",
                 "/follows/unknown/arbres"):
        assert api.get(path).status == 404, path
        assert api("PUT", path).status == 404, path
    assert not services.is_following(world.private, actor=world.citizen)
    member = as_user(world.member)
    assert member("PUT", "/follows/dataset/secret").body["following"] is True
    assert member("PUT", "/follows/challenge/brouillon").body["following"] is True


def test_the_operations_are_documented(world):
    document = V1Client().get("/openapi.json").body
    operations = document["paths"]["/api/v1/follows/{kind}/{key}"]
    assert set(operations) >= {"get", "put", "delete"}


def test_what_the_caller_may_no_longer_see_can_still_be_unfollowed(world):
    """Someone who left the organisation can stop following its private dataset; without a
    follow, a hidden object answers as an unknown one (404)."""
    member = as_user(world.member)
    assert member("PUT", "/follows/dataset/secret").body["following"] is True
    assert member("PUT", "/follows/challenge/brouillon").body["following"] is True
    Membership.objects.filter(user=world.member, organisation=world.org).delete()
    assert member.get("/follows/dataset/secret").status == 404
    for kind, key, obj in (("dataset", "secret", world.private), ("challenge", "brouillon", world.draft)):
        answer = member("DELETE", f"/follows/{kind}/{key}")
        assert (answer.status, answer.body) == (200, {"kind": kind, "key": key, "following": False})
        assert not services.is_following(obj, actor=world.member)
    citizen = as_user(world.citizen)
    hidden, unknown = citizen("DELETE", "/follows/dataset/secret"), citizen("DELETE", "/follows/dataset/nothing")
    assert hidden.status == unknown.status == 404 and hidden.body == unknown.body
    assert citizen("DELETE", "/follows/unknown/secret").status == 404
