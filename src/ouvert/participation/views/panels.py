"""What participation shows on other domains' pages (registered in ``apps.py``)."""

from __future__ import annotations

from .. import services


def dataset_panel(request, dataset) -> dict:
    """The dataset page's panel: the public challenges that point to it and the reuses built on it."""
    return {
        "dataset": dataset,
        "challenges": list(services.challenges_for_dataset(dataset).select_related("organisation")[:50]),
        "reuses": list(services.published_reuses(dataset=dataset)[:50]),
    }
