"""The product's one definition of CVaR (expected shortfall) of the lower tail, and its tail weights.

With ``S`` equally likely simulated outcomes and tail share ``α``, ``k = α S``: CVaR averages the ``⌊k⌋`` lowest
outcomes and ``k − ⌊k⌋`` of the next one, divided by ``k``. This is Acerbi and Tasche's expected shortfall of the
empirical distribution ("On the coherence of expected shortfall", *Journal of Banking & Finance* 26, 2002) and
equals Rockafellar and Uryasev's ``max over η of η − E[(η − value)⁺] / α`` ("Optimization of conditional
value-at-risk", *Journal of Risk* 2, 2000), which the portfolio optimiser enforces. When ``α S`` is a whole number
(5 % of 20,000 iterations) it is simply the mean of the worst ``α S`` outcomes. Every report uses this function;
``docs/risk-measures.md`` gives the formula.
"""

from __future__ import annotations

import math

import numpy as np

_WHOLE = 1e-12
"""``α S`` within this of a whole number counts as whole (so 0.05 · 20,000 is exactly 1,000)."""


def tail_weights(values: np.ndarray, level: float) -> np.ndarray:
    """The weight of each outcome in its lower-tail CVaR: ``1/(α S)`` on the worst ``⌊α S⌋``, the rest on the next.

    Parameters
    ----------
    values : numpy.ndarray
        Outcomes, shape ``(S,)``.
    level : float
        Tail share ``α``, in (0, 1].

    Returns
    -------
    numpy.ndarray
        Shape ``(S,)``, non-negative, summing to 1; ``weights @ values`` is :func:`cvar`. Ties are broken by
        position (a stable sort), which leaves the CVaR unchanged.

    Examples
    --------
    >>> tail_weights(np.array([5.0, -10.0, 3.0, 0.0]), 0.375).round(4).tolist()
    [0.0, 0.6667, 0.0, 0.3333]
    """
    values = np.asarray(values, dtype=float)
    scenarios = values.shape[-1]
    share = level * scenarios
    whole = min(int(math.floor(share + _WHOLE)), scenarios)
    order = np.argsort(values, kind="stable")
    weights = np.zeros(scenarios)
    weights[order[:whole]] = 1.0 / share
    if whole < scenarios and share - whole > _WHOLE:
        weights[order[whole]] = (share - whole) / share
    return weights


def cvar(values: np.ndarray, level: float = 0.05) -> np.ndarray:
    """Conditional value at risk of the lower tail: the mean of the worst ``level`` share of outcomes.

    Parameters
    ----------
    values : numpy.ndarray
        Equally likely outcomes along the last axis (``S``), e.g. ``(S,)`` NPVs or ``m × S`` portfolio NPVs,
        in money.
    level : float
        Tail share ``α``, in (0, 1]; 0.05 by default (the "5 % CVaR" of every report).

    Returns
    -------
    numpy.ndarray
        CVaR per leading index, in the unit of ``values`` (a 0-d array for one vector).

    Examples
    --------
    >>> float(cvar(np.array([5.0, -10.0, 3.0, 0.0]), 0.5))
    -5.0
    >>> float(cvar(np.array([5.0, -10.0, 3.0, 0.0]), 0.375))
    -6.666666666666667
    """
    values = np.asarray(values, dtype=float)
    scenarios = values.shape[-1]
    share = level * scenarios
    whole = min(int(math.floor(share + _WHOLE)), scenarios)
    ordered = np.sort(values, axis=-1)
    total = ordered[..., :whole].sum(axis=-1)
    if whole < scenarios and share - whole > _WHOLE:
        total = total + (share - whole) * ordered[..., whole]
    return total / share
