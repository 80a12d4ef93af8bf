"""A challenge from opening to results, in a browser, as the people involved would run it.

An organisation admin opens a challenge linked to two datasets and publishes it; two citizens
submit ideas (one of them, in French, with an e-mail address that the automatic checks hold for
review); two others vote and comment (one comment, holding a service's address, is held too); a
moderator releases the held comment and rejects the held idea under a rule, with a note that its
author then reads on their contributions page (and receives by e-mail); the organisation
publishes an official answer to an idea and the results statement, which closes the challenge;
both dataset pages list the challenge. Only the accounts, the organisation and its datasets are
made through factories: everything else goes through the pages' forms and buttons.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest

from .conftest import sign_in

pytestmark = pytest.mark.browser

PASSWORD = "correct horse battery staple 42"

CHALLENGE = "velo-hiver"
DATASETS = {
    "pistes-cyclables": ("Pistes cyclables", "Bike paths"),
    "deneigement-rues": ("Déneigement des rues", "Street snow removal"),
}
IDEA_OPEN = "Déneiger les pistes cyclables en premier"
IDEA_HELD = "Un tableau de bord du déneigement"
HELD_ADDRESS = "marc.gagnon@exemple.ca"
SERVICE_ADDRESS = "deneigement@ville.exemple.ca"
REJECTION_NOTE = "Retirez votre adresse courriel et proposez l'idée de nouveau : les commentaires permettent d'en discuter."


def _t(language: str, text: str, context: str | None = None) -> str:
    from django.utils import translation

    with translation.override(language):
        return translation.pgettext(context, text) if context else translation.gettext(text)


def _local(moment: dt.datetime) -> str:
    """A ``datetime-local`` field's value in the site's time zone."""
    from django.utils import timezone

    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def _people():
    from tests.support.factories import make_dataset, make_organisation, make_user

    people = {
        "admin": make_user("orla", password=PASSWORD),
        "moderator": make_user("mathis", password=PASSWORD),
        "author_en": make_user("beatrice", password=PASSWORD),
        "author_fr": make_user("marc", password=PASSWORD),
        "voter_1": make_user("valerie", password=PASSWORD),
        "voter_2": make_user("victor", password=PASSWORD),
    }
    people["author_fr"].language = "fr"
    people["author_fr"].save(update_fields=["language"])
    organisation = make_organisation("ville-de-quebec", admin=people["admin"], editors=[people["moderator"]],
                                     title_fr="Ville de Québec", title_en="City of Québec")
    for name, (title_fr, title_en) in DATASETS.items():
        make_dataset(organisation, name, title_fr=title_fr, title_en=title_en)
    return people


def _message(page) -> str:
    return page.locator("main .messages").inner_text()


def _open_challenge(page):
    """The organisation admin creates the draft through the form, then publishes it."""
    from django.utils import timezone

    now = timezone.now()
    sign_in(page, "orla", PASSWORD)
    page.goto("/en/challenges/")
    page.locator("main").get_by_role("link", name="Open a challenge").click()
    form = page.locator("main form.stack")
    form.get_by_label("Organisation").select_option("ville-de-quebec")
    form.get_by_label("Short name").fill(CHALLENGE)
    form.get_by_label("Title (French)").fill("Le vélo en hiver")
    form.get_by_label("Title (English)").fill("Cycling in winter")
    form.get_by_label("Problem statement (French)").fill(
        "Les pistes cyclables restent enneigées des jours après une tempête. Comment les données "
        "sur le déneigement peuvent-elles aider ?")
    form.get_by_label("Problem statement (English)").fill(
        "Bike paths stay under snow for days after a storm. How can snow removal data help?")
    form.get_by_label("Datasets concerned").fill(", ".join(DATASETS))
    form.get_by_label("Ideas phase starts").fill(_local(now - dt.timedelta(days=1)))
    form.get_by_label("Ideas phase ends").fill(_local(now + dt.timedelta(days=14)))
    form.get_by_label("Voting phase starts").fill(_local(now + dt.timedelta(days=14)))
    form.get_by_label("Voting phase ends").fill(_local(now + dt.timedelta(days=28)))
    form.get_by_label("Allow votes during the ideas phase").check()
    form.get_by_role("button", name="Create the draft").click()
    assert "The draft challenge was created" in _message(page), page.content()
    assert page.locator("h1").inner_text() == "Cycling in winter"
    page.locator("main").get_by_role("button", name="Publish").click()
    assert "The challenge is published." in _message(page)
    data = page.locator("section[aria-labelledby=datasets-title]")
    for _title_fr, title_en in DATASETS.values():
        assert data.get_by_role("link", name=title_en).count() == 1


def _submit_idea(page, title: str, body: str, *, language: str) -> None:
    """A citizen finds the challenge in the list and submits an idea through its form."""
    page.goto(f"/{language}/challenges/")
    page.locator("main").get_by_role("link", name="Le vélo en hiver" if language == "fr" else "Cycling in winter").click()
    form = page.locator("main form[action$='/ideas/new/']")
    form.locator("[name=title]").fill(title)
    form.locator("[name=body]").fill(body)
    form.locator("[name=datasets]").fill("deneigement-rues")
    form.get_by_role("button").click()
    page.wait_for_load_state()


def _vote_and_comment(page, *, body: str, stance: str) -> str:
    """On the open idea: vote (the page reloads with the new count), then comment with a stance."""
    page.goto("/en/challenges/")
    page.locator("main").get_by_role("link", name="Cycling in winter").click()
    page.locator("main ul.ideas").get_by_role("link", name=IDEA_OPEN).click()
    votes = page.locator("[data-vote-count]")
    before = int(re.match(r"\d+", votes.inner_text()).group())
    page.get_by_role("button", name="Vote for this idea").click()
    page.get_by_role("button", name="Withdraw my vote").wait_for()
    assert votes.inner_text().startswith(f"{before + 1} vote"), votes.inner_text()
    form = page.locator("main form.comment-form").last
    form.get_by_label("Your comment").fill(body)
    form.get_by_label(stance, exact=True).check()
    form.get_by_role("button", name="Post the comment").click()
    page.wait_for_load_state()
    return _message(page)


def test_a_challenge_from_opening_to_results(new_page, live_server, mailoutbox):
    from ouvert.participation.models import Challenge, Comment, Idea, Moderation, Vote

    _people()
    admin = new_page()
    _open_challenge(admin)
    challenge = Challenge.objects.get(name=CHALLENGE)
    assert challenge.status == "published"
    assert sorted(challenge.datasets.values_list("name", flat=True)) == sorted(DATASETS)

    # Two citizens submit ideas: the English one appears at once; the French one holds an
    # e-mail address and waits for review, seen only by its author (and the moderators).
    author_en = new_page()
    sign_in(author_en, "beatrice", PASSWORD)
    _submit_idea(author_en, IDEA_OPEN, "Clear the bike paths first after a storm and publish the snow removal "
                 "schedule every morning, so people know which routes are safe.", language="en")
    assert "Your idea is published." in _message(author_en)
    assert author_en.locator("h1").inner_text() == IDEA_OPEN

    author_fr = new_page(locale="fr-CA")
    sign_in(author_fr, "marc", PASSWORD, language="fr")
    _submit_idea(author_fr, IDEA_HELD, "Publier chaque jour un tableau de bord des rues déneigées. Pour en "
                 f"parler, écrivez-moi à {HELD_ADDRESS}.", language="fr")
    assert _t("fr", "Waiting for review.") in author_fr.locator("main").inner_text()
    assert "renseignements personnels" in _message(author_fr)
    held_idea = Idea.objects.get(title=IDEA_HELD)
    assert held_idea.moderation == Moderation.HELD
    visitor = new_page()
    assert visitor.goto(f"/en/challenges/{CHALLENGE}/ideas/{held_idea.pk}/").status == 404
    visitor.goto(f"/en/challenges/{CHALLENGE}/")
    assert visitor.locator("#ideas-title").inner_text() == "1 idea"
    assert IDEA_HELD not in visitor.content()

    # Two others vote for the open idea and comment on it; one comment gives a service's
    # address, which the checks cannot tell from a person's: it is held too.
    voter_1 = new_page()
    sign_in(voter_1, "valerie", PASSWORD)
    assert "Your comment is published." in _vote_and_comment(
        voter_1, body="Yes: the paths along the river are the first ones people use in the morning.", stance="For")
    voter_2 = new_page()
    sign_in(voter_2, "victor", PASSWORD)
    held_message = _vote_and_comment(
        voter_2, body=f"Plowing crews already answer at {SERVICE_ADDRESS}; the schedule would save them calls.",
        stance="Neutral")
    assert "Your comment is waiting for review" in held_message
    open_idea = Idea.objects.get(title=IDEA_OPEN)
    assert Vote.objects.filter(idea=open_idea).count() == 2
    assert open_idea.vote_count == 2 and open_idea.comment_count == 1
    held_comment = Comment.objects.get(author__username="victor")
    assert held_comment.moderation == Moderation.HELD

    # The moderator finds the two held items in the queue: releases the comment (a public
    # service's address) and rejects the idea under the personal information rule, with a note.
    moderator = new_page()
    sign_in(moderator, "mathis", PASSWORD)
    moderator.goto("/en/challenges/")
    moderator.locator("main").get_by_role("link", name="Moderation", exact=True).click()
    assert moderator.locator("#queue-title").inner_text() == "2 items"
    comment_case = moderator.locator("li.queue-item", has_text=SERVICE_ADDRESS)
    comment_case.get_by_label("Decision", exact=True).select_option(label="Released")
    comment_case.get_by_role("button", name=re.compile("Record the decision")).click()
    assert "The decision was recorded" in _message(moderator)
    idea_case = moderator.locator("li.queue-item", has_text=HELD_ADDRESS)
    idea_case.get_by_label("Decision", exact=True).select_option(label="Rejected")
    idea_case.get_by_label("Rule", exact=True).select_option(label="Personal information")
    idea_case.get_by_label("Note to the author (optional)").fill(REJECTION_NOTE)
    idea_case.get_by_role("button", name=re.compile("Record the decision")).click()
    assert "The decision was recorded" in _message(moderator)
    assert moderator.locator("#queue-title").inner_text() == "0 items"
    moderator.locator("main").get_by_role("link", name="Decision log").click()
    log = moderator.locator("main").inner_text()
    assert "Released" in log and "Rejected" in log and "Personal information" in log

    # The released comment now shows on the idea, for everyone.
    visitor.goto(f"/en/challenges/{CHALLENGE}/ideas/{open_idea.pk}/")
    assert SERVICE_ADDRESS in visitor.locator("ol.comments").inner_text()
    assert visitor.locator("#comments").inner_text() == "2 comments"

    # The author of the rejected idea reads why, in French, on their contributions page; the
    # same explanation reached them by e-mail.
    author_fr.goto("/fr/challenges/")
    author_fr.locator("main").get_by_role("link", name=_t("fr", "My contributions")).click()
    text = author_fr.locator("section[aria-labelledby=ideas-title] li.card", has_text=IDEA_HELD).inner_text()
    assert _t("fr", "Rejected", "moderation state") in text
    assert "Renseignements personnels" in text
    assert REJECTION_NOTE in text
    assert "Ne publiez pas de renseignements personnels" in text
    notice = author_fr.locator("section[aria-labelledby=notices-title] li.card", has_text=IDEA_HELD).inner_text()
    assert REJECTION_NOTE in notice
    mails = [m for m in mailoutbox if "marc@example.org" in m.to]
    assert len(mails) == 1 and REJECTION_NOTE in mails[0].body

    # The organisation answers the open idea (accepting it) and publishes the results
    # statement, which closes the challenge.
    admin.goto(f"/en/challenges/{CHALLENGE}/")
    admin.locator("main ul.ideas").get_by_role("link", name=IDEA_OPEN).click()
    admin.locator("main").get_by_role("link", name="Answer this idea").click()
    admin.get_by_label("Official answer (French)").fill(
        "Dès cet hiver, les pistes du bord du fleuve seront déneigées en premier et l'horaire publié chaque matin.")
    admin.get_by_label("Official answer (English)").fill(
        "From this winter, the riverside paths will be cleared first and the schedule published every morning.")
    admin.get_by_label("Status announced with the answer").select_option(label="Accepted")
    admin.get_by_role("button", name="Publish the answer").click()
    assert "The answer is published." in _message(admin)
    answer = admin.locator("section.official-answer")
    assert "the riverside paths will be cleared first" in answer.inner_text()
    assert admin.locator("p.byline .badge").inner_text() == "Accepted"

    admin.locator("nav.breadcrumb").get_by_role("link", name="Cycling in winter").click()
    admin.locator("main").get_by_role("link", name="Results statement").click()
    admin.get_by_label("Results statement (French)").fill(
        "Nous avons reçu deux idées et vos commentaires. Les pistes cyclables seront déneigées en premier.")
    admin.get_by_label("Results statement (English)").fill(
        "We received two ideas and your comments. Bike paths will be cleared first.")
    admin.get_by_role("button", name="Publish the results statement").click()
    assert "The results statement is published." in _message(admin)
    challenge.refresh_from_db()
    assert challenge.status == "closed" and challenge.results_published is not None

    # Anyone sees the answer and the results, in either language, and each dataset's page
    # lists the challenge.
    visitor.goto(f"/fr/challenges/{CHALLENGE}/")
    results = visitor.locator("section.results-statement").inner_text()
    assert "Les pistes cyclables seront déneigées en premier." in results
    visitor.goto(f"/en/challenges/{CHALLENGE}/ideas/{open_idea.pk}/")
    assert "the riverside paths will be cleared first" in visitor.locator("section.official-answer").inner_text()
    for name in DATASETS:
        for language, title in (("en", "Cycling in winter"), ("fr", "Le vélo en hiver")):
            visitor.goto(f"/{language}/datasets/{name}/")
            listed = visitor.locator("section[aria-labelledby=challenges-title]")
            assert listed.get_by_role("link", name=title).count() == 1, (name, language)
        listed.get_by_role("link", name="Le vélo en hiver").click()
        assert visitor.locator("h1").inner_text() == "Le vélo en hiver"
