"""The one way to write an audit event. Call it inside the service's transaction."""

from typing import Any

from django.db import models

from haven.audit.models import AuditEvent


def audit_record(
    *,
    actor: Any,
    action: str,
    obj: models.Model | None = None,
    org_unit: Any = None,
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event. ``actor`` is a user or None for the system (commands, tasks)."""
    event = audit_event(actor=actor, action=action, obj=obj, org_unit=org_unit, details=details)
    event.save()
    return event


def audit_event(
    *,
    actor: Any,
    action: str,
    obj: models.Model | None = None,
    org_unit: Any = None,
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    """The unsaved event ``audit_record`` stores (for ``haven.lib.fastinsert``)."""
    is_user = actor is not None and getattr(actor, "is_authenticated", False)
    return AuditEvent(
        actor=actor if is_user else None,
        actor_label=(actor.email if is_user else "system"),
        action=action,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        object_repr=str(obj)[:200] if obj is not None else "",
        org_unit=org_unit,
        details=details or {},
    )
