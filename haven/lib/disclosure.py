"""Disclosure control: the one rule for every figure shown above the school (pages, PDFs,
exports, the API), applied after aggregation. Pure Python, no Django models.

Counts (``protect_counts``):
- a count of 1 .. ``min_cell`` - 1 is hidden (primary); zero and counts at or above the
  threshold are shown, unless hidden as complementary cells;
- complementary hiding: a group of cells that add up to a total (the children of a unit and
  the unit; the channels of a unit's reports and their total) is checked as an observer would
  check it. Each cell is an integer range (exact when shown, 1 .. min_cell - 1 when hidden as
  small, 0 .. the total when hidden as complementary), the total is one too; one linear
  equation ties them. While the equation pins a small cell (or a small total) to one value, the
  next smallest shown cell is hidden too. For a single equation with interval ranges this
  propagation is exact: a cell that it does not pin has at least two possible values.

Shares (``protect_share``): shown only when the denominator is at least the threshold; a
numerator of 0, 1 .. min_cell - 1, or within that of the denominator (which tells the reader
every individual's answer, or nearly) shows as "under 5%" / "over 95%" when that is true and
covers at least two possible counts, else it is hidden. Means: ``protect_mean``.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from typing import TypeVar

DEFAULT_MIN_CELL = 10
MIN_CELL_RANGE = (5, 20)

K = TypeVar("K", bound=Hashable)

# Why a count is hidden.
SMALL = "small"
COMPLEMENTARY = "complementary"
# Band tokens of shares (the display translates them).
LT5 = "lt5"
GT95 = "gt95"

Box = tuple[int, int]


def min_cell() -> int:
    """The deployment's threshold, ``HAVEN_MIN_CELL`` (validated when settings load)."""
    from django.conf import settings

    return int(getattr(settings, "HAVEN_MIN_CELL", DEFAULT_MIN_CELL))


def check_min_cell(value: int) -> int:
    low, high = MIN_CELL_RANGE
    if not low <= value <= high:
        raise ValueError(f"HAVEN_MIN_CELL must be between {low} and {high}, not {value}")
    return value


def small(count: int, threshold: int) -> bool:
    return 1 <= count < threshold


@dataclass(frozen=True)
class Count:
    """What may be shown of a count: ``hidden`` with its ``reason``, else the count."""

    value: int
    hidden: bool = False
    reason: str = ""

    @property
    def shown(self) -> int | None:
        return None if self.hidden else self.value


def primary(value: int, threshold: int) -> Count:
    """A count under the primary rule alone."""
    return Count(value, hidden=True, reason=SMALL) if small(value, threshold) else Count(value)


def _box(cell: Count, threshold: int, top: int) -> Box:
    if not cell.hidden:
        return (cell.value, cell.value)
    if cell.reason == SMALL:
        return (1, threshold - 1)
    return (0, top)


def _pinned(parts: Mapping[K, Box], total: Box, sensitive: set[K], total_sensitive: bool) -> bool:
    """Whether ``sum(parts) == total`` pins a sensitive part (or a sensitive total)."""
    lo_sum = sum(b[0] for b in parts.values())
    hi_sum = sum(b[1] for b in parts.values())
    t_lo, t_hi = max(total[0], lo_sum), min(total[1], hi_sum)
    if t_lo > t_hi:
        return True  # inconsistent model of the observer: play safe
    if total_sensitive and t_lo == t_hi:
        return True
    for k in sensitive:
        lo, hi = parts[k]
        k_lo = max(lo, t_lo - (hi_sum - hi))
        k_hi = min(hi, t_hi - (lo_sum - lo))
        if k_lo >= k_hi:
            return True
    return False


def protect_counts(
    total: int,
    parts: Mapping[K, int],
    *,
    threshold: int,
    total_cell: Count | None = None,
    total_top: int | None = None,
    partition: bool = True,
) -> tuple[Count, dict[K, Count]]:
    """The displayable total and parts of a group of counts.

    ``total_cell``: the total as already decided one level up (a unit hidden in its parent's
    table stays hidden in its own), else the total gets the primary rule. ``total_top``: the
    largest value an observer thinks a complementary-hidden total may have. ``partition``:
    whether the parts add up to the total; when not (a report names several harms) only the
    primary rule applies.
    """
    if total_cell is None:
        total_cell = (
            Count(total, hidden=True, reason=SMALL) if small(total, threshold) else Count(total)
        )
    cells = {
        k: Count(v, hidden=True, reason=SMALL) if small(v, threshold) else Count(v)
        for k, v in parts.items()
    }
    if not partition:
        return total_cell, cells
    if sum(parts.values()) != total:
        raise ValueError("the parts must add up to the total")
    top = total if not total_cell.hidden else (total_top if total_top is not None else total)
    top = max(top, threshold - 1)
    sensitive = {k for k, c in cells.items() if c.reason == SMALL}
    total_sensitive = total_cell.reason == SMALL
    while True:
        boxes = {k: _box(c, threshold, top) for k, c in cells.items()}
        if not _pinned(boxes, _box(total_cell, threshold, top), sensitive, total_sensitive):
            return total_cell, cells
        candidates = sorted(
            (c.value, i, k) for i, (k, c) in enumerate(cells.items()) if not c.hidden
        )
        if not candidates:
            return total_cell, cells
        _, _, k = candidates[0]
        cells[k] = Count(cells[k].value, hidden=True, reason=COMPLEMENTARY)


@dataclass(frozen=True)
class Share:
    value: float | None  # None when hidden or banded
    label: str = ""  # LT5 / GT95 when banded
    hidden: bool = False


def band_top(n: int) -> int:
    """The largest count x with x / n under 5%."""
    return max(0, (n - 1) // 20)


def protect_share(x: int, n: int, *, threshold: int) -> Share:
    """x out of n as a share that gives no individual away (see the module's note)."""
    if n < threshold or n <= 0:
        return Share(None, hidden=True)
    if x < 0 or x > n:
        raise ValueError("count out of range")
    close = threshold - 1
    top = band_top(n)
    if x <= close:
        # "under 5%" must be true and cover two counts at least (0 and 1 at the least).
        if x <= top and top >= 1:
            return Share(None, label=LT5)
        return Share(None, hidden=True)
    if n - x <= close:
        if n - x <= top and top >= 1:
            return Share(None, label=GT95)
        return Share(None, hidden=True)
    return Share(x / n)


def protect_mean(mean: float | None, n: int, *, threshold: int) -> float | None:
    """A mean is shown only for a group at or above the threshold."""
    return mean if n >= threshold else None
