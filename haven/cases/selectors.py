"""Reads of cases, always through the access module's need-to-know rules."""

from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from haven.cases import access as case_access
from haven.cases.models import Case, CaseTimer, Referral
from haven.intake import selectors as intake_selectors
from haven.intake.models import Report, ReportMessage
from haven.lib.errors import NotFound
from haven.orgs.types import Viewer


def case_list(*, user: Viewer, open_only: bool = False) -> QuerySet[Case]:
    cases = case_access.cases_visible(user).select_related("school")
    if open_only:
        cases = cases.filter(closed_at__isnull=True)
    return cases.order_by("closed_at", "-opened_at")


def case_get(*, user: Viewer, pk: int) -> Case:
    case = (
        case_access.cases_visible(user)
        .select_related("school__jurisdiction", "opened_by")
        .filter(pk=pk)
        .first()
    )
    if case is None:
        raise NotFound()
    return case


def overdue_timers(*, user: Viewer) -> QuerySet[CaseTimer]:
    """Running deadlines already missed, in the cases the user may see."""
    return (
        CaseTimer.objects.filter(stopped_at__isnull=True, due_at__lt=timezone.now())
        .filter(case_access.case_condition(user, "case__"))
        .select_related("case__school")
        .order_by("due_at")
    )


def referral_list(*, user: Viewer) -> QuerySet[Referral]:
    """What was referred to the user's agency: only the referral, never the whole case."""
    return (
        case_access.referrals_for_agency(user).select_related("case__school").order_by("-sent_at")
    )


def referral_get(*, user: Viewer, pk: int) -> Referral:
    referral = referral_list(user=user).filter(pk=pk).first()
    if referral is None:
        raise NotFound()
    return referral


def case_timeline(*, case: Case) -> list[Any]:
    return list(case.events.select_related("actor"))


def case_deadlines(
    *, case: Case, procedure: Any, timers: list[CaseTimer] | None = None
) -> list[dict[str, Any]]:
    """The case's deadlines with their names: a step's, or a notification's ("Notify: ...").
    Running ones first, soonest due first; then those met. ``notifications`` lists the codes
    of the notifications whose recording (with proof) meets the deadline: a notification's
    own, or those a step's timer waits for (Romania's "parents informed" is met by notifying
    either side's parents). ``case`` was read through ``case_get``, so the caller may see it.
    """
    from haven.procedures import engine

    notices = {n.code: n for n in procedure.notifications}
    rows = []
    for timer in case.timers.all() if timers is None else timers:
        spec = engine.timer(procedure, timer.code)
        notifications = [
            code
            for event in (spec.stops if spec else ())
            if event.startswith("notification:")
            and (code := event.removeprefix("notification:")) in notices
        ]
        rows.append(
            {
                "timer": timer,
                "code": timer.code,
                "name": spec.name if spec else timer.code,
                "kind": "notification" if spec and spec.notification else "step",
                "notification": spec.notification if spec and spec.notification else None,
                "notifications": notifications,
                "recipients": [notices[code].name for code in notifications],
                "due_at": timer.due_at,
                "remind_at": timer.remind_at,
                "stopped_at": timer.stopped_at,
                "escalated_at": timer.escalated_at,
                "overdue": timer.overdue,
                # Where the deadline comes from, so that whoever runs the case can check it.
                "source": spec.source if spec else "",
                "default": bool(spec and spec.default),
            }
        )
    return sorted(rows, key=lambda row: (row["stopped_at"] is not None, row["due_at"]))


def pupil_chronology(*, user: Viewer, pupil: Any) -> list[dict[str, Any]]:
    """What happened to and around a pupil, oldest first, from the cases the viewer may see."""
    from haven.cases.models import CaseParty

    parties = (
        CaseParty.objects.filter(pupil=pupil, case__in=case_access.cases_visible(user))
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


@dataclass
class Conversation:
    """One reporter's conversation with the school, as the case team sees it."""

    report: Report
    messages: list[Any]
    unread: bool


def case_reports(*, user: Viewer, case: Case) -> list[Report]:
    """The case's reports and every report merged into them, oldest first: only for whoever
    sees the whole case (a person only kept informed does not read reporters' words)."""
    if not case_access.case_sees_everything(user, case):
        return []
    ids = intake_selectors.report_ids_with_merged(set(case.reports.values_list("pk", flat=True)))
    return list(
        Report.objects.filter(pk__in=ids)
        .select_related("school__jurisdiction", "merged_into")
        .order_by("created_at", "pk")
    )


def case_conversations(*, user: Viewer, case: Case) -> list[Conversation]:
    """Each reporter's messages, report by report (never mixed: each reporter reads only their
    own), with whether the reporter wrote something nobody who answers has read yet."""
    reports = case_reports(user=user, case=case)
    messages: dict[int, list[Any]] = {r.pk: [] for r in reports}
    for message in ReportMessage.objects.filter(report__in=reports).select_related("author"):
        messages[message.report_id].append(message)
    return [Conversation(r, messages[r.pk], r.unread_since is not None) for r in reports]


def case_report_get(*, user: Viewer, case: Case, pk: int) -> Report:
    """One of the case's reports (merged ones included), for answering its reporter."""
    found = next((r for r in case_reports(user=user, case=case) if r.pk == pk), None)
    if found is None:
        raise NotFound()
    return found
