"""The two halves of Iman–Conover (``iman_conover_order``, ``reorder_in_place``) and ``argsort_rows``.

- ``argsort_rows`` against ``np.argsort`` itself, element for element, on the values its key trick must not
  misorder: exact ties, ``-0.0`` beside ``0.0``, neighbours one rounding step apart, subnormals, infinities,
  NaN, rows of one or two values and lengths just past a power of two (one more position bit).
- The halves against a direct statement of the method: the scores shuffled with the same generator calls,
  corrected to the target and argsorted; and together against ``iman_conover`` on the same stream.

Fixed seeds, so every check is deterministic.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import special

from alliance_analytics.core.correlation import argsort_rows, iman_conover, iman_conover_order, reorder_in_place

TARGET = np.array([[1.0, 0.5, -0.3], [0.5, 1.0, 0.2], [-0.3, 0.2, 1.0]])


def awkward_rows(kind: str, rng: np.random.Generator, k: int, n: int) -> np.ndarray:
    """``k`` × ``n`` values of one awkward kind."""
    values = rng.standard_normal((k, n))
    if kind == "ties":
        values = rng.integers(-3, 4, (k, n)).astype(float)
    elif kind == "signed zeros":
        values[:, ::3], values[:, 1::4] = -0.0, 0.0
    elif kind == "one step apart":
        values = rng.choice([-1.0, 1.0], (k, 1)) * (1.0 + rng.integers(0, 40, (k, n)) * np.finfo(float).eps)
    elif kind == "subnormal":
        values *= 1e-310
    elif kind == "not finite" and n > 2:
        values[0, 1], values[-1, 0], values[-1, n // 2] = np.inf, -np.inf, np.nan
    return values


@pytest.mark.parametrize("n", [1, 2, 3, 17, 1000, 32768, 32769])
@pytest.mark.parametrize("kind", ["continuous", "ties", "signed zeros", "one step apart", "subnormal",
                                  "not finite"])
def test_argsort_rows_equals_numpy_argsort(kind, n):
    rng = np.random.default_rng(n)
    values = awkward_rows(kind, rng, 3, n)
    np.testing.assert_array_equal(argsort_rows(values), np.argsort(values, axis=1))


def test_argsort_rows_with_one_near_tie_among_continuous_rows():
    """One row holds two values one step apart (ranked again by argsort), the other rows keep the key order."""
    rng = np.random.default_rng(3)
    values = rng.standard_normal((3, 5000))
    values[1, 10] = np.nextafter(values[1, 20], np.inf)
    order = argsort_rows(values)
    np.testing.assert_array_equal(order, np.argsort(values, axis=1))
    assert np.flatnonzero(order[1] == 10) == np.flatnonzero(order[1] == 20) + 1


def test_the_order_is_the_argsort_of_the_corrected_scores():
    """The method stated directly: shuffled van der Waerden scores, corrected to the target, argsorted."""
    n = 4000
    order = iman_conover_order(n, TARGET, np.random.default_rng(5))
    rng = np.random.default_rng(5)
    scores = special.ndtri(np.arange(1, n + 1) / (n + 1))
    shuffled = np.stack([rng.permutation(scores) for _ in range(3)])
    actual = np.linalg.cholesky(np.corrcoef(shuffled))
    eigenvalues, eigenvectors = np.linalg.eigh(2 * np.sin(np.pi / 6 * TARGET))
    mixing = (eigenvectors * np.sqrt(np.maximum(eigenvalues, 0))) @ np.linalg.inv(actual)
    np.testing.assert_array_equal(order, np.argsort(np.einsum("ij,jn->in", mixing, shuffled), axis=1))


def test_reordering_rows_of_several_arrays_in_place_equals_iman_conover():
    """Rows taken from two arrays, reordered in place, hold what ``iman_conover`` returns on the same stream."""
    rng = np.random.default_rng(6)
    first, second = rng.lognormal(0, 1, (2, 3000)), rng.uniform(0, 5, (1, 3000))
    expected = iman_conover(np.column_stack([first[1], second[0], first[0]]), TARGET, np.random.default_rng(7))
    reorder_in_place([first[1], second[0], first[0]], iman_conover_order(3000, TARGET, np.random.default_rng(7)))
    np.testing.assert_array_equal(np.column_stack([first[1], second[0], first[0]]), expected)


def test_the_order_rejects_an_invalid_target():
    with pytest.raises(ValueError, match="k × k"):
        iman_conover_order(100, np.ones((2, 3)), np.random.default_rng(1))
    with pytest.raises(ValueError, match="more samples than variables"):
        iman_conover_order(3, TARGET, np.random.default_rng(1))
    with pytest.raises(ValueError, match="positive semi-definite"):
        iman_conover_order(100, np.array([[1.0, 0.9, -0.9], [0.9, 1.0, 0.9], [-0.9, 0.9, 1.0]]),
                           np.random.default_rng(1))
