"""Who sees survey campaigns and results: a school's results are for the staff of that school
only; the levels above see sums over their schools, never a class."""

from haven.orgs import access
from haven.orgs.access import ROLE_PERMS, grants, paths_with
from haven.orgs.models import OrgUnit, OrgUnitQuerySet, Role
from haven.orgs.types import Viewer


class Perm(access.Perm):
    SURVEY_MANAGE = "survey.manage"  # open campaigns, make code slips, follow progress
    SURVEY_RESULTS = "survey.results"  # the school's and its classes' results
    SURVEY_ROLLUP = "survey.rollup"  # results of the schools below, summed (level above)


access.grant(
    {
        Role.COORDINATOR: {Perm.SURVEY_MANAGE, Perm.SURVEY_RESULTS},
        Role.PRINCIPAL: {Perm.SURVEY_MANAGE, Perm.SURVEY_RESULTS},
        Role.PSYCHOLOGIST: {Perm.SURVEY_RESULTS},
        Role.INSPECTOR: {Perm.SURVEY_ROLLUP},
        # The ministry (a country's administrators) reads the summed results of its schools,
        # like an inspector: figures with small counts hidden, never a class or an answer.
        Role.ADMIN: {Perm.SURVEY_ROLLUP},
    }
)


def survey_school_staff(user: Viewer, school: OrgUnit, perm: str = Perm.SURVEY_RESULTS) -> bool:
    """Does the user hold ``perm`` through a role on this school itself (or one of its
    classes)? A role higher up the tree does not count: class results stay in the school."""
    return any(
        g.path.startswith(school.path) and perm in ROLE_PERMS.get(g.role, frozenset())
        for g in grants(user)
    )


def survey_schools(user: Viewer, perm: str = Perm.SURVEY_RESULTS) -> OrgUnitQuerySet:
    """The schools whose campaigns the user may see as their own staff."""
    paths = paths_with(user, perm)
    # A role on a class counts for its school.
    found = OrgUnit.objects.filter(path__in=paths, kind__in=["school", "class"])
    ids = {u.pk if u.kind == "school" else u.parent_id for u in found}
    return OrgUnit.objects.filter(pk__in=ids, kind="school")


def may_read_unit_results(user: Viewer, unit: OrgUnit) -> bool:
    """A unit's whole-year results: any unit above the class for the levels above (sums,
    small counts hidden), and the school's own results staff for their school."""
    if unit.kind == OrgUnit.Kind.CLASS:
        return False
    if access.can(user, Perm.SURVEY_ROLLUP, unit):
        return True
    return unit.kind == OrgUnit.Kind.SCHOOL and survey_school_staff(user, unit)


def survey_rollup_units(user: Viewer) -> OrgUnitQuerySet:
    """The units (above schools) whose summed results the user may read."""
    return OrgUnit.objects.filter(path__in=paths_with(user, Perm.SURVEY_ROLLUP))
