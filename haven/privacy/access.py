"""Who sees what retention will erase and places legal holds (the school's coordinator and
principal, who answer for its files), and who reads the audit log of a subtree."""

from haven.care import access as care_access
from haven.orgs import access
from haven.orgs.models import Role


class Perm(care_access.Perm):
    RETENTION_HOLD = "retention.hold"  # see what will be erased, place and lift legal holds


access.grant(
    {
        Role.COORDINATOR: {Perm.RETENTION_HOLD},
        Role.PRINCIPAL: {Perm.RETENTION_HOLD},
        # Inspectors answer for the schools below them: who read what, when.
        Role.INSPECTOR: {Perm.AUDIT_VIEW},
    }
)
