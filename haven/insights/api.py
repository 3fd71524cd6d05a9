"""Figures in the JSON API: the selectors of the dashboards, so the same access and hiding."""

import datetime as dt
import enum

from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from haven.insights import indicators, selectors
from haven.insights.selectors import Figure
from haven.lib.errors import InvalidInput, NotFound
from haven.lib.schemas import Id
from haven.orgs.models import OrgUnit
from haven.orgs.types import AuthedRequest
from haven.security.api_auth import staff_auth

router = Router(tags=["insights"], auth=staff_auth)

IndicatorCode = enum.StrEnum(  # type: ignore[misc]
    "IndicatorCode", {code.replace(".", "_"): code for code in indicators.codes()}
)


class UnitOut(Schema):
    id: int
    kind: str
    code: str
    name: str
    parent_id: int | None


class Range(Schema):
    from_: str = Field(
        alias="from", description="First day, YYYY-MM-DD.", json_schema_extra={"format": "date"}
    )
    to: str = Field(
        description="Last day (included), YYYY-MM-DD.", json_schema_extra={"format": "date"}
    )


class FiguresOut(Schema):
    unit: UnitOut
    from_: dt.date = Field(alias="from")
    to: dt.date
    figures: dict[IndicatorCode, int | float | None] = Field(
        description="Each indicator's figure for the range; null when hidden to protect "
        "privacy (small counts, or what would reveal them) or banded (see `bands`)."
    )
    hidden: list[IndicatorCode]
    bands: dict[IndicatorCode, str] = Field(
        description="Shares shown only as a band: `lt5` (under 5%) or `gt95` (over 95%)."
    )
    no_data: dict[IndicatorCode, int] = Field(
        description="Schools below the unit without any data of the indicator's kind."
    )
    intervals: dict[IndicatorCode, list[float]] = Field(
        description="The 95% interval `[low, high]` of a survey mean or change, when shown."
    )


class ChildrenOut(Schema):
    unit: UnitOut
    from_: dt.date = Field(alias="from")
    to: dt.date
    children: list[FiguresOut]
    total: FiguresOut


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(_("Give the dates as YYYY-MM-DD.")) from None


def _parse(params: Range) -> tuple[dt.date, dt.date]:
    return _date(params.from_), _date(params.to)


def _unit(unit_id: int) -> OrgUnit:
    unit = OrgUnit.objects.select_related("jurisdiction").filter(pk=unit_id).first()
    if unit is None:
        raise NotFound()
    return unit


def _out(unit: OrgUnit, start: dt.date, end: dt.date, found: dict[str, Figure]) -> dict:
    return {
        "unit": unit,
        "from": start,
        "to": end,
        "figures": {code: f.value for code, f in found.items()},
        "hidden": [code for code, f in found.items() if f.hidden],
        "bands": {code: f.label for code, f in found.items() if f.label},
        "no_data": {code: f.no_data for code, f in found.items()},
        "intervals": {
            code: [f.low, f.high]
            for code, f in found.items()
            if f.low is not None and f.high is not None
        },
    }


@router.get("/units/{unit_id}/figures", response=FiguresOut, by_alias=True)
def unit_figures(request: AuthedRequest, unit_id: Id, params: Query[Range]) -> dict:
    """A unit's figures for a range of days: counts summed over its schools, small counts
    and what would reveal them hidden (null, listed in `hidden`)."""
    start, end = _parse(params)
    unit = _unit(unit_id)
    found = selectors.figures(user=request.user, unit=unit, start=start, end=end)
    return _out(unit, start, end, found)


@router.get("/units/{unit_id}/children", response=ChildrenOut, by_alias=True)
def unit_children(request: AuthedRequest, unit_id: Id, params: Query[Range]) -> dict:
    """One row of figures per child unit (zones of a county, schools of a zone) and the
    unit's total, hidden across them so that no hidden figure can be worked out."""
    start, end = _parse(params)
    unit = _unit(unit_id)
    rows, total = selectors.children_figures(user=request.user, unit=unit, start=start, end=end)
    return {
        "unit": unit,
        "from": start,
        "to": end,
        "children": [_out(child, start, end, found) for child, found in rows],
        "total": _out(unit, start, end, total),
    }
