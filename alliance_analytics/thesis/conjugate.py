"""Closed-form Bayesian updates of one assumption from its actuals (conjugate priors).

Three textbook pairs, each with the prior an assumption can have in ``assumptions.csv`` and the evidence an
``actuals.csv`` row can give (Gelman, Carlin, Stern, Dunson, Vehtari and Rubin, *Bayesian Data Analysis*,
3rd ed. 2013, sections 2.4–2.6):

- :func:`normal_normal`: a ``normal`` prior and measurements with a known standard deviation (``sd``);
- :func:`beta_binomial`: a ``beta`` prior on a share and successes in ``n`` trials;
- :func:`gamma_poisson`: a ``gamma`` prior on a rate per period and a count of events in ``n`` periods.

Pure functions on numbers and arrays; each returns the posterior as a scipy frozen distribution.
"""

from __future__ import annotations

import numpy as np
from scipy import stats
from scipy.stats._distn_infrastructure import rv_continuous_frozen


def normal_normal(prior_mean: float, prior_sd: float, observed: np.ndarray, sd: np.ndarray) -> rv_continuous_frozen:
    """Posterior of a normal mean θ after measurements with known standard deviations.

    Prior θ ~ N(μ₀, τ₀²); each measurement yᵢ ~ N(θ, σᵢ²) independently. The posterior is normal with precision
    1/τ₀² + Σ 1/σᵢ² and mean (μ₀/τ₀² + Σ yᵢ/σᵢ²) divided by that precision (BDA3 section 2.5, equations 2.11
    and 2.12, with one σᵢ per measurement). Its variance is always below the prior's.

    Parameters
    ----------
    prior_mean, prior_sd : float
        μ₀ and τ₀ > 0, in the assumption's unit.
    observed, sd : numpy.ndarray
        The measurements yᵢ and their standard deviations σᵢ > 0, shape ``(k,)``, k ≥ 0.

    Returns
    -------
    scipy.stats frozen normal

    Raises
    ------
    ValueError
        When a standard deviation is not positive or the shapes differ.

    Examples
    --------
    >>> posterior = normal_normal(10.0, 2.0, np.array([14.0]), np.array([2.0]))
    >>> float(posterior.mean()), round(float(posterior.std()) ** 2, 12)
    (12.0, 2.0)
    """
    y, s = _paired(observed, sd, "sd")
    if not prior_sd > 0 or np.any(s <= 0):
        raise ValueError("standard deviations must be positive")
    precision = 1 / prior_sd**2 + np.sum(1 / s**2)
    mean = (prior_mean / prior_sd**2 + np.sum(y / s**2)) / precision
    return stats.norm(mean, np.sqrt(1 / precision))


def beta_binomial(alpha: float, beta: float, successes: np.ndarray, trials: np.ndarray) -> rv_continuous_frozen:
    """Posterior of a share θ after successes in trials.

    Prior θ ~ Beta(α, β); each observation kᵢ ~ Binomial(nᵢ, θ). The posterior is Beta(α + Σkᵢ, β + Σ(nᵢ − kᵢ))
    (BDA3 section 2.4, equation 2.8 with a beta prior).

    Parameters
    ----------
    alpha, beta : float
        The prior's shape parameters, both positive.
    successes, trials : numpy.ndarray
        kᵢ and nᵢ, whole numbers with 0 ≤ kᵢ ≤ nᵢ, shape ``(k,)``.

    Returns
    -------
    scipy.stats frozen beta

    Raises
    ------
    ValueError
        For a negative count, more successes than trials or a non-positive prior parameter.

    Examples
    --------
    >>> posterior = beta_binomial(2.0, 6.0, np.array([3, 4]), np.array([10, 10]))
    >>> [float(value) for value in posterior.args]
    [9.0, 19.0]
    """
    k, n = _paired(successes, trials, "trials")
    if not (alpha > 0 and beta > 0) or np.any(k < 0) or np.any(k > n):
        raise ValueError("need positive prior parameters and 0 <= successes <= trials")
    return stats.beta(float(alpha + k.sum()), float(beta + (n - k).sum()))


def gamma_poisson(shape: float, rate: float, counts: np.ndarray, exposure: np.ndarray) -> rv_continuous_frozen:
    """Posterior of a rate θ (events per period) after counts over exposures.

    Prior θ ~ Gamma(a, b) (shape a, rate b); each count yᵢ ~ Poisson(xᵢθ) over xᵢ periods. The posterior is
    Gamma(a + Σyᵢ, b + Σxᵢ) (BDA3 section 2.6, the Poisson model with exposures).

    Parameters
    ----------
    shape, rate : float
        a and b, both positive.
    counts, exposure : numpy.ndarray
        yᵢ ≥ 0 (whole numbers) and xᵢ > 0 periods, shape ``(k,)``.

    Returns
    -------
    scipy.stats frozen gamma (``scale`` = 1/rate)

    Raises
    ------
    ValueError
        For a negative count, a non-positive exposure or prior parameter.

    Examples
    --------
    >>> posterior = gamma_poisson(4.0, 1.0, np.array([9]), np.array([3.0]))
    >>> float(posterior.mean())
    3.25
    """
    y, x = _paired(counts, exposure, "exposure")
    if not (shape > 0 and rate > 0) or np.any(y < 0) or np.any(x <= 0):
        raise ValueError("need positive prior parameters and exposures and non-negative counts")
    return stats.gamma(shape + y.sum(), scale=1 / (rate + x.sum()))


def _paired(values: np.ndarray, strengths: np.ndarray, name: str) -> tuple[np.ndarray, np.ndarray]:
    """Two float arrays of one shape ``(k,)``."""
    first, second = np.atleast_1d(np.asarray(values, dtype=float)), np.atleast_1d(np.asarray(strengths, dtype=float))
    if first.shape != second.shape or first.ndim != 1:
        raise ValueError(f"observations and {name} must have one shape (k,)")
    return first, second
