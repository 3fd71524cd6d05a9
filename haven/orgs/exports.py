"""List pages to files: every export of rows or figures goes out here, audited.

A list view that is asked ``?export=csv`` (or ``xlsx``) builds its sheet from the same
selector and filters as the page, and hands it to :func:`export_response`, which records
who took which rows (format, filters, row count) and writes the file through
``lib.tabular``. One place, so no export leaves unaudited.
"""

from collections.abc import Sequence
from typing import Any

from django.db import models
from django.http import HttpRequest, HttpResponse
from django.utils.text import capfirst

from haven.audit.services import audit_record
from haven.lib import tabular

# A register export holds every row the page's selector gives, not only the page's first
# screenful; this bounds one file (far above any school's register).
MAX_ROWS = 20000


def headers(model: type[models.Model], *fields: str) -> list[str]:
    """Column titles from the fields' translated verbose names (one wording with the forms)."""
    return [
        str(capfirst(getattr(model._meta.get_field(name), "verbose_name", name))) for name in fields
    ]


def filters_of(request: HttpRequest) -> dict[str, str]:
    """The page's filters as asked, for the audit record."""
    return {k: str(v) for k, v in request.GET.items() if k != "export"}


def export_response(
    request: HttpRequest,
    *,
    action: str,
    sheets: Sequence[tabular.Sheet],
    fmt: tabular.Format,
    filename: str,
    org_unit: Any = None,
    filters: dict[str, Any] | None = None,
) -> HttpResponse:
    """The file, after an audit event ``action`` with the format, filters and row count."""
    rows = sum(max(len(sheet.rows) - 1, 0) for sheet in sheets)
    audit_record(
        actor=request.user,  # type: ignore[arg-type]
        action=action,
        org_unit=org_unit,
        details={
            "format": fmt,
            "filters": filters_of(request) if filters is None else filters,
            "rows": rows,
        },
    )
    return tabular.download(sheets, fmt, filename)
