"""Rank correlation between assumptions: checking a correlation matrix, repairing it, inducing it.

:func:`correlation_problems` lists what keeps a matrix from being a correlation matrix,
:func:`nearest_correlation` replaces an invalid one by the nearest valid one (Higham 2002), and
:func:`iman_conover` reorders independently drawn samples so that their rank correlations match a target
while every variable keeps exactly its sampled values (Iman & Conover 1982); :func:`iman_conover_order` and
:func:`reorder_in_place` are its two halves, for a caller that reorders rows of its own arrays in place (the
Monte Carlo engine). Pure functions apart from that one; no I/O.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

import numpy as np

from alliance_analytics.core.problems import number

TOLERANCE = 1e-12
"""How far an entry may be off (asymmetry, a diagonal entry from 1, an entry outside [−1, 1]): float noise."""

_MAGNITUDE_BITS = np.int64(0x7FFF_FFFF_FFFF_FFFF)
"""A float64's bits without its sign."""

PSD_TOLERANCE = 1e-10
"""How far below 0 the smallest eigenvalue of a correlation matrix may be (rounding, a repaired matrix)."""


def correlation_problems(matrix: np.ndarray) -> list[str]:
    """Everything that keeps ``matrix`` from being a correlation matrix.

    A correlation matrix is square, symmetric, has a unit diagonal and entries in [−1, 1], and is positive
    semi-definite (PSD: its smallest eigenvalue is at least −:data:`PSD_TOLERANCE`). Pairwise entries can
    each be valid and still contradict each other: A and B strongly together, B and C strongly together,
    A and C strongly opposed is not PSD. Definiteness is checked only for symmetric matrices, and nothing
    else for a matrix that is not square or has non-finite entries.

    Parameters
    ----------
    matrix : numpy.ndarray
        The candidate correlation matrix.

    Returns
    -------
    list of str
        One message per defect (rows and columns counted from 1); empty when it is a correlation matrix.

    Examples
    --------
    >>> correlation_problems(np.array([[1.0, 0.9, -0.9], [0.9, 1.0, 0.9], [-0.9, 0.9, 1.0]]))
    ['not positive semi-definite: smallest eigenvalue -0.8']
    >>> correlation_problems(np.eye(2))
    []
    """
    values = np.asarray(matrix, dtype=float)
    if values.ndim != 2 or values.shape[0] != values.shape[1]:
        return [f"not square: shape {' × '.join(map(str, values.shape))}"]
    if not np.all(np.isfinite(values)):
        return ["has missing or infinite entries"]
    problems = []
    asymmetry = np.abs(values - values.T)
    symmetric = asymmetry.max(initial=0) <= TOLERANCE
    if not symmetric:
        i, j = np.unravel_index(np.argmax(asymmetry), asymmetry.shape)
        problems.append(f"not symmetric: row {i + 1}, column {j + 1} is {number(values[i, j])} but row {j + 1}, "
                        f"column {i + 1} is {number(values[j, i])}")
    off_diagonal = np.flatnonzero(np.abs(np.diag(values) - 1) > TOLERANCE)
    if off_diagonal.size:
        problems.append("diagonal not 1: " + ", ".join(f"row {i + 1} has {number(values[i, i])}" for i in off_diagonal))
    rows, columns = np.nonzero(np.abs(values) > 1 + TOLERANCE)
    if rows.size:
        problems.append("entries outside [-1, 1]: " + ", ".join(
            f"row {i + 1}, column {j + 1} is {number(values[i, j])}" for i, j in zip(rows, columns)))
    smallest = float(np.linalg.eigvalsh(values)[0]) if symmetric and values.size else 0.0
    if smallest < -PSD_TOLERANCE:
        problems.append(f"not positive semi-definite: smallest eigenvalue {number(float(f'{smallest:.3g}'))}")
    return problems


def nearest_correlation(matrix: np.ndarray, tolerance: float = 1e-12, max_iterations: int = 100_000) -> np.ndarray:
    """The correlation matrix nearest to ``matrix`` in the Frobenius norm (Higham 2002).

    The correlation matrices are the intersection of two closed convex sets: S, the PSD matrices, and U, the
    symmetric matrices with unit diagonal. Higham's alternating projections method (Algorithm 3.3 with unit
    weights) projects in turn onto S (set negative eigenvalues to 0) and onto U (set the diagonal to 1).
    Plain alternation would only find *some* point of S ∩ U; Dykstra's correction ΔS, subtracted before each
    projection onto S, makes the iterates converge to the *nearest* one:

        R = Y − ΔS;  X = P_S(R);  ΔS = X − R;  Y = P_U(X)

    starting from Y = A (symmetrised: the skew-symmetric part of A is orthogonal to every symmetric matrix,
    so it does not change which correlation matrix is nearest) and ΔS = 0, until X and Y agree and Y stops
    changing, relative to ‖Y‖, within ``tolerance``. The last X is PSD but its diagonal is only nearly 1, Y
    the reverse; the result is X scaled to a unit diagonal (D^{−1/2}·X·D^{−1/2}, which keeps it PSD), a
    change of the order of ``tolerance``. A valid correlation matrix comes back unchanged (up to rounding).

    Parameters
    ----------
    matrix : numpy.ndarray
        Square, finite; e.g. pairwise rank correlations that contradict each other.
    tolerance : float, default 1e-12
        Relative convergence tolerance.
    max_iterations : int, default 100000
        Iterations before giving up (convergence is linear, and slow when many eigenvalues end up at 0).

    Returns
    -------
    numpy.ndarray
        Symmetric, unit diagonal, PSD; for an invalid input it lies on the boundary of the PSD matrices
        (singular).

    Raises
    ------
    ValueError
        When ``matrix`` is not square or has non-finite entries.
    RuntimeError
        When the iterations do not converge within ``max_iterations``.

    Examples
    --------
    >>> nearest_correlation(np.array([[1.0, 1.0, 0.0], [1.0, 1.0, 1.0], [0.0, 1.0, 1.0]])).round(4).tolist()
    [[1.0, 0.7607, 0.1573], [0.7607, 1.0, 0.7607], [0.1573, 0.7607, 1.0]]
    """
    values = np.asarray(matrix, dtype=float)
    if values.ndim != 2 or values.shape[0] != values.shape[1] or not np.all(np.isfinite(values)):
        raise ValueError(f"need a square matrix of finite numbers, got shape {values.shape}")
    y = (values + values.T) / 2
    correction = np.zeros_like(y)
    diagonal = np.diag_indices_from(y)
    for _ in range(max_iterations):
        r = y - correction
        eigenvalues, eigenvectors = np.linalg.eigh(r)
        x = (eigenvectors * np.maximum(eigenvalues, 0)) @ eigenvectors.T
        correction = x - r
        previous, y = y, x.copy()
        y[diagonal] = 1.0
        size = np.linalg.norm(y)
        if np.linalg.norm(y - x) <= tolerance * size and np.linalg.norm(y - previous) <= tolerance * size:
            scale = 1 / np.sqrt(np.diag(x))
            nearest = x * scale[:, None] * scale[None, :]
            nearest = (nearest + nearest.T) / 2
            nearest[diagonal] = 1.0
            return nearest
    raise RuntimeError(f"nearest_correlation did not converge in {max_iterations} iterations")


@functools.lru_cache(maxsize=8)
def _van_der_waerden(n: int) -> np.ndarray:
    """The normal scores Φ⁻¹(i/(n + 1)), i = 1 … n (read-only: shared between calls)."""
    from scipy import special  # here, so that loading a case does not load scipy

    scores = special.ndtri(np.arange(1, n + 1) / (n + 1))
    scores.flags.writeable = False
    return scores


def iman_conover(samples: np.ndarray, spearman: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Reorder each column of ``samples`` so the columns' rank correlations approximate ``spearman``.

    Iman & Conover (1982): only the order of each column changes, so every variable keeps exactly the values
    (the marginal distribution) it was sampled with. The target order comes from :func:`iman_conover_order`
    and is applied by :func:`reorder_in_place`.

    Parameters
    ----------
    samples : numpy.ndarray
        ``n`` × ``k`` independent samples, one column per variable, ``n > k``.
    spearman : numpy.ndarray
        ``k`` × ``k`` target rank-correlation matrix (see :func:`correlation_problems`).
    rng : numpy.random.Generator
        Source of randomness (the order of the scores).

    Returns
    -------
    numpy.ndarray
        ``n`` × ``k``: every column a permutation of the same column of ``samples`` (a new array).

    Raises
    ------
    ValueError
        When the shapes do not match, ``n ≤ k``, or ``spearman`` is not a correlation matrix.

    Examples
    --------
    >>> rng = np.random.default_rng(1)
    >>> samples = rng.normal(size=(2000, 2))
    >>> paired = iman_conover(samples, np.array([[1.0, 0.7], [0.7, 1.0]]), rng)
    >>> bool(np.array_equal(np.sort(paired, axis=0), np.sort(samples, axis=0)))
    True
    >>> ranks = paired.argsort(axis=0).argsort(axis=0)
    >>> round(float(np.corrcoef(ranks, rowvar=False)[0, 1]), 1)
    0.7
    """
    values = np.asarray(samples)
    target = np.asarray(spearman, dtype=float)
    if values.ndim != 2 or values.shape[1] == 0 or target.shape != (values.shape[1], values.shape[1]):
        raise ValueError(f"need n × k samples (k ≥ 1) and a k × k target, got {values.shape} and {target.shape}")
    reordered = np.array(values.T, dtype=np.result_type(values, float), order="C")  # k × n, a copy
    reorder_in_place(reordered, iman_conover_order(values.shape[0], target, rng))
    return reordered.T


def iman_conover_order(n: int, spearman: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Where Iman–Conover puts each variable's sorted sample values: the rank order of its correlated scores.

    Iman & Conover (1982):

    1. Scores: every variable gets the van der Waerden normal scores Φ⁻¹(i/(n + 1)), i = 1 … n, in its own
       random order. They are (nearly) standard normal, so correlations imposed on them behave like those of
       a multivariate normal.
    2. Target: for a bivariate normal, Spearman's ρ_S = (6/π)·arcsin(ρ/2), so the scores need the Pearson
       correlation ρ = 2·sin(π·ρ_S/6) to come out with rank correlation ρ_S (using ρ_S itself would miss by
       up to 0.018, at |ρ_S| ≈ 0.5).
    3. Correction: the shuffled scores are not exactly uncorrelated; with E = Q·Qᵀ their actual correlation
       (Cholesky) and C = P·Pᵀ the Pearson target, the scores M become T = M·Q⁻ᵀ·Pᵀ, whose correlation is
       exactly C. P is the symmetric factor V·√Λ of C's eigendecomposition rather than C's Cholesky factor:
       it also exists when C is singular (every matrix repaired by :func:`nearest_correlation` is), and if the
       sine transform leaves C with slightly negative eigenvalues, clipping them at 0 gives the nearest
       achievable correlation structure (ranks ignore the columns' resulting scale).
    4. Order: one argsort of T per variable (:func:`argsort_rows`); the i-th smallest sample of a variable goes
       where its T has its i-th smallest value (:func:`reorder_in_place`).

    Parameters
    ----------
    n : int
        Samples per variable, ``n > k``.
    spearman : numpy.ndarray
        ``k`` × ``k`` target rank-correlation matrix (see :func:`correlation_problems`).
    rng : numpy.random.Generator
        Source of randomness: ``k`` shuffles of ``n`` scores (``Generator.permuted`` along each row).

    Returns
    -------
    numpy.ndarray
        ``k`` × ``n`` integer positions; row i is a permutation of 0 … n − 1.

    Raises
    ------
    ValueError
        When ``spearman`` is not square, ``n ≤ k``, or it is not a correlation matrix.

    Examples
    --------
    >>> order = iman_conover_order(5, np.eye(2), np.random.default_rng(1))
    >>> order.shape, sorted(order[0].tolist())
    ((2, 5), [0, 1, 2, 3, 4])
    """
    target = np.asarray(spearman, dtype=float)
    if target.ndim != 2 or target.shape[0] == 0 or target.shape[0] != target.shape[1]:
        raise ValueError(f"need a k × k target (k ≥ 1), got shape {target.shape}")
    k = target.shape[0]
    if n <= k:
        raise ValueError(f"need more samples than variables, got {n} samples of {k}")
    problems = correlation_problems(target)
    if problems:
        raise ValueError(f"the target is not a correlation matrix: {'; '.join(problems)}")
    shuffled = np.tile(_van_der_waerden(n), (k, 1))  # k × n: one variable per row
    rng.permuted(shuffled, axis=1, out=shuffled)
    actual = np.linalg.cholesky(np.atleast_2d(np.corrcoef(shuffled)))
    eigenvalues, eigenvectors = np.linalg.eigh(2 * np.sin(np.pi / 6 * target))
    target_factor = eigenvectors * np.sqrt(np.maximum(eigenvalues, 0))
    mixing = target_factor @ np.linalg.inv(actual)  # P·Q⁻¹, k × k
    return argsort_rows(np.einsum("ij,jn->in", mixing, shuffled))  # einsum: no BLAS threads for k × k


def argsort_rows(values: np.ndarray) -> np.ndarray:
    """``np.argsort(values, axis=1)``, exactly, in about half its time.

    A plain sort of floats is about three times faster than an argsort, so every value's lowest ``b`` mantissa
    bits (``2**b ≥ n``) are replaced by its position and the rows of these keys are sorted; their low bits are
    then the order. Keys keep the values' order except between values that agree in every other bit (equal
    values, or within ``2**(b − 52)`` of each other, rare with continuous values) and between ``-0.0`` and
    ``0.0``; a row where two neighbouring sorted keys agree in those bits, sign apart, is argsorted instead, as
    are all rows when a value is not finite (a key is finite exactly when its value is). Every row therefore
    comes out exactly as ``np.argsort`` orders it: the one sorting permutation when the values are distinct,
    ``np.argsort``'s own otherwise.

    Parameters
    ----------
    values : numpy.ndarray
        ``k`` × ``n`` floats (float64).

    Returns
    -------
    numpy.ndarray
        ``k`` × ``n`` int64 positions, each row a permutation of 0 … n − 1.

    Examples
    --------
    >>> values = np.array([[0.3, -1.0, 2.5, 0.3], [1.0, 1.0 + 2**-52, 0.0, -0.0]])
    >>> bool(np.array_equal(argsort_rows(values), np.argsort(values, axis=1)))
    True
    """
    values = np.ascontiguousarray(values, dtype=float)
    n = values.shape[1]
    if n < 2:
        return np.argsort(values, axis=1)
    low = np.int64((1 << (n - 1).bit_length()) - 1)
    keys = np.bitwise_and(values.view(np.int64), ~low)
    np.bitwise_or(keys, _positions(n), out=keys)
    keys.view(float).sort(axis=1)
    if not np.isfinite(keys[:, [0, -1]].view(float)).all():  # a value's key is finite only if the value is
        return np.argsort(values, axis=1)
    agree = np.bitwise_xor(keys[:, 1:], keys[:, :-1])
    np.bitwise_and(agree, _MAGNITUDE_BITS, out=agree)
    near = np.flatnonzero((agree <= low).any(axis=1))
    np.bitwise_and(keys, low, out=keys)
    keys[near] = np.argsort(values[near], axis=1)
    return keys


@functools.lru_cache(maxsize=8)
def _positions(n: int) -> np.ndarray:
    """0 … n − 1 as int64 (read-only: shared between calls)."""
    positions = np.arange(n, dtype=np.int64)
    positions.flags.writeable = False
    return positions


def reorder_in_place(rows: Sequence[np.ndarray], order: np.ndarray) -> None:
    """Put each row's values in the order :func:`iman_conover_order` gives, in place.

    Row i's j-th smallest value goes to position ``order[i, j]``: the row is sorted (a copy) and scattered
    back, so it keeps exactly its values.

    Parameters
    ----------
    rows : sequence of numpy.ndarray
        ``k`` writable one-dimensional arrays of length ``n`` (rows of one array, or of several).
    order : numpy.ndarray
        ``k`` × ``n`` positions, each row a permutation of 0 … n − 1.

    Examples
    --------
    >>> row = np.array([3.0, 1.0, 2.0])
    >>> reorder_in_place([row], np.array([[2, 0, 1]]))
    >>> row.tolist()
    [2.0, 3.0, 1.0]
    """
    for row, positions in zip(rows, order, strict=True):
        row[positions] = np.sort(row)
