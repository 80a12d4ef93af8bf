# Organisations now belong to accounts (accounts/0003), whose model keeps this app's table,
# catalog_organisation, with its rows and revision triggers: the catalog's foreign keys follow
# and its own model goes, in Django's state only. (The activity history's key is left without a
# reverse accessor until catalog/0014 moves that history to core.)

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0003_organisation'),
        ('catalog', '0012_search_additions'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='dataset',
                    name='organisation',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='datasets', to='accounts.organisation'),
                ),
                migrations.AlterField(
                    model_name='activity',
                    name='organisation',
                    field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='accounts.organisation'),
                ),
                migrations.DeleteModel(
                    name='Organisation',
                ),
            ],
            database_operations=[],
        ),
    ]
