# The catalog's activity history moves to core's generic one (core/0002), every row with its id,
# time and actor: what an entry was about (``object_type``, a model name) becomes a content
# type, and the dataset whose history it belonged to becomes its ``target``. Backwards, entries
# come back as far as the old table can hold them (a target that is no longer a dataset is
# dropped, the entry kept).

import uuid

from django.core.management.color import no_style
from django.db import migrations

BATCH = 2000

# The app of each kind of object the history held when it moved (model names are unique in
# the project; a kind not listed is looked up among the content types).
APPS = {
    "organisation": "accounts", "membership": "accounts", "user": "accounts",
    "dataset": "catalog", "resource": "catalog", "theme": "catalog", "licence": "catalog", "tag": "catalog",
    "challenge": "participation", "idea": "participation", "comment": "participation", "reuse": "participation",
    "consultation": "participation",
}


def _batches(model, db):
    last = 0
    while True:
        rows = list(model.objects.using(db).filter(pk__gt=last).order_by("pk")[:BATCH])
        if not rows:
            return
        yield rows
        last = rows[-1].pk


def _reset_sequence(schema_editor, model) -> None:
    connection = schema_editor.connection
    for statement in connection.ops.sequence_reset_sql(no_style(), [model]):
        schema_editor.execute(statement, params=None)


def forward(apps, schema_editor):
    db = schema_editor.connection.alias
    Old = apps.get_model("catalog", "Activity")
    New = apps.get_model("core", "Activity")
    types = apps.get_model("contenttypes", "ContentType").objects.db_manager(db)
    found: dict[str, object] = {}

    def content_type(model: str):
        if model not in found:
            if model in APPS:
                found[model] = types.get_or_create(app_label=APPS[model], model=model)[0]
            else:
                candidates = list(types.filter(model=model)[:2]) if model else []
                found[model] = candidates[0] if len(candidates) == 1 else None
        return found[model]

    dataset = content_type("dataset")
    for rows in _batches(Old, db):
        New.objects.using(db).bulk_create([New(
            id=row.pk, actor_id=row.actor_id, key=row.key, organisation_id=row.organisation_id,
            content_type=content_type(row.object_type), object_id=row.object_id, object_name=row.object_name,
            target_type=dataset if row.dataset_id else None, target_id=str(row.dataset_id) if row.dataset_id else "",
            changes=row.changes, created=row.created,
        ) for row in rows])
    _reset_sequence(schema_editor, New)


def backward(apps, schema_editor):
    db = schema_editor.connection.alias
    Old = apps.get_model("catalog", "Activity")
    New = apps.get_model("core", "Activity")
    Dataset = apps.get_model("catalog", "Dataset")
    types = {ct.pk: (ct.app_label, ct.model) for ct in apps.get_model("contenttypes", "ContentType").objects.using(db)}

    def dataset_id(row):
        if types.get(row.target_type_id) != ("catalog", "dataset"):
            return None
        try:
            return uuid.UUID(row.target_id)
        except ValueError:
            return None

    created = Old._meta.get_field("created")
    created.auto_now_add = False  # the entries keep their time (this model is this migration's own)
    try:
        for rows in _batches(New, db):
            wanted = {dataset_id(row) for row in rows} - {None}
            present = set(Dataset.objects.using(db).filter(pk__in=wanted).values_list("pk", flat=True))
            Old.objects.using(db).bulk_create([Old(
                id=row.pk, actor_id=row.actor_id, key=row.key, organisation_id=row.organisation_id,
                dataset_id=dataset_id(row) if dataset_id(row) in present else None,
                object_type=types.get(row.content_type_id, ("", ""))[1][:30], object_id=row.object_id,
                object_name=row.object_name, changes=row.changes, created=row.created,
            ) for row in rows])
    finally:
        created.auto_now_add = True
    _reset_sequence(schema_editor, Old)


class Migration(migrations.Migration):

    dependencies = [
        ('catalog', '0013_organisation_moved_to_accounts'),
        ('core', '0002_activity'),
    ]

    operations = [
        migrations.RunPython(forward, backward),
        migrations.DeleteModel(
            name='Activity',
        ),
    ]
