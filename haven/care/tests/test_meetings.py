"""Committee meetings: who was present, which pupils and cases were discussed (shown only to
those who may see them), decisions with someone responsible and a due date."""

import datetime as dt

import pytest

from haven.audit.models import AuditEvent
from haven.care import selectors, services
from haven.care.models import CommitteeDecision, CommitteeMeeting
from haven.care.tests.helpers import build_world, register, url
from haven.cases import services as case_services
from haven.lib.errors import AccessDenied, InvalidInput


@pytest.fixture
def world(tree):
    return build_world(tree)


def record(world, **overrides):
    data = {
        "actor": world.users["principal"],
        "school": world.tree.school_a,
        "body": "council",
        "held_on": world.today,
        "members": [world.users["coordinator"], world.class_teacher],
        "external_members": ["Aigerim S., juvenile police", " "],
        "concerns": [],
        "cases": [],
        "minutes": "Reviewed the term's offences.",
    }
    data.update(overrides)
    return services.meeting_record(**data)


def test_a_meeting_records_members_and_what_was_discussed(world):
    entry = register(world)
    case = case_services.case_open(
        actor=world.users["coordinator"], school=world.tree.school_a, title="Corridor"
    )
    meeting = record(world, concerns=[entry], cases=[case])
    assert set(meeting.members.all()) == {world.users["coordinator"], world.class_teacher}
    assert meeting.external_members == ["Aigerim S., juvenile police"]
    assert AuditEvent.objects.filter(action="meeting.record", object_id=str(meeting.pk)).exists()


def test_members_present_see_the_meeting_but_only_what_they_may_see_of_it(world, client):
    entry = register(world, target=world.pupil_b)  # 5B's teacher's pupil, not 5A's
    case = case_services.case_open(
        actor=world.users["coordinator"], school=world.tree.school_a, title="Corridor"
    )
    meeting = record(world, concerns=[entry], cases=[case])
    teacher = world.class_teacher
    assert selectors.meeting_get(user=teacher, pk=meeting.pk) == meeting
    assert not selectors.meeting_concerns(user=teacher, meeting=meeting).exists()
    assert not selectors.meeting_cases(user=teacher, meeting=meeting).exists()
    assert selectors.meeting_hidden_count(user=teacher, meeting=meeting) == 2
    client.force_login(teacher)
    page = client.get(url("care:meeting_detail", meeting.pk)).content.decode()
    assert "Ionescu" not in page and "Corridor" not in page
    assert "2 more that you cannot see" in page
    # a staff member who was not there sees nothing of it
    assert selectors.meeting_list(user=world.users["staff"]).count() == 0


def test_only_linked_items_the_recorder_may_see_can_be_discussed(world):
    elsewhere = case_services.case_open(
        actor=world.users["other_coordinator"], school=world.tree.school_b, title="B"
    )
    with pytest.raises(InvalidInput, match="case of this school"):
        record(world, cases=[elsewhere])
    with pytest.raises(InvalidInput, match="school's people"):
        record(world, members=[world.users["other_coordinator"]])
    with pytest.raises(InvalidInput, match="who was present"):
        record(world, members=[], external_members=[])
    with pytest.raises(InvalidInput, match="taken place"):
        record(world, held_on=world.today + dt.timedelta(days=3))
    assert not CommitteeMeeting.objects.exists()


def test_only_the_coordinator_and_principal_record_meetings(world):
    for name in ("staff", "psychologist", "inspector", "admin", "other_coordinator"):
        with pytest.raises(AccessDenied):
            record(world, actor=world.users[name])


def test_decisions_have_someone_responsible_and_a_due_date_not_before_the_meeting(world):
    meeting = record(world)
    principal = world.users["principal"]
    with pytest.raises(InvalidInput, match="before the meeting"):
        services.decision_add(
            actor=principal,
            meeting=meeting,
            text="Home visit",
            responsible=world.class_teacher,
            due_on=meeting.held_on - dt.timedelta(days=1),
        )
    with pytest.raises(InvalidInput, match="needs someone responsible"):
        services.decision_add(
            actor=principal, meeting=meeting, text="Home visit", due_on=world.today
        )
    assert not CommitteeDecision.objects.exists()
    decision = services.decision_add(
        actor=principal,
        meeting=meeting,
        text="Home visit",
        responsible=world.class_teacher,
        due_on=world.today + dt.timedelta(days=5),
    )
    with pytest.raises(AccessDenied):
        services.decision_done(actor=world.teacher_b, decision=decision)
    services.decision_done(actor=world.class_teacher, decision=decision)
    decision.refresh_from_db()
    assert decision.done_at is not None


def test_decision_through_the_page(world, client):
    meeting = record(world)
    client.force_login(world.users["coordinator"])
    response = client.post(
        url("care:meeting_detail", meeting.pk),
        {
            "action": "decision",
            "text": "Individual prevention plan with the mentor.",
            "responsible": world.mentor.pk,
            "due_on": (world.today + dt.timedelta(days=7)).isoformat(),
        },
        follow=True,
    )
    assert "Individual prevention plan with the mentor." in response.content.decode()
    assert CommitteeDecision.objects.get().responsible == world.mentor


def test_recording_a_meeting_through_the_page(world, client):
    entry = register(world)
    client.force_login(world.users["principal"])
    page = client.get(url("care:meeting_create")).content.decode()
    assert "Popescu" in page  # the principal may see the entry, so may link it
    response = client.post(
        url("care:meeting_create"),
        {
            "body": "committee",
            "held_on": world.today.isoformat(),
            "members": [world.users["coordinator"].pk],
            "external_members": "Parent representative\nOutside expert",
            "concerns": [entry.pk],
        },
    )
    meeting = CommitteeMeeting.objects.get()
    assert response.status_code == 302
    assert meeting.external_members == ["Parent representative", "Outside expert"]
    assert list(meeting.concerns.all()) == [entry]


def test_the_meeting_form_listing_pupils_of_concern_is_audited(world, client):
    entry = register(world)
    client.force_login(world.users["coordinator"])
    client.get(url("care:meeting_create"))
    shown = AuditEvent.objects.get(action="concern.list")
    assert shown.details == {"entries": [entry.pk]}
