"""Risk-register events of one alliance: which happen in each Monte Carlo iteration, and what they cost.

Every event of ``risks.csv`` happens independently in each iteration with its probability; if it happens,
its impact is triangular(min, mode, max). :func:`sample_risk_impacts` draws both from one uniform per event
and iteration, through the quantile function of the realised impact (0 with probability 1 − p, triangular
otherwise), so a Latin hypercube can stratify them and a lower (mitigated) probability never raises an
iteration's impact under the same uniforms. :func:`mitigated` swaps in the probabilities of bought
mitigations. Pure functions; no I/O.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from alliance_analytics.case.vocabulary import IMPACT_TYPES
from alliance_analytics.risk.cash_flow import RiskImpacts


def sample_risk_impacts(rng: np.random.Generator, n: int, probability: np.ndarray, impact_type: Sequence[str],
                        impact_min: np.ndarray, impact_mode: np.ndarray, impact_max: np.ndarray,
                        uniforms: np.ndarray | None = None) -> tuple[RiskImpacts, np.ndarray, np.ndarray]:
    """Sample which of ``m`` risk events occur in each of ``n`` iterations, their impacts and combined effect.

    Event ``j`` occurs in an iteration when its uniform ``u`` satisfies ``u ≥ 1 − p_j`` (probability ``p_j``;
    exactly never for ``p_j = 0`` and always for ``p_j = 1``), independently of the other events and
    iterations. Its impact is then the triangular quantile of ``(u − (1 − p_j)) / p_j``, which is uniform given
    the occurrence; ``min == max`` gives exactly ``min``. The combined impacts: delays add up, one-off costs
    add up, and revenue losses combine multiplicatively, ``1 − Π(1 − loss)`` (each event removes its share of
    the revenue that is left).

    Parameters
    ----------
    rng : numpy.random.Generator
        Source of the uniforms when ``uniforms`` is not given.
    n : int
        Number of iterations.
    probability : numpy.ndarray
        Probability of each event, ``(m,)``, within 0..1.
    impact_type : sequence of str
        Each event's :data:`IMPACT_TYPES` entry.
    impact_min, impact_mode, impact_max : numpy.ndarray
        Triangular impact of each event, ``(m,)``, ``0 ≤ min ≤ mode ≤ max`` (``max ≤ 1`` for
        ``revenue_loss_pct``).
    uniforms : numpy.ndarray, optional
        ``n`` × ``m`` uniforms in [0, 1) to use instead of ``rng.random((n, m))``, e.g. a Latin hypercube.

    Returns
    -------
    impacts : RiskImpacts
        The combined impacts per iteration.
    occurred : numpy.ndarray
        ``n`` × ``m`` booleans: whether each event occurred.
    realised : numpy.ndarray
        ``n`` × ``m`` realised impacts: the impact where the event occurred, 0 elsewhere.

    Examples
    --------
    >>> impacts, occurred, realised = sample_risk_impacts(
    ...     np.random.default_rng(1), 3, np.array([1.0, 0.0, 1.0, 1.0]),
    ...     ["delay_months", "delay_months", "revenue_loss_pct", "revenue_loss_pct"],
    ...     np.array([2.0, 2.0, 0.2, 0.5]), np.array([2.0, 2.0, 0.2, 0.5]), np.array([2.0, 2.0, 0.2, 0.5]))
    >>> impacts.delay_months.tolist(), impacts.revenue_loss_share.round(9).tolist()
    ([2.0, 2.0, 2.0], [0.6, 0.6, 0.6])
    >>> occurred[0].tolist(), realised[0].tolist()
    ([True, False, True, True], [2.0, 0.0, 0.2, 0.5])
    """
    probability, low, mode, high = (np.asarray(values, dtype=float)
                                    for values in (probability, impact_min, impact_mode, impact_max))
    types = np.asarray(impact_type, dtype=object)
    m = probability.shape[0] if probability.ndim == 1 else -1
    if m < 0 or any(values.shape != (m,) for values in (types, low, mode, high)):
        raise ValueError("probability, impact_type, impact_min, impact_mode and impact_max must be vectors "
                         "of one length (one entry per event)")
    unknown = sorted(set(types.tolist()) - set(IMPACT_TYPES))
    if unknown:
        raise ValueError(f"unknown impact types {unknown}; expected one of {', '.join(IMPACT_TYPES)}")
    if not np.all((probability >= 0) & (probability <= 1)):
        raise ValueError("probabilities must lie within 0..1")
    if not np.all((low >= 0) & (low <= mode) & (mode <= high)):
        raise ValueError("impacts need 0 ≤ impact_min ≤ impact_mode ≤ impact_max")
    is_loss = types == "revenue_loss_pct"
    if np.any(high[is_loss] > 1):
        raise ValueError("revenue_loss_pct impacts are shares, at most 1")
    if uniforms is None:
        uniforms = rng.random((n, m))
    uniforms = np.asarray(uniforms, dtype=float)
    if uniforms.shape != (n, m) or not np.all((uniforms >= 0) & (uniforms < 1)):
        raise ValueError(f"uniforms must be {n} × {m} values in [0, 1), got shape {uniforms.shape}")
    occurred = uniforms >= 1 - probability
    rows, events = np.nonzero(occurred)  # p > 0 wherever an event occurs (u < 1)
    chance = probability[events]
    realised = np.zeros((n, m))
    realised[rows, events] = _triangular_quantile(np.clip((uniforms[rows, events] - (1 - chance)) / chance, 0.0, 1.0),
                                                  low[events], mode[events], high[events])
    impacts = RiskImpacts(
        delay_months=realised[:, types == "delay_months"].sum(axis=1),
        one_off_cost=realised[:, types == "one_off_cost"].sum(axis=1),
        revenue_loss_share=1 - np.prod(1 - realised[:, is_loss], axis=1),
    )
    return impacts, occurred, realised


def mitigated(probability: np.ndarray, mitigated_probability: np.ndarray, mitigation_cost: np.ndarray,
              apply: np.ndarray) -> tuple[np.ndarray, float]:
    """Event probabilities with the chosen mitigations bought, and what they cost.

    A mitigation's cost is one-off and paid at year 0 (subtract it from the year-0 cash flow).

    Parameters
    ----------
    probability, mitigated_probability : numpy.ndarray
        Each event's probability without and with its mitigation, ``(m,)``.
    mitigation_cost : numpy.ndarray
        Each mitigation's one-off cost, ``(m,)``.
    apply : numpy.ndarray
        ``(m,)`` booleans: which mitigations are bought.

    Returns
    -------
    probability : numpy.ndarray
        ``mitigated_probability`` where applied, ``probability`` elsewhere.
    cost : float
        The summed cost of the mitigations applied.

    Examples
    --------
    >>> probability, cost = mitigated(np.array([0.3, 0.2]), np.array([0.1, 0.05]), np.array([40.0, 25.0]),
    ...                               np.array([True, False]))
    >>> probability.tolist(), cost
    ([0.1, 0.2], 40.0)
    """
    probability, mitigated_probability, mitigation_cost = (
        np.asarray(values, dtype=float) for values in (probability, mitigated_probability, mitigation_cost))
    apply = np.asarray(apply)
    if apply.dtype != bool or probability.ndim != 1 or any(
            values.shape != probability.shape for values in (mitigated_probability, mitigation_cost, apply)):
        raise ValueError("probability, mitigated_probability, mitigation_cost and apply (booleans) must be "
                         "vectors of one length")
    return np.where(apply, mitigated_probability, probability), float(mitigation_cost[apply].sum())


def _triangular_quantile(q: np.ndarray, low: np.ndarray, mode: np.ndarray, high: np.ndarray) -> np.ndarray:
    """Quantile ``q`` of triangular(low, mode, high), elementwise; ``low == high`` gives ``low``.

    Below the mode's cumulative probability ``(mode − low) / (high − low)`` it is
    ``low + √(q (high − low)(mode − low))``, above it ``high − √((1 − q)(high − low)(high − mode))``; the
    comparison is made without dividing, so a zero width needs no special case.
    """
    width = high - low
    rising = q * width < mode - low
    return np.where(rising, low + np.sqrt(q * width * (mode - low)), high - np.sqrt((1 - q) * width * (high - mode)))
