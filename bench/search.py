"""Catalog search at scale: indexing throughput and query latency on both back ends.

    python bench/search.py [--sizes 10000,100000] [--backend sqlite|postgresql|both] [--repeat 3]
                           [--keep] [--no-reindex]

Loads the CIOOS catalog (2,636 bilingual CKAN records, ../shared/corpus) into a fresh database,
then grows it to each size by varying those records (names, organisations, titles, tags, dates,
a share of private and draft datasets), so the words and their frequencies stay those of a real
catalog. At each size it rebuilds the search index (``rebuild_index``: datasets per second) and
times 20 French and English queries, each computing the counts of every facet, once alone and
once drilled down with three facet filters (organisation, theme, format) taken from the first
answer. SQLite runs on a temporary file; PostgreSQL on a temporary database
``ouvert_bench_search_run`` on 127.0.0.1:5432, created and dropped here (a kept catalog's
database is ``ouvert_bench_search``; ``OUVERT_BENCH_POSTGRES_URL`` to change it). Each back end
runs in a child process, since Django is set up once per process.

``--keep`` keeps the databases for the next run instead (SQLite in ``var/bench-search/``,
PostgreSQL's database left in place): a later ``--keep`` run migrates them, grows the catalog
only beyond what it already holds, and with ``--no-reindex`` times the queries on the index
as it stands, which makes trying a change to the queries at 100,000 datasets a matter of
seconds. Sizes below what a kept catalog holds are skipped.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlparse

from _postgres import admin, database_exists

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus" / "catalog" / "cioos_ckan_packages.jsonl.gz"
KEPT = ROOT / "var" / "bench-search"
POSTGRES_URL = os.environ.get("OUVERT_BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/ouvert_bench_search")

QUERIES = [
    "sea surface temperature", "dissolved oxygen", "salinity", "ocean currents", "chlorophyll",
    "sea ice", "fish", "wave height", "water quality", "drinking water",
    "température de surface", "oxygène dissous", "salinité", "courants océaniques", "glace de mer",
    "poissons", "hauteur des vagues", "qualité de l'eau", "plancton", "eau potable",
]
FILTERED_FACETS = ("organisation", "theme", "format")
# Organisation variants per CIOOS organisation, so the grown catalog has about 100 of them.
ORG_VARIANTS = 25
PLACES = ["Nord", "Sud", "Est", "Ouest", "Centre", "Côte", "Large", "Baie", "Détroit", "Golfe"]
LICENCES = {"CC-BY-4.0": "CC-BY-4.0", "ODC-By": "ODC-By-1.0", "OGL-CAN-2.0": "OGL-Canada-2.0",
            "government-open-license-canada": "OGL-Canada-2.0", "CC0": "CC0-1.0"}


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))]


# --- child: one back end ------------------------------------------------------------------

def records() -> list[dict]:
    with gzip.open(CORPUS, "rt", encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def translated(record: dict, key: str, lang: str) -> str:
    value = record.get(f"{key}_translated") or {}
    return (value.get(lang) if isinstance(value, dict) else "") or ""


class Loader:
    """Lean bulk loader: organisations, themes, tags, datasets and resources with bulk_create."""

    def __init__(self, corpus: list[dict]) -> None:
        from ouvert.catalog.models import Licence

        self.corpus = corpus
        self.count = 0
        self.licences = set(Licence.objects.values_list("pk", flat=True))
        self.organisations: dict[str, object] = {}
        self.themes: dict[str, object] = {}
        self.tags: dict[tuple[str, str], object] = {}
        self.random = random.Random(20260630)
        self.epoch = datetime(2015, 1, 1, tzinfo=UTC)

    def resume(self) -> None:
        """Carry on from a kept catalog: its datasets, organisations, themes and tags."""
        from ouvert.accounts.models import Organisation
        from ouvert.catalog.models import Dataset, Tag, Theme

        self.count = Dataset.objects.count()
        self.organisations = {org.name: org for org in Organisation.objects.all()}
        self.themes = {theme.name: theme for theme in Theme.objects.all()}
        self.tags = {(name, language): pk for pk, name, language in Tag.objects.values_list("pk", "name", "language")}
        self.random.seed(20260630 + self.count)

    def organisation(self, record: dict, variant: int):
        from ouvert.accounts.models import Organisation

        org = record.get("organization") or {}
        base = (org.get("name") or "cioos")[:80]
        name = base if variant == 0 else f"{base}-{variant}"
        if name not in self.organisations:
            title = org.get("title") or base
            self.organisations[name] = Organisation.objects.create(
                name=name, title_fr=f"{title} {variant or ''}".strip(), title_en=f"{title} {variant or ''}".strip())
        return self.organisations[name]

    def theme(self, name: str):
        from ouvert.catalog.models import Theme

        slug = "".join(c if c.isalnum() else "-" for c in name.lower()).strip("-")[:90] or "other"
        if slug not in self.themes:
            self.themes[slug] = Theme.objects.create(name=slug, title_fr=name, title_en=name)
        return self.themes[slug]

    def tag_ids(self, words: list[tuple[str, str]]) -> list[int]:
        from ouvert.catalog.models import Tag

        missing = [w for w in dict.fromkeys(words) if w not in self.tags]
        if missing:
            Tag.objects.bulk_create([Tag(name=n, language=lg) for n, lg in missing], ignore_conflicts=True)
            for tag in Tag.objects.filter(name__in=[n for n, _ in missing]):
                self.tags[(tag.name, tag.language)] = tag.pk
        return [self.tags[w] for w in dict.fromkeys(words) if w in self.tags]

    def grow(self, size: int) -> None:
        from django.db import transaction

        from ouvert.catalog.models import Dataset, Resource

        while self.count < size:
            n = min(2000, size - self.count)
            datasets, resources, tag_links, theme_links = [], [], [], []
            for i in range(self.count, self.count + n):
                record = self.corpus[i % len(self.corpus)]
                copy = i // len(self.corpus)
                rnd = self.random
                place = PLACES[copy % len(PLACES)] if copy else ""
                suffix = f" {place} {copy}" if copy else ""
                dataset = Dataset(
                    id=uuid.uuid4(),
                    name=f"d{i}-{(record.get('name') or '')[:60]}".lower()[:100],
                    title_fr=(translated(record, "title", "fr") + suffix)[:300],
                    title_en=(translated(record, "title", "en") + suffix)[:300],
                    description_fr=translated(record, "notes", "fr"),
                    description_en=translated(record, "notes", "en"),
                    organisation=self.organisation(record, copy % ORG_VARIANTS),
                    licence_id=LICENCES.get(record.get("license_id")) if LICENCES.get(record.get("license_id")) in self.licences else None,
                    state="draft" if rnd.random() < 0.03 else "active",
                    private=rnd.random() < 0.05,
                )
                datasets.append(dataset)
                keywords = record.get("keywords") if isinstance(record.get("keywords"), dict) else {}
                words = [(w.strip()[:100], lang) for lang in ("fr", "en") for w in keywords.get(lang) or [] if w.strip()]
                if copy:
                    words = rnd.sample(words, k=max(0, len(words) - rnd.randint(0, 3)))
                tag_links += [(dataset.id, t) for t in self.tag_ids(words)]
                for eov in dict.fromkeys(record.get("eov") or []):
                    theme_links.append((dataset.id, self.theme(eov).pk))
                for position, res in enumerate(record.get("resources") or []):
                    resources.append(Resource(
                        dataset=dataset, kind="url", url=(res.get("url") or "https://example.org/")[:2000],
                        title_fr=(res.get("name") or "")[:300], title_en=(res.get("name") or "")[:300],
                        format=(res.get("format") or "").upper()[:50], position=position))
            with transaction.atomic():
                Dataset.objects.bulk_create(datasets, batch_size=1000)
                Resource.objects.bulk_create(resources, batch_size=1000)
                Dataset.tags.through.objects.bulk_create(
                    [Dataset.tags.through(dataset_id=d, tag_id=t) for d, t in tag_links], batch_size=2000)
                Dataset.themes.through.objects.bulk_create(
                    [Dataset.themes.through(dataset_id=d, theme_id=t) for d, t in theme_links], batch_size=2000)
                # auto_now stamps every row with the same moment: spread the dates over ten years.
                for dataset in datasets:
                    dataset.modified = self.epoch + timedelta(minutes=self.random.randrange(10 * 365 * 24 * 60))
                    dataset.created = dataset.modified - timedelta(days=self.random.randrange(400))
                Dataset.objects.bulk_update(datasets, ["modified", "created"], batch_size=1000)
            self.count += n


def timings(repeat: int) -> dict:
    """Latencies of the 20 queries, alone and drilled down with three facet filters."""
    from ouvert.catalog import search

    plain, drilled, totals = [], [], []
    for query in QUERIES:  # warm caches (stemmers, thesaurus, database pages) once
        search.search_datasets(query, actor=None)
    for _ in range(repeat):
        for query in QUERIES:
            started = time.perf_counter()
            result = search.search_datasets(query, actor=None)
            plain.append((time.perf_counter() - started) * 1000)
            totals.append(result.total)
            filters = {f: [result.facets[f][0][0]] for f in FILTERED_FACETS if result.facets[f]}
            started = time.perf_counter()
            search.search_datasets(query, actor=None, filters=filters)
            drilled.append((time.perf_counter() - started) * 1000)
    both = plain + drilled
    return {"p50": statistics.median(both), "p95": percentile(both, 95),
            "plain_p50": statistics.median(plain), "plain_p95": percentile(plain, 95),
            "drilled_p50": statistics.median(drilled), "drilled_p95": percentile(drilled, 95),
            "median_hits": statistics.median(totals), "max_hits": max(totals)}


def measure(sizes: list[int], repeat: int, backend: str, reindex: bool = True) -> dict:
    from django.conf import settings
    from django.db import connection

    from ouvert.catalog import search
    from ouvert.catalog.search import memory

    loader = Loader(records())
    loader.resume()
    results = {}
    for size in sizes:
        if loader.count > size:
            print(f"{backend:10} {size:>7} datasets: skipped, the kept catalog holds {loader.count}", flush=True)
            continue
        started = time.perf_counter()
        grew = loader.count < size
        loader.grow(size)
        loaded = time.perf_counter() - started
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM catalog_search_entry")
            entries = cursor.fetchone()[0]
        rebuilt = reindex or grew or not entries
        indexed = search.rebuild_index() if rebuilt else entries
        seconds = time.perf_counter() - started
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        # Searches answer from the index read into memory (the default); the database's own
        # answers are timed too, as the fallback while a new snapshot is being read.
        settings.OUVERT_SEARCH_MEMORY = "always"
        memory.forget()
        started = time.perf_counter()
        snap = memory.snapshot(connection)
        snapshot_seconds = time.perf_counter() - started
        results[size] = {"indexed": indexed, "index_rate": indexed / seconds, "index_seconds": seconds,
                         "load_seconds": loaded, "snapshot_seconds": snapshot_seconds,
                         "snapshot_mb": snap.nbytes / 1e6}
        indexing = (f"indexed {indexed} in {seconds:.1f} s = {indexed / seconds:.0f} datasets/s (load {loaded:.1f} s)"
                    if rebuilt else f"kept index of {indexed}")
        print(f"{backend:10} {size:>7} datasets: {indexing}; read into memory in {snapshot_seconds:.2f} s, "
              f"{snap.nbytes / 1e6:.0f} MB", flush=True)
        for engine, mode in (("memory", "always"), ("database", "off")):
            settings.OUVERT_SEARCH_MEMORY = mode
            r = timings(repeat)
            results[size].update({(k if engine == "memory" else f"database_{k}"): v for k, v in r.items()})
            print(f"{backend:10} {size:>7} datasets, {engine:8}: query p50 {r['p50']:.1f} ms p95 {r['p95']:.1f} ms "
                  f"[alone p50 {r['plain_p50']:.1f} / p95 {r['plain_p95']:.1f}; "
                  f"3 facet filters p50 {r['drilled_p50']:.1f} / p95 {r['drilled_p95']:.1f}; "
                  f"hits median {r['median_hits']:.0f}, max {r['max_hits']}]", flush=True)
    return results


def child(backend: str, sizes: list[int], repeat: int, keep: bool, reindex: bool) -> None:
    if keep:
        KEPT.mkdir(parents=True, exist_ok=True)
        home = str(KEPT)
    else:
        home = tempfile.mkdtemp(prefix="ouvert-bench-search-")
    try:
        os.environ["OUVERT_HOME"] = home
        os.environ["OUVERT_EMAIL_URL"] = "console:"
        os.environ["OUVERT_SEARCH_BACKEND"] = backend
        os.environ["OUVERT_DATABASE_URL"] = (f"sqlite:///{home}/bench.sqlite3" if backend == "sqlite" else POSTGRES_URL)
        os.environ["DJANGO_SETTINGS_MODULE"] = "ouvert.settings"
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        results = measure(sizes, repeat, backend, reindex)
        if len(sizes) > 1:
            first, last = results[sizes[0]], results[sizes[-1]]
            for prefix, engine in (("", "memory"), ("database_", "database")):
                print(f"{backend:10} {engine:8} p95 ratio {sizes[0]} -> {sizes[-1]}: "
                      f"{last[prefix + 'p95'] / first[prefix + 'p95']:.2f}x "
                      f"(alone {last[prefix + 'plain_p95'] / first[prefix + 'plain_p95']:.2f}x, "
                      f"3 facet filters {last[prefix + 'drilled_p95'] / first[prefix + 'drilled_p95']:.2f}x)",
                      flush=True)
    finally:
        from django.db import connections

        connections.close_all()
        if not keep:
            shutil.rmtree(home, ignore_errors=True)


# --- parent ---------------------------------------------------------------------------------

def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--repeat", type=int, default=3, help="runs of the 20 queries per size")
    parser.add_argument("--keep", action="store_true",
                        help=f"keep the databases ({KEPT.relative_to(ROOT)}/, PostgreSQL's) and reuse kept ones")
    parser.add_argument("--no-reindex", dest="reindex", action="store_false",
                        help="with --keep: time the kept index as it is when the catalog did not grow")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    sizes = sorted(int(s) for s in args.sizes.split(",") if s.strip())
    if args.child:
        child(args.backend, sizes, args.repeat, args.keep, args.reindex)
        return 0
    if not CORPUS.exists():
        print(f"Corpus not found: {CORPUS}", file=sys.stderr)
        return 1
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    print(f"Catalog search: sizes {sizes}, {len(QUERIES)} queries x {args.repeat} runs, alone and with "
          f"3 facet filters, every facet counted; {os.cpu_count()} CPUs; {CORPUS.name}", flush=True)
    status = 0
    if not args.keep:
        # A throw-away run gets a database of its own, so that it never drops a kept catalog.
        global POSTGRES_URL
        POSTGRES_URL = os.environ["OUVERT_BENCH_POSTGRES_URL"] = urlparse(POSTGRES_URL)._replace(
            path=urlparse(POSTGRES_URL).path + "_run").geturl()
    for backend in backends:
        database = urlparse(POSTGRES_URL).path.lstrip("/")
        if backend == "postgresql" and not (args.keep and database_exists(POSTGRES_URL, database)):
            admin(POSTGRES_URL, [f'DROP DATABASE IF EXISTS "{database}"', f'CREATE DATABASE "{database}"'])
        try:
            command = [sys.executable, __file__, "--child", "--backend", backend, "--sizes",
                       ",".join(map(str, sizes)), "--repeat", str(args.repeat)]
            command += ["--keep"] * args.keep + ["--no-reindex"] * (not args.reindex)
            status |= subprocess.call(command)
        finally:
            if backend == "postgresql" and not args.keep:
                admin(POSTGRES_URL, [f'DROP DATABASE IF EXISTS "{database}"'])
    return status


if __name__ == "__main__":
    sys.exit(main())
