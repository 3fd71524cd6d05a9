import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from django.db.models import F

from haven.cases.services import case_open
from haven.insights.models import Cell
from haven.insights.refresh import refresh
from haven.intake.tests.helpers import submit
from haven.orgs.calendar import calendar_for

pytestmark = pytest.mark.django_db

DAY = dt.datetime(2026, 10, 14, 10, 0, tzinfo=dt.UTC)


def table() -> set[tuple[int, str, dt.date, str, str, int]]:
    return set(
        Cell.objects.values_list("unit_id", "kind", "start", "indicator", "breakdown", "value")
    )


def cells_of(unit, indicator, kind="day"):
    return dict(
        Cell.objects.filter(unit=unit, indicator=indicator, kind=kind, breakdown="").values_list(
            "start", "value"
        )
    )


def test_a_report_is_counted_at_its_school_and_every_unit_above(tree):
    with time_machine.travel(DAY, tick=False):
        submit(tree.school_a)
        refresh()
    for unit in (tree.school_a, tree.zone_a, tree.county, tree.country):
        assert cells_of(unit, "reports.total") == {dt.date(2026, 10, 14): 1}
        assert cells_of(unit, "reports.total", "month") == {dt.date(2026, 10, 1): 1}
        assert cells_of(unit, "reports.total", "school_year") == {dt.date(2026, 9, 1): 1}
    assert cells_of(tree.zone_b, "reports.total") == {}


def test_refresh_twice_gives_the_same_tables(tree):
    with time_machine.travel(DAY, tick=False):
        submit(tree.school_a)
        submit(tree.school_b)
        refresh()
        first = table()
        refresh()
        assert table() == first
        refresh(full=True)
        assert table() == first


def test_a_new_report_changes_exactly_its_cells(tree):
    with time_machine.travel(DAY, tick=False):
        submit(tree.school_a, channel="web")
        submit(tree.school_b)
        refresh()
    before = table()
    with time_machine.travel(DAY + dt.timedelta(days=30), tick=False):
        submit(tree.school_a, channel="web")
        refresh()
    after = table()
    changed = {row[:5] for row in before ^ after}
    day = dt.date(2026, 11, 13)
    cal = calendar_for(tree.school_a)
    term = cal.period(day, cal.file.term_kind).start
    first_term = cal.period(dt.date(2026, 10, 14), cal.file.term_kind).start
    chain = {tree.school_a.pk, tree.zone_a.pk, tree.county.pk, tree.country.pk}
    expected = set()
    for unit in chain:
        for kind, start in (
            ("day", day),
            ("month", dt.date(2026, 11, 1)),
            ("term", term),
            ("school_year", dt.date(2026, 9, 1)),
        ):
            for indicator, breakdown in (
                ("reports.total", ""),
                ("reports.anonymous", ""),
                ("reports.by_channel", "web"),
                ("reports.by_harm", "physical"),
                ("reports.by_harm", "verbal"),
                ("reports.by_place", "corridor"),
                ("reports.by_reporter_role", "pupil"),
                ("reports.first_response", "none"),
                ("coverage.reports", ""),
            ):
                expected.add((unit, kind, start, indicator, breakdown))
    # Cells of the year (and of the term, when both fall in it) change their value; the
    # others are new. Coverage stays 1 where the school already had a report.
    expected -= {(u, "school_year", dt.date(2026, 9, 1), "coverage.reports", "") for u in chain}
    if term == first_term:
        expected -= {(u, "term", term, "coverage.reports", "") for u in chain}
    assert changed == expected


def test_incremental_refresh_reads_case_events_and_the_command_catches_up(tree):
    with time_machine.travel(DAY, tick=False):
        report, _receipt = submit(tree.school_a)
        call_command("insights_refresh", verbosity=0)
        case_open(
            actor=tree.users["coordinator"],
            school=tree.school_a,
            title="Pushing",
            reports=[report],
        )
        call_command("insights_refresh", verbosity=0)
    assert cells_of(tree.county, "cases.opened") == {dt.date(2026, 10, 14): 1}


def test_prevention_records_are_found_through_the_audit_log_even_when_backdated(tree):
    from haven.prevention.services import channel_record, meeting_record

    with time_machine.travel(DAY, tick=False):
        refresh()
        # Held last June (the school year before), recorded today.
        meeting_record(
            actor=tree.users["principal"],
            school=tree.school_a,
            kind="parents",
            held_on=dt.date(2026, 6, 10),
            classes=[tree.class_a],
            topic="Safety at school",
            attendance=20,
        )
        channel_record(
            actor=tree.users["principal"],
            school=tree.school_a,
            unit=tree.class_a,
            kind="hotline",
            detail="",
            published_on=dt.date(2026, 10, 1),
        )
        refresh()
        incremental = table()
        refresh(full=True)
        assert table() == incremental
    assert cells_of(tree.county, "prevention.parent_meetings") == {dt.date(2026, 6, 10): 1}
    assert cells_of(tree.country, "prevention.channels_published") == {dt.date(2026, 10, 1): 1}


def test_a_report_merged_later_leaves_its_day_month_and_year_everywhere(tree):
    from haven.intake.services import report_merge

    with time_machine.travel(DAY, tick=False):
        kept, _ = submit(tree.school_a, channel="web")
        merged, _ = submit(tree.school_a, channel="hotline")
        refresh()
    assert cells_of(tree.county, "reports.total", "school_year") == {dt.date(2026, 9, 1): 2}
    with time_machine.travel(DAY + dt.timedelta(days=40), tick=False):
        report_merge(actor=tree.users["coordinator"], report=merged, into=kept)
        refresh()
        incremental = table()
        refresh(full=True)
        assert table() == incremental
    for unit in (tree.school_a, tree.county, tree.country):
        assert cells_of(unit, "reports.total") == {dt.date(2026, 10, 14): 1}
        assert cells_of(unit, "reports.total", "month") == {dt.date(2026, 10, 1): 1}
        assert cells_of(unit, "reports.total", "school_year") == {dt.date(2026, 9, 1): 1}
    hotline = Cell.objects.filter(indicator="reports.by_channel", breakdown="hotline")
    assert not hotline.exists()  # a count brought to zero leaves no row


def test_a_plan_made_ahead_counts_on_its_school_years_first_day_without_a_rebuild(tree):
    from haven.prevention.services import plan_create

    june = dt.datetime(2026, 6, 20, 10, 0, tzinfo=dt.UTC)
    with time_machine.travel(june, tick=False):
        refresh()
        plan_create(actor=tree.users["principal"], unit=tree.school_a, year=2026)
        refresh()
        incremental = table()
        refresh(full=True)
        assert table() == incremental
    first = calendar_for(tree.school_a).school_year_of(2026).start
    assert cells_of(tree.county, "prevention.plans", "school_year") == {first: 1}


def test_deadlines_met_early_count_on_their_due_days_after_a_later_run(tree):
    from haven.cases.models import CaseTimer
    from haven.cases.services import case_transition, case_update

    coordinator = tree.users["coordinator"]
    with time_machine.travel(DAY, tick=False):
        report, _receipt = submit(tree.school_a)
        case = case_open(
            actor=coordinator, school=tree.school_a, title="Corridor", reports=[report]
        )
        refresh()
        assert cells_of(tree.county, "deadlines.met", "school_year") == {}
    with time_machine.travel(DAY + dt.timedelta(hours=2), tick=False):
        case_update(
            actor=coordinator,
            case=case,
            changes={"case_type": "child_child", "severity": "low", "determination": "bullying"},
        )
        for step in ("assess", "plan", "implement", "review", "close"):
            case_transition(actor=coordinator, case=case, code=step)
        refresh()
        incremental = table()
        refresh(full=True)
        assert table() == incremental
    zone = ZoneInfo(tree.school_a.jurisdiction.time_zone or "UTC")
    met = CaseTimer.objects.filter(case=case, stopped_at__lte=F("due_at"))
    due = {moment.astimezone(zone).date() for moment in met.values_list("due_at", flat=True)}
    assert due and set(cells_of(tree.school_a, "deadlines.met")) == due
    assert cells_of(tree.country, "cases.closed") == {dt.date(2026, 10, 14): 1}
