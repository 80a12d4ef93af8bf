"""Query counts of the idea list and the idea page, and the paging of long discussions.

The pages must run the same number of queries whatever the number of ideas, comments and
votes (no query per idea or per comment); ``bench/participation.py`` measures their time.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from ouvert.participation import services
from ouvert.participation.models import Comment
from tests.support.factories import make_dataset, make_organisation, make_user

from .factories import make_challenge, make_comment, make_idea

pytestmark = pytest.mark.django_db

#: Ceilings with some room; the point is that they do not grow with the content.
LIST_QUERIES = 16
IDEA_QUERIES = 18


@pytest.fixture
def challenge():
    organisation = make_organisation("ville")
    dataset = make_dataset(organisation, "arbres")
    return make_challenge(organisation, name="canopee", datasets=[dataset], votes_during_ideas=True)


def _queries(client, address) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(address)
    assert response.status_code == 200
    return len(queries)


def _list_url(challenge, **params):
    with translation.override("en"):
        base = reverse("participation:challenge", args=[challenge.name])
    return base + "?" + "&".join(f"{k}={v}" for k, v in params.items())


def _idea_url(idea, query=""):
    with translation.override("en"):
        return reverse("participation:idea", args=[idea.challenge.name, idea.pk]) + query


def _vote(idea, voters):
    for voter in voters:
        services.cast_vote(idea, actor=voter)


@pytest.mark.parametrize("sort", ["support", "newest", "random", "discussed"])
def test_idea_list_queries_do_not_grow_with_ideas(client, challenge, sort, django_assert_max_num_queries):
    client.force_login(make_user("lectrice"))
    ideas = [make_idea(challenge) for _ in range(3)]
    _vote(ideas[0], [make_user() for _ in range(2)])
    make_comment(ideas[1])
    client.get(_list_url(challenge, sort=sort))  # the first visit stores the random order's seed
    few = _queries(client, _list_url(challenge, sort=sort))
    more = [make_idea(challenge, datasets=["arbres"]) for _ in range(22)]
    for idea in more[:5]:
        make_comment(idea)
        _vote(idea, [make_user()])
    many = _queries(client, _list_url(challenge, sort=sort))
    assert many == few
    with django_assert_max_num_queries(LIST_QUERIES):
        client.get(_list_url(challenge, sort=sort, page=2))


def test_idea_page_queries_do_not_grow_with_comments(client, challenge, django_assert_max_num_queries):
    client.force_login(make_user("lecteur"))
    idea = make_idea(challenge, datasets=["arbres"])
    _vote(idea, [make_user() for _ in range(2)])
    first = make_comment(idea, stance="for")
    make_comment(idea, parent=first, body="Oui, et il faudrait aussi mesurer les effets sur le quartier.")
    few = _queries(client, _idea_url(idea))
    for i in range(12):
        top = make_comment(idea, stance=("for", "against", "neutral")[i % 3],
                           body=f"Commentaire numéro {i} : les données de la Ville aideraient beaucoup ici.")
        if i % 3 == 0:
            reply = make_comment(idea, parent=top, body="Je réponds : c'est un bon point, merci de le soulever.")
            make_comment(idea, parent=reply, body="Et une réponse à la réponse, pour aller au troisième niveau.")
    many = _queries(client, _idea_url(idea))
    assert many == few
    with django_assert_max_num_queries(IDEA_QUERIES):
        client.get(_idea_url(idea))


def test_long_discussions_are_paged_by_thread(client, challenge):
    idea = make_idea(challenge)
    tops = []
    for i in range(13):
        tops.append(make_comment(idea, body=f"Premier niveau {i} : voici mon avis sur cette idée de la Ville."))
    reply = make_comment(idea, parent=tops[0], body="Une réponse au tout premier commentaire du fil.")
    deep = make_comment(idea, parent=reply, body="Une réponse à la réponse, au troisième niveau du fil.")
    late = make_comment(idea, parent=tops[11], body="Une réponse à un commentaire de la deuxième page.")
    thread = services.comment_thread(idea)

    page, comments = services.comment_page(idea, page=1, per_page=10)
    assert page.paginator.num_pages == 2 and page.paginator.count == 13
    assert comments == thread[: len(comments)] and comments[:3] == [tops[0], reply, deep]
    assert [c for c in comments if c.depth == 1] == tops[:10]
    last_page, rest = services.comment_page(idea, page="last", per_page=10)
    assert last_page.number == 2 and comments + rest == thread and late in rest
    assert services.comment_page(idea, page="nonsense", per_page=10)[0].number == 1

    html = client.get(_idea_url(idea, "?comments=2")).content.decode()
    assert "Une réponse à un commentaire de la deuxième page." in html
    assert "Premier niveau 0 :" not in html
    assert "16 comments" in html or "16 commentaires" in html
    assert "comments=1#comments" in html

    client.force_login(make_user("lectrice"))
    html = client.get(_idea_url(idea)).content.decode()
    for comment in (tops[0], reply):  # each its own reply and report forms, with its own ids
        assert f'<input type="hidden" name="parent" value="{comment.pk}">' in html
        assert f'id="comment-body-{comment.pk}"' in html and f'id="flag-rule-{comment.pk}"' in html
        assert f'/comments/{comment.pk}/flag/"' in html
    assert f'name="parent" value="{deep.pk}"' not in html  # the third level takes no replies
    assert "00000000-0000-0000-0000-000000000000" not in html


def test_a_posted_comment_leads_to_the_page_that_shows_it(client, challenge):
    idea = make_idea(challenge)
    for i in range(10):
        make_comment(idea, body=f"Commentaire {i} : je trouve que cette idée mérite d'être étudiée.")
    client.force_login(make_user("commentatrice"))
    with translation.override("en"):
        action = reverse("participation:idea_comment", args=[challenge.name, idea.pk])
    response = client.post(action, {"body": "Un onzième commentaire, sur la deuxième page.", "stance": "for"})
    comment = Comment.objects.get(author__username="commentatrice")
    assert response.status_code == 302
    assert response["Location"].endswith(f"?comments=2#comment-{comment.pk}")


def test_random_order_is_the_seeded_permutation_computed_exactly(challenge):
    from ouvert.participation.models import RANDOM_KEY_MODULUS, Idea
    from ouvert.participation.services.ideas import _random_order

    ideas = [make_idea(challenge) for _ in range(6)]
    # Keys near the top of their range: the product needs 62 bits, which floats would round.
    for n, idea in enumerate(ideas):
        Idea.objects.filter(pk=idea.pk).update(random_key=RANDOM_KEY_MODULUS - 1 - n * 977)
    keys = dict(Idea.objects.filter(challenge=challenge).values_list("pk", "random_key"))
    for seed in ("a", "b", "session-42"):
        multiplier, offset = _random_order(seed)
        expected = sorted(keys, key=lambda pk: ((keys[pk] * multiplier + offset) % RANDOM_KEY_MODULUS, str(pk)))
        assert [i.pk for i in services.list_ideas(challenge, actor=None, sort="random", seed=seed)] == expected
