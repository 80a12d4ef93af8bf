"""The PostgreSQL server the suite is asked to use answers (``make test`` runs the suite on it)."""

from __future__ import annotations

import os

import pytest


def test_postgresql_server_answers():
    url = os.environ.get("OUVERT_TEST_DATABASE_URL")
    required = os.environ.get("OUVERT_REQUIRE_POSTGRES") == "1"
    if not url:
        if required:
            pytest.fail("OUVERT_REQUIRE_POSTGRES=1 but OUVERT_TEST_DATABASE_URL is not set")
        pytest.skip("PostgreSQL not configured: set OUVERT_TEST_DATABASE_URL to test on it")
    import psycopg

    # The named database may not exist yet (the test run creates its own); the server must answer.
    conninfo = psycopg.conninfo.make_conninfo(url, dbname="postgres", connect_timeout=5)
    try:
        with psycopg.connect(conninfo) as conn:
            version = conn.execute("SHOW server_version").fetchone()[0]
    except psycopg.OperationalError as exc:
        if required:
            pytest.fail(f"PostgreSQL at OUVERT_TEST_DATABASE_URL does not answer: {exc}")
        pytest.skip(f"PostgreSQL at OUVERT_TEST_DATABASE_URL does not answer: {exc}")
    assert version
