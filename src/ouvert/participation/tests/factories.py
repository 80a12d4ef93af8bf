"""Participation test data, made through the services so it passes the same checks as real data."""

from __future__ import annotations

import datetime as dt
import itertools

from django.utils import timezone

from ouvert.participation import services
from tests.support.factories import _root, make_dataset, make_organisation, make_user

_seq = itertools.count(1)
DAY = dt.timedelta(days=1)


def phase_dates(phase: str, now=None) -> dict:
    """Phase dates that put a challenge in ``phase`` now: ideas, voting, cocreation, results, or
    ``before`` (nothing open yet) / ``after`` (every phase over)."""
    now = now or timezone.now()
    order = ["ideas", "voting", "cocreation", "results"]
    current = {"before": -1, "after": len(order)}.get(phase, order.index(phase) if phase in order else None)
    if current is None:
        raise ValueError(phase)
    dates = {}
    for index, name in enumerate(order):
        offset = (index - current) * 10  # days; the current phase runs from 5 days ago to 5 days ahead
        start = now + dt.timedelta(days=offset - 5)
        dates[f"{name}_start"] = start
        dates[f"{name}_end"] = start + dt.timedelta(days=10)
    return dates


def make_challenge(organisation=None, *, actor=None, name: str | None = None, phase: str = "ideas", datasets=(),
                   publish: bool = True, **data):
    actor = actor or _root()
    organisation = organisation or make_organisation()
    name = name or f"defi-{next(_seq)}"
    data.setdefault("title_fr", f"Défi {name}")
    data.setdefault("title_en", f"Challenge {name}")
    data.setdefault("problem_fr", "Comment mieux utiliser les données ouvertes sur ce sujet ?")
    data.setdefault("problem_en", "How could open data on this subject be put to better use?")
    challenge = services.create_challenge(actor=actor, organisation=organisation, data={
        "name": name, "datasets": list(datasets), **phase_dates(phase), **data})
    if publish:
        challenge = services.publish_challenge(challenge, actor=actor)
    return challenge


def set_phase(challenge, phase: str):
    return services.update_challenge(challenge, actor=_root(), data=phase_dates(phase))


def make_idea(challenge=None, *, author=None, title: str | None = None,
              body: str = "Il faudrait publier ces données chaque semaine pour que les gens puissent s'en servir.", **kwargs):
    challenge = challenge or make_challenge()
    author = author or make_user()
    title = title or f"Une idée pour le défi numéro {next(_seq)}"
    return services.submit_idea(challenge, actor=author, title=title, body=body, **kwargs)


def make_comment(idea, *, author=None, body: str = "Je suis tout à fait d'accord avec cette proposition.", **kwargs):
    return services.post_comment(idea, actor=author or make_user(), body=body, **kwargs)


__all__ = ["make_challenge", "make_comment", "make_dataset", "make_idea", "make_organisation", "make_user", "phase_dates",
           "set_phase"]
