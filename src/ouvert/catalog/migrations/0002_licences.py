from django.db import migrations


def load(apps, schema_editor):
    from ouvert.catalog.licences import LICENCES

    Licence = apps.get_model("catalog", "Licence")
    for position, (lid, fr, en, url, is_open) in enumerate(LICENCES):
        Licence.objects.update_or_create(
            id=lid, defaults={"title_fr": fr, "title_en": en, "url": url, "is_open": is_open, "position": position}
        )


class Migration(migrations.Migration):
    dependencies = [("catalog", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
