"""How a report is stored: one path (``intake.store``) on SQLite and PostgreSQL, writing the
very rows the ORM would."""

import datetime as dt

import pytest
import time_machine
from django.db import IntegrityError, connection
from django.utils import timezone

from haven.audit.models import AuditEvent
from haven.audit.services import audit_values
from haven.intake import receipts, selectors, services, store
from haven.intake.models import Channel, EventKind, Report, ReportEvent, Status
from haven.intake.selectors import school_by_code
from haven.intake.tests.helpers import clean, submit
from haven.lib.errors import InvalidInput
from haven.orgs.models import OrgUnit
from haven.orgs.tests.factories import unit

pytestmark = pytest.mark.django_db


def new_report(tree, **overrides) -> Report:
    receipt = receipts.generate()
    now = timezone.now()
    values = {
        "school": tree.school_a,
        "class_unit": tree.class_a,
        "channel": Channel.API,
        "description": "Ünïcode – 七年级 «text»",
        "when_text": "at lunch",
        "place": "yard",
        "harms": ["cyber", "sexual"],
        "urgent": True,
        "affected": "me",
        "reporter_role": "pupil",
        "contact": "",
        "language": "vi",
        "receipt_lookup": receipt.lookup,
        "receipt_hash": receipt.secret_hash,
        "submission_key": receipt.lookup * 8,
        "created_at": now,
        "first_response_due": now + dt.timedelta(hours=24),
        "notify_pending": True,
    }
    return Report(**{**values, **overrides})


def every_field(obj) -> dict:
    """Every concrete column as read back from the database."""
    fresh = type(obj).objects.get(pk=obj.pk)
    return {f.attname: getattr(fresh, f.attname) for f in type(obj)._meta.concrete_fields}


UNIQUE = {"id", "receipt_lookup", "receipt_hash", "submission_key"}


@pytest.mark.parametrize("staff", [False, True])
def test_the_store_writes_every_field_as_the_orm_does(tree, staff):
    """The same report and audit event stored by report_store and by save(): every column
    equal but the keys and the unique receipt; the audit's id and name follow each key."""
    coordinator = tree.users["coordinator"] if staff else None
    by_store, by_orm = new_report(tree, entered_by=coordinator), new_report(tree)
    by_orm.entered_by = coordinator
    by_orm.created_at, by_orm.first_response_due = by_store.created_at, by_store.first_response_due
    details = {"channel": "api", "files": 0, "ü": [1, None]}

    def audit(report):
        return audit_values(
            actor=coordinator,
            action="report.submit",
            obj=report,
            org_unit=tree.school_a,
            details=details,
        )

    assert store.report_store(by_store, audit(by_store), limit_since=None)
    by_orm.save()
    AuditEvent(**audit(by_orm)).save()

    stored, saved = every_field(by_store), every_field(by_orm)
    for name in UNIQUE:
        stored.pop(name), saved.pop(name)
    assert stored == saved
    audits = [
        AuditEvent.objects.get(object_type="intake.report", object_id=str(r.pk))
        for r in (by_store, by_orm)
    ]
    for report, event in zip((by_store, by_orm), audits, strict=True):
        assert event.object_repr == str(Report.objects.get(pk=report.pk))
    stored, saved = every_field(audits[0]), every_field(audits[1])
    for name in ("id", "object_id", "object_repr", "created_at"):
        stored.pop(name), saved.pop(name)
    assert stored == saved and stored["details"] == details


def test_the_audit_name_is_cut_as_python_cuts_it(tree):
    tree.school_a.name = "Ş" * 250  # longer than the audit's 200 characters
    report = new_report(tree)
    values = audit_values(actor=None, action="report.submit", obj=report, org_unit=tree.school_a)
    assert store.report_store(report, values)
    event = AuditEvent.objects.get(object_type="intake.report", object_id=str(report.pk))
    assert event.object_repr == str(report)[:200] and len(event.object_repr) == 200


def test_a_duplicate_stores_nothing_and_keeps_the_callers_transaction(tree):
    first = new_report(tree)
    values = audit_values(actor=None, action="report.submit", obj=first, org_unit=tree.school_a)
    assert store.report_store(first, dict(values))
    again = new_report(tree, submission_key=first.submission_key)
    with pytest.raises(IntegrityError):
        store.report_store(again, dict(values))
    assert Report.objects.count() == 1
    assert AuditEvent.objects.filter(action="report.submit").count() == 1  # still usable


def test_values_without_an_instance_are_the_instances(tree):
    values = audit_values(
        actor=tree.users["coordinator"], action="x.t", org_unit=tree.school_a, details={"n": 1}
    )

    def plain(row: list) -> list:  # psycopg's JSON wrappers compare by identity
        return [getattr(v, "obj", v) for v in row]

    as_mapping = plain(store.values(AuditEvent, values, connection, skip=("created_at",)))
    as_instance = plain(
        store.values(AuditEvent, AuditEvent(**values), connection, skip=("created_at",))
    )
    assert as_mapping == as_instance
    with pytest.raises(TypeError, match="no field actor"):
        store.values(AuditEvent, {"actor": None}, connection)


def test_a_new_instance_is_the_one_the_keyword_constructor_makes(tree):
    """``store.new`` builds by position what ``Report(**values)`` builds by keyword: every
    attribute equal, defaults included, and still a row to add."""
    report = new_report(tree)
    given = {
        f.attname: getattr(report, f.attname)
        for f in Report._meta.concrete_fields
        if f.attname in {"school_id", "class_unit_id", "description", "harms", "created_at"}
    }
    by_position, by_keyword = store.new(Report, **given), Report(**given)
    assert by_position.__dict__.keys() == by_keyword.__dict__.keys()
    for f in Report._meta.concrete_fields:
        assert getattr(by_position, f.attname) == getattr(by_keyword, f.attname), f.name
    assert by_position.status == Status.NEW and by_position.outcome == {}
    assert by_position._state.adding and by_position.pk is None
    # A default made by a callable is made anew for each row, as by keyword.
    assert store.new(Report, **given).outcome is not by_position.outcome
    with pytest.raises(TypeError, match=r"no field school$"):
        store.new(Report, school=tree.school_a)


def test_submission_stores_the_report_and_its_audit(tree):
    report, _ = services.report_submit(
        school=tree.school_a,
        data=clean(Channel.API, harms=["sexual", "cyber"], class_unit=tree.class_a),
        language="vi",
        submission_token="one",
    )
    stored = Report.objects.get(pk=report.pk)
    assert stored.harms == ["cyber", "sexual"] and stored.urgent and stored.language == "vi"
    audit = AuditEvent.objects.get(object_type="intake.report", object_id=str(report.pk))
    assert audit.details == {"channel": "api", "files": 0} and audit.actor_label == "system"
    assert audit.object_repr == str(stored) and audit.org_unit_id == tree.school_a.pk
    # "Report received" is the row itself on the timeline, not a stored entry.
    assert not ReportEvent.objects.exists()


def test_the_timeline_starts_with_the_report_received(tree):
    staff = tree.users["coordinator"]
    report, _ = services.report_submit(
        school=tree.school_a,
        data=clean(Channel.HOTLINE),
        language="ro",
        entered_by=staff,
    )
    services.report_set_urgent(report=report, actor=staff, urgent=True)
    first, second = selectors.report_timeline(report=Report.objects.get(pk=report.pk))
    assert first.kind == EventKind.SUBMITTED and second.kind == EventKind.URGENT
    assert first.created_at == report.created_at and first.actor == staff
    assert first.details == {"channel": Channel.HOTLINE}


def test_the_intake_statements_are_prepared_on_the_server_after_a_few_runs(tree):
    for _ in range(7):
        submit(tree.school_a)
    assert Report.objects.count() == AuditEvent.objects.filter(action="report.submit").count()
    if connection.vendor != "postgresql":  # `make test` without DATABASE_URL: SQLite
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        statements = [row[0] for row in cursor.fetchall()]
    assert any(s.startswith('INSERT INTO "intake_report"') for s in statements), statements
    assert any(s.startswith('INSERT INTO "audit_auditevent"') for s in statements), statements


def test_over_the_school_limit_nothing_is_stored(tree, settings):
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
        data=clean(Channel.HOTLINE),
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

    def send(token):
        data = clean(Channel.API)
        return services.report_submit(
            school=tree.school_a, data=data, language="vi", submission_token=token
        )

    send("same")
    for _ in range(5):
        with pytest.raises(services.AlreadyReceived):
            send("same")
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
