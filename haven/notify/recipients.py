"""Who is told: the people holding a role on a unit, or the nearest unit above that has some.

Internal to notifications (it takes no acting user, so it is not a selector): what a message
says is only a link to a page that checks access itself.
"""

from collections.abc import Sequence

from haven.orgs.models import Membership, OrgUnit, User


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
