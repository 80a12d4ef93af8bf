"""Page panels: domains add to the dataset, resource and organisation pages by registering."""

from __future__ import annotations

import copy

import pytest
from django.urls import reverse
from django.utils import translation

from ouvert.core import panels
from tests.support.factories import make_dataset, make_organisation, make_user

pytestmark = pytest.mark.django_db


def url(name, *args, lang="en"):
    with translation.override(lang):
        return reverse(name, args=args)


def test_the_datastore_and_participation_panels_are_registrations():
    assert [p.template for p in panels.registered("resource", "head")] == ["datastore/head.html"]
    assert "datastore/sections.html" in [p.template for p in panels.registered("resource", "main")]
    assert "participation/includes/dataset_participation.html" in [
        p.template for p in panels.registered("dataset", "main")]


@pytest.fixture
def extra_panels(settings, tmp_path):
    (tmp_path / "extra").mkdir()
    (tmp_path / "extra" / "panel.html").write_text('<section class="extra-{{ label }}">{{ label }} {{ title }}</section>')
    (tmp_path / "extra" / "action.html").write_text('<li class="extra-action">{{ label }}</li>')
    templates = copy.deepcopy(settings.TEMPLATES)
    templates[0]["DIRS"] = [str(tmp_path)]
    settings.TEMPLATES = templates
    registered = []

    def add(page, place, template, label, *, order=100, condition=None, empty=False):
        def context(request, obj):
            return None if empty else {"label": label, "title": str(obj)}

        panels.register(page, place, template=template, context=context, order=order, name=label,
                        **({"condition": condition} if condition else {}))
        registered.append((page, place, label))

    yield add
    for page, place, label in registered:
        panels.unregister(page, place, label)


def test_registered_panels_are_shown_in_order_where_their_condition_holds(client, extra_panels):
    organisation = make_organisation("ville", title_en="City")
    dataset = make_dataset(organisation, "arbres", title_en="Trees", resources=[("notes.txt", b"hello")])
    resource = dataset.resources.get()
    extra_panels("dataset", "main", "extra/panel.html", "late", order=500)
    extra_panels("dataset", "main", "extra/panel.html", "early", order=1)
    extra_panels("dataset", "main", "extra/panel.html", "members",
                 condition=lambda request, obj: request.user.is_authenticated)
    extra_panels("dataset", "main", "extra/panel.html", "empty", empty=True)
    extra_panels("resource", "main", "extra/panel.html", "resource")
    extra_panels("organisation", "main", "extra/panel.html", "organisation")
    extra_panels("organisation", "actions", "extra/action.html", "act")

    html = client.get(url("web:dataset", "arbres")).content.decode()
    early, participation, late = (html.index('class="extra-early"'), html.index('id="challenges-title"'),
                                  html.index('class="extra-late"'))
    assert early < participation < late
    assert "extra-members" not in html and "extra-empty" not in html
    assert '<section class="extra-early">early Trees</section>' in html
    client.force_login(make_user())
    assert "extra-members" in client.get(url("web:dataset", "arbres")).content.decode()

    html = client.get(resource.get_absolute_url()).content.decode()
    assert '<section class="extra-resource">resource notes.txt</section>' in html
    html = client.get(url("web:organisation", "ville")).content.decode()
    assert "extra-organisation" in html
    assert '<ul class="actions">' in html and '<li class="extra-action">act</li>' in html


def test_unknown_pages_and_places_are_refused():
    with pytest.raises(ValueError):
        panels.register("nowhere", "main", template="x.html")
    with pytest.raises(ValueError):
        panels.register("dataset", "footer", template="x.html")
