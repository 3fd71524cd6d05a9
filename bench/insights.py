"""Insights at growing scale: refresh cost against change, dashboard reads against country size.

For each scale (a synthetic country of counties x zones x schools, reports and cases over
three school years), on one database in one run:
- a full rebuild of the count tables, and an incremental refresh after new reports (its cost
  should follow the change, not the country);
- the ministry's figures (all indicators) plus its county breakdown, a county's figures, and a
  county's children, as the dashboards and the API read them: median server time;
- the figures API for a county through the test client (the whole request);
- each refresh runs in its own process, as the worker runs it, and that process's peak RSS
  is the task's;
- side by side, the reference: the raw rows the ministry's report, case and deadline figures
  come from exported to Parquet, and DuckDB computing those figures for the country and each
  county by scanning them (``bench/insights_duck.py``); the figures must agree with Haven's.

SQLite in a temporary file by default; set DATABASE_URL to run it on PostgreSQL. Scales:
BENCH_INSIGHTS_SCALES="counties:zones:schools:reports,..." (default three small ones that fit
a 2-core machine in a few minutes).
"""

import csv
import datetime as dt
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
import bench.production  # noqa: E402, F401  (production settings: no debug cursor)

if "DATABASE_URL" not in os.environ:
    os.environ["DATABASE_URL"] = f"sqlite:///{tempfile.mkdtemp()}/bench-insights.sqlite3"
os.environ.setdefault("HAVEN_TASKS_BACKEND", "django_tasks.backends.dummy.DummyBackend")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402

from bench.national import build  # noqa: E402
from haven.cases.models import Case, CaseEvent, CaseTimer  # noqa: E402
from haven.insights import selectors  # noqa: E402
from haven.insights.models import Cell, Watermark  # noqa: E402
from haven.intake.models import Report  # noqa: E402
from haven.orgs.calendar import calendar_for  # noqa: E402
from haven.orgs.models import Membership, OrgUnit, Role, User  # noqa: E402

SCALES = os.environ.get("BENCH_INSIGHTS_SCALES", "4:5:10:10000,8:5:10:20000,8:10:10:40000")
CHANNELS = ["web", "hotline", "in_person", "chat_bot"]
HARMS = ["physical", "verbal", "online", "exclusion"]


def median_ms(fn, repeat: int = 15) -> float:
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - start)
    return statistics.median(runs) * 1000


def _next_pk(model) -> int:
    return (model.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1


def add_reports(schools: list[int], count: int, rng: random.Random, days: int, now) -> None:
    """Reports over the last ``days`` days; a case for 30% of them, with one deadline each."""
    next_id, next_case = _next_pk(Report), _next_pk(Case)
    reports, cases, timers, events = [], [], [], []

    def flush() -> None:
        with transaction.atomic():
            Report.objects.bulk_create(reports, batch_size=5000)
            Case.objects.bulk_create(cases, batch_size=5000)
            CaseTimer.objects.bulk_create(timers, batch_size=5000)
            CaseEvent.objects.bulk_create(events, batch_size=5000)
        reports.clear()
        events.clear()
        cases.clear()
        timers.clear()

    for i in range(count):
        created = now - dt.timedelta(days=rng.randint(0, days), minutes=rng.randint(0, 1440))
        pk = next_id + i
        reports.append(
            Report(
                pk=pk,
                school_id=rng.choice(schools),
                channel=rng.choice(CHANNELS),
                urgent=rng.random() < 0.05,
                description="bench",
                place="corridor",
                harms=rng.sample(HARMS, 1),
                affected="me",
                reporter_role="pupil",
                contact="parent@example.org" if rng.random() < 0.4 else "",
                language="en",
                receipt_lookup=f"{pk:08x}"[-8:],
                receipt_hash="x",
                created_at=created,
                first_response_due=created + dt.timedelta(days=1),
                first_responded_at=created + dt.timedelta(hours=rng.randint(0, 96)),
            )
        )
        if rng.random() < 0.3:
            # Never in the future: the incremental refresh reads what services wrote up to now.
            opened = min(created + dt.timedelta(days=rng.randint(0, 10)), now)
            closed = opened + dt.timedelta(days=rng.randint(5, 200))
            cases.append(
                Case(
                    pk=next_case,
                    school_id=reports[-1].school_id,
                    procedure_code="GEN",
                    procedure_version=1,
                    state="closed" if closed < now else "assessment",
                    title="bench",
                    severity=rng.choice(["low", "medium", "high"]),
                    opened_at=opened,
                    closed_at=closed if closed < now else None,
                )
            )
            # The timeline line the opening service writes (the refresh follows case events).
            events.append(CaseEvent(case_id=next_case, kind="opened", created_at=opened))
            due = opened + dt.timedelta(days=5)
            met = opened + dt.timedelta(days=rng.randint(0, 8))
            timers.append(
                CaseTimer(
                    case_id=next_case,
                    code="assessment",
                    started_at=opened,
                    due_at=due,
                    stopped_at=met if met < now else None,
                )
            )
            next_case += 1
        if len(reports) == 20_000:
            flush()
    flush()


def refresh_in_child(*, full: bool, now: dt.datetime) -> tuple[float, float]:
    """One refresh in its own process, as the worker runs it: (seconds the refresh took, that
    process's peak RSS in MB). The process holds only the refresh, so its peak is the task's."""
    argv = [sys.executable, str(ROOT / "bench" / "refresh_child.py"), now.isoformat()]
    child = subprocess.Popen([*argv, "full" if full else "incremental"], stdout=subprocess.PIPE)
    assert child.stdout is not None
    out = child.stdout.read()
    _pid, status, usage = os.wait4(child.pid, 0)
    assert status == 0, f"refresh failed ({status})"
    return float(out.decode().strip().splitlines()[-1]), usage.ru_maxrss / 1024


def _utc(moment: dt.datetime | None) -> str:
    return "" if moment is None else moment.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def export(country: OrgUnit, directory: Path) -> int:
    """The raw rows the ministry's report, case and deadline figures come from, as CSV
    (DuckDB turns them into Parquet). Returns the rows written."""
    schools = OrgUnit.objects.filter(kind="school", path__startswith=country.path)
    sources = {
        "schools": (
            ["school_id", "county_id"],
            schools.values_list("pk", "parent__parent_id"),
        ),
        "reports": (
            [
                *("school_id", "created_at", "urgent", "anonymous", "channel", "harms"),
                *("place", "reporter_role", "first_responded_at"),
            ],
            Report.objects.filter(school__in=schools, merged_into__isnull=True).values_list(
                "school_id",
                "created_at",
                "urgent",
                "contact",
                "entered_by_id",
                "channel",
                "harms",
                "place",
                "reporter_role",
                "first_responded_at",
            ),
        ),
        "cases": (
            ["school_id", "opened_at", "closed_at", "case_type", "severity", "determination"],
            Case.objects.filter(school__in=schools).values_list(
                "school_id", "opened_at", "closed_at", "case_type", "severity", "determination"
            ),
        ),
        "timers": (
            ["school_id", "due_at", "stopped_at"],
            CaseTimer.objects.filter(case__school__in=schools).values_list(
                "case__school_id", "due_at", "stopped_at"
            ),
        ),
    }
    written = 0
    for name, (header, rows) in sources.items():
        with open(directory / f"{name}.csv", "w", newline="") as f:
            out = csv.writer(f)
            out.writerow(header)
            for row in rows.iterator(chunk_size=10_000):
                if name == "reports":
                    school, created, urgent, contact, entered, channel, harms, *rest = row
                    place, role, responded = rest
                    anonymous = not contact and entered is None
                    row = (school, _utc(created), urgent, anonymous, channel, json.dumps(harms))
                    row += (place, role, _utc(responded))
                elif name != "schools":
                    row = tuple(_utc(v) if isinstance(v, dt.datetime) else v for v in row)
                out.writerow(row)
                written += 1
    return written


def duck_reference(directory: Path, start: dt.date, end: dt.date, now) -> dict:
    hi = end + dt.timedelta(days=1)
    argv = [sys.executable, str(ROOT / "bench" / "insights_duck.py"), str(directory)]
    argv += [f"{start} 00:00:00", f"{hi} 00:00:00", _utc(now), "15"]
    done = subprocess.run(argv, check=True, capture_output=True, text=True)
    return json.loads(done.stdout)


def compare(haven: dict[str, dict], duck: dict[str, dict[str, dict[str, int]]]) -> tuple[int, int]:
    """Every figure DuckDB computed against what the ministry's page shows (the country and
    each county): equal where shown. Returns (numbers compared, numbers hidden by Haven)."""
    compared = hidden = 0
    for unit, found in haven.items():
        for code, parts in duck.get(unit, {}).items():
            figure = found[code]
            pairs = [(figure, sum(parts.values()))]
            pairs += [(figure.parts[b], n) for b, n in parts.items() if b]
            for shown, expected in pairs:
                if shown.hidden:
                    hidden += 1
                    continue
                assert shown.value == expected, (unit, code, shown, expected)
                compared += 1
    # Indicators DuckDB found none of must read zero in Haven too (unless hidden as small).
    for code in ("reports.total", "cases.opened", "cases.open_at_end", "deadlines.missed"):
        figure = haven["country"][code]
        assert figure.hidden or figure.value == sum(duck["country"][code].values()), code
    return compared, hidden


def run_scale(counties: int, zones: int, per_zone: int, reports: int) -> dict[str, float]:
    # Raw deletes: the ORM's delete() would load every row of the last size into memory.
    for model in (Cell, Watermark, CaseEvent, CaseTimer, Case, Report):
        model.objects.all()._raw_delete(model.objects.db)
    country = build(counties=counties, zones=zones, schools=per_zone, classes=0)
    schools = list(
        OrgUnit.objects.filter(kind="school", path__startswith=country.path).values_list(
            "pk", flat=True
        )
    )
    rng = random.Random(7)
    now = timezone.now()
    add_reports(schools, reports, rng, 3 * 365, now)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    minister = User.objects.create_user(f"minister-{country.pk}@haven.example", full_name="M")
    Membership.objects.create(user=minister, unit=country, role=Role.ADMIN)
    county = OrgUnit.objects.filter(parent=country).order_by("path").first()
    assert county is not None

    full, full_rss = refresh_in_child(full=True, now=now)
    changed = max(100, reports // 100)
    add_reports(schools, changed, rng, 0, now)
    incremental, incremental_rss = refresh_in_child(full=False, now=now)

    year = calendar_for(country).school_year(timezone.localdate(now))
    span = {"start": year.start, "end": year.end}

    def ministry() -> None:
        # The country's figures (the total row) and each county's, as the dashboard reads them.
        selectors.children_figures(user=minister, unit=country, **span)

    client = Client(secure=True)
    client.force_login(minister)
    api = f"/api/v1/insights/units/{county.pk}/figures?from={year.start}&to={year.end}"
    assert client.get(api).status_code == 200
    measured = {
        "ministry_ms": median_ms(ministry),
        "county_ms": median_ms(lambda: selectors.figures(user=minister, unit=county, **span)),
        "county_children_ms": median_ms(
            lambda: selectors.children_figures(user=minister, unit=county, **span)
        ),
        "api_ms": median_ms(lambda: client.get(api)),
        "full_rss_mb": full_rss,
        "incremental_rss_mb": incremental_rss,
    }

    # The reference, side by side: the same figures by DuckDB over the raw rows.
    directory = Path(tempfile.mkdtemp(prefix="bench-insights-duck-"))
    try:
        start = time.perf_counter()
        exported = export(country, directory)
        export_s = time.perf_counter() - start
        duck = duck_reference(directory, year.start, year.end, now)
    finally:
        shutil.rmtree(directory, ignore_errors=True)
    rows, total = selectors.children_figures(user=minister, unit=country, **span)
    haven = {"country": total} | {str(child.pk): found for child, found in rows}
    compared, hidden = compare(haven, duck["figures"])
    return {
        "schools": len(schools),
        "reports": reports,
        "cells": Cell.objects.count(),
        "full_s": full,
        "changed": changed,
        "incremental_s": incremental,
        **measured,
        "duck_ms": duck["ms"],
        "exported": exported,
        "export_s": export_s + duck["convert_s"],
        "compared": compared,
        "hidden": hidden,
    }


def main() -> None:
    call_command("migrate", verbosity=0)
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    print(f"database: {connection.vendor}")
    header = (
        f"{'schools':>8} {'reports':>9} {'cells':>9} {'full (s)':>9} {'new':>6} "
        f"{'incr (s)':>9} {'incr/full':>9} {'ministry':>9} {'DuckDB':>8} {'ratio':>6} "
        f"{'county':>8} {'children':>9} {'API':>8} {'full RSS':>8} {'incr RSS':>8}"
    )
    print(header)
    notes = []
    for scale in SCALES.split(","):
        c, z, s, r = (int(v) for v in scale.split(":"))
        m = run_scale(c, z, s, r)
        print(
            f"{m['schools']:>8,} {m['reports']:>9,} {m['cells']:>9,} {m['full_s']:>9.1f} "
            f"{m['changed']:>6,} {m['incremental_s']:>9.2f} "
            f"{m['incremental_s'] / m['full_s']:>8.1%} {m['ministry_ms']:>7.1f}ms "
            f"{m['duck_ms']:>6.1f}ms {m['ministry_ms'] / m['duck_ms']:>6.2f} "
            f"{m['county_ms']:>6.1f}ms {m['county_children_ms']:>7.1f}ms {m['api_ms']:>6.1f}ms "
            f"{m['full_rss_mb']:>6.0f}MB {m['incremental_rss_mb']:>6.0f}MB",
            flush=True,
        )
        notes.append(
            f"{m['schools']:,} schools: {m['exported']:,} raw rows exported and turned into "
            f"Parquet in {m['export_s']:.1f} s (once, not timed in the ratio); "
            f"{m['compared']:,} figures equal in Haven and DuckDB, {m['hidden']:,} hidden by "
            "Haven (small counts) not compared"
        )
    print("ratio = ministry read (Haven) / DuckDB scanning the raw rows; target at most 0.5")
    print("\n".join(notes))


if __name__ == "__main__":
    main()
