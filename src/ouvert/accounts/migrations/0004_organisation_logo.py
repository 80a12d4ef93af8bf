# An organisation's uploaded logo. The column is added in place rather than by Django's SQLite
# schema editor, which would rebuild the table to add a NOT NULL column and so drop the
# catalog's revision triggers installed on it (see ouvert.catalog.revisions); on SQLite the
# column keeps its database default, which Django never relies on.

import ouvert.accounts.models
from django.db import migrations, models

TABLE = "catalog_organisation"


def add_column(apps, schema_editor):
    quote = schema_editor.quote_name
    schema_editor.execute(f"ALTER TABLE {quote(TABLE)} ADD COLUMN {quote('logo')} varchar(300) DEFAULT '' NOT NULL")
    if schema_editor.connection.vendor != "sqlite":
        schema_editor.execute(f"ALTER TABLE {quote(TABLE)} ALTER COLUMN {quote('logo')} DROP DEFAULT")


def drop_column(apps, schema_editor):
    quote = schema_editor.quote_name
    schema_editor.execute(f"ALTER TABLE {quote(TABLE)} DROP COLUMN {quote('logo')}")


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0003_organisation'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AddField(
                    model_name='organisation',
                    name='logo',
                    field=models.FileField(blank=True, max_length=300, upload_to=ouvert.accounts.models.organisation_logo_upload_to, verbose_name='logo'),
                ),
            ],
            database_operations=[migrations.RunPython(add_column, drop_column)],
        ),
    ]
