"""Participation at scale: a challenge with 10,000 ideas and 100,000 comments.

    python bench/participation.py [--backend sqlite|postgresql|both] [--ideas 10000]
                                  [--comments 100000] [--voters 20000] [--requests 40]

Builds one published challenge in a fresh database: ``--ideas`` ideas (French and English
titles and bodies from a bank of phrases about winter cycling, snow removal, parks and
transit; about 1% held or hidden by moderation), ``--voters`` verified accounts casting about
eight votes each on ideas drawn with a Zipf-like skew, and ``--comments`` comments (replies up
to three levels, for/against/neutral), one idea carrying 3% of them. Everything is inserted in
bulk with the counters (``vote_count``, ``comment_count``) set to match the rows.

Then, through the Django test client (the whole request in the same process: middleware,
session, view, queries and template, but no HTTP socket), as a signed-in citizen, it times
``--requests`` requests (after 3 unmeasured) of:

- the idea list (the challenge page) sorted by support, newest, random and most discussed, on
  the first page and on a deep page (page 400 of 500);
- the page of the idea with the most comments (first page of its discussion, and the last);
- casting a vote: a POST of the vote form, each by another account on another idea.

and prints p50 and p95 server times in milliseconds (wall clock, the goal's measure), with the
CPU time of the serving thread (``thread_time``: what the request cost, whatever else the machine
was doing; on SQLite it includes the queries), the time spent in SQL and the queries each
request ran. SQLite
runs on a temporary file under a temporary ``OUVERT_HOME``; PostgreSQL on a temporary database
``ouvert_bench_participation`` on 127.0.0.1:5432 (``OUVERT_BENCH_POSTGRES_URL`` to change),
created and dropped here. Each back end runs in a child process.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlparse

from _postgres import admin

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the test suite's factories: tests.support
POSTGRES_URL = os.environ.get("OUVERT_BENCH_POSTGRES_URL",
                              "postgres://postgres@127.0.0.1:5432/ouvert_bench_participation")
GOAL_MS = 100
DEEP_PAGE = 400

# --- realistic text --------------------------------------------------------------------------

TOPICS_FR = ["les pistes cyclables", "le déneigement des trottoirs", "les parcs de quartier", "les arrêts d'autobus",
             "l'éclairage des rues", "les ruelles vertes", "la collecte des déchets", "les bibliothèques",
             "les patinoires extérieures", "les feux de circulation", "les jardins communautaires", "les traverses piétonnes"]
TOPICS_EN = ["bike paths", "sidewalk snow clearing", "neighbourhood parks", "bus stops", "street lighting",
             "green alleys", "waste collection", "public libraries", "outdoor rinks", "traffic lights",
             "community gardens", "pedestrian crossings"]
ACTIONS_FR = ["Publier chaque jour l'état de", "Cartographier", "Prioriser", "Mesurer la fréquentation de",
              "Ouvrir les données sur", "Consulter les résidents sur", "Mieux entretenir", "Sécuriser"]
ACTIONS_EN = ["Publish a daily status of", "Map", "Prioritise", "Measure the use of", "Open the data on",
              "Ask residents about", "Maintain", "Make safer"]
SENTENCES_FR = [
    "Les données montrent que {t} sont très utilisés le matin entre 7 h et 9 h.",
    "Dans mon quartier, {t} manquent de visibilité après une tempête de neige.",
    "Un tableau de bord public aiderait les familles à planifier leurs déplacements.",
    "Il faudrait comparer les arrondissements pour voir où les besoins sont les plus grands.",
    "Les personnes âgées et les enfants sont les premiers touchés quand {t} sont négligés.",
    "La Ville pourrait publier ces informations chaque semaine dans un format ouvert.",
    "Je propose de commencer par un projet pilote dans deux secteurs avant de l'étendre.",
    "Les commerçants du secteur appuient aussi cette idée depuis l'an dernier.",
]
SENTENCES_EN = [
    "The data shows that {t} are busiest in the morning between 7 and 9.",
    "In my neighbourhood, {t} are hard to see after a snowstorm.",
    "A public dashboard would help families plan their trips.",
    "We should compare boroughs to see where the needs are greatest.",
    "Older people and children are the first affected when {t} are neglected.",
    "The City could publish this information every week in an open format.",
    "I suggest starting with a pilot in two areas before extending it.",
    "Local shop owners have supported this idea since last year.",
]
COMMENTS_FR = ["Tout à fait d'accord, surtout pour {t}.", "Je ne suis pas convaincu : le coût pour {t} serait élevé.",
               "Bonne idée, mais il faudrait d'abord des données fiables sur {t}.",
               "Chez nous, {t} posent problème depuis des années.", "Avez-vous pensé aux personnes à mobilité réduite ?"]
COMMENTS_EN = ["Completely agree, especially for {t}.", "I'm not convinced: the cost for {t} would be high.",
               "Good idea, but we first need reliable data on {t}.", "Where I live, {t} have been a problem for years.",
               "Have you thought about people with reduced mobility?"]
FIRST = ["Camille", "Louis", "Amina", "Jean", "Sophie", "Noah", "Léa", "Olivier", "Priya", "Marc", "Chloé", "Samuel"]
LAST = ["Tremblay", "Gagnon", "Roy", "Côté", "Bouchard", "Smith", "Nguyen", "Lavoie", "Fortin", "Singh", "Martin"]


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))]


def idea_text(rng: random.Random) -> tuple[str, str, str]:
    k = rng.randrange(len(TOPICS_FR))
    if rng.random() < 0.6:
        topic, action, sentences, language = TOPICS_FR[k], ACTIONS_FR, SENTENCES_FR, "fr"
    else:
        topic, action, sentences, language = TOPICS_EN[k], ACTIONS_EN, SENTENCES_EN, "en"
    title = f"{rng.choice(action)} {topic}"
    body = " ".join(s.format(t=topic) for s in rng.sample(sentences, rng.randint(2, 5)))
    return title[:200], body, language


def comment_text(rng: random.Random) -> tuple[str, str]:
    k = rng.randrange(len(TOPICS_FR))
    if rng.random() < 0.6:
        return " ".join(s.format(t=TOPICS_FR[k]) for s in rng.sample(COMMENTS_FR, rng.randint(1, 3))), "fr"
    return " ".join(s.format(t=TOPICS_EN[k]) for s in rng.sample(COMMENTS_EN, rng.randint(1, 3))), "en"


# --- child: one back end ------------------------------------------------------------------

def load(ideas: int, comments: int, voters: int) -> dict:
    """Bulk-insert the challenge; returns what the measurements need."""
    from django.contrib.auth import get_user_model
    from django.db import transaction

    from ouvert.participation import services
    from ouvert.participation.models import Comment, Idea, Moderation, Vote
    from ouvert.participation.tests.factories import phase_dates
    from tests.support.factories import _root, make_organisation

    User = get_user_model()
    rng = random.Random(20261201)
    started = time.perf_counter()
    root = _root()
    organisation = make_organisation("ville-bench", title_fr="Ville de Bench", title_en="City of Bench")
    challenge = services.create_challenge(actor=root, organisation=organisation, data={
        "name": "hiver-actif", "title_fr": "Un hiver actif", "title_en": "An active winter",
        "problem_fr": "Comment rendre la ville praticable en hiver ?", "problem_en": "How can the city work in winter?",
        "votes_during_ideas": True, **phase_dates("ideas")})
    challenge = services.publish_challenge(challenge, actor=root)

    # Accounts: the voters, plus 200 who have not voted yet (they cast the measured votes).
    users = [User(username=f"citoyen{i}", email=f"citoyen{i}@example.org", email_verified=True, password="!",
                  display_name=f"{rng.choice(FIRST)} {rng.choice(LAST)[0]}.", language=rng.choice(("fr", "en")))
             for i in range(voters + 200)]
    User.objects.bulk_create(users, batch_size=5000)
    user_ids = list(User.objects.filter(username__startswith="citoyen").order_by("pk").values_list("pk", "display_name"))
    voter_ids, fresh_ids = user_ids[:voters], [pk for pk, _name in user_ids[voters:]]

    now = datetime.now(UTC)
    idea_rows = []
    for i in range(ideas):
        title, body, language = idea_text(rng)
        author_id, author_name = rng.choice(voter_ids)
        moderation = Moderation.VISIBLE if rng.random() > 0.01 else rng.choice((Moderation.HELD, Moderation.HIDDEN))
        idea_rows.append(Idea(id=uuid.uuid4(), challenge=challenge, title=f"{title} ({i + 1})", body=body,
                              language=language, author_id=author_id, author_name=author_name, moderation=moderation,
                              created=now - timedelta(minutes=rng.randrange(60 * 24 * 30))))
    visible = [idea for idea in idea_rows if idea.moderation == Moderation.VISIBLE]
    weights = [1 / (rank + 1) ** 0.8 for rank in range(len(visible))]

    votes, seen = [], set()
    for voter_id, _name in voter_ids:
        for idea in rng.choices(visible, weights=weights, k=rng.randint(1, 15)):
            if (idea.id, voter_id) not in seen:
                seen.add((idea.id, voter_id))
                votes.append(Vote(idea_id=idea.id, challenge=challenge, voter_id=voter_id))
                idea.vote_count += 1

    hot = visible[len(visible) // 3]  # an idea in the middle of the support ranking, not the top one
    comment_rows: list = []
    by_idea: dict = {}
    targets = rng.choices(visible, weights=weights, k=comments - comments * 3 // 100) + [hot] * (comments * 3 // 100)
    for idea in targets:
        body, language = comment_text(rng)
        author_id, author_name = rng.choice(voter_ids)
        thread = by_idea.setdefault(idea.id, [])
        parent = rng.choice(thread) if thread and rng.random() < 0.4 else None
        if parent is not None and parent.depth >= 3:
            parent = None
        moderation = Moderation.VISIBLE if rng.random() > 0.01 else Moderation.HELD
        created = max(idea.created, (parent.created if parent else idea.created)) + timedelta(minutes=rng.randint(1, 600))
        comment = Comment(id=uuid.uuid4(), idea_id=idea.id, parent_id=parent.id if parent else None,
                          depth=parent.depth + 1 if parent else 1, body=body, language=language,
                          stance=rng.choice(("for", "for", "against", "neutral")), author_id=author_id,
                          author_name=author_name, moderation=moderation, created=created)
        if moderation == Moderation.VISIBLE:
            thread.append(comment)
            idea.comment_count += 1
        comment_rows.append(comment)
    with transaction.atomic():
        Idea.objects.bulk_create(idea_rows, batch_size=2000)
        Vote.objects.bulk_create(votes, batch_size=5000)
        # Parents before replies, so the foreign keys hold on PostgreSQL at each insert.
        comment_rows.sort(key=lambda c: c.depth)
        Comment.objects.bulk_create(comment_rows, batch_size=5000)
    seconds = time.perf_counter() - started
    print(f"  loaded {ideas} ideas, {len(votes)} votes by {voters} accounts, {len(comment_rows)} comments "
          f"({hot.comment_count} on the busiest idea) in {seconds:.0f} s", flush=True)
    return {"challenge": challenge, "hot": hot, "fresh": fresh_ids, "visible": visible}


def timed(client, method: str, path: str, n: int, *, data=None, expect=200, make_path=None) -> dict:
    from django.db import connection

    def call(i):
        p = make_path(i) if make_path else path
        response = client.post(p, data or {}) if method == "post" else client.get(p)
        assert response.status_code == expect, (p, response.status_code)
        return response

    for i in range(3):
        call(-1 - i)
    queries = []
    with connection.execute_wrapper(lambda execute, sql, params, many, context: (queries.append(sql), execute(sql, params, many, context))[1]):
        call(-4)
    sql = [0.0]

    def timing(execute, sql_text, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql_text, params, many, context)
        finally:
            sql[0] += time.perf_counter() - started

    times, sql_times, cpu_times = [], [], []
    with connection.execute_wrapper(timing):
        for i in range(n):
            sql[0] = 0.0
            started, cpu = time.perf_counter(), time.thread_time()
            call(i)
            times.append((time.perf_counter() - started) * 1000)
            cpu_times.append((time.thread_time() - cpu) * 1000)
            sql_times.append(sql[0] * 1000)
    return {"p50": statistics.median(times), "p95": percentile(times, 95), "queries": len(queries),
            "sql_p50": statistics.median(sql_times), "cpu_p50": statistics.median(cpu_times),
            "cpu_p95": percentile(cpu_times, 95)}


def measure(args, backend: str) -> bool:
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.urls import reverse
    from django.utils import translation

    built = load(args.ideas, args.comments, args.voters)
    with connection.cursor() as cursor:
        # What autovacuum would have done by then on PostgreSQL (statistics, visibility map).
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
    challenge, hot = built["challenge"], built["hot"]
    User = get_user_model()
    citizen = User.objects.get(pk=built["fresh"][0])
    client = Client()
    client.force_login(citizen)
    with translation.override("en"):
        base = reverse("participation:challenge", args=[challenge.name])
        idea_url = reverse("participation:idea", args=[challenge.name, hot.pk])
    rows = []
    for sort in ("support", "newest", "random", "discussed"):
        for label, page in (("page 1", 1), (f"page {DEEP_PAGE}", DEEP_PAGE)):
            rows.append((f"idea list, {sort}, {label}", timed(client, "get", f"{base}?sort={sort}&page={page}", args.requests)))
    rows.append(("idea page, 1st page of comments", timed(client, "get", idea_url, args.requests)))
    rows.append(("idea page, last page of comments", timed(client, "get", f"{idea_url}?comments=last", args.requests)))

    # Votes: each by an account that has not voted, on an idea of the visible ones.
    rng = random.Random(7)
    fresh = built["fresh"][1:]
    voters = []
    for pk in fresh[: args.requests + 4]:
        voter_client = Client(REMOTE_ADDR=f"10.{pk % 250}.{pk // 250 % 250}.{pk % 7 + 1}")
        voter_client.force_login(User.objects.get(pk=pk))
        voters.append(voter_client)
    targets = rng.sample(built["visible"], len(voters))
    with translation.override("en"):
        vote_paths = [reverse("participation:idea_vote", args=[challenge.name, idea.pk]) for idea in targets]

    class Rotating:
        def post(self, path, data):
            index = vote_paths.index(path)
            return voters[index].post(path, data)

    rotating = Rotating()
    rows.append(("vote (POST of the vote form)", timed(
        rotating, "post", "", args.requests, data={"vote": "1"}, expect=302,
        make_path=lambda i: vote_paths[i + 4 if i >= 0 else -1 - i])))
    ok = True
    for name, r in rows:
        met = r["p95"] <= GOAL_MS
        ok &= met
        print(f"  {backend:10} {name:33} p50 {r['p50']:6.1f} ms  p95 {r['p95']:6.1f} ms  "
              f"[CPU p50 {r['cpu_p50']:5.1f} / p95 {r['cpu_p95']:5.1f} ms; SQL p50 {r['sql_p50']:5.1f} ms; "
              f"{r['queries']:2d} queries]  {'ok' if met else 'OVER GOAL'}", flush=True)
    return ok


def child(args) -> int:
    home = tempfile.mkdtemp(prefix="ouvert-bench-participation-")
    try:
        os.environ["OUVERT_HOME"] = home
        os.environ["OUVERT_EMAIL_URL"] = "console:"
        os.environ["OUVERT_ALLOWED_HOSTS"] = "testserver"
        os.environ["OUVERT_DATABASE_URL"] = (f"sqlite:///{home}/bench.sqlite3" if args.backend == "sqlite"
                                             else POSTGRES_URL)
        os.environ["DJANGO_SETTINGS_MODULE"] = "ouvert.settings"
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        return 0 if measure(args, args.backend) else 3
    finally:
        from django.db import connections

        connections.close_all()
        shutil.rmtree(home, ignore_errors=True)


# --- parent ---------------------------------------------------------------------------------

def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--ideas", type=int, default=10_000)
    parser.add_argument("--comments", type=int, default=100_000)
    parser.add_argument("--voters", type=int, default=20_000)
    parser.add_argument("--requests", type=int, default=40, help="measured requests of each kind")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(args)
    load_average = ", ".join(f"{v:.1f}" for v in os.getloadavg())
    print(f"Participation: {args.ideas} ideas, {args.comments} comments, {args.voters} voters; Django test client "
          f"(server time in process); {args.requests} requests each; goal p95 <= {GOAL_MS} ms; "
          f"{os.cpu_count()} CPUs, load average {load_average}", flush=True)
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    status = 0
    for backend in backends:
        database = urlparse(POSTGRES_URL).path.lstrip("/")
        if backend == "postgresql":
            admin(POSTGRES_URL, [f'DROP DATABASE IF EXISTS "{database}"', f'CREATE DATABASE "{database}"'])
        try:
            command = [sys.executable, __file__, "--child", "--backend", backend, "--ideas", str(args.ideas),
                       "--comments", str(args.comments), "--voters", str(args.voters), "--requests", str(args.requests)]
            status |= subprocess.call(command)
        finally:
            if backend == "postgresql":
                admin(POSTGRES_URL, [f'DROP DATABASE IF EXISTS "{database}"'])
    return status


if __name__ == "__main__":
    sys.exit(main())
