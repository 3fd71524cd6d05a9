"""Filling the count tables (``Cell``): a full rebuild, and the incremental refresh that reads
only what changed since its last run.

The watermarks: the largest ``Report`` id (a report's creation writes no event row), the
largest ``ReportEvent`` and ``CaseEvent`` ids (every change to a report or a case writes one),
and a time for deadlines that passed without anyone touching the case. From these come the
(school, day) pairs touched: a report's day, every day a changed case's facts and events are
dated on, and for prevention and care records (found through the audit log, their own dates
unknown) the whole school years around the change. Only those day cells are recomputed from
raw rows, read for many schools at once per block of days; how each changed is then added to
the month, term and school year holding it and to the same periods of every unit above (every
figure is a sum of day cells; coverage, which counts schools, is recomputed per touched school
and period). So the cost follows the change, and a full rebuild is the same path over every
dated row from empty tables. One transaction: running twice gives the same tables, and two
runs at once queue on the watermark rows.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from django.db import connections, transaction
from django.db.models import Max, Min, Q, QuerySet
from django.utils import timezone

from haven.audit.models import AuditEvent
from haven.care.models import (
    CommitteeDecision,
    ConcernEntry,
    ConcernFollowUp,
    ScreeningRound,
)
from haven.cases.models import Appeal, Case, CaseEvent, CaseTimer, Referral
from haven.insights.indicators import ANSWER_BUCKETS, FIRST_RESPONSE_BUCKETS, MONTH_BUCKETS
from haven.insights.models import Cell, Watermark
from haven.insights.surveyfacts import school_year_start, survey_counts
from haven.intake.models import Report, ReportEvent
from haven.orgs.calendar import SchoolCalendar, calendar_for
from haven.orgs.models import OrgUnit
from haven.prevention.models import (
    ActivityStatus,
    ChannelPublication,
    Meeting,
    MeetingKind,
    PlanActivity,
    Pledge,
    PreventionPlan,
    Training,
    TrainingAttendance,
)
from haven.surveys.models import UnitAggregate


@dataclass
class Result:
    schools: int = 0
    units: int = 0
    cells: int = 0


# ---------------------------------------------------------------------------------------------
# One school, from its raw rows


class _Periods:
    """The month, term and school year a day falls in, as (kind, start, end) (cached)."""

    def __init__(self, cal: SchoolCalendar):
        self.cal = cal
        self.cache: dict[dt.date, tuple[tuple[str, dt.date, dt.date], ...]] = {}

    def of(self, day: dt.date) -> tuple[tuple[str, dt.date, dt.date], ...]:
        found = self.cache.get(day)
        if found is None:
            month = day.replace(day=1)
            term = self.cal.period(day, self.cal.file.term_kind)
            year = self.cal.school_year(day)
            found = (
                ("month", month, _next_month(month) - dt.timedelta(days=1)),
                ("term", term.start, term.end),
                ("school_year", year.start, year.end),
            )
            self.cache[day] = found
        return found


@dataclass
class _School:
    ancestors: list[str]  # paths, root first, itself excluded
    zone: ZoneInfo
    cal: SchoolCalendar
    periods: _Periods


def _load_schools(ids: Iterable[int]) -> dict[int, _School]:
    out: dict[int, _School] = {}
    shared: dict[int, tuple[SchoolCalendar, _Periods]] = {}
    for chunk in _chunks(sorted(ids)):
        for school in OrgUnit.objects.select_related("jurisdiction").filter(pk__in=chunk):
            # Years and terms come from the jurisdiction's file: one calendar per jurisdiction.
            if school.jurisdiction_id not in shared:
                cal = calendar_for(school)
                shared[school.jurisdiction_id] = (cal, _Periods(cal))
            cal, periods = shared[school.jurisdiction_id]
            zone = ZoneInfo(school.jurisdiction.time_zone or "UTC")
            out[school.pk] = _School(school.ancestor_paths()[:-1], zone, cal, periods)
    return out


def _bucket_hours(delta: dt.timedelta) -> str:
    hours = delta.total_seconds() / 3600
    for limit, name in ((1, "0-1h"), (4, "1-4h"), (24, "4-24h"), (72, "1-3d")):
        if hours <= limit:
            return name
    return FIRST_RESPONSE_BUCKETS[4]


def _bucket_months(delta: dt.timedelta) -> str:
    days = delta.total_seconds() / 86400
    for limit, name in zip((30.5, 91.5, 183), MONTH_BUCKETS, strict=False):
        if days <= limit:
            return name
    return MONTH_BUCKETS[-1]


def _bucket_days(delta: dt.timedelta) -> str:
    days = delta.total_seconds() / 86400
    for limit, name in zip((1, 3, 7), ANSWER_BUCKETS, strict=False):
        if days <= limit:
            return name
    return ANSWER_BUCKETS[-1]


Fact = tuple[int, dt.date, str, str]  # school, local day, indicator, breakdown


def facts(
    school_ids: list[int] | None,
    start: dt.date,
    end: dt.date,
    schools: dict[int, _School],
    now: dt.datetime,
) -> list[Fact]:
    """(school, local day, indicator, breakdown) of every countable thing dated about
    ``start`` .. ``end`` (each fact counts one), of ``school_ids`` or of every school when
    None: one query per source for many schools. Times are read a day wider on each side
    (time zones) and dated in their school's zone; the caller keeps the pairs it recomputes.
    Schools missing from ``schools`` are skipped."""
    lo = dt.datetime.combine(start - dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC)
    hi = dt.datetime.combine(end + dt.timedelta(days=2), dt.time(), tzinfo=dt.UTC)
    out: list[Fact] = []
    add = out.append

    def day(school: int, moment: dt.datetime | None) -> dt.date:
        assert moment is not None  # filtered on a range of it
        return moment.astimezone(schools[school].zone).date()

    def of(qs: QuerySet, field: str) -> QuerySet:  # type: ignore[type-arg]
        return qs if school_ids is None else qs.filter(**{f"{field}__in": school_ids})

    reports = of(
        Report.objects.filter(created_at__gte=lo, created_at__lt=hi, merged_into__isnull=True),
        "school_id",
    ).values_list(
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
    )
    for (
        s,
        created,
        urgent,
        contact,
        entered_by,
        channel,
        harms,
        place,
        role,
        responded,
    ) in reports.iterator(chunk_size=5000):
        if s not in schools:
            continue
        d = day(s, created)
        add((s, d, "reports.total", ""))
        if urgent:
            add((s, d, "reports.urgent", ""))
        if not contact and entered_by is None:
            add((s, d, "reports.anonymous", ""))
        add((s, d, "reports.by_channel", channel))
        for harm in harms or []:
            add((s, d, "reports.by_harm", str(harm)))
        add((s, d, "reports.by_place", place or "unknown"))
        add((s, d, "reports.by_reporter_role", role or "unknown"))
        bucket = _bucket_hours(responded - created) if responded else FIRST_RESPONSE_BUCKETS[-1]
        add((s, d, "reports.first_response", bucket))

    cases = of(Case.objects.all(), "school_id")
    for s, opened, case_type, severity, first_report in (
        cases.filter(opened_at__gte=lo, opened_at__lt=hi)
        .annotate(first_report=Min("reports__created_at"))
        .values_list("school_id", "opened_at", "case_type", "severity", "first_report")
    ):
        if s not in schools:
            continue
        d = day(s, opened)
        add((s, d, "cases.opened", ""))
        add((s, d, "cases.by_type", case_type or "unknown"))
        add((s, d, "cases.by_severity", severity or "unknown"))
        if first_report is not None:
            add((s, d, "cases.report_to_case", _bucket_months(opened - first_report)))
    for s, opened, closed, determination in cases.filter(
        closed_at__gte=lo, closed_at__lt=hi
    ).values_list("school_id", "opened_at", "closed_at", "determination"):
        if s not in schools:
            continue
        d = day(s, closed)
        add((s, d, "cases.closed", ""))
        add((s, d, "cases.by_determination", determination or "none"))
        add((s, d, "cases.duration", _bucket_months(closed - opened)))

    timers = of(CaseTimer.objects.all(), "case__school_id")
    for s, due, stopped in timers.filter(due_at__gte=lo, due_at__lt=hi).values_list(
        "case__school_id", "due_at", "stopped_at"
    ):
        if s not in schools:
            continue
        if stopped is not None and stopped <= due:
            add((s, day(s, due), "deadlines.met", ""))
        elif stopped is not None or due <= now:
            add((s, day(s, due), "deadlines.missed", ""))
    for s, escalated in timers.filter(escalated_at__gte=lo, escalated_at__lt=hi).values_list(
        "case__school_id", "escalated_at"
    ):
        if s in schools:
            add((s, day(s, escalated), "cases.escalations", ""))

    referrals = of(Referral.objects.all(), "case__school_id")
    for s, sent, kind in referrals.filter(sent_at__gte=lo, sent_at__lt=hi).values_list(
        "case__school_id", "sent_at", "kind"
    ):
        if s in schools:
            add((s, day(s, sent), "referrals.sent", kind or "unknown"))
    for s, sent, answered in referrals.filter(answered_at__gte=lo, answered_at__lt=hi).values_list(
        "case__school_id", "sent_at", "answered_at"
    ):
        if s in schools:
            add((s, day(s, answered), "referrals.answer_time", _bucket_days(answered - sent)))

    appeals = of(Appeal.objects.all(), "case__school_id")
    for s, filed in appeals.filter(filed_at__gte=lo, filed_at__lt=hi).values_list(
        "case__school_id", "filed_at"
    ):
        if s in schools:
            add((s, day(s, filed), "appeals.filed", ""))
    for s, decided, outcome in appeals.filter(decided_at__gte=lo, decided_at__lt=hi).values_list(
        "case__school_id", "decided_at", "outcome"
    ):
        if s in schools:
            add((s, day(s, decided), "appeals.decided", outcome))
    out += _prevention_care_facts(school_ids, start, end, schools, now, lo, hi)
    return out


def _prevention_care_facts(
    school_ids: list[int] | None,
    start: dt.date,
    end: dt.date,
    schools: dict[int, _School],
    now: dt.datetime,
    lo: dt.datetime,
    hi: dt.datetime,
) -> list[Fact]:
    """Prevention and care facts dated about ``start`` .. ``end`` (see ``facts``)."""
    out: list[Fact] = []
    add = out.append
    today = {s: now.astimezone(school.zone).date() for s, school in schools.items()}

    def day(school: int, moment: dt.datetime | None) -> dt.date:
        assert moment is not None  # filtered on a range of it
        return moment.astimezone(schools[school].zone).date()

    def of(qs: QuerySet, field: str) -> QuerySet:  # type: ignore[type-arg]
        return qs if school_ids is None else qs.filter(**{f"{field}__in": school_ids})

    def dated(field: str) -> dict[str, dt.date]:
        return {f"{field}__gte": start, f"{field}__lte": end}

    # A plan counts once, on the first day of its school year: "schools with a plan".
    plans = of(
        PreventionPlan.objects.filter(year__gte=start.year - 1, year__lte=end.year), "unit_id"
    )
    for s, year in plans.values_list("unit_id", "year"):
        if s in schools:
            first = schools[s].cal.school_year_of(year).start
            if start <= first <= end:
                add((s, first, "prevention.plans", ""))
    for s, ends_on, status in of(
        PlanActivity.objects.filter(**dated("ends_on")), "plan__unit_id"
    ).values_list("plan__unit_id", "ends_on", "status"):
        if s not in schools or status == ActivityStatus.CANCELLED or ends_on > today[s]:
            continue
        add((s, ends_on, "prevention.activities_due", ""))
        if status == ActivityStatus.DONE:
            add((s, ends_on, "prevention.activities_done", ""))
    for s, held_on in of(Training.objects.filter(**dated("held_on")), "unit_id").values_list(
        "unit_id", "held_on"
    ):
        if s in schools:
            add((s, held_on, "prevention.trainings", ""))
    for s, held_on in of(
        TrainingAttendance.objects.filter(**dated("training__held_on")), "training__unit_id"
    ).values_list("training__unit_id", "training__held_on"):
        if s in schools:
            add((s, held_on, "prevention.staff_trained", ""))
    for s, signed in of(
        Pledge.objects.filter(signed_at__gte=lo, signed_at__lt=hi), "school_id"
    ).values_list("school_id", "signed_at"):
        if s in schools:
            add((s, day(s, signed), "prevention.pledges", ""))
    for s, held_on in of(
        Meeting.objects.filter(kind=MeetingKind.PARENTS, **dated("held_on")), "school_id"
    ).values_list("school_id", "held_on"):
        if s in schools:
            add((s, held_on, "prevention.parent_meetings", ""))
    published = ChannelPublication.objects.filter(**dated("published_on"))
    if school_ids is not None:
        published = published.filter(Q(unit_id__in=school_ids) | Q(unit__parent_id__in=school_ids))
    for unit, kind, parent, published_on in published.values_list(
        "unit_id", "unit__kind", "unit__parent_id", "published_on"
    ):
        s = unit if kind == OrgUnit.Kind.SCHOOL else parent if kind == OrgUnit.Kind.CLASS else 0
        if s in schools:
            add((s, published_on, "prevention.channels_published", ""))

    concerns = of(ConcernEntry.objects.all(), "school_id")
    for s, opened in concerns.filter(opened_at__gte=lo, opened_at__lt=hi).values_list(
        "school_id", "opened_at"
    ):
        if s in schools:
            add((s, day(s, opened), "care.concerns_opened", ""))
    for s, closed in concerns.filter(closed_at__gte=lo, closed_at__lt=hi).values_list(
        "school_id", "closed_at"
    ):
        if s in schools:
            add((s, day(s, closed), "care.concerns_closed", ""))
    for s, on in of(ConcernFollowUp.objects.filter(**dated("on")), "entry__school_id").values_list(
        "entry__school_id", "on"
    ):
        if s in schools:
            add((s, on, "care.reviews", ""))
    for s, ends_on in of(
        ScreeningRound.objects.filter(**dated("ends_on")), "school_id"
    ).values_list("school_id", "ends_on"):
        if s in schools and ends_on <= today[s]:
            add((s, ends_on, "care.screening_rounds", ""))
    for s, due_on, done_at in of(
        CommitteeDecision.objects.filter(**dated("due_on")), "meeting__school_id"
    ).values_list("meeting__school_id", "due_on", "done_at"):
        if s not in schools:
            continue
        assert due_on is not None  # filtered on a range of it
        late = day(s, done_at) > due_on if done_at is not None else due_on < today[s]
        if late:
            add((s, due_on, "care.decisions_overdue", ""))
    return out


def _family(indicator: str) -> str:
    from haven.insights import indicators

    return indicators.REGISTRY[indicator].family if indicator in indicators.REGISTRY else ""


CHUNK = 500  # ids per IN (...): under every database's parameter limit
# What one more query costs, in (school, day) pairs read: above it, neighbouring slices are
# read together (a full rebuild reads a month of every school at once).
QUERY_COST = 500


def _chunks(items: list[Any], size: int = CHUNK) -> Iterable[list[Any]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _next_month(day: dt.date) -> dt.date:
    return (day.replace(day=1) + dt.timedelta(days=32)).replace(day=1)


def _rectangles(touched: dict[int, set[dt.date]]) -> list[tuple[list[int], list[dt.date]]]:
    """Cover the touched (school, day) pairs by (schools x days) blocks inside one month:
    schools touched on the same days share a block, and a month's blocks merge into one when
    reading the extra pairs costs less than the queries it saves."""
    by_month: dict[dt.date, dict[frozenset[dt.date], list[int]]] = defaultdict(
        lambda: defaultdict(list)
    )
    for school, days in touched.items():
        months: dict[dt.date, set[dt.date]] = defaultdict(set)
        for d in days:
            months[d.replace(day=1)].add(d)
        for month, in_month in months.items():
            by_month[month][frozenset(in_month)].append(school)
    out: list[tuple[list[int], list[dt.date]]] = []
    for _month, groups in sorted(by_month.items()):
        pairs = sum(len(ds) * len(group) for ds, group in groups.items())
        all_schools = sorted({s for group in groups.values() for s in group})
        all_days = sorted(set[dt.date]().union(*groups))
        if len(all_schools) * len(all_days) <= pairs + QUERY_COST * (len(groups) - 1):
            out.append((all_schools, all_days))
        else:
            out += [(sorted(group), sorted(d)) for d, group in groups.items()]
    return out


ROWS_PER_STATEMENT = 150  # x 6 values: under SQLite's oldest limit of 999 parameters


def _insert(rows: list[tuple[int, str, dt.date, str, str, int]], *, add: bool = False) -> int:
    """Write cells (zeros are not stored), many rows per statement: a full rebuild writes
    hundreds of thousands, and a statement per row costs a round trip on PostgreSQL.
    ``add``: add each value to the stored cell's (a missing cell is a zero)."""
    rows = [row for row in rows if row[5]]
    table = connections["default"].ops.quote_name(Cell._meta.db_table)
    conflict = (
        " ON CONFLICT (unit_id, kind, start, indicator, breakdown) "
        f"DO UPDATE SET value = {table}.value + excluded.value"
        if add
        else ""
    )
    with connections["default"].cursor() as cursor:
        for batch in _chunks(rows, ROWS_PER_STATEMENT):
            values = ", ".join(["(%s, %s, %s, %s, %s, %s)"] * len(batch))
            cursor.execute(
                f"INSERT INTO {table} (unit_id, kind, start, indicator, breakdown, value) "  # noqa: S608
                f"VALUES {values}{conflict}",
                [value for row in batch for value in row],
            )
    return len(rows)


Delta = dict[tuple[int, str, dt.date, str, str], int]  # (unit, kind, start, ...) -> change


def _days(
    schools: dict[int, _School], block: tuple[list[int], list[dt.date]], now: dt.datetime
) -> tuple[int, dict[tuple[int, dt.date, str, str], int]]:
    """Recompute the day cells of a block from the raw rows; return how many were written
    and how each changed (new minus stored)."""
    ids, days = block
    wanted_ids, wanted_days = set(ids), set(days)
    # Many schools: read the days of every school and keep ours (one query, no huge IN).
    found = facts(ids if len(ids) <= CHUNK else None, days[0], days[-1], schools, now)
    cells: dict[tuple[int, dt.date, str, str], int] = defaultdict(int)
    for school, day, indicator, breakdown in found:
        if school in wanted_ids and day in wanted_days:
            cells[(school, day, indicator, breakdown)] += 1
    # Surveys count per school year: a school's yearly figures sit on the year's first day, so
    # its month, term and year (and every unit above) carry them like any other day cell.
    firsts: dict[int, set[dt.date]] = {}
    for school in ids:
        if school not in schools:
            continue
        cal = schools[school].cal
        if id(cal) not in firsts:
            firsts[id(cal)] = {d for d in days if cal.school_year(d).start == d}
        for first in firsts[id(cal)]:
            counts = survey_counts(school, cal.school_year(first))
            for code, value in counts.items():
                cells[(school, first, code, "")] += value
            if counts:
                cells[(school, first, "coverage.surveys", "")] = 1
    # Coverage: a school has data for a family on a day when it counted anything of it.
    for school, day, indicator, _breakdown in list(cells):
        family = _family(indicator)
        if family:
            cells[(school, day, f"coverage.{family}", "")] = 1
    change = dict(cells)
    for chunk in _chunks(ids):
        stored = Cell.objects.using("default").filter(unit_id__in=chunk, kind="day", start__in=days)
        for unit, start, indicator, breakdown, value in stored.values_list(
            "unit_id", "start", "indicator", "breakdown", "value"
        ):
            key = (unit, start, indicator, breakdown)
            change[key] = change.get(key, 0) - value
        stored.delete()
    written = _insert([(s, "day", d, i, b, v) for (s, d, i, b), v in cells.items()])
    return written, {k: v for k, v in change.items() if v}


def _coverage(
    kind: str, start: dt.date, end: dt.date, rose: set[tuple[int, str]], fell: set[tuple[int, str]]
) -> dict[tuple[int, str], int]:
    """How the schools' coverage cells of one month, term or year change, given the
    (school, coverage indicator) pairs whose day coverage rose or fell in it: a school has
    data for a family in the period when one of its days had (not a sum: it counts schools).
    A rise makes it 1; only a fall needs the period's other days read."""
    new = dict.fromkeys(rose, 1)
    scan = sorted({pk for pk, _indicator in fell - rose})
    for chunk in _chunks(scan):
        covered = (
            Cell.objects.using("default")
            .filter(unit_id__in=chunk, kind="day", start__gte=start, start__lte=end)
            .filter(indicator__startswith="coverage.")
            .values_list("unit_id", "indicator")
            .distinct()
        )
        new.update(dict.fromkeys(set(covered) & fell, 1))
    keys = rose | fell
    change = {key: new.get(key, 0) for key in keys}
    for chunk in _chunks(sorted({pk for pk, _indicator in keys})):
        stored = (
            Cell.objects.using("default")
            .filter(unit_id__in=chunk, kind=kind, start=start, indicator__startswith="coverage.")
            .values_list("unit_id", "indicator", "value")
        )
        for unit, indicator, value in stored:
            if (unit, indicator) in change:
                change[(unit, indicator)] -= value
    return {k: v for k, v in change.items() if v}


def _apply(delta: Delta) -> int:
    """Add ``delta`` to the cells, then drop the cells it brought to zero. The same
    statements on SQLite and PostgreSQL (keys are unique, so no row is hit twice)."""
    written = _insert([(*key, value) for key, value in delta.items()], add=True)
    emptied: dict[str, tuple[set[int], set[dt.date]]] = defaultdict(lambda: (set(), set()))
    for (unit, kind, start, _i, _b), value in delta.items():
        if value < 0:
            emptied[kind][0].add(unit)
            emptied[kind][1].add(start)
    for kind, (units, starts) in emptied.items():
        for unit_chunk in _chunks(sorted(units)):
            for start_chunk in _chunks(sorted(starts), 300):
                Cell.objects.filter(
                    unit_id__in=unit_chunk, kind=kind, start__in=start_chunk, value__lte=0
                ).delete()
    return written


def recompute(school_days: dict[int, set[dt.date]], now: dt.datetime) -> Result:
    """Recompute the touched (school, day) cells from the raw rows and carry how each
    changed into the months, terms and school years holding them and into the same periods
    of every unit above (every stored figure is a sum of day cells, coverage apart: it is
    recomputed per school and period, and its change carried up). A full rebuild is this
    over every day that has anything, from empty tables."""
    result = Result()
    schools = _load_schools(school_days)
    touched = {pk: days for pk, days in school_days.items() if pk in schools and days}
    if not touched:
        return result
    paths = {path for pk in touched for path in schools[pk].ancestors}
    ancestor_ids = dict(OrgUnit.objects.filter(path__in=list(paths)).values_list("path", "pk"))
    above = {
        pk: [ancestor_ids[p] for p in schools[pk].ancestors if p in ancestor_ids] for pk in touched
    }
    result.units = len(ancestor_ids)
    # Per month, term and year: the (school, coverage indicator) whose day coverage rose, fell.
    rose: dict[tuple[str, dt.date, dt.date], set[tuple[int, str]]] = defaultdict(set)
    fell: dict[tuple[str, dt.date, dt.date], set[tuple[int, str]]] = defaultdict(set)
    for block in _rectangles(touched):
        written, change = _days(schools, block, now)
        result.cells += written
        delta: Delta = defaultdict(int)
        for (pk, day, indicator, breakdown), value in change.items():
            for unit in above[pk]:
                delta[(unit, "day", day, indicator, breakdown)] += value
            if indicator.startswith("coverage."):
                for period in schools[pk].periods.of(day):
                    (rose if value > 0 else fell)[period].add((pk, indicator))
                continue
            for kind, start, _end in schools[pk].periods.of(day):
                delta[(pk, kind, start, indicator, breakdown)] += value
                for unit in above[pk]:
                    delta[(unit, kind, start, indicator, breakdown)] += value
        result.cells += _apply(delta)
        result.schools += len(block[0])
    delta = defaultdict(int)
    for kind, start, end in sorted(set(rose) | set(fell)):
        period = (kind, start, end)
        for (pk, indicator), value in _coverage(
            kind, start, end, rose[period], fell[period]
        ).items():
            for unit in (pk, *above[pk]):
                delta[(unit, kind, start, indicator, "")] += value
    result.cells += _apply(delta)
    return result


# ---------------------------------------------------------------------------------------------
# What changed since the last run


def _local_day(moment: dt.datetime, tz_name: str) -> dt.date:
    return moment.astimezone(ZoneInfo(tz_name or "UTC")).date()


def _mark(name: str) -> Watermark:
    mark, _ = Watermark.objects.get_or_create(name=name)
    return Watermark.objects.select_for_update().get(pk=mark.pk)


# Audit actions of the records the prevention and care indicators count.
AUDITED_PREFIXES = ("prevention.", "plan.", "concern.", "meeting.", "screening.", "committee.")


def _touch_audited(events: QuerySet[AuditEvent], touch_year: Callable[..., None]) -> None:
    """Schools whose prevention or care records changed, from the audit log (every service
    writes an event naming its school or class). A record may be dated before it is entered
    (a meeting held last June): the school year before the event's is recomputed too; one
    dated earlier still waits for the next full rebuild."""
    changed = Q()
    for prefix in AUDITED_PREFIXES:
        changed |= Q(action__startswith=prefix)
    rows = (
        events.filter(changed, org_unit__kind__in=[OrgUnit.Kind.SCHOOL, OrgUnit.Kind.CLASS])
        # Reading a record writes an audit event too; it changes no count.
        .exclude(action__endswith="view")
        .exclude(action__endswith="_viewed")
        .exclude(action__endswith=".list")
    )
    for unit_id, kind, parent_id, tz, at in rows.values_list(
        "org_unit_id",
        "org_unit__kind",
        "org_unit__parent_id",
        "org_unit__jurisdiction__time_zone",
        "created_at",
    ).iterator():
        school_id = unit_id if kind == OrgUnit.Kind.SCHOOL else parent_id
        # The whole school years: the record's own date is not in the event.
        touch_year(school_id, tz, at, at - dt.timedelta(days=366))


def _touch_cases(cases: QuerySet[Case] | None, touch: Callable[..., None]) -> None:
    """Every day a fact of these cases (None: of every case) is dated on, and every day one
    of their events happened (a reopened case's old closing day is its closing event's)."""
    school = ("case__school_id", "case__school__jurisdiction__time_zone")
    sources: list[tuple[QuerySet[Any], tuple[str, ...]]] = [
        (CaseEvent.objects.all(), ("created_at",)),
        (CaseTimer.objects.all(), ("due_at", "escalated_at")),
        (Referral.objects.all(), ("sent_at", "answered_at")),
        (Appeal.objects.all(), ("filed_at", "decided_at")),
    ]
    opened = ("school_id", "school__jurisdiction__time_zone", "opened_at", "closed_at")
    if cases is None:  # everything: whole tables, streamed
        for row in Case.objects.values_list(*opened).iterator(chunk_size=5000):
            touch(*row)
        for qs, fields in sources:
            for row in qs.values_list(*school, *fields).iterator(chunk_size=5000):
                touch(*row)
        return
    for chunk in _chunks(list(cases.values_list("pk", flat=True))):
        for row in Case.objects.filter(pk__in=chunk).values_list(*opened):
            touch(*row)
        for qs, fields in sources:
            for row in qs.filter(case_id__in=chunk).values_list(*school, *fields):
                touch(*row)


def _touch_prevention_care(touched: dict[int, set[dt.date]], plans: dict[int, set[int]]) -> None:
    """Every day a prevention or care row is dated on (a plan: its school year, whose first
    day the caller finds in the school's calendar)."""
    for unit, year in PreventionPlan.objects.values_list("unit_id", "year").iterator():
        plans[unit].add(year)
    dated: list[tuple[QuerySet[Any], str, str]] = [
        (PlanActivity.objects.all(), "plan__unit_id", "ends_on"),
        (Training.objects.all(), "unit_id", "held_on"),
        (Meeting.objects.filter(kind=MeetingKind.PARENTS), "school_id", "held_on"),
        (ConcernFollowUp.objects.all(), "entry__school_id", "on"),
        (ScreeningRound.objects.all(), "school_id", "ends_on"),
        (CommitteeDecision.objects.all(), "meeting__school_id", "due_on"),
    ]
    for qs, school, field in dated:
        for school_id, on in qs.values_list(school, field).iterator(chunk_size=5000):
            if on is not None:
                touched[school_id].add(on)
    for unit, kind, parent, on in ChannelPublication.objects.values_list(
        "unit_id", "unit__kind", "unit__parent_id", "published_on"
    ).iterator(chunk_size=5000):
        # A school's own, or one of its classes'.
        school_id = unit if kind == OrgUnit.Kind.SCHOOL else parent
        if school_id is not None and kind in (OrgUnit.Kind.SCHOOL, OrgUnit.Kind.CLASS):
            touched[school_id].add(on)
    timed: list[tuple[QuerySet[Any], str, tuple[str, ...]]] = [
        (Pledge.objects.all(), "school", ("signed_at",)),
        (ConcernEntry.objects.all(), "school", ("opened_at", "closed_at")),
    ]
    for qs, school, fields in timed:
        for school_id, tz, *moments in qs.values_list(
            f"{school}_id", f"{school}__jurisdiction__time_zone", *fields
        ).iterator(chunk_size=5000):
            for moment in moments:
                if moment is not None:
                    touched[school_id].add(_local_day(moment, tz))


# A school's survey row is stamped before its transaction commits: read back a little further
# than the last run so that a row committed just after it is not skipped (rereading is harmless).
SURVEY_OVERLAP = dt.timedelta(minutes=5)


def _touch_surveys(since: dt.datetime | None, touched: dict[int, set[dt.date]]) -> None:
    """Schools whose yearly survey row (the surveys app's aggregate) changed since ``since``
    (all of them when None): their school year is recomputed."""
    rows = UnitAggregate.objects.filter(unit__kind=OrgUnit.Kind.SCHOOL).select_related(
        "unit__jurisdiction"
    )
    if since is not None:
        rows = rows.filter(refreshed_at__gt=since - SURVEY_OVERLAP)
    for row in rows.defer("data"):
        first = school_year_start(row.unit, row.period)
        if first is not None:
            touched[row.unit_id].add(first)


def refresh(*, full: bool = False, now: dt.datetime | None = None) -> Result:
    """Bring the count tables up to date (``full``: rebuild them from the raw rows)."""
    now = now or timezone.now()
    with transaction.atomic():
        names = ("report", "report_event", "case_event", "audit", "timers", "survey")
        marks = {n: _mark(n) for n in names}
        touched: dict[int, set[dt.date]] = defaultdict(set)
        years: dict[int, set[dt.date]] = defaultdict(set)
        plans: dict[int, set[int]] = defaultdict(set)  # school -> school years of its plans

        def touch(school_id: int, tz: str, *moments: dt.datetime | None) -> None:
            # Not capped at now: a deadline met early counts on its (future) due day.
            for moment in moments:
                if moment is not None:
                    touched[school_id].add(_local_day(moment, tz))

        def touch_year(school_id: int, tz: str, *moments: dt.datetime) -> None:
            for moment in moments:
                years[school_id].add(_local_day(min(moment, now), tz))

        tops = {
            "report": Report.objects.aggregate(m=Max("pk"))["m"] or 0,
            "report_event": ReportEvent.objects.aggregate(m=Max("pk"))["m"] or 0,
            "case_event": CaseEvent.objects.aggregate(m=Max("pk"))["m"] or 0,
            # Every service writes an audit event naming its unit: prevention and care
            # records (plans, trainings, concerns...) are found through it.
            "audit": AuditEvent.objects.aggregate(m=Max("pk"))["m"] or 0,
        }
        if full:
            # The same path over everything: every dated row touches its day.
            Cell.objects.all().delete()
            for school_id, tz, created in Report.objects.values_list(
                "school_id", "school__jurisdiction__time_zone", "created_at"
            ).iterator():
                touch(school_id, tz, created)
            _touch_cases(None, touch)
            # Prevention and care rows by their own dates (not the audit log's whole years:
            # every school's years would be every day of the country).
            _touch_prevention_care(touched, plans)
        else:
            for school_id, tz, created in Report.objects.filter(
                pk__gt=marks["report"].last_id, pk__lte=tops["report"]
            ).values_list("school_id", "school__jurisdiction__time_zone", "created_at"):
                touch(school_id, tz, created)
            for school_id, tz, created, at in ReportEvent.objects.filter(
                pk__gt=marks["report_event"].last_id, pk__lte=tops["report_event"]
            ).values_list(
                "report__school_id",
                "report__school__jurisdiction__time_zone",
                "report__created_at",
                "created_at",
            ):
                touch(school_id, tz, created, at)
            changed = CaseEvent.objects.filter(
                pk__gt=marks["case_event"].last_id, pk__lte=tops["case_event"]
            ).values("case_id")
            _touch_cases(Case.objects.filter(pk__in=changed), touch)
            audited = AuditEvent.objects.filter(
                pk__gt=marks["audit"].last_id, pk__lte=tops["audit"]
            )
            _touch_audited(audited, touch_year)
            # Deadlines that passed unmet since the last run change without any event.
            since = marks["timers"].at
            passed = CaseTimer.objects.filter(stopped_at__isnull=True, due_at__lte=now)
            if since is not None:
                passed = passed.filter(due_at__gt=since)
            for school_id, tz, due in passed.values_list(
                "case__school_id", "case__school__jurisdiction__time_zone", "due_at"
            ):
                touch(school_id, tz, due)
        # A touched school year: all its days, and the first day of the next (a plan made
        # ahead counts there).
        calendars = _load_schools(set(years) | set(plans))
        for school_id, plan_years in plans.items():
            if school_id in calendars:
                cal = calendars[school_id].cal
                touched[school_id].update(cal.school_year_of(y).start for y in plan_years)
        for school_id, days in years.items():
            if school_id not in calendars:
                continue
            cal = calendars[school_id].cal
            for start in {cal.school_year(d).start for d in days}:
                sy = cal.school_year(start)
                span = (sy.end - sy.start).days + 1
                touched[school_id].update(sy.start + dt.timedelta(days=i) for i in range(span + 1))
        _touch_surveys(None if full else marks["survey"].at, touched)
        result = recompute(dict(touched), now)
        for name, top in tops.items():
            marks[name].last_id = top
            marks[name].save(update_fields=["last_id"])
        for name in ("timers", "survey"):
            marks[name].at = now
            marks[name].save(update_fields=["at"])
    connection = connections["default"]
    if full and connection.vendor == "postgresql":
        # PostgreSQL plans from the table's statistics, which a rebuild leaves stale until
        # autovacuum comes by: planned for the emptied table, dashboard reads scanned it whole
        # (a county read took 100-375 ms instead of a few).
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(Cell._meta.db_table)}")
    return result
