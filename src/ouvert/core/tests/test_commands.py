"""Set-up commands: ``compiletranslations``, ``bootstrap`` and the ``serve`` application."""

from __future__ import annotations

import gettext
import io
import os

import polib
import pytest
from django.conf import settings
from django.core.management import call_command

from ouvert.core.management.commands import compiletranslations, serve

PO = '''msgid ""
msgstr ""
"Content-Type: text/plain; charset=UTF-8\\n"
"Language: fr\\n"

msgid "Dataset"
msgstr "Jeu de données"

#, fuzzy
msgid "Organisation"
msgstr "Organisme"

msgid "Untranslated"
msgstr ""
'''


@pytest.fixture
def po_file(tmp_path):
    path = tmp_path / "fr" / "LC_MESSAGES" / "django.po"
    path.parent.mkdir(parents=True)
    path.write_text(PO, encoding="utf-8")
    return path


def test_compile_po_writes_a_catalogue_gettext_reads(po_file):
    assert compiletranslations.compile_po(po_file) is True
    with po_file.with_suffix(".mo").open("rb") as fh:
        catalogue = gettext.GNUTranslations(fh)
    assert catalogue.gettext("Dataset") == "Jeu de données"
    assert catalogue.gettext("Organisation") == "Organisation"  # fuzzy entries are left out
    assert catalogue.gettext("Untranslated") == "Untranslated"


def test_compile_po_skips_up_to_date_catalogues_unless_forced(po_file):
    compiletranslations.compile_po(po_file)
    mo = po_file.with_suffix(".mo")
    assert compiletranslations.compile_po(po_file) is False
    os.utime(po_file, (mo.stat().st_mtime + 10, mo.stat().st_mtime + 10))
    assert compiletranslations.compile_po(po_file) is True
    assert compiletranslations.compile_po(po_file, force=True) is True
    assert not [p for p in po_file.parent.iterdir() if p.name.startswith(".")], "temporary file left behind"


def test_po_files_finds_the_package_catalogues():
    found = compiletranslations.po_files()
    langs = {p.parts[-3] for p in found}
    assert {"fr", "en"} <= langs
    for path in found:
        polib.pofile(str(path))  # each one parses


def test_compiletranslations_command_compiles_every_package_catalogue():
    out = io.StringIO()
    call_command("compiletranslations", "--force", stdout=out)
    files = compiletranslations.po_files()
    assert f"{len(files)} of {len(files)} catalogues compiled" in out.getvalue()
    assert all(p.with_suffix(".mo").exists() for p in files)


@pytest.mark.django_db
def test_bootstrap_is_idempotent_and_loads_the_demo_only_into_an_empty_catalog():
    from ouvert.catalog.models import Dataset

    out = io.StringIO()
    call_command("bootstrap", stdout=out)
    text = out.getvalue()
    for step in ("Compiling translations", "Applying migrations", "Collecting static files", "Demo catalog"):
        assert step in text
    assert Dataset.objects.count() >= 12
    assert (settings.STATIC_ROOT / "ouvert" / "site.css").exists()

    count = Dataset.objects.count()
    out = io.StringIO()
    call_command("bootstrap", stdout=out)
    assert "Skipped: the catalog already has datasets" in out.getvalue()
    assert Dataset.objects.count() == count


@pytest.mark.django_db
def test_bootstrap_no_demo():
    from ouvert.catalog.models import Dataset

    out = io.StringIO()
    call_command("bootstrap", "--no-demo", stdout=out)
    assert "Skipped (--no-demo)" in out.getvalue()
    assert not Dataset.objects.exists()


@pytest.mark.django_db
def test_bootstrap_runs_the_steps_apps_register_in_order(monkeypatch):
    from ouvert.core import bootstrap

    monkeypatch.setattr(bootstrap, "_steps", dict(bootstrap._steps))
    seen = []
    bootstrap.register("Late step", lambda **kw: seen.append(("late", kw["demo"])), order=500)
    bootstrap.register("Early step", lambda **kw: seen.append(("early", kw["demo"])), order=1)
    out = io.StringIO()
    call_command("bootstrap", "--no-demo", stdout=out)
    assert seen == [("early", False), ("late", False)]
    text = out.getvalue()
    assert text.index("[4/6] Early step") < text.index("[5/6] Demo catalog") < text.index("[6/6] Late step")


def test_serve_configures_gunicorn_with_the_wsgi_application():
    app = serve.make_application({"bind": "127.0.0.1:8765", "workers": 3, "threads": 2,
                                  "worker_class": "gthread", "accesslog": None})
    assert app.cfg.bind == ["127.0.0.1:8765"]
    assert app.cfg.workers == 3
    assert app.cfg.threads == 2
    from ouvert.wsgi import application

    assert app.load() is application


def test_serve_default_workers_is_bounded():
    assert 1 <= serve.default_workers() <= 8
