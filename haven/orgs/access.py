"""Every access decision in Haven goes through this module.

A user's reach is the union of the subtrees of the units they hold a role on; what they may
do there depends on the role. Selectors and services ask here; views never filter by hand.
Platform operators (``is_superuser``) reach everything.
"""

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


class Perm:
    """Actions a role may take inside its subtree. Later modules add theirs here."""

    UNIT_VIEW = "unit.view"
    UNIT_MANAGE = "unit.manage"
    MEMBER_VIEW = "member.view"
    MEMBER_MANAGE = "member.manage"
    AUDIT_VIEW = "audit.view"
    REPORT_CREATE = "report.create"  # record a report that came by phone, letter, in person
    REPORT_VIEW = "report.view"  # read reports (inspectors above: read-only)
    REPORT_TRIAGE = "report.triage"  # act on reports: urgency, messages, merge, dismiss
    POSTER_MAKE = "poster.make"
    CASE_MANAGE = "case.manage"  # open cases, choose the team, see every case of the school
    CASE_ESCALATED = "case.escalated"  # see cases escalated to the level above
    REFERRAL_ANSWER = "referral.answer"  # a partner agency answers what is referred to it
    PUPIL_VIEW = "pupil.view"  # the class rosters and each pupil's chronology
    PUPIL_MANAGE = "pupil.manage"  # add pupils by hand or by import
    # surveys (issue 5)
    SURVEY_MANAGE = "survey.manage"  # open campaigns, make code slips, follow progress
    SURVEY_RESULTS = "survey.results"  # the school's and its classes' results
    SURVEY_ROLLUP = "survey.rollup"  # results of the schools below, summed (level above)
    # prevention: plan, trainings, pledges, meetings, channels (issue 6)
    PREVENTION_VIEW = "prevention.view"  # the school's plan, trainings, meetings, channels
    PREVENTION_REVIEW = "prevention.review"  # compliance figures and who has signed
    PREVENTION_MANAGE = "prevention.manage"  # the school's plan and registers
    PREVENTION_OWN_UNIT = "prevention.own_unit"  # a district's or county's own plan, trainings
    PLEDGE_SIGN = "pledge.sign"  # a staff member signs the yearly pledge
    # prevention: pupils of concern, screening rounds, committee meetings (issue 6)
    CONCERN_VIEW = "concern.view"  # every pupil of concern of the school: register, follow up
    CARE_MANAGE = "care.manage"  # screening rounds and committee meetings of the school
    CARE_FIGURES = "care.figures"  # counts per school: no pupil's name, no entry


# Least privilege: a partner agency sees only what is referred to it (cases issue), not the
# schools below its unit; an inspector sees units but, later, only aggregates and escalations.
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
            Perm.CASE_MANAGE,
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
            Perm.CASE_MANAGE,
            Perm.PUPIL_VIEW,
            Perm.PUPIL_MANAGE,
        }
    ),
    Role.INSPECTOR: frozenset({Perm.UNIT_VIEW, Perm.REPORT_VIEW, Perm.CASE_ESCALATED}),
    Role.AGENCY: frozenset({Perm.REFERRAL_ANSWER}),
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


# --- surveys (issue 5) ---
grant(
    {
        Role.COORDINATOR: {Perm.SURVEY_MANAGE, Perm.SURVEY_RESULTS},
        Role.PRINCIPAL: {Perm.SURVEY_MANAGE, Perm.SURVEY_RESULTS},
        Role.PSYCHOLOGIST: {Perm.SURVEY_RESULTS},
        Role.INSPECTOR: {Perm.SURVEY_ROLLUP},
    }
)

# --- prevention: plan, trainings, pledges, meetings, channels (issue 6) ---
grant(
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

# --- prevention: pupils of concern, screening rounds, committee meetings (issue 6) ---
# The register of pupils of concern is need-to-know: the school's coordinator, principal and
# psychologist, plus each entry's assigned adults (see concern_condition). The level above
# (inspectors, administrators) gets counts only.
grant(
    {
        Role.COORDINATOR: {Perm.CONCERN_VIEW, Perm.CARE_MANAGE, Perm.CARE_FIGURES},
        Role.PRINCIPAL: {Perm.CONCERN_VIEW, Perm.CARE_MANAGE, Perm.CARE_FIGURES},
        Role.PSYCHOLOGIST: {Perm.CONCERN_VIEW, Perm.CARE_FIGURES},
        Role.INSPECTOR: {Perm.CARE_FIGURES},
        Role.ADMIN: {Perm.CARE_FIGURES},
    }
)


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


def roles_with(perm: str) -> list[str]:
    return [role for role, perms in ROLE_PERMS.items() if perm in perms]


@dataclass(frozen=True)
class Grant:
    role: str
    path: str
    unit_id: int
    time_zone: str


def grants(user: Any) -> list[Grant]:
    """The user's memberships as (role, path), read once per user object."""
    if not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", False):
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


def forget(user: Any) -> None:
    """Drop the cached grants (after memberships change)."""
    if hasattr(user, "_haven_grants"):
        del user._haven_grants  # type: ignore[attr-defined]


def is_operator(user: Any) -> bool:
    return bool(
        getattr(user, "is_authenticated", False)
        and getattr(user, "is_active", False)
        and getattr(user, "is_superuser", False)
    )


def paths_with(user: Any, perm: str) -> list[str]:
    return [g.path for g in grants(user) if perm in ROLE_PERMS.get(g.role, frozenset())]


def _operator_may(user: Any, perm: str) -> bool:
    return perm in OPERATOR_PERMS and is_operator(user)


def has_anywhere(user: Any, perm: str) -> bool:
    return _operator_may(user, perm) or bool(paths_with(user, perm))


def can(user: Any, perm: str, unit: OrgUnit) -> bool:
    """May ``user`` do ``perm`` on ``unit``? True when a granting role sits on it or above."""
    if _operator_may(user, perm):
        return True
    return any(unit.path.startswith(path) for path in paths_with(user, perm))


def require(user: Any, perm: str, unit: OrgUnit) -> None:
    if not can(user, perm, unit):
        raise AccessDenied()


def units(user: Any, perm: str = Perm.UNIT_VIEW) -> OrgUnitQuerySet:
    """All units where ``user`` may do ``perm``: one indexed query."""
    if _operator_may(user, perm):
        return OrgUnit.objects.all()
    return OrgUnit.objects.subtree_of(*paths_with(user, perm))


def memberships(user: Any, perm: str = Perm.MEMBER_VIEW) -> QuerySet[Membership]:
    """Memberships on units where ``user`` may do ``perm``."""
    if _operator_may(user, perm):
        return Membership.objects.all()
    return Membership.objects.filter(unit__in=units(user, perm))


def can_manage_jurisdiction(user: Any, jurisdiction: Any) -> bool:
    """Its calendar and deadline defaults: operators, and administrators of a country (a unit
    at the top of the tree) under that jurisdiction."""
    if is_operator(user):
        return True
    top = [g.unit_id for g in grants(user) if Perm.UNIT_MANAGE in ROLE_PERMS.get(g.role, ())]
    return OrgUnit.objects.filter(pk__in=top, depth=0, jurisdiction=jurisdiction).exists()


def roles_on(user: Any, unit: OrgUnit) -> set[str]:
    """Roles the user holds on ``unit`` or any unit above it."""
    return {g.role for g in grants(user) if unit.path.startswith(g.path)}


def time_zone(user: Any) -> str | None:
    """The time zone of the user's first unit's jurisdiction: where their schools are."""
    found = grants(user)
    return found[0].time_zone if found else None


# Cases: need-to-know on top of the tree. Everything about who reads a case is decided here.


def case_condition(user: Any, prefix: str = "") -> Q:
    """Which cases the user may read, as a condition on ``<prefix>`` case fields (so lists of
    timers or referrals can join it): every case of the schools they manage cases for, the
    cases whose team they are on, and, for inspectors, the cases escalated or appealed to them.
    """
    from haven.cases.models import Appeal, CaseMember

    if not getattr(user, "is_authenticated", False):
        return Q(pk__in=[])
    school = f"{prefix}school__in"
    # A person's own case teams are few: spelled out too, so the OR stays index-friendly.
    team = CaseMember.objects.filter(user=user)
    team_cases = list(team.values_list("case_id", flat=True)[: LITERAL_UNITS + 1])
    condition = Q(**{school: unit_ids(user, Perm.CASE_MANAGE)}) | Q(
        **{
            f"{prefix}pk__in": team_cases
            if len(team_cases) <= LITERAL_UNITS
            else team.values("case_id")
        }
    )
    if paths_with(user, Perm.CASE_ESCALATED):
        # The schools repeated in each branch, so that each branch has its own index (the
        # escalated cases' partial index; appeals by case): SQLite then reads only escalated
        # and appealed cases, not every case of the inspector's schools.
        inspected = Q(**{school: unit_ids(user, Perm.CASE_ESCALATED)})
        condition |= (inspected & Q(**{f"{prefix}escalated_at__isnull": False})) | (
            inspected & Q(**{f"{prefix}pk__in": Appeal.objects.values("case_id")})
        )
    return condition


LITERAL_UNITS = 5000


def unit_ids(user: Any, perm: str) -> Any:
    """The units of ``units(user, perm)`` as a list of ids when there are few (a school, a
    county), else as a subquery. With the ids spelled out both SQLite and PostgreSQL plan a
    school's case inbox from the (school, closed, opened) index instead of scanning cases."""
    ids = list(units(user, perm).values_list("pk", flat=True)[: LITERAL_UNITS + 1])
    return ids if len(ids) <= LITERAL_UNITS else units(user, perm).values("pk")


def cases_visible(user: Any) -> QuerySet[Any]:
    from haven.cases.models import Case

    return Case.objects.filter(case_condition(user))


def case_sees_everything(user: Any, case: Any) -> bool:
    """False for someone only "kept informed" (a class teacher, say): they see the case's
    step and their own measures, not the narrative, parties, notes or files."""
    from haven.cases.models import TeamRole

    own = case.team.filter(user=user).values_list("role", flat=True).first()
    if own in (TeamRole.LEAD, TeamRole.MEMBER) or can(user, Perm.CASE_MANAGE, case.school):
        return True
    inspected = paths_with(user, Perm.CASE_ESCALATED)
    raised = case.escalated_at is not None or case.appeals.exists()
    return raised and any(case.school.path.startswith(p) for p in inspected)


def can_manage_case(user: Any, case: Any) -> bool:
    """Change the case: its school's coordinators and principal, and its lead."""
    if can(user, Perm.CASE_MANAGE, case.school):
        return True
    return case.team.filter(user=user, role="lead").exists()


def case_roles(user: Any, case: Any) -> set[str]:
    """The Haven roles the user acts in on this case (for the procedure's transitions)."""
    if not cases_visible(user).filter(pk=case.pk).exists():
        return set()
    return roles_on(user, case.school)


def referrals_for_agency(user: Any) -> QuerySet[Any]:
    from haven.cases.models import Referral

    return Referral.objects.filter(agency__in=units(user, Perm.REFERRAL_ANSWER))


def notes_visible(user: Any, case: Any) -> QuerySet[Any]:
    """Restricted notes are their author's and the principal's."""
    principal = Role.PRINCIPAL in roles_on(user, case.school)
    notes = case.notes.all()
    if principal:
        return notes
    return notes.filter(Q(restricted=False) | Q(author=user))


# Surveys (issue 5): a school's results are for the staff of that school only; the levels
# above see sums over their schools, never a class.


def survey_school_staff(user: Any, school: OrgUnit, perm: str = Perm.SURVEY_RESULTS) -> bool:
    """Does the user hold ``perm`` through a role on this school itself (or one of its
    classes)? A role higher up the tree does not count: class results stay in the school."""
    return any(
        g.path.startswith(school.path) and perm in ROLE_PERMS.get(g.role, frozenset())
        for g in grants(user)
    )


def survey_schools(user: Any, perm: str = Perm.SURVEY_RESULTS) -> OrgUnitQuerySet:
    """The schools whose campaigns the user may see as their own staff."""
    paths = [g.path for g in grants(user) if perm in ROLE_PERMS.get(g.role, frozenset())]
    # A role on a class counts for its school.
    found = OrgUnit.objects.filter(path__in=paths, kind__in=["school", "class"])
    ids = {u.pk if u.kind == "school" else u.parent_id for u in found}
    return OrgUnit.objects.filter(pk__in=ids, kind="school")


def survey_rollup_units(user: Any) -> OrgUnitQuerySet:
    """The units (above schools) whose summed results the user may read."""
    return OrgUnit.objects.filter(path__in=paths_with(user, Perm.SURVEY_ROLLUP))


# --- prevention: plan, trainings, pledges, meetings, channels (issue 6) ---


def can_manage_prevention(user: Any, unit: OrgUnit) -> bool:
    """Change ``unit``'s plan, trainings and registers: a school's coordinators and principal;
    for a district or county (not a school, not a class) also its own inspectors."""
    if can(user, Perm.PREVENTION_MANAGE, unit):
        return True
    own_level = unit.kind not in (OrgUnit.Kind.SCHOOL, OrgUnit.Kind.CLASS)
    return own_level and can(user, Perm.PREVENTION_OWN_UNIT, unit)


# Prevention: pupils of concern, screening rounds, committee meetings (issue 6).


def member_school_ids(user: Any) -> list[int]:
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


def concern_condition(user: Any, prefix: str = "") -> Q:
    """Which pupils of concern the user may read: every entry of the schools where they hold
    ``CONCERN_VIEW``, and the entries they are the responsible adult or mentor of, while they
    still belong to the school."""
    if not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", False):
        return Q(pk__in=[])
    condition = Q(**{f"{prefix}school__in": unit_ids(user, Perm.CONCERN_VIEW)})
    mine = member_school_ids(user)
    if mine:
        condition |= Q(**{f"{prefix}school__in": mine}) & (
            Q(**{f"{prefix}responsible": user}) | Q(**{f"{prefix}mentor_user": user})
        )
    return condition


def concerns_visible(user: Any) -> QuerySet[Any]:
    from haven.prevention.models import ConcernEntry

    return ConcernEntry.objects.filter(concern_condition(user))


def can_manage_concern(user: Any, entry: Any) -> bool:
    """Register, reassign, close: the school's coordinator, principal and psychologist."""
    return can(user, Perm.CONCERN_VIEW, entry.school)


def can_follow_up_concern(user: Any, entry: Any) -> bool:
    """Add to the follow-up log: whoever may read the entry."""
    return concerns_visible(user).filter(pk=entry.pk).exists()


def screening_condition(user: Any, prefix: str = "") -> Q:
    """Screening rounds the user may see: the schools they run or oversee, and the rounds
    where they answer for a class."""
    if not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", False):
        return Q(pk__in=[])
    from haven.prevention.models import ScreeningAnswer

    school = f"{prefix}school__in"
    condition = Q(**{school: unit_ids(user, Perm.CARE_MANAGE)}) | Q(
        **{school: unit_ids(user, Perm.CARE_FIGURES)}
    )
    mine = member_school_ids(user)
    if mine:
        answering = ScreeningAnswer.objects.filter(responsible=user).values("round_id")
        condition |= Q(**{school: mine}) & Q(**{f"{prefix}pk__in": answering})
    return condition


def screening_details_visible(user: Any, round_: Any) -> bool:
    """What was found, class by class: the school's people, never the level above."""
    school = round_.school
    return can(user, Perm.CARE_MANAGE, school) or can(user, Perm.CONCERN_VIEW, school)


def can_answer_screening(user: Any, answer: Any) -> bool:
    """A class's findings: its responsible teacher, the coordinator and the principal."""
    school = answer.round.school
    if can(user, Perm.CARE_MANAGE, school):
        return True
    return answer.responsible_id == user.pk and school.pk in member_school_ids(user)


def meeting_condition(user: Any, prefix: str = "") -> Q:
    """Committee meetings: the schools' coordinators, principals and psychologists, and the
    members who were present."""
    if not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", False):
        return Q(pk__in=[])
    condition = Q(**{f"{prefix}school__in": unit_ids(user, Perm.CARE_MANAGE)}) | Q(
        **{f"{prefix}school__in": unit_ids(user, Perm.CONCERN_VIEW)}
    )
    mine = member_school_ids(user)
    if mine:
        from haven.prevention.models import CommitteeMeeting

        present = CommitteeMeeting.members.through.objects.filter(user=user)
        condition |= Q(**{f"{prefix}school__in": mine}) & Q(
            **{f"{prefix}pk__in": present.values("committeemeeting_id")}
        )
    return condition
