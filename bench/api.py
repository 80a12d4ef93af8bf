"""Action API under load: Ouvert (``ouvert serve``, 2 workers) side by side with CKAN 2.12.

    python bench/api.py [--database sqlite|postgres|both] [--ckan | --no-ckan] [--ckan-dir DIR]
                        [--duration 10] [--requests 60] [--connections 8] [--rounds 1]

For each Ouvert database (SQLite on a temporary file; PostgreSQL on a temporary database
``ouvert_bench_api`` on 127.0.0.1:5432, ``OUVERT_BENCH_POSTGRES_URL`` to change, created and
dropped here) it makes a temporary ``OUVERT_HOME``, migrates, makes a sysadmin and an API
token (``ouvert token create``), starts ``ouvert serve --workers 2`` on a free loopback port,
then through the Action API creates an organisation, a dataset with 200 link resources and one
with 5, and measures:

- ``package_show`` of each dataset, anonymous, ``--connections`` at once for
  ``--duration`` seconds: requests per second, p50 and p95 (``wrk`` when installed, otherwise a
  small thread pool of ``http.client`` connections);
- ``package_search``: a few queries in turn, the same way;
- ``package_create`` (a dataset with 3 resources): ``--requests`` calls one after the other,
  p50/p95; ``resource_create`` (a link) on the 200-resource and on the 5-resource dataset:
  ``--requests`` calls on each, one after the other, taking turns, p50/p95, and the median
  of the differences between the two calls of each turn with a 95 % interval (bootstrap).

CKAN 2.12 (``../shared/peers/ckan``) is measured the same way, on the same data made through its
API, when ``--ckan`` is given or its folder (``--ckan-dir``, default ``~/ckan-peer``) exists;
``setup.sh`` is run first if CKAN is not installed there, then ``start.sh``, and ``stop.sh`` at
the end. Its ``package_search`` runs on a Solr stand-in and is not measured. Before each server
is measured, the script waits (up to 3 minutes) for the machine to be quiet: the previous
server's background jobs (CKAN's xloader, Ouvert's task worker) would otherwise weigh on the
next one. Everything listens on 127.0.0.1 only; every loop is bounded.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode, urlparse

from _postgres import admin

ROOT = Path(__file__).resolve().parents[1]
PEER = ROOT.parent / "shared" / "peers" / "ckan"
POSTGRES_URL = os.environ.get("OUVERT_BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/ouvert_bench_api")
CKAN_URL = "http://127.0.0.1:5060"
SEARCHES = ["", "ressource", "données ouvertes", "bench", "tags:transport", "q=organization:bench-org"]
BIG, SMALL = 200, 5
WRK_SCRIPT = """
done = function(summary, latency, requests)
  io.write(string.format('{"requests": %d, "duration_us": %d, "p50_us": %d, "p95_us": %d, "errors": %d}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(95),
    summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.timeout))
end
"""


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))]


# --- HTTP client ------------------------------------------------------------------------------

class Client:
    """One keep-alive connection to an Action API; reconnects when the server closes it."""

    def __init__(self, base: str, token: str | None = None) -> None:
        parsed = urlparse(base)
        self.host, self.port = parsed.hostname, parsed.port
        self.token = token
        self.connection = http.client.HTTPConnection(self.host, self.port, timeout=120)

    def call(self, action: str, params: dict | None = None, *, post: bool = False, anonymous: bool = False):
        headers = {"Connection": "keep-alive"}
        if self.token and not anonymous:
            headers["Authorization"] = self.token
        path = f"/api/3/action/{action}"
        body = None
        if post:
            body = json.dumps(params or {}).encode()
            headers["Content-Type"] = "application/json"
        elif params:
            path += "?" + urlencode(params)
        for attempt in (1, 2):
            try:
                self.connection.request("POST" if post else "GET", path, body=body, headers=headers)
                response = self.connection.getresponse()
                data = response.read()
                break
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.connection.close()
                if attempt == 2:
                    raise
        if response.status != 200:
            raise RuntimeError(f"{action}: HTTP {response.status}: {data[:500]!r}")
        return json.loads(data)["result"]

    def close(self) -> None:
        self.connection.close()


def sequential(client: Client, n: int, make_call) -> dict:
    """``n`` calls one after the other (after 3 unmeasured): p50 and p95 in milliseconds."""
    return alternating(client, n, {"calls": make_call})["calls"]


def alternating(client: Client, n: int, calls: dict) -> dict:
    """``n`` rounds of the ``calls`` (label -> ``make_call``), one after the other, taking turns
    (in reverse order every other round), after 3 unmeasured rounds: what goes on around the
    measure (the task worker, the database's own upkeep) weighs on each of them alike."""
    labels = list(calls)
    for i in range(3):
        for label in labels:
            calls[label](client, -1 - i)
    times: dict[str, list[float]] = {label: [] for label in labels}
    for i in range(n):
        for label in (labels if i % 2 == 0 else labels[::-1]):
            started = time.perf_counter()
            calls[label](client, i)
            times[label].append((time.perf_counter() - started) * 1000)
    return {label: {"p50": percentile(found, 50), "p95": percentile(found, 95), "n": n,
                    "rps": 1000 / statistics.mean(found), "times": found} for label, found in times.items()}


def paired_difference(first: list[float], second: list[float], resamples: int = 2000) -> tuple[float, float, float]:
    """The median of ``first[i] - second[i]`` (calls made in the same turn) and a 95 % interval
    of it (bootstrap, fixed seed): whether the two differ beyond the run's own noise."""
    differences = [a - b for a, b in zip(first, second, strict=True)]
    rng = random.Random(0)
    medians = sorted(statistics.median(rng.choices(differences, k=len(differences))) for _ in range(resamples))
    return statistics.median(differences), medians[int(resamples * 0.025)], medians[int(resamples * 0.975) - 1]


def concurrent_python(base: str, paths: list[str], connections: int, duration: float) -> dict:
    """``connections`` threads, each with a keep-alive connection, cycling through ``paths``."""
    parsed = urlparse(base)
    times: list[list[float]] = [[] for _ in range(connections)]
    errors = [0] * connections
    stop = time.perf_counter() + duration

    def run(slot: int) -> None:
        connection = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=60)
        i = slot
        while time.perf_counter() < stop:
            path = paths[i % len(paths)]
            i += 1
            started = time.perf_counter()
            try:
                connection.request("GET", path)
                response = connection.getresponse()
                response.read()
                if response.status != 200:
                    errors[slot] += 1
            except (http.client.HTTPException, OSError):
                errors[slot] += 1
                connection.close()
                continue
            times[slot].append((time.perf_counter() - started) * 1000)

    started = time.perf_counter()
    threads = [threading.Thread(target=run, args=(slot,)) for slot in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    flat = [t for slot in times for t in slot]
    return {"rps": len(flat) / elapsed, "p50": percentile(flat, 50), "p95": percentile(flat, 95),
            "n": len(flat), "errors": sum(errors), "client": "python"}


def concurrent(base: str, paths: list[str], connections: int, duration: float, *, use_wrk: bool) -> dict:
    """Throughput and latency of GET ``paths`` with ``connections`` at once (a 1 s warm-up first)."""
    concurrent_python(base, paths, connections, 1.0)
    if not (use_wrk and shutil.which("wrk") and len(paths) == 1):
        return concurrent_python(base, paths, connections, duration)
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(WRK_SCRIPT)
    try:
        output = subprocess.run(
            ["wrk", "-t1", f"-c{connections}", f"-d{int(duration)}s", "--timeout", "30s", "-s", script.name,
             base + paths[0]], capture_output=True, text=True, timeout=duration + 60, check=True).stdout
    finally:
        os.unlink(script.name)
    figures = json.loads(output.strip().splitlines()[-1])
    return {"rps": figures["requests"] / (figures["duration_us"] / 1e6), "p50": figures["p50_us"] / 1000,
            "p95": figures["p95_us"] / 1000, "n": figures["requests"], "errors": figures["errors"], "client": "wrk"}


# --- the measures, the same for every server --------------------------------------------------

def resource(i: int, tag: str) -> dict:
    return {"url": f"https://example.org/files/{tag}-{i}.csv", "name": f"Ressource {tag} {i}",
            "description": f"Fichier {i} du jeu {tag}", "format": "CSV"}


def make_data(client: Client, prefix: str) -> dict:
    """An organisation, a dataset with ``BIG`` resources and one with ``SMALL``."""
    started = time.perf_counter()
    org = client.call("organization_create", {"name": f"{prefix}-org", "title": "Bench organisation"}, post=True)
    names = {}
    for count in (BIG, SMALL):
        name = f"{prefix}-{count}"
        client.call("package_create", {
            "name": name, "title": f"Bench dataset with {count} resources", "owner_org": org["id"],
            "notes": "Données ouvertes pour le banc d'essai.", "license_id": "CC-BY-4.0",
            "tags": [{"name": "transport"}, {"name": "bench"}],
            "resources": [resource(i, name) for i in range(count)],
        }, post=True)
        names[count] = name
    return {"org": org["id"], "names": names, "seconds": time.perf_counter() - started}


def measure(base: str, token: str, prefix: str, args, *, search: bool) -> dict:
    client = Client(base, token)
    data = make_data(client, prefix)
    big, small = data["names"][BIG], data["names"][SMALL]
    shown = client.call("package_show", {"id": big}, anonymous=True)
    assert len(shown["resources"]) == BIG, len(shown["resources"])
    results: dict[str, dict] = {"setup_s": data["seconds"]}
    for count, name in ((BIG, big), (SMALL, small)):
        results[f"package_show_{count}"] = concurrent(
            base, [f"/api/3/action/package_show?{urlencode({'id': name})}"], args.connections, args.duration,
            use_wrk=not args.python_client)
    if search:
        paths = [f"/api/3/action/package_search?{urlencode({'q': q, 'rows': 10})}" for q in SEARCHES]
        results["package_search"] = concurrent(base, paths, args.connections, args.duration, use_wrk=False)
    run = uuid.uuid4().hex[:6]
    results["package_create"] = sequential(client, args.requests, lambda c, i: c.call("package_create", {
        "name": f"{prefix}-new-{run}-{i + 10}", "title": f"Nouveau jeu {i}", "owner_org": data["org"],
        "notes": "Créé par le banc d'essai.", "tags": [{"name": "bench"}],
        "resources": [resource(k, f"new-{i}") for k in range(3)]}, post=True))
    results.update(alternating(client, args.requests, {
        f"resource_create_{count}": lambda c, i, name=name: c.call(
            "resource_create", {"package_id": name, **resource(1000 + i, name)}, post=True)
        for count, name in ((BIG, big), (SMALL, small))}))
    client.close()
    return results


# --- Ouvert -----------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(url: str, seconds: float, process: subprocess.Popen | None = None) -> None:
    parsed = urlparse(url)
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"the server stopped (exit {process.returncode})")
        try:
            connection = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=2)
            connection.request("GET", parsed.path or "/")
            if connection.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"{url} did not answer within {seconds:.0f} s")


def run_ouvert(database: str, args) -> dict:
    home = Path(tempfile.mkdtemp(prefix=f"ouvert-bench-api-{database}-"))
    port = free_port()
    env = {**os.environ, "OUVERT_HOME": str(home), "OUVERT_SITE_URL": f"http://127.0.0.1:{port}",
           "DJANGO_SETTINGS_MODULE": "ouvert.settings", "DJANGO_SUPERUSER_PASSWORD": "bench-password-long-enough"}
    env.pop("OUVERT_DEBUG", None)
    pg_name = urlparse(POSTGRES_URL).path.lstrip("/")
    if database == "postgres":
        env["OUVERT_DATABASE_URL"] = POSTGRES_URL
        admin(POSTGRES_URL, [f'DROP DATABASE IF EXISTS "{pg_name}"', f'CREATE DATABASE "{pg_name}"'])
    else:
        env.pop("OUVERT_DATABASE_URL", None)
    ouvert = [sys.executable, "-m", "ouvert"]
    server = None
    try:
        subprocess.run([*ouvert, "migrate", "--verbosity", "0"], env=env, check=True)
        subprocess.run([*ouvert, "createsuperuser", "--noinput", "--username", "admin", "--email", "admin@example.org"],
                       env=env, check=True, stdout=subprocess.DEVNULL)
        token = subprocess.run([*ouvert, "token", "create", "admin", "--name", "bench"], env=env, check=True,
                               capture_output=True, text=True).stdout.strip().splitlines()[-1]
        log = open(home / "serve.log", "wb")  # noqa: SIM115 - closed with the server
        server = subprocess.Popen([*ouvert, "serve", "--workers", "2", "--port", str(port), "--no-access-log",
                                   *args.serve_args], env=env, stdout=log, stderr=subprocess.STDOUT,
                                  start_new_session=True)
        base = f"http://127.0.0.1:{port}"
        wait_for(base + "/api/3/action/status_show", 60, server)
        return measure(base, token, "bench", args, search=True)
    finally:
        if server is not None:
            os.killpg(server.pid, signal.SIGTERM)
            try:
                server.wait(40)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
                server.wait()
        if database == "postgres":
            admin(POSTGRES_URL, [f'DROP DATABASE IF EXISTS "{pg_name}"'])
        if args.keep:
            print(f"  (kept {home})", file=sys.stderr)
        else:
            shutil.rmtree(home, ignore_errors=True)


# --- CKAN -------------------------------------------------------------------------------------

def run_ckan(directory: Path, args) -> dict:
    if not (directory / "venv" / "bin" / "ckan").exists() or not (directory / "token.txt").exists():
        print(f"Installing CKAN into {directory} (setup.sh)...", file=sys.stderr)
        subprocess.run([str(PEER / "setup.sh"), str(directory)], check=True, timeout=1800)
    subprocess.run([str(PEER / "start.sh"), str(directory)], check=True, timeout=300, stdout=subprocess.DEVNULL)
    try:
        wait_for(CKAN_URL + "/api/3/action/status_show", 60)
        token = (directory / "token.txt").read_text().strip()
        # A fresh prefix each run: CKAN keeps deleted names, and earlier runs' data stays.
        return measure(CKAN_URL, token, f"bench-{uuid.uuid4().hex[:6]}", args, search=False)
    finally:
        subprocess.run([str(PEER / "stop.sh"), str(directory)], timeout=60)


# --- report -----------------------------------------------------------------------------------

ROWS = [
    (f"package_show_{BIG}", f"package_show ({BIG} resources), anonymous, {{c}} connections", "rps"),
    (f"package_show_{SMALL}", f"package_show ({SMALL} resources), anonymous, {{c}} connections", "rps"),
    ("package_search", "package_search, {c} connections", "rps"),
    ("package_create", "package_create (3 resources), sequential", "lat"),
    (f"resource_create_{BIG}", f"resource_create on a dataset with {BIG}+ resources", "lat"),
    (f"resource_create_{SMALL}", f"resource_create on a dataset with {SMALL}+ resources", "lat"),
]


def cell(figures: dict | None, kind: str) -> str:
    if not figures:
        return "–"
    if kind == "rps":
        errors = f", {figures['errors']} errors" if figures.get("errors") else ""
        return f"{figures['rps']:,.0f} req/s (p50 {figures['p50']:.1f} ms, p95 {figures['p95']:.1f} ms{errors})"
    return f"p50 {figures['p50']:.1f} ms, p95 {figures['p95']:.1f} ms"


def ratio(ours: dict | None, peer: dict | None, kind: str) -> str:
    if not ours or not peer:
        return "–"
    if kind == "rps":
        return f"{ours['rps'] / peer['rps']:.1f}×"
    return f"{peer['p50'] / ours['p50']:.1f}× faster"


def report(results: dict[str, dict], connections: int) -> str:
    names = list(results)
    ouverts = [n for n in names if n.startswith("Ouvert")]
    peer = results.get("CKAN 2.12")
    header = ["measure", *names] + ([f"{n} vs CKAN" for n in ouverts] if peer else [])
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for key, label, kind in ROWS:
        row = [label.format(c=connections)] + [cell(results[n].get(key), kind) for n in names]
        if peer:
            row += [ratio(results[n].get(key), peer.get(key), kind) for n in ouverts]
        lines.append("| " + " | ".join(row) + " |")
    flat = []
    for n in names:
        big, small = results[n].get(f"resource_create_{BIG}"), results[n].get(f"resource_create_{SMALL}")
        if big and small:
            line = f"{n}: resource_create with {BIG} / with {SMALL} resources = {big['p50'] / small['p50']:.2f}"
            if big.get("times") and small.get("times"):
                median, low, high = paired_difference(big["times"], small["times"])
                line += (f" (per turn, with {BIG} minus with {SMALL}: median {median:+.2f} ms, "
                         f"95 % interval {low:+.2f} to {high:+.2f} ms)")
            flat.append(line)
    return "\n".join(lines + [""] + flat)


def busy_share(seconds: float = 2.0) -> float:
    """Share of the machine's CPU time spent working over ``seconds`` (Linux ``/proc/stat``)."""
    def sample() -> tuple[int, int]:
        fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
        return sum(fields), fields[3] + fields[4]  # total, idle + iowait

    total, idle = sample()
    time.sleep(seconds)
    total2, idle2 = sample()
    return 1 - (idle2 - idle) / max(1, total2 - total)


def wait_for_quiet(limit: float = 180.0, busy: float = 0.2) -> str:
    """Wait (at most ``limit`` seconds) until the machine is quiet, so that a server is not
    measured while the previous one's background jobs (CKAN's xloader, Ouvert's task worker)
    still run; returns what was seen, for the report."""
    if not Path("/proc/stat").exists():
        return "not checked"
    started = time.monotonic()
    share = busy_share()
    while share > busy and time.monotonic() - started < limit:
        share = busy_share()
    return f"{share:.0%} busy after {time.monotonic() - started:.0f} s"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--ckan", action="store_true", help="Measure CKAN too (installing it if needed).")
    parser.add_argument("--no-ckan", action="store_true", help="Never measure CKAN.")
    parser.add_argument("--ckan-dir", type=Path, default=Path("~/ckan-peer").expanduser())
    parser.add_argument("--duration", type=float, default=10.0, help="Seconds per throughput measure (default 10).")
    parser.add_argument("--requests", type=int, default=60, help="Calls per sequential measure (default 60).")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=1, help="Run everything this many times (default 1).")
    parser.add_argument("--python-client", action="store_true", help="Use the Python client even if wrk is installed.")
    parser.add_argument("--serve-args", default="", help="Extra arguments for `ouvert serve` (quoted).")
    parser.add_argument("--json", type=Path, help="Also write the figures to this file.")
    parser.add_argument("--keep", action="store_true", help="Keep the temporary Ouvert homes.")
    args = parser.parse_args()
    args.serve_args = args.serve_args.split()
    databases = ["sqlite", "postgres"] if args.database == "both" else [args.database]
    with_ckan = not args.no_ckan and (args.ckan or args.ckan_dir.exists())
    print(f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {platform.node()}, {os.cpu_count()} cores, "
          f"load {os.getloadavg()[0]:.1f}; client: {'wrk' if shutil.which('wrk') and not args.python_client else 'python'}",
          flush=True)
    everything = []
    for round_number in range(1, args.rounds + 1):
        results: dict[str, dict] = {}
        for database in databases:
            label = f"Ouvert ({'SQLite' if database == 'sqlite' else 'PostgreSQL'})"
            print(f"round {round_number}: {label} (machine {wait_for_quiet()})...", file=sys.stderr, flush=True)
            results[label] = run_ouvert(database, args)
        if with_ckan:
            print(f"round {round_number}: CKAN 2.12 (machine {wait_for_quiet()})...", file=sys.stderr, flush=True)
            try:
                results["CKAN 2.12"] = run_ckan(args.ckan_dir, args)
            except (subprocess.SubprocessError, OSError, RuntimeError) as exc:
                print(f"CKAN could not be measured: {exc}", file=sys.stderr)
        print(f"\nRound {round_number} (load {os.getloadavg()[0]:.1f})\n")
        print(report(results, args.connections), flush=True)
        everything.append(results)
    if args.json:
        args.json.write_text(json.dumps(everything, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
