"""Control charts for short monthly series: individuals (XmR), EWMA and tabular CUSUM.

All three take the centre and the process sigma from a *baseline* (the first months of the series, a phase I
in Montgomery's terms) and monitor every month against them, so a slow drift after the baseline is not absorbed
into the limits. Sigma is estimated from the average moving range, ``MR̄ / d2`` with ``d2 = 1.128`` for ranges of
two (Montgomery D. C., 2013, *Introduction to Statistical Quality Control*, 7th ed., Wiley: §6.4 for the
individuals chart, §9.1 for the tabular CUSUM, §9.2 for the EWMA chart).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

D2 = 1.128
"""The bias-correction constant d2 of a moving range of two points."""

XMR_FACTOR = 3 / D2
"""Individuals-chart limits are ``x̄ ± 2.66 · MR̄`` (3 / d2 = 2.66)."""


@dataclass(frozen=True)
class Baseline:
    """Centre and sigma of a series, estimated on its first months.

    Attributes
    ----------
    centre : float
        Mean of the baseline points.
    moving_range : float
        Mean absolute difference of consecutive baseline points (``MR̄``).
    sigma : float
        ``MR̄ / d2``.
    months : int
        Points in the baseline.
    """

    centre: float
    moving_range: float
    sigma: float
    months: int


def baseline(values: np.ndarray, months: int) -> Baseline:
    """Estimate the centre and sigma on the first ``months`` observed points.

    Parameters
    ----------
    values : numpy.ndarray
        Shape ``(n,)``; NaN marks a missing month (skipped; the moving range spans the gap).
    months : int
        Baseline length (at least 2 observed points are used when fewer are available).

    Returns
    -------
    Baseline

    Examples
    --------
    >>> b = baseline(np.array([10.0, 12.0, 11.0, 13.0, 99.0]), 4)
    >>> b.centre, round(b.moving_range, 4), round(b.sigma, 4)
    (11.5, 1.6667, 1.4775)
    """
    observed = np.asarray(values, dtype=float)
    observed = observed[~np.isnan(observed)][:max(months, 2)]
    moving_range = float(np.mean(np.abs(np.diff(observed)))) if observed.size > 1 else 0.0
    return Baseline(float(np.mean(observed)), moving_range, moving_range / D2, int(observed.size))


def xmr_limits(reference: Baseline) -> tuple[float, float]:
    """The individuals chart's lower and upper natural process limits, ``x̄ ∓ 2.66 · MR̄``.

    Parameters
    ----------
    reference : Baseline

    Returns
    -------
    (float, float)
    """
    return reference.centre - XMR_FACTOR * reference.moving_range, reference.centre + XMR_FACTOR * reference.moving_range


def ewma(values: np.ndarray, target: float, sigma: float, weight: float, width: float,
         ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The EWMA statistic and its exact, time-varying control limits.

    ``z_i = λ x_i + (1 − λ) z_{i−1}``, ``z_0 = μ0``; limits ``μ0 ± L σ √(λ / (2 − λ) · (1 − (1 − λ)^{2i}))``
    (Montgomery 2013, eq. 9.22–9.24). A missing month (NaN) carries the statistic forward unchanged.

    Parameters
    ----------
    values : numpy.ndarray
        Shape ``(n,)``.
    target : float
        ``μ0``.
    sigma : float
        Process sigma.
    weight : float
        ``λ`` in (0, 1].
    width : float
        ``L``, the limits' width in sigmas of the statistic.

    Returns
    -------
    (numpy.ndarray, numpy.ndarray, numpy.ndarray)
        ``z``, lower and upper limits, each shape ``(n,)``.
    """
    series = np.asarray(values, dtype=float)
    statistic = np.empty(series.size)
    previous = target
    for i, value in enumerate(series):
        previous = previous if np.isnan(value) else weight * value + (1 - weight) * previous
        statistic[i] = previous
    steps = np.cumsum(~np.isnan(series))
    spread = width * sigma * np.sqrt(weight / (2 - weight) * (1 - (1 - weight) ** (2 * steps)))
    return statistic, target - spread, target + spread


def cusum(values: np.ndarray, target: float, sigma: float, allowance: float,
          ) -> tuple[np.ndarray, np.ndarray]:
    """The tabular CUSUM's upper and lower statistics.

    ``C⁺_i = max(0, x_i − (μ0 + K) + C⁺_{i−1})``, ``C⁻_i = max(0, (μ0 − K) − x_i + C⁻_{i−1})``, ``K = k σ``,
    starting at 0 (Montgomery 2013, eq. 9.2–9.3); compare with ``H = h σ``. A missing month carries both forward.

    Parameters
    ----------
    values : numpy.ndarray
        Shape ``(n,)``.
    target : float
        ``μ0``.
    sigma : float
        Process sigma.
    allowance : float
        ``k``, the reference value in sigmas (half the shift to detect).

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        ``C⁺`` and ``C⁻``, each shape ``(n,)``.
    """
    slack = allowance * sigma
    upper, lower = np.empty(len(values)), np.empty(len(values))
    high = low = 0.0
    for i, value in enumerate(np.asarray(values, dtype=float)):
        if not np.isnan(value):
            high = max(0.0, value - (target + slack) + high)
            low = max(0.0, (target - slack) - value + low)
        upper[i], lower[i] = high, low
    return upper, lower
