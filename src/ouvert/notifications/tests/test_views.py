"""The follow button on the catalog's and participation's pages, in both languages."""

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


@pytest.mark.parametrize("language, follow_label, stop_label, followed, unfollowed", [
    ("fr", "Suivre", "Ne plus suivre", "Vous suivez", "Vous ne suivez plus"),
    ("en", "Follow", "Stop following", "You follow", "You no longer follow"),
])
def test_challenge_and_idea_pages_offer_the_button(client, signed_in, language, follow_label, stop_label, followed,
                                                   unfollowed):
    challenge = make_challenge(make_organisation(), name="canopee")
    idea = make_idea(challenge)
    with translation.override(language):
        pages = ((challenge, "challenge", "canopee", reverse("participation:challenge", args=["canopee"])),
                 (idea, "idea", str(idea.pk), reverse("participation:idea", args=["canopee", idea.pk])))
    for obj, kind, key, page in pages:
        html = client.get(page).content.decode()
        action = follow_url(kind, key, language)
        assert f'action="{action}"' in html and f">{follow_label}<" in html
        response = client.post(action, {"follow": "1", "next": page}, follow=True)
        assert response.redirect_chain[-1][0] == page
        assert services.is_following(obj, actor=signed_in)
        assert followed in response.content.decode() and f">{stop_label}<" in response.content.decode()
        response = client.post(action, {"follow": "0", "next": page}, follow=True)
        assert not services.is_following(obj, actor=signed_in)
        assert unfollowed in response.content.decode()


def test_no_follow_button_on_a_draft_challenge_nor_for_anonymous_visitors(client):
    make_challenge(make_organisation(), name="canopee")
    make_challenge(make_organisation(), name="brouillon", publish=False)
    public = reverse("participation:challenge", args=["canopee"])
    assert "/follows/" not in client.get(public).content.decode()
    response = client.post(follow_url("challenge", "canopee"), {"follow": "1"})
    assert response.status_code == 302 and "/accounts/" in response["Location"]
    client.force_login(make_user("admin", sysadmin=True))
    assert "/follows/" in client.get(public).content.decode()
    draft = client.get(reverse("participation:challenge", args=["brouillon"]))
    assert draft.status_code == 200 and "/follows/" not in draft.content.decode()


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
