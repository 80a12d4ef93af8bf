"""The registry of moderated content types: participation's registrations, and what is refused."""

import pytest

from ouvert import moderation
from ouvert.moderation import registry, services
from ouvert.moderation.forms import QueueFilterForm
from ouvert.participation.models import Comment, Idea, Reuse
from ouvert.participation.tests.factories import make_idea
from tests.support.factories import make_dataset, make_organisation, make_user


def test_participation_registers_ideas_comments_and_reuses():
    assert {(t.kind, t.model) for t in registry.types()} >= {("idea", Idea), ("comment", Comment), ("reuse", Reuse)}
    assert registry.by_kind("comment").model is Comment and registry.for_model(Idea).kind == "idea"
    kinds = dict(QueueFilterForm().fields["kind"].choices)
    assert {"idea", "comment", "reuse"} <= set(kinds)


def test_a_kind_names_one_model():
    with pytest.raises(ValueError, match="already registered"):
        moderation.register(Reuse, kind="idea", label="", plural="", organisation=lambda o: None,
                            text=str, title=str, url=str)


@pytest.mark.django_db
def test_unregistered_content_is_not_moderated():
    dataset = make_dataset(make_organisation(), "arbres")
    with pytest.raises(LookupError, match="not a moderated content type"):
        services.flag_content(dataset, actor=make_user(), rule="spam")
    assert services.organisation_of(make_idea()).name  # a registered type answers


def test_a_registration_can_be_withdrawn():
    moderated = registry.for_model(Reuse)
    moderation.unregister(Reuse)
    try:
        with pytest.raises(LookupError):
            registry.for_model(Reuse)
    finally:
        registry._types[Reuse] = moderated
    assert registry.for_model(Reuse) is moderated
