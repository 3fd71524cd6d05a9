"""The case list as CSV and XLSX, with deadlines: the user's own list, audited."""

import datetime as dt
import io
import zoneinfo

import openpyxl
import time_machine
from django.urls import reverse

from haven.cases import services
from haven.intake.tests.helpers import submit
from haven.orgs.tests.export_helpers import SCRIPTS, csv_rows, last_export, xlsx_rows

START = dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC)


def open_case(tree, school, title=SCRIPTS):
    report, _receipt = submit(school)
    actor = tree.users["coordinator" if school == tree.school_a else "other_coordinator"]
    return services.case_open(actor=actor, school=school, title=title, reports=[report])


def test_case_export_is_the_users_list_only(client, tree):
    with time_machine.travel(START, tick=False):
        mine = open_case(tree, tree.school_a)
        open_case(tree, tree.school_b, title="Other school")
    assert client.get(reverse("cases:case_list"), {"export": "csv"}).status_code == 302
    client.force_login(tree.users["staff"])  # not on any case: nothing to export
    assert csv_rows(client.get(reverse("cases:case_list"), {"export": "csv"}))[1:] == []
    client.force_login(tree.users["other_coordinator"])
    rows = csv_rows(client.get(reverse("cases:case_list"), {"export": "csv"}))
    assert [r[1] for r in rows[1:]] == ["Other school"]
    client.force_login(tree.users["coordinator"])
    with time_machine.travel(START + dt.timedelta(days=3), tick=False):
        rows = csv_rows(client.get(reverse("cases:case_list"), {"export": "csv"}))
    assert len(rows) == 2 and rows[1][0] == str(mine.pk) and rows[1][1] == SCRIPTS
    assert rows[1][3] == "2026-03-02 11:00"  # ISO, in the user's time zone (Bucharest)
    assert int(rows[1][-1]) >= 1  # the 24-hour first contact was missed
    event = last_export("cases.export")
    assert event.details["format"] == "csv" and event.details["rows"] > 1


def test_case_xlsx_has_a_deadline_sheet_with_dates_as_dates(client, tree):
    with time_machine.travel(START, tick=False):
        case = open_case(tree, tree.school_a)
    client.force_login(tree.users["coordinator"])
    response = client.get(reverse("cases:case_list"), {"export": "xlsx"})
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["Cases", "Deadlines"]
    cases = xlsx_rows(response)
    assert cases[1][0] == case.pk and isinstance(cases[1][-1], int)
    deadlines = [list(r) for r in book["Deadlines"].iter_rows(values_only=True)]
    due = {r[2]: r[3] for r in deadlines[1:]}
    timer = case.timers.get(code="first_contact")
    local = timer.due_at.astimezone(zoneinfo.ZoneInfo("Europe/Bucharest")).replace(tzinfo=None)
    assert local in due.values()
    assert all(isinstance(v, dt.datetime) for v in due.values())


def test_case_export_queries_do_not_grow_with_cases(client, tree):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with time_machine.travel(START, tick=False):
        for _n in range(2):
            open_case(tree, tree.school_a, title="x")
    client.force_login(tree.users["coordinator"])
    with CaptureQueriesContext(connection) as two:
        client.get(reverse("cases:case_list"), {"export": "xlsx"})
    with time_machine.travel(START, tick=False):
        for _n in range(4):
            open_case(tree, tree.school_a, title="y")
    with CaptureQueriesContext(connection) as six:
        rows = xlsx_rows(client.get(reverse("cases:case_list"), {"export": "xlsx"}))
    assert len(rows) == 7
    assert len(six) == len(two)
