"""The dashboard's table of units below as a sheet (written by ``orgs.exports``): figures,
never rows, each as the page shows it -- a number as a number, a hidden figure as its reason."""

from collections.abc import Sequence
from typing import Any

from django.utils.translation import gettext as _

from haven.insights.selectors import Figure
from haven.lib.tabular import Sheet


def _value(figure: Figure | None) -> Any:
    if figure is None:
        return None
    if figure.hidden or figure.label or figure.value is None:
        return figure.text  # the hiding reason, a band, or "no data": as the page says
    return figure.value


def children_sheet(
    names: Sequence[str], rows: Sequence[Any], total: Sequence[Figure | None], title: str
) -> Sheet:
    """``rows`` are the dashboard's ``ChildRow``s (unit and cells), in the page's order."""
    table: list[list[Any]] = [[_("Unit"), *names]]
    for row in rows:
        table.append([row.unit.name, *(_value(cell.figure) for cell in row.cells)])
    table.append([_("Total"), *(_value(figure) for figure in total)])
    return Sheet(title, table)
