"""The real ``ckanapi`` client (PyPI), run as a command against a live server.

The round trip dumps organisations and datasets, empties the catalog (datasets, their
resources and history, organisations; users, tokens, licences and groups stay, as they would
on a fresh portal set up by its operators), loads the dumps back and dumps again.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from ouvert.accounts.models import Organisation
from ouvert.accounts.services import create_token
from ouvert.catalog import search, services
from ouvert.catalog.models import Dataset, Resource
from ouvert.core.models import Activity
from tests.support.factories import make_dataset, make_organisation, make_sysadmin

CKANAPI = Path(sys.executable).with_name("ckanapi")

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not CKANAPI.exists(), reason="ckanapi is not installed (pip install ckanapi)"),
]


def ckanapi(*args: str, remote: str, token: str | None = None, stdin: bytes | None = None) -> str:
    command = [str(CKANAPI), *args, "-r", remote] + (["-a", token] if token else [])
    env = {**os.environ, "PATH": f"{CKANAPI.parent}{os.pathsep}{os.environ.get('PATH', '')}"}  # its workers run "ckanapi"
    done = subprocess.run(command, input=stdin, capture_output=True, env=env, timeout=120)
    assert done.returncode == 0, (command, done.stdout[-2000:], done.stderr[-2000:])
    return done.stdout.decode()


@pytest.fixture
def portal(live_server):
    root = make_sysadmin("root")
    token = create_token(root, actor=root, name="ckanapi")[1]
    theme = services.create_theme(actor=root, data={"name": "environnement", "title_fr": "Environnement",
                                                    "title_en": "Environment"})
    alpha = make_organisation("alpha", description_fr="Une description", description_en="A description")
    beta = make_organisation("beta")
    trees = make_dataset(alpha, "arbres", title_fr="Arbres", title_en="Trees", description_fr="Les *arbres*",
                         description_en="The *trees*", tags_fr=["arbres"], tags_en=["trees"], tags=["gis"],
                         themes=[theme.name], extras={"source": "inventaire"}, frequency="annual",
                         contact_name="Service", contact_email="data@example.org", version="1.0",
                         temporal_start="2020-01-01", temporal_end="2020-12-31", spatial="Québec")
    services.add_resource(trees, actor=root, data={"url": "https://example.org/arbres.csv", "title_fr": "Données",
                                                   "title_en": "Data", "format": "CSV", "extras": {"encoding": "utf-8"}})
    services.add_resource(trees, actor=root, data={"url": "https://example.org/carte.geojson"})
    make_dataset(beta, "budget", title_fr="Budget", title_en="Budget", tags=["finances"], licence="CC0-1.0")
    make_dataset(beta, "cache", private=True, title_en="Private one")
    return {"url": live_server.url, "token": token}


def test_action_package_search(portal):
    result = json.loads(ckanapi("action", "package_search", remote=portal["url"], token=portal["token"]))
    assert result["count"] == 2
    filtered = json.loads(ckanapi("action", "package_search", "fq=organization:beta", 'facet.field:["tags"]',
                                  remote=portal["url"]))
    assert [p["name"] for p in filtered["results"]] == ["budget"] and filtered["facets"]["tags"] == {"finances": 1}


def test_search_datasets(portal):
    lines = ckanapi("search", "datasets", "q=arbres", remote=portal["url"]).splitlines()
    assert [json.loads(line)["name"] for line in lines] == ["arbres"]
    everything = ckanapi("search", "datasets", "include_private=true", remote=portal["url"], token=portal["token"])
    assert {json.loads(line)["name"] for line in everything.splitlines()} == {"arbres", "budget", "cache"}


def comparable(record: dict) -> dict:
    """A dumped record without what differs between instances: ids and timestamps."""
    drop = {"id", "package_id", "owner_org", "created", "metadata_created", "metadata_modified", "last_modified"}
    if isinstance(record, dict):
        return {k: comparable(v) for k, v in record.items() if k not in drop}
    if isinstance(record, list):
        return [comparable(v) for v in record]
    return record


def test_dump_and_load_into_an_empty_instance(portal, tmp_path):
    url, token = portal["url"], portal["token"]
    datasets, organisations = tmp_path / "datasets.jsonl", tmp_path / "organisations.jsonl"
    ckanapi("dump", "datasets", "--all", "-O", str(datasets), remote=url, token=token)
    ckanapi("dump", "organizations", "--all", "-O", str(organisations), remote=url, token=token)
    first = [json.loads(line) for line in datasets.read_text().splitlines()]
    assert [d["name"] for d in first] == ["arbres", "budget"]  # package_list: public datasets
    assert len(first[0]["resources"]) == 2

    Activity.objects.all().delete()
    Resource.objects.all().delete()
    Dataset.objects.all().delete()
    Organisation.objects.all().delete()
    search.rebuild_index()
    assert json.loads(ckanapi("action", "package_search", remote=url))["count"] == 0

    ckanapi("load", "organizations", "-I", str(organisations), remote=url, token=token)
    ckanapi("load", "datasets", "-I", str(datasets), remote=url, token=token)
    again = tmp_path / "again.jsonl"
    ckanapi("dump", "datasets", "--all", "-O", str(again), remote=url, token=token)
    second = [json.loads(line) for line in again.read_text().splitlines()]
    assert [comparable(d) for d in second] == [comparable(d) for d in first]
    assert second[0]["id"] != first[0]["id"]

    # Loading the same dump again updates in place (found by name) and changes nothing.
    ckanapi("load", "datasets", "-I", str(datasets), remote=url, token=token)
    third = tmp_path / "third.jsonl"
    ckanapi("dump", "datasets", "--all", "-O", str(third), remote=url, token=token)
    for before, after in zip(first, (json.loads(line) for line in third.read_text().splitlines()), strict=True):
        assert comparable(after) == comparable(before)
    assert Dataset.objects.count() == 2
