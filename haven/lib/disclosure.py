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

import hashlib
import itertools
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from haven.lib.stats import Aggregate, Interval, Proportion, wilson

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


def _count_box(cell: Count, threshold: int, cap: int) -> Box:
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
        total_range = _count_box(total_cell, threshold, cap)
    if not partition:
        return total_cell, cells, {k: _count_box(c, threshold, cap) for k, c in cells.items()}
    if sum(parts.values()) != total:
        raise ValueError("the parts must add up to the total")
    while True:
        boxes = {k: _count_box(c, threshold, cap) for k, c in cells.items()}
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
    # The same walk as a breakdown's, with the figure's own column alone.
    found = protect_tree_table(
        root,
        children,
        {unit: {HEAD: value} for unit, value in values.items()},
        [],
        threshold=threshold,
    )
    shown = {unit: cell for (unit, _column), cell in found.shown.items()}
    known = {unit: box for (unit, _column), box in found.known.items()}
    cap = found.cap
    return TreeCells(shown, known, cap)


HEAD = ""  # the column of a unit's own figure in a breakdown table (its categories beside it)
Key = tuple[Any, str]  # (unit, column)


def _narrow(equations: list[tuple[Key, list[Key]]], boxes: dict[Key, Box]) -> dict[Key, Box] | None:
    """Interval propagation to a fixed point over ``total == sum(parts)`` equations, as an
    observer holding every page would do it; None when nothing fits."""
    ranges = dict(boxes)
    for _round in range(100):
        changed = False
        for total, parts in equations:
            part_boxes = {k: ranges[k] for k in parts}
            found = _ranges(part_boxes, ranges[total])
            if found is None:
                return None
            t_range, narrowed = found
            for key, box in [(total, t_range), *narrowed.items()]:
                if box != ranges[key]:
                    ranges[key] = box
                    changed = True
        if not changed:
            break
    return ranges


def _table_equations(
    node: Any, kids: list[Any], values: Mapping[Any, Mapping[str, int]], columns: Sequence[str]
) -> list[tuple[Key, list[Key]]]:
    """The sums an observer knows hold in one table: each column of the node is the sum of
    its children's (when it is: a unit may have counts of its own), and each row's figure the
    sum of its categories (when the categories partition it)."""
    equations = []
    for column in (HEAD, *columns):
        if values[node][column] == sum(values[k][column] for k in kids):
            equations.append(((node, column), [(k, column) for k in kids]))
    for unit in (node, *kids):
        if columns and values[unit][HEAD] == sum(values[unit][c] for c in columns):
            equations.append(((unit, HEAD), [(unit, c) for c in columns]))
    return equations


def protect_tree_table(
    root: K,
    children: Mapping[K, list[K]],
    values: Mapping[K, Mapping[str, int]],
    columns: Sequence[str],
    *,
    threshold: int,
    partition: bool = True,
) -> TreeCells[tuple[K, str]]:
    """``protect_tree_known`` for a figure with a breakdown: every unit's figure (column
    ``HEAD``) and its categories, as shown at any level.

    Each table is a unit's children (rows) by its figure and categories (columns), under the
    unit's own row as the table above left it. Three kinds of sums tie its cells: a column is
    its children's sum, a row's figure is its categories' sum (``partition``: a report names
    one channel; not so for harms), and so is the unit's own row. Cells are hidden, smallest
    first among those sharing a sum with the leak, until interval propagation over all of them
    (what an observer holding every page can do) neither pins a small cell nor narrows what
    the table above left open. From the top down, so a unit's cells are the same on every
    page, as in ``protect_tree_known``.
    """
    cols = list(columns)
    root_values = values[root]
    root_total, root_parts, _ranges_unused = protect_counts(
        root_values[HEAD],
        {c: root_values[c] for c in cols},
        threshold=threshold,
        partition=partition and sum(root_values[c] for c in cols) == root_values[HEAD],
    )
    cap = root_values[HEAD] if not root_total.hidden else threshold - 1
    cap = max([cap, *(root_values[c] for c in cols if not root_parts[c].hidden)])
    shown: dict[Key, Count] = {(root, HEAD): root_total}
    shown.update({(root, c): root_parts[c] for c in cols})
    known = {key: _count_box(cell, threshold, cap) for key, cell in shown.items()}
    row_sums = partition and bool(cols)
    stack = [root]
    while stack:
        node = stack.pop()
        kids = children.get(node, [])
        if not kids:
            continue
        equations = _table_equations(node, kids, values, cols if row_sums else [])
        cells = {(k, c): primary(values[k][c], threshold) for k in kids for c in (HEAD, *cols)}
        while True:
            boxes = {key: _count_box(cell, threshold, cap) for key, cell in cells.items()}
            boxes.update({(node, c): known[(node, c)] for c in (HEAD, *cols)})
            ranges = _narrow(equations, boxes)
            if ranges is None:  # cannot happen with true counts; hide the rest, say nothing
                ranges = {key: (0, cap) for key in boxes}
                break
            leaking = [
                key
                for key, cell in cells.items()
                if cell.reason in (SMALL, WITHHELD) and ranges[key][0] == ranges[key][1]
            ] + [
                (node, c)
                for c in (HEAD, *cols)
                if shown[(node, c)].hidden and ranges[(node, c)] != known[(node, c)]
            ]
            if not leaking:
                break
            # Each leak hides the smallest shown cell of a sum it is in, all in one round (a
            # zone's schools by places held hundreds of small cells: one a round was slow).
            chosen: set[Key] = set()
            for leak in leaking:
                local = sorted(
                    (cells[key].value, str(key), key)
                    for total, parts in equations
                    if leak in (total, *parts)
                    for key in (total, *parts)
                    if key in cells and not cells[key].hidden and key not in chosen
                )
                if local:
                    chosen.add(local[0][2])
            if chosen:
                for key in chosen:
                    cells[key] = Count(cells[key].value, hidden=True, reason=COMPLEMENTARY)
                continue
            # What carries the inference: the leaking cells and every hidden cell pinned on
            # the way. A shown cell in a sum with one of them is a candidate to hide.
            pinned = set(leaking) | {
                key
                for key, cell in cells.items()
                if cell.hidden and ranges[key][0] == ranges[key][1]
            }
            near = {
                key
                for total, parts in equations
                if pinned.intersection((total, *parts))
                for key in (total, *parts)
                if key in cells
            }
            # Nearest first; when none is left there, any shown cell of the table (the
            # inference can run through cells already hidden).
            candidates = sorted(
                (key not in near, cells[key].value, index, key)
                for index, key in enumerate(cells)
                if not cells[key].hidden
            )
            if candidates:
                key = candidates[0][3]
                cells[key] = Count(cells[key].value, hidden=True, reason=COMPLEMENTARY)
                continue
            small_ones = [key for key, cell in cells.items() if cell.reason == SMALL]
            if not small_ones:
                ranges = {key: (0, cap) for key in boxes}
                break
            for key in small_ones:
                cells[key] = Count(cells[key].value, hidden=True, reason=WITHHELD)
        for key, cell in cells.items():
            shown[key] = cell
            known[key] = ranges[key]
        stack.extend(kids)
    return TreeCells(shown, known, cap)


@dataclass(frozen=True)
class Share:
    value: float | None  # None when hidden or banded
    label: str = ""  # LT5 / GT95 when banded
    hidden: bool = False


def protect_share(x: int, n: int, *, threshold: int) -> Share:
    """x out of n as a share that gives no individual away (see the module's note)."""
    if n < threshold or n <= 0:
        return Share(None, hidden=True)
    if x < 0 or x > n:
        raise ValueError("count out of range")
    close = threshold - 1
    top = band_top(n, close)
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


# =============================================================================================
# Shares of survey answers: groups, roles, children beside their parent (moved from surveys)
#
# Small-count protection applied after aggregation, at every level (pure Python, no Django).
#
# Rules (issue 5, domain notes section 4):
# - no group with fewer than ``MIN_GROUP`` respondents is shown, nor its size;
# - a count of 1..``BAND``, or within ``BAND`` of the total, shows only as "<5%" / ">95%" when
#   that is true and still covers two or more counts, else it is hidden;
# - complementary suppression: a hidden cell cannot be recovered by subtracting the shown
#   cells from a shown total (the four roles from their total; the schools of a district from
#   the district).
#
# What an observer knows about a cell is modelled as an integer range ("box"): exact for a shown
# cell, 1..4 for "<5%", and so on. The observer also knows the published sums. A cell is leaked
# when those sums pin its value to one number; we then hide the next smallest shown cell and
# check again. The rules are public (this is open source), so the boxes assume the observer
# knows why a cell is hidden.
#
# Known limits: a reader who simulates these rules can also reason about which cell *would* have
# been hidden; for the roles a secret ``salt`` closes that (see :func:`protect_partition`),
# for children lists (smallest first) it is not addressed. An insider who knows one child's
# exact figures can subtract that child too.

MIN_GROUP = 10
BAND = 4

# Band tokens (LT5, GT95 above) are kept in the data; label_text() translates them.

# Why a cell is hidden (the display may say "fewer than 10 answers" for SMALL_GROUP).
SMALL_GROUP = "small_group"
BANDED = "band"


@dataclass(frozen=True)
class Shown:
    """What may be displayed of one cell.

    - ``hidden``: nothing but the reason may be displayed (``n`` is None when the group
      size itself must not be shown);
    - ``label``: a band token (``LT5`` / ``GT95``); then ``value`` and ``interval`` are None;
    - otherwise ``value`` (a share 0..1, or a mean/rate for size cells) and ``interval``.
    """

    hidden: bool
    n: int | None = None
    value: float | None = None
    interval: Interval | None = None
    label: str | None = None
    reason: str | None = None

    @property
    def exact(self) -> bool:
        """True when an exact figure is displayed (not hidden, not banded)."""
        return not self.hidden and self.label is None


def hidden(reason: str, n: int | None = None) -> Shown:
    return Shown(hidden=True, n=n, reason=reason)


def protect_proportion(x: int, n: int, min_group: int = MIN_GROUP, band: int = BAND) -> Shown:
    """The displayable form of x out of n.

    Counts 0 and n are banded like small ones: "0%" or "100%" tells the reader every
    respondent's answer (a county's "100% (76-100%)" of 12 pupils did). A band "<5%" holds
    any count from 0 to :func:`band_top` and is used only when that is two counts at least;
    otherwise the cell is hidden. Mirrored for ">95%".
    """
    if n < min_group:
        return hidden(SMALL_GROUP)
    if x < 0 or x > n:
        raise ValueError("count out of range")
    top = band_top(n, band)
    if x <= band:
        if x <= top and top >= 1:
            return Shown(hidden=False, n=n, label=LT5, reason=BANDED)
        # The band would state something false (4 of 12 is 33%, not "<5%"), or would give the
        # count away (with n = 12 "<5%" could only mean 0): hide instead.
        # Never a false figure, never the exact small count.
        return hidden(BANDED, n)
    if n - x <= band:
        if n - x <= top and top >= 1:
            return Shown(hidden=False, n=n, label=GT95, reason=BANDED)
        return hidden(BANDED, n)
    return Shown(hidden=False, n=n, value=x / n, interval=wilson(x, n))


def band_top(n: int, band: int = BAND) -> int:
    """The largest count a "<5%" cell of n can hold (at most ``band``): x/n < 5%.

    A band is used only when it covers at least two counts (0 and 1: n > 20).
    The same bound, mirrored, holds for ">95%" (n - x).
    """
    # x/n < 1/20  <=>  20x < n  <=>  x <= (n - 1) // 20, in integers (no float rounding).
    return max(0, min(band, (n - 1) // 20))


def label_text(shown: Shown) -> str:
    """The translated text of a cell's band or hiding (empty for an exact figure)."""
    from django.utils.translation import gettext

    if shown.label == LT5:
        return gettext("<5%")
    if shown.label == GT95:
        return gettext(">95%")
    if shown.hidden and shown.reason == SMALL_GROUP:
        return gettext("Too few answers to show")
    if shown.hidden:
        return gettext("Hidden to protect privacy")
    return ""


# ---------------------------------------------------------------------------------------------
# What an observer can deduce


# Above this many combinations the exact check is not attempted: everything is hidden instead.
_MAX_COMBINATIONS = 200_000


def _share_box(shown: Shown, x: int, n: int, band: int) -> Box:
    """The range an observer knows for the count behind ``shown`` (x of n)."""
    if shown.exact:
        return (x, x)
    if shown.label == LT5:
        return (0, band_top(n, band))
    if shown.label == GT95:
        return (n - band_top(n, band), n)
    return (0, n)


def _sum_ranges(boxes: Sequence[Box], total: int) -> list[Box] | None:
    """Exact ranges of integer variables in their boxes whose sum is ``total``."""
    lo_sum = sum(b[0] for b in boxes)
    hi_sum = sum(b[1] for b in boxes)
    if not lo_sum <= total <= hi_sum:
        return None
    return [(max(lo, total - (hi_sum - hi)), min(hi, total - (lo_sum - lo))) for lo, hi in boxes]


@dataclass(frozen=True)
class Link:
    """A published figure that sums some cells of a partition.

    ``shown`` displays a count of ``n`` respondents equal to the sum of ``cells`` plus
    between 0 and ``n - total`` respondents outside the partition (those who answered this
    item but not every item the partition needs). Example: the global "victim" row links
    "role.victim" + "role.bully_victim".
    """

    cells: tuple[Hashable, ...]
    shown: Shown
    x: int
    n: int


def _partition_leaks(
    keys: Sequence[K],
    boxes: Mapping[K, Box],
    total: int,
    sensitive: set[K],
    links: Sequence[Link],
    band: int,
) -> bool | None:
    """Whether a sensitive cell (or a suppressed link) is pinned; None if too big to check."""
    unknown = [k for k in keys if boxes[k][0] != boxes[k][1]]
    known = total - sum(boxes[k][0] for k in keys if k not in unknown)
    if not links:
        if not unknown:
            return False
        ranges = _sum_ranges([boxes[k] for k in unknown], known)
        if ranges is None:
            return True
        return any(r[0] == r[1] for k, r in zip(unknown, ranges, strict=True) if k in sensitive)
    # With links the sum formula is not enough: enumerate every unknown cell but the widest,
    # which the total then fixes.
    rest = sorted(unknown, key=lambda k: boxes[k][1] - boxes[k][0])[:-1]
    widest = [k for k in unknown if k not in rest]
    size = 1
    for k in rest:
        size *= boxes[k][1] - boxes[k][0] + 1
    if size > _MAX_COMBINATIONS:
        return None
    seen: dict[Hashable, set[int]] = {k: set() for k in unknown}
    link_seen: list[set[int]] = [set() for _ in links]
    link_boxes = [_share_box(link.shown, link.x, link.n, band) for link in links]
    fixed: dict[Hashable, int] = {k: boxes[k][0] for k in keys if k not in unknown}
    for combo in itertools.product(*(range(boxes[k][0], boxes[k][1] + 1) for k in rest)):
        values: dict[Hashable, int] = {**fixed, **dict(zip(rest, combo, strict=True))}
        last = known - sum(combo)
        if widest:
            if not boxes[widest[0]][0] <= last <= boxes[widest[0]][1]:
                continue
            values[widest[0]] = last
        elif last != 0:
            continue
        possible: list[range] = []
        for link, lbox in zip(links, link_boxes, strict=True):
            inner = sum(values[c] for c in link.cells)
            slack = max(0, link.n - total)
            possible.append(range(max(lbox[0], inner), min(lbox[1], inner + slack) + 1))
        if any(len(r) == 0 for r in possible):
            continue
        for k in unknown:
            seen[k].add(values[k])
        for found, r in zip(link_seen, possible, strict=True):
            found.update(r)
    if not all(link_seen) or (unknown and not seen[unknown[0]]):
        # Nothing fits: the model of the observer is wrong; play safe.
        return True
    if any(len(seen[k]) == 1 for k in unknown if k in sensitive):
        return True
    return any(
        not link.shown.exact and len(found) == 1
        for link, found in zip(links, link_seen, strict=True)
    )


def _order(salt: str, key: Hashable, count: int) -> tuple[int, int]:
    """Smallest first without a salt; a keyed pseudo-random order with one."""
    if not salt:
        return (count, 0)
    digest = hashlib.sha256(f"{salt}\x00{key}".encode()).digest()
    return (int.from_bytes(digest[:8], "big"), 0)


def protect_partition(
    counts: Mapping[K, int],
    total: int,
    *,
    min_group: int = MIN_GROUP,
    band: int = BAND,
    links: Sequence[Link] = (),
    salt: str = "",
) -> dict[K, Shown]:
    """Protect categories that add up to ``total`` (the four roles).

    Each cell first gets :func:`protect_proportion`. While a suppressed cell (hidden or
    banded) could be pinned by subtracting the shown cells from the total (and from the
    ``links``), the next smallest shown cell is hidden too. If nothing is left to hide, every
    cell is hidden.

    ``salt``: a secret per group (e.g. the site's secret key with the unit and campaign).
    With it, the extra cell to hide is picked in a keyed pseudo-random order instead of the
    smallest first. The subtraction check is the same; what it adds: a reader who knows these
    rules can otherwise reason "had that cell been 5, the zero would have been hidden instead"
    and, for totals under about 30, narrow a hidden cell down to one value. An exhaustive
    check over all role counts with totals 10..30 found such inferences with the
    smallest-first order and none when any shown cell may be the one hidden.
    """
    keys = list(counts)
    if sum(counts.values()) != total:
        raise ValueError("the cells must add up to the total")
    if total < min_group:
        return {k: hidden(SMALL_GROUP) for k in keys}
    shown = {k: protect_proportion(counts[k], total, min_group, band) for k in keys}
    sensitive = {k for k in keys if not shown[k].exact}
    while True:
        boxes = {k: _share_box(shown[k], counts[k], total, band) for k in keys}
        leaks = _partition_leaks(keys, boxes, total, sensitive, links, band)
        if leaks is False:
            return shown
        candidates = sorted(
            (_order(salt, k, counts[k]), i, k) for i, k in enumerate(keys) if shown[k].exact
        )
        if leaks is None or not candidates:
            return {k: hidden(COMPLEMENTARY, total) for k in keys}
        _, _, k = candidates[0]
        shown[k] = hidden(COMPLEMENTARY, total)


def protect_children(
    parent: Proportion | Aggregate,
    children: Mapping[K, Proportion] | Mapping[K, Aggregate],
    *,
    min_group: int = MIN_GROUP,
    band: int = BAND,
    sizes: Mapping[K, Shown] | None = None,
) -> dict[K, Shown]:
    """Protect the children (classes, schools...) listed beside their parent's total.

    With Proportions, each child is protected as a proportion; with Aggregates, the
    respondents count is protected (``value`` is then the response rate). A hidden child
    also hides its n. While the parent minus the shown children would pin a hidden child's n
    or a suppressed child's x, the next smallest child (by n) is hidden too.

    ``sizes``: the result of the Aggregate pass; children hidden there stay hidden (same
    reason) in every measure, so that measures cannot be combined to undo the choice.
    """
    keys = list(children)
    by_size = isinstance(parent, Aggregate)
    ns: dict[K, int] = {}
    xs: dict[K, int] = {}
    for k, child in children.items():
        if isinstance(child, Aggregate):
            ns[k], xs[k] = child.respondents, 0
        else:
            ns[k], xs[k] = child.n, child.x
    if isinstance(parent, Aggregate):
        parent_n, parent_x = parent.respondents, 0
    else:
        parent_n, parent_x = parent.n, parent.x
    if sum(ns.values()) > parent_n or sum(xs.values()) > parent_x:
        raise ValueError("the children are more than their parent")

    def primary(k: K) -> Shown:
        if sizes is not None and k in sizes and sizes[k].hidden:
            return hidden(sizes[k].reason or COMPLEMENTARY)
        if ns[k] < min_group:
            return hidden(SMALL_GROUP)
        child = children[k]
        if isinstance(child, Aggregate):
            return Shown(hidden=False, n=ns[k], value=child.response_rate)
        cell = protect_proportion(xs[k], ns[k], min_group, band)
        return hidden(cell.reason or BANDED) if cell.hidden else cell

    shown = {k: primary(k) for k in keys}
    # Cells whose count was itself too small or too close to n to show exactly.
    sensitive = {k for k in keys if not shown[k].exact and shown[k].reason != COMPLEMENTARY}
    while True:
        boxes = {
            k: _child_boxes(k, shown[k], children[k], parent_n, parent_x, sizes, min_group, band)
            for k in keys
        }
        if not _children_leak(keys, shown, boxes, parent_n, parent_x, sensitive, by_size):
            return shown
        candidates = sorted((ns[k], i, k) for i, k in enumerate(keys) if not shown[k].hidden)
        if not candidates:
            # Every child is hidden: the shown parent total still bounds them, as it must.
            return shown
        _, _, k = candidates[0]
        shown[k] = hidden(COMPLEMENTARY)


def _child_boxes(
    key: Hashable,
    cell: Shown,
    child: Proportion | Aggregate,
    parent_n: int,
    parent_x: int,
    sizes: Mapping[Any, Shown] | None,
    min_group: int,
    band: int,
) -> tuple[Box, Box]:
    """What an observer knows of a child's n and x."""
    if isinstance(child, Aggregate):
        n, x, respondents = child.respondents, 0, child.respondents
    else:
        n, x, respondents = child.n, child.x, child.n + child.missing
    if not cell.hidden:
        return (n, n), _share_box(cell, x, n, band)
    if cell.reason == SMALL_GROUP:
        n_box = (0, min(min_group - 1, parent_n))
    elif isinstance(child, Aggregate):
        n_box = (min_group, parent_n)
    elif sizes is not None and key in sizes and sizes[key].hidden:
        # Hidden in the size table as well: its respondents are unknown too.
        n_box = (0, parent_n)
    else:
        # Shown in the size table: n is at most its respondents (n + missing).
        n_box = (min_group, min(parent_n, respondents))
    x_lo = 1 if cell.reason == BANDED else 0
    x_box = (min(x_lo, parent_x), min(parent_x, max(n_box[1] - x_lo, 0)))
    return n_box, x_box


def _children_leak(
    keys: Sequence[K],
    shown: Mapping[K, Shown],
    boxes: Mapping[K, tuple[Box, Box]],
    parent_n: int,
    parent_x: int,
    sensitive: set[K],
    by_size: bool,
) -> bool:
    """Whether parent minus the shown children pins a hidden n or a sensitive x."""
    ranges = _sum_ranges([boxes[k][0] for k in keys], parent_n)
    if ranges is not None:
        pinned = dict(zip(keys, ranges, strict=True))
        if any(pinned[k][0] == pinned[k][1] for k in keys if shown[k].hidden):
            return True
    if by_size:
        return False
    ranges = _sum_ranges([boxes[k][1] for k in keys], parent_x)
    if ranges is None:
        return False
    pinned = dict(zip(keys, ranges, strict=True))
    return any(pinned[k][0] == pinned[k][1] and pinned[k][0] > 0 for k in sensitive)
