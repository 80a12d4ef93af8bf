"""The datastore query engine: CKAN datastore_search semantics, native lookups, exports."""

from __future__ import annotations

import csv
import io
import json
import os
import threading
import time

import duckdb
import pyarrow.parquet as pq
import pytest
from django.utils import translation

from ouvert.datastore.query import (
    Aggregate,
    Lookup,
    QueryEngine,
    QueryError,
    datastore_info,
    datastore_search,
    export_csv,
    export_json,
    export_parquet,
    export_selection,
    native_search,
    parse_aggregate,
    parse_lookups,
)


@pytest.fixture(autouse=True)
def english():
    # Messages are translated; the assertions read the English ones.
    with translation.override("en"):
        yield


RID = "6f1c2a3e-0b7d-4c1e-9a55-3f0e8d2b1c01"

ROWS = """
(1, 'Montréal', 'Québec', 1762949, 431.5, DATE '1642-05-17', TIMESTAMP '2021-01-01 10:00:00', true),
(2, 'Québec', 'Québec', 549459, 485.77, DATE '1608-07-03', TIMESTAMP '2021-06-01 08:30:00', true),
(3, 'Trois-Rivières', 'Québec', 139163, 333.95, DATE '1634-07-04', NULL, false),
(4, 'Toronto', 'Ontario', 2794356, 630.2, NULL, TIMESTAMP '2022-01-01 00:00:00', NULL),
(5, 'Ottawa', 'Ontario', NULL, 2790.3, DATE '1855-01-01', TIMESTAMP '2020-01-01 00:00:00', false),
(6, 'Lévis', 'Québec', 149683, 449.3, DATE '1861-01-01', TIMESTAMP '2023-03-04 05:06:07', false),
(7, NULL, 'Manitoba', 0, -1.5, DATE '2000-02-29', TIMESTAMP '2000-02-29 12:00:00', NULL)
"""


def write_parquet(path, select_sql: str) -> str:
    duckdb.sql(f"COPY ({select_sql}) TO '{path}' (FORMAT parquet)")
    return str(path)


#: How a table keeps ``_id``: stored in the file (older ingested versions, tables pushed
#: through the API), or left to the row's position (what ingestion writes now).
ID_STORAGE = ("stored", "positional")


def without_ids(path) -> str:
    """The same table written as ingestion writes it: the rows in ``_id`` order, no ``_id``."""
    positional = str(path).replace(".parquet", "-positional.parquet")
    duckdb.sql(f"COPY (SELECT * EXCLUDE (_id) FROM read_parquet('{path}') ORDER BY _id) "
               f"TO '{positional}' (FORMAT parquet)")
    assert "_id" not in pq.read_schema(positional).names
    return positional


@pytest.fixture(scope="module", params=ID_STORAGE)
def tables(tmp_path_factory, request):
    """The test table, once with a stored ``_id`` and once with ``_id`` from row positions:
    every test using it checks that the two answer alike."""
    directory = tmp_path_factory.mktemp("query")
    path = write_parquet(
        directory / "villes.parquet",
        f"""SELECT "_id"::BIGINT AS "_id", ville, province, population::BIGINT AS population,
                   superficie::DOUBLE AS superficie, fondation, "mis à jour", capitale
            FROM (VALUES {ROWS}) v("_id", ville, province, population, superficie, fondation,
                                    "mis à jour", capitale) ORDER BY "_id" """,
    )
    return {RID: without_ids(path) if request.param == "positional" else path}


@pytest.fixture(scope="module")
def engine():
    return QueryEngine(memory_limit="512MB", threads=2, timeout=10)


def search(tables, engine, **kwargs):
    return datastore_search(tables, resource_id=RID, engine=engine, **kwargs)


def ids(result):
    return [r["_id"] for r in result["records"]]


# -- datastore_search -------------------------------------------------------------------------


def test_default_page_has_ckan_shape(tables, engine):
    result = search(tables, engine)
    assert result["fields"] == [
        {"id": "_id", "type": "int"},
        {"id": "ville", "type": "text"},
        {"id": "province", "type": "text"},
        {"id": "population", "type": "int"},
        {"id": "superficie", "type": "numeric"},
        {"id": "fondation", "type": "date"},
        {"id": "mis à jour", "type": "timestamp"},
        {"id": "capitale", "type": "bool"},
    ]
    assert ids(result) == [1, 2, 3, 4, 5, 6, 7]
    assert result["total"] == 7 and result["total_was_estimated"] is False
    assert result["limit"] == 100 and result["offset"] == 0
    first = result["records"][0]
    assert first == {"_id": 1, "ville": "Montréal", "province": "Québec",
                     "population": 1762949, "superficie": 431.5, "fondation": "1642-05-17",
                     "mis à jour": "2021-01-01T10:00:00", "capitale": True}
    assert result["records"][6]["ville"] is None
    json.dumps(result)  # plain data only


def test_limit_offset_and_links(tables, engine):
    base = f"/api/3/action/datastore_search?resource_id={RID}&limit=2&offset=2"
    result = search(tables, engine, limit=2, offset="2", links_base=base)
    assert ids(result) == [3, 4]
    assert result["total"] == 7
    assert result["_links"]["start"] == f"/api/3/action/datastore_search?resource_id={RID}&limit=2"
    assert result["_links"]["next"].endswith("limit=2&offset=4")
    assert "prev" in result["_links"]
    assert search(tables, engine, limit=0)["records"] == []
    assert search(tables, engine, limit=0)["total"] == 7
    assert search(tables, engine, offset=50)["records"] == []


def test_limit_is_capped_and_validated(tables, engine):
    assert search(tables, engine, limit=100000)["limit"] == 32000
    assert search(tables, engine, limit=5, max_limit=3)["limit"] == 3
    for bad in (-1, "abc", True):
        with pytest.raises(QueryError) as error:
            search(tables, engine, limit=bad)
        assert error.value.field == "limit"
    with pytest.raises(QueryError):
        search(tables, engine, offset=-5)


def test_include_total_false_omits_total(tables, engine):
    result = search(tables, engine, include_total=False)
    assert "total" not in result and "total_was_estimated" not in result
    assert search(tables, engine, include_total="false", limit=1)["records"]


def test_total_counts_filtered_rows_beyond_the_page(tables, engine):
    result = search(tables, engine, filters={"province": "Québec"}, limit=2)
    assert ids(result) == [1, 2] and result["total"] == 4
    result = search(tables, engine, filters={"province": "Québec"}, limit=2, offset=10)
    assert result["records"] == [] and result["total"] == 4


def test_filters_values_lists_ranges_and_nulls(tables, engine):
    assert ids(search(tables, engine, filters={"province": "Ontario"})) == [4, 5]
    assert ids(search(tables, engine, filters={"ville": ["Lévis", "Ottawa"]})) == [5, 6]
    assert ids(search(tables, engine, filters={"population": "139163"})) == [3]
    assert ids(search(tables, engine, filters={"population": {"gte": 500000, "lt": "2000000"}})) \
        == [1, 2]
    assert ids(search(tables, engine, filters={"superficie": {"lt": "0,5"}})) == [7]
    assert ids(search(tables, engine, filters={"fondation": {"gt": "1800-01-01"}})) == [5, 6, 7]
    assert ids(search(tables, engine, filters={"mis à jour": {"gte": "2022-01-01"}})) == [4, 6]
    assert ids(search(tables, engine, filters={"capitale": "true"})) == [1, 2]
    assert ids(search(tables, engine, filters={"capitale": None})) == [4, 7]
    assert ids(search(tables, engine, filters={"ville": [None, "Québec"]})) == [2, 7]
    assert ids(search(tables, engine, filters={"ville": []})) == []
    assert ids(search(tables, engine, filters={"province": "Québec", "capitale": False})) == [3, 6]


@pytest.mark.parametrize(("filters", "message"), [
    ({"nope": 1}, "nope"),
    ({"population": "beaucoup"}, "population"),
    ({"fondation": "17 mai"}, "fondation"),
    ({"capitale": "peut-être"}, "capitale"),
    ({"population": {"between": 1}}, "between"),
    ({"population": {}}, "population"),
    ({"population": [1, {"a": 1}]}, "population"),
])
def test_filter_errors_name_the_problem(tables, engine, filters, message):
    with pytest.raises(QueryError) as error:
        search(tables, engine, filters=filters)
    assert message in error.value.message
    assert error.value.field == "filters" and error.value.code == "validation"
    assert error.value.as_dict() == {"filters": [error.value.message]}


def test_filters_must_be_a_dict(tables, engine):
    with pytest.raises(QueryError):
        search(tables, engine, filters=["province"])


def test_q_is_accent_and_case_insensitive(tables, engine):
    assert ids(search(tables, engine, q="QUEBEC")) == [1, 2, 3, 6]
    assert ids(search(tables, engine, q="rivieres")) == [3]
    assert ids(search(tables, engine, q="levis québec")) == [6]
    assert ids(search(tables, engine, q="québec toronto")) == []
    assert ids(search(tables, engine, q={"ville": "québec"})) == [2]
    assert ids(search(tables, engine, q={"population": "1391"})) == [3]
    assert ids(search(tables, engine, full_text_query="ottawa")) == [5]
    assert ids(search(tables, engine, q="ont", plain=False, language="french")) == [1, 4, 5]
    assert search(tables, engine, q="quebec", limit=1)["total"] == 4
    with pytest.raises(QueryError) as error:
        search(tables, engine, q={"inconnue": "x"})
    assert "inconnue" in error.value.message


def test_fields_list_or_comma_string(tables, engine):
    result = search(tables, engine, fields="ville, population")
    assert [f["id"] for f in result["fields"]] == ["ville", "population"]
    assert result["records"][0] == {"ville": "Montréal", "population": 1762949}
    result = search(tables, engine, fields=["mis à jour"])
    assert list(result["records"][0]) == ["mis à jour"]
    with pytest.raises(QueryError) as error:
        search(tables, engine, fields=["ville", "pays"])
    assert "pays" in error.value.message and error.value.field == "fields"


def test_sort(tables, engine):
    assert ids(search(tables, engine, sort="population desc", limit=3)) == [5, 4, 1]
    assert ids(search(tables, engine, sort="population desc nulls last", limit=2)) == [4, 1]
    assert ids(search(tables, engine, sort="province, ville desc")) == [7, 4, 5, 3, 2, 1, 6]
    assert ids(search(tables, engine, sort='"mis à jour" asc', limit=2)) == [7, 5]
    assert ids(search(tables, engine, sort=["superficie asc"], limit=1)) == [7]
    with pytest.raises(QueryError) as error:
        search(tables, engine, sort="taille desc")
    assert "taille" in error.value.message and error.value.field == "sort"


def test_distinct(tables, engine):
    result = search(tables, engine, fields="province", distinct=True, sort="province")
    assert result["records"] == [{"province": "Manitoba"}, {"province": "Ontario"},
                                 {"province": "Québec"}]
    assert result["total"] == 3 and result["distinct"] is True
    assert search(tables, engine, fields="province", distinct="true", limit=1)["total"] == 3


def test_records_formats(tables, engine):
    lists = search(tables, engine, fields="ville,superficie", records_format="lists", limit=2)
    assert lists["records"] == [["Montréal", 431.5], ["Québec", 485.77]]
    text = search(tables, engine, fields="ville,capitale", records_format="csv", limit=3)
    assert text["records"] == "Montréal,true\nQuébec,true\nTrois-Rivières,false\n"
    tsv = search(tables, engine, fields="ville,population", records_format="tsv",
                 filters={"_id": 7})
    assert tsv["records"] == "\t0\n"
    with pytest.raises(QueryError) as error:
        search(tables, engine, records_format="xml")
    assert error.value.field == "records_format"


def test_unknown_resource(tables, engine, tmp_path):
    with pytest.raises(QueryError) as error:
        datastore_search(tables, resource_id="autre", engine=engine)
    assert error.value.code == "not_found"
    with pytest.raises(QueryError) as error:
        datastore_search({"x": tmp_path / "missing.parquet"}, resource_id="x", engine=engine)
    assert error.value.code == "not_found"


def test_new_table_version_is_seen(tmp_path, engine):
    path = tmp_path / "v.parquet"
    write_parquet(path, "SELECT range + 1 AS _id, range AS n FROM range(3)")
    assert datastore_search({"v": path}, resource_id="v", engine=engine)["total"] == 3
    time.sleep(0.01)
    write_parquet(path, "SELECT range + 1 AS _id, range AS n FROM range(5)")
    assert datastore_search({"v": path}, resource_id="v", engine=engine)["total"] == 5


def test_unfiltered_paging_by_id_matches_offset(tmp_path, engine):
    path = write_parquet(tmp_path / "p.parquet",
                         "SELECT range + 1 AS _id, range * 2 AS n FROM range(300000)")
    for table in (path, without_ids(path)):
        result = datastore_search({"p": table}, resource_id="p", offset=250000, limit=3,
                                  engine=engine)
        assert ids(result) == [250001, 250002, 250003] and result["total"] == 300000
        assert [r["n"] for r in result["records"]] == [500000, 500002, 500004]
    # A table whose _id is not 1..n falls back to OFFSET.
    gappy = write_parquet(tmp_path / "g.parquet",
                          "SELECT range * 10 AS _id FROM range(1, 6)")
    assert ids(datastore_search({"g": gappy}, resource_id="g", offset=2, limit=2,
                                engine=engine)) == [30, 40]


class QueryOnlyEngine(QueryEngine):
    """An engine that never reads pages by row number: every page is a DuckDB query."""

    def can_read_rows(self, info, columns):
        return False


def test_pages_by_row_number_match_queries(tables, engine, tmp_path):
    reference = QueryOnlyEngine(memory_limit="512MB", threads=2, timeout=10)
    shuffled = write_parquet(tmp_path / "shuffled.parquet",
                             f"SELECT * FROM {engine.describe(tables, RID).source} ORDER BY _id DESC")
    for table in (tables, {RID: shuffled}):
        for params in ({}, {"sort": "_id desc"}, {"sort": "_id"}, {"sort": "_id desc nulls last"},
                       {"offset": 2, "limit": 3}, {"sort": "_id desc", "offset": 5, "limit": 4},
                       {"offset": 7}, {"sort": "_id desc", "offset": 9}, {"limit": 0},
                       {"fields": "capitale,ville", "sort": "_id desc"}):
            for records_format in ("objects", "lists", "csv", "tsv"):
                ours = datastore_search(table, resource_id=RID, engine=engine,
                                        records_format=records_format, **params)
                theirs = datastore_search(table, resource_id=RID, engine=reference,
                                          records_format=records_format, **params)
                assert ours == theirs, (params, records_format)
    info = engine.describe(tables, RID)
    assert engine.can_read_rows(info, info.columns)
    assert engine.describe({RID: shuffled}, RID).dense_ids is False
    assert ids(search(tables, engine, sort="_id desc", limit=3)) == [7, 6, 5]
    # Pages across row groups.
    grouped = str(tmp_path / "grouped.parquet")
    duckdb.sql(f"COPY (SELECT range + 1 AS _id, 'r' || range AS t, range / 3 AS d "
               f"FROM range(10000)) TO '{grouped}' (FORMAT parquet, ROW_GROUP_SIZE 2048)")
    assert pq.ParquetFile(grouped).metadata.num_row_groups > 3
    positional = str(tmp_path / "grouped-positional.parquet")
    duckdb.sql(f"COPY (SELECT * EXCLUDE (_id) FROM '{grouped}') TO '{positional}' "
               f"(FORMAT parquet, ROW_GROUP_SIZE 2048)")
    for params in ({"offset": 2040, "limit": 5000}, {"sort": "_id desc", "offset": 1990,
                                                      "limit": 4100}, {"offset": 9998},
                   {"fields": "t,_id", "offset": 4090, "limit": 20},
                   {"fields": "d", "sort": "_id desc", "offset": 7940, "limit": 20}):
        ours = datastore_search({"g": grouped}, resource_id="g", engine=engine, **params)
        theirs = datastore_search({"g": grouped}, resource_id="g", engine=reference, **params)
        assert ours == theirs and len(ours["records"]) == params.get("limit", 2), params
        for records_format in ("objects", "csv"):
            stored = datastore_search({"g": grouped}, resource_id="g", engine=engine,
                                      records_format=records_format, **params)
            derived = datastore_search({"g": positional}, resource_id="g", engine=engine,
                                       records_format=records_format, **params)
            assert derived == stored, (params, records_format)
    derived_info = engine.describe({"g": positional}, "g")
    assert derived_info.positional_ids and engine.can_read_rows(derived_info, derived_info.columns)


def test_csv_records_built_from_arrow_match_the_csv_module(tmp_path, engine):
    import pyarrow as pa

    from ouvert.datastore.query.search import delimited_text, format_records

    rows = [
        ("plain", 1, 2.0, True, "2020-01-02", "2021-01-01 10:00:00"),
        ('a "quoted", value', -5, 1e16, False, "0999-12-31", "2021-01-01 10:00:00.250000"),
        ("line\nbreak\rreturn\ttab", None, None, None, None, None),
        ("", 0, float("nan"), True, "2000-02-29", "1999-12-31 23:59:59"),
        (None, 123456789012, float("inf"), False, None, None),
        (" spaced ", 7, -float("inf"), None, "2024-01-01", None),
        ("comma,only", 8, 1e-05, True, None, None),
        ("ünïcödé;|", 9, 0.1 + 0.2, False, None, None),
    ]
    values = ", ".join(
        "(" + ", ".join([
            "NULL" if r[0] is None else "'" + r[0].replace("'", "''") + "'",
            "NULL" if r[1] is None else f"{r[1]}::BIGINT",
            "NULL" if r[2] is None else f"'{r[2]!r}'::DOUBLE",
            "NULL" if r[3] is None else str(r[3]).lower(),
            "NULL" if r[4] is None else f"DATE '{r[4]}'",
            "NULL" if r[5] is None else f"TIMESTAMP '{r[5]}'",
        ]) + ")" for r in rows)
    con = duckdb.connect()
    select = f"SELECT * FROM (VALUES {values}) v(t, i, d, b, day, moment)"
    fetched = con.execute(select).fetchall()
    table = pa.Table.from_batches(con.sql(select).to_arrow_reader())
    names = table.column_names
    for records_format, delimiter in (("csv", ","), ("tsv", "\t")):
        assert delimited_text(table, delimiter) == format_records(names, fetched, records_format)
        for name in names:  # one column alone: an empty cell is written ""
            single = table.select([name])
            index = names.index(name)
            expected = format_records([name], [(row[index],) for row in fetched], records_format)
            assert delimited_text(single, delimiter) == expected, name
    assert delimited_text(table.slice(0, 0), ",") == ""


def test_float_cells_are_written_as_python_writes_them():
    import random
    import struct

    import pyarrow as pa

    from ouvert.datastore.query.search import delimited_text

    generator = random.Random(4)
    values = [0.0, -0.0, 1e-4, 9.999999999999999e-05, 1e16, 9999999999999998.0, 1e15, 2.0,
              0.1 + 0.2, 5e-324, 1.7976931348623157e308, float("nan"), float("-inf"), None]
    for _ in range(20000):
        kind = generator.random()
        if kind < 0.3:
            values.append(generator.uniform(-1e6, 1e6))
        elif kind < 0.5:
            values.append(round(generator.uniform(-1e4, 1e4), generator.randint(0, 4)))
        elif kind < 0.7:
            values.append(float(generator.randint(-10**15, 10**15)))
        elif kind < 0.9:
            value = struct.unpack("d", struct.pack("Q", generator.getrandbits(64)))[0]
            values.append(value)
        else:
            values.append(generator.random() * 10 ** generator.randint(-8, 20))
    def python(value):
        if value is None:
            return ""
        if value != value:
            return "NaN"
        if abs(value) == float("inf"):
            return "Infinity" if value > 0 else "-Infinity"
        return repr(value)

    expected = [python(v) for v in values]
    text = delimited_text(pa.table({"x": pa.array(values, pa.float64())}), ",")
    assert text.split("\n")[:-1] == [cell or '""' for cell in expected]
    single = pa.table({"x": pa.array([0.1, 2.5, None], pa.float32()), "y": [1, 2, 3]})
    widened = pa.scalar(0.1, pa.float32()).as_py()
    assert delimited_text(single, ",") == f"{widened!r},1\n2.5,2\n,3\n"


def test_concurrent_searches(tables, engine):
    errors = []

    def work():
        try:
            for _ in range(20):
                assert search(tables, engine, q="québec")["total"] == 4
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors


def test_datastore_info(tables, engine):
    schema = {"fields": [{"name": "ville", "title": "Ville", "description": "Nom officiel"}]}
    info = datastore_info(tables, resource_id=RID, table_schema=schema, engine=engine)
    assert info["meta"]["count"] == 7 and info["meta"]["size"] > 0
    ville = next(f for f in info["fields"] if f["id"] == "ville")
    assert ville["type"] == "text" and ville["info"]["label"] == "Ville"
    assert ville["schema"]["native_type"] == "VARCHAR"
    assert info["schema"]["fondation"] == "date"
    assert info["fields"][0] == {"id": "_id", "type": "int",
                                 "schema": {"native_type": "BIGINT", "is_index": True}}
    assert [f["id"] for f in info["fields"]] == ["_id", "ville", "province", "population",
                                                 "superficie", "fondation", "mis à jour",
                                                 "capitale"]
    assert not any(f["schema"]["is_index"] for f in info["fields"][1:])


# -- native lookups and aggregation -----------------------------------------------------------


def native(tables, engine, **kwargs):
    return native_search(tables, table=RID, engine=engine, **kwargs)


def test_parse_lookups():
    columns = ["ville", "population", "a__in"]
    lookups = parse_lookups({"ville": "Québec", "population__greater": "5", "a__in": "x",
                             "page": "2", "format": "json"}, columns=columns)
    assert lookups == [Lookup("ville", "exact", "Québec"),
                       Lookup("population", "greater", "5"), Lookup("a__in", "exact", "x")]
    with pytest.raises(QueryError) as error:
        parse_lookups({"ville__regex": "x"}, columns=columns)
    assert "regex" in error.value.message and error.value.field == "ville__regex"


@pytest.mark.parametrize(("lookup", "expected"), [
    (Lookup("province", "exact", "Ontario"), [4, 5]),
    (Lookup("province", "not", "Québec"), [4, 5, 7]),
    (Lookup("ville", "not", "Québec"), [1, 3, 4, 5, 6, 7]),
    (Lookup("population", "in", "0,139163"), [3, 7]),
    (Lookup("population", "in", [0, 549459]), [2, 7]),
    (Lookup("population", "less", "149683"), [3, 7]),
    (Lookup("population", "less_equal", "149683"), [3, 6, 7]),
    (Lookup("superficie", "greater", "600"), [4, 5]),
    (Lookup("superficie", "greater_equal", "630.2"), [4, 5]),
    (Lookup("ville", "contains", "RIVIERE"), [3]),
    (Lookup("ville", "startswith", "que"), [2]),
    (Lookup("fondation", "isnull", "true"), [4]),
    (Lookup("capitale", "isnull", "false"), [1, 2, 3, 5, 6]),
    (Lookup("fondation", "less", "1640-01-01"), [2, 3]),
    (Lookup("mis à jour", "greater", "2022-06-01T00:00:00"), [6]),
    (Lookup("ville", "exact", ["Lévis"]), [6]),
])
def test_native_lookups(tables, engine, lookup, expected):
    assert ids(native(tables, engine, lookups=[lookup])) == expected


def test_native_errors(tables, engine):
    with pytest.raises(QueryError) as error:
        native(tables, engine, lookups=[Lookup("population", "greater", "beaucoup")])
    assert "population" in error.value.message
    with pytest.raises(QueryError):
        native(tables, engine, lookups=[Lookup("inconnue", "exact", 1)])
    with pytest.raises(QueryError):
        native(tables, engine, page=0)
    with pytest.raises(QueryError):
        native(tables, engine, page_size=40000)


def test_native_pages_sort_and_fields(tables, engine):
    result = native(tables, engine, page=2, page_size=3, sort="_id desc", fields=["_id"])
    assert result["records"] == [{"_id": 4}, {"_id": 3}, {"_id": 2}]
    assert result["total"] == 7 and result["has_next"] is True
    last = native(tables, engine, page=3, page_size=3, sort="_id desc")
    assert ids(last) == [1] and last["has_next"] is False


def test_aggregation(tables, engine):
    result = native(tables, engine, group_by=["province"],
                    aggregates=[parse_aggregate("count"), parse_aggregate("sum:population"),
                                parse_aggregate("avg:superficie"), parse_aggregate("min:fondation"),
                                parse_aggregate("max:ville"),
                                parse_aggregate("count_distinct:capitale")],
                    sort="count desc, province")
    assert [f["id"] for f in result["fields"]] == [
        "province", "count", "sum_population", "avg_superficie", "min_fondation", "max_ville",
        "count_distinct_capitale"]
    quebec, ontario, manitoba = result["records"]
    assert quebec["province"] == "Québec" and quebec["count"] == 4
    assert quebec["sum_population"] == 1762949 + 549459 + 139163 + 149683
    assert quebec["avg_superficie"] == pytest.approx((431.5 + 485.77 + 333.95 + 449.3) / 4)
    assert quebec["min_fondation"] == "1608-07-03" and quebec["max_ville"] == "Trois-Rivières"
    assert quebec["count_distinct_capitale"] == 2
    assert ontario["sum_population"] == 2794356 and manitoba["count"] == 1
    assert result["total"] == 3

    filtered = native(tables, engine, lookups=[Lookup("province", "exact", "Ontario")],
                      aggregates=[Aggregate("count"), Aggregate("max", "population", "plus")])
    assert filtered["records"] == [{"count": 2, "plus": 2794356}]

    for bad in ("median:population", "sum:ville", "avg", "sum:inconnue"):
        with pytest.raises(QueryError):
            native(tables, engine, aggregates=[parse_aggregate(bad)])


# -- exports ----------------------------------------------------------------------------------


def read_csv_bytes(data: bytes, encoding="utf-8"):
    return list(csv.reader(io.StringIO(data.decode(encoding))))


def test_csv_export_round_trips(tables, engine):
    selection = export_selection(tables, resource_id=RID, engine=engine)
    data = b"".join(export_csv(selection, engine=engine))
    assert not data.startswith(b"\xef\xbb\xbf")
    rows = read_csv_bytes(data)
    assert rows[0] == ["_id", "ville", "province", "population", "superficie", "fondation",
                       "mis à jour", "capitale"]
    assert rows[1] == ["1", "Montréal", "Québec", "1762949", "431.5", "1642-05-17",
                       "2021-01-01 10:00:00", "true"]
    assert rows[3][2] == "Québec" and rows[3][6] == "" and len(rows) == 8

    with_bom = b"".join(export_csv(selection, bom=True, engine=engine))
    assert with_bom.startswith(b"\xef\xbb\xbf")
    assert read_csv_bytes(with_bom, "utf-8-sig") == rows


def test_filtered_csv_export_and_delimiter(tables, engine):
    selection = export_selection(tables, resource_id=RID, filters={"province": "Québec"},
                                 q="riv", fields="ville,superficie", engine=engine)
    data = b"".join(export_csv(selection, delimiter=";", engine=engine)).decode()
    assert data.replace('"', "").splitlines() == ["ville;superficie", "Trois-Rivières;333.95"]
    empty = export_selection(tables, resource_id=RID, filters={"province": "Yukon"},
                             fields=["ville", "province"], engine=engine)
    assert b"".join(export_csv(empty, engine=engine)) == b"ville,province\n"
    native_filtered = export_selection(tables, resource_id=RID, engine=engine,
                                       lookups=[Lookup("population", "greater", 1000000)])
    assert len(read_csv_bytes(b"".join(export_csv(native_filtered, engine=engine)))) == 3


def test_json_export(tables, engine):
    selection = export_selection(tables, resource_id=RID, sort="_id", engine=engine)
    document = json.loads(b"".join(export_json(selection, engine=engine)))
    assert document["fields"][0] == {"id": "_id", "type": "int"}
    assert document["records"] == search(tables, engine)["records"]
    lists = json.loads(b"".join(export_json(selection, records_format="lists", engine=engine)))
    assert lists["records"][0][:3] == [1, "Montréal", "Québec"]
    empty = export_selection(tables, resource_id=RID, filters={"province": "Yukon"},
                             engine=engine)
    assert json.loads(b"".join(export_json(empty, engine=engine)))["records"] == []


def test_parquet_export(tables, engine, tmp_path):
    whole = export_selection(tables, resource_id=RID, engine=engine)
    data = b"".join(export_parquet(whole, engine=engine))
    exported = pq.read_table(io.BytesIO(data))
    assert exported.column_names[0] == "_id" and exported.column("_id").to_pylist() == list(range(1, 8))
    assert exported.schema.field("_id").type == "int64"
    assert [dict(zip(exported.column_names, (v.isoformat() if hasattr(v, "isoformat") else v
                                             for v in row.values()), strict=True))
            for row in exported.to_pylist()] == \
        [{k: v.replace(" ", "T") if k == "mis à jour" and v else v for k, v in r.items()}
         for r in search(tables, engine)["records"]]
    if not engine.describe(tables, RID).positional_ids:
        with open(tables[RID], "rb") as handle:  # the stored file itself
            assert data == handle.read()
    filtered = export_selection(tables, resource_id=RID, filters={"province": "Ontario"},
                                fields="ville,fondation", engine=engine)
    out = tmp_path / "out.parquet"
    out.write_bytes(b"".join(export_parquet(filtered, engine=engine)))
    table = pq.read_table(out)
    assert table.column_names == ["ville", "fondation"]
    assert table.column("ville").to_pylist() == ["Toronto", "Ottawa"]
    empty = export_selection(tables, resource_id=RID, filters={"province": "Yukon"},
                             fields="ville", engine=engine)
    out.write_bytes(b"".join(export_parquet(empty, engine=engine)))
    assert pq.read_table(out).num_rows == 0


def _rss_mb() -> float:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1024 / 1024


@pytest.mark.skipif(not os.path.exists("/proc/self/statm"), reason="needs /proc")
def test_exports_run_in_constant_memory(tmp_path):
    rows = 3_000_000
    path = write_parquet(tmp_path / "big.parquet", f"""
        SELECT range + 1 AS _id, 'Montréal ' || (range % 5000)::VARCHAR AS ville,
               range * 1.5 AS montant, DATE '2000-01-01' + (range % 9000)::INT AS jour,
               md5(range::VARCHAR) AS empreinte
        FROM range({rows})""")
    # A bounded buffer pool, as in production: what is measured is the export, not the cache.
    engine = QueryEngine(memory_limit="256MB", threads=2)
    tables = {"big": path}
    for export, kwargs in ((export_csv, {}), (export_json, {}), (export_parquet, {})):
        filters = {"montant": {"gte": 0}} if export is export_parquet else None
        selection = export_selection(tables, resource_id="big", filters=filters, engine=engine)
        baseline = _rss_mb()
        samples = []
        size = 0
        for index, chunk in enumerate(export(selection, engine=engine, **kwargs)):
            size += len(chunk)
            if index % 4 == 0:
                samples.append(_rss_mb())
        assert size > 50_000_000 if export is not export_parquet else size > 10_000_000
        # Constant memory: once the first quarter has warmed up the buffers and allocator
        # pools, streaming the other three quarters (well over 100 MB here) adds next to nothing.
        warmed = max(samples[: max(1, len(samples) // 4)])
        peak = max(samples)
        assert peak - warmed < 64, f"{export.__name__} kept growing: {peak - warmed:.0f} MB after warm-up"
        assert peak - baseline < 400, f"{export.__name__} grew RSS by {peak - baseline:.0f} MB"


def test_sorted_pages_read_in_two_steps_equal_a_full_sort(tmp_path, engine):
    from ouvert.datastore.query.selection import Selection

    path = str(tmp_path / "sorted.parquet")
    # "grows" rises along the file (its row groups can be skipped), "mixed" does not, "holes"
    # has nulls (no bound is taken from it), "day" is a date; many ties everywhere.
    duckdb.sql(f"""COPY (SELECT range + 1 AS _id, range // 3 AS grows, (range * 7919) % 101 AS mixed,
                          CASE WHEN range % 5 = 0 THEN NULL ELSE range % 13 END AS holes,
                          DATE '2020-01-01' + CAST(range // 50 AS INTEGER) AS day, 'r' || (range % 17) AS t
                   FROM range(10000)) TO '{path}' (FORMAT parquet, ROW_GROUP_SIZE 2048)""")
    shuffled = str(tmp_path / "shuffled.parquet")  # _id is not the position: found by _id
    duckdb.sql(f"COPY (SELECT * FROM '{path}' ORDER BY (_id * 7717) % 10007) TO '{shuffled}' "
               f"(FORMAT parquet, ROW_GROUP_SIZE 2048)")
    assert engine.describe({"x": shuffled}, "x").dense_ids is False
    positional = str(tmp_path / "positional.parquet")  # _id is the position, not stored
    duckdb.sql(f"COPY (SELECT * EXCLUDE (_id) FROM '{path}') TO '{positional}' "
               f"(FORMAT parquet, ROW_GROUP_SIZE 2048)")
    tables = {"s": path}
    info = engine.describe(tables, "s")
    con = duckdb.connect()
    cases = [("grows desc", {}), ("grows", {}), ("mixed desc, day", {}), ("holes desc", {}), ("holes", {}),
             ("day desc", {}), ("t, grows desc", {}), ("grows desc", {"t": "r3"}), ("mixed", {"t": ["r1", "r2"]})]
    for sort, filters in cases:
        for offset, limit in ((0, 5), (2040, 30), (9990, 50), (0, 10000)):
            result = datastore_search(tables, resource_id="s", engine=engine, sort=sort, filters=filters,
                                      offset=offset, limit=limit)
            where = ""
            if filters:
                values = filters["t"] if isinstance(filters["t"], list) else [filters["t"]]
                where = "WHERE t IN (" + ", ".join(f"'{v}'" for v in values) + ")"
            order = ", ".join(f"{part.split()[0]} {'DESC NULLS FIRST' if part.endswith(' desc') else 'ASC NULLS LAST'}"
                              for part in sort.split(", "))
            expected = [row[0] for row in con.execute(
                f"SELECT _id FROM '{path}' {where} ORDER BY {order}, _id LIMIT {limit} OFFSET {offset}").fetchall()]
            assert ids(result) == expected, (sort, filters, offset, limit)
            assert ids(datastore_search({"s": shuffled}, resource_id="s", engine=engine, sort=sort, filters=filters,
                                        offset=offset, limit=limit)) == expected, (sort, filters, offset, limit)
            assert datastore_search({"s": positional}, resource_id="s", engine=engine, sort=sort,
                                    filters=filters, offset=offset, limit=limit) == result
            if offset == 2040 and not filters:
                csv_result = datastore_search(tables, resource_id="s", engine=engine, sort=sort, offset=offset,
                                              limit=limit, records_format="csv")
                assert [int(line.split(",")[0]) for line in csv_result["records"].splitlines()] == expected
    # A bound is taken from a rising column without nulls, and lets DuckDB skip row groups.
    selection = Selection(info, list(info.columns), order=['"grows" DESC NULLS FIRST'])
    condition, bound = selection.sort_bound(rows=100)
    assert condition == '"grows" >= ?' and bound == (4 * 2048) // 3  # the smallest value of the last row group
    assert Selection(info, list(info.columns), order=['"holes" DESC NULLS FIRST']).sort_bound(rows=100) is None
    assert Selection(info, list(info.columns), order=['"t" ASC NULLS LAST']).sort_bound(rows=100) is None
    derived = engine.describe({"p": positional}, "p")
    assert Selection(derived, list(derived.columns),
                     order=['"grows" DESC NULLS FIRST']).sort_bound(rows=100) == (condition, bound)
    # Filters and sorts on _id itself, on either storage.
    expected = [row[0] for row in con.execute(
        f"SELECT _id FROM '{path}' WHERE _id >= 4000 AND _id < 4100 AND t = 'r3' "
        f"ORDER BY mixed DESC, _id DESC LIMIT 3").fetchall()]
    assert len(expected) == 3
    for table in (path, positional):
        found = datastore_search({"s": table}, resource_id="s", engine=engine, sort="mixed desc, _id desc",
                                 filters={"_id": {"gte": 4000, "lt": 4100}, "t": "r3"}, limit=3)
        assert ids(found) == expected and found["total"] == 5
    # Past the end: an empty page.
    assert datastore_search(tables, resource_id="s", engine=engine, sort="grows desc", offset=20000)["records"] == []
