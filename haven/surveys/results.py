"""Results of one group for display and export, suppression applied (pure, no Django).

``build_results`` turns an :class:`~haven.lib.stats.Aggregate` (optionally with the
previous campaign's and the parent level's) into a :class:`Results` whose every figure is
already protected by :mod:`haven.surveys.suppression`. Templates and exports read only this.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, replace
from html import escape
from typing import Any, TypeVar

from haven.lib import stats
from haven.lib.disclosure import (
    BAND,
    COMPLEMENTARY,
    GT95,
    LT5,
    MIN_GROUP,
    SMALL_GROUP,
    Link,
    Shown,
    hidden,
    label_text,
    protect_children,
    protect_partition,
    protect_proportion,
)
from haven.lib.stats import (
    RESPONSE_RATE_FLAG,
    ROLES,
    Aggregate,
    Interval,
    Moments,
    Proportion,
    mean_difference,
    mean_interval,
)

# Prevalence rows shown first, in this order, when present in the Aggregate.
MAIN_MEASURES = ("victim", "bully", "any_form_victim", "any_form_bully")
ROLE_PREFIX = "role."
FORM_VICTIM_PREFIX = "form_victim."
FORM_BULLY_PREFIX = "form_bully."

K = TypeVar("K", bound=Hashable)


@dataclass(frozen=True)
class Row:
    """One prevalence measure of one group.

    ``shown``: the protected estimate (value + Wilson interval, a band, or hidden) with n;
    ``missing``: respondents without a valid answer (None when hidden);
    ``change``: Newcombe interval of now minus the previous campaign, ``changed`` when 0 lies
    outside it; ``benchmark``: the level above without this group, ``comparison``: Newcombe
    interval of this group minus that benchmark, ``differs`` when 0 lies outside it.
    Change and comparison are None unless both sides are shown exactly.
    """

    key: str
    shown: Shown
    missing: int | None = None
    change: Interval | None = None
    changed: bool = False
    benchmark: Shown | None = None
    comparison: Interval | None = None
    differs: bool = False


@dataclass(frozen=True)
class ScaleRow:
    """A scale mean (sense of safety, wellbeing...) with n, SD and a 95% interval.

    ``alpha`` only at levels above the school and from 50 complete cases.
    """

    key: str
    hidden: bool
    n: int | None = None
    mean: float | None = None
    sd: float | None = None
    interval: Interval | None = None
    alpha: float | None = None
    alpha_n: int | None = None
    change: Interval | None = None
    changed: bool = False
    benchmark: float | None = None
    comparison: Interval | None = None
    differs: bool = False


@dataclass(frozen=True)
class Results:
    """Everything a results page, PDF or export of one group may show."""

    hidden: bool
    respondents: int | None
    eligible: int
    response_rate: float | None
    low_response: bool
    rows: tuple[Row, ...] = ()
    roles: tuple[Row, ...] = ()
    top_forms: tuple[Row, ...] = ()
    top_forms_bully: tuple[Row, ...] = ()
    scales: tuple[ScaleRow, ...] = ()
    # More answers than pupils on the class rosters: the rate (above 100%) is not given.
    roster_incomplete: bool = False

    def prevalence_rows(self) -> tuple[Row, ...]:
        """Every prevalence row (main measures, roles, forms) once."""
        return self.rows + self.roles + self.top_forms + self.top_forms_bully


def build_results(
    aggregate: Aggregate,
    *,
    previous: Aggregate | None = None,
    parent: Aggregate | None = None,
    allow_alpha: bool = False,
    min_group: int = MIN_GROUP,
    band: int = BAND,
    flag_below: float = RESPONSE_RATE_FLAG,
    salt: str = "",
    previous_salt: str = "",
    parent_salt: str = "",
) -> Results:
    """The protected results of one group.

    ``previous``: the same group's previous campaign (change rows); ``parent``: the level
    above including this group (benchmark = parent minus this group); ``allow_alpha``: True
    only for levels above the school; ``salt``: a secret per group for the choice of the extra
    role cell to hide (see ``suppression.protect_partition``), e.g.
    ``f"{settings.SECRET_KEY}:{unit.pk}:{campaign.pk}"``; give each group its own, and pass
    the previous campaign's and the parent's as ``previous_salt`` and ``parent_salt``.

    A change or a benchmark is shown only when the other side is shown exactly on its own
    page too (``previous`` and ``parent`` are protected with the same rules first), so that
    no page gives back what another page hides.
    """
    if aggregate.respondents < min_group:
        return Results(
            hidden=True,
            respondents=None,
            eligible=aggregate.eligible,
            response_rate=None,
            low_response=False,
        )
    own = _protect(aggregate, min_group, band, salt)
    before = _protect(previous, min_group, band, previous_salt) if previous is not None else None
    above = _protect(parent, min_group, band, parent_salt) if parent is not None else None
    rate = aggregate.response_rate
    roster_incomplete = rate is not None and rate > 1
    if roster_incomplete:
        rate = None

    def row(key: str) -> Row:
        p = aggregate.props[key]
        shown = own[key]
        out = Row(key=key, shown=shown, missing=None if shown.hidden else p.missing)
        if not shown.exact:
            return out
        if previous is not None and before is not None and before.get(key, _HIDDEN).exact:
            out = replace(out, change=stats.change(p, previous.props[key]))
            out = replace(out, changed=out.change is not None and out.change.excludes(0.0))
        if parent is not None and above is not None and above.get(key, _HIDDEN).exact:
            bench = stats.benchmark_excluding(parent.props[key], p)
            bench_shown = protect_proportion(bench.x, bench.n, min_group, band)
            out = replace(out, benchmark=bench_shown)
            if bench_shown.exact:
                comparison = stats.compare_with_benchmark(p, parent.props[key])
                differs = comparison is not None and comparison.excludes(0.0)
                out = replace(out, comparison=comparison, differs=differs)
        return out

    keys = sorted(aggregate.props)
    main = tuple(row(k) for k in MAIN_MEASURES if k in aggregate.props)
    roles = tuple(row(f"{ROLE_PREFIX}{r}") for r in ROLES if f"{ROLE_PREFIX}{r}" in own)
    forms = tuple(row(k) for k in keys if k.startswith(FORM_VICTIM_PREFIX))
    forms_bully = tuple(row(k) for k in keys if k.startswith(FORM_BULLY_PREFIX))
    scales = tuple(
        _scale_row(key, aggregate, previous, parent, allow_alpha, min_group)
        for key in aggregate.means
    )
    return Results(
        hidden=False,
        respondents=aggregate.respondents,
        eligible=aggregate.eligible,
        response_rate=rate,
        low_response=rate is not None and rate < flag_below,
        roster_incomplete=roster_incomplete,
        rows=main,
        roles=roles,
        top_forms=_by_prevalence(forms),
        top_forms_bully=_by_prevalence(forms_bully),
        scales=scales,
    )


_HIDDEN = Shown(hidden=True)


def _protect(aggregate: Aggregate, min_group: int, band: int, salt: str = "") -> dict[str, Shown]:
    """Every proportion of a group, protected; the four roles as one partition.

    The roles come from the same two global items as the "victim" and "bully" rows, so those
    rows are linked sums of the roles (victim = role.victim + role.bully_victim, plus those
    who answered the victim item but not the bully item) and take part in the check.
    """
    if aggregate.respondents < min_group:
        return {key: hidden(SMALL_GROUP) for key in aggregate.props}
    out = {key: protect_proportion(p.x, p.n, min_group, band) for key, p in aggregate.props.items()}
    role_keys = [f"{ROLE_PREFIX}{r}" for r in ROLES]
    if all(k in aggregate.props for k in role_keys):
        total = aggregate.props[role_keys[0]].n
        links = []
        for measure, cells in (
            ("victim", ("role.victim", "role.bully_victim")),
            ("bully", ("role.bully", "role.bully_victim")),
        ):
            p = aggregate.props.get(measure)
            if p is not None and p.n >= total:
                links.append(Link(cells=cells, shown=out[measure], x=p.x, n=p.n))
        counts = {k: aggregate.props[k].x for k in role_keys}
        out.update(
            protect_partition(counts, total, min_group=min_group, band=band, links=links, salt=salt)
        )
    return out


def _by_prevalence(rows: tuple[Row, ...]) -> tuple[Row, ...]:
    """Most frequent first, from what is shown only: exact and banded rows by their shown
    value (">95%" above any exact figure below 95%, "<5%" below any above 5%), hidden rows
    last in key order, so the order itself tells nothing about a hidden figure."""

    def rank(r: Row) -> tuple[int, float, str]:
        if r.shown.hidden:
            return (1, 0.0, r.key)
        if r.shown.label == GT95:
            return (0, -0.95, r.key)
        if r.shown.label == LT5:
            return (0, -0.05, r.key)
        return (0, -(r.shown.value or 0.0), r.key)

    return tuple(sorted(rows, key=rank))


def _scale_row(
    key: str,
    aggregate: Aggregate,
    previous: Aggregate | None,
    parent: Aggregate | None,
    allow_alpha: bool,
    min_group: int,
) -> ScaleRow:
    m = aggregate.means[key]
    if m.n < min_group:
        return ScaleRow(key=key, hidden=True)
    out = ScaleRow(key=key, hidden=False, n=m.n, mean=m.mean, sd=m.sd, interval=mean_interval(m))
    if allow_alpha and key in aggregate.alphas:
        sums = aggregate.alphas[key]
        out = replace(out, alpha=sums.alpha(), alpha_n=sums.n)
    if previous is not None and previous.respondents >= min_group and key in previous.means:
        before = previous.means[key]
        if before.n >= min_group:
            change = mean_difference(m, before)
            changed = change is not None and change.excludes(0.0)
            out = replace(out, change=change, changed=changed)
    if parent is not None and key in parent.means:
        bench = parent.means[key] - m
        if bench.n >= min_group:
            comparison = mean_difference(m, bench)
            differs = comparison is not None and comparison.excludes(0.0)
            out = replace(out, benchmark=bench.mean, comparison=comparison, differs=differs)
    return out


@dataclass(frozen=True)
class ChildRow:
    """One child (class, school...) in its parent's list: size and protected measures.

    ``measures`` holds proportions (share in ``value``) and scale means (mean in ``value``).
    """

    key: Hashable
    size: Shown
    measures: dict[str, Shown]


def children_table(
    parent: Aggregate,
    children: Mapping[K, Aggregate],
    *,
    measures: Sequence[str] = MAIN_MEASURES,
    min_group: int = MIN_GROUP,
    band: int = BAND,
) -> list[ChildRow]:
    """The children of a unit beside its total, with complementary suppression across them
    (first on respondents, then per measure), so no hidden child can be recovered.

    ``parent`` must include every listed child (it may include more). Scale means are
    protected through their n: a child's mean is hidden when its n could be recovered.
    """
    sizes = protect_children(parent, children, min_group=min_group, band=band)
    table: dict[K, dict[str, Shown]] = {k: {} for k in children}
    for key in measures:
        if key not in parent.props:
            continue
        props = {
            k: child.props.get(key, Proportion(0, 0, child.respondents))
            for k, child in children.items()
        }
        shown = protect_children(
            parent.props[key], props, min_group=min_group, band=band, sizes=sizes
        )
        for k, cell in shown.items():
            table[k][key] = cell
    for key, total in parent.means.items():
        moments = {k: child.means.get(key, Moments()) for k, child in children.items()}
        as_counts = {
            k: Proportion(0, m.n, max(0, children[k].respondents - m.n)) for k, m in moments.items()
        }
        shown = protect_children(
            Proportion(0, total.n, 0), as_counts, min_group=min_group, band=band, sizes=sizes
        )
        for k, cell in shown.items():
            m = moments[k]
            table[k][key] = (
                Shown(hidden=True, reason=cell.reason)
                if cell.hidden
                else Shown(hidden=False, n=m.n, value=m.mean, interval=mean_interval(m))
            )
    return [ChildRow(key=k, size=sizes[k], measures=table[k]) for k in children]


def _pct(value: float) -> str:
    """A share as the active language writes numbers (as the ``pct`` template filter)."""
    from django.utils.formats import number_format

    return f"{number_format(round(value * 100), 0)}%"


def svg_bars(rows: Sequence[Row], labels: Mapping[str, str] | None = None, title: str = "") -> str:
    """A small accessible inline SVG bar chart (role="img", <title>, text labels) with 95%
    interval whiskers; banded rows show their band text, hidden rows their reason. No JS."""
    labels = labels or {}
    label_w, plot_w, value_w = 190, 260, 120
    bar_h, gap, top = 16, 10, 8
    width = label_w + plot_w + value_w
    height = top * 2 + len(rows) * (bar_h + gap)
    x0 = label_w
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="survey-bars" role="img" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}">',
        f"<title>{escape(title)}</title>",
    ]
    # Axis at 0%, 50% and 100%.
    for frac in (0.0, 0.5, 1.0):
        x = x0 + frac * plot_w
        parts.append(
            f'<line x1="{x:.1f}" y1="{top / 2:.1f}" x2="{x:.1f}" y2="{height - top / 2:.1f}" '
            f'stroke="#bbb" stroke-width="1" aria-hidden="true"/>'
        )
    for i, r in enumerate(rows):
        y = top + i * (bar_h + gap)
        mid = y + bar_h / 2
        name = escape(labels.get(r.key, r.key))
        parts.append(
            f'<text x="{label_w - 6}" y="{mid + 4:.1f}" text-anchor="end" font-size="12">'
            f"{name}</text>"
        )
        s = r.shown
        if s.exact and s.value is not None:
            text = _pct(s.value)
            parts.append(
                f'<rect x="{x0}" y="{y}" width="{s.value * plot_w:.1f}" height="{bar_h}" '
                f'fill="#4a78a8"/>'
            )
            if s.interval is not None:
                lo, hi = x0 + s.interval.low * plot_w, x0 + s.interval.high * plot_w
                parts.append(
                    f'<path d="M{lo:.1f} {mid:.1f}H{hi:.1f}M{lo:.1f} {y + 3}V{y + bar_h - 3}'
                    f'M{hi:.1f} {y + 3}V{y + bar_h - 3}" stroke="#222" stroke-width="1.5" '
                    f'fill="none" aria-hidden="true"/>'
                )
                text = f"{text} ({_pct(s.interval.low)}\u2013{_pct(s.interval.high)})"
        else:
            text = label_text(s)
        parts.append(
            f'<text x="{x0 + plot_w + 6}" y="{mid + 4:.1f}" font-size="12">{escape(text)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def child_results(
    parent: Aggregate,
    children: Mapping[K, Aggregate],
    key: K,
    *,
    min_group: int = MIN_GROUP,
    band: int = BAND,
    **kwargs: Any,
) -> Results:
    """The results page of one child (a class of a school) that agrees with its parent's list.

    A child hidden in :func:`children_table` (too small, or hidden so that a small sibling
    cannot be recovered) gets no page; a measure hidden there is hidden here too. Otherwise
    the page is :func:`build_results` of the child (``kwargs`` go there).
    """
    table = {
        row.key: row for row in children_table(parent, children, min_group=min_group, band=band)
    }
    row = table[key]
    child = children[key]
    if row.size.hidden:
        return Results(
            hidden=True,
            respondents=None,
            eligible=child.eligible,
            response_rate=None,
            low_response=False,
        )
    results = build_results(child, min_group=min_group, band=band, **kwargs)

    def guard(r: Row) -> Row:
        cell = row.measures.get(r.key)
        if cell is not None and cell.hidden and not r.shown.hidden:
            return Row(key=r.key, shown=hidden(COMPLEMENTARY))
        return r

    def guard_scale(s: ScaleRow) -> ScaleRow:
        cell = row.measures.get(s.key)
        if cell is not None and cell.hidden and not s.hidden:
            return ScaleRow(key=s.key, hidden=True)
        return s

    return replace(
        results,
        rows=tuple(guard(r) for r in results.rows),
        scales=tuple(guard_scale(s) for s in results.scales),
    )
