"""Prevention registers as CSV/XLSX (plan, trainings and attendance, pledges, parent
meetings) and, above the school, the compliance overview as figures with the hiding rule."""

import datetime as dt
import io

import openpyxl
import pytest
import time_machine

from haven.orgs.tests.export_helpers import csv_rows, last_export, xlsx_rows
from haven.prevention import services
from haven.prevention.tests.helpers import AUTUMN, YEAR, url

pytestmark = pytest.mark.django_db

WORDS = "Tăng cường 安全 ședință"


@pytest.fixture(autouse=True)
def _autumn():
    with time_machine.travel(AUTUMN, tick=False):
        yield


def get(client, name, unit, fmt="csv"):
    return client.get(url(name, unit.pk), {"export": fmt, "year": YEAR})


def test_plan_export_lists_the_activities_for_readers_only(client, tree):
    plan = services.plan_create(actor=tree.users["principal"], unit=tree.school_a, year=YEAR)
    services.activity_add(
        actor=tree.users["principal"],
        plan=plan,
        goal="awareness",
        what=WORDS,
        lead="Principal",
        starts_on=dt.date(2026, 10, 1),
        ends_on=dt.date(2026, 11, 1),
    )
    assert get(client, "prevention:plan", tree.school_a).status_code == 302
    client.force_login(tree.users["other_coordinator"])
    assert get(client, "prevention:plan", tree.school_a).status_code == 404
    client.force_login(tree.users["staff"])
    rows = csv_rows(get(client, "prevention:plan", tree.school_a))
    assert [r[1] for r in rows[1:]] == [WORDS]
    assert rows[1][4:6] == ["2026-10-01", "2026-11-01"]
    book = xlsx_rows(get(client, "prevention:plan", tree.school_a, "xlsx"))
    assert book[1][4] == dt.datetime(2026, 10, 1)  # noqa: DTZ001 (a spreadsheet date has no zone)
    event = last_export("prevention.plan_export")
    assert event.org_unit_id == tree.school_a.pk
    assert event.details == {"format": "xlsx", "filters": {"year": str(YEAR)}, "rows": 1}


def test_trainings_export_has_attendance_and_staff_counts_as_numbers(client, tree):
    session = services.training_record(
        actor=tree.users["coordinator"],
        unit=tree.school_a,
        topic=WORDS,
        held_on=dt.date(2026, 10, 1),
        trainer="CJRAE",
        audience="",
    )
    services.training_attendance_set(
        actor=tree.users["coordinator"], training=session, user_ids=[tree.users["staff"].pk]
    )
    client.force_login(tree.users["agency"])
    assert get(client, "prevention:trainings", tree.school_a).status_code == 404
    client.force_login(tree.users["coordinator"])
    rows = csv_rows(get(client, "prevention:trainings", tree.school_a))
    assert rows[1][1] == WORDS and rows[1][-1] == "1"
    response = get(client, "prevention:trainings", tree.school_a, "xlsx")
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    assert len(book.sheetnames) == 3
    present = list(book.worksheets[1].iter_rows(values_only=True))
    assert present[1][2] == str(tree.users["staff"])
    staff = dict(list(book.worksheets[2].iter_rows(values_only=True))[1:])
    assert staff[str(tree.users["staff"])] == 1 and staff[str(tree.users["principal"])] == 0
    assert last_export("prevention.trainings_export").details["rows"] == 1 + 1 + len(staff)


def test_pledges_and_meetings_exports(client, tree):
    services.pledge_sign(actor=tree.users["staff"], school=tree.school_a)
    services.meeting_record(
        actor=tree.users["coordinator"],
        school=tree.school_a,
        kind="parents",
        held_on=dt.date(2026, 10, 1),
        classes=[tree.class_a],
        topic=WORDS,
        attendance=21,
    )
    client.force_login(tree.users["staff"])  # staff do not review pledges
    assert get(client, "prevention:pledges", tree.school_a).status_code == 404
    client.force_login(tree.users["principal"])
    rows = csv_rows(get(client, "prevention:pledges", tree.school_a))
    signed = {r[0]: r[1] for r in rows[1:]}
    assert signed[str(tree.users["staff"])].startswith("2026-10-15")
    assert signed[str(tree.users["principal"])] == ""
    meeting = xlsx_rows(get(client, "prevention:meetings", tree.school_a, "xlsx"))
    assert meeting[1][3] == WORDS and meeting[1][4] == 21 and isinstance(meeting[1][4], int)
    client.force_login(tree.users["other_coordinator"])
    assert get(client, "prevention:meetings", tree.school_a).status_code == 404


def test_compliance_export_is_the_overviews_figures_with_the_same_hidden_cells(client, tree):
    from haven.care.tests.helpers import build_world, register

    world = build_world(tree)
    register(world)
    register(world, world.pupil_b)  # two pupils: hidden above the school
    services.pledge_sign(actor=tree.users["staff"], school=tree.school_a)
    client.force_login(tree.users["inspector"])
    page = client.get(url("prevention:overview", tree.county.pk), {"year": YEAR})
    rows = xlsx_rows(get(client, "prevention:overview", tree.county, "xlsx"))
    by_school = {r[0]: r[1:] for r in rows[1:]}
    hidden = 0
    for school, cells in page.context["table"]:
        line = by_school[school.name]
        for i, (cell, _link) in enumerate(cells):
            figures = list(line[3 * i : 3 * i + 3])
            if cell.hidden:
                hidden += 1
                assert figures == ["Hidden to protect privacy"] * 3
            else:
                assert figures[0] == cell.numerator and isinstance(figures[0], int)
                assert figures[1] == cell.denominator
    assert hidden >= 1 and rows[-1][0] == "Total"
    assert "Hidden to protect privacy" in rows[-1]  # the total too, as on the page
    assert last_export("prevention.compliance_export").org_unit_id == tree.county.pk
    client.force_login(tree.users["staff"])
    assert get(client, "prevention:overview", tree.school_a).status_code == 404
