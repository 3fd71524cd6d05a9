"""Conflict screening rounds: every class answers (nothing found is an answer), each finding
has someone responsible, measures and a due date, until resolved or turned into a case."""

import datetime as dt

import pytest

from haven.audit.models import AuditEvent
from haven.care import selectors, services
from haven.care.models import ItemStatus, ScreeningAnswer, ScreeningItem, ScreeningRound
from haven.care.tests.helpers import build_world, url
from haven.cases import services as case_services
from haven.cases.models import Case
from haven.lib.errors import AccessDenied, InvalidInput


@pytest.fixture
def world(tree):
    return build_world(tree)


def start_round(world, classes=None, **overrides):
    data = {
        "actor": world.users["coordinator"],
        "school": world.tree.school_a,
        "name": "Autumn screening",
        "starts_on": world.today - dt.timedelta(days=7),
        "ends_on": world.today + dt.timedelta(days=7),
        "classes": classes,
    }
    data.update(overrides)
    return services.screening_round_create(**data)


def answer_of(round_, class_unit):
    return ScreeningAnswer.objects.select_related("round__school").get(
        round=round_, class_unit=class_unit
    )


def add_item(world, answer, actor=None, **overrides):
    data = {
        "actor": actor or world.class_teacher,
        "answer": answer,
        "description": "Two groups quarrel at the bus stop.",
        "responsible": world.class_teacher,
        "measures": "Class meeting; supervision at the bus stop.",
        "due_on": world.today + dt.timedelta(days=10),
    }
    data.update(overrides)
    return services.screening_item_add(**data)


def test_a_round_covers_every_class_by_default_with_their_class_teachers(world):
    round_ = start_round(world)
    answers = {a.class_unit: a.responsible for a in round_.answers.all()}
    assert answers == {world.tree.class_a: world.class_teacher, world.class_b: world.teacher_b}


def test_a_round_may_cover_some_classes_only(world):
    round_ = start_round(world, classes=[world.class_b])
    assert [a.class_unit for a in round_.answers.all()] == [world.class_b]
    with pytest.raises(InvalidInput, match="classes of this school"):
        start_round(world, classes=[world.class_other])


def test_a_round_cannot_end_before_it_starts(world):
    with pytest.raises(InvalidInput, match="end before it starts"):
        start_round(world, ends_on=world.today - dt.timedelta(days=30))
    assert not ScreeningRound.objects.exists()


def test_nothing_found_is_a_recorded_answer_and_progress_counts_it(world):
    round_ = start_round(world)
    services.screening_none_found(
        actor=world.class_teacher, answer=answer_of(round_, world.tree.class_a)
    )
    listed = selectors.round_get(user=world.users["coordinator"], pk=round_.pk)
    assert (listed.classes_answered, listed.classes_total) == (1, 2)
    assert not selectors.round_done(listed)
    add_item(
        world, answer_of(round_, world.class_b), actor=world.teacher_b, responsible=world.teacher_b
    )
    listed = selectors.round_get(user=world.users["coordinator"], pk=round_.pk)
    assert selectors.round_done(listed)
    assert AuditEvent.objects.filter(action="screening.none_found").count() == 1


def test_a_due_date_before_the_round_starts_is_refused_and_nothing_is_stored(world):
    round_ = start_round(world)
    answer = answer_of(round_, world.tree.class_a)
    with pytest.raises(InvalidInput) as refused:
        add_item(world, answer, due_on=round_.starts_on - dt.timedelta(days=1))
    assert str(refused.value.message) == "The due date cannot be before the round starts."
    assert not ScreeningItem.objects.exists()
    answer.refresh_from_db()
    assert answer.answered_at is None  # the class is still unanswered


def test_only_the_class_responsible_or_the_coordinator_answers(world):
    round_ = start_round(world)
    answer = answer_of(round_, world.tree.class_a)
    for name in ("staff", "psychologist", "inspector", "other_coordinator"):
        with pytest.raises(AccessDenied):
            services.screening_none_found(actor=world.users[name], answer=answer)
    with pytest.raises(AccessDenied):
        services.screening_none_found(actor=world.teacher_b, answer=answer)
    services.screening_none_found(actor=world.users["principal"], answer=answer)


def test_the_coordinator_assigns_another_teacher_to_a_class(world):
    round_ = start_round(world)
    answer = answer_of(round_, world.tree.class_a)
    services.screening_assign(
        actor=world.users["coordinator"], answer=answer, responsible=world.mentor
    )
    answer.refresh_from_db()
    services.screening_none_found(actor=world.mentor, answer=answer)
    with pytest.raises(InvalidInput, match="work at the school"):
        services.screening_assign(
            actor=world.users["coordinator"],
            answer=answer,
            responsible=world.users["other_coordinator"],
        )


def test_overdue_findings_are_counted_and_highlighted(world, client):
    round_ = start_round(world)
    item = add_item(world, answer_of(round_, world.tree.class_a))
    ScreeningItem.objects.filter(pk=item.pk).update(due_on=world.today - dt.timedelta(days=1))
    counts = selectors.round_item_counts(round_=round_, on=world.today)
    assert (counts["open"], counts["overdue"]) == (1, 1)
    client.force_login(world.users["coordinator"])
    page = client.get(url("care:round_detail", round_.pk)).content.decode()
    assert 'class="finding overdue-label"' in page


def test_a_finding_is_resolved_with_how(world):
    round_ = start_round(world)
    item = add_item(world, answer_of(round_, world.tree.class_a))
    with pytest.raises(InvalidInput, match="how it was resolved"):
        services.screening_item_resolve(actor=world.class_teacher, item=item, resolution="")
    services.screening_item_resolve(
        actor=world.class_teacher, item=item, resolution="Talked it out."
    )
    item.refresh_from_db()
    assert item.status == ItemStatus.RESOLVED and item.closed_at is not None
    with pytest.raises(InvalidInput, match="already dealt with"):
        services.screening_item_resolve(actor=world.class_teacher, item=item, resolution="again")


def test_a_finding_turns_into_a_case_opened_from_it(world):
    round_ = start_round(world)
    item = add_item(world, answer_of(round_, world.tree.class_a))
    with pytest.raises(AccessDenied):  # a class teacher does not open cases
        services.screening_item_open_case(actor=world.class_teacher, item=item, title="Bus stop")
    item.refresh_from_db()
    assert item.status == ItemStatus.OPEN and not Case.objects.exists()
    case = services.screening_item_open_case(
        actor=world.users["coordinator"], item=item, title="Bus stop"
    )
    item.refresh_from_db()
    assert item.status == ItemStatus.CASE and item.case == case
    assert case.school == world.tree.school_a and case.narrative == item.description


def test_a_finding_links_to_an_existing_case_of_the_school_only(world):
    round_ = start_round(world)
    item = add_item(world, answer_of(round_, world.tree.class_a))
    elsewhere = case_services.case_open(
        actor=world.users["other_coordinator"], school=world.tree.school_b, title="B"
    )
    with pytest.raises(InvalidInput, match="case of this school"):
        services.screening_item_link_case(
            actor=world.users["coordinator"], item=item, case=elsewhere
        )
    here = case_services.case_open(
        actor=world.users["coordinator"], school=world.tree.school_a, title="A"
    )
    services.screening_item_link_case(actor=world.users["coordinator"], item=item, case=here)
    item.refresh_from_db()
    assert item.case == here


def test_a_teacher_sees_only_their_classes_and_the_inspector_only_progress(world, client):
    round_ = start_round(world)
    add_item(world, answer_of(round_, world.tree.class_a), description="Secret quarrel text")
    assert [a.class_unit for a in selectors.round_answers(user=world.teacher_b, round_=round_)] == [
        world.class_b
    ]
    inspector = world.users["inspector"]
    assert selectors.round_get(user=inspector, pk=round_.pk) == round_
    assert not selectors.round_answers(user=inspector, round_=round_).exists()
    client.force_login(inspector)
    page = client.get(url("care:round_detail", round_.pk)).content.decode()
    assert "Secret quarrel text" not in page
    assert 'id="round-progress">1 of 2<' in page  # progress and counts, never the findings
    assert "1 in all: 1 open" in page
    assert selectors.round_list(user=world.users["staff"]).count() == 0


def test_recording_findings_through_the_page(world, client):
    round_ = start_round(world)
    answer = answer_of(round_, world.tree.class_a)
    client.force_login(world.class_teacher)
    response = client.post(
        url("care:round_answer", round_.pk, answer.pk),
        {
            "action": "item",
            "description": "Name-calling in the changing room.",
            "responsible": world.class_teacher.pk,
            "measures": "Talk with the class.",
            "due_on": (round_.starts_on - dt.timedelta(days=2)).isoformat(),
        },
        follow=True,
    )
    assert "The due date cannot be before the round starts." in response.content.decode()
    assert not ScreeningItem.objects.exists()
    client.post(url("care:round_answer", round_.pk, answer.pk), {"action": "none_found"})
    answer.refresh_from_db()
    assert answer.none_found and answer.answered_by == world.class_teacher
    other = answer_of(round_, world.class_b)
    assert (
        client.post(
            url("care:round_answer", round_.pk, other.pk), {"action": "none_found"}
        ).status_code
        == 404
    )


def test_the_round_page_reads_the_schools_people_once(world, client, django_assert_max_num_queries):
    from haven.orgs.tests.factories import unit

    for code in ("6A", "6B", "7A", "7B", "8A"):
        unit(world.tree.school_a, "class", code)
    round_ = start_round(world)
    client.force_login(world.users["coordinator"])
    with django_assert_max_num_queries(20):
        page = client.get(url("care:round_detail", round_.pk))
    assert page.content.decode().count('name="responsible"') == 2 * 7
