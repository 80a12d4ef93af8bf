"""Accessibility of the main pages, in French and in English.

- axe-core finds no WCAG 2.1 A/AA violation;
- at 360 px wide nothing scrolls sideways;
- the skip link is the first thing the keyboard reaches, and it moves focus to ``main``.

The pages: home, search (with results and filters), a dataset (and one whose text exists in
French only, read on the English site), an organisation, sign-in, and the dataset edit page;
a resource with a datastore table (sorted and filtered, then as its editor), and the data
dictionary's edit page. The chart builder is also used from the keyboard.
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
    from tests.support.factories import _root, make_dataset, make_organisation, make_user

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
    trees = add_resource(dataset, actor=editor, data={
        "title_fr": "Inventaire détaillé (CSV)", "title_en": "Detailed inventory (CSV)",
    }, upload=SimpleUploadedFile("inventaire.csv", _inventory_csv()))
    pages = {
        "home": "/",
        "search": "/datasets/?q=arbres&theme=environnement",
        "dataset": "/datasets/arbres-publics/",
        "dataset (one language only)": "/datasets/collectes-residus/",
        "organisation": "/organisations/ville-de-montreal/",
        "sign-in": "/accounts/login/",
        "dataset edit": "/datasets/arbres-publics/edit/",
        # Signed in from here on: the editor's forms are on the page.
        "resource with a data table (editor)": f"/datasets/arbres-publics/resources/{trees.pk}/",
        "data dictionary edit": f"/datasets/arbres-publics/resources/{trees.pk}/data/dictionary/",
    }
    pages_anonymous_first = {"resource with a data table": pages["resource with a data table (editor)"]
                             + "?sort=-diametre&fc=essence&fo=contains&fv=erable"}
    pages = {**{k: v for k, v in pages.items() if k in ("home", "search")}, **pages_anonymous_first,
             **{k: v for k, v in pages.items() if k not in ("home", "search")}}
    return {"pages": pages, "editor": editor}


def _inventory_csv() -> bytes:
    """A semicolon-separated Windows-1252 file with French decimals, an empty cell and enough
    rows for two pages of the datastore preview."""
    species = ["Érable argenté", "Frêne rouge", "Chêne à gros fruits", "Tilleul d’Amérique", "Orme de Sibérie"]
    lines = ["essence;diametre;hauteur;plante_le;arrondissement"]
    for n in range(30):
        height = "" if n == 4 else f"{8 + n % 7},{n % 10}"
        lines.append(f"{species[n % 5]};{20 + n};{height};{2000 + n % 20}-0{1 + n % 9}-1{n % 10};"
                     f"{'Rosemont–La Petite-Patrie' if n % 2 else 'Ville-Marie'}")
    return ("\r\n".join(lines) + "\r\n").encode("windows-1252")


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


@pytest.mark.browser
@pytest.mark.parametrize("language", LANGUAGES)
def test_chart_builder_from_the_keyboard(page, live_server, language):
    """Choose the columns, then draw with Enter on the focused button: the vendored library
    loads, the chart has a text alternative (its data as a table, opened from the keyboard),
    the status says how many values were drawn, and axe finds nothing."""
    catalogue = _build_catalogue()
    path = catalogue["pages"]["resource with a data table (editor)"]
    page.goto(f"/{language}{path}")
    form = page.locator("[data-chart-form]")
    assert form.is_visible()
    assert page.locator("#datastore-chart .no-js-only").is_hidden()
    page.locator("#chart-x").focus()
    page.keyboard.press("Home")  # x: the first column (essence)
    page.locator("#chart-aggregate").select_option("avg")
    page.locator("#chart-y").select_option("diametre")
    form.get_by_role("button").focus()
    page.keyboard.press("Enter")
    status = page.locator("[data-chart-status]")
    page.wait_for_function("() => document.querySelector('[data-chart-figure]') && "
                           "!document.querySelector('[data-chart-figure]').hidden")
    assert page.evaluate("typeof window.Chart") == "function"
    assert "5" in status.inner_text()
    assert page.locator("[data-chart-canvas]").get_attribute("aria-label")
    rows = page.locator("[data-chart-table] tbody tr")
    assert rows.count() == 5
    page.locator(".chart-data summary").focus()
    page.keyboard.press("Enter")
    assert rows.first.is_visible()
    found = axe_violations(page)
    assert not found, describe(found)


@pytest.mark.browser
def test_preview_sorts_and_filters_in_place_from_the_keyboard(page, live_server):
    """With JavaScript the preview is updated in place: focus stays on the sort link used (or
    moves to the row count after a filter), the address follows, and nothing reloads."""
    catalogue = _build_catalogue()
    path = catalogue["pages"]["resource with a data table (editor)"]
    page.goto(f"/en{path}")
    page.evaluate("window.notReloaded = true")
    page.locator('[data-sort-column="diametre"]').focus()
    page.keyboard.press("Enter")
    page.wait_for_selector('th[aria-sort="ascending"] [data-sort-column="diametre"]')
    assert page.evaluate("document.activeElement.getAttribute('data-sort-column')") == "diametre"
    assert "sort=diametre" in page.url
    page.keyboard.press("Enter")
    page.wait_for_selector('th[aria-sort="descending"] [data-sort-column="diametre"]')
    assert "49" in page.locator(".data-table tbody tr").first.inner_text()
    page.locator("#filter-column").select_option("essence")
    page.locator("#filter-value").fill("erable")
    page.locator("#filter-value").press("Enter")
    page.wait_for_selector(".filter-chip")
    assert page.locator(".data-table tbody tr").count() == 6  # « Érable », accents aside
    assert page.evaluate("document.activeElement.hasAttribute('data-preview-count')")
    assert page.evaluate("window.notReloaded") is True


@pytest.mark.browser
def test_load_progress_is_polled_and_the_page_reloads_when_it_ends(page, live_server):
    """A load under way: the <progress> follows the status endpoint every 2 s, the live region
    speaks the percentage, and the page reloads when the load ends (here, with an error)."""
    from ouvert.catalog.models import Resource
    from ouvert.datastore.models import TableVersion

    catalogue = _build_catalogue()
    path = catalogue["pages"]["resource with a data table (editor)"]
    resource = Resource.objects.get(filename="inventaire.csv")
    version = TableVersion.objects.create(resource=resource, number=99, status="running",
                                          progress={"rows": 100, "percent": 10})
    page.goto(f"/en{path}")
    page.evaluate("window.notReloaded = true")
    assert page.locator("progress.datastore-progress").get_attribute("value") == "10"
    assert page.locator("#datastore-status [role=status]").count() == 1
    TableVersion.objects.filter(pk=version.pk).update(progress={"rows": 5000, "percent": 55.5})
    page.wait_for_function("document.querySelector('progress.datastore-progress').value == 55", timeout=6000)
    assert "5,000 rows" in page.locator("[data-status-detail]").inner_text()
    assert "55" in page.locator("#datastore-status [role=status]").inner_text()
    TableVersion.objects.filter(pk=version.pk).update(status="failed", error="The file ends inside a quoted value.")
    page.wait_for_function("window.notReloaded === undefined", timeout=6000)
    assert "The file ends inside a quoted value." in page.locator("#datastore-status").inner_text()
    assert page.locator(".data-table tbody tr").count() == 20  # the previous version, still served


def _build_participation() -> dict:
    """A challenge with ideas, threaded comments, a held idea and a consultation; returns the
    pages to check and the moderator who opens the moderation dashboard."""
    from ouvert.participation import services
    from ouvert.participation.tests.factories import make_challenge, make_comment, make_idea
    from tests.support.factories import make_dataset, make_organisation, make_user

    moderator = make_user("moderatrice")
    organisation = make_organisation("ville-de-laval", editors=[moderator], title_fr="Ville de Laval", title_en="City of Laval")
    dataset = make_dataset(organisation, "pistes-cyclables", title_fr="Pistes cyclables", title_en="Bike paths")
    challenge = make_challenge(organisation, name="velo-hiver", datasets=[dataset], title_fr="Le vélo en hiver",
                               title_en="", problem_fr="Comment garder les **pistes** ouvertes l’hiver ?", problem_en="")
    idea = make_idea(challenge, title="Déneiger les pistes en premier",
                     body="Déneiger les **pistes cyclables** principales avant les rues résidentielles.")
    first = make_comment(idea, stance="for")
    reply = make_comment(idea, parent=first, stance="against", body="Je ne suis pas d’accord, les rues passent avant.")
    make_comment(idea, parent=reply, body="Les deux peuvent se faire en même temps, avec plus d’équipes.")
    make_idea(challenge, title="Écrivez-moi", body="Écrivez-moi à jean.roy@exemple.ca pour en discuter.")
    consultation = services.create_consultation(challenge, actor=moderator, data={
        "title_fr": "Vos trajets", "title_en": "Your trips", "questions": [
            {"kind": "single", "prompt_fr": "Roulez-vous l’hiver ?", "prompt_en": "Do you ride in winter?",
             "choices": [{"label_fr": "Oui", "label_en": "Yes"}, {"label_fr": "Non", "label_en": "No"}]},
            {"kind": "ranking", "prompt_fr": "Priorités", "prompt_en": "Priorities",
             "choices": [{"label_fr": "Déneigement", "label_en": "Snow removal"},
                         {"label_fr": "Éclairage", "label_en": "Lighting"}]},
        ]})
    services.set_consultation_status(consultation, actor=moderator, status="open")
    base = f"/challenges/{challenge.name}/"
    return {"moderator": moderator, "pages": {
        "challenge": base,
        "idea": f"{base}ideas/{idea.pk}/",
        "participation rules": "/participation-rules/",
        "consultation results": f"{base}consultations/{consultation.pk}/results/",
        "consultation (signed in)": f"{base}consultations/{consultation.pk}/",
        "new consultation (signed in)": f"{base}consultations/new/",
        "idea (signed in)": f"{base}ideas/{idea.pk}/",
        "moderation dashboard": "/moderation/",
        "moderation log": "/moderation/log/",
    }}


@pytest.mark.browser
@pytest.mark.parametrize("language", LANGUAGES)
def test_participation_pages_have_no_wcag_violations(page, live_server, language):
    built = _build_participation()
    problems = {}
    for name, path in built["pages"].items():
        if name == "consultation (signed in)":
            force_sign_in(page, built["moderator"], live_server)
        response = page.goto(f"/{language}{path}")
        assert response.status == 200, f"{name} ({language}{path}): HTTP {response.status}"
        if name == "idea (signed in)":
            for summary in page.locator("details > summary").all():
                summary.click()
        found = axe_violations(page)
        if found:
            problems[f"{name} /{language}{path}"] = describe(found)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= page.viewport_size["width"], f"{name}: scrolls sideways"
    assert not problems, "\n".join(f"{name}:\n{found}" for name, found in problems.items())


@pytest.mark.browser
@pytest.mark.parametrize("language", LANGUAGES)
def test_participation_pages_fit_a_360px_screen(mobile_page, live_server, language):
    built = _build_participation()
    too_wide = {}
    for name, path in built["pages"].items():
        if name == "consultation (signed in)":
            force_sign_in(mobile_page, built["moderator"], live_server)
        assert mobile_page.goto(f"/{language}{path}").status == 200, name
        width = mobile_page.evaluate("document.documentElement.scrollWidth")
        if width > 360:
            too_wide[name] = width
    assert not too_wide, too_wide
