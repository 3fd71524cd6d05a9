"""Figures with a breakdown (reports by channel, by harm...) above the school: no small cell
can be worked out by an observer who holds every page of every level and adds up rows and
columns (interval propagation to a fixed point over every sum that holds in the tree)."""

from hypothesis import given, settings
from hypothesis import strategies as st

from haven.lib import disclosure
from haven.lib.disclosure import HEAD, SMALL, WITHHELD, Count, protect_counts, protect_tree

COLUMNS = ("web", "hotline", "chat")


@st.composite
def tables(draw):
    """A random tree of units with each leaf's counts per category; a unit's figure is the
    sum of its categories (``partition``) or, as for harms, anything from the largest to
    their sum."""
    columns = COLUMNS[: draw(st.integers(2, 3))]
    partition = draw(st.booleans())
    children: dict[int, list[int]] = {}
    values: dict[int, dict[str, int]] = {}
    next_id = [1]

    def grow(node: int, depth: int) -> dict[str, int]:
        width = draw(st.integers(0 if depth else 1, 3)) if depth < 3 else 0
        if width == 0:
            row = {c: draw(st.one_of(st.integers(0, 12), st.integers(0, 30))) for c in columns}
            total = sum(row.values())
            if not partition:
                total = draw(st.integers(max(row.values()), total))
            values[node] = {HEAD: total, **row}
            return values[node]
        kids = list(range(next_id[0], next_id[0] + width))
        next_id[0] += width
        children[node] = kids
        rows = [grow(k, depth + 1) for k in kids]
        values[node] = {c: sum(r[c] for r in rows) for c in (HEAD, *columns)}
        return values[node]

    grow(0, 0)
    return children, values, columns, partition


def observer_ranges(children, values, columns, partition, shown, threshold, cap):
    """What an observer narrows each cell to from everything shown on every page."""
    equations = []
    for node, kids in children.items():
        equations += disclosure._table_equations(
            node, kids, values, list(columns) if partition else []
        )
    if partition:  # leaves' rows too (the tables above list only their parents' rows)
        for leaf in set(values) - set(children):
            equations.append(((leaf, HEAD), [(leaf, c) for c in columns]))
    boxes = {}
    for key, cell in shown.items():
        if not cell.hidden:
            boxes[key] = (cell.value, cell.value)
        elif cell.reason == SMALL:
            boxes[key] = (1, threshold - 1)
        else:
            boxes[key] = (0, cap)
    ranges = disclosure._narrow(equations, boxes)
    assert ranges is not None  # the truth always fits
    return ranges


@settings(max_examples=300, deadline=None)
@given(table=tables(), threshold=st.integers(5, 12))
def test_no_small_cell_of_a_breakdown_can_be_worked_out_from_rows_and_columns(table, threshold):
    children, values, columns, partition = table
    found = disclosure.protect_tree_table(
        0, children, values, columns, threshold=threshold, partition=partition
    )
    assert set(found.shown) == {(u, c) for u in values for c in (HEAD, *columns)}
    for (unit, column), cell in found.shown.items():
        if disclosure.small(values[unit][column], threshold):
            assert cell.hidden
        if not cell.hidden:
            assert cell.value == values[unit][column]
    ranges = observer_ranges(
        children, values, columns, partition, found.shown, threshold, found.cap
    )
    for key, cell in found.shown.items():
        low, high = ranges[key]
        assert low <= values[key[0]][key[1]] <= high
        if cell.hidden and cell.reason in (SMALL, WITHHELD):
            assert low < high, (key, values, found.shown)


def per_unit_only(children, values, columns, threshold):
    """The rule before: each unit's figure through the tree, its categories within its row."""
    heads = protect_tree(0, children, {u: v[HEAD] for u, v in values.items()}, threshold=threshold)
    shown = {}
    for unit, row in values.items():
        shown[(unit, HEAD)] = heads[unit]
        _total, parts, _ranges = protect_counts(
            row[HEAD], {c: row[c] for c in columns}, threshold=threshold, total_cell=heads[unit]
        )
        shown.update({(unit, c): cell for c, cell in parts.items()})
    return shown


# A county of two zones: the first had 3 reports by hotline, which the county's and the second
# zone's hotline counts give away unless a column is protected too.
CHILDREN = {0: [1, 2]}
VALUES = {
    0: {HEAD: 68, "web": 45, "hotline": 23},
    1: {HEAD: 28, "web": 25, "hotline": 3},
    2: {HEAD: 40, "web": 20, "hotline": 20},
}


def test_the_observer_is_not_vacuous_the_old_rule_gave_a_zone_away():
    shown = per_unit_only(CHILDREN, VALUES, ("web", "hotline"), 10)
    assert shown[(1, "hotline")] == Count(3, True, SMALL)
    ranges = observer_ranges(CHILDREN, VALUES, ("web", "hotline"), True, shown, 10, 68)
    assert ranges[(1, "hotline")] == (3, 3)  # 23 - 20, read off the county's page


def test_the_column_is_protected_too():
    found = disclosure.protect_tree_table(0, CHILDREN, VALUES, ("web", "hotline"), threshold=10)
    assert found.shown[(1, "hotline")].hidden
    assert found.shown[(2, "hotline")].hidden  # the sibling in the column
    ranges = observer_ranges(CHILDREN, VALUES, ("web", "hotline"), True, found.shown, 10, found.cap)
    assert ranges[(1, "hotline")][0] < ranges[(1, "hotline")][1]
