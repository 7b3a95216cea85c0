"""Exit triggers with persistence: a trigger fires when its condition is breached in k of the last n months.

Persistence (a k-of-n rule) keeps one bad month from firing a trigger meant for a lasting problem, the way an
operating agreement words its exit triggers ("below 3.0 in 3 of the last 4 months"). The rule is applied the
same way to observed months and to simulated future months (:mod:`alliance_analytics.health.early_warning`).
"""

from __future__ import annotations

import numpy as np


def breaches(values: np.ndarray, comparator: str, threshold: float) -> np.ndarray:
    """Where a series breaches a threshold; a missing month (NaN) never breaches.

    Parameters
    ----------
    values : numpy.ndarray
        Any shape.
    comparator : {"below", "above"}
        Breach when strictly below, or strictly above, the threshold.
    threshold : float

    Returns
    -------
    numpy.ndarray
        Booleans, shape of ``values``.

    Examples
    --------
    >>> breaches(np.array([2.9, 3.0, np.nan]), "below", 3.0).tolist()
    [True, False, False]
    """
    values = np.asarray(values, dtype=float)
    with np.errstate(invalid="ignore"):
        return (values < threshold) if comparator == "below" else (values > threshold)


def persistent(breached: np.ndarray, k: int, n: int) -> np.ndarray:
    """Whether at least ``k`` of the last ``n`` months (the month itself included) breach, month by month.

    Parameters
    ----------
    breached : numpy.ndarray
        Booleans, shape ``(..., months)``, time along the last axis.
    k, n : int
        ``1 <= k <= n``. Before ``n`` months exist, the months so far are the window.

    Returns
    -------
    numpy.ndarray
        Booleans, shape of ``breached``.

    Examples
    --------
    >>> persistent(np.array([1, 0, 1, 0, 1, 1, 0, 0], dtype=bool), 3, 4).tolist()
    [False, False, False, False, False, True, False, False]
    """
    counts = np.cumsum(breached, axis=-1, dtype=np.int64)
    lagged = np.zeros_like(counts)
    lagged[..., n:] = counts[..., :-n]
    return (counts - lagged) >= k


def first_firing(breached: np.ndarray, k: int, n: int) -> np.ndarray:
    """The first month in which a k-of-n rule fires, or -1 where it never does.

    Parameters
    ----------
    breached : numpy.ndarray
        Booleans, shape ``(..., months)``.
    k, n : int
        As for :func:`persistent`.

    Returns
    -------
    numpy.ndarray
        Integers, shape ``breached.shape[:-1]``: the 0-based position along the last axis, -1 when it never fires.

    Examples
    --------
    >>> first_firing(np.array([[1, 0, 1, 1], [1, 0, 0, 1]], dtype=bool), 3, 4).tolist()
    [3, -1]
    """
    fired = persistent(breached, k, n)
    return np.where(fired.any(axis=-1), fired.argmax(axis=-1), -1)
