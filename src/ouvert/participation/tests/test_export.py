"""The open-data export: CSV and JSON per table, a Data Package that validates (frictionless and
the Data Package v2 JSON Schema), and no personal data."""

import csv
import json
import re
from pathlib import Path

import pytest

from ouvert.moderation import services as moderation
from ouvert.participation import services
from ouvert.participation.export import write_export

from .factories import (
    make_challenge,
    make_comment,
    make_dataset,
    make_idea,
    make_organisation,
    make_user,
)

pytestmark = pytest.mark.django_db

# The Data Package v2 profiles sit in the shared folder beside the repository.
SCHEMAS = Path(__file__).resolve().parents[5] / "shared" / "standards" / "datapackage-v2"
EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")
IPV4 = re.compile(r"\b\d{1,3}(?:\.\d{1,3}){3}\b")


@pytest.fixture
def participation():
    moderator = make_user()
    org = make_organisation(editors=[moderator])
    dataset = make_dataset(org, "deneigement-horaires")
    challenge = make_challenge(org, name="hiver", datasets=[dataset])
    author = make_user("citoyenne")
    author.display_name = "Marie de Limoilou"
    author.save()
    idea = make_idea(challenge, author=author, title="Des horaires ouverts", datasets=[dataset.name], ip="192.0.2.44")
    make_comment(idea, stance="for")
    make_comment(idea, body="Voici mon courriel perso@exemple.ca pour en parler.")  # held: not exported
    released = make_idea(challenge, title="Contact de la Ville",
                         body="Le service répond à deneigement@ville.example et au 418-555-0100.")
    moderation.decide(released, actor=moderator, action="release")  # released, yet its details are masked
    make_idea(challenge, title="Idée retenue pour modération", body="Mon NAS : 046 454 286.")
    services.prepare_answer(idea, actor=moderator, answer_fr="Nous publierons ces horaires.", answer_en="We will publish them.")
    services.publish_answer(idea, actor=moderator, status="accepted")
    reuse = services.submit_reuse(actor=author, data={
        "kind": "app", "title_fr": "Carte du déneigement", "title_en": "Snow removal map",
        "url": "https://carte.example/deneigement", "datasets": [dataset.name], "challenges": ["hiver"]})
    moderation.decide(reuse, actor=moderator, action="release")
    make_challenge(org, name="brouillon", publish=False)
    return challenge


def test_export_is_a_valid_data_package_without_personal_data(participation, tmp_path):
    descriptor_path = write_export(tmp_path)
    descriptor = json.loads(descriptor_path.read_text())
    assert {r["path"] for r in descriptor["resources"]} == {
        f"{t}.{ext}" for t in ("challenges", "ideas", "comments", "reuses") for ext in ("csv", "json")}

    frictionless = pytest.importorskip("frictionless", reason="pip install 'frictionless[json]' to validate the package")
    import jsonschema

    if SCHEMAS.is_dir():
        jsonschema.validate(descriptor, json.loads((SCHEMAS / "datapackage.json").read_text()))
        for resource in descriptor["resources"]:
            jsonschema.validate(resource, json.loads((SCHEMAS / "dataresource.json").read_text()))
            jsonschema.validate(resource["schema"], json.loads((SCHEMAS / "tableschema.json").read_text()))
    report = frictionless.Package(str(descriptor_path)).validate()
    assert report.valid, report.flatten(["resourcePath", "rowNumber", "fieldName", "type", "note"])

    # The portal's own address (the package's homepage) is the only address allowed.
    everything = "".join(p.read_text(encoding="utf-8") for p in tmp_path.iterdir()).replace(descriptor["homepage"], "")
    assert not EMAIL.findall(everything.replace("https://", ""))
    assert not IPV4.findall(everything)
    assert "418-555-0100" not in everything and "046 454 286" not in everything
    assert "citoyenne@example.org" not in everything and "citoyenne" not in everything.replace("Marie", "")

    with open(tmp_path / "ideas.csv", encoding="utf-8") as handle:
        ideas = list(csv.DictReader(handle))
    assert len(ideas) == 2
    answered = next(i for i in ideas if i["title"] == "Des horaires ouverts")
    assert answered["author"] == "Marie de Limoilou" and answered["status"] == "accepted"
    assert answered["answer_fr"] == "Nous publierons ces horaires." and answered["answer_en"] == "We will publish them."
    assert answered["comments"] == "1" and answered["datasets"] == "deneigement-horaires"
    masked = next(i for i in ideas if i["title"] == "Contact de la Ville")
    assert "[…]" in masked["body"]
    challenges = json.loads((tmp_path / "challenges.json").read_text())
    assert [c["name"] for c in challenges] == ["hiver"]
    assert challenges[0]["title_fr"] and challenges[0]["title_en"] and challenges[0]["results_published"] is None
    reuses = json.loads((tmp_path / "reuses.json").read_text())
    assert reuses[0]["title_en"] == "Snow removal map" and reuses[0]["challenges"] == "hiver"


def test_publish_as_a_catalog_dataset_and_update_on_rerun(participation, tmp_path, settings):
    from django.core.management import call_command
    from django.core.management.base import CommandError

    from ouvert.catalog.models import Dataset, Resource
    from ouvert.participation.export import FILE_KEY, publish_export

    owner = make_organisation("donnees-ouvertes")
    result = publish_export(tmp_path / "first", organisation=owner)
    dataset = Dataset.objects.get(name="participation")
    assert result.dataset.pk == dataset.pk and result.counts == {"dataset created": 1, "files added": 9}
    assert dataset.organisation == owner and dataset.state == "active" and not dataset.private
    assert dataset.title_fr.startswith("Participation") and dataset.title_en.startswith("Participation")
    assert dataset.description_fr and dataset.description_en and dataset.licence_id == "OGL-Canada-2.0"
    resources = {r.extras[FILE_KEY]: r for r in dataset.resources.all()}
    assert set(resources) == {"datapackage.json"} | {f"{t}.{e}" for t in ("challenges", "ideas", "comments", "reuses")
                                                     for e in ("csv", "json")}
    ideas = resources["ideas.csv"]
    assert ideas.kind == Resource.Kind.UPLOAD and ideas.format == "CSV"
    assert (ideas.title_fr, ideas.title_en) == ("Idées (CSV)", "Ideas (CSV)")
    assert ideas.file.read() == (tmp_path / "first" / "ideas.csv").read_bytes()

    # A re-run updates what changed and nothing else; no second dataset, no duplicate resource.
    make_idea(participation, title="Une nouvelle idée publiée", body="Des bancs à l'ombre des arbres, près des écoles.")
    settings.OUVERT_PARTICIPATION_EXPORT_ORGANISATION = "donnees-ouvertes"
    call_command("export-participation", str(tmp_path / "second"), "--publish", stdout=open(tmp_path / "out", "w"))
    assert "participation" in (tmp_path / "out").read_text()
    assert Dataset.objects.filter(name__startswith="participation").count() == 1
    after = {r.extras[FILE_KEY]: r for r in dataset.resources.all()}
    assert set(after) == set(resources) and {r.pk for r in after.values()} == {r.pk for r in resources.values()}
    assert after["ideas.csv"].sha256 != ideas.sha256
    assert after["challenges.csv"].sha256 == resources["challenges.csv"].sha256
    assert "Une nouvelle idée publiée" in after["ideas.csv"].file.read().decode()

    # A hand-added resource stays; a dataset of that name that is not the export is left alone.
    from ouvert.catalog.services import add_resource
    from tests.support.factories import _root
    add_resource(dataset, actor=_root(), data={"url": "https://example.org/notes", "title_en": "Notes"})
    again = publish_export(tmp_path / "third", organisation=owner)
    assert dataset.resources.count() == 10 and "files removed" not in again.counts
    make_dataset(owner, "autre-chose")
    with pytest.raises(CommandError):
        call_command("export-participation", str(tmp_path / "fourth"), "--publish", "--dataset", "autre-chose")
    settings.OUVERT_PARTICIPATION_EXPORT_ORGANISATION = ""
    with pytest.raises(CommandError):
        call_command("export-participation", str(tmp_path / "fifth"), "--publish")
