"""The case list as tables (written by ``orgs.exports``): one row per case with its next and
missed deadlines, and a second sheet (XLSX) with every deadline. No narrative, no parties."""

from collections.abc import Sequence
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from haven.cases.models import Case, CaseTimer
from haven.cases.services import procedure_of
from haven.lib.tabular import Sheet
from haven.orgs.exports import headers


def _names(case: Case) -> tuple[str, dict[str, str]]:
    """The case's step name and its deadlines' names, in the reader's language."""
    try:
        procedure = procedure_of(case)
    except Exception:  # a procedure file withdrawn since: the codes still say what it was
        return case.state, {}
    state = next((s.name for s in procedure.states if s.code == case.state), case.state)
    return state, {t.code: t.name for t in procedure.timers}


def case_sheets(cases: Sequence[Case]) -> list[Sheet]:
    now = timezone.now()
    timers: dict[int, list[CaseTimer]] = {}
    for timer in CaseTimer.objects.filter(case__in=[c.pk for c in cases]).order_by("due_at"):
        timers.setdefault(timer.case_id, []).append(timer)
    head = [_("Number"), *headers(Case, "title", "school", "opened_at"), _("Step")]
    head += [*headers(Case, "severity", "escalated_at", "closed_at")]
    head += [_("Next deadline"), _("Due"), _("Missed deadlines")]
    listed: list[list[Any]] = [head]
    deadlines: list[list[Any]] = [
        [
            _("Number"),
            *headers(Case, "title"),
            *headers(CaseTimer, "code", "due_at", "stopped_at"),
            _("overdue"),
        ]
    ]
    for case in cases:
        state, names = _names(case)
        own = timers.get(case.pk, [])
        running = [t for t in own if t.stopped_at is None]
        missed = [t for t in running if t.due_at < now]
        after = running[0] if running else None
        listed.append(
            [
                case.pk,
                case.title,
                case.school.name,
                case.opened_at,
                state,
                case.severity,
                case.escalated_at,
                case.closed_at,
                names.get(after.code, after.code) if after else "",
                after.due_at if after else None,
                len(missed),
            ]
        )
        for timer in own:
            late = (timer.stopped_at or now) > timer.due_at
            deadlines.append(
                [
                    case.pk,
                    case.title,
                    names.get(timer.code, timer.code),
                    timer.due_at,
                    timer.stopped_at,
                    _("overdue") if late else "",
                ]
            )
    return [Sheet(_("Cases"), listed), Sheet(_("Deadlines"), deadlines)]
