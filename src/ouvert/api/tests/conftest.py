"""A small catalog with every kind of visibility, people in each role, and a caller."""

from __future__ import annotations

import json
from dataclasses import dataclass

import pytest
from django.core.cache import cache
from django.test import Client

from ouvert.accounts.services import create_token
from ouvert.catalog import services
from tests.support.factories import make_dataset, make_organisation, make_sysadmin, make_user


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()
    yield
    cache.clear()


@dataclass
class Answer:
    status: int
    body: dict

    @property
    def result(self):
        assert self.body["success"] is True, self.body
        return self.body["result"]

    @property
    def error(self) -> dict:
        assert self.body["success"] is False, self.body
        return self.body["error"]


def token_for(user) -> str:
    return create_token(user, actor=user, name="tests")[1]


class Api:
    """Calls actions as the test client would over HTTP."""

    def __init__(self, client: Client | None = None):
        self.client = client or Client()

    def __call__(self, name, data=None, *, method=None, token=None, prefix="/api/3/action/", **extra) -> Answer:
        headers = {"HTTP_AUTHORIZATION": token} if token else {}
        headers.update(extra)
        method = method or ("POST" if data is not None and not isinstance(data, str) else "GET")
        if method == "GET":
            response = self.client.get(prefix + name, data or {}, **headers)
        elif isinstance(data, (bytes, str)):
            response = self.client.post(prefix + name, data, content_type="application/json", **headers)
        else:
            response = self.client.post(prefix + name, json.dumps(data or {}), content_type="application/json", **headers)
        assert response["Content-Type"].startswith("application/json"), response.content[:200]
        return Answer(response.status_code, json.loads(response.content))


@pytest.fixture
def api():
    return Api()


@dataclass
class World:
    sysadmin: object
    admin: object  # of alpha
    editor: object  # of alpha
    member: object  # of alpha
    outsider: object  # member of beta only
    alpha: object
    beta: object
    theme: object
    public: object
    private: object
    draft: object
    other: object  # public, in beta


@pytest.fixture
def world(db) -> World:
    sysadmin = make_sysadmin("sysadmin")
    admin, editor, member, outsider = (make_user(n) for n in ("alice", "edith", "marc", "olga"))
    alpha = make_organisation("alpha", admin=admin, editors=[editor], members=[member])
    beta = make_organisation("beta", admin=make_user("bob"), members=[outsider])
    theme = services.create_theme(actor=sysadmin, data={"name": "environnement", "title_fr": "Environnement",
                                                        "title_en": "Environment"})
    public = make_dataset(alpha, "arbres", title_fr="Arbres publics", title_en="Public trees",
                          description_fr="Les arbres de la ville", description_en="The city's trees",
                          tags_fr=["arbres"], tags_en=["trees"], themes=["environnement"],
                          resources=[("arbres.csv", b"id,espece\n1,erable\n")])
    private = make_dataset(alpha, "secret-prive", private=True, title_en="Secret private", tags=["hidden-private"],
                           themes=["environnement"], licence="CC-BY-4.0",
                           resources=[("prive.json", b'{"a": 1}')])
    draft = make_dataset(alpha, "brouillon", actor=editor, state="draft", title_en="Secret draft",
                         tags=["hidden-draft"], themes=["environnement"], licence="ODbL-1.0")
    services.add_resource(draft, actor=editor, data={"url": "https://example.org/draft.xml", "format": "XML"})
    other = make_dataset(beta, "budget", title_fr="Budget", title_en="Budget", tags=["finances"],
                         licence="CC0-1.0")
    services.add_resource(other, actor=sysadmin, data={"url": "https://example.org/budget.csv", "title_en": "Budget"})
    return World(sysadmin, admin, editor, member, outsider, alpha, beta, theme, public, private, draft, other)
