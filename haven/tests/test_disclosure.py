"""The disclosure rule against an observer who sees every page at every level."""

from collections.abc import Iterable

from hypothesis import given, settings
from hypothesis import strategies as st

from haven.lib import disclosure
from haven.lib.disclosure import (
    COMPLEMENTARY,
    SMALL,
    WITHHELD,
    Count,
    protect_counts,
    protect_tree,
)


def _sumset(sets: Iterable[set[int]], cap: int) -> set[int]:
    total = {0}
    for s in sets:
        total = {a + b for a in total for b in s if a + b <= cap}
    return total


def possible_values(
    root: int,
    children: dict[int, list[int]],
    shown: dict[int, Count],
    threshold: int,
    cap: int,
) -> dict[int, set[int]]:
    """Every value each unit can have, given all that is shown and that each unit is the sum
    of its children (exact on a tree: the equations form a tree too)."""

    def box(node: int) -> set[int]:
        cell = shown[node]
        if not cell.hidden:
            return {cell.value}
        if cell.reason == SMALL:
            return set(range(1, threshold))
        return set(range(0, cap + 1))

    down: dict[int, set[int]] = {}

    def up(node: int) -> set[int]:
        kids = children.get(node, [])
        found = box(node)
        if kids:
            found &= _sumset((up(k) for k in kids), cap)
        down[node] = found
        return found

    up(root)
    final = {root: down[root]}
    stack = [root]
    while stack:
        node = stack.pop()
        kids = children.get(node, [])
        for k in kids:
            others = _sumset((down[o] for o in kids if o != k), cap)
            final[k] = {x for x in down[k] if any(y - x in others for y in final[node])}
            stack.append(k)
    return final


@st.composite
def trees(draw):
    """A random tree of units (the root is the country), with counts at the leaves."""
    children: dict[int, list[int]] = {}
    values: dict[int, int] = {}
    next_id = [1]

    def grow(node: int, depth: int) -> int:
        width = draw(st.integers(0 if depth else 1, 4)) if depth < 3 else 0
        if width == 0:
            values[node] = draw(st.one_of(st.integers(0, 12), st.integers(0, 40)))
            return values[node]
        kids = list(range(next_id[0], next_id[0] + width))
        next_id[0] += width
        children[node] = kids
        values[node] = sum(grow(k, depth + 1) for k in kids)
        return values[node]

    grow(0, 0)
    return children, values


@settings(max_examples=300, deadline=None)
@given(tree=trees(), threshold=st.integers(5, 12))
def test_no_hidden_count_can_be_worked_out_from_any_level(tree, threshold):
    children, values = tree
    shown = protect_tree(0, children, values, threshold=threshold)
    assert set(shown) == set(values)
    # Nothing small is ever shown, and what is shown is true.
    for node, cell in shown.items():
        if disclosure.small(values[node], threshold):
            assert cell.hidden and cell.reason in (SMALL, WITHHELD)
        if not cell.hidden:
            assert cell.value == values[node]
    cap = values[0] if not shown[0].hidden else threshold - 1
    possible = possible_values(0, children, shown, threshold, cap)
    for node, cell in shown.items():
        assert values[node] in possible[node]
        if cell.hidden and cell.reason in (SMALL, WITHHELD):
            assert len(possible[node]) > 1, (node, values, shown)


def test_one_small_zone_hides_its_sibling_too():
    total, cells, _ranges = protect_counts(43, {"a": 3, "b": 40}, threshold=10)
    assert not total.hidden
    assert cells["a"] == Count(3, True, SMALL)
    assert cells["b"] == Count(40, True, COMPLEMENTARY)


def test_without_complementary_hiding_the_attack_works():
    """The observer's model is not vacuous: with the primary rule alone it finds the cell."""
    children = {0: [1, 2]}
    shown = {0: Count(43), 1: Count(3, True, SMALL), 2: Count(40)}
    assert possible_values(0, children, shown, 10, 43)[1] == {3}


@given(x=st.integers(0, 400), n=st.integers(0, 400), threshold=st.integers(5, 20))
def test_a_share_never_tells_every_answer(x, n, threshold):
    x = min(x, n)
    share = disclosure.protect_share(x, n, threshold=threshold)
    if share.value is not None:
        assert n >= threshold and threshold <= x <= n - threshold
    if share.label == disclosure.LT5:
        assert x / n < 0.05 and disclosure.band_top(n) >= 1
    if share.label == disclosure.GT95:
        assert (n - x) / n < 0.05


def test_twelve_of_twelve_is_not_shown_as_a_share():
    share = disclosure.protect_share(12, 12, threshold=10)
    assert share.value is None and share.label == ""
