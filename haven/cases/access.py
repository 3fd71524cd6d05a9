"""Who reads and changes a case: need-to-know on top of the organisation tree.

Every page, API route, case file (PDF) and list of cases asks these rules; nothing else
decides who sees a case.
"""

import operator
from functools import cache, reduce
from typing import Any

from django.db.models import Q, QuerySet

from haven.cases.models import (
    Appeal,
    Case,
    CaseMember,
    CaseNote,
    CaseNotification,
    Referral,
    TeamRole,
)
from haven.orgs import access
from haven.orgs.access import LITERAL_UNITS, can, paths_with, roles_on, unit_ids, units
from haven.orgs.models import OrgUnit, Role
from haven.orgs.types import Viewer, signed_in
from haven.procedures import loader


class Perm(access.Perm):
    CASE_MANAGE = "case.manage"  # open cases, choose the team, see every case of the school
    CASE_ESCALATED = "case.escalated"  # see cases escalated to the level above
    REFERRAL_ANSWER = "referral.answer"  # a partner agency answers what is referred to it


access.grant(
    {
        Role.COORDINATOR: {Perm.CASE_MANAGE},
        Role.PRINCIPAL: {Perm.CASE_MANAGE},
        Role.INSPECTOR: {Perm.CASE_ESCALATED},
        Role.AGENCY: {Perm.REFERRAL_ANSWER},
    }
)
# These open cases or registers: their holders sign in with a second factor.
access.content_perms(Perm.CASE_MANAGE, Perm.CASE_ESCALATED, Perm.REFERRAL_ANSWER)


def case_condition(user: Viewer, prefix: str = "") -> Q:
    """Which cases the user may read, as a condition on ``<prefix>`` case fields (so lists of
    timers or referrals can join it): every case of the schools they manage cases for, the
    cases whose team they are on, and, for inspectors, the cases raised to them (escalated,
    appealed or notified: ``raised_condition``).
    """
    if not signed_in(user):
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
    raised = raised_condition(user, prefix)
    if raised is not None:
        condition |= raised
    return condition


@cache
def _to_inspector() -> Q | None:
    """Recorded notifications that the procedure addresses to the inspectorate (``to:
    inspector``), per procedure: who a notification goes to does not change between versions
    of a procedure, so the current file says it for every case under that code."""
    condition = None
    for code, procedure in loader.load_all().items():
        codes = [n.code for n in procedure.notifications if n.to == Role.INSPECTOR]
        if codes:
            branch = Q(case__procedure_code=code, code__in=codes)
            condition = branch if condition is None else condition | branch
    return condition


def _raised(prefix: str = "") -> list[Q]:
    """Cases raised above the school, one condition per way: escalated by the procedure's
    clock, appealed, or notified to the inspectorate as the procedure requires."""
    branches = [
        Q(**{f"{prefix}escalated_at__isnull": False}),
        Q(**{f"{prefix}pk__in": Appeal.objects.values("case_id")}),
    ]
    notified = _to_inspector()
    if notified is not None:
        told = CaseNotification.objects.filter(notified).values("case_id")
        branches.append(Q(**{f"{prefix}pk__in": told}))
    return branches


def raised_condition(user: Viewer, prefix: str = "") -> Q | None:
    """Need-to-know above the school: the cases raised to the user's level (escalated,
    appealed or notified to it, see ``_raised``) in the schools below their inspector role;
    None for someone who inspects nothing. The one rule for the single cases, and the reports
    behind them, that an inspector may open: never every case or report of a county."""
    if not paths_with(user, Perm.CASE_ESCALATED):
        return None
    school = f"{prefix}school__in"
    # The schools repeated in each branch, so that each branch has its own index (the
    # escalated cases' partial index; appeals by case): SQLite then reads only escalated
    # and appealed cases, not every case of the inspector's schools.
    inspected = Q(**{school: unit_ids(user, Perm.CASE_ESCALATED)})
    return reduce(operator.or_, (inspected & branch for branch in _raised(prefix)))


def cases_raised(user: Viewer) -> QuerySet[Case] | None:
    """The cases raised to the user's level (see ``raised_condition``), or None."""
    raised = raised_condition(user)
    return None if raised is None else Case.objects.filter(raised)


def cases_visible(user: Viewer) -> QuerySet[Case]:
    return Case.objects.filter(case_condition(user))


def case_sees_everything(user: Viewer, case: Case) -> bool:
    """False for someone only "kept informed" (a class teacher, say): they see the case's
    step and their own measures, not the narrative, parties, notes or files."""
    own = (
        case.team.filter(user=user).values_list("role", flat=True).first()
        if signed_in(user)
        else None
    )
    if own in (TeamRole.LEAD, TeamRole.MEMBER) or can(user, Perm.CASE_MANAGE, case.school):
        return True
    inspected = paths_with(user, Perm.CASE_ESCALATED)
    if not any(case.school.path.startswith(p) for p in inspected):
        return False
    return Case.objects.filter(reduce(operator.or_, _raised()), pk=case.pk).exists()


def can_manage_case(user: Viewer, case: Case) -> bool:
    """Change the case: its school's coordinators and principal, and its lead."""
    if can(user, Perm.CASE_MANAGE, case.school):
        return True
    return signed_in(user) and case.team.filter(user=user, role="lead").exists()


def case_roles(user: Viewer, case: Case) -> set[str]:
    """The Haven roles the user acts in on this case (for the procedure's transitions)."""
    if not cases_visible(user).filter(pk=case.pk).exists():
        return set()
    return roles_on(user, case.school)


def referrals_for_agency(user: Viewer) -> QuerySet[Referral]:
    return Referral.objects.filter(agency__in=units(user, Perm.REFERRAL_ANSWER))


def notes_visible(user: Viewer, case: Case) -> QuerySet[CaseNote]:
    """Restricted notes are their author's and the principal's."""
    principal = Role.PRINCIPAL in roles_on(user, case.school)
    notes = case.notes.all()
    if principal:
        return notes
    return notes.filter(Q(restricted=False) | Q(author=user))


def may_open_case(user: Viewer, school: OrgUnit) -> bool:
    """Open a case at ``school`` (from a report, or by hand)."""
    return can(user, Perm.CASE_MANAGE, school)


def report_cases(report: Any) -> QuerySet[Case]:
    """The cases a report is handled in: its own, or those of the report it was merged into
    (along the chain), latest first."""
    ids, current = [report.pk], report
    while current.merged_into_id is not None and len(ids) < MERGE_CHAIN_MAX:
        current = current.merged_into
        ids.append(current.pk)
    return Case.objects.filter(reports__in=ids).distinct().order_by("-opened_at", "-pk")


# Merges refuse a target that was itself merged, so chains stay short; this only bounds a loop.
MERGE_CHAIN_MAX = 20


def may_answer_report(user: Viewer, report: Any) -> bool:
    """Whoever may manage a case the report is handled in may answer its reporter."""
    return signed_in(user) and any(can_manage_case(user, c) for c in report_cases(report))


def report_alert(report: Any) -> tuple[list[Any], tuple[str, list[int]]] | None:
    """Who hears that the reporter wrote, with the page to open: the lead of the latest case
    the report is handled in; None when there is no case (or it has no lead)."""
    case = report_cases(report).first()
    if case is None:
        return None
    leads = [m.user for m in case.team.filter(role=TeamRole.LEAD).select_related("user")]
    return (leads, ("cases:case_detail", [case.pk])) if leads else None


def register() -> None:
    """Rules the report page and services (intake, a layer below) ask by name."""
    access.rule_register("cases.visible", cases_visible)
    access.rule_register("cases.raised", cases_raised)
    access.rule_register("cases.may_open", may_open_case)
    access.rule_register("cases.may_answer_report", may_answer_report)
    access.rule_register("cases.report_alert", report_alert)
