"""Haven's core access rules: grants, roles, a user's units, ``can``, subtree conditions.

A user's reach is the union of the subtrees of the units they hold a role on; what they may
do there depends on the role. Selectors and services ask here; views never filter by hand.
Platform operators (``is_superuser``) reach everything.

Each app above orgs declares its own permissions and row rules in its ``access.py``
(``haven.cases.access``, ``haven.care.access``...), built on these; orgs imports none of them.
A lower layer that needs a higher app's rule asks it by name (``rule``).
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet

from haven.lib.errors import AccessDenied
from haven.orgs.models import (
    PATH_SEGMENT,
    Membership,
    OrgUnit,
    OrgUnitQuerySet,
    Role,
    subtree_condition,
)
from haven.orgs.types import Viewer, signed_in


class Perm:
    """Actions a role may take inside its subtree: the core ones (organisation, people,
    reports). Each app above declares its own in its ``access.py`` as a subclass of this one
    (``haven.cases.access.Perm``...) and grants them with ``grant`` when it is loaded, so
    ``Perm.X`` reads the same everywhere and each constant is defined once."""

    UNIT_VIEW = "unit.view"
    UNIT_MANAGE = "unit.manage"
    MEMBER_VIEW = "member.view"
    MEMBER_MANAGE = "member.manage"
    AUDIT_VIEW = "audit.view"
    REPORT_CREATE = "report.create"  # record a report that came by phone, letter, in person
    REPORT_VIEW = "report.view"  # read every report of the school
    # read the reports raised to one's level (urgent or overdue ones told to it), no others
    REPORT_RAISED = "report.raised"
    REPORT_TRIAGE = "report.triage"  # act on reports: urgency, messages, merge, dismiss
    POSTER_MAKE = "poster.make"
    PUPIL_VIEW = "pupil.view"  # the class rosters and each pupil's chronology
    PUPIL_MANAGE = "pupil.manage"  # add pupils by hand or by import


# Least privilege: a partner agency sees only what is referred to it (cases issue), not the
# schools below its unit; an inspector sees units, figures, and only the single reports and
# cases raised to their level (haven.cases.access.raised_condition), never all of a county's.
ROLE_PERMS: dict[str, frozenset[str]] = {
    Role.STAFF: frozenset({Perm.UNIT_VIEW, Perm.REPORT_CREATE}),
    Role.COORDINATOR: frozenset(
        {
            Perm.UNIT_VIEW,
            Perm.MEMBER_VIEW,
            Perm.REPORT_CREATE,
            Perm.REPORT_VIEW,
            Perm.REPORT_TRIAGE,
            Perm.POSTER_MAKE,
            Perm.PUPIL_VIEW,
            Perm.PUPIL_MANAGE,
        }
    ),
    Role.PSYCHOLOGIST: frozenset({Perm.UNIT_VIEW, Perm.REPORT_CREATE, Perm.PUPIL_VIEW}),
    Role.PRINCIPAL: frozenset(
        {
            Perm.UNIT_VIEW,
            Perm.MEMBER_VIEW,
            Perm.AUDIT_VIEW,
            Perm.REPORT_CREATE,
            Perm.REPORT_VIEW,
            Perm.REPORT_TRIAGE,
            Perm.POSTER_MAKE,
            Perm.PUPIL_VIEW,
            Perm.PUPIL_MANAGE,
        }
    ),
    Role.INSPECTOR: frozenset({Perm.UNIT_VIEW, Perm.REPORT_RAISED}),
    Role.AGENCY: frozenset(),
    # Administrators run the organisation, not cases: they do not read reports.
    Role.ADMIN: frozenset(
        {
            Perm.UNIT_VIEW,
            Perm.UNIT_MANAGE,
            Perm.MEMBER_VIEW,
            Perm.MEMBER_MANAGE,
            Perm.AUDIT_VIEW,
            Perm.POSTER_MAKE,
            Perm.PUPIL_MANAGE,
        }
    ),
}


def grant(perms_by_role: dict[str, set[str]]) -> None:
    """Adds permissions to roles. Each module grants its own in a block below, so modules
    added side by side do not edit the same lines of ``ROLE_PERMS``."""
    for role, perms in perms_by_role.items():
        ROLE_PERMS[role] = ROLE_PERMS[role] | frozenset(perms)


# What a platform operator (superuser) may do everywhere: run the installation. Reading
# children's reports and cases always needs a role on the school or above it.
OPERATOR_PERMS = frozenset(
    {
        Perm.UNIT_VIEW,
        Perm.UNIT_MANAGE,
        Perm.MEMBER_VIEW,
        Perm.MEMBER_MANAGE,
        Perm.AUDIT_VIEW,
        Perm.POSTER_MAKE,
    }
)


# Permissions that open children's reports, cases or registers. A role holding one must sign
# in with a second factor (haven.orgs.signin); each app marks its own with ``content_perms``.
CONTENT_PERMS: set[str] = {
    Perm.REPORT_VIEW,
    Perm.REPORT_RAISED,
    Perm.REPORT_TRIAGE,
    Perm.PUPIL_VIEW,
}


def content_perms(*perms: str) -> None:
    CONTENT_PERMS.update(perms)


def second_factor_required(user: Viewer) -> bool:
    """Must ``user`` sign in with a second factor? Operators (they run the whole
    installation) and anyone whose roles open reports, cases or registers."""
    if is_operator(user):
        return True
    return any(ROLE_PERMS.get(g.role, frozenset()) & CONTENT_PERMS for g in grants(user))


def roles_with(perm: str) -> list[str]:
    return [role for role, perms in ROLE_PERMS.items() if perm in perms]


@dataclass(frozen=True)
class Grant:
    role: str
    path: str
    unit_id: int
    time_zone: str


def grants(user: Viewer) -> list[Grant]:
    """The user's memberships as (role, path), read once per user object."""
    if not signed_in(user) or not getattr(user, "is_active", False):
        return []
    cached: list[Grant] | None = getattr(user, "_haven_grants", None)
    if cached is None:
        cached = [
            Grant(role=role, path=path, unit_id=unit_id, time_zone=tz)
            for role, path, unit_id, tz in Membership.objects.filter(user=user)
            .order_by("unit__path")
            .values_list("role", "unit__path", "unit_id", "unit__jurisdiction__time_zone")
        ]
        user._haven_grants = cached  # type: ignore[attr-defined]
    return cached


def forget(user: Viewer) -> None:
    """Drop the cached grants (after memberships change)."""
    if hasattr(user, "_haven_grants"):
        del user._haven_grants


def is_operator(user: Viewer) -> bool:
    return bool(
        getattr(user, "is_authenticated", False)
        and getattr(user, "is_active", False)
        and getattr(user, "is_superuser", False)
    )


def paths_with(user: Viewer, perm: str) -> list[str]:
    return [g.path for g in grants(user) if perm in ROLE_PERMS.get(g.role, frozenset())]


def _operator_may(user: Viewer, perm: str) -> bool:
    return perm in OPERATOR_PERMS and is_operator(user)


def has_anywhere(user: Viewer, perm: str) -> bool:
    return _operator_may(user, perm) or bool(paths_with(user, perm))


def can(user: Viewer, perm: str, unit: OrgUnit) -> bool:
    """May ``user`` do ``perm`` on ``unit``? True when a granting role sits on it or above."""
    if _operator_may(user, perm):
        return True
    return any(unit.path.startswith(path) for path in paths_with(user, perm))


def require(user: Viewer, perm: str, unit: OrgUnit) -> None:
    if not can(user, perm, unit):
        raise AccessDenied()


def units(user: Viewer, perm: str = Perm.UNIT_VIEW) -> OrgUnitQuerySet:
    """All units where ``user`` may do ``perm``: one indexed query."""
    if _operator_may(user, perm):
        return OrgUnit.objects.all()
    return OrgUnit.objects.subtree_of(*paths_with(user, perm))


def memberships(user: Viewer, perm: str = Perm.MEMBER_VIEW) -> QuerySet[Membership]:
    """Memberships on units where ``user`` may do ``perm``."""
    if _operator_may(user, perm):
        return Membership.objects.all()
    return Membership.objects.filter(unit__in=units(user, perm))


def can_manage_jurisdiction(user: Viewer, jurisdiction: Any) -> bool:
    """Its calendar and deadline defaults: operators, and administrators of a country (a unit
    at the top of the tree) under that jurisdiction."""
    if is_operator(user):
        return True
    top = [g.unit_id for g in grants(user) if Perm.UNIT_MANAGE in ROLE_PERMS.get(g.role, ())]
    return OrgUnit.objects.filter(pk__in=top, depth=0, jurisdiction=jurisdiction).exists()


def roles_on(user: Viewer, unit: OrgUnit) -> set[str]:
    """Roles the user holds on ``unit`` or any unit above it."""
    return {g.role for g in grants(user) if unit.path.startswith(g.path)}


def time_zone(user: Viewer) -> str | None:
    """The time zone of the user's first unit's jurisdiction: where their schools are."""
    found = grants(user)
    return found[0].time_zone if found else None


LITERAL_UNITS = 5000


def unit_ids(user: Viewer, perm: str) -> Any:
    """The units of ``units(user, perm)`` as a list of ids when there are few (a school, a
    county), else as a subquery. With the ids spelled out both SQLite and PostgreSQL plan a
    school's case inbox from the (school, closed, opened) index instead of scanning cases."""
    ids = list(units(user, perm).values_list("pk", flat=True)[: LITERAL_UNITS + 1])
    return ids if len(ids) <= LITERAL_UNITS else units(user, perm).values("pk")


def member_school_ids(user: Viewer) -> list[int]:
    """Schools the user belongs to: a role on the school, on one of its classes or above it
    (partner agencies excluded: they see only what is referred to them)."""
    own = [g for g in grants(user) if g.role != Role.AGENCY]
    if not own:
        return []
    step = PATH_SEGMENT
    ancestors = {g.path[:end] for g in own for end in range(step, len(g.path) + 1, step)}
    schools = OrgUnit.objects.filter(kind=OrgUnit.Kind.SCHOOL)
    return list(
        schools.filter(
            Q(path__in=ancestors) | subtree_condition([g.path for g in own])
        ).values_list("pk", flat=True)[: LITERAL_UNITS + 1]
    )


# --- Registration point --------------------------------------------------------------------
# Apps above orgs declare their row rules in their own ``access.py``. A lower layer that must
# ask one (the report page lists the report's cases) asks here by name; the app registers it
# from its ``AppConfig.ready``. An unknown name refuses (AccessDenied) rather than guess.

RULES: dict[str, Callable[..., Any]] = {}


def rule_register(name: str, rule: Callable[..., Any]) -> None:
    RULES[name] = rule


def rule(name: str) -> Callable[..., Any]:
    """The rule an app registered as ``name`` (e.g. ``"cases.visible"``)."""
    try:
        return RULES[name]
    except KeyError:
        raise AccessDenied() from None
