"""Follows now live in ``notifications`` (generic); their rows were copied there first."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("participation", "0004_moderation_moved"),
        ("notifications", "0002_follows_from_participation"),
    ]

    operations = [migrations.DeleteModel(name="Follow")]
