"""What a pilot is worth before it is run: the expected value of sample information (EVSI) and pilot sizing.

Preposterior analysis (Raiffa and Schlaifer 1961, *Applied Statistical Decision Theory*, chapter 4): before a
pilot of size n reports, its data X are uncertain; after it, the alliance goes ahead only if E[NPV | X] > 0.
EVSI(n) = E_X[max(E[NPV | X], 0)] − max(E[NPV], 0), the go/no-go decision's gain from waiting for the pilot.

The prior of the assumption θ is the risk simulation's own sample, discretised exactly as the EVPPI estimator
groups it (:func:`~alliance_analytics.risk.value_of_information.conditional_means`): one point θ_b per group
with probability p_b and conditional mean NPV g_b. On that discrete prior the expectation over X is done
without sampling: a sum over every outcome for binomial (successes in n trials) and Poisson (events in n
periods) pilots; for a normal pilot (n units, each measured with standard deviation σ, so the pilot's mean X̄ is
N(θ, σ²/n)) an exact integral: E_X[max(E[NPV | X], 0)] = ∫ max(Σ_b p_b g_b φ_s(x − θ_b), 0) dx with
s = σ/√n, i.e. Σ_b p_b g_b · P_b(X̄ falls where the sum is positive); the places where the sum changes sign
are found on a grid of spacing s/4 and refined by bisection, and each P_b is a difference of normal CDFs. Two
properties follow exactly (up to root finding and rounding): EVSI(n) ≤ Σ p_b·max(g_b, 0) − max(Σ p_b g_b, 0), the EVPPI the risk analysis reports, because
E_X[P(θ_b | X)] = p_b and max(·, 0) is convex; and EVSI(n) rises towards it as n grows (Blackwell: a larger
pilot is a more informative experiment).

The expected net benefit of sampling, ENBS(n) = EVSI(n) − (fixed cost + n · unit cost), picks the pilot size
(Ades, Lu and Claxton 2004, "Expected value of sample information calculations in medical decision
modeling", Medical Decision Making 24(2):207–227).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats
from scipy.special import ndtr

from alliance_analytics.thesis.importance import EVIDENCE

GRID_SPACING = 0.25
"""Spacing of the grid on which a normal pilot's sign changes are looked for, in units of s = σ/√n."""
LARGEST_GRID = 100_000
"""Most grid points a normal pilot's sign search uses (the spacing widens beyond it)."""
BISECTIONS = 60
"""Bisection steps refining each sign change (the bracket shrinks 2⁶⁰-fold)."""
LARGEST_COUNT = 200_000
"""Most outcomes a binomial or Poisson pilot's sum may run over (n trials, or the expected events' range)."""


def evsi(theta: np.ndarray, npv: np.ndarray, share: np.ndarray, evidence: str, sizes: np.ndarray,
         unit_sd: float | None = None) -> np.ndarray:
    """EVSI of pilots of the given sizes, on a discrete prior.

    Parameters
    ----------
    theta, npv, share : numpy.ndarray
        The discrete prior: points θ_b, the mean NPV g_b at each and their probabilities p_b (summing to 1),
        shape ``(groups,)`` (:func:`~alliance_analytics.risk.value_of_information.conditional_means`).
    evidence : {"normal", "binomial", "poisson"}
        What one unit of the pilot observes: a measurement of θ with standard deviation ``unit_sd``, a success
        with probability θ, or a period with Poisson(θ) events.
    sizes : numpy.ndarray
        Pilot sizes n ≥ 1 (units, trials or periods), shape ``(m,)``.
    unit_sd : float, optional
        σ > 0 of one unit's measurement; required for ``normal``.

    Returns
    -------
    numpy.ndarray
        EVSI per size, shape ``(m,)``, in the units of ``npv``, within [0, EVPPI of the discrete prior].

    Raises
    ------
    ValueError
        For an unknown evidence kind, a missing or non-positive ``unit_sd``, a size below 1, a binomial θ outside
        [0, 1] or a negative Poisson θ, or a pilot with more than :data:`LARGEST_COUNT` outcomes.

    Examples
    --------
    A share that is 0.2 or 0.8 with equal chance, losing 1 or gaining 1: one trial already tells a lot.

    >>> theta, npv, share = np.array([0.2, 0.8]), np.array([-1.0, 1.0]), np.array([0.5, 0.5])
    >>> evsi(theta, npv, share, "binomial", np.array([1, 100])).round(6).tolist()
    [0.3, 0.5]
    """
    theta, npv, share = (np.asarray(values, dtype=float) for values in (theta, npv, share))
    sizes = np.asarray(sizes, dtype=float)
    if evidence not in EVIDENCE:
        raise ValueError(f"unknown evidence {evidence!r}; expected one of {', '.join(EVIDENCE)}")
    if np.any(sizes < 1):
        raise ValueError("pilot sizes must be at least 1")
    if evidence == "normal" and not (unit_sd is not None and unit_sd > 0):
        raise ValueError("a normal pilot needs a positive unit_sd")
    if evidence == "binomial" and np.any((theta < 0) | (theta > 1)):
        raise ValueError("a binomial pilot needs a share within 0..1")
    if evidence == "poisson" and np.any(theta < 0):
        raise ValueError("a Poisson pilot needs a rate of at least 0")
    decide_now = max(float(share @ npv), 0.0)
    perfect = float(share @ np.maximum(npv, 0)) - decide_now
    informed = np.array([_informed_value(theta, npv, share, evidence, n, unit_sd) for n in sizes])
    return np.clip(informed - decide_now, 0.0, perfect)


def pilot_sizes(largest: int) -> np.ndarray:
    """The pilot sizes a plan looks at: every size up to 30, then 40 sizes spread geometrically to ``largest``.

    Parameters
    ----------
    largest : int
        The largest pilot considered, ≥ 1.

    Returns
    -------
    numpy.ndarray
        Distinct whole sizes in increasing order, from 1 to ``largest``.

    Examples
    --------
    >>> pilot_sizes(5).tolist()
    [1, 2, 3, 4, 5]
    >>> int(pilot_sizes(1000)[-1]), len(pilot_sizes(1000)) <= 70
    (1000, True)
    """
    small = np.arange(1, min(largest, 30) + 1)
    spread = np.round(np.geomspace(min(largest, 30), largest, 40)).astype(int)
    return np.unique(np.concatenate([small, spread]))


def pilot_plan(theta: np.ndarray, npv: np.ndarray, share: np.ndarray, evidence: str, largest: int,
               fixed_cost: float, unit_cost: float, unit_sd: float | None = None) -> pd.DataFrame:
    """EVSI, cost and expected net benefit of sampling (ENBS) of every pilot size of :func:`pilot_sizes`.

    Parameters
    ----------
    theta, npv, share, evidence, unit_sd
        As :func:`evsi`.
    largest : int
        The largest pilot considered.
    fixed_cost, unit_cost : float
        The pilot's cost: fixed, plus per unit, in the units of ``npv``; not negative.

    Returns
    -------
    pandas.DataFrame
        Indexed by pilot size ``n``: ``evsi``, ``cost`` (fixed + n·unit) and ``enbs`` (EVSI − cost).

    Examples
    --------
    >>> plan = pilot_plan(np.array([0.2, 0.8]), np.array([-1.0, 1.0]), np.array([0.5, 0.5]), "binomial", 3,
    ...                   0.1, 0.05)
    >>> plan.round(4).to_dict("list")
    {'evsi': [0.3, 0.3, 0.396], 'cost': [0.15, 0.2, 0.25], 'enbs': [0.15, 0.1, 0.146]}
    """
    sizes = pilot_sizes(largest)
    values = evsi(theta, npv, share, evidence, sizes, unit_sd)
    cost = fixed_cost + unit_cost * sizes
    return pd.DataFrame({"evsi": values, "cost": cost, "enbs": values - cost}, index=pd.Index(sizes, name="n"))


def _informed_value(theta: np.ndarray, npv: np.ndarray, share: np.ndarray, evidence: str, n: float,
                    unit_sd: float | None) -> float:
    """E_X[max(E[NPV | X], 0)] for a pilot of size n, summed or integrated over its outcomes X."""
    if evidence == "normal":
        return _normal_informed_value(theta, npv * share, unit_sd / np.sqrt(n))
    if evidence == "binomial":
        outcomes = np.arange(int(n) + 1)
        probability = stats.binom.pmf(outcomes[:, None], int(n), theta[None, :])
    else:
        mean = n * theta
        low = int(stats.poisson.ppf(1e-12, mean.min()))
        high = int(stats.poisson.ppf(1 - 1e-12, mean.max())) + 1
        outcomes = np.arange(low, high + 1)
        probability = stats.poisson.pmf(outcomes[:, None], mean[None, :])
    if len(outcomes) > LARGEST_COUNT:
        raise ValueError(f"a pilot with {len(outcomes):,} possible outcomes is too large to value")
    return float(np.maximum(probability @ (share * npv), 0).sum())


def _normal_informed_value(theta: np.ndarray, weight: np.ndarray, spread: float) -> float:
    """∫ max(f(x), 0) dx for f(x) = Σ_b weight_b · φ((x − θ_b)/spread)/spread, exactly up to root finding."""
    low, high = theta.min() - 12 * spread, theta.max() + 12 * spread
    points = int(min(np.ceil((high - low) / (GRID_SPACING * spread)), LARGEST_GRID)) + 1
    grid = np.linspace(low, high, points)
    signs = np.concatenate([_sign(chunk, theta, weight, spread) for chunk in np.array_split(grid, -(-points // 2000))])
    change = np.flatnonzero(signs[:-1] != signs[1:])
    left, right = grid[change], grid[change + 1]
    left_sign = signs[change]
    for _ in range(BISECTIONS):
        middle = (left + right) / 2
        same = _sign(middle, theta, weight, spread) == left_sign
        left, right = np.where(same, middle, left), np.where(same, right, middle)
    edges = np.concatenate([[-np.inf], (left + right) / 2, [np.inf]])
    positive = np.concatenate([[signs[0]], -left_sign]) > 0
    mass = ndtr((edges[1:, None] - theta[None, :]) / spread) - ndtr((edges[:-1, None] - theta[None, :]) / spread)
    return float((mass[positive] @ weight).sum())


def _sign(x: np.ndarray, theta: np.ndarray, weight: np.ndarray, spread: float) -> np.ndarray:
    """Whether Σ_b weight_b · φ((x − θ_b)/spread) is at least 0 (1) or below (−1) at each x.

    Each sum is scaled by its largest term first, so it never underflows; an exact 0 counts as positive, so a grid
    point on a root is not taken for a sign change of its own.
    """
    exponent = -0.5 * ((x[:, None] - theta[None, :]) / spread) ** 2
    exponent -= exponent.max(axis=1, keepdims=True)
    return np.where(np.exp(exponent) @ weight >= 0, 1, -1)
