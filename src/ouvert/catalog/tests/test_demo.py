"""The demo catalog: real public datasets, bilingual, with their files, loaded idempotently."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest

from ouvert.accounts.models import Organisation
from ouvert.catalog.demo import catalog
from ouvert.catalog.management.commands import demo
from ouvert.catalog.models import Dataset, Resource, Tag, Theme
from ouvert.core.models import Activity

DEMO_DIR = Path(catalog.__file__).resolve().parent


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _counts():
    return {model.__name__: model.objects.count() for model in (Organisation, Theme, Dataset, Resource, Tag, Activity)}


@pytest.mark.django_db
def test_demo_loads_public_bilingual_datasets_with_their_files():
    demo.load()
    public = Dataset.objects.filter(state="active", private=False)
    assert public.count() >= 12
    for dataset in public:
        assert dataset.title_fr and dataset.title_en, dataset.name
        assert dataset.description_fr and dataset.description_en, dataset.name
        assert dataset.licence_id and dataset.licence.is_open, dataset.name
        assert dataset.tags.filter(language="fr").exists() and dataset.tags.filter(language="en").exists()
        assert dataset.themes.exists(), dataset.name
        resources = list(dataset.resources.all())
        assert resources, dataset.name
        for resource in resources:
            source = catalog.FILES_DIR / resource.extras[demo.SOURCE_KEY]
            assert resource.title_fr and resource.title_en
            assert resource.sha256 == _sha256(source)
            assert resource.size == source.stat().st_size
            with resource.file.open("rb") as fh:
                assert hashlib.sha256(fh.read()).hexdigest() == resource.sha256
    for organisation in Organisation.objects.all():
        assert organisation.title_fr and organisation.title_en


@pytest.mark.django_db
def test_second_run_creates_nothing():
    demo.load()
    before = _counts()
    summary = demo.load()
    assert _counts() == before
    assert str(summary) == "nothing changed"


@pytest.mark.django_db
def test_a_file_is_uploaded_again_only_when_its_hash_differs():
    demo.load()
    resource = Resource.objects.order_by("filename").first()
    Resource.objects.filter(pk=resource.pk).update(sha256="0" * 64)
    summary = demo.load()
    assert summary.counts == {"files replaced": 1}
    resource.refresh_from_db()
    assert resource.sha256 == _sha256(catalog.FILES_DIR / resource.extras[demo.SOURCE_KEY])


@pytest.mark.django_db
def test_changed_metadata_is_brought_back():
    demo.load()
    Dataset.objects.filter(name=catalog.DATASETS[0]["name"]).update(title_en="Edited by hand")
    summary = demo.load()
    assert summary.counts == {"datasets updated": 1}
    assert Dataset.objects.get(name=catalog.DATASETS[0]["name"]).title_en == catalog.DATASETS[0]["title_en"]


@pytest.mark.django_db
def test_demo_command_prints_progress_and_summary(capsys):
    from django.core.management import call_command

    call_command("demo")
    out = capsys.readouterr().out
    assert f"[1/{len(catalog.DATASETS)}]" in out
    assert "Demo catalog ready" in out


def test_every_demo_file_is_used_and_has_its_source_noted():
    files = {p.relative_to(catalog.FILES_DIR).as_posix() for p in catalog.FILES_DIR.rglob("*") if p.is_file()}
    used = {r["file"] for d in catalog.DATASETS for r in d["resources"]}
    assert files == used
    sources = (DEMO_DIR / "SOURCES.md").read_text(encoding="utf-8")
    noted = set(re.findall(r"^\| `files/([^`]+)` \|", sources, re.M))
    assert noted == files


def test_demo_files_keep_the_repository_lean():
    total = sum(p.stat().st_size for p in catalog.FILES_DIR.rglob("*") if p.is_file())
    assert total < 6 * 1024 * 1024
