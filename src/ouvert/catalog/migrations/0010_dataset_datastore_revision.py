# The datastore tables of a dataset's resources raise a revision of their own,
# datastore_revision (ouvert.catalog.revisions): its package dict shows them, its search entry
# does not, and that entry can then be brought up to date by adding to it as long as nothing
# else has changed. The column is added in place (rebuilding the table on SQLite would drop its
# triggers); the dataset's own trigger leaves alone the updates that only raise it.

from django.db import migrations, models

from ouvert.catalog import revisions

ADD = "ALTER TABLE catalog_dataset ADD COLUMN datastore_revision bigint NOT NULL DEFAULT 0"
DROP = "ALTER TABLE catalog_dataset DROP COLUMN datastore_revision"


def _replace(schema_editor, old: list[str], new: list[str]) -> None:
    vendor = schema_editor.connection.vendor
    for statement in [*revisions.drop_statements(vendor, old), *new]:
        schema_editor.execute(statement, params=None)


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    schema_editor.execute(ADD, params=None)
    _replace(schema_editor, revisions.dataset_statements(vendor, datastore_revision=False),
             revisions.dataset_statements(vendor))


def backward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    _replace(schema_editor, revisions.dataset_statements(vendor),
             revisions.dataset_statements(vendor, datastore_revision=False))
    schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):

    dependencies = [
        ('catalog', '0009_dataset_revision'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.AddField(
                model_name='dataset',
                name='datastore_revision',
                field=models.BigIntegerField(default=0, editable=False),
            )],
            database_operations=[migrations.RunPython(forward, backward)],
        ),
    ]
