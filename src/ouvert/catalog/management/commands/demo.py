"""``ouvert demo``: load (or bring up to date) the demo catalog of real public datasets.

Idempotent: a second run changes only what differs from ``ouvert.catalog.demo.catalog`` and
uploads a file again only when its SHA-256 differs from the stored one.
"""

from __future__ import annotations

import hashlib
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

from django.core.files import File
from django.core.management.base import BaseCommand, CommandError

from ouvert.accounts import services as accounts
from ouvert.accounts.models import Organisation
from ouvert.catalog import services
from ouvert.catalog.demo import catalog
from ouvert.catalog.models import Dataset, Resource, Theme
from ouvert.core.errors import DomainError
from ouvert.core.models import State

DEMO_USERNAME = "ouvert-demo"
#: Key in ``Resource.extras`` naming the demo file a resource was loaded from.
SOURCE_KEY = "demo_file"
#: ``sync_dataset``'s ``source`` for the changes the demo makes.
SOURCE = "demo"


@dataclass
class Summary:
    counts: dict[str, int] = field(default_factory=dict)

    def add(self, what: str) -> None:
        self.counts[what] = self.counts.get(what, 0) + 1

    def __str__(self) -> str:
        return ", ".join(f"{n} {what}" for what, n in sorted(self.counts.items())) or "nothing changed"


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def demo_actor():
    """The system account that owns the demo content (sysadmin, no usable password)."""
    from ouvert.accounts.services import system_account

    return system_account(DEMO_USERNAME, display_name="Ouvert demo")


def _changed(instance, data: dict) -> dict:
    return {k: v for k, v in data.items() if getattr(instance, k) != v}


def load(*, out=None) -> Summary:
    """Create or update every organisation, theme, dataset and file of the demo catalog."""
    summary = Summary()
    write = out or (lambda _msg: None)
    actor = demo_actor()

    for data in catalog.THEMES:
        theme = Theme.objects.filter(name=data["name"]).first()
        if theme is None:
            services.create_theme(actor=actor, data=data)
            summary.add("themes created")
        elif changes := _changed(theme, {k: v for k, v in data.items() if k != "name"}):
            services.update_theme(theme, actor=actor, data=changes)
            summary.add("themes updated")

    organisations = {}
    for data in catalog.ORGANISATIONS:
        organisation = Organisation.objects.filter(name=data["name"]).first()
        if organisation is None:
            organisation = accounts.create_organisation(actor=actor, data=data)
            summary.add("organisations created")
        elif changes := _changed(organisation, {k: v for k, v in data.items() if k != "name"}):
            organisation = accounts.update_organisation(organisation, actor=actor, data=changes)
            summary.add("organisations updated")
        organisations[data["name"]] = organisation

    total = len(catalog.DATASETS)
    for number, spec in enumerate(catalog.DATASETS, 1):
        write(f"[{number}/{total}] {spec['name']}")
        _load_dataset(spec, organisations[spec["organisation"]], actor=actor, summary=summary, write=write)
    return summary


def _load_dataset(spec: dict, organisation: Organisation, *, actor, summary: Summary, write) -> None:
    data = {k: v for k, v in spec.items() if k not in ("organisation", "resources")}
    dataset = Dataset.objects.filter(name=spec["name"]).first()
    existing = {r.extras.get(SOURCE_KEY): r for r in dataset.resources.all()} if dataset is not None else {}
    resources, said = [], []
    with ExitStack() as files:
        for item in spec["resources"]:
            path = catalog.FILES_DIR / item["file"]
            if not path.is_file():
                raise CommandError(f"Demo file missing: {path}")
            meta = {k: v for k, v in item.items() if k != "file"}
            meta["extras"] = {SOURCE_KEY: item["file"]}
            resource: Resource | None = existing.get(item["file"])
            upload = None
            if resource is None or resource.sha256 != sha256_of(path) or not resource.file:
                upload = File(files.enter_context(path.open("rb")), name=path.name)
                said.append((f"    uploaded {item['file']} ({path.stat().st_size:,} bytes)", "files uploaded")
                            if resource is None else (f"    replaced {item['file']} (content changed)", "files replaced"))
            resources.append(services.ResourceSpec(meta, id=resource.pk if resource is not None else None, upload=upload))
        # Resources not in the demo catalog (added by hand) stay.
        result = services.sync_dataset(services.DatasetSpec(
            data, id=dataset.pk if dataset is not None else None, organisation=organisation, state=State.ACTIVE,
            resources=resources, remove_unlisted=False), actor=actor, source=SOURCE)
    if result.created:
        summary.add("datasets created")
    else:
        if result.changes:
            summary.add("datasets updated")
        if result.published:
            summary.add("datasets published")
    for line, what in said:
        write(line)
        summary.add(what)
    uploaded = {r.pk for r in result.contents_changed}
    for resource in result.resources_updated:
        if resource.pk not in uploaded:
            summary.add("resources updated")


class Command(BaseCommand):
    help = "Load the demo catalog (real public datasets and their files); safe to run again."

    def handle(self, *args, **options):
        try:
            summary = load(out=lambda msg: self.stdout.write(msg))
        except DomainError as exc:
            raise CommandError(f"Demo catalog not loaded: {exc}") from exc
        public = services.published_datasets(actor=None).count()
        self.stdout.write(self.style.SUCCESS(f"Demo catalog ready ({public} public datasets): {summary}."))
