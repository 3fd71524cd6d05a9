"""Filling the count tables (``Cell``): a full rebuild, and the incremental refresh that reads
only what changed since its last run.

The watermarks: the largest ``Report`` id (a report's creation writes no event row), the
largest ``ReportEvent`` and ``CaseEvent`` ids (every change to a report or a case writes one),
and a time for deadlines that passed without anyone touching the case. From these come the
(school, day) pairs touched; each touched school's cells are recomputed from its raw rows for
the whole school years those days fall in (bounded: one school's rows for a year), then every
ancestor's cells for the same periods are recomputed as the sum of its children's cells,
deepest first. Both writes replace a slice (delete, then insert) in one transaction, so running
twice gives the same tables, and two runs at once queue on the watermark rows.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.db import connections, transaction
from django.db.models import Max, Min, Q, QuerySet, Sum
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
from haven.insights.surveyfacts import school_year_start, survey_cells
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

KINDS = ("day", "month", "term", "school_year")
Key = tuple[str, dt.date, str, str]  # kind, start, indicator, breakdown
Span = set[tuple[str, dt.date, dt.date]]  # (kind, first, last period start) slices written


@dataclass
class Result:
    schools: int = 0
    units: int = 0
    cells: int = 0


# ---------------------------------------------------------------------------------------------
# One school, from its raw rows


class _Periods:
    """The starts of the day, month, term and school year a date falls in (cached)."""

    def __init__(self, cal: SchoolCalendar):
        self.cal = cal
        self.cache: dict[dt.date, tuple[dt.date, ...]] = {}

    def starts(self, day: dt.date) -> tuple[dt.date, ...]:
        found = self.cache.get(day)
        if found is None:
            term = self.cal.period(day, self.cal.file.term_kind)
            year = self.cal.school_year(day)
            found = (day, day.replace(day=1), term.start, year.start)
            self.cache[day] = found
        return found


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


def school_facts(
    school: OrgUnit, start: dt.date, end: dt.date, now: dt.datetime
) -> list[tuple[dt.date, str, str]]:
    """(local day, indicator, breakdown) of every countable thing of ``school`` whose day
    falls in ``start`` .. ``end`` (each fact counts one)."""
    tz = ZoneInfo(school.jurisdiction.time_zone or "UTC")
    lo = dt.datetime.combine(start, dt.time(), tzinfo=tz)
    hi = dt.datetime.combine(end + dt.timedelta(days=1), dt.time(), tzinfo=tz)

    def day(moment: dt.datetime | None) -> dt.date:
        assert moment is not None  # filtered on a range of it
        return moment.astimezone(tz).date()

    def d_closed(moment: dt.datetime | None) -> dt.datetime:
        assert moment is not None
        return moment

    facts: list[tuple[dt.date, str, str]] = []
    add = facts.append
    reports = Report.objects.filter(
        school=school, created_at__gte=lo, created_at__lt=hi, merged_into__isnull=True
    ).values_list(
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
    for created, urgent, contact, entered_by, channel, harms, place, role, responded in reports:
        d = day(created)
        add((d, "reports.total", ""))
        if urgent:
            add((d, "reports.urgent", ""))
        if not contact and entered_by is None:
            add((d, "reports.anonymous", ""))
        add((d, "reports.by_channel", channel))
        for harm in harms or []:
            add((d, "reports.by_harm", str(harm)))
        add((d, "reports.by_place", place or "unknown"))
        add((d, "reports.by_reporter_role", role or "unknown"))
        bucket = _bucket_hours(responded - created) if responded else FIRST_RESPONSE_BUCKETS[-1]
        add((d, "reports.first_response", bucket))

    cases = Case.objects.filter(school=school)
    for opened, case_type, severity, first_report in (
        cases.filter(opened_at__gte=lo, opened_at__lt=hi)
        .annotate(first_report=Min("reports__created_at"))
        .values_list("opened_at", "case_type", "severity", "first_report")
    ):
        d = day(opened)
        add((d, "cases.opened", ""))
        add((d, "cases.by_type", case_type or "unknown"))
        add((d, "cases.by_severity", severity or "unknown"))
        if first_report is not None:
            add((d, "cases.report_to_case", _bucket_months(opened - first_report)))
    for opened, closed, determination in cases.filter(
        closed_at__gte=lo, closed_at__lt=hi
    ).values_list("opened_at", "closed_at", "determination"):
        d = day(closed)
        add((d, "cases.closed", ""))
        add((d, "cases.by_determination", determination or "none"))
        add((d, "cases.duration", _bucket_months(d_closed(closed) - opened)))

    timers = CaseTimer.objects.filter(case__school=school)
    for due, stopped in timers.filter(due_at__gte=lo, due_at__lt=hi).values_list(
        "due_at", "stopped_at"
    ):
        if stopped is not None and stopped <= due:
            add((day(due), "deadlines.met", ""))
        elif stopped is not None or due <= now:
            add((day(due), "deadlines.missed", ""))
    for (escalated,) in timers.filter(escalated_at__gte=lo, escalated_at__lt=hi).values_list(
        "escalated_at"
    ):
        add((day(escalated), "cases.escalations", ""))

    referrals = Referral.objects.filter(case__school=school)
    for sent, kind in referrals.filter(sent_at__gte=lo, sent_at__lt=hi).values_list(
        "sent_at", "kind"
    ):
        add((day(sent), "referrals.sent", kind or "unknown"))
    for sent, answered in referrals.filter(answered_at__gte=lo, answered_at__lt=hi).values_list(
        "sent_at", "answered_at"
    ):
        add((day(answered), "referrals.answer_time", _bucket_days(d_closed(answered) - sent)))

    appeals = Appeal.objects.filter(case__school=school)
    for (filed,) in appeals.filter(filed_at__gte=lo, filed_at__lt=hi).values_list("filed_at"):
        add((day(filed), "appeals.filed", ""))
    for decided, outcome in appeals.filter(decided_at__gte=lo, decided_at__lt=hi).values_list(
        "decided_at", "outcome"
    ):
        add((day(decided), "appeals.decided", outcome))
    facts += _prevention_care_facts(school, start, end, day, now)
    return facts


def _prevention_care_facts(
    school: OrgUnit,
    start: dt.date,
    end: dt.date,
    day: Callable[[dt.datetime | None], dt.date],
    now: dt.datetime,
) -> list[tuple[dt.date, str, str]]:
    """Prevention and care facts of ``school`` dated ``start`` .. ``end`` (see indicators)."""
    facts: list[tuple[dt.date, str, str]] = []
    add = facts.append
    today = day(now)
    cal = calendar_for(school)
    within = {"gte": start, "lte": end}

    def dated(field: str) -> dict[str, dt.date]:
        return {f"{field}__{op}": v for op, v in within.items()}

    # A plan counts once, on the first day of its school year: "schools with a plan".
    for (year,) in PreventionPlan.objects.filter(unit=school).values_list("year"):
        first = cal.school_year_of(year).start
        if start <= first <= end:
            add((first, "prevention.plans", ""))
    for ends_on, status in PlanActivity.objects.filter(
        plan__unit=school, **dated("ends_on")
    ).values_list("ends_on", "status"):
        if status == ActivityStatus.CANCELLED or ends_on > today:
            continue
        add((ends_on, "prevention.activities_due", ""))
        if status == ActivityStatus.DONE:
            add((ends_on, "prevention.activities_done", ""))
    for (held_on,) in Training.objects.filter(unit=school, **dated("held_on")).values_list(
        "held_on"
    ):
        add((held_on, "prevention.trainings", ""))
    for (held_on,) in TrainingAttendance.objects.filter(
        training__unit=school, **dated("training__held_on")
    ).values_list("training__held_on"):
        add((held_on, "prevention.staff_trained", ""))
    lo = dt.datetime.combine(start, dt.time(), tzinfo=ZoneInfo(school.jurisdiction.time_zone))
    hi = dt.datetime.combine(
        end + dt.timedelta(days=1), dt.time(), tzinfo=ZoneInfo(school.jurisdiction.time_zone)
    )
    for (signed,) in Pledge.objects.filter(
        school=school, signed_at__gte=lo, signed_at__lt=hi
    ).values_list("signed_at"):
        add((day(signed), "prevention.pledges", ""))
    for (held_on,) in Meeting.objects.filter(
        school=school, kind=MeetingKind.PARENTS, **dated("held_on")
    ).values_list("held_on"):
        add((held_on, "prevention.parent_meetings", ""))
    for (published_on,) in ChannelPublication.objects.filter(
        Q(unit=school) | Q(unit__parent=school), **dated("published_on")
    ).values_list("published_on"):
        add((published_on, "prevention.channels_published", ""))

    concerns = ConcernEntry.objects.filter(school=school)
    for (opened,) in concerns.filter(opened_at__gte=lo, opened_at__lt=hi).values_list("opened_at"):
        add((day(opened), "care.concerns_opened", ""))
    for (closed,) in concerns.filter(closed_at__gte=lo, closed_at__lt=hi).values_list("closed_at"):
        add((day(closed), "care.concerns_closed", ""))
    for (on,) in ConcernFollowUp.objects.filter(entry__school=school, **dated("on")).values_list(
        "on"
    ):
        add((on, "care.reviews", ""))
    for (ends_on,) in ScreeningRound.objects.filter(school=school, **dated("ends_on")).values_list(
        "ends_on"
    ):
        if ends_on <= today:
            add((ends_on, "care.screening_rounds", ""))
    for due_on, done_at in CommitteeDecision.objects.filter(
        meeting__school=school, **dated("due_on")
    ).values_list("due_on", "done_at"):
        assert due_on is not None  # filtered on a range of it
        late = day(done_at) > due_on if done_at is not None else due_on < today
        if late:
            add((due_on, "care.decisions_overdue", ""))
    return facts


def _family(indicator: str) -> str:
    from haven.insights import indicators

    return indicators.REGISTRY[indicator].family if indicator in indicators.REGISTRY else ""


def school_cells(
    school: OrgUnit, years: Iterable[dt.date], now: dt.datetime
) -> tuple[dict[Key, int], Span]:
    """The cells of ``school`` for the school years that contain ``years`` (any day in each),
    and per kind the range of period starts they cover (all of them, zero or not)."""
    cal = calendar_for(school)
    periods = _Periods(cal)
    cells: dict[Key, int] = defaultdict(int)
    span: Span = set()
    # A month belongs to the school year it starts in (a year starting mid-month leaves its
    # first, cut month to the year before), so a touched day also touches its month's year.
    starts = {cal.school_year(d).start for d in years}
    starts |= {cal.school_year(_month_start(d)).start for d in years}
    for year in sorted(starts):
        sy = cal.school_year(year)
        first_month = _month_start(sy.start)
        if first_month < sy.start:
            first_month = _next_month(first_month)
        last_month = _month_start(sy.end)
        window_end = max(sy.end, _next_month(last_month) - dt.timedelta(days=1))
        terms = cal.terms(sy)
        kinds = {
            "day": (sy.start, sy.end),
            "month": (first_month, last_month),
            "term": (terms[0].start, terms[-1].start),
            "school_year": (sy.start, sy.start),
        }
        for day, indicator, breakdown in school_facts(school, sy.start, window_end, now):
            for kind, start in zip(KINDS, periods.starts(day), strict=True):
                lo, hi = kinds[kind]
                if lo <= start <= hi:
                    cells[(kind, start, indicator, breakdown)] += 1
        cells.update(survey_cells(school, sy))  # school-year counts, not one-per-fact
        span |= {(kind, lo, hi) for kind, (lo, hi) in kinds.items()}
    # Coverage: a school has data for a family in a period when it counted anything of it.
    for (kind, start, indicator, _breakdown), _n in list(cells.items()):
        family = _family(indicator)
        if family:
            cells[(kind, start, f"coverage.{family}", "")] = 1
    return dict(cells), span


def _month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def _next_month(day: dt.date) -> dt.date:
    return (day.replace(day=1) + dt.timedelta(days=32)).replace(day=1)


def _replace(unit_id: int, cells: dict[Key, int], span: Span) -> int:
    """Replace ``unit_id``'s cells inside ``span`` by ``cells`` (zeros are not stored)."""
    for kind, lo, hi in span:
        Cell.objects.filter(unit_id=unit_id, kind=kind, start__gte=lo, start__lte=hi).delete()
    # Callers build cells inside ``span`` only. One executemany, not model instances: the
    # refresh writes hundreds of thousands of rows in a full rebuild.
    rows = [(unit_id, k, s, i, b, v) for (k, s, i, b), v in cells.items() if v]
    table = connections["default"].ops.quote_name(Cell._meta.db_table)
    with connections["default"].cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {table} (unit_id, kind, start, indicator, breakdown, value) "  # noqa: S608
            "VALUES (%s, %s, %s, %s, %s, %s)",
            rows,
        )
    return len(rows)


def _merge(spans: Iterable[Span]) -> Span:
    return set().union(*spans)


def _rollup(unit: OrgUnit, span: Span) -> int:
    """Recompute ``unit``'s cells in ``span`` as the sum of its children's cells."""
    cells: dict[Key, int] = {}
    for kind, lo, hi in span:
        rows = (
            # The primary, never the replica: a lagging copy would roll up stale children.
            Cell.objects.using("default")
            .filter(unit__parent=unit, kind=kind, start__gte=lo, start__lte=hi)
            .values_list("start", "indicator", "breakdown")
            .annotate(total=Sum("value"))
        )
        for start, indicator, breakdown, total in rows:
            cells[(kind, start, indicator, breakdown)] = int(total)
    return _replace(unit.pk, cells, span)


def recompute(school_days: dict[int, set[dt.date]], now: dt.datetime) -> Result:
    """Recompute the touched schools' school years and every ancestor's same periods."""
    result = Result()
    if not school_days:
        return result
    schools = OrgUnit.objects.select_related("jurisdiction").in_bulk(list(school_days))
    by_ancestor: dict[str, list[Span]] = defaultdict(list)
    for pk, days in school_days.items():
        school = schools.get(pk)
        if school is None:
            continue
        cells, span = school_cells(school, days, now)
        result.cells += _replace(pk, cells, span)
        result.schools += 1
        for path in school.ancestor_paths()[:-1]:
            by_ancestor[path].append(span)
    ancestors = OrgUnit.objects.filter(path__in=list(by_ancestor)).order_by("-depth")
    for unit in ancestors:
        result.cells += _rollup(unit, _merge(by_ancestor[unit.path]))
        result.units += 1
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


def _touch_audited(events: QuerySet[AuditEvent], touch: Callable[..., None]) -> None:
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
        touch(school_id, tz, at, at - dt.timedelta(days=366))


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

        def touch(school_id: int, tz: str, *moments: dt.datetime | None) -> None:
            for moment in moments:
                if moment is not None:
                    touched[school_id].add(_local_day(min(moment, now), tz))

        tops = {
            "report": Report.objects.aggregate(m=Max("pk"))["m"] or 0,
            "report_event": ReportEvent.objects.aggregate(m=Max("pk"))["m"] or 0,
            "case_event": CaseEvent.objects.aggregate(m=Max("pk"))["m"] or 0,
            # Every service writes an audit event naming its unit: prevention and care
            # records (plans, trainings, concerns...) are found through it.
            "audit": AuditEvent.objects.aggregate(m=Max("pk"))["m"] or 0,
        }
        if full:
            Cell.objects.all().delete()
            for school_id, tz, created in Report.objects.values_list(
                "school_id", "school__jurisdiction__time_zone", "created_at"
            ).iterator():
                touch(school_id, tz, created)
            for school_id, tz, opened, closed in Case.objects.values_list(
                "school_id", "school__jurisdiction__time_zone", "opened_at", "closed_at"
            ).iterator():
                touch(school_id, tz, opened, closed)
            _touch_audited(AuditEvent.objects.all(), touch)
            for school_id, tz, due in CaseTimer.objects.filter(due_at__lte=now).values_list(
                "case__school_id", "case__school__jurisdiction__time_zone", "due_at"
            ):
                touch(school_id, tz, due)
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
            for school_id, tz, opened, closed, at in CaseEvent.objects.filter(
                pk__gt=marks["case_event"].last_id, pk__lte=tops["case_event"]
            ).values_list(
                "case__school_id",
                "case__school__jurisdiction__time_zone",
                "case__opened_at",
                "case__closed_at",
                "created_at",
            ):
                touch(school_id, tz, opened, closed, at)
            audited = AuditEvent.objects.filter(
                pk__gt=marks["audit"].last_id, pk__lte=tops["audit"]
            )
            _touch_audited(audited, touch)
            # Deadlines that passed unmet since the last run change without any event.
            since = marks["timers"].at
            passed = CaseTimer.objects.filter(stopped_at__isnull=True, due_at__lte=now)
            if since is not None:
                passed = passed.filter(due_at__gt=since)
            for school_id, tz, due in passed.values_list(
                "case__school_id", "case__school__jurisdiction__time_zone", "due_at"
            ):
                touch(school_id, tz, due)
        _touch_surveys(None if full else marks["survey"].at, touched)
        result = recompute(dict(touched), now)
        for name, top in tops.items():
            marks[name].last_id = top
            marks[name].save(update_fields=["last_id"])
        for name in ("timers", "survey"):
            marks[name].at = now
            marks[name].save(update_fields=["at"])
    return result
