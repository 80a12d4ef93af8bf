# The catalog search index, in the main database so that it commits and rolls back with the
# catalog. Its shape depends on the database: SQLite gets an FTS5 index, PostgreSQL a tsvector
# column under a GIN index. Neither has a foreign key to catalog_dataset: a stale row is harmless
# (searches join on visible datasets) and a key would get in the way of table rebuilds and
# TRUNCATE. Existing catalogs fill the index with `ouvert reindex`.

from django.db import migrations

SQLITE = [
    """CREATE TABLE catalog_search_document (
        id INTEGER PRIMARY KEY,
        dataset_id char(32) NOT NULL UNIQUE,
        title TEXT NOT NULL DEFAULT '',
        body TEXT NOT NULL DEFAULT '',
        extra TEXT NOT NULL DEFAULT ''
    )""",
    # Terms arrive analysed (folded, stemmed, letters and digits only): the tokenizer must not
    # change them, hence no diacritics removal. The prefix index serves 3-letter prefixes.
    """CREATE VIRTUAL TABLE catalog_search_fts USING fts5(
        title, body, extra,
        content='catalog_search_document', content_rowid='id',
        tokenize='unicode61 remove_diacritics 0', prefix='3'
    )""",
    """CREATE TRIGGER catalog_search_document_ai AFTER INSERT ON catalog_search_document BEGIN
        INSERT INTO catalog_search_fts (rowid, title, body, extra) VALUES (new.id, new.title, new.body, new.extra);
    END""",
    """CREATE TRIGGER catalog_search_document_ad AFTER DELETE ON catalog_search_document BEGIN
        INSERT INTO catalog_search_fts (catalog_search_fts, rowid, title, body, extra)
        VALUES ('delete', old.id, old.title, old.body, old.extra);
    END""",
    """CREATE TRIGGER catalog_search_document_au AFTER UPDATE ON catalog_search_document BEGIN
        INSERT INTO catalog_search_fts (catalog_search_fts, rowid, title, body, extra)
        VALUES ('delete', old.id, old.title, old.body, old.extra);
        INSERT INTO catalog_search_fts (rowid, title, body, extra) VALUES (new.id, new.title, new.body, new.extra);
    END""",
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS catalog_search_document_au",
    "DROP TRIGGER IF EXISTS catalog_search_document_ad",
    "DROP TRIGGER IF EXISTS catalog_search_document_ai",
    "DROP TABLE IF EXISTS catalog_search_fts",
    "DROP TABLE IF EXISTS catalog_search_document",
]

POSTGRESQL = [
    """CREATE TABLE catalog_search_document (
        dataset_id uuid PRIMARY KEY,
        document tsvector NOT NULL
    )""",
    "CREATE INDEX catalog_search_document_gin ON catalog_search_document USING gin (document)",
]
POSTGRESQL_DROP = ["DROP TABLE IF EXISTS catalog_search_document"]


def _run(schema_editor, statements):
    for statement in statements.get(schema_editor.connection.vendor, []):
        schema_editor.execute(statement, params=None)


def create(apps, schema_editor):
    _run(schema_editor, {"sqlite": SQLITE, "postgresql": POSTGRESQL})


def drop(apps, schema_editor):
    _run(schema_editor, {"sqlite": SQLITE_DROP, "postgresql": POSTGRESQL_DROP})


class Migration(migrations.Migration):
    dependencies = [("catalog", "0002_licences")]
    operations = [migrations.RunPython(create, drop)]
