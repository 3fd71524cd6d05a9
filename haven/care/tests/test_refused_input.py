"""Refused input on the care pages comes back as typed: the page is shown again with the form
bound, the message beside the field it is about, a summary above the form, and nothing
stored. (Before, the page redirected and the teacher lost what they had typed.)"""

import datetime as dt
import re

import pytest

from haven.audit.models import AuditEvent
from haven.care import services
from haven.care.models import (
    CommitteeDecision,
    ConcernEntry,
    ConcernFollowUp,
    ScreeningAnswer,
    ScreeningItem,
)
from haven.care.tests.helpers import build_world, register, url

SUMMARY = "Some answers are missing or need a change: see the marked fields below."


@pytest.fixture
def world(tree):
    return build_world(tree)


@pytest.fixture
def screening(world):
    round_ = services.screening_round_create(
        actor=world.users["coordinator"],
        school=world.tree.school_a,
        name="Autumn screening",
        starts_on=world.today - dt.timedelta(days=7),
        ends_on=world.today + dt.timedelta(days=7),
        classes=None,
    )
    answer = ScreeningAnswer.objects.select_related("round__school").get(
        round=round_, class_unit=world.tree.class_a
    )
    return round_, answer


def field_block(page: str, field_id: str) -> str:
    """The ``<div class="field ...">`` holding the input with ``field_id``."""
    at = page.index(f'id="{field_id}"')
    start = page.rindex('<div class="field', 0, at)
    following = page.find('<div class="field', at)
    return page[start : following if following != -1 else len(page)]


def finding(world, **overrides):
    data = {
        "action": "item",
        "description": "Two groups quarrel at the bus stop every morning.",
        "responsible": world.class_teacher.pk,
        "measures": "Class meeting; an adult at the bus stop.",
        "due_on": (world.today + dt.timedelta(days=5)).isoformat(),
    }
    data.update(overrides)
    return data


def test_a_finding_due_before_the_round_keeps_the_typed_text_and_marks_the_date(
    world, screening, client
):
    round_, answer = screening
    client.force_login(world.class_teacher)
    response = client.post(
        url("care:round_answer", round_.pk, answer.pk),
        finding(world, due_on=(round_.starts_on - dt.timedelta(days=3)).isoformat()),
    )
    assert response.status_code == 200
    page = response.content.decode()
    # what the teacher typed is still there, in this class's form
    assert "Two groups quarrel at the bus stop every morning.</textarea>" in page
    assert "Class meeting; an adult at the bus stop.</textarea>" in page
    due = field_block(page, f"item{answer.pk}_due_on")
    assert "has-error" in due and "The due date cannot be before the round starts." in due
    assert SUMMARY in page
    assert f'href="#item{answer.pk}_due_on"' in page  # the summary leads to the field
    # the other class's form is a fresh one
    assert page.count("Two groups quarrel at the bus stop every morning.") == 1
    # nothing stored, the class still counts as not answered
    assert not ScreeningItem.objects.exists()
    assert not AuditEvent.objects.filter(action="screening.item_add").exists()
    answer.refresh_from_db()
    assert answer.answered_at is None


def test_a_finding_without_anyone_responsible_keeps_the_typed_text(world, screening, client):
    round_, answer = screening
    client.force_login(world.class_teacher)
    response = client.post(
        url("care:round_answer", round_.pk, answer.pk), finding(world, responsible="")
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "Two groups quarrel at the bus stop every morning.</textarea>" in page
    assert "has-error" in field_block(page, f"item{answer.pk}_responsible")
    assert "has-error" not in field_block(page, f"item{answer.pk}_description")
    assert SUMMARY in page
    assert not ScreeningItem.objects.exists()


def test_a_responsible_person_from_another_school_is_marked_on_that_field(world, screening, client):
    round_, answer = screening
    client.force_login(world.users["coordinator"])
    response = client.post(
        url("care:round_answer", round_.pk, answer.pk),
        finding(world, responsible=world.users["other_coordinator"].pk),
    )
    assert response.status_code == 200
    assert "has-error" in field_block(response.content.decode(), f"item{answer.pk}_responsible")
    assert not ScreeningItem.objects.exists()


def test_a_valid_finding_is_saved_and_the_page_redirects(world, screening, client):
    round_, answer = screening
    client.force_login(world.class_teacher)
    response = client.post(url("care:round_answer", round_.pk, answer.pk), finding(world))
    assert response.status_code == 302
    assert ScreeningItem.objects.get().answer == answer


def test_a_refused_case_link_keeps_the_number_typed(world, screening, client):
    round_, answer = screening
    item = services.screening_item_add(
        actor=world.class_teacher,
        answer=answer,
        description="Name-calling.",
        responsible=world.class_teacher,
        measures="Talk.",
        due_on=world.today + dt.timedelta(days=3),
    )
    client.force_login(world.users["principal"])
    response = client.post(
        url("care:item_act", round_.pk, item.pk), {"action": "link_case", "case": "98765"}
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "Choose a case of this school that you can see." in page
    assert re.search(rf'id="case-number-{item.pk}"[^>]*value="98765"', page)
    item.refresh_from_db()
    assert item.case_id is None and item.status == "open"


def test_a_follow_up_dated_in_the_future_keeps_the_note(world, client):
    entry = register(world)
    client.force_login(world.class_teacher)
    response = client.post(
        url("care:concern_detail", entry.pk),
        {
            "action": "follow_up",
            "on": (world.today + dt.timedelta(days=2)).isoformat(),
            "note": "Talked with the parents about the absences.",
        },
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "Talked with the parents about the absences.</textarea>" in page
    block = field_block(page, "id_on")
    assert "has-error" in block and "A follow-up cannot be dated in the future." in block
    assert SUMMARY in page
    assert not ConcernFollowUp.objects.exists()


def test_a_refused_change_of_the_entry_keeps_the_form_open_and_changes_nothing(world, client):
    entry = register(world)
    client.force_login(world.users["coordinator"])
    response = client.post(
        url("care:concern_detail", entry.pk),
        {
            "action": "update",
            "reasons": ["other"],
            "reason_note": "",
            "responsible": world.class_teacher.pk,
            "mentor_name": "Ion Rusu",
            "mentor_role": "youth worker",
            "review_on": (world.today + dt.timedelta(days=20)).isoformat(),
        },
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "Say what the other reason is." in field_block(page, "id_reason_note")
    assert 'value="Ion Rusu"' in page  # typed, kept
    assert re.search(r"<details open><summary>[^<]*Reasons, adults, review date", page)
    entry.refresh_from_db()
    assert entry.reasons == ["truancy", "results_drop"] and entry.mentor_name == ""
    assert not AuditEvent.objects.filter(action="concern.update").exists()


def test_closing_without_a_reason_is_refused_on_the_page(world, client):
    entry = register(world)
    client.force_login(world.users["coordinator"])
    response = client.post(url("care:concern_detail", entry.pk), {"action": "close", "reason": " "})
    assert response.status_code == 200
    assert "has-error" in field_block(response.content.decode(), "id_reason")
    entry.refresh_from_db()
    assert entry.status == ConcernEntry.Status.OPEN


def test_a_decision_due_before_the_meeting_keeps_the_text(world, client):
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
    client.force_login(world.users["coordinator"])
    response = client.post(
        url("care:meeting_detail", meeting.pk),
        {
            "action": "decision",
            "text": "A mentor for the pupils of 5A who were left behind.",
            "responsible": world.mentor.pk,
            "due_on": (world.today - dt.timedelta(days=1)).isoformat(),
        },
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "A mentor for the pupils of 5A who were left behind.</textarea>" in page
    assert "The due date cannot be before the meeting." in field_block(page, "id_due_on")
    assert SUMMARY in page
    assert not CommitteeDecision.objects.exists()


def test_refusals_on_the_page_are_still_refused_for_other_schools(world, screening, client):
    round_, answer = screening
    client.force_login(world.users["other_coordinator"])
    response = client.post(
        url("care:round_answer", round_.pk, answer.pk), finding(world, responsible="")
    )
    assert response.status_code == 404
    assert "Two groups quarrel" not in response.content.decode()


def test_a_decision_from_someone_who_only_reads_the_meeting_is_refused_with_a_message(
    world, client
):
    meeting = services.meeting_record(
        actor=world.users["principal"],
        school=world.tree.school_a,
        body="council",
        held_on=world.today,
        members=[world.users["psychologist"]],
        external_members=[],
        concerns=[],
        cases=[],
        minutes="",
    )
    client.force_login(world.users["psychologist"])
    assert client.get(url("care:meeting_detail", meeting.pk)).status_code == 200
    response = client.post(
        url("care:meeting_detail", meeting.pk),
        {"action": "decision", "text": "Typed anyway."},
        follow=True,
    )
    assert response.status_code == 200  # the page they may read, with the refusal
    assert "You do not have access to this." in response.content.decode()
    assert not CommitteeDecision.objects.exists()
