"""Participation's flags, cases, decisions and notices move to moderation's tables, each row
keeping its id and pointing at its idea, comment or reuse through a content type and an object
id. The decisions (the audit log) are copied whole, in order. Going back copies them into
participation's tables again (``participation.0004`` recreates those first)."""

from contextlib import contextmanager

from django.core.management.color import no_style
from django.db import migrations

KINDS = ("idea", "comment", "reuse")
COMMON = {
    "Flag": ("id", "user_id", "rule", "note", "resolved", "created"),
    "Case": ("id", "organisation_id", "reason", "channel", "findings", "status", "opened", "closed"),
    "Decision": ("id", "case_id", "organisation_id", "action", "rule", "note", "moderator_id", "before", "after",
                 "created"),
}
NOTICE = ("id", "decision_id", "recipient_id", "email", "language", "subject", "body", "created", "sent", "read")


def _content_types(apps):
    ContentType = apps.get_model("contenttypes", "ContentType")
    types = {kind: ContentType.objects.get_or_create(app_label="participation", model=kind)[0] for kind in KINDS}
    return types, {ct.pk: kind for kind, ct in types.items()}


@contextmanager
def _dates_as_given(*models):
    """Within: ``auto_now_add`` fields are written as given, so rows keep their dates."""
    fields = [f for model in models for f in model._meta.concrete_fields if getattr(f, "auto_now_add", False)]
    for field in fields:
        field.auto_now_add = False
    try:
        yield
    finally:
        for field in fields:
            field.auto_now_add = True


def _reset_sequences(schema_editor, models):
    connection = schema_editor.connection
    statements = connection.ops.sequence_reset_sql(no_style(), models)
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


def forward(apps, schema_editor):
    with _dates_as_given(*(apps.get_model("moderation", name) for name in (*COMMON, "Notice"))):
        _forward(apps, schema_editor)


def _forward(apps, schema_editor):
    types, _kinds = _content_types(apps)
    moved = []
    for name, fields in COMMON.items():
        old = apps.get_model("participation", name)
        new = apps.get_model("moderation", name)
        rows = []
        for values in old.objects.order_by("pk").values(*fields, *(f"{kind}_id" for kind in KINDS)).iterator():
            kind = next(kind for kind in KINDS if values[f"{kind}_id"] is not None)
            row = {field: values[field] for field in fields}
            rows.append((row, types[kind], str(values[f"{kind}_id"])))
        new.objects.bulk_create([new(content_type=ct, object_id=object_id, **row) for row, ct, object_id in rows],
                                batch_size=500)
        moved.append(new)
    old, new = apps.get_model("participation", "Notice"), apps.get_model("moderation", "Notice")
    rows = list(old.objects.order_by("pk").values(*NOTICE))
    new.objects.bulk_create([new(**row) for row in rows], batch_size=500)
    moved.append(new)
    _reset_sequences(schema_editor, moved)


def backward(apps, schema_editor):
    with _dates_as_given(*(apps.get_model("participation", name) for name in (*COMMON, "Notice"))):
        _backward(apps, schema_editor)


def _backward(apps, schema_editor):
    _types, kinds = _content_types(apps)
    moved = []
    for name, fields in COMMON.items():
        new = apps.get_model("moderation", name)
        old = apps.get_model("participation", name)
        rows = []
        for values in new.objects.order_by("pk").values(*fields, "content_type_id", "object_id").iterator():
            kind = kinds.get(values["content_type_id"])
            if kind is None:
                raise RuntimeError(f"moderation.{name} {values['id']} is about content participation cannot hold")
            row = {field: values[field] for field in fields}
            row[f"{kind}_id"] = values["object_id"]
            rows.append(row)
        old.objects.bulk_create([old(**row) for row in rows], batch_size=500)
        moved.append(old)
    old, new = apps.get_model("participation", "Notice"), apps.get_model("moderation", "Notice")
    rows = list(new.objects.order_by("pk").values(*NOTICE))
    old.objects.bulk_create([old(**row) for row in rows], batch_size=500)
    moved.append(old)
    _reset_sequences(schema_editor, moved)
    # Participation's tables hold them again; moderation's are emptied, children first.
    for name in ("Notice", "Decision", "Flag", "Case"):
        apps.get_model("moderation", name)._base_manager.all()._raw_delete(schema_editor.connection.alias)


class Migration(migrations.Migration):

    dependencies = [
        ("moderation", "0001_initial"),
        ("participation", "0003_organisation_in_accounts"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(forward, backward)]
