"""Value of information and sensitivity of one candidate alliance's Monte Carlo NPV.

A Monte Carlo run gives, per iteration, the alliance's NPV and the value of every uncertain input (assumptions
and risk-event impacts). The decision is go/no-go: go when E[NPV] > 0, no-go being worth 0. :func:`evpi` and
:func:`evppi` value learning everything, or one input, before deciding; :func:`variance_contributions`,
:func:`swing` and :func:`spearman_table` are the usual tornado-chart measures of which inputs drive the NPV;
:func:`npv_summary` and :func:`convergence` summarise the NPV distribution and its Monte Carlo precision.
Pure, vectorised functions; no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import inf, sqrt

import numpy as np
import pandas as pd
from scipy.stats import rankdata

from alliance_analytics.risk.measures import cvar

CVAR_LEVEL = 0.05
"""The tail share of :func:`npv_summary`'s ``cvar_5``."""


def evpi(npv: np.ndarray) -> float:
    """Expected value of perfect information for the go/no-go decision.

    With perfect information the alliance would go ahead exactly in the iterations where NPV > 0, worth
    E[max(NPV, 0)]; deciding now is worth max(E[NPV], 0). EVPI is the difference, estimated with sample means.
    It is 0 when the NPV never changes sign (information cannot change the decision) and never negative.

    Parameters
    ----------
    npv : numpy.ndarray
        NPV per Monte Carlo iteration, shape ``(n,)``, finite.

    Returns
    -------
    float
        E[max(NPV, 0)] − max(E[NPV], 0), in the units of ``npv``.

    Examples
    --------
    >>> evpi(np.array([-2.0, 1.0, 3.0, 2.0]))
    0.5
    >>> evpi(np.array([1.0, 2.0, 4.0]))
    0.0
    """
    values = _npv_values(npv)
    return float(np.maximum(values, 0).mean() - max(values.mean(), 0))


def evppi(npv: np.ndarray, parameter: np.ndarray, bins: int | None = None) -> float:
    """Expected value of partial perfect information about one input, by binning (Strong & Oakley 2013).

    EVPPI = E_θ[max(E[NPV | θ], 0)] − max(E[NPV], 0): the value of learning input θ alone before deciding. The
    single-parameter one-level estimator of Strong & Oakley (2013, "An efficient method for computing
    single-parameter partial expected value of perfect information", Medical Decision Making 33(6):755–766)
    needs only the Monte Carlo sample: sort the iterations by θ, split them into ``bins`` groups of consecutive
    iterations of (nearly) equal size, take each group's mean NPV as E[NPV | θ] for its iterations, and average
    max(·, 0) over the groups weighted by their sizes (i.e. over iterations). Iterations with equal θ always
    share a group (a boundary inside a run of ties moves back to the run's start), so a binary input such as a
    risk event's occurrence gets exactly one group per value.

    The estimate lies in [0, :func:`evpi`] by Jensen's inequality; it is clipped to that range only to remove
    float rounding. It is biased, both ways:

    - upwards, by noise: a group's mean estimates E[NPV | θ] with standard error ≈ σ·√(bins / n), σ the
      spread of NPV within the group, and max(·, 0) is convex, so noise raises the average. For an input
      unrelated to NPV the estimate is about the EVPI of a normal net benefit with standard deviation
      σ·√(bins / n) instead of 0 (≈ 0.4·σ·√(bins / n) when E[NPV] ≈ 0).
    - downwards, by smoothing: a group averages E[NPV | θ] over the range of θ it spans.

    More bins mean less smoothing and more noise. The default ``round(√n)`` lets both the width of a group and
    the noise of its mean shrink as ``n`` grows, so the estimate is consistent; with 400,000 iterations an
    irrelevant input gets about 4 % of a break-even alliance's EVPI.

    Parameters
    ----------
    npv : numpy.ndarray
        NPV per Monte Carlo iteration, shape ``(n,)``, finite.
    parameter : numpy.ndarray
        The input's value in the same iterations, shape ``(n,)``, finite (booleans allowed).
    bins : int, optional
        Number of groups, 1 … n; default ``round(√n)``. Ties can leave fewer, larger groups.

    Returns
    -------
    float
        The EVPPI estimate, in the units of ``npv``.

    Examples
    --------
    >>> npv = np.array([-3.0, -1.0, 2.0, 4.0])
    >>> evppi(npv, np.array([0.1, 0.2, 0.3, 0.4]), bins=2) == evpi(npv)
    True
    >>> evppi(npv, np.array([1, 0, 0, 1]), bins=2)
    0.0
    """
    values = _npv_values(npv)
    sizes, sums, _ = _groups(values, parameter, bins)
    informed = np.maximum(sums / sizes, 0) @ sizes / len(values)
    return float(np.clip(informed - max(values.mean(), 0), 0, evpi(values)))


def conditional_means(npv: np.ndarray, parameter: np.ndarray, bins: int | None = None,
                      ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The groups of :func:`evppi`: each group's mean input, mean NPV and share of the iterations.

    The input's distribution discretised to one point per group (its mean) carrying E[NPV | θ] (the group's mean
    NPV): the discrete prior on which :func:`~alliance_analytics.thesis.evsi.evsi` does its preposterior
    analysis, so that sample information about θ is valued against exactly the EVPPI reported here.

    Parameters
    ----------
    npv, parameter : numpy.ndarray
        As :func:`evppi`, shape ``(n,)``.
    bins : int, optional
        As :func:`evppi`.

    Returns
    -------
    tuple of numpy.ndarray
        ``(theta, npv, share)``, each of shape ``(groups,)``, in increasing θ; ``share`` sums to 1.

    Examples
    --------
    >>> theta, means, share = conditional_means(np.array([-3.0, -1.0, 2.0, 4.0]), np.array([0.1, 0.2, 0.3, 0.4]), 2)
    >>> theta.round(9).tolist(), means.tolist(), share.tolist()
    ([0.15, 0.35], [-2.0, 3.0], [0.5, 0.5])
    """
    values = _npv_values(npv)
    sizes, sums, theta_sums = _groups(values, parameter, bins)
    return theta_sums / sizes, sums / sizes, sizes / len(values)


def _groups(values: np.ndarray, parameter: np.ndarray, bins: int | None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Sizes, NPV sums and input sums of :func:`evppi`'s groups that hold iterations, in increasing input."""
    theta = _column(parameter, len(values), "parameter")
    n = len(values)
    groups = round(sqrt(n)) if bins is None else bins
    if not 1 <= groups <= n:
        raise ValueError(f"bins must be between 1 and the number of iterations ({n}), got {groups}")
    order = np.argsort(theta, kind="stable")
    sorted_theta = theta[order]
    run_starts = np.searchsorted(sorted_theta, sorted_theta, side="left")
    group = run_starts * groups // n
    sizes = np.bincount(group, minlength=groups)
    sums = np.bincount(group, weights=values[order], minlength=groups)
    theta_sums = np.bincount(group, weights=sorted_theta, minlength=groups)
    filled = sizes > 0
    return sizes[filled], sums[filled], theta_sums[filled]


def evppi_table(npv: np.ndarray, inputs: pd.DataFrame) -> pd.Series:
    """The :func:`evppi` of every input, largest first.

    Parameters
    ----------
    npv : numpy.ndarray
        NPV per Monte Carlo iteration, shape ``(n,)``.
    inputs : pandas.DataFrame
        ``n`` iterations × inputs, numeric or boolean.

    Returns
    -------
    pandas.Series
        EVPPI by input (default ``round(√n)`` bins), sorted descending.

    Examples
    --------
    >>> inputs = pd.DataFrame({"noise": [1, 0, 0, 1], "price": [0.1, 0.2, 0.3, 0.4]})
    >>> evppi_table(np.array([-3.0, -1.0, 2.0, 4.0]), inputs).to_dict()
    {'price': 1.0, 'noise': 0.0}
    """
    values, matrix = _npv_and_inputs(npv, inputs)
    table = pd.Series([evppi(values, column) for column in matrix.T], index=_input_index(inputs), name="evppi")
    return table.sort_values(ascending=False, kind="stable")


def spearman_table(npv: np.ndarray, inputs: pd.DataFrame) -> pd.Series:
    """Spearman rank correlation of every input with NPV, largest magnitude first.

    The Pearson correlation of the ranks, with tied values given their average rank (so binary inputs work).
    An input that never varies, or an NPV that never varies, has no defined correlation and gets 0 (it
    explains nothing).

    Parameters
    ----------
    npv : numpy.ndarray
        NPV per Monte Carlo iteration, shape ``(n,)``.
    inputs : pandas.DataFrame
        ``n`` iterations × inputs, numeric or boolean.

    Returns
    -------
    pandas.Series
        Correlation in [−1, 1] by input, sorted by absolute value, descending.

    Examples
    --------
    >>> inputs = pd.DataFrame({"cost": [4.0, 3.0, 2.0, 1.0], "fixed": [1.0, 1.0, 1.0, 1.0]})
    >>> spearman_table(np.array([1.0, 2.0, 3.0, 5.0]), inputs).round(12).to_dict()
    {'cost': -1.0, 'fixed': 0.0}
    """
    table = pd.Series(_spearman(*_npv_and_inputs(npv, inputs)), index=_input_index(inputs), name="spearman")
    return table.iloc[np.argsort(-table.abs().to_numpy(), kind="stable")]


def variance_contributions(npv: np.ndarray, inputs: pd.DataFrame) -> pd.Series:
    """Each input's share of NPV variance, as in @RISK and Crystal Ball tornado charts, largest first.

    The standard "contribution to variance": the squared Spearman rank correlation of each input with NPV,
    normalised to sum to 1 over the inputs given. It is an approximation: exact for a linear model with
    independent inputs only up to the difference between rank and linear correlation, and it ignores
    interactions and correlated inputs. Inputs (or an NPV) that never vary get 0; if nothing varies, every
    share is 0.

    Parameters
    ----------
    npv : numpy.ndarray
        NPV per Monte Carlo iteration, shape ``(n,)``.
    inputs : pandas.DataFrame
        ``n`` iterations × inputs, numeric or boolean.

    Returns
    -------
    pandas.Series
        Share in [0, 1] by input, summing to 1 (or all 0), sorted descending.

    Examples
    --------
    >>> inputs = pd.DataFrame({"cost": [4.0, 3.0, 2.0, 1.0], "fixed": [1.0, 1.0, 1.0, 1.0]})
    >>> variance_contributions(np.array([1.0, 2.0, 3.0, 5.0]), inputs).to_dict()
    {'cost': 1.0, 'fixed': 0.0}
    """
    squared = _spearman(*_npv_and_inputs(npv, inputs)) ** 2
    total = squared.sum()
    shares = squared / total if total > 0 else squared
    table = pd.Series(shares, index=_input_index(inputs), name="contribution_to_variance")
    return table.sort_values(ascending=False, kind="stable")


def swing(npv: np.ndarray, inputs: pd.DataFrame) -> pd.DataFrame:
    """Mean NPV with each input low and high, and the swing between them, largest swing first.

    Low means the iterations with the input at or below its P10, high at or above its P90 (numpy's default,
    linear, quantiles); the swing is the high mean minus the low mean, so it is negative for an input that
    lowers NPV (a cost, a risk impact). When P10 equals P90 the two sets overlap (a binary-ish input whose
    middle 80 % of iterations share one value, e.g. the occurrence of a risk event with probability under
    10 %), so low and high become the iterations with the input at its minimum and at its maximum. For a 0/1
    input with P10 < P90 the quantile rule already gives exactly these sets. The counts show how many
    iterations each mean rests on: at an extreme of a continuous input that can be one.

    Parameters
    ----------
    npv : numpy.ndarray
        NPV per Monte Carlo iteration, shape ``(n,)``.
    inputs : pandas.DataFrame
        ``n`` iterations × inputs, numeric or boolean.

    Returns
    -------
    pandas.DataFrame
        Indexed by input, sorted by absolute swing, descending, with columns ``low_mean`` and ``high_mean``
        (mean NPV), ``swing`` (``high_mean − low_mean``), ``low_count`` and ``high_count`` (iterations).

    Examples
    --------
    >>> price, event = np.arange(20.0), np.arange(20) == 5
    >>> table = swing(price - 30 * event, pd.DataFrame({"price": price, "event": event}))
    >>> table["swing"].round(2).to_dict(), table["high_count"].to_dict()
    ({'event': -34.74, 'price': 18.0}, {'event': 1, 'price': 2})
    """
    values, matrix = _npv_and_inputs(npv, inputs)
    p10, p90 = np.quantile(matrix, [0.1, 0.9], axis=0)
    tied = p10 == p90
    low = matrix <= np.where(tied, matrix.min(axis=0), p10)
    high = matrix >= np.where(tied, matrix.max(axis=0), p90)
    low_count, high_count = low.sum(axis=0), high.sum(axis=0)
    low_mean, high_mean = values @ low / low_count, values @ high / high_count
    table = pd.DataFrame({"low_mean": low_mean, "high_mean": high_mean, "swing": high_mean - low_mean,
                          "low_count": low_count, "high_count": high_count}, index=_input_index(inputs))
    return table.iloc[np.argsort(-np.abs(table["swing"].to_numpy()), kind="stable")]


@dataclass(frozen=True)
class Convergence:
    """Monte Carlo precision of the mean NPV and of the probability of a loss.

    Attributes
    ----------
    n_iterations : int
        Number of iterations.
    mean : float
        Mean NPV.
    se_mean : float
        Standard error of the mean, s/√n with s the sample standard deviation (ddof = 1).
    relative_se_mean : float
        ``se_mean / |mean|``; inf when the mean is 0.
    prob_loss : float
        Share of iterations with NPV < 0.
    se_prob_loss : float
        Binomial standard error √(p(1 − p)/n) of ``prob_loss``. It is 0 when no iteration (or every one) is a
        loss, which says little: then ``3 / n`` is an approximate 95 % upper bound on the rarer outcome's
        probability.
    target_relative_se, target_se_prob_loss : float
        The precision asked for.
    """

    n_iterations: int
    mean: float
    se_mean: float
    relative_se_mean: float
    prob_loss: float
    se_prob_loss: float
    target_relative_se: float
    target_se_prob_loss: float

    @property
    def met(self) -> bool:
        """Whether both standard errors are within their targets."""
        return self.relative_se_mean <= self.target_relative_se and self.se_prob_loss <= self.target_se_prob_loss


def convergence(npv: np.ndarray, target_relative_se: float = 0.01,
                target_se_prob_loss: float = 0.005) -> Convergence:
    """Whether the run has enough iterations for the stated precision of E[NPV] and P(NPV < 0).

    Standard errors of independent iterations: s/√n for the mean (s the sample standard deviation) and
    √(p(1 − p)/n) for the loss probability p. A relative target on the mean is hard to meet when E[NPV] is
    near 0, which is also when the go/no-go decision is closest; :func:`evpi` says whether that matters.

    Parameters
    ----------
    npv : numpy.ndarray
        NPV per Monte Carlo iteration, shape ``(n,)``, at least two iterations.
    target_relative_se : float, default 0.01
        Largest acceptable standard error of the mean as a share of ``|mean|``.
    target_se_prob_loss : float, default 0.005
        Largest acceptable standard error of P(NPV < 0), in probability units.

    Returns
    -------
    Convergence

    Examples
    --------
    >>> result = convergence(np.array([-1.0, 1.0, 3.0, 5.0]))
    >>> round(result.se_mean, 4), round(result.se_prob_loss, 4), result.met
    (1.291, 0.2165, False)
    """
    values = _npv_values(npv)
    n = len(values)
    if n < 2:
        raise ValueError("need at least two iterations for a standard error")
    mean = float(values.mean())
    se_mean = float(values.std(ddof=1)) / sqrt(n)
    prob_loss = float(np.count_nonzero(values < 0)) / n
    return Convergence(
        n_iterations=n,
        mean=mean,
        se_mean=se_mean,
        relative_se_mean=se_mean / abs(mean) if mean != 0 else inf,
        prob_loss=prob_loss,
        se_prob_loss=sqrt(prob_loss * (1 - prob_loss) / n),
        target_relative_se=target_relative_se,
        target_se_prob_loss=target_se_prob_loss,
    )


def npv_summary(npv: np.ndarray) -> dict[str, float]:
    """Mean, percentiles, probability of a loss and lower-tail CVaR of the NPV.

    Percentiles are numpy's default (linear) quantiles. ``cvar_5`` (conditional value at risk, or expected
    shortfall, of the NPV itself, so usually negative) is the mean of the worst 5 % of iterations: the lowest
    ``ceil(0.05·n)`` NPVs, counted in whole iterations so that no iteration is split.

    Parameters
    ----------
    npv : numpy.ndarray
        NPV per Monte Carlo iteration, shape ``(n,)``, finite.

    Returns
    -------
    dict
        ``mean``, ``p10``, ``p50``, ``p90``, ``prob_loss`` (share of iterations with NPV < 0) and ``cvar_5``,
        as plain floats.

    Examples
    --------
    >>> {name: round(value, 3) for name, value in npv_summary(np.arange(-5.0, 16.0)).items()}
    {'mean': 5.0, 'p10': -3.0, 'p50': 5.0, 'p90': 13.0, 'prob_loss': 0.238, 'cvar_5': -4.952}
    """
    values = _npv_values(npv)
    p10, p50, p90 = np.quantile(values, [0.1, 0.5, 0.9])
    return {
        "mean": float(values.mean()),
        "p10": float(p10),
        "p50": float(p50),
        "p90": float(p90),
        "prob_loss": float(np.count_nonzero(values < 0)) / len(values),
        "cvar_5": float(cvar(values, CVAR_LEVEL)),
    }


def _npv_values(npv: np.ndarray) -> np.ndarray:
    """``npv`` as a float vector, checked: one dimension, at least one value, all finite."""
    values = np.asarray(npv, dtype=float)
    if values.ndim != 1 or values.size == 0:
        raise ValueError(f"npv must be a non-empty vector of iterations, got shape {values.shape}")
    if not np.all(np.isfinite(values)):
        raise ValueError("npv must be finite")
    return values


def _column(values: np.ndarray, n: int, name: str) -> np.ndarray:
    """An input's values as a float vector of the ``n`` iterations, checked finite."""
    column = np.asarray(values, dtype=float)
    if column.shape != (n,):
        raise ValueError(f"{name} must have one value per iteration ({n}), got shape {column.shape}")
    if not np.all(np.isfinite(column)):
        raise ValueError(f"{name} must be finite")
    return column


def _npv_and_inputs(npv: np.ndarray, inputs: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """The checked NPV vector and the inputs as an iterations × inputs float matrix."""
    values = _npv_values(npv)
    matrix = inputs.to_numpy(dtype=float)
    if matrix.shape[0] != len(values):
        raise ValueError(f"inputs has {matrix.shape[0]} rows but npv has {len(values)} iterations")
    if not np.all(np.isfinite(matrix)):
        raise ValueError("inputs must be finite")
    return values, matrix


def _input_index(inputs: pd.DataFrame) -> pd.Index:
    """The input names as an index."""
    return pd.Index(inputs.columns, name="input")


def _spearman(values: np.ndarray, matrix: np.ndarray) -> np.ndarray:
    """Rank correlation of every column of ``matrix`` with ``values``; 0 where either never varies."""
    npv_ranks = rankdata(values)
    npv_ranks -= npv_ranks.mean()
    input_ranks = rankdata(matrix, axis=0)
    input_ranks -= input_ranks.mean(axis=0)
    scale = np.linalg.norm(input_ranks, axis=0) * np.linalg.norm(npv_ranks)
    covariance = npv_ranks @ input_ranks
    return np.divide(covariance, scale, out=np.zeros_like(covariance), where=scale > 0)
