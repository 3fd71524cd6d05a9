"""Intake benchmark, run by `make bench`: anonymous report submissions per second through the
real HTTP stack, side by side in one run with two references served by the same server process
(bench/settings.py, bench/urls.py):

- hello: a bare view, the floor of the stack;
- durable: the minimal durable write, one transaction inserting a report-shaped row and an
  audit-shaped row in raw SQL;
- intake: Haven's POST /api/v1/reports (validation, receipt, report, timeline, audit, rate
  limits, notification queued).

gunicorn serves all three; wrk (bench/intake.lua) loads each in turn from 50 connections: a
warm-up each, then eight short rounds taking turns, judged on the median round (the machine's speed
drifts within a minute; taking turns exposes the three endpoints to the same drift; the two
writers swap places every round).
Afterwards every receipt Haven acknowledged is looked up in the database. Without DATABASE_URL
a throw-away PostgreSQL server is started on loopback with durable commits (fsync and
synchronous_commit on) and removed at the end.
"""

import contextlib
import json
import os
import resource
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import psycopg

ROOT = Path(__file__).resolve().parents[1]
HOST = "127.0.0.1"  # the only address the load ever goes to
CLIENTS, THREADS, WARMUP_S, MEASURE_S = 50, 2, 2, 4
# The machine's speed drifts by a third within a minute (shared hosts, disk flushes): one
# round's ratio ranged 0.65-1.10 for the same code. So the endpoints take turns in short
# slices, ROUNDS rounds of MEASURE_S seconds each, judged on the median round. The two writers
# swap places every round, so neither always runs after the other's writes (the kernel
# flushes those a few seconds later).
ROUNDS = 8
WORKERS = 4  # gunicorn sync workers, two per core, as the README's production command
SCHOOL = "RO-CJ-HUE-1"  # from the demo data: the durable reference's rows name it
# Haven's reports go round-robin to this many schools, so the production per-school limit
# (HAVEN_REPORTS_PER_SCHOOL, 60 per 10 minutes) holds for up to 60,000 reports a run, and each
# school's count reads a handful of rows, as in production. As in a country's traffic, each
# app process has often not seen a school in the last minute (its per-process cache is cold).
BENCH_SCHOOLS = 1000
TARGET_RATIO, TARGET_P99_MS = 0.8, 150.0
CPU = ("app", "database", "load")
ENDPOINTS = [
    ("hello", "/bench/hello/", "GET"),
    ("durable", "/bench/durable/", "POST"),
    ("intake", "/api/v1/reports", "POST"),
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def apt_install(*packages: str) -> None:
    if os.geteuid() != 0:
        sys.exit(f"Missing Debian packages: {' '.join(packages)}; install them as root.")
    print(f"Installing Debian packages: {' '.join(packages)}", flush=True)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
    subprocess.run(["apt-get", "install", "-y", "-qq", *packages], check=True, env=env)


def pg_bin() -> Path:
    if not list(Path("/usr/lib/postgresql").glob("*/bin")):
        apt_install("postgresql")
    return max(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: int(p.parent.name))


@contextlib.contextmanager
def postgres() -> Iterator[str]:
    """A throw-away PostgreSQL server on loopback with durable commits; yields its URL."""
    bin_dir = pg_bin()
    tmp = Path(tempfile.mkdtemp(prefix="haven-bench-pg."))
    as_postgres: list[str] = []
    if os.geteuid() == 0:  # the server refuses to run as root
        shutil.chown(tmp, "postgres", "postgres")
        as_postgres = ["runuser", "-u", "postgres", "--"]
    data, port = tmp / "data", free_port()
    initdb = [*as_postgres, str(bin_dir / "initdb"), "-D", str(data), "-U", "postgres"]
    initdb += ["-A", "trust", "--encoding=UTF8", "--locale=C.UTF-8"]
    pg_ctl = [*as_postgres, str(bin_dir / "pg_ctl"), "-D", str(data)]
    options = f"-c listen_addresses={HOST} -p {port} -k {tmp}"
    options += " -c fsync=on -c synchronous_commit=on -c full_page_writes=on"
    subprocess.run(initdb, check=True, stdout=subprocess.DEVNULL)
    try:
        start = [*pg_ctl, "-l", str(tmp / "log"), "-w", "-o", options, "start"]
        subprocess.run(start, check=True, stdout=subprocess.DEVNULL)
        with psycopg.connect(f"postgresql://postgres@{HOST}:{port}/postgres") as conn:
            conn.autocommit = True
            conn.execute("CREATE DATABASE haven")
        yield f"postgres://postgres@{HOST}:{port}/haven"
    finally:
        stop = [*pg_ctl, "-m", "fast", "stop"]
        subprocess.run(stop, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        shutil.rmtree(tmp, ignore_errors=True)


@contextlib.contextmanager
def gunicorn(env: dict[str, str]) -> Iterator[str]:
    """Haven with the bench URLs under gunicorn; yields its base URL. No access log (its
    default): the measurement leaves out a log Haven must not keep anyway."""
    port = free_port()
    command = [sys.executable, "-m", "gunicorn", "haven.wsgi:application", "--chdir", str(ROOT)]
    command += ["--bind", f"{HOST}:{port}", "--workers", str(WORKERS), "--log-level", "warning"]
    server = subprocess.Popen(command, env=env)
    base = f"http://{HOST}:{port}"
    try:
        for _ in range(300):
            with contextlib.suppress(OSError):
                with urllib.request.urlopen(f"{base}/bench/hello/", timeout=1):  # noqa: S310
                    break
            if server.poll() is not None:
                sys.exit("gunicorn did not start")
            time.sleep(0.1)
        yield base
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def cpu_seconds() -> dict[tuple[str, int], float]:
    """CPU seconds used so far by each process of the app (gunicorn's), the database
    (postgres's) and the load (wrk, finished children of this one: pid 0), from /proc and
    getrusage; ``cpu_used`` takes the difference."""
    tick = os.sysconf("SC_CLK_TCK")
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    found = {("load", 0): children.ru_utime + children.ru_stime}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, ValueError):
            text = stat.read_text()
            comm, values = text[text.index("(") + 1 : text.rindex(")")], text.rsplit(")", 1)[1]
            if comm.startswith("postgres"):
                kind = "database"
            elif comm.startswith(("python", "gunicorn")):
                if b"gunicorn" not in (stat.parent / "cmdline").read_bytes():
                    continue
                kind = "app"
            else:
                continue
            utime, stime = values.split()[11:13]  # fields 14 and 15 of proc(5)
            found[kind, int(stat.parent.name)] = (int(utime) + int(stime)) / tick
    return found


def cpu_used(start: dict[tuple[str, int], float]) -> dict[str, float]:
    """CPU seconds per kind since ``start``; a process that ended meanwhile (a database
    connection past its age) is left out, a new one counts from zero."""
    used = dict.fromkeys(CPU, 0.0)
    for (kind, pid), seconds in cpu_seconds().items():
        used[kind] += seconds - start.get((kind, pid), 0.0)
    return used


def wrk(
    url: str, seconds: int, method: str, school_id: int, prefix: str, folder: str
) -> dict[str, float]:
    """One wrk run; its summary from intake.lua. Receipts go to ``folder`` unless empty."""
    command = ["wrk", f"-t{THREADS}", f"-c{CLIENTS}", f"-d{seconds}s", "--timeout", "10s"]
    command += ["-s", str(ROOT / "bench" / "intake.lua"), url, "--", method, prefix]
    # A fresh run id per call keeps every submission token unique.
    command += [str(BENCH_SCHOOLS), str(school_id), secrets.token_hex(4), folder]
    result = subprocess.run(
        command, check=True, capture_output=True, text=True, timeout=seconds + 60
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def setup(env: dict[str, str]) -> tuple[int, str]:
    """Haven's tables, demo data and bench schools, and the durable reference's tables; the
    demo school's id and the bench schools' code prefix (their codes end in 0, 1, 2...)."""
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "--no-input", "-v0"], check=True, env=env, cwd=ROOT)
    subprocess.run([*manage, "demo_load"], check=True, env=env, cwd=ROOT, stdout=subprocess.DEVNULL)
    # A running country's schools have their data keys (each is made once, with a school's
    # first report); the bench's schools are new, so theirs are made here, not in the rounds.
    build = (
        "from bench.national import build; from haven.orgs.models import OrgUnit;"
        "from haven.security.keys import key_for_unit;"
        f"country = build(1, 1, {BENCH_SCHOOLS}, 0);"
        "schools = OrgUnit.objects.filter(kind='school').values_list('pk', flat=True);"
        "[key_for_unit(pk) for pk in schools];"
        "print(country.pk)"
    )
    country = subprocess.run(
        [*manage, "shell", "-c", build], check=True, env=env, cwd=ROOT, capture_output=True
    )
    prefix = f"S{int(country.stdout.split()[-1])}-0-0-"  # bench/national.py's school codes
    with psycopg.connect(env["DATABASE_URL"]) as conn:
        conn.execute("DROP TABLE IF EXISTS bench_report, bench_audit")
        # Same columns, defaults and indexes as Haven's rows; no foreign keys, no triggers.
        conn.execute("CREATE TABLE bench_report (LIKE intake_report INCLUDING ALL)")
        conn.execute("CREATE TABLE bench_audit (LIKE audit_auditevent INCLUDING ALL)")
        school_id = value(
            conn, "SELECT id FROM orgs_orgunit WHERE kind = 'school' AND code = %s", [SCHOOL]
        )
        names = ["server_version", "fsync", "synchronous_commit", "wal_sync_method"]
        shown = [f"{name}={value(conn, f'SHOW {name}')}" for name in names]
    print("PostgreSQL:", ", ".join(shown))
    return school_id, prefix


def value(conn: psycopg.Connection[Any], sql: str, params: Sequence[Any] = ()) -> Any:
    """The first column of the first row ``sql`` gives (it must give one)."""
    row = conn.execute(sql, params).fetchone()
    if row is None:
        sys.exit(f"No row for: {sql}")
    return row[0]


def drop_reference_tables(database_url: str) -> None:
    with psycopg.connect(database_url) as conn:
        conn.execute("DROP TABLE IF EXISTS bench_report, bench_audit")


def report_count(database_url: str) -> int:
    with psycopg.connect(database_url) as conn:
        return int(value(conn, "SELECT count(*) FROM intake_report"))


def check_acknowledged(database_url: str, folder: Path, acknowledged: int, stored: int) -> bool:
    """Every receipt Haven acknowledged (2xx) names a stored report."""
    lookups = [
        line.replace("-", "")[:8]
        for path in folder.glob("receipts-*.txt")
        for line in path.read_text().split()
    ]
    with psycopg.connect(database_url) as conn:
        found = value(
            conn, "SELECT count(*) FROM intake_report WHERE receipt_lookup = ANY(%s)", [lookups]
        )
    passed = found == len(lookups) == acknowledged
    print(
        f"acknowledged reports (2xx): {acknowledged}; receipts received: {len(lookups)}; "
        f"found in the database: {found} -> {'PASS' if passed else 'FAIL'}"
    )
    print(
        f"reports stored during the run: {stored} ({stored - acknowledged} not acknowledged: "
        "in flight when wrk stopped)"
    )
    return passed


def haven_env(database_url: str, tmp: Path) -> dict[str, str]:
    """The environment Haven runs in for the intake benchmarks (this one and
    bench/intake_opcodes.py), over the current one; makes ``tmp``'s static folder."""
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "HAVEN_SECRET_KEY": secrets.token_urlsafe(50),
        "HAVEN_VAR_DIR": str(tmp),
        "HAVEN_LOG_LEVEL": "ERROR",
        "XDG_RUNTIME_DIR": str(tmp),  # where gunicorn puts its control socket
        # The per-school limit stays as in production (the load is spread over schools); the
        # overall one is a deployment's choice, and a country taking this load raises it.
        "HAVEN_REPORTS_OVERALL": str(10**9),
        # Encryption at rest on, as in production: a master key file made at first use. The
        # durable reference stays an unencrypted write.
        "HAVEN_MASTER_KEY_FILE": str(tmp / "master.key"),
        "HAVEN_MASTER_KEY_GENERATE": "true",
    }
    # Persistent connections, as in production; the same for the durable reference.
    env.setdefault("HAVEN_DB_CONN_MAX_AGE", "60")
    (tmp / "static").mkdir(exist_ok=True)  # WhiteNoise warns at every start without it
    return env


def bench(database_url: str, tmp: Path) -> bool:
    env = haven_env(database_url, tmp)
    receipts = tmp / "receipts"
    receipts.mkdir()
    school_id, prefix = setup(env)
    print(
        f"server: gunicorn, {WORKERS} sync workers, access log off, "
        f"HAVEN_DB_CONN_MAX_AGE={env['HAVEN_DB_CONN_MAX_AGE']}, overall rate limit raised\n"
        f"reports: round-robin over {BENCH_SCHOOLS} schools (production per-school limit)\n"
        f"load: wrk, {THREADS} threads, {CLIENTS} connections, {WARMUP_S} s warm-up each, then "
        f"{ROUNDS} rounds of {MEASURE_S} s per endpoint, one endpoint at a time",
        flush=True,
    )
    rounds: list[dict[str, dict[str, float]]] = []
    try:
        with gunicorn(env) as base:
            before, acknowledged = report_count(database_url), 0

            def load(name: str, path: str, method: str, seconds: int) -> dict[str, float]:
                nonlocal acknowledged
                folder = str(receipts) if name == "intake" else ""
                durable = school_id if name == "durable" else 0
                start = cpu_seconds()
                result = wrk(base + path, seconds, method, durable, prefix, folder)
                result.update({f"cpu_{kind}": used for kind, used in cpu_used(start).items()})
                if name == "intake":
                    acknowledged += int(result["ok"])
                return result

            for name, path, method in ENDPOINTS:
                load(name, path, method, WARMUP_S)
            for number in range(ROUNDS):
                hello, *writers = ENDPOINTS
                order = [hello, *(writers if number % 2 == 0 else writers[::-1])]
                rounds.append(
                    {name: load(name, path, method, MEASURE_S) for name, path, method in order}
                )
            stored = report_count(database_url) - before
    finally:
        drop_reference_tables(database_url)

    ratios, p99s = [], []
    for number, results in enumerate(rounds, 1):
        print(f"\nround {number}")
        print(f"{'endpoint':<10} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7}")
        rates = {}
        for name, _path, _method in ENDPOINTS:  # in one order whichever ran first
            result = results[name]
            rates[name] = result["ok"] / (result["duration_us"] / 1e6)
            errors = int(result["non2xx"] + result["socket_errors"] + result["timeouts"])
            print(
                f"{name:<10} {rates[name]:>8.0f} {result['p50_us'] / 1000:>8.1f}"
                f" {result['p99_us'] / 1000:>8.1f} {errors:>7}"
            )
        ratios.append(rates["intake"] / rates["durable"])
        p99s.append(results["intake"]["p99_us"] / 1000)
        print(
            f"intake/durable {ratios[-1]:.2f}, durable/hello "
            f"{rates['durable'] / rates['hello']:.2f} (for scale)"
        )
    ratio, p99 = statistics.median(ratios), statistics.median(p99s)

    def overall(name: str) -> float:  # requests per second over all rounds together
        return sum(r[name]["ok"] for r in rounds) / sum(r[name]["duration_us"] for r in rounds)

    pooled = overall("intake") / overall("durable")  # for comparison with the median
    print(
        f"\nall rounds pooled: intake/durable {pooled:.2f}; round ratios from "
        f"{min(ratios):.2f} to {max(ratios):.2f}"
    )
    print("CPU per request over all rounds, ms (both cores count; the durable write and the intake")
    print("wait on the same commits, so a gap in the app column is Haven's own work):")
    print(f"{'endpoint':<10} {'app':>6} {'database':>9} {'load':>6}")
    for name, _path, _method in ENDPOINTS:
        served = sum(r[name]["ok"] for r in rounds)
        cells = [sum(r[name][f"cpu_{kind}"] for r in rounds) / served * 1000 for kind in CPU]
        print(f"{name:<10} {cells[0]:>6.2f} {cells[1]:>9.2f} {cells[2]:>6.2f}")
    print(
        f"median of {ROUNDS} rounds:\n"
        f"intake/durable: {ratio:.2f} (target >= {TARGET_RATIO}): "
        f"{'met' if ratio >= TARGET_RATIO else 'MISSED'}\n"
        f"intake p99: {p99:.0f} ms (target < {TARGET_P99_MS:.0f} ms): "
        f"{'met' if p99 < TARGET_P99_MS else 'MISSED'}\n"
    )
    return check_acknowledged(database_url, receipts, acknowledged, stored)


def main() -> None:
    print("Intake benchmark: Haven's report intake against a bare view and a minimal durable write")
    if shutil.which("wrk") is None:
        apt_install("wrk")
    with tempfile.TemporaryDirectory(prefix="haven-bench.") as tmp:
        url = os.environ.get("DATABASE_URL", "")
        if url:
            if not url.startswith("postgres"):
                sys.exit("The intake benchmark needs PostgreSQL; unset DATABASE_URL to start one.")
            print("database: DATABASE_URL (durable only if that server commits durably)")
            passed = bench(url, Path(tmp))
        else:
            with postgres() as url:
                print("database: throw-away PostgreSQL on loopback, durable commits")
                passed = bench(url, Path(tmp))
    sys.exit(0 if passed else 1)


if __name__ == "__main__":
    main()
