"""Flags, cases, decisions and notices live in the moderation app now: its
``0002_from_participation`` copied the rows; participation's tables go (and come back, empty,
before that migration copies the rows back, when going backward)."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("participation", "0003_organisation_in_accounts"),
        ("moderation", "0002_from_participation"),
    ]

    operations = [
        # Dependents first: a notice cites a decision, a decision its case.
        migrations.DeleteModel(name="Notice"),
        migrations.DeleteModel(name="Decision"),
        migrations.DeleteModel(name="Flag"),
        migrations.DeleteModel(name="Case"),
    ]
