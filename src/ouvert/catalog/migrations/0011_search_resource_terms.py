# Each index entry keeps the revision of the dataset it holds and which of its terms are its
# resources' (ouvert.catalog.search.postings): a dataset given a new resource then has its
# entry added to rather than made again from all its resources. Existing entries have neither
# and are made again at their dataset's next change.

from django.db import migrations

COLUMNS = {"sqlite": "blob", "postgresql": "bytea"}


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor not in COLUMNS:
        return
    for statement in ("ALTER TABLE catalog_search_postings ADD COLUMN revision bigint NULL",
                      f"ALTER TABLE catalog_search_postings ADD COLUMN resource_mask {COLUMNS[vendor]} NULL"):
        schema_editor.execute(statement, params=None)
    if vendor == "postgresql":
        # Entries of up to 8 kB stay in their row, uncompressed: they are rewritten whenever a
        # resource is added, and only ever read whole (``memory``).
        schema_editor.execute("ALTER TABLE catalog_search_postings SET (toast_tuple_target = 8160)", params=None)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor not in COLUMNS:
        return
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE catalog_search_postings RESET (toast_tuple_target)", params=None)
    for column in ("resource_mask", "revision"):
        schema_editor.execute(f"ALTER TABLE catalog_search_postings DROP COLUMN {column}", params=None)


class Migration(migrations.Migration):
    dependencies = [("catalog", "0010_dataset_datastore_revision")]
    operations = [migrations.RunPython(forward, backward)]
