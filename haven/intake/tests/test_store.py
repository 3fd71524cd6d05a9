"""How a report is stored: in one statement where the database allows it (PostgreSQL, the
public channel's hot path), in steps elsewhere or with files; the same rows either way."""

import datetime as dt

import pytest
import time_machine
from django.db import NotSupportedError, connection
from django.forms.models import model_to_dict
from django.utils import timezone

from haven.audit.models import AuditEvent
from haven.intake import selectors, services
from haven.intake.models import Channel, EventKind, Report, ReportEvent
from haven.intake.selectors import school_by_code
from haven.intake.tests.helpers import VALID, submit
from haven.lib import fastinsert
from haven.lib.errors import InvalidInput
from haven.orgs.models import OrgUnit
from haven.orgs.tests.factories import unit

pytestmark = pytest.mark.django_db

# What differs between two submissions of the same report by design.
VARYING = {"id", "receipt_lookup", "receipt_hash", "submission_key", "created_at", "report"}
VARYING |= {"first_response_due", "object_id", "object_repr"}


def rows(report: Report) -> tuple[dict, list[dict]]:
    def plain(obj) -> dict:
        data = model_to_dict(obj)
        data.update({"created_at": obj.created_at})
        return {k: v for k, v in data.items() if k not in VARYING}

    audits = AuditEvent.objects.filter(object_type="intake.report", object_id=str(report.pk))
    return plain(Report.objects.get(pk=report.pk)), [plain(a) for a in audits]


def send(tree, token: str) -> Report:
    report, _receipt = services.report_submit(
        school=tree.school_a,
        data=services.ReportInput(
            **{**VALID, "harms": ["sexual", "cyber"]}, class_unit=tree.class_a
        ),
        channel=Channel.API,
        language="vi",
        submission_token=token,
    )
    return report


def test_one_statement_and_steps_store_the_same_rows(tree, monkeypatch):
    at_once = send(tree, "one")
    monkeypatch.setattr(fastinsert, "family_supported", lambda using="default": False)
    in_steps = send(tree, "two")
    assert rows(at_once) == rows(in_steps)
    report, audits = rows(at_once)
    assert report["description"] == VALID["description"] and report["urgent"]
    assert report["harms"] == ["cyber", "sexual"] and report["language"] == "vi"
    assert len(audits) == 1 and audits[0]["details"] == {"channel": "api", "files": 0}
    # The columns computed in SQL from the new key read as Python writes them.
    for stored in (at_once, in_steps):
        audit = AuditEvent.objects.get(object_type="intake.report", object_id=str(stored.pk))
        assert audit.object_repr == str(Report.objects.get(pk=stored.pk))
        assert audit.org_unit_id == tree.school_a.pk and audit.actor_label == "system"
    # "Report received" is the row itself on the timeline, not a stored entry.
    assert not ReportEvent.objects.exists()


def test_the_timeline_starts_with_the_report_received(tree):
    staff = tree.users["coordinator"]
    report, _ = services.report_submit(
        school=tree.school_a,
        data=services.ReportInput(**VALID),
        channel=Channel.HOTLINE,
        language="ro",
        entered_by=staff,
    )
    services.report_set_urgent(report=report, actor=staff, urgent=True)
    first, second = selectors.report_timeline(report=Report.objects.get(pk=report.pk))
    assert first.kind == EventKind.SUBMITTED and second.kind == EventKind.URGENT
    assert first.created_at == report.created_at and first.actor == staff
    assert first.details == {"channel": Channel.HOTLINE}


def test_the_one_statement_is_postgresql_only():
    # CI runs on PostgreSQL (the statement), `make test` without DATABASE_URL on SQLite.
    assert fastinsert.family_supported() is (connection.vendor == "postgresql")
    if connection.vendor != "postgresql":
        with pytest.raises(NotSupportedError):
            fastinsert.insert_family(ReportEvent(kind="x"), [])


@pytest.mark.parametrize("one_statement", [True, False])
def test_over_the_school_limit_nothing_is_stored(tree, settings, monkeypatch, one_statement):
    if not one_statement:
        monkeypatch.setattr(fastinsert, "family_supported", lambda using="default": False)
    settings.HAVEN_REPORTS_PER_SCHOOL = 2
    submit(tree.school_a)
    submit(tree.school_a)
    with pytest.raises(services.TooManyAttempts):
        submit(tree.school_a)
    assert Report.objects.count() == 2
    assert AuditEvent.objects.filter(action="report.submit").count() == 2
    # Staff record what reached them by phone or letter whatever the public traffic.
    services.report_submit(
        school=tree.school_a,
        data=services.ReportInput(**VALID),
        channel=Channel.HOTLINE,
        language="ro",
        entered_by=tree.users["coordinator"],
    )
    assert Report.objects.count() == 3
    submit(tree.school_b)  # another school's channel stays open


def test_school_address_is_read_in_any_case_and_unique_in_any_case(tree):
    found = school_by_code(tree.school_a.code.lower())
    assert found == tree.school_a and found.name == tree.school_a.name
    assert found.jurisdiction == tree.school_a.jurisdiction and found.path == tree.school_a.path
    assert found.created_at == tree.school_a.created_at  # not read with it: loads when asked
    assert school_by_code(tree.class_a.code) is None  # a class's code is not a school's
    with pytest.raises(InvalidInput):
        unit(tree.zone_b, OrgUnit.Kind.SCHOOL, tree.school_a.code.lower())
    assert OrgUnit.objects.filter(code__iexact=tree.school_a.code).count() == 1


def test_a_school_added_after_the_directory_was_read_is_found_at_once(tree):
    assert school_by_code(tree.school_a.code) == tree.school_a  # the process reads all schools
    added = unit(tree.zone_b, OrgUnit.Kind.SCHOOL, "NEW-1")
    assert school_by_code("new-1") == added
    assert school_by_code("NO-SUCH-SCHOOL") is None


def test_overall_limit_counts_every_schools_anonymous_reports(tree, settings, monkeypatch):
    monkeypatch.setattr(services, "OVERALL_COUNT_SECONDS", 0)  # each report reads the count
    settings.HAVEN_REPORTS_OVERALL = 2
    submit(tree.school_a)
    submit(tree.school_b)
    with pytest.raises(services.TooManyAttempts):
        submit(tree.school_b)
    assert Report.objects.count() == 2


def test_replayed_submissions_do_not_close_the_channel(tree, settings, monkeypatch):
    # A refused duplicate uses up a key on PostgreSQL: the key-to-key estimate goes up, the
    # exact count of stored reports decides.
    monkeypatch.setattr(services, "OVERALL_COUNT_SECONDS", 0)
    settings.HAVEN_REPORTS_OVERALL = 3
    send(tree, "same")
    for _ in range(5):
        with pytest.raises(services.AlreadyReceived):
            send(tree, "same")
    submit(tree.school_b)
    submit(tree.school_b)
    with pytest.raises(services.TooManyAttempts):
        submit(tree.school_b)
    assert Report.objects.count() == 3


def test_overall_limit_forgets_reports_older_than_a_minute(tree, settings, monkeypatch):
    monkeypatch.setattr(services, "OVERALL_COUNT_SECONDS", 0)
    settings.HAVEN_REPORTS_OVERALL = 2
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        submit(tree.school_a)
        submit(tree.school_b)
    with time_machine.travel(start + dt.timedelta(seconds=59), tick=False):
        with pytest.raises(services.TooManyAttempts):
            submit(tree.school_a)
    with time_machine.travel(start + dt.timedelta(seconds=61), tick=False):
        submit(tree.school_a)  # the first two are out of the window
        submit(tree.school_b)
        with pytest.raises(services.TooManyAttempts):
            submit(tree.school_b)
    assert Report.objects.count() == 4
