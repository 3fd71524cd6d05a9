"""The reporting work of the minute clock (registered with ``haven.lib.ticks``): drafts made
when a period ends, one reminder before the due date, one escalation after it.

Idempotent and cheap when there is nothing to do: a count per template and level, then
only the units still without their report (at most ``BATCH`` per minute, so the first tick
after a period ends at national scale spreads over a few minutes). Reminders and escalations
are marked on the report and keyed in the notifier, so each is sent once.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.functional import lazy

from haven.lib.i18n import pick
from haven.notify.recipients import recipients
from haven.notify.services import message_send
from haven.orgs.calendar import calendar_for
from haven.orgs.models import Jurisdiction, OrgUnit, Role
from haven.reporting import datafiles
from haven.reporting.models import PeriodicReport, ReportEvent
from haven.reporting.services import _event, report_generate

BATCH = 200
# How far ahead a reminder may fall: the longest ``remind_days`` the loader accepts.
REMIND_HORIZON = 60


def _local(moment: dt.datetime, report: PeriodicReport) -> dt.date:
    return moment.astimezone(zoneinfo.ZoneInfo(report.unit.jurisdiction.time_zone)).date()


def local_today(jurisdiction: Jurisdiction, now: dt.datetime) -> dt.date:
    return now.astimezone(zoneinfo.ZoneInfo(jurisdiction.time_zone)).date()


def generate_due(now: dt.datetime) -> int:
    made = 0
    for jurisdiction in Jurisdiction.objects.order_by("code"):
        units = OrgUnit.objects.filter(jurisdiction=jurisdiction)
        first = units.order_by("path").first()
        if first is None:
            continue
        cal = calendar_for(first)
        today = local_today(jurisdiction, now)
        for template in datafiles.file_for(jurisdiction.code).templates.values():
            start, end, key = template.last_ended(cal, today)
            for level in template.levels:  # lowest first
                waiting = (
                    units.filter(kind=level)
                    .exclude(
                        pk__in=PeriodicReport.objects.filter(
                            template=template.code, period_start=start
                        ).values("unit_id")
                    )
                    .select_related("jurisdiction")
                    .order_by("path")
                )
                for unit in waiting[: BATCH - made]:
                    if report_generate(unit=unit, template=template, start=start, end=end, key=key):
                        made += 1
                if made >= BATCH:
                    return made
    return made


def _name(report: PeriodicReport) -> object:
    template = datafiles.template_get(report.template)
    names = template.names if template else {"en": report.template}
    return lazy(pick, str)(names)  # rendered in each recipient's language


def remind_and_escalate(now: dt.datetime) -> tuple[int, int]:
    reminded = escalated = 0
    utc_today = now.date()
    waiting = PeriodicReport.objects.filter(first_submitted_at__isnull=True).select_related(
        "unit__jurisdiction"
    )
    soon = waiting.filter(
        reminded_at__isnull=True,
        due__gte=utc_today - dt.timedelta(days=1),
        due__lte=utc_today + dt.timedelta(days=REMIND_HORIZON + 1),
    )
    for report in soon:
        template = datafiles.template_get(report.template)
        today = local_today(report.unit.jurisdiction, now)
        if template is None or not (
            report.due - dt.timedelta(days=template.remind_days) <= today <= report.due
        ):
            continue
        signer = template.signers.get(report.unit.kind, Role.PRINCIPAL)
        with transaction.atomic():
            if not PeriodicReport.objects.filter(pk=report.pk, reminded_at__isnull=True).update(
                reminded_at=now
            ):
                continue  # another clock run took it
            message_send(
                to=recipients(report.unit, roles=[signer, Role.COORDINATOR], fallback_up=False),
                kind="reporting.reminder",
                key=f"reporting:remind:{report.pk}",
                template="reporting/email/reminder",
                context={"report": report, "name": _name(report)},
                unit=report.unit,
                link=("reporting:detail", [report.pk]),
            )
            _event(report, ReportEvent.Kind.REMINDED, None)
        reminded += 1
    late = waiting.filter(
        escalated_at__isnull=True,
        due__lt=utc_today + dt.timedelta(days=1),
        # Made by its due date (UTC day; the local one is checked below): see the loop.
        generated_at__date__lte=F("due") + dt.timedelta(days=1),
    )
    for report in late:
        if local_today(report.unit.jurisdiction, now) <= report.due:
            continue
        if _local(report.generated_at, report) > report.due:
            # Made after its due date (Haven installed since, or a unit added): nobody was
            # told it was due, so nobody is told it is late either.
            continue
        with transaction.atomic():
            if not PeriodicReport.objects.filter(pk=report.pk, escalated_at__isnull=True).update(
                escalated_at=now
            ):
                continue
            message_send(
                to=recipients(report.unit, roles=[Role.INSPECTOR], exclude_unit=True),
                kind="reporting.escalation",
                key=f"reporting:escalate:{report.pk}",
                template="reporting/email/escalation",
                context={"report": report, "name": _name(report), "unit": report.unit},
                unit=report.unit,
                link=("reporting:detail", [report.pk]),
            )
            _event(report, ReportEvent.Kind.ESCALATED, None)
        escalated += 1
    return reminded, escalated


def reporting_tick(now: dt.datetime | None = None) -> str | None:
    now = now or timezone.now()
    made = generate_due(now)
    reminded, escalated = remind_and_escalate(now)
    if not (made or reminded or escalated):
        return None
    return f"reporting: {made} drafts made, {reminded} reminders, {escalated} escalations"
