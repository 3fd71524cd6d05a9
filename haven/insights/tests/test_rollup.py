"""Roll-up: every unit's count is the sum of its children's, for random trees (SQLite here,
PostgreSQL in CI: the same test)."""

import datetime as dt
from collections import Counter, defaultdict

import time_machine
from django.db import transaction
from django.db.models import Sum
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from haven.cases.services import case_open
from haven.insights import selectors
from haven.insights.models import Cell
from haven.insights.refresh import refresh
from haven.intake.tests.helpers import submit
from haven.orgs.models import OrgUnit, Role
from haven.orgs.tests.factories import JurisdictionFactory, member, unit

START = dt.datetime(2026, 9, 20, 9, 0, tzinfo=dt.UTC)

# A tree: per county, per zone, per school, the days (after START) of its reports.
shapes = st.lists(
    st.lists(st.lists(st.lists(st.integers(0, 400), max_size=3), max_size=3), max_size=2),
    min_size=1,
    max_size=3,
)


class Rollback(Exception):
    pass


def build(shape):
    country = unit(None, OrgUnit.Kind.COUNTRY, "RO", JurisdictionFactory())
    admin = member(Role.ADMIN, country)
    reports = []
    for c, counties in enumerate(shape):
        county = unit(country, OrgUnit.Kind.COUNTY, f"C{c}")
        for z, zones in enumerate(counties):
            zone = unit(county, OrgUnit.Kind.ZONE, f"C{c}Z{z}")
            for s, days in enumerate(zones):
                school = unit(zone, OrgUnit.Kind.SCHOOL, f"C{c}Z{z}S{s}")
                coordinator = member(Role.COORDINATOR, school)
                for i, day in enumerate(days):
                    with time_machine.travel(START + dt.timedelta(days=day), tick=False):
                        report, _receipt = submit(school)
                        reports.append((school.pk, report.created_at))
                        if i % 2 == 0:
                            case_open(actor=coordinator, school=school, title="t", reports=[report])
    return country, admin, reports


@settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(shape=shapes)
def test_every_unit_is_the_sum_of_its_children(db, shape):
    try:
        with transaction.atomic():
            country, admin, reports = build(shape)
            with time_machine.travel(START + dt.timedelta(days=500), tick=False):
                refresh()
            parent_of = dict(OrgUnit.objects.values_list("pk", "parent_id"))
            kinds = dict(OrgUnit.objects.values_list("pk", "kind"))
            sums: dict[tuple, int] = defaultdict(int)
            own: dict[tuple, int] = {}
            for unit_id, kind, start, ind, b, value in Cell.objects.values_list(
                "unit_id", "kind", "start", "indicator", "breakdown", "value"
            ):
                own[(unit_id, kind, start, ind, b)] = value
                if parent_of[unit_id] is not None:
                    sums[(parent_of[unit_id], kind, start, ind, b)] += value
            for key, value in own.items():
                if kinds[key[0]] != OrgUnit.Kind.SCHOOL:
                    assert sums.get(key, 0) == value, key
            for key, value in sums.items():
                assert own.get(key, 0) == value, key
            # The schools' counts are the raw rows, and so is the country's figure.
            per_school = Counter(pk for pk, _ in reports)
            for pk, n in per_school.items():
                stored = Cell.objects.filter(
                    unit_id=pk, kind="day", indicator="reports.total"
                ).aggregate(n=Sum("value"))["n"]
                assert stored == n
            everything = selectors.figures(
                user=admin,
                unit=country,
                start=dt.date(2026, 9, 1),
                end=dt.date(2028, 8, 31),
                codes=["reports.total", "cases.opened"],
            )
            total = everything["reports.total"]
            assert total.value == (len(reports) if len(reports) >= 10 or not reports else None)
            raise Rollback
    except Rollback:
        pass
