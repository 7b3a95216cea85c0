"""Turning an analyst's judgement into criterion weights.

Three ways in: a ranking (rank-order centroid weights), swing points (swing weights), and pairwise
judgements (the analytic hierarchy process, AHP: the principal eigenvector of a reciprocal matrix, with
Saaty's consistency ratio). Every function returns weights summing to 1; pure functions, no I/O.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from alliance_analytics.core.scoring import normalise_weights

RANDOM_INDEX: dict[int, float] = {
    1: 0.0, 2: 0.0, 3: 0.58, 4: 0.90, 5: 1.12, 6: 1.24, 7: 1.32, 8: 1.41,
    9: 1.45, 10: 1.49, 11: 1.51, 12: 1.48, 13: 1.56, 14: 1.57, 15: 1.59,
}
"""Saaty's random consistency index by matrix size n: the mean consistency index of random reciprocal
matrices on the 1/9..9 scale (T. L. Saaty, *The Analytic Hierarchy Process*, McGraw-Hill, 1980). The
values are as published, including the dip at n = 12; some reprints give 1.46 for n = 9."""

CONSISTENCY_LIMIT = 0.10
"""Judgements whose consistency ratio is above this are too contradictory to trust (Saaty's 10 % rule)."""

_RECIPROCITY_TOLERANCE = 1e-9


def _unique_ids(ids: Sequence[str], what: str) -> list[str]:
    """``ids`` as a list; raise ``ValueError`` if empty or if an id repeats."""
    ids = list(ids)
    if not ids:
        raise ValueError(f"{what} must name at least one criterion")
    repeated = sorted({criterion for criterion in ids if ids.count(criterion) > 1})
    if repeated:
        raise ValueError(f"{what} lists criteria more than once: {', '.join(map(repr, repeated))}")
    return ids


def rank_order_centroid(order: Sequence[str]) -> pd.Series:
    """Rank-order centroid (ROC) weights from a ranking of the criteria.

    The criterion in position i (1-based) of n gets ``(1/n) · Σ_{k=i..n} 1/k``: the centroid of all weight
    vectors that respect the ranking.

    Parameters
    ----------
    order : sequence of str
        Criterion ids, most important first; no repeats.

    Returns
    -------
    pandas.Series
        Weight by criterion id, in the given order, decreasing, summing to 1.

    Examples
    --------
    >>> rank_order_centroid(["cost", "fit", "risk"]).round(4).tolist()
    [0.6111, 0.2778, 0.1111]
    """
    ids = _unique_ids(order, "the ranking")
    n = len(ids)
    tail_sums = np.cumsum(1.0 / np.arange(n, 0, -1))[::-1]
    return pd.Series(tail_sums / n, index=pd.Index(ids), name="weight")


def swing_weights(points: Mapping[str, float]) -> pd.Series:
    """Swing weights: the points of each criterion's worst-to-best swing, normalised.

    Parameters
    ----------
    points : mapping of str to float
        Swing points by criterion id; usually the most important swing gets 100 and the others are rated
        relative to it. Finite, non-negative, not all zero.

    Returns
    -------
    pandas.Series
        Weight by criterion id, in the mapping's order, summing to 1.

    Examples
    --------
    >>> swing_weights({"fit": 100, "cost": 60, "risk": 40}).tolist()
    [0.5, 0.3, 0.2]
    """
    swings = pd.Series(dict(points), dtype=float, name="weight")
    if not np.isfinite(swings).all():
        raise ValueError("swing points must be finite numbers")
    return normalise_weights(swings)


def pairwise_matrix(criteria: Sequence[str], comparisons: Iterable[tuple[str, str, float]]) -> np.ndarray:
    """Build a reciprocal AHP matrix from pairwise judgements.

    Parameters
    ----------
    criteria : sequence of str
        Criterion ids; they name the rows and columns, in this order.
    comparisons : iterable of (str, str, float)
        ``(a, b, v)``: "a is v times as important as b". ``v`` is a positive number, usually on Saaty's
        1/9..9 scale. Every unordered pair of distinct criteria must be judged exactly once, in either
        orientation.

    Returns
    -------
    numpy.ndarray
        n × n matrix with ``m[a, b] = v``, ``m[b, a] = 1/v`` and ones on the diagonal.

    Raises
    ------
    ValueError
        For an unknown criterion, a self-comparison, a value that is not a positive finite number, a pair
        judged twice, or a pair not judged at all; the message names the pair.

    Examples
    --------
    >>> pairwise_matrix(["a", "b"], [("b", "a", 4)]).tolist()
    [[1.0, 0.25], [4.0, 1.0]]
    """
    ids = _unique_ids(criteria, "the criteria")
    position = {criterion: i for i, criterion in enumerate(ids)}
    matrix = np.full((len(ids), len(ids)), np.nan)
    np.fill_diagonal(matrix, 1.0)
    for a, b, value in comparisons:
        pair = f"({a!r}, {b!r})"
        unknown = [criterion for criterion in (a, b) if criterion not in position]
        if unknown:
            raise ValueError(f"comparison {pair} names unknown criterion {unknown[0]!r}")
        if a == b:
            raise ValueError(f"comparison {pair} compares a criterion with itself")
        value = float(value)
        if not np.isfinite(value) or value <= 0:
            raise ValueError(f"comparison {pair} has value {value!r}; it must be a positive finite number")
        i, j = position[a], position[b]
        if not np.isnan(matrix[i, j]):
            raise ValueError(f"pair {pair} is judged more than once (in either orientation)")
        matrix[i, j], matrix[j, i] = value, 1.0 / value
    missing = np.argwhere(np.triu(np.isnan(matrix)))
    if missing.size:
        pairs = ", ".join(f"({ids[i]!r}, {ids[j]!r})" for i, j in missing)
        raise ValueError(f"every pair must be judged exactly once; missing: {pairs}")
    return matrix


def _checked_pairwise(matrix: np.ndarray, what: str, labels: Sequence[str] | None = None) -> np.ndarray:
    """``matrix`` as floats, after checking it is a square, positive, reciprocal matrix.

    ``what`` names the matrix in messages; ``labels`` name its rows/columns (default: their positions).
    """
    matrix = np.asarray(matrix, dtype=float)
    if matrix.ndim != 2 or matrix.shape[0] != matrix.shape[1]:
        raise ValueError(f"{what} must be square; got shape {matrix.shape}")
    n = len(matrix)
    names = list(range(n)) if labels is None else list(labels)
    if len(names) != n:
        raise ValueError(f"{what} is {n} × {n} but there are {len(names)} criteria")
    bad = ~(np.isfinite(matrix) & (matrix > 0))
    if bad.any():
        i, j = np.argwhere(bad)[0]
        raise ValueError(f"{what} entry ({names[i]!r}, {names[j]!r}) is {float(matrix[i, j])!r}; entries must be "
                         "positive finite numbers")
    off = np.abs(matrix * matrix.T - 1.0) > _RECIPROCITY_TOLERANCE
    if off.any():
        i, j = np.argwhere(off)[0]
        raise ValueError(f"{what} is not reciprocal at ({names[i]!r}, {names[j]!r}): {float(matrix[i, j])!r} and "
                         f"{float(matrix[j, i])!r} should multiply to 1")
    return matrix


def combine_pairwise(matrices: Sequence[np.ndarray]) -> np.ndarray:
    """Combine several evaluators' pairwise matrices by the element-wise geometric mean.

    This is the aggregation of individual judgements (AIJ); the geometric mean of reciprocal matrices is
    reciprocal, so the result can go straight to :func:`ahp_weights`.

    Parameters
    ----------
    matrices : sequence of numpy.ndarray
        One reciprocal matrix per evaluator, all the same size, rows/columns in the same criterion order.

    Returns
    -------
    numpy.ndarray
        The element-wise geometric mean.

    Examples
    --------
    >>> combine_pairwise([np.array([[1, 2], [1/2, 1]]), np.array([[1, 8], [1/8, 1]])]).tolist()
    [[1.0, 4.0], [0.25, 1.0]]
    """
    if len(matrices) == 0:
        raise ValueError("no matrices to combine")
    checked = [_checked_pairwise(matrix, f"matrix {k}") for k, matrix in enumerate(matrices)]
    shapes = sorted({matrix.shape for matrix in checked})
    if len(shapes) > 1:
        raise ValueError(f"matrices must all be the same size; got shapes {', '.join(map(str, shapes))}")
    return np.exp(np.log(np.stack(checked)).mean(axis=0))


@dataclass(frozen=True)
class AHPResult:
    """Weights derived from a pairwise matrix, and how consistent the judgements were.

    Attributes
    ----------
    weights : pandas.Series
        Weight by criterion id (sum 1): the normalised principal right eigenvector.
    lambda_max : float
        The principal eigenvalue; equals n for perfectly consistent judgements, exceeds it otherwise.
    consistency_index : float
        ``(lambda_max - n) / (n - 1)``; 0.0 when n = 1.
    consistency_ratio : float
        ``consistency_index / RANDOM_INDEX[n]``; 0.0 when n <= 2 (a 2 × 2 reciprocal matrix is always
        consistent).
    """

    weights: pd.Series
    lambda_max: float
    consistency_index: float
    consistency_ratio: float

    @property
    def consistent(self) -> bool:
        """Whether the consistency ratio is at most :data:`CONSISTENCY_LIMIT`."""
        return self.consistency_ratio <= CONSISTENCY_LIMIT

    @property
    def warning(self) -> str | None:
        """A plain-language warning when the judgements are inconsistent, else ``None``."""
        if self.consistent:
            return None
        return (f"The pairwise judgements contradict each other: consistency ratio {self.consistency_ratio:.3f} "
                f"is above the {CONSISTENCY_LIMIT:.2f} limit. Revisit the most extreme judgements before "
                "relying on these weights.")


def ahp_weights(matrix: np.ndarray, criteria: Sequence[str]) -> AHPResult:
    """AHP weights and consistency of a reciprocal pairwise matrix.

    Parameters
    ----------
    matrix : numpy.ndarray
        n × n reciprocal matrix (``m[j, i] · m[i, j] = 1`` within 1e-9, all entries positive), n <= 15;
        build one with :func:`pairwise_matrix` or :func:`combine_pairwise`.
    criteria : sequence of str
        Criterion ids naming the rows/columns, in order.

    Returns
    -------
    AHPResult
        Weights (principal right eigenvector, normalised to sum 1), lambda_max, consistency index and ratio.

    Examples
    --------
    >>> result = ahp_weights(np.array([[1, 3], [1/3, 1]]), ["fit", "cost"])
    >>> result.weights.round(6).tolist(), result.consistency_ratio, result.warning
    ([0.75, 0.25], 0.0, None)
    """
    ids = _unique_ids(criteria, "the criteria")
    n = len(ids)
    if n > max(RANDOM_INDEX):
        raise ValueError(f"{n} criteria is too many: Saaty's random index is tabulated only up to n = "
                         f"{max(RANDOM_INDEX)}")
    checked = _checked_pairwise(matrix, "the matrix", ids)
    values, vectors = np.linalg.eig(checked)
    principal = int(np.argmax(values.real))
    vector = vectors[:, principal].real
    lambda_max = float(values[principal].real)
    consistency_index = max((lambda_max - n) / (n - 1), 0.0) if n > 1 else 0.0  # λmax >= n; clip float noise
    return AHPResult(
        weights=pd.Series(vector / vector.sum(), index=pd.Index(ids), name="weight"),
        lambda_max=lambda_max,
        consistency_index=consistency_index,
        consistency_ratio=consistency_index / RANDOM_INDEX[n] if n > 2 else 0.0,
    )
