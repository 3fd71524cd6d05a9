"""The PDF and the workbook hold the figures of the insights API for the same unit and
period, with the same hidden cells, in the jurisdiction's language or the one asked for."""

import datetime as dt
import io
import re
import shutil
import subprocess
import zoneinfo

import openpyxl
import pytest
import time_machine
from django.urls import reverse
from django.utils import translation

from haven.insights.models import Cell
from haven.reporting import frozen
from haven.reporting.clock import reporting_tick
from haven.reporting.models import PeriodicReport

pytestmark = pytest.mark.django_db
OCT = dt.date(2026, 10, 1)
RANGE = {"from": "2026-10-01", "to": "2026-10-31"}
FIGURES = ["reports.total", "reports.urgent", "cases.opened", "cases.closed", "cases.open_at_end"]


@pytest.fixture
def made(tree):
    counts = {
        "reports.total": {tree.school_a: 3, tree.school_b: 40},
        "cases.opened": {tree.school_a: 12, tree.school_b: 25},
    }
    for code, by_school in counts.items():
        for school, value in by_school.items():
            zone = school.parent
            for unit in (school, zone):
                Cell.objects.create(unit=unit, kind="month", start=OCT, indicator=code, value=value)
        total = sum(by_school.values())
        for unit in (tree.county, tree.country):
            Cell.objects.create(unit=unit, kind="month", start=OCT, indicator=code, value=total)
    for unit in (tree.school_b, tree.zone_b, tree.county, tree.country):
        for harm, value in (("physical", 28), ("verbal", 12)):
            Cell.objects.create(
                unit=unit,
                kind="month",
                start=OCT,
                indicator="reports.by_harm",
                breakdown=harm,
                value=value,
            )
    with time_machine.travel(dt.datetime(2026, 11, 1, 9, tzinfo=zoneinfo.ZoneInfo("UTC"))):
        reporting_tick()
    return tree


def report_of(unit):
    return PeriodicReport.objects.get(unit=unit, template="ro_monthly", period_start=OCT)


def api_figures(client, unit):
    body = client.get(f"/api/v1/insights/units/{unit.pk}/figures", RANGE).json()
    return body["figures"], set(body["hidden"])


def pdf_text(content: bytes) -> str:
    # poppler-utils (the Makefile's system-deps for tests); a missing one fails the test.
    tool = shutil.which("pdftotext") or "pdftotext"
    done = subprocess.run(  # noqa: S603  (a fixed command; the input is our own PDF)
        [tool, "-layout", "-", "-"], input=content, capture_output=True, check=True
    )
    return done.stdout.decode()


@pytest.mark.parametrize("school", ["school_a", "school_b"])
def test_pdf_and_xlsx_hold_the_insights_api_figures_with_the_same_hidden_cells(
    client, made, school
):
    unit = getattr(made, school)
    report = report_of(unit)
    client.force_login(made.users["inspector"])
    values, hidden = api_figures(client, unit)
    assert {c for c in FIGURES if report.figures[c]["hidden"]} == hidden & set(FIGURES)

    pdf = client.get(f"/api/v1/periodic-reports/{report.pk}/pdf", {"lang": "en"})
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    text = pdf_text(pdf.content)
    xlsx = client.get(f"/api/v1/periodic-reports/{report.pk}/xlsx", {"lang": "en"})
    book = openpyxl.load_workbook(io.BytesIO(xlsx.content))
    assert "Reports and cases" in book.sheetnames
    sheet = {row[0]: row[1] for row in book["Reports and cases"].iter_rows(values_only=True)}
    with translation.override("en"):
        for code in FIGURES:
            name = frozen.name(code)
            if code in hidden:
                assert values[code] is None
                shown = frozen.text(code, report.figures[code])
                assert sheet[name] == shown  # the reason as text, never the number
            else:
                shown = str(values[code])
                assert sheet[name] == values[code]  # a number, not text
            assert re.search(rf"{re.escape(name)}\s+{re.escape(shown)}\s*$", text, re.M), name
    assert hidden or school == "school_b"  # school A's small counts are hidden from above
    if school == "school_a":
        assert "reports.total" in hidden and "under" in text


def test_the_breakdown_sheet_and_the_pdf_agree(client, made):
    report = report_of(made.school_b)
    client.force_login(made.users["inspector"])
    text = pdf_text(client.get(f"/api/v1/periodic-reports/{report.pk}/pdf?lang=en").content)
    book = openpyxl.load_workbook(
        io.BytesIO(client.get(f"/api/v1/periodic-reports/{report.pk}/xlsx?lang=en").content)
    )
    rows = list(book["Reports by kind of harm"].iter_rows(values_only=True))
    assert rows[0][0] == "Reports by kind of harm"
    for label, value in rows[1:]:
        shown = value if isinstance(value, str) else str(value)
        assert re.search(rf"{re.escape(label)}\s+{re.escape(shown)}", text), label


def test_files_come_in_the_jurisdictions_language_or_the_one_asked_for(client, made):
    report = report_of(made.school_b)
    client.force_login(made.users["inspector"])
    url = reverse("reporting:file", args=[report.pk, "pdf"])
    assert "Raport lunar privind violența în școală" in pdf_text(client.get(url).content)
    vietnamese = pdf_text(client.get(url, {"lang": "vi"}).content)
    assert "Báo cáo tháng về bạo lực học đường" in vietnamese
    chinese = pdf_text(client.get(url, {"lang": "zh-hans"}).content)
    assert "校园暴力月度报告" in chinese
    book = openpyxl.load_workbook(
        io.BytesIO(
            client.get(reverse("reporting:file", args=[report.pk, "xlsx"]), {"lang": "vi"}).content
        )
    )
    assert "Tin báo và vụ việc" in book.sheetnames


def test_an_unknown_language_is_refused_in_words(client, made):
    report = report_of(made.school_b)
    client.force_login(made.users["inspector"])
    response = client.get(f"/api/v1/periodic-reports/{report.pk}/pdf", {"lang": "xx"})
    assert response.status_code == 422
    assert "xx" in response.json()["title"]


def test_a_large_report_is_made_in_the_background(
    client, made, monkeypatch, django_capture_on_commit_callbacks
):
    from haven.reporting import outputs
    from haven.reporting.models import ReportFile

    monkeypatch.setattr(outputs, "BACKGROUND_ROWS", 0)
    report = report_of(made.school_b)
    client.force_login(made.users["inspector"])
    with django_capture_on_commit_callbacks() as queued:
        response = client.get(reverse("reporting:file", args=[report.pk, "xlsx"]))
    assert response.status_code == 302
    row = ReportFile.objects.get(report=report)
    assert row.status == "pending"
    pending = client.get(reverse("reporting:file_status", args=[row.pk])).content.decode()
    assert 'hx-trigger="every 2s"' in pending  # the page polls
    for callback in queued:
        callback()  # the worker's turn (the test backend runs the task at once)
    row.refresh_from_db()
    assert row.status == "ready"
    poll = client.get(reverse("reporting:file_status", args=[row.pk]))
    assert reverse("reporting:file_download", args=[row.pk]) in poll.content.decode()
    download = client.get(reverse("reporting:file_download", args=[row.pk]))
    assert download.status_code == 200
    client.force_login(made.users["other_coordinator"])
    assert client.get(reverse("reporting:file_download", args=[row.pk])).status_code == 404


def test_the_county_report_lists_its_schools_and_the_missing_ones(client, made):
    county = report_of(made.county)
    client.force_login(made.users["inspector"])
    text = pdf_text(client.get(f"/api/v1/periodic-reports/{county.pk}/pdf?lang=en").content)
    assert "Schools" in text and "Missing:" in text
    for school in (made.school_a, made.school_b):
        assert school.name in text.split("Missing:")[1]
    book = openpyxl.load_workbook(
        io.BytesIO(client.get(f"/api/v1/periodic-reports/{county.pk}/xlsx?lang=en").content)
    )
    rows = list(book["Schools"].iter_rows(values_only=True))
    assert rows[0][:2] == ("Unit", "State")
    assert {row[0] for row in rows[1:]} == {made.school_a.name, made.school_b.name}
