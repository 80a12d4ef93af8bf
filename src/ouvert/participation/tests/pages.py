"""What the participation and moderation page tests share: pages read in English unless a test
says otherwise, addresses in a given language, and an organisation whose editor moderates a
challenge linked to one dataset."""

import pytest
from django.urls import reverse
from django.utils import translation

from tests.support.factories import make_dataset, make_organisation, make_user

from .factories import make_challenge


@pytest.fixture(autouse=True)
def _english_then_default():
    translation.activate("en")
    yield
    translation.deactivate()


def url(name, *args, lang="en"):
    with translation.override(lang):
        return reverse(name, args=args)


def page(client, address, status=200):
    response = client.get(address)
    assert response.status_code == status, address
    return response.content.decode()


def messages_of(response) -> str:
    return " ".join(str(m) for m in response.context["messages"]) if response.context else ""


@pytest.fixture
def moderator():
    return make_user("moderatrice")


@pytest.fixture
def org(moderator):
    return make_organisation("ville", editors=[moderator])


@pytest.fixture
def dataset(org):
    return make_dataset(org, "arbres")


@pytest.fixture
def challenge(org, dataset):
    return make_challenge(org, name="canopee", datasets=[dataset], title_fr="Canopée urbaine", title_en="")
