"""Survey statistics: intervals, scoring and additive aggregates (pure Python, no Django).

Everything a results page shows is computed from an :class:`Aggregate`, an additive bundle of
counts and sums. The app stores one Aggregate per class and campaign; a school, district or
country adds its classes' Aggregates and only then computes ratios, means and intervals
(never an average of percentages). Formulas: ``../shared/domain/surveys.md`` sections 3 and 6.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

# The 97.5th percentile of the standard normal: two-sided 95%.
Z95 = 1.959963984540054


@dataclass(frozen=True)
class Interval:
    """A point estimate with its confidence interval."""

    estimate: float
    low: float
    high: float

    def excludes(self, value: float = 0.0) -> bool:
        """True when ``value`` lies outside the interval (a change "worth reporting")."""
        return value < self.low or value > self.high


def wilson(x: int, n: int, z: float = Z95) -> Interval:
    """Wilson score interval for the proportion x/n; valid at x = 0 and x = n.

    centre = (x + z²/2) / (n + z²);  half = z·√(x(n-x)/n + z²/4) / (n + z²).
    """
    if n <= 0:
        raise ValueError("wilson: n must be positive")
    if x < 0 or x > n:
        raise ValueError("wilson: x must be between 0 and n")
    z2 = z * z
    centre = (x + z2 / 2) / (n + z2)
    half = z * math.sqrt(x * (n - x) / n + z2 / 4) / (n + z2)
    # At x = 0 (x = n) the lower (upper) limit is exactly 0 (1); rounding must not say otherwise.
    low = 0.0 if x == 0 else max(0.0, centre - half)
    high = 1.0 if x == n else min(1.0, centre + half)
    return Interval(x / n, low, high)


def newcombe(x1: int, n1: int, x2: int, n2: int, z: float = Z95) -> Interval:
    """Newcombe (1998, method 10) hybrid Wilson interval for d = p1 - p2.

    L = d - √((p1 - l1)² + (u2 - p2)²),  U = d + √((u1 - p1)² + (p2 - l2)²),
    with (l, u) the Wilson limits of each proportion.
    """
    a = wilson(x1, n1, z)
    b = wilson(x2, n2, z)
    d = a.estimate - b.estimate
    low = d - math.sqrt((a.estimate - a.low) ** 2 + (b.high - b.estimate) ** 2)
    high = d + math.sqrt((a.high - a.estimate) ** 2 + (b.estimate - b.low) ** 2)
    return Interval(d, max(-1.0, low), min(1.0, high))


# ---------------------------------------------------------------------------------------------
# Scoring one respondent

# The 5-point frequency scale of the global and form items; the index is the stored value.
FREQUENCY = ("not_at_all", "once_or_twice", "two_three_month", "weekly", "several_week")
# "2-3 times a month or more" (Solberg & Olweus 2003).
CUTOFF = 2
ROLES = ("victim", "bully", "bully_victim", "not_involved")
# The nine forms of the instrument, for victims ("form_victim.<form>") and bullies.
FORMS = (
    "verbal",
    "exclusion",
    "rumours",
    "physical",
    "belongings",
    "threats",
    "identity",
    "sexual",
    "online",
)


def _frequency(value: int | None) -> int | None:
    if value is None:
        return None
    if value not in range(len(FREQUENCY)):
        raise ValueError("frequency answer out of range")
    return value


def at_least(value: int | None, cutoff: int = CUTOFF) -> bool | None:
    """Whether a frequency answer reaches the cut-off; None when unanswered."""
    value = _frequency(value)
    return None if value is None else value >= cutoff


def any_at_least(values: Iterable[int | None], cutoff: int = CUTOFF) -> bool | None:
    """ "Any form at the cut-off or more": True as soon as one answered form reaches it;
    False only when every form is answered and none does; otherwise None (missing)."""
    answered = [_frequency(v) for v in values]
    if any(v is not None and v >= cutoff for v in answered):
        return True
    if not answered or any(v is None for v in answered):
        return None
    return False


def role(victim: int | None, bully: int | None, cutoff: int = CUTOFF) -> str | None:
    """The respondent's role from the two global items; None when either is missing."""
    v, b = at_least(victim, cutoff), at_least(bully, cutoff)
    if v is None or b is None:
        return None
    if v and b:
        return "bully_victim"
    if v:
        return "victim"
    if b:
        return "bully"
    return "not_involved"


def role_flags(value: str | None) -> dict[str, bool | None]:
    """The four role proportions ("role.victim", ...) of one respondent."""
    return {f"role.{r}": (None if value is None else value == r) for r in ROLES}


def reverse(value: float | None, low: float, high: float) -> float | None:
    """Reverse-code an item on the scale low..high (None stays None)."""
    if value is None:
        return None
    if not low <= value <= high:
        raise ValueError("answer out of range")
    return high + low - value


def scale_score(values: Sequence[float | None], min_share: float = 2 / 3) -> float | None:
    """Mean of the answered items when at least ``min_share`` of them are answered, else None.

    Items must already be reverse-coded by the caller (see :func:`reverse`).
    """
    k = len(values)
    answered = [float(v) for v in values if v is not None]
    # A small tolerance so that 2/3 of 3 items (2.0000000000000004 in floats) needs 2, not 3.
    if k == 0 or len(answered) < math.ceil(min_share * k - 1e-9) or not answered:
        return None
    return sum(answered) / len(answered)


# ---------------------------------------------------------------------------------------------
# Additive pieces


@dataclass(frozen=True)
class Proportion:
    """x of n valid answers reach the criterion; ``missing`` respondents did not answer."""

    x: int = 0
    n: int = 0
    missing: int = 0

    def __add__(self, other: Proportion) -> Proportion:
        return Proportion(self.x + other.x, self.n + other.n, self.missing + other.missing)

    def __sub__(self, other: Proportion) -> Proportion:
        out = Proportion(self.x - other.x, self.n - other.n, self.missing - other.missing)
        if out.x < 0 or out.n < 0 or out.missing < 0 or out.x > out.n:
            raise ValueError("cannot subtract a group that is not part of this one")
        return out

    @property
    def p(self) -> float | None:
        return self.x / self.n if self.n else None

    def interval(self, z: float = Z95) -> Interval | None:
        """Wilson interval, None when nobody answered."""
        return wilson(self.x, self.n, z) if self.n else None


@dataclass(frozen=True)
class Moments:
    """Count, sum and sum of squares of a score: enough for its mean and SD after roll-up."""

    n: int = 0
    total: float = 0.0
    sumsq: float = 0.0

    @classmethod
    def from_values(cls, values: Iterable[float | None]) -> Moments:
        vals = [float(v) for v in values if v is not None]
        return cls(len(vals), sum(vals), sum(v * v for v in vals))

    def __add__(self, other: Moments) -> Moments:
        return Moments(self.n + other.n, self.total + other.total, self.sumsq + other.sumsq)

    def __sub__(self, other: Moments) -> Moments:
        if other.n > self.n:
            raise ValueError("cannot subtract a group that is not part of this one")
        return Moments(self.n - other.n, self.total - other.total, self.sumsq - other.sumsq)

    @property
    def mean(self) -> float | None:
        return self.total / self.n if self.n else None

    @property
    def variance(self) -> float | None:
        """Sample variance (n - 1); None under two values."""
        if self.n < 2:
            return None
        return max(0.0, (self.sumsq - self.total * self.total / self.n) / (self.n - 1))

    @property
    def sd(self) -> float | None:
        var = self.variance
        return None if var is None else math.sqrt(var)


@dataclass(frozen=True)
class AlphaSums:
    """Sums over complete cases from which Cronbach's alpha follows after any roll-up.

    Derivation: alpha = k/(k-1) · (1 - Σsᵢ² / s_T²), with sᵢ² the variance of item i and s_T²
    the variance of the row total T = Σᵢ xᵢ. Each variance needs only a count, a sum and a sum
    of squares: s² = (Σx² - (Σx)²/n) / (n - 1). The covariances between items are not needed
    separately, because s_T² = Σsᵢ² + 2·Σ cov(i, j) already contains them, and s_T² comes
    from Σ T and Σ T² directly. The common factor 1/(n - 1) cancels in the ratio, so sample or
    population variances give the same alpha. All sums are additive over classes and schools.
    """

    k: int
    n: int = 0
    item_sums: tuple[float, ...] = ()
    item_sumsq: tuple[float, ...] = ()
    total_sum: float = 0.0
    total_sumsq: float = 0.0

    @classmethod
    def empty(cls, k: int) -> AlphaSums:
        return cls(k, 0, (0.0,) * k, (0.0,) * k, 0.0, 0.0)

    @classmethod
    def from_rows(cls, rows: Iterable[Sequence[float | None]], k: int | None = None) -> AlphaSums:
        """Sums over the complete rows (rows with a missing item are left out)."""
        rows = list(rows)
        if k is None:
            if not rows:
                raise ValueError("from_rows needs k when there are no rows")
            k = len(rows[0])
        acc = cls.empty(k)
        for row in rows:
            acc = acc + cls.from_row(row, k)
        return acc

    @classmethod
    def from_row(cls, row: Sequence[float | None], k: int | None = None) -> AlphaSums:
        """One respondent's contribution (zero when an item is missing)."""
        k = len(row) if k is None else k
        if len(row) != k:
            raise ValueError("row has the wrong number of items")
        if any(v is None for v in row):
            return cls.empty(k)
        vals = [float(v) for v in row if v is not None]
        t = sum(vals)
        return cls(k, 1, tuple(vals), tuple(v * v for v in vals), t, t * t)

    def __add__(self, other: AlphaSums) -> AlphaSums:
        if self.k != other.k:
            raise ValueError("cannot add alpha sums of scales with different numbers of items")
        return AlphaSums(
            self.k,
            self.n + other.n,
            tuple(a + b for a, b in zip(self.item_sums, other.item_sums, strict=True)),
            tuple(a + b for a, b in zip(self.item_sumsq, other.item_sumsq, strict=True)),
            self.total_sum + other.total_sum,
            self.total_sumsq + other.total_sumsq,
        )

    def alpha(self, min_n: int = 50) -> float | None:
        """Cronbach's alpha; None under ``min_n`` complete cases, one item, or zero variance."""
        if self.n < max(min_n, 2) or self.k < 2:
            return None
        n = self.n

        def ss(total: float, sumsq: float) -> float:  # n · population variance
            return max(0.0, sumsq - total * total / n)

        total_ss = ss(self.total_sum, self.total_sumsq)
        if total_ss <= 1e-12 * max(1.0, self.total_sumsq):
            return None
        item_ss = sum(ss(s, q) for s, q in zip(self.item_sums, self.item_sumsq, strict=True))
        return self.k / (self.k - 1) * (1 - item_ss / total_ss)


def cronbach_alpha(rows: Iterable[Sequence[float | None]]) -> float | None:
    """Cronbach's alpha straight from raw rows (complete cases), to cross-check AlphaSums."""
    complete = [[float(v) for v in row if v is not None] for row in rows if None not in row]
    if len(complete) < 2 or len(complete[0]) < 2:
        return None
    k = len(complete[0])

    def pvar(values: list[float]) -> float:
        m = sum(values) / len(values)
        return sum((v - m) ** 2 for v in values) / len(values)

    total_var = pvar([sum(r) for r in complete])
    if total_var == 0:
        return None
    item_var = sum(pvar([r[i] for r in complete]) for i in range(k))
    return k / (k - 1) * (1 - item_var / total_var)


# ---------------------------------------------------------------------------------------------
# The stored bundle

RESPONSE_RATE_FLAG = 0.5


def response_rate(respondents: int, eligible: int) -> float | None:
    """Respondents / pupils in the surveyed classes; None without eligible pupils."""
    return respondents / eligible if eligible > 0 else None


@dataclass(frozen=True)
class Answers:
    """One respondent, already scored by the app.

    ``flags``: proportion measures (True / False, None = missing), e.g. "victim", "bully",
    "any_form_victim", "form_victim.verbal", "role.victim" (see :func:`role_flags`).
    ``scores``: scale scores from :func:`scale_score` (None = not scored), e.g. "safety".
    ``items``: per scale, the reverse-coded item values for Cronbach's alpha.
    """

    flags: Mapping[str, bool | None] = field(default_factory=dict)
    scores: Mapping[str, float | None] = field(default_factory=dict)
    items: Mapping[str, Sequence[float | None]] = field(default_factory=dict)


@dataclass(frozen=True)
class Aggregate:
    """The additive bundle stored per group (class, school, district...) and campaign.

    ``respondents``: surveys counted; ``eligible``: pupils in the surveyed classes.
    A key absent on one side of ``+`` counts that side's respondents as missing, so that the
    sum of class Aggregates always equals the Aggregate of the pooled answers.
    """

    respondents: int = 0
    eligible: int = 0
    props: dict[str, Proportion] = field(default_factory=dict)
    means: dict[str, Moments] = field(default_factory=dict)
    alphas: dict[str, AlphaSums] = field(default_factory=dict)

    @classmethod
    def from_answers(cls, answers: Iterable[Answers], *, eligible: int) -> Aggregate:
        """The Aggregate of one group from its respondents' scored answers."""
        respondents = 0
        xs: dict[str, int] = {}
        ns: dict[str, int] = {}
        scores: dict[str, list[float]] = {}
        alphas: dict[str, AlphaSums] = {}
        for a in answers:
            respondents += 1
            for key, flag in a.flags.items():
                xs.setdefault(key, 0)
                ns.setdefault(key, 0)
                if flag is not None:
                    ns[key] += 1
                    xs[key] += int(bool(flag))
            for key, score in a.scores.items():
                bucket = scores.setdefault(key, [])
                if score is not None:
                    bucket.append(float(score))
            for key, row in a.items.items():
                part = AlphaSums.from_row(row)
                alphas[key] = alphas[key] + part if key in alphas else part
        props = {k: Proportion(xs[k], ns[k], respondents - ns[k]) for k in xs}
        means = {k: Moments.from_values(v) for k, v in scores.items()}
        return cls(respondents, eligible, props, means, alphas)

    def __add__(self, other: Aggregate) -> Aggregate:
        props = {}
        for key in self.props.keys() | other.props.keys():
            a = self.props.get(key, Proportion(0, 0, self.respondents))
            b = other.props.get(key, Proportion(0, 0, other.respondents))
            props[key] = a + b
        means = {
            key: self.means.get(key, Moments()) + other.means.get(key, Moments())
            for key in self.means.keys() | other.means.keys()
        }
        alphas = {}
        for key in self.alphas.keys() | other.alphas.keys():
            if key in self.alphas and key in other.alphas:
                alphas[key] = self.alphas[key] + other.alphas[key]
            else:
                alphas[key] = self.alphas.get(key) or other.alphas[key]
        return Aggregate(
            self.respondents + other.respondents,
            self.eligible + other.eligible,
            dict(sorted(props.items())),
            dict(sorted(means.items())),
            dict(sorted(alphas.items())),
        )

    @property
    def response_rate(self) -> float | None:
        return response_rate(self.respondents, self.eligible)

    def to_json(self) -> dict[str, Any]:
        """A plain dict of ints and floats (for a JSONField); :meth:`from_json` reverses it."""
        return {
            "respondents": self.respondents,
            "eligible": self.eligible,
            "props": {k: [p.x, p.n, p.missing] for k, p in sorted(self.props.items())},
            "means": {k: [m.n, m.total, m.sumsq] for k, m in sorted(self.means.items())},
            "alphas": {
                k: {
                    "k": a.k,
                    "n": a.n,
                    "item_sums": list(a.item_sums),
                    "item_sumsq": list(a.item_sumsq),
                    "total_sum": a.total_sum,
                    "total_sumsq": a.total_sumsq,
                }
                for k, a in sorted(self.alphas.items())
            },
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Aggregate:
        return cls(
            int(data.get("respondents", 0)),
            int(data.get("eligible", 0)),
            {k: Proportion(int(x), int(n), int(m)) for k, (x, n, m) in data["props"].items()},
            {k: Moments(int(n), float(t), float(q)) for k, (n, t, q) in data["means"].items()},
            {
                k: AlphaSums(
                    int(a["k"]),
                    int(a["n"]),
                    tuple(float(v) for v in a["item_sums"]),
                    tuple(float(v) for v in a["item_sumsq"]),
                    float(a["total_sum"]),
                    float(a["total_sumsq"]),
                )
                for k, a in data.get("alphas", {}).items()
            },
        )


def sum_aggregates(aggregates: Iterable[Aggregate]) -> Aggregate:
    """The roll-up: the sum of the groups' Aggregates (an empty Aggregate for none)."""
    total = Aggregate()
    for agg in aggregates:
        total = total + agg
    return total


# ---------------------------------------------------------------------------------------------
# Comparisons


def benchmark_excluding(parent: Proportion, own: Proportion) -> Proportion:
    """The level above with the school itself left out (parent minus own)."""
    return parent - own


def compare_with_benchmark(own: Proportion, parent: Proportion) -> Interval | None:
    """Newcombe interval of own minus the benchmark that excludes own; None without data."""
    bench = benchmark_excluding(parent, own)
    if own.n == 0 or bench.n == 0:
        return None
    return newcombe(own.x, own.n, bench.x, bench.n)


def change(now: Proportion, before: Proportion) -> Interval | None:
    """Newcombe interval of now minus before (change since the last campaign)."""
    if now.n == 0 or before.n == 0:
        return None
    return newcombe(now.x, now.n, before.x, before.n)


_T975_SMALL = (12.706204736, 4.302652730, 3.182446305, 2.776445105, 2.570581836)


def t975(df: int) -> float:
    """The 97.5th percentile of Student's t with ``df`` degrees of freedom.

    Exact table values up to df = 5, then the Cornish-Fisher expansion around the normal
    quantile (Abramowitz & Stegun 26.7.5), within 0.001 of the exact value from df = 6 on
    (t975(9) = 2.2622, t975(29) = 2.0452).
    """
    if df < 1:
        raise ValueError("t975: df must be positive")
    if df <= len(_T975_SMALL):
        return _T975_SMALL[df - 1]
    z, v = Z95, float(df)
    return (
        z
        + (z**3 + z) / (4 * v)
        + (5 * z**5 + 16 * z**3 + 3 * z) / (96 * v**2)
        + (3 * z**7 + 19 * z**5 + 17 * z**3 - 15 * z) / (384 * v**3)
        + (79 * z**9 + 776 * z**7 + 1482 * z**5 - 1920 * z**3 - 945 * z) / (92160 * v**4)
    )


def mean_interval(m: Moments) -> Interval | None:
    """The mean with its 95% t interval; None under two values."""
    if m.n < 2 or m.mean is None or m.sd is None:
        return None
    half = t975(m.n - 1) * m.sd / math.sqrt(m.n)
    return Interval(m.mean, m.mean - half, m.mean + half)


def mean_difference(a: Moments, b: Moments) -> Interval | None:
    """Difference of two means (a - b) with a 95% Welch interval; None under two values each."""
    if a.n < 2 or b.n < 2 or a.mean is None or b.mean is None:
        return None
    va, vb = (a.variance or 0.0) / a.n, (b.variance or 0.0) / b.n
    d = a.mean - b.mean
    se2 = va + vb
    if se2 == 0:
        return Interval(d, d, d)
    # Welch-Satterthwaite degrees of freedom.
    df = se2**2 / ((va**2 / (a.n - 1) if va else 0.0) + (vb**2 / (b.n - 1) if vb else 0.0))
    half = t975(max(1, math.floor(df))) * math.sqrt(se2)
    return Interval(d, d - half, d + half)
