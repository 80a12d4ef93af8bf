"""The activity history any domain writes through ``ouvert.core.activity``."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import AnonymousUser

from ouvert.core.activity import new_activity, record_activities, record_activity
from ouvert.core.models import Activity
from tests.support.factories import make_dataset, make_organisation, make_user

pytestmark = pytest.mark.django_db


def test_an_entry_names_its_object_organisation_and_target():
    actor = make_user()
    organisation = make_organisation()
    dataset = make_dataset(organisation)
    resource = dataset.resources.create(kind="url", url="https://example.org/a.csv", title_fr="A")
    entry = record_activity("test.resource.touched", actor=actor, obj=resource, organisation=organisation,
                            target=dataset, changes={"when": (None, dt.date(2026, 1, 2)), "dataset": (None, dataset)})
    entry.refresh_from_db()
    assert (entry.key, entry.actor, entry.organisation) == ("test.resource.touched", actor, organisation)
    assert (entry.content_object, entry.object_type, entry.object_id, entry.object_name) == (
        resource, "resource", str(resource.pk), "A")
    assert entry.target == dataset
    assert entry.changes == {"when": [None, "2026-01-02"], "dataset": [None, str(dataset.pk)]}
    assert Activity.objects.history_of(dataset).first() == entry
    assert Activity.objects.about(resource).get() == entry
    assert entry in organisation.activities.all()


def test_anonymous_actors_and_objects_without_target():
    organisation = make_organisation()
    entry = record_activity("test.organisation.seen", actor=AnonymousUser(), obj=organisation)
    assert (entry.actor, entry.organisation, entry.target_type, entry.target_id) == (None, None, None, "")
    assert entry.object_name == organisation.name
    assert not Activity.objects.history_of(organisation).exists()


def test_many_entries_at_once():
    dataset = make_dataset()
    before = Activity.objects.history_of(dataset).count()
    record_activities(new_activity("test.dataset.looked_at", actor=None, obj=dataset, target=dataset) for _ in range(3))
    assert Activity.objects.history_of(dataset).count() == before + 3
