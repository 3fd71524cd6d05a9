"""Every read of content through the API is audited like a page view, and inspectors read
the audit of their subtree on a page (filterable); others do not."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse
from django.utils import translation

from haven.audit.models import AuditEvent
from haven.cases import services as case_services
from haven.intake.tests.helpers import submit

pytestmark = pytest.mark.django_db


def test_reading_ten_reports_through_the_api_leaves_an_audit_entry_naming_them(client, tree):
    reports = [submit(tree.school_a)[0] for _ in range(10)]
    coordinator = tree.users["coordinator"]
    client.force_login(coordinator)
    response = client.get("/api/v1/reports", {"limit": 100})
    assert response.status_code == 200 and response.json()["count"] == 10
    event = AuditEvent.objects.get(action="report.list")
    assert event.actor == coordinator and event.org_unit == tree.school_a
    assert sorted(event.details["ids"]) == sorted(r.pk for r in reports)
    # One report in detail: a view, as on the page.
    client.get(f"/api/v1/reports/{reports[0].pk}")
    assert AuditEvent.objects.filter(
        action="report.view", object_id=str(reports[0].pk), actor=coordinator
    ).exists()


def test_an_empty_page_records_nothing(client, tree):
    client.force_login(tree.users["coordinator"])
    assert client.get("/api/v1/reports").json()["count"] == 0
    assert not AuditEvent.objects.filter(action="report.list").exists()


def test_the_case_list_and_detail_through_the_api_are_audited(client, tree):
    report, _ = submit(tree.school_a)
    case = case_services.case_open(
        actor=tree.users["coordinator"], school=tree.school_a, title="T", reports=[report]
    )
    client.force_login(tree.users["principal"])
    assert client.get("/api/v1/cases").json()["count"] == 1
    event = AuditEvent.objects.get(action="case.list")
    assert event.details["ids"] == [case.pk] and event.actor == tree.users["principal"]
    client.get(f"/api/v1/cases/{case.pk}")
    assert AuditEvent.objects.filter(
        action="case.view", object_id=str(case.pk), actor=tree.users["principal"]
    ).exists()


def audit_page(client, viewer, **filters):
    if viewer is not None:
        client.force_login(viewer)
    with translation.override("en"):
        path = reverse("privacy:audit")
    return client.get(path, filters)


@pytest.mark.parametrize(
    ("name", "status"),
    [(None, 302), ("staff", 403), ("coordinator", 403), ("inspector", 200), ("principal", 200)],
)
def test_audit_page_access(client, tree, name, status):
    user = tree.users[name] if name else None
    assert audit_page(client, user).status_code == status


def test_an_inspector_sees_their_subtree_and_a_school_principal_only_their_school(client, tree):
    submit(tree.school_a)
    submit(tree.school_b)
    coordinator = tree.users["coordinator"]
    client.force_login(coordinator)
    client.get("/api/v1/reports")
    inspector_page = audit_page(client, tree.users["inspector"]).content.decode()
    assert inspector_page.count("report.submit") == 2  # both schools are in the county
    assert "coordinator@a.example" in inspector_page
    principal_page = audit_page(client, tree.users["principal"]).content.decode()
    assert principal_page.count("report.submit") == 1
    other = audit_page(client, tree.users["other_coordinator"])
    assert other.status_code == 403


def test_the_audit_page_filters_by_user_action_and_dates(client, tree):
    with time_machine.travel(dt.datetime(2026, 10, 1, 9, tzinfo=dt.UTC), tick=False):
        submit(tree.school_a)
    with time_machine.travel(dt.datetime(2026, 10, 5, 9, tzinfo=dt.UTC), tick=False):
        client.force_login(tree.users["coordinator"])
        client.get("/api/v1/reports")
    inspector = tree.users["inspector"]
    by_user = audit_page(client, inspector, user="coordinator@a").content.decode()
    assert "report.list" in by_user and "report.submit" not in by_user
    by_action = audit_page(client, inspector, action="report.submit").content.decode()
    assert "report.submit" in by_action and "report.list" not in by_action
    by_date = audit_page(client, inspector, since="2026-10-04", until="2026-10-06")
    assert "report.list" in by_date.content.decode()
    assert "report.submit" not in by_date.content.decode()
    wrong = audit_page(client, inspector, since="yesterday")
    assert wrong.status_code == 200 and "Enter a valid date." in wrong.content.decode()
