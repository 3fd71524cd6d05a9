"""Periodic reports in the JSON API: the same selectors, services and access as the pages."""

import datetime as dt

from django.http import HttpResponse
from ninja import Field, Query, Router, Schema

from haven.lib.schemas import Id, Input, RefId
from haven.orgs.types import AuthedRequest
from haven.reporting import files, selectors, services
from haven.reporting.models import PeriodicReport
from haven.security.api_auth import staff_auth

router = Router(tags=["periodic reports"], auth=staff_auth)

# Listed per page; a client narrows with ``unit``.
LIMIT = 500


class PeriodicReportOut(Schema):
    id: int
    unit: int
    template: str
    period_start: dt.date
    period_end: dt.date
    due: dt.date
    state: PeriodicReport.State
    late: bool = Field(description="Received after its due date, or not received and past it.")


class ListParams(Input):
    unit: RefId = Field(
        description="The unit whose reports, and those of the units below it, are listed."
    )


class PeriodicReturnIn(Input):
    reason: str = Field(description="Why the report goes back to its unit.")


def _out(report: PeriodicReport) -> dict:
    return {
        "id": report.pk,
        "unit": report.unit_id,
        "template": report.template,
        "period_start": report.period_start,
        "period_end": report.period_end,
        "due": report.due,
        "state": report.state,
        "late": selectors.is_late(report),
    }


@router.get("", response=list[PeriodicReportOut])
def report_list(request: AuthedRequest, params: Query[ListParams]) -> list[dict]:
    """The unit's reports and those of the units below it that the user may see."""
    unit = selectors.unit_get(user=request.user, pk=params.unit)
    found = selectors.reports_for_unit(request.user, unit).order_by(
        "-period_start", "unit__path", "pk"
    )
    return [_out(r) for r in found[:LIMIT]]


@router.get("/{report_id}/pdf", response={200: None})
def report_pdf(request: AuthedRequest, report_id: Id, lang: str | None = None) -> HttpResponse:
    """The report as a PDF (A4), in the jurisdiction's language or ``lang``."""
    report = selectors.report_get(user=request.user, pk=report_id)
    language = files.language_of(report, lang)
    return files.file_response(user=request.user, report=report, fmt="pdf", language=language)


@router.get("/{report_id}/xlsx", response={200: None})
def report_xlsx(request: AuthedRequest, report_id: Id, lang: str | None = None) -> HttpResponse:
    """The report as a workbook: one sheet per section, hidden figures as text."""
    report = selectors.report_get(user=request.user, pk=report_id)
    language = files.language_of(report, lang)
    return files.file_response(user=request.user, report=report, fmt="xlsx", language=language)


@router.post("/{report_id}/submit", response=PeriodicReportOut)
def report_submit(request: AuthedRequest, report_id: Id) -> dict:
    """Sends a signed report to the level above."""
    report = selectors.report_get(user=request.user, pk=report_id)
    return _out(services.report_submit(actor=request.user, report=report))


@router.post("/{report_id}/accept", response=PeriodicReportOut)
def report_accept(request: AuthedRequest, report_id: Id) -> dict:
    """Accepts a submitted report of a unit below."""
    report = selectors.report_get(user=request.user, pk=report_id)
    return _out(services.report_accept(actor=request.user, report=report))


@router.post("/{report_id}/return", response=PeriodicReportOut)
def report_return(request: AuthedRequest, report_id: Id, body: PeriodicReturnIn) -> dict:
    """Returns a submitted report to its unit with a reason."""
    report = selectors.report_get(user=request.user, pk=report_id)
    return _out(services.report_return(actor=request.user, report=report, reason=body.reason))
