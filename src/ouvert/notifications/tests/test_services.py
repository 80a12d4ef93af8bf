"""Follows of any registered kind: follow, unfollow, who follows, and nothing hidden is followed."""

from __future__ import annotations

import pytest
from django.db import transaction

from ouvert.catalog import services as catalog_services
from ouvert.core.errors import NotFound, PermissionDenied
from ouvert.notifications import followables, services, signals
from ouvert.notifications.models import Follow
from ouvert.participation.tests.factories import make_challenge, make_idea
from tests.support.factories import make_dataset, make_organisation, make_user

pytestmark = pytest.mark.django_db


def test_every_domain_registers_its_kinds():
    assert {"dataset", "organisation", "challenge", "idea"} <= set(followables.kinds())


@pytest.mark.parametrize("kind", ["dataset", "organisation", "challenge", "idea"])
def test_follow_unfollow_and_followers_for_each_kind(kind):
    organisation = make_organisation()
    objects = {"organisation": lambda: organisation, "dataset": lambda: make_dataset(organisation),
               "challenge": lambda: make_challenge(organisation),
               "idea": lambda: make_idea(make_challenge(organisation))}
    obj = objects[kind]()
    user, other = make_user(), make_user()
    assert not services.is_following(obj, actor=user)
    first = services.follow(obj, actor=user)
    assert services.follow(obj, actor=user) == first  # twice is once
    services.follow(obj, actor=other)
    assert services.is_following(obj, actor=user)
    assert set(services.followers_of(obj)) >= {user, other}
    services.unfollow(obj, actor=user)
    services.unfollow(obj, actor=user)  # a no-op the second time
    assert not services.is_following(obj, actor=user)
    assert user not in set(services.followers_of(obj)) and other in set(services.followers_of(obj))
    assert not services.is_following(obj, actor=None)


def test_what_one_may_not_see_cannot_be_followed():
    member, stranger = make_user(), make_user()
    organisation = make_organisation(members=[member])
    private = make_dataset(organisation, private=True)
    draft = make_challenge(organisation, publish=False)
    for obj in (private, draft):
        with pytest.raises(NotFound):
            services.follow(obj, actor=stranger)
        assert not Follow.objects.filter(user=stranger).exists()
        services.follow(obj, actor=member)
    with pytest.raises(NotFound):
        services.get_target("dataset", private.name, actor=stranger)
    with pytest.raises(NotFound):
        services.get_target("nothing", "x", actor=member)
    assert services.get_target("dataset", private.name, actor=member) == private


def test_a_held_idea_is_followed_by_its_author_only():
    organisation = make_organisation()
    challenge = make_challenge(organisation)
    author, stranger = make_user(), make_user()
    idea = make_idea(challenge, author=author, body="Écrivez-moi à bob.martin@exemple.ca pour en discuter.")
    assert not idea.is_visible and services.is_following(idea, actor=author)
    with pytest.raises(NotFound):
        services.follow(idea, actor=stranger)


def test_anonymous_visitors_cannot_follow():
    dataset = make_dataset()
    with pytest.raises(PermissionDenied):
        services.follow(dataset, actor=None)


def test_what_is_not_registered_cannot_be_followed():
    with pytest.raises(TypeError):
        services.follow(make_user(), actor=make_user())


def test_a_deleted_object_takes_its_follows_along():
    organisation = make_organisation()
    challenge = make_challenge(organisation)
    services.follow(challenge, actor=make_user())
    challenge.delete()
    assert not Follow.objects.exists()


def test_a_soft_deleted_dataset_is_no_longer_followable():
    admin = make_user()
    dataset = make_dataset(make_organisation(admin=admin))
    dataset = catalog_services.delete_dataset(dataset, actor=admin)
    with pytest.raises(NotFound):
        services.follow(dataset, actor=admin)


def test_signals_are_sent_once_committed(django_capture_on_commit_callbacks):
    dataset, user = make_dataset(), make_user()
    seen = []
    signals.followed.connect(lambda **kw: seen.append(("followed", kw["actor"])), weak=False, dispatch_uid="t1")
    signals.unfollowed.connect(lambda **kw: seen.append(("unfollowed", kw["actor"])), weak=False, dispatch_uid="t2")
    try:
        with django_capture_on_commit_callbacks(execute=True):
            with transaction.atomic():
                services.follow(dataset, actor=user)
                assert seen == []
        with django_capture_on_commit_callbacks(execute=True):
            services.follow(dataset, actor=user)  # already following: nothing new
            services.unfollow(dataset, actor=user)
        assert seen == [("followed", user), ("unfollowed", user)]
    finally:
        signals.followed.disconnect(dispatch_uid="t1")
        signals.unfollowed.disconnect(dispatch_uid="t2")
