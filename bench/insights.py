"""Insights at growing scale: refresh cost against change, dashboard reads against country size.

For each scale (a synthetic country of counties x zones x schools, reports and cases over
three school years), on one database in one run:
- a full rebuild of the count tables, and an incremental refresh after new reports (its cost
  should follow the change, not the country);
- the ministry's figures (all indicators) plus its county breakdown, a county's figures, and a
  county's children, as the dashboards and the API read them: median server time;
- the process's peak RSS.

SQLite in a temporary file by default; set DATABASE_URL to run it on PostgreSQL. Scales:
BENCH_INSIGHTS_SCALES="counties:zones:schools:reports,..." (default three small ones that fit
a 2-core machine in a few minutes). DuckDB over Parquet (the issue's reference) is not run:
it is not a dependency yet.
"""

import datetime as dt
import os
import random
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "haven.settings")
if "DATABASE_URL" not in os.environ:
    os.environ["DATABASE_URL"] = f"sqlite:///{tempfile.mkdtemp()}/bench-insights.sqlite3"
os.environ.setdefault("HAVEN_TASKS_BACKEND", "django_tasks.backends.dummy.DummyBackend")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from bench.national import build  # noqa: E402
from haven.cases.models import Case  # noqa: E402
from haven.insights import selectors  # noqa: E402
from haven.insights.models import Cell, Watermark  # noqa: E402
from haven.insights.refresh import refresh  # noqa: E402
from haven.intake.models import Report  # noqa: E402
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


def add_reports(schools: list[int], count: int, rng: random.Random, days: int, now) -> None:
    next_id = (Report.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
    reports, cases = [], []
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
                language="en",
                receipt_lookup=f"{pk:08x}"[-8:],
                receipt_hash="x",
                created_at=created,
                first_response_due=created + dt.timedelta(days=1),
                first_responded_at=created + dt.timedelta(hours=rng.randint(0, 96)),
            )
        )
        if rng.random() < 0.3:
            opened = created + dt.timedelta(days=rng.randint(0, 10))
            closed = opened + dt.timedelta(days=rng.randint(5, 200))
            cases.append(
                Case(
                    school_id=reports[-1].school_id,
                    procedure_code="GEN",
                    procedure_version=1,
                    state="closed" if closed < now else "assessment",
                    title="bench",
                    opened_at=opened,
                    closed_at=closed if closed < now else None,
                )
            )
        if len(reports) == 20_000:
            with transaction.atomic():
                Report.objects.bulk_create(reports, batch_size=5000)
                Case.objects.bulk_create(cases, batch_size=5000)
            reports, cases = [], []
    with transaction.atomic():
        Report.objects.bulk_create(reports, batch_size=5000)
        Case.objects.bulk_create(cases, batch_size=5000)


def run_scale(counties: int, zones: int, per_zone: int, reports: int) -> dict[str, float]:
    for model in (Cell, Watermark, Case, Report):
        model.objects.all().delete()
    country = build(counties=counties, zones=zones, schools=per_zone, classes=0)
    schools = list(
        OrgUnit.objects.filter(kind="school", path__startswith=country.path).values_list(
            "pk", flat=True
        )
    )
    rng = random.Random(7)
    now = timezone.now()
    add_reports(schools, reports, rng, 3 * 365, now)
    minister = User.objects.create_user(f"minister-{country.pk}@haven.example", full_name="M")
    Membership.objects.create(user=minister, unit=country, role=Role.ADMIN)
    county = OrgUnit.objects.filter(parent=country).order_by("path").first()

    start = time.perf_counter()
    refresh(full=True)
    full = time.perf_counter() - start
    changed = max(100, reports // 100)
    add_reports(schools, changed, rng, 0, now)
    start = time.perf_counter()
    refresh()
    incremental = time.perf_counter() - start

    year_start = dt.date(now.year if now.month >= 9 else now.year - 1, 9, 1)
    span = {
        "start": year_start,
        "end": year_start.replace(year=year_start.year + 1) - dt.timedelta(days=1),
    }

    def ministry() -> None:
        selectors.figures(user=minister, unit=country, **span)
        selectors.children_figures(user=minister, unit=country, **span)

    return {
        "schools": len(schools),
        "reports": reports,
        "cells": Cell.objects.count(),
        "full_s": full,
        "changed": changed,
        "incremental_s": incremental,
        "ministry_ms": median_ms(ministry),
        "county_ms": median_ms(lambda: selectors.figures(user=minister, unit=county, **span)),
        "county_children_ms": median_ms(
            lambda: selectors.children_figures(user=minister, unit=county, **span)
        ),
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def main() -> None:
    call_command("migrate", verbosity=0)
    print(f"database: {connection.vendor}")
    header = (
        f"{'schools':>8} {'reports':>9} {'cells':>9} {'full (s)':>9} {'new':>6} "
        f"{'incr (s)':>9} {'incr/full':>9} {'ministry':>9} {'county':>8} {'children':>9} "
        f"{'RSS MB':>7}"
    )
    print(header)
    for scale in SCALES.split(","):
        c, z, s, r = (int(v) for v in scale.split(":"))
        m = run_scale(c, z, s, r)
        print(
            f"{m['schools']:>8,} {m['reports']:>9,} {m['cells']:>9,} {m['full_s']:>9.1f} "
            f"{m['changed']:>6,} {m['incremental_s']:>9.2f} "
            f"{m['incremental_s'] / m['full_s']:>8.1%} {m['ministry_ms']:>7.1f}ms "
            f"{m['county_ms']:>6.1f}ms {m['county_children_ms']:>7.1f}ms {m['peak_rss_mb']:>7.0f}",
            flush=True,
        )


if __name__ == "__main__":
    main()
