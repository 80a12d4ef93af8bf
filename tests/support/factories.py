"""Factories for tests: they call the services, so test data passes the same checks as real data."""

from __future__ import annotations

import itertools

from django.core.files.uploadedfile import SimpleUploadedFile

_seq = itertools.count(1)


def make_user(username: str | None = None, *, verified: bool = True, sysadmin: bool = False, password: str = "correct horse battery"):
    from ouvert.accounts.services import create_user

    username = username or f"user{next(_seq)}"
    return create_user(username=username, email=f"{username}@example.org", password=password,
                       email_verified=verified, is_superuser=sysadmin, display_name=username.title())


def make_sysadmin(username: str = "root"):
    return make_user(username, sysadmin=True)


def make_organisation(name: str | None = None, *, admin=None, editors=(), members=(), **data):
    from ouvert.accounts.services import create_organisation, set_membership

    root = _root()
    name = name or f"org{next(_seq)}"
    data.setdefault("title_fr", f"Organisme {name}")
    data.setdefault("title_en", f"Organisation {name}")
    organisation = create_organisation(actor=root, data={"name": name, **data})
    for user, role in [(admin, "admin")] + [(u, "editor") for u in editors] + [(u, "member") for u in members]:
        if user is not None:
            set_membership(organisation, user, role, actor=root)
    return organisation


def make_dataset(organisation=None, name: str | None = None, *, actor=None, state: str = "active", resources=(), **data):
    """A dataset made by ``actor`` (default: a sysadmin); ``resources`` are (filename, bytes) pairs."""
    from ouvert.catalog.services import add_resource, create_dataset

    actor = actor or _root()
    organisation = organisation or make_organisation()
    name = name or f"dataset-{next(_seq)}"
    data.setdefault("title_fr", f"Jeu de données {name}")
    data.setdefault("title_en", f"Dataset {name}")
    data.setdefault("licence", "OGL-Canada-2.0")
    dataset = create_dataset(actor=actor, organisation=organisation, data={"name": name, **data}, state=state)
    for filename, content in resources:
        add_resource(dataset, actor=actor, data={"title_en": filename}, upload=SimpleUploadedFile(filename, content))
    return dataset


def _root():
    from django.contrib.auth import get_user_model

    User = get_user_model()
    root = User.objects.filter(username="_factory_root").first()
    return root or make_user("_factory_root", sysadmin=True)
