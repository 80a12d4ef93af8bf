"""A database populated under the old schema (moderation inside participation, one column per
content type) keeps every flag, case, decision and notice, and every reference, once migrated;
going back restores participation's rows. The database is left fully migrated."""

import datetime as dt
import uuid

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from ouvert.moderation.models import Case, Decision, Flag, Notice
from ouvert.participation.models import Comment, Idea, Reuse

# Follows left participation after moderation did: notifications is unapplied with it.
OLD = [("participation", "0003_organisation_in_accounts"), ("moderation", "0001_initial"), ("notifications", None)]
MOVED = {"participation", "moderation", "notifications"}


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    executor.loader.build_graph()
    return executor


def _leaves():
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


def _old_state():
    """Participation at 0003 (moderation not yet moved), every other app at its head."""
    targets = [node for node in _leaves() if node[0] not in MOVED] + OLD
    executor = _migrate(targets)
    return executor.loader.project_state([t for t in targets if t[1] is not None]).apps


def _populate(apps) -> dict:
    User = apps.get_model("accounts", "User")
    Organisation = apps.get_model("accounts", "Organisation")
    Challenge = apps.get_model("participation", "Challenge")
    OldIdea, OldComment, OldReuse = (apps.get_model("participation", n) for n in ("Idea", "Comment", "Reuse"))
    OldFlag, OldCase, OldDecision, OldNotice = (apps.get_model("participation", n)
                                                for n in ("Flag", "Case", "Decision", "Notice"))
    author = User.objects.create(username="autrice", email="autrice@example.org", language="en")
    moderator = User.objects.create(username="moderateur", email="moderateur@example.org")
    flagger = User.objects.create(username="signaleur", email="signaleur@example.org")
    org = Organisation.objects.create(name="ville", title_fr="Ville")
    challenge = Challenge.objects.create(name="defi", organisation=org, title_fr="Défi", status="published")
    idea = OldIdea.objects.create(challenge=challenge, title="Idée", body="Corps", author=author, moderation="hidden")
    comment = OldComment.objects.create(idea=idea, body="Commentaire", author=author, moderation="held")
    reuse = OldReuse.objects.create(kind="app", title_fr="Appli", url="https://example.org/", moderation="held")
    long_ago = timezone.now() - dt.timedelta(days=400)

    OldFlag.objects.create(idea=idea, user=flagger, rule="hate", note="haine", resolved=False)
    OldFlag.objects.create(comment=comment, user=flagger, rule="spam", resolved=True)
    OldFlag.objects.create(reuse=reuse, user=flagger, rule="illegal")
    cases = [OldCase.objects.create(idea=idea, organisation=org, reason="flags", findings=[
                 {"rule": "hate", "check": "flags", "detail": "1"}], status="closed", closed=timezone.now()),
             OldCase.objects.create(comment=comment, organisation=org, reason="checks", channel="email", findings=[
                 {"rule": "personal_information", "check": "personal", "detail": "email"}]),
             OldCase.objects.create(reuse=reuse, reason="review")]
    OldCase.objects.filter(pk=cases[0].pk).update(opened=long_ago)
    decisions = [
        OldDecision.objects.create(case=cases[0], idea=idea, organisation=org, action="hide", rule="hate",
                                   note="flags:1", before="visible", after="hidden"),
        OldDecision.objects.create(case=cases[1], comment=comment, organisation=org, action="hold",
                                   rule="personal_information", before="held", after="held"),
        OldDecision.objects.create(case=cases[2], reuse=reuse, action="hold", before="held", after="held"),
        OldDecision.objects.create(idea=idea, organisation=org, action="reject", rule="hate", note="Non.",
                                   moderator=moderator, before="hidden", after="rejected"),
    ]
    OldDecision.objects.filter(pk=decisions[0].pk).update(created=long_ago)
    OldNotice.objects.create(decision=decisions[3], recipient=author, email=author.email, language="en",
                             subject="Your contribution was removed", body="Because.", sent=timezone.now())
    return {
        "targets": {"flags": [(Idea, idea.pk), (Comment, comment.pk), (Reuse, reuse.pk)],
                    "cases": [(Idea, idea.pk), (Comment, comment.pk), (Reuse, reuse.pk)],
                    "decisions": [(Idea, idea.pk), (Comment, comment.pk), (Reuse, reuse.pk), (Idea, idea.pk)]},
        "flags": list(OldFlag.objects.order_by("pk").values()),
        "cases": list(OldCase.objects.order_by("pk").values()),
        "decisions": list(OldDecision.objects.order_by("pk").values()),
        "notices": list(OldNotice.objects.order_by("pk").values()),
        "users": (author.pk, moderator.pk, flagger.pk), "org": org.pk,
    }


def _without_targets(row: dict) -> dict:
    return {k: v for k, v in row.items() if k not in ("idea_id", "comment_id", "reuse_id")}


def _check_moved(old: dict) -> None:
    for name, model, fields in (("flags", Flag, ("id", "user_id", "rule", "note", "resolved", "created")),
                                ("cases", Case, ("id", "organisation_id", "reason", "channel", "findings", "status",
                                                 "opened", "closed")),
                                ("decisions", Decision, ("id", "case_id", "organisation_id", "action", "rule", "note",
                                                         "moderator_id", "before", "after", "created"))):
        rows = list(model.objects.order_by("pk"))
        assert [r.pk for r in rows] == [o["id"] for o in old[name]], name
        for row, before, (target_model, target_pk) in zip(rows, old[name], old["targets"][name], strict=True):
            assert {f: getattr(row, f) for f in fields} == {f: before[f] for f in fields}, name
            assert isinstance(row.target, target_model) and row.target.pk == target_pk, name
    notices = list(Notice.objects.order_by("pk").values())
    assert notices == old["notices"]


@pytest.mark.django_db(transaction=True)
def test_moderation_rows_move_out_of_participation_and_back():
    try:
        old = _populate(_old_state())
        _migrate(_leaves())
        _check_moved(old)
        # The append-only log goes on from where it was, whatever the database's sequences.
        idea = Idea.objects.get()
        decision = Decision.objects.create(content_type=Decision.objects.first().content_type,
                                           object_id=str(idea.pk), action="restore", rule="hate",
                                           before="rejected", after="visible")
        assert decision.pk > max(d["id"] for d in old["decisions"])
        assert list(Case.objects.of(idea).values_list("pk", flat=True)) == [old["cases"][0]["id"]]
        assert Flag.objects.of(Comment.objects.get()).get().rule == "spam"
        assert [c.pk for c in idea.cases.all()] == [old["cases"][0]["id"]]

        # Backward: participation's tables hold the rows again, with their own columns.
        apps = _old_state()
        for name, model in (("flags", "Flag"), ("cases", "Case"), ("decisions", "Decision"), ("notices", "Notice")):
            rows = list(apps.get_model("participation", model).objects.order_by("pk").values())
            expected = old[name] + ([{**_without_targets(old["decisions"][0]), "id": decision.pk, "case_id": None,
                                      "organisation_id": None, "action": "restore", "note": "", "moderator_id": None,
                                      "before": "rejected", "after": "visible", "created": decision.created,
                                      "idea_id": uuid.UUID(str(idea.pk)), "comment_id": None, "reuse_id": None}]
                                    if name == "decisions" else [])
            assert rows == expected, name
        for name in ("Flag", "Case", "Decision", "Notice"):
            assert not apps.get_model("moderation", name).objects.exists()
    finally:
        _migrate(_leaves())
    assert not MigrationExecutor(connection).migration_plan(_leaves())
