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
from typing import Generic, TypeVar

DEFAULT_MIN_CELL = 10
MIN_CELL_RANGE = (5, 20)

K = TypeVar("K", bound=Hashable)

# Why a count is hidden.
SMALL = "small"  # shown as "under <threshold>"
COMPLEMENTARY = "complementary"
WITHHELD = "withheld"  # small, but saying so would give it away: shown as hidden
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


def _box(cell: Count, threshold: int, cap: int) -> Box:
    """What an observer knows of a cell: exact when shown, 1 .. threshold - 1 when hidden as
    small, else anything up to ``cap`` (the largest total the observer knows of)."""
    if not cell.hidden:
        return (cell.value, cell.value)
    if cell.reason == SMALL:
        return (1, threshold - 1)
    return (0, cap)


def protect_counts(
    total: int,
    parts: Mapping[K, int],
    *,
    threshold: int,
    total_cell: Count | None = None,
    total_range: Box | None = None,
    cap: int | None = None,
    partition: bool = True,
) -> tuple[Count, dict[K, Count], dict[K, Box]]:
    """The displayable parts of a total (a unit's children, or its breakdown), and the range
    an observer can narrow each part to.

    ``total_cell``: the total as the table above shows it (else the primary rule);
    ``total_range``: what the observer knows of the total from above (by default its box);
    ``cap``: the largest value the observer may think a hidden cell has. Parts are hidden,
    smallest first, until (1) no small part is pinned to one value and (2) a hidden total is
    not narrowed by its shown parts (else the table above, which assumed it unknown, would
    leak). When all parts are hidden and that is still not enough, the small ones are withheld
    without saying they are small. ``partition``: whether the parts add up to the total; when
    not (a report names several harms) only the primary rule applies.
    """
    if total_cell is None:
        total_cell = primary(total, threshold)
    cells = {k: primary(v, threshold) for k, v in parts.items()}
    if cap is None:
        cap = total if not total_cell.hidden else threshold - 1
    cap = max(cap, total)
    if total_range is None:
        total_range = _box(total_cell, threshold, cap)
    if not partition:
        return total_cell, cells, {k: _box(c, threshold, cap) for k, c in cells.items()}
    if sum(parts.values()) != total:
        raise ValueError("the parts must add up to the total")
    while True:
        boxes = {k: _box(c, threshold, cap) for k, c in cells.items()}
        ranges = _ranges(boxes, total_range)
        leak = ranges is None
        if ranges is not None:
            t_range, part_ranges = ranges
            leak = (total_cell.hidden and t_range != total_range) or any(
                (cells[k].reason == SMALL and part_ranges[k][0] == part_ranges[k][1])
                or (cells[k].reason == WITHHELD and part_ranges[k][0] == part_ranges[k][1])
                for k in cells
            )
            if not leak:
                return total_cell, cells, part_ranges
        candidates = sorted(
            (c.value, i, k) for i, (k, c) in enumerate(cells.items()) if not c.hidden
        )
        if candidates:
            _, _, k = candidates[0]
            cells[k] = Count(cells[k].value, hidden=True, reason=COMPLEMENTARY)
            continue
        small_ones = [k for k, c in cells.items() if c.reason == SMALL]
        if not small_ones:
            return total_cell, cells, {k: (0, cap) for k in cells}
        for k in small_ones:
            cells[k] = Count(cells[k].value, hidden=True, reason=WITHHELD)


def _ranges(boxes: Mapping[K, Box], total: Box) -> tuple[Box, dict[K, Box]] | None:
    """Exact ranges of the total and of each part under ``sum(parts) == total`` (one linear
    equation over integer intervals); None when nothing fits."""
    lo_sum = sum(b[0] for b in boxes.values())
    hi_sum = sum(b[1] for b in boxes.values())
    t_lo, t_hi = max(total[0], lo_sum), min(total[1], hi_sum)
    if t_lo > t_hi:
        return None
    return (t_lo, t_hi), {
        k: (max(lo, t_lo - (hi_sum - hi)), min(hi, t_hi - (lo_sum - lo)))
        for k, (lo, hi) in boxes.items()
    }


def protect_tree(
    root: K,
    children: Mapping[K, list[K]],
    values: Mapping[K, int],
    *,
    threshold: int,
) -> dict[K, Count]:
    return protect_tree_known(root, children, values, threshold=threshold).shown


@dataclass(frozen=True)
class TreeCells(Generic[K]):
    shown: dict[K, Count]
    known: dict[K, Box]  # what an observer can narrow each unit to
    cap: int  # the largest value an observer may think a hidden unit has


def protect_tree_known(
    root: K,
    children: Mapping[K, list[K]],
    values: Mapping[K, int],
    *,
    threshold: int,
) -> TreeCells[K]:
    """Every unit of a tree as shown at any level: the root by the primary rule, then each
    unit's children protected against their parent, from the top down, each table knowing
    only what the observer knows of its total from the tables above.

    A unit's cell depends only on its ancestors' tables, so the same unit gets the same cell on
    every page (its own, its parent's table, the country's), and a table never narrows what
    the tables above left open: pages cannot be played against each other. ``children`` may
    leave out the children of units nobody asked about.
    """
    root_cell = primary(values[root], threshold)
    cap = values[root] if not root_cell.hidden else threshold - 1
    shown: dict[K, Count] = {root: root_cell}
    known: dict[K, Box] = {root: _box(root_cell, threshold, cap)}
    stack = [root]
    while stack:
        node = stack.pop()
        kids = children.get(node, [])
        if not kids:
            continue
        parts = {k: values[k] for k in kids}
        _, cells, ranges = protect_counts(
            values[node],
            parts,
            threshold=threshold,
            total_cell=shown[node],
            total_range=known[node],
            cap=cap,
            partition=sum(parts.values()) == values[node],
        )
        for k in kids:
            shown[k] = cells[k]
            known[k] = ranges[k]
            stack.append(k)
    return TreeCells(shown, known, cap)


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
