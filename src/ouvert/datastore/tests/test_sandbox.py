"""The datastore_search_sql sandbox: a corpus of hostile statements, each refused clearly."""

from __future__ import annotations

import os
import uuid

import duckdb
import pytest
from django.utils import translation

from ouvert.datastore.query import SqlError, check_sql, datastore_search_sql
from ouvert.datastore.query.sandbox import MAX_SQL_LENGTH, _sandbox, allowed_functions


@pytest.fixture(autouse=True)
def english():
    # Messages are translated; the assertions read the English ones.
    with translation.override("en"):
        yield


PUBLIC = "0c7e8a52-4b1d-4e3f-8f7a-2d6b9c1e5a10"
OTHER = "9b2f4c61-7e3a-4d58-a1c0-6e8d2f7b3a94"
PRIVATE = "1d3f5b7a-9c2e-4f60-8b1a-3c5e7d9f0b21"
CANARY = "CANARY-" + uuid.uuid4().hex


@pytest.fixture(scope="module", params=("stored", "positional"))
def world(tmp_path_factory, request):
    """Two readable tables, one private table and a canary file next to them.

    Once with ``_id`` stored in the files, once with ``_id`` left to the rows' positions, as
    ingestion writes tables now."""
    root = tmp_path_factory.mktemp("sandbox")
    public = root / "public.parquet"
    other = root / "other.parquet"
    private = root / "private.parquet"
    canary = root / "secret.csv"
    ids = "range + 1 AS _id, " if request.param == "stored" else ""
    duckdb.sql(f"""COPY (SELECT {ids}'Montréal ' || range AS ville,
                               range * 1.5 AS montant FROM range(2000))
                   TO '{public}' (FORMAT parquet)""")
    duckdb.sql(f"""COPY (SELECT {ids}range % 7 AS code FROM range(10))
                   TO '{other}' (FORMAT parquet)""")
    duckdb.sql(f"""COPY (SELECT 1 AS _id, '{CANARY}' AS secret)
                   TO '{private}' (FORMAT parquet)""")
    canary.write_text(f"secret\n{CANARY}\n")
    tables = {PUBLIC: str(public), OTHER: str(other)}
    return {"root": root, "tables": tables, "private": private, "canary": canary}


def snapshot(root):
    return sorted(
        (str(path), os.stat(path).st_size, os.stat(path).st_mtime_ns)
        for path in root.rglob("*")
    )


def hostile_corpus(world) -> list[tuple[str, str]]:
    """(statement, a fragment of the expected error message)."""
    root, canary, private = world["root"], world["canary"], world["private"]
    pub = f'"{PUBLIC}"'
    only_select = "Only SELECT"
    return [
        # Data definition and manipulation.
        (f"DROP VIEW {pub}", only_select),
        ("CREATE TABLE t AS SELECT 1", only_select),
        (f"CREATE VIEW v AS SELECT * FROM {pub}", only_select),
        ("CREATE MACRO m(x) AS x", only_select),
        ("CREATE SEQUENCE s", only_select),
        (f"CREATE TEMP TABLE t AS SELECT * FROM read_csv('{canary}')", only_select),
        (f"INSERT INTO {pub} VALUES (1, 'x', 1)", only_select),
        (f"UPDATE {pub} SET ville = 'x'", only_select),
        (f"DELETE FROM {pub}", only_select),
        (f"ALTER VIEW {pub} RENAME TO x", only_select),
        (f"TRUNCATE {pub}", only_select),
        ("CREATE SECRET (TYPE s3, KEY_ID 'x', SECRET 'y')", only_select),
        # More than one statement, including behind comments and strings.
        (f"SELECT * FROM {pub}; DROP VIEW {pub}", only_select),
        ("SELECT 1; SELECT 2", "one statement"),
        (f"SELECT 1 /* ; */; COPY (SELECT 1) TO '{root}/c.csv'", only_select),
        (f"SELECT 'a;b'; ATTACH '{root}/x.db'", only_select),
        # Engine and file system commands.
        (f"ATTACH '{root}/attached.db' AS x", only_select),
        ("ATTACH ':memory:' AS x", only_select),
        ("DETACH memory", only_select),
        ("USE system", only_select),
        (f"COPY (SELECT * FROM {pub}) TO '{root}/copy.csv'", only_select),
        (f"COPY {pub} FROM '{canary}'", only_select),
        (f"EXPORT DATABASE '{root}/export'", only_select),
        (f"IMPORT DATABASE '{root}'", only_select),
        ("INSTALL httpfs", only_select),
        ("FORCE INSTALL httpfs FROM community", only_select),
        ("LOAD httpfs", only_select),
        ("UPDATE EXTENSIONS", only_select),
        ("PRAGMA enable_profiling", only_select),
        ("PRAGMA version", only_select),
        ("SET memory_limit = '100GB'", only_select),
        ("SET enable_external_access = true", only_select),
        ("RESET lock_configuration", only_select),
        ("SET VARIABLE x = 1", only_select),
        ("CALL duckdb_settings()", only_select),
        ("CALL pragma_version()", only_select),
        ("CHECKPOINT", only_select),
        ("VACUUM", only_select),
        ("BEGIN TRANSACTION", only_select),
        ("EXPLAIN SELECT 1", only_select),
        (f"EXPLAIN ANALYZE SELECT * FROM read_csv('{canary}')", only_select),
        (f"DESCRIBE {pub}", "not allowed"),
        (f"SUMMARIZE {pub}", "not allowed"),
        ("SHOW TABLES", "not allowed"),
        (f"PIVOT {pub} ON ville USING sum(montant)", only_select),
        # Table functions reading files, URLs, the catalogue or strings of SQL.
        ("SELECT * FROM read_text('/etc/passwd')", "read_text"),
        ("SELECT * FROM read_blob('/etc/passwd')", "read_blob"),
        (f"SELECT * FROM read_csv('{canary}')", "read_csv"),
        (f"SELECT * FROM read_csv_auto('{canary}')", "read_csv_auto"),
        (f"SELECT * FROM read_parquet('{private}')", "read_parquet"),
        (f"SELECT * FROM parquet_scan('{private}')", "parquet_scan"),
        (f"SELECT * FROM parquet_metadata('{private}')", "parquet_metadata"),
        (f"SELECT * FROM parquet_schema('{private}')", "parquet_schema"),
        (f"SELECT * FROM read_json('{canary}')", "read_json"),
        (f"SELECT * FROM read_json_auto('{canary}')", "read_json_auto"),
        (f"SELECT * FROM read_ndjson_objects('{canary}')", "read_ndjson_objects"),
        ("SELECT * FROM read_csv('https://example.org/data.csv')", "read_csv"),
        ("SELECT * FROM read_parquet('s3://bucket/x.parquet')", "read_parquet"),
        (f"SELECT * FROM glob('{root}/*')", "glob"),
        (f"SELECT * FROM sniff_csv('{canary}')", "sniff_csv"),
        (f"SELECT * FROM read_duckdb('{root}/x.db')", "read_duckdb"),
        ("SELECT * FROM sqlite_scan('/tmp/x.db', 't')", "sqlite_scan"),
        ("SELECT * FROM query('SELECT * FROM duckdb_settings()')", "query"),
        (f"SELECT * FROM query_table('{PRIVATE}')", "query_table"),
        ("SELECT * FROM duckdb_settings()", "duckdb_settings"),
        ("SELECT * FROM duckdb_tables()", "duckdb_tables"),
        ("SELECT sql FROM duckdb_views()", "duckdb_views"),
        ("SELECT * FROM duckdb_functions()", "duckdb_functions"),
        ("SELECT * FROM duckdb_extensions()", "duckdb_extensions"),
        ("SELECT * FROM duckdb_secrets()", "duckdb_secrets"),
        ("SELECT * FROM pragma_version()", "pragma_version"),
        (f"SELECT * FROM pragma_table_info('{PUBLIC}')", "pragma_table_info"),
        ("SELECT * FROM range(1000000000000)", "range"),
        ("SELECT * FROM generate_series(1, 1000000000000)", "generate_series"),
        ("SELECT * FROM test_all_types()", "test_all_types"),
        ("SELECT * FROM json_execute_serialized_sql('{}')", "json_execute_serialized_sql"),
        (f"SELECT * FROM {pub} AS a, read_text('/etc/passwd') AS b", "read_text"),
        (f"SELECT (SELECT count(*) FROM read_csv('{canary}')) FROM {pub}", "read_csv"),
        (f"SELECT * FROM {pub} WHERE ville IN (SELECT secret FROM read_parquet('{private}'))",
         "read_parquet"),
        # Replacement scans: a quoted path in FROM reads the file.
        ("FROM '/etc/passwd'", "Unknown table"),
        (f"SELECT * FROM '{canary}'", "Unknown table"),
        (f"SELECT * FROM '{private}'", "Unknown table"),
        ("SELECT * FROM 'x.parquet'", "Unknown table"),
        ("SELECT * FROM 'https://example.org/x.csv'", "Unknown table"),
        # Other tables: private, unknown, catalogue, qualified, other spellings.
        (f'SELECT * FROM "{PRIVATE}"', "Unknown table"),
        ("SELECT * FROM nope", "Unknown table"),
        ("SELECT * FROM information_schema.tables", "Unknown table"),
        ("SELECT * FROM pg_catalog.pg_class", "Unknown table"),
        ("SELECT * FROM duckdb_settings", "Unknown table"),
        ("SELECT * FROM sqlite_master", "Unknown table"),
        ("SELECT * FROM system.main.duckdb_settings", "Unknown table"),
        (f'SELECT * FROM main."{PUBLIC}"', "Unknown table"),
        (f'SELECT * FROM memory.main."{PUBLIC}"', "Unknown table"),
        (f'SELECT * FROM "{PUBLIC.upper()}"', "Unknown table"),
        (f'SELECT * FROM " {PUBLIC}"', "Unknown table"),
        # Homoglyphs: Cyrillic "а" and full-width letters.
        (f'SELECT * FROM "{PUBLIC.replace("a", "а")}"', "Unknown table"),
        ("ＳＥＬＥＣＴ 1", "could not be read"),
        (f"SELECT * FROM {pub} AT (VERSION => 1)", "Time travel"),
        # CTEs: shadowing a table, hiding a file scan, escaping their scope, forward use.
        (f"WITH {pub} AS (SELECT * FROM read_csv('{canary}')) SELECT * FROM {pub}",
         "cannot name a WITH query"),
        (f"WITH x AS (SELECT * FROM read_csv('{canary}')) SELECT * FROM x", "read_csv"),
        (f"WITH {pub} AS (SELECT 1 AS x) SELECT * FROM {pub}", "cannot name a WITH query"),
        (f'WITH "{PUBLIC.upper()}" AS (SELECT 1) SELECT 1', "cannot name a WITH query"),
        ("WITH a AS (SELECT * FROM duckdb_settings), duckdb_settings AS (SELECT 1) "
         "SELECT * FROM a", "Unknown table"),
        ("SELECT (WITH duckdb_tables AS (SELECT 1) SELECT 1), * FROM duckdb_tables",
         "Unknown table"),
        (f"WITH x AS (SELECT * FROM {pub}) SELECT * FROM x, query('SELECT 1')", "query"),
        # Functions that read settings, variables, the catalogue, or sleep.
        ("SELECT getenv('HOME')", "getenv"),
        ("SELECT current_setting('memory_limit')", "current_setting"),
        ("SELECT getvariable('x')", "getvariable"),
        ("SELECT nextval('s')", "nextval"),
        ("SELECT pg_sleep(100)", "pg_sleep"),
        ("SELECT sleep_ms(100000)", "sleep_ms"),
        ("SELECT write_log('x')", "write_log"),
        (f"SELECT json_serialize_plan('SELECT * FROM read_csv(''{canary}'')')",
         "json_serialize_plan"),
        ("SELECT json_serialize_sql('SELECT 1')", "json_serialize_sql"),
        ("SELECT pg_get_viewdef(1)", "pg_get_viewdef"),
        ("SELECT format_type(1, 1)", "format_type"),
        ("SELECT get_block_size('memory')", "get_block_size"),
        ("SELECT main.lower('X')", "not allowed"),
        ("SELECT system.main.current_database()", "not allowed"),
        ("SELECT read_text('/etc/passwd')", "read_text"),
        ("SELECT no_such_function(1)", "no_such_function"),
        # Parameters.
        ("SELECT $1", "parameters"),
        ("SELECT ?", "parameters"),
        # Amplifiers whose single call cannot be interrupted.
        ("SELECT repeat('x', 1000000000)", "repeat"),
        (f"SELECT repeat(ville, (SELECT max(_id) FROM {pub}) * 1000000) FROM {pub}", "repeat"),
        ("SELECT lpad('x', 1000000000, 'y')", "lpad"),
        ("SELECT rpad('x', 999999999)", "rpad"),
        ("SELECT list_resize([1], 100000000)", "list_resize"),
        ("SELECT printf('%0999999999d', 1)", "printf"),
        ("SELECT printf('%*d', 999999999, 1)", "printf"),
        ("SELECT format('{:>{}}', 'x', 1000000000)", "format"),
        ("SELECT levenshtein('a', 'b')", "levenshtein"),
        ("SELECT unnest(range(200000000))", "range"),
        ("SELECT len(generate_series(1, 1000000000000))", "generate_series"),
        (f"SELECT range(_id * 1000000) FROM {pub}", "range"),
        ("SELECT range(DATE '2000-01-01', DATE '3000-01-01', INTERVAL 1 SECOND)", "range"),
        # Empty, too long, too deep.
        ("", "empty"),
        ("   -- only a comment", "empty"),
        ("SELECT " + "1 + " * (MAX_SQL_LENGTH // 4) + "1", "longer than"),
        ("SELECT " + "(" * 3000 + "1" + ")" * 3000, ""),
        ("SELECT 1\x00", "NUL"),
    ]


def test_hostile_corpus_is_refused_and_nothing_leaks(world):
    corpus = hostile_corpus(world)
    assert len(corpus) >= 60
    before = snapshot(world["root"])
    refused = []
    for sql, fragment in corpus:
        with pytest.raises(SqlError) as error:
            datastore_search_sql(world["tables"], sql=sql, timeout=5)
        message = error.value.message
        assert fragment.lower() in message.lower(), (sql, message)
        assert CANARY not in message
        assert str(world["root"]) not in message or str(world["root"]) in sql, (sql, message)
        assert error.value.code in ("forbidden", "syntax", "too_large"), (sql, error.value.code)
        refused.append(sql)
    assert len(refused) == len(corpus)
    # Nothing was written next to the tables, and the canary was not touched.
    assert snapshot(world["root"]) == before
    assert world["canary"].read_text() == f"secret\n{CANARY}\n"


def test_refusals_have_clear_messages(world):
    cases = {
        "DROP TABLE x": "Only SELECT statements are allowed.",
        "SELECT * FROM nope": "Unknown table “nope”.",
        "SELECT * FROM read_csv('/etc/passwd')":
            "Table function read_csv is not allowed: read from the datastore tables only.",
        "SELECT current_setting('threads')": "Function current_setting is not allowed.",
    }
    for sql, message in cases.items():
        with pytest.raises(SqlError) as error:
            datastore_search_sql(world["tables"], sql=sql)
        assert error.value.message == message
        assert error.value.code == "forbidden" and error.value.field == "sql"


def test_cartesian_product_times_out(world):
    pub = f'"{PUBLIC}"'
    with pytest.raises(SqlError) as error:
        datastore_search_sql(
            world["tables"],
            sql=f"SELECT sum(a._id * b._id * c._id) FROM {pub} a, {pub} b, {pub} c",
            timeout=1,
        )
    assert error.value.code == "timeout"
    assert "longer than 1 s" in error.value.message


def test_endless_recursion_times_out(world):
    with pytest.raises(SqlError) as error:
        datastore_search_sql(
            world["tables"],
            sql="WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) "
                "SELECT count(*) FROM r",
            timeout=1,
        )
    assert error.value.code in ("timeout", "memory")


def test_huge_lists_hit_the_memory_limit(world):
    pub = f'"{PUBLIC}"'
    for sql in (f"SELECT list(a.ville || b.ville) FROM {pub} a, {pub} b, {pub} c",
                "WITH RECURSIVE r(s, n) AS (SELECT 'x', 0 UNION ALL "
                "SELECT s || s, n + 1 FROM r WHERE n < 40) SELECT max(length(s)) FROM r"):
        with pytest.raises(SqlError) as error:
            datastore_search_sql(world["tables"], sql=sql, timeout=10, memory_limit="256MB")
        assert error.value.code in ("memory", "timeout", "too_large", "execution"), sql


def test_results_are_truncated_in_rows_and_refused_in_bytes(world):
    pub = f'"{PUBLIC}"'
    result = datastore_search_sql(world["tables"], sql=f"SELECT _id FROM {pub}", max_rows=50)
    assert len(result["records"]) == 50 and result["records_truncated"] is True
    complete = datastore_search_sql(world["tables"], sql=f"SELECT _id FROM {pub} LIMIT 5")
    assert "records_truncated" not in complete
    with pytest.raises(SqlError) as error:
        datastore_search_sql(world["tables"], sql=f"SELECT a.ville, b.ville FROM {pub} a, {pub} b",
                             max_bytes=1_000_000)
    assert error.value.code == "too_large"


def test_allowed_queries_work(world):
    pub, other = f'"{PUBLIC}"', f'"{OTHER}"'
    statements = [
        f"SELECT ville, montant FROM {pub} WHERE _id <= 3 ORDER BY _id",
        f"SELECT o.code, count(*) AS n FROM {pub} p JOIN {other} o ON p._id = o._id "
        "GROUP BY ALL ORDER BY 1",
        f"WITH t AS (SELECT * FROM {pub} WHERE montant > 10) SELECT count(*) FROM t",
        f"SELECT _id, row_number() OVER (ORDER BY montant DESC) AS rang FROM {pub} LIMIT 3",
        f"SELECT * FROM (SELECT code FROM {other} UNION SELECT 99) ORDER BY 1",
        "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 5) "
        "SELECT sum(n) FROM r",
        "SELECT range(5), generate_series(1, 3), unnest(range(0, 10, 2))",
        f"SELECT lpad(CAST(_id AS VARCHAR), 5, '0') AS code, strip_accents(ville) FROM {pub} "
        "LIMIT 2",
        f"SELECT list_transform([1, 2], lambda x: x * 2) AS l, format('{{}}-{{}}', 1, 2) AS f, "
        f"'x''; DROP TABLE y; --' AS s FROM {other} LIMIT 1",
        f"FROM {other} SELECT max(code)",
        f"SELECT * EXCLUDE (ville) FROM {pub} QUALIFY row_number() OVER () <= 2",
        f"SELECT * FROM {other} USING SAMPLE 5 ROWS",
        f"SELECT * FROM (PIVOT {other} ON code IN (1, 2) USING count(*))",
    ]
    for sql in statements:
        result = datastore_search_sql(world["tables"], sql=sql)
        assert result["sql"] == sql
        assert result["fields"] and isinstance(result["records"], list), sql
    first = datastore_search_sql(world["tables"],
                                 sql=f"SELECT _id, ville, montant FROM {pub} ORDER BY _id LIMIT 2")
    assert first["fields"] == [{"id": "_id", "type": "int"}, {"id": "ville", "type": "text"},
                               {"id": "montant", "type": "numeric"}]
    assert first["records"] == [{"_id": 1, "ville": "Montréal 0", "montant": 0},
                                {"_id": 2, "ville": "Montréal 1", "montant": 1.5}]
    lists = datastore_search_sql(world["tables"], sql=f"SELECT _id FROM {pub} LIMIT 2",
                                 records_format="lists")
    assert lists["records"] == [[1], [2]]


def test_tables_show_their_columns_and_hide_row_positions(world):
    """A table has ``_id`` first and its own columns, however ``_id`` is kept: DuckDB's
    column of row positions (and file names) cannot be selected, even through the locked
    connection alone."""
    pub = f'"{PUBLIC}"'
    everything = datastore_search_sql(world["tables"], sql=f"SELECT * FROM {pub} WHERE _id = 1500")
    assert everything["fields"] == [{"id": "_id", "type": "int"}, {"id": "ville", "type": "text"},
                                     {"id": "montant", "type": "numeric"}]
    assert everything["records"] == [{"_id": 1500, "ville": "Montréal 1499", "montant": 2248.5}]
    columns = datastore_search_sql(world["tables"], sql=f"SELECT COLUMNS(*) FROM {pub} LIMIT 1")
    assert [f["id"] for f in columns["fields"]] == ["_id", "ville", "montant"]
    for sql in (f"SELECT file_row_number FROM {pub}", f'SELECT "file_row_number" FROM {pub}',
                f"SELECT p.file_row_number FROM {pub} p", f"SELECT filename FROM {pub}",
                f"SELECT count(*) FROM {pub} WHERE file_row_number > 0",
                f"SELECT COLUMNS('file_.*') FROM {pub}", f"SELECT rowid FROM {pub}"):
        with pytest.raises(SqlError) as error:
            datastore_search_sql(world["tables"], sql=sql)
        assert error.value.code in ("execution", "forbidden"), sql
        assert str(world["root"]) not in error.value.message
    conn = _sandbox({PUBLIC: world["tables"][PUBLIC]}, memory_limit="128MB", threads=1)
    try:
        with pytest.raises(duckdb.Error):
            conn.execute(f"SELECT file_row_number FROM {pub}").fetchall()
        assert [d[0] for d in conn.execute(f"SELECT * FROM {pub} LIMIT 0").description] == [
            "_id", "ville", "montant"]
    finally:
        conn.close()


def test_runtime_errors_do_not_leak_paths(world):
    with pytest.raises(SqlError) as error:
        datastore_search_sql(world["tables"], sql=f'SELECT nope FROM "{PUBLIC}"')
    assert error.value.code == "execution"
    assert str(world["root"]) not in error.value.message
    assert "nope" in error.value.message


def test_check_sql_reports_tables_used(world):
    assert check_sql(f'SELECT * FROM "{PUBLIC}", "{OTHER}"', world["tables"]) == {PUBLIC, OTHER}
    assert check_sql("SELECT 1", world["tables"]) == set()


def test_allow_list_excludes_dangerous_functions():
    allowed = allowed_functions()
    for name in ("lower", "sum", "row_number", "strip_accents", "regexp_matches", "unnest",
                 "list_transform", "nullif", "split_part", "date_trunc"):
        assert name in allowed, name
    for name in ("read_csv", "read_text", "glob", "query", "query_table", "current_setting",
                 "getvariable", "duckdb_settings", "pragma_version", "parquet_metadata",
                 "sleep_ms", "pg_sleep", "pg_get_viewdef", "json_serialize_plan", "write_log",
                 "nextval", "getenv", "sniff_csv"):
        assert name not in allowed, name


def test_locked_connection_cannot_reach_files_even_without_the_checks(world):
    """The second layer alone: statements that skip the checks still can't escape."""
    conn = _sandbox({PUBLIC: world["tables"][PUBLIC]}, memory_limit="128MB", threads=1)
    try:
        assert conn.execute(f'SELECT count(*) FROM "{PUBLIC}"').fetchone() == (2000,)
        for sql in (
            "SELECT * FROM read_text('/etc/passwd')",
            f"SELECT * FROM read_csv('{world['canary']}')",
            f"SELECT * FROM read_parquet('{world['private']}')",
            f"SELECT * FROM '{world['canary']}'",
            f"COPY (SELECT 1) TO '{world['root']}/escape.csv'",
            f"ATTACH '{world['root']}/escape.db'",
            "SET enable_external_access = true",
            "SET memory_limit = '10GB'",
            "INSTALL httpfs",
            "LOAD httpfs",
        ):
            with pytest.raises(duckdb.Error):
                conn.execute(sql).fetchall()
    finally:
        conn.close()
    assert not (world["root"] / "escape.csv").exists()
    assert not (world["root"] / "escape.db").exists()
