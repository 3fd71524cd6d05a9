"""The urgent path: an urgent report reaches a person at once, and the level above after each
acknowledgement time until someone says "I have it"; every first response that is overdue is
reported above, once."""

import datetime as dt

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.dates import MONTHS

from haven.audit.models import AuditEvent
from haven.cases import services as case_services
from haven.intake import services, urgent
from haven.intake.models import EventKind, Report
from haven.intake.tests.helpers import submit
from haven.intake.tests.test_public import post_report
from haven.notify.models import Message
from haven.orgs.models import OnCall, OrgUnit, Role
from haven.orgs.tests.factories import member, unit

THREAT = "They will beat me tomorrow after school, they said it in the toilets."


def url(name, *args):
    with translation.override("en"):
        return reverse(name, args=args)


def told(report, key_prefix="urgent"):
    """Recipients of each key about ``report``, as {key: [emails]}."""
    found: dict[str, list[str]] = {}
    for message in Message.objects.filter(dedupe_key__startswith=f"{key_prefix}:{report.pk}"):
        found.setdefault(message.dedupe_key, []).append(message.recipient.email)
    return {key: sorted(emails) for key, emails in found.items()}


@pytest.fixture
def national(tree):
    """An inspector at the country level, the level above the county."""
    return member(Role.INSPECTOR, tree.country, email="inspector@ministry.example")


def urgent_report(client, school, django_capture_on_commit_callbacks) -> Report:
    with django_capture_on_commit_callbacks(execute=True):
        response = post_report(client, school, description=THREAT, harms=[])
    assert response.status_code == 200
    report = Report.objects.get()
    assert report.urgent  # from its words alone
    return report


def test_an_urgent_report_to_a_school_without_responders_reaches_the_county_inspector(
    client, tree, django_capture_on_commit_callbacks
):
    empty = unit(tree.zone_b, OrgUnit.Kind.SCHOOL, "SCH-EMPTY")
    member(Role.STAFF, empty, email="teacher@empty.example")  # staff do not answer reports
    report = urgent_report(client, empty, django_capture_on_commit_callbacks)
    assert told(report) == {f"urgent:{report.pk}:{tree.county.pk}": ["inspector@county.example"]}
    assert [m.to for m in mail.outbox] == [["inspector@county.example"]]
    assert "URGENT" in mail.outbox[0].subject
    assert THREAT not in mail.outbox[0].body  # a link, never the content
    assert f"/inbox/{report.pk}/" in mail.outbox[0].body


def test_nobody_acknowledges_so_each_level_above_is_told_once_after_each_period(
    client, tree, national, django_capture_on_commit_callbacks
):
    start = timezone.now()
    report = urgent_report(client, tree.school_a, django_capture_on_commit_callbacks)
    school_key = f"urgent:{report.pk}:{tree.school_a.pk}"
    assert told(report) == {school_key: ["coordinator@a.example", "principal@a.example"]}

    with time_machine.travel(start + dt.timedelta(minutes=29)):
        call_command("clock_tick")
    assert len(told(report)) == 1  # the acknowledgement time (30 minutes) has not passed

    county_key = f"urgent:{report.pk}:{tree.county.pk}"
    with time_machine.travel(start + dt.timedelta(minutes=31)):
        call_command("clock_tick")
        call_command("clock_tick")  # a second clock (or a second tick) tells nobody again
    assert told(report)[county_key] == ["inspector@county.example"]

    country_key = f"urgent:{report.pk}:{tree.country.pk}"
    with time_machine.travel(start + dt.timedelta(minutes=50)):
        call_command("clock_tick")
    assert country_key not in told(report)  # 30 minutes after the county, not before
    with time_machine.travel(start + dt.timedelta(minutes=62)):
        call_command("clock_tick")
    with time_machine.travel(start + dt.timedelta(hours=5)):
        call_command("clock_tick")  # no level is left above the country
    assert told(report) == {
        school_key: ["coordinator@a.example", "principal@a.example"],
        county_key: ["inspector@county.example"],
        country_key: ["inspector@ministry.example"],
    }
    assert Message.objects.filter(dedupe_key__startswith=f"urgent:{report.pk}:").count() == 4
    report.refresh_from_db()
    assert report.urgent_levels_told == 3 and report.urgent_next_at is None
    escalations = report.events.filter(kind=EventKind.ESCALATED)
    assert [event.details["unit"] for event in escalations] == [tree.county.pk, tree.country.pk]
    assert AuditEvent.objects.filter(action="report.urgent_escalate").count() == 2


def test_i_have_it_stops_the_path_and_is_on_the_timeline(
    client, tree, national, django_capture_on_commit_callbacks
):
    start = timezone.now()
    report = urgent_report(client, tree.school_a, django_capture_on_commit_callbacks)
    # Need-to-know: until the report is raised to the county, its inspector cannot open it.
    client.force_login(tree.users["inspector"])
    assert client.get(url("intake:report_detail", report.pk)).status_code == 404
    with time_machine.travel(start + dt.timedelta(minutes=31)):
        call_command("clock_tick")
        # The county inspector, told, takes it on with one click on the report page; the
        # ministry's inspector, not told yet, still cannot open it.
        client.force_login(national)
        assert client.get(url("intake:report_detail", report.pk)).status_code == 404
        client.force_login(tree.users["inspector"])
        home = client.get(url("home")).content.decode()
        assert url("intake:report_detail", report.pk) in home  # on their home, to take on
        page = client.get(url("intake:report_detail", report.pk)).content.decode()
        assert 'value="acknowledge"' in page
        response = client.post(url("intake:report_act", report.pk), {"action": "acknowledge"})
        assert response.status_code == 302
    with time_machine.travel(start + dt.timedelta(hours=3)):
        call_command("clock_tick")
    assert f"urgent:{report.pk}:{tree.country.pk}" not in told(report)
    report.refresh_from_db()
    assert report.acknowledged_by == tree.users["inspector"] and report.urgent_next_at is None
    assert report.events.filter(kind=EventKind.ACKNOWLEDGED, actor=tree.users["inspector"])
    assert AuditEvent.objects.filter(action="report.acknowledge").count() == 1
    page = client.get(url("intake:report_detail", report.pk)).content.decode()
    assert 'value="acknowledge"' not in page and "Taken on by" in page


@pytest.mark.parametrize(
    ("who", "allowed"),
    [(None, False), ("staff", False), ("other_coordinator", False), ("coordinator", True)],
)
def test_only_those_who_may_read_the_report_can_take_it_on(
    client, tree, who, allowed, django_capture_on_commit_callbacks
):
    report = urgent_report(client, tree.school_a, django_capture_on_commit_callbacks)
    if who:
        client.force_login(tree.users[who])
    response = client.post(url("intake:report_act", report.pk), {"action": "acknowledge"})
    report.refresh_from_db()
    assert (report.acknowledged_at is not None) is allowed
    if who is None:
        assert response.status_code == 302 and "/login/" in response["Location"]
    elif not allowed:
        assert response.status_code == 404


def test_a_staff_member_marking_a_report_urgent_has_it(tree):
    report, _ = submit(tree.school_a)
    assert not report.urgent
    services.report_set_urgent(actor=tree.users["coordinator"], report=report, urgent=True)
    report.refresh_from_db()
    assert report.acknowledged_by == tree.users["coordinator"]
    assert urgent.urgent_sweep(now=timezone.now() + dt.timedelta(hours=2)) == []


def test_an_overdue_first_response_is_reported_above_once(tree):
    late, _ = submit(tree.school_a)
    answered, _ = submit(tree.school_a)
    services.report_staff_write(actor=tree.users["coordinator"], report=answered, body="Thanks")
    due = late.first_response_due
    with time_machine.travel(due - dt.timedelta(minutes=1)):
        call_command("clock_tick")
    assert not told(late, "overdue")
    with time_machine.travel(due + dt.timedelta(minutes=1)):
        call_command("clock_tick")
        call_command("clock_tick")
    assert told(late, "overdue") == {f"overdue:{late.pk}": ["inspector@county.example"]}
    assert not told(answered, "overdue")
    message = Message.objects.get(dedupe_key=f"overdue:{late.pk}")
    # In the inspector's language (none set: the jurisdiction's), never the report's content.
    assert message.language == "ro" and "prim răspuns" in message.subject
    assert late.description not in message.body
    # The due date as Romanian writes it inside a sentence (month in lowercase).
    with translation.override("ro"):
        month = str(MONTHS[timezone.localtime(due).month])
    assert month.lower() in message.body and month not in message.body


def test_the_receipt_of_an_urgent_report_repeats_the_numbers_and_the_on_call_hours(
    client, tree, django_capture_on_commit_callbacks
):
    on_call = member(Role.STAFF, tree.school_a)
    OnCall.objects.create(
        unit=tree.school_a,
        user=on_call,
        weekdays=[0, 1, 2, 3, 4],
        start_time=dt.time(7, 30),
        end_time=dt.time(20, 0),
    )
    with django_capture_on_commit_callbacks(execute=True):
        page = post_report(client, tree.school_a, description=THREAT).content.decode()
    assert "Your report may be urgent" in page
    # Once: the urgent box stands in for the usual "in danger right now?" box.
    assert page.count('href="tel:112"') == 1 and "In danger right now?" not in page
    assert "07:30–20:00" in page and on_call.full_name not in page
    Report.objects.all().delete()
    ordinary = post_report(client, tree.school_a, harms=["verbal"]).content.decode()
    assert "Your report may be urgent" not in ordinary
    assert ordinary.count('href="tel:112"') == 1 and "In danger right now?" in ordinary


def test_an_ordinary_report_to_a_school_without_responders_goes_to_the_level_above(tree):
    empty = unit(tree.zone_b, OrgUnit.Kind.SCHOOL, "SCH-EMPTY")
    report, _ = submit(empty)
    assert not report.urgent
    assert told(report, "report") == {f"report:{report.pk}": ["inspector@county.example"]}
    # Once a principal is named, the school's own reports stay at the school.
    principal = member(Role.PRINCIPAL, empty, email="principal@empty.example")
    second, _ = submit(empty)
    assert told(second, "report") == {f"report:{second.pk}": [principal.email]}


def test_a_report_handled_in_a_case_is_not_chased(tree, national):
    report, _ = submit(tree.school_a, description=THREAT)
    assert report.urgent
    case_services.case_open(
        actor=tree.users["coordinator"], school=tree.school_a, title="Threat", reports=[report]
    )
    assert urgent.urgent_sweep(now=timezone.now() + dt.timedelta(hours=3)) == []
    assert set(told(report)) == {f"urgent:{report.pk}:{tree.school_a.pk}"}
