"""Pages of periodic reports: the list, one report (fill, sign, submit, accept, return,
files) and, for a level above, who sent the report of a period and who is late."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from haven.lib.downloads import private_file
from haven.lib.errors import HavenError, InvalidInput
from haven.orgs import access as orgs_access
from haven.orgs.types import AuthedRequest
from haven.reporting import access, datafiles, files, outputs, selectors, services
from haven.reporting.models import ReportFile
from haven.reporting.services import template_of


def not_found_on_refusal(view: Callable[..., Any]) -> Callable[..., Any]:
    """NotFound and AccessDenied from selectors and services become a 404."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        try:
            return view(request, *args, **kwargs)
        except HavenError as exc:
            if exc.status in (403, 404):
                raise Http404(str(exc.message)) from exc
            raise

    return wrapped


@login_required
def report_list(request: AuthedRequest) -> HttpResponse:
    reports = list(
        selectors.reports_visible(request.user).order_by("-period_start", "unit__path")[:100]
    )
    if not reports and not orgs_access.has_anywhere(request.user, access.Perm.VIEW):
        raise Http404
    tops = [
        {"unit": u, "templates": selectors.templates_for(u)}
        for u in selectors.top_units(request.user)
        if u.kind != "school"
    ]
    rows = [
        {"report": r, "template": datafiles.template_get(r.template), "late": selectors.is_late(r)}
        for r in reports
    ]
    return render(request, "reporting/list.html", {"rows": rows, "tops": tops})


def _detail_context(request: AuthedRequest, report: Any) -> dict[str, Any]:
    template = template_of(report)
    user = request.user
    fill = access.may_fill(user, report.unit)
    role = template.signers.get(report.unit.kind, "principal")
    return {
        "report": report,
        "template": template,
        "sections": outputs.sections(report),
        "events": report.events.select_related("actor"),
        "late": selectors.is_late(report),
        "may_fill": fill and report.editable,
        "may_sign": access.may_sign(user, report.unit, role) and report.editable,
        "may_submit": fill and report.state == report.State.SIGNED,
        "may_decide": access.may_decide(user, report.unit)
        and report.state == report.State.SUBMITTED,
        "files": report.files.filter(requested_by=user).order_by("-created_at")[:5],
        "file_languages": [(code, name) for code, name in settings.LANGUAGES],
    }


@login_required
@not_found_on_refusal
def report_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    report = selectors.report_get(user=request.user, pk=pk)
    return render(request, "reporting/detail.html", _detail_context(request, report))


@login_required
@require_POST
@not_found_on_refusal
def report_act(request: AuthedRequest, pk: int, action: str) -> HttpResponse:
    report = selectors.report_get(user=request.user, pk=pk)
    user = request.user
    done = {
        "save": _("Saved."),
        "regenerate": _("The figures were made again."),
        "sign": _("Signed."),
        "submit": _("Submitted to the level above."),
        "accept": _("Accepted."),
        "return": _("Returned with the reason given."),
    }
    if action not in done:
        raise Http404
    try:
        if action == "save":
            fields = {s.code: request.POST.get(s.code, "") for s in template_of(report).narrative}
            services.report_fill(actor=user, report=report, narrative=fields)
        elif action == "regenerate":
            services.report_regenerate(actor=user, report=report)
        elif action == "sign":
            services.report_sign(actor=user, report=report)
        elif action == "submit":
            services.report_submit(actor=user, report=report)
        elif action == "accept":
            services.report_accept(actor=user, report=report)
        else:
            services.report_return(actor=user, report=report, reason=request.POST.get("reason", ""))
    except InvalidInput as exc:
        messages.error(request, str(exc.message))
        context = _detail_context(request, selectors.report_get(user=user, pk=pk))
        return render(request, "reporting/detail.html", context, status=422)
    messages.success(request, done[action])
    return redirect("reporting:detail", pk=pk)


@login_required
@not_found_on_refusal
def report_file(request: AuthedRequest, pk: int, fmt: str) -> HttpResponse:
    report = selectors.report_get(user=request.user, pk=pk)
    files.check_format(fmt)
    language = files.language_of(report, request.GET.get("lang"))
    if files.in_background(report) or request.GET.get("background"):
        row = files.file_queue(user=request.user, report=report, fmt=fmt, language=language)
        return redirect(reverse("reporting:detail", args=[pk]) + f"#file-{row.pk}")
    return files.file_response(user=request.user, report=report, fmt=fmt, language=language)


def _file_get(request: AuthedRequest, pk: int) -> ReportFile:
    row = (
        ReportFile.objects.select_related("report").filter(pk=pk, requested_by=request.user).first()
    )
    if row is None:
        raise Http404
    selectors.report_get(user=request.user, pk=row.report_id)  # may still read the report
    return row


@login_required
@not_found_on_refusal
def file_status(request: AuthedRequest, pk: int) -> HttpResponse:
    """The htmx poll of a file being made: the link once ready."""
    row = _file_get(request, pk)
    return render(request, "reporting/_file.html", {"file": row})


@login_required
@not_found_on_refusal
def file_download(request: AuthedRequest, pk: int) -> FileResponse:
    row = _file_get(request, pk)
    if row.status != ReportFile.Status.READY:
        raise Http404
    content_type = "application/pdf" if row.fmt == "pdf" else tabular_type()
    return private_file(row.file, content_type)


def tabular_type() -> str:
    from haven.lib.tabular import CONTENT_TYPES

    return CONTENT_TYPES["xlsx"]


@login_required
@not_found_on_refusal
def unit_timeliness(request: AuthedRequest, pk: int) -> HttpResponse:
    unit = selectors.unit_get(user=request.user, pk=pk)
    templates = selectors.templates_for(unit)
    if not templates:
        raise Http404
    code = request.GET.get("template") or templates[0].code
    template = next((t for t in templates if t.code == code), templates[0])
    periods = selectors.periods_for(template, unit)
    chosen = request.GET.get("period", "")
    today = selectors.today_at(unit)
    # By default the latest period whose due date has passed: who is late is known there.
    passed = next((p for _s, p in periods if template.due.date(p[1]) < today), periods[0][1])
    period = next((p for start, p in periods if start.isoformat() == chosen), passed)
    found = selectors.timeliness(user=request.user, unit=unit, template=template, period=period)
    return render(
        request,
        "reporting/timeliness.html",
        {
            "unit": unit,
            "templates": templates,
            "template": template,
            "periods": [p for _start, p in periods],
            "found": found,
        },
    )
