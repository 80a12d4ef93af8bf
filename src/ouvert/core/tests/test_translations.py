"""The French and English message catalogues are complete, consistent and up to date.

* every entry of every catalogue is translated, none is fuzzy, and each translation keeps the
  placeholders (``%(name)s``, ``%s``, ``{name}``) and HTML tags of its source string;
* no string marked in the code is missing from the catalogues (``makemessages`` is run into a
  temporary copy of the package; skipped when GNU gettext's ``xgettext`` is not installed);
* pages are served in French under ``/fr/`` and in English under ``/en/``.

To bring the catalogues up to date, from ``src/ouvert``::

    ../../.venv/bin/ouvert makemessages -l fr -l en --no-obsolete --ignore=tests --add-location=file

then translate the new entries (and clear their ``fuzzy`` flags).
"""

from __future__ import annotations

import re
import shutil
from collections import Counter
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import override_settings

import ouvert
from ouvert.core.management.commands.compiletranslations import compile_po

PACKAGE_DIR = Path(ouvert.__file__).resolve().parent
LOCALE_DIR = PACKAGE_DIR / "locale"
LANGUAGES = ("fr", "en")
PLURAL_FORMS = {"fr": "nplurals=2; plural=(n > 1);", "en": "nplurals=2; plural=(n != 1);"}

#: printf-style placeholders (``%%`` is a literal percent sign, not a placeholder) and ``{name}``.
PLACEHOLDER = re.compile(r"%(?:\([^)]*\))?[-#0 +]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa%]|\{[A-Za-z_]\w*\}")
HTML_TAG = re.compile(r"</?[A-Za-z][^>]*>")


def _domains() -> list[str]:
    """``django``, plus ``djangojs`` once the package's JavaScript marks strings for translation."""
    domains = ["django"]
    for js in PACKAGE_DIR.rglob("*.js"):
        if "node_modules" not in js.parts and re.search(r"\b(n|p|np)?gettext\(", js.read_text(errors="replace")):
            domains.append("djangojs")
            break
    return domains


CATALOGUES = [(lang, domain) for lang in LANGUAGES for domain in _domains()]


def _catalogue(lang: str, domain: str) -> polib.POFile:
    path = LOCALE_DIR / lang / "LC_MESSAGES" / f"{domain}.po"
    assert path.exists(), f"missing catalogue {path.relative_to(PACKAGE_DIR)}"
    return polib.pofile(str(path))


def _label(entry: polib.POEntry) -> str:
    return f"{entry.msgctxt + ' | ' if entry.msgctxt else ''}{entry.msgid!r}"


def _placeholders(text: str) -> Counter:
    return Counter(token for token in PLACEHOLDER.findall(text) if token != "%%")


def _tags(text: str) -> Counter:
    return Counter(HTML_TAG.findall(text))


# (a) complete and consistent ---------------------------------------------------------------------

@pytest.mark.parametrize(("lang", "domain"), CATALOGUES)
def test_catalogue_header(lang, domain):
    catalogue = _catalogue(lang, domain)
    assert catalogue.metadata.get("Language") == lang
    assert catalogue.metadata.get("Content-Type") == "text/plain; charset=UTF-8"
    assert catalogue.metadata.get("Plural-Forms") == PLURAL_FORMS[lang]
    assert not catalogue.metadata_is_fuzzy, "the header is still marked fuzzy"


@pytest.mark.parametrize(("lang", "domain"), CATALOGUES)
def test_catalogue_has_no_untranslated_or_fuzzy_entries(lang, domain):
    catalogue = _catalogue(lang, domain)
    assert len(catalogue) > 0
    untranslated = [_label(e) for e in catalogue.untranslated_entries() if not e.obsolete]
    fuzzy = [_label(e) for e in catalogue.fuzzy_entries() if not e.obsolete]
    # polib counts a plural entry as translated when any form is: every form must be filled.
    half_plurals = [_label(e) for e in catalogue if e.msgid_plural and not e.obsolete
                    and not all(e.msgstr_plural.get(i) for i in range(2))]
    assert not untranslated, f"{len(untranslated)} untranslated in {lang}/{domain}.po: {untranslated}"
    assert not fuzzy, f"{len(fuzzy)} fuzzy in {lang}/{domain}.po: {fuzzy}"
    assert not half_plurals, f"plural forms missing in {lang}/{domain}.po: {half_plurals}"


@pytest.mark.parametrize(("lang", "domain"), CATALOGUES)
def test_translations_keep_placeholders_and_html_tags(lang, domain):
    problems = []
    for entry in _catalogue(lang, domain):
        if entry.obsolete:
            continue
        if entry.msgid_plural:
            # A form may leave out the count (“one dataset”); it may not bring in a new placeholder,
            # and the plural form keeps every placeholder of the source's plural.
            source = _placeholders(entry.msgid) | _placeholders(entry.msgid_plural)
            forms = [entry.msgstr_plural[i] for i in sorted(entry.msgstr_plural)]
            for form in forms:
                if set(_placeholders(form)) - set(source):
                    problems.append(f"{_label(entry)}: {form!r} has unknown placeholders")
            if forms and set(_placeholders(forms[-1])) != set(_placeholders(entry.msgid_plural)):
                problems.append(f"{_label(entry)}: plural {forms[-1]!r} changes the placeholders")
            pairs = [(entry.msgid_plural, form) for form in forms]
        else:
            if _placeholders(entry.msgstr) != _placeholders(entry.msgid):
                problems.append(f"{_label(entry)}: {entry.msgstr!r} changes the placeholders")
            pairs = [(entry.msgid, entry.msgstr)]
        for source_text, translated in pairs:
            if translated and _tags(translated) != _tags(source_text):
                problems.append(f"{_label(entry)}: {translated!r} changes the HTML tags")
        if entry.msgid.endswith("\n") != (entry.msgstr_plural[0] if entry.msgid_plural else entry.msgstr).endswith("\n"):
            problems.append(f"{_label(entry)}: the translation must end with a newline exactly when the source does")
    assert not problems, "\n".join(problems)


def test_french_and_english_catalogues_have_the_same_entries():
    for domain in _domains():
        keys = {lang: {(e.msgctxt, e.msgid, e.msgid_plural) for e in _catalogue(lang, domain) if not e.obsolete}
                for lang in LANGUAGES}
        assert keys["fr"] == keys["en"], (f"only in fr/{domain}.po: {sorted(keys['fr'] - keys['en'])}; "
                                          f"only in en/{domain}.po: {sorted(keys['en'] - keys['fr'])}")


def test_french_translations_use_french_typography():
    """Non-breaking spaces before : ; ? ! and inside « », typographic apostrophes."""
    problems = []
    for domain in _domains():
        for entry in _catalogue("fr", domain):
            texts = list(entry.msgstr_plural.values()) if entry.msgid_plural else [entry.msgstr]
            for text in texts:
                if re.search(r" [:;?!»]|« ", text):
                    problems.append(f"{_label(entry)}: ordinary space where a non-breaking one belongs: {text!r}")
                if "'" in HTML_TAG.sub("", text):
                    problems.append(f"{_label(entry)}: use ’ rather than ': {text!r}")
                if "“" in text or "”" in text:
                    problems.append(f"{_label(entry)}: use « » rather than “ ”: {text!r}")
    assert not problems, "\n".join(problems)


# (b) up to date with the code --------------------------------------------------------------------

def _translatable_files(directory: str, names: list[str]) -> list[str]:
    """What makemessages reads (templates, Python, JavaScript); tests and catalogues stay behind."""
    base = Path(directory)
    return [name for name in names
            if name in {"tests", "locale", "__pycache__", "node_modules"}
            or ((base / name).is_file() and Path(name).suffix not in {".py", ".html", ".txt", ".js"})]


@pytest.fixture(scope="module")
def extracted(tmp_path_factory):
    """The catalogues ``makemessages`` makes from the code as it is now, per domain (French)."""
    if not shutil.which("xgettext") or not shutil.which("msguniq"):
        pytest.skip("GNU gettext (xgettext) is not installed: cannot check that the catalogues are up to date")
    copy = tmp_path_factory.mktemp("makemessages") / "ouvert"
    shutil.copytree(PACKAGE_DIR, copy, ignore=_translatable_files)
    locale = copy / "locale"
    (locale / "fr" / "LC_MESSAGES").mkdir(parents=True)
    result = {}
    with pytest.MonkeyPatch.context() as mp, override_settings(LOCALE_PATHS=[locale]):
        mp.chdir(copy)
        for domain in _domains():
            call_command("makemessages", locale=["fr"], domain=domain, ignore_patterns=["tests"],
                         no_obsolete=True, add_location="file", verbosity=0)
            path = locale / "fr" / "LC_MESSAGES" / f"{domain}.po"
            result[domain] = polib.pofile(str(path)) if path.exists() else polib.POFile()
    return result


@pytest.mark.parametrize(("lang", "domain"), CATALOGUES)
def test_catalogue_has_every_string_marked_in_the_code(extracted, lang, domain):
    committed = {(e.msgctxt, e.msgid, e.msgid_plural) for e in _catalogue(lang, domain) if not e.obsolete}
    assert len(extracted[domain]) > 0
    missing = sorted(f"{_label(e)} ({', '.join(sorted({path for path, _line in e.occurrences}))})"
                     for e in extracted[domain] if (e.msgctxt, e.msgid, e.msgid_plural) not in committed)
    assert not missing, (
        f"{len(missing)} strings marked in the code are missing from {lang}/LC_MESSAGES/{domain}.po; "
        "run makemessages (see this module's docstring) and translate them:\n" + "\n".join(missing))


# (c) pages in both languages ---------------------------------------------------------------------

@pytest.fixture
def compiled_catalogues():
    """Compile stale ``.mo`` files, and make Django read them afresh."""
    for po_path in sorted(LOCALE_DIR.rglob("*.po")):
        compile_po(po_path)
    # Changing LOCALE_PATHS (even to the same value) empties Django's cache of loaded catalogues.
    with override_settings(LOCALE_PATHS=list(settings.LOCALE_PATHS)):
        yield


@pytest.mark.django_db
@pytest.mark.parametrize(("lang", "expected", "other"), [
    ("fr", ["Passer au contenu principal", "Portail de données ouvertes", "Rechercher des jeux de données"],
     ["Skip to main content", "Open data portal"]),
    ("en", ["Skip to main content", "Open data portal", "Search datasets"],
     ["Passer au contenu principal", "Portail de données ouvertes"]),
])
def test_pages_are_served_in_the_language_of_their_address(client, compiled_catalogues, lang, expected, other):
    for path in (f"/{lang}/", f"/{lang}/datasets/", f"/{lang}/accounts/login/", f"/{lang}/accounts/signup/"):
        response = client.get(path)
        assert response.status_code == 200, path
        html = response.content.decode()
        assert f'<html lang="{lang}">' in html, path
        for text in expected:
            assert text in html, f"{path}: {text!r} not found"
        for text in other:
            assert text not in html, f"{path}: {text!r} is in the other language"


@pytest.mark.django_db
def test_french_form_pages_have_french_labels(client, compiled_catalogues):
    html = client.get("/fr/accounts/signup/").content.decode()
    for text in ("Nom d’utilisateur", "Adresse courriel", "Mot de passe", "Créer le compte"):
        assert text in html
    for text in ("User name", "E-mail address", "Password", "Create the account"):
        assert text not in html
