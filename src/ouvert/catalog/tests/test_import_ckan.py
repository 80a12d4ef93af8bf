"""``ouvert import-ckan``: CKAN dumps (fluent and data.gc.ca 2013 layouts) into the catalog."""

from __future__ import annotations

import copy
import datetime as dt
import gzip
import io
import json
import uuid
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import DatabaseError
from django.utils import translation

from ouvert.accounts.models import Organisation
from ouvert.catalog import services
from ouvert.catalog.importers.ckan import CkanImporter, map_package, read_records
from ouvert.catalog.models import Dataset, Resource
from ouvert.catalog.search import search_datasets
from ouvert.core.models import Activity, State

SHARED = Path(__file__).resolve().parents[4] / ".." / "shared"
CORPUS = SHARED / "corpus" / "catalog"

ORG = {
    "id": "f6f187f7-19f2-4273-a45a-5d9406204873", "name": "cioos-pacific", "title": "CIOOS-Pacific",
    "title_translated": {"en": "CIOOS-Pacific", "fr": "SIOOC-Pacifique"},
    "description_translated": {"en": "Ocean data on the west coast.", "fr": "Données océaniques de la côte ouest."},
    "external_home_url": "https://cioospacific.ca",
}
FLUENT = {
    "id": "e0bef42f-8399-468a-812a-f74abe12f2db", "name": "saanich-oxygen", "type": "dataset",
    "state": "active", "private": False,
    "title_translated": {"en": "Saanich Inlet Oxygen Sensor", "fr": "Capteur d'oxygène de Saanich Inlet"},
    "notes_translated": {"en": "Dissolved oxygen in seawater.", "fr": "Oxygène dissous dans l'eau de mer."},
    "keywords": {"en": ["Oxygen", "Oceans"], "fr": ["Oxygène"]},
    "tags": [],
    "license_id": "CC-BY-4.0",
    "metadata_created": "2024-08-09T01:40:46.173608", "metadata_modified": "2024-08-10T02:00:00",
    "frequency-of-update": "asNeeded",
    "temporal-extent": [{"begin": "2020-03-06", "end": "2020-09-24"}],
    "eov": ["oxygen"],
    "harvest_document_content": "<xml>" + "x" * 20_000 + "</xml>",
    "extras": [{"key": "guid", "value": "00347450"}, {"key": "encoding", "value": "utf8"}],
    "organization": ORG, "owner_org": ORG["id"],
    "resources": [
        {"id": "5a3c6e1e-8f0b-4d8e-9a55-5b1a6c7d8e9f", "url": "https://data.oceannetworks.ca/x.csv", "format": "CSV",
         "name_translated": {"en": "Data", "fr": "Données"}, "position": 0, "state": "active"},
        {"id": "6b4d7f2f-9a1c-4e9f-8b66-6c2b7d8e9fa0", "url": "", "format": "HTML", "name": "Nowhere", "position": 1},
    ],
}
OLD = {  # data.gc.ca, 2013
    "id": "46ddb3b0-b714-48cf-ae80-8a597d72eb96", "name": "road-network-2008-sk", "type": "dataset", "state": "draft",
    "title": "Road Network File - 2008 - Saskatchewan", "title_fra": "Fichier du réseau routier - 2008 - Saskatchewan",
    "notes": "A digital representation of the road network.", "notes_fra": "Une représentation numérique du réseau routier.",
    "keywords": "highways, road network", "keywords_fra": "autoroutes, réseau routier",
    "tags": [{"name": "Transport  Transport"}, {"name": "Saskatchewan  Saskatchewan"}],
    "license_id": "ca-ogl-lgo", "maintenance_and_update_frequency": "Annually | Annuel",
    "time_period_coverage_start": "1000-01-01", "time_period_coverage_end": "3000-01-01",
    "metadata_created": "2013-06-07T20:02:14.964498", "metadata_modified": "2013-06-07T20:04:54.403170",
    "organization": {"id": "A0F0FCFC-BC3B-4696-8B6D-E7E411D55BAC", "name": "statcan",
                     "title": "Statistics Canada | Statistique Canada"},
    "resources": [{"id": "1682e997-fb45-424f-a3bd-b86293b254a0", "format": "SHAPE", "name": "Dataset",
                   "name_fra": "Ensemble de données", "url": "http://www12.statcan.gc.ca/files/grnf047r08a_e.zip "}],
}


@pytest.fixture(autouse=True)
def _english():
    """Reasons are matched on their English text."""
    with translation.override("en"):
        yield


def _record(base, **changes):
    record = copy.deepcopy(base)
    record.update(changes)
    return record


def _write(path: Path, lines, gz: bool = False) -> Path:
    text = "".join((line if isinstance(line, str) else json.dumps(line)) + "\n" for line in lines)
    path.write_bytes(gzip.compress(text.encode()) if gz else text.encode())
    return path


def _reasons(report) -> dict[str, int]:
    return {reason: n for (_kind, reason), n in report.reasons.items()}


def _has_reason(report, fragment: str) -> int:
    return sum(n for reason, n in _reasons(report).items() if fragment in reason)


@pytest.mark.django_db
def test_fluent_record_keeps_both_languages_ids_dates_and_extras(tmp_path):
    report = CkanImporter().import_file(_write(tmp_path / "dump.jsonl.gz", [FLUENT], gz=True))
    assert report.total("dataset", "created") == 1
    dataset = Dataset.objects.get(pk=uuid.UUID(FLUENT["id"]))
    assert (dataset.name, dataset.state, dataset.private) == ("saanich-oxygen", State.ACTIVE, False)
    assert dataset.title_fr == "Capteur d'oxygène de Saanich Inlet"
    assert dataset.title_en == "Saanich Inlet Oxygen Sensor"
    assert dataset.description_fr.startswith("Oxygène dissous")
    assert dataset.licence_id == "CC-BY-4.0"
    assert dataset.frequency == "as_needed"
    assert (dataset.temporal_start, dataset.temporal_end) == (dt.date(2020, 3, 6), dt.date(2020, 9, 24))
    assert sorted((t.name, t.language) for t in dataset.tags.all()) == [("Oceans", "en"), ("Oxygen", "en"), ("Oxygène", "fr")]
    assert dataset.created == dt.datetime(2024, 8, 9, 1, 40, 46, 173608, tzinfo=dt.UTC)
    assert dataset.modified == dt.datetime(2024, 8, 10, 2, 0, tzinfo=dt.UTC)
    assert dataset.extras["ckan_id"] == FLUENT["id"]
    assert dataset.extras["guid"] == "00347450" and dataset.extras["eov"] == '["oxygen"]'
    assert "harvest_document_content" not in dataset.extras
    assert _has_reason(report, "harvest_document_content") == 1
    organisation = dataset.organisation
    assert (organisation.name, organisation.title_fr, organisation.title_en) == ("cioos-pacific", "SIOOC-Pacifique", "CIOOS-Pacific")
    assert organisation.website == "https://cioospacific.ca"
    [resource] = dataset.resources.all()
    assert resource.pk == uuid.UUID(FLUENT["resources"][0]["id"])
    assert (resource.kind, resource.url, resource.format) == (Resource.Kind.URL, "https://data.oceannetworks.ca/x.csv", "CSV")
    assert (resource.title_fr, resource.title_en) == ("Données", "Data")
    assert report.total("resource", "skipped") == 1 and _has_reason(report, "without a usable URL") == 1
    assert search_datasets("capteur oxygène", actor=None).datasets == [dataset]


@pytest.mark.django_db
def test_2013_record_title_fra_layout_bilingual_tags_and_draft(tmp_path):
    report = CkanImporter().import_file(_write(tmp_path / "old.jl", [OLD]))
    dataset = Dataset.objects.get(pk=uuid.UUID(OLD["id"]))
    assert dataset.state == State.DRAFT
    assert dataset.title_fr == "Fichier du réseau routier - 2008 - Saskatchewan"
    assert dataset.title_en == "Road Network File - 2008 - Saskatchewan"
    assert dataset.licence_id == "OGL-Canada-2.0" and dataset.frequency == "annual"
    assert dataset.temporal_start is None and dataset.temporal_end is None  # 1000/3000 placeholders
    tags = {(t.name, t.language) for t in dataset.tags.all()}
    assert {("road network", "en"), ("réseau routier", "fr"), ("Transport", "fr"), ("Transport", "en"),
            ("Saskatchewan", "en")} <= tags
    statcan = Organisation.objects.get(name="statcan")
    assert (statcan.title_en, statcan.title_fr) == ("Statistics Canada", "Statistique Canada")
    assert statcan.extras["ckan_id"] == "a0f0fcfc-bc3b-4696-8b6d-e7e411d55bac"
    [resource] = dataset.resources.all()
    assert resource.url == "http://www12.statcan.gc.ca/files/grnf047r08a_e.zip"
    assert (resource.title_en, resource.title_fr) == ("Dataset", "Ensemble de données")
    assert report.total("dataset", "created") == 1


@pytest.mark.django_db
def test_broken_lines_are_reported_and_the_rest_loaded(tmp_path):
    second = _record(FLUENT, id=str(uuid.uuid4()), name="second", resources=[])
    tail = json.dumps(_record(FLUENT, id=str(uuid.uuid4()), name="recovered", resources=[]))
    lines = [FLUENT, '{"title": "cut short', "", second, '{"id": "x", "ti' + tail, "[1, 2]"]
    report = CkanImporter().import_file(_write(tmp_path / "broken.jl", lines))
    assert [number for number, _error in report.broken_lines] == [2, 5, 6]
    assert report.recovered_lines == [5]
    assert set(Dataset.objects.values_list("name", flat=True)) == {"saanich-oxygen", "second", "recovered"}
    assert report.records == 3


@pytest.mark.django_db
def test_unknown_licence_deleted_record_and_missing_title_are_reported(tmp_path):
    lines = [
        _record(FLUENT, license_id="OGL-XYZ-9"),
        _record(FLUENT, id=str(uuid.uuid4()), name="gone", state="deleted"),
        _record(FLUENT, id=str(uuid.uuid4()), name="blank", title_translated={}, title="", resources=[]),
        _record(FLUENT, id=str(uuid.uuid4()), name="harvest-source", type="harvest"),
    ]
    report = CkanImporter().import_file(_write(tmp_path / "mixed.jl", lines))
    dataset = Dataset.objects.get()
    assert dataset.licence_id == "notspecified" and dataset.extras["ckan_license_id"] == "OGL-XYZ-9"
    assert _has_reason(report, "OGL-XYZ-9") == 1
    assert report.total("dataset", "skipped") == 3
    assert _has_reason(report, "deleted in CKAN") == 1
    assert _has_reason(report, "no title") == 1
    assert _has_reason(report, "not a dataset") == 1
    text = "\n".join(report.lines())
    assert "OGL-XYZ-9" in text and "1 created" in text


@pytest.mark.django_db
def test_rerun_is_idempotent_and_updates_what_changed(tmp_path):
    path = _write(tmp_path / "dump.jl", [FLUENT, OLD])
    CkanImporter().import_file(path)
    activities = Activity.objects.count()
    again = CkanImporter().import_file(path)
    assert again.total("dataset", "unchanged") == 2 and again.total("dataset", "updated") == 0
    assert again.total("resource", "unchanged") == 2 and again.total("organisation", "unchanged") == 2
    assert Activity.objects.count() == activities
    assert Dataset.objects.count() == 2 and Resource.objects.count() == 2

    changed = _record(FLUENT, metadata_modified="2025-01-01T00:00:00",
                      title_translated={"en": "Saanich Inlet Oxygen Sensor", "fr": "Oxymètre de Saanich Inlet"})
    changed["resources"][0]["url"] = "https://data.oceannetworks.ca/y.csv"
    changed["resources"].append({"id": "7c5e8a3a-0b2d-4f0a-9c77-7d3c8e9fab01", "url": "https://example.org/z.pdf",
                                 "format": "PDF", "name": "Report"})
    deleted_old = _record(OLD, state="deleted")
    report = CkanImporter().import_file(_write(tmp_path / "later.jl", [changed, deleted_old]))
    assert report.total("dataset", "updated") == 1 and report.total("dataset", "deleted") == 1
    assert report.total("resource", "updated") == 1 and report.total("resource", "created") == 1
    dataset = Dataset.objects.get(pk=uuid.UUID(FLUENT["id"]))
    assert dataset.title_fr == "Oxymètre de Saanich Inlet"
    assert dataset.modified == dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
    assert sorted(r.url for r in dataset.resources.all()) == ["https://data.oceannetworks.ca/y.csv", "https://example.org/z.pdf"]
    assert Dataset.objects.get(pk=uuid.UUID(OLD["id"])).state == State.DELETED
    assert [d.pk for d in search_datasets("oxymètre", actor=None).datasets] == [dataset.pk]


@pytest.mark.django_db
def test_record_without_organisation_goes_to_the_fallback_and_keeps_it_on_rerun(tmp_path):
    orphan = _record(FLUENT, organization=None, owner_org="", resources=[])
    CkanImporter().import_file(_write(tmp_path / "a.jl", [orphan]))
    assert Dataset.objects.get().organisation.name == "ckan-import"
    CkanImporter().import_file(_write(tmp_path / "b.jl", [FLUENT]))
    assert Dataset.objects.get().organisation.name == "cioos-pacific"
    CkanImporter().import_file(_write(tmp_path / "c.jl", [orphan]))
    assert Dataset.objects.get().organisation.name == "cioos-pacific"  # an unknown owner does not move it


@pytest.mark.django_db
def test_each_record_is_findable_once_committed_so_a_stopped_import_loses_none(tmp_path, monkeypatch):
    """A record's index entry commits with it: after each record (``progress`` is called once
    the record's transaction is over), every record imported so far is found, so an import
    stopped at any point (an error, or the process killed) leaves every committed record
    findable; the records that failed are neither stored nor found."""
    records = [_record(FLUENT, id=str(uuid.uuid4()), name=f"saanich-{n}",
                       resources=[{**r, "id": str(uuid.uuid4())} for r in FLUENT["resources"]]) for n in range(5)]
    sync_dataset = services.sync_dataset

    def failing_on_the_second(spec, **kwargs):  # written, then refused: the record is rolled back
        result = sync_dataset(spec, **kwargs)
        if spec.data["name"] == "saanich-1":
            raise DatabaseError("refused")
        return result

    monkeypatch.setattr(services, "sync_dataset", failing_on_the_second)

    class Stopped(Exception):
        pass

    found = []

    def progress(records_read, _fraction):
        found.append(search_datasets("saanich", actor=None).total)
        if records_read == 4:
            raise Stopped

    with pytest.raises(Stopped):
        CkanImporter().import_file(_write(tmp_path / "dump.jl", records), progress=progress)
    assert found == [1, 1, 2, 3]
    assert sorted(d.name for d in search_datasets("saanich", actor=None).datasets) == ["saanich-0", "saanich-2", "saanich-3"]
    assert Dataset.objects.filter(name__startswith="saanich-").count() == 3


def test_mapping_cleans_urls_names_and_long_keywords():
    package = map_package(_record(OLD, name="Road Network 2008!", keywords="a, " + "k" * 120, resources=[
        {"url": "English: http://www.hc-sc.gc.ca/inactive.zip"}, {"url": ["http://ec.gc.ca/x.csv"]},
        {"url": "http://dfo-mpo.gc.ca/Library/DFO Video collection.csv"}, {"url": "www.geogratis.gc.ca"}]))
    assert package.data["name"] == "road-network-2008"
    assert package.data["tags_en"] == ["a", "Transport", "Saskatchewan"]
    assert [r.data["url"] for r in package.resources] == [
        "http://www.hc-sc.gc.ca/inactive.zip", "http://ec.gc.ca/x.csv", "http://dfo-mpo.gc.ca/Library/DFO%20Video%20collection.csv"]
    assert ("resource", "resource without a usable URL") in package.notes


def test_read_records_reads_gzip_and_plain_alike(tmp_path):
    plain = _write(tmp_path / "a.jl", [FLUENT, "nope"])
    packed = _write(tmp_path / "a.jl.gz", [FLUENT, "nope"], gz=True)
    for path in (plain, packed):
        lines = list(read_records(path))
        assert [(line.number, bool(line.record), bool(line.error)) for line in lines] == [(1, True, False), (2, False, True)]


@pytest.mark.django_db
def test_command_prints_the_report(tmp_path):
    path = _write(tmp_path / "dump.jl", [FLUENT, OLD, "{broken"])
    out, err = io.StringIO(), io.StringIO()
    call_command("import-ckan", str(path), "--every", "1", stdout=out, stderr=err)
    assert "2 created" in out.getvalue() and "line 3" in out.getvalue()
    call_command("import-ckan", str(path), "--quiet", "--limit", "1", stdout=out)
    assert Dataset.objects.count() == 2


# --- the corpus (skipped when the shared corpus is not next to the repository) --------------

corpus = pytest.mark.skipif(not CORPUS.is_dir(), reason=f"shared corpus not found at {CORPUS}")


@corpus
@pytest.mark.django_db
def test_whole_cioos_dump_imports_and_answers_bilingual_searches():
    """All 2,636 CIOOS records (2,636 valid), then searches in each language on the result."""
    report = CkanImporter().import_file(CORPUS / "cioos_ckan_packages.jsonl.gz")
    assert report.records == 2636 and not report.broken_lines
    assert report.total("dataset", "created") == 2636 and report.total("dataset", "skipped") == 0
    assert report.total("organisation", "created") == 4
    assert report.total("resource", "created") == 5480 and report.total("resource", "skipped") == 0
    assert Dataset.objects.filter(state=State.ACTIVE, private=False).count() == 2636
    assert _has_reason(report, "no licence given") == 1489
    assert Dataset.objects.filter(licence_id="CC-BY-4.0").count() == 676
    assert Dataset.objects.filter(licence_id="ODC-By-1.0").count() == 297
    assert Dataset.objects.filter(licence_id="OGL-Canada-2.0").count() == 58 + 28 + 1

    for word, field in [("enregistreurs", "title_fr"), ("phoque", "title_fr"), ("marégraphe", "title_fr"),
                        ("seals", "title_en"), ("herring", "title_en"), ("Mussel", "title_en")]:
        expected = set(Dataset.objects.filter(**{f"{field}__icontains": word}).values_list("pk", flat=True))
        found = {d.pk for d in search_datasets(word, actor=None, page_size=100).datasets}
        assert expected and expected <= found, word
    # A French query finds a dataset by its French title, and an English one by its English title.
    top = search_datasets("enregistreurs de salinité", actor=None).datasets[:3]
    assert "ACAP Saint John: Salinity Loggers" in [d.title_en for d in top]
    top = search_datasets("harbour seal populations", actor=None).datasets[:3]
    assert any(d.title_fr.startswith("Caractérisation des populations de phoques") for d in top)


@corpus
@pytest.mark.django_db
def test_2013_data_gc_ca_files_load_with_broken_lines_reported():
    importer = CkanImporter()
    registry = importer.import_file(CORPUS / "datagcca_2013_registry_packages.jl")
    assert registry.records == 501 and not registry.broken_lines
    assert registry.total("dataset", "created") == 469 and registry.total("dataset", "skipped") == 32
    assert _has_reason(registry, "deleted in CKAN") == 32
    assert Dataset.objects.filter(state=State.DRAFT).count() == 23  # 21 draft + 2 draft-complete
    assert registry.total("organisation", "created") == 19

    importer = CkanImporter()
    sample = importer.import_file(CORPUS / "datagcca_2013_sample.jl")
    assert [line for line, _error in sample.broken_lines] == [1, 54]
    assert sample.recovered_lines == [54]
    assert sample.records == 78
    assert sample.total("dataset", "created") == 71 and sample.total("dataset", "skipped") == 7
    assert _has_reason(sample, "no title") == 7
    assert sample.total("organisation", "created") == 0  # owner_org ids found from the registry's organisations
    assert Dataset.objects.get(pk=uuid.UUID("5b76c7a8-bd2e-4165-b5de-ddcc5d13d14b")).organisation.name == "ec"

    nrcan = CkanImporter().import_file(CORPUS / "datagcca_2013_nrcan_test.jl")
    assert nrcan.records == 100 and nrcan.total("dataset", "created") == 100
    assert Organisation.objects.get(name="ckan-import").datasets.count() == 100
    dataset = Dataset.objects.get(name="017dcd67-cad0-56ef-aa71-56e466262304")
    assert dataset.title_fr.startswith("Base de données des points d'appui au sol")
    assert ("Géomatique", "fr") in {(t.name, t.language) for t in dataset.tags.all()}


@pytest.mark.django_db
def test_a_record_failing_with_a_database_error_is_skipped_for_that_error_and_the_rest_loaded(tmp_path, monkeypatch):
    """A database error once a record's resources are written (its name taken in the meantime)
    rolls that record back, unindexed, and the import goes on with the next one, reporting the
    real error (on PostgreSQL the transaction is unusable after it: nothing may run in it)."""
    records = [_record(FLUENT, id=str(uuid.uuid4()), name=f"saanich-{n}",
                       resources=[{**r, "id": str(uuid.uuid4())} for r in FLUENT["resources"]]) for n in range(3)]
    sync_dataset = services.sync_dataset

    def conflicting_on_the_second(spec, **kwargs):
        result = sync_dataset(spec, **kwargs)
        if spec.data["name"] == "saanich-1":
            Dataset.objects.filter(pk=result.dataset.pk).update(name="saanich-0")
        return result

    monkeypatch.setattr(services, "sync_dataset", conflicting_on_the_second)
    report = CkanImporter().import_file(_write(tmp_path / "dump.jl", records))
    assert report.total("dataset", "created") == 2 and report.total("dataset", "skipped") == 1
    assert _has_reason(report, "not valid") == 1
    assert sum(n for reason, n in _reasons(report).items() if "unique" in reason.lower()) == 1  # the real error
    assert sorted(d.name for d in search_datasets("saanich", actor=None).datasets) == ["saanich-0", "saanich-2"]
    assert sorted(Dataset.objects.filter(name__startswith="saanich-").values_list("name", flat=True)) == ["saanich-0", "saanich-2"]
