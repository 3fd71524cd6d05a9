"""Reading the files Haven exports, as a spreadsheet program would."""

import csv
import io
from typing import Any

import openpyxl

from haven.audit.models import AuditEvent

# Romanian comma-below letters, Chinese and Vietnamese: the characters a file without a BOM
# shows as mojibake in a spreadsheet program.
SCRIPTS = "Școala Țărănești 第一中学 Trường Đông Mai"


def csv_rows(response: Any) -> list[list[str]]:
    body = response.content
    assert body.startswith("\ufeff".encode()), "a CSV export starts with the byte-order mark"
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def xlsx_rows(response: Any) -> list[list[Any]]:
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    return [list(row) for row in book.worksheets[0].iter_rows(values_only=True)]


def last_export(action: str) -> AuditEvent:
    event = AuditEvent.objects.filter(action=action).order_by("-pk").first()
    assert event is not None, f"no {action} audit event"
    return event
