"""Two school years of synthetic history in every demo school, so the dashboards' charts and
tables mean something on a fresh ``make run``: a few hundred reports (stored by intake's own
store, with their audit events) and the cases opened from them, with deadlines met or missed,
then one full refresh of the count tables. Seeded, so every run draws the same history; safe
to run again (a second run adds nothing).

Cases are written as the case services write them (the case, its lead-less "opened" and
closing events, its deadline timers, the report's link and status) but with past times: the
services stamp "now", and the history must lie in the past. No notifications are sent.
"""

import datetime as dt
import hashlib
import random

from django.db import transaction
from django.utils import timezone

from haven.audit.services import audit_values
from haven.cases.models import Case, CaseEvent, CaseTimer
from haven.insights import refresh
from haven.intake import receipts, store
from haven.intake.models import (
    Affected,
    Channel,
    EventKind,
    Harm,
    PublicStatus,
    Report,
    ReporterRole,
    ReportEvent,
    Status,
    TimeOfDay,
)
from haven.intake.urgency import is_urgent
from haven.orgs.calendar import calendar_for
from haven.orgs.models import OrgUnit
from haven.procedures import loader

SEED = 15
MARK = "demo-history"  # in the submission key of every report this loader stores
PER_SCHOOL = (14, 30)  # reports per school over the two years, drawn in this range
CASE_SHARE = 0.45
# Channels as they come in practice: mostly the web form, then staff entries.
CHANNELS = [Channel.WEB] * 6 + [Channel.IN_PERSON] * 2 + [Channel.HOTLINE, Channel.OBSERVATION]
HARMS = [h for h in Harm if h != Harm.OTHER]
RESPONSE_HOURS = (0.5, 2, 3, 8, 20, 30, 60, 100)  # first response after the report


def _key(school: OrgUnit, number: int) -> str:
    return hashlib.sha256(f"{MARK}:{school.code}:{number}".encode()).hexdigest()


def _moment(rng: random.Random, school: OrgUnit, start: dt.date, end: dt.date) -> dt.datetime:
    """A school day between ``start`` and ``end``, in school hours, in the school's zone."""
    cal = calendar_for(school)
    span = (end - start).days
    day = start
    for _attempt in range(50):
        day = start + dt.timedelta(days=rng.randint(0, max(span, 0)))
        if cal.is_school_day(day):
            break
    clock = dt.time(rng.randint(8, 17), rng.randint(0, 59))
    return dt.datetime.combine(day, clock, tzinfo=cal.zone)


HOT_PLACES = ("toilets", "yard", "corridor", "classroom", "way_to_school")
HOT_TIMES = tuple(TimeOfDay.values)  # before school, lessons, breaks, lunch, after, online


def _report(rng: random.Random, school: OrgUnit, number: int, at: dt.datetime) -> Report:
    harms = sorted(set(rng.sample(HARMS, rng.choice((1, 1, 1, 2)))))
    receipt = receipts.generate()
    jurisdiction = school.jurisdiction
    hours = rng.choice(RESPONSE_HOURS)
    due = at + dt.timedelta(hours=jurisdiction.first_response_hours)
    answered = at + dt.timedelta(hours=hours) if rng.random() < 0.93 else None
    description = "Synthetic report for the demo's history (no real event)."
    # Where and when, from a generator of their own (the history's other values stay as
    # they were): the hotspot page shows a pattern, toilets and the yard at break first.
    side = random.Random(f"{school.code}:{number}")  # noqa: S311 (not a secret)
    place = side.choices(HOT_PLACES, weights=(5, 4, 3, 2, 1))[0]
    time_of_day = side.choices(HOT_TIMES, weights=(1, 2, 6, 3, 2, 1))[0]
    return Report(
        school=school,
        place=place,
        time_of_day=time_of_day,
        channel=rng.choice(CHANNELS),
        description=description,
        harms=harms,
        urgent=is_urgent(harms, description),  # intake's one rule
        affected=rng.choice(list(Affected)),
        reporter_role=rng.choice([ReporterRole.PUPIL] * 3 + [ReporterRole.PARENT] * 2),
        language=(jurisdiction.languages or ["en"])[0],
        receipt_lookup=receipt.lookup,
        receipt_hash=receipt.secret_hash,
        submission_key=_key(school, number),
        created_at=at,
        first_response_due=due,
        first_responded_at=answered,
        # History: an unanswered report was reported above back then, not by today's first
        # clock tick (which would mail the inspector about every one of them at once).
        overdue_told_at=None if answered else due,
        status=Status.IN_TRIAGE,
        public_status=PublicStatus.HANDLING,
    )


def _case(rng: random.Random, report: Report, now: dt.datetime) -> Case:
    school = report.school
    procedure = loader.get(school.jurisdiction.procedure_code)
    opened = report.created_at + dt.timedelta(hours=rng.choice((2, 6, 20, 50, 120, 400)))
    age = (now - opened).days
    closed = None
    if rng.random() < min(0.9, age / 120):
        closed = opened + dt.timedelta(days=rng.randint(3, max(4, min(age, 170))))
        closed = min(closed, now - dt.timedelta(hours=1))
    final = [s for s in procedure.states if s.final]
    state = rng.choice(final).code if closed and final else procedure.initial_state.code
    case = Case.objects.create(
        school=school,
        procedure_code=procedure.code,
        procedure_version=procedure.version,
        state=state,
        title="Demo history",
        narrative=report.description,
        case_type=rng.choice(procedure.case_types).code if procedure.case_types else "",
        severity=rng.choice(procedure.severities).code if procedure.severities else "",
        determination=rng.choice(procedure.determinations).code
        if closed and procedure.determinations
        else "",
        opened_at=opened,
        closed_at=closed,
    )
    case.reports.add(report)
    Report.objects.filter(pk=report.pk).update(status=Status.CASE_OPENED)
    ReportEvent.objects.create(
        report=report, kind=EventKind.CASE_OPENED, created_at=opened, details={"case": case.pk}
    )
    CaseEvent.objects.create(case=case, kind="opened", created_at=opened, details={})
    if closed:
        CaseEvent.objects.create(
            case=case, kind="transition", created_at=closed, details={"to": state}
        )
    for timer in [t for t in procedure.timers if t.starts == "opened" and t.when is None][:3]:
        amount = timer.deadline.amount
        days = amount / 24 if timer.deadline.unit == "hours" else amount * 1.4
        due = opened + dt.timedelta(days=days)
        if due > now:
            stopped = None if closed is None else min(closed, due)
        else:
            late = rng.random() < 0.15
            stopped = due + dt.timedelta(days=rng.randint(1, 6)) if late else opened
        escalated = due + dt.timedelta(hours=1) if stopped is None or stopped > due else None
        if escalated is not None and escalated > now:
            escalated = None
        CaseTimer.objects.create(
            case=case,
            code=timer.code,
            started_at=opened,
            due_at=due,
            stopped_at=stopped if stopped is None or stopped <= now else None,
            escalated_at=escalated,
        )
    return case


def history_demo_load(school: OrgUnit) -> int:
    """Reports and cases over the last two school years in every school (the demo's; the
    loader gets the demo school, but every level's dashboard needs its schools' history).
    Returns the reports added."""
    schools = list(
        OrgUnit.objects.filter(kind=OrgUnit.Kind.SCHOOL)
        .select_related("jurisdiction")
        .order_by("path")
    )
    if not schools or Report.objects.filter(submission_key=_key(schools[0], 0)).exists():
        return 0
    rng = random.Random(SEED)  # noqa: S311 - synthetic demo data, not a secret
    now = timezone.now()
    added = 0
    with transaction.atomic():
        for unit in schools:
            cal = calendar_for(unit)
            today = timezone.localdate(timezone=cal.zone)
            first = cal.school_year(today).year - 1
            start = cal.school_year_of(first).start
            for number in range(rng.randint(*PER_SCHOOL)):
                at = _moment(rng, unit, start, today - dt.timedelta(days=1))
                report = _report(rng, unit, number, at)
                audit = audit_values(
                    actor=None,
                    action="report.submit",
                    obj=report,
                    org_unit=unit,
                    details={"channel": report.channel, "files": 0, "demo": True},
                )
                store.report_store(report, audit)
                added += 1
                if rng.random() < CASE_SHARE:
                    _case(rng, report, now)
    refresh.refresh(full=True)
    return added
