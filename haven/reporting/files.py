"""A report's PDF or workbook for a reader: in the jurisdiction's language, or the one asked
for (``?lang=``); made at once when small, in the background when large."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.http import HttpResponse
from django.utils import translation
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _

from haven.audit.services import audit_record
from haven.lib import i18n, tabular
from haven.lib.errors import InvalidInput
from haven.orgs.models import User
from haven.reporting import outputs
from haven.reporting.models import PeriodicReport, ReportFile

FORMATS = ("pdf", "xlsx")


def language_of(report: PeriodicReport, asked: str | None) -> str:
    if asked:
        codes = {code for code, _name in settings.LANGUAGES}
        if asked.lower() not in codes:
            raise InvalidInput(_("Unknown language: %(code)s.") % {"code": asked})
        return asked.lower()
    return i18n.language_for("", list(report.unit.jurisdiction.languages or []))


def check_format(fmt: str) -> None:
    if fmt not in FORMATS:
        raise InvalidInput(_("Unknown format: %(code)s.") % {"code": fmt})


def file_response(*, user: User, report: PeriodicReport, fmt: str, language: str) -> HttpResponse:
    """The file itself, made now (the caller checked that the user may read the report)."""
    check_format(fmt)
    with translation.override(language):
        if fmt == "pdf":
            content = outputs.pdf(report)
            response = HttpResponse(content, content_type="application/pdf")
            response["Content-Disposition"] = (
                content_disposition_header(True, f"{outputs.filename(report)}.pdf") or "attachment"
            )
            response["Cache-Control"] = "private, no-store"
        else:
            response = tabular.download(outputs.workbook(report), "xlsx", outputs.filename(report))
    audit_record(
        actor=user,
        action=f"reporting.{fmt}",
        obj=report,
        org_unit=report.unit,
        details={"language": language},
    )
    return response


def file_queue(*, user: User, report: PeriodicReport, fmt: str, language: str) -> ReportFile:
    """A large report's file, made by a task; the page polls ``ReportFile.status``."""
    from haven.reporting.tasks import report_file_make

    check_format(fmt)
    with transaction.atomic():
        row = ReportFile.objects.create(
            report=report, fmt=fmt, language=language, requested_by=user
        )
        audit_record(
            actor=user,
            action=f"reporting.{fmt}",
            obj=report,
            org_unit=report.unit,
            details={"language": language, "background": True},
        )
        transaction.on_commit(lambda: report_file_make.enqueue(row.pk))
    return row


def in_background(report: PeriodicReport) -> bool:
    return outputs.size(report) > outputs.BACKGROUND_ROWS
