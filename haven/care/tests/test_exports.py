"""Care registers as CSV/XLSX: pupils of concern (only for who may see the entries; counts
above the school), a screening round's ledger, and council/committee decisions."""

import datetime as dt

import pytest

from haven.care import services
from haven.care.tests.helpers import build_world, register, url
from haven.orgs.tests.export_helpers import SCRIPTS, csv_rows, last_export, xlsx_rows


@pytest.fixture
def world(tree):
    return build_world(tree)


def export(client, name, *args, **params):
    return client.get(url(name, *args), {"export": "csv", **params})


def test_concern_export_holds_only_entries_the_user_may_see(world, client):
    world.pupil.family_name = SCRIPTS
    world.pupil.save()
    register(world)
    register(world, target=world.pupil_b)
    assert export(client, "care:concern_list").status_code == 302
    client.force_login(world.users["coordinator"])
    rows = csv_rows(export(client, "care:concern_list"))
    assert len(rows) == 3 and any(SCRIPTS in cell for cell in rows[1] + rows[2])
    assert last_export("care.concern_export").details["rows"] == 2
    client.force_login(world.class_teacher)  # 5A's teacher, responsible for 5A's pupil only
    rows = csv_rows(export(client, "care:concern_list"))
    assert [r[1] for r in rows[1:]] == [str(world.pupil)]
    client.force_login(world.users["other_coordinator"])
    assert csv_rows(export(client, "care:concern_list"))[1:] == []
    client.force_login(world.users["staff"])  # no entry in their care: headers only
    assert csv_rows(export(client, "care:concern_list"))[1:] == []


def test_the_inspector_exports_counts_with_small_ones_hidden_never_names(world, client):
    register(world)
    client.force_login(world.users["inspector"])
    rows = csv_rows(export(client, "care:concern_list"))
    assert rows[0] == ["School", "Open entries", "Reviews overdue"]
    school = next(r for r in rows if r[0] == world.tree.school_a.name)
    assert school[1] == "Hidden to protect privacy"  # 1 pupil: below the smallest cell
    assert all(str(world.pupil) not in cell for r in rows for cell in r)


def test_screening_ledger_export_is_the_round_page_for_the_user(world, client):
    round_ = services.screening_round_create(
        actor=world.users["coordinator"],
        school=world.tree.school_a,
        name="Toamnă: ședința",
        starts_on=world.today - dt.timedelta(days=1),
        ends_on=world.today + dt.timedelta(days=7),
        classes=None,
    )
    answer = round_.answers.get(class_unit=world.tree.class_a)
    services.screening_item_add(
        actor=world.class_teacher,
        answer=answer,
        description="Ceartă la stația de autobuz",
        responsible=world.class_teacher,
        measures="Supraveghere",
        due_on=world.today + dt.timedelta(days=10),
    )
    client.force_login(world.users["coordinator"])
    page = client.get(url("care:round_detail", round_.pk)).content.decode()
    assert "export=xlsx" in page
    rows = csv_rows(export(client, "care:round_detail", round_.pk))
    assert len(rows) == 3  # the finding in 5A, 5B not answered yet
    assert "Ceartă la stația de autobuz" in rows[1] + rows[2]
    due = (world.today + dt.timedelta(days=10)).isoformat()
    assert due in rows[1] + rows[2]
    client.force_login(world.teacher_b)  # 5B's teacher: their class only, not 5A's finding
    rows = csv_rows(export(client, "care:round_detail", round_.pk))
    assert [r[0] for r in rows[1:]] == [world.class_b.name]
    client.force_login(world.users["other_coordinator"])
    assert export(client, "care:round_detail", round_.pk).status_code == 404
    client.force_login(world.users["coordinator"])
    sheet = xlsx_rows(client.get(url("care:round_detail", round_.pk), {"export": "xlsx"}))
    assert isinstance(next(r[7] for r in sheet[1:] if r[4]), dt.datetime)
    assert last_export("care.screening_export").details["format"] == "xlsx"


def test_decisions_export_lists_decisions_of_visible_meetings(world, client):
    meeting = services.meeting_record(
        actor=world.users["principal"],
        school=world.tree.school_a,
        body="council",
        held_on=world.today,
        members=[world.users["coordinator"]],
        external_members=[],
        concerns=[],
        cases=[],
        minutes="",
    )
    services.decision_add(
        actor=world.users["principal"],
        meeting=meeting,
        text="Vizită acasă 家访 thăm nhà",
        responsible=world.class_teacher,
        due_on=world.today + dt.timedelta(days=5),
    )
    client.force_login(world.users["principal"])
    rows = csv_rows(export(client, "care:meeting_list"))
    assert rows[1][3] == "Vizită acasă 家访 thăm nhà"
    assert rows[1][0] == world.today.isoformat()
    assert last_export("care.decisions_export").details["rows"] == 1
    client.force_login(world.users["other_coordinator"])
    assert csv_rows(export(client, "care:meeting_list"))[1:] == []
