# A resource's datastore table raises its dataset's datastore_revision rather than its revision
# (ouvert.catalog.revisions): the package dict shows both, the search entry only the catalog's.

from django.db import migrations

from ouvert.catalog import revisions


def _replace(schema_editor, old: str, new: str) -> None:
    vendor = schema_editor.connection.vendor
    for statement in [*revisions.drop_statements(vendor, revisions.datastore_statements(vendor, old)),
                      *revisions.datastore_statements(vendor, new)]:
        schema_editor.execute(statement, params=None)


def forward(apps, schema_editor):
    _replace(schema_editor, revisions.REVISION, revisions.DATASTORE_REVISION)


def backward(apps, schema_editor):
    _replace(schema_editor, revisions.DATASTORE_REVISION, revisions.REVISION)


class Migration(migrations.Migration):

    dependencies = [
        ('catalog', '0010_dataset_datastore_revision'),
        ('datastore', '0002_dataset_revision'),
    ]

    operations = [
        migrations.RunPython(forward, backward),
    ]
