"""Value of information and tornado measures (``alliance_analytics.risk.value_of_information``) against closed forms.

The reference is a normally distributed net benefit X ~ N(μ, σ) with the decision "go if E[X] > 0". With
perfect information the decision is worth E[max(X, 0)] = ∫₀^∞ x f(x) dx = μ·Φ(μ/σ) + σ·φ(μ/σ) (substitute
x = μ + σz and use z·φ(z) = −φ'(z)); deciding now is worth max(μ, 0). So

- for μ ≥ 0: EVPI = μ·Φ(μ/σ) + σ·φ(μ/σ) − μ = σ·φ(μ/σ) − μ·Φ(−μ/σ),
- for μ < 0: EVPI = μ·Φ(μ/σ) + σ·φ(μ/σ) = σ·φ(μ/σ) − |μ|·Φ(−|μ|/σ),

i.e. EVPI = σ·φ(μ/σ) − |μ|·Φ(−|μ|/σ) in both cases (φ is even); :func:`test_normal_evpi_closed_form` checks it
by quadrature. For NPV = a + b·X + Y with independent X ~ N(0, σ_X) and Y, E[NPV | X] = a + b·X ~ N(a, |b|·σ_X),
and EVPPI(X) = E[max(E[NPV | X], 0)] − max(a, 0) is the same formula with |b|·σ_X for σ.

Statistical checks use n = 400,000 and fixed seeds, so they are deterministic; each tolerance is stated where
it is used.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import integrate, stats

from alliance_analytics.risk.value_of_information import (
    Convergence,
    convergence,
    evpi,
    evppi,
    evppi_table,
    npv_summary,
    spearman_table,
    swing,
    variance_contributions,
)

N = 400_000
UPPER_TAIL_Z = stats.norm.ppf(0.9)
"""1.2816: P90 of the standard normal; E[Z | Z ≤ −z] = −φ(z)/0.1 (and +φ(z)/0.1 above z)."""


def normal_evpi(mean: float, sd: float) -> float:
    """EVPI of go/no-go on a net benefit N(mean, sd): sd·φ(mean/sd) − |mean|·Φ(−|mean|/sd)."""
    return sd * stats.norm.pdf(mean / sd) - abs(mean) * stats.norm.cdf(-abs(mean) / sd)


def normal_draws(seed: int, columns: int) -> np.ndarray:
    """``N`` × ``columns`` independent standard normal draws."""
    return np.random.default_rng(seed).standard_normal((N, columns))


@pytest.mark.parametrize("mean", [-2.0, 0.0, 0.7, 3.0])
def test_normal_evpi_closed_form(mean):
    """The closed form equals E[max(X, 0)] − max(μ, 0) computed by numerical integration."""
    sd = 2.0
    upside, _ = integrate.quad(lambda x: x * stats.norm.pdf(x, mean, sd), 0, np.inf)
    assert normal_evpi(mean, sd) == pytest.approx(upside - max(mean, 0), abs=1e-9)


@pytest.mark.parametrize("ratio", [-1.5, -0.5, 0.0, 0.5, 1.0, 2.0])
def test_evpi_matches_normal_closed_form(ratio):
    """EVPI of N(μ, σ) samples within 4 standard errors of the closed form, for several μ/σ.

    With the decision d = 1[mean > 0] taken from the sample, the estimate is the sample mean of
    max(X, 0) − d·X, an unbiased estimate of the EVPI whenever d is the right decision (and for μ = 0, where
    both are), so its standard error is that mean's.
    """
    sd = 10.0
    npv = ratio * sd + sd * normal_draws(11, 1)[:, 0]
    regret = np.maximum(npv, 0) - npv * (npv.mean() > 0)
    tolerance = 4 * regret.std() / math.sqrt(N)
    assert evpi(npv) == pytest.approx(normal_evpi(ratio * sd, sd), abs=tolerance)


@pytest.mark.parametrize("npv", [np.array([0.0, 1.5, 2.0, 7.0]), np.array([-3.0, -0.1, -2.0])])
def test_evpi_is_zero_when_the_npv_never_changes_sign(npv):
    """Information cannot change a decision that every iteration agrees with."""
    assert evpi(npv) == 0.0


def test_evppi_of_an_input_that_determines_npv_is_the_evpi():
    """NPV a smooth function of X: bins of X hold nearly equal NPVs, so EVPPI(X) is EVPI up to the one bin
    that straddles NPV = 0 (well under 0.1 %)."""
    x = np.random.default_rng(3).uniform(-1, 2, N)
    npv = x**3 - 0.5 * x - 1
    assert evppi(npv, x) == pytest.approx(evpi(npv), rel=1e-3)


def test_evppi_of_independent_noise_is_only_the_estimator_bias():
    """An input unrelated to a break-even NPV (the worst case for the bias) gets about the documented bias.

    Each of the K = √n bin means is N(mean, σ²·K/n), so the estimate is about the EVPI of a normal with standard
    deviation σ·√(K/n): ≈ 0.4·σ·n^(−1/4) ≈ 0.016·σ here, 4 % of the EVPI 0.4·σ. Far from break-even the bin
    means never change sign and the estimate is 0.
    """
    draws = normal_draws(5, 2)
    npv, noise = draws[:, 0], draws[:, 1]
    bias = normal_evpi(0.0, math.sqrt(round(math.sqrt(N)) / N))
    assert 0 < evppi(npv, noise) < 1.5 * bias
    assert evppi(npv, noise) < 0.05 * evpi(npv)
    assert evppi(npv + 0.5, noise) == pytest.approx(0, abs=1e-12)


@pytest.mark.parametrize(("a", "b", "sd_x", "sd_y"),
                         [(0.5, 2.0, 1.0, 3.0), (-1.0, 1.5, 2.0, 1.0), (0.0, -1.0, 1.0, 2.0)])
def test_evppi_matches_the_linear_normal_closed_form(a, b, sd_x, sd_y):
    """NPV = a + b·X + Y: EVPPI(X) is the normal EVPI with |b|·σ_X, within 3 %.

    Over 30 seeds the relative error of these three cases had a standard deviation of at most 0.6 % and a mean
    of at most 0.15 % (the binning bias), so 3 % is about 5 standard deviations.
    """
    draws = normal_draws(7, 2)
    x = sd_x * draws[:, 0]
    npv = a + b * x + sd_y * draws[:, 1]
    assert evppi(npv, x) == pytest.approx(normal_evpi(a, abs(b) * sd_x), rel=0.03)


def test_evppi_keeps_tied_values_in_one_bin():
    """A binary input gets one group per value whatever the number of bins: the exact two-group EVPPI."""
    rng = np.random.default_rng(9)
    event = rng.random(1000) < 0.3
    npv = np.where(event, -4.0, 1.0) + rng.standard_normal(1000)
    by_value = (event.mean() * max(npv[event].mean(), 0) + (1 - event.mean()) * max(npv[~event].mean(), 0)
                - max(npv.mean(), 0))
    for bins in (2, 31, 500):
        assert evppi(npv, event, bins=bins) == pytest.approx(by_value, abs=1e-12)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.floats(-1e6, 1e6), st.integers(-3, 3)), min_size=1, max_size=60), st.data())
def test_evppi_lies_between_zero_and_evpi(rows, data):
    """0 ≤ EVPPI ≤ EVPI for any sample and any number of bins (Jensen's inequality, twice)."""
    npv, parameter = (np.array(column, dtype=float) for column in zip(*rows))
    bins = data.draw(st.integers(1, len(rows)))
    assert 0 <= evppi(npv, parameter, bins=bins) <= evpi(npv)


def test_evppi_table_is_the_evppi_of_every_column_largest_first():
    draws = normal_draws(13, 3)
    inputs = pd.DataFrame({"noise": draws[:, 0], "small": draws[:, 1], "large": draws[:, 2]})
    npv = 0.3 * inputs["small"].to_numpy() + 2 * inputs["large"].to_numpy()
    table = evppi_table(npv, inputs)
    assert table.index.tolist() == ["large", "small", "noise"]
    assert table.to_dict() == {name: evppi(npv, inputs[name].to_numpy()) for name in inputs}


def test_evppi_rejects_mismatched_input_and_bins_out_of_range():
    npv = np.array([-1.0, 0.5, 2.0])
    with pytest.raises(ValueError, match="one value per iteration"):
        evppi(npv, np.array([1.0, 2.0]))
    with pytest.raises(ValueError, match="bins"):
        evppi(npv, np.array([1.0, 2.0, 3.0]), bins=4)
    with pytest.raises(ValueError, match="rows"):
        swing(npv, pd.DataFrame({"x": [1.0, 2.0]}))


def test_variance_contributions_of_a_linear_model():
    """NPV = Σ b_i·X_i with independent normals: shares b_i²σ_i²/Σ b_j²σ_j², within 0.02.

    Squared Spearman correlations are not exactly the squared linear ones: for bivariate normals
    ρ_S = (6/π)·arcsin(ρ/2), slightly below ρ in between 0 and 1, so the normalised shares shift by under 0.01
    for these coefficients. Sampling error is about 0.001.
    """
    coefficients, sds = np.array([3.0, -2.0, 1.0, 0.5]), np.array([1.0, 1.2, 2.0, 1.0])
    inputs = pd.DataFrame(normal_draws(17, 4) * sds, columns=["a", "b", "c", "d"])
    shares = variance_contributions(inputs.to_numpy() @ coefficients, inputs)
    expected = pd.Series((coefficients * sds) ** 2 / np.sum((coefficients * sds) ** 2), index=inputs.columns)
    assert shares.index.tolist() == ["a", "b", "c", "d"]
    assert shares.sum() == pytest.approx(1)
    pd.testing.assert_series_equal(shares, expected, check_names=False, check_index_type=False, atol=0.02)


def test_variance_contributions_sum_to_one_and_constant_inputs_get_zero():
    rng = np.random.default_rng(19)
    inputs = pd.DataFrame({"price": rng.lognormal(size=500), "event": rng.random(500) < 0.1, "fixed": 2.0})
    npv = 3 * inputs["price"].to_numpy() - 5 * inputs["event"].to_numpy() + rng.standard_normal(500)
    shares = variance_contributions(npv, inputs)
    assert shares.sum() == pytest.approx(1)
    assert shares["fixed"] == 0
    assert variance_contributions(np.ones(500), inputs).tolist() == [0.0, 0.0, 0.0]


def test_spearman_table_matches_scipy_and_sorts_by_magnitude():
    rng = np.random.default_rng(23)
    inputs = pd.DataFrame({"up": rng.random(300), "down": rng.random(300), "flag": rng.random(300) < 0.5,
                           "fixed": 1.0})
    npv = inputs["up"].to_numpy() - 3 * inputs["down"].to_numpy() + 0.2 * inputs["flag"].to_numpy()
    table = spearman_table(npv, inputs)
    assert table.index.tolist() == ["down", "up", "flag", "fixed"]
    for name in ["up", "down", "flag"]:
        assert table[name] == pytest.approx(stats.spearmanr(inputs[name], npv).statistic, abs=1e-12)
    assert table["fixed"] == 0


def test_swing_of_a_linear_model():
    """NPV = a + b₁X₁ + b₂X₂, X_i ~ N(0, σ_i): E[NPV | X₁ ≤ P10] = a − b₁σ₁φ(1.2816)/0.1, symmetric above P90,
    so the swing is 2·b₁σ₁φ(1.2816)/0.1, negative for b₂ < 0. Tolerance: 5 standard errors of a mean of 10 % of
    the iterations, using the NPV's overall standard deviation (larger than the conditional ones)."""
    a, coefficients, sds = 4.0, np.array([2.0, -1.0]), np.array([1.5, 1.0])
    inputs = pd.DataFrame(normal_draws(29, 2) * sds, columns=["growth", "cost"])
    npv = a + inputs.to_numpy() @ coefficients
    table = swing(npv, inputs)
    tail_shift = coefficients * sds * stats.norm.pdf(UPPER_TAIL_Z) / 0.1
    tolerance = 5 * npv.std() / math.sqrt(0.1 * N)
    assert table.index.tolist() == ["growth", "cost"]
    assert table.loc[["growth", "cost"], "low_mean"].to_numpy() == pytest.approx(a - tail_shift, abs=tolerance)
    assert table.loc[["growth", "cost"], "high_mean"].to_numpy() == pytest.approx(a + tail_shift, abs=tolerance)
    assert table.loc[["growth", "cost"], "swing"].to_numpy() == pytest.approx(2 * tail_shift, abs=2 * tolerance)
    assert table["low_count"].tolist() == table["high_count"].tolist() == [N // 10, N // 10]


def test_swing_of_tied_inputs_compares_minimum_and_maximum():
    """A rare event (P10 = P90 = 0) compares the iterations without and with it; a common 0/1 event gets the
    same sets from the quantiles; a constant input swings by 0."""
    rng = np.random.default_rng(31)
    rare, common = rng.random(2000) < 0.03, rng.random(2000) < 0.4
    npv = 10 - 8 * rare - 3 * common + rng.standard_normal(2000)
    table = swing(npv, pd.DataFrame({"rare": rare, "common": common, "fixed": 1.0}))
    for name, event in (("rare", rare), ("common", common)):
        row = table.loc[name]
        assert (row["low_count"], row["high_count"]) == ((~event).sum(), event.sum())
        assert row["low_mean"] == pytest.approx(npv[~event].mean())
        assert row["high_mean"] == pytest.approx(npv[event].mean())
    assert table.loc["fixed"].tolist() == pytest.approx([npv.mean(), npv.mean(), 0.0, 2000, 2000])


def test_npv_summary_matches_numpy_and_a_hand_computed_cvar():
    """21 values: 5 % is 1.05 iterations, the worst (−9) and 0.05 of the next (−4)."""
    npv = np.array([3.0, -4.0, 12.0, 0.5, 7.0, -9.0, 2.0, 5.5, 1.0, -0.5, 8.0, 4.0, 6.0, 2.5, -1.0, 9.0, 3.5,
                    0.0, 11.0, 1.5, 10.0])
    summary = npv_summary(npv)
    assert summary == {
        "mean": pytest.approx(npv.mean()),
        "p10": np.quantile(npv, 0.1),
        "p50": np.quantile(npv, 0.5),
        "p90": np.quantile(npv, 0.9),
        "prob_loss": 4 / 21,
        "cvar_5": pytest.approx((-9.0 + 0.05 * -4.0) / 1.05),
    }
    assert all(type(value) is float for value in summary.values())


@pytest.mark.parametrize(("n", "expected"), [(20, 0.0), (60, 1.0), (100, 2.0), (101, (0 + 1 + 2 + 3 + 4 + 0.05 * 5) / 5.05)])
def test_cvar_averages_the_worst_5_percent_with_a_fractional_boundary(n, expected):
    """0, 1, …, n − 1: the worst 0.05·n values, whole ones counted without float error (0.05 · 60 is
    3.0000000000000004 in floats), the boundary one with its fraction (docs/risk-measures.md)."""
    npv = np.arange(n, dtype=float)[::-1]
    assert npv_summary(npv)["cvar_5"] == pytest.approx(expected, abs=1e-12)


def test_convergence_on_a_known_array():
    """[−1, 1, 3, 5]: mean 2, s = √(20/3), se = s/2 = 1.291, relative 0.645; P(loss) = 0.25, se = √(0.1875/4)."""
    result = convergence(np.array([-1.0, 1.0, 3.0, 5.0]))
    assert result == Convergence(n_iterations=4, mean=2.0, se_mean=pytest.approx(math.sqrt(20 / 3) / 2),
                                 relative_se_mean=pytest.approx(math.sqrt(20 / 3) / 4), prob_loss=0.25,
                                 se_prob_loss=pytest.approx(math.sqrt(0.1875 / 4)), target_relative_se=0.01,
                                 target_se_prob_loss=0.005)
    assert not result.met


def test_convergence_is_met_with_enough_iterations():
    """The same values repeated 250,000 times: relative se 0.0013 and se of P(loss) 0.00043, both in target;
    the relative target alone fails at 0.001."""
    npv = np.tile([-1.0, 1.0, 3.0, 5.0], 250_000)
    assert convergence(npv).met
    assert not convergence(npv, target_relative_se=0.001).met
    assert convergence(np.array([-1.0, 1.0])).relative_se_mean == math.inf
