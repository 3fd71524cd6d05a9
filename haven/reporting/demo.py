"""Demo reports: the Vietnamese kindergarten's last semester report, ready to fill, and the
Cluj county's monthly reports of a month whose due date has passed, in every state the
county inspector's page shows (on time, late, missing, returned)."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from haven.orgs.calendar import calendar_for
from haven.orgs.models import OrgUnit
from haven.reporting import datafiles
from haven.reporting.clock import local_today
from haven.reporting.models import PeriodicReport, ReportEvent
from haven.reporting.services import report_generate

VN_KINDERGARTEN = "VN-QN-QY-1"
CLUJ = "CJ"
# Cluj schools by code: how each one's monthly report stands in the demo.
LATE, MISSING, RETURNED = "RO-CJ-DEJ-2", "RO-CJ-GHE-2", "RO-CJ-TUR-1"
RETURN_REASON = "The measures taken are missing for the two cases opened."


def _generate(unit: OrgUnit, template: datafiles.Template, day: dt.date) -> PeriodicReport:
    start, end, key = template.last_ended(calendar_for(unit), day)
    report_generate(unit=unit, template=template, start=start, end=end, key=key)
    return PeriodicReport.objects.get(unit=unit, template=template.code, period_start=start)


def _mark(
    report: PeriodicReport, state: str, submitted: dt.datetime | None, note: str = ""
) -> None:
    """Demo history written directly: the services act now, and the demo needs submissions
    made before (or after) a due date in the past."""
    report.narrative = {"measures": "Discussed at the teachers' council; parents informed."}
    report.state = state
    if submitted:
        report.signed_at = report.submitted_at = report.first_submitted_at = submitted
        ReportEvent.objects.create(report=report, kind=ReportEvent.Kind.SUBMITTED, at=submitted)
    if state in (PeriodicReport.State.ACCEPTED, PeriodicReport.State.RETURNED):
        report.decided_at = (submitted or timezone.now()) + dt.timedelta(days=1)
        report.return_reason = note
        ReportEvent.objects.create(report=report, kind=state, at=report.decided_at, note=note)
    report.save()


def _cluj(county: OrgUnit) -> int:
    template = datafiles.file_for(county.jurisdiction.code).templates.get("ro_monthly")
    if template is None:
        return 0
    today = local_today(county.jurisdiction, timezone.now())
    # The month before the last one: its due date (the 10th after it) has passed.
    last_start, _end, _key = template.last_ended(calendar_for(county), today)
    day = last_start
    made = 0
    schools = OrgUnit.objects.subtree_of(county).filter(kind=OrgUnit.Kind.SCHOOL).order_by("code")
    for school in schools:
        report = _generate(school, template, day)
        made += 1
        if report.state != PeriodicReport.State.DRAFT or report.events.count() > 1:
            continue  # loaded before
        on_time = dt.datetime.combine(report.due - dt.timedelta(days=3), dt.time(10), dt.UTC)
        if school.code == LATE:
            _mark(report, PeriodicReport.State.SUBMITTED, on_time + dt.timedelta(days=6))
        elif school.code == RETURNED:
            _mark(report, PeriodicReport.State.RETURNED, on_time, RETURN_REASON)
        elif school.code == MISSING:
            continue
        elif school.code.endswith("-1"):
            _mark(report, PeriodicReport.State.ACCEPTED, on_time)
        else:
            _mark(report, PeriodicReport.State.SUBMITTED, on_time)
    _generate(county, template, day)
    return made


def reporting_demo_load(school: OrgUnit) -> int:
    made = 0
    with transaction.atomic():
        kindergarten = OrgUnit.objects.filter(code=VN_KINDERGARTEN, kind="school").first()
        if kindergarten is not None:
            template = datafiles.file_for(kindergarten.jurisdiction.code).templates["vn_semester"]
            _generate(
                kindergarten, template, local_today(kindergarten.jurisdiction, timezone.now())
            )
            made += 1
        county = (
            OrgUnit.objects.filter(code=CLUJ, kind="county").select_related("jurisdiction").first()
        )
        if county is not None:
            made += _cluj(county)
    return made
