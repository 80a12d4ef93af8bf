"""The open-data export of participation: CSV and JSON, one column per language, described by
a ``datapackage.json`` (Data Package v2).

Only public content goes out: published challenges, visible ideas (not withdrawn) and their
visible comments, released reuses, vote counts but no votes. No e-mail address and no IP
address: authors appear under the public name they chose, and personal information that a
text may still contain is masked.
"""

from __future__ import annotations

import csv
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _

from ouvert.accounts import permissions
from ouvert.catalog.permissions import visible_datasets
from ouvert.moderation.checks.personal import redact

from .models import Idea, Moderation

LICENCE = {"name": "OGL-Canada-2.0", "path": "https://open.canada.ca/en/open-government-licence-canada",
           "title": "Open Government Licence - Canada"}
MASK = "[…]"


def _text(value) -> str:
    return redact(value or "", MASK)


def _when(value) -> str:
    return value.isoformat() if value else ""


def _names(manager) -> str:
    return " ".join(sorted(obj.name for obj in manager.all()))


# name, type, description, value; ``type`` follows Table Schema.
CHALLENGE_FIELDS = [
    ("id", "string", "Identifier", lambda c: str(c.id)),
    ("name", "string", "Short name (in addresses)", lambda c: c.name),
    ("organisation", "string", "Organisation (short name)", lambda c: c.organisation.name),
    ("title_fr", "string", "Title in French", lambda c: c.title_fr),
    ("title_en", "string", "Title in English", lambda c: c.title_en),
    ("problem_fr", "string", "Problem statement in French (Markdown)", lambda c: _text(c.problem_fr)),
    ("problem_en", "string", "Problem statement in English (Markdown)", lambda c: _text(c.problem_en)),
    ("status", "string", "published or closed", lambda c: c.status),
    *[(f"{p}_{e}", "datetime", f"{p} phase {e}", (lambda c, f=f"{p}_{e}": _when(getattr(c, f))))
      for p in ("ideas", "voting", "cocreation", "results") for e in ("start", "end")],
    ("results_fr", "string", "Results statement in French", lambda c: _text(c.results_fr) if c.results_published else ""),
    ("results_en", "string", "Results statement in English", lambda c: _text(c.results_en) if c.results_published else ""),
    ("results_published", "datetime", "When the results were published", lambda c: _when(c.results_published)),
    ("datasets", "string", "Datasets concerned (short names, space-separated)", lambda c: _names(c.datasets)),
    ("published", "datetime", "When the challenge was published", lambda c: _when(c.published)),
]
IDEA_FIELDS = [
    ("id", "string", "Identifier", lambda i: str(i.id)),
    ("challenge", "string", "Challenge (identifier)", lambda i: str(i.challenge_id)),
    ("title", "string", "Title, in the author's language", lambda i: _text(i.title)),
    ("body", "string", "Description (Markdown), in the author's language", lambda i: _text(i.body)),
    ("language", "string", "Language of the idea: fr, en, or empty when unknown", lambda i: i.language),
    ("status", "string", "published, under_review, accepted, rejected or implemented", lambda i: i.status),
    ("votes", "integer", "Number of votes", lambda i: i.vote_count),
    ("comments", "integer", "Number of visible comments", lambda i: i.comment_count),
    ("author", "string", "Public name the author chose (may be empty)", lambda i: i.author_name),
    ("channel", "string", "How the idea arrived: web, email or api", lambda i: i.channel),
    ("created", "datetime", "When the idea was submitted", lambda i: _when(i.created)),
    ("answer_fr", "string", "Official answer in French", lambda i: _text(i.answer_fr) if i.answer_published else ""),
    ("answer_en", "string", "Official answer in English", lambda i: _text(i.answer_en) if i.answer_published else ""),
    ("answer_published", "datetime", "When the official answer was published", lambda i: _when(i.answer_published)),
    ("datasets", "string", "Datasets the idea refers to (short names, space-separated)", lambda i: _names(i.datasets)),
]
COMMENT_FIELDS = [
    ("id", "string", "Identifier", lambda c: str(c.id)),
    ("idea", "string", "Idea (identifier)", lambda c: str(c.idea_id)),
    ("parent", "string", "Comment replied to (identifier), empty for a first-level comment",
     lambda c: str(c.parent_id) if c.parent_id else ""),
    ("depth", "integer", "Level in the thread: 1 to 3", lambda c: c.depth),
    ("stance", "string", "for, against or neutral", lambda c: c.stance),
    ("body", "string", "Comment (Markdown), in the author's language", lambda c: _text(c.body)),
    ("language", "string", "Language of the comment: fr, en, or empty when unknown", lambda c: c.language),
    ("author", "string", "Public name the author chose (may be empty)", lambda c: c.author_name),
    ("channel", "string", "How the comment arrived: web, email or api", lambda c: c.channel),
    ("created", "datetime", "When the comment was posted", lambda c: _when(c.created)),
]
REUSE_FIELDS = [
    ("id", "string", "Identifier", lambda r: str(r.id)),
    ("kind", "string", "app, visualisation, article or research", lambda r: r.kind),
    ("title_fr", "string", "Title in French", lambda r: _text(r.title_fr)),
    ("title_en", "string", "Title in English", lambda r: _text(r.title_en)),
    ("description_fr", "string", "Description in French (Markdown)", lambda r: _text(r.description_fr)),
    ("description_en", "string", "Description in English (Markdown)", lambda r: _text(r.description_en)),
    ("url", "string", "Where the reuse can be seen", lambda r: r.url),
    ("datasets", "string", "Datasets used (short names, space-separated)", lambda r: _names(r.datasets)),
    ("challenges", "string", "Challenges it answers (short names, space-separated)", lambda r: _names(r.challenges)),
    ("author", "string", "Public name of who submitted it (may be empty)", lambda r: r.author_name),
    ("published", "datetime", "When it was published in the showcase", lambda r: _when(r.published)),
]


def _tables():
    # What anyone may see (each kind's queryset face for an anonymous visitor), nothing more.
    challenges = permissions.visible(None, "challenge")
    ideas = permissions.visible(None, "idea").exclude(status=Idea.Status.WITHDRAWN)
    comments = permissions.visible(None, "comment").filter(idea__in=ideas)
    # A reply whose parent is not public would point nowhere: leave such threads out.
    comments = comments.exclude(parent__isnull=False, parent__moderation__in=[m for m in Moderation.values if m != Moderation.VISIBLE])
    reuses = permissions.visible(None, "reuse")
    datasets = Prefetch("datasets", visible_datasets(None))
    return [
        ("challenges", "Challenges", CHALLENGE_FIELDS, challenges.select_related("organisation").prefetch_related(datasets).order_by("created", "id"), None),
        ("ideas", "Ideas", IDEA_FIELDS, ideas.prefetch_related(datasets).order_by("created", "id"), ("challenge", "challenges")),
        ("comments", "Comments", COMMENT_FIELDS, comments.order_by("created", "id"), ("idea", "ideas")),
        ("reuses", "Reuses (showcase)", REUSE_FIELDS, reuses.prefetch_related(datasets, Prefetch("challenges", challenges)).order_by("created", "id"), None),
    ]


def _schema(fields, foreign_key) -> dict:
    schema = {
        "fields": [{"name": name, "type": kind, "description": description,
                    **({"constraints": {"required": True, "unique": True}} if name == "id" else {})}
                   for name, kind, description, _value in fields],
        "primaryKey": ["id"],
    }
    if foreign_key:
        field, resource = foreign_key
        schema["foreignKeys"] = [{"fields": [field], "reference": {"resource": resource, "fields": ["id"]}}]
    return schema


def write_export(directory: Path) -> Path:
    """Write every table as CSV and JSON into ``directory``, with ``datapackage.json``; returns
    the descriptor's path."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    resources = []
    for name, title, fields, queryset, foreign_key in _tables():
        rows = [{field: value(obj) for field, _kind, _description, value in fields} for obj in queryset]
        header = [field for field, *_rest in fields]
        with open(directory / f"{name}.csv", "w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=header, lineterminator="\r\n")
            writer.writeheader()
            writer.writerows(rows)
        # In JSON an absent date is null rather than an empty string.
        dates = [field for field, kind, *_rest in fields if kind == "datetime"]
        with open(directory / f"{name}.json", "w", encoding="utf-8") as handle:
            json.dump([{**row, **{d: row[d] or None for d in dates}} for row in rows], handle, ensure_ascii=False, indent=1)
        schema = _schema(fields, foreign_key)
        resources.append({
            "name": name, "type": "table", "path": f"{name}.csv", "title": title, "format": "csv",
            "mediatype": "text/csv", "encoding": "utf-8", "schema": schema,
        })
        json_schema = _schema(fields, (foreign_key[0], f"{foreign_key[1]}-json") if foreign_key else None)
        resources.append({
            "name": f"{name}-json", "type": "table", "path": f"{name}.json", "title": f"{title} (JSON)",
            "format": "json", "mediatype": "application/json", "encoding": "utf-8", "schema": json_schema,
        })
    descriptor = {
        "$schema": "https://datapackage.org/profiles/2.0/datapackage.json",
        "name": "ouvert-participation",
        "title": "Participation: challenges, ideas, comments and reuses",
        "description": ("Public participation on the portal: challenges and the datasets they concern, ideas with "
                        "their vote counts and official answers, comments, and reuses of the data. Bilingual fields "
                        "have one column per language. No personal data: authors appear under the public name they "
                        "chose; e-mail addresses, phone numbers and similar details in texts are masked as " + MASK + "."),
        "homepage": settings.SITE_URL,
        "created": timezone.now().replace(microsecond=0).isoformat(),
        "licenses": [LICENCE],
        "keywords": ["participation", "open government", "gouvernement ouvert", "défis", "challenges"],
        "resources": resources,
    }
    path = directory / "datapackage.json"
    path.write_text(json.dumps(descriptor, ensure_ascii=False, indent=2), encoding="utf-8")
    return path


# --- published as a catalog dataset ---------------------------------------------------------

#: The dataset's metadata, in both languages (the catalog holds it as content, not as UI text).
DATASET = {
    "title_fr": "Participation : défis, idées, commentaires et réutilisations",
    "title_en": "Participation: challenges, ideas, comments and reuses",
    "description_fr": (
        "La participation publique sur le portail : les défis et les jeux de données qu'ils concernent, les idées "
        "avec leur nombre de votes et les réponses officielles, les commentaires, et les réutilisations des "
        "données. Chaque table est offerte en CSV et en JSON, décrite par `datapackage.json` (Data Package). Les "
        "champs bilingues ont une colonne par langue. Aucune donnée personnelle : les auteurs figurent sous le "
        "nom public qu'ils ont choisi, et les adresses courriel, numéros de téléphone et autres renseignements "
        "semblables dans les textes sont masqués (" + MASK + ")."),
    "description_en": (
        "Public participation on the portal: challenges and the datasets they concern, ideas with their vote "
        "counts and official answers, comments, and reuses of the data. Each table comes as CSV and JSON, "
        "described by `datapackage.json` (Data Package). Bilingual fields have one column per language. No "
        "personal data: authors appear under the public name they chose, and e-mail addresses, phone numbers "
        "and similar details in texts are masked (" + MASK + ")."),
    "licence": LICENCE["name"], "frequency": "irregular",
    "tags_fr": ["participation", "gouvernement ouvert", "défis"],
    "tags_en": ["participation", "open government", "challenges"],
}
TABLE_TITLES = {"challenges": ("Défis", "Challenges"), "ideas": ("Idées", "Ideas"),
                "comments": ("Commentaires", "Comments"), "reuses": ("Réutilisations (vitrine)", "Reuses (showcase)")}
#: Key in ``Resource.extras`` naming the export file a resource holds, and in ``Dataset.extras``
#: marking the dataset as the export's, so that a re-run updates it and nothing else.
FILE_KEY = "participation_export_file"
MARK_KEY = "participation_export"
EXPORT_ACTOR = "ouvert-participation"
#: ``sync_dataset``'s ``source`` for the changes the export makes to its dataset.
SOURCE = "participation-export"


@dataclass
class Published:
    dataset: object
    counts: dict = field(default_factory=dict)

    def add(self, what: str) -> None:
        self.counts[what] = self.counts.get(what, 0) + 1


def export_actor():
    """The system account that publishes the export (sysadmin, no usable password)."""
    from ouvert.accounts.services import system_account

    return system_account(EXPORT_ACTOR, display_name="Ouvert participation")


def _file_titles(descriptor: dict) -> dict[str, tuple[str, str]]:
    titles = {"datapackage.json": ("Description du paquet de données (Data Package)", "Data Package descriptor")}
    for resource in descriptor["resources"]:
        table = resource["name"].removesuffix("-json")
        fr, en = TABLE_TITLES.get(table, (table, table))
        kind = resource["format"].upper()
        titles[resource["path"]] = (f"{fr} ({kind})", f"{en} ({kind})")
    return titles


def publish_export(directory: Path, *, organisation, dataset_name: str = "participation", actor=None) -> Published:
    """Write the export into ``directory`` and publish it as the catalog dataset ``dataset_name``
    owned by ``organisation``, one resource per file, through the catalog services.

    A re-run updates the same dataset: its metadata, the files whose content changed (by
    SHA-256), and removes the resources of files the export no longer writes. A dataset of that
    name that is not the export's is left alone (Conflict).
    """
    from contextlib import ExitStack

    from django.core.files import File
    from django.db import transaction

    from ouvert.catalog import services as catalog
    from ouvert.catalog.models import Dataset
    from ouvert.core.errors import Conflict
    from ouvert.core.models import State

    actor = actor or export_actor()
    descriptor_path = write_export(directory)
    directory = descriptor_path.parent
    titles = _file_titles(json.loads(descriptor_path.read_text(encoding="utf-8")))
    data = {**DATASET, "extras": {MARK_KEY: "1"}}
    with transaction.atomic(), ExitStack() as files:
        dataset = Dataset.objects.filter(name=dataset_name).first()
        if dataset is not None and ((dataset.extras or {}).get(MARK_KEY) != "1" or dataset.state == State.DELETED):
            raise Conflict(_("A dataset named %(name)s exists and is not the participation export.")
                           % {"name": dataset_name})
        counts: dict[str, int] = {}

        def add(what: str) -> None:
            counts[what] = counts.get(what, 0) + 1

        add("dataset created" if dataset is None else "dataset updated")
        existing = {(r.extras or {}).get(FILE_KEY): r for r in dataset.resources.all()} if dataset is not None else {}
        resources = []
        for filename, (title_fr, title_en) in titles.items():
            path = directory / filename
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
            resource = existing.get(filename)
            meta = {"title_fr": title_fr, "title_en": title_en, "extras": {FILE_KEY: filename}}
            if resource is not None and resource.sha256 == digest and resource.title_fr == title_fr \
                    and resource.title_en == title_en:
                resources.append(catalog.ResourceSpec(id=resource.pk))
                add("files unchanged")
                continue
            upload = None
            if resource is None or resource.sha256 != digest:
                upload = File(files.enter_context(open(path, "rb")), name=filename)
            resources.append(catalog.ResourceSpec(meta, id=resource.pk if resource is not None else None, upload=upload))
            add("files added" if resource is None else "files updated")
        # Resources someone added by hand (without FILE_KEY) stay.
        synced = catalog.sync_dataset(catalog.DatasetSpec(
            {"name": dataset_name, **data} if dataset is None else data, id=dataset.pk if dataset is not None else None,
            organisation=organisation, state=State.ACTIVE, resources=resources, managed_key=FILE_KEY),
            actor=actor, source=SOURCE)
        result = Published(synced.dataset, counts)
        for _resource in synced.resources_deleted:
            result.add("files removed")
    return result
