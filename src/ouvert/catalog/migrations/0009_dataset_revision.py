# Each dataset gains a revision that triggers raise whenever it or anything its package dict is
# made of changes (ouvert.catalog.revisions): package_show's cache then checks a copy with the
# dataset's own row instead of aggregating its resources, links and themes on every request.

from django.db import migrations, models

from ouvert.catalog import revisions


def forward(apps, schema_editor):
    for statement in revisions.catalog_statements(schema_editor.connection.vendor, datastore_revision=False):
        schema_editor.execute(statement, params=None)


def backward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for statement in revisions.drop_statements(vendor, revisions.catalog_statements(vendor, datastore_revision=False)):
        schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):

    dependencies = [
        ('catalog', '0008_search_postings'),
    ]

    operations = [
        migrations.AddField(
            model_name='dataset',
            name='revision',
            field=models.BigIntegerField(default=revisions.new_revision, editable=False),
        ),
        migrations.RunPython(forward, backward),
    ]
