"""The notice board's part of the permission matrix (``tests/test_permission_matrix.py``):
bulletins public and private, in every moderation state, archived or not, in both
organisations, and the dataset page's panel that lists them."""

from __future__ import annotations

from django.urls import reverse

from ouvert.moderation.models import Moderation
from tests.apps.noticeboard.models import Bulletin
from tests.support.factories import make_dataset

MODERATIONS = (Moderation.VISIBLE, Moderation.HELD, Moderation.HIDDEN, Moderation.REJECTED)


def populate(world) -> None:
    for key, organisation in world.organisations.items():
        dataset = make_dataset(organisation, f"mx-nb-{key}")
        for private in (False, True):
            for moderation in MODERATIONS:
                for archived in (False, True):
                    name = f"mx-nb-{key}-{'priv' if private else 'pub'}-{moderation}{'-archived' if archived else ''}"
                    bulletin = Bulletin.objects.create(
                        organisation=organisation, dataset=dataset, title=name, private=private,
                        moderation=moderation, archived=archived, author=world.people["author"])
                    world.add("bulletin", bulletin, name)


def _panels(client, world) -> str:
    return "".join(client.get(reverse("web:dataset", args=[f"mx-nb-{key}"])).content.decode()
                   for key in world.organisations)


SURFACES = [("bulletin", "dataset page panel", _panels)]
