"""Writes of periodic reports: each step one transaction with its timeline event and audit
event. The minute clock makes drafts (``report_generate``), reminds and escalates; people
fill, sign, submit, accept and return."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from haven.audit.services import audit_record
from haven.insights.selectors import figures_published
from haven.lib.errors import AccessDenied, InvalidInput
from haven.orgs.models import OrgUnit, User
from haven.reporting import access, datafiles, frozen
from haven.reporting.datafiles import Template
from haven.reporting.models import PeriodicReport, ReportEvent

State = PeriodicReport.State
REASON_MAX = 2000


class ReportStateError(InvalidInput):
    pass


def template_of(report: PeriodicReport) -> Template:
    template = datafiles.template_get(report.template)
    if template is None:
        raise InvalidInput(_("This report's template is no longer available."))
    return template


def _event(report: PeriodicReport, kind: str, actor: User | None, note: str = "") -> None:
    ReportEvent.objects.create(report=report, kind=kind, actor=actor, note=note)
    audit_record(
        actor=actor,
        action=f"reporting.{kind}",
        obj=report,
        org_unit=report.unit,
        details={"template": report.template, "period": report.period_key},
    )


def _level_below(template: Template, unit: OrgUnit) -> str | None:
    """The level whose reports this unit's report is made from (None at the lowest)."""
    if unit.kind not in template.levels:
        return None
    position = template.levels.index(unit.kind)
    return template.levels[position - 1] if position else None


def _below(template: Template, unit: OrgUnit, start: dt.date) -> list[dict[str, Any]]:
    """Each unit of the level below: its report's state and, once accepted, its figures."""
    level = _level_below(template, unit)
    if level is None:
        return []
    units = list(
        OrgUnit.objects.subtree_of(unit).filter(kind=level).exclude(pk=unit.pk).order_by("name")
    )
    reports = {
        r.unit_id: r
        for r in PeriodicReport.objects.filter(
            template=template.code, period_start=start, unit__in=units
        )
    }
    rows = []
    for u in units:
        r = reports.get(u.pk)
        accepted = r is not None and r.state == State.ACCEPTED
        rows.append(
            {
                "unit": u.pk,
                "name": u.name,
                "state": r.state if r else "",
                "received": bool(r and r.received),
                "figures": r.figures if accepted and r else {},
            }
        )
    return rows


def _activities(unit: OrgUnit, start: dt.date, end: dt.date) -> list[dict[str, Any]]:
    from haven.prevention.models import PlanActivity

    rows = PlanActivity.objects.filter(
        plan__unit=unit, starts_on__lte=end, ends_on__gte=start
    ).order_by("starts_on", "position", "pk")
    return [
        {
            "goal": a.goal,
            "what": a.what,
            "lead": a.lead,
            "from": a.starts_on.isoformat(),
            "until": a.ends_on.isoformat(),
            "status": a.status,
        }
        for a in rows
    ]


def _freeze(report: PeriodicReport, template: Template) -> None:
    unit = report.unit
    codes = template.codes
    found = (
        figures_published(unit=unit, start=report.period_start, end=report.period_end, codes=codes)
        if codes
        else {}
    )
    report.figures = {code: frozen.freeze(f) for code, f in found.items()}
    report.below = _below(template, unit, report.period_start)
    wants_activities = any(s.kind == "activities" for s in template.sections)
    report.activities = (
        _activities(unit, report.period_start, report.period_end)
        if wants_activities and unit.kind == OrgUnit.Kind.SCHOOL
        else []
    )
    report.generated_at = timezone.now()


def report_generate(
    *, unit: OrgUnit, template: Template, start: dt.date, end: dt.date, key: str
) -> PeriodicReport | None:
    """The draft of ``unit``'s report for the period, figures frozen now; None when it was
    already made (the clock may run twice at once: the unique constraint decides)."""
    if PeriodicReport.objects.filter(
        unit=unit, template=template.code, period_start=start
    ).exists():
        return None
    report = PeriodicReport(
        unit=unit,
        template=template.code,
        period_start=start,
        period_end=end,
        period_key=key,
        due=template.due.date(end),
    )
    try:
        with transaction.atomic():
            _freeze(report, template)
            report.save()
            _event(report, ReportEvent.Kind.GENERATED, None)
    except IntegrityError:
        return None
    return report


def _locked(report: PeriodicReport) -> PeriodicReport:
    return PeriodicReport.objects.select_for_update().select_related("unit").get(pk=report.pk)


def report_regenerate(*, actor: User, report: PeriodicReport) -> PeriodicReport:
    """The figures made again, as of now: only while the report is a draft (or returned)."""
    with transaction.atomic():
        report = _locked(report)
        if not access.may_fill(actor, report.unit):
            raise AccessDenied()
        if not report.editable:
            raise ReportStateError(_("Only a draft can be changed."))
        _freeze(report, template_of(report))
        report.save()
        _event(report, ReportEvent.Kind.REGENERATED, actor)
    return report


def report_fill(
    *, actor: User, report: PeriodicReport, narrative: dict[str, str]
) -> PeriodicReport:
    """Saves the narrative fields the unit writes."""
    with transaction.atomic():
        report = _locked(report)
        if not access.may_fill(actor, report.unit):
            raise AccessDenied()
        if not report.editable:
            raise ReportStateError(_("Only a draft can be changed."))
        allowed = {s.code for s in template_of(report).narrative}
        cleaned = {k: str(v).strip() for k, v in narrative.items() if k in allowed}
        if any(len(v) > datafiles.TEXT_MAX for v in cleaned.values()):
            raise InvalidInput(_("The text is too long."))
        report.narrative = {**report.narrative, **cleaned}
        report.save(update_fields=["narrative"])
        _event(report, ReportEvent.Kind.FILLED, actor)
    return report


def report_sign(*, actor: User, report: PeriodicReport) -> PeriodicReport:
    """The template's signer for the level signs (who and when are recorded)."""
    with transaction.atomic():
        report = _locked(report)
        template = template_of(report)
        role = template.signers.get(report.unit.kind, "principal")
        if not access.may_sign(actor, report.unit, role):
            raise AccessDenied()
        if not report.editable:
            raise ReportStateError(_("Only a draft can be signed."))
        missing = [s.title for s in template.narrative if not report.narrative.get(s.code)]
        if missing:
            raise InvalidInput(
                _("Fill in every section before signing: %(sections)s.")
                % {"sections": ", ".join(missing)}
            )
        report.state = State.SIGNED
        report.signed_by, report.signed_at = actor, timezone.now()
        report.save(update_fields=["state", "signed_by", "signed_at"])
        _event(report, ReportEvent.Kind.SIGNED, actor)
    return report


def report_submit(*, actor: User, report: PeriodicReport) -> PeriodicReport:
    """Sends the signed report to the level above."""
    with transaction.atomic():
        report = _locked(report)
        if not access.may_fill(actor, report.unit):
            raise AccessDenied()
        if report.state != State.SIGNED:
            raise ReportStateError(_("Only a signed report can be submitted."))
        now = timezone.now()
        report.state = State.SUBMITTED
        report.submitted_at = now
        report.first_submitted_at = report.first_submitted_at or now
        report.save(update_fields=["state", "submitted_at", "first_submitted_at"])
        _event(report, ReportEvent.Kind.SUBMITTED, actor)
    return report


def report_accept(*, actor: User, report: PeriodicReport) -> PeriodicReport:
    with transaction.atomic():
        report = _locked(report)
        if not access.may_decide(actor, report.unit):
            raise AccessDenied()
        if report.state != State.SUBMITTED:
            raise ReportStateError(_("Only a submitted report can be accepted or returned."))
        report.state = State.ACCEPTED
        report.decided_by, report.decided_at = actor, timezone.now()
        report.return_reason = ""
        report.save(update_fields=["state", "decided_by", "decided_at", "return_reason"])
        _event(report, ReportEvent.Kind.ACCEPTED, actor)
    return report


def report_return(*, actor: User, report: PeriodicReport, reason: str) -> PeriodicReport:
    """Back to the unit with a reason: it is a draft again (signature cleared) until fixed."""
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(_("Say why the report is returned."))
    if len(reason) > REASON_MAX:
        raise InvalidInput(_("The text is too long."))
    with transaction.atomic():
        report = _locked(report)
        if not access.may_decide(actor, report.unit):
            raise AccessDenied()
        if report.state != State.SUBMITTED:
            raise ReportStateError(_("Only a submitted report can be accepted or returned."))
        report.state = State.RETURNED
        report.decided_by, report.decided_at = actor, timezone.now()
        report.return_reason = reason
        report.signed_by, report.signed_at = None, None
        report.save(
            update_fields=[
                *("state", "decided_by", "decided_at", "return_reason"),
                *("signed_by", "signed_at"),
            ]
        )
        _event(report, ReportEvent.Kind.RETURNED, actor, note=reason)
    return report
