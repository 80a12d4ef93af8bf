# Organisations now belong to accounts (accounts/0003): the foreign keys that name them follow,
# in Django's state only (the table and its rows stay where they are). This runs before the
# catalog forgets its own model of them (catalog/0013).

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0003_organisation'),
        ('participation', '0002_idea_list_indexes'),
    ]

    run_before = [
        ('catalog', '0013_organisation_moved_to_accounts'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='challenge',
                    name='organisation',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='challenges', to='accounts.organisation'),
                ),
                migrations.AlterField(
                    model_name='case',
                    name='organisation',
                    field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='accounts.organisation'),
                ),
                migrations.AlterField(
                    model_name='decision',
                    name='organisation',
                    field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='accounts.organisation'),
                ),
            ],
            database_operations=[],
        ),
    ]
