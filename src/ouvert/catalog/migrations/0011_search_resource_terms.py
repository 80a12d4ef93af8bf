# Each index entry keeps the revision of the dataset it holds and the numbers of its resources'
# distinct terms (ouvert.catalog.search.postings): a dataset given a new resource then has its
# entry added to rather than made again from all its resources. Existing entries have neither
# and are made again at their dataset's next change.

from django.db import migrations

COLUMNS = {"sqlite": "blob", "postgresql": "bytea"}


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor not in COLUMNS:
        return
    for statement in ("ALTER TABLE catalog_search_postings ADD COLUMN revision bigint NULL",
                      f"ALTER TABLE catalog_search_postings ADD COLUMN resource_ids {COLUMNS[vendor]} NULL"):
        schema_editor.execute(statement, params=None)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor not in COLUMNS:
        return
    for column in ("resource_ids", "revision"):
        schema_editor.execute(f"ALTER TABLE catalog_search_postings DROP COLUMN {column}", params=None)


class Migration(migrations.Migration):
    dependencies = [("catalog", "0010_dataset_datastore_revision")]
    operations = [migrations.RunPython(forward, backward)]
