# A resource's datastore table is part of its dataset's package dict (datastore_active): adding,
# changing or removing one raises the dataset's revision (ouvert.catalog.revisions).

from django.db import migrations

from ouvert.catalog import revisions


def _statements(vendor: str) -> list[str]:
    return revisions.datastore_statements(vendor, revisions.REVISION)


def forward(apps, schema_editor):
    for statement in _statements(schema_editor.connection.vendor):
        schema_editor.execute(statement, params=None)


def backward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for statement in revisions.drop_statements(vendor, _statements(vendor)):
        schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):

    dependencies = [
        ('catalog', '0009_dataset_revision'),
        ('datastore', '0001_initial'),
    ]

    operations = [
        migrations.RunPython(forward, backward),
    ]
