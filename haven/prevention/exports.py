"""Prevention registers as tables (written by ``orgs.exports``): a school's plan and
activities, trainings and attendance, pledges, parent meetings; and above the school the
compliance overview, figures only, with the hiding rule's verdicts as on the page."""

from collections.abc import Iterable, Sequence
from typing import Any

from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from haven.lib.tabular import Sheet
from haven.orgs import access
from haven.orgs.exports import headers
from haven.prevention import compliance
from haven.prevention.access import Perm
from haven.prevention.models import (
    Meeting,
    PlanActivity,
    Pledge,
    Training,
    TrainingAttendance,
)
from haven.prevention.selectors import PledgeRow


def _title(model: Any) -> str:
    return str(capfirst(model._meta.verbose_name_plural))


def plan_sheet(activities: Iterable[PlanActivity]) -> Sheet:
    rows: list[list[Any]] = [
        headers(PlanActivity, "goal", "what", "lead", "participants", "starts_on", "ends_on")
        + headers(PlanActivity, "status", "evidence_note", "result_url")
    ]
    for a in activities:
        rows.append(
            [
                a.get_goal_display(),
                a.what,
                a.lead,
                a.participants,
                a.starts_on,
                a.ends_on,
                a.get_status_display(),
                a.evidence_note,
                a.result_url,
            ]
        )
    return Sheet(_title(PlanActivity), rows)


def training_sheets(
    user: Any, trainings: Sequence[Training], staff: Sequence[tuple[Any, int]]
) -> list[Sheet]:
    """The trainings (with how many attended), who attended each (trainings the user may
    open, as the training page decides), and a school's staff with their count of sessions."""
    listed: list[list[Any]] = [
        [*headers(Training, "held_on", "topic", "trainer", "audience", "unit"), _("Present")]
    ]
    for t in trainings:
        listed.append(
            [t.held_on, t.topic, t.trainer, t.audience, t.unit.name, getattr(t, "present", 0)]
        )
    openable = [t.pk for t in trainings if access.can(user, Perm.PREVENTION_VIEW, t.unit)]
    present: list[list[Any]] = [
        headers(Training, "held_on", "topic") + headers(TrainingAttendance, "user")
    ]
    for row in (
        TrainingAttendance.objects.filter(training_id__in=openable)
        .select_related("training", "user")
        .order_by("-training__held_on", "training_id", "user__full_name")
    ):
        present.append([row.training.held_on, row.training.topic, str(row.user)])
    sheets = [Sheet(_title(Training), listed), Sheet(_title(TrainingAttendance), present)]
    if staff:
        per_member: list[list[Any]] = [[*headers(TrainingAttendance, "user"), _("Trainings")]]
        per_member += [[str(member), sessions] for member, sessions in staff]
        sheets.append(Sheet(_("Staff trained this school year"), per_member))
    return sheets


def pledge_sheet(rows: Iterable[PledgeRow]) -> Sheet:
    late = pgettext("pledge signed after the deadline", "late")
    table: list[list[Any]] = [[*headers(Pledge, "user", "signed_at", "method"), late]]
    for row in rows:
        pledge = row.pledge
        table.append(
            [
                str(row.member),
                pledge.signed_at if pledge else None,
                pledge.get_method_display() if pledge else "",
                late if row.late or row.signed_late else "",
            ]
        )
    return Sheet(_title(Pledge), table)


def meeting_sheet(meetings: Iterable[Meeting]) -> Sheet:
    rows: list[list[Any]] = [headers(Meeting, "held_on", "kind", "classes", "topic", "attendance")]
    for m in meetings:
        classes = ", ".join(sorted(c.name for c in m.classes.all()))
        rows.append([m.held_on, m.get_kind_display(), classes, m.topic, m.attendance])
    return Sheet(_title(Meeting), rows)


def _figures(cell: compliance.Cell) -> list[Any]:
    """Count, out of, percent -- or the hiding text, or the band, in all three."""
    if cell.hidden:
        text = _("Hidden to protect privacy")
        return [text, text, text]
    if cell.band:
        return [cell.band, cell.band, cell.band]
    return [cell.numerator, cell.denominator, cell.percent]


def compliance_sheet(found: compliance.Overview) -> Sheet:
    head: list[Any] = [_("School")]
    for indicator in compliance.INDICATORS:
        label = str(indicator.label)
        head += [
            _("%(indicator)s: count") % {"indicator": label},
            _("%(indicator)s: out of") % {"indicator": label},
            _("%(indicator)s: percent") % {"indicator": label},
        ]
    rows: list[list[Any]] = [head]

    def line(unit_name: str, cells: list[compliance.Cell]) -> list[Any]:
        return [unit_name, *(v for cell in cells for v in _figures(cell))]

    rows += [line(school.name, cells) for school, cells in found.rows]
    rows += [line(unit.name, cells) for unit, cells in found.groups]
    rows.append(line(_("Total"), found.totals))
    return Sheet(_("Compliance per school"), rows)
