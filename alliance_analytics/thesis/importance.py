"""Posterior of an alliance's assumptions by importance resampling of the prior draws the simulation makes.

When an assumption's prior has no conjugate update (PERT, triangular, …) or is correlated with others, its
actuals reweight the simulation's own draws: each draw's weight is the likelihood of every actual given the
draw's values, and systematic resampling by those weights turns them into an equally weighted posterior
sample (sampling importance resampling, Rubin 1988, "Using the SIR algorithm to simulate posterior
distributions", Bayesian Statistics 3). Because whole draws are resampled, the PERT marginals and the
Iman–Conover rank correlations of the prior carry over, and an actual on one assumption moves the others it is
correlated with. The effective sample size (Kong 1992; Owen 2013, *Monte Carlo theory, methods and examples*,
section 9.3) says how many independent draws the weighted sample is worth.
"""

from __future__ import annotations

import numpy as np
from scipy import stats

EVIDENCE = ("normal", "binomial", "poisson")
"""How an actual measures its assumption: a measurement with a known sd, successes in n trials, events in n
periods."""


def log_likelihood(theta: np.ndarray, evidence: str, observed: np.ndarray, strength: np.ndarray) -> np.ndarray:
    """Log-likelihood of a set of actuals of one assumption at every draw of it.

    Parameters
    ----------
    theta : numpy.ndarray
        The assumption's value in each draw, shape ``(n,)``.
    evidence : {"normal", "binomial", "poisson"}
        ``normal``: ``observed`` ~ N(θ, ``strength``²); ``binomial``: ``observed`` successes ~ Binomial(``strength``,
        θ); ``poisson``: ``observed`` events ~ Poisson(``strength``·θ).
    observed, strength : numpy.ndarray
        The actuals and their sd, trials or periods, shape ``(k,)``.

    Returns
    -------
    numpy.ndarray
        Σ over the actuals of the log-likelihood, shape ``(n,)``; ``-inf`` where a draw cannot have produced them.

    Raises
    ------
    ValueError
        For an unknown evidence kind.

    Examples
    --------
    >>> log_likelihood(np.array([0.0, 1.0]), "binomial", np.array([1.0]), np.array([1.0])).tolist()
    [-inf, 0.0]
    """
    theta = np.asarray(theta, dtype=float)[:, None]
    observed, strength = np.asarray(observed, dtype=float), np.asarray(strength, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        if evidence == "normal":
            terms = stats.norm.logpdf(observed, loc=theta, scale=strength)
        elif evidence == "binomial":
            terms = stats.binom.logpmf(observed, strength, np.clip(theta, 0, 1))
        elif evidence == "poisson":
            terms = stats.poisson.logpmf(observed, strength * np.maximum(theta, 0))
        else:
            raise ValueError(f"unknown evidence {evidence!r}; expected one of {', '.join(EVIDENCE)}")
    return np.where(np.isnan(terms), -np.inf, terms).sum(axis=1)


def normalised_weights(log_weights: np.ndarray) -> np.ndarray:
    """Importance weights summing to 1 from log-weights, computed stably (the largest is subtracted first).

    Parameters
    ----------
    log_weights : numpy.ndarray
        Shape ``(n,)``; ``-inf`` for a draw that cannot have produced the actuals.

    Returns
    -------
    numpy.ndarray
        Shape ``(n,)``, non-negative, summing to 1.

    Raises
    ------
    ValueError
        When no draw can have produced the actuals (every log-weight is ``-inf``).

    Examples
    --------
    >>> normalised_weights(np.log(np.array([1.0, 3.0]))).tolist()
    [0.25, 0.75]
    """
    log_weights = np.asarray(log_weights, dtype=float)
    top = log_weights.max(initial=-np.inf)
    if not np.isfinite(top):
        raise ValueError("no prior draw is compatible with the actuals")
    weights = np.exp(log_weights - top)
    return weights / weights.sum()


def effective_sample_size(weights: np.ndarray) -> float:
    """Kish's effective sample size of importance weights, (Σw)²/Σw² (Owen 2013, equation 9.13).

    Parameters
    ----------
    weights : numpy.ndarray
        Non-negative weights, shape ``(n,)``, not all 0.

    Returns
    -------
    float
        From 1 (one draw carries all the weight) to n (equal weights).

    Examples
    --------
    >>> effective_sample_size(np.array([1.0, 1.0, 1.0, 1.0])), effective_sample_size(np.array([0.0, 0.0, 2.0]))
    (4.0, 1.0)
    """
    weights = np.asarray(weights, dtype=float)
    return float(weights.sum() ** 2 / np.square(weights).sum())


def systematic_resample(weights: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Indices of an equally weighted resample of ``len(weights)`` draws, by systematic resampling.

    One uniform u fixes the points (u + i)/n, i = 0 … n − 1, and each picks the draw whose cumulative weight
    first reaches it (Kitagawa 1996; Douc, Cappé and Moulines 2005, "Comparison of resampling schemes for
    particle filtering"): every draw is kept ⌊n·wᵢ⌋ or ⌈n·wᵢ⌉ times, the least added noise of the usual schemes.

    Parameters
    ----------
    weights : numpy.ndarray
        Normalised weights (:func:`normalised_weights`), shape ``(n,)``.
    rng : numpy.random.Generator
        Source of the one uniform.

    Returns
    -------
    numpy.ndarray
        Integer indices, shape ``(n,)``, non-decreasing.

    Examples
    --------
    >>> systematic_resample(np.array([0.5, 0.0, 0.5, 0.0]), np.random.default_rng(0)).tolist()
    [0, 0, 2, 2]
    """
    weights = np.asarray(weights, dtype=float)
    n = len(weights)
    cumulative = np.cumsum(weights)
    cumulative[-1] = 1.0
    points = (rng.uniform() + np.arange(n)) / n
    return np.searchsorted(cumulative, points, side="left")
