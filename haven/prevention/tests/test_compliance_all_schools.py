"""The compliance overview counts every school of the subtree (no data shown and counted),
gives a subtotal per zone, and counts staff trained over the school's declared staff number."""

import datetime as dt

import pytest
import time_machine

from haven.audit.models import AuditEvent
from haven.orgs.models import OrgUnit
from haven.orgs.tests.factories import member, unit
from haven.prevention import compliance, services
from haven.prevention.models import StaffNumber, Training, TrainingAttendance
from haven.prevention.tests.helpers import AUTUMN, YEAR, url


@pytest.fixture(autouse=True)
def _autumn():
    with time_machine.travel(AUTUMN, tick=False):
        yield


def key(name):
    return compliance.indicator_keys().index(name)


def with_plan(tree):
    """School A has a plan with one activity; school B and a third school have nothing."""
    plan = services.plan_create(actor=tree.users["principal"], unit=tree.school_a, year=YEAR)
    services.activity_add(
        actor=tree.users["principal"],
        plan=plan,
        what="Assembly on bullying",
        lead="Ms Pop",
        goal="awareness",
        starts_on=dt.date(2026, 10, 20),
        ends_on=dt.date(2026, 10, 20),
    )
    return unit(tree.zone_b, OrgUnit.Kind.SCHOOL, "SCH-C")


def test_schools_without_a_plan_are_counted_as_no_data_not_dropped(tree):
    third = with_plan(tree)
    schools = [tree.school_a, tree.school_b, third]
    found = compliance.overview(schools, YEAR, unit=tree.county)
    plan_current, activities = found.totals[key("plan_current")], found.totals[key("plan")]
    # One school of three has a plan (not "1 of 1 plans").
    assert (plan_current.numerator, plan_current.denominator) == (1, 3)
    assert plan_current.no_data == 0
    # Activities: the one school's figure, and two schools of three without data.
    assert (activities.denominator, activities.no_data, activities.schools) == (1, 2, 3)
    rows = {school.code: cells for school, cells in found.rows}
    assert rows["SCH-B"][key("plan")].no_data == 1


def test_zone_subtotals_add_their_schools(tree):
    third = with_plan(tree)
    found = compliance.overview([tree.school_a, tree.school_b, third], YEAR, unit=tree.county)
    groups = {below.code: cells for below, cells in found.groups}
    assert set(groups) == {"ZA", "ZB"}
    assert groups["ZA"][key("plan_current")].numerator == 1
    assert (groups["ZB"][key("plan_current")].numerator, groups["ZB"][key("plan")].no_data) == (
        0,
        2,
    )
    assert groups["ZB"][key("plan")].schools == 2


def test_county_page_shows_no_data_and_zone_subtotals(client, tree):
    with_plan(tree)
    client.force_login(tree.users["inspector"])
    page = client.get(url("prevention:overview", tree.county.pk, year=YEAR))
    content = page.content.decode()
    assert 'id="compliance-groups"' in content
    assert "no data: 2 of 2 schools" in content  # zone B's plan activities: no plan at all
    assert "1 of 3 (33%)" in content  # schools with a plan
    assert "no data: 2 of 3 schools" in content  # the county's plan activities
    # A zone page has no subtotals (its children are schools).
    zone = client.get(url("prevention:overview", tree.zone_a.pk, year=YEAR)).content.decode()
    assert 'id="compliance-groups"' not in zone


def train(tree, user):
    training = Training.objects.create(
        unit=tree.school_a, topic="Bullying", held_on=dt.date(2026, 10, 1), trainer="CJRAE"
    )
    TrainingAttendance.objects.create(training=training, user=user)


def test_staff_trained_is_over_the_declared_staff_number(tree):
    train(tree, tree.users["staff"])
    before = compliance.staff_trained([tree.school_a], YEAR)[tree.school_a.pk]
    assert before == (1, 4)  # Haven accounts: staff, coordinator, psychologist, principal
    assert compliance.accounts_only([tree.school_a], YEAR) == {tree.school_a.pk}
    services.staff_number_set(
        actor=tree.users["principal"], school=tree.school_a, year=YEAR, staff=40
    )
    assert compliance.staff_trained([tree.school_a], YEAR)[tree.school_a.pk] == (1, 40)
    assert compliance.accounts_only([tree.school_a], YEAR) == set()
    found = compliance.overview([tree.school_a, tree.school_b], YEAR)
    trained = found.totals[key("trained")]
    # School B declared nothing: its accounts stand in, marked.
    assert (trained.numerator, trained.denominator, trained.marked) == (1, 41, 1)


@pytest.mark.parametrize(
    ("name", "status"),
    [
        ("anonymous", 302),
        ("staff", 404),  # reads the trainings, does not keep them
        ("principal", 302),  # saved, back to the page
        ("coordinator", 302),
        ("other_coordinator", 404),  # another school
        ("inspector", 404),  # the county keeps its own trainings, not the school's number
    ],
)
def test_declaring_the_staff_number(client, tree, name, status):
    if name != "anonymous":
        client.force_login(tree.users[name])
    response = client.post(url("prevention:trainings", tree.school_a.pk, year=YEAR), {"staff": 35})
    assert response.status_code == status
    saved = StaffNumber.objects.filter(school=tree.school_a, year=YEAR).first()
    assert (saved is not None) == (status == 302 and name != "anonymous")
    if saved is not None:
        assert saved.staff == 35
        assert AuditEvent.objects.filter(action="prevention.staff_number").exists()


@pytest.mark.parametrize("bad", ["0", "-3", "many", "", "1000001"])
def test_a_bad_staff_number_is_refused_with_a_message(client, tree, bad):
    client.force_login(tree.users["principal"])
    response = client.post(url("prevention:trainings", tree.school_a.pk, year=YEAR), {"staff": bad})
    assert response.status_code == 200
    assert response.context["staff_form"].errors
    assert not StaffNumber.objects.exists()


def test_trainings_page_says_when_no_number_is_declared(client, tree):
    client.force_login(tree.users["principal"])
    page = client.get(url("prevention:trainings", tree.school_a.pk, year=YEAR)).content.decode()
    assert "No staff number declared for this school year" in page
    services.staff_number_set(
        actor=tree.users["principal"], school=tree.school_a, year=YEAR, staff=12
    )
    page = client.get(url("prevention:trainings", tree.school_a.pk, year=YEAR)).content.decode()
    assert "Declared for this school year: 12 staff members." in page


def test_the_service_refuses_a_class_and_a_stranger(tree):
    from haven.lib.errors import AccessDenied, InvalidInput

    with pytest.raises(InvalidInput):
        services.staff_number_set(
            actor=tree.users["principal"], school=tree.class_a, year=YEAR, staff=3
        )
    stranger = member("coordinator", tree.school_b, email="b2@b.example")
    with pytest.raises(AccessDenied):
        services.staff_number_set(actor=stranger, school=tree.school_a, year=YEAR, staff=3)
