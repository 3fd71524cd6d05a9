import pytest
from django.db import DatabaseError, connection, transaction

from haven.audit.models import AppendOnlyError, AuditEvent
from haven.audit.services import audit_record


@pytest.fixture
def event(db):
    return audit_record(actor=None, action="test.event", details={"n": 1})


def test_model_refuses_update_and_delete(event):
    event.action = "rewritten"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).update(action="x")
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.all().delete()


def test_database_refuses_raw_update_and_delete(event):
    for sql in (
        "UPDATE audit_auditevent SET action = 'x' WHERE id = %s",
        "DELETE FROM audit_auditevent WHERE id = %s",
    ):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [event.pk])
    event.refresh_from_db()
    assert event.action == "test.event"


def test_system_actor_is_labelled(event):
    assert event.actor is None
    assert event.actor_label == "system"


def test_maintenance_mode_is_the_only_way_past_the_triggers(event):
    from haven.audit.maintenance import audit_maintenance

    with audit_maintenance(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditevent WHERE id = %s", [event.pk])
    assert not AuditEvent.objects.filter(pk=event.pk).exists()
    # and it is off again afterwards
    other = audit_record(actor=None, action="test.other")
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditevent WHERE id = %s", [other.pk])
