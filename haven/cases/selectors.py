"""Reads of cases, always through the access module's need-to-know rules."""

from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from haven.cases.models import Case, CaseTimer, Referral
from haven.lib.errors import NotFound
from haven.orgs import access


def case_list(*, user: Any, open_only: bool = False) -> QuerySet[Case]:
    cases = access.cases_visible(user).select_related("school")
    if open_only:
        cases = cases.filter(closed_at__isnull=True)
    return cases.order_by("closed_at", "-opened_at")


def case_get(*, user: Any, pk: int) -> Case:
    case = (
        access.cases_visible(user)
        .select_related("school__jurisdiction", "opened_by")
        .filter(pk=pk)
        .first()
    )
    if case is None:
        raise NotFound()
    return case


def overdue_timers(*, user: Any) -> QuerySet[CaseTimer]:
    """Running deadlines already missed, in the cases the user may see."""
    return (
        CaseTimer.objects.filter(stopped_at__isnull=True, due_at__lt=timezone.now())
        .filter(access.case_condition(user, "case__"))
        .select_related("case__school")
        .order_by("due_at")
    )


def referral_list(*, user: Any) -> QuerySet[Referral]:
    """What was referred to the user's agency: only the referral, never the whole case."""
    return access.referrals_for_agency(user).select_related("case__school").order_by("-sent_at")


def referral_get(*, user: Any, pk: int) -> Referral:
    referral = referral_list(user=user).filter(pk=pk).first()
    if referral is None:
        raise NotFound()
    return referral


def case_timeline(*, case: Case) -> list[Any]:
    return list(case.events.select_related("actor"))


def pupil_chronology(*, user: Any, pupil: Any) -> list[dict[str, Any]]:
    """What happened to and around a pupil, oldest first, from the cases the viewer may see."""
    from haven.cases.models import CaseParty

    parties = (
        CaseParty.objects.filter(pupil=pupil, case__in=access.cases_visible(user))
        .select_related("case")
        .order_by("case__opened_at")
    )
    entries: list[dict[str, Any]] = []
    for party in parties:
        case = party.case
        entries.append({"at": case.opened_at, "case": case, "role": party.get_role_display()})
        for appeal in case.appeals.all():
            entries.append({"at": appeal.filed_at, "case": case, "appeal": appeal})
    return sorted(entries, key=lambda entry: entry["at"])
