"""The one way to write an audit event. Call it inside the service's transaction."""

from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import models

from haven.audit.models import AuditEvent


def audit_record(
    *,
    actor: AbstractBaseUser | None,
    action: str,
    obj: models.Model | None = None,
    org_unit: Any = None,
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event. ``actor`` is a user or None for the system (commands, tasks)."""
    values = audit_values(actor=actor, action=action, obj=obj, org_unit=org_unit, details=details)
    event = AuditEvent(**values)
    event.save()
    return event


def audit_values(
    *,
    actor: AbstractBaseUser | None,
    action: str,
    obj: models.Model | None = None,
    org_unit: Any = None,
    details: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The columns of the event ``audit_record`` stores, by attribute name, for a store that
    writes the row without an instance (the report intake's). An object not saved yet leaves
    its id and name empty, for the caller to fill in once it has them."""
    # Audit sits below orgs: it knows the user model only as Django's base (the e-mail
    # address is the username there).
    user = actor if actor is not None and actor.is_authenticated else None
    object_id = object_repr = ""
    if obj is not None and obj.pk is not None:
        object_id, object_repr = str(obj.pk), str(obj)[:200]
    return {
        "actor_id": user.pk if user is not None else None,
        "actor_label": user.get_username() if user is not None else "system",
        "action": action,
        "object_type": obj._meta.label_lower if obj is not None else "",
        "object_id": object_id,
        "object_repr": object_repr,
        "org_unit_id": org_unit.pk if org_unit is not None else None,
        "details": details or {},
    }
