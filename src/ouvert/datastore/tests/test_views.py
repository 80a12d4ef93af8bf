"""The resource page's datastore sections and the publisher's datastore screens, through the
Django test client: preview (sort, filter, pages without JavaScript), quality report, data
dictionary, loading options, status, permissions, in French and in English."""

from __future__ import annotations

import re
from html import unescape

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from ouvert.catalog.services import add_resource
from tests.support.factories import make_dataset, make_organisation, make_user

pytestmark = pytest.mark.django_db

CITIES = [
    ("Montréal", 1704694, "12,5"), ("Québec", 531902, "8,25"), ("Laval", 422993, "3,5"),
    ("Gatineau", 276245, "2"), ("Longueuil", 239700, "1,75"), ("Sherbrooke", 161323, "4"),
    ("Lévis", 143414, ""), ("Saguenay", 144746, "6,5"), ("Trois-Rivières", 134413, "5"),
    ("Terrebonne", 111575, "0,5"),
]


def cities_csv(copies: int = 3) -> bytes:
    """A Windows-1252, semicolon-separated file with decimal commas: 10 × ``copies`` rows."""
    lines = ["Ville;Population;Surface"]
    for n in range(copies):
        for city, population, surface in CITIES:
            lines.append(f"{city}{' ' + str(n + 1) if n else ''};{population + n};{surface}")
    return ("\r\n".join(lines) + "\r\n").encode("windows-1252")


def url(name, *args, lang="en"):
    with translation.override(lang):
        return reverse(name, args=args)


def text(response) -> str:
    return unescape(re.sub(r"\s+", " ", response.content.decode()))


@pytest.fixture(autouse=True)
def _english_then_default():
    translation.activate("en")
    yield
    translation.deactivate()


@pytest.fixture
def editor():
    return make_user("editrice")


@pytest.fixture
def organisation(editor):
    return make_organisation("ville", editors=[editor])


def upload(dataset, actor, filename, content, capture, **data):
    data.setdefault("title_fr", "Villes du Québec")
    data.setdefault("title_en", "Cities of Québec")
    with capture(execute=True):
        return add_resource(dataset, actor=actor, data=data, upload=SimpleUploadedFile(filename, content))


@pytest.fixture
def resource(organisation, editor, django_capture_on_commit_callbacks):
    dataset = make_dataset(organisation, "villes", actor=editor)
    return upload(dataset, editor, "villes.csv", cities_csv(), django_capture_on_commit_callbacks)


def page(client, resource, lang="en", **params):
    response = client.get(url("web:resource", resource.dataset.name, resource.pk, lang=lang), params)
    assert response.status_code == 200
    return response


def preview_rows(response) -> list[list[str]]:
    """The preview's body rows as cell texts (the row number first)."""
    html = response.content.decode()
    body = html.split('class="data-table"', 1)[1].split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    rows = []
    for row in re.findall(r"<tr>(.*?)</tr>", body, re.S):
        cells = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
        rows.append([unescape(re.sub(r"<[^>]+>", "", c)).strip() for c in cells])
    return rows


# --- the preview -------------------------------------------------------------------------

def test_preview_shows_the_first_page_with_headers_types_and_caption(client, resource):
    response = page(client, resource)
    html = response.content.decode()
    assert 'id="datastore-preview"' in html
    assert '<caption id="datastore-caption">' in html
    assert re.search(r'class="table-wrap" tabindex="0" role="region" aria-labelledby="datastore-caption"', html)
    headers = re.findall(r'<th scope="col"[^>]*>\s*<a href="[^"]*" class="sort-link" data-sort-column="([^"]+)"', html)
    assert headers == ["Ville", "Population", "Surface"]
    content = text(response)
    assert "Integer" in content and "Number" in content and "Text" in content
    assert "Rows 1 to 20 of 30." in content
    rows = preview_rows(response)
    assert len(rows) == 20
    assert rows[0][:3] == ["1", "Montréal", "1704694"]  # Windows-1252 read correctly
    assert rows[0][3] in ("12.5", "12,5")
    assert rows[6][3] == "empty"  # Lévis has no surface: said to screen readers


def test_sort_links_and_aria_sort_work_without_javascript(client, resource):
    html = page(client, resource).content.decode()
    link = re.search(r'<a href="([^"]+)" class="sort-link" data-sort-column="Population"', html).group(1)
    link = unescape(link)
    assert link.endswith("?sort=Population#datastore-preview")
    response = client.get(link.split("#")[0])
    html = response.content.decode()
    assert re.search(r'<th scope="col" aria-sort="ascending"[^>]*>\s*<a [^>]*data-sort-column="Population"', html)
    assert preview_rows(response)[0][1] == "Terrebonne"
    # The same link again sorts descending.
    link = unescape(re.search(r'<a href="([^"]+)" class="sort-link" data-sort-column="Population"', html).group(1))
    assert "sort=-Population" in link
    response = client.get(link.split("#")[0])
    assert 'aria-sort="descending"' in response.content.decode()
    assert preview_rows(response)[0][1] == "Montréal 3"
    assert "sorted by Population, descending" in text(response)


def test_filter_form_and_removal_links(client, resource):
    response = page(client, resource, fc="Ville", fo="contains", fv="montreal")
    rows = preview_rows(response)
    assert [r[1] for r in rows] == ["Montréal", "Montréal 2", "Montréal 3"]  # accent-insensitive
    content = text(response)
    assert "Rows 1 to 3 of 3." in content
    html = response.content.decode()
    # The active filter is kept as hidden fields, so a second filter adds to it.
    assert '<input type="hidden" name="fc" value="Ville">' in html
    response = page(client, resource, fc=["Ville", "Population"], fo=["contains", "greater"], fv=["montreal", "1704694"])
    assert [r[1] for r in preview_rows(response)] == ["Montréal 2", "Montréal 3"]
    remove = unescape(re.findall(r'<a class="filter-chip" href="([^"]+)"', response.content.decode())[1])
    assert "Population" not in remove and "fv=montreal" in remove
    assert len(preview_rows(client.get(remove.split("#")[0]))) == 3


def test_a_bad_filter_value_says_so(client, resource):
    response = page(client, resource, fc="Population", fo="greater", fv="beaucoup")
    assert "This filter could not be applied." in text(response)
    assert 'role="alert"' in response.content.decode()


def test_pagination_links(client, resource):
    html = page(client, resource).content.decode()
    assert 'aria-label="Pages of results"' in html
    next_link = unescape(re.search(r'<a href="([^"]+)" rel="next"', html).group(1))
    assert "page=2" in next_link
    response = client.get(next_link.split("#")[0])
    rows = preview_rows(response)
    assert len(rows) == 10 and rows[0][0] == "21"
    assert "Rows 21 to 30 of 30." in text(response)
    # Sorting and filters survive paging.
    html = page(client, resource, sort="-Population", fc="Ville", fo="not", fv="x").content.decode()
    next_link = unescape(re.search(r'<a href="([^"]+)" rel="next"', html).group(1))
    assert "sort=-Population" in next_link and "fc=Ville" in next_link


def test_preview_partial(client, resource):
    response = client.get(url("datastore:preview", resource.dataset.name, resource.pk), {"sort": "Ville"})
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"
    html = response.content.decode()
    assert "<html" not in html and 'data-datastore-preview' in html
    assert preview_rows(response)[0][1] == "Gatineau"


# --- status, quality report, dictionary, chart, API ------------------------------------------

def test_status_quality_report_chart_and_api_examples(client, resource, settings):
    response = page(client, resource)
    content = text(response)
    html = response.content.decode()
    assert "Version 1 of the table: 30 rows." in content
    # Quality report: rows, columns, encoding, dialect, nulls per column.
    assert 'id="datastore-quality"' in html
    assert "Windows-1252" in content or "ISO-8859-1" in content
    assert "semicolon (;)" in content and "CRLF" in content
    nulls = re.search(r"<code>Surface</code></th><td>[^<]*</td><td class=\"num\">(\d+)</td>", html)
    assert nulls and nulls.group(1) == "3"
    # Dictionary and chart builder.
    assert 'id="datastore-dictionary"' in html and "3 columns" in content
    assert 'data-datastore-chart' in html and "datastore/vendor/chart.umd.js" in html
    assert "The chart builder needs JavaScript." in content
    assert 'id="datastore-chart-strings"' in html
    # API examples with absolute addresses and the resource id.
    rid = str(resource.pk)
    assert f"{settings.SITE_URL}/api/3/action/datastore_search?resource_id={rid}" in content
    assert f'RemoteCKAN("{settings.SITE_URL}")' in content
    assert f'resource_id = "{rid}"' in content and "library(ckanr)" in content and "library(httr)" in content
    assert "import requests" in content
    assert "OUVERT_API_TOKEN" not in content  # public: no token needed
    # Anonymous readers get no editing forms.
    assert url("datastore:options", resource.dataset.name, resource.pk) not in html
    assert url("datastore:dictionary", resource.dataset.name, resource.pk) not in html


def test_status_partial_and_states(client, resource, editor):
    from ouvert.datastore.models import TableVersion

    response = client.get(url("datastore:status", resource.dataset.name, resource.pk))
    assert response.status_code == 200 and 'data-state="ready"' in response.content.decode()
    # A load under way: progress in rows and percent, a <progress> and a live region.
    version = TableVersion.objects.create(resource=resource, number=2, status="running",
                                          progress={"rows": 12000, "percent": 42.7})
    response = client.get(url("datastore:status", resource.dataset.name, resource.pk))
    html = response.content.decode()
    assert 'data-state="running"' in html and 'role="status"' in html
    assert re.search(r'<progress class="datastore-progress" max="100" value="42"', html)
    assert "12,000 rows read so far." in text(response)
    assert "Loading the data: 42 %" in text(response)
    assert "Refresh to see the progress" in text(response)
    # A failure: the message, and the previous version still shown.
    TableVersion.objects.filter(pk=version.pk).update(status="failed", error="Row 7: the file ends inside a quoted value.")
    response = page(client, resource)
    content = text(response)
    assert "The data could not be loaded." in content and "Row 7: the file ends inside a quoted value." in content
    assert "The table below is the previous version, still served." in content
    assert len(preview_rows(response)) == 20


def test_queued_state_in_french(client, resource):
    from ouvert.datastore.models import TableVersion

    TableVersion.objects.create(resource=resource, number=2, status="queued")
    html = client.get(url("datastore:status", resource.dataset.name, resource.pk, lang="fr")).content.decode()
    assert 'data-state="queued"' in html and "<progress" in html


def test_problems_are_listed_with_row_and_column(client, organisation, editor, django_capture_on_commit_callbacks):
    dataset = make_dataset(organisation, "depenses", actor=editor)
    content = b"nom,montant\nA,1\nB,2,extra\nC,3\nD,abc\n"
    resource = upload(dataset, editor, "depenses.csv", content, django_capture_on_commit_callbacks)
    response = page(client, resource)
    html = response.content.decode()
    assert 'class="problems-table"' in html
    assert re.search(r'<tr><td class="num">3</td><td>—</td><td>This row has 3 values', unescape(html))
    # A type forced through the dictionary applies on the next load, and its misfits are listed.
    client.force_login(editor)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url("datastore:dictionary", dataset.name, resource.pk),
                               {"col1-type_override": "integer"})
    assert response.status_code == 302
    client.logout()
    html = unescape(page(client, resource).content.decode())
    assert "Version 2 of the table" in html
    assert re.search(r'<tr><td class="num">5</td><td><code>montant</code></td><td>“abc” is not an integer', html)


# --- French ------------------------------------------------------------------------------------

def test_the_french_page(client, resource):
    response = page(client, resource, lang="fr")
    html = response.content.decode()
    assert '<html lang="fr">' in html
    content = text(response)
    assert "Entier" in content or "Integer" in content  # translated once the catalogue has it
    assert "Montréal" in content
    sort_link = re.search(r'<a href="([^"]+)" class="sort-link" data-sort-column="Ville"', html).group(1)
    assert sort_link.startswith(f"/fr/datasets/{resource.dataset.name}/resources/{resource.pk}/")
    response = page(client, resource, lang="fr", sort="-Ville", page="2")
    assert len(preview_rows(response)) == 10


def test_column_labels_follow_the_page_language_with_a_marked_fallback(client, resource, editor):
    from ouvert.datastore.services import update_dictionary

    update_dictionary(resource, actor=editor, columns=[
        {"name": "Ville", "label_fr": "Municipalité", "label_en": "Municipality"},
        {"name": "Population", "label_fr": "Nombre d’habitants", "label_en": ""},
    ])
    html = page(client, resource, lang="en").content.decode()
    assert re.search(r'data-sort-column="Ville"><span>Municipality</span>', html)
    assert re.search(r'data-sort-column="Population"><span lang="fr">Nombre d’habitants</span>', html)
    html = page(client, resource, lang="fr").content.decode()
    assert re.search(r'data-sort-column="Ville"><span>Municipalité</span>', html)
    assert '<code class="column-name">Ville</code>' in html


# --- the publisher's forms -----------------------------------------------------------------

def test_editor_edits_the_dictionary(client, resource, editor):
    from ouvert.datastore.models import ColumnInfo

    client.force_login(editor)
    html = page(client, resource).content.decode()
    edit_url = url("datastore:dictionary", resource.dataset.name, resource.pk)
    assert edit_url in html
    response = client.get(edit_url)
    assert response.status_code == 200
    form = response.content.decode()
    assert 'name="col0-label_fr"' in form and 'lang="fr"' in form
    assert 'name="col1-type_override"' in form and "As detected (Integer)" in unescape(form)
    data = {
        "col0-label_fr": "Ville", "col0-label_en": "City", "col0-description_fr": "Nom officiel.",
        "col0-description_en": "Official name.", "col0-type_override": "",
        "col1-label_fr": "Population", "col1-label_en": "Population", "col1-type_override": "number",
        "col2-label_fr": "Superficie", "col2-label_en": "Area", "col2-type_override": "",
    }
    response = client.post(edit_url, data)
    assert response.status_code == 302
    assert response["Location"].endswith("#datastore-dictionary")
    info = ColumnInfo.objects.get(resource=resource, name="Ville")
    assert (info.label_en, info.description_fr) == ("City", "Nom officiel.")
    assert ColumnInfo.objects.get(resource=resource, name="Population").type_override == "number"
    content = text(client.get(response["Location"].split("#")[0]))
    assert "Official name." in content and "Area" in content


def test_dictionary_rejects_an_unknown_type(client, resource, editor):
    client.force_login(editor)
    edit_url = url("datastore:dictionary", resource.dataset.name, resource.pk)
    response = client.post(edit_url, {"col1-type_override": "money"})
    assert response.status_code == 400
    assert "There is a problem" in text(response)


def test_editor_overrides_the_encoding(client, resource, editor, django_capture_on_commit_callbacks):
    from ouvert.datastore.models import TableVersion

    client.force_login(editor)
    html = page(client, resource).content.decode()
    options_url = url("datastore:options", resource.dataset.name, resource.pk)
    assert f'action="{options_url}"' in html
    assert client.get(options_url).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(options_url, {"encoding": "mac_roman", "delimiter": "semicolon", "header_row": "1"})
    assert response.status_code == 302 and response["Location"].endswith("#datastore-status")
    latest = TableVersion.objects.filter(resource=resource).order_by("-number").first()
    assert latest.number == 2
    assert latest.options.get("delimiter") == ";" and latest.options.get("header_row") == 1
    # The form shows the publisher's choice the next time.
    form = client.get(options_url).content.decode()
    assert re.search(r'<option value="mac_roman" selected>', form)


def test_options_form_rejects_a_negative_header_row(client, resource, editor):
    client.force_login(editor)
    response = client.post(url("datastore:options", resource.dataset.name, resource.pk), {"header_row": "-1"})
    assert response.status_code == 400
    assert "There is a problem" in text(response)


@pytest.mark.parametrize("name", ["datastore:options", "datastore:dictionary"])
def test_only_editors_use_the_forms(client, resource, name):
    address = url(name, resource.dataset.name, resource.pk)
    response = client.post(address, {})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]  # anonymous: sign in
    client.force_login(make_user("passant"))
    assert client.get(address).status_code == 403
    assert client.post(address, {"encoding": "utf-8"}).status_code == 403
    member = make_user("membre")
    from ouvert.accounts.services import set_membership
    from tests.support.factories import _root

    set_membership(resource.dataset.organisation, member, "member", actor=_root())
    client.force_login(member)
    assert client.post(address, {}).status_code == 403
    html = page(client, resource).content.decode()
    assert address not in html


# --- private data ------------------------------------------------------------------------------

def test_private_resource_shows_nothing_to_others(client, organisation, editor, django_capture_on_commit_callbacks):
    dataset = make_dataset(organisation, "interne", actor=editor, private=True)
    resource = upload(dataset, editor, "interne.csv", cities_csv(1), django_capture_on_commit_callbacks)
    names = [
        url("web:resource", dataset.name, resource.pk),
        url("datastore:preview", dataset.name, resource.pk),
        url("datastore:status", dataset.name, resource.pk),
    ]
    for address in names:
        assert client.get(address).status_code == 404, address
    client.force_login(make_user("curieux"))
    for address in names:
        assert client.get(address).status_code == 404, address
    # Its editors see the table, and API examples that send a token.
    client.force_login(editor)
    response = page(client, resource)
    assert len(preview_rows(response)) == 10
    assert "OUVERT_API_TOKEN" in text(response)


def test_a_resource_that_is_not_a_table_has_no_datastore_sections(client, organisation, editor, django_capture_on_commit_callbacks):
    dataset = make_dataset(organisation, "rapport", actor=editor)
    resource = upload(dataset, editor, "rapport.pdf", b"%PDF-1.4 not a table", django_capture_on_commit_callbacks)
    html = page(client, resource).content.decode()
    assert "datastore-preview" not in html and "datastore-status" not in html
    assert client.get(url("datastore:preview", dataset.name, resource.pk)).status_code == 404
