"""The datastore's services: resources become served table versions through the catalog's
signal and the ingestion task; versions, failures, the dictionary, queries, exports, pushed
tables and the permission matrix."""

from __future__ import annotations

import csv
import http.server
import io
import json
import os
import threading

import duckdb
import pyarrow.parquet as pq
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from ouvert.catalog import services as catalog
from ouvert.catalog.models import Resource
from ouvert.catalog.serializers import dataset_dict, resource_dict
from ouvert.core.errors import NotFound, PermissionDenied, ValidationFailed
from ouvert.datastore import services
from ouvert.datastore.models import ColumnInfo, DataTable, TableVersion
from tests.support.factories import make_dataset, make_organisation, make_user

CSV = ("id;ville;population;superficie;fondée;actif\n"
       "1;Montréal;1 762 949;431,5;17/05/1642;oui\n"
       "2;Québec;549 459;485,77;03/07/1608;oui\n"
       "3;Trois-Rivières;139 163;333,95;04/07/1634;non\n"
       "4;Lévis;149 683;449,3;01/01/1861;non\n").encode("cp1252")
CSV2 = b"id,ville,population\n1,Gatineau,291041\n2,Sherbrooke,172950\n"


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


class World:
    pass


@pytest.fixture
def world(db):
    w = World()
    w.editor, w.member, w.outsider = make_user("edith"), make_user("marc"), make_user("olga")
    w.org = make_organisation("alpha", editors=[w.editor], members=[w.member])
    make_organisation("beta", members=[w.outsider])
    w.public = make_dataset(w.org, "villes", actor=w.editor)
    w.private = make_dataset(w.org, "cachees", actor=w.editor, private=True)
    return w


@pytest.fixture
def load(django_capture_on_commit_callbacks):
    """Add (or replace) a file and run what its commit triggers: the signal, the task."""
    def add(dataset, name, content, *, actor, resource=None):
        with django_capture_on_commit_callbacks(execute=True):
            upload = SimpleUploadedFile(name, content)
            if resource is None:
                return catalog.add_resource(dataset, actor=actor, data={"title_en": name}, upload=upload)
            return catalog.update_resource(resource, actor=actor, data={}, upload=upload)
    return add


@pytest.fixture
def commit(django_capture_on_commit_callbacks):
    def run(func, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return func(*args, **kwargs)
    return run


def test_an_uploaded_csv_becomes_a_typed_served_table(world, load):
    resource = load(world.public, "villes.csv", CSV, actor=world.editor)
    version = services.served_version(resource.pk, actor=None)
    assert (version.number, version.status, version.rows) == (1, "ready", 4)
    assert version.parquet == f"datastore/{resource.pk}/v1.parquet"
    assert version.encoding and version.dialect["delimiter"] == ";"
    types = {c["name"]: c["type"] for c in version.columns}
    assert types == {"id": "integer", "ville": "string", "population": "integer", "superficie": "number",
                     "fondée": "date", "actif": "boolean"}
    result = services.search_rows(resource.pk, actor=None, filters={"ville": "Trois-Rivières"})
    assert result["total"] == 1
    assert result["records"][0]["superficie"] == 333.95
    assert result["records"][0]["fondée"] == "1634-07-04"
    state = services.table_status(resource, actor=None)
    assert state["state"] == "ready" and state["active_version"]["rows"] == 4 and state["pending"] is None
    resource = Resource.objects.get(pk=resource.pk)
    assert resource_dict(resource, "fr")["datastore_active"] is True
    assert dataset_dict(world.public, "fr")["resources"][0]["datastore_active"] is True


def test_a_resource_that_is_not_a_table_is_left_alone(world, load):
    resource = load(world.public, "notes.pdf", b"%PDF-1.4 nothing", actor=world.editor)
    assert not services.is_tabular(resource)
    assert not TableVersion.objects.filter(resource=resource).exists()
    assert services.table_status(resource, actor=None)["state"] == "none"
    assert resource_dict(resource, "fr")["datastore_active"] is False


def test_replacing_the_file_publishes_a_new_version_and_supersedes_the_old(world, load):
    resource = load(world.public, "villes.csv", CSV, actor=world.editor)
    first = services.served_version(resource, actor=None)
    load(world.public, "villes.csv", CSV2, actor=world.editor, resource=resource)
    served = services.served_version(resource, actor=None)
    assert (served.number, served.rows) == (2, 2)
    first.refresh_from_db()
    assert first.status == "superseded"
    assert services.search_rows(resource.pk, actor=None)["records"][0]["ville"] == "Gatineau"
    # The version just superseded keeps its file (queries may still read it); older ones don't.
    assert os.path.exists(services.local_path(first.parquet))
    load(world.public, "villes.csv", CSV, actor=world.editor, resource=resource)
    first.refresh_from_db()
    assert first.parquet == "" and not os.path.exists(services.local_path(f"datastore/{resource.pk}/v1.parquet"))


def test_a_failing_file_fails_its_version_and_the_previous_one_stays_served(world, load):
    resource = load(world.public, "villes.csv", CSV, actor=world.editor)
    load(world.public, "villes.csv", b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, actor=world.editor, resource=resource)
    failed = TableVersion.objects.get(resource=resource, number=2)
    assert failed.status == "failed" and "PNG" in failed.error and failed.parquet == ""
    assert services.served_version(resource, actor=None).number == 1
    state = services.table_status(resource, actor=None)
    assert state["state"] == "failed" and "PNG" in state["error"]
    assert state["active_version"]["number"] == 1
    assert services.search_rows(resource.pk, actor=None)["total"] == 4


def test_the_dictionary_labels_columns_and_a_type_override_loads_again(world, load, commit):
    resource = load(world.public, "villes.csv", CSV, actor=world.editor)
    commit(services.update_dictionary, resource, actor=world.editor, columns=[
        {"name": "ville", "label_fr": "Ville", "label_en": "City", "description_en": "The city's name"}])
    assert services.served_version(resource, actor=None).number == 1  # labels alone: no new load
    fields = {f["id"]: f for f in services.describe_table(resource.pk, actor=None, language="en")["fields"]}
    assert fields["ville"]["info"]["label"] == "City"
    assert fields["ville"]["info"]["notes"] == "The city's name"
    commit(services.update_dictionary, resource, actor=world.editor,
           columns=[{"name": "id", "type_override": "string"}])
    version = services.served_version(resource, actor=None)
    assert version.number == 2 and version.options["column_types"] == {"id": "string"}
    assert {c["name"]: c["type"] for c in version.columns}["id"] == "string"
    assert ColumnInfo.objects.get(resource=resource, name="ville").label_fr == "Ville"
    with pytest.raises(ValidationFailed) as refused:
        services.update_dictionary(resource, actor=world.editor, columns=[{"name": "nope"}])
    assert "columns[0].name" in refused.value.fields
    with pytest.raises(ValidationFailed):
        services.update_dictionary(resource, actor=world.editor, columns=[{"name": "id", "type_override": "money"}])
    with pytest.raises(PermissionDenied):
        services.update_dictionary(resource, actor=world.member, columns=[{"name": "id", "label_fr": "x"}])


def test_ingestion_options_are_kept_and_applied(world, load, commit):
    content = b"titre du fichier\n\na|b\n1|x\n2|y\n"
    resource = load(world.public, "pipes.txt", content, actor=world.editor)
    version = commit(services.set_ingestion_options, resource, actor=world.editor, delimiter="|", header_row=3)
    assert version.options == {"encoding": None, "delimiter": "|", "header_row": 3}
    served = services.served_version(resource, actor=None)
    assert [c["name"] for c in served.columns] == ["a", "b"] and served.rows == 2
    with pytest.raises(ValidationFailed) as refused:
        services.set_ingestion_options(resource, actor=world.editor, encoding="klingon", delimiter="#")
    assert set(refused.value.fields) == {"encoding", "delimiter"}


@pytest.fixture
def file_server(tmp_path, settings):
    settings.OUVERT_DATASTORE_FETCH_LOOPBACK = True
    (tmp_path / "villes.csv").write_bytes(CSV2)

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, directory=str(tmp_path), **kwargs)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Quiet)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_a_link_is_downloaded_within_limits(world, commit, file_server, settings):
    resource = commit(catalog.add_resource, world.public, actor=world.editor,
                      data={"url": f"{file_server}/villes.csv"})
    assert services.served_version(resource, actor=None).rows == 2
    settings.OUVERT_MAX_UPLOAD_SIZE = 10
    commit(services.request_ingestion, resource, actor=world.editor)
    failed = TableVersion.objects.get(resource=resource, number=2)
    assert failed.status == "failed" and "larger than" in failed.error
    assert services.served_version(resource, actor=None).number == 1


def test_links_to_private_addresses_and_other_schemes_are_refused(world, commit, settings):
    from ouvert.datastore.tasks import FetchError, check_url

    for url in ("ftp://example.org/a.csv", "http://10.0.0.1/a.csv", "http://169.254.169.254/a.csv",
                "http://127.0.0.1/a.csv"):
        with pytest.raises(FetchError):
            check_url(url)
    resource = commit(catalog.add_resource, world.public, actor=world.editor,
                      data={"url": "http://192.168.1.10/data.csv"})
    version = TableVersion.objects.get(resource=resource)
    assert version.status == "failed" and "private network" in version.error


def test_search_sql_reads_allowed_tables_only(world, load):
    public = load(world.public, "villes.csv", CSV, actor=world.editor)
    hidden = load(world.private, "villes.csv", CSV2, actor=world.editor)
    sql = f'SELECT count(*) AS n, sum(population) AS p FROM "{public.pk}"'
    assert services.run_sql(sql, actor=None)["records"] == [{"n": 4, "p": 2601254}]
    for actor in (None, world.outsider):
        with pytest.raises(ValidationFailed) as refused:
            services.run_sql(f'SELECT * FROM "{hidden.pk}"', actor=actor)
        assert "sql" in refused.value.fields
    assert services.run_sql(f'SELECT count(*) AS n FROM "{hidden.pk}"', actor=world.member)["records"] == [{"n": 2}]
    with pytest.raises(ValidationFailed):
        services.run_sql("SELECT * FROM read_csv('/etc/passwd')", actor=None)


def test_exports_round_trip_with_accents(world, load):
    resource = load(world.public, "villes.csv", CSV, actor=world.editor)
    chunks, content_type, filename = services.export_rows(resource.pk, actor=None, fmt="csv", bom=True)
    data = b"".join(chunks)
    assert content_type.startswith("text/csv") and filename == "villes.csv"
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert [r["ville"] for r in rows] == ["Montréal", "Québec", "Trois-Rivières", "Lévis"]
    assert rows[0]["fondée"] == "1642-05-17"
    chunks, _type, _name = services.export_rows(resource.pk, actor=None, fmt="json",
                                           filters={"actif": True})
    body = json.loads(b"".join(chunks))
    assert [r["ville"] for r in body["records"]] == ["Montréal", "Québec"]
    chunks, _type, name = services.export_rows(resource.pk, actor=None, fmt="parquet",
                                               lookups={"population__greater": "500000"})
    table = pq.read_table(io.BytesIO(b"".join(chunks)))
    assert name == "villes.parquet" and table.column("ville").to_pylist() == ["Montréal", "Québec"]
    with pytest.raises(ValidationFailed) as refused:
        services.export_rows(resource.pk, actor=None, fmt="csv", lookups={"nope__exact": "1", "ville__bogus": "x"})
    assert "ville__bogus" in refused.value.fields


def test_native_lookups_sort_pages_and_aggregates(world, load):
    resource = load(world.public, "villes.csv", CSV, actor=world.editor)
    page = services.query_rows(resource.pk, actor=None, sort=["population desc"],
                               lookups={"ville__contains": "riv", "population__greater": "100000"})
    assert [r["ville"] for r in page["records"]] == ["Trois-Rivières"] and page["total"] == 1
    page = services.query_rows(resource.pk, actor=None, sort=["population desc"], page=2, page_size=2)
    assert [r["ville"] for r in page["records"]] == ["Lévis", "Trois-Rivières"] and page["has_next"] is False
    grouped = services.query_rows(resource.pk, actor=None, group_by=["actif"],
                                  aggregates=["count", "sum:population"], sort=["actif"])
    assert grouped["records"] == [{"actif": False, "count": 2, "sum_population": 288846},
                                  {"actif": True, "count": 2, "sum_population": 2312408}]
    assert services.query_rows(resource.pk, actor=None, lookups={"id__in": "1,3"})["total"] == 2
    assert services.query_rows(resource.pk, actor=None, lookups={"fondée__isnull": "true"})["total"] == 0
    with pytest.raises(ValidationFailed) as refused:
        services.query_rows(resource.pk, actor=None, aggregates=["sum:ville"])
    assert "aggregate" in refused.value.fields


def test_native_query_parameters_become_typed_arguments(world, load):
    """Adapters read the query string (repeated or comma-separated lists, ``-col`` sorts,
    lookups from every other parameter); the service receives typed arguments."""
    from django.http import QueryDict

    from ouvert.datastore import params

    assert params.row_query(QueryDict(
        "ville__contains=riv&in__in=1&in__in=2&sort=-population,ville&page=2&page_size=5"
        "&fields=a,b&group_by=actif&aggregate=count&aggregate=sum:population,max:_id")) == {
        "lookups": {"ville__contains": "riv", "in__in": ["1", "2"]}, "fields": ["a", "b"],
        "sort": ["population desc", "ville"], "page": 2, "page_size": 5, "group_by": ["actif"],
        "aggregates": ["count", "sum:population", "max:_id"]}
    assert params.row_query({}) == {"lookups": {}, "fields": None, "sort": None, "page": 1,
                                    "page_size": 100, "group_by": [], "aggregates": []}
    with pytest.raises(ValidationFailed) as refused:
        params.row_query(QueryDict("page=two"))
    assert "page" in refused.value.fields
    assert params.export_query(QueryDict("q=x&filters={}&bom=1&ville=Lévis&sort=-_id")) == {
        "lookups": {"ville": "Lévis"}, "fields": None, "sort": ["_id desc"]}
    resource = load(world.public, "villes.csv", CSV, actor=world.editor)
    page = services.query_rows(resource.pk, actor=None, **params.row_query(QueryDict(
        "ville__contains=riv&population__greater=100000&sort=-population")))
    assert [r["ville"] for r in page["records"]] == ["Trois-Rivières"] and page["total"] == 1


def _every_read(resource) -> dict:
    """What each way of reading the served table answers: search (filters, sort, pages,
    distinct, q), SQL, info, native lookups and the three exports."""

    def search(**params):
        return services.search_rows(resource.pk, actor=None, **params)

    def export(fmt, **params):
        chunks, _type, _name = services.export_rows(resource.pk, actor=None, fmt=fmt, **params)
        return b"".join(chunks)

    table = f'"{resource.pk}"'
    parquet = pq.read_table(io.BytesIO(export("parquet")))
    return {
        "default": search(),
        "page": search(offset=1, limit=2),
        "by id": search(filters={"_id": 3}),
        "id range": search(filters={"_id": {"gte": 2, "lt": 4}}, fields="_id,ville"),
        "id desc": search(sort="_id desc", limit=3),
        "id desc page": search(sort="_id desc", offset=2, records_format="csv"),
        "sorted": search(sort="population desc", fields="ville,_id"),
        "q": search(q="riv"),
        "distinct": search(fields="actif", distinct=True, sort="actif"),
        "sql": services.run_sql(f"SELECT * FROM {table} ORDER BY _id", actor=None),
        "sql id": services.run_sql(f"SELECT _id, ville FROM {table} WHERE _id = 2", actor=None),
        "info": services.describe_table(resource.pk, actor=None)["fields"],
        "native": services.query_rows(resource.pk, actor=None, lookups={"_id__greater": "2"},
                                      sort=["_id desc"]),
        "grouped": services.query_rows(resource.pk, actor=None, group_by=["actif"],
                                       aggregates=["max:_id"], sort=["actif"]),
        "csv": export("csv"),
        "json": export("json", filters={"_id": [1, 4]}),
        "parquet": (parquet.column_names, parquet.to_pylist()),
    }


def test_an_ingested_table_stores_no_id_yet_every_read_shows_it(world, load):
    resource = load(world.public, "villes.csv", CSV, actor=world.editor)
    path = services.local_path(services.served_version(resource, actor=None).parquet)
    assert pq.read_schema(path).names == ["id", "ville", "population", "superficie", "fondée", "actif"]
    reads = _every_read(resource)
    assert reads["default"]["fields"][0] == {"id": "_id", "type": "int"}
    assert [r["_id"] for r in reads["default"]["records"]] == [1, 2, 3, 4]
    assert [r["_id"] for r in reads["page"]["records"]] == [2, 3]
    assert [r["ville"] for r in reads["by id"]["records"]] == ["Trois-Rivières"]
    assert reads["by id"]["total"] == 1
    assert reads["id range"]["records"] == [{"_id": 2, "ville": "Québec"},
                                            {"_id": 3, "ville": "Trois-Rivières"}]
    assert [r["_id"] for r in reads["id desc"]["records"]] == [4, 3, 2]
    assert reads["id desc page"]["records"].splitlines()[0].startswith("2,2,Québec,")
    assert reads["sorted"]["records"][0] == {"ville": "Montréal", "_id": 1}
    assert [r["_id"] for r in reads["q"]["records"]] == [3]
    assert [f["id"] for f in reads["sql"]["fields"]] == [
        "_id", "id", "ville", "population", "superficie", "fondée", "actif"]
    assert [r["_id"] for r in reads["sql"]["records"]] == [1, 2, 3, 4]
    assert reads["sql id"]["records"] == [{"_id": 2, "ville": "Québec"}]
    assert reads["info"][0]["id"] == "_id" and reads["info"][0]["schema"]["is_index"] is True
    assert reads["info"][0]["type"] == "int"
    assert [r["_id"] for r in reads["native"]["records"]] == [4, 3]
    assert reads["grouped"]["records"] == [{"actif": False, "max__id": 4}, {"actif": True, "max__id": 2}]
    rows = list(csv.reader(io.StringIO(reads["csv"].decode())))
    assert rows[0][:3] == ["_id", "id", "ville"] and [row[0] for row in rows[1:]] == ["1", "2", "3", "4"]
    assert [r["_id"] for r in json.loads(reads["json"])["records"]] == [1, 4]
    assert reads["parquet"][0][0] == "_id" and [r["_id"] for r in reads["parquet"][1]] == [1, 2, 3, 4]
    with pytest.raises(ValidationFailed):
        services.run_sql(f'SELECT file_row_number FROM "{resource.pk}"', actor=None)

    # The same table as an older version stored it, with _id in the file: the same answers.
    stored = path + ".stored"
    duckdb.sql(f"COPY (SELECT file_row_number + 1 AS _id, * EXCLUDE (file_row_number) "
               f"FROM read_parquet('{path}', file_row_number = true)) TO '{stored}' (FORMAT parquet)")
    os.replace(stored, path)
    assert pq.read_schema(path).names[0] == "_id"
    again = _every_read(resource)
    for key, value in reads.items():
        assert again[key] == value, key


def test_records_pushed_into_an_ingested_table_keep_their_ids(world, load, commit):
    resource = load(world.public, "villes.csv", CSV, actor=world.editor)
    commit(services.upsert_records, resource, actor=world.editor, method="insert",
           records=[{"id": 5, "ville": "Gatineau"}])
    assert [(r["_id"], r["ville"]) for r in services.search_rows(resource.pk, actor=None)["records"]] == [
        (1, "Montréal"), (2, "Québec"), (3, "Trois-Rivières"), (4, "Lévis"), (5, "Gatineau")]
    commit(services.delete_records, resource, actor=world.editor, filters={"_id": 2})
    version = services.served_version(resource, actor=None)
    # Deletes leave gaps: pushed versions store _id.
    assert pq.read_schema(services.local_path(version.parquet)).names[0] == "_id"
    result = services.search_rows(resource.pk, actor=None, sort="_id desc")
    assert [r["_id"] for r in result["records"]] == [5, 4, 3, 1] and result["total"] == 4
    assert [r["_id"] for r in services.search_rows(resource.pk, actor=None, offset=1, limit=2)["records"]] == [3, 4]


def test_tables_pushed_through_the_api(world, commit):
    resource = commit(catalog.add_resource, world.public, actor=world.editor,
                      data={"url": "https://example.org/pushed", "format": "API"})
    created = commit(services.push_table, resource, actor=world.editor, primary_key="code",
                     fields=[{"id": "code", "type": "text"}, {"id": "n", "type": "int"},
                             {"id": "jour", "type": "date"}],
                     records=[{"code": "a", "n": 1, "jour": "2024-01-02"}, {"code": "b", "n": 2}])
    assert created["total"] == 2 and created["primary_key"] == ["code"]
    assert created["fields"] == [{"id": "code", "type": "text"}, {"id": "n", "type": "int"},
                                 {"id": "jour", "type": "date"}]
    commit(services.upsert_records, resource, actor=world.editor, method="upsert",
           records=[{"code": "b", "n": 20}, {"code": "c", "n": 3}])
    records = services.search_rows(resource.pk, actor=None, sort="code")["records"]
    assert [(r["_id"], r["code"], r["n"], r["jour"]) for r in records] == [
        (1, "a", 1, "2024-01-02"), (2, "b", 20, None), (3, "c", 3, None)]
    with pytest.raises(ValidationFailed) as refused:
        services.upsert_records(resource, actor=world.editor, method="insert", records=[{"code": "a"}])
    assert "already exists" in refused.value.fields["records"][0]
    with pytest.raises(ValidationFailed):
        services.upsert_records(resource, actor=world.editor, method="update", records=[{"code": "z", "n": 1}])
    with pytest.raises(ValidationFailed) as refused:
        services.upsert_records(resource, actor=world.editor, records=[{"code": "d", "n": "many"}])
    assert "Record 1" in refused.value.fields["records"][0]
    commit(services.delete_records, resource, actor=world.editor, filters={"code": "a"})
    assert services.search_rows(resource.pk, actor=None)["total"] == 2
    with pytest.raises(PermissionDenied):
        services.delete_records(resource, actor=world.member)
    commit(services.delete_records, resource, actor=world.editor)
    with pytest.raises(NotFound):
        services.served_version(resource, actor=None)
    assert resource_dict(Resource.objects.get(pk=resource.pk), "fr")["datastore_active"] is False


def test_deleting_the_resource_removes_its_tables(world, load, commit):
    resource = load(world.public, "villes.csv", CSV, actor=world.editor)
    directory = services.local_path(services.table_dir(resource.pk))
    assert os.listdir(directory)
    commit(catalog.delete_resource, resource, actor=world.editor)
    assert not os.path.exists(directory)
    assert not DataTable.objects.filter(resource_id=resource.pk).exists()


READS = {
    "search": lambda r, a: services.search_rows(r.pk, actor=a),
    "info": lambda r, a: services.describe_table(r.pk, actor=a),
    "native": lambda r, a: services.query_rows(r.pk, actor=a),
    "export": lambda r, a: services.export_rows(r.pk, actor=a, fmt="csv"),
    "table_for": lambda r, a: services.served_version(r, actor=a),
    "status": lambda r, a: services.table_status(r, actor=a),
}


@pytest.mark.parametrize("operation", sorted(READS))
def test_private_tables_are_unreachable_for_anonymous_and_other_organisations(world, load, operation):
    resource = load(world.private, "villes.csv", CSV, actor=world.editor)
    for actor in (None, world.outsider):
        with pytest.raises(NotFound):
            READS[operation](resource, actor)
    READS[operation](resource, world.member)  # members of the organisation read it
