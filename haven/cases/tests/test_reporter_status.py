"""What a reporter is told is stored on the report and changed by intake's services when a
case opens, moves to a state the reporter hears of differently, or closes; the follow-up
reads the stored value and never asks cases."""

import json

import pytest

from haven.cases import services
from haven.intake import services as intake_services
from haven.intake.models import Report, ReportEvent
from haven.intake.tests.helpers import submit

pytestmark = pytest.mark.django_db


def stored(report: Report) -> str:
    return Report.objects.filter(pk=report.pk).values_list("public_status", flat=True).get()


def followup_status(client, receipt) -> str:
    response = client.post(
        "/api/v1/reports/follow-up",
        json.dumps({"receipt": str(receipt)}),
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    return response.json()["status"]


def test_the_reporter_status_is_stored_when_a_case_opens_and_closes(
    client, tree, django_assert_max_num_queries
):
    coordinator = tree.users["coordinator"]
    report, receipt = submit(tree.school_a)
    joined, joined_receipt = submit(tree.school_a)
    intake_services.report_merge(actor=coordinator, report=joined, into=report)
    assert stored(report) == stored(joined) == "received"  # it follows the report it joined
    fresh, _ = submit(tree.school_a)
    assert stored(fresh) == "received"

    case = services.case_open(
        actor=coordinator, school=tree.school_a, title="Corridor", reports=[report]
    )
    assert stored(report) == "handling"
    event = ReportEvent.objects.get(report=report, kind="case_opened")
    assert event.details == {"case": case.pk} and event.actor == coordinator

    services.case_update(
        actor=coordinator,
        case=case,
        changes={"case_type": "child_child", "severity": "low", "determination": "bullying"},
    )
    for step in ("assess", "plan", "implement", "review", "close"):
        services.case_transition(actor=coordinator, case=case, code=step)
    # Stored for the report and for the report merged into it.
    assert stored(report) == stored(joined) == "closed"
    assert stored(fresh) == "received"
    # The follow-up reads the row: no query of cases or procedures.
    with django_assert_max_num_queries(6) as queries:
        assert followup_status(client, receipt) == "closed"
    assert not any("cases_" in q["sql"] for q in queries.captured_queries)
    assert followup_status(client, joined_receipt) == "closed"


def test_only_a_reports_latest_case_tells_its_reporter(tree):
    coordinator = tree.users["coordinator"]
    report, _ = submit(tree.school_a)
    first = services.case_open(
        actor=coordinator, school=tree.school_a, title="First", reports=[report]
    )
    services.case_open(actor=coordinator, school=tree.school_a, title="Later", reports=[report])
    services.case_update(
        actor=coordinator,
        case=first,
        changes={"case_type": "child_child", "severity": "low", "determination": "bullying"},
    )
    for step in ("assess", "plan", "implement", "review", "close"):
        services.case_transition(actor=coordinator, case=first, code=step)
    assert stored(report) == "handling"  # the later case is still open


def test_a_dismissed_report_tells_closed(tree):
    report, _ = submit(tree.school_a)
    intake_services.report_dismiss(actor=tree.users["coordinator"], report=report, reason="dup")
    assert stored(report) == "closed"
