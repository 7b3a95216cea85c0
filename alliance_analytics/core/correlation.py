"""Rank correlation between assumptions: checking a correlation matrix, repairing it, inducing it.

:func:`correlation_problems` lists what keeps a matrix from being a correlation matrix,
:func:`nearest_correlation` replaces an invalid one by the nearest valid one (Higham 2002), and
:func:`iman_conover` reorders independently drawn samples so that their rank correlations match a target
while every variable keeps exactly its sampled values (Iman & Conover 1982). Pure functions; no I/O.
"""

from __future__ import annotations

import functools

import numpy as np

from alliance_analytics.core.problems import number

TOLERANCE = 1e-12
"""How far an entry may be off (asymmetry, a diagonal entry from 1, an entry outside [−1, 1]): float noise."""

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
    (the marginal distribution) it was sampled with.

    1. Scores: every column gets the van der Waerden normal scores Φ⁻¹(i/(n + 1)), i = 1 … n, in its own
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
    4. Reorder: each column of ``samples``, sorted, is placed in the rank order of the same column of T (one
       argsort of T per column: the i-th smallest sample goes where T has its i-th smallest value).

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
        ``n`` × ``k``: every column a permutation of the same column of ``samples``.

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
    n, k = values.shape
    if n <= k:
        raise ValueError(f"need more samples than variables, got {n} samples of {k}")
    problems = correlation_problems(target)
    if problems:
        raise ValueError(f"the target is not a correlation matrix: {'; '.join(problems)}")
    shuffled = rng.permuted(np.tile(_van_der_waerden(n), (k, 1)), axis=1)  # k × n: one variable per row
    actual = np.linalg.cholesky(np.atleast_2d(np.corrcoef(shuffled)))
    eigenvalues, eigenvectors = np.linalg.eigh(2 * np.sin(np.pi / 6 * target))
    target_factor = eigenvectors * np.sqrt(np.maximum(eigenvalues, 0))
    mixing = target_factor @ np.linalg.inv(actual)  # P·Q⁻¹, k × k
    order = np.argsort(np.einsum("ij,jn->in", mixing, shuffled), axis=1)  # einsum: no BLAS threads for k × k
    reordered = np.empty((k, n), dtype=np.result_type(values, float))
    np.put_along_axis(reordered, order, np.sort(np.ascontiguousarray(values.T), axis=1), axis=1)
    return reordered.T
