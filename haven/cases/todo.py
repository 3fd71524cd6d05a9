"""The staff home's sections from cases (``haven.orgs.todo``): the cases a person leads,
missed deadlines, referrals waiting for an agency, appeals to decide, measures due. Each
reads through the cases' own access rules."""

import datetime as dt
from typing import Any

from django.db.models import F, Min, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from haven.cases import access as case_access
from haven.cases import selectors
from haven.cases.models import Appeal, Case, CaseMeasure, CaseTimer, Referral, TeamRole
from haven.cases.services import procedure_of
from haven.orgs import access, todo
from haven.orgs.models import OrgUnit, User
from haven.procedures import engine


def _case_url(case_id: int) -> str:
    return reverse("cases:case_detail", args=[case_id])


def led_cases(user: User, now: dt.datetime) -> list[todo.Section]:
    """Open cases the user leads, the one with the nearest running deadline first."""
    rows = (
        case_access.cases_visible(user)
        .filter(closed_at__isnull=True, team__user=user, team__role=TeamRole.LEAD)
        .select_related("school")
        .annotate(next_due=Min("timers__due_at", filter=Q(timers__stopped_at__isnull=True)))
        .order_by(F("next_due").asc(nulls_last=True), "pk")
    )

    def item(case: Any) -> todo.Item:
        due = case.next_due
        return todo.Item(
            title=str(case),
            url=_case_url(case.pk),
            due=due,
            overdue=due is not None and due < now,
            detail=case.school.name,
        )

    more = reverse("cases:case_list")
    return todo.section("cases", _("Cases you lead"), rows, item, order=30, more_url=more)


def missed_deadlines(user: User, now: dt.datetime) -> list[todo.Section]:
    """Running deadlines already missed in the cases the user may read (an inspector's: the
    cases escalated to them)."""

    def item(timer: CaseTimer) -> todo.Item:
        found = engine.timer(procedure_of(timer.case), timer.code)
        return todo.Item(
            title=str(timer.case),
            url=_case_url(timer.case_id),
            due=timer.due_at,
            overdue=True,
            detail=found.name if found else timer.code,
        )

    rows = selectors.overdue_timers(user=user)
    more = reverse("cases:case_list")
    return todo.section("overdue", _("Missed deadlines"), rows, item, order=20, more_url=more)


def referrals_waiting(user: User, now: dt.datetime) -> list[todo.Section]:
    """Referrals sent to the user's agency and not yet accepted or rejected, oldest first."""
    rows = selectors.referral_list(user=user).filter(status=Referral.Status.SENT)

    def item(referral: Referral) -> todo.Item:
        kinds = {r.code: r.name for r in procedure_of(referral.case).referrals}
        return todo.Item(
            title=kinds.get(referral.kind, referral.kind),
            url=reverse("cases:referral_detail", args=[referral.pk]),
            detail=referral.case.school.name,
        )

    return todo.section(
        "referrals",
        _("Referrals waiting for your answer"),
        rows.order_by("sent_at", "pk"),
        item,
        order=40,
        more_url=reverse("cases:case_list"),
    )


def appeals_to_decide(user: User, now: dt.datetime) -> list[todo.Section]:
    """Pending appeals of cases the user may read whose procedure names as reviewer a role
    the user holds on the case's school or above: as a query, the check ``appeal_decide``
    makes on one appeal (the reviewer among ``case_roles``)."""
    pending = Appeal.objects.filter(outcome=Appeal.Outcome.PENDING).filter(
        case_access.case_condition(user, "case__")
    )
    # The few procedures involved (no ordering: Appeal's own would make each row distinct).
    procedures = set(
        pending.order_by().values_list("case__procedure_code", "case__procedure_version").distinct()
    )
    grants = access.grants(user)
    decides = Q(pk__in=[])
    for code, version in procedures:
        rule = procedure_of(Case(procedure_code=code, procedure_version=version)).appeal
        paths = [g.path for g in grants if rule is not None and g.role == rule.reviewer]
        if paths:
            decides |= Q(
                case__procedure_code=code,
                case__procedure_version=version,
                case__school__in=OrgUnit.objects.subtree_of(*paths),
            )
    rows = pending.filter(decides).select_related("case__school").order_by("due_at", "pk")

    def item(appeal: Appeal) -> todo.Item:
        return todo.Item(
            title=str(appeal.case),
            url=_case_url(appeal.case_id),
            due=appeal.due_at,
            overdue=appeal.due_at < now,
            detail=appeal.case.school.name,
        )

    return todo.section("appeals", _("Appeals to decide"), rows, item, order=50)


def measures_due(user: User, now: dt.datetime) -> list[todo.Section]:
    """Measures the user is responsible for, not done, due within a week or overdue, in
    open cases they may open."""
    today = timezone.localdate(now)
    rows = (
        CaseMeasure.objects.filter(
            responsible=user,
            done_at__isnull=True,
            case__closed_at__isnull=True,
            due_on__lte=today + todo.SOON,
        )
        .filter(case_access.case_condition(user, "case__"))
        .select_related("case")
        .order_by("due_on", "pk")
    )

    def item(measure: CaseMeasure) -> todo.Item:
        return todo.Item(
            title=measure.what,
            url=_case_url(measure.case_id),
            due=measure.due_on,
            overdue=measure.due_on < today,
            detail=str(measure.case),
        )

    return todo.section("measures", _("Measures due"), rows, item, order=60)


def register() -> None:
    for provider in (
        led_cases,
        missed_deadlines,
        referrals_waiting,
        appeals_to_decide,
        measures_due,
    ):
        todo.register(provider)
