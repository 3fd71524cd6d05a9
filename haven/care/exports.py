"""Care registers as tables (written by ``orgs.exports``): the rows the list pages show,
read through the same selectors, so an export never holds an entry its page would hide."""

from collections.abc import Iterable
from typing import Any

from django.utils.text import capfirst
from django.utils.translation import gettext as _

from haven.care.models import (
    CommitteeDecision,
    CommitteeMeeting,
    ConcernEntry,
    ScreeningAnswer,
    ScreeningItem,
    ScreeningRound,
)
from haven.care.reasons import reason_name
from haven.lib.tabular import Sheet
from haven.orgs.exports import headers


def _person(user: Any) -> str:
    return str(user) if user is not None else ""


def concern_sheet(entries: Iterable[ConcernEntry]) -> Sheet:
    rows: list[list[Any]] = [
        [
            _("Number"),
            *headers(ConcernEntry, "pupil"),
            _("Class"),
            *headers(ConcernEntry, "school", "reasons", "responsible", "review_on", "status"),
            *headers(ConcernEntry, "opened_at"),
        ]
    ]
    for entry in entries:
        rows.append(
            [
                entry.pk,
                str(entry.pupil),
                entry.pupil.class_unit.name if entry.pupil.class_unit else "",
                entry.school.name,
                "; ".join(reason_name(code) for code in entry.reasons),
                _person(entry.responsible),
                entry.review_on,
                entry.get_status_display(),
                entry.opened_at,
            ]
        )
    return Sheet(_("Pupils of concern"), rows)


def concern_counts_sheet(counts: Iterable[dict[str, Any]]) -> Sheet:
    """Above the school: counts per school, a small count written as the hiding text."""
    hidden = _("Hidden to protect privacy")
    rows: list[list[Any]] = [[_("School"), _("Open entries"), _("Reviews overdue")]]
    for count in counts:
        rows.append(
            [
                count["school"].name,
                hidden if count["open"] is None else count["open"],
                hidden if count["overdue"] is None else count["overdue"],
            ]
        )
    return Sheet(_("Open entries per school (counts only)"), rows)


def ledger_sheet(round_: ScreeningRound, answers: Iterable[ScreeningAnswer]) -> Sheet:
    """A screening round's ledger: one line per finding, or per class that found nothing or
    has not answered yet."""
    rows: list[list[Any]] = [
        headers(ScreeningAnswer, "class_unit", "responsible", "answered_at", "none_found")
        + headers(ScreeningItem, "description", "measures", "responsible", "due_on", "status")
        + headers(ScreeningItem, "resolution", "closed_at")
    ]
    for answer in answers:
        head = [
            answer.class_unit.name,
            _person(answer.responsible),
            answer.answered_at,
            _("nothing found") if answer.none_found else "",
        ]
        items = list(answer.items.all())
        if not items:
            rows.append(head)
        for item in items:
            rows.append(
                [
                    *head,
                    item.description,
                    item.measures,
                    _person(item.responsible),
                    item.due_on,
                    item.get_status_display(),
                    item.resolution,
                    item.closed_at,
                ]
            )
    return Sheet(round_.name, rows)


def decisions_sheet(meetings: Iterable[CommitteeMeeting]) -> Sheet:
    """Council and committee decisions, one line each (a meeting without one gets a line)."""
    rows: list[list[Any]] = [
        headers(CommitteeMeeting, "held_on", "body", "school")
        + headers(CommitteeDecision, "text", "responsible", "due_on", "done_at")
    ]
    for meeting in meetings:
        head = [meeting.held_on, meeting.get_body_display(), meeting.school.name]
        decisions = list(meeting.decisions.all())
        if not decisions:
            rows.append(head)
        for decision in decisions:
            rows.append(
                [
                    *head,
                    decision.text,
                    _person(decision.responsible),
                    decision.due_on,
                    decision.done_at,
                ]
            )
    return Sheet(str(capfirst(CommitteeDecision._meta.verbose_name_plural)), rows)
