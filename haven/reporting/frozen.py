"""Figures frozen into a report: stored as JSON when the report is made, shown in any
language later. What is stored is already protected (the disclosure rule as the level above
reads it); a hidden figure keeps only why it is hidden, never its value."""

from __future__ import annotations

from typing import Any

from django.utils.formats import number_format
from django.utils.translation import gettext as _

from haven.insights import indicators
from haven.insights.indicators import Rollup
from haven.insights.selectors import NONE_TEXT, Figure
from haven.lib import disclosure

Frozen = dict[str, Any]


def freeze(figure: Figure) -> Frozen:
    out: Frozen = {"value": figure.value, "hidden": figure.hidden}
    if figure.hidden and figure.text != NONE_TEXT:
        out["under"] = disclosure.min_cell()  # hidden as a small count: "under 10"
    if figure.label:
        out["label"] = figure.label
    if figure.parts:
        out["parts"] = {k: freeze(part) for k, part in figure.parts.items()}
    return out


def text(code: str, frozen: Frozen | None) -> str:
    """The figure as a page, PDF or workbook shows it, in the active language."""
    if not frozen:
        return NONE_TEXT
    if frozen.get("hidden"):
        if frozen.get("under"):
            return _("under %(n)s") % {"n": frozen["under"]}
        return NONE_TEXT
    label = frozen.get("label")
    if label == disclosure.LT5:
        return _("under 5%")
    if label == disclosure.GT95:
        return _("over 95%")
    value = frozen.get("value")
    if value is None:
        return NONE_TEXT
    ind = indicators.REGISTRY.get(code)
    rollup = ind.rollup if ind else Rollup.SUM
    if rollup is Rollup.SHARE:
        return str(number_format(round(value * 100), force_grouping=True)) + "%"
    if rollup is Rollup.MEAN:
        return str(number_format(value, 2))
    if rollup is Rollup.CHANGE:
        points = value * 100
        sign = "+" if points > 0.05 else "\u2212" if points < -0.05 else "\u00b1"
        return _("%(change)s points") % {
            "change": sign + number_format(abs(points), 1, force_grouping=True)
        }
    return str(number_format(value, force_grouping=True))


def cell(code: str, frozen: Frozen | None) -> int | float | str:
    """The figure for a workbook: the number itself, or the text saying why there is none."""
    if frozen and not frozen.get("hidden") and frozen.get("value") is not None:
        value: int | float = frozen["value"]
        return value
    return text(code, frozen)


def name(code: str) -> str:
    ind = indicators.REGISTRY.get(code)
    return str(ind.name) if ind else code


def part_name(code: str, part: str, procedure_code: str = "") -> str:
    """A breakdown value's name in the active language (its code when none is known): harms
    and channels from intake, case types and severities from the jurisdiction's procedure."""
    from haven.intake.models import Channel, Harm
    from haven.procedures import loader

    if code == "reports.by_harm":
        return str(dict(Harm.choices).get(part, part))
    if code == "reports.by_channel":
        return str(dict(Channel.choices).get(part, part))
    if code in ("cases.by_type", "cases.by_severity") and procedure_code:
        try:
            procedure = loader.get(procedure_code)
        except loader.ProcedureFileError:  # an unknown procedure: show the code
            return part
        named = procedure.case_types if code == "cases.by_type" else procedure.severities
        return next((n.name for n in named if n.code == part), part)
    return part
