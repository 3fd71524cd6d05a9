"""Who may read a unit's figures: inspectors for their subtree, the country administrator
(ministry) for the country, a school's principal and coordinator for their own school."""

from haven.orgs import access
from haven.orgs.models import OrgUnit, Role
from haven.orgs.types import Viewer


class Perm(access.Perm):
    VIEW_FIGURES = "insights.view"


access.grant(
    {
        Role.INSPECTOR: {Perm.VIEW_FIGURES},
        Role.ADMIN: {Perm.VIEW_FIGURES},
        Role.PRINCIPAL: {Perm.VIEW_FIGURES},
        Role.COORDINATOR: {Perm.VIEW_FIGURES},
    }
)


def may_view(user: Viewer, unit: OrgUnit) -> bool:
    return access.can(user, Perm.VIEW_FIGURES, unit)


def exact_for(user: Viewer, unit: OrgUnit) -> bool:
    """Whether ``user`` reads ``unit``'s figures as its own school's staff: exact counts.
    Anyone reading from above (or any unit above a school) gets the disclosure rule."""
    if unit.kind != OrgUnit.Kind.SCHOOL:
        return False
    return any(
        g.path.startswith(unit.path) and Perm.VIEW_FIGURES in access.ROLE_PERMS.get(g.role, ())
        for g in access.grants(user)
    )
