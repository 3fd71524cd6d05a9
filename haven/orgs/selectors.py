"""Reads of the organisation tree. Every selector takes the acting user."""

from django.db.models import Count, QuerySet

from haven.lib.errors import NotFound
from haven.orgs import access
from haven.orgs.access import Perm
from haven.orgs.models import Membership, OrgUnit
from haven.orgs.types import Viewer, signed_in


def orgunit_roots_visible(*, user: Viewer) -> QuerySet[OrgUnit]:
    """The top units of the user's reach: units they may see whose parent they may not."""
    visible = access.units(user, Perm.UNIT_VIEW)
    return (
        visible.exclude(parent__in=visible)
        .select_related("jurisdiction")
        .annotate(child_count=Count("children"))
        .order_by("path")
    )


def orgunit_get(*, user: Viewer, pk: int) -> OrgUnit:
    """One unit the user may see; others are reported as not found, not as forbidden."""
    unit = (
        access.units(user, Perm.UNIT_VIEW)
        .select_related("jurisdiction", "parent")
        .filter(pk=pk)
        .first()
    )
    if unit is None:
        raise NotFound()
    return unit


def orgunit_children(*, user: Viewer, unit: OrgUnit) -> QuerySet[OrgUnit]:
    return (
        access.units(user, Perm.UNIT_VIEW)
        .filter(parent=unit)
        .annotate(child_count=Count("children"))
        .order_by("name")
    )


def orgunit_breadcrumbs(*, user: Viewer, unit: OrgUnit) -> list[OrgUnit]:
    """Ancestors of ``unit`` that the user may see, root first."""
    return list(unit.ancestors() & access.units(user, Perm.UNIT_VIEW))


def membership_list(*, user: Viewer, unit: OrgUnit) -> QuerySet[Membership]:
    """People holding a role directly on ``unit``, if the user may see members there."""
    if not access.can(user, Perm.MEMBER_VIEW, unit):
        return Membership.objects.none()
    return Membership.objects.filter(unit=unit).select_related("user").order_by("role")


def membership_own(*, user: Viewer) -> QuerySet[Membership]:
    """The user's own roles, for their home page."""
    if not signed_in(user):
        return Membership.objects.none()
    return (
        Membership.objects.filter(user=user)
        .select_related("unit", "unit__jurisdiction")
        .order_by("unit__path", "role")
    )
