"""Public pages: the report form behind each QR code, the receipt, and the follow-up.

No login, no session, no cookie but CSRF's and the language. Nothing about the client (address,
browser) is read or stored here. Receipts travel only in POST bodies, never in URLs.
"""

import secrets
import zoneinfo
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from haven.intake import selectors, services
from haven.intake.forms import ReplyForm, ReportForm
from haven.intake.models import PublicStatus
from haven.lib.errors import HavenError
from haven.lib.i18n import public_language_activate
from haven.orgs.models import OrgUnit


class UnknownAddress(Exception):
    def __init__(self, message: str):
        self.message = message


def _school_and_class(school_code: str, class_code: str | None) -> tuple[OrgUnit, OrgUnit | None]:
    school = selectors.school_by_code(school_code)
    if school is None:
        raise UnknownAddress(
            _("There is no school with this code. Check the address on the poster.")
        )
    class_unit = None
    if class_code is not None:
        class_unit = selectors.class_by_code(school, class_code)
        if class_unit is None:
            raise UnknownAddress(
                _("There is no class with this code. Check the address on the poster.")
            )
    return school, class_unit


@never_cache
@require_http_methods(["GET", "POST"])
def report_form(
    request: HttpRequest, school_code: str, class_code: str | None = None
) -> HttpResponse:
    try:
        school, class_unit = _school_and_class(school_code, class_code)
    except UnknownAddress as exc:
        return render(request, "intake/unknown_address.html", {"message": exc.message}, status=404)
    timezone.activate(zoneinfo.ZoneInfo(school.jurisdiction.time_zone))
    public_language_activate(request, school.jurisdiction.languages)
    context: dict[str, Any] = {
        "school": school,
        "class_unit": class_unit,
        "jurisdiction": school.jurisdiction,
    }
    if request.method == "GET":
        context["form"] = ReportForm(school=school, class_unit=class_unit)
        context["token"] = secrets.token_urlsafe(24)
        return render(request, "intake/report_form.html", context)

    form = ReportForm(request.POST, request.FILES, school=school, class_unit=class_unit)
    context.update(
        form=form, token=request.POST.get("submission_token") or secrets.token_urlsafe(24)
    )
    if form.is_valid() and form.is_bot:
        # Looks like success to the bot; nothing is stored and no receipt exists.
        return render(request, "intake/report_sent.html", context)
    if form.report is None:
        return render(request, "intake/report_form.html", context, status=422)
    try:
        report, receipt = services.report_submit(
            school=school,
            data=form.report,
            language=get_language() or "en",
            submission_token=context["token"],
        )
    except HavenError as exc:
        form.add_error(None, str(exc.message))
        return render(request, "intake/report_form.html", context, status=exc.status)
    context.update(report=report, receipt=str(receipt))
    return render(request, "intake/report_sent.html", context)


@never_cache
@require_http_methods(["GET", "POST"])
def followup(request: HttpRequest) -> HttpResponse:
    """Enter the receipt; see the status and the messages; write back or add files."""
    if request.method == "GET":
        return render(request, "intake/followup.html", {})
    receipt_text = request.POST.get("receipt", "")
    try:
        report = services.report_find(receipt_text=receipt_text)
    except HavenError as exc:
        return render(
            request,
            "intake/followup.html",
            {"error": exc.message, "receipt": receipt_text[:64]},
            status=exc.status,
        )
    timezone.activate(zoneinfo.ZoneInfo(report.school.jurisdiction.time_zone))
    public_language_activate(request, report.school.jurisdiction.languages)
    context: dict[str, Any] = {
        "report": report,
        "receipt": receipt_text,
        "status": PublicStatus(report.public_status),
        "jurisdiction": report.school.jurisdiction,
        "outcome": selectors.report_outcome(report=report),
    }
    if request.POST.get("action") == "write":
        reply = ReplyForm(request.POST, request.FILES)
        if reply.is_valid():
            try:
                services.report_reporter_write(
                    report=report,
                    body=reply.cleaned_data["body"],
                    files=reply.cleaned_data["files"],
                )
                context["sent"] = True
                reply = ReplyForm()
            except HavenError as exc:
                reply.add_error(None, str(exc.message))
        context["reply"] = reply
    else:
        context["reply"] = ReplyForm()
    context["messages_thread"] = list(report.messages.all())
    return render(request, "intake/followup.html", context)
