"""Reading datasets for indexing in bulk: plain rows in a handful of queries per batch.

Instantiating models and prefetching their relations cost more than analysing the text; these
rows carry exactly what ``documents.document_from`` reads, in the same orders as the models'
(tags and themes by name, resources by position then creation), so a bulk rebuild writes the
same index as indexing datasets one by one.
"""

from __future__ import annotations

from collections import defaultdict, namedtuple
from collections.abc import Iterator
from types import SimpleNamespace

from django.db import connection

from .documents import Source

DATASET_FIELDS = ("id", "name", "title_fr", "title_en", "description_fr", "description_en", "spatial", "state",
                  "private", "organisation_id", "created_by_id", "licence_id", "created", "modified", "revision")
RESOURCE_FIELDS = ("title_fr", "title_en", "description_fr", "description_en", "format", "filename")
ResourceRow = namedtuple("ResourceRow", RESOURCE_FIELDS)


def sources(dataset_ids: list, *, exclude_deleted: bool = False) -> Iterator[Source]:
    """``Source`` of each dataset of ``dataset_ids`` still in the catalog, in that order
    (without the deleted ones with ``exclude_deleted``)."""
    from ouvert.accounts.models import Organisation
    from ouvert.catalog.models import Dataset, Resource
    from ouvert.core.models import State

    datasets = Dataset.objects.filter(pk__in=dataset_ids)
    if exclude_deleted:
        datasets = datasets.exclude(state=State.DELETED)
    # The datasets' rows, and so their revisions, are read first: what is read after them is at
    # least as recent, and a change committed in between raises the revision past the one read,
    # so an entry never claims a revision whose state it does not hold.
    rows = {row["id"]: row for row in datasets.values(*DATASET_FIELDS)}
    if not rows:
        return
    organisations = {
        org["id"]: SimpleNamespace(**org)
        for org in Organisation.objects.filter(pk__in={row["organisation_id"] for row in rows.values()})
        .values("id", "name", "title_fr", "title_en")
    }
    tags = defaultdict(list)
    for dataset_id, name, language in (Dataset.tags.through.objects.filter(dataset_id__in=dataset_ids)
                                       .order_by("tag__name", "tag__language")
                                       .values_list("dataset_id", "tag__name", "tag__language")):
        tags[dataset_id].append((name, language))
    themes = defaultdict(list)
    for dataset_id, name in (Dataset.themes.through.objects.filter(dataset_id__in=dataset_ids)
                             .order_by("theme__name").values_list("dataset_id", "theme__name")):
        themes[dataset_id].append(name)
    resources = defaultdict(list)
    # A raw query: a dataset may have hundreds of resources, and the ORM's rows cost more than
    # the rest of re-indexing it.
    dataset_key = Resource._meta.get_field("dataset").target_field
    keys = {pk: dataset_key.get_db_prep_value(pk, connection) for pk in rows}  # pk -> as stored
    stored = {str(key): pk for pk, key in keys.items()}
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT dataset_id, {', '.join(RESOURCE_FIELDS)} FROM {Resource._meta.db_table} "
            f"WHERE dataset_id IN ({', '.join(['%s'] * len(keys))}) ORDER BY dataset_id, position, created",
            list(keys.values()))
        owners: dict = {}  # dataset id as the driver gives it -> pk (one conversion per dataset)
        for row in cursor.fetchall():
            owner = owners.get(row[0])
            if owner is None:
                owner = owners[row[0]] = resources[stored[str(row[0])]]
            owner.append(ResourceRow._make(row[1:]))
    for dataset_id in dataset_ids:
        row = rows.get(dataset_id)
        if row is None:
            continue
        dataset = SimpleNamespace(pk=row["id"], **row)
        yield Source(dataset=dataset, organisation=organisations[row["organisation_id"]], tags=tags[dataset_id],
                     themes=themes[dataset_id], resources=resources[dataset_id])
