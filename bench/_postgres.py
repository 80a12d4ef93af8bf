"""The benchmarks' one way to reach the PostgreSQL server they create and drop databases on."""

from __future__ import annotations

from urllib.parse import urlparse


def _server(url: str):
    """An autocommit connection to the ``postgres`` database of ``url``'s server."""
    import psycopg

    parts = urlparse(url)
    return psycopg.connect(host=parts.hostname, port=parts.port or 5432, user=parts.username,
                           password=parts.password, dbname="postgres", autocommit=True)


def admin(url: str, statements: list[str]) -> None:
    """Run statements (CREATE / DROP DATABASE...) on ``url``'s server."""
    with _server(url) as conn:
        for statement in statements:
            conn.execute(statement)


def database_exists(url: str, database: str) -> bool:
    with _server(url) as conn:
        return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [database]).fetchone() is not None
