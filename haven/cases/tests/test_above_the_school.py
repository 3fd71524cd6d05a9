"""Need-to-know above the school: inspectors and the ministry read figures; a single report or
case only once it is raised to their level (escalated by the procedure's clock, or appealed).
One rule (cases.access.raised_condition) serves the pages, the API and the case file."""

import pytest
from django.urls import reverse
from django.utils import timezone

from haven.cases import services
from haven.cases.models import Case
from haven.intake.tests.helpers import VALID, submit
from haven.orgs.models import Role
from haven.orgs.tests.factories import member


@pytest.fixture
def report_case(tree):
    """A report of school A (in the inspector's county) with the case opened from it."""
    report = submit(tree.school_a)[0]
    case = services.case_open(
        actor=tree.users["coordinator"], school=tree.school_a, title="Yard", reports=[report]
    )
    return report, case


def escalate(case):
    Case.objects.filter(pk=case.pk).update(escalated_at=timezone.now())


def as_user(client, tree, name):
    if name != "anonymous":
        client.force_login(tree.users[name])
    return client


@pytest.mark.parametrize(
    ("name", "status"),
    [
        ("anonymous", 302),
        ("staff", 404),  # wrong role: records reports, does not read them
        ("coordinator", 200),
        ("other_coordinator", 404),  # another school
        ("inspector", 404),  # the county: not raised to it
        ("admin", 404),
    ],
)
def test_report_page_before_any_escalation(client, tree, report_case, name, status):
    report, _case = report_case
    page = as_user(client, tree, name).get(reverse("intake:report_detail", args=[report.pk]))
    assert page.status_code == status


@pytest.mark.parametrize(
    ("name", "status"),
    [("anonymous", 302), ("staff", 404), ("other_coordinator", 404), ("inspector", 200)],
)
def test_case_page_once_escalated(client, tree, report_case, name, status):
    _report, case = report_case
    escalate(case)
    page = as_user(client, tree, name).get(reverse("cases:case_detail", args=[case.pk]))
    assert page.status_code == status


def test_county_inspector_cannot_open_a_non_escalated_report_page_or_api(client, tree, report_case):
    report, case = report_case
    client.force_login(tree.users["inspector"])
    assert client.get(reverse("intake:report_detail", args=[report.pk])).status_code == 404
    assert client.get(f"/api/v1/reports/{report.pk}").status_code == 404
    assert client.get("/api/v1/reports").json()["items"] == []
    assert client.get(f"/api/v1/cases/{case.pk}").status_code == 404
    assert client.get("/api/v1/cases").json()["items"] == []
    assert VALID["description"] not in client.get(reverse("cases:case_list")).content.decode()


def test_escalated_case_opens_its_report_to_the_county_read_only(client, tree, report_case):
    report, case = report_case
    other = submit(tree.school_a)[0]  # same school, no case: stays with the school
    escalate(case)
    client.force_login(tree.users["inspector"])
    page = client.get(reverse("intake:report_detail", args=[report.pk]))
    assert page.status_code == 200 and VALID["description"] in page.content.decode()
    assert 'value="urgent"' not in page.content.decode()
    assert [r["id"] for r in client.get("/api/v1/reports").json()["items"]] == [report.pk]
    assert client.get(f"/api/v1/reports/{other.pk}").status_code == 404
    assert [c["id"] for c in client.get("/api/v1/cases").json()["items"]] == [case.pk]
    client.post(reverse("intake:report_act", args=[report.pk]), {"action": "urgent"})
    report.refresh_from_db()
    assert not report.urgent


def test_appealed_case_is_raised_too(client, tree, report_case):
    report, case = report_case
    case.appeals.create(
        filed_by="The parents",
        grounds="x",
        due_at=timezone.now(),
        recorded_by=tree.users["principal"],
    )
    client.force_login(tree.users["inspector"])
    assert client.get(f"/api/v1/reports/{report.pk}").status_code == 200


def test_inspector_of_another_county_never_sees_it(client, tree, report_case):
    from haven.orgs.tests.factories import unit

    report, case = report_case
    escalate(case)
    elsewhere = member(Role.INSPECTOR, unit(tree.country, "county", "BH"), email="i@bh.example")
    client.force_login(elsewhere)
    assert client.get(f"/api/v1/reports/{report.pk}").status_code == 404
    assert client.get(f"/api/v1/cases/{case.pk}").status_code == 404


def test_country_admin_gets_no_single_reports_or_cases(client, tree, report_case):
    report, case = report_case
    escalate(case)
    ministry = member(Role.ADMIN, tree.country, email="ministry@example.org")
    client.force_login(ministry)
    assert client.get(f"/api/v1/reports/{report.pk}").status_code == 404
    assert client.get("/api/v1/reports").json()["items"] == []
    assert client.get("/api/v1/cases").json()["items"] == []
    assert client.get(reverse("intake:report_detail", args=[report.pk])).status_code == 404
    assert client.get(reverse("cases:case_detail", args=[case.pk])).status_code == 404


@pytest.mark.parametrize(("code", "raised"), [("isj", True), ("police", False)])
def test_a_notification_the_procedure_addresses_to_the_inspectorate_raises_the_case(
    client, tree, code, raised
):
    # RO: the county school inspectorate (ISJ) is told of grave cases (``to: inspector``);
    # telling the police does not open the case to the county.
    jurisdiction = tree.school_a.jurisdiction
    jurisdiction.procedure_code = "RO"
    jurisdiction.save()
    report = submit(tree.school_a)[0]
    case = services.case_open(
        actor=tree.users["coordinator"], school=tree.school_a, title="Knife", reports=[report]
    )
    assert case.procedure_code == "RO"
    services.case_notification_record(
        actor=tree.users["coordinator"],
        case=case,
        code=code,
        recipient="ISJ Cluj" if code == "isj" else "Poliția",
        method="official",
        notified_at=timezone.now(),
        proof="registration no. 12",
    )
    client.force_login(tree.users["inspector"])
    status = 200 if raised else 404
    assert client.get(reverse("cases:case_detail", args=[case.pk])).status_code == status
    assert client.get(f"/api/v1/cases/{case.pk}").status_code == status
    assert client.get(f"/api/v1/reports/{report.pk}").status_code == status
