"""Survey statistics: reference values, hand-computed data and properties."""

import json
import math
import random
import statistics
from decimal import Decimal, getcontext
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from haven.lib import stats
from haven.lib.stats import (
    FORMS,
    Aggregate,
    AlphaSums,
    Answers,
    Moments,
    Proportion,
    any_at_least,
    at_least,
    cronbach_alpha,
    newcombe,
    reverse,
    role,
    role_flags,
    scale_score,
    sum_aggregates,
    wilson,
)

# ---------------------------------------------------------------------------------------------
# Synthetic respondents, shared with the other survey tests.


def raw_answers(rng: random.Random) -> dict:
    """One pupil's raw answers, with some items skipped."""

    def freq(weights=(6, 2, 1, 1, 1)):
        if rng.random() < 0.05:
            return None
        return rng.choices(range(5), weights=weights)[0]

    return {
        "victim": freq(),
        "bully": freq((8, 2, 1, 1, 0.5)),
        "forms_victim": [freq() for _ in FORMS],
        "forms_bully": [freq((9, 2, 1, 0.5, 0.5)) for _ in FORMS],
        # Sense of safety on 1..4; the last item is worded negatively.
        "safety": [rng.choice([1, 2, 3, 4, 4, None]) for _ in range(4)],
        "wellbeing": [rng.choice([1, 2, 3, 4, 5, 5, None]) for _ in range(3)],
    }


def score(raw: dict) -> Answers:
    """Score raw answers the way the app does (see /work/trans/surveys-stats.md)."""
    safety = [*raw["safety"][:3], reverse(raw["safety"][3], 1, 4)]
    flags = {
        "victim": at_least(raw["victim"]),
        "bully": at_least(raw["bully"]),
        "any_form_victim": any_at_least(raw["forms_victim"]),
        "any_form_bully": any_at_least(raw["forms_bully"]),
        **role_flags(role(raw["victim"], raw["bully"])),
    }
    for form, a, b in zip(FORMS, raw["forms_victim"], raw["forms_bully"], strict=True):
        flags[f"form_victim.{form}"] = at_least(a)
        flags[f"form_bully.{form}"] = at_least(b)
    return Answers(
        flags=flags,
        scores={
            "safety": scale_score(safety),
            "wellbeing": scale_score(raw["wellbeing"]),
            "violations": scale_score(raw["forms_victim"]),
        },
        items={"safety": safety, "wellbeing": raw["wellbeing"]},
    )


def group(rng: random.Random, size: int, eligible: int | None = None) -> Aggregate:
    answers = [score(raw_answers(rng)) for _ in range(size)]
    return Aggregate.from_answers(answers, eligible=size + 5 if eligible is None else eligible)


# ---------------------------------------------------------------------------------------------
# Wilson


def wilson_decimal(x: int, n: int) -> tuple[Decimal, Decimal]:
    """The Wilson formula in 50-digit decimals, independent of the float implementation."""
    getcontext().prec = 50
    z = Decimal("1.959963984540054")
    z2, dx, dn = z * z, Decimal(x), Decimal(n)
    centre = (dx + z2 / 2) / (dn + z2)
    half = z * (dx * (dn - dx) / dn + z2 / 4).sqrt() / (dn + z2)
    return centre - half, centre + half


# Newcombe (1998a) Table I, and the values the brief names; all re-derived by wilson_decimal.
WILSON_REFERENCES = [
    (0, 10, 0.0, 0.2775),
    (1, 10, 0.0179, 0.4042),
    (81, 263, 0.2553, 0.3662),
    (15, 148, 0.0624, 0.1605),
    (0, 20, 0.0, 0.1611),
    (1, 29, 0.0061, 0.1718),
    (10, 10, 0.7225, 1.0),
    (29, 29, 0.8830, 1.0),
]


@pytest.mark.parametrize(("x", "n", "low", "high"), WILSON_REFERENCES)
def test_wilson_matches_reference_values(x, n, low, high):
    interval = wilson(x, n)
    assert interval.estimate == x / n
    assert round(interval.low, 4) == low
    assert round(interval.high, 4) == high
    exact_low, exact_high = wilson_decimal(x, n)
    assert interval.low == pytest.approx(float(max(exact_low, Decimal(0))), abs=1e-12)
    assert interval.high == pytest.approx(float(min(exact_high, Decimal(1))), abs=1e-12)


def test_wilson_is_exact_at_the_edges():
    assert wilson(0, 7).low == 0.0
    assert wilson(7, 7).high == 1.0
    # Upper limit at x = 0 is z²/(n + z²).
    z2 = stats.Z95**2
    assert wilson(0, 10).high == pytest.approx(z2 / (10 + z2), abs=1e-15)


@pytest.mark.parametrize(("x", "n"), [(0, 0), (1, 0), (-1, 10), (11, 10), (0, -3)])
def test_wilson_refuses_impossible_counts(x, n):
    with pytest.raises(ValueError):
        wilson(x, n)


@settings(deadline=None)
@given(n=st.integers(1, 5000), data=st.data())
def test_wilson_bounds_lie_in_unit_interval_around_the_estimate(n, data):
    x = data.draw(st.integers(0, n))
    interval = wilson(x, n)
    assert 0.0 <= interval.low <= interval.estimate <= interval.high <= 1.0


@settings(deadline=None)
@given(n=st.integers(1, 3000), data=st.data())
def test_wilson_limits_never_decrease_as_x_grows(n, data):
    x = data.draw(st.integers(0, n - 1))
    a, b = wilson(x, n), wilson(x + 1, n)
    assert a.low <= b.low
    assert a.high <= b.high


# ---------------------------------------------------------------------------------------------
# Newcombe

# Newcombe (1998b), Table II, method 10: (x1, n1, x2, n2, d, low, high).
NEWCOMBE_REFERENCES = [
    (56, 70, 48, 80, 0.2, 0.0524, 0.3339),
    (9, 10, 3, 10, 0.6, 0.1705, 0.8090),
    (5, 56, 0, 29, 0.0893, -0.0381, 0.1926),
    (0, 10, 0, 20, 0.0, -0.1611, 0.2775),
    (0, 10, 0, 10, 0.0, -0.2775, 0.2775),
    (10, 10, 0, 20, 1.0, 0.6791, 1.0),
    (10, 10, 0, 10, 1.0, 0.6075, 1.0),
]


@pytest.mark.parametrize(("x1", "n1", "x2", "n2", "d", "low", "high"), NEWCOMBE_REFERENCES)
def test_newcombe_matches_worked_examples(x1, n1, x2, n2, d, low, high):
    interval = newcombe(x1, n1, x2, n2)
    assert round(interval.estimate, 4) == d
    assert round(interval.low, 4) == low
    assert round(interval.high, 4) == high


def test_newcombe_flags_a_change_only_when_zero_is_outside():
    assert newcombe(56, 70, 48, 80).excludes(0.0)
    assert not newcombe(5, 56, 0, 29).excludes(0.0)


@settings(deadline=None)
@given(n1=st.integers(1, 400), n2=st.integers(1, 400), data=st.data())
def test_newcombe_contains_the_difference_and_stays_in_range(n1, n2, data):
    x1, x2 = data.draw(st.integers(0, n1)), data.draw(st.integers(0, n2))
    interval = newcombe(x1, n1, x2, n2)
    assert -1.0 <= interval.low <= interval.estimate <= interval.high <= 1.0
    mirrored = newcombe(x2, n2, x1, n1)
    assert mirrored.low == pytest.approx(-interval.high)
    assert mirrored.high == pytest.approx(-interval.low)


# ---------------------------------------------------------------------------------------------
# Scoring


@pytest.mark.parametrize(
    ("victim", "bully", "expected"),
    [
        (0, 0, "not_involved"),
        (1, 1, "not_involved"),
        (2, 0, "victim"),
        (0, 2, "bully"),
        (4, 3, "bully_victim"),
        (None, 0, None),
        (3, None, None),
    ],
)
def test_role_uses_two_to_three_times_a_month_as_cutoff(victim, bully, expected):
    assert role(victim, bully) == expected


def test_role_refuses_a_tampered_value():
    with pytest.raises(ValueError):
        role(7, 0)


def test_role_flags_make_one_true_role_or_all_missing():
    assert role_flags("bully") == {
        "role.victim": False,
        "role.bully": True,
        "role.bully_victim": False,
        "role.not_involved": False,
    }
    assert set(role_flags(None).values()) == {None}


def test_any_form_is_true_on_one_form_and_false_only_when_all_answered():
    assert any_at_least([0, None, 3]) is True
    assert any_at_least([0, 1, 1]) is False
    assert any_at_least([0, None, 1]) is None


def test_scale_score_needs_two_thirds_of_the_items():
    assert scale_score([4, 2, None]) == 3.0  # 2 of 3 answered
    assert scale_score([4, None, None]) is None
    assert scale_score([1, 2, 3, None]) == 2.0  # 3 of 4
    assert scale_score([1, 2, None, None]) is None  # 2 of 4 < 2/3
    assert scale_score([1, 1, 1, 1, None, None]) == 1.0  # 4 of 6
    assert scale_score([1, 1, 1, None, None, None]) is None
    assert scale_score([]) is None
    assert scale_score([2, 3], min_share=1.0) == 2.5


def test_reverse_coding_mirrors_the_scale():
    assert [reverse(v, 1, 4) for v in (1, 2, 3, 4, None)] == [4, 3, 2, 1, None]
    with pytest.raises(ValueError):
        reverse(5, 1, 4)


# ---------------------------------------------------------------------------------------------
# Moments and alpha


def test_moments_give_mean_and_sample_sd():
    values = [2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0]
    m = Moments.from_values([*values, None])
    assert m.n == 8
    assert m.mean == 5.0
    assert m.sd == pytest.approx(statistics.stdev(values))
    assert Moments.from_values([3.0]).sd is None
    assert Moments().mean is None


# Hand-computed: item variances (population) 1.25, 1, 0.5, sum 2.75; row totals 5, 7, 10, 12
# with variance 7.25; alpha = 3/2 · (1 - 2.75/7.25) = 27/29.
ALPHA_ROWS = [[1, 2, 2], [2, 2, 3], [3, 4, 3], [4, 4, 4]]


def test_cronbach_alpha_on_hand_computed_data():
    assert cronbach_alpha(ALPHA_ROWS) == pytest.approx(27 / 29)
    sums = AlphaSums.from_rows(ALPHA_ROWS)
    assert sums.alpha(min_n=4) == pytest.approx(27 / 29)
    # Exact arithmetic agrees with the hand computation.
    rows = [[Fraction(v) for v in r] for r in ALPHA_ROWS]
    totals = [sum(r) for r in rows]

    def pvar(xs):
        mean = sum(xs) / len(xs)
        return sum((x - mean) ** 2 for x in xs) / len(xs)

    item_var = sum(pvar([r[i] for r in rows]) for i in range(3))
    assert Fraction(3, 2) * (1 - item_var / pvar(totals)) == Fraction(27, 29)


def test_alpha_uses_complete_cases_only():
    rows = [*ALPHA_ROWS, [None, 4, 4], [1, None, 1]]
    assert cronbach_alpha(rows) == pytest.approx(27 / 29)
    assert AlphaSums.from_rows(rows).n == 4


def test_alpha_needs_fifty_respondents_and_variance():
    rows = ALPHA_ROWS * 12  # 48 complete cases
    assert AlphaSums.from_rows(rows).alpha() is None
    assert AlphaSums.from_rows(rows + ALPHA_ROWS).alpha() == pytest.approx(27 / 29)
    flat = [[3, 3, 3]] * 60
    assert AlphaSums.from_rows(flat).alpha() is None
    assert cronbach_alpha(flat) is None


def test_alpha_sums_refuse_scales_of_different_length():
    with pytest.raises(ValueError):
        AlphaSums.from_rows([[1, 2]]) + AlphaSums.from_rows([[1, 2, 3]])


item_rows = st.integers(2, 6).flatmap(
    lambda k: st.lists(
        st.lists(st.one_of(st.none(), st.integers(1, 5)), min_size=k, max_size=k),
        min_size=2,
        max_size=80,
    )
)


@settings(deadline=None)
@given(rows=item_rows, cut=st.integers(0, 80))
def test_alpha_from_additive_sums_equals_alpha_from_raw_rows(rows, cut):
    direct = cronbach_alpha(rows)
    # Split anywhere: the sums of two parts give the alpha of the whole.
    k = len(rows[0])
    sums = AlphaSums.from_rows(rows[:cut], k=k) + AlphaSums.from_rows(rows[cut:], k=k)
    from_sums = sums.alpha(min_n=2)
    if direct is None or from_sums is None:
        # Both refuse for the same reason (too few complete rows or no total variance),
        # except when float rounding leaves a vanishing variance on one side.
        complete = [r for r in rows if None not in r]
        totals = [sum(r) for r in complete]
        assert len(complete) < 2 or statistics.pvariance(totals) == 0
    else:
        assert from_sums == pytest.approx(direct, rel=1e-9, abs=1e-9)


# ---------------------------------------------------------------------------------------------
# Aggregates and roll-up


def assert_same_aggregate(a: Aggregate, b: Aggregate) -> None:
    assert (a.respondents, a.eligible) == (b.respondents, b.eligible)
    assert a.props == b.props  # counts: exactly equal
    assert a.means.keys() == b.means.keys()
    for key in a.means:
        assert a.means[key].n == b.means[key].n
        assert math.isclose(a.means[key].total, b.means[key].total, abs_tol=1e-9)
        assert math.isclose(a.means[key].sumsq, b.means[key].sumsq, abs_tol=1e-9)
    assert a.alphas.keys() == b.alphas.keys()
    for key in a.alphas:
        x, y = a.alphas[key], b.alphas[key]
        assert (x.k, x.n) == (y.k, y.n)
        assert x.item_sums == pytest.approx(y.item_sums)
        assert x.item_sumsq == pytest.approx(y.item_sumsq)
        assert x.total_sumsq == pytest.approx(y.total_sumsq)


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 10**6), sizes=st.lists(st.integers(0, 30), min_size=1, max_size=8))
def test_sum_of_class_aggregates_equals_aggregate_of_pooled_answers(seed, sizes):
    rng = random.Random(seed)
    classes = [[score(raw_answers(rng)) for _ in range(size)] for size in sizes]
    eligible = [size + rng.randint(0, 5) for size in sizes]
    per_class = [
        Aggregate.from_answers(answers, eligible=e)
        for answers, e in zip(classes, eligible, strict=True)
    ]
    pooled = Aggregate.from_answers(
        [a for answers in classes for a in answers], eligible=sum(eligible)
    )
    rolled = sum_aggregates(per_class)
    assert_same_aggregate(rolled, pooled)
    # Ratios come from the totals, not from the classes' percentages.
    for key, p in pooled.props.items():
        if p.n:
            assert rolled.props[key].p == p.x / p.n
    if pooled.respondents:
        assert rolled.response_rate == pooled.respondents / sum(eligible)


def test_a_key_missing_in_one_class_counts_its_respondents_as_missing():
    a = Aggregate.from_answers([Answers(flags={"own_q": True})] * 3, eligible=3)
    b = Aggregate.from_answers([Answers(flags={})] * 4, eligible=4)
    assert (a + b).props["own_q"] == Proportion(3, 3, 4)
    assert (b + a).props["own_q"] == Proportion(3, 3, 4)


def test_aggregate_survives_a_json_round_trip():
    agg = group(random.Random(3), 40)
    data = json.loads(json.dumps(agg.to_json()))
    assert Aggregate.from_json(data) == agg
    assert all(isinstance(v, int) for v in data["props"]["victim"])


def test_response_rate_is_flagged_under_half():
    assert stats.response_rate(9, 20) == 0.45 < stats.RESPONSE_RATE_FLAG
    assert stats.response_rate(3, 0) is None


def test_benchmark_leaves_the_school_out():
    own, parent = Proportion(30, 100, 2), Proportion(130, 1100, 12)
    assert stats.benchmark_excluding(parent, own) == Proportion(100, 1000, 10)
    comparison = stats.compare_with_benchmark(own, parent)
    assert comparison == newcombe(30, 100, 100, 1000)
    assert comparison.estimate == pytest.approx(0.2)
    with pytest.raises(ValueError):
        stats.benchmark_excluding(own, parent)


def test_t_quantiles_and_mean_intervals():
    assert stats.t975(1) == pytest.approx(12.7062, abs=1e-4)
    assert stats.t975(9) == pytest.approx(2.2622, abs=1e-3)
    assert stats.t975(29) == pytest.approx(2.0452, abs=1e-3)
    m = Moments.from_values([1.0, 2.0, 3.0, 4.0, 5.0])
    interval = stats.mean_interval(m)
    half = 2.7764451 * statistics.stdev([1, 2, 3, 4, 5]) / math.sqrt(5)
    assert (interval.low, interval.high) == pytest.approx((3 - half, 3 + half))
    diff = stats.mean_difference(Moments.from_values([5.0, 6.0, 7.0]), m)
    assert diff.estimate == pytest.approx(3.0)
    assert diff.excludes(0.0)
