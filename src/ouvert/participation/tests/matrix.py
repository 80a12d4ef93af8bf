"""Participation's part of the permission matrix (``tests/test_permission_matrix.py``):
challenges in every status, ideas, comments and reuses in every moderation status,
consultations in every status, datasets linked to them (one made private after linking), and
every output that lists, counts or exports them."""

from __future__ import annotations

import itertools
import json
import tempfile
from pathlib import Path

from django.test import override_settings
from django.urls import reverse

from ouvert.catalog import services as catalog
from ouvert.participation import export, services
from ouvert.participation.models import Challenge, Comment, Consultation, Idea, Moderation, Reuse
from tests.support.factories import _root, make_dataset

from .factories import make_challenge

MODERATIONS = (Moderation.VISIBLE, Moderation.HELD, Moderation.HIDDEN, Moderation.REJECTED)
UNLIMITED = {action: {"account": (10_000, 3600), "address": (10_000, 3600)} for action in ("post", "vote", "flag")}
QUESTIONS = [{"kind": "text", "prompt_fr": "Qu'en pensez-vous ?"}]


@override_settings(OUVERT_PARTICIPATION_RATE_LIMITS=UNLIMITED)
def populate(world) -> None:
    root, author = _root(), world.people["author"]
    tokens = (f"mxq{n:04d}" for n in itertools.count())
    challenges = {}
    for key, organisation in world.organisations.items():
        # Linked while public; the second one becomes private afterwards, as happens.
        linked = [make_dataset(organisation, f"mx-ds-{key}-link-{p}") for p in ("pub", "priv")]
        for status in ("draft", "published", "closed", "forced-draft"):
            name = f"mx-ch-{key}-{status}"
            challenge = make_challenge(organisation, name=name, publish=status != "draft", datasets=linked)
            if status != "draft":
                _ideas(world, challenge, author, linked, tokens)
            for wanted in (Consultation.Status.DRAFT, Consultation.Status.OPEN, Consultation.Status.CLOSED):
                token = next(tokens)
                consultation = services.create_consultation(challenge, actor=root, data={
                    "title_fr": f"Consultation {token}", "questions": QUESTIONS})
                if wanted != Consultation.Status.DRAFT:
                    services.set_consultation_status(consultation, actor=root, status=Consultation.Status.OPEN)
                if wanted == Consultation.Status.CLOSED:
                    services.set_consultation_status(consultation, actor=root, status=Consultation.Status.CLOSED)
                world.add("consultation", consultation, token)
            if status == "closed":
                services.publish_results(challenge, actor=root, results_fr="Ce que nous avons entendu.")
            elif status == "forced-draft":  # no service goes back to draft: the rules must still agree
                Challenge.objects.filter(pk=challenge.pk).update(status=Challenge.Status.DRAFT)
            challenges[(key, status)] = challenge
            world.add("challenge", challenge, name)
        catalog.update_dataset(linked[1], actor=root, data={"private": True})
        for dataset in linked:
            world.add("dataset", dataset, dataset.name)
    links = [
        {"challenges": [challenges[("own", "published")].name]},
        {"challenges": [challenges[("other", "closed")].name]},
        {"datasets": ["mx-ds-own-link-pub"]},
        {"datasets": ["mx-ds-other-link-pub"]},
        {"datasets": ["mx-ds-own-link-pub"], "challenges": [challenges[("other", "published")].name]},
    ]
    for link, moderation in itertools.product(links, MODERATIONS):
        token = next(tokens)
        reuse = services.submit_reuse(actor=author, data={
            "kind": "app", "title_fr": f"Réutilisation {token}", "url": f"https://example.org/{token}", **link})
        Reuse.objects.filter(pk=reuse.pk).update(moderation=moderation)
        world.add("reuse", reuse, token)


def _ideas(world, challenge, author, datasets, tokens) -> None:
    ideas = []
    for moderation in (*MODERATIONS, "withdrawn"):
        token = next(tokens)
        idea = services.submit_idea(challenge, actor=author, title=f"Idée {token}", datasets=datasets,
                                    body=f"Il faudrait publier ces données ({token}) chaque semaine pour tous.")
        ideas.append((idea, moderation))
        world.add("idea", idea, token)
    Idea.objects.filter(pk__in=[i.pk for i, _m in ideas]).update(moderation=Moderation.VISIBLE)
    visible_idea, held_idea = ideas[0][0], ideas[1][0]
    for idea, moderations in ((visible_idea, MODERATIONS), (held_idea, (Moderation.VISIBLE,))):
        idea.refresh_from_db()
        for moderation in moderations:
            token = next(tokens)
            comment = services.post_comment(idea, actor=author, body=f"Je suis d'accord avec cette idée ({token}).")
            Comment.objects.filter(pk=comment.pk).update(moderation=moderation)
            world.add("comment", comment, token)
    for idea, moderation in ideas:
        if moderation == "withdrawn":
            services.withdraw_idea(idea, actor=author)
        else:
            Idea.objects.filter(pk=idea.pk).update(moderation=moderation)


# --- surfaces ------------------------------------------------------------------------------

def _get(client, url: str, params: dict | None = None) -> str:
    return client.get(url, params or {}).content.decode()


def _found(client, url: str) -> str:
    """A page's text if the page is there (a refusal echoes the address asked, nothing more)."""
    response = client.get(url)
    return response.content.decode() if response.status_code == 200 else ""


def _api(client, path: str, **params) -> str:
    return _get(client, f"/api/v1{path}", params)


def _objects(world, kind: str) -> list:
    return [obj for obj, _markers in world.objects.get(kind, [])]


def _pages(client, world, kind: str, url) -> str:
    return "".join(_found(client, url(obj)) for obj in _objects(world, kind))


def challenge_pages(client, world) -> str:
    return _pages(client, world, "challenge", lambda c: reverse("participation:challenge", args=[c.name]))


def idea_pages(client, world) -> str:
    return _pages(client, world, "idea", lambda i: reverse("participation:idea", args=[i.challenge.name, i.pk]))


def reuse_pages(client, world) -> str:
    return _pages(client, world, "reuse", lambda r: reverse("participation:reuse", args=[r.pk]))


def consultation_pages(client, world) -> str:
    return _pages(client, world, "consultation",
                  lambda c: reverse("participation:consultation", args=[c.challenge.name, c.pk]))


def linked_dataset_pages(client, world) -> str:
    return "".join(_found(client, reverse("web:dataset", args=[d.name]))
                   for d in _objects(world, "dataset") if "-link-" in d.name)


def api_challenges(client, world) -> str:
    return "".join(_api(client, "/challenges", **({"status": s} if s else {}))
                   for s in (None, *Challenge.Status.values))


def api_challenge(client, world) -> str:
    return "".join(_api(client, f"/challenges/{c.name}") for c in _objects(world, "challenge"))


def api_ideas(client, world) -> str:
    return "".join(_api(client, f"/challenges/{c.name}/ideas", **({"status": s} if s else {}))
                   for c in _objects(world, "challenge") for s in (None, Idea.Status.WITHDRAWN))


def api_comments(client, world) -> str:
    return "".join(_api(client, f"/ideas/{i.pk}/comments") for i in _objects(world, "idea"))


def api_reuses(client, world) -> str:
    return (_api(client, "/reuses", page_size=100)
            + "".join(_api(client, "/reuses", challenge=c.name) for c in _objects(world, "challenge")))


def exported(client, world) -> str:
    with tempfile.TemporaryDirectory() as directory:
        export.write_export(Path(directory))
        return "".join(path.read_text(encoding="utf-8") for path in sorted(Path(directory).iterdir()))


def api_count(path: str, filters: dict):
    return lambda client, world: (json.loads(_api(client, path))["count"], filters)


SURFACES = [
    ("challenge", "challenge list page", lambda c, w: _get(c, reverse("participation:challenges"))),
    ("challenge", "API /challenges", api_challenges),
    ("challenge", "API /challenges count", api_count("/challenges", {"status__in": ["published", "closed"]})),
    ("challenge", "dataset pages", linked_dataset_pages),
    ("challenge", "reuse pages", reuse_pages),
    ("challenge", "export", exported),
    ("idea", "challenge pages", challenge_pages),
    ("idea", "idea pages", idea_pages),
    ("idea", "API ideas", api_ideas),
    ("idea", "export", exported),
    ("comment", "idea pages", idea_pages),
    ("comment", "API comments", api_comments),
    ("comment", "export", exported),
    ("reuse", "showcase page", lambda c, w: _get(c, reverse("participation:reuses"))),
    ("reuse", "API /reuses", api_reuses),
    ("reuse", "API /reuses count", api_count("/reuses", {"moderation": Moderation.VISIBLE})),
    ("reuse", "dataset pages", linked_dataset_pages),
    ("reuse", "challenge pages", challenge_pages),
    ("reuse", "reuse pages", reuse_pages),
    ("reuse", "export", exported),
    ("consultation", "challenge pages", challenge_pages),
    ("consultation", "API challenges", api_challenge),
    ("consultation", "consultation pages", consultation_pages),
    ("dataset", "challenge pages", challenge_pages),
    ("dataset", "idea pages", idea_pages),
    ("dataset", "reuse pages", reuse_pages),
    ("dataset", "API challenges", api_challenge),
    ("dataset", "API ideas", api_ideas),
    ("dataset", "API /reuses", api_reuses),
    ("dataset", "export", exported),
]
