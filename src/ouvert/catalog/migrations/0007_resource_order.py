# A dataset's resources in display order from an index: listing them, indexing the dataset for
# search and finding the last position no longer read and sort every resource of the dataset.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('catalog', '0006_search_facet_codes'),
    ]

    operations = [
        migrations.AddIndex(
            model_name='resource',
            index=models.Index(fields=['dataset', 'position', 'created'], name='catalog_resource_order'),
        ),
    ]
