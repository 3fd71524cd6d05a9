"""Who reads and moves periodic reports, on the pages and in the API: anonymous, a wrong
role, the right role, and a user of another school (and the level above)."""

import datetime as dt
import zoneinfo

import pytest
import time_machine
from django.urls import reverse

from haven.reporting import services
from haven.reporting.clock import reporting_tick
from haven.reporting.models import PeriodicReport

pytestmark = pytest.mark.django_db
OCT = dt.date(2026, 10, 1)


@pytest.fixture
def report(tree):
    with time_machine.travel(dt.datetime(2026, 11, 1, 9, tzinfo=zoneinfo.ZoneInfo("UTC"))):
        reporting_tick()
    return PeriodicReport.objects.get(unit=tree.school_a, template="ro_monthly", period_start=OCT)


def signed(tree, report):
    services.report_fill(actor=tree.users["principal"], report=report, narrative={"measures": "x"})
    return services.report_sign(actor=tree.users["principal"], report=report)


@pytest.mark.parametrize(
    ("who", "status"),
    [
        (None, 302),  # to the login page
        ("staff", 404),
        ("psychologist", 404),
        ("agency", 404),
        ("principal", 200),
        ("coordinator", 200),
        ("inspector", 200),
        ("other_coordinator", 404),
    ],
)
def test_who_opens_a_schools_report_page(client, tree, report, who, status):
    if who:
        client.force_login(tree.users[who])
    for url in (
        reverse("reporting:detail", args=[report.pk]),
        reverse("reporting:file", args=[report.pk, "xlsx"]),
    ):
        assert client.get(url).status_code == status


@pytest.mark.parametrize(
    ("who", "status", "count"),
    [
        (None, 401, None),
        ("staff", 404, None),
        ("principal", 200, 1),  # the school's own report only
        ("other_coordinator", 200, 1),  # their own school's, not school A's
        ("inspector", 200, 3),  # the county's and both schools'
    ],
)
def test_who_lists_which_reports_in_the_api(client, tree, report, who, status, count):
    if who:
        client.force_login(tree.users[who])
    unit = tree.school_b if who == "other_coordinator" else tree.school_a
    if who == "inspector":
        unit = tree.county
    response = client.get("/api/v1/periodic-reports", {"unit": unit.pk, "template": "x"})
    assert response.status_code == status
    if count is not None:
        monthly = [r for r in response.json() if r["template"] == "ro_monthly"]
        assert len(monthly) == count
        assert set(monthly[0]) == {
            "id",
            "unit",
            "template",
            "period_start",
            "period_end",
            "due",
            "state",
            "late",
        }


def test_another_schools_user_cannot_list_school_a(client, tree, report):
    client.force_login(tree.users["other_coordinator"])
    response = client.get("/api/v1/periodic-reports", {"unit": tree.school_a.pk})
    assert response.status_code == 404


@pytest.mark.parametrize(
    ("who", "status"),
    [
        (None, 401),
        ("staff", 404),
        ("other_coordinator", 404),
        ("inspector", 403),
        ("principal", 200),
    ],
)
def test_who_submits_in_the_api(client, tree, report, who, status):
    signed(tree, report)
    if who:
        client.force_login(tree.users[who])
    response = client.post(f"/api/v1/periodic-reports/{report.pk}/submit")
    assert response.status_code == status
    report.refresh_from_db()
    assert report.state == ("submitted" if status == 200 else "signed")


@pytest.mark.parametrize(
    ("who", "status"),
    [
        (None, 401),
        ("staff", 404),
        ("other_coordinator", 404),
        ("principal", 403),
        ("inspector", 200),
    ],
)
def test_who_accepts_and_returns_in_the_api(client, tree, report, who, status):
    services.report_submit(actor=tree.users["principal"], report=signed(tree, report))
    if who:
        client.force_login(tree.users[who])
    url = f"/api/v1/periodic-reports/{report.pk}"
    response = client.post(
        f"{url}/return", {"reason": "Lipsesc măsurile."}, content_type="application/json"
    )
    assert response.status_code == status
    if status == 200:
        assert response.json()["state"] == "returned"
        report.refresh_from_db()
        assert report.return_reason == "Lipsesc măsurile."
        signed(tree, report)
        services.report_submit(actor=tree.users["principal"], report=report)
        accepted = client.post(f"{url}/accept")
        assert accepted.status_code == 200 and accepted.json()["state"] == "accepted"


def test_a_return_without_reason_is_refused_in_words(client, tree, report):
    services.report_submit(actor=tree.users["principal"], report=signed(tree, report))
    client.force_login(tree.users["inspector"])
    response = client.post(
        f"/api/v1/periodic-reports/{report.pk}/return",
        {"reason": " "},
        content_type="application/json",
    )
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"


def test_a_step_out_of_order_is_refused_in_words(client, tree, report):
    client.force_login(tree.users["principal"])
    response = client.post(f"/api/v1/periodic-reports/{report.pk}/submit")  # not signed yet
    assert response.status_code == 422
    page = client.post(reverse("reporting:act", args=[report.pk, "submit"]))
    assert page.status_code == 422
    assert "Only a signed report can be submitted." in page.content.decode()


@pytest.mark.parametrize(
    ("who", "status"),
    [
        (None, 302),
        ("staff", 404),
        ("principal", 404),
        ("other_coordinator", 404),
        ("inspector", 200),
    ],
)
def test_who_sees_the_countys_timeliness(client, tree, report, who, status):
    if who:
        client.force_login(tree.users[who])
    response = client.get(reverse("reporting:timeliness", args=[tree.county.pk]))
    assert response.status_code == status


def test_the_list_and_home_show_what_to_send(client, tree, report):
    client.force_login(tree.users["principal"])
    page = client.get(reverse("reporting:list")).content.decode()
    assert reverse("reporting:detail", args=[report.pk]) in page
    home = client.get(reverse("home")).content.decode()
    assert "Periodic reports to send" in home
    client.force_login(tree.users["staff"])
    assert client.get(reverse("reporting:list")).status_code == 404


def test_the_api_list_costs_a_few_queries_whatever_its_length(
    client, tree, report, django_assert_max_num_queries
):
    client.force_login(tree.users["inspector"])
    client.get("/api/v1/periodic-reports", {"unit": tree.county.pk})  # warm the session
    with django_assert_max_num_queries(8):
        response = client.get("/api/v1/periodic-reports", {"unit": tree.county.pk})
    assert len(response.json()) >= 3
