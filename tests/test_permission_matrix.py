"""The permission matrix across every domain, built from what the apps register.

Each app's ``tests/matrix.py`` (found like Django's admin finds ``admin.py``) may declare:
- ``populate(world)``: objects of its kinds in every state, privacy and moderation status,
  made for the people of ``world`` and added with ``world.add(kind, obj, *markers)``;
- ``SURFACES``: ``(kind, label, fetch)`` entries, one per output that lists, counts or exports
  objects of ``kind`` (pages, API answers, exports). ``fetch(client, world)`` returns the
  output's text, or ``(count, filters)``: a count the output shows and the filters that narrow
  the objects of ``kind`` it counts.

Then, for every kind registered with ``ouvert.accounts.permissions.register_view``:
- the predicate and the queryset face agree for every person of the world;
- no stranger finds an object they may not see (a private dataset, a draft challenge, a held
  idea...) in any registered surface, and every count counts only what they may see.
A new kind joins the matrix by registering its view rule, its population and its surfaces.
"""

from __future__ import annotations

import importlib
import json
from dataclasses import dataclass, field

import pytest
from django.apps import apps
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.test import Client

from ouvert.accounts import permissions
from tests.support.factories import make_organisation, make_sysadmin, make_user

pytestmark = pytest.mark.django_db

#: People of the world: (name, organisation key, role); the author belongs to no organisation.
PEOPLE = [("stranger", None, None), ("member", "own", "member"), ("editor", "own", "editor"),
          ("admin", "own", "admin"), ("other_member", "other", "member"), ("other_editor", "other", "editor"),
          ("other_admin", "other", "admin"), ("author", None, None)]
STRANGERS = ("anonymous", "stranger", "other_admin")


@dataclass
class World:
    organisations: dict
    people: dict
    objects: dict = field(default_factory=dict)  # kind → [(object, markers)]

    def add(self, kind: str, obj, *markers: str) -> None:
        self.objects.setdefault(kind, []).append((obj, {str(obj.pk), *markers}))

    def person(self, name: str):
        """A fresh copy of the person (no roles cached from the world's making)."""
        user = self.people[name]
        return AnonymousUser() if user is None else type(user).objects.get(pk=user.pk)


def matrix_modules() -> list:
    modules = []
    for config in apps.get_app_configs():
        name = f"{config.name}.tests.matrix"
        try:
            modules.append(importlib.import_module(name))
        except ModuleNotFoundError as exc:
            if not name.startswith(exc.name or "\0"):
                raise
    return modules


def surfaces() -> list:
    return [entry for module in matrix_modules() for entry in getattr(module, "SURFACES", ())]


@pytest.fixture
def world(db) -> World:
    cache.clear()
    sysadmin = make_sysadmin("mx-sysadmin")
    people = {name: make_user(f"mx-{name.replace('_', '-')}") for name, _org, _role in PEOPLE}
    organisations = {
        key: make_organisation(f"mx-{key}", admin=people[f"{prefix}admin"], editors=[people[f"{prefix}editor"]],
                               members=[people[f"{prefix}member"]])
        for key, prefix in (("own", ""), ("other", "other_"))
    }
    world = World(organisations, {"anonymous": None, **people, "sysadmin": sysadmin})
    for module in matrix_modules():
        if hasattr(module, "populate"):
            module.populate(world)
    cache.clear()  # the rate limits the making used
    for kind, entries in world.objects.items():  # as stored now, after every change of state
        fresh = type(entries[0][0])._default_manager.in_bulk([obj.pk for obj, _markers in entries])
        world.objects[kind] = [(fresh[obj.pk], markers) for obj, markers in entries]
    return world


class ReadingClient(Client):
    """A test client that reads each address once: several surfaces share a page."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.read = {}

    def get(self, path, data=None, **extra):
        key = (path, json.dumps(data or {}, sort_keys=True, default=str))
        if key not in self.read:
            self.read[key] = super().get(path, data, **extra)
        return self.read[key]


def test_every_view_rule_has_a_population_with_hidden_and_visible_objects(world):
    for kind in permissions.VIEWS:
        objects = [obj for obj, _markers in world.objects.get(kind, [])]
        seen = [permissions.can(None, f"{kind}.view", obj) for obj in objects]
        assert True in seen and False in seen, f"{kind}: the matrix needs objects anyone sees and objects they don't"


def test_predicate_and_queryset_agree_for_every_person(world):
    disagreements = []
    for kind, view in permissions.VIEWS.items():
        objects = list(view.model._default_manager.all())
        for name in world.people:
            person = world.person(name)
            by_predicate = {obj.pk for obj in objects if permissions.can(person, f"{kind}.view", obj)}
            by_queryset = set(permissions.visible(person, kind).values_list("pk", flat=True))
            assert len(by_queryset) == permissions.visible(person, kind).count()  # no duplicates
            if by_predicate != by_queryset:
                disagreements.append((kind, name, sorted(map(str, by_predicate ^ by_queryset))))
    assert disagreements == []


def test_every_kind_has_an_output_surface():
    assert set(permissions.VIEWS) <= {kind for kind, _label, _fetch in surfaces()}


@pytest.mark.parametrize("who", STRANGERS)
def test_strangers_never_see_what_they_may_not_through_any_surface(world, who):
    person = world.person(who)
    client = ReadingClient()
    if person.is_authenticated:
        client.force_login(person)
    leaks, empty, counts = [], [], []
    for kind, label, fetch in surfaces():
        hidden, shown = set(), set()
        for obj, markers in world.objects.get(kind, []):
            (shown if permissions.can(person, f"{kind}.view", obj) else hidden).update(markers)
        output = fetch(client, world)
        if isinstance(output, tuple):
            found, filters = output
            expected = permissions.visible(person, kind).filter(**filters).count()
            if found != expected:
                counts.append((kind, label, found, expected))
            continue
        leaks += [(kind, label, marker) for marker in sorted(hidden) if marker in output]
        if not any(marker in output for marker in shown):
            empty.append((kind, label))
    assert leaks == [], "\n".join(map(str, leaks))
    assert counts == [], "\n".join(map(str, counts))
    assert empty == [], "these surfaces showed nothing the stranger may see: the check proves nothing"
