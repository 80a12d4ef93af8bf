# Organisations move from the catalog to accounts, below every domain. Only Django's idea of
# them moves: the table keeps its name (catalog_organisation) and its rows, and with them the
# catalog's revision triggers (ouvert.catalog.revisions) installed on it. Their content type
# follows, so that permissions and generic references to organisations keep pointing at them.

import django.core.validators
import django.db.models.deletion
import uuid

from django.db import migrations, models

import ouvert.core.i18n


def _move_content_type(apps, schema_editor, source: str, destination: str) -> None:
    ContentType = apps.get_model("contenttypes", "ContentType")
    types = ContentType.objects.using(schema_editor.connection.alias)
    if not types.filter(app_label=destination, model="organisation").exists():
        types.filter(app_label=source, model="organisation").update(app_label=destination)


def forward(apps, schema_editor):
    _move_content_type(apps, schema_editor, "catalog", "accounts")


def backward(apps, schema_editor):
    _move_content_type(apps, schema_editor, "accounts", "catalog")


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0002_initial'),
        ('catalog', '0012_search_additions'),
        ('contenttypes', '0002_remove_content_type_name'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='Organisation',
                    fields=[
                        ('id', models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False)),
                        ('name', models.CharField(max_length=100, unique=True, validators=[django.core.validators.RegexValidator('^[a-z0-9][a-z0-9_-]{1,99}$', 'Use 2 to 100 lowercase letters, digits, hyphens or underscores, starting with a letter or digit.')], verbose_name='name')),
                        ('title_fr', models.CharField(blank=True, max_length=300, verbose_name='title (French)')),
                        ('title_en', models.CharField(blank=True, max_length=300, verbose_name='title (English)')),
                        ('description_fr', models.TextField(blank=True, verbose_name='description (French)')),
                        ('description_en', models.TextField(blank=True, verbose_name='description (English)')),
                        ('website', models.URLField(blank=True, verbose_name='website')),
                        ('email', models.EmailField(blank=True, max_length=254, verbose_name='e-mail')),
                        ('image_url', models.URLField(blank=True, verbose_name='logo URL')),
                        ('state', models.CharField(choices=[('draft', 'Draft'), ('active', 'Published'), ('deleted', 'Deleted')], default='active', max_length=10)),
                        ('extras', models.JSONField(blank=True, default=dict)),
                        ('created', models.DateTimeField(auto_now_add=True)),
                        ('modified', models.DateTimeField(auto_now=True)),
                    ],
                    options={
                        'verbose_name': 'organisation',
                        'verbose_name_plural': 'organisations',
                        'db_table': 'catalog_organisation',
                        'ordering': ['name'],
                    },
                    bases=(ouvert.core.i18n.BilingualMixin, models.Model),
                ),
                migrations.AlterField(
                    model_name='membership',
                    name='organisation',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='memberships', to='accounts.organisation'),
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(forward, backward),
    ]
