"""Cases at national scale: 1,000,000 cases over 20,000 schools.

Measures, on one database in one run:
- the coordinator's case inbox (first page) and the inspector's overdue list, server-side
  time of the selectors the pages use, median and p95 over repeated runs;
- one sweep of the deadline clock with 0, 100 and 1,000 due timers among all open ones, to
  show that its cost follows the due work, not the number of open cases.

SQLite in a temporary file by default; set DATABASE_URL to run it on PostgreSQL.
"""

import datetime as dt
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
import bench.production  # noqa: E402, F401  (production settings: no debug cursor)

if "DATABASE_URL" not in os.environ:
    os.environ["DATABASE_URL"] = f"sqlite:///{tempfile.mkdtemp()}/bench-cases.sqlite3"
os.environ.setdefault("HAVEN_TASKS_BACKEND", "django_tasks.backends.dummy.DummyBackend")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from bench.national import build  # noqa: E402
from haven.cases import selectors, services  # noqa: E402
from haven.cases.models import Case, CaseTimer  # noqa: E402
from haven.orgs.models import Membership, OrgUnit, Role, User  # noqa: E402

CASES = int(os.environ.get("BENCH_CASES", "1000000"))
OPEN_SHARE = 0.1  # one case in ten is still open, with one running deadline


def ms(samples: list[float]) -> str:
    samples = sorted(samples)
    p95 = samples[int(len(samples) * 0.95) - 1]
    return f"median {statistics.median(samples) * 1000:7.1f} ms   p95 {p95 * 1000:7.1f} ms"


def timed(fn, repeat: int = 30) -> list[float]:
    out = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        out.append(time.perf_counter() - start)
    return out


def load(country: OrgUnit) -> tuple[list[int], User, User, OrgUnit]:
    schools = list(
        OrgUnit.objects.filter(kind=OrgUnit.Kind.SCHOOL, path__startswith=country.path).values_list(
            "pk", flat=True
        )
    )
    rng = random.Random(7)
    now = timezone.now()
    batch: list[Case] = []
    next_id = (Case.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
    timers: list[CaseTimer] = []
    started = time.perf_counter()
    for i in range(CASES):
        opened = now - dt.timedelta(days=rng.randint(0, 3 * 365))
        is_open = rng.random() < OPEN_SHARE
        case_id = next_id + i
        batch.append(
            Case(
                pk=case_id,
                school_id=rng.choice(schools),
                procedure_code="GEN",
                procedure_version=1,
                state="assessment" if is_open else "closed",
                title="bench",
                opened_at=opened,
                closed_at=None if is_open else opened + dt.timedelta(days=20),
            )
        )
        if is_open:
            # Deadlines spread over the next month: none is due yet.
            timers.append(
                CaseTimer(
                    case_id=case_id,
                    code="plan_agreed",
                    started_at=opened,
                    due_at=now + dt.timedelta(hours=rng.randint(2, 24 * 30)),
                    remind_at=now + dt.timedelta(hours=1, minutes=rng.randint(0, 600)),
                )
            )
        if len(batch) == 50_000:
            with transaction.atomic():
                Case.objects.bulk_create(batch, batch_size=5000)
                CaseTimer.objects.bulk_create(timers, batch_size=5000)
            batch, timers = [], []
    with transaction.atomic():
        Case.objects.bulk_create(batch, batch_size=5000)
        CaseTimer.objects.bulk_create(timers, batch_size=5000)
    print(f"loaded {CASES:,} cases in {time.perf_counter() - started:.0f} s", flush=True)

    school = OrgUnit.objects.get(pk=schools[0])
    county = school.ancestors()[1]
    coordinator = User.objects.create_user("bench-coordinator@haven.example", full_name="C")
    inspector = User.objects.create_user("bench-inspector@haven.example", full_name="I")
    Membership.objects.create(user=coordinator, unit=school, role=Role.COORDINATOR)
    Membership.objects.create(user=inspector, unit=county, role=Role.INSPECTOR)
    # Escalate a share of the county's open cases so the inspector has something to see.
    county_cases = Case.objects.filter(
        school__path__startswith=county.path, closed_at__isnull=True
    ).values_list("pk", flat=True)[:2000]
    Case.objects.filter(pk__in=list(county_cases)).update(escalated_at=now)
    CaseTimer.objects.filter(case_id__in=list(county_cases)).update(
        due_at=now - dt.timedelta(hours=1), escalated_at=now
    )
    return schools, coordinator, inspector, county


def make_due(count: int) -> None:
    """Bring `count` running reminders due now (and nothing else)."""
    now = timezone.now()
    pks = list(
        CaseTimer.objects.filter(stopped_at__isnull=True, reminded_at__isnull=True)
        .exclude(remind_at__lte=now)
        .values_list("pk", flat=True)[:count]
    )
    CaseTimer.objects.filter(pk__in=pks).update(remind_at=now - dt.timedelta(minutes=1))


def main() -> None:
    call_command("migrate", verbosity=0)
    # 20 counties x 20 zones x 50 schools = 20,000 schools.
    country = build(counties=20, zones=20, schools=50, classes=0)
    _schools, coordinator, inspector, _county = load(country)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    print(
        f"database: {connection.vendor}; {Case.objects.count():,} cases, "
        f"{CaseTimer.objects.filter(stopped_at__isnull=True).count():,} running deadlines"
    )

    inbox = timed(lambda: list(selectors.case_list(user=coordinator)[:50]))
    print(f"coordinator inbox, first 50:    {ms(inbox)}   (target: median < 50 ms)")
    overdue = timed(lambda: list(selectors.overdue_timers(user=inspector)[:100]))
    print(f"inspector overdue list, 100:    {ms(overdue)}   (target: median < 50 ms)")
    escalated = timed(lambda: list(selectors.case_list(user=inspector, open_only=True)[:50]))
    print(f"inspector escalated cases, 50:  {ms(escalated)}")

    for due in (0, 100, 1000):
        make_due(due)
        start = time.perf_counter()
        done = services.clock_sweep()
        took = time.perf_counter() - start
        print(
            f"clock sweep with {due:>5} due: {took * 1000:8.1f} ms  ({done['reminded']} reminded)"
        )


if __name__ == "__main__":
    main()
