"""The datastore over HTTP: CKAN's datastore actions (test client and the real ckanapi
client), the native /api/v1/datastore endpoints, and private tables unreachable everywhere."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from ouvert.accounts.services import create_token
from ouvert.catalog import services as catalog
from tests.support.api import V1Client
from tests.support.factories import make_dataset, make_organisation, make_user

from .test_services import CSV

CKANAPI = Path(sys.executable).with_name("ckanapi")


class World:
    pass


def build_world(commit, **dataset_data):
    w = World()
    w.editor, w.member, w.outsider = make_user("edith"), make_user("marc"), make_user("olga")
    w.org = make_organisation("alpha", editors=[w.editor], members=[w.member])
    make_organisation("beta", members=[w.outsider])
    public = make_dataset(w.org, "villes", actor=w.editor, **dataset_data)
    private = make_dataset(w.org, "cachees", actor=w.editor, private=True, **dataset_data)
    w.public = commit(catalog.add_resource, public, actor=w.editor, data={"title_en": "Villes"},
                      upload=SimpleUploadedFile("villes.csv", CSV))
    w.private = commit(catalog.add_resource, private, actor=w.editor, data={"title_en": "Villes"},
                       upload=SimpleUploadedFile("villes.csv", CSV))
    return w


@pytest.fixture
def world(db, django_capture_on_commit_callbacks):
    def commit(func, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return func(*args, **kwargs)
    return build_world(commit)


def action(name, params=None, *, client=None, method="GET", token=None):
    client = client or Client()
    headers = {"HTTP_AUTHORIZATION": token} if token else {}
    if method == "GET":
        response = client.get(f"/api/3/action/{name}", params or {}, **headers)
    else:
        response = client.post(f"/api/3/action/{name}", json.dumps(params or {}),
                               content_type="application/json", **headers)
    return response.status_code, json.loads(response.content)


def test_datastore_search_has_ckans_shape(world):
    status, body = action("datastore_search", {"resource_id": str(world.public.pk), "limit": 2,
                                               "filters": json.dumps({"actif": True})})
    assert status == 200 and body["success"] is True
    result = body["result"]
    assert result["fields"] == [{"id": "_id", "type": "int"}, {"id": "id", "type": "int"},
                                {"id": "ville", "type": "text"}, {"id": "population", "type": "int"},
                                {"id": "superficie", "type": "numeric"}, {"id": "fondée", "type": "date"},
                                {"id": "actif", "type": "bool"}]
    assert result["total"] == 2 and [r["ville"] for r in result["records"]] == ["Montréal", "Québec"]
    assert result["_links"]["start"].startswith("/api/3/action/datastore_search?")
    assert "offset=2" in result["_links"]["next"] and "resource_id=" in result["_links"]["next"]
    status, body = action("datastore_search", {"resource_id": str(world.public.pk), "q": "levis",
                                               "records_format": "lists"}, method="POST")
    assert body["result"]["records"] == [[4, 4, "Lévis", 149683, 449.3, "1861-01-01", False]]


def test_errors_are_ckan_errors(world):
    status, body = action("datastore_search", {"resource_id": str(world.public.pk), "sort": "nope"})
    assert status == 409 and body["error"]["__type"] == "Validation Error" and "sort" in body["error"]
    status, body = action("datastore_search", {"resource_id": str(world.public.pk), "filters": "{bad"})
    assert status == 409 and "filters" in body["error"]
    status, body = action("datastore_search", {"resource_id": "00000000-0000-0000-0000-000000000000"})
    assert status == 404 and body["error"]["__type"] == "Not Found Error"
    status, body = action("datastore_search_sql", {"sql": "DROP TABLE x"})
    assert status == 409 and "sql" in body["error"]


def test_datastore_info_and_datastore_active(world):
    status, body = action("datastore_info", {"id": str(world.public.pk)})
    assert status == 200 and body["result"]["meta"]["count"] == 4
    assert {f["id"]: f["type"] for f in body["result"]["fields"]}["fondée"] == "date"
    status, body = action("package_show", {"id": "villes"})
    assert body["result"]["resources"][0]["datastore_active"] is True
    status, body = action("resource_show", {"id": str(world.public.pk)})
    assert body["result"]["datastore_active"] is True


def test_datastore_search_sql_over_allowed_tables(world):
    sql = f'SELECT ville FROM "{world.public.pk}" WHERE population > 500000 ORDER BY ville'
    status, body = action("datastore_search_sql", {"sql": sql})
    assert status == 200 and body["result"]["records"] == [{"ville": "Montréal"}, {"ville": "Québec"}]
    status, body = action("datastore_search_sql", {"sql": f'SELECT * FROM "{world.private.pk}"'})
    assert status == 409 and body["success"] is False


def test_pushed_tables_through_the_actions(world, django_capture_on_commit_callbacks):
    token = create_token(world.editor, actor=world.editor, name="t")[1]
    with django_capture_on_commit_callbacks(execute=True):
        status, body = action("datastore_create", {
            "resource_id": str(world.public.pk), "force": True, "primary_key": ["ville"],
            "fields": [{"id": "note", "type": "text"}],
            "records": [{"ville": "Laval", "id": 5, "note": "nouvelle"}]}, method="POST", token=token)
    assert status == 200, body
    assert body["result"]["total"] == 5
    with django_capture_on_commit_callbacks(execute=True):
        status, body = action("datastore_upsert", {"resource_id": str(world.public.pk), "method": "update",
                                                   "records": [{"ville": "Laval", "note": "changée"}]},
                              method="POST", token=token)
    assert status == 200, body
    _status, body = action("datastore_search", {"resource_id": str(world.public.pk), "filters": '{"ville": "Laval"}'})
    assert body["result"]["records"][0]["note"] == "changée"
    status, body = action("datastore_delete", {"resource_id": str(world.public.pk), "filters": {"ville": "Laval"}},
                          method="POST", token=create_token(world.member, actor=world.member, name="t")[1])
    assert status == 403
    status, body = action("datastore_create", {"resource_id": str(world.public.pk), "records": []}, method="POST")
    assert status == 403


# --- native endpoints ------------------------------------------------------------------------

def test_native_table_records_and_aggregates(world):
    api = V1Client()
    answer = api.get(f"/datastore/{world.public.pk}")
    assert answer.status == 200
    assert answer.body["status"]["state"] == "ready" and answer.body["version"]["rows"] == 4
    assert answer.body["version"]["report"]["rows"] == 4
    answer = api.get(f"/datastore/{world.public.pk}/records",
                     {"population__greater": "140000", "sort": "-population", "page_size": 2})
    assert [r["ville"] for r in answer.body["records"]] == ["Montréal", "Québec"]
    assert answer.body["total"] == 3 and answer.body["has_next"] is True
    answer = api.get(f"/datastore/{world.public.pk}/records", {"group_by": "actif", "aggregate": "avg:superficie"})
    assert {r["actif"]: r["avg_superficie"] for r in answer.body["records"]} == {
        False: pytest.approx(391.625), True: pytest.approx(458.635)}
    answer = api.get(f"/datastore/{world.public.pk}/records", {"ville__bogus": "x"})
    assert answer.status == 400 and "ville__bogus" in answer.error["fields"]
    assert api.get(f"/datastore/{world.public.pk}/records", {"page": "zero"}).status == 400


def test_native_exports_stream(world):
    client = Client()
    response = client.get(f"/api/v1/datastore/{world.public.pk}/export.csv", {"bom": "1", "actif": "true"})
    assert response.status_code == 200 and response.streaming
    assert response["Content-Disposition"] == 'attachment; filename="villes.csv"'
    data = b"".join(response.streaming_content)
    assert data.startswith(b"\xef\xbb\xbf")
    assert [r["ville"] for r in csv.DictReader(io.StringIO(data.decode("utf-8-sig")))] == ["Montréal", "Québec"]
    response = client.get(f"/api/v1/datastore/{world.public.pk}/export.json", {"q": "trois"})
    assert json.loads(b"".join(response.streaming_content))["records"][0]["ville"] == "Trois-Rivières"
    response = client.get(f"/api/v1/datastore/{world.public.pk}/export.parquet")
    assert pq.read_table(io.BytesIO(b"".join(response.streaming_content))).num_rows == 4
    response = client.get(f"/api/v1/datastore/{world.public.pk}/export.csv", {"nope__in": "1", "ville__zz": "1"})
    assert response.status_code == 400


def test_native_dictionary_and_ingest(world, django_capture_on_commit_callbacks):
    token = create_token(world.editor, actor=world.editor, name="t")[1]
    api = V1Client(token=token)
    answer = api.get(f"/datastore/{world.public.pk}/dictionary")
    assert [c["name"] for c in answer.body["columns"]][:2] == ["id", "ville"]
    with django_capture_on_commit_callbacks(execute=True):
        answer = api.put(f"/datastore/{world.public.pk}/dictionary", {"columns": [
            {"name": "ville", "label_fr": "Ville", "label_en": "City"}, {"name": "id", "type_override": "string"}]})
    assert answer.status == 200, answer.body
    columns = {c["name"]: c for c in answer.body["columns"]}
    assert columns["ville"]["label_en"] == "City" and columns["id"]["type_override"] == "string"
    columns = {c["name"]: c for c in api.get(f"/datastore/{world.public.pk}/dictionary").body["columns"]}
    assert columns["id"]["type"] == "string"  # loaded again once the change was committed
    with django_capture_on_commit_callbacks(execute=True):
        answer = api.post(f"/datastore/{world.public.pk}/ingest", {"delimiter": ";"})
    assert answer.status == 202 and answer.body["options"]["delimiter"] == ";"
    assert V1Client().get(f"/datastore/{world.public.pk}").body["status"]["active_version"]["number"] == 3
    outsider = V1Client(token=create_token(world.member, actor=world.member, name="t")[1])
    assert outsider.post(f"/datastore/{world.public.pk}/ingest", {}).status == 403
    assert V1Client().post(f"/datastore/{world.public.pk}/ingest", {}).status == 401


# --- private tables, whoever asks and however ----------------------------------------------

def _reads(resource_id):
    sql = f'SELECT count(*) FROM "{resource_id}"'
    return {
        "search": ("ckan", "datastore_search", {"resource_id": resource_id}),
        "info": ("ckan", "datastore_info", {"id": resource_id}),
        "sql": ("ckan", "datastore_search_sql", {"sql": sql}),
        "status": ("v1", f"/datastore/{resource_id}", {}),
        "native": ("v1", f"/datastore/{resource_id}/records", {}),
        "export": ("v1", f"/datastore/{resource_id}/export.csv", {}),
        "dictionary": ("v1", f"/datastore/{resource_id}/dictionary", {}),
    }


@pytest.mark.parametrize("who, allowed", [("anonymous", False), ("outsider", False), ("member", True)])
def test_private_tables_are_unreachable_through_every_read(world, who, allowed):
    client = Client()
    if who != "anonymous":
        client.force_login(getattr(world, who))
    for name, (kind, target, params) in _reads(str(world.private.pk)).items():
        if kind == "ckan":
            status, body = action(target, params, client=client)
        else:
            response = client.get("/api/v1" + target, params)
            status = response.status_code
            body = b"".join(response.streaming_content) if response.streaming else response.content
        if allowed:
            assert status == 200, (name, body)
        else:
            assert status in (404, 409), (name, status)
            assert b"Montr" not in (body if isinstance(body, bytes) else json.dumps(body).encode()), name


# --- the real ckanapi client -----------------------------------------------------------------

@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(not CKANAPI.exists(), reason="ckanapi is not installed (pip install ckanapi)")
def test_ckanapi_datastore_search(live_server):
    # Commits for real, so the task runs; no licence (earlier tests may have flushed them).
    world = build_world(lambda func, *a, **k: func(*a, **k), licence="")
    command = [str(CKANAPI), "action", "datastore_search", "-r", live_server.url,
               f"resource_id={world.public.pk}", "limit=2", 'filters={"actif": false}']
    env = {**os.environ, "PATH": f"{CKANAPI.parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    done = subprocess.run(command, capture_output=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout)
    assert result["total"] == 2 and [r["ville"] for r in result["records"]] == ["Trois-Rivières", "Lévis"]
    assert {"id": "fondée", "type": "date"} in result["fields"] and "_links" in result
    done = subprocess.run([str(CKANAPI), "action", "datastore_search", "-r", live_server.url,
                           f"resource_id={world.private.pk}"], capture_output=True, env=env, timeout=120)
    assert done.returncode != 0 and b"NotFound" in done.stderr
