"""Helpers shared by the action modules."""

from __future__ import annotations

from ouvert.catalog.models import Dataset
from ouvert.catalog.serializers import dataset_dict


def package_dicts(datasets, language: str) -> list[dict]:
    """Full package dicts for ``datasets`` (instances or ids), in their order, in few queries."""
    ids = [getattr(d, "pk", d) for d in datasets]
    found = (Dataset.objects.filter(pk__in=ids).select_related("organisation", "licence")
             .prefetch_related("tags", "resources", "themes").in_bulk())
    return [dataset_dict(found[pk], language) for pk in ids if pk in found]
