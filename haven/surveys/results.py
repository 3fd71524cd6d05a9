"""Results of one group for display and export, suppression applied (pure, no Django).

``build_results`` turns an :class:`~haven.surveys.stats.Aggregate` (optionally with the
previous campaign's and the parent level's) into a :class:`Results` whose every figure is
already protected by :mod:`haven.surveys.suppression`. Templates and exports read only this.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import TypeVar

from haven.surveys.stats import RESPONSE_RATE_FLAG, Aggregate, Interval
from haven.surveys.suppression import BAND, MIN_GROUP, Shown

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
) -> Results:
    """The protected results of one group.

    ``previous``: the same group's previous campaign (change rows); ``parent``: the level
    above including this group (benchmark = parent minus this group); ``allow_alpha``: True
    only for levels above the school.
    """
    raise NotImplementedError


@dataclass(frozen=True)
class ChildRow:
    """One child (class, school...) in its parent's list: size and protected measures."""

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
    (first on respondents, then per measure), so no hidden child can be recovered."""
    raise NotImplementedError


def svg_bars(rows: Sequence[Row], labels: Mapping[str, str] | None = None, title: str = "") -> str:
    """A small accessible inline SVG bar chart (role="img", <title>, text labels) with 95%
    interval whiskers; banded rows show their band text, hidden rows a dash. No JS."""
    raise NotImplementedError
