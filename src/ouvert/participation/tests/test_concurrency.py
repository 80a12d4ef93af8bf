"""Votes are exact under concurrency: 200 accounts voting at once on one idea give exactly 200
votes, and an account voting twice at the same moment is counted once.

Each thread has its own database connection, and transactions really commit
(``transactional_db``). SQLite's test database lives in memory, where threads would share one
cache with table locks instead of the file locking that production uses, so on SQLite a
migrated file database takes its place for these tests. On PostgreSQL the server's connection
limit caps how many threads hold a connection at the same moment.
"""

from __future__ import annotations

import shutil
import threading

import pytest
from django.db import connection, connections

from ouvert import settings as ouvert_settings
from ouvert.participation import services
from ouvert.participation.errors import VoteError
from ouvert.participation.models import Idea, Vote
from tests.support.databases import database_wrapper

from .factories import make_challenge, make_idea, make_user, set_phase

VOTERS = 200


@pytest.fixture
def threaded_db(transactional_db, request, tmp_path):
    """A function that gives the calling thread its own connection to a database every thread
    shares (and that the test's own thread uses too)."""
    if connection.vendor != "sqlite":
        # New threads would read the configured database name, not the test database's.
        settings_dict = dict(connection.settings_dict)
        yield lambda: connections.__setitem__("default", database_wrapper(settings_dict))
        return
    path = tmp_path / "votes.sqlite3"
    shutil.copy(request.getfixturevalue("migrated_sqlite_file"), path)
    settings_dict = ouvert_settings._database(f"sqlite:///{path}")
    original = connections["default"]
    connections["default"] = database_wrapper(settings_dict)

    def connect():
        connections["default"] = database_wrapper(settings_dict)

    try:
        yield connect
    finally:
        connections["default"].close()
        connections["default"] = original


def _connection_cap() -> int:
    if connection.vendor != "postgresql":
        return VOTERS
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('max_connections')::int, (SELECT count(*) FROM pg_stat_activity)")
        limit, used = cursor.fetchone()
    return max(4, min(VOTERS, limit - used - 15))


def _run_at_once(threaded_db, calls) -> list:
    """Run each call in its own thread, all released together; returns results or exceptions."""
    results: list = [None] * len(calls)
    barrier = threading.Barrier(len(calls))
    cap = threading.BoundedSemaphore(_connection_cap())

    def run(index, call):
        barrier.wait()
        with cap:
            threaded_db()
            try:
                results[index] = call()
            except Exception as exc:  # collected and asserted on by the test
                results[index] = exc
            finally:
                connections["default"].close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a voting thread did not finish"
    return results


def test_200_concurrent_votes_from_200_accounts_count_exactly_200(threaded_db):
    challenge = make_challenge(phase="ideas")
    idea = make_idea(challenge)
    set_phase(challenge, "voting")
    idea = Idea.objects.select_related("challenge").get(pk=idea.pk)
    voters = [make_user() for _n in range(VOTERS)]

    results = _run_at_once(threaded_db, [lambda v=v: services.cast_vote(idea, actor=v) for v in voters])

    errors = [r for r in results if isinstance(r, Exception)]
    assert errors == []
    assert Vote.objects.filter(idea=idea).count() == VOTERS
    idea.refresh_from_db()
    assert idea.vote_count == VOTERS
    with pytest.raises(VoteError) as exc:
        services.cast_vote(idea, actor=voters[0])
    assert exc.value.code == "already_voted"
    assert Vote.objects.filter(idea=idea).count() == VOTERS


def test_one_account_voting_twice_at_the_same_moment_counts_once(threaded_db):
    challenge = make_challenge(phase="ideas", votes_during_ideas=True)
    idea = Idea.objects.select_related("challenge").get(pk=make_idea(challenge).pk)
    voter = make_user()

    results = _run_at_once(threaded_db, [lambda: services.cast_vote(idea, actor=voter)] * 8)

    assert sum(isinstance(r, Vote) for r in results) == 1
    assert all(isinstance(r, VoteError) and r.code == "already_voted" for r in results if not isinstance(r, Vote))
    idea.refresh_from_db()
    assert idea.vote_count == 1 == Vote.objects.filter(idea=idea).count()


def test_vote_limit_holds_under_concurrency(threaded_db):
    challenge = make_challenge(phase="ideas", votes_during_ideas=True, vote_limit=2)
    ideas = [Idea.objects.select_related("challenge").get(pk=make_idea(challenge).pk) for _n in range(6)]
    voter = make_user()

    results = _run_at_once(threaded_db, [lambda i=i: services.cast_vote(i, actor=voter) for i in ideas])

    assert sum(isinstance(r, Vote) for r in results) == 2
    assert Vote.objects.filter(challenge=challenge, voter=voter).count() == 2
