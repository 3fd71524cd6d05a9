"""Who sees and keeps a school's prevention registers: plan, trainings, pledges, meetings,
channels."""

from haven.orgs import access
from haven.orgs.access import can
from haven.orgs.models import OrgUnit, Role
from haven.orgs.types import Viewer


class Perm(access.Perm):
    PREVENTION_VIEW = "prevention.view"  # the school's plan, trainings, meetings, channels
    PREVENTION_REVIEW = "prevention.review"  # compliance figures and who has signed
    PREVENTION_MANAGE = "prevention.manage"  # the school's plan and registers
    PREVENTION_OWN_UNIT = "prevention.own_unit"  # a district's or county's own plan, trainings
    PLEDGE_SIGN = "pledge.sign"  # a staff member signs the yearly pledge


access.grant(
    {
        Role.STAFF: {Perm.PREVENTION_VIEW, Perm.PLEDGE_SIGN},
        Role.PSYCHOLOGIST: {Perm.PREVENTION_VIEW, Perm.PLEDGE_SIGN},
        Role.COORDINATOR: {
            Perm.PREVENTION_VIEW,
            Perm.PREVENTION_REVIEW,
            Perm.PREVENTION_MANAGE,
            Perm.PLEDGE_SIGN,
        },
        Role.PRINCIPAL: {
            Perm.PREVENTION_VIEW,
            Perm.PREVENTION_REVIEW,
            Perm.PREVENTION_MANAGE,
            Perm.PLEDGE_SIGN,
        },
        # Above the schools: read every school's registers, keep the unit's own plan.
        Role.INSPECTOR: {Perm.PREVENTION_VIEW, Perm.PREVENTION_REVIEW, Perm.PREVENTION_OWN_UNIT},
        Role.ADMIN: {Perm.PREVENTION_VIEW, Perm.PREVENTION_REVIEW},
    }
)
# These open cases or registers: their holders sign in with a second factor.
access.content_perms(Perm.PREVENTION_MANAGE)


def can_manage_prevention(user: Viewer, unit: OrgUnit) -> bool:
    """Change ``unit``'s plan, trainings and registers: a school's coordinators and principal;
    for a district or county (not a school, not a class) also its own inspectors."""
    if can(user, Perm.PREVENTION_MANAGE, unit):
        return True
    own_level = unit.kind not in (OrgUnit.Kind.SCHOOL, OrgUnit.Kind.CLASS)
    return own_level and can(user, Perm.PREVENTION_OWN_UNIT, unit)
