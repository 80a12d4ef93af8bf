"""Accessibility of the main pages, in French and in English.

- axe-core finds no WCAG 2.1 A/AA violation;
- at 360 px wide nothing scrolls sideways;
- the skip link is the first thing the keyboard reaches, and it moves focus to ``main``.

The pages: home, search (with results and filters), a dataset (and one whose text exists in
French only, read on the English site), an organisation, sign-in, and the dataset edit page.
"""

from __future__ import annotations

import pytest

from .conftest import axe_violations, describe, force_sign_in

LANGUAGES = ("fr", "en")


def _build_catalogue() -> dict:
    """A realistic small catalogue; returns the pages to check (path after the language prefix)
    and the editor who may open the edit page."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from ouvert.catalog.services import add_resource, create_theme
    from ouvert.core.testing import _root, make_dataset, make_organisation, make_user

    editor = make_user("editrice")
    organisation = make_organisation(
        "ville-de-montreal", editors=[editor],
        title_fr="Ville de Montréal", title_en="City of Montréal",
        description_fr="La **Ville de Montréal** publie ses données ouvertes sur les services municipaux.",
        description_en="The **City of Montréal** publishes open data about municipal services.",
        website="https://montreal.ca/", email="donnees@montreal.example",
    )
    create_theme(actor=_root(), data={
        "name": "environnement", "title_fr": "Environnement", "title_en": "Environment",
        "description_fr": "Qualité de l’air, arbres, eau.", "description_en": "Air quality, trees, water."})
    dataset = make_dataset(
        organisation, "arbres-publics", actor=editor,
        title_fr="Arbres publics sur le territoire de la ville",
        title_en="Public trees in the city",
        description_fr=("Inventaire des **arbres publics** : essence, diamètre et emplacement.\n\n"
                        "- mis à jour chaque semaine ;\n- coordonnées en WGS 84.\n\n"
                        "Voir aussi [le portail de la ville](https://montreal.ca/)."),
        description_en=("Inventory of **public trees**: species, diameter and location.\n\n"
                        "- updated weekly;\n- coordinates in WGS 84.\n\n"
                        "See also [the city portal](https://montreal.ca/)."),
        tags_fr="arbres, forêt urbaine", tags_en="trees, urban forest", tags="WGS84",
        themes=["environnement"], licence="CC-BY-4.0", frequency="weekly",
        temporal_start="2015-01-01", temporal_end="2024-12-31", spatial="Montréal, Québec, Canada",
        contact_name="Équipe des données ouvertes", contact_email="donnees@montreal.example",
        source_url="https://montreal.ca/", version="2024.3",
    )
    add_resource(dataset, actor=editor, data={
        "title_fr": "Arbres (CSV)", "title_en": "Trees (CSV)",
        "description_fr": "Un arbre par ligne, séparateur point-virgule.",
        "description_en": "One tree per line, semicolon-separated.",
    }, upload=SimpleUploadedFile("arbres.csv", "essence;diamètre\nÉrable argenté;42\n".encode()))
    add_resource(dataset, actor=editor, data={
        "title_fr": "Carte interactive", "title_en": "Interactive map", "url": "https://montreal.ca/carte",
    })
    make_dataset(organisation, "collectes-residus", actor=editor,
                 title_fr="Collectes des résidus alimentaires", title_en="",
                 description_fr="Jours de collecte par secteur, en français seulement.",
                 tags_fr="collectes", themes=["environnement"])
    for n in range(3):
        make_dataset(organisation, f"qualite-air-{n}", actor=editor,
                     title_fr=f"Qualité de l’air, station {n}", title_en=f"Air quality, station {n}",
                     description_fr="Mesures horaires.", description_en="Hourly readings.", themes=["environnement"])
    pages = {
        "home": "/",
        "search": "/datasets/?q=arbres&theme=environnement",
        "dataset": "/datasets/arbres-publics/",
        "dataset (one language only)": "/datasets/collectes-residus/",
        "organisation": "/organisations/ville-de-montreal/",
        "sign-in": "/accounts/login/",
        "dataset edit": "/datasets/arbres-publics/edit/",
    }
    return {"pages": pages, "editor": editor}


def _visit_all(page, live_server, language: str, check) -> dict[str, object]:
    """Open each page in ``language`` (anonymous, then signed in for the edit page) and collect
    what ``check(page)`` reports, by page name."""
    catalogue = _build_catalogue()
    problems = {}
    for name, path in catalogue["pages"].items():
        if name == "dataset edit":
            force_sign_in(page, catalogue["editor"], live_server)
        response = page.goto(f"/{language}{path}")
        assert response.status == 200, f"{name} ({language}{path}): HTTP {response.status}"
        assert page.evaluate("document.documentElement.lang") == language, name
        found = check(page)
        if found:
            problems[f"{name} /{language}{path}"] = found
    return problems


@pytest.mark.browser
@pytest.mark.parametrize("language", LANGUAGES)
def test_axe_finds_no_wcag_violations(page, live_server, language):
    def violations(page):
        found = axe_violations(page)
        return describe(found) if found else None

    problems = _visit_all(page, live_server, language, violations)
    assert not problems, "\n".join(f"{name}:\n{found}" for name, found in problems.items())


@pytest.mark.browser
@pytest.mark.parametrize("language", LANGUAGES)
def test_pages_fit_a_360px_screen(mobile_page, live_server, language):
    def overflow(page):
        width = page.evaluate("document.documentElement.scrollWidth")
        if width <= 360:
            return None
        wide = page.evaluate("""() => [...document.querySelectorAll('body *')]
            .filter(e => e.getBoundingClientRect().right > 360.5)
            .slice(0, 5).map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') +
                             (e.className && typeof e.className === 'string' ? '.' + e.className.trim().replace(/\\s+/g, '.') : '')
                             + ' ' + Math.round(e.getBoundingClientRect().right) + 'px')""")
        return f"scrollWidth {width}px; too wide: {wide}"

    problems = _visit_all(mobile_page, live_server, language, overflow)
    assert not problems, "\n".join(f"{name}: {found}" for name, found in problems.items())


@pytest.mark.browser
@pytest.mark.parametrize("language", LANGUAGES)
def test_skip_link_comes_first_and_moves_focus_to_main(page, live_server, language):
    def skip_link(page):
        page.keyboard.press("Tab")
        first = page.evaluate("""() => { const e = document.activeElement;
            return {cls: e.className, href: e.getAttribute('href'), text: e.textContent.trim(),
                    top: e.getBoundingClientRect().top, height: e.getBoundingClientRect().height}; }""")
        if first["cls"] != "skip-link" or first["href"] != "#main":
            return f"the first focusable element is {first}, not the skip link"
        if not first["text"] or first["top"] < 0 or first["height"] == 0:
            return f"the focused skip link is not visible: {first}"
        page.keyboard.press("Enter")
        focused = page.evaluate("() => document.activeElement.tagName.toLowerCase() + '#' + document.activeElement.id")
        if focused != "main#main":
            return f"Enter on the skip link focuses {focused}, not main#main"
        page.keyboard.press("Tab")
        inside = page.evaluate("() => document.getElementById('main').contains(document.activeElement)")
        if not inside:
            return "the next Tab after the skip link leaves main"
        return None

    problems = _visit_all(page, live_server, language, skip_link)
    assert not problems, "\n".join(f"{name}: {found}" for name, found in problems.items())


@pytest.mark.browser
def test_text_shown_in_the_other_language_is_marked_with_lang(page, live_server):
    """A French-only dataset read on the English site: screen readers must switch to French."""
    _build_catalogue()
    page.goto("/en/datasets/collectes-residus/")
    main = page.locator("main")
    assert main.locator("h1").get_attribute("lang") == "fr"
    assert main.locator(".prose").get_attribute("lang") == "fr"
    assert main.locator(".breadcrumb [aria-current=page]").get_attribute("lang") == "fr"
    assert main.get_by_role("link", name="collectes", exact=True).get_attribute("lang") == "fr"
    # The notice that says so is itself in English, the page's language.
    assert main.locator(".notice-fallback").evaluate("e => e.closest('[lang]').lang") == "en"

    page.goto("/en/datasets/?q=collectes")
    card = main.locator(".card", has_text="Collectes des résidus alimentaires")
    assert card.locator(".card-title a").get_attribute("lang") == "fr"
    assert card.locator("p[lang]").get_attribute("lang") == "fr"
