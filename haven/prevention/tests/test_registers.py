"""Trainings, parent meetings and pupil sessions, channels made known: rules and pages."""

import datetime as dt

import pytest
import time_machine

from haven.intake.models import PosterPrint
from haven.lib.errors import AccessDenied, InvalidInput
from haven.orgs.models import OrgUnit
from haven.orgs.tests.factories import unit
from haven.prevention import services
from haven.prevention.models import ChannelPublication, Meeting, Training, TrainingAttendance
from haven.prevention.tests.helpers import AUTUMN, YEAR, url

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _autumn():
    with time_machine.travel(AUTUMN, tick=False):
        yield


def training(tree, on=None, who="coordinator", held_on=dt.date(2026, 10, 1)):
    return services.training_record(
        actor=tree.users[who],
        unit=on or tree.school_a,
        topic="Order 6235/2023",
        held_on=held_on,
        trainer="CJRAE",
        audience="all teachers",
    )


# Trainings


def test_attendance_counts_each_staff_member_once_a_year(client, tree):
    session = training(tree)
    services.training_attendance_set(
        actor=tree.users["coordinator"],
        training=session,
        user_ids=[tree.users["staff"].pk, tree.users["principal"].pk],
    )
    client.force_login(tree.users["staff"])
    response = client.get(url("prevention:trainings", tree.school_a.pk))
    assert response.status_code == 200
    assert response.context["trained"] == 2 and len(response.context["staff"]) == 4


def test_a_zone_training_for_principals_counts_for_their_school(tree):
    session = training(tree, on=tree.zone_a, who="inspector")
    services.training_attendance_set(
        actor=tree.users["inspector"], training=session, user_ids=[tree.users["principal"].pk]
    )
    from haven.prevention.compliance import staff_trained

    assert staff_trained([tree.school_a], YEAR)[tree.school_a.pk] == (1, 4)


def test_only_staff_of_the_training_units_can_be_marked_present(tree):
    session = training(tree)
    with pytest.raises(InvalidInput):
        services.training_attendance_set(
            actor=tree.users["coordinator"],
            training=session,
            user_ids=[tree.users["other_coordinator"].pk],
        )
    assert not TrainingAttendance.objects.exists()


def test_staff_cannot_record_trainings(tree):
    with pytest.raises(AccessDenied):
        training(tree, who="staff")
    with pytest.raises(AccessDenied):
        training(tree, on=tree.school_a, who="inspector")
    assert not Training.objects.exists()


def test_trainings_page_access(client, tree):
    session = training(tree)
    target = url("prevention:trainings", tree.school_a.pk)
    assert client.get(target).status_code == 302
    for who in ("agency", "nobody", "other_coordinator"):
        client.force_login(tree.users[who])
        assert client.get(target).status_code == 404
        assert client.get(url("prevention:training", session.pk)).status_code == 404
    client.force_login(tree.users["staff"])
    assert (
        client.post(target, {"topic": "x", "held_on": "2026-10-02", "trainer": "y"}).status_code
        == 404
    )
    assert client.post(url("prevention:training", session.pk), {"attended": [1]}).status_code == 404
    client.force_login(tree.users["coordinator"])
    response = client.post(target, {"topic": "KiVa", "held_on": "2026-10-02", "trainer": "PPMS"})
    assert response.status_code == 302 and Training.objects.count() == 2
    response = client.post(
        url("prevention:training", session.pk), {"attended": [tree.users["staff"].pk]}
    )
    assert response.status_code == 302
    assert list(session.attendance.values_list("user_id", flat=True)) == [tree.users["staff"].pk]


# Parent meetings and pupil sessions


def meeting(tree, classes, held_on=dt.date(2026, 10, 1), kind="parents", who="coordinator"):
    return services.meeting_record(
        actor=tree.users[who],
        school=tree.school_a,
        kind=kind,
        held_on=held_on,
        classes=classes,
        topic="Bullying: what parents can do",
        attendance=21,
    )


def test_classes_below_the_semester_minimum_are_flagged(client, tree):
    class_b = unit(tree.school_a, OrgUnit.Kind.CLASS, "5B")
    meeting(tree, [tree.class_a])
    meeting(tree, [tree.class_a], held_on=dt.date(2026, 10, 10))
    meeting(tree, [class_b], kind="pupils")
    # Last school year's meetings do not count.
    meeting(tree, [class_b], held_on=dt.date(2026, 5, 10))
    client.force_login(tree.users["staff"])
    response = client.get(url("prevention:meetings", tree.school_a.pk))
    assert response.status_code == 200
    rows = {r.class_unit: r for r in response.context["counts"]}
    assert not rows[tree.class_a].below_minimum and rows[tree.class_a].parent_meetings == 2
    assert rows[class_b].below_minimum and rows[class_b].pupil_sessions == 1
    assert rows[class_b].parent_meetings == 0
    # Romania's terms are learning modules: one meeting a module (rules.yaml), not two.
    assert response.context["minimum"] == 1
    # Counted per term of the school's calendar: Romania's first learning module.
    assert response.context["term"].key == "2026-2027/M1"
    assert response.context["term"].name in response.content.decode()


def test_a_meeting_in_the_future_or_for_another_schools_class_is_refused(tree):
    class_b = unit(tree.school_b, OrgUnit.Kind.CLASS, "6B")
    with pytest.raises(InvalidInput, match="future"):
        meeting(tree, [tree.class_a], held_on=dt.date(2026, 12, 1))
    with pytest.raises(InvalidInput, match="class"):
        meeting(tree, [class_b])
    with pytest.raises(InvalidInput, match="class"):
        meeting(tree, [])
    assert not Meeting.objects.exists()


def test_meetings_page_access(client, tree):
    target = url("prevention:meetings", tree.school_a.pk)
    data = {
        "kind": "parents",
        "held_on": "2026-10-01",
        "classes": [tree.class_a.pk],
        "topic": "Safety",
        "attendance": 20,
    }
    assert client.get(target).status_code == 302
    for who in ("agency", "nobody", "other_coordinator"):
        client.force_login(tree.users[who])
        assert client.get(target).status_code == 404
        assert client.post(target, data).status_code == 404
    client.force_login(tree.users["inspector"])
    assert client.get(target).status_code == 200
    assert client.post(target, data).status_code == 404
    client.force_login(tree.users["principal"])
    assert client.post(target, data).status_code == 302
    assert Meeting.objects.get().classes.get() == tree.class_a


def test_a_negative_attendance_is_refused_on_the_page(client, tree):
    client.force_login(tree.users["principal"])
    response = client.post(
        url("prevention:meetings", tree.school_a.pk),
        {
            "kind": "parents",
            "held_on": "2026-10-01",
            "classes": [tree.class_a.pk],
            "topic": "x",
            "attendance": -3,
        },
    )
    assert response.status_code == 200 and response.context["form"].errors
    assert not Meeting.objects.exists()


# Channels


def test_class_reached_by_its_poster_or_another_channel(client, tree):
    class_b = unit(tree.school_a, OrgUnit.Kind.CLASS, "5B")
    unit(tree.school_a, OrgUnit.Kind.CLASS, "5C")
    PosterPrint.objects.create(unit=tree.class_a, language="ro")
    services.channel_record(
        actor=tree.users["coordinator"],
        school=tree.school_a,
        unit=class_b,
        kind="letter_box",
        detail="by the staff room",
        published_on=dt.date(2026, 9, 20),
    )
    client.force_login(tree.users["staff"])
    response = client.get(url("prevention:channels", tree.school_a.pk))
    assert response.status_code == 200
    assert response.context["reached"] == 2 and len(response.context["rows"]) == 3
    poster_row = next(r for r in response.context["rows"] if r.class_unit == tree.class_a)
    assert poster_row.poster_at is not None


def test_a_channel_for_another_schools_class_is_refused(tree):
    other = unit(tree.school_b, OrgUnit.Kind.CLASS, "6B")
    with pytest.raises(InvalidInput):
        services.channel_record(
            actor=tree.users["coordinator"],
            school=tree.school_a,
            unit=other,
            kind="hotline",
            detail="",
            published_on=dt.date(2026, 9, 20),
        )
    assert not ChannelPublication.objects.exists()


def test_channels_page_access(client, tree):
    target = url("prevention:channels", tree.school_a.pk)
    data = {
        "unit": tree.school_a.pk,
        "kind": "hotline",
        "detail": "0800",
        "published_on": "2026-09-10",
    }
    assert client.get(target).status_code == 302
    for who in ("agency", "nobody", "other_coordinator"):
        client.force_login(tree.users[who])
        assert client.get(target).status_code == 404
    client.force_login(tree.users["staff"])
    assert client.post(target, data).status_code == 404
    client.force_login(tree.users["coordinator"])
    assert client.post(target, data).status_code == 302
    assert ChannelPublication.objects.get().unit == tree.school_a
