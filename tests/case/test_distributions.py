"""Marginal distributions (``alliance_analytics.case.distributions``) checked against closed forms.

- Every distribution against a reference built here from textbook formulas (scipy.stats with its own
  parameters, and closed-form means and variances: PERT (a + 4m + b)/6, triangular (a + m + b)/3, the
  lognormal's mean and sd as given, …): random draws and Latin-hypercube draws (inverse CDF) match its
  mean, variance and quantiles; ``frozen`` matches it exactly.
- The three-point fit reproduces p10, p50 and p90 exactly for any valid triple (hypothesis), agrees with the
  shifted lognormal written out as c + exp(μ + σZ) (and its mirror image), and its draws hit the quantiles.
- ``fixed`` always gives its value; a Latin hypercube has one point per stratum per column; the same seed
  gives identical draws.

Random draws are compared within 4 standard errors (fixed seeds, so the checks are deterministic); the
Latin-hypercube draws within a tenth of that for the moments and 1/n for the empirical CDF.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from alliance_analytics.case.distributions import (
    DISTRIBUTIONS,
    fit_p10_p50_p90,
    frozen,
    latin_hypercube,
    sample,
)

N = 200_000
QUANTILES = np.array([0.01, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99])
Z90 = stats.norm.ppf(0.9)


def lognormal_from_mean_sd(m: float, sd: float):
    """The lognormal with mean ``m`` and standard deviation ``sd`` (of the quantity), in scipy's terms."""
    sigma2 = math.log(1 + sd**2 / m**2)
    return stats.lognorm(math.sqrt(sigma2), scale=math.exp(math.log(m) - sigma2 / 2))


def shifted_lognormal(p10: float, p50: float, p90: float):
    """The right-skew three-point fit as c + exp(μ + σZ), from the formulas of the fit's derivation."""
    sigma = math.log((p90 - p50) / (p50 - p10)) / Z90
    e_mu = (p50 - p10) / (1 - math.exp(-sigma * Z90))
    return stats.lognorm(sigma, loc=p50 - e_mu, scale=e_mu)


class Mirrored:
    """-X for a scipy frozen distribution X (the left-skew three-point fit is a mirrored right-skew one)."""

    def __init__(self, dist):
        self.dist = dist

    def ppf(self, q):
        return -self.dist.ppf(1 - np.asarray(q))

    def mean(self):
        return -self.dist.mean()

    def var(self):
        return self.dist.var()

    def stats(self, moments):
        return self.dist.stats(moments)


# name: (distribution, params, reference distribution, closed-form mean, closed-form variance)
CASES = {
    "uniform": ("uniform", {"min": 2.0, "max": 10.0}, stats.uniform(2, 8), 6.0, 64 / 12),
    "triangular": ("triangular", {"min": 1.0, "mode": 2.0, "max": 6.0}, stats.triang(0.2, loc=1, scale=5),
                   (1 + 2 + 6) / 3, (1 + 4 + 36 - 2 - 6 - 12) / 18),
    "triangular at min": ("triangular", {"min": 0.0, "mode": 0.0, "max": 3.0}, stats.triang(0, scale=3), 1.0, 0.5),
    # classic PERT: α = 1 + 4·3/12 = 2, β = 1 + 4·9/12 = 4; var = αβ/((α+β)²(α+β+1))·(b − a)²
    "pert": ("pert", {"min": 0.0, "mode": 3.0, "max": 12.0, "shape": None}, stats.beta(2, 4, scale=12),
             (0 + 4 * 3 + 12) / 6, 2 * 4 / (6**2 * 7) * 12**2),
    # shape 2: α = 1.5, β = 2.5, mean (a + 2m + b)/4
    "pert shape 2": ("pert", {"min": 0.0, "mode": 3.0, "max": 12.0, "shape": 2.0}, stats.beta(1.5, 2.5, scale=12),
                     (0 + 2 * 3 + 12) / 4, 1.5 * 2.5 / (4**2 * 5) * 12**2),
    "normal": ("normal", {"mean": 5.0, "sd": 2.0}, stats.norm(5, 2), 5.0, 4.0),
    "lognormal": ("lognormal", {"mean": 100.0, "sd": 30.0}, lognormal_from_mean_sd(100, 30), 100.0, 900.0),
    # beta with mean 1/4 and sd² = (1/4)(3/4)/9: α + β = 8, α = 2, β = 6; var = αβ/((α+β)²(α+β+1)) (BDA3 A.1)
    "beta": ("beta", {"mean": 0.25, "sd": (0.1875 / 9) ** 0.5}, stats.beta(2, 6), 0.25, 12 / (64 * 9)),
    # gamma with mean 4 and sd 2: shape 4, rate 1; mean shape/rate, var shape/rate²
    "gamma": ("gamma", {"mean": 4.0, "sd": 2.0}, stats.gamma(4, scale=1), 4.0, 4.0),
    "p10_p50_p90 symmetric": ("p10_p50_p90", {"p10": 80.0, "p50": 100.0, "p90": 120.0},
                              stats.norm(100, 20 / Z90), 100.0, (20 / Z90) ** 2),
    "p10_p50_p90 right skew": ("p10_p50_p90", {"p10": 80.0, "p50": 100.0, "p90": 150.0},
                               shifted_lognormal(80, 100, 150), None, None),
    "p10_p50_p90 left skew": ("p10_p50_p90", {"p10": 50.0, "p50": 100.0, "p90": 120.0},
                              Mirrored(shifted_lognormal(-120, -100, -50)), None, None),
}


def reference_moments(name: str) -> tuple[float, float, float]:
    """Mean, variance and excess kurtosis of a case's reference (closed forms checked against scipy)."""
    _, _, reference, closed_mean, closed_variance = CASES[name]
    if closed_mean is not None:
        assert reference.mean() == pytest.approx(closed_mean, rel=1e-12)
        assert reference.var() == pytest.approx(closed_variance, rel=1e-12)
    return float(reference.mean()), float(reference.var()), float(reference.stats("k"))


def assert_moments(draws: np.ndarray, name: str, standard_errors: float):
    """Sample mean and variance within ``standard_errors`` Monte Carlo standard errors of the reference."""
    m, variance, excess_kurtosis = reference_moments(name)
    assert abs(draws.mean() - m) <= standard_errors * math.sqrt(variance / len(draws))
    # Var(s²) ≈ σ⁴·(κ − 1)/n with κ = μ₄/σ⁴ the (non-excess) kurtosis
    assert abs(draws.var() - variance) <= standard_errors * variance * math.sqrt((excess_kurtosis + 2) / len(draws))


@pytest.mark.parametrize("name", CASES)
def test_random_draws_match_the_reference(name):
    distribution, params, reference, _, _ = CASES[name]
    draws = sample(distribution, params, N, np.random.default_rng(11))
    assert draws.shape == (N,)
    assert_moments(draws, name, 4)
    below = (draws[:, None] <= reference.ppf(QUANTILES)).mean(axis=0)
    assert np.all(np.abs(below - QUANTILES) <= 4 * np.sqrt(QUANTILES * (1 - QUANTILES) / N))


@pytest.mark.parametrize("name", CASES)
def test_latin_hypercube_draws_match_the_reference_more_tightly(name):
    distribution, params, reference, _, _ = CASES[name]
    uniforms = latin_hypercube(np.random.default_rng(12), N, 1)[:, 0]
    draws = sample(distribution, params, N, np.random.default_rng(0), uniforms=uniforms)
    assert_moments(draws, name, 0.4)
    # one uniform per stratum and a monotone inverse CDF: the empirical CDF is off by at most one point
    below = (draws[:, None] <= reference.ppf(QUANTILES)).mean(axis=0)
    assert np.all(np.abs(below - QUANTILES) <= 1 / N + 1e-12)


@pytest.mark.parametrize("name", CASES)
def test_frozen_matches_the_reference(name):
    distribution, params, reference, _, _ = CASES[name]
    u = np.linspace(0.001, 0.999, 37)
    dist = frozen(distribution, params)
    np.testing.assert_allclose(dist.ppf(u), reference.ppf(u), rtol=1e-10)
    assert float(dist.mean()) == pytest.approx(reference.mean(), rel=1e-10)
    assert float(dist.var()) == pytest.approx(reference.var(), rel=1e-10)


def test_the_pert_shape_defaults_to_4_for_none_and_nan():
    base = {"min": 0.0, "mode": 3.0, "max": 12.0}
    for blank in (None, float("nan")):
        assert float(frozen("pert", {**base, "shape": blank}).mean()) == pytest.approx(4.0, rel=1e-12)
        blank_draws = sample("pert", {**base, "shape": blank}, 100, np.random.default_rng(3))
        np.testing.assert_array_equal(blank_draws, sample("pert", base, 100, np.random.default_rng(3)))


def test_fixed_always_returns_its_value():
    params = {"value": 0.1, "min": None, "mean": float("nan")}
    np.testing.assert_array_equal(sample("fixed", params, 1000, np.random.default_rng(1)), np.full(1000, 0.1))
    uniforms = np.array([0.0, 1e-300, 0.3, 0.5, 1 - 1e-16, 1.0])
    np.testing.assert_array_equal(sample("fixed", params, 6, np.random.default_rng(1), uniforms), np.full(6, 0.1))
    dist = frozen("fixed", params)
    np.testing.assert_array_equal(dist.ppf(uniforms), np.full(6, 0.1))
    np.testing.assert_array_equal(dist.rvs(5, random_state=1), np.full(5, 0.1))
    np.testing.assert_array_equal(dist.cdf([0.0999, 0.1, 0.2]), [0.0, 1.0, 1.0])
    assert (float(dist.mean()), float(dist.var()), float(dist.median())) == (0.1, 0.0, 0.1)


# --------------------------------------------------------------------------------------------------------
# The three-point fit
# --------------------------------------------------------------------------------------------------------

@st.composite
def three_point_estimates(draw) -> tuple[float, float, float]:
    """p10 < p50 < p90 with every kind of skew: symmetric, nearly symmetric, mild, extreme, either side."""
    p50 = draw(st.floats(-1e6, 1e6))
    below = draw(st.floats(1e-3, 1e6))
    above = draw(st.one_of(
        st.just(below),
        st.floats(-1e-9, 1e-9).map(lambda change: below * (1 + change)),
        st.floats(1e-3, 1e6),
    ))
    p10, p90 = p50 - below, p50 + above
    return p10, p50, p90


@settings(max_examples=300, deadline=None)
@given(three_point_estimates())
def test_the_three_point_fit_reproduces_the_three_quantiles(triple):
    p10, p50, p90 = triple
    scale = max(abs(p10), abs(p90), p90 - p10)
    dist = fit_p10_p50_p90(p10, p50, p90)
    np.testing.assert_allclose(dist.ppf([0.1, 0.5, 0.9]), triple, rtol=0, atol=1e-12 * scale)
    params = {"p10": p10, "p50": p50, "p90": p90}
    np.testing.assert_allclose(frozen("p10_p50_p90", params).ppf([0.1, 0.5, 0.9]), triple, rtol=0,
                               atol=1e-12 * scale)
    assert dist.cdf(p50) == pytest.approx(0.5, abs=1e-12)
    if np.isfinite(float(dist.mean())):
        # the mean lies on the side of the longer tail
        assert (float(dist.mean()) - p50) * ((p90 - p50) - (p50 - p10)) >= -1e-12 * scale


def test_the_three_point_fit_is_normal_when_symmetric_and_skewed_otherwise():
    assert fit_p10_p50_p90(0.1, 0.2, 0.3).dist.name == "norm"  # 0.3 − 0.2 ≠ 0.2 − 0.1 in floats, by 3e-17
    right, left = fit_p10_p50_p90(80, 100, 150), fit_p10_p50_p90(50, 100, 120)
    assert right.support()[0] == pytest.approx(shifted_lognormal(80, 100, 150).support()[0], rel=1e-12)
    assert right.support()[1] == np.inf
    assert left.support() == (-np.inf, pytest.approx(-shifted_lognormal(-120, -100, -50).support()[0], rel=1e-12))
    x = np.linspace(70, 300, 11)
    np.testing.assert_allclose(right.pdf(x), shifted_lognormal(80, 100, 150).pdf(x), rtol=1e-10, atol=1e-300)
    np.testing.assert_allclose(right.cdf(x), shifted_lognormal(80, 100, 150).cdf(x), rtol=1e-10, atol=1e-300)
    np.testing.assert_allclose(left.cdf(-x + 200), 1 - shifted_lognormal(-120, -100, -50).cdf(x - 200), rtol=1e-10)
    assert right.stats("s") > 0 > left.stats("s")


@pytest.mark.parametrize("triple", [(80.0, 100.0, 120.0), (80.0, 100.0, 150.0), (50.0, 100.0, 120.0),
                                    (1.0, 2.0, 200.0)])
def test_three_point_draws_hit_the_three_quantiles(triple):
    params = dict(zip(("p10", "p50", "p90"), triple))
    draws = sample("p10_p50_p90", params, N, np.random.default_rng(5))
    share_below = (draws[:, None] <= np.array(triple)).mean(axis=0)
    q = np.array([0.1, 0.5, 0.9])
    assert np.all(np.abs(share_below - q) <= 4 * np.sqrt(q * (1 - q) / N))


# --------------------------------------------------------------------------------------------------------
# Latin hypercube and reproducibility
# --------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("n", [1, 7, 1000])
def test_latin_hypercube_has_one_point_per_stratum_per_column(n):
    points = latin_hypercube(np.random.default_rng(2), n, 4)
    assert points.shape == (n, 4)
    assert np.all((points > 0) & (points < 1))
    np.testing.assert_array_equal(np.sort(np.floor(points * n), axis=0), np.tile(np.arange(n)[:, None], (1, 4)))
    if n > 7:
        strata = np.floor(points * n)
        assert not np.array_equal(strata[:, 0], strata[:, 1])  # columns are permuted independently


def test_same_seed_gives_identical_draws():
    for name, (distribution, params, _, _, _) in CASES.items():
        first, again, other = (sample(distribution, params, 1000, np.random.default_rng(seed)) for seed in (4, 4, 5))
        np.testing.assert_array_equal(first, again, err_msg=name)
        assert not np.array_equal(first, other), name
    np.testing.assert_array_equal(latin_hypercube(np.random.default_rng(4), 100, 3),
                                  latin_hypercube(np.random.default_rng(4), 100, 3))


def test_every_distribution_is_covered():
    assert set(DISTRIBUTIONS) == {case[0] for case in CASES.values()} | {"fixed"}


@pytest.mark.parametrize(("distribution", "params", "message"), [
    ("weibull", {}, "unknown distribution"),
    ("beta", {"mean": 0.5, "sd": 0.5}, "needs sd below"),
    ("beta", {"mean": 1.0, "sd": 0.1}, "strictly between 0 and 1"),
    ("gamma", {"mean": 0.0, "sd": 1.0}, "needs a positive mean"),
    ("uniform", {"min": 1.0, "max": None}, "needs finite max"),
    ("uniform", {"min": 1.0, "max": 1.0}, "must be below max"),
    ("triangular", {"min": 1.0, "mode": 5.0, "max": 4.0}, "min <= mode <= max"),
    ("pert", {"min": 1.0, "mode": 2.0, "max": 4.0, "shape": 0.0}, "shape must be positive"),
    ("normal", {"mean": 1.0, "sd": 0.0}, "sd must be positive"),
    ("lognormal", {"mean": -1.0, "sd": 1.0}, "needs a positive mean"),
    ("p10_p50_p90", {"p10": 1.0, "p50": 1.0, "p90": 2.0}, "p10 < p50 < p90"),
])
def test_invalid_parameters_are_rejected(distribution, params, message):
    with pytest.raises(ValueError, match=message):
        sample(distribution, params, 10, np.random.default_rng(1))


def test_uniforms_must_have_one_value_per_draw():
    with pytest.raises(ValueError, match="shape"):
        sample("normal", {"mean": 0.0, "sd": 1.0}, 10, np.random.default_rng(1), uniforms=np.full(9, 0.5))
