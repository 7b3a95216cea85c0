"""Rank correlation (``alliance_analytics.core.correlation``) checked against independent calculations.

- Iman–Conover: achieved Spearman correlations (scipy) match the targets, every column keeps exactly its
  values, an identity target leaves the columns uncorrelated, the same seed gives the same reordering.
- ``correlation_problems`` names each defect, with the smallest eigenvalue of a non-PSD matrix.
- ``nearest_correlation`` against Higham's (2002) published example, a brute-force minimisation over all
  correlation matrices, and the naive repair (clip negative eigenvalues, rescale to a unit diagonal).

Fixed seeds, so every check is deterministic.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import optimize, stats

from alliance_analytics.core.correlation import correlation_problems, iman_conover, nearest_correlation

N = 20_000
INVALID = np.array([[1.0, 0.9, -0.9], [0.9, 1.0, 0.9], [-0.9, 0.9, 1.0]])  # eigenvalues 1.9, 1.9, −0.8
VALID_4 = np.array([
    [1.0, 0.6, 0.3, -0.2],
    [0.6, 1.0, 0.4, 0.0],
    [0.3, 0.4, 1.0, -0.3],
    [-0.2, 0.0, -0.3, 1.0],
])


def two_by_two(rho: float) -> np.ndarray:
    return np.array([[1.0, rho], [rho, 1.0]])


def independent_samples(rng: np.random.Generator, n: int, k: int) -> np.ndarray:
    """``n`` × ``k`` independent draws with different, skewed marginals."""
    draws = [rng.normal(5, 2, n), rng.lognormal(0, 1, n), rng.uniform(-1, 3, n), 10 * rng.beta(2, 5, n)]
    return np.column_stack([draws[j % 4] for j in range(k)])


def spearman(values: np.ndarray) -> np.ndarray:
    """Spearman's rank correlation matrix: the Pearson correlation of the ranks (ties share their mean rank)."""
    return np.corrcoef(stats.rankdata(values, axis=0), rowvar=False)


def brute_force_nearest(matrix: np.ndarray, starts: int = 20) -> np.ndarray:
    """The correlation matrix nearest to ``matrix``, by minimising over all of them: L·Lᵀ, L with unit rows."""
    k = len(matrix)
    rows, columns = np.tril_indices(k)

    def correlation(free: np.ndarray) -> np.ndarray:
        lower = np.zeros((k, k))
        lower[rows, columns] = free
        lower /= np.linalg.norm(lower, axis=1, keepdims=True)
        return lower @ lower.T

    rng = np.random.default_rng(0)
    fits = [optimize.minimize(lambda free: np.sum((correlation(free) - matrix) ** 2), rng.normal(size=rows.size),
                              method="BFGS", options={"gtol": 1e-12}) for _ in range(starts)]
    return correlation(min(fits, key=lambda fit: fit.fun).x)


def naive_repair(matrix: np.ndarray) -> np.ndarray:
    """Clip negative eigenvalues at 0 and rescale to a unit diagonal: valid, but not the nearest."""
    eigenvalues, eigenvectors = np.linalg.eigh(matrix)
    clipped = (eigenvectors * np.maximum(eigenvalues, 0)) @ eigenvectors.T
    scale = 1 / np.sqrt(np.diag(clipped))
    return clipped * scale[:, None] * scale[None, :]


# --------------------------------------------------------------------------------------------------------
# Iman–Conover
# --------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("target", [two_by_two(0.8), two_by_two(-0.5), VALID_4], ids=["0.8", "-0.5", "4x4"])
def test_iman_conover_achieves_the_target_rank_correlations(target):
    rng = np.random.default_rng(7)
    samples = independent_samples(rng, N, len(target))
    reordered = iman_conover(samples, target, rng)
    np.testing.assert_array_equal(np.sort(reordered, axis=0), np.sort(samples, axis=0))
    # without the sine conversion 2·sin(πρ/6), ρ = 0.8 and −0.5 would miss by about 0.013 and 0.017
    assert np.abs(spearman(reordered) - target).max() <= 0.01


def test_iman_conover_with_the_identity_leaves_columns_uncorrelated():
    rng = np.random.default_rng(8)
    samples = independent_samples(rng, N, 4)
    reordered = iman_conover(samples, np.eye(4), rng)
    np.testing.assert_array_equal(np.sort(reordered, axis=0), np.sort(samples, axis=0))
    off_diagonal = spearman(reordered)[~np.eye(4, dtype=bool)]
    assert np.abs(off_diagonal).max() <= 0.01  # below the 4·(1/√n) ≈ 0.028 of independent shuffles


def test_iman_conover_handles_a_singular_repaired_target_and_ties():
    """A repaired matrix is singular and its Pearson version 2·sin(πρ/6) is slightly indefinite.

    No Cholesky factorisation of it exists; the reordering still works and comes within 0.025 (the rank
    correlation a normal copula can reach nearest such a target differs from it by up to about 0.02).
    """
    target = nearest_correlation(INVALID)
    rng = np.random.default_rng(9)
    samples = independent_samples(rng, N, 3)
    samples[:, 2] = np.round(samples[:, 2])  # a column with many ties
    reordered = iman_conover(samples, target, rng)
    np.testing.assert_array_equal(np.sort(reordered, axis=0), np.sort(samples, axis=0))
    samples[:, 2] = rng.uniform(-1, 3, N)
    assert np.abs(spearman(iman_conover(samples, target, rng)) - target).max() <= 0.025


def test_iman_conover_is_reproducible():
    samples = independent_samples(np.random.default_rng(1), 1000, 4)
    first, again, other = (iman_conover(samples, VALID_4, np.random.default_rng(seed)) for seed in (3, 3, 4))
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(first, other)


def test_iman_conover_rejects_invalid_input():
    rng = np.random.default_rng(1)
    with pytest.raises(ValueError, match="positive semi-definite"):
        iman_conover(independent_samples(rng, 100, 3), INVALID, rng)
    with pytest.raises(ValueError, match="k × k"):
        iman_conover(independent_samples(rng, 100, 3), VALID_4, rng)
    with pytest.raises(ValueError, match="more samples than variables"):
        iman_conover(independent_samples(rng, 4, 4), VALID_4, rng)


# --------------------------------------------------------------------------------------------------------
# correlation_problems
# --------------------------------------------------------------------------------------------------------

def test_valid_matrices_have_no_problems():
    for matrix in (np.eye(1), two_by_two(0.8), two_by_two(-1.0), VALID_4, nearest_correlation(INVALID)):
        assert correlation_problems(matrix) == []


@pytest.mark.parametrize(("matrix", "fragment"), [
    (np.ones((2, 3)), "not square: shape 2 × 3"),
    (np.array([1.0, 0.5]), "not square: shape 2"),
    (np.array([[1.0, np.nan], [np.nan, 1.0]]), "missing or infinite"),
    (np.array([[1.0, 0.5], [0.4, 1.0]]), "not symmetric: row 1, column 2 is 0.5 but row 2, column 1 is 0.4"),
    (np.array([[1.0, 0.5], [0.5, 0.9]]), "diagonal not 1: row 2 has 0.9"),
    (np.array([[1.0, 1.5], [1.5, 1.0]]), "entries outside [-1, 1]: row 1, column 2 is 1.5, row 2, column 1 is 1.5"),
    (INVALID, "not positive semi-definite: smallest eigenvalue -0.8"),
    (np.array([[1.0, 0.6, -0.6], [0.6, 1.0, 0.6], [-0.6, 0.6, 1.0]]),
     "not positive semi-definite: smallest eigenvalue -0.2"),
])
def test_correlation_problems_names_each_defect(matrix, fragment):
    problems = correlation_problems(matrix)
    assert any(fragment in problem for problem in problems), problems


def test_the_smallest_eigenvalue_in_the_message_is_the_matrix_s():
    [problem] = correlation_problems(np.array([[1.0, 0.8, -0.7], [0.8, 1.0, 0.75], [-0.7, 0.75, 1.0]]))
    smallest = np.linalg.eigvalsh(np.array([[1.0, 0.8, -0.7], [0.8, 1.0, 0.75], [-0.7, 0.75, 1.0]]))[0]
    assert problem == f"not positive semi-definite: smallest eigenvalue {smallest:.3g}"


# --------------------------------------------------------------------------------------------------------
# nearest_correlation
# --------------------------------------------------------------------------------------------------------

def test_nearest_correlation_of_a_valid_matrix_is_itself():
    for matrix in (np.eye(3), two_by_two(0.8), VALID_4):
        np.testing.assert_allclose(nearest_correlation(matrix), matrix, atol=1e-12)


def test_nearest_correlation_reproduces_higham_s_example():
    """Higham (2002), section 4: A = [[1, 1, 0], [1, 1, 1], [0, 1, 1]]."""
    nearest = nearest_correlation(np.array([[1.0, 1.0, 0.0], [1.0, 1.0, 1.0], [0.0, 1.0, 1.0]]))
    expected = np.array([[1.0, 0.7607, 0.1573], [0.7607, 1.0, 0.7607], [0.1573, 0.7607, 1.0]])
    np.testing.assert_allclose(nearest, expected, atol=5e-5)


def test_nearest_correlation_ignores_the_diagonal_and_the_antisymmetric_part():
    """[[2, −1, 0], [−1, 2, −1], [0, −1, 2]]: the diagonal of every candidate is 1, so only the off-diagonal
    entries matter, and flipping the sign of the middle variable maps the problem onto Higham's example:
    off-diagonals −0.7607 and 0.1573, as brute force confirms. (The sometimes-quoted −0.8084 and 0.1916 are
    closer to the matrix but not a correlation matrix: their smallest eigenvalue is −0.05.)"""
    matrix = np.array([[2.0, -1.0, 0.0], [-1.0, 2.0, -1.0], [0.0, -1.0, 2.0]])
    nearest = nearest_correlation(matrix)
    np.testing.assert_allclose(nearest[[0, 0, 1], [1, 2, 2]], [-0.7607, 0.1573, -0.7607], atol=5e-5)
    np.testing.assert_allclose(nearest, brute_force_nearest(matrix), atol=1e-5)
    quoted = np.array([[1.0, -0.8084, 0.1916], [-0.8084, 1.0, -0.8084], [0.1916, -0.8084, 1.0]])
    assert correlation_problems(quoted) == ["not positive semi-definite: smallest eigenvalue -0.0515"]
    skewed = matrix + np.array([[0.0, 0.3, -0.2], [-0.3, 0.0, 0.1], [0.2, -0.1, 0.0]])
    np.testing.assert_allclose(nearest_correlation(skewed), nearest, atol=1e-10)


@pytest.mark.parametrize("matrix", [INVALID, np.array([[1.0, 0.95, 0.1], [0.95, 1.0, 0.9], [0.1, 0.9, 1.0]])],
                         ids=["symmetric pattern", "lopsided"])
def test_nearest_correlation_repairs_invalid_matrices(matrix):
    """Valid, singular, the brute-force optimum, and no farther than the naive repair: as near for INVALID
    (its pattern makes the clipped matrix's diagonal constant, so rescaling moves nothing out of place),
    clearly nearer for the lopsided matrix."""
    nearest = nearest_correlation(matrix)
    assert correlation_problems(nearest) == []
    np.testing.assert_array_equal(np.diag(nearest), 1.0)
    np.testing.assert_array_equal(nearest, nearest.T)
    assert np.linalg.eigvalsh(nearest)[0] == pytest.approx(0, abs=1e-10)  # on the boundary: singular
    np.testing.assert_allclose(nearest, brute_force_nearest(matrix), atol=1e-5)
    naive_distance = np.linalg.norm(naive_repair(matrix) - matrix)
    if matrix is INVALID:
        np.testing.assert_allclose(nearest, [[1, 0.5, -0.5], [0.5, 1, 0.5], [-0.5, 0.5, 1]], atol=1e-12)
        assert np.linalg.norm(nearest - matrix) == pytest.approx(naive_distance, rel=1e-12)
    else:
        assert np.linalg.norm(nearest - matrix) < naive_distance - 0.005


@st.composite
def symmetric_matrices(draw) -> np.ndarray:
    """Symmetric matrices with unit diagonal and entries in [−1, 1], often not PSD."""
    k = draw(st.integers(2, 6))
    entries = draw(st.lists(st.floats(-1, 1), min_size=k * (k - 1) // 2, max_size=k * (k - 1) // 2))
    matrix = np.eye(k)
    matrix[np.triu_indices(k, 1)] = entries
    return np.triu(matrix) + np.triu(matrix, 1).T


@settings(max_examples=60, deadline=None)
@given(symmetric_matrices())
def test_nearest_correlation_is_valid_and_no_farther_than_the_naive_repair(matrix):
    nearest = nearest_correlation(matrix)
    assert correlation_problems(nearest) == []
    np.testing.assert_array_equal(np.diag(nearest), 1.0)
    assert np.linalg.norm(nearest - matrix) <= np.linalg.norm(naive_repair(matrix) - matrix) + 1e-9
    np.testing.assert_allclose(nearest_correlation(nearest), nearest, atol=1e-9)


def test_nearest_correlation_rejects_non_square_input():
    with pytest.raises(ValueError, match="square"):
        nearest_correlation(np.ones((2, 3)))
