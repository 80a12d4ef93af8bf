"""The follow button on the catalog's pages, and the participation pages' buttons, in both languages."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import translation

from ouvert.accounts.models import Membership
from ouvert.notifications import services
from ouvert.participation.tests.factories import make_challenge, make_idea
from tests.support.factories import make_dataset, make_organisation, make_user

pytestmark = pytest.mark.django_db


def follow_url(kind, key, language="fr"):
    with translation.override(language):
        return reverse("notifications:follow", args=[kind, key])


@pytest.fixture
def signed_in(client):
    user = make_user("lecteur")
    client.force_login(user)
    return user


@pytest.mark.parametrize("language, follow_label, stop_label, followed", [
    ("fr", "Suivre", "Ne plus suivre", "Vous suivez"),
    ("en", "Follow", "Stop following", "You follow"),
])
def test_dataset_and_organisation_pages_offer_the_button(client, signed_in, language, follow_label, stop_label,
                                                         followed):
    organisation = make_organisation("ville")
    dataset = make_dataset(organisation, "arbres")
    for kind, obj, page in (("dataset", dataset, dataset.get_absolute_url()),
                            ("organisation", organisation, organisation.get_absolute_url())):
        with translation.override(language):
            page = reverse("web:dataset", args=[dataset.name]) if kind == "dataset" else reverse(
                "web:organisation", args=[organisation.name])
        html = client.get(page).content.decode()
        action = follow_url(kind, obj.name, language)
        assert f'action="{action}"' in html and f">{follow_label}<" in html and "csrfmiddlewaretoken" in html
        response = client.post(action, {"follow": "1", "next": page}, follow=True)
        assert response.redirect_chain[-1][0] == page
        assert services.is_following(obj, actor=signed_in)
        assert followed in response.content.decode()
        assert f">{stop_label}<" in response.content.decode()
        client.post(action, {"follow": "0", "next": page})
        assert not services.is_following(obj, actor=signed_in)


def test_no_button_for_anonymous_visitors_and_no_following_without_signing_in(client):
    dataset = make_dataset(make_organisation(), "arbres")
    assert "notifications" not in client.get(dataset.get_absolute_url()).content.decode()
    assert 'action="/fr/follows/' not in client.get(dataset.get_absolute_url()).content.decode()
    response = client.post(follow_url("dataset", "arbres"), {"follow": "1"})
    assert response.status_code == 302 and "/accounts/" in response["Location"]
    assert client.get(follow_url("dataset", "arbres")).status_code == 405


def test_what_one_may_not_see_cannot_be_followed(client, signed_in):
    private = make_dataset(make_organisation(), "secret", private=True)
    assert client.post(follow_url("dataset", "secret"), {"follow": "1"}).status_code == 404
    assert client.post(follow_url("unknown", "secret"), {"follow": "1"}).status_code == 404
    assert not services.is_following(private, actor=signed_in)


def test_an_outside_next_address_is_not_followed(client, signed_in):
    dataset = make_dataset(make_organisation(), "arbres")
    response = client.post(follow_url("dataset", "arbres"), {"follow": "1", "next": "https://evil.example/"})
    assert response["Location"] == dataset.get_absolute_url()


def test_challenge_and_idea_buttons_still_follow(client, signed_in):
    challenge = make_challenge(make_organisation(), name="canopee")
    idea = make_idea(challenge)
    client.post(reverse("participation:challenge_follow", args=["canopee"]), {"follow": "1"})
    client.post(reverse("participation:idea_follow", args=["canopee", idea.pk]), {"follow": "1"})
    assert services.is_following(challenge, actor=signed_in) and services.is_following(idea, actor=signed_in)
    html = client.get(reverse("participation:challenge", args=["canopee"])).content.decode()
    assert "Ne plus suivre" in html
    client.post(reverse("participation:challenge_follow", args=["canopee"]), {"follow": "0"})
    assert not services.is_following(challenge, actor=signed_in)
    # The generic address serves them too.
    client.post(follow_url("idea", str(idea.pk)), {"follow": "0"})
    assert not services.is_following(idea, actor=signed_in)


def test_what_one_may_no_longer_see_can_still_be_unfollowed(client, signed_in):
    """After leaving the organisation, the button still stops the follow of its private dataset
    (back to the home page, not to the dataset's, now hidden); without a follow, 404 as for
    an unknown dataset."""
    organisation = make_organisation(members=[signed_in])
    private = make_dataset(organisation, "secret", private=True)
    services.follow(private, actor=signed_in)
    Membership.objects.filter(user=signed_in).delete()
    response = client.post(follow_url("dataset", "secret"), {"follow": "0", "next": "https://evil.example/"})
    assert response.status_code == 302 and response["Location"] == "/"
    assert not services.is_following(private, actor=signed_in)
    assert client.post(follow_url("dataset", "secret"), {"follow": "0"}).status_code == 404
    assert client.post(follow_url("dataset", "nothing"), {"follow": "0"}).status_code == 404
