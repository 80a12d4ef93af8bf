"""Participation's follows move to the generic table and back, every row kept."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from ouvert.notifications import services
from ouvert.notifications.models import Follow
from ouvert.participation.tests.factories import make_challenge, make_idea
from tests.support.factories import make_organisation, make_user

BEFORE = [("participation", "0004_moderation_moved"), ("notifications", None)]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state([t for t in targets if t[1] is not None]).apps


def latest():
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


@pytest.mark.django_db(transaction=True)
def test_follows_go_back_to_participation_and_forward_again_with_their_rows():
    challenge = make_challenge(make_organisation())
    idea_author, reader = make_user(), make_user()
    idea = make_idea(challenge, author=idea_author)  # its author follows it
    services.follow(challenge, actor=reader)
    services.follow(idea, actor=reader)
    before = sorted(Follow.objects.values_list("user_id", "content_type__model", "object_id", "created"))
    assert len(before) == 3

    try:
        old = migrate(BEFORE)
        rows = old.get_model("participation", "Follow").objects.all()
        assert sorted((r.user_id, "idea" if r.idea_id else "challenge", str(r.idea_id or r.challenge_id), r.created)
                      for r in rows) == before
    finally:
        migrate(latest())
    after = sorted(Follow.objects.values_list("user_id", "content_type__model", "object_id", "created"))
    assert after == before
    assert services.is_following(idea, actor=reader) and services.is_following(challenge, actor=reader)
