"""Small-count protection: thresholds, bands, and attacks by subtraction that must fail."""

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from haven.lib.disclosure import (
    BAND,
    GT95,
    LT5,
    MIN_GROUP,
    SMALL_GROUP,
    Link,
    Shown,
    label_text,
    protect_children,
    protect_partition,
    protect_proportion,
)
from haven.lib.stats import Aggregate, Proportion

ROLES = ("victim", "bully", "bully_victim", "not_involved")


def sensitive(x: int, n: int) -> bool:
    """A count that may not be displayed exactly (0..4, or within 4 of n: "0%" and "100%"
    tell every respondent's answer)."""
    return x <= BAND or n - x <= BAND


# ---------------------------------------------------------------------------------------------
# One proportion


def test_a_group_under_the_threshold_shows_nothing_not_even_its_size():
    cell = protect_proportion(3, 9)
    assert cell.hidden
    assert (cell.n, cell.value, cell.interval, cell.label) == (None, None, None, None)
    assert cell.reason == SMALL_GROUP
    assert protect_proportion(3, 9, min_group=5).n == 9


@pytest.mark.parametrize(
    ("x", "n", "label"),
    [(1, 100, LT5), (4, 81, LT5), (99, 100, GT95), (77, 81, GT95)],
)
def test_small_counts_show_as_a_true_band(x, n, label):
    cell = protect_proportion(x, n)
    assert not cell.hidden
    assert cell.label == label
    assert cell.value is None
    assert cell.interval is None
    assert cell.n == n


@pytest.mark.parametrize(("x", "n"), [(4, 12), (1, 10), (4, 80), (8, 12), (76, 80)])
def test_a_band_that_would_be_false_hides_the_cell_instead(x, n):
    # 4 of 12 is 33%: "<5%" would be a false statement, so nothing is shown.
    cell = protect_proportion(x, n)
    assert cell.hidden
    assert cell.label is None
    assert cell.value is None


@pytest.mark.parametrize(("x", "n"), [(1, 20), (0, 20), (19, 20), (20, 20), (0, 12), (12, 12)])
def test_a_band_that_would_name_the_count_hides_the_cell_instead(x, n):
    # 0 of 20 is 0%, but "<5%" of 20 can only mean 0: the band would give it away. And a
    # county's "100%" of 12 pupils told every pupil's answer.
    assert protect_proportion(x, n).hidden
    assert protect_proportion(x, n).label is None


def test_a_band_covers_at_least_two_counts():
    assert protect_proportion(0, 21).label == LT5  # 0 or 1 of 21
    assert protect_proportion(1, 21).label == LT5
    assert protect_proportion(21, 21).label == GT95
    assert protect_proportion(1, 41).label == LT5
    assert protect_proportion(2, 41).label == LT5
    assert protect_proportion(3, 41).hidden
    assert protect_proportion(40, 41).label == GT95


def test_exact_figures_come_with_their_wilson_interval():
    cell = protect_proportion(30, 100)
    assert cell.exact
    assert cell.value == 0.3
    assert cell.interval.low < 0.3 < cell.interval.high
    # Nobody or everybody tells each answer: banded when the band is true and wide enough.
    assert protect_proportion(0, 100).label == LT5
    assert protect_proportion(100, 100).label == GT95
    assert protect_proportion(12, 12).hidden


@settings(deadline=None)
@given(n=st.integers(0, 400), min_group=st.integers(1, 30), data=st.data())
def test_suppression_never_shows_a_group_under_the_threshold_nor_a_small_count(n, min_group, data):
    x = data.draw(st.integers(0, n))
    cell = protect_proportion(x, n, min_group=min_group)
    if n < min_group:
        assert cell.hidden
        assert cell.n is None
    if cell.exact:
        assert not sensitive(x, n)
        assert cell.value == x / n
    if cell.label == LT5:
        assert 0 <= x <= BAND
        assert x / n < 0.05
        assert 1 / n < 0.05  # the band covers 0 and 1 at least
    if cell.label == GT95:
        assert 0 <= n - x <= BAND
        assert x / n > 0.95
        assert (n - 1) / n > 0.95


def test_label_text_translates_the_tokens(settings):
    from django.utils import translation

    banded = protect_proportion(2, 100)
    assert label_text(banded) == "<5%"
    assert label_text(protect_proportion(99, 100)) == ">95%"
    assert label_text(protect_proportion(1, 5)) == "Too few answers to show"
    assert label_text(protect_proportion(4, 12)) == "Hidden to protect privacy"
    assert label_text(protect_proportion(50, 100)) == ""
    with translation.override("nl"):
        # The raw token stays in the data whatever the language.
        assert protect_proportion(2, 100).label == LT5
        assert isinstance(label_text(banded), str)


# ---------------------------------------------------------------------------------------------
# The attacker: reads only what is displayed and subtracts.


def displayed_box(cell: Shown, n: int) -> tuple[int, int]:
    """What a reader of the page knows about the count behind a cell of n."""
    if cell.exact:
        return (round(cell.value * n), round(cell.value * n))
    # "<5%" of n: 0 <= x <= 4 and x/n < 5% (0 too: "0%" would tell every answer); ">95%"
    # mirrored.
    top = max(x for x in range(0, BAND + 1) if x / n < 0.05)
    if cell.label == LT5:
        return (0, top)
    if cell.label == GT95:
        return (n - top, n)
    return (0, n)


def recover_partition(display, total, links=()):
    """Every assignment of the cells consistent with the display, the total and the linked
    rows (each a displayed count over n of the sum of some cells plus up to n - total others).
    Returns the possible values of each cell and of each link."""
    keys = list(display)
    boxes = [displayed_box(display[k], total) for k in keys]
    possible = {k: set() for k in keys}
    link_possible = [set() for _ in links]
    for values in itertools.product(*(range(lo, hi + 1) for lo, hi in boxes[:-1])):
        last = total - sum(values)
        if not boxes[-1][0] <= last <= boxes[-1][1]:
            continue
        assignment = dict(zip(keys, (*values, last), strict=True))
        found = []
        for link in links:
            lo, hi = displayed_box(link.shown, link.n)
            inner = sum(assignment[c] for c in link.cells)
            found.append(set(range(max(lo, inner), min(hi, inner + link.n - total) + 1)))
        if any(not f for f in found):
            continue
        for k in keys:
            possible[k].add(assignment[k])
        for acc, f in zip(link_possible, found, strict=True):
            acc.update(f)
    return possible, link_possible


def test_the_attack_recovers_a_cell_when_only_primary_suppression_is_applied():
    counts = {"victim": 3, "bully": 20, "bully_victim": 10, "not_involved": 67}
    naive = {k: protect_proportion(x, 100) for k, x in counts.items()}
    assert naive["victim"].label == LT5  # "<5%" on its own looks safe...
    possible, _ = recover_partition(naive, 100)
    assert possible["victim"] == {3}  # ...but 100 - 20 - 10 - 67 gives it away.


def test_complementary_suppression_defeats_the_same_attack():
    counts = {"victim": 3, "bully": 20, "bully_victim": 10, "not_involved": 67}
    display = protect_partition(counts, 100)
    hidden = [k for k, cell in display.items() if not cell.exact]
    assert len(hidden) >= 2
    possible, _ = recover_partition(display, 100)
    assert len(possible["victim"]) > 1
    # The next smallest cell went, not the large ones.
    assert display["bully_victim"].hidden
    assert display["not_involved"].exact


def test_two_bands_that_add_up_to_the_rest_are_not_enough():
    # 2 + 1 with both "<5%": 100 - 10 - 87 = 3 leaves (1,2) or (2,1): safe by subtraction.
    counts = {"victim": 2, "bully": 10, "bully_victim": 1, "not_involved": 87}
    display = protect_partition(counts, 100)
    possible, _ = recover_partition(display, 100)
    assert all(len(possible[k]) > 1 for k in counts if sensitive(counts[k], 100))
    # 0 + 0 with both "<5%" would add up to 0: only (0, 0) fits, so more must go.
    counts = {"victim": 0, "bully": 12, "bully_victim": 0, "not_involved": 88}
    naive = {k: protect_proportion(x, 100) for k, x in counts.items()}
    assert recover_partition(naive, 100)[0]["victim"] == {0}
    display = protect_partition(counts, 100)
    possible, _ = recover_partition(display, 100)
    assert len(possible["victim"]) > 1
    assert len(possible["bully_victim"]) > 1


role_counts = st.lists(st.integers(0, 14), min_size=4, max_size=4).map(
    lambda xs: dict(zip(ROLES, xs, strict=True))
)


@settings(max_examples=150, deadline=None)
@given(counts=role_counts)
def test_no_small_role_count_can_be_recovered_by_subtraction(counts):
    total = sum(counts.values())
    display = protect_partition(counts, total)
    if total < MIN_GROUP:
        assert all(cell.hidden and cell.n is None for cell in display.values())
        return
    possible, _ = recover_partition(display, total)
    for key, x in counts.items():
        assert x in possible[key]
        if sensitive(x, total):
            assert not display[key].exact
            assert len(possible[key]) > 1, (counts, display)


@settings(max_examples=150, deadline=None)
@given(counts=role_counts, skipped=st.integers(0, 3), data=st.data())
def test_linked_victim_and_bully_rows_do_not_give_a_role_away(counts, skipped, data):
    """The global "victim" row counts role.victim + role.bully_victim (+ pupils who skipped
    the bully item): subtracting across both tables must not pin a small cell either."""
    total = sum(counts.values())
    extra = data.draw(st.integers(0, skipped))  # victims among those who skipped
    v_x, v_n = counts["victim"] + counts["bully_victim"] + extra, total + skipped
    b_x, b_n = counts["bully"] + counts["bully_victim"], total
    links = [
        Link(("victim", "bully_victim"), protect_proportion(v_x, v_n), v_x, v_n),
        Link(("bully", "bully_victim"), protect_proportion(b_x, b_n), b_x, b_n),
    ]
    display = protect_partition(counts, total, links=links)
    if total < MIN_GROUP:
        return
    possible, link_possible = recover_partition(display, total, links)
    for key, x in counts.items():
        assert x in possible[key]
        if sensitive(x, total):
            assert len(possible[key]) > 1, (counts, skipped, display)
    for link, found in zip(links, link_possible, strict=True):
        assert link.x in found
        if not link.shown.exact:
            assert len(found) > 1


def test_partition_cells_must_add_up():
    with pytest.raises(ValueError):
        protect_partition({"a": 3, "b": 4}, 10)


# ---------------------------------------------------------------------------------------------
# Children listed beside their parent


def recover_children(display, parent_n, parent_x, min_group=MIN_GROUP, by_size=False, sizes=None):
    """Possible n and x of each hidden child, from the parent minus the shown children.

    A reader knows that a child marked "too few answers" has fewer than ``min_group``, and
    reads the respondents of the children shown in the size table (``sizes``)."""
    keys = list(display)
    n_boxes, x_boxes = [], []
    for k in keys:
        cell = display[k]
        if cell.hidden:
            hi = min_group - 1 if cell.reason == SMALL_GROUP else parent_n
            if sizes is not None and not sizes[k].hidden:
                hi = min(hi, sizes[k].n)
            n_boxes.append((0, hi))
            x_boxes.append((0, min(hi, parent_x)))
        else:
            n_boxes.append((cell.n, cell.n))
            x_boxes.append((0, 0) if by_size else displayed_box(cell, cell.n))

    def solve(boxes, total):
        # Brute force by reachable sums: child i can hold v when the other children's
        # boxes can make up total - v.
        out = {}
        for i, k in enumerate(keys):
            reachable = {0}
            for j, (lo, hi) in enumerate(boxes):
                if j != i:
                    reachable = {r + v for r in reachable for v in range(lo, hi + 1)}
            lo, hi = boxes[i]
            out[k] = {v for v in range(lo, hi + 1) if total - v in reachable}
        return out

    return solve(n_boxes, parent_n), solve(x_boxes, parent_x)


def test_the_attack_recovers_a_small_school_without_complementary_suppression():
    children = {"a": Proportion(3, 8), "b": Proportion(7, 40), "c": Proportion(10, 52)}
    parent = Proportion(20, 100)
    naive = {k: protect_proportion(p.x, p.n) for k, p in children.items()}
    ns, xs = recover_children(naive, parent.n, parent.x)
    assert ns["a"] == {8}
    assert xs["a"] == {3}


def test_complementary_suppression_protects_a_small_school():
    children = {"a": Proportion(3, 8), "b": Proportion(7, 40), "c": Proportion(10, 52)}
    parent = Proportion(20, 100)
    display = protect_children(parent, children)
    assert display["a"].hidden
    assert display["b"].hidden  # the next smallest
    assert display["c"].exact
    assert display["b"].n is None
    ns, xs = recover_children(display, parent.n, parent.x)
    assert len(ns["a"]) > 1
    assert len(xs["a"]) > 1


def test_respondent_counts_of_children_are_protected_too():
    def agg(respondents):
        return Aggregate(respondents=respondents, eligible=respondents + 2)

    children = {"1A": agg(6), "1B": agg(25), "1C": agg(22), "1D": agg(30)}
    parent = agg(83)
    display = protect_children(parent, children)
    assert display["1A"].hidden
    assert display["1C"].hidden  # smallest of the rest
    assert display["1B"].value == 25 / 27  # response rate
    ns, _ = recover_children(display, 83, 0, by_size=True)
    assert len(ns["1A"]) > 1


child_props = st.lists(
    st.integers(1, 25).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))),
    min_size=1,
    max_size=5,
)


@settings(max_examples=120, deadline=None)
@given(props=child_props)
def test_no_hidden_child_can_be_recovered_from_its_parent(props):
    children = {f"s{i}": Proportion(x, n) for i, (x, n) in enumerate(props)}
    parent = Proportion(sum(x for x, _ in props), sum(n for _, n in props))
    sizes = protect_children(
        Aggregate(respondents=parent.n),
        {k: Aggregate(respondents=p.n) for k, p in children.items()},
    )
    display = protect_children(parent, children, sizes=sizes)
    ns, xs = recover_children(display, parent.n, parent.x, sizes=sizes)
    size_ns, _ = recover_children(sizes, parent.n, 0, by_size=True)
    hidden = [k for k, cell in display.items() if cell.hidden]
    size_hidden = [k for k, cell in sizes.items() if cell.hidden]
    for k, p in children.items():
        assert p.n in ns[k]
        assert p.x in xs[k]
        if p.n < MIN_GROUP:
            assert display[k].hidden
            assert sizes[k].hidden
        if display[k].hidden:
            assert display[k].n is None
        if sizes[k].hidden:
            assert display[k].hidden  # hidden in one table, hidden in all
        if len(size_hidden) < len(children) and k in size_hidden:
            # As long as something is shown, a hidden size stays uncertain.
            assert len(size_ns[k]) > 1
            assert len(ns[k]) > 1
        if not display[k].exact and sensitive(p.x, p.n) and p.x > 0 and len(hidden) < len(props):
            assert len(xs[k]) > 1


# ---------------------------------------------------------------------------------------------
# A reader who knows the rules (this code is public) and reasons about what they would show.


def rule_aware_leaks(total, orders):
    """Role cells that a reader who knows the rules can pin, for every count vector of
    ``total``: a display is consistent with counts when some allowed order of the extra cell
    to hide produces it. Only the distinction "too few answers" vs other hiding is visible."""
    import collections

    from haven.lib import disclosure

    def seen(display):
        return tuple(
            (
                cell.hidden,
                cell.hidden and cell.reason == SMALL_GROUP,
                cell.label,
                None if cell.value is None else round(cell.value, 9),
            )
            for cell in display.values()
        )

    groups = collections.defaultdict(list)
    original = disclosure._order
    try:
        for a in range(total + 1):
            for b in range(total + 1 - a):
                for c in range(total + 1 - a - b):
                    counts = dict(zip(ROLES, (a, b, c, total - a - b - c), strict=True))
                    displays = set()
                    for order in orders:
                        rank = {k: i for i, k in enumerate(order)}
                        disclosure._order = lambda salt, key, count, rank=rank: (rank[key], 0)
                        displays.add(seen(protect_partition(counts, total, salt="x")))
                    for display in displays:
                        groups[display].append(counts)
    finally:
        disclosure._order = original
    leaks = []
    for members in groups.values():
        for key in ROLES:
            values = {m[key] for m in members}
            if len(values) == 1 and sensitive(next(iter(values)), total):
                leaks.append((key, members[0]))
    return leaks


def test_smallest_first_lets_a_reader_who_knows_the_rules_pin_a_role():
    # Without a salt the extra cell is always the smallest shown one, and that is known.
    counts = {"victim": 4, "bully": 4, "bully_victim": 4, "not_involved": 5}
    display = protect_partition(counts, 17)
    assert display["bully"].hidden and display["bully_victim"].hidden
    import collections

    groups = collections.defaultdict(list)
    for a in range(18):
        for b in range(18 - a):
            for c in range(18 - a - b):
                other = dict(zip(ROLES, (a, b, c, 17 - a - b - c), strict=True))
                shown = protect_partition(other, 17)
                groups[tuple((s.hidden, s.label, s.value) for s in shown.values())].append(other)
    key = tuple((s.hidden, s.label, s.value) for s in display.values())
    assert groups[key] == [counts]  # only one set of counts gives this page


@pytest.mark.parametrize("total", [11, 13, 17])
def test_with_a_secret_choice_a_reader_who_knows_the_rules_cannot_pin_a_role(total):
    orders = list(itertools.permutations(ROLES))
    assert rule_aware_leaks(total, orders) == []
    if total >= 17:
        # The same reader does pin cells when the order is fixed (and so known).
        assert rule_aware_leaks(total, [ROLES]) != []


@settings(max_examples=100, deadline=None)
@given(counts=role_counts, salt=st.text(min_size=1, max_size=8))
def test_a_salted_choice_still_defeats_subtraction(counts, salt):
    total = sum(counts.values())
    display = protect_partition(counts, total, salt=salt)
    if total < MIN_GROUP:
        return
    possible, _ = recover_partition(display, total)
    for key, x in counts.items():
        if sensitive(x, total):
            assert len(possible[key]) > 1
