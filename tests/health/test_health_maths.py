"""The alliance-health maths checked against independent calculations.

Every test recomputes its expectation another way: by a brute-force pure-Python loop, a closed form, exact
enumeration with ``math.comb`` / ``itertools.combinations`` / ``fractions.Fraction``, or a published worked
example (cited where used). Nothing here only checks that a function ran.
"""

from __future__ import annotations

import itertools
import math
import statistics
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from alliance_analytics.health.control_charts import D2, XMR_FACTOR, baseline, cusum, ewma, xmr_limits
from alliance_analytics.health.early_warning import TrendModel, firing_outlook, fit_local_trend, simulate_paths
from alliance_analytics.health.index import attainment, weighted_index
from alliance_analytics.health.run_chart import anhoj_limits, run_chart
from alliance_analytics.health.triggers import breaches, first_firing, persistent
from alliance_analytics.health.two_sided import MIN_RESPONDENTS, side_gap

NAN = float("nan")
FAST = settings(max_examples=40, deadline=None)

# Montgomery D. C., Introduction to Statistical Quality Control (7th ed., Wiley, 2013), Table 9.1: 30 observations,
# the first 20 from N(10, 1), the last 10 from N(11, 1). Used in Example 9.1 (tabular CUSUM) and Example 9.2 (EWMA).
MONTGOMERY_9_1 = [9.45, 7.99, 9.29, 11.66, 12.16, 10.18, 8.04, 11.46, 9.20, 10.34, 9.03, 11.47, 10.51, 9.40, 10.08,
                  9.37, 10.62, 10.31, 8.52, 10.84, 10.90, 9.33, 12.29, 11.50, 10.60, 11.08, 10.38, 11.62, 11.31, 10.52]


# ---------------------------------------------------------------------------------------------------------------
# 1. Run charts (Anhøj rules)
# ---------------------------------------------------------------------------------------------------------------

def _longest_run_limit(n: int) -> int:
    """round(log2(n) + 3), half rounded up (log2(n) + 3 is never exactly x.5 for an integer n)."""
    return math.floor(math.log2(n) + 3 + 0.5)


def _crossings_limit(n: int) -> int:
    """R's qbinom(0.05, n - 1, 0.5): the smallest c with P(X <= c) >= 0.05, by exact summation with math.comb."""
    trials = n - 1
    cumulative = Fraction(0)
    for c in range(trials + 1):
        cumulative += Fraction(math.comb(trials, c), 2 ** trials)
        if cumulative >= Fraction(1, 20):
            return c
    raise AssertionError("unreachable: the cumulative probability reaches 1")


@pytest.mark.parametrize("n", [10, 12, 15, 20, 24, 30, 36])
def test_anhoj_limits_match_the_formulas_computed_exactly(n):
    """Longest-run limit = round(log2 n + 3); crossings limit = 5th percentile of Bin(n-1, 1/2), by exact sums."""
    longest, crossings = anhoj_limits(n)
    assert longest.tolist() == [_longest_run_limit(n)]
    assert crossings.tolist() == [_crossings_limit(n)]


def test_anhoj_limits_vectorised_over_1_to_200_points():
    """The array form agrees with the exact per-n formulas for every n from 1 to 200 (no floating-point slip in
    scipy's binomial quantile at any boundary; the cumulative probabilities k / 2^(n-1) never equal 1/20)."""
    n = np.arange(1, 201)
    longest, crossings = anhoj_limits(n)
    assert longest.tolist() == [_longest_run_limit(int(i)) for i in n]
    assert crossings.tolist() == [_crossings_limit(int(i)) for i in n]


@pytest.mark.parametrize(("n", "longest", "crossings"), [(10, 6, 2), (24, 8, 8)])
def test_anhoj_limits_match_the_published_table(n, longest, crossings):
    """Anhøj J., Olesen A. V. (2014), "Run charts revisited", PLoS ONE 9(11): e113825, Table 1: for 10 useful
    points the longest run allowed is 6 and the fewest crossings 2; for 24 points, 8 and 8. Only those two rows are
    quoted here (the other n are checked against the formulas above)."""
    assert (int(anhoj_limits(n)[0][0]), int(anhoj_limits(n)[1][0])) == (longest, crossings)
    assert (_longest_run_limit(n), _crossings_limit(n)) == (longest, crossings)


def _brute_run_chart(values: list[float]) -> dict:
    """Median, useful points, first longest run and crossings by a plain loop (points on the median skipped)."""
    observed = [(i, v) for i, v in enumerate(values) if not math.isnan(v)]
    if not observed:
        return {"useful": 0, "longest": 0, "crossings": 0, "start": -1, "end": -1, "side": 0}
    median = statistics.median(v for _, v in observed)
    useful = [(i, 1 if v > median else -1) for i, v in observed if v != median]
    best = {"useful": len(useful), "longest": 0, "crossings": 0, "start": -1, "end": -1, "side": 0,
            "median": median}
    run_start, run_length = None, 0
    for j, (position, side) in enumerate(useful):
        if j > 0 and side != useful[j - 1][1]:
            best["crossings"] += 1
        if j == 0 or side != useful[j - 1][1]:
            run_start, run_length = position, 1
        else:
            run_length += 1
        if run_length > best["longest"]:
            best.update(longest=run_length, start=run_start, end=position, side=side)
    return best


@FAST
@given(st.lists(st.one_of(st.integers(0, 5).map(float), st.just(NAN)), max_size=40))
def test_run_chart_matches_a_brute_force_loop(values):
    """Longest run (its first occurrence, start, end, side) and crossings equal those of a pure-Python loop over the
    points not on the median, and the verdicts follow the exactly computed limits."""
    chart = run_chart(np.array(values, dtype=float))
    expected = _brute_run_chart(values)
    assert chart.useful == expected["useful"]
    assert chart.longest_run == expected["longest"]
    assert chart.crossings == expected["crossings"]
    assert (chart.longest_run_start, chart.longest_run_end, chart.longest_run_side) == \
        (expected["start"], expected["end"], expected["side"])
    if expected["useful"]:
        assert chart.median == pytest.approx(expected["median"])
        assert chart.long_run == (expected["longest"] > _longest_run_limit(expected["useful"]))
        assert chart.few_crossings == (expected["crossings"] < _crossings_limit(expected["useful"]))


def test_run_chart_of_a_hand_worked_series():
    """Series 1 2 3 3 3 5 6 7 NaN 2 1 0 (11 observed): median 3 (sorted 0 1 1 2 2 3 3 3 5 6 7, 6th value), the three
    points on it skipped, 8 useful points with sides - - + + + - - -; runs at positions 0..1 (2 long), 5..7 (3) and
    9..11 (3), so the longest is 3 and its first occurrence is 5..7 above the median; 2 crossings. Limits for n = 8:
    round(log2 8 + 3) = 6, and qbinom(0.05, 7, 0.5) = 1 since P(X <= 0) = 1/128 < 0.05 <= P(X <= 1) = 8/128."""
    chart = run_chart(np.array([1, 2, 3, 3, 3, 5, 6, 7, NAN, 2, 1, 0], dtype=float))
    assert chart.median == pytest.approx(3.0)
    assert chart.useful == 8
    assert (chart.longest_run, chart.longest_run_start, chart.longest_run_end, chart.longest_run_side) == (3, 5, 7, 1)
    assert chart.crossings == 2
    assert (chart.longest_run_limit, chart.crossings_limit) == (6, 1)
    assert chart.random


# ---------------------------------------------------------------------------------------------------------------
# 2. Control charts
# ---------------------------------------------------------------------------------------------------------------

def test_tabular_cusum_reproduces_montgomery_example_9_1():
    """Montgomery (2013), Example 9.1 / Table 9.2: mu0 = 10, sigma = 1, k = 0.5, h = 5 on the Table 9.1 data;
    C+ at observation 29 is 5.28, the first value above H = 5. Also checked against a plain loop of
    C+_i = max(0, x_i - 10.5 + C+_{i-1}) and C-_i = max(0, 9.5 - x_i + C-_{i-1})."""
    upper, lower = cusum(np.array(MONTGOMERY_9_1), target=10.0, sigma=1.0, allowance=0.5)
    high = low = 0.0
    for i, x in enumerate(MONTGOMERY_9_1):
        high = max(0.0, x - 10.5 + high)
        low = max(0.0, 9.5 - x + low)
        assert upper[i] == pytest.approx(high, abs=1e-9)
        assert lower[i] == pytest.approx(low, abs=1e-9)
    assert upper[28] == pytest.approx(5.28, abs=0.005)
    assert int(np.flatnonzero(upper > 5.0)[0]) + 1 == 29
    assert not (lower > 5.0).any()


def test_ewma_reproduces_montgomery_example_9_2():
    """Montgomery (2013), Example 9.2: lambda = 0.1, L = 2.7, mu0 = 10, sigma = 1 on the Table 9.1 data;
    z1 = 0.1 * 9.45 + 0.9 * 10 = 9.945, z2 = 0.1 * 7.99 + 0.9 * 9.945 = 9.7495, and the UCL tends to
    10 + 2.7 * sqrt(0.1 / 1.9) = 10.62. Every z_i and limit is checked against a plain loop and the closed-form limit
    mu0 +- L sigma sqrt(lambda / (2 - lambda) * (1 - (1 - lambda)^(2i))). As recomputed here, the first observation
    beyond the UCL is observation 29 (z28 = 10.5731 < UCL 10.6186; z29 = 10.6468 > UCL 10.6187)."""
    z, lcl, ucl = ewma(np.array(MONTGOMERY_9_1), target=10.0, sigma=1.0, weight=0.1, width=2.7)
    assert z[0] == pytest.approx(9.945, abs=1e-9)
    assert z[1] == pytest.approx(9.7495, abs=1e-9)
    previous = 10.0
    first_signal = None
    for i, x in enumerate(MONTGOMERY_9_1, start=1):
        previous = 0.1 * x + 0.9 * previous
        half_width = 2.7 * 1.0 * math.sqrt(0.1 / (2 - 0.1) * (1 - 0.9 ** (2 * i)))
        assert z[i - 1] == pytest.approx(previous, abs=1e-9)
        assert ucl[i - 1] == pytest.approx(10.0 + half_width, abs=1e-9)
        assert lcl[i - 1] == pytest.approx(10.0 - half_width, abs=1e-9)
        if first_signal is None and (previous > 10.0 + half_width or previous < 10.0 - half_width):
            first_signal = i
    assert ucl[-1] == pytest.approx(10.62, abs=0.005)
    assert first_signal == 29
    assert int(np.flatnonzero((z > ucl) | (z < lcl))[0]) + 1 == first_signal


def test_ewma_and_cusum_carry_a_missing_month_forward():
    """With a NaN month, both statistics keep their previous value and the EWMA limit's step count i counts only
    observed months; checked by a loop on the series with the NaN removed."""
    series = np.array([10.2, NAN, 11.0, 9.1, NAN, 10.7])
    kept = series[~np.isnan(series)]
    z, _, ucl = ewma(series, 10.0, 2.0, 0.3, 3.0)
    z_kept, _, ucl_kept = ewma(kept, 10.0, 2.0, 0.3, 3.0)
    upper, lower = cusum(series, 10.0, 2.0, 0.5)
    upper_kept, lower_kept = cusum(kept, 10.0, 2.0, 0.5)
    carried = np.maximum.accumulate(np.where(np.isnan(series), -1, np.arange(series.size)))
    index_in_kept = np.cumsum(~np.isnan(series)) - 1
    assert carried.tolist() == [0, 0, 2, 3, 3, 5]
    np.testing.assert_allclose(z, z_kept[index_in_kept], rtol=0, atol=1e-12)
    np.testing.assert_allclose(ucl, ucl_kept[index_in_kept], rtol=0, atol=1e-12)
    np.testing.assert_allclose(upper, upper_kept[index_in_kept], rtol=0, atol=1e-12)
    np.testing.assert_allclose(lower, lower_kept[index_in_kept], rtol=0, atol=1e-12)
    # z after month 0 by hand: 0.3 * 10.2 + 0.7 * 10 = 10.06, still 10.06 in the missing month 1.
    assert z[:2] == pytest.approx([10.06, 10.06], abs=1e-12)


def test_xmr_limits_by_hand():
    """Series 20, 23, 21, 25, 22: mean = 111 / 5 = 22.2; moving ranges |23-20| = 3, |21-23| = 2, |25-21| = 4,
    |22-25| = 3, MR-bar = 12 / 4 = 3.0; sigma = 3.0 / 1.128 = 2.6596; limits 22.2 -+ (3 / 1.128) * 3.0 =
    22.2 -+ 7.9787 = 14.2213 and 30.1787 (with Montgomery's rounded factor 2.66: 22.2 -+ 7.98)."""
    reference = baseline(np.array([20.0, 23.0, 21.0, 25.0, 22.0]), 5)
    assert reference.centre == pytest.approx(22.2)
    assert reference.moving_range == pytest.approx(3.0)
    assert reference.sigma == pytest.approx(3.0 / 1.128)
    assert reference.months == 5
    lower, upper = xmr_limits(reference)
    assert lower == pytest.approx(22.2 - 9.0 / 1.128)
    assert upper == pytest.approx(22.2 + 9.0 / 1.128)
    assert (lower, upper) == pytest.approx((14.22, 30.18), abs=0.01)
    assert XMR_FACTOR == pytest.approx(2.66, abs=0.001) and D2 == pytest.approx(1.128)


def test_baseline_skips_missing_months_and_spans_the_gap():
    """Series 20, NaN, 23, 21, NaN, 25, 22, 40 with a 5-month baseline uses the first five observed points
    20, 23, 21, 25, 22 (the 20 -> 23 range spans the gap), so it equals the hand-worked XmR example: centre 22.2,
    MR-bar 3.0; the later 40 is not used. A 1-month baseline still uses 2 points: 20 and 23, MR-bar 3, mean 21.5."""
    reference = baseline(np.array([20.0, NAN, 23.0, 21.0, NAN, 25.0, 22.0, 40.0]), 5)
    assert (reference.centre, reference.moving_range, reference.months) == pytest.approx((22.2, 3.0, 5))
    assert reference.sigma == pytest.approx(3.0 / 1.128)
    short = baseline(np.array([NAN, 20.0, NAN, 23.0, 30.0]), 1)
    assert (short.centre, short.moving_range, short.months) == pytest.approx((21.5, 3.0, 2))


# ---------------------------------------------------------------------------------------------------------------
# 3. Health index
# ---------------------------------------------------------------------------------------------------------------

def _brute_attainment(value: float, target: float, higher: bool, cap: float) -> float:
    if math.isnan(value):
        return NAN
    if higher:
        ratio = value / target
    else:
        ratio = math.inf if value == 0 else target / value
    return min(max(ratio, 0.0), cap)


@FAST
@given(st.lists(st.tuples(st.one_of(st.floats(0, 1000), st.just(NAN)), st.floats(0.01, 500), st.booleans()),
                min_size=1, max_size=12),
       st.floats(1.0, 2.0))
def test_attainment_matches_a_per_value_loop(rows, cap):
    """Direction-aware, capped attainment equals the per-value rule value/target or target/value (0 -> cap when
    lower is better), clipped to [0, cap], NaN kept."""
    values, targets, higher = (np.array(column) for column in zip(*rows, strict=True))
    got = attainment(values, targets, higher, cap)
    expected = [_brute_attainment(v, t, h, cap) for v, t, h in rows]
    assert np.isnan(got).tolist() == [math.isnan(e) for e in expected]
    assert [g for g in got if not math.isnan(g)] == pytest.approx([e for e in expected if not math.isnan(e)])


def _brute_index(attained: np.ndarray, weights: list[float], groups: list[int], group_count: int):
    months = attained.shape[0]
    index = [[NAN] * group_count for _ in range(months)]
    coverage = [[0.0] * group_count for _ in range(months)]
    for month in range(months):
        for group in range(group_count):
            members = [j for j, g in enumerate(groups) if g == group]
            total = sum(weights[j] for j in members)
            seen = [j for j in members if not math.isnan(attained[month, j])]
            seen_weight = sum(weights[j] for j in seen)
            if seen_weight > 0:
                index[month][group] = sum(weights[j] * attained[month, j] for j in seen) / seen_weight
            coverage[month][group] = seen_weight / total if total > 0 else 0.0
    return np.array(index), np.array(coverage)


@st.composite
def _scorecards(draw):
    kpis = draw(st.integers(1, 6))
    months = draw(st.integers(1, 5))
    group_count = draw(st.integers(1, 3))
    groups = draw(st.lists(st.integers(0, group_count - 1), min_size=kpis, max_size=kpis))
    weights = draw(st.lists(st.floats(0.1, 5.0), min_size=kpis, max_size=kpis))
    cells = draw(st.lists(st.one_of(st.floats(0.0, 1.2), st.just(NAN)), min_size=months * kpis,
                          max_size=months * kpis))
    return np.array(cells).reshape(months, kpis), weights, groups, group_count


def _assert_close_with_nan(got: np.ndarray, expected: np.ndarray) -> None:
    assert np.isnan(got).tolist() == np.isnan(expected).tolist()
    np.testing.assert_allclose(got[~np.isnan(got)], expected[~np.isnan(expected)], rtol=1e-12, atol=1e-12)


@FAST
@given(_scorecards())
def test_weighted_index_matches_a_per_month_loop(card):
    """Index = sum(w a) / sum(w) over the observed KPIs of the group, coverage = observed weight / group weight,
    recomputed month by month and group by group in plain Python."""
    attained, weights, groups, group_count = card
    index, coverage = weighted_index(attained, np.array(weights), np.array(groups), group_count)
    expected_index, expected_coverage = _brute_index(attained, weights, groups, group_count)
    _assert_close_with_nan(index, expected_index)
    np.testing.assert_allclose(coverage, expected_coverage, rtol=1e-12, atol=1e-12)


@FAST
@given(_scorecards(), st.data())
def test_a_missing_kpi_changes_coverage_by_its_weight_share_not_the_floor(card, data):
    """NaN-ing one observed KPI lowers its group's coverage by exactly w_j / (group weight) and leaves the index
    within [min, max] of the group's remaining observed attainments (a missing KPI is never counted as zero);
    every other cell is unchanged."""
    attained, weights, groups, group_count = card
    observed = np.argwhere(~np.isnan(attained))
    assume(observed.size > 0)
    month, kpi = (int(v) for v in observed[data.draw(st.integers(0, len(observed) - 1))])
    group = groups[kpi]
    dropped = attained.copy()
    dropped[month, kpi] = NAN
    w, g = np.array(weights), np.array(groups)
    index, coverage = weighted_index(attained, w, g, group_count)
    index_after, coverage_after = weighted_index(dropped, w, g, group_count)
    share = weights[kpi] / sum(weights[j] for j in range(len(weights)) if groups[j] == group)
    assert coverage[month, group] - coverage_after[month, group] == pytest.approx(share, abs=1e-12)
    remaining = [dropped[month, j] for j in range(len(weights)) if groups[j] == group
                 and not math.isnan(dropped[month, j])]
    if remaining:
        assert min(remaining) - 1e-12 <= index_after[month, group] <= max(remaining) + 1e-12
    else:
        assert math.isnan(index_after[month, group])
        assert coverage_after[month, group] == pytest.approx(0.0, abs=1e-12)
    untouched = np.ones(index.shape, dtype=bool)
    untouched[month, group] = False
    _assert_close_with_nan(index_after[untouched], index[untouched])
    np.testing.assert_allclose(coverage_after[untouched], coverage[untouched], rtol=0, atol=1e-12)


def test_index_of_a_hand_worked_month():
    """Two KPIs weighted 3 and 1 with attainments 0.9 and 0.5: index (3 * 0.9 + 1 * 0.5) / 4 = 3.2 / 4 = 0.8,
    coverage 1. Without the first KPI: index 0.5 (not (0 * 3 + 0.5) / 4 = 0.125), coverage 1/4."""
    index, coverage = weighted_index(np.array([[0.9, 0.5], [NAN, 0.5]]), np.array([3.0, 1.0]),
                                     np.array([0, 0]), 1)
    assert index.ravel().tolist() == pytest.approx([0.8, 0.5])
    assert coverage.ravel().tolist() == pytest.approx([1.0, 0.25])


# ---------------------------------------------------------------------------------------------------------------
# 4. Triggers
# ---------------------------------------------------------------------------------------------------------------

def test_a_3_of_4_trigger_fires_in_exactly_the_expected_month():
    """"Below 3.0 in 3 of the last 4 months" on 3.2, 2.9, 3.1, 2.8, 3.3, 2.7, 2.95, 3.4: breaches in months 1, 3, 5,
    6; windows ending at months 3, 4, 5 hold 2 breaches each, the window 3..6 holds 3 (fires), the window 4..7 holds
    2. So it fires in month 6 only, not earlier or later. Raising month 6 to exactly 3.0 (not strictly below) means
    it never fires."""
    values = np.array([3.2, 2.9, 3.1, 2.8, 3.3, 2.7, 2.95, 3.4])
    breached = breaches(values, "below", 3.0)
    assert breached.tolist() == [False, True, False, True, False, True, True, False]
    assert persistent(breached, 3, 4).tolist() == [False] * 6 + [True, False]
    assert int(first_firing(breached, 3, 4)) == 6
    values[6] = 3.0
    assert int(first_firing(breaches(values, "below", 3.0), 3, 4)) == -1


def _brute_persistent(row: list[bool], k: int, n: int) -> list[bool]:
    return [sum(row[max(0, t - n + 1):t + 1]) >= k for t in range(len(row))]


@st.composite
def _rules(draw):
    n = draw(st.integers(1, 8))
    k = draw(st.integers(1, n))
    paths = draw(st.integers(1, 4))
    months = draw(st.integers(1, 15))
    rows = draw(st.lists(st.lists(st.booleans(), min_size=months, max_size=months), min_size=paths,
                         max_size=paths))
    return rows, k, n


@FAST
@given(_rules())
def test_persistence_matches_brute_force_window_counting(rule):
    """k-of-n persistence and the first firing month equal a brute-force count of breaches in each window
    (the months so far when fewer than n exist), row by row of a 2-D array."""
    rows, k, n = rule
    fired = persistent(np.array(rows, dtype=bool), k, n)
    first = first_firing(np.array(rows, dtype=bool), k, n)
    for r, row in enumerate(rows):
        expected = _brute_persistent(row, k, n)
        assert fired[r].tolist() == expected
        assert int(first[r]) == (expected.index(True) if True in expected else -1)


@FAST
@given(st.lists(st.floats(0, 5), min_size=1, max_size=20), st.floats(0, 5), st.floats(0, 2),
       st.integers(1, 4).flatmap(lambda n: st.tuples(st.integers(1, n), st.just(n))))
def test_raising_a_below_threshold_never_delays_a_firing(values, low, raise_by, rule):
    """Every month breaching "below t" also breaches "below t + d" (d >= 0), so the first firing month with the
    higher threshold is never later than with the lower one (never = -1 counted as +infinity)."""
    k, n = rule
    series = np.array(values)

    def month(threshold):
        found = int(first_firing(breaches(series, "below", threshold), k, n))
        return math.inf if found < 0 else found

    assert month(low + raise_by) <= month(low)


# ---------------------------------------------------------------------------------------------------------------
# 5. Early warning
# ---------------------------------------------------------------------------------------------------------------

def _phi(z: float) -> float:
    return 0.5 * (1.0 + math.erf(z / math.sqrt(2.0)))


def _first_passage(gap: float, drift: float, volatility: float, horizon: float) -> float:
    """P(min_{t <= T} X_t <= b) for X_t = x0 + mu t + sigma W_t, a = x0 - b > 0: the first-passage distribution of
    a Brownian motion with drift (Borodin A. N., Salminen P., 2002, Handbook of Brownian Motion - Facts and Formulae,
    2nd ed., Birkhauser, Part II, the tables for Brownian motion with drift; Karatzas I., Shreve S. E., 1991,
    Brownian Motion and Stochastic Calculus, 2nd ed., Springer, section 3.5.C):
    Phi((-a - mu T) / (sigma sqrt T)) + exp(-2 mu a / sigma^2) Phi((-a + mu T) / (sigma sqrt T)).
    With mu = 0 it reduces to the reflection principle's 2 Phi(-a / (sigma sqrt T))."""
    root = volatility * math.sqrt(horizon)
    return (_phi((-gap - drift * horizon) / root)
            + math.exp(-2.0 * drift * gap / volatility ** 2) * _phi((-gap + drift * horizon) / root))


BGK_BETA = 0.5826
"""-zeta(1/2) / sqrt(2 pi): Broadie M., Glasserman P., Kou S. (1997), "A continuity correction for discrete barrier
options", Mathematical Finance 7(4): 325-349: a barrier monitored every dt behaves like a continuously monitored one
moved away from the start by beta sigma sqrt(dt)."""


def _brownian(level: float, drift: float, volatility: float) -> TrendModel:
    return TrendModel(level=level, slope=drift, covariance=np.zeros((2, 2)), noise_sd=0.0, noise_dof=np.inf,
                      volatility=volatility)


@pytest.mark.parametrize("drift", [-0.1, 0.2])
def test_firing_probability_matches_brownian_first_passage(drift):
    """With no trend uncertainty and no noise, the simulated series is a Brownian motion with drift observed 50 times
    a month; the share of paths that fall below the barrier within 1..4 months matches the closed-form first-passage
    probability with the Broadie-Glasserman-Kou continuity correction, within 4 Monte Carlo standard errors at every
    horizon (the uncorrected continuous formula is about 6 standard errors away, so the check has power)."""
    level, barrier, volatility, months, steps, paths = 1.0, 0.0, 0.6, 4, 50, 20_000
    future = simulate_paths(_brownian(level, drift, volatility), months, paths, np.random.default_rng(2024),
                            steps_per_month=steps)
    shifted_gap = level - barrier + BGK_BETA * volatility * math.sqrt(1.0 / steps)
    for horizon in range(1, months + 1):
        outlook = firing_outlook(future[:, :horizon * steps], np.zeros(0, bool), "below", barrier, 1, 1,
                                 steps_per_month=steps)
        expected = _first_passage(shifted_gap, drift, volatility, horizon)
        error = math.sqrt(expected * (1 - expected) / paths)
        assert abs(outlook.probability - expected) < 4 * error, (horizon, outlook.probability, expected)
    continuous = _first_passage(level - barrier, drift, volatility, months)
    assert abs(outlook.probability - continuous) > 4 * error


def test_firing_probability_and_timing_on_nested_horizons():
    """On one set of simulated paths cut at 1..6 months, the firing probability never decreases with the horizon,
    and the P10 / P50 / P90 months to firing equal a brute-force per-path search for the first observation below
    the barrier (month = ceil(step / steps_per_month)), then the inverted-CDF quantile sorted[ceil(q N) - 1]."""
    steps, paths = 20, 4000
    future = simulate_paths(_brownian(1.0, -0.15, 0.5), 6, paths, np.random.default_rng(7), steps_per_month=steps)
    probabilities = [firing_outlook(future[:, :h * steps], np.zeros(0, bool), "below", 0.0, 1, 1,
                                    steps_per_month=steps).probability for h in range(1, 7)]
    assert all(later >= earlier for earlier, later in itertools.pairwise(probabilities))
    assert probabilities[-1] > probabilities[0]
    outlook = firing_outlook(future, np.zeros(0, bool), "below", 0.0, 1, 1, steps_per_month=steps)
    months = []
    for row in future.tolist():
        hit = next((j for j, value in enumerate(row) if value < 0.0), None)
        months.append(math.inf if hit is None else math.ceil((hit + 1) / steps))
    months.sort()
    expected = [months[math.ceil(q * paths) - 1] for q in (0.1, 0.5, 0.9)]
    assert outlook.months == tuple(None if math.isinf(m) else float(m) for m in expected)
    assert outlook.probability == pytest.approx(sum(m < math.inf for m in months) / paths)


@FAST
@given(st.lists(st.lists(st.floats(0, 5), min_size=6, max_size=6), min_size=1, max_size=5),
       st.lists(st.booleans(), max_size=6), st.integers(1, 4).flatmap(lambda n: st.tuples(st.integers(1, n),
                                                                                          st.just(n))))
def test_firing_outlook_continues_the_observed_months(future, recent, rule):
    """A k-of-n rule on simulated months continues from the last n - 1 observed breaches of a trigger not yet
    firing (the documented precondition: fewer than k breaches among them): per path, the first firing is recomputed
    by brute-force window counting over (recent[-(n-1):] + future breaches) and shifted to a 1-based future month;
    the probability is the share of paths that fire and P10 / P50 / P90 the inverted-CDF quantiles
    sorted[ceil(q N) - 1] with "never" as +infinity (reported as None)."""
    k, n = rule
    history = recent[max(0, len(recent) - (n - 1)):] if n > 1 else []
    assume(sum(history) < k)
    outlook = firing_outlook(np.array(future), np.array(recent, dtype=bool), "below", 2.5, k, n)
    fired_months = []
    for row in future:
        combined = history + [value < 2.5 for value in row]
        windows = _brute_persistent(combined, k, n)[len(history):]
        fired_months.append(windows.index(True) + 1 if True in windows else math.inf)
    assert outlook.probability == pytest.approx(sum(m < math.inf for m in fired_months) / len(future))
    ordered = sorted(fired_months)
    expected = [ordered[math.ceil(q * len(future)) - 1] for q in (0.1, 0.5, 0.9)]
    assert outlook.months == tuple(None if math.isinf(m) else float(m) for m in expected)


def test_fit_local_trend_matches_polyfit_and_the_regression_closed_forms():
    """Line fitted to the last 8 months (one missing) of a 10-month series: slope and the fitted value at the last
    month of the window equal numpy.polyfit's; the residual sd is sqrt(sum r^2 / (m - 2)) by hand; the parameter
    covariance (X'X)^-1 of (level, slope) is [[1/m + xbar^2/Sxx, -xbar/Sxx], [-xbar/Sxx, 1/Sxx]] with the months
    counted back from the last month of the window (0, -1, ...)."""
    series = np.array([9.0, 8.0, 5.1, 5.9, 7.2, NAN, 7.8, 9.1, 8.7, 10.4])
    model = fit_local_trend(series, window=8)
    window = series[-8:]
    positions = np.arange(8, dtype=float)
    observed = ~np.isnan(window)
    slope, intercept = np.polyfit(positions[observed], window[observed], 1)
    assert model.slope == pytest.approx(slope, rel=1e-9)
    assert model.level == pytest.approx(intercept + slope * 7, rel=1e-9)
    x = [p - 7 for p, seen in zip(positions.tolist(), observed.tolist(), strict=True) if seen]
    y = window[observed].tolist()
    m = len(x)
    residuals = [yi - (model.level + model.slope * xi) for xi, yi in zip(x, y, strict=True)]
    assert model.noise_sd == pytest.approx(math.sqrt(sum(r * r for r in residuals) / (m - 2)), rel=1e-9)
    assert model.noise_dof == m - 2 == 5
    mean_x = sum(x) / m
    sxx = sum((xi - mean_x) ** 2 for xi in x)
    expected = [[1 / m + mean_x ** 2 / sxx, -mean_x / sxx], [-mean_x / sxx, 1 / sxx]]
    np.testing.assert_allclose(model.covariance, expected, rtol=1e-9)
    assert fit_local_trend(np.array([1.0, NAN, 2.0, NAN, 3.0]), window=5) is None


def test_simulated_paths_follow_the_student_t_predictive():
    """Under the reference prior, the value h months ahead is Student t with m - 2 degrees of freedom, centre
    level + slope h and squared scale s^2 (1 + x' (X'X)^-1 x), x = (1, h) (Gelman A. et al., 2013, Bayesian Data
    Analysis, 3rd ed., section 14.2); its variance is that scale^2 times nu / (nu - 2). The simulated mean and
    variance at h = 1 and h = 3 agree within 4 Monte Carlo standard errors (the variance's error from the t's
    excess kurtosis 6 / (nu - 4))."""
    rng = np.random.default_rng(11)
    history = 5.0 + 0.3 * np.arange(14) + rng.normal(0.0, 0.8, 14)
    model = fit_local_trend(history, window=14)
    paths = 100_000
    future = simulate_paths(model, 3, paths, np.random.default_rng(12))
    nu = model.noise_dof
    for h in (1, 3):
        x = np.array([1.0, h])
        variance = model.noise_sd ** 2 * (1 + x @ model.covariance @ x) * nu / (nu - 2)
        column = future[:, h - 1]
        assert abs(column.mean() - (model.level + model.slope * h)) < 4 * math.sqrt(variance / paths)
        variance_error = variance * math.sqrt((2 + 6 / (nu - 4)) / paths)
        assert abs(column.var() - variance) < 4 * variance_error


# ---------------------------------------------------------------------------------------------------------------
# 6. Two-sided view
# ---------------------------------------------------------------------------------------------------------------

def _brute_mann_whitney(ours: list[float], partners: list[float]) -> float:
    """Two-sided exact p-value P(|U - mn/2| >= |u - mn/2|) by enumerating every choice of ranks for our side."""
    pooled = sorted(ours + partners)
    ranks = {value: r for r, value in enumerate(pooled, start=1)}
    m, n = len(ours), len(partners)
    observed = sum(ranks[v] for v in ours) - m * (m + 1) / 2
    centre = m * n / 2
    extreme = total = 0
    for chosen in itertools.combinations(range(1, m + n + 1), m):
        u = sum(chosen) - m * (m + 1) / 2
        extreme += abs(u - centre) >= abs(observed - centre)
        total += 1
    return extreme / total


@FAST
@given(st.integers(MIN_RESPONDENTS, 6), st.integers(MIN_RESPONDENTS, 6), st.data())
def test_exact_mann_whitney_matches_enumeration_of_all_splits(m, n, data):
    """Tie-free scores: the exact Mann-Whitney p-value equals the share of all C(m+n, m) rank splits whose U is at
    least as far from mn/2 as the observed one (the null distribution of U is symmetric, so this is the doubled
    tail, capped at 1)."""
    values = data.draw(st.lists(st.integers(0, 500), min_size=m + n, max_size=m + n, unique=True))
    ours, partners = [v / 100 for v in values[:m]], [v / 100 for v in values[m:]]
    gap = side_gap(np.array(ours), np.array(partners))
    assert gap.method == "exact Mann–Whitney"
    assert gap.p_value == pytest.approx(_brute_mann_whitney(ours, partners), rel=1e-9)
    assert gap.gap == pytest.approx(sum(ours) / m - sum(partners) / n)


def test_fully_separated_four_against_three_has_p_two_over_35():
    """Four scores all above three: U = 0 is the single most extreme of C(7, 3) = 35 equally likely splits on each
    side, so the two-sided exact p-value is 2/35 = 0.0571 (Mann H. B., Whitney D. R., 1947, Ann. Math. Statist.
    18(1): 50-60, Table I: P(U <= 0) = .029 for samples of 3 and 4)."""
    gap = side_gap(np.array([4.5, 4.0, 4.2, 4.8]), np.array([3.0, 2.5, 3.1]))
    assert gap.p_value == pytest.approx(2 / 35, rel=1e-9)
    assert gap.gap == pytest.approx(4.375 - 8.6 / 3)
    assert gap.shown


def _brute_permutation(ours: list[Fraction], partners: list[Fraction]) -> Fraction:
    """Exact two-sided permutation p-value of the difference in means, in rational arithmetic: twice the smaller
    of P(T <= t) and P(T >= t) over all C(m+n, m) splits, capped at 1 (the doubled-tail convention of
    scipy.stats.permutation_test)."""
    pooled = ours + partners
    m, size = len(ours), len(pooled)
    total_sum = sum(pooled)
    observed = sum(ours) / m - sum(partners) / (size - m)
    below = above = total = 0
    for chosen in itertools.combinations(range(size), m):
        group_sum = sum(pooled[i] for i in chosen)
        statistic = group_sum / m - (total_sum - group_sum) / (size - m)
        below += statistic <= observed
        above += statistic >= observed
        total += 1
    return min(Fraction(2 * min(below, above), total), Fraction(1))


@FAST
@given(st.integers(MIN_RESPONDENTS, 5), st.integers(MIN_RESPONDENTS, 5), st.data())
def test_exact_permutation_with_ties_matches_enumeration(m, n, data):
    """Scores on a half-point grid with at least one tie: the exact permutation p-value of the mean difference
    equals a rational-arithmetic enumeration of every split of the respondents."""
    halves = data.draw(st.lists(st.integers(2, 10), min_size=m + n, max_size=m + n))
    assume(len(set(halves)) < len(halves))
    ours, partners = [Fraction(h, 2) for h in halves[:m]], [Fraction(h, 2) for h in halves[m:]]
    gap = side_gap(np.array([float(v) for v in ours]), np.array([float(v) for v in partners]))
    assert gap.method == "exact permutation"
    assert gap.p_value == pytest.approx(float(_brute_permutation(ours, partners)), rel=1e-9)


def test_tied_hand_worked_permutation_example():
    """Ours 4, 4, 5 against partners 3, 3, 4 (total 23): for a split with our sum S, T = S/3 - (23 - S)/3 =
    (2S - 23)/3, observed S = 13 so t = 1. T >= 1 needs S >= 13, i.e. the 5 and two of the three 4s: C(3, 2) = 3 of
    the C(6, 3) = 20 splits; T <= 1 holds for all 20 (the largest S is 13). p = 2 * min(3, 20) / 20 = 0.3."""
    pooled = [4, 4, 5, 3, 3, 4]
    sums = [sum(pooled[i] for i in chosen) for chosen in itertools.combinations(range(6), 3)]
    assert (len(sums), sum(s >= 13 for s in sums), max(sums)) == (20, 3, 13)
    gap = side_gap(np.array([4.0, 4.0, 5.0]), np.array([3.0, 3.0, 4.0]))
    assert gap.method == "exact permutation"
    assert gap.p_value == pytest.approx(0.3, rel=1e-9)
    assert gap.p_value == pytest.approx(float(_brute_permutation([Fraction(v) for v in (4, 4, 5)],
                                                                 [Fraction(v) for v in (3, 3, 4)])), rel=1e-9)


@pytest.mark.parametrize(("ours", "partners"), [([4.0, 4.1], [3.0, 2.5, 3.1]), ([4.0, 4.1, 3.3], [2.0]),
                                                 ([], [1.0, 2.0, 3.0])])
def test_groups_of_fewer_than_three_are_not_shown(ours, partners):
    """A side with fewer than 3 respondents is neither shown nor tested: shown False, p-value, scores and gap NaN,
    and the respondent counts are still reported."""
    gap = side_gap(np.array(ours), np.array(partners))
    assert not gap.shown
    assert math.isnan(gap.p_value) and math.isnan(gap.ours) and math.isnan(gap.partners) and math.isnan(gap.gap)
    assert gap.respondents == (len(ours), len(partners))
    assert gap.method == ""
