"""A sysadmin creates an organisation with a logo and edits it, in French and in English, at
desktop and phone widths; the pages pass axe and fit a 360 px screen. Screenshots of each step
are written to ``test-artifacts/organisation-admin/`` for people to look at."""

from __future__ import annotations

import io

import pytest

from .conftest import ROOT, axe_violations, describe, force_sign_in

SHOTS = ROOT / "test-artifacts" / "organisation-admin"
LANGUAGES = ("fr", "en")
WIDTHS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 360, "height": 740}}


def _logo_file(tmp_path, colour):
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (240, 120), colour)
    ImageDraw.Draw(image).ellipse((20, 20, 100, 100), fill=(255, 255, 255))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    path = tmp_path / f"logo-{colour[0]}.png"
    path.write_bytes(buffer.getvalue())
    return path


def _check(page, width: int, what: str) -> None:
    found = axe_violations(page)
    assert not found, f"{what}: {describe(found)}"
    scroll = page.evaluate("document.documentElement.scrollWidth")
    assert scroll <= width, f"{what}: the page is {scroll}px wide on a {width}px screen"


@pytest.mark.browser
@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("size", WIDTHS)
def test_sysadmin_creates_and_edits_an_organisation(new_page, live_server, tmp_path, language, size):
    from ouvert.accounts.models import Organisation
    from tests.support.factories import make_user

    viewport = WIDTHS[size]
    page = new_page(viewport=viewport, is_mobile=size == "phone")
    force_sign_in(page, make_user("root", sysadmin=True), live_server)
    SHOTS.mkdir(parents=True, exist_ok=True)
    shot = lambda step: page.screenshot(path=str(SHOTS / f"{step}-{language}-{viewport['width']}.png"), full_page=True)  # noqa: E731

    # The list of organisations offers "New organisation" to a sysadmin.
    page.goto(f"/{language}/organisations/")
    page.locator("main a[href$='/accounts/organisations/new/']").click()
    page.wait_for_load_state()

    # Bad input first: an invalid name and a file that is not an image.
    page.fill("#id_name", "Pas valide!")
    not_an_image = tmp_path / "logo.png"
    not_an_image.write_text("not an image")
    page.set_input_files("#id_logo", str(not_an_image))
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()
    assert page.locator(".error-summary").is_visible()
    assert page.get_attribute("#id_name", "aria-invalid") == "true"
    assert page.get_attribute("#id_logo", "aria-invalid") == "true"
    shot("1-errors")
    _check(page, viewport["width"], "form with errors")
    assert not Organisation.objects.filter(title_fr="Ville de Lévis").exists()

    # Then the real thing, typed with the keyboard where it matters.
    page.fill("#id_name", "ville-de-levis")
    page.fill("#id_title_fr", "Ville de Lévis")
    page.fill("#id_title_en", "City of Lévis")
    page.fill("#id_description_fr", "La **ville** publie ses données.")
    page.fill("#id_description_en", "The **city** publishes its data.")
    page.fill("#id_website", "https://www.ville.levis.qc.ca")
    page.fill("#id_email", "donnees@ville.levis.qc.ca")
    page.set_input_files("#id_logo", str(_logo_file(tmp_path, (0, 83, 155))))
    shot("2-new")
    page.locator("#id_email").focus()
    page.keyboard.press("Enter")  # submits the form
    page.wait_for_url(f"**/{language}/accounts/organisations/ville-de-levis/members/")
    organisation = Organisation.objects.get(name="ville-de-levis")
    assert organisation.logo

    # The organisation's page shows the logo (loaded) and offers "Edit" and the members.
    page.goto(f"/{language}/organisations/ville-de-levis/")
    logo = page.locator("main img.organisation-logo")
    assert logo.evaluate("img => img.complete && img.naturalWidth") == 240
    shot("3-page")
    _check(page, viewport["width"], "organisation page")
    page.locator("main a[href$='/accounts/organisations/ville-de-levis/edit/']").click()
    page.wait_for_load_state()
    assert page.locator("main a[href$='/accounts/organisations/ville-de-levis/members/']").count() == 1
    page.fill("#id_title_en", "City of Lévis (Québec)")
    page.set_input_files("#id_logo", str(_logo_file(tmp_path, (160, 20, 40))))
    shot("4-edit")
    _check(page, viewport["width"], "edit page")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(f"**/{language}/organisations/ville-de-levis/")
    organisation.refresh_from_db()
    assert organisation.title_en == "City of Lévis (Québec)"
    assert page.locator("main img.organisation-logo").evaluate("img => img.complete && img.naturalWidth") == 240

    page.goto(f"/{language}/organisations/")
    assert page.locator("main .card img.organisation-logo").count() == 1
    shot("5-list")
    _check(page, viewport["width"], "list of organisations")
