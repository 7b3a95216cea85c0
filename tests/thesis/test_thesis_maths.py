"""The thesis maths (conjugate updates, importance resampling, EVSI) checked against independent calculations.

Every expectation is recomputed another way, never by calling the function under test: a textbook closed form
written out by hand, brute-force numerical integration of prior × likelihood on a fine grid, exact enumeration
with ``math.comb`` / ``fractions.Fraction`` and explicit loops, or the normal–normal preposterior closed form.

Sources:

- Gelman, Carlin, Stern, Dunson, Vehtari and Rubin, *Bayesian Data Analysis*, 3rd ed. (2013) ("BDA3"):
  sec. 2.4 (beta–binomial), sec. 2.5 eq. 2.11–2.12 (normal mean, known variance), sec. 2.6 (Poisson with
  exposures, gamma prior).
- Rubin (1988), sampling importance resampling; Kish (1965) / Owen (2013) eq. 9.13, effective sample size;
  Douc, Cappé and Moulines (2005), systematic resampling keeps each draw ⌊n wᵢ⌋ or ⌈n wᵢ⌉ times.
- Raiffa and Schlaifer (1961), *Applied Statistical Decision Theory*, ch. 4–5: the preposterior distribution
  of the posterior mean and the EVSI of a linear payoff under a normal prior and normal sampling.
- Ades, Lu and Claxton (2004), ENBS = EVSI − cost of the pilot.
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
from scipy import stats

from alliance_analytics.case.distributions import beta_alpha_beta, frozen, gamma_shape_rate, sample
from alliance_analytics.risk.value_of_information import conditional_means, evppi
from alliance_analytics.thesis.conjugate import beta_binomial, gamma_poisson, normal_normal
from alliance_analytics.thesis.evsi import evsi, pilot_plan, pilot_sizes
from alliance_analytics.thesis.importance import (
    effective_sample_size,
    log_likelihood,
    normalised_weights,
    systematic_resample,
)

ROUNDING = 1e-9
"""Relative slack for comparisons that should hold exactly up to float rounding."""


def _grid_moments(grid: np.ndarray, log_density: np.ndarray) -> tuple[float, float]:
    """Mean and sd of an unnormalised density on an evenly spaced grid (Riemann sum; the step cancels)."""
    weights = np.exp(log_density - log_density.max())
    weights /= weights.sum()
    mean = float(weights @ grid)
    return mean, float(np.sqrt(weights @ (grid - mean) ** 2))


# ---------------------------------------------------------------------------------------------------------------
# 1. Conjugate updates: closed forms by hand and grid integration
# ---------------------------------------------------------------------------------------------------------------

NORMAL_CASES = [
    # prior mean, prior sd, measurements, their sds
    (10.0, 2.0, [14.0], [2.0]),
    (0.0, 1.0, [0.3, -1.2, 2.5], [0.5, 1.0, 3.0]),
    (-5.0, 10.0, [1.0, 1.5, 0.7, 2.2], [0.2, 4.0, 1.1, 0.6]),
    (100.0, 0.5, [90.0, 130.0], [20.0, 7.5]),
]


@pytest.mark.parametrize(("mu0", "tau0", "y", "sigma"), NORMAL_CASES)
def test_normal_normal_closed_form(mu0: float, tau0: float, y: list[float], sigma: list[float]) -> None:
    """BDA3 eq. 2.11–2.12 with one σᵢ per measurement, written out term by term in plain Python."""
    precision = 1 / tau0**2
    weighted = mu0 / tau0**2
    for value, sd in zip(y, sigma, strict=True):
        precision += 1 / sd**2
        weighted += value / sd**2
    posterior = normal_normal(mu0, tau0, np.array(y), np.array(sigma))
    assert posterior.dist.name == "norm"
    assert float(posterior.mean()) == pytest.approx(weighted / precision, rel=1e-12, abs=1e-12)
    assert float(posterior.var()) == pytest.approx(1 / precision, rel=1e-12)


@pytest.mark.parametrize(("mu0", "tau0", "y", "sigma"), NORMAL_CASES)
def test_normal_normal_grid_integration(mu0: float, tau0: float, y: list[float], sigma: list[float]) -> None:
    """Posterior mean and sd by brute-force integration of N(θ; μ₀, τ₀²) × Π N(yᵢ; θ, σᵢ²) on a fine grid."""
    points = [mu0, *y]
    spread = max([tau0, *sigma])
    grid = np.linspace(min(points) - 12 * spread, max(points) + 12 * spread, 1_000_001)
    log_density = -0.5 * ((grid - mu0) / tau0) ** 2
    for value, sd in zip(y, sigma, strict=True):
        log_density += -0.5 * ((value - grid) / sd) ** 2
    mean, sd_grid = _grid_moments(grid, log_density)
    posterior = normal_normal(mu0, tau0, np.array(y), np.array(sigma))
    assert float(posterior.mean()) == pytest.approx(mean, abs=1e-6 * spread)
    assert float(posterior.std()) == pytest.approx(sd_grid, rel=1e-5)


@pytest.mark.parametrize("seed", range(8))
def test_normal_normal_shrinks_variance(seed: int) -> None:
    """Posterior variance 1/(1/τ₀² + Σ1/σᵢ²) (hand formula) is below the prior's τ₀², for random settings."""
    rng = np.random.default_rng(seed)
    k = int(rng.integers(1, 6))
    mu0, tau0 = rng.normal(0, 10), rng.uniform(0.1, 5)
    y, sigma = rng.normal(mu0, 5, k), rng.uniform(0.1, 20, k)
    posterior = normal_normal(mu0, tau0, y, sigma)
    expected_variance = 1 / (1 / tau0**2 + sum(1 / s**2 for s in sigma))
    assert float(posterior.var()) == pytest.approx(expected_variance, rel=1e-12)
    assert float(posterior.var()) < tau0**2 * (1 - 1e-9)
    # the posterior mean lies between the prior mean and the measurements (a precision-weighted average)
    low, high = min(mu0, *y), max(mu0, *y)
    assert low - 1e-9 * (abs(low) + 1) <= float(posterior.mean()) <= high + 1e-9 * (abs(high) + 1)


BETA_CASES = [
    # prior alpha, beta, successes, trials
    (2.0, 6.0, [3, 4], [10, 10]),
    (1.0, 1.0, [7], [9]),
    (0.5, 0.5, [1, 0, 2], [3, 2, 5]),
    (20.0, 5.0, [30, 12], [50, 40]),
]


@pytest.mark.parametrize(("alpha", "beta", "k", "n"), BETA_CASES)
def test_beta_binomial_closed_form_and_grid(alpha: float, beta: float, k: list[int], n: list[int]) -> None:
    """BDA3 sec. 2.4: Beta(α + Σk, β + Σ(n − k)) by hand (mean α'/(α'+β'), variance α'β'/((α'+β')²(α'+β'+1)));
    mean and variance also by grid integration of the prior density × Π binomial likelihoods on (0, 1)."""
    a_post = alpha + sum(k)
    b_post = beta + sum(ni - ki for ki, ni in zip(k, n, strict=True))
    mean = a_post / (a_post + b_post)
    variance = a_post * b_post / ((a_post + b_post) ** 2 * (a_post + b_post + 1))
    posterior = beta_binomial(alpha, beta, np.array(k), np.array(n))
    assert [float(value) for value in posterior.args] == pytest.approx([a_post, b_post], rel=1e-12)
    assert float(posterior.mean()) == pytest.approx(mean, rel=1e-12)
    assert float(posterior.var()) == pytest.approx(variance, rel=1e-10)

    cells = 1_000_000
    grid = (np.arange(cells) + 0.5) / cells  # midpoints: the posterior exponents are >= 0, so no singularity
    log_density = (alpha - 1) * np.log(grid) + (beta - 1) * np.log1p(-grid)
    for ki, ni in zip(k, n, strict=True):
        log_density += math.log(math.comb(ni, ki)) + ki * np.log(grid) + (ni - ki) * np.log1p(-grid)
    grid_mean, grid_sd = _grid_moments(grid, log_density)
    assert float(posterior.mean()) == pytest.approx(grid_mean, rel=1e-6)
    assert float(posterior.var()) == pytest.approx(grid_sd**2, rel=1e-5)


GAMMA_CASES = [
    # prior shape, rate, counts, exposures (periods)
    (4.0, 1.0, [9], [3.0]),
    (1.0, 0.1, [0, 2, 5], [1.0, 0.5, 2.5]),
    (30.0, 6.0, [12, 3], [4.0, 0.7]),
    (0.7, 2.0, [40], [10.0]),
]


@pytest.mark.parametrize(("shape", "rate", "y", "x"), GAMMA_CASES)
def test_gamma_poisson_closed_form_and_grid(shape: float, rate: float, y: list[int], x: list[float]) -> None:
    """BDA3 sec. 2.6: Gamma(a + Σy, b + Σx) by hand (mean a'/b', variance a'/b'²); mean and variance also by
    grid integration of the gamma prior density × Π Poisson(yᵢ; xᵢθ) likelihoods."""
    a_post, b_post = shape + sum(y), rate + sum(x)
    posterior = gamma_poisson(shape, rate, np.array(y), np.array(x))
    assert float(posterior.mean()) == pytest.approx(a_post / b_post, rel=1e-12)
    assert float(posterior.var()) == pytest.approx(a_post / b_post**2, rel=1e-10)
    assert float(posterior.kwds["scale"]) == pytest.approx(1 / b_post, rel=1e-12)

    upper = 60 * (shape / rate + max(yi / xi for yi, xi in zip(y, x, strict=True)) + 1)
    cells = 2_000_000
    grid = (np.arange(cells) + 0.5) * upper / cells
    log_density = (shape - 1) * np.log(grid) - rate * grid
    for yi, xi in zip(y, x, strict=True):
        log_density += yi * np.log(xi * grid) - xi * grid - math.lgamma(yi + 1)
    grid_mean, grid_sd = _grid_moments(grid, log_density)
    assert float(posterior.mean()) == pytest.approx(grid_mean, rel=1e-5)
    assert float(posterior.var()) == pytest.approx(grid_sd**2, rel=1e-4)


@pytest.mark.parametrize(("mean", "sd"), [(0.3, 0.1), (0.25, 0.1875**0.5 / 3), (0.9, 0.05), (0.5, 0.28)])
def test_beta_moment_matching(mean: float, sd: float) -> None:
    """``beta_alpha_beta``/``frozen("beta")`` reproduce the asked mean and sd through the textbook beta moments
    α/(α+β) and αβ/((α+β)²(α+β+1)) (BDA3 appendix A)."""
    a, b = beta_alpha_beta(mean, sd)
    assert a / (a + b) == pytest.approx(mean, rel=1e-12)
    assert math.sqrt(a * b / ((a + b) ** 2 * (a + b + 1))) == pytest.approx(sd, rel=1e-12)
    dist = frozen("beta", {"mean": mean, "sd": sd})
    assert [float(v) for v in dist.args] == pytest.approx([a, b], rel=1e-12)


@pytest.mark.parametrize(("mean", "sd"), [(4.0, 2.0), (0.3, 0.05), (12.0, 30.0)])
def test_gamma_moment_matching(mean: float, sd: float) -> None:
    """``gamma_shape_rate``/``frozen("gamma")`` reproduce the asked mean and sd through a/b and √a/b."""
    a, b = gamma_shape_rate(mean, sd)
    assert a / b == pytest.approx(mean, rel=1e-12)
    assert math.sqrt(a) / b == pytest.approx(sd, rel=1e-12)
    dist = frozen("gamma", {"mean": mean, "sd": sd})
    assert float(dist.mean()) == pytest.approx(mean, rel=1e-12)
    assert float(dist.std()) == pytest.approx(sd, rel=1e-10)


# ---------------------------------------------------------------------------------------------------------------
# 2. Importance resampling against the conjugate posterior; ESS; systematic resampling
# ---------------------------------------------------------------------------------------------------------------

def test_log_likelihood_by_hand() -> None:
    """Each evidence kind's log-likelihood against the textbook pmf/pdf written out with ``math``."""
    theta = np.array([0.2, 0.55, 1.7])
    normal = log_likelihood(theta, "normal", np.array([0.4, 1.1]), np.array([0.3, 2.0]))
    for t, got in zip(theta, normal, strict=True):
        expected = sum(-0.5 * math.log(2 * math.pi * s**2) - (y - t) ** 2 / (2 * s**2)
                       for y, s in ((0.4, 0.3), (1.1, 2.0)))
        assert got == pytest.approx(expected, rel=1e-12)
    shares = np.array([0.2, 0.55])
    binomial = log_likelihood(shares, "binomial", np.array([3, 0]), np.array([10, 4]))
    for t, got in zip(shares, binomial, strict=True):
        expected = sum(math.log(math.comb(n, k)) + k * math.log(t) + (n - k) * math.log(1 - t)
                       for k, n in ((3, 10), (0, 4)))
        assert got == pytest.approx(expected, rel=1e-12)
    poisson = log_likelihood(theta, "poisson", np.array([4, 0]), np.array([2.5, 1.0]))
    for t, got in zip(theta, poisson, strict=True):
        expected = sum(y * math.log(x * t) - x * t - math.lgamma(y + 1) for y, x in ((4, 2.5), (0, 1.0)))
        assert got == pytest.approx(expected, rel=1e-12)
    # impossible draws: a share of 0 cannot give a success; an event rate of 0 cannot give an event
    assert log_likelihood(np.array([0.0]), "binomial", np.array([1]), np.array([5]))[0] == -np.inf
    assert log_likelihood(np.array([0.0]), "poisson", np.array([2]), np.array([3.0]))[0] == -np.inf
    with pytest.raises(ValueError, match="unknown evidence"):
        log_likelihood(theta, "gamma", np.array([1.0]), np.array([1.0]))


DRAWS = 200_000


def _resample_moments(prior_draws: np.ndarray, evidence: str, observed: list[float], strength: list[float],
                      seed: int) -> tuple[float, float, float]:
    """Mean and sd of the systematic resample of the prior draws weighted by the actuals, and the ESS."""
    weights = normalised_weights(log_likelihood(prior_draws, evidence, np.array(observed), np.array(strength)))
    assert weights.sum() == pytest.approx(1.0, rel=1e-12)
    ess = effective_sample_size(weights)
    index = systematic_resample(weights, np.random.default_rng(seed))
    posterior_draws = prior_draws[index]
    return float(posterior_draws.mean()), float(posterior_draws.std()), ess


def _assert_within_monte_carlo_error(mean: float, sd: float, ess: float, exact_mean: float, exact_sd: float,
                                     excess_kurtosis: float) -> None:
    """Mean within 4 SE (SE = σ/√ESS) and sd within 4 SE (SE = σ·√((κ + 2)/(4·ESS)), κ the excess kurtosis)."""
    assert ess > 1_000  # enough draws for the normal approximation of the errors
    se_mean = exact_sd / math.sqrt(ess)
    se_sd = exact_sd * math.sqrt((excess_kurtosis + 2) / (4 * ess))
    assert abs(mean - exact_mean) < 4 * se_mean
    assert abs(sd - exact_sd) < 4 * se_sd


@pytest.mark.parametrize("seed", [1, 2])
def test_importance_resampling_normal_prior(seed: int) -> None:
    """SIR from a normal prior with normal actuals vs the BDA3 eq. 2.11–2.12 posterior, by hand."""
    mu0, tau0, y, sigma = 2.0, 1.5, [3.1, 2.4, 4.0], [1.0, 2.0, 1.5]
    draws = sample("normal", {"mean": mu0, "sd": tau0}, DRAWS, np.random.default_rng(seed))
    precision = 1 / tau0**2 + sum(1 / s**2 for s in sigma)
    exact_mean = (mu0 / tau0**2 + sum(v / s**2 for v, s in zip(y, sigma, strict=True))) / precision
    mean, sd, ess = _resample_moments(draws, "normal", y, sigma, seed)
    _assert_within_monte_carlo_error(mean, sd, ess, exact_mean, math.sqrt(1 / precision), 0.0)


@pytest.mark.parametrize("seed", [3, 4])
def test_importance_resampling_beta_prior(seed: int) -> None:
    """SIR from a beta prior with binomial actuals vs Beta(α + Σk, β + Σ(n − k)) (BDA3 sec. 2.4), by hand."""
    prior = {"mean": 0.3, "sd": 0.12}
    alpha, beta = beta_alpha_beta(prior["mean"], prior["sd"])
    k, n = [3, 7], [10, 20]
    draws = sample("beta", prior, DRAWS, np.random.default_rng(seed))
    a_post, b_post = alpha + sum(k), beta + sum(n) - sum(k)
    exact_mean = a_post / (a_post + b_post)
    exact_sd = math.sqrt(a_post * b_post / ((a_post + b_post) ** 2 * (a_post + b_post + 1)))
    excess_kurtosis = float(stats.beta(a_post, b_post).stats("k"))
    mean, sd, ess = _resample_moments(draws, "binomial", k, n, seed)
    _assert_within_monte_carlo_error(mean, sd, ess, exact_mean, exact_sd, excess_kurtosis)


@pytest.mark.parametrize("seed", [5, 6])
def test_importance_resampling_gamma_prior(seed: int) -> None:
    """SIR from a gamma prior with Poisson counts over exposures vs Gamma(a + Σy, b + Σx) (BDA3 sec. 2.6)."""
    prior = {"mean": 4.0, "sd": 1.5}
    shape, rate = gamma_shape_rate(prior["mean"], prior["sd"])
    y, x = [4, 9], [2.0, 3.5]
    draws = sample("gamma", prior, DRAWS, np.random.default_rng(seed))
    a_post, b_post = shape + sum(y), rate + sum(x)
    mean, sd, ess = _resample_moments(draws, "poisson", y, x, seed)
    _assert_within_monte_carlo_error(mean, sd, ess, a_post / b_post, math.sqrt(a_post) / b_post, 6 / a_post)


def test_normalised_weights_by_hand() -> None:
    """exp(lᵢ)/Σexp(lⱼ) by hand, including log-weights far below 0 (where exp underflows without the shift)."""
    assert normalised_weights(np.log([1.0, 3.0])) == pytest.approx([0.25, 0.75], rel=1e-12)
    shifted = normalised_weights(np.array([-1000.0, -1000.0 + math.log(2), -np.inf, -1000.0 + math.log(5)]))
    assert shifted == pytest.approx([1 / 8, 2 / 8, 0.0, 5 / 8], rel=1e-12, abs=1e-15)
    with pytest.raises(ValueError, match="no prior draw"):
        normalised_weights(np.array([-np.inf, -np.inf]))


@pytest.mark.parametrize("n", [1, 7, 1000])
def test_effective_sample_size_extremes(n: int) -> None:
    """Kish's ESS is n for equal weights (normalised or not) and 1 when one draw holds all the weight."""
    assert effective_sample_size(np.full(n, 1 / n)) == pytest.approx(n, rel=1e-12)
    assert effective_sample_size(np.full(n, 3.7)) == pytest.approx(n, rel=1e-12)
    one = np.zeros(n)
    one[n // 2] = 0.4
    assert effective_sample_size(one) == pytest.approx(1.0, rel=1e-12)


def test_effective_sample_size_hand_example() -> None:
    """Kish (Σw)²/Σw² by hand: w = (1, 2, 3, 4) gives 100/30; w = (0.5, 0.25, 0.25) gives 1/0.375."""
    assert effective_sample_size(np.array([1.0, 2.0, 3.0, 4.0])) == pytest.approx(100 / 30, rel=1e-12)
    assert effective_sample_size(np.array([0.5, 0.25, 0.25])) == pytest.approx(1 / 0.375, rel=1e-12)


@pytest.mark.parametrize("seed", range(6))
def test_systematic_resample_counts(seed: int) -> None:
    """Each draw is kept ⌊n wᵢ⌋ or ⌈n wᵢ⌉ times (Douc, Cappé and Moulines 2005), counted with bincount."""
    rng = np.random.default_rng(seed)
    n = int(rng.integers(5, 2000))
    concentration = rng.choice([0.05, 1.0, 20.0])
    weights = rng.dirichlet(np.full(n, concentration))
    index = systematic_resample(weights, np.random.default_rng(100 + seed))
    assert index.shape == (n,)
    assert index.min() >= 0 and index.max() < n
    assert np.all(np.diff(index) >= 0)
    counts = np.bincount(index, minlength=n)
    assert counts.sum() == n
    expected = n * weights
    assert np.all(counts >= np.floor(expected - 1e-9))
    assert np.all(counts <= np.ceil(expected + 1e-9))
    assert np.all(counts[weights == 0] == 0)


# ---------------------------------------------------------------------------------------------------------------
# 3. EVSI against the normal–normal preposterior closed form
# ---------------------------------------------------------------------------------------------------------------

def _preposterior_evsi(a: float, b: float, mu0: float, tau: float, sigma: float, n: int) -> float:
    """Raiffa–Schlaifer: E[a + bθ | X̄] ~ N(m, v²), m = a + bμ₀, v = |b|τ²/√(τ² + σ²/n);
    EVSI = E[max(·, 0)] − max(m, 0) = m Φ(m/v) + v φ(m/v) − max(m, 0)."""
    m = a + b * mu0
    v = abs(b) * tau**2 / math.sqrt(tau**2 + sigma**2 / n)
    z = m / v
    phi = math.exp(-z * z / 2) / math.sqrt(2 * math.pi)
    big_phi = 0.5 * (1 + math.erf(z / math.sqrt(2)))
    return m * big_phi + v * phi - max(m, 0.0)


@pytest.mark.parametrize(("a", "b", "n"), [
    (0.5, 2.0, 10),    # m > 0
    (-1.0, 3.0, 5),    # m > 0
    (2.0, -1.5, 20),   # m > 0, b < 0
    (0.2, 1.0, 50),    # m > 0
    (-1.5, 1.0, 100),  # m < 0
    (1.0, -4.0, 2),    # m < 0, b < 0
    (-2.2, 2.0, 1),    # m < 0, a single unit
])
def test_evsi_normal_preposterior_closed_form(a: float, b: float, n: int) -> None:
    """EVSI on the discrete prior of ``conditional_means`` (200,000 seeded draws, NPV = a + bθ + noise) vs the
    normal–normal preposterior closed form. Tolerance 3 %: the discrete prior replaces each of its ≈447 groups
    by its mean θ, losing the within-group variance (≈0.1 % of τ² here, most of it in the tails), the sample's
    mean and variance differ from μ₀, τ² by Monte Carlo error, and the group means of NPV carry the noise;
    observed errors are ≤ 1.2 %. Cases keep |m|/v ≤ 2
    so the EVSI is not a far-tail quantity that the coarse extreme groups cannot resolve."""
    mu0, tau, sigma, noise = 1.0, 0.8, 2.0, 0.5
    rng = np.random.default_rng(7)
    theta = rng.normal(mu0, tau, 200_000)
    npv = a + b * theta + rng.normal(0, noise, theta.size)
    points, means, share = conditional_means(npv, theta)
    got = float(evsi(points, means, share, "normal", np.array([n]), unit_sd=sigma)[0])
    expected = _preposterior_evsi(a, b, mu0, tau, sigma, n)
    m, v = a + b * mu0, abs(b) * tau**2 / math.sqrt(tau**2 + sigma**2 / n)
    assert abs(m) / v <= 2  # the case is in the range the tolerance was argued for
    assert got == pytest.approx(expected, rel=0.03)


@pytest.mark.parametrize("n", [1, 2, 3, 4, 5, 10, 20])
def test_evsi_normal_two_point_prior_exact(n: int) -> None:
    """θ ∈ {0, 1} with probability ½ each, NPV −1 or +1, unit sd 1: go iff the pilot mean X̄ > ½, so
    EVSI = ½·P(X̄ > ½ | θ=1) − ½·P(X̄ > ½ | θ=0) = Φ(√n/2) − ½ exactly; the package integrates exactly between
    the sign changes it finds, so only rounding remains."""
    got = float(evsi(np.array([0.0, 1.0]), np.array([-1.0, 1.0]), np.array([0.5, 0.5]), "normal",
                     np.array([n]), unit_sd=1.0)[0])
    expected = 0.5 * (1 + math.erf(math.sqrt(n) / 2 / math.sqrt(2))) - 0.5
    assert got == pytest.approx(expected, rel=1e-9)


def _normal_evsi_by_integration(theta: list[float], npv: list[float], share: list[float], sd: float,
                                n: int) -> float:
    """E_X̄[max(Σ_b p_b g_b N(X̄; θ_b, σ²/n), 0)] − max(Σ p_b g_b, 0) by the trapezoid rule on a fine grid."""
    spread = sd / math.sqrt(n)
    x = np.linspace(min(theta) - 12 * spread, max(theta) + 12 * spread, 400_001)
    joint = np.zeros_like(x)
    for t, g, p in zip(theta, npv, share, strict=True):
        joint += p * g * np.exp(-0.5 * ((x - t) / spread) ** 2) / (spread * math.sqrt(2 * math.pi))
    informed = float(np.sum((np.maximum(joint[1:], 0) + np.maximum(joint[:-1], 0)) / 2 * np.diff(x)))
    return informed - max(sum(p * g for p, g in zip(share, npv, strict=True)), 0.0)


@pytest.mark.parametrize("seed", range(8))
def test_evsi_normal_small_prior_by_integration(seed: int) -> None:
    """Normal-pilot EVSI on a random 2–4 point prior vs trapezoid integration over the pilot mean (400,001
    points): agreement to 1e-6 of the prior's EVPPI, the trapezoid rule's own error at the kinks."""
    rng = np.random.default_rng(seed)
    k = int(rng.integers(2, 5))
    theta, npv = np.sort(rng.normal(0, 1, k)), rng.normal(0, 1, k)
    npv[0], npv[-1] = -abs(npv[0]), abs(npv[-1])  # both signs, so the pilot can change the decision
    share = rng.dirichlet(np.ones(k))
    sd, n = float(rng.uniform(0.1, 3)), int(rng.integers(1, 50))
    perfect = float(share @ np.maximum(npv, 0) - max(share @ npv, 0))
    got = float(evsi(theta, npv, share, "normal", np.array([n]), unit_sd=sd)[0])
    expected = _normal_evsi_by_integration(theta.tolist(), npv.tolist(), share.tolist(), sd, n)
    assert perfect > 0.01
    assert got == pytest.approx(expected, abs=1e-6 * perfect)


# ---------------------------------------------------------------------------------------------------------------
# 4. EVSI properties and brute-force enumeration
# ---------------------------------------------------------------------------------------------------------------

PROPERTY_DRAWS = 20_000

PILOTS = {
    # evidence: prior of θ, NPV as a function of θ, unit sd, a "very large" pilot
    "normal": ({"mean": 1.0, "sd": 0.8}, lambda t: -1.0 + 1.2 * t, 2.0, 1_000_000),
    "binomial": ({"mean": 0.3, "sd": 0.1}, lambda t: -3.0 + 10.0 * t, None, 50_000),
    "poisson": ({"mean": 4.0, "sd": 1.0}, lambda t: 3.0 - 0.8 * t, None, 10_000),
}
PRIOR_KIND = {"normal": "normal", "binomial": "beta", "poisson": "gamma"}


def _pilot_sample(evidence: str, seed: int = 11) -> tuple[np.ndarray, np.ndarray, float | None, int]:
    """A seeded sample of θ from the pilot's prior and NPV = f(θ) + noise, with the unit sd and a large n."""
    prior, payoff, unit_sd, large = PILOTS[evidence]
    rng = np.random.default_rng(seed)
    theta = sample(PRIOR_KIND[evidence], prior, PROPERTY_DRAWS, rng)
    return theta, payoff(theta) + rng.normal(0, 0.5, theta.size), unit_sd, large


@pytest.mark.parametrize("evidence", list(PILOTS))
def test_evsi_bounds_and_monotone(evidence: str) -> None:
    """0 ≤ EVSI(n) ≤ EVPPI (``evppi`` of the same sample) and EVSI non-decreasing in n (Blackwell), each up
    to 1e-9 relative rounding, over every n ≤ 40 and the plan's geometric sizes up to 3,000."""
    theta, npv, unit_sd, _ = _pilot_sample(evidence)
    points, means, share = conditional_means(npv, theta)
    reference = evppi(npv, theta)
    assert reference > 0.05  # the decision is genuinely uncertain, so the bounds are not vacuous
    sizes = np.unique(np.concatenate([np.arange(1, 41), pilot_sizes(3000)]))
    values = evsi(points, means, share, evidence, sizes, unit_sd)
    assert np.all(values >= -ROUNDING * reference)
    assert np.all(values <= reference * (1 + ROUNDING))
    assert np.all(np.diff(values) >= -ROUNDING * reference)
    assert values[0] < values[-1]  # it does rise


@pytest.mark.parametrize("evidence", list(PILOTS))
def test_evsi_large_pilot_approaches_evppi(evidence: str) -> None:
    """A very large pilot learns θ almost exactly: EVSI within 1 % of ``evppi`` of the same sample."""
    theta, npv, unit_sd, large = _pilot_sample(evidence)
    points, means, share = conditional_means(npv, theta)
    got = float(evsi(points, means, share, evidence, np.array([large]), unit_sd)[0])
    assert got == pytest.approx(evppi(npv, theta), rel=0.01)


@pytest.mark.parametrize("evidence", list(PILOTS))
@pytest.mark.parametrize("sign", [1.0, -1.0])
def test_evsi_zero_when_decision_never_changes(evidence: str, sign: float) -> None:
    """When NPV is always positive (or always negative) no information changes the decision: EVSI = 0."""
    theta, _, unit_sd, _ = _pilot_sample(evidence)
    npv = sign * (5.0 + theta + np.random.default_rng(3).uniform(0, 1, theta.size))
    assert np.all(sign * npv > 0)
    points, means, share = conditional_means(npv, theta)
    values = evsi(points, means, share, evidence, np.array([1, 5, 50, 500]), unit_sd)
    assert np.all(np.abs(values) <= 1e-12 * np.abs(npv).mean())


def _binomial_evsi_exact(theta: list[Fraction], npv: list[Fraction], share: list[Fraction], n: int) -> Fraction:
    """Σ_x max(Σ_b p_b g_b C(n, x) θ_bˣ (1 − θ_b)ⁿ⁻ˣ, 0) − max(Σ_b p_b g_b, 0), in exact rational arithmetic."""
    informed = Fraction(0)
    for x in range(n + 1):
        joint = Fraction(0)
        for t, g, p in zip(theta, npv, share, strict=True):
            joint += p * g * math.comb(n, x) * t**x * (1 - t) ** (n - x)
        informed += max(joint, Fraction(0))
    return informed - max(sum((p * g for p, g in zip(share, npv, strict=True)), Fraction(0)), Fraction(0))


BINOMIAL_PRIORS = [
    ([Fraction(1, 5), Fraction(4, 5)], [Fraction(-1), Fraction(1)], [Fraction(1, 2), Fraction(1, 2)]),
    ([Fraction(1, 10), Fraction(3, 10), Fraction(1, 2)], [Fraction(-3), Fraction(1, 2), Fraction(4)],
     [Fraction(1, 4), Fraction(1, 2), Fraction(1, 4)]),
    ([Fraction(1, 20), Fraction(1, 4), Fraction(2, 5), Fraction(9, 10)],
     [Fraction(-7), Fraction(-1), Fraction(2), Fraction(3)],
     [Fraction(1, 10), Fraction(3, 10), Fraction(1, 5), Fraction(2, 5)]),
    ([Fraction(0), Fraction(1, 3), Fraction(1)], [Fraction(2), Fraction(-5), Fraction(1)],
     [Fraction(1, 3), Fraction(1, 3), Fraction(1, 3)]),
]


@pytest.mark.parametrize(("theta", "npv", "share"), BINOMIAL_PRIORS)
def test_evsi_binomial_enumeration(theta: list[Fraction], npv: list[Fraction], share: list[Fraction]) -> None:
    """Binomial-pilot EVSI on a 2–4 point prior vs exact enumeration of every outcome with ``math.comb`` and
    ``fractions.Fraction``."""
    sizes = [1, 2, 3, 5, 8, 13, 30, 60]
    got = evsi(np.array(theta, dtype=float), np.array(npv, dtype=float), np.array(share, dtype=float),
               "binomial", np.array(sizes))
    expected = [float(_binomial_evsi_exact(theta, npv, share, n)) for n in sizes]
    assert got.tolist() == pytest.approx(expected, rel=1e-9, abs=1e-12)
    assert expected[-1] > expected[0]  # the cases are informative


def _poisson_evsi_brute(theta: list[float], npv: list[float], share: list[float], n: int) -> float:
    """Σ_x max(Σ_b p_b g_b e^{−nθ_b}(nθ_b)ˣ/x!, 0) − max(Σ_b p_b g_b, 0), summing x until every term is negligible
    (pmf in logs with ``math.lgamma``; θ_b = 0 puts all its mass on x = 0)."""
    def pmf(x: int, mean: float) -> float:
        if mean == 0:
            return 1.0 if x == 0 else 0.0
        return math.exp(x * math.log(mean) - mean - math.lgamma(x + 1))

    top = int(n * max(theta) + 40 * math.sqrt(n * max(theta) + 1) + 40)
    informed = 0.0
    for x in range(top + 1):
        joint = sum(p * g * pmf(x, n * t) for t, g, p in zip(theta, npv, share, strict=True))
        informed += max(joint, 0.0)
    return informed - max(sum(p * g for p, g in zip(share, npv, strict=True)), 0.0)


POISSON_PRIORS = [
    ([1.0, 3.0], [-1.0, 1.0], [0.5, 0.5]),
    ([0.5, 2.0, 6.0], [4.0, 0.5, -6.0], [0.3, 0.5, 0.2]),
    ([0.0, 0.2, 1.0, 2.5], [-2.0, -0.5, 1.0, 3.0], [0.2, 0.4, 0.3, 0.1]),
]


@pytest.mark.parametrize(("theta", "npv", "share"), POISSON_PRIORS)
def test_evsi_poisson_enumeration(theta: list[float], npv: list[float], share: list[float]) -> None:
    """Poisson-pilot EVSI on a 2–4 point prior vs an explicit loop over the event counts."""
    sizes = [1, 2, 3, 5, 10, 25, 60]
    got = evsi(np.array(theta), np.array(npv), np.array(share), "poisson", np.array(sizes))
    expected = [_poisson_evsi_brute(theta, npv, share, n) for n in sizes]
    perfect = sum(p * max(g, 0) for p, g in zip(share, npv, strict=True)) - max(
        sum(p * g for p, g in zip(share, npv, strict=True)), 0)
    assert got.tolist() == pytest.approx(expected, rel=1e-8, abs=1e-10 * perfect)
    assert expected[-1] > expected[0]


# ---------------------------------------------------------------------------------------------------------------
# 5. Pilot plan: ENBS = EVSI − cost, and its arg-max
# ---------------------------------------------------------------------------------------------------------------

PLAN_PRIOR = BINOMIAL_PRIORS[1]


@pytest.mark.parametrize(("fixed", "unit"), [(0.0, 0.0), (0.1, 0.0), (0.05, 0.002), (0.0, 0.02), (2.0, 0.01)])
def test_pilot_plan_enbs(fixed: float, unit: float) -> None:
    """The plan's EVSI column vs exact enumeration, cost = fixed + n·unit and ENBS = EVSI − cost by hand;
    its best size (the arg-max of the hand-computed ENBS over the same sizes) agrees with the plan's."""
    theta, npv, share = PLAN_PRIOR
    largest = 80
    plan = pilot_plan(np.array(theta, dtype=float), np.array(npv, dtype=float), np.array(share, dtype=float),
                      "binomial", largest, fixed, unit)
    sizes = plan.index.to_numpy()
    assert sizes[0] == 1 and sizes[-1] == largest and np.all(np.diff(sizes) > 0)
    exact_evsi = np.array([float(_binomial_evsi_exact(theta, npv, share, int(n))) for n in sizes])
    cost = np.array([fixed + int(n) * unit for n in sizes])
    enbs = exact_evsi - cost
    assert plan["evsi"].to_numpy() == pytest.approx(exact_evsi, rel=1e-9, abs=1e-12)
    assert plan["cost"].to_numpy() == pytest.approx(cost, rel=1e-12, abs=1e-15)
    assert plan["enbs"].to_numpy() == pytest.approx(enbs, rel=1e-9, abs=1e-12)
    assert (plan["enbs"] - (plan["evsi"] - plan["cost"])).abs().max() <= 1e-12
    # the best size: the plan's maximum ENBS is the hand maximum, reached at the hand's arg-max
    assert plan["enbs"].max() == pytest.approx(enbs.max(), rel=1e-9, abs=1e-12)
    assert plan.loc[sizes[int(np.argmax(enbs))], "enbs"] == pytest.approx(plan["enbs"].max(), abs=1e-12)
    if unit == 0:  # a free pilot: the largest is (one of) the best
        assert plan["enbs"].iloc[-1] >= plan["enbs"].max() - 1e-12
    if fixed > exact_evsi.max():  # a pilot dearer than anything it could tell: never worth running
        assert (plan["enbs"] < 0).all()


def test_pilot_plan_free_normal_pilot_prefers_largest() -> None:
    """A free normal pilot on a sample-based prior: ENBS = EVSI, so the largest pilot is the best (up to
    rounding), and ENBS = EVSI − (fixed + n·unit) by hand with a cost."""
    theta, npv, unit_sd, _ = _pilot_sample("normal")
    points, means, share = conditional_means(npv, theta)
    free = pilot_plan(points, means, share, "normal", 500, 0.0, 0.0, unit_sd)
    assert free["enbs"].to_numpy() == pytest.approx(free["evsi"].to_numpy(), abs=1e-15)
    assert free["enbs"].iloc[-1] >= free["enbs"].max() * (1 - ROUNDING)
    assert free["enbs"].iloc[-1] > free["enbs"].iloc[0]
    costly = pilot_plan(points, means, share, "normal", 500, 0.01, 0.0004, unit_sd)
    n = costly.index.to_numpy()
    assert costly["evsi"].to_numpy() == pytest.approx(free["evsi"].to_numpy(), rel=1e-12, abs=1e-15)
    assert costly["enbs"].to_numpy() == pytest.approx(free["evsi"].to_numpy() - (0.01 + 0.0004 * n),
                                                      rel=1e-9, abs=1e-12)
    # with a unit cost the best pilot is no longer the largest
    assert costly["enbs"].idxmax() < n[-1]
