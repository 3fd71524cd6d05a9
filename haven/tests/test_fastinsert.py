import datetime as dt

import pytest
from django.utils import timezone

from haven.audit.models import AuditEvent
from haven.audit.services import audit_values
from haven.intake.models import EventKind, ReportEvent
from haven.intake.tests.helpers import submit
from haven.lib import fastinsert

pytestmark = pytest.mark.django_db


def test_inserted_row_reads_back_like_a_saved_one(tree):
    report, _ = submit(tree.school_a)
    stored = ReportEvent.objects.create(report=report, kind=EventKind.URGENT)
    when = timezone.now() - dt.timedelta(minutes=5)
    event = fastinsert.insert(
        ReportEvent(
            report=report, kind=EventKind.SUBMITTED, details={"a": [1, "ü"]}, created_at=when
        )
    )
    again = ReportEvent.objects.get(pk=event.pk)
    assert event.pk != stored.pk and not event._state.adding
    assert again.details == {"a": [1, "ü"]} and again.created_at == when
    assert again.actor is None and again.report_id == report.pk


def test_defaults_apply_as_in_save(tree):
    before = timezone.now()
    values = audit_values(actor=None, action="x.test", org_unit=tree.school_a)
    event = fastinsert.insert(AuditEvent(**values))
    row = AuditEvent.objects.get(pk=event.pk)
    assert row.created_at >= before and row.details == {} and row.actor_label == "system"


def test_a_row_without_instance_gets_the_instance_values(tree):
    from django.db import connection

    values = audit_values(
        actor=tree.users["coordinator"], action="x.t", org_unit=tree.school_a, details={"n": 1}
    )
    names = [f.name for f in fastinsert._fields(AuditEvent)]

    def by_name(values: list) -> dict:  # psycopg's JSON wrappers compare by identity
        return {name: getattr(v, "obj", v) for name, v in zip(names, values, strict=True)}

    as_row = by_name(fastinsert._values(fastinsert.Row(AuditEvent, values), connection))
    as_instance = by_name(fastinsert._values(AuditEvent(**values), connection))
    # created_at is left to its default, read at two moments (a datetime, or text on SQLite).
    row_time, instance_time = as_row.pop("created_at"), as_instance.pop("created_at")
    assert type(row_time) is type(instance_time) and row_time <= instance_time
    assert as_row == as_instance
    with pytest.raises(TypeError, match="no field actor"):
        fastinsert._values(fastinsert.Row(AuditEvent, {"actor": None}), connection)


def test_values_kept_as_they_are_equal_the_prepared_ones(tree):
    from django.db import connection

    report, _ = submit(tree.school_a, class_unit=tree.class_a)
    audit = AuditEvent.objects.get(action="report.submit", object_id=str(report.pk))
    event = ReportEvent.objects.create(report=report, kind=EventKind.URGENT, actor=None)
    for obj in (report, event, audit):
        prepared = [
            f.get_db_prep_save(f.pre_save(obj, True), connection)
            for f in fastinsert._fields(type(obj))
        ]
        values = fastinsert._values(obj, connection)
        # psycopg's JSON wrappers compare by identity: compare what they wrap.
        assert [getattr(v, "obj", v) for v in values] == [getattr(v, "obj", v) for v in prepared]
        assert [type(v) for v in values] == [type(v) for v in prepared]


def test_the_intake_statement_is_prepared_on_the_server_after_a_few_runs(tree):
    from django.db import connection

    for _ in range(7):
        submit(tree.school_a)
    if connection.vendor != "postgresql":  # `make test` without DATABASE_URL: SQLite
        assert not fastinsert.family_supported()
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        statements = [row[0] for row in cursor.fetchall()]
    assert any(s.startswith("WITH parent AS (INSERT INTO") for s in statements), statements
