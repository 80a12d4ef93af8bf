"""Participation's follows (one column per followed kind) become generic follows.

Reversible: follows of ideas and challenges go back; follows of other kinds (datasets,
organisations), which the old table cannot hold, are dropped with the generic table.
"""

from django.db import migrations

KINDS = ("idea", "challenge")


def _content_type(apps, model: str):
    ContentType = apps.get_model("contenttypes", "ContentType")
    return ContentType.objects.get_or_create(app_label="participation", model=model)[0]


def forwards(apps, schema_editor):
    Old = apps.get_model("participation", "Follow")
    Follow = apps.get_model("notifications", "Follow")
    types = {kind: _content_type(apps, kind) for kind in KINDS}
    batch = []
    for row in Old.objects.order_by("pk").iterator(chunk_size=2000):
        kind = "idea" if row.idea_id is not None else "challenge"
        target = row.idea_id if row.idea_id is not None else row.challenge_id
        batch.append(Follow(user_id=row.user_id, content_type=types[kind], object_id=str(target), created=row.created))
        if len(batch) >= 2000:
            Follow.objects.bulk_create(batch, ignore_conflicts=True)
            batch = []
    Follow.objects.bulk_create(batch, ignore_conflicts=True)


def backwards(apps, schema_editor):
    Old = apps.get_model("participation", "Follow")
    Follow = apps.get_model("notifications", "Follow")
    for kind in KINDS:
        model = apps.get_model("participation", kind)
        content_type = _content_type(apps, kind)
        rows = Follow.objects.filter(content_type=content_type).order_by("pk")
        existing = {str(pk) for pk in model.objects.filter(
            pk__in=[r.object_id for r in rows]).values_list("pk", flat=True)}
        kept = [r for r in rows if r.object_id in existing]
        restored = Old.objects.bulk_create([Old(user_id=r.user_id, **{f"{kind}_id": r.object_id}) for r in kept])
        # ``created`` is auto_now_add there, set to now on creation: put the dates back.
        for old, row in zip(restored, kept, strict=True):
            old.created = row.created
        Old.objects.bulk_update(restored, ["created"], batch_size=1000)
        rows.delete()


class Migration(migrations.Migration):

    dependencies = [
        ("notifications", "0001_initial"),
        ("participation", "0004_moderation_moved"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
