"""The staff home says what to do now: each role sees exactly the work it may open.

One school (A) with a class teacher, reports (one urgent), a case its coordinator leads with
a missed deadline, a measure, a referral, an appeal, a pupil of concern due for review and a
screening round; school B with its own report and case. Every link on each person's home is
then opened as that person.
"""

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

import pytest
import time_machine
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from haven.care import services as care_services
from haven.cases import services as case_services
from haven.cases.models import Case
from haven.intake import services as intake_services
from haven.intake.models import Report
from haven.intake.tests.helpers import submit
from haven.orgs import services as org_services
from haven.orgs import todo
from haven.orgs.models import Pupil, Role
from haven.orgs.tests.factories import Tree, member
from haven.prevention import services as prevention_services

SECTION = re.compile(r'data-kind="([a-z]+)"')


@dataclass
class World:
    tree: Tree
    teacher: Any
    country_admin: Any
    urgent: Report
    plain: Report
    other_report: Report
    case: Case
    other_case: Case

    def user(self, name: str) -> Any:
        return {"teacher": self.teacher, "country_admin": self.country_admin}.get(
            name
        ) or self.tree.users.get(name)


@pytest.fixture
def world(tree: Tree) -> World:
    coordinator = tree.users["coordinator"]
    # 5A's class teacher, on the school's staff too (a case team takes the school's people).
    teacher = member(Role.STAFF, tree.school_a, email="teacher.5a@a.example")
    org_services.membership_grant(actor=None, user=teacher, unit=tree.class_a, role=Role.STAFF)
    country_admin = member(Role.ADMIN, tree.country, email="admin@country.example")
    plain, _receipt = submit(tree.school_a, description="Someone took my bag again.")
    urgent, _receipt = submit(tree.school_a, description="They hit me in the corridor.")
    intake_services.report_set_urgent(actor=coordinator, report=urgent, urgent=True)
    Report.objects.filter(pk=urgent.pk).update(first_responded_at=None, status="new")
    other_report, _receipt = submit(tree.school_b)
    linked, _receipt = submit(tree.school_a)
    case = case_services.case_open(
        actor=coordinator, school=tree.school_a, title="Corridor", reports=[linked]
    )
    case_services.case_member_add(actor=coordinator, case=case, user=teacher, role="member")
    today = care_services.school_today(tree.school_a)
    case_services.measure_add(
        actor=coordinator,
        case=case,
        what="Daily check-in",
        responsible=teacher,
        due_on=today + dt.timedelta(days=2),
    )
    case_services.measure_add(  # not due soon: not on the home page
        actor=coordinator,
        case=case,
        what="End-of-term talk",
        responsible=teacher,
        due_on=today + dt.timedelta(days=60),
    )
    case_services.referral_send(
        actor=coordinator,
        case=case,
        kind="psychological",
        agency=tree.county,
        message="Please see the pupil.",
    )
    case_services.case_update(actor=coordinator, case=case, changes={"determination": "bullying"})
    case_services.appeal_file(actor=coordinator, case=case, filed_by="Parents", grounds="Unfair")
    other_case = case_services.case_open(
        actor=tree.users["other_coordinator"], school=tree.school_b, title="Yard"
    )
    pupil = Pupil.objects.create(
        class_unit=tree.class_a,
        school=tree.school_a,
        external_id="A1",
        given_name="Ana",
        family_name="Popescu",
    )
    care_services.concern_register(
        actor=coordinator,
        pupil=pupil,
        reasons=["truancy"],
        responsible=teacher,
        review_on=today + dt.timedelta(days=1),
    )
    care_services.screening_round_create(
        actor=coordinator,
        school=tree.school_a,
        name="Autumn screening",
        starts_on=today,
        ends_on=today + dt.timedelta(days=14),
    )
    # Everyone at school A signed this year's pledge but the class teacher.
    for name in ("coordinator", "principal", "staff", "psychologist"):
        prevention_services.pledge_sign(actor=tree.users[name], school=tree.school_a)
    return World(tree, teacher, country_admin, urgent, plain, other_report, case, other_case)


def home(client: Any, user: Any) -> str:
    if user is not None:
        client.force_login(user)
    response = client.get("/en/")
    assert response.status_code == 200
    return response.content.decode()


def todo_links(page: str) -> list[str]:
    start = page.find('<section class="todo"')
    end = page.find('aria-labelledby="roles-heading"')
    return re.findall(r'<a href="([^"]+)"', page[start:end]) if start >= 0 else []


# (sections, what must be linked, what must not) per person; one day after the case opened,
# so its first-contact deadline (24 hours in GEN) is missed.
EXPECTED: dict[str, tuple[set[str], list[str], list[str]]] = {
    "coordinator": (
        {"reports", "overdue", "cases", "concerns"},
        ["report:urgent", "report:plain", "case"],
        ["report:other", "case:other"],
    ),
    "principal": ({"reports", "overdue", "concerns"}, ["report:urgent", "case"], ["report:other"]),
    "teacher": (
        {"measures", "overdue", "concerns", "screening", "pledges"},
        ["case"],
        ["report:urgent"],
    ),
    "staff": (set(), [], ["case", "report:urgent"]),
    "psychologist": ({"concerns"}, [], ["case", "report:urgent"]),
    "inspector": ({"appeals", "overdue"}, ["case"], ["report:urgent", "case:other"]),
    "agency": ({"referrals"}, [], ["case", "report:urgent"]),
    "country_admin": (set(), [], ["case", "report:urgent"]),
    "admin": (set(), [], ["case"]),
    "other_coordinator": (
        {"reports", "overdue", "cases", "pledges"},
        ["report:other", "case:other"],
        ["report:urgent", "case"],
    ),
    "nobody": (set(), [], ["case", "report:urgent"]),
}


def _url(world: World, key: str) -> str:
    return {
        "report:urgent": f"/en/inbox/{world.urgent.pk}/",
        "report:plain": f"/en/inbox/{world.plain.pk}/",
        "report:other": f"/en/inbox/{world.other_report.pk}/",
        "case": f"/en/cases/{world.case.pk}/",
        "case:other": f"/en/cases/{world.other_case.pk}/",
    }[key]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_home_shows_each_role_exactly_the_work_it_may_open(client, world, name):
    sections, linked, not_linked = EXPECTED[name]
    user = world.user(name)
    with time_machine.travel(timezone.now() + dt.timedelta(hours=25), tick=False):
        page = home(client, user)
        assert set(SECTION.findall(page)) == sections
        links = todo_links(page)
        for key in linked:
            assert _url(world, key) in links, key
        for key in not_linked:
            assert _url(world, key) not in links, key
        if not sections:
            assert "Nothing to do right now." in page
        # Every item links to a page this person may open.
        for link in set(links):
            assert client.get(link).status_code == 200, link


def test_anonymous_visitors_get_the_public_landing(client, world):
    page = home(client, None)
    assert "What to do now" not in page
    assert "Staff log in" in page
    assert todo.todo_for(AnonymousUser()) == []


def test_urgent_reports_come_first(client, world):
    page = home(client, world.tree.users["coordinator"])
    links = todo_links(page)
    assert links.index(_url(world, "report:urgent")) < links.index(_url(world, "report:plain"))
    assert 'class="urgent"' in page


def test_a_settled_item_leaves_the_home_page(client, world):
    coordinator = world.tree.users["coordinator"]
    intake_services.report_staff_write(actor=coordinator, report=world.plain, body="We read it.")
    assert _url(world, "report:plain") not in todo_links(home(client, coordinator))
    agency = world.tree.users["agency"]
    referral = world.case.referrals.get()
    case_services.referral_answer(actor=agency, referral=referral, status="accepted")
    assert "referrals" not in SECTION.findall(home(client, agency))


def test_a_reporter_message_nobody_has_read_brings_the_report_back(client, world):
    coordinator = world.tree.users["coordinator"]
    intake_services.report_staff_write(actor=coordinator, report=world.plain, body="We read it.")
    assert _url(world, "report:plain") not in todo_links(home(client, coordinator))
    intake_services.report_reporter_write(report=world.plain, body="It happened again today.")
    assert _url(world, "report:plain") in todo_links(home(client, coordinator))


def test_sections_show_a_count_and_the_first_items_with_a_link_to_the_rest(client, world):
    for number in range(todo.LIMIT + 2):
        submit(world.tree.school_a, description=f"Report number {number} about the yard.")
    page = home(client, world.tree.users["coordinator"])
    waiting = Report.objects.filter(school=world.tree.school_a, status="new").count()
    assert waiting > todo.LIMIT
    assert f'<span class="badge">{waiting}</span>' in page
    assert f"See all ({waiting})" in page
    reports = [link for link in todo_links(page) if re.fullmatch(r"/en/inbox/\d+/", link)]
    assert len(reports) == todo.LIMIT


def test_home_queries_do_not_grow_with_the_work(client, world, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    coordinator = world.tree.users["coordinator"]
    client.force_login(coordinator)
    with CaptureQueriesContext(connection) as before:
        client.get("/en/")
    for number in range(8):
        report, _receipt = submit(world.tree.school_a, description=f"More trouble {number}.")
        case_services.case_open(
            actor=coordinator, school=world.tree.school_a, title=f"Case {number}", reports=[report]
        )
        submit(world.tree.school_a, description=f"And more {number}.")
    with django_assert_max_num_queries(len(before.captured_queries)):
        client.get("/en/")


def test_a_provider_is_registered_once():
    count = len(todo.PROVIDERS)
    for provider in list(todo.PROVIDERS):
        todo.register(provider)
    assert len(todo.PROVIDERS) == count
