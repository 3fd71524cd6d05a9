"""Who reaches which care page: every view as anonymous, wrong role, right role and a user of
another school (table-driven), and a property over roles for the register of pupils of
concern."""

import datetime as dt

import pytest
from django.db import transaction
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from haven.care import access as care_access
from haven.care import services
from haven.care.models import ConcernEntry
from haven.care.tests.helpers import build_world, register, url
from haven.orgs.models import Role
from haven.orgs.tests.factories import build_tree, member


@pytest.fixture
def world(tree):
    return build_world(tree)


@pytest.fixture
def things(world):
    entry = register(world)
    round_ = services.screening_round_create(
        actor=world.users["coordinator"],
        school=world.tree.school_a,
        name="Spring screening",
        starts_on=world.today,
        ends_on=world.today + dt.timedelta(days=5),
    )
    answer = round_.answers.get(class_unit=world.tree.class_a)
    item = services.screening_item_add(
        actor=world.class_teacher,
        answer=answer,
        description="Quarrel",
        responsible=world.class_teacher,
        measures="Talk",
        due_on=world.today + dt.timedelta(days=3),
    )
    meeting = services.meeting_record(
        actor=world.users["principal"],
        school=world.tree.school_a,
        body="council",
        held_on=world.today,
        members=[world.users["coordinator"]],
        external_members=[],
        concerns=[entry],
        cases=[],
    )
    return {"entry": entry, "round": round_, "answer": answer, "item": item, "meeting": meeting}


LOGIN = "login"  # anonymous: sent to the login page

# view -> (method, expected status per user); "teacher" is 5A's class teacher.
MATRIX = {
    "concern_list": ("get", {None: LOGIN, "staff": 200, "coordinator": 200, "inspector": 200}),
    "concern_create": (
        "get",
        {None: LOGIN, "staff": 403, "teacher": 403, "inspector": 403, "coordinator": 200,
         "psychologist": 200, "other_coordinator": 404},
    ),
    "concern_detail": (
        "get",
        {None: LOGIN, "staff": 404, "inspector": 404, "admin": 404, "agency": 404,
         "other_coordinator": 404, "coordinator": 200, "principal": 200, "psychologist": 200,
         "teacher": 200},
    ),
    "round_list": ("get", {None: LOGIN, "staff": 200, "coordinator": 200, "inspector": 200}),
    "round_create": (
        "get",
        {None: LOGIN, "staff": 403, "psychologist": 403, "inspector": 403, "coordinator": 200,
         "principal": 200, "other_coordinator": 404},
    ),
    "round_detail": (
        "get",
        {None: LOGIN, "staff": 404, "agency": 404, "other_coordinator": 404, "coordinator": 200,
         "teacher": 200, "inspector": 200},
    ),
    # The bad date is refused: the page comes back with the form as typed (200).
    "round_answer": (
        "post",
        {None: LOGIN, "staff": 404, "inspector": 404, "other_coordinator": 404,
         "teacher": 200, "coordinator": 200},
    ),
    "item_act": (
        "post",
        {None: LOGIN, "staff": 404, "inspector": 404, "other_coordinator": 404,
         "teacher": 302, "principal": 302},
    ),
    "meeting_list": ("get", {None: LOGIN, "staff": 200, "principal": 200}),
    "meeting_create": (
        "get",
        {None: LOGIN, "staff": 403, "psychologist": 403, "inspector": 403, "principal": 200,
         "other_coordinator": 404},
    ),
    "meeting_detail": (
        "get",
        {None: LOGIN, "staff": 404, "teacher": 404, "inspector": 404, "other_coordinator": 404,
         "principal": 200, "coordinator": 200, "psychologist": 200},
    ),
}  # fmt: skip


def address(view, world, things):
    school = f"?school={world.tree.school_a.pk}"
    return {
        "concern_list": url("care:concern_list"),
        "concern_create": url("care:concern_create") + school,
        "concern_detail": url("care:concern_detail", things["entry"].pk),
        "round_list": url("care:round_list"),
        "round_create": url("care:round_create") + school,
        "round_detail": url("care:round_detail", things["round"].pk),
        "round_answer": url("care:round_answer", things["round"].pk, things["answer"].pk),
        "item_act": url("care:item_act", things["round"].pk, things["item"].pk),
        "meeting_list": url("care:meeting_list"),
        "meeting_create": url("care:meeting_create") + school,
        "meeting_detail": url("care:meeting_detail", things["meeting"].pk),
    }[view]


POSTS = {
    "round_answer": {"action": "item", "description": "x", "measures": "y", "due_on": "bad"},
    "item_act": {"action": "resolve", "resolution": "Done."},
}


@pytest.mark.parametrize("view", sorted(MATRIX))
def test_every_care_view_answers_each_kind_of_user(view, world, things):
    method, expected = MATRIX[view]
    path = address(view, world, things)
    users = {**world.users, "teacher": world.class_teacher}
    for who, status in expected.items():
        client = Client()
        if who is not None:
            client.force_login(users[who])
        response = getattr(client, method)(path, POSTS.get(view, {}))
        if status == LOGIN:
            assert response.status_code == 302 and "/login/" in response["Location"], view
        else:
            assert response.status_code == status, (view, who, response.status_code)


@pytest.mark.parametrize("view", ["concern_list", "round_list", "meeting_list"])
def test_lists_show_another_school_nothing_of_school_a(view, world, things):
    client = Client()
    client.force_login(world.users["other_coordinator"])
    page = client.get(address(view, world, things)).content.decode()
    for secret in ("Popescu", "Spring screening", world.tree.school_a.name):
        assert secret not in page, (view, secret)


def test_the_staff_list_of_pupils_of_concern_is_empty_for_an_unassigned_teacher(world, things):
    client = Client()
    client.force_login(world.teacher_b)
    page = client.get(url("care:concern_list")).content.decode()
    assert "Popescu" not in page and "No pupils of concern for you." in page


def test_list_queries_do_not_grow_with_entries(world, django_assert_max_num_queries):
    for index in range(6):
        target = build_pupil(world, index)
        register(world, target=target)
    client = Client()
    client.force_login(world.users["coordinator"])
    with django_assert_max_num_queries(14):
        assert client.get(url("care:concern_list")).status_code == 200


def build_pupil(world, index):
    from haven.care.tests.helpers import pupil

    return pupil(world.tree.class_a, f"N{index}", "Child", f"Number{index}")


ROLES = [
    Role.STAFF,
    Role.COORDINATOR,
    Role.PSYCHOLOGIST,
    Role.PRINCIPAL,
    Role.INSPECTOR,
    Role.AGENCY,
    Role.ADMIN,
]
# Each person: a role, where it is held, and whether they are the entry's responsible adult
# or mentor (only people of the school can be: the services refuse anyone else).
people = st.lists(
    st.tuples(
        st.sampled_from(ROLES),
        st.sampled_from(["a", "class_a", "b", "county"]),
        st.sampled_from([None, "responsible", "mentor"]),
    ),
    min_size=1,
    max_size=6,
)


def may_read(role, where, assigned):
    if role in (Role.COORDINATOR, Role.PRINCIPAL, Role.PSYCHOLOGIST) and where in ("a", "county"):
        return True
    return assigned is not None and where in ("a", "class_a") and role != Role.AGENCY


class ConcernNeedToKnow(TestCase):
    @settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(people=people)
    def test_only_the_schools_carers_and_assigned_adults_read_an_entry(self, people):
        with transaction.atomic():
            world = build_world(build_tree())
            entry = register(world)
            units = {
                "a": world.tree.school_a,
                "class_a": world.tree.class_a,
                "b": world.tree.school_b,
                "county": world.tree.county,
            }
            client = Client()
            for index, (role, where, assigned) in enumerate(people):
                user = member(role, units[where], email=f"p{index}@t.example")
                assignable = where in ("a", "class_a") and role != Role.AGENCY
                if assigned and assignable:
                    field = "responsible" if assigned == "responsible" else "mentor_user"
                    ConcernEntry.objects.filter(pk=entry.pk).update(**{field: user})
                    entry.refresh_from_db()
                reads = may_read(role, where, assigned if assignable else None)
                # an earlier person may have been replaced as responsible or mentor
                still = entry.responsible_id == user.pk or entry.mentor_user_id == user.pk
                if assigned and assignable and not still:
                    reads = may_read(role, where, None)
                visible = care_access.concerns_visible(user).filter(pk=entry.pk).exists()
                assert visible == reads, (role, where, assigned)
                client.force_login(user)
                status = client.get(url("care:concern_detail", entry.pk)).status_code
                assert status == (200 if reads else 404), (role, where, assigned)
                page = client.get(url("care:concern_list")).content.decode()
                assert ("Popescu" in page) == reads, (role, where, assigned)
            transaction.set_rollback(True)
