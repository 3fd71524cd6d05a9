"""The urgent path and the first-response deadline: who is told, and who next when nobody acts.

An urgent report is announced to the responders of its school at once (``report_announce``,
from the notifier task); if nobody takes it on ("I have it", ``services.report_acknowledge``)
within the jurisdiction's acknowledgement time, the clock (``urgent_sweep``) tells the next
level of responders above, and so on up the tree, once per level. Every report whose first
response is overdue is reported once to the level above the school (``first_response_sweep``).
"Who responds" is always ``notify.recipients.responder_levels``. Messages carry only a link.
"""

import datetime as dt

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from haven.audit.services import audit_record
from haven.intake.models import EventKind, Report, ReportEvent, Status
from haven.notify import services as notify
from haven.notify.recipients import (
    SCHOOL_RESPONDERS,
    Responders,
    recipients,
    responder_levels,
)

# Reports whose people are no longer looked for: someone acted on them.
SETTLED = (Status.MERGED, Status.DISMISSED, Status.CASE_OPENED)
BATCH = 1000


def _send(report: Report, found: Responders, *, key: str, template: str) -> list[int]:
    """Tell ``found`` about ``report``; people above the school may then open it."""
    if found.unit.pk != report.school_id:
        depth = found.unit.depth
        Report.objects.filter(pk=report.pk).filter(
            Q(raised_depth__isnull=True) | Q(raised_depth__gt=depth)
        ).update(raised_depth=depth)
    return notify.message_send(
        to=found.users,
        kind=f"intake.{template}",
        key=key,
        template=f"intake/email/{template}",
        context={"report": report, "level": found.unit},
        unit=report.school,
        link=("intake:report_detail", [report.pk]),
        queue=False,
    )


def _ack_time(report: Report) -> dt.timedelta:
    return dt.timedelta(minutes=report.school.jurisdiction.acknowledge_minutes)


def report_announce(report: Report, *, now: dt.datetime | None = None) -> list[int]:
    """Tell who answers for the school that ``report`` came in; the ids of the messages
    written. An urgent report goes to its responders now (on call, else coordinators and
    principal, else the level above) and starts its acknowledgement clock. Inside the caller's
    transaction."""
    now = now or timezone.now()
    levels = responder_levels(report.school, now=now)
    if not levels:
        return []
    if not report.urgent or report.acknowledged_at is not None:
        # Ordinary reports: the school's coordinators (its principal where it has none), as
        # they triage; only where the school has neither do the responders above hear of it.
        own = recipients(report.school, roles=SCHOOL_RESPONDERS, fallback_up=False)
        found = Responders(unit=report.school, users=own) if own else levels[0]
        return _send(report, found, key=f"report:{report.pk}", template="new_report")
    Report.objects.filter(pk=report.pk).update(
        urgent_levels_told=1, urgent_next_at=now + _ack_time(report)
    )
    return _send(
        report, levels[0], key=f"urgent:{report.pk}:{levels[0].unit.pk}", template="new_report"
    )


def urgent_sweep(*, now: dt.datetime | None = None) -> list[int]:
    """Tell the next level above about each urgent report nobody took on in time; the ids of
    the messages written. Each step is claimed by one conditional UPDATE in the transaction
    that writes its messages (and each level's key is unique), so a level is told once however
    many clocks run."""
    now = now or timezone.now()
    written: list[int] = []
    due = Report.objects.filter(urgent_next_at__lte=now).values_list("pk", "urgent_next_at")
    for pk, next_at in list(due[:BATCH]):
        with transaction.atomic():
            report = Report.objects.select_related("school__jurisdiction").get(pk=pk)
            stop = report.acknowledged_at is not None or report.status in SETTLED
            levels = [] if stop else responder_levels(report.school, now=now)
            nxt = (
                levels[report.urgent_levels_told]
                if report.urgent_levels_told < len(levels)
                else None
            )
            claimed = Report.objects.filter(pk=pk, urgent_next_at=next_at).update(
                urgent_levels_told=F("urgent_levels_told") + (1 if nxt else 0),
                urgent_next_at=now + _ack_time(report) if nxt else None,
            )
            if not claimed or nxt is None:
                continue
            key = f"urgent:{report.pk}:{nxt.unit.pk}"
            written += _send(report, nxt, key=key, template="urgent_escalation")
            ReportEvent.objects.create(
                report=report, kind=EventKind.ESCALATED, details={"unit": nxt.unit.pk}
            )
            audit_record(
                actor=None,
                action="report.urgent_escalate",
                obj=report,
                org_unit=report.school,
                details={"unit": nxt.unit.pk, "level": report.urgent_levels_told + 1},
            )
    return written


def first_response_sweep(*, now: dt.datetime | None = None) -> list[int]:
    """Report each report whose first response is overdue to the level above its school,
    once (as a case's missed deadline is); the ids of the messages written."""
    now = now or timezone.now()
    written: list[int] = []
    due = Report.objects.filter(
        first_responded_at__isnull=True, overdue_told_at__isnull=True, first_response_due__lte=now
    ).values_list("pk", flat=True)
    for pk in list(due[:BATCH]):
        with transaction.atomic():
            if not Report.objects.filter(pk=pk, overdue_told_at__isnull=True).update(
                overdue_told_at=now
            ):
                continue
            report = Report.objects.select_related("school__jurisdiction").get(pk=pk)
            if report.status in SETTLED:
                continue
            above = [
                level
                for level in responder_levels(report.school, now=now)
                if level.unit.pk != report.school_id
            ]
            if not above:
                continue
            written += _send(report, above[0], key=f"overdue:{report.pk}", template="overdue")
            ReportEvent.objects.create(
                report=report, kind=EventKind.ESCALATED, details={"unit": above[0].unit.pk}
            )
            audit_record(
                actor=None,
                action="report.overdue_escalate",
                obj=report,
                org_unit=report.school,
                details={"unit": above[0].unit.pk},
            )
    return written


def clock_sweep(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Both sweeps, then the messages queued for sending (``clock_tick`` runs it)."""
    urgent = urgent_sweep(now=now)
    overdue = first_response_sweep(now=now)
    notify.messages_queue(urgent + overdue)
    return {"urgent": len(urgent), "overdue": len(overdue)}
