"""Helpers shared by the action modules."""

from __future__ import annotations

import json
import threading
import time
from collections import OrderedDict

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import prefetch_related_objects

from ouvert.accounts.models import Organisation
from ouvert.catalog.models import Dataset, Licence, Resource, Tag, Theme
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


# --- package dicts' cache -------------------------------------------------------------------
#
# A package dict of a dataset with hundreds of resources costs milliseconds to read and encode,
# and is read far more often than it changes. Each web process keeps the encoded dicts it has
# served, keyed by the dataset's id and ``revisions``, which the database raises on every change
# to the dataset's row and to what its dict is made of: its resources, tag and theme links,
# themes, tags, organisation and licence (``revision``) and its datastore tables
# (``datastore_revision``; see ``ouvert.catalog.revisions``). A change anywhere makes a new
# key, and the old entry is never served again (it just ages out). ``covered_tables()`` lists
# those tables; a test checks that ``dataset_dict`` reads no other, and another that a change to
# each of them raises one of the two. The cache serves package_show
# and package_search's results, only for datasets the caller has been allowed to see (checked,
# or found by a search of what they may see); the dict does not depend on who asks, only on the
# language and the site's address, also in the key. Entries also expire after
# ``PACKAGE_CACHE_SECONDS``.

PACKAGE_CACHE_SECONDS = 30
PACKAGE_CACHE_MAX_CHARS = 32 * 1024 * 1024  # per process
_cache: OrderedDict[tuple, tuple[float, EncodedJSON]] = OrderedDict()
_cache_chars = 0
_cache_lock = threading.Lock()


def covered_tables() -> set[str]:
    tables = {Dataset._meta.db_table, Organisation._meta.db_table, Licence._meta.db_table, Tag._meta.db_table,
              Dataset.tags.through._meta.db_table, Theme._meta.db_table, Dataset.themes.through._meta.db_table,
              Resource._meta.db_table}
    relation = getattr(Resource, "datatable", None)  # when the datastore app is installed
    return tables | ({relation.related.related_model._meta.db_table} if relation is not None else set())


def _key(dataset_id, revisions: tuple[int, int], language: str) -> tuple:
    return (str(dataset_id), revisions, language, settings.SITE_URL)


def _cached(key: tuple, now: float) -> EncodedJSON | None:
    with _cache_lock:
        found = _cache.get(key)
        if found is not None and now - found[0] < PACKAGE_CACHE_SECONDS:
            _cache.move_to_end(key)
            return found[1]
    return None


def cached_package_json(dataset_id, revisions: tuple[int, int], language: str) -> EncodedJSON | None:
    """The package dict of a dataset at ``revisions`` (``Dataset.revisions``; already allowed
    to the caller), encoded, if this process holds it."""
    return _cached(_key(dataset_id, revisions, language), time.monotonic())


def package_json(dataset: Dataset, language: str) -> EncodedJSON:
    """The package dict of ``dataset`` (already allowed to the caller), encoded, from the cache
    when nothing it is made of has changed since it was encoded."""
    return package_jsons([dataset], language)[0]


def package_jsons(datasets: list[Dataset], language: str) -> list[EncodedJSON]:
    """``package_json`` of each of ``datasets`` (read with their organisation and licence, and
    already allowed to the caller), in their order; those not in the cache are read together,
    in a few queries whatever their number."""
    keys = [_key(d.pk, d.revisions, language) for d in datasets]
    now = time.monotonic()
    encoded = [_cached(key, now) for key in keys]
    missing = [i for i, found in enumerate(encoded) if found is None]
    if missing:
        # Read after the keys, so an entry never holds an older state than its key says.
        prefetch_related_objects([datasets[i] for i in missing], "tags", "resources", "themes")
        for i in missing:
            encoded[i] = encode(dataset_dict(datasets[i], language))
            _keep(keys[i], now, encoded[i])
    return encoded


def _keep(key: tuple, now: float, encoded: EncodedJSON) -> None:
    global _cache_chars
    if len(encoded) > PACKAGE_CACHE_MAX_CHARS // 8:
        return
    with _cache_lock:
        previous = _cache.pop(key, None)
        if previous is not None:
            _cache_chars -= len(previous[1])
        _cache[key] = (now, encoded)
        _cache_chars += len(encoded)
        while _cache_chars > PACKAGE_CACHE_MAX_CHARS and _cache:
            _old_key, (_when, old) = _cache.popitem(last=False)
            _cache_chars -= len(old)


def clear_package_cache() -> None:
    """Forget every cached package dict of this process (for tests)."""
    global _cache_chars
    with _cache_lock:
        _cache.clear()
        _cache_chars = 0
