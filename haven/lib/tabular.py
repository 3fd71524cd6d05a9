"""Tables to files: the one way Haven writes CSV and XLSX (registers, figures, reports).

CSV is UTF-8 with a byte-order mark, so spreadsheet programs show Romanian, Chinese and
Vietnamese text correctly. XLSX is written with xlsxwriter: numbers as numbers, text always
as text. In both, text that a spreadsheet would run as a formula gets a leading apostrophe.
Dates are ISO 8601 (``2026-05-04``; times ``2026-05-04 13:05`` in the active time zone):
text in CSV, real date cells shown in that form in XLSX, so every language reads them alike.
Callers pass rows that are already protected (hidden cells written as their reason text).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import xlsxwriter
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header

Format = Literal["csv", "xlsx"]
FORMATS: tuple[Format, ...] = ("csv", "xlsx")
CONTENT_TYPES: dict[str, str] = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
# Characters Excel forbids in sheet names; the name is also limited to 31 characters.
_SHEET_FORBIDDEN = str.maketrans({c: " " for c in "[]:*?/\\"})


@dataclass(frozen=True)
class Sheet:
    """One table: ``rows[0]`` is the header (written bold in XLSX)."""

    title: str
    rows: Sequence[Sequence[Any]]


def formula_safe(value: Any) -> Any:
    """Text that a spreadsheet would run as a formula gets a leading apostrophe."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def requested(request: HttpRequest) -> Format | None:
    """The format a list page was asked to export as (``?export=csv``), or None for the page."""
    fmt = request.GET.get("export", "")
    return fmt if fmt in FORMATS else None  # type: ignore[return-value]


def _local(value: dt.datetime) -> dt.datetime:
    """An aware time in the active time zone, without its zone (spreadsheets have none)."""
    return timezone.localtime(value).replace(tzinfo=None) if timezone.is_aware(value) else value


def _text(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return _local(value).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    return formula_safe(value)


def to_csv(rows: Sequence[Sequence[Any]]) -> str:
    """CSV text (without the byte-order mark, which :func:`download` adds)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for line in rows:
        writer.writerow(["" if v is None else _text(v) for v in line])
    return buffer.getvalue()


def sheet_name(title: str, taken: set[str]) -> str:
    """A valid, unique sheet name from a translated title."""
    base = (title.translate(_SHEET_FORBIDDEN).strip() or "Sheet")[:31]
    name, n = base, 2
    while name.lower() in taken:
        suffix = f" ({n})"
        name, n = base[: 31 - len(suffix)] + suffix, n + 1
    taken.add(name.lower())
    return name


def to_xlsx(sheets: Sequence[Sheet]) -> bytes:
    """An in-memory workbook, one worksheet per sheet."""
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True})
    bold = workbook.add_format({"bold": True})
    day = workbook.add_format({"num_format": "yyyy-mm-dd"})
    minute = workbook.add_format({"num_format": "yyyy-mm-dd hh:mm"})
    taken: set[str] = set()
    for sheet in sheets or [Sheet("Sheet", [])]:
        worksheet = workbook.add_worksheet(sheet_name(sheet.title, taken))
        for r, line in enumerate(sheet.rows):
            for c, value in enumerate(line):
                if value is None or value == "":
                    continue
                if isinstance(value, bool):
                    worksheet.write_boolean(r, c, value)
                elif isinstance(value, (int, float)):
                    worksheet.write_number(r, c, value)
                elif isinstance(value, dt.datetime):
                    worksheet.write_datetime(r, c, _local(value), minute)
                elif isinstance(value, dt.date):
                    worksheet.write_datetime(r, c, value, day)
                else:
                    worksheet.write_string(r, c, str(formula_safe(value)), bold if r == 0 else None)
    workbook.close()
    return buffer.getvalue()


def download(sheets: Sequence[Sheet], fmt: Format, filename: str) -> HttpResponse:
    """The file as an attachment that no shared cache keeps.

    A CSV holds one table: the first sheet's. ``filename`` is given without its extension.
    """
    if fmt == "xlsx":
        content: bytes = to_xlsx(sheets)
    else:
        content = ("\ufeff" + to_csv(sheets[0].rows if sheets else [])).encode("utf-8")
    disposition = content_disposition_header(True, f"{filename}.{fmt}") or "attachment"
    response = HttpResponse(content, content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = disposition
    response["Cache-Control"] = "private, no-store"
    return response
