"""The whole publishing path in a browser, and what anonymous visitors and non-members never see.

One walk-through: a newcomer signs up and verifies the e-mail address, an organisation admin
makes them an editor, they create a bilingual dataset, upload a CSV and publish it, and an
anonymous visitor finds it by a French word and by an English word, then downloads the file
byte for byte. Along the way, a private dataset and drafts of the same organisation (whose
titles contain the same words) stay out of every page and search for the anonymous visitor and
for a signed-in member of another organisation, while a member of the organisation sees them.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from .conftest import sign_in

PASSWORD = "correct horse battery staple 42"

# Latin-1 bytes with Windows line ends: "as is" data must come back exactly as uploaded.
CSV_BYTES = "école;montant\r\nÉcole Saint-Jean;1 700,50\r\nÉcole Sainte-Thérèse;2 045,00\r\n".encode("latin-1")

FRENCH_WORD = "déneigement"   # only in the French title and description
ENGLISH_WORD = "snowplough"   # only in the English title and description
SECRET_TAG = "motclesecretxq"  # only on the datasets that must stay hidden


def _t(language: str, text: str) -> str:
    """``text`` as the pages show it in ``language`` (through the project's catalogues)."""
    from django.utils import translation

    with translation.override(language):
        return translation.gettext(text)


def _setup_catalogue():
    """The organisation with its admin, a theme, and the datasets that must stay hidden."""
    from ouvert.catalog.services import create_theme
    from tests.support.factories import _root, make_dataset, make_organisation, make_user

    admin = make_user("ariane", password=PASSWORD)
    outsider = make_user("olivier", password=PASSWORD)
    organisation = make_organisation("ville-de-quebec", admin=admin,
                                     title_fr="Ville de Québec", title_en="City of Québec")
    make_organisation("autre-ville", editors=[outsider])
    theme = create_theme(actor=_root(), data={
        "name": "transport", "title_fr": "Transport et voirie", "title_en": "Transport and roads"})
    hidden = {
        "private": make_dataset(
            organisation, "deneigement-budget-interne", private=True, themes=["transport"], tags=SECRET_TAG,
            title_fr="Déneigement : budget interne", title_en="Snowplough internal budget",
            description_fr="Données internes du déneigement.", description_en="Internal snowplough figures.",
            resources=[("budget-interne.csv", b"poste;montant\nsel;12\n")]),
        "draft": make_dataset(
            organisation, "deneigement-brouillon", state="draft", themes=["transport"], tags=SECRET_TAG,
            title_fr="Déneigement : parcours prévus", title_en="Snowplough planned routes",
            description_fr="Brouillon du déneigement.", description_en="Snowplough draft.",
            resources=[("parcours.csv", b"rue;ordre\nCartier;1\n")]),
        "private-draft": make_dataset(
            organisation, "deneigement-prive-brouillon", state="draft", private=True, themes=["transport"],
            tags=SECRET_TAG, title_fr="Déneigement : contrats à l’étude", title_en="Snowplough contracts under review",
            resources=[("contrats.csv", b"contrat;montant\nA;1\n")]),
    }
    return admin, outsider, organisation, theme, hidden


def _hidden_addresses(dataset) -> list[str]:
    resource = dataset.resources.get()
    return [
        dataset.get_absolute_url(),
        f"/fr/datasets/{dataset.name}/",
        f"/en/datasets/{dataset.name}/",
        f"/en/datasets/{dataset.name}.json",
        f"/en/datasets/{dataset.pk}/",
        resource.get_absolute_url(),
        resource.download_path(),
        f"/en/datasets/{dataset.name}/edit/",
        f"/en/datasets/{dataset.name}/resources/new/",
    ]


def _listing_pages(language: str) -> list[str]:
    return [
        f"/{language}/",
        f"/{language}/datasets/",
        f"/{language}/datasets/?q={FRENCH_WORD}",
        f"/{language}/datasets/?q={ENGLISH_WORD}",
        f"/{language}/datasets/?q=deneigement",
        f"/{language}/datasets/?tag={SECRET_TAG}",
        f"/{language}/datasets/?sort=modified",
        f"/{language}/datasets/?organisation=ville-de-quebec",
        f"/{language}/organisations/",
        f"/{language}/organisations/ville-de-quebec/",
        f"/{language}/organisations/ville-de-quebec/?q={FRENCH_WORD}",
        f"/{language}/themes/",
        f"/{language}/themes/transport/",
        f"/{language}/dashboard/",
    ]


def _leaks(page, hidden: dict, languages=("fr", "en")) -> list[str]:
    """Every place where ``page``'s viewer sees a hidden dataset (empty list: nothing leaks)."""
    from django.utils import translation

    found = []
    markers = [SECRET_TAG]
    for dataset in hidden.values():
        markers += [dataset.name, dataset.title_fr, dataset.title_en, str(dataset.pk)]
    for language in languages:
        for address in _listing_pages(language):
            response = page.goto(address)
            assert response.ok, f"{address}: HTTP {response.status}"
            html = page.content()
            # A marker that is in the address (a filter) is echoed back by the page: skip it there.
            found += [f"{address} shows {marker!r}" for marker in markers if marker in html and marker not in address]
    for dataset in hidden.values():
        with translation.override("en"):
            addresses = _hidden_addresses(dataset)
        for address in addresses:
            response = page.request.get(address, max_redirects=0)
            if response.status not in (302, 404) or (response.status == 302 and "/accounts/login/" not in response.headers["location"]):
                found.append(f"{address}: HTTP {response.status} (expected 404, or a redirect to sign in)")
    return found


@pytest.mark.browser
def test_publishing_path_from_sign_up_to_anonymous_download(new_page, live_server, settings, mailoutbox):
    settings.SITE_URL = live_server.url
    admin, outsider, organisation, theme, hidden = _setup_catalogue()

    # --- a newcomer signs up, in French, and verifies the address from the e-mail -----------
    newcomer = new_page()
    newcomer.goto("/fr/")
    newcomer.locator("header").get_by_role("link", name=_t("fr", "Create an account")).click()
    form = newcomer.locator("main form[action$='/accounts/signup/']")
    form.locator("[name=username]").fill("camille")
    form.locator("[name=email]").fill("camille@example.org")
    form.locator("[name=display_name]").fill("Camille Tremblay")
    form.locator("[name=password1]").fill(PASSWORD)
    form.locator("[name=password2]").fill(PASSWORD)
    form.get_by_role("button").click()
    newcomer.wait_for_url("**/fr/accounts/signup/done/")

    assert len(mailoutbox) == 1, [m.subject for m in mailoutbox]
    message = mailoutbox[0]
    assert message.to == ["camille@example.org"]
    links = re.findall(r"https?://\S+/accounts/verify/\S+/", message.body)
    assert len(links) == 1, message.body
    assert links[0].startswith(live_server.url + "/fr/"), links[0]
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.get(username="camille")
    assert not user.email_verified
    newcomer.goto(links[0])
    assert newcomer.locator("h1").inner_text() == _t("fr", "Address verified")
    user.refresh_from_db()
    assert user.email_verified

    # --- before being an editor, the newcomer cannot create a dataset ------------------------
    sign_in(newcomer, "camille@example.org", PASSWORD, language="en")
    assert newcomer.goto("/en/dashboard/new-dataset/").status == 403

    # --- the organisation admin makes them an editor -----------------------------------------
    admin_page = new_page()
    sign_in(admin_page, "ariane", PASSWORD)
    admin_page.goto("/en/organisations/ville-de-quebec/")
    admin_page.locator("main").get_by_role("link", name="Members").click()
    add = admin_page.locator("section[aria-labelledby=add-member-title]")
    add.get_by_label("User name or e-mail address").fill("camille")
    add.get_by_label("Role").select_option("editor")
    add.get_by_role("button", name="Add").click()
    admin_page.wait_for_load_state()
    row = admin_page.locator("tbody tr", has_text="Camille Tremblay")
    assert row.count() == 1
    assert "verified" in row.inner_text() and "not verified" not in row.inner_text()
    assert row.locator("select").input_value() == "editor"

    # --- the editor creates a bilingual draft ------------------------------------------------
    newcomer.goto("/en/dashboard/")
    newcomer.locator("main").get_by_role("link", name="New dataset").first.click()
    form = newcomer.locator("main form.stack")
    form.locator("[name=organisation]").select_option("ville-de-quebec")
    form.locator("[name=name]").fill("deneigement-operations")
    form.locator("[name=title_fr]").fill("Opérations de déneigement des rues")
    form.locator("[name=title_en]").fill("Street snowplough operations")
    form.locator("[name=description_fr]").fill(
        "Les chargements de neige et le **déneigement** des rues, école par école.")
    form.locator("[name=description_en]").fill(
        "Snow loading and **snowplough** runs in the streets, school by school.")
    form.locator("[name=tags_fr]").fill("neige, voirie")
    form.locator("[name=tags_en]").fill("snow, roads")
    form.get_by_label("Transport and roads").check()
    form.locator("[name=licence]").select_option("OGL-Canada-2.0")
    form.get_by_role("button", name="Create the draft").click()
    newcomer.wait_for_url("**/en/datasets/deneigement-operations/")
    assert "Draft." in newcomer.locator("main").inner_text()

    from ouvert.catalog.models import Dataset

    dataset = Dataset.objects.get(name="deneigement-operations")
    assert dataset.state == "draft"
    assert dataset.created_by == user
    assert (dataset.title_fr, dataset.title_en) == ("Opérations de déneigement des rues", "Street snowplough operations")
    hidden_now = {**hidden, "new draft": dataset}

    # --- the editor uploads the CSV ----------------------------------------------------------
    newcomer.locator("main").get_by_role("link", name="Add a resource").first.click()
    form = newcomer.locator("main form.stack")
    form.locator("[name=file]").set_input_files(
        files=[{"name": "écoles-déneigement.csv", "mimeType": "text/csv", "buffer": CSV_BYTES}])
    form.locator("[name=title_fr]").fill("Chargements par école")
    form.locator("[name=title_en]").fill("Loads by school")
    form.get_by_role("button", name="Add the resource").click()
    newcomer.wait_for_url(re.compile(r".*/en/datasets/deneigement-operations/edit/(#resources)?$"))
    resource = dataset.resources.get()
    assert resource.size == len(CSV_BYTES)
    assert resource.format == "CSV"

    # --- while it is a draft, nobody outside the organisation sees it ------------------------
    visitor = new_page()
    stranger = new_page()
    sign_in(stranger, "olivier", PASSWORD)
    assert _leaks(visitor, hidden_now, languages=("fr",)) == []
    assert _leaks(stranger, hidden_now, languages=("en",)) == []

    # --- the editor publishes it -------------------------------------------------------------
    newcomer.locator("main").get_by_role("button", name="Publish").click()
    newcomer.wait_for_url("**/en/datasets/deneigement-operations/")
    assert "The dataset is published." in newcomer.locator(".messages").inner_text()
    dataset.refresh_from_db()
    assert dataset.state == "active"

    # A member of the organisation sees the private dataset (and, as an editor, the drafts):
    # the checks below would find them if they leaked.
    newcomer.goto(f"/en/datasets/?q={ENGLISH_WORD}")
    member_results = newcomer.locator("main .cards .card-title a").all_inner_texts()
    assert sorted(member_results) == sorted(
        [dataset.title_en] + [d.title_en for d in hidden.values() if d.state == "active"]), member_results
    assert newcomer.goto(hidden["private"].get_absolute_url()).ok

    # --- an anonymous visitor finds it by a French word and by an English word ----------------
    visitor.goto("/fr/")
    visitor.locator("main form[role=search]").get_by_role("searchbox").fill(FRENCH_WORD)
    visitor.locator("main form[role=search]").get_by_role("button").click()
    visitor.wait_for_url(re.compile(r".*/fr/datasets/\?q="))
    found = visitor.locator("main .cards .card-title a")
    assert found.all_inner_texts() == ["Opérations de déneigement des rues"]

    visitor.goto("/en/")
    visitor.locator("header").get_by_role("searchbox").fill(ENGLISH_WORD)
    visitor.locator("header").get_by_role("button", name="Search").click()
    visitor.wait_for_url(re.compile(r".*/en/datasets/\?q="))
    found = visitor.locator("main .cards .card-title a")
    assert found.all_inner_texts() == ["Street snowplough operations"]

    # The published dataset is listed on the home, organisation and theme pages too.
    for address in ("/en/", "/en/organisations/ville-de-quebec/", "/en/themes/transport/"):
        visitor.goto(address)
        assert visitor.locator("main a", has_text="Street snowplough operations").count() >= 1, address

    # --- and downloads the file byte for byte ------------------------------------------------
    visitor.goto(f"/en/datasets/?q={ENGLISH_WORD}")
    visitor.locator("main .cards").get_by_role("link", name="Street snowplough operations").click()
    visitor.wait_for_url("**/en/datasets/deneigement-operations/")
    assert visitor.locator("h1").inner_text() == "Street snowplough operations"
    with visitor.expect_download() as download_info:
        visitor.locator("main .resources").get_by_role("link", name=re.compile(r"^Download")).click()
    download = download_info.value
    assert download.suggested_filename.endswith(".csv")
    assert Path(download.path()).read_bytes() == CSV_BYTES

    # --- after publication, the private dataset and the drafts are still hidden --------------
    assert _leaks(visitor, hidden) == []
    assert _leaks(stranger, hidden, languages=("en",)) == []
