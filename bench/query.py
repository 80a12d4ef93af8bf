"""Benchmark of the datastore's queries on a 10-million-row table, against CKAN's DataStore.

Builds the table of ``bench/ingest.py`` (same generator) with ``ingest()``, publishes it as a
resource's table version in a throw-away Ouvert installation (SQLite, temporary directory),
then times through the service layer, as the API calls it (permission check, table look-up,
query), each measure repeated and reported as its median:

  default search (limit 100, with total), filtered search with total
  (``organisme = 'Organisme 42'``), a sort on a column of the file (``identifiant desc``: the
  sort of CKAN's reference figure, which has no index to use; the identifiers rise along the
  file), a sort on a column in no order (``montant desc``), ``sort=_id desc`` (the table's
  own order, which CKAN answers from its index on ``_id``), full text ``q`` matching every row,
  distinct on one column, a GROUP BY through datastore_search_sql, 10,000 rows as CSV
  (``records_format=csv``) and a full CSV export (MB/s).

CKAN 2.12's figures measured on this machine (``../shared/peers/ckan/README.md``, 6 million
rows) are printed for reference with the ratios; ``--ckan URL TOKEN RESOURCE_ID`` measures a
live CKAN holding the same rows side by side instead.

    python bench/query.py [--rows N] [--repeat N] [--ckan URL TOKEN RESOURCE_ID]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))  # the test suite's factories: tests.support
sys.path.insert(0, str(ROOT / "bench"))

#: CKAN 2.12's DataStore, measured here (6,000,000 rows), in milliseconds.
CKAN_REFERENCE = {
    "default page": 9.5,
    "filtered with total": 380.0,
    "sort identifiant desc": 1128.0,
    "full text q": 3639.0,
    "distinct": 1042.0,
    "GROUP BY (sql)": 1057.0,
    "10,000 rows as CSV": 19.0,
}


def setup_django(home: str) -> None:
    os.environ.update(OUVERT_HOME=home, DJANGO_SETTINGS_MODULE="ouvert.settings", OUVERT_TASKS="immediate")
    os.environ.pop("OUVERT_DATABASE_URL", None)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def build_table(rows: int, tmp: str) -> str:
    """A public resource whose served table is the generated file; returns its id."""
    from django.core.files.uploadedfile import SimpleUploadedFile
    from ingest import generate

    from ouvert.catalog import services as catalog
    from ouvert.datastore import services
    from ouvert.datastore.ingest import IngestOptions, ingest
    from ouvert.datastore.models import TableVersion
    from tests.support.factories import make_dataset, make_organisation, make_sysadmin

    src = os.path.join(tmp, "bench.csv")
    started = time.perf_counter()
    generate(src, rows)
    print(f"generated {rows:,} rows, {os.path.getsize(src) / 1024**2:,.0f} MB "
          f"in {time.perf_counter() - started:.1f} s")
    root = make_sysadmin("bench")
    dataset = make_dataset(make_organisation("bench"), "bench", actor=root)
    # A file the datastore does not load by itself: the version is built below, timed.
    resource = catalog.add_resource(dataset, actor=root, data={"title_en": "bench"},
                                    upload=SimpleUploadedFile("bench.bin", b"placeholder"))
    version = TableVersion.objects.create(resource=resource, number=1, status="running")
    name = services.version_name(resource.pk, 1)
    os.makedirs(os.path.dirname(services.local_path(name)), exist_ok=True)
    started = time.perf_counter()
    result = ingest(src, services.local_path(name), filename="bench.csv",
                    options=IngestOptions(threads=os.cpu_count(), memory_limit="1GB"))
    services.publish_version(version, name=name, result=result)
    types = ", ".join(f"{c['name']}: {c['type']}" for c in result.columns)
    print(f"ingest() into the table: {time.perf_counter() - started:.1f} s, {result.rows:,} rows; {types}")
    os.remove(src)
    return str(resource.pk)


def median_ms(func, repeat: int) -> float:
    func()  # warm: Parquet footers and the table look-up cached, as on a serving process
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        func()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def ouvert_measures(rid: str) -> dict:
    from ouvert.datastore import services

    def search(**params):
        return lambda: services.search_rows(rid, actor=None, **params)

    table = f'"{rid}"'
    return {
        "default page": search(),
        "filtered with total": search(filters={"organisme": "Organisme 42"}),
        "sort identifiant desc": search(sort="identifiant desc"),
        "sort montant desc": search(sort="montant desc"),
        "sort _id desc": search(sort="_id desc"),
        "full text q": search(q="Québec"),
        "distinct": search(fields="organisme", distinct=True),
        "GROUP BY (sql)": lambda: services.run_sql(
            f"SELECT organisme, count(*) AS n, sum(montant) AS total FROM {table} GROUP BY organisme",
            actor=None),
        "10,000 rows as CSV": search(limit=10000, records_format="csv"),
    }


def full_export(rid: str) -> tuple[float, float]:
    from ouvert.datastore import services

    started = time.perf_counter()
    chunks, _type, _name = services.export_rows(rid, actor=None, fmt="csv")
    size = sum(len(chunk) for chunk in chunks)
    seconds = time.perf_counter() - started
    return size / 1024**2, seconds


def ckan_measures(url: str, token: str, rid: str) -> dict:
    def call(action: str, params: dict):
        def run():
            data = json.dumps(params).encode()
            request = urllib.request.Request(f"{url.rstrip('/')}/api/3/action/{action}", data=data,
                                             headers={"Content-Type": "application/json",
                                                      "Authorization": token})
            with urllib.request.urlopen(request, timeout=600) as response:
                body = json.load(response)
            assert body["success"], body
        return run

    search = lambda **p: call("datastore_search", {"resource_id": rid, **p})  # noqa: E731
    return {
        "default page": search(),
        "filtered with total": search(filters={"organisme": "Organisme 42"}),
        "sort identifiant desc": search(sort="identifiant desc"),
        "sort montant desc": search(sort="montant desc"),
        "sort _id desc": search(sort="_id desc"),
        "full text q": search(q="Québec"),
        "distinct": search(fields="organisme", distinct=True),
        "GROUP BY (sql)": call("datastore_search_sql", {"sql": (
            f'SELECT organisme, count(*) AS n, sum(replace(montant, \',\', \'.\')::numeric) AS total '
            f'FROM "{rid}" GROUP BY organisme')}),
        "10,000 rows as CSV": search(limit=10000, records_format="csv"),
    }


def wait_for_ckan(url: str, token: str, rid: str) -> None:
    """Wait until xloader has finished with the resource (its full-text index included)."""
    while True:
        request = urllib.request.Request(
            f"{url.rstrip('/')}/api/3/action/xloader_status?resource_id={rid}",
            headers={"Authorization": token})
        with urllib.request.urlopen(request, timeout=60) as response:
            state = json.load(response)["result"].get("status")
        if state in ("complete", "error"):
            return
        time.sleep(5)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--ckan", nargs=3, metavar=("URL", "TOKEN", "RESOURCE_ID"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="ouvert-bench-query-") as tmp:
        setup_django(tmp)
        rid = build_table(args.rows, tmp)
        ours = {name: median_ms(func, args.repeat) for name, func in ouvert_measures(rid).items()}
        if args.ckan:
            peer_label = "CKAN (live)"
            wait_for_ckan(*args.ckan)
            peer = {name: median_ms(func, args.repeat) for name, func in ckan_measures(*args.ckan).items()}
        else:
            peer_label = "CKAN (ref.)"
            peer = CKAN_REFERENCE
        print(f"\nmedians of {args.repeat} runs, {args.rows:,} rows, service layer "
              f"({os.cpu_count()} cores)")
        print(f"{'measure':<22} {'Ouvert ms':>10} {peer_label + ' ms':>16} {'CKAN / Ouvert':>14}")
        for name, ms in ours.items():
            other = peer.get(name)
            ratio = f"{other / ms:>13.1f}x" if other else ""
            print(f"{name:<22} {ms:>10.1f} {other or float('nan'):>16.1f} {ratio}")
        if not args.ckan:
            print("(CKAN's figures: ../shared/peers/ckan/README.md, 6,000,000 rows, same machine)")
        exports = [full_export(rid) for _ in range(3)]
        mb, seconds = min(exports, key=lambda e: e[1])
        print(f"full CSV export: {mb:,.0f} MB in {seconds:.2f} s = {mb / seconds:,.0f} MB/s "
              f"(best of 3)")


if __name__ == "__main__":
    main()
