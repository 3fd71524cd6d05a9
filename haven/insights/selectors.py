"""Figures of an org unit for a date range, read from the count tables, disclosure applied.

The contract the dashboards (pages, charts, PDFs, exports) and the API build on:

- ``figures(*, user, unit, start, end, codes=None) -> dict[str, Figure]``: the unit's figures
  for ``start`` .. ``end`` (both included, the unit's local days), one per indicator code
  (``haven.insights.indicators.REGISTRY``; None = all).
- ``children_figures(*, user, unit, start, end, codes) -> (rows, total)``: one row
  ``(child unit, {code: Figure})`` per child unit (classes left out), ordered by name, and the
  unit's own figures as the total row; hiding is applied across the rows and the total.
- ``series(*, user, unit, code, start, end) -> [(month start, Figure)]``: one figure per
  calendar month overlapping the range (the first and last clipped to it).
- ``Figure``: ``value`` (int for counts, float 0..1 for shares; None when hidden or banded),
  ``text`` (translated display: "1,234", "under 10", "under 5%", "—"), ``hidden``,
  ``no_data`` (schools below the unit without any data of the indicator's family in the
  range; 0 or 1 for a school), ``parts`` (breakdown value -> Figure, for breakdown
  indicators), ``label`` (``lt5`` / ``gt95`` for a banded share), ``low`` / ``high``: the
  95% interval of a mean or a change, when shown.
- Survey figures (``Indicator.yearly``) read the school-year cells of the school year the
  range ends in (a change also the year before): a mean is shown above the school only for
  at least the threshold of answers, a change only when both its shares are shown exactly.

Raise ``NotFound`` for a unit the user may not read (``Perm.VIEW_FIGURES``), ``InvalidInput``
for a range that ends before it starts or an unknown code. A school's own principal and
coordinator read its exact figures; every other reading (any unit above a school, or a school
read from above) passes through ``haven.lib.disclosure``: a unit hidden in its parent's table
is hidden in its own page too (checked from the root down), so no two pages can be subtracted.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Count as DbCount
from django.db.models import Max, Q, Sum
from django.db.models.functions import Substr
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from haven.insights import indicators
from haven.insights.access import exact_for, may_view
from haven.insights.indicators import Indicator, Rollup
from haven.insights.models import Cell
from haven.lib import disclosure, stats
from haven.lib.errors import InvalidInput, NotFound
from haven.lib.ttlcache import cached
from haven.orgs.calendar import calendar_for
from haven.orgs.models import OrgUnit
from haven.orgs.types import Viewer

NONE_TEXT = "—"


@dataclass(frozen=True)
class Figure:
    value: int | float | None
    text: str
    hidden: bool = False
    no_data: int = 0
    parts: dict[str, Figure] = field(default_factory=dict)
    label: str = ""
    low: float | None = None
    high: float | None = None


# ---------------------------------------------------------------------------------------------
# Reading the counts

Values = dict[int, dict[str, dict[str, int]]]  # unit id -> indicator -> breakdown -> count
PREV = "prev:"  # prefix of a stored code's count in the school year before (changes)


def _month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def _next_month(day: dt.date) -> dt.date:
    return (day.replace(day=1) + dt.timedelta(days=32)).replace(day=1)


def _range_pieces(unit: OrgUnit, start: dt.date, end: dt.date) -> list[Q]:
    """The cells that tile ``start`` .. ``end``: one stored period when the range is one
    school year or term, else whole months and the days at either edge. One condition per
    kind of period: each is read by its own query, which the (unit, kind, start) index
    answers; OR-ed into one, SQLite fell back to every cell of each unit."""
    cal = calendar_for(unit)
    year = cal.school_year(start)
    if (start, end) == (year.start, year.end):
        return [Q(kind="school_year", start=start)]
    for term in cal.terms(year):
        if (start, end) == (term.start, term.end):
            return [Q(kind="term", start=start)]
    first = start if start.day == 1 else _next_month(start)
    last = _month_start(end)
    if end != _next_month(end) - dt.timedelta(days=1):
        last_full_end = last - dt.timedelta(days=1)
    else:
        last_full_end = end
    if first > last_full_end:
        return [Q(kind="day", start__gte=start, start__lte=end)]
    pieces = [Q(kind="month", start__gte=first, start__lte=_month_start(last_full_end))]
    if start < first:
        pieces.append(Q(kind="day", start__gte=start, start__lt=first))
    if last_full_end < end:
        pieces.append(Q(kind="day", start__gt=last_full_end, start__lte=end))
    return pieces


def _until_pieces(end: dt.date) -> list[Q]:
    """Every cell up to ``end``: the months before and the days of ``end``'s month."""
    if end == _next_month(end) - dt.timedelta(days=1):
        return [Q(kind="month", start__lte=_month_start(end))]
    return [
        Q(kind="month", start__lt=_month_start(end)),
        Q(kind="day", start__gte=_month_start(end), start__lte=end),
    ]


def _stored_codes(wanted: Iterable[Indicator]) -> tuple[set[str], set[str]]:
    flows: set[str] = set()
    stocks: set[str] = set()
    for ind in wanted:
        if ind.rollup is Rollup.SUM:
            flows.add(ind.code)
        elif ind.rollup in (Rollup.SHARE, Rollup.MEAN, Rollup.CHANGE):
            flows.update(ind.parts)
        else:
            stocks.update(ind.parts)
    return flows, stocks


def _read(
    unit_ids: list[int], unit: OrgUnit, start: dt.date, end: dt.date, wanted: list[Indicator]
) -> tuple[Values, dict[int, dict[str, int]]]:
    """Counts per unit for the range (stocks up to its end) and coverage per family."""
    yearly = [ind for ind in wanted if ind.yearly]
    wanted = [ind for ind in wanted if not ind.yearly]
    flows, stocks = _stored_codes(wanted)
    values: Values = defaultdict(lambda: defaultdict(lambda: defaultdict(int)))
    # (condition, label): survey cells of the year before are labelled ``PREV`` for changes.
    pieces = [(piece & Q(indicator__in=flows), "") for piece in _range_pieces(unit, start, end)]
    year_coverage: list[Q] = []
    if yearly:
        now, before, this_year_coverage = _yearly_conditions(unit, end, yearly)
        pieces += [(now, ""), (before, PREV)]
        year_coverage.append(this_year_coverage)
    for condition, label in pieces:
        for unit_id, indicator, breakdown, total in (
            Cell.objects.filter(condition, unit_id__in=unit_ids)
            .values_list("unit_id", "indicator", "breakdown")
            .annotate(total=Sum("value"))
        ):
            values[unit_id][label + indicator][breakdown] += int(total)
    stock_values: dict[tuple[int, str], int] = defaultdict(int)
    if stocks:
        for piece in _until_pieces(end):
            for unit_id, indicator, total in (
                Cell.objects.filter(piece, unit_id__in=unit_ids, indicator__in=stocks, breakdown="")
                .values_list("unit_id", "indicator")
                .annotate(total=Sum("value"))
            ):
                stock_values[(unit_id, indicator)] += int(total)
    for ind in wanted:
        if ind.rollup is Rollup.STOCK:
            inflow, outflow = ind.parts
            for unit_id in unit_ids:
                stock = stock_values[(unit_id, inflow)] - stock_values[(unit_id, outflow)]
                values[unit_id][ind.code][""] = stock
    # Coverage over several periods is the largest one's: a school counted in two months
    # is one school (exact for one stored period; a lower bound of the schools otherwise).
    coverage: dict[int, dict[str, int]] = defaultdict(dict)
    families = {f"coverage.{ind.family}" for ind in wanted}
    coverage_pieces = [p & Q(indicator__in=families) for p in _range_pieces(unit, start, end)]
    for condition in coverage_pieces + year_coverage:
        for unit_id, indicator, most in (
            Cell.objects.filter(condition, unit_id__in=unit_ids)
            .values_list("unit_id", "indicator")
            .annotate(most=Max("value"))
        ):
            family = indicator.removeprefix("coverage.")
            coverage[unit_id][family] = max(coverage[unit_id].get(family, 0), int(most))
    return values, coverage


def _yearly_conditions(unit: OrgUnit, end: dt.date, yearly: list[Indicator]) -> tuple[Q, Q, Q]:
    """The survey cells of the school year ``end`` falls in, those of the year before that
    changes compare with, and the year's coverage cells."""
    cal = calendar_for(unit)
    year = cal.school_year(end)
    now: set[str] = set()
    prev: set[str] = set()
    for ind in yearly:
        now.update(ind.parts or (ind.code,))
        if ind.rollup is Rollup.CHANGE:
            prev.update(ind.parts)
    try:
        before = Q(kind="school_year", start=cal.school_year_of(year.year - 1).start)
    except InvalidInput:  # the calendar's first year
        before = Q(pk__in=[])
    families = {f"coverage.{ind.family}" for ind in yearly}
    this_year = Q(kind="school_year", start=year.start)
    return (
        this_year & Q(indicator__in=now),
        before & Q(indicator__in=prev),
        this_year & Q(indicator__in=families),
    )


def _headline(values: Values, unit_id: int, ind: Indicator) -> int:
    return _sum_of(values, unit_id, ind.code)


def _sum_of(values: Values, unit_id: int, code: str) -> int:
    return sum(values.get(unit_id, {}).get(code, {}).values())


def _school_counts(units: list[OrgUnit]) -> dict[int, int]:
    """Schools in each unit's subtree (a school counts itself); kept a minute per process
    (every read of a dashboard asked again; a school opened in the last minute may count as
    "no data" a minute late)."""
    key = ("insights.schools_under", tuple(sorted(u.pk for u in units)))
    return cached(key, SCHOOL_COUNT_SECONDS, lambda: _count_schools(units))


SCHOOL_COUNT_SECONDS = 60


def _count_schools(units: list[OrgUnit]) -> dict[int, int]:
    """Schools in each unit's subtree, grouped by path prefix."""
    out: dict[int, int] = {}
    by_length: dict[int, list[OrgUnit]] = defaultdict(list)
    for u in units:
        by_length[len(u.path)].append(u)
    for length, group in by_length.items():
        condition = Q()
        for u in group:
            condition |= Q(path__startswith=u.path)
        counted = dict(
            OrgUnit.objects.filter(condition, kind=OrgUnit.Kind.SCHOOL)
            .annotate(prefix=Substr("path", 1, length))
            .values_list("prefix")
            .annotate(n=DbCount("pk"))
            .values_list("prefix", "n")
        )
        for u in group:
            out[u.pk] = int(counted.get(u.path, 0))
    return out


# ---------------------------------------------------------------------------------------------
# Display


def _count_text(cell: disclosure.Count, threshold: int) -> str:
    if cell.hidden and cell.reason == disclosure.SMALL:
        return _("under %(n)s") % {"n": threshold}
    if cell.hidden:
        return NONE_TEXT
    if -1000 < cell.value < 1000:  # no separator in any language: skip the format lookups
        return str(cell.value)
    return number_format(cell.value, force_grouping=True)


def _count_figure(cell: disclosure.Count, threshold: int, no_data: int) -> Figure:
    return Figure(
        value=cell.shown,
        text=_count_text(cell, threshold),
        hidden=cell.hidden,
        no_data=no_data,
    )


def _share_figure(x: int, n: int, threshold: int, no_data: int, exact: bool) -> Figure:
    # More than the whole (answers from more pupils than a short roster lists) is no share:
    # no figure, as the surveys app gives no response rate for an incomplete roster.
    if n == 0 or x > n:
        return Figure(None, NONE_TEXT, hidden=False, no_data=no_data)
    if exact:
        share = disclosure.Share(x / n)
    else:
        share = disclosure.protect_share(x, n, threshold=threshold)
    if share.label == disclosure.LT5:
        return Figure(None, _("under 5%"), no_data=no_data, label=share.label)
    if share.label == disclosure.GT95:
        return Figure(None, _("over 95%"), no_data=no_data, label=share.label)
    if share.hidden or share.value is None:
        return Figure(None, NONE_TEXT, hidden=True, no_data=no_data)
    return Figure(
        share.value,
        number_format(round(share.value * 100), force_grouping=True) + "%",
        no_data=no_data,
    )


def _mean_figure(
    n: int, total: int, sumsq: int, threshold: int, no_data: int, exact: bool
) -> Figure:
    """Mean of a survey scale from its stored n and sums (thousandths), normal 95% interval."""
    if n <= 0:
        return Figure(None, NONE_TEXT, no_data=no_data)
    scale = indicators.SURVEY_SUM_SCALE
    moments = stats.Moments(n, total / scale, sumsq / scale)
    mean = moments.mean if exact else disclosure.protect_mean(moments.mean, n, threshold=threshold)
    if mean is None:
        return Figure(None, NONE_TEXT, hidden=True, no_data=no_data)
    low = high = None
    if moments.sd is not None:
        half = stats.Z95 * moments.sd / math.sqrt(n)
        low, high = round(mean - half, 3), round(mean + half, 3)
    return Figure(round(mean, 3), number_format(mean, 2), no_data=no_data, low=low, high=high)


def _change_figure(
    now: tuple[int, int], before: tuple[int, int], threshold: int, no_data: int, exact: bool
) -> Figure:
    """A share minus last school year's, in percentage points, with Newcombe's interval;
    above the school only when both shares are shown exactly (it then reveals nothing more)."""
    (x1, n1), (x0, n0) = now, before
    if n1 <= 0 or n0 <= 0:
        return Figure(None, NONE_TEXT, no_data=no_data)
    if not exact and any(
        disclosure.protect_share(x, n, threshold=threshold).value is None for x, n in (now, before)
    ):
        return Figure(None, NONE_TEXT, hidden=True, no_data=no_data)
    change = stats.newcombe(x1, n1, x0, n0)
    points = change.estimate * 100
    sign = "+" if points > 0.05 else "\u2212" if points < -0.05 else "\u00b1"
    text = _("%(change)s points") % {
        "change": sign + number_format(abs(points), 1, force_grouping=True)
    }
    return Figure(
        round(change.estimate, 4),
        text,
        no_data=no_data,
        low=round(change.low, 4),
        high=round(change.high, 4),
    )


# ---------------------------------------------------------------------------------------------
# The selectors


def _check(user: Viewer, unit: OrgUnit, start: dt.date, end: dt.date) -> None:
    if not may_view(user, unit):
        raise NotFound()
    if end < start:
        raise InvalidInput(_("The end date must not be before the start date."))


def _wanted(codes: Iterable[str] | None) -> list[Indicator]:
    """The indicators asked for; with a survey share or mean, the respondents count too (the
    share or mean is hidden wherever that count is, see ``_figures_of``)."""
    if codes is None:
        return list(indicators.REGISTRY.values())
    unknown = [c for c in codes if c not in indicators.REGISTRY]
    if unknown:
        raise InvalidInput(_("Unknown figure: %(code)s.") % {"code": ", ".join(unknown)})
    wanted = [indicators.REGISTRY[c] for c in codes]
    if RESPONDENTS not in codes and any(_follows_respondents(ind) for ind in wanted):
        wanted.append(indicators.REGISTRY[RESPONDENTS])
    return wanted


RESPONDENTS = "surveys.respondents"


def _follows_respondents(ind: Indicator) -> bool:
    """A survey figure made from the answers (a share, mean or change), not a count."""
    return ind.yearly and ind.family == "surveys" and not _counted(ind)


def _children(unit: OrgUnit) -> list[OrgUnit]:
    return list(
        OrgUnit.objects.filter(parent=unit)
        .exclude(kind=OrgUnit.Kind.CLASS)
        .select_related("jurisdiction")
        .order_by("name", "pk")
    )


# The column of a category named "" (in the table, "" is the figure's own column).
_BLANK = "\x00"


class _Tree:
    """Counts of a unit's ancestors' children, for the top-down disclosure walk."""

    def __init__(
        self,
        unit: OrgUnit,
        start: dt.date,
        end: dt.date,
        wanted: list[Indicator],
        children: Iterable[int] = (),
    ):
        """``children``: the unit's children, read with the rest (their counts are in
        ``values`` and ``coverage`` too): one read for a table instead of two."""
        self.chain = [*unit.ancestors().select_related("jurisdiction"), unit]
        self.siblings: dict[int, list[int]] = {}
        ids = {self.chain[0].pk}
        if len(self.chain) > 1:
            rows = (
                OrgUnit.objects.filter(parent_id__in=[u.pk for u in self.chain[:-1]])
                .exclude(kind=OrgUnit.Kind.CLASS)
                .values_list("pk", "parent_id")
            )
            for pk, parent_id in rows:
                self.siblings.setdefault(parent_id, []).append(pk)
                ids.add(pk)
        self.ids = ids
        self.values, self.coverage = _read(sorted(ids | set(children)), unit, start, end, wanted)

    def breakdown(
        self,
        ind: Indicator,
        threshold: int,
        below: tuple[list[int], Values] | None = None,
    ) -> dict[int, tuple[disclosure.Count, dict[str, disclosure.Count]]] | None:
        """For a figure with a breakdown: each unit's figure and its categories as every page
        shows them, the tables of rows and columns protected together from the top down
        (``below``: the unit's children and their counts, for its own table). None for a
        figure without one."""
        values: dict[int, dict[str, int]] = {
            pk: dict(self.values.get(pk, {}).get(ind.code, {})) for pk in self.ids
        }
        children = dict(self.siblings)
        if below is not None:
            kids, kid_values = below
            children[self.chain[-1].pk] = kids
            values.update({pk: dict(kid_values.get(pk, {}).get(ind.code, {})) for pk in kids})
        keys = set(ind.breakdowns).union(*values.values())
        if not ind.breakdowns and keys <= {""}:
            return None
        columns = [*ind.breakdowns, *sorted(keys - set(ind.breakdowns))]
        # A category may be called "" (no place given); HEAD is the figure's own column.
        names = {key: (_BLANK if key == "" else key) for key in columns}
        table = {
            pk: {
                disclosure.HEAD: sum(row.values()),
                **{names[key]: row.get(key, 0) for key in columns},
            }
            for pk, row in values.items()
        }
        found = disclosure.protect_tree_table(
            self.chain[0].pk,
            children,
            table,
            [names[key] for key in columns],
            threshold=threshold,
            # The figure is the sum of its categories here (for harms, of their mentions).
            partition=True,
        )
        return {
            pk: (
                found.shown[(pk, disclosure.HEAD)],
                {key: found.shown[(pk, names[key])] for key in columns},
            )
            for pk in table
        }

    def cell(self, ind: Indicator, threshold: int) -> tuple[disclosure.Count, disclosure.Box, int]:
        """The unit's own count as every table above shows it, what an observer can narrow
        it to, and the largest value they may think a hidden unit has."""
        values = {pk: _headline(self.values, pk, ind) for pk in self.ids}
        found = disclosure.protect_tree_known(
            self.chain[0].pk, self.siblings, values, threshold=threshold
        )
        pk = self.chain[-1].pk
        return found.shown[pk], found.known[pk], found.cap


def _figures_of(
    unit_id: int,
    values: Values,
    coverage: dict[int, dict[str, int]],
    schools: int,
    wanted: list[Indicator],
    cells: dict[str, disclosure.Count],
    threshold: int,
    exact: bool,
    parts_shown: dict[str, dict[str, disclosure.Count]] | None = None,
) -> dict[str, Figure]:
    """``cells``: each counted figure as shown; ``parts_shown``: each breakdown's categories
    as shown (``_Tree.breakdown``), both unused when ``exact``."""
    out: dict[str, Figure] = {}
    # A survey share or mean goes where its unit's respondents count goes: shown next to a
    # count hidden only to protect a smaller sibling, it would tell that sibling's answers
    # from the parent's mean (parent's n times its mean, minus this unit's).
    respondents = None if exact else cells.get(RESPONDENTS)
    answers_hidden = respondents is not None and respondents.hidden
    for ind in wanted:
        no_data = max(0, schools - coverage.get(unit_id, {}).get(ind.family, 0))
        if answers_hidden and _follows_respondents(ind):
            out[ind.code] = Figure(None, NONE_TEXT, hidden=True, no_data=no_data)
            continue
        if ind.rollup is Rollup.SHARE:
            num, den = (_sum_of(values, unit_id, p) for p in ind.parts)
            out[ind.code] = _share_figure(num, den, threshold, no_data, exact)
            continue
        if ind.rollup is Rollup.MEAN:
            n, total, sumsq = (_sum_of(values, unit_id, p) for p in ind.parts)
            out[ind.code] = _mean_figure(n, total, sumsq, threshold, no_data, exact)
            continue
        if ind.rollup is Rollup.CHANGE:
            now = (_sum_of(values, unit_id, ind.parts[0]), _sum_of(values, unit_id, ind.parts[1]))
            before = (
                _sum_of(values, unit_id, PREV + ind.parts[0]),
                _sum_of(values, unit_id, PREV + ind.parts[1]),
            )
            out[ind.code] = _change_figure(now, before, threshold, no_data, exact)
            continue
        value = _headline(values, unit_id, ind)
        own = disclosure.Count(value) if exact else cells[ind.code]
        figure = _count_figure(own, threshold, no_data)
        if ind.breakdowns or values.get(unit_id, {}).get(ind.code, {}).keys() - {""}:
            parts = dict(values.get(unit_id, {}).get(ind.code, {}))
            for b in ind.breakdowns:
                parts.setdefault(b, 0)
            if exact:
                shown = {k: disclosure.Count(v) for k, v in parts.items()}
            else:
                found = (parts_shown or {})[ind.code]
                shown = {k: found.get(k, disclosure.Count(0)) for k in parts}
            order = list(ind.breakdowns) + sorted(k for k in parts if k not in ind.breakdowns)
            figure = Figure(
                figure.value,
                figure.text,
                figure.hidden,
                no_data,
                {k: _count_figure(shown[k], threshold, 0) for k in order},
            )
        out[ind.code] = figure
    return out


def _own_cells(
    tree: _Tree, wanted: list[Indicator], threshold: int
) -> tuple[dict[str, disclosure.Count], dict[str, dict[str, disclosure.Count]]]:
    """The unit's counted figures and breakdowns as every page shows them."""
    cells: dict[str, disclosure.Count] = {}
    parts_shown: dict[str, dict[str, disclosure.Count]] = {}
    pk = tree.chain[-1].pk
    for ind in wanted:
        if not _counted(ind):
            continue
        table = tree.breakdown(ind, threshold)
        if table is None:
            cells[ind.code] = tree.cell(ind, threshold)[0]
        else:
            cells[ind.code], parts_shown[ind.code] = table[pk]
    return cells, parts_shown


def _counted(ind: Indicator) -> bool:
    """A count (shown through the tree's complementary hiding), not a ratio of counts."""
    return ind.rollup in (Rollup.SUM, Rollup.STOCK)


def figures(
    *,
    user: Viewer,
    unit: OrgUnit,
    start: dt.date,
    end: dt.date,
    codes: list[str] | None = None,
) -> dict[str, Figure]:
    _check(user, unit, start, end)
    wanted = _wanted(codes)
    threshold = disclosure.min_cell()
    exact = exact_for(user, unit)
    tree = _Tree(unit, start, end, wanted)
    cells, parts_shown = ({}, {}) if exact else _own_cells(tree, wanted, threshold)
    schools = _school_counts([unit])[unit.pk]
    return _figures_of(
        unit.pk, tree.values, tree.coverage, schools, wanted, cells, threshold, exact, parts_shown
    )


def children_figures(
    *,
    user: Viewer,
    unit: OrgUnit,
    start: dt.date,
    end: dt.date,
    codes: list[str] | None = None,
) -> tuple[list[tuple[OrgUnit, dict[str, Figure]]], dict[str, Figure]]:
    _check(user, unit, start, end)
    wanted = _wanted(codes)
    threshold = disclosure.min_cell()
    exact = exact_for(user, unit)
    children = _children(unit)
    tree = _Tree(unit, start, end, wanted, children=[c.pk for c in children])
    child_values, child_coverage = tree.values, tree.coverage
    schools = _school_counts([unit, *children])
    total_cells: dict[str, disclosure.Count] = {}
    child_cells: dict[int, dict[str, disclosure.Count]] = defaultdict(dict)
    total_parts: dict[str, dict[str, disclosure.Count]] = {}
    child_parts: dict[int, dict[str, dict[str, disclosure.Count]]] = defaultdict(dict)
    kids = [c.pk for c in children]
    for ind in wanted:
        if not _counted(ind):
            continue
        total = _headline(tree.values, unit.pk, ind)
        parts = {c.pk: _headline(child_values, c.pk, ind) for c in children}
        if exact:
            total_cells[ind.code] = disclosure.Count(total)
            for pk, v in parts.items():
                child_cells[pk][ind.code] = disclosure.Count(v)
            continue
        table = tree.breakdown(ind, threshold, below=(kids, child_values))
        if table is not None:
            total_cells[ind.code], total_parts[ind.code] = table[unit.pk]
            for pk in kids:
                child_cells[pk][ind.code], child_parts[pk][ind.code] = table[pk]
            continue
        own, known, cap = tree.cell(ind, threshold)
        total_cells[ind.code], shown, _ranges = disclosure.protect_counts(
            total,
            parts,
            threshold=threshold,
            total_cell=own,
            total_range=known,
            cap=cap,
            partition=sum(parts.values()) == total,
        )
        for pk, c in shown.items():
            child_cells[pk][ind.code] = c
    rows = [
        (
            child,
            _figures_of(
                child.pk,
                child_values,
                child_coverage,
                schools[child.pk],
                wanted,
                child_cells[child.pk],
                threshold,
                exact,
                child_parts[child.pk],
            ),
        )
        for child in children
    ]
    total_row = _figures_of(
        unit.pk,
        tree.values,
        tree.coverage,
        schools[unit.pk],
        wanted,
        total_cells,
        threshold,
        exact,
        total_parts,
    )
    return rows, total_row


def series(
    *, user: Viewer, unit: OrgUnit, code: str, start: dt.date, end: dt.date
) -> list[tuple[dt.date, Figure]]:
    _check(user, unit, start, end)
    _wanted([code])
    out: list[tuple[dt.date, Figure]] = []
    month = _month_start(start)
    while month <= end:
        lo = max(month, start)
        hi = min(_next_month(month) - dt.timedelta(days=1), end)
        out.append((month, figures(user=user, unit=unit, start=lo, end=hi, codes=[code])[code]))
        month = _next_month(month)
    return out


def figures_published(
    *, unit: OrgUnit, start: dt.date, end: dt.date, codes: list[str]
) -> dict[str, Figure]:
    """The unit's figures as every reader above it reads them (the disclosure rule applied,
    whoever asks): what a periodic report sent upward freezes. No user: the minute clock
    makes the reports, and who may read them is the reporting app's rule."""
    if end < start:
        raise InvalidInput(_("The end date must not be before the start date."))
    wanted = _wanted(codes)
    threshold = disclosure.min_cell()
    tree = _Tree(unit, start, end, wanted)
    cells, parts_shown = _own_cells(tree, wanted, threshold)
    schools = _school_counts([unit])[unit.pk]
    return _figures_of(
        unit.pk, tree.values, tree.coverage, schools, wanted, cells, threshold, False, parts_shown
    )
