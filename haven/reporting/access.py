"""Who may read and act on periodic reports, built on ``haven.orgs.access``.

A report is made by its own unit (a role granted on that unit) and decided by the units
above it (a role granted on an ancestor): a county inspector never fills a school's report,
and a principal never accepts their own.
"""

from haven.orgs import access
from haven.orgs.models import OrgUnit, Role
from haven.orgs.types import Viewer


class Perm(access.Perm):
    VIEW = "reporting.view"  # read the reports of one's units and of those below
    FILL = "reporting.fill"  # write the narrative, make the figures again, submit
    DECIDE = "reporting.decide"  # accept or return a report of a unit below


access.grant(
    {
        Role.PRINCIPAL: {Perm.VIEW, Perm.FILL},
        Role.COORDINATOR: {Perm.VIEW, Perm.FILL},
        Role.INSPECTOR: {Perm.VIEW, Perm.FILL, Perm.DECIDE},
        Role.ADMIN: {Perm.VIEW},
    }
)


def may_view(user: Viewer, unit: OrgUnit) -> bool:
    return access.can(user, Perm.VIEW, unit)


def _own_grants(user: Viewer, unit: OrgUnit, perm: str) -> list[access.Grant]:
    return [
        g
        for g in access.grants(user)
        if g.path == unit.path and perm in access.ROLE_PERMS.get(g.role, frozenset())
    ]


def may_fill(user: Viewer, unit: OrgUnit) -> bool:
    """The unit's own people: a role granted on the unit itself."""
    return bool(_own_grants(user, unit, Perm.FILL))


def may_sign(user: Viewer, unit: OrgUnit, role: str) -> bool:
    """The template's signer for the level: that role held on the unit itself."""
    return any(g.role == role for g in _own_grants(user, unit, Perm.FILL))


def may_decide(user: Viewer, unit: OrgUnit) -> bool:
    """A role granted on a unit above (never on the unit itself)."""
    return any(
        unit.path.startswith(g.path)
        and g.path != unit.path
        and Perm.DECIDE in access.ROLE_PERMS.get(g.role, frozenset())
        for g in access.grants(user)
    )
