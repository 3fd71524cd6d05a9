"""Who is told: the people holding a role on a unit, or the nearest unit above that has some.

Internal to notifications (it takes no acting user, so it is not a selector): what a message
says is only a link to a page that checks access itself.
"""

import datetime as dt
import zoneinfo
from collections.abc import Sequence
from dataclasses import dataclass

from django.utils import timezone

from haven.orgs.models import SCHOOL_RESPONDER_ROLES, Membership, OnCall, OrgUnit, Role, User

# Who answers for a school when its rota names nobody for the moment; above it, inspectors.
SCHOOL_RESPONDERS = SCHOOL_RESPONDER_ROLES
ABOVE_RESPONDERS = (Role.INSPECTOR,)


def recipients(
    unit: OrgUnit,
    *,
    roles: Sequence[str],
    fallback_up: bool = True,
    exclude_unit: bool = False,
) -> list[User]:
    """Active people holding ``roles[0]`` on ``unit``; if nobody does, on the nearest unit above
    with somebody in that role (``fallback_up``); if nobody anywhere, the same for ``roles[1]``,
    and so on. ``exclude_unit`` starts one level up (escalations go above the school, never to
    its own people). Nearest first rather than every level at once, so a ministry is not told
    about each school's report. One query; sorted by e-mail address.
    """
    paths = unit.ancestor_paths()  # root first
    if exclude_unit:
        paths = paths[:-1]
    if not fallback_up:
        paths = paths[-1:]
    if not paths or not roles:
        return []
    members = Membership.objects.filter(
        unit__path__in=paths, role__in=roles, user__is_active=True
    ).select_related("user", "unit")
    found: dict[tuple[str, str], dict[int, User]] = {}
    for membership in members:
        found.setdefault((membership.role, membership.unit.path), {})[membership.user_id] = (
            membership.user
        )
    for role in roles:
        for path in reversed(paths):  # nearest first
            users = found.get((role, path))
            if users:
                return sorted(users.values(), key=lambda user: user.email)
    return []


@dataclass(frozen=True)
class Responders:
    """The people who answer for ``unit`` at some moment."""

    unit: OrgUnit
    users: list[User]


def responder_levels(unit: OrgUnit, *, now: dt.datetime | None = None) -> list[Responders]:
    """Who responds for ``unit`` now, level by level, nearest first: on each unit from
    ``unit`` up to the root, the people its on-call rota names for this moment; where none is
    set or none covers now, a school's coordinators and principal, a unit above a school's
    inspectors. Units with nobody are left out, so a school without responders starts at the
    level above. The one answer to "who responds" for every urgent send and escalation.
    Two queries whatever the depth."""
    local = (now or timezone.now()).astimezone(zoneinfo.ZoneInfo(unit.jurisdiction.time_zone))
    paths = unit.ancestor_paths()
    by_path: dict[str, tuple[OrgUnit, dict[int, User]]] = {}
    for duty in OnCall.objects.filter(unit__path__in=paths, user__is_active=True).select_related(
        "user", "unit"
    ):
        if duty.covers(local):
            by_path.setdefault(duty.unit.path, (duty.unit, {}))[1][duty.user_id] = duty.user
    members = Membership.objects.filter(
        unit__path__in=[path for path in paths if path not in by_path],
        role__in=[*SCHOOL_RESPONDERS, *ABOVE_RESPONDERS],
        user__is_active=True,
    ).select_related("user", "unit")
    for membership in members:
        school = membership.unit.kind in (OrgUnit.Kind.SCHOOL, OrgUnit.Kind.CLASS)
        if membership.role in (SCHOOL_RESPONDERS if school else ABOVE_RESPONDERS):
            by_path.setdefault(membership.unit.path, (membership.unit, {}))[1][
                membership.user_id
            ] = membership.user
    return [
        Responders(unit=found, users=sorted(users.values(), key=lambda user: user.email))
        for found, users in (by_path[path] for path in reversed(paths) if path in by_path)
    ]


def responders(
    unit: OrgUnit, *, level: int = 0, now: dt.datetime | None = None
) -> Responders | None:
    """The ``level``-th of ``responder_levels`` (0: the nearest that has somebody), or None
    when the tree has no more levels with somebody."""
    levels = responder_levels(unit, now=now)
    return levels[level] if level < len(levels) else None
