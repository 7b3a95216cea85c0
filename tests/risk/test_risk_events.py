"""Risk-register events (``alliance_analytics.risk.events``) checked against exact cases and distributions.

- Probabilities 0 and 1 never and always occur, exactly, whatever the uniforms.
- Occurrence frequencies against the binomial distribution (also jointly: events are independent), impacts of
  occurring events against the triangular distribution (mean (min + mode + max)/3, Kolmogorov–Smirnov), and
  the quantile mapping of given uniforms against scipy's triangular quantile function.
- The combination rules (delays and costs add, revenue losses combine as 1 − Π(1 − loss)), mitigation, and
  reproducibility.

Statistical checks use fixed seeds, so they are deterministic; they require p > 0.001 or 4 standard errors.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from alliance_analytics.risk.cash_flow import RiskImpacts, ValueThesis, cash_flows
from alliance_analytics.risk.events import IMPACT_TYPES, mitigated, sample_risk_impacts

ALPHA = 0.001


def sample(seed: int, n: int, probability: list[float], impact_type: list[str], low: list[float],
           mode: list[float], high: list[float], uniforms: np.ndarray | None = None):
    return sample_risk_impacts(np.random.default_rng(seed), n, np.array(probability), impact_type,
                               np.array(low), np.array(mode), np.array(high), uniforms=uniforms)


def test_probability_zero_never_and_one_always_occurs() -> None:
    impacts, occurred, realised = sample(1, 100_000, [0.0, 1.0], ["one_off_cost", "delay_months"],
                                         [5.0, 1.0], [6.0, 2.0], [7.0, 3.0])
    assert not occurred[:, 0].any() and occurred[:, 1].all()
    assert np.all(realised[:, 0] == 0) and np.all(impacts.one_off_cost == 0)
    assert np.all((realised[:, 1] >= 1) & (realised[:, 1] <= 3))


def test_probability_zero_and_one_are_exact_at_the_extreme_uniforms() -> None:
    extremes = np.array([[0.0, 0.0], [np.nextafter(1.0, 0.0)] * 2])
    _, occurred, realised = sample(1, 2, [0.0, 1.0], ["delay_months", "delay_months"], [1.0, 1.0],
                                   [2.0, 2.0], [3.0, 3.0], uniforms=extremes)
    assert occurred.tolist() == [[False, True], [False, True]]
    assert realised[:, 1] == pytest.approx([1.0, 3.0])


@pytest.mark.parametrize("probability", [0.02, 0.25, 0.5, 0.9])
def test_occurrence_frequency_is_binomial(probability: float) -> None:
    n = 200_000
    _, occurred, _ = sample(2, n, [probability], ["one_off_cost"], [1.0], [2.0], [3.0])
    assert stats.binomtest(int(occurred.sum()), n, probability).pvalue > ALPHA


def test_events_occur_independently() -> None:
    n = 200_000
    _, occurred, _ = sample(3, n, [0.3, 0.6, 0.5], ["one_off_cost", "delay_months", "revenue_loss_pct"],
                            [1.0, 1.0, 0.1], [2.0, 2.0, 0.2], [3.0, 3.0, 0.3])
    assert stats.binomtest(int((occurred[:, 0] & occurred[:, 1]).sum()), n, 0.3 * 0.6).pvalue > ALPHA
    assert stats.binomtest(int(occurred.all(axis=1).sum()), n, 0.3 * 0.6 * 0.5).pvalue > ALPHA


@pytest.mark.parametrize(("low", "mode", "high"), [(2.0, 4.0, 8.0), (0.0, 0.0, 1.0), (1.0, 3.0, 3.0)])
def test_impacts_of_occurring_events_are_triangular(low: float, mode: float, high: float) -> None:
    _, occurred, realised = sample(4, 200_000, [0.3], ["delay_months"], [low], [mode], [high])
    values = realised[occurred[:, 0], 0]
    mean = (low + mode + high) / 3
    sd = np.sqrt((low**2 + mode**2 + high**2 - low * mode - low * high - mode * high) / 18)
    assert abs(values.mean() - mean) < 4 * sd / np.sqrt(values.size)
    triangular = stats.triang(c=(mode - low) / (high - low), loc=low, scale=high - low)
    assert stats.kstest(values, triangular.cdf).pvalue > ALPHA


def test_degenerate_impact_is_exactly_the_value() -> None:
    _, occurred, realised = sample(5, 10_000, [0.5], ["one_off_cost"], [250.0], [250.0], [250.0])
    assert set(realised[occurred].tolist()) == {250.0}
    assert set(realised[~occurred].tolist()) == {0.0}


def test_given_uniforms_map_through_the_quantile_function() -> None:
    # Occurrence when u ≥ 1 − p; the impact is the triangular quantile of (u − (1 − p)) / p.
    p = 0.4
    quantiles = np.array([0.0, 0.1, 0.5, 0.9, 0.999])
    uniforms = np.concatenate([[0.0, 0.3, 0.59], 1 - p + p * quantiles])[:, None]
    _, occurred, realised = sample(0, uniforms.shape[0], [p], ["one_off_cost"], [1.0], [2.0], [6.0],
                                   uniforms=uniforms)
    assert occurred[:, 0].tolist() == [False] * 3 + [True] * 5
    expected = stats.triang(c=0.2, loc=1.0, scale=5.0).ppf(quantiles)
    np.testing.assert_allclose(realised[3:, 0], expected, rtol=1e-9)
    assert realised[:3, 0].tolist() == [0.0] * 3


def test_given_uniforms_ignore_the_generator() -> None:
    uniforms = np.random.default_rng(9).random((50, 2))
    args = ([0.3, 0.7], ["one_off_cost", "revenue_loss_pct"], [1.0, 0.1], [2.0, 0.2], [3.0, 0.4])
    first, second = sample(1, 50, *args, uniforms=uniforms), sample(2, 50, *args, uniforms=uniforms)
    np.testing.assert_array_equal(first[2], second[2])


def test_combination_rules_by_hand() -> None:
    types = ["delay_months", "delay_months", "one_off_cost", "one_off_cost", "revenue_loss_pct",
             "revenue_loss_pct"]
    values = [2.0, 3.5, 10.0, 20.0, 0.2, 0.5]
    impacts, occurred, realised = sample(6, 3, [1.0] * 6, types, values, values, values)
    assert occurred.all()
    assert realised.tolist() == [values] * 3
    assert impacts.delay_months.tolist() == [5.5] * 3
    assert impacts.one_off_cost.tolist() == [30.0] * 3
    # 1 − (1 − 0.2)(1 − 0.5) = 0.6: the second loss removes half of what the first left.
    np.testing.assert_allclose(impacts.revenue_loss_share, 0.6, rtol=1e-12)


def test_combination_rules_on_random_draws() -> None:
    types = ["delay_months", "revenue_loss_pct", "one_off_cost", "revenue_loss_pct", "delay_months"]
    impacts, occurred, realised = sample(7, 1_000, [0.5, 0.4, 0.3, 0.6, 0.2], types,
                                         [1.0, 0.1, 5.0, 0.0, 2.0], [2.0, 0.3, 6.0, 0.5, 2.0],
                                         [4.0, 0.5, 9.0, 1.0, 2.0])
    assert np.all(realised[~occurred] == 0)
    np.testing.assert_allclose(impacts.delay_months, realised[:, 0] + realised[:, 4])
    np.testing.assert_allclose(impacts.one_off_cost, realised[:, 2])
    np.testing.assert_allclose(impacts.revenue_loss_share, 1 - (1 - realised[:, 1]) * (1 - realised[:, 3]))
    assert np.all((impacts.revenue_loss_share >= 0) & (impacts.revenue_loss_share <= 1))


def test_empty_register_has_no_impact() -> None:
    impacts, occurred, realised = sample(8, 4, [], [], [], [], [])
    assert occurred.shape == realised.shape == (4, 0)
    for name in ("delay_months", "one_off_cost", "revenue_loss_share"):
        assert getattr(impacts, name).tolist() == [0.0] * 4


def test_impacts_feed_the_cash_flow_model() -> None:
    impacts, _, _ = sample(0, 1, [1.0, 1.0, 1.0], list(IMPACT_TYPES), [12.0, 7.0, 0.5], [12.0, 7.0, 0.5],
                           [12.0, 7.0, 0.5])
    flows = cash_flows(ValueThesis.from_arrays(1, revenue_uplift=100.0), impacts, 3)
    assert flows.tolist() == [[0.0, -7.0, 50.0, 50.0]]


def test_same_seed_gives_identical_draws() -> None:
    args = (10_000, [0.3, 0.6], ["one_off_cost", "revenue_loss_pct"], [1.0, 0.1], [2.0, 0.2], [3.0, 0.4])
    first, second, other = sample(11, *args), sample(11, *args), sample(12, *args)
    np.testing.assert_array_equal(first[1], second[1])
    np.testing.assert_array_equal(first[2], second[2])
    for name in ("delay_months", "one_off_cost", "revenue_loss_share"):
        np.testing.assert_array_equal(getattr(first[0], name), getattr(second[0], name))
    assert not np.array_equal(first[2], other[2])


def test_lower_probability_never_raises_an_iterations_impact() -> None:
    # Same uniforms (common random numbers): the mitigated register is a per-iteration improvement.
    args = (["one_off_cost", "delay_months"], [1.0, 2.0], [3.0, 4.0], [8.0, 9.0])
    _, occurred, realised = sample(13, 20_000, [0.4, 0.3], *args)
    _, occurred_mitigated, realised_mitigated = sample(13, 20_000, [0.1, 0.3], *args)
    assert np.all(occurred_mitigated <= occurred)
    assert np.all(realised_mitigated <= realised)
    np.testing.assert_array_equal(realised_mitigated[:, 1], realised[:, 1])


@pytest.mark.parametrize("call", [
    lambda: sample(0, 5, [0.5], ["delay"], [1.0], [2.0], [3.0]),
    lambda: sample(0, 5, [1.5], ["delay_months"], [1.0], [2.0], [3.0]),
    lambda: sample(0, 5, [-0.1], ["delay_months"], [1.0], [2.0], [3.0]),
    lambda: sample(0, 5, [0.5], ["delay_months"], [3.0], [2.0], [4.0]),
    lambda: sample(0, 5, [0.5], ["delay_months"], [-1.0], [2.0], [4.0]),
    lambda: sample(0, 5, [0.5], ["revenue_loss_pct"], [0.5], [1.0], [1.5]),
    lambda: sample(0, 5, [0.5, 0.5], ["delay_months"], [1.0], [2.0], [3.0]),
    lambda: sample(0, 5, [0.5], ["delay_months"], [1.0], [2.0], [3.0], uniforms=np.zeros((4, 1))),
    lambda: sample(0, 1, [0.5], ["delay_months"], [1.0], [2.0], [3.0], uniforms=np.ones((1, 1))),
])
def test_invalid_registers_raise(call) -> None:
    with pytest.raises(ValueError):
        call()


def test_mitigation_swaps_probabilities_and_sums_costs() -> None:
    probability = np.array([0.3, 0.2, 0.4])
    reduced = np.array([0.1, 0.2, 0.05])
    cost = np.array([40.0, 0.0, 25.0])
    swapped, total = mitigated(probability, reduced, cost, np.array([True, False, True]))
    assert swapped.tolist() == [0.1, 0.2, 0.05] and total == 65.0
    unchanged, nothing = mitigated(probability, reduced, cost, np.zeros(3, dtype=bool))
    assert unchanged.tolist() == probability.tolist() and nothing == 0.0
    one, one_cost = mitigated(probability, reduced, cost, np.array([False, False, True]))
    assert one.tolist() == [0.3, 0.2, 0.05] and one_cost == 25.0


@pytest.mark.parametrize("apply", [np.array([1, 0]), np.array([True]), np.array([[True, False]])])
def test_mitigation_needs_one_boolean_per_event(apply: np.ndarray) -> None:
    with pytest.raises(ValueError):
        mitigated(np.array([0.3, 0.2]), np.array([0.1, 0.1]), np.array([1.0, 2.0]), apply)


def test_risk_impacts_none_is_no_impact() -> None:
    none = RiskImpacts.none(3)
    assert [getattr(none, name).tolist() for name in ("delay_months", "one_off_cost", "revenue_loss_share")] == [
        [0.0] * 3] * 3
