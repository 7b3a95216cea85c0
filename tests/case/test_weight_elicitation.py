"""Weight elicitation (ROC, swing, AHP), checked against independent calculations.

1. Published numbers: rank-order centroid tables, Saaty's drinks example, Saaty's best-city hierarchy.
2. Closed forms: consistent matrices ``m[i, j] = v_i / v_j``, cyclic judgements, geometric means.
3. Every rejection, with a message that names what is wrong.
"""

from __future__ import annotations

import itertools
import re
from fractions import Fraction

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alliance_analytics.case.elicitation import (
    CONSISTENCY_LIMIT,
    RANDOM_INDEX,
    AHPResult,
    ahp_weights,
    combine_pairwise,
    pairwise_matrix,
    rank_order_centroid,
    swing_weights,
)

TOLERANCE = 1e-9

SAATY_SCALE = [Fraction(1, k) for k in range(9, 1, -1)] + [Fraction(k) for k in range(1, 10)]
"""Saaty's fundamental scale 1/9..9, as exact fractions."""

positive_vectors = st.lists(st.floats(min_value=0.1, max_value=10.0), min_size=2, max_size=9).map(np.array)


@st.composite
def reciprocal_matrices(draw, n: int | None = None) -> np.ndarray:
    """A random reciprocal matrix on Saaty's scale (any consistency)."""
    n = draw(st.integers(min_value=1, max_value=9)) if n is None else n
    matrix = np.ones((n, n))
    for i, j in itertools.combinations(range(n), 2):
        value = draw(st.sampled_from(SAATY_SCALE))
        matrix[i, j], matrix[j, i] = float(value), float(1 / value)
    return matrix


def ids(n: int) -> list[str]:
    return [f"c{i}" for i in range(n)]


# --------------------------------------------------------------------------------------------------------
# Rank-order centroid
# --------------------------------------------------------------------------------------------------------

ROC_PUBLISHED = {
    # Barron & Barrett (1996), "Decision quality using ranked attribute weights", Management Science 42(11),
    # table of ROC weights, 4 decimals.
    1: [1.0],
    2: [0.75, 0.25],
    3: [0.6111, 0.2778, 0.1111],
    4: [0.5208, 0.2708, 0.1458, 0.0625],
    5: [0.4567, 0.2567, 0.1567, 0.0900, 0.0400],
}


@pytest.mark.parametrize("n", sorted(ROC_PUBLISHED))
def test_roc_matches_published_values(n):
    order = [f"criterion {position}" for position in range(1, n + 1)]
    weights = rank_order_centroid(order)
    assert list(weights.index) == order
    assert weights.tolist() == pytest.approx(ROC_PUBLISHED[n], abs=5e-5)


@pytest.mark.parametrize("n", range(1, 16))
def test_roc_matches_exact_fractions_sums_to_one_and_decreases(n):
    # Independent calculation in exact arithmetic: w_i = (1/n) · Σ_{k=i..n} 1/k.
    exact = [sum(Fraction(1, k) for k in range(i, n + 1)) / n for i in range(1, n + 1)]
    weights = rank_order_centroid(ids(n))
    assert weights.tolist() == pytest.approx([float(w) for w in exact], rel=1e-12)
    assert weights.sum() == pytest.approx(1.0, abs=1e-12)
    assert (np.diff(weights.to_numpy()) < 0).all()


def test_roc_keeps_the_given_order_not_sorted():
    weights = rank_order_centroid(["zeta", "alpha", "mid"])
    assert list(weights.index) == ["zeta", "alpha", "mid"]
    assert weights["zeta"] > weights["alpha"] > weights["mid"]


@pytest.mark.parametrize(("order", "message"), [
    ([], "at least one criterion"),
    (["a", "b", "a"], "more than once: 'a'"),
])
def test_roc_rejects_bad_rankings(order, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        rank_order_centroid(order)


# --------------------------------------------------------------------------------------------------------
# Swing weights
# --------------------------------------------------------------------------------------------------------

def test_swing_weights_hand_example():
    # Points 100, 50, 25, 0 sum to 175: weights 100/175 = 4/7, 50/175 = 2/7, 25/175 = 1/7, 0.
    weights = swing_weights({"fit": 100, "cost": 50, "risk": 25, "esg": 0})
    assert list(weights.index) == ["fit", "cost", "risk", "esg"]
    assert weights.tolist() == pytest.approx([4 / 7, 2 / 7, 1 / 7, 0.0], abs=1e-15)


@pytest.mark.parametrize(("points", "message"), [
    ({"a": 100, "b": -5}, "non-negative"),
    ({"a": 0, "b": 0}, "not all zero"),
    ({}, "not all zero"),
    ({"a": 100, "b": float("nan")}, "finite"),
    ({"a": float("inf"), "b": 1}, "finite"),
])
def test_swing_weights_reject_bad_points(points, message):
    with pytest.raises(ValueError, match=message):
        swing_weights(points)


# --------------------------------------------------------------------------------------------------------
# AHP against published examples
# --------------------------------------------------------------------------------------------------------

DRINKS = ["Coffee", "Wine", "Tea", "Beer", "Sodas", "Milk", "Water"]
DRINKS_TABLE = [
    [1, 9, 5, 2, 1, 1, Fraction(1, 2)],
    [Fraction(1, 9), 1, Fraction(1, 3), Fraction(1, 9), Fraction(1, 9), Fraction(1, 9), Fraction(1, 9)],
    [Fraction(1, 5), 3, 1, Fraction(1, 3), Fraction(1, 4), Fraction(1, 3), Fraction(1, 9)],
    [Fraction(1, 2), 9, 3, 1, Fraction(1, 2), 1, Fraction(1, 3)],
    [1, 9, 4, 2, 1, 2, Fraction(1, 2)],
    [1, 9, 3, 1, Fraction(1, 2), 1, Fraction(1, 3)],
    [2, 9, 9, 3, 2, 3, 1],
]
DRINKS_PUBLISHED_WEIGHTS = [0.177, 0.019, 0.042, 0.116, 0.190, 0.129, 0.327]
DRINKS_PUBLISHED_CR = 0.022


def test_drinks_table_is_reciprocal():
    # Exact arithmetic: every m[j, i] is exactly 1 / m[i, j].
    for i, j in itertools.product(range(7), repeat=2):
        assert Fraction(DRINKS_TABLE[i][j]) * Fraction(DRINKS_TABLE[j][i]) == 1, (DRINKS[i], DRINKS[j])


def test_saaty_drinks_example():
    """Saaty's "Which drink is consumed more in the U.S.?" example.

    T. L. Saaty (2008), "Decision making with the analytic hierarchy process", Int. J. Services Sciences
    1(1), 83-98, Table 3: the judgement matrix (rows and columns Coffee, Wine, Tea, Beer, Sodas, Milk,
    Water), the derived priorities .177, .019, .042, .116, .190, .129, .327 and C.R. = 0.022. The same
    matrix and numbers are used, citing this paper, in the test suite of the AHPy package
    (github.com/PhilipGriffith/AHPy, tests/test_ahp.py). The matrix is entered here as its upper-triangle
    judgements, so the test also checks that ``pairwise_matrix`` rebuilds the published table.
    """
    judgements = [(DRINKS[i], DRINKS[j], DRINKS_TABLE[i][j]) for i, j in itertools.combinations(range(7), 2)]
    matrix = pairwise_matrix(DRINKS, judgements)
    np.testing.assert_allclose(matrix, np.array(DRINKS_TABLE, dtype=float), rtol=1e-15)
    result = ahp_weights(matrix, DRINKS)
    assert list(result.weights.index) == DRINKS
    assert result.weights.round(3).tolist() == DRINKS_PUBLISHED_WEIGHTS
    assert round(result.consistency_ratio, 3) == DRINKS_PUBLISHED_CR
    assert result.consistency_ratio == pytest.approx(result.consistency_index / 1.32, rel=1e-12)
    assert result.consistent and result.warning is None


def test_saaty_best_city_hierarchy():
    """Saaty's best-city example: five criteria, four cities, synthesised priorities .229, .275, .385, .111.

    Matrices and synthesised priorities as transcribed, citing T. L. Saaty (2005), *Theory and
    Applications of the Analytic Network Process*, in the test suite of the AHPy package
    (github.com/PhilipGriffith/AHPy, tests/test_ahp.py, ``test_cities_weights_saaty_precision_3``); the
    book itself was not checked. The synthesis (city weights under each criterion, weighted by the
    criterion weights) is done here, not by the package.
    """
    criteria = ["Culture", "Family", "Housing", "Jobs", "Transportation"]
    cities = ["Bethesda", "Boston", "Pittsburgh", "Santa Fe"]
    criterion_judgements = [
        ("Culture", "Housing", 3), ("Culture", "Transportation", 5), ("Family", "Culture", 5),
        ("Family", "Housing", 7), ("Family", "Transportation", 7), ("Housing", "Transportation", 3),
        ("Jobs", "Culture", 2), ("Jobs", "Housing", 4), ("Jobs", "Transportation", 7), ("Family", "Jobs", 1),
    ]
    city_judgements = {
        "Culture": [("Bethesda", "Pittsburgh", 1), ("Boston", "Bethesda", 2), ("Boston", "Pittsburgh", 2.5),
                    ("Boston", "Santa Fe", 1), ("Santa Fe", "Bethesda", 2), ("Santa Fe", "Pittsburgh", 2.5)],
        "Family": [("Bethesda", "Boston", 2), ("Bethesda", "Santa Fe", 4), ("Boston", "Santa Fe", 2),
                   ("Pittsburgh", "Bethesda", 3), ("Pittsburgh", "Boston", 8), ("Pittsburgh", "Santa Fe", 9)],
        "Housing": [("Bethesda", "Boston", 5), ("Bethesda", "Santa Fe", 2.5), ("Pittsburgh", "Bethesda", 2),
                    ("Pittsburgh", "Boston", 9), ("Pittsburgh", "Santa Fe", 7), ("Santa Fe", "Boston", 4)],
        "Jobs": [("Bethesda", "Pittsburgh", 3), ("Bethesda", "Santa Fe", 4), ("Boston", "Bethesda", 2),
                 ("Boston", "Pittsburgh", 6), ("Boston", "Santa Fe", 8), ("Pittsburgh", "Santa Fe", 1)],
        "Transportation": [("Bethesda", "Boston", 1.5), ("Bethesda", "Santa Fe", 4), ("Boston", "Santa Fe", 2.5),
                           ("Pittsburgh", "Bethesda", 2), ("Pittsburgh", "Boston", 3.5),
                           ("Pittsburgh", "Santa Fe", 9)],
    }
    criterion_weights = ahp_weights(pairwise_matrix(criteria, criterion_judgements), criteria).weights
    local = pd.DataFrame({
        criterion: ahp_weights(pairwise_matrix(cities, judgements), cities).weights
        for criterion, judgements in city_judgements.items()
    })
    overall = local.mul(criterion_weights, axis=1).sum(axis=1)
    assert overall.round(3).to_dict() == {"Bethesda": 0.229, "Boston": 0.275, "Pittsburgh": 0.385, "Santa Fe": 0.111}


# --------------------------------------------------------------------------------------------------------
# AHP closed forms and invariants
# --------------------------------------------------------------------------------------------------------

@settings(max_examples=200, deadline=None)
@given(v=positive_vectors)
def test_consistent_matrix_gives_v_over_sum_and_zero_inconsistency(v):
    # m[i, j] = v_i / v_j has rank one: m v = n v, so the weights are v / Σv, λmax = n, CI = CR = 0.
    n = len(v)
    result = ahp_weights(v[:, None] / v[None, :], ids(n))
    np.testing.assert_allclose(result.weights.to_numpy(), v / v.sum(), rtol=1e-9)
    assert result.lambda_max == pytest.approx(n, abs=TOLERANCE)
    assert result.consistency_index == pytest.approx(0.0, abs=TOLERANCE)
    assert result.consistency_ratio == pytest.approx(0.0, abs=TOLERANCE)
    assert result.consistent and result.warning is None


@pytest.mark.parametrize("a", [1 / 9, 1 / 3, 1.0, 2.0, 7.5])
def test_two_criteria_closed_form(a):
    # [[1, a], [1/a, 1]] is always consistent: weights a/(1+a), 1/(1+a); λmax = 2; CR defined as 0.
    result = ahp_weights(np.array([[1.0, a], [1.0 / a, 1.0]]), ["x", "y"])
    assert result.weights.tolist() == pytest.approx([a / (1 + a), 1 / (1 + a)], rel=1e-12)
    assert result.lambda_max == pytest.approx(2.0, abs=TOLERANCE)
    assert result.consistency_ratio == 0.0


def test_single_criterion():
    result = ahp_weights(np.array([[1.0]]), ["only"])
    assert result.weights.to_dict() == {"only": 1.0}
    assert (result.lambda_max, result.consistency_index, result.consistency_ratio) == (1.0, 0.0, 0.0)


@settings(max_examples=200, deadline=None)
@given(matrix=reciprocal_matrices())
def test_weights_are_the_positive_principal_eigenvector(matrix):
    # Checked through the eigen-equation itself, not through numpy's eigen-solver: m w = λmax w, w > 0,
    # Σw = 1, λmax >= n (Perron–Frobenius for positive reciprocal matrices), CR = CI / RI[n].
    n = len(matrix)
    result = ahp_weights(matrix, ids(n))
    w = result.weights.to_numpy()
    assert (w > 0).all()
    assert w.sum() == pytest.approx(1.0, abs=1e-12)
    np.testing.assert_allclose(matrix @ w, result.lambda_max * w, rtol=1e-8)
    assert result.lambda_max >= n - TOLERANCE
    if n >= 3:
        assert result.consistency_ratio == pytest.approx(result.consistency_index / RANDOM_INDEX[n], rel=1e-12)


def test_cyclic_judgements_are_inconsistent():
    # A ≻ B 9, B ≻ C 9, C ≻ A 9: the matrix is circulant, so the principal eigenvector is (1, 1, 1) / 3
    # with λmax = 1 + 9 + 1/9; CI = (λmax − 3) / 2 = 3.5556 and CR = CI / 0.58 = 6.13.
    matrix = pairwise_matrix(["A", "B", "C"], [("A", "B", 9), ("B", "C", 9), ("C", "A", 9)])
    result = ahp_weights(matrix, ["A", "B", "C"])
    lambda_max = 1 + 9 + 1 / 9
    assert result.weights.tolist() == pytest.approx([1 / 3] * 3, rel=1e-9)
    assert result.lambda_max == pytest.approx(lambda_max, rel=1e-12)
    assert result.consistency_ratio == pytest.approx((lambda_max - 3) / 2 / 0.58, rel=1e-12)
    assert result.consistency_ratio > CONSISTENCY_LIMIT
    assert not result.consistent
    assert f"{result.consistency_ratio:.3f}" in result.warning
    assert "0.10" in result.warning


@pytest.mark.parametrize(("ratio", "consistent"), [(0.0, True), (0.0999, True), (0.10, True), (0.1001, False)])
def test_consistency_limit_is_inclusive(ratio, consistent):
    result = AHPResult(weights=pd.Series({"a": 1.0}), lambda_max=1.0, consistency_index=0.0, consistency_ratio=ratio)
    assert result.consistent is consistent
    assert (result.warning is None) is consistent


def test_random_index_covers_sizes_1_to_15():
    assert sorted(RANDOM_INDEX) == list(range(1, 16))
    assert RANDOM_INDEX[1] == RANDOM_INDEX[2] == 0.0


# --------------------------------------------------------------------------------------------------------
# Combining evaluators' matrices
# --------------------------------------------------------------------------------------------------------

def test_combine_hand_example():
    # Three evaluators say a is 2, 4 and 8 times as important as b: geometric mean (2·4·8)^(1/3) = 4.
    matrices = [pairwise_matrix(["a", "b"], [("a", "b", value)]) for value in (2, 4, 8)]
    np.testing.assert_allclose(combine_pairwise(matrices), [[1.0, 4.0], [0.25, 1.0]], rtol=1e-12)


@given(matrix=reciprocal_matrices())
def test_combining_a_matrix_with_its_opposite_gives_indifference(matrix):
    # The opposite evaluator judges every pair the other way round: that matrix is mᵀ = 1/m element-wise, and
    # sqrt(m[i, j] · 1/m[i, j]) = 1, so every pair ends up equal and every weight 1/n.
    combined = combine_pairwise([matrix, matrix.T])
    np.testing.assert_allclose(combined, np.ones_like(matrix), rtol=1e-12)
    n = len(matrix)
    assert ahp_weights(combined, ids(n)).weights.tolist() == pytest.approx([1 / n] * n, rel=1e-9)


@settings(max_examples=100, deadline=None)
@given(pair=st.integers(min_value=2, max_value=9).flatmap(
    lambda n: st.tuples(*[st.lists(st.floats(min_value=0.1, max_value=10.0), min_size=n, max_size=n)] * 2)))
def test_combining_consistent_matrices_gives_the_geometric_mean_vector(pair):
    # sqrt((v_i / v_j) · (u_i / u_j)) = sqrt(v_i u_i) / sqrt(v_j u_j): consistent, weights ∝ sqrt(v · u).
    v, u = (np.array(values) for values in pair)
    combined = combine_pairwise([v[:, None] / v[None, :], u[:, None] / u[None, :]])
    expected = np.sqrt(v * u)
    np.testing.assert_allclose(combined, expected[:, None] / expected[None, :], rtol=1e-12)
    result = ahp_weights(combined, ids(len(v)))
    np.testing.assert_allclose(result.weights.to_numpy(), expected / expected.sum(), rtol=1e-9)


@settings(max_examples=100, deadline=None)
@given(data=st.data(), n=st.integers(min_value=1, max_value=9), evaluators=st.integers(min_value=1, max_value=5))
def test_combined_matrix_is_reciprocal_and_identical_matrices_are_kept(data, n, evaluators):
    matrices = [data.draw(reciprocal_matrices(n)) for _ in range(evaluators)]
    combined = combine_pairwise(matrices)
    np.testing.assert_allclose(combined * combined.T, np.ones((n, n)), rtol=1e-12)
    np.testing.assert_allclose(np.diag(combined), np.ones(n), rtol=1e-15)
    ahp_weights(combined, ids(n))  # accepted as a reciprocal matrix
    np.testing.assert_allclose(combine_pairwise([matrices[0]] * evaluators), matrices[0], rtol=1e-12)


@pytest.mark.parametrize(("matrices", "message"), [
    ([], "no matrices"),
    ([np.ones((2, 2)), np.ones((3, 3))], "same size"),
    ([np.ones((2, 2)), np.array([[1.0, 2.0], [2.0, 1.0]])], "matrix 1 is not reciprocal at (0, 1)"),
    ([np.array([[1.0, -2.0], [-0.5, 1.0]])], "matrix 0 entry (0, 1) is -2.0;"),
    ([np.ones((2, 3))], "matrix 0 must be square"),
])
def test_combine_rejects_bad_matrices(matrices, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        combine_pairwise(matrices)


# --------------------------------------------------------------------------------------------------------
# Rejections
# --------------------------------------------------------------------------------------------------------

ABC = ["a", "b", "c"]


@pytest.mark.parametrize(("criteria", "comparisons", "message"), [
    (ABC, [("a", "b", 2), ("a", "zeta", 3), ("b", "c", 1)], "('a', 'zeta') names unknown criterion 'zeta'"),
    (ABC, [("a", "b", 2), ("a", "c", 3), ("b", "c", 1), ("a", "b", 5)], "pair ('a', 'b') is judged more than once"),
    (ABC, [("a", "b", 2), ("a", "c", 3), ("b", "c", 1), ("c", "b", 1)], "pair ('c', 'b') is judged more than once"),
    (ABC, [("a", "a", 1)], "('a', 'a') compares a criterion with itself"),
    (ABC, [("a", "b", 0)], "('a', 'b') has value 0.0"),
    (ABC, [("b", "c", -3)], "('b', 'c') has value -3.0"),
    (ABC, [("a", "c", float("nan"))], "('a', 'c') has value nan"),
    (ABC, [("a", "c", float("inf"))], "('a', 'c') has value inf"),
    (ABC, [("a", "b", 2), ("c", "a", 3)], "missing: ('b', 'c')"),
    (ABC, [], "missing: ('a', 'b'), ('a', 'c'), ('b', 'c')"),
    (["a", "b", "a"], [], "more than once: 'a'"),
    ([], [], "at least one criterion"),
])
def test_pairwise_matrix_rejections(criteria, comparisons, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        pairwise_matrix(criteria, comparisons)


def test_pairwise_matrix_accepts_values_off_saaty_scale():
    matrix = pairwise_matrix(["a", "b"], [("a", "b", 12.5)])
    assert matrix.tolist() == [[1.0, 12.5], [0.08, 1.0]]


@pytest.mark.parametrize(("matrix", "criteria", "message"), [
    (np.ones((2, 3)), ["a", "b"], "must be square; got shape (2, 3)"),
    (np.ones(3), ABC, "must be square; got shape (3,)"),
    (np.ones((3, 3)), ["a", "b"], "is 3 × 3 but there are 2 criteria"),
    (np.array([[1.0, 0.0], [np.inf, 1.0]]), ["a", "b"], "entry ('a', 'b') is 0.0;"),
    (np.array([[1.0, 2.0], [-0.5, 1.0]]), ["a", "b"], "entry ('b', 'a') is -0.5;"),
    (np.array([[1.0, 3.0, 1.0], [0.33, 1.0, 1.0], [1.0, 1.0, 1.0]]), ABC, "not reciprocal at ('a', 'b')"),
    (np.array([[2.0, 1.0], [1.0, 1.0]]), ["a", "b"], "not reciprocal at ('a', 'a')"),
    (np.ones((16, 16)), ids(16), "16 criteria is too many"),
    (np.ones((2, 2)), ["a", "a"], "more than once: 'a'"),
])
def test_ahp_weights_rejections(matrix, criteria, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        ahp_weights(matrix, criteria)


def test_reciprocity_tolerance_is_relative_1e9():
    ahp_weights(np.array([[1.0, 3.0], [(1 + 5e-10) / 3, 1.0]]), ["a", "b"])
    with pytest.raises(ValueError, match="not reciprocal"):
        ahp_weights(np.array([[1.0, 3.0], [(1 + 5e-9) / 3, 1.0]]), ["a", "b"])
