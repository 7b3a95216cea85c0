"""The health index: each KPI's attainment of its target, weighted, with the coverage of what was observed.

Attainment is direction-aware and capped: ``value / target`` when higher is better, ``target / value`` when lower
is better, clipped to ``[0, cap]`` so one KPI far above target cannot hide another far below it. The index of a
group of KPIs (a dimension, or the whole scorecard) in a month is the weighted mean attainment **over the KPIs
observed that month**: a missing KPI is left out, never counted as zero, and the *coverage* (the share of the
group's weight observed) says how much of the scorecard stands behind the number (the weighted balanced
scorecard of Kaplan R. S., Norton D. P., 1996, *The Balanced Scorecard*, with the missing-data rule of a
composite indicator: OECD/JRC, 2008, *Handbook on Constructing Composite Indicators*, §1.5 and §1.6).
"""

from __future__ import annotations

import numpy as np


def attainment(values: np.ndarray, targets: np.ndarray, higher_is_better: np.ndarray, cap: float) -> np.ndarray:
    """Each value's attainment of its target, direction-aware and capped.

    Parameters
    ----------
    values : numpy.ndarray
        Observed values (``>= 0``), any shape; NaN where missing.
    targets : numpy.ndarray
        Targets (``> 0``), broadcastable to ``values``.
    higher_is_better : numpy.ndarray
        Booleans, broadcastable to ``values``.
    cap : float
        The largest attainment counted (for example 1.2: 20 % above target).

    Returns
    -------
    numpy.ndarray
        Shape of ``values``; 1.0 is on target; NaN where the value is missing.

    Examples
    --------
    >>> attainment(np.array([50.0, 200.0, 4.0, 0.0]), np.array([100.0, 100.0, 2.0, 2.0]),
    ...            np.array([True, True, False, False]), 1.2).tolist()
    [0.5, 1.2, 0.5, 1.2]
    """
    values = np.asarray(values, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        ratio = np.where(higher_is_better, values / targets, targets / values)
    return np.where(np.isnan(values), np.nan, np.clip(ratio, 0.0, cap))


def weighted_index(attained: np.ndarray, weights: np.ndarray, groups: np.ndarray, group_count: int,
                   ) -> tuple[np.ndarray, np.ndarray]:
    """Weighted mean attainment and coverage per group, over the KPIs observed.

    Parameters
    ----------
    attained : numpy.ndarray
        Shape ``(months, kpis)``; NaN where a KPI was not observed.
    weights : numpy.ndarray
        Shape ``(kpis,)``, ``>= 0``.
    groups : numpy.ndarray
        Shape ``(kpis,)``, the group (``0 .. group_count - 1``) of each KPI.
    group_count : int
        Number of groups.

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        ``index`` and ``coverage``, each shape ``(months, group_count)``; the index is NaN where nothing of the
        group was observed (coverage 0).

    Examples
    --------
    >>> attained = np.array([[1.0, 0.5], [np.nan, 0.5]])
    >>> index, coverage = weighted_index(attained, np.array([3.0, 1.0]), np.array([0, 0]), 1)
    >>> index.ravel().tolist(), coverage.ravel().tolist()
    ([0.875, 0.5], [1.0, 0.25])
    """
    observed = ~np.isnan(attained)
    membership = np.zeros((weights.size, group_count))
    membership[np.arange(weights.size), groups] = weights
    total = membership.sum(axis=0)
    seen = observed.astype(float) @ membership
    weighted = np.where(observed, attained, 0.0) @ membership
    with np.errstate(divide="ignore", invalid="ignore"):
        index = np.where(seen > 0, weighted / seen, np.nan)
        coverage = np.where(total > 0, seen / total, 0.0)
    return index, coverage
