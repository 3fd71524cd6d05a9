"""The triage inbox as a table (written by ``orgs.exports``): the list's columns, no content
of the report (what happened, contact) -- a register, not a case file."""

from collections.abc import Iterable
from typing import Any

from django.utils.translation import gettext as _

from haven.intake.models import Harm, Report
from haven.intake.places import place_label
from haven.lib.tabular import Sheet
from haven.orgs.exports import headers


def inbox_sheet(reports: Iterable[Report]) -> Sheet:
    harms = dict(Harm.choices)
    rows: list[list[Any]] = [
        [
            _("Number"),
            *headers(Report, "created_at", "school", "class_unit", "harms", "place", "time_of_day"),
            *headers(Report, "channel"),
            *headers(Report, "status", "urgent", "first_response_due", "first_responded_at"),
        ]
    ]
    for report in reports:
        rows.append(
            [
                report.pk,
                report.created_at,
                report.school.name,
                report.class_unit.name if report.class_unit else "",
                "; ".join(str(harms.get(code, code)) for code in report.harms),
                place_label(report.school, report.place) if report.place else "",
                report.get_time_of_day_display() if report.time_of_day else "",
                report.get_channel_display(),
                report.get_status_display(),
                _("urgent") if report.urgent else "",
                report.first_response_due,
                report.first_responded_at,
            ]
        )
    return Sheet(_("Reports"), rows)
