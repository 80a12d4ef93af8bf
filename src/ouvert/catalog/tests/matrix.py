"""The catalog's part of the permission matrix (``tests/test_permission_matrix.py``): datasets in
every state and privacy, made by an editor, by a member and by someone who has left the
organisation, and every output that lists, counts or exports them."""

from __future__ import annotations

import json

from django.urls import reverse

from ouvert.accounts.services import remove_membership, set_membership
from ouvert.catalog import services
from tests.support.factories import _root, make_dataset

THEME = "mx-theme"
ACTIVE = {"state": "active"}
PUBLISHED_OR_DRAFT = {"state__in": ["active", "draft"]}


def populate(world) -> None:
    root = _root()
    services.create_theme(actor=root, data={"name": THEME, "title_fr": "Thème mx", "title_en": "Theme mx"})
    for key, prefix in (("own", ""), ("other", "other_")):
        organisation = world.organisations[key]
        for creator in ("editor", "member", "author"):
            user = world.people[f"{prefix}{creator}" if creator != "author" else "author"]
            if creator != "editor":
                set_membership(organisation, user, "editor", actor=root)
            for state in ("draft", "active", "deleted"):
                for private in (False, True):
                    name = f"mx-ds-{key}-{state}-{'priv' if private else 'pub'}-{creator}"
                    dataset = make_dataset(organisation, name, actor=user, state="active" if state == "deleted" else state,
                                           private=private, themes=[THEME], tags=[f"tag-{name}"])
                    if state == "deleted":
                        dataset = services.delete_dataset(dataset, actor=root)
                    world.add("dataset", dataset, name)
            if creator == "member":
                set_membership(organisation, user, "member", actor=root)
            elif creator == "author":
                remove_membership(organisation, user, actor=root)


def _get(client, url: str, params: dict | None = None) -> str:
    return client.get(url, params or {}).content.decode()


def _ckan(client, name: str, **params) -> dict:
    given = {k: v if isinstance(v, str) else json.dumps(v) for k, v in params.items()}
    return json.loads(_get(client, f"/api/3/action/{name}", given))


def _ckan_text(client, name: str, **params) -> str:
    return json.dumps(_ckan(client, name, **params), ensure_ascii=False)


def _api(client, path: str, **params) -> dict:
    return json.loads(_get(client, f"/api/v1{path}", params))


def _every_dataset_page(client, world) -> str:
    """Every dataset's page that is there (a refusal echoes the address asked, nothing more)."""
    responses = [client.get(reverse("web:dataset", args=[d.name])) for d, _m in world.objects["dataset"]]
    return "".join(r.content.decode() for r in responses if r.status_code == 200)


def _organisations(world) -> list:
    return list(world.organisations.values())


EVERYTHING = {"include_private": True, "include_drafts": True}

SURFACES = [
    ("dataset", "search page", lambda c, w: _get(c, reverse("web:search"))),
    ("dataset", "home page", lambda c, w: _get(c, reverse("web:home"))),
    ("dataset", "organisation pages",
     lambda c, w: "".join(_get(c, reverse("web:organisation", args=[o.name])) for o in _organisations(w))),
    ("dataset", "theme page", lambda c, w: _get(c, reverse("web:theme", args=[THEME]))),
    ("dataset", "dataset pages", _every_dataset_page),
    ("dataset", "CKAN package_search", lambda c, w: _ckan_text(c, "package_search", rows=1000, **EVERYTHING)),
    ("dataset", "CKAN package_search count",
     lambda c, w: (_ckan(c, "package_search", **EVERYTHING)["result"]["count"], PUBLISHED_OR_DRAFT)),
    ("dataset", "CKAN package_list", lambda c, w: _ckan_text(c, "package_list", **EVERYTHING)),
    ("dataset", "CKAN current_package_list_with_resources",
     lambda c, w: _ckan_text(c, "current_package_list_with_resources", **EVERYTHING)),
    ("dataset", "CKAN organization_show",
     lambda c, w: "".join(_ckan_text(c, "organization_show", id=o.name, include_datasets=True) for o in _organisations(w))),
    ("dataset", "CKAN organization_show package_count",
     lambda c, w: (_ckan(c, "organization_show", id="mx-own")["result"]["package_count"],
                   {**ACTIVE, "organisation__name": "mx-own"})),
    ("dataset", "CKAN organization_list package_count",
     lambda c, w: (sum(o["package_count"] for o in _ckan(c, "organization_list", all_fields=True)["result"]), ACTIVE)),
    ("dataset", "CKAN group_show", lambda c, w: _ckan_text(c, "group_show", id=THEME, include_datasets=True)),
    ("dataset", "CKAN group_list package_count",
     lambda c, w: (sum(g["package_count"] for g in _ckan(c, "group_list", all_fields=True)["result"]),
                   {**ACTIVE, "themes__name": THEME})),
    ("dataset", "CKAN tag_list", lambda c, w: _ckan_text(c, "tag_list")),
    ("dataset", "CKAN user_show",
     lambda c, w: "".join(_ckan_text(c, "user_show", id=w.people[p].username, include_datasets=True)
                          for p in ("editor", "member", "author"))),
    ("dataset", "CKAN user_show number_created_packages",
     lambda c, w: (_ckan(c, "user_show", id=w.people["editor"].username)["result"]["number_created_packages"],
                   {**ACTIVE, "created_by": w.people["editor"]})),
    ("dataset", "API /datasets", lambda c, w: json.dumps(_api(c, "/datasets", include_drafts="true", page_size=100))),
    ("dataset", "API /datasets count",
     lambda c, w: (_api(c, "/datasets", include_drafts="true")["count"], PUBLISHED_OR_DRAFT)),
    ("dataset", "API /organisations dataset counts",
     lambda c, w: (sum(o["dataset_count"] for o in _api(c, "/organisations", page_size=100)["results"]), ACTIVE)),
    ("dataset", "API /themes/{name} dataset count",
     lambda c, w: (_api(c, f"/themes/{THEME}")["dataset_count"], {**ACTIVE, "themes__name": THEME})),
]
