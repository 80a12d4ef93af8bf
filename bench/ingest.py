"""Benchmark of the datastore's ingestion: CSV to typed Parquet, against its peers.

Generates a French government-style CSV (";"-separated, decimal commas, dd/mm/yyyy dates,
accented text, "Organisme N" for N in 1..500, integers, a code with leading zeros), then times,
each in its own subprocess (peak memory is that process's maximum RSS and CPU its user plus
system time, both from wait4; CPU time is what to compare on a loaded machine):

  (a) Ouvert's ingest(): encoding check, sniffing, typing and one DuckDB pass to Parquet;
  (b) CKAN + xloader, with --ckan URL TOKEN DATASET_ID (upload, then wait for the datastore);
  (c) PostgreSQL 15 at 127.0.0.1:5432 (user postgres, trust), in a temporary database
      ouvert_bench_ingest created and dropped here:
      (c1) a bare COPY ... (DELIMITER ';') into a table of text columns, and
      (c2) the same COPY followed by INSERT ... SELECT into a typed table (decimal commas
           replaced, dates read with DateStyle DMY) - the typed result ingest() produces.
      The memory and CPU figures are the client's; the server's own are not counted.
  (d) DuckDB's own read_csv (auto-detection) to Parquet (zstd), with the same threads and
      memory limit as (a). DuckDB types the integers and dates but leaves the decimal commas
      and oui/non as text: it is the floor.

    python bench/ingest.py [--rows N] [--corpus] [--ckan URL TOKEN DATASET_ID]
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _postgres import admin

ROOT = Path(__file__).resolve().parents[1]
POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/ouvert_bench_ingest"
sys.path.insert(0, str(ROOT / "src"))

THREADS = os.cpu_count() or 2
MEMORY_LIMIT = "1GB"


def generate(path: str, rows: int) -> None:
    import duckdb

    duckdb.connect().execute(f"""COPY (SELECT
      i AS identifiant,
      lpad(CAST(i % 100000 AS VARCHAR), 6, '0') AS code,
      'Organisme ' || (1 + i % 500) AS organisme,
      CASE i % 4 WHEN 0 THEN 'Équipement de santé numéro '
                 WHEN 1 THEN 'Réfection de la chaussée rue '
                 WHEN 2 THEN 'Contrat de déneigement secteur '
                 ELSE 'Hôpital régional, aile ' END || (i % 9973) AS libelle,
      replace(printf('%.2f', (i * 7919 % 10000000) / 100.0), '.', ',') AS montant,
      strftime(DATE '2010-01-01' + CAST(i % 5000 AS INTEGER), '%d/%m/%Y') AS date_signature,
      (i * 31) % 1000 AS quantite,
      replace(printf('%.3f', (i % 1000) / 7.0), '.', ',') AS taux,
      CASE WHEN i % 3 = 0 THEN 'oui' ELSE 'non' END AS actif,
      'Québec' AS region
    FROM range(1, {rows} + 1) t(i)) TO '{path}' (DELIMITER ';', HEADER)""")


# --- workers (run in a subprocess each) ----------------------------------------------------

def work_ouvert(src: str, dest: str) -> dict:
    from ouvert.datastore.ingest import IngestOptions, ingest

    result = ingest(src, dest, options=IngestOptions(threads=THREADS, memory_limit=MEMORY_LIMIT))
    return {"rows": result.rows, "path": result.report.get("path"),
            "types": {c["name"]: c["type"] for c in result.columns}}


def work_duckdb(src: str, dest: str) -> dict:
    import duckdb

    con = duckdb.connect()
    con.execute(f"SET threads = {THREADS}; SET memory_limit = '{MEMORY_LIMIT}'")
    rows = con.execute(f"COPY (SELECT * FROM read_csv('{src}')) TO '{dest}' "
                       "(FORMAT parquet, COMPRESSION zstd)").fetchall()[0][0]
    return {"rows": rows}


PG_COLUMNS = ("identifiant", "code", "organisme", "libelle", "montant", "date_signature",
              "quantite", "taux", "actif", "region")
PG_TYPED = """CREATE TABLE typed (identifiant bigint, code text, organisme text, libelle text,
    montant double precision, date_signature date, quantite bigint, taux double precision,
    actif boolean, region text)"""
PG_CAST = """INSERT INTO typed SELECT identifiant::bigint, code, organisme, libelle,
    replace(montant, ',', '.')::double precision, date_signature::date, quantite::bigint,
    replace(taux, ',', '.')::double precision, actif = 'oui', region FROM raw"""


def work_postgres(src: str, mode: str) -> dict:
    import psycopg

    with psycopg.connect("host=127.0.0.1 port=5432 user=postgres dbname=ouvert_bench_ingest",
                         autocommit=True) as con:
        con.execute("DROP TABLE IF EXISTS raw; DROP TABLE IF EXISTS typed")
        con.execute("CREATE TABLE raw (" + ", ".join(f"{c} text" for c in PG_COLUMNS) + ")")
        con.execute("SET datestyle = 'ISO, DMY'")
        started = time.perf_counter()
        with open(src, "rb") as fh, con.cursor().copy(
                "COPY raw FROM STDIN (FORMAT csv, DELIMITER ';', HEADER true)") as copy:
            while chunk := fh.read(8 * 1024 * 1024):
                copy.write(chunk)
        copied = time.perf_counter() - started
        rows = con.execute("SELECT count(*) FROM raw").fetchone()[0]
        if mode == "typed":
            con.execute(PG_TYPED)
            con.execute(PG_CAST)
        return {"rows": rows, "copy_seconds": round(copied, 2)}


def worker(kind: str, src: str, dest: str) -> None:
    if kind == "ouvert":
        out = work_ouvert(src, dest)
    elif kind == "duckdb":
        out = work_duckdb(src, dest)
    else:
        out = work_postgres(src, kind.split("-", 1)[1])
    print(json.dumps(out))


# --- driver -------------------------------------------------------------------------------

def measure(kind: str, src: str, dest: str) -> dict:
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, __file__, "--worker", kind, src, dest],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    _pid, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - started
    out, err = proc.stdout.read(), proc.stderr.read()
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode:
        raise SystemExit(f"{kind} failed:\n{err}")
    info = json.loads(out.strip().splitlines()[-1])
    info.update(seconds=seconds, cpu=usage.ru_utime + usage.ru_stime,
                peak_mb=usage.ru_maxrss / 1024)
    return info


def run_ckan(url: str, token: str, dataset: str, src: str, rows: int) -> dict:
    """Upload to CKAN and wait until xloader has loaded every row into its datastore.

    ``seconds`` runs from the upload's answer to the moment ``datastore_search`` reports
    every row (what ingest() is compared with); ``complete_seconds`` to xloader's
    ``complete`` (after its full-text index step). Totals are only asked for once xloader
    says the table is viewable: earlier, CKAN may cache a count of 0.
    """
    import urllib.request
    import uuid

    def call(action: str, query: str = "", **kw):
        request = urllib.request.Request(f"{url}/api/3/action/{action}{query}",
                                         headers={"Authorization": token, **kw.pop("headers", {})},
                                         **kw)
        return json.load(urllib.request.urlopen(request, timeout=600))["result"]

    boundary = uuid.uuid4().hex
    with open(src, "rb") as fh:
        payload = fh.read()
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"package_id\"\r\n\r\n"
            f"{dataset}\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"upload\"; "
            f"filename=\"bench.csv\"\r\nContent-Type: text/csv\r\n\r\n").encode() + payload + \
        f"\r\n--{boundary}--\r\n".encode()
    sent = time.perf_counter()
    resource_id = call("resource_create", data=body, method="POST",
                       headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})["id"]
    started = time.perf_counter()
    searchable = None
    total = 0
    while True:
        time.sleep(1)
        try:
            state = call("xloader_status", f"?resource_id={resource_id}").get("status")
        except Exception:
            continue
        if state in ("running_but_viewable", "complete") and searchable is None:
            try:
                total = call("datastore_search", f"?limit=0&resource_id={resource_id}")["total"]
            except Exception:
                total = 0
            if total >= rows:
                searchable = time.perf_counter() - started
        if state in ("complete", "error"):
            if searchable is None:
                total = call("datastore_search", f"?limit=0&resource_id={resource_id}")["total"]
                searchable = time.perf_counter() - started
            return {"rows": total, "seconds": searchable, "status": state,
                    "complete_seconds": time.perf_counter() - started,
                    "upload_seconds": started - sent, "resource_id": resource_id}


def corpus() -> None:
    from ouvert.datastore.ingest import IngestError, ingest

    base = ROOT.parent / "shared" / "corpus" / "tabular"
    files = sorted(glob.glob(str(base / "**" / "*"), recursive=True))
    with tempfile.TemporaryDirectory() as tmp:
        print(f"{'file':<58} {'KB':>7} {'rows':>7} {'s':>6}  path")
        for path in files:
            if os.path.isdir(path):
                continue
            started = time.perf_counter()
            try:
                result = ingest(path, os.path.join(tmp, "out.parquet"))
                rows, how = result.rows, result.report.get("path")
            except IngestError as exc:
                rows, how = "-", f"refused: {exc.code}"
            print(f"{os.path.relpath(path, base):<58} {os.path.getsize(path) // 1024:>7} "
                  f"{rows:>7} {time.perf_counter() - started:>6.2f}  {how}")


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        worker(*sys.argv[2:5])
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--corpus", action="store_true", help="time each file of the corpus")
    parser.add_argument("--ckan", nargs=3, metavar=("URL", "TOKEN", "DATASET_ID"))
    parser.add_argument("--skip-postgres", action="store_true")
    args = parser.parse_args()
    if args.corpus:
        corpus()
        return
    with tempfile.TemporaryDirectory(prefix="ouvert-bench-") as tmp:
        src = os.path.join(tmp, "bench.csv")
        started = time.perf_counter()
        generate(src, args.rows)
        size_mb = os.path.getsize(src) / 1024**2
        print(f"generated {args.rows:,} rows, {size_mb:,.0f} MB in "
              f"{time.perf_counter() - started:.1f} s ({THREADS} threads, "
              f"memory limit {MEMORY_LIMIT})")
        results = {}
        results["(a) ouvert ingest()"] = measure("ouvert", src, os.path.join(tmp, "a.parquet"))
        results["(d) duckdb read_csv"] = measure("duckdb", src, os.path.join(tmp, "d.parquet"))
        if not args.skip_postgres:
            admin(POSTGRES_URL, ["DROP DATABASE IF EXISTS ouvert_bench_ingest"])
            admin(POSTGRES_URL, ["CREATE DATABASE ouvert_bench_ingest"])
            try:
                results["(c1) postgres COPY text"] = measure("pg-text", src, "-")
                results["(c2) postgres COPY+cast"] = measure("pg-typed", src, "-")
            finally:
                admin(POSTGRES_URL, ["DROP DATABASE IF EXISTS ouvert_bench_ingest"])
        if args.ckan:
            ckan = results["(b) ckan xloader"] = run_ckan(*args.ckan, src, args.rows)
            ckan["peak_mb"] = float("nan")
            print(f"CKAN resource (for bench/query.py --ckan): {ckan['resource_id']}; upload "
                  f"{ckan['upload_seconds']:.1f} s; searchable with its total after "
                  f"{ckan['seconds']:.1f} s; xloader {ckan['status']} after "
                  f"{ckan['complete_seconds']:.1f} s")
        print(f"{'':<26} {'seconds':>8} {'CPU s':>8} {'MB/s':>8} {'peak MB':>8} {'rows':>12}")
        for name, info in results.items():
            print(f"{name:<26} {info['seconds']:>8.2f} {info.get('cpu', float('nan')):>8.2f} "
                  f"{size_mb / info['seconds']:>8.1f} {info['peak_mb']:>8.0f} {info['rows']:>12,}")
        ours = results["(a) ouvert ingest()"]["seconds"]
        print(f"ingest() path: {results['(a) ouvert ingest()'].get('path')}; types: "
              f"{results['(a) ouvert ingest()'].get('types')}")
        for name, info in results.items():
            if name.startswith("(a)"):
                continue
            print(f"ratio {name} / ingest(): {info['seconds'] / ours:.2f}")
        ours_cpu = results["(a) ouvert ingest()"]["cpu"]
        for name, info in results.items():
            if name.startswith(("(a)", "(c")) or not info.get("cpu"):
                continue
            print(f"CPU ratio {name} / ingest(): {info['cpu'] / ours_cpu:.2f}")
        print(f"self peak MB (driver): "
              f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f}")


if __name__ == "__main__":
    main()
