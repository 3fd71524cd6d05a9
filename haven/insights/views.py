"""Dashboards: one page per org unit the user may read figures for.

Everything shown comes from ``insights.selectors`` (count tables, already disclosed); this
module picks the period, sorts the children's table and draws the charts. Nothing here reads
reports or cases, and nothing here decides who sees what: the selectors and the access
modules do.
"""

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from haven.cases.access import Perm as CasePerm
from haven.insights import exports, indicators, selectors
from haven.insights.access import Perm
from haven.lib import charts, tabular
from haven.lib.dates import long_date
from haven.lib.errors import InvalidInput, NotFound
from haven.orgs import access
from haven.orgs import selectors as org_selectors
from haven.orgs.calendar import FIRST_YEAR, Period, SchoolCalendar, calendar_for
from haven.orgs.exports import export_response
from haven.orgs.models import OrgUnit
from haven.orgs.types import AuthedRequest, User
from haven.surveys.access import Perm as SurveyPerm

# The headline figures and the children's columns (the figures API's required codes).
HEADLINE = (
    "reports.total",
    "reports.urgent",
    "cases.opened",
    "cases.open_at_end",
    "deadlines.missed",
)
# The survey group: yearly figures, shown on the school-year view only.
SURVEY = (
    "surveys.response_rate",
    "surveys.victimisation",
    "surveys.victimisation_change",
    "surveys.perpetration",
    "surveys.safety",
    "surveys.wellbeing",
)
TRENDS = ("reports.total", "cases.opened", "deadlines.missed")
TREND_MONTHS = 12
KINDS = ("month", "term", "school_year")
KIND_LABELS = {
    "month": gettext_lazy("Month"),
    "term": gettext_lazy("Term"),
    "school_year": gettext_lazy("School year"),
}


@login_required
def landing(request: AuthedRequest) -> HttpResponse:
    """The user's highest unit with figures (the ministry's country, the inspector's county,
    the principal's school)."""
    top = access.units(request.user, Perm.VIEW_FIGURES).order_by("depth", "path").first()
    if top is None:
        raise PermissionDenied
    return redirect("insights:unit", pk=top.pk)


@dataclass(frozen=True)
class Headline:
    code: str
    name: str
    definition: str
    figure: Any
    previous: Any
    change: str  # "+3", "-2" (a minus sign), "±0"; "" when either side is hidden or empty
    link: str


@dataclass(frozen=True)
class SurveyFigure:
    code: str
    name: str
    definition: str
    figure: Any
    interval: str  # "95% interval: 2.84 to 3.16"; "" when none is shown


def _interval(code: str, figure: Any) -> str:
    if figure.low is None or figure.high is None:
        return ""
    if indicators.get(code).rollup is indicators.Rollup.CHANGE:  # shares: in points
        low, high = (formats.number_format(v * 100, 1) for v in (figure.low, figure.high))
    else:
        low, high = (formats.number_format(v, 2) for v in (figure.low, figure.high))
    return _("95%% interval: %(low)s to %(high)s") % {"low": low, "high": high}


def _survey(user: User, unit: OrgUnit, period: Period) -> list[SurveyFigure]:
    found = selectors.figures(
        user=user, unit=unit, start=period.start, end=period.end, codes=list(SURVEY)
    )
    return [
        SurveyFigure(
            code=code,
            name=str(indicators.get(code).name),
            definition=str(indicators.get(code).definition),
            figure=found[code],
            interval=_interval(code, found[code]),
        )
        for code in SURVEY
    ]


@dataclass(frozen=True)
class Cell:
    figure: Any
    link: str


@dataclass(frozen=True)
class ChildRow:
    unit: OrgUnit
    link: str
    cells: list[Cell]


def _comparable(figure: Any) -> bool:
    return figure is not None and not figure.hidden and figure.value is not None


def _change(current: Any, previous: Any) -> str:
    if not (_comparable(current) and _comparable(previous)):
        return ""
    delta = current.value - previous.value
    text = formats.number_format(abs(delta), 0 if float(delta).is_integer() else 1)
    if delta > 0:
        return f"+{text}"
    if delta < 0:
        return f"\u2212{text}"
    return f"\u00b1{text}"


def _term_kind(calendar: SchoolCalendar) -> str:
    return calendar.file.term_kind


def _period(calendar: SchoolCalendar, kind: str, at: dt.date) -> Period:
    return calendar.period(at, _term_kind(calendar) if kind == "term" else kind)


def _period_name(period: Period) -> str:
    if period.kind == "month":
        return formats.date_format(period.start, "YEAR_MONTH_FORMAT")
    if period.kind == "school_year":
        return period.school_year.label
    return f"{period.name} {period.school_year.label}"


def _parse(request: AuthedRequest, calendar: SchoolCalendar) -> tuple[str, dt.date]:
    kind = request.GET.get("period", "school_year")
    if kind not in KINDS:
        kind = "school_year"
    today = timezone.localdate(timezone=calendar.zone)
    try:
        at = dt.date.fromisoformat(request.GET.get("at", "")) if request.GET.get("at") else today
        # Refuses dates outside the calendar's years; the first year has no year before it
        # to compare with, so it is out of range here too.
        if calendar.school_year(at).year <= FIRST_YEAR:
            at = today
    except (ValueError, InvalidInput):
        at = today
    return kind, at


def _query(**params: Any) -> str:
    return "?" + urlencode({k: v for k, v in params.items() if v})


def _sorted(rows: list[ChildRow], sort: str, codes: Sequence[str]) -> list[ChildRow]:
    """By name, or by one figure; hidden and empty cells last whichever the direction."""
    key = sort.removeprefix("-")
    reverse_order = sort.startswith("-")
    if key in codes:
        index = list(codes).index(key)

        def value(row: ChildRow) -> float:
            return float(row.cells[index].figure.value)

        shown = [r for r in rows if _comparable(r.cells[index].figure)]
        rest = [r for r in rows if not _comparable(r.cells[index].figure)]
        ordered = sorted(shown, key=value, reverse=reverse_order)
        return ordered + sorted(rest, key=lambda r: r.unit.name)
    return sorted(rows, key=lambda r: r.unit.name.casefold(), reverse=reverse_order)


def _months(period: Period, today: dt.date) -> tuple[dt.date, dt.date]:
    """The trend's twelve months: those ending with the period's last month, or with this
    month while the period is still running (months to come have no figures yet)."""
    last = min(period.end, today)
    first = last.replace(day=1)
    for _month in range(TREND_MONTHS - 1):
        first = (first - dt.timedelta(days=1)).replace(day=1)
    return first, last


def _month_label(day: dt.date) -> str:
    return formats.date_format(day, "M")


def _chart(code: str, name: str, points: list[tuple[dt.date, Any]]) -> dict[str, Any]:
    drawn = [
        charts.Point(
            label=_month_label(day),
            title=long_date(day, "YEAR_MONTH_FORMAT"),  # read inside sentences
            value=None if figure.hidden else figure.value,
            text=figure.text,
            hidden=figure.hidden,
            group=formats.date_format(day, "Y"),
        )
        for day, figure in points
    ]
    chart = charts.columns(drawn, name, key=code)
    return {"code": code, "name": name, "chart": chart, "summary": charts.summary(drawn)}


def _drill_links(user: User, unit: OrgUnit) -> dict[str, str]:
    """Where a headline number leads: the single reports and cases behind it, only for people
    who may read them at this school (their own lists apply their own rules again)."""
    links: dict[str, str] = {}
    if unit.kind != OrgUnit.Kind.SCHOOL:
        return links
    if access.can(user, access.Perm.REPORT_TRIAGE, unit):
        links["reports.total"] = reverse("intake:inbox")
        links["reports.urgent"] = reverse("intake:inbox") + _query(urgent="yes")
    if access.can(user, CasePerm.CASE_MANAGE, unit):
        for code in ("cases.opened", "cases.open_at_end", "deadlines.missed"):
            links[code] = reverse("cases:case_list")
    return links


def _school_links(user: User, unit: OrgUnit) -> list[tuple[str, str]]:
    """The school overview: its own reports, cases and survey results, as the user may."""
    links: list[tuple[str, str]] = []
    if unit.kind == OrgUnit.Kind.SCHOOL:
        if access.can(user, access.Perm.REPORT_VIEW, unit):
            links.append((_("Reports"), reverse("intake:inbox")))
        if access.can(user, CasePerm.CASE_MANAGE, unit):
            links.append((_("Cases"), reverse("cases:case_list")))
        if access.can(user, SurveyPerm.SURVEY_RESULTS, unit):
            links.append((_("Survey results"), reverse("surveys:campaign_list")))
    if access.can(user, SurveyPerm.SURVEY_ROLLUP, unit) and unit.kind != OrgUnit.Kind.SCHOOL:
        links.append((_("Survey results"), reverse("surveys:unit_results", args=[unit.pk])))
    return links


def _get_unit(user: User, pk: int) -> OrgUnit:
    try:
        unit = org_selectors.orgunit_get(user=user, pk=pk)
    except NotFound as exc:
        raise Http404(str(exc.message)) from exc
    if not access.can(user, Perm.VIEW_FIGURES, unit):
        raise Http404()
    return unit


@login_required
def unit_dashboard(request: AuthedRequest, pk: int) -> HttpResponse:
    user = request.user
    unit = _get_unit(user, pk)
    calendar = calendar_for(unit)
    kind, at = _parse(request, calendar)
    period = _period(calendar, kind, at)
    before = _period(calendar, kind, period.start - dt.timedelta(days=1))
    after_day = period.end + dt.timedelta(days=1)
    names = {code: str(indicators.get(code).name) for code in HEADLINE}
    definitions = {code: str(indicators.get(code).definition) for code in HEADLINE}
    codes = list(HEADLINE)
    try:
        # The children table's total row is the unit's own figures (same walk, same cells).
        rows, current = selectors.children_figures(
            user=user, unit=unit, start=period.start, end=period.end, codes=codes
        )
        previous = selectors.figures(
            user=user, unit=unit, start=before.start, end=before.end, codes=codes
        )
        first, last = _months(period, timezone.localdate(timezone=calendar.zone))
        trends = [
            _chart(
                code,
                str(indicators.get(code).name),
                selectors.series(user=user, unit=unit, code=code, start=first, end=last),
            )
            for code in TRENDS
        ]
        survey = _survey(user, unit, period) if kind == "school_year" else []
    except NotFound as exc:
        raise Http404(str(exc.message)) from exc
    drill = _drill_links(user, unit)
    headlines = [
        Headline(
            code=code,
            name=names[code],
            definition=definitions[code],
            figure=current.get(code),
            previous=previous.get(code),
            change=_change(current.get(code), previous.get(code)),
            # Above a school, a number opens its breakdown by the units below.
            link=drill.get(code, "#children" if rows else ""),
        )
        for code in HEADLINE
    ]
    sort = request.GET.get("sort", "name")
    base = {"period": kind, "at": at.isoformat()}
    child_rows = _sorted(
        [
            ChildRow(
                unit=child,
                link=reverse("insights:unit", args=[child.pk]) + _query(**base),
                cells=[
                    Cell(
                        figure=figures.get(code),
                        link=reverse("insights:unit", args=[child.pk]) + _query(**base),
                    )
                    for code in HEADLINE
                ],
            )
            for child, figures in rows
        ],
        sort,
        HEADLINE,
    )
    fmt = tabular.requested(request)
    if fmt:
        return export_response(
            request,
            action="insights.export",
            sheets=[
                exports.children_sheet(
                    [names[code] for code in HEADLINE],
                    child_rows,
                    [current.get(code) for code in HEADLINE],
                    _period_name(period),
                )
            ],
            fmt=fmt,
            filename=f"figures-{unit.code}-{period.start.isoformat()}",
            org_unit=unit,
        )
    columns = [
        {
            "code": code,
            "name": names[code],
            "definition": definitions[code],
            "sort": _query(**base, sort=f"-{code}" if sort == code else code),
            "current": sort.removeprefix("-") == code,
            "descending": sort == f"-{code}",
        }
        for code in HEADLINE
    ]
    context = {
        "unit": unit,
        "breadcrumbs": [
            b
            for b in org_selectors.orgunit_breadcrumbs(user=user, unit=unit)
            if access.can(user, Perm.VIEW_FIGURES, b)
        ],
        "period": period,
        "period_name": _period_name(period),
        "previous_name": _period_name(before),
        "kinds": [
            {
                "kind": k,
                "label": KIND_LABELS[k],
                "url": _query(period=k, at=at.isoformat(), sort=sort),
            }
            for k in KINDS
        ],
        "kind": kind,
        "earlier": _query(period=kind, at=before.start.isoformat(), sort=sort),
        "later": _query(period=kind, at=after_day.isoformat(), sort=sort)
        if after_day <= timezone.localdate(timezone=calendar.zone)
        else "",
        "at": at,
        "headlines": headlines,
        "survey": survey,
        "columns": columns,
        "rows": child_rows,
        "total": [current.get(code) for code in HEADLINE],
        "name_sort": _query(**base, sort="-name" if sort == "name" else "name"),
        "name_current": sort.removeprefix("-") == "name",
        "name_descending": sort == "-name",
        "trends": trends,
        "trend_end": long_date(last, "YEAR_MONTH_FORMAT"),
        "school_links": _school_links(user, unit),
    }
    template = "insights/_children.html" if request.htmx else "insights/unit.html"  # type: ignore[attr-defined]
    return render(request, template, context)
