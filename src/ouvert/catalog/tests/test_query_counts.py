"""Catalog services whose cost must not grow with a dataset's size (timings: ``bench/api.py``)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ouvert.catalog import services
from ouvert.catalog.models import Dataset
from tests.support.factories import make_dataset, make_sysadmin

pytestmark = pytest.mark.django_db


def with_links(actor, count: int) -> Dataset:
    dataset = make_dataset(tags=["transport"])
    for i in range(count):
        services.add_resource(dataset, actor=actor, data={"url": f"https://example.org/{i}.csv", "title_fr": f"Fichier {i}"})
    return dataset


def test_add_resource_makes_as_many_queries_with_200_resources_as_with_5():
    root = make_sysadmin()
    counts = {}
    for count in (5, 200):
        dataset = with_links(root, count)
        with CaptureQueriesContext(connection) as queries:
            resource = services.add_resource(dataset, actor=root, data={"url": "https://example.org/new.csv"})
        assert resource.position == count
        counts[count] = len(queries)
    assert counts[200] == counts[5], counts


def test_reordering_resources_changes_the_dataset():
    """Positions are part of the dataset as shown; its ``modified`` says it changed."""
    root = make_sysadmin()
    dataset = with_links(root, 3)
    before = Dataset.objects.get(pk=dataset.pk).modified
    order = [str(r.pk) for r in dataset.resources.all()][::-1]
    services.reorder_resources(dataset, actor=root, order=order)
    assert Dataset.objects.get(pk=dataset.pk).modified > before
    assert [str(r.pk) for r in dataset.resources.all()] == order

