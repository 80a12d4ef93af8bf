"""Metadata renderers: the ones apps register are listed on the dataset page and served."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse
from django.utils import translation

from ouvert.core import renderers
from tests.support.factories import make_dataset, make_organisation, make_user

pytestmark = pytest.mark.django_db


def url(name, *args, lang="en"):
    with translation.override(lang):
        return reverse(name, args=args)


@pytest.fixture
def plain_text():
    def summary(dataset, *, actor, language):
        return f"{dataset.name}: {dataset.title.value}\n"

    renderers.register("summary", summary, media_type="text/plain", label="Summary")
    yield
    renderers.unregister("summary")


def test_the_ckan_package_dict_is_the_api_apps_renderer(client):
    dataset = make_dataset(make_organisation(), "arbres")
    assert "ckan" in [r.name for r in renderers.available()]
    html = client.get(url("web:dataset", "arbres")).content.decode()
    assert f'href="{url("web:dataset_metadata", "arbres", "ckan")}"' in html
    response = client.get(url("web:dataset_metadata", "arbres", "ckan"))
    assert response["Content-Type"].startswith("application/json")
    shown = client.get("/api/3/action/package_show", {"id": "arbres"}, HTTP_ACCEPT_LANGUAGE="en").json()["result"]
    assert json.loads(response.content) == shown and shown["id"] == str(dataset.pk)


def test_a_renderer_an_app_registers_is_listed_and_used(client, plain_text):
    make_dataset(make_organisation(), "arbres", title_en="Trees")
    assert [r.name for r in renderers.available()][:2] == ["ckan", "summary"]
    html = client.get(url("web:dataset", "arbres")).content.decode()
    assert (f'<link rel="alternate" type="text/plain" href="{url("web:dataset_metadata", "arbres", "summary")}" '
            'title="Summary">') in html
    response = client.get(url("web:dataset_metadata", "arbres", "summary"))
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response.content.decode() == "arbres: Trees\n"


def test_unknown_formats_and_hidden_datasets_are_not_found(client, plain_text):
    member = make_user()
    make_dataset(make_organisation(members=[member]), "secret", private=True)
    assert client.get(url("web:dataset_metadata", "secret", "summary")).status_code == 404
    assert client.get(url("web:dataset_metadata", "secret", "nothing")).status_code == 404
    client.force_login(member)
    response = client.get(url("web:dataset_metadata", "secret", "summary"))
    assert response.status_code == 200 and response["Cache-Control"] == "private, no-store"


def test_a_name_is_registered_once():
    with pytest.raises(ValueError):
        renderers.register("ckan", lambda dataset, *, actor, language: {})
    with pytest.raises(ValueError):
        renderers.register("Bad Name", lambda dataset, *, actor, language: {})
