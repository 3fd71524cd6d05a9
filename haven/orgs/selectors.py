"""Reads of the organisation tree. Every selector takes the acting user."""

from django.db.models import Count, Exists, OuterRef, QuerySet

from haven.lib.errors import NotFound
from haven.orgs import access
from haven.orgs.access import Perm
from haven.orgs.models import SCHOOL_RESPONDER_ROLES, Membership, OrgUnit
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


def _responder_exists() -> Exists:
    return Exists(
        Membership.objects.filter(
            unit=OuterRef("pk"), role__in=SCHOOL_RESPONDER_ROLES, user__is_active=True
        )
    )


def school_has_responders(school: OrgUnit) -> bool:
    """Whether an active coordinator or principal answers for ``school`` (else its reports go
    to the level above). Not access-checked: it says nothing but yes or no."""
    return OrgUnit.objects.filter(pk=school.pk).filter(_responder_exists()).exists()


def schools_without_responders(*, user: Viewer) -> QuerySet[OrgUnit]:
    """Schools in the user's reach as administrator (who can name someone) or as a reader of
    reports above them (an inspector, who receives their reports meanwhile) that have no
    active coordinator or principal. One query."""
    reach = access.units(user, Perm.UNIT_MANAGE) | access.units(user, Perm.REPORT_RAISED)
    return (
        reach.filter(kind=OrgUnit.Kind.SCHOOL)
        .exclude(_responder_exists())
        .select_related("parent")
        .order_by("path")
    )
