"""Surveys at national scale: 1,000,000 answered surveys across 2,000 schools.

Measures, on one database in one run:
- ingestion: (a) a sample of a few thousand surveys through the pupil's service path
  (code_open, answers_save page by page, response_submit: what the /s/ pages call), and
  (b) the bulk path that reaches the full size: answers drawn from the instrument file, scored
  by the app's own ``scoring.score`` and stored with bulk_create; then the app's aggregate
  refresh (``refresh_all``, what ``manage.py survey_refresh`` runs) over every campaign;
- the national results page, built from the stored aggregates (the selector and context
  builder the page uses, and the whole page through the test client as an inspector on the
  country), median and p95 over repeated runs;
- side by side, DuckDB computing the same national prevalence (victim, bully, any form, the
  four roles, each with n and missing) straight from the raw answers, exported once to CSV
  and loaded into a DuckDB table (load timed apart). Both must give the same counts.

SQLite in a temporary file by default; set DATABASE_URL to run it on PostgreSQL.
HAVEN_BENCH_SURVEYS sets the number of surveys (500 per school), e.g. 20000 for a quick run.
The bulk path scores a pool of distinct answered surveys (HAVEN_BENCH_SURVEYS_POOL, at most
100,000 by default) and draws the stored rows from it; the pool's scoring rate is reported.
"""

import csv
import math
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
import bench.production  # noqa: E402, F401  (production settings: no debug cursor)

WORKDIR = tempfile.mkdtemp(prefix="bench-surveys-")
if "DATABASE_URL" not in os.environ:
    os.environ["DATABASE_URL"] = f"sqlite:///{WORKDIR}/bench-surveys.sqlite3"
os.environ.setdefault("HAVEN_TASKS_BACKEND", "django_tasks.backends.dummy.DummyBackend")

import django  # noqa: E402

django.setup()

import duckdb  # noqa: E402
from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client, RequestFactory  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone, translation  # noqa: E402

from bench.national import build  # noqa: E402
from haven.orgs.models import Membership, OrgUnit, Role, User  # noqa: E402
from haven.surveys import instruments, scoring, selectors, services, stats, views_staff  # noqa: E402
from haven.surveys.aggregates import refresh_all  # noqa: E402
from haven.surveys.instruments import Instrument  # noqa: E402
from haven.surveys.models import (  # noqa: E402
    Campaign,
    CampaignClass,
    Response,
    UnitAggregate,
    school_year,
)
from haven.surveys.results import MAIN_MEASURES, ROLE_PREFIX  # noqa: E402
from haven.surveys.synthetic import respondent  # noqa: E402

SURVEYS = int(os.environ.get("HAVEN_BENCH_SURVEYS", "1000000"))
PER_SCHOOL = 500
CLASSES = 20  # per school, 25 respondents each of 28 pupils
ELIGIBLE = 28
SERVICE_SAMPLE = int(os.environ.get("HAVEN_BENCH_SURVEYS_SERVICE", "1000"))
POOL = int(os.environ.get("HAVEN_BENCH_SURVEYS_POOL", "100000"))
REPEAT = 30
BATCH = 50_000
# The measures compared with DuckDB, in the order printed.
COMPARED = (*MAIN_MEASURES, *(f"{ROLE_PREFIX}{r}" for r in stats.ROLES))


def ms(samples: list[float]) -> tuple[float, float]:
    samples = sorted(samples)
    p95 = samples[max(0, math.ceil(len(samples) * 0.95) - 1)]
    return statistics.median(samples) * 1000, p95 * 1000


def timed(fn: Any, repeat: int = REPEAT) -> list[float]:
    out = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        out.append(time.perf_counter() - start)
    return out


# ---------------------------------------------------------------------------------------------
# Answers: a plausible pupil, drawn item by item from the instrument (show_if respected)


# ---------------------------------------------------------------------------------------------
# Setting up the country


def tree_shape(schools: int) -> tuple[int, int, int]:
    """counties, zones per county, schools per zone: 10 x 10 x 20 for 2,000 schools."""
    if schools >= 200:
        return schools // 200, 10, 20
    return 1, max(1, schools // 20), 20


def campaigns_bulk(schools: list[OrgUnit], instrument: Instrument, opens: Any) -> None:
    closes = opens + timezone.timedelta(days=30)
    rows = [
        Campaign(
            school=school,
            title="Bench",
            instrument_code=instrument.code,
            instrument_version=instrument.version,
            opens_at=opens,
            closes_at=closes,
            period=school_year(opens, school),
        )
        for school in schools
    ]
    with transaction.atomic():
        Campaign.objects.bulk_create(rows, batch_size=2000)


# ---------------------------------------------------------------------------------------------
# (a) The pupil's service path


def service_path(
    schools: list[OrgUnit], counts: dict[int, int], classes: dict[int, list[int]], opens: Any
) -> tuple[int, int, float]:
    """Answer ``counts[school]`` surveys in each school through the services; returns
    (surveys, item answers, seconds spent in the services while answering)."""
    rng = random.Random(11)
    instrument = instruments.get()
    coordinator = User.objects.create_user("bench-surveys-coordinator@haven.example")
    Membership.objects.bulk_create(
        Membership(user=coordinator, unit=school, role=Role.COORDINATOR) for school in schools
    )
    texts: list[str] = []
    for school in schools:
        campaign = services.campaign_create(
            actor=coordinator,
            school=school,
            title="Bench",
            classes=None,
            opens_at=opens,
            closes_at=opens + timezone.timedelta(days=30),
        )
        units = {u.pk: u for u in OrgUnit.objects.filter(pk__in=classes[school.pk])}
        for i, class_id in enumerate(classes[school.pk]):
            k = counts[school.pk] // CLASSES + (i < counts[school.pk] % CLASSES)
            if k:
                texts += services.codes_generate(
                    actor=coordinator, campaign=campaign, class_unit=units[class_id], count=k
                )
    planned = [respondent(rng, instrument) for _ in texts]
    spent = 0.0
    items = 0
    for code_text, answers in zip(texts, planned, strict=True):
        start = time.perf_counter()
        number = 0
        while True:
            # One request per page, as the /s/ view does: find the code, save the page, then
            # either submit or work out the next visible page from the answers saved.
            code = services.code_open(code_text=code_text)
            page = services.pages(code.campaign)[number]
            posted = {
                item.code: str(answers[item.code])
                for item in page.items
                if item.shown(code.draft | answers) and item.code in answers
            }
            services.answers_save(code=code, number=number, posted=posted)
            numbers = [p.number for p in services.visible_pages(code.campaign, code.draft)]
            following = [n for n in numbers if n > number]
            if not following:
                items += len(services.response_submit(code=code).answers)
                break
            number = following[0]
        spent += time.perf_counter() - start
    return len(texts), items, spent


# ---------------------------------------------------------------------------------------------
# (b) The bulk path


def bulk_path(
    schools: list[OrgUnit], counts: dict[int, int], classes: dict[int, list[int]]
) -> tuple[int, int, int, int, float, float]:
    """Returns (surveys, item answers, pool size, pool answers, pool seconds, insert seconds)."""
    instrument = instruments.get()
    rng = random.Random(7)
    total = sum(counts[s.pk] for s in schools)
    size = max(1, min(POOL, total))
    start = time.perf_counter()
    pool = []
    for _ in range(size):
        answers = respondent(rng, instrument)
        pool.append((answers, scoring.score(instrument, answers), len(answers)))
    pool_seconds = time.perf_counter() - start

    campaign_of = dict(Campaign.objects.filter(school__in=schools).values_list("school_id", "pk"))
    entries = []
    for school in schools:
        for i, class_id in enumerate(classes[school.pk]):
            k = counts[school.pk] // CLASSES + (i < counts[school.pk] % CLASSES)
            entries.append((campaign_of[school.pk], class_id, k))
    with transaction.atomic():
        CampaignClass.objects.bulk_create(
            (
                CampaignClass(campaign_id=c, class_unit_id=u, eligible=max(ELIGIBLE, k))
                for c, u, k in entries
            ),
            batch_size=5000,
        )

    def flush(batch: list[Response]) -> None:
        with transaction.atomic():
            Response.objects.bulk_create(batch, batch_size=5000)

    items = 0
    done = 0
    batch: list[Response] = []
    start = time.perf_counter()
    for campaign_id, class_id, k in entries:
        for _ in range(k):
            answers, measures, n_items = pool[rng.randrange(size)]
            items += n_items
            batch.append(
                Response(
                    campaign_id=campaign_id,
                    class_unit_id=class_id,
                    answers=answers,
                    measures=measures,
                )
            )
            if len(batch) == BATCH:
                flush(batch)
                done += len(batch)
                batch = []
                print(f"  ... {done:,} stored", flush=True)
    flush(batch)
    pool_items = sum(n for _a, _m, n in pool)
    return total, items, size, pool_items, pool_seconds, time.perf_counter() - start


# ---------------------------------------------------------------------------------------------
# DuckDB on the raw answers


def export_answers(country: OrgUnit, path: Path, columns: list[str]) -> int:
    """Every stored response of the country, one column per closed item ('' = unanswered)."""
    rows = (
        Response.objects.filter(campaign__school__path__startswith=country.path)
        .values_list("answers", flat=True)
        .iterator(chunk_size=10_000)
    )
    count = 0
    with path.open("w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(columns)
        for answers in rows:
            writer.writerow([answers.get(c, "") for c in columns])
            count += 1
    return count


def prevalence_sql(instrument: Instrument) -> str:
    """The national prevalence in SQL, from the instrument's measures and stats' cut-off.

    "Any form": SQL's three-valued OR is exactly stats.any_at_least (true when one form
    reaches the cut-off, false when all are answered below it, else unknown = missing)."""
    cut = stats.CUTOFF
    (victim,) = (i.code for i in instrument.measure_items("victim_global"))
    (bully,) = (i.code for i in instrument.measure_items("perp_global"))
    forms = {
        "any_form_victim": instrument.measure_items("victim_form"),
        "any_form_bully": instrument.measure_items("perp_form"),
    }
    both = f"{victim} IS NOT NULL AND {bully} IS NOT NULL"
    flags = {
        "victim": f"{victim} >= {cut}",
        "bully": f"{bully} >= {cut}",
        **{
            key: "(" + " OR ".join(f"{i.code} >= {cut}" for i in items) + ")"
            for key, items in forms.items()
        },
        "role.victim": f"CASE WHEN {both} THEN {victim} >= {cut} AND {bully} < {cut} END",
        "role.bully": f"CASE WHEN {both} THEN {victim} < {cut} AND {bully} >= {cut} END",
        "role.bully_victim": f"CASE WHEN {both} THEN {victim} >= {cut} AND {bully} >= {cut} END",
        "role.not_involved": f"CASE WHEN {both} THEN {victim} < {cut} AND {bully} < {cut} END",
    }
    parts = ["count(*) AS respondents"]
    for key in COMPARED:
        name = key.replace(".", "_")
        parts.append(f"count(*) FILTER (WHERE {flags[key]}) AS {name}_x")
        parts.append(f"count({flags[key]}) AS {name}_n")
    return "SELECT " + ",\n  ".join(parts) + "\nFROM answers"


def duck_counts(con: Any, sql: str) -> dict[str, tuple[int, int, int]]:
    row = con.execute(sql).fetchone()
    respondents = row[0]
    out = {"respondents": (respondents, respondents, 0)}
    for i, key in enumerate(COMPARED):
        x, n = row[1 + 2 * i], row[2 + 2 * i]
        out[key] = (x, n, respondents - n)
    return out


# ---------------------------------------------------------------------------------------------


def main() -> None:
    call_command("migrate", verbosity=0)
    translation.activate("en")
    instrument = instruments.get()
    schools_total = max(20, SURVEYS // PER_SCHOOL)
    counties, zones, per_zone = tree_shape(schools_total)
    started = time.perf_counter()
    country = build(counties=counties, zones=zones, schools=per_zone, classes=CLASSES)
    schools = list(
        OrgUnit.objects.filter(kind=OrgUnit.Kind.SCHOOL, path__startswith=country.path).order_by(
            "path"
        )
    )
    classes: dict[int, list[int]] = {s.pk: [] for s in schools}
    for pk, parent in (
        OrgUnit.objects.filter(kind=OrgUnit.Kind.CLASS, path__startswith=country.path)
        .order_by("code", "pk")
        .values_list("pk", "parent_id")
    ):
        classes[parent].append(pk)
    counts = {
        s.pk: SURVEYS // len(schools) + (i < SURVEYS % len(schools)) for i, s in enumerate(schools)
    }
    print(
        f"country: {counties} counties x {zones} zones x {per_zone} schools = {len(schools):,} "
        f"schools, {len(schools) * CLASSES:,} classes ({time.perf_counter() - started:.0f} s)",
        flush=True,
    )

    opens = timezone.now() - timezone.timedelta(hours=1)
    service_schools: list[OrgUnit] = []
    while sum(counts[s.pk] for s in service_schools) < SERVICE_SAMPLE:
        service_schools.append(schools[len(service_schools)])
    bulk_schools = schools[len(service_schools) :]

    s_count, s_items, s_seconds = service_path(service_schools, counts, classes, opens)
    print(f"service path: {s_count:,} surveys in {s_seconds:.1f} s", flush=True)

    campaigns_bulk(bulk_schools, instrument, opens)
    b_count, b_items, pool_size, pool_items, pool_seconds, b_seconds = bulk_path(
        bulk_schools, counts, classes
    )
    print(f"bulk path: {b_count:,} surveys stored in {b_seconds:.0f} s", flush=True)

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    start = time.perf_counter()
    refreshed = refresh_all()
    refresh_seconds = time.perf_counter() - start
    responses = Response.objects.count()
    print(f"refresh: {refreshed:,} campaigns in {refresh_seconds:.0f} s", flush=True)

    # DuckDB: export the raw answers once, load them, then query.
    columns = [item.code for item in instrument.items() if item.closed]
    path = Path(WORKDIR) / "answers.csv"
    start = time.perf_counter()
    exported = export_answers(country, path, columns)
    export_seconds = time.perf_counter() - start
    con = duckdb.connect()
    start = time.perf_counter()
    types = ", ".join(f"'{c}': 'TINYINT'" for c in columns)
    load = f"CREATE TABLE answers AS SELECT * FROM read_csv('{path}', header = true, "  # noqa: S608
    con.execute(load + f"columns = {{{types}}})")
    load_seconds = time.perf_counter() - start
    sql = prevalence_sql(instrument)
    duck = duck_counts(con, sql)

    # The national page: what the view does, with an inspector on the country.
    inspector = User.objects.create_user("bench-surveys-inspector@haven.example")
    Membership.objects.create(user=inspector, unit=country, role=Role.INSPECTOR)
    url = reverse("surveys:unit_results", args=[country.pk])
    request = RequestFactory().get(url)
    request.user = inspector

    def build_page() -> dict[str, Any]:
        unit = selectors.rollup_unit_get(user=inspector, pk=country.pk)
        return views_staff._unit_context(request, unit)

    context = build_page()
    own = stats.Aggregate.from_json(context["own_row"].data)
    app = {"respondents": (own.respondents, own.respondents, 0)}
    for key in COMPARED:
        p = own.props[key]
        app[key] = (p.x, p.n, p.missing)
    assert exported == responses == own.respondents, (exported, responses, own.respondents)
    assert app == duck, f"stored aggregates {app} != DuckDB {duck}"
    # And what the page shows is those same counts.
    shown_rows = {row.key: row for row in context["results"].prevalence_rows()}
    for key in COMPARED:
        x, n, _missing = duck[key]
        shown = shown_rows[key].shown
        assert shown.exact and shown.n == n and abs((shown.value or 0) - x / n) < 1e-12, key

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    client = Client(secure=True)
    client.force_login(inspector)
    page = client.get(url)
    assert page.status_code == 200, page.status_code
    assert f"{own.respondents:,}".encode() in page.content or str(own.respondents).encode() in (
        page.content
    ), "the page does not show the number of respondents"

    t_build = ms(timed(build_page))
    t_page = ms(timed(lambda: client.get(url)))
    t_duck = ms(timed(lambda: con.execute(sql).fetchone()))

    # ------------------------------------------------------------------ the report
    print()
    print(
        f"database: {connection.vendor}; {len(schools):,} schools, "
        f"{len(schools) * CLASSES:,} classes, {responses:,} responses, "
        f"{UnitAggregate.objects.count():,} unit aggregate rows"
    )
    print()
    print(
        f"{'ingestion':<52} {'surveys':>10} {'answers':>11} {'seconds':>8} "
        f"{'surveys/s':>10} {'answers/s':>10}"
    )

    def line(label: str, surveys: int, items: int, seconds: float) -> None:
        answers = f"{items:>11,}" if items else f"{'-':>11}"
        rate = f"{items / seconds:>10,.0f}" if items else f"{'-':>10}"
        print(
            f"{label:<52} {surveys:>10,} {answers} {seconds:>8.1f} "
            f"{surveys / seconds:>10,.0f} {rate}"
        )

    line("(a) service path (code_open/answers_save/submit)", s_count, s_items, s_seconds)
    line("(b1) answers drawn + scoring.score (pool)", pool_size, pool_items, pool_seconds)
    line("(b2) bulk_create of scored responses", b_count, b_items, b_seconds)
    per_row = pool_seconds / pool_size + b_seconds / b_count
    print(
        f"{'(b) bulk path, every row scored (b1 + b2 per row)':<52} {b_count:>10,} "
        f"{b_items:>11,} {per_row * b_count:>8.1f} {1 / per_row:>10,.0f} "
        f"{b_items / b_count / per_row:>10,.0f}"
    )
    line("aggregate refresh (refresh_all, every campaign)", responses, 0, refresh_seconds)
    print()
    print(f"national prevalence ({responses:,} respondents): stored aggregates == DuckDB")
    print(f"{'measure':<20} {'x':>10} {'n':>10} {'missing':>8} {'share':>8}")
    for key in COMPARED:
        x, n, missing = duck[key]
        print(f"{key:<20} {x:>10,} {n:>10,} {missing:>8,} {x / n:>8.2%}")
    print()
    print(
        f"raw answers for DuckDB: export to CSV {export_seconds:.1f} s, "
        f"load into a DuckDB table {load_seconds:.1f} s (once)"
    )
    print(f"{'national results, ' + str(REPEAT) + ' runs each':<58} {'median':>10} {'p95':>10}")
    rows = (
        ("results page context from stored aggregates", t_build),
        ("full page, test client, inspector on the country", t_page),
        ("DuckDB prevalence query on the raw answers", t_duck),
    )
    for label, (median, p95) in rows:
        print(f"{label:<58} {median:>7.1f} ms {p95:>7.1f} ms")
    print(
        f"ratio, median time over DuckDB's: context {t_build[0] / t_duck[0]:.2f}, "
        f"full page {t_page[0] / t_duck[0]:.2f}   (target: below 1, the page faster)"
    )


if __name__ == "__main__":
    try:
        main()
    finally:
        # The SQLite file (about 2 GB at full size) and the CSV export.
        shutil.rmtree(WORKDIR, ignore_errors=True)
