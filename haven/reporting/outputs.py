"""A report's sections as a page, a PDF and a workbook, all from the frozen figures (so the
three show the same numbers and the same hidden cells), in the active language."""

from __future__ import annotations

from typing import Any

from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from haven.lib import charts, tabular
from haven.lib.pdf import html_to_pdf
from haven.reporting import frozen
from haven.reporting.models import PeriodicReport
from haven.reporting.services import template_of

# Rows (figures, units below, activities) above which the files are made in the background.
BACKGROUND_ROWS = 400


def _status_label(code: str) -> str:
    from haven.prevention.models.plan import ActivityStatus

    return str(dict(ActivityStatus.choices).get(code, code))


def _goal_label(code: str) -> str:
    from haven.prevention.models.plan import Goal

    return str(dict(Goal.choices).get(code, code))


def _state_label(code: str) -> str:
    if not code:
        return _("missing")
    return str(dict(PeriodicReport.State.choices).get(code, code))


def sections(report: PeriodicReport) -> list[dict[str, Any]]:
    """Each section with its rows ready to show: texts for the page and PDF, cells (numbers
    as numbers) for the workbook."""
    template = template_of(report)
    procedure = report.unit.jurisdiction.procedure_code
    out: list[dict[str, Any]] = []
    for s in template.sections:
        item: dict[str, Any] = {"kind": s.kind, "code": s.code, "title": s.title}
        if s.kind == "figures":
            item["header"] = [_("Figure"), _("Value")]
            item["rows"] = [
                {
                    "texts": [frozen.name(c), frozen.text(c, report.figures.get(c))],
                    "cells": [frozen.name(c), frozen.cell(c, report.figures.get(c))],
                    "hidden": bool((report.figures.get(c) or {}).get("hidden")),
                }
                for c in s.figures
            ]
        elif s.kind == "breakdown":
            code = s.figures[0]
            whole = report.figures.get(code) or {}
            parts = whole.get("parts") or {}
            item["header"] = [frozen.name(code), _("Value")]
            item["rows"] = [
                {
                    "texts": [frozen.part_name(code, k, procedure), frozen.text(code, v)],
                    "cells": [frozen.part_name(code, k, procedure), frozen.cell(code, v)],
                    "hidden": bool(v.get("hidden")),
                }
                for k, v in parts.items()
            ]
            item["total"] = [_("Total"), frozen.text(code, whole)]
            item["total_cells"] = [_("Total"), frozen.cell(code, whole)]
            item["chart"] = (
                charts.columns(
                    [
                        charts.Point(
                            label=frozen.part_name(code, k, procedure)[:14],
                            title=frozen.part_name(code, k, procedure),
                            value=None if v.get("hidden") else v.get("value"),
                            text=frozen.text(code, v),
                            hidden=bool(v.get("hidden")),
                        )
                        for k, v in parts.items()
                    ],
                    title=s.title,
                    key=f"chart-{s.code}",
                )
                if parts
                else None
            )
        elif s.kind == "units":
            if not report.below:
                continue  # the lowest level: no units below
            item["header"] = [_("Unit"), _("State")] + [frozen.name(c) for c in s.figures]
            item["rows"] = [
                {
                    "texts": [row["name"], _state_label(row["state"])]
                    + [frozen.text(c, row["figures"].get(c)) for c in s.figures],
                    "cells": [row["name"], _state_label(row["state"])]
                    + [
                        frozen.cell(c, row["figures"].get(c)) if row["figures"] else ""
                        for c in s.figures
                    ],
                    "hidden": False,
                }
                for row in report.below
            ]
            item["missing"] = [row["name"] for row in report.below if not row["received"]]
        elif s.kind == "activities":
            item["header"] = [_("Goal"), _("Activity"), _("Who leads"), _("Until"), _("Status")]
            item["rows"] = [
                {
                    "texts": [
                        _goal_label(a["goal"]),
                        a["what"],
                        a["lead"],
                        a["until"],
                        _status_label(a["status"]),
                    ],
                    "hidden": False,
                }
                for a in report.activities
            ]
            for row in item["rows"]:
                row["cells"] = row["texts"]
        else:
            item["text"] = report.narrative.get(s.code, "")
        out.append(item)
    return out


def size(report: PeriodicReport) -> int:
    return len(report.figures) + len(report.below) + len(report.activities)


def pdf(report: PeriodicReport) -> bytes:
    """A4, in the active language (the page's ``lang`` picks the fonts)."""
    html = render_to_string(
        "reporting/report_pdf.html",
        {"report": report, "template": template_of(report), "sections": sections(report)},
    )
    return html_to_pdf(html)


def workbook(report: PeriodicReport) -> list[tabular.Sheet]:
    """One sheet per section: translated names and headers, numbers as numbers, a hidden
    figure as the text the disclosure rule gives it."""
    template = template_of(report)
    sheets = [
        tabular.Sheet(
            _("Report"),
            [
                [_("Report"), template.name],
                [_("Unit"), report.unit.name],
                [_("Period"), report.period_key],
                [_("From"), report.period_start.isoformat()],
                [_("Until"), report.period_end.isoformat()],
                [_("Due"), report.due.isoformat()],
                [_("State"), _state_label(report.state)],
            ],
        )
    ]
    for s in sections(report):
        if s["kind"] == "narrative":
            rows: list[list[Any]] = [[s["title"]], [s["text"]]]
        else:
            rows = [s["header"], *[r["cells"] for r in s["rows"]]]
            if s.get("total_cells"):
                rows.append(s["total_cells"])
        sheets.append(tabular.Sheet(s["title"], rows))
    return sheets


def filename(report: PeriodicReport) -> str:
    return f"report-{report.unit.code}-{report.template}-{report.period_key}".replace("/", "-")
