"""Reads of periodic reports, each limited to what the user may see (``access``)."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from haven.lib.errors import NotFound
from haven.orgs import access as orgs_access
from haven.orgs.models import OrgUnit
from haven.orgs.types import Viewer
from haven.reporting import datafiles
from haven.reporting.access import Perm, may_view
from haven.reporting.datafiles import Template
from haven.reporting.models import PeriodicReport

# Timeliness of one expected report (DHIS2: received by the due date is on time).
ON_TIME, LATE, MISSING, PENDING = "on_time", "late", "missing", "pending"


def reports_visible(user: Viewer) -> QuerySet[PeriodicReport]:
    return PeriodicReport.objects.filter(
        unit_id__in=orgs_access.unit_ids(user, Perm.VIEW)
    ).select_related("unit__jurisdiction")


def reports_for_unit(user: Viewer, unit: OrgUnit) -> QuerySet[PeriodicReport]:
    """The unit's reports and those of the units below it that the user may see."""
    return reports_visible(user).filter(unit__path__startswith=unit.path)


def report_get(*, user: Viewer, pk: int) -> PeriodicReport:
    report = reports_visible(user).select_related("signed_by", "decided_by").filter(pk=pk).first()
    if report is None:
        raise NotFound()
    return report


def unit_get(*, user: Viewer, pk: int) -> OrgUnit:
    unit = OrgUnit.objects.select_related("jurisdiction").filter(pk=pk).first()
    if unit is None or not may_view(user, unit):
        raise NotFound()
    return unit


def top_units(user: Viewer) -> list[OrgUnit]:
    """The units the user holds a reporting role on (their starting points)."""
    ids = [
        g.unit_id
        for g in orgs_access.grants(user)
        if Perm.VIEW in orgs_access.ROLE_PERMS.get(g.role, frozenset())
    ]
    return list(OrgUnit.objects.filter(pk__in=ids).select_related("jurisdiction").order_by("path"))


def local_date(moment: dt.datetime, unit: OrgUnit) -> dt.date:
    return moment.astimezone(zoneinfo.ZoneInfo(unit.jurisdiction.time_zone)).date()


def today_at(unit: OrgUnit) -> dt.date:
    return local_date(timezone.now(), unit)


def timeliness_of(report: PeriodicReport | None, due: dt.date, today: dt.date) -> str:
    if report is not None and report.first_submitted_at is not None:
        received = local_date(report.first_submitted_at, report.unit)
        return ON_TIME if received <= due else LATE
    return MISSING if today > due else PENDING


def is_late(report: PeriodicReport, today: dt.date | None = None) -> bool:
    """Received after its due date, or not received and past it."""
    today = today or today_at(report.unit)
    return timeliness_of(report, report.due, today) in (LATE, MISSING)


def templates_for(unit: OrgUnit) -> list[Template]:
    """The templates of the unit's jurisdiction made at the unit's level or below it."""
    found = datafiles.file_for(unit.jurisdiction.code).templates.values()
    return [t for t in found if _expected_kind(t, unit) is not None or unit.kind in t.levels]


def _expected_kind(template: Template, unit: OrgUnit) -> str | None:
    """The level whose reports ``unit`` receives: the one below its own, or the lowest."""
    if unit.kind in template.levels:
        position = template.levels.index(unit.kind)
        return template.levels[position - 1] if position else None
    if unit.kind == OrgUnit.Kind.SCHOOL or unit.kind == OrgUnit.Kind.CLASS:
        return None
    return template.levels[0]


@dataclass(frozen=True)
class Row:
    unit: OrgUnit
    report: PeriodicReport | None
    timeliness: str


@dataclass(frozen=True)
class Timeliness:
    template: Template
    period_start: dt.date
    period_end: dt.date
    period_key: str
    due: dt.date
    rows: list[Row]
    expected: int
    received: int
    on_time: int

    @property
    def completeness(self) -> float | None:
        return self.received / self.expected if self.expected else None

    @property
    def timeliness(self) -> float | None:
        return self.on_time / self.expected if self.expected else None

    def count(self, what: str) -> int:
        return sum(1 for r in self.rows if r.timeliness == what)

    @property
    def returned(self) -> int:
        return sum(1 for r in self.rows if r.report and r.report.state == "returned")


def periods_for(template: Template, unit: OrgUnit, count: int = 6) -> list[tuple[dt.date, Any]]:
    """The latest ended periods of the template, newest first: (start, (start, end, key))."""
    from haven.orgs.calendar import calendar_for

    cal = calendar_for(unit)
    day = today_at(unit)
    found = []
    for _ in range(count):
        start, end, key = template.last_ended(cal, day)
        found.append((start, (start, end, key)))
        day = start
    return found


def timeliness(
    *, user: Viewer, unit: OrgUnit, template: Template, period: tuple[dt.date, dt.date, str]
) -> Timeliness:
    """Each unit below ``unit`` that owes the report for the period, with its report's state
    and whether it came on time; received ÷ expected and on time ÷ expected (DHIS2)."""
    if not may_view(user, unit):
        raise NotFound()
    start, end, key = period
    kind = _expected_kind(template, unit)
    units = (
        list(
            OrgUnit.objects.subtree_of(unit)
            .filter(kind=kind, jurisdiction=unit.jurisdiction)
            .exclude(pk=unit.pk)
            .select_related("jurisdiction")
            .order_by("name", "pk")
        )
        if kind
        else []
    )
    reports = {
        r.unit_id: r
        for r in PeriodicReport.objects.filter(
            template=template.code, period_start=start, unit__in=units
        ).select_related("unit__jurisdiction")
    }
    due = template.due.date(end)
    today = today_at(unit)
    rows = [Row(u, reports.get(u.pk), timeliness_of(reports.get(u.pk), due, today)) for u in units]
    return Timeliness(
        template=template,
        period_start=start,
        period_end=end,
        period_key=key,
        due=due,
        rows=rows,
        expected=len(rows),
        received=sum(1 for r in rows if r.timeliness in (ON_TIME, LATE)),
        on_time=sum(1 for r in rows if r.timeliness == ON_TIME),
    )
