"""Helpers shared by the action modules."""

from __future__ import annotations

import json
import threading
import time
from collections import OrderedDict

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection
from django.db.models import prefetch_related_objects

from ouvert.catalog.models import Dataset, Licence, Organisation, Resource, Tag, Theme
from ouvert.catalog.serializers import dataset_dict


class EncodedJSON(str):
    """A result already encoded as JSON text, which the view puts into the envelope as is."""


def encode(value) -> EncodedJSON:
    """``value`` as JSON, encoded exactly as the view encodes every other result."""
    return EncodedJSON(json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False))


def package_dicts(datasets, language: str) -> list[dict]:
    """Full package dicts for ``datasets`` (instances or ids), in their order, in few queries."""
    ids = [getattr(d, "pk", d) for d in datasets]
    found = (Dataset.objects.filter(pk__in=ids).select_related("organisation", "licence")
             .prefetch_related("tags", "resources", "resources__datatable", "themes").in_bulk())
    return [dataset_dict(found[pk], language) for pk in ids if pk in found]


# --- package_show's cache ------------------------------------------------------------------
#
# A package dict of a dataset with hundreds of resources costs milliseconds to read and encode,
# and is read far more often than it changes. Each web process keeps the encoded dicts it has
# served, keyed by everything the dict is made of, so a change anywhere makes a new key and the
# old entry is never served again (it just ages out):
# - the dataset's, organisation's and licence's rows, which the permission check has just read
#   (so a change of any field counts, even one written without touching ``modified``);
# - of its resources, themes, tag links and datastore tables: how many, and the latest
#   ``modified`` / link id / active version (resources, themes and datastore tables stamp
#   ``modified`` on every save; links are only ever added or deleted, and ids are never
#   reused), read in one query;
# - the language and the site's address.
# ``COVERED_TABLES`` lists those tables; a test checks that ``dataset_dict`` reads no other, so
# a new field read from elsewhere cannot be served stale unnoticed. The cache is consulted
# only after the caller has been allowed to see the dataset, and the dict does not depend on
# who asks. Entries also expire after ``PACKAGE_CACHE_SECONDS``, which bounds how long a change
# made behind the services' back (raw SQL) can go unseen.

PACKAGE_CACHE_SECONDS = 30
PACKAGE_CACHE_MAX_CHARS = 32 * 1024 * 1024  # per process
_cache: OrderedDict[tuple, tuple[float, EncodedJSON]] = OrderedDict()
_cache_chars = 0
_cache_lock = threading.Lock()


def _datatables() -> str | None:
    """The datastore's table of resources' tables, when the datastore app is installed."""
    relation = getattr(Resource, "datatable", None)
    return relation.related.related_model._meta.db_table if relation is not None else None


def covered_tables() -> set[str]:
    tables = {Dataset._meta.db_table, Organisation._meta.db_table, Licence._meta.db_table, Tag._meta.db_table,
              Dataset.tags.through._meta.db_table, Theme._meta.db_table, Dataset.themes.through._meta.db_table,
              Resource._meta.db_table}
    return tables | ({_datatables()} if _datatables() else set())


def _row(instance) -> str:
    """Every stored field of ``instance``, as a hashable text (JSON fields hold dicts)."""
    if instance is None:
        return ""
    return repr([getattr(instance, field.attname) for field in instance._meta.concrete_fields])


def _related_state(dataset: Dataset) -> tuple:
    """Counts and latest stamps of what the dict reads besides the dataset's own rows, in one
    statement of three aggregates (cheap to plan, which matters on PostgreSQL)."""
    resources = Resource._meta.db_table
    datatables = _datatables()
    if datatables:
        of_resources = (f"SELECT COUNT(*), MAX(r.modified), COUNT(d.active_version_id), SUM(d.active_version_id), "
                        f"MAX(d.modified) FROM {resources} r LEFT JOIN {datatables} d ON d.resource_id = r.id "
                        f"WHERE r.dataset_id = %s")
    else:
        of_resources = f"SELECT COUNT(*), MAX(r.modified) FROM {resources} r WHERE r.dataset_id = %s"
    sql = (f"SELECT * FROM ({of_resources}) r, "
           f"(SELECT COUNT(*), MAX(l.id), MAX(t.modified) FROM {Dataset.themes.through._meta.db_table} l "
           f"JOIN {Theme._meta.db_table} t ON t.id = l.theme_id WHERE l.dataset_id = %s) th, "
           f"(SELECT COUNT(*), MAX(id) FROM {Dataset.tags.through._meta.db_table} WHERE dataset_id = %s) ta")
    pk = Dataset._meta.pk.get_db_prep_value(dataset.pk, connection)
    with connection.cursor() as cursor:
        cursor.execute(sql, [pk] * 3)
        return tuple(cursor.fetchone())


def package_json(dataset: Dataset, language: str) -> EncodedJSON:
    """The package dict of ``dataset`` (already allowed to the caller), encoded, from the cache
    when nothing it is made of has changed since it was encoded."""
    global _cache_chars
    key = (_row(dataset), _row(dataset.organisation), _row(dataset.licence), _related_state(dataset),
           language, settings.SITE_URL)
    now = time.monotonic()
    with _cache_lock:
        found = _cache.get(key)
        if found is not None and now - found[0] < PACKAGE_CACHE_SECONDS:
            _cache.move_to_end(key)
            return found[1]
    # Read after the key, so an entry never holds an older state than its key says.
    prefetch_related_objects([dataset], "tags", "resources", "themes")
    encoded = encode(dataset_dict(dataset, language))
    if len(encoded) > PACKAGE_CACHE_MAX_CHARS // 8:
        return encoded
    with _cache_lock:
        previous = _cache.pop(key, None)
        if previous is not None:
            _cache_chars -= len(previous[1])
        _cache[key] = (now, encoded)
        _cache_chars += len(encoded)
        while _cache_chars > PACKAGE_CACHE_MAX_CHARS and _cache:
            _old_key, (_when, old) = _cache.popitem(last=False)
            _cache_chars -= len(old)
    return encoded


def clear_package_cache() -> None:
    """Forget every cached package dict of this process (for tests)."""
    global _cache_chars
    with _cache_lock:
        _cache.clear()
        _cache_chars = 0
