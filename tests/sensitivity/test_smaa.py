"""SMAA-2 (``alliance_analytics.sensitivity.smaa``) checked against independent calculations.

- The weight samplers against closed forms: Dirichlet(1, …, 1) marginals, the rank-order centroid and the
  distributions of the smallest and largest weight for ordinal weights, and exact uniform samples (by
  rejection from numpy's own Dirichlet sampler) for hit-and-run on an interval polytope.
- The indices against hand calculations (two candidates, two criteria) and against a straightforward loop
  that ranks one sample at a time, also on the ranking's corner cases: exact ties, fits a rounding step
  apart, zero fits, fits of both signs, more than 256 candidates.
- Invariants (acceptabilities sum to 1, pairwise winning indices complement each other, dominated
  candidates never win) and reproducibility (same seed, any chunk size: bit-identical results).

Statistical checks use fixed seeds, so they are deterministic; their tolerances are 4 standard errors or
p > 0.001.
"""

from __future__ import annotations

import json
from math import comb

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from alliance_analytics.sensitivity.smaa import (
    RNG_BLOCK,
    resample_scores,
    sample_interval_weights,
    sample_ordinal_weights,
    sample_uniform_weights,
    smaa,
)

ALPHA = 0.001


def uniform(k: int):
    """A weight sampler for ``smaa``: uniform weights over ``k`` criteria."""
    return lambda rng, m: sample_uniform_weights(rng, m, k)


def replay(samples: np.ndarray):
    """A sampler that returns the given samples (for runs of at most one RNG block)."""
    return lambda rng, m: samples[:m]


def ids(prefix: str, count: int) -> list[str]:
    return [f"{prefix}{number}" for number in range(count)]


def loop_reference(weights: np.ndarray, score_samples: np.ndarray) -> dict[str, np.ndarray]:
    """Rank one sample at a time: rank counts, first-place weight sums and pairwise wins."""
    n = score_samples.shape[1]
    rank_counts = np.zeros((n, n), dtype=np.int64)
    weight_sums = np.zeros((n, weights.shape[1]))
    wins = np.zeros((n, n), dtype=np.int64)
    for w, scores in zip(weights, score_samples):
        order = np.argsort(-(scores * w).sum(axis=1), kind="stable")
        ranks = np.empty(n, dtype=np.int64)
        ranks[order] = np.arange(n)
        rank_counts[order, np.arange(n)] += 1
        weight_sums[order[0]] += w
        wins += ranks[:, None] < ranks[None, :]
    return {"rank_counts": rank_counts, "weight_sums": weight_sums, "wins": wins}


def assert_counts_match(result, expected: dict[str, np.ndarray], samples: int) -> None:
    """Rank acceptability and pairwise winning indices equal the shares of :func:`loop_reference` exactly."""
    np.testing.assert_array_equal(result.rank_acceptability.to_numpy(), expected["rank_counts"] / samples)
    off_diagonal = ~np.eye(len(expected["wins"]), dtype=bool)
    np.testing.assert_array_equal(result.pairwise_winning.to_numpy()[off_diagonal],
                                  (expected["wins"] / samples)[off_diagonal])


# --------------------------------------------------------------------------------------------------------
# Weight samplers
# --------------------------------------------------------------------------------------------------------

def test_uniform_weights_have_dirichlet_marginals():
    k, n = 4, 40_000
    weights = sample_uniform_weights(np.random.default_rng(1), n, k)
    assert weights.shape == (n, k)
    assert np.all(weights >= 0)
    np.testing.assert_allclose(weights.sum(axis=1), 1, atol=1e-12)
    beta = stats.beta(1, k - 1)
    variance = (k - 1) / (k**2 * (k + 1))
    for column in weights.T:
        assert stats.kstest(column, beta.cdf).pvalue > ALPHA
        assert abs(column.mean() - 1 / k) < 4 * np.sqrt(variance / n)
        assert column.var() == pytest.approx(variance, rel=0.03)


def test_the_marginal_check_rejects_normalised_independent_uniforms():
    """The KS check above has power: normalising independent uniforms (a common mistake) fails it."""
    k, n = 4, 40_000
    raw = np.random.default_rng(1).random((n, k))
    wrong = raw / raw.sum(axis=1, keepdims=True)
    assert stats.kstest(wrong[:, 0], stats.beta(1, k - 1).cdf).pvalue < 1e-6


def test_uniform_weights_edge_cases():
    rng = np.random.default_rng(2)
    np.testing.assert_array_equal(sample_uniform_weights(rng, 3, 1), np.ones((3, 1)))
    two = sample_uniform_weights(rng, 20_000, 2)
    assert stats.kstest(two[:, 0], stats.uniform().cdf).pvalue > ALPHA
    assert sample_uniform_weights(rng, 0, 3).shape == (0, 3)
    with pytest.raises(ValueError):
        sample_uniform_weights(rng, 3, 0)


def test_ordinal_weights_respect_the_order_and_are_uniform_within_it():
    order, n = [2, 0, 3, 1], 40_000
    k = len(order)
    weights = sample_ordinal_weights(np.random.default_rng(3), n, order)
    np.testing.assert_allclose(weights.sum(axis=1), 1, atol=1e-12)
    by_importance = weights[:, order]
    assert np.all(np.diff(by_importance, axis=1) <= 0)
    # Mean of the i-th largest weight: the rank-order centroid (1/k)·Σ_{j=i..k} 1/j.
    centroid = [sum(1 / j for j in range(i, k + 1)) / k for i in range(1, k + 1)]
    for column, expected in zip(by_importance.T, centroid):
        assert abs(column.mean() - expected) < 4 * column.std() / np.sqrt(n)
    # Sorting does not change the smallest and largest weight of a uniform point on the simplex, whose
    # distributions are known: P(min > t) = (1 − k·t)^(k−1), P(max ≤ t) = Σ_j (−1)^j C(k, j) (1 − j·t)₊^(k−1).
    def smallest_cdf(t):
        return 1 - np.clip(1 - k * t, 0, None) ** (k - 1)

    def largest_cdf(t):
        return sum((-1) ** j * comb(k, j) * np.clip(1 - j * t, 0, None) ** (k - 1) for j in range(k + 1))

    assert stats.kstest(by_importance[:, -1], smallest_cdf).pvalue > ALPHA
    assert stats.kstest(by_importance[:, 0], largest_cdf).pvalue > ALPHA


def test_ordinal_weights_reject_an_order_that_is_not_a_permutation():
    with pytest.raises(ValueError):
        sample_ordinal_weights(np.random.default_rng(0), 5, [0, 0, 1])
    with pytest.raises(ValueError):
        sample_ordinal_weights(np.random.default_rng(0), 5, [1, 2, 3])


LOWER = np.array([0.05, 0.1, 0.0, 0.15])
UPPER = np.array([0.6, 0.45, 0.35, 0.7])
START = np.array([0.3, 0.25, 0.15, 0.3])


def test_interval_weights_match_exact_uniform_samples_of_the_polytope():
    """Two-sample KS of every marginal against rejection sampling from numpy's Dirichlet(1, …, 1)."""
    exact = np.random.default_rng(100).dirichlet(np.ones(4), 400_000)
    exact = exact[np.all((exact >= LOWER) & (exact <= UPPER), axis=1)]
    assert len(exact) > 50_000
    weights = sample_interval_weights(np.random.default_rng(4), 6000, LOWER, UPPER, START, burn_in=300,
                                      chains=2000)
    for column, reference in zip(weights.T, exact.T):
        assert stats.ks_2samp(column, reference).pvalue > ALPHA


def test_interval_weights_on_a_segment_are_uniform_on_it():
    """With two criteria the polytope is the segment w₁ ∈ [max(l₁, 1 − u₂), min(u₁, 1 − l₂)]."""
    lower, upper = np.array([0.2, 0.1]), np.array([0.7, 0.6])
    weights = sample_interval_weights(np.random.default_rng(5), 5000, lower, upper, np.array([0.5, 0.5]),
                                      burn_in=100)
    low, high = max(lower[0], 1 - upper[1]), min(upper[0], 1 - lower[1])
    assert (low, high) == (0.4, 0.7)
    assert stats.kstest(weights[:, 0], stats.uniform(low, high - low).cdf).pvalue > ALPHA
    np.testing.assert_allclose(weights.sum(axis=1), 1, atol=1e-12)


@pytest.mark.parametrize("half_width", [0.05, 1e-3, 1e-6])
def test_interval_weights_stay_within_tight_bounds(half_width):
    centre = np.array([0.3, 0.25, 0.2, 0.15, 0.1])
    lower, upper = centre - half_width, centre + half_width
    weights = sample_interval_weights(np.random.default_rng(6), 3000, lower, upper, centre, burn_in=100)
    assert weights.shape == (3000, 5)
    assert np.all(weights >= lower) and np.all(weights <= upper)
    np.testing.assert_allclose(weights.sum(axis=1), 1, atol=1e-12)
    assert np.all(weights.std(axis=0) > 0)


def test_interval_weights_keep_a_fixed_criterion_and_start_on_the_boundary():
    lower, upper = np.array([0.2, 0.0, 0.0]), np.array([0.2, 0.8, 0.8])
    weights = sample_interval_weights(np.random.default_rng(7), 2000, lower, upper, np.array([0.2, 0.8, 0.0]),
                                      burn_in=50)
    np.testing.assert_array_equal(weights[:, 0], 0.2)
    assert stats.kstest(weights[:, 1], stats.uniform(0.0, 0.8).cdf).pvalue > ALPHA
    single = sample_interval_weights(np.random.default_rng(7), 4, np.array([0.3, 0.7]), np.array([0.3, 0.7]),
                                     np.array([0.3, 0.7]))
    np.testing.assert_array_equal(single, [[0.3, 0.7]] * 4)


@pytest.mark.parametrize(("lower", "upper", "start"), [
    ([0.5, 0.6], [0.9, 0.9], [0.5, 0.5]),    # Σlower > 1
    ([0.0, 0.0], [0.4, 0.5], [0.4, 0.5]),    # Σupper < 1
    ([0.1, 0.1], [0.9, 0.9], [0.95, 0.05]),  # start outside the bounds
    ([0.1, 0.1], [0.9, 0.9], [0.5, 0.6]),    # start does not sum to 1
    ([0.6, 0.1], [0.5, 0.9], [0.5, 0.5]),    # lower > upper
])
def test_interval_weights_reject_infeasible_input(lower, upper, start):
    with pytest.raises(ValueError):
        sample_interval_weights(np.random.default_rng(0), 5, np.array(lower), np.array(upper), np.array(start))


# --------------------------------------------------------------------------------------------------------
# Score resampling
# --------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("method", ["mean", "median", "geometric"])
def test_resampling_agreeing_or_single_evaluators_gives_the_score(method):
    scores = np.array([[[3.0, 3.0, 3.0], [4.0, np.nan, np.nan]],
                       [[np.nan, 2.0, np.nan], [5.0, 5.0, np.nan]]])
    samples = resample_scores(np.random.default_rng(8), scores, 500, method)
    assert samples.shape == (500, 2, 2)
    np.testing.assert_allclose(samples, np.broadcast_to([[3.0, 4.0], [2.0, 5.0]], samples.shape), rtol=1e-15)


def test_resampled_means_average_to_the_mean_with_the_bootstrap_variance():
    values = np.array([1.0, 2.0, 4.0, 5.0])
    scores = np.array([[[*values, np.nan]]])
    n = 40_000
    means = resample_scores(np.random.default_rng(9), scores, n, "mean")[:, 0, 0]
    bootstrap_variance = values.var() / len(values)
    assert abs(means.mean() - values.mean()) < 4 * np.sqrt(bootstrap_variance / n)
    assert means.var() == pytest.approx(bootstrap_variance, rel=0.03)


def test_resampled_medians_follow_the_multinomial_distribution():
    """Of three scores {1, 2, 5} resampled, the median is 1 when at least two draws are 1: 7/27."""
    scores = np.array([[[5.0, 1.0, np.nan, 2.0]]])
    n = 40_000
    medians = resample_scores(np.random.default_rng(10), scores, n, "median")[:, 0, 0]
    assert set(np.unique(medians)) == {1.0, 2.0, 5.0}
    for value, probability in ((1.0, 7 / 27), (2.0, 13 / 27), (5.0, 7 / 27)):
        share = np.mean(medians == value)
        assert abs(share - probability) < 4 * np.sqrt(probability * (1 - probability) / n)
    even = resample_scores(np.random.default_rng(10), np.array([[[1.0, 3.0]]]), 2000, "median")
    assert set(np.unique(even)) == {1.0, 2.0, 3.0}


def test_resampled_geometric_means_are_geometric_means_of_a_resample():
    scores = np.array([[[2.0, 8.0]]])
    samples = resample_scores(np.random.default_rng(11), scores, 2000, "geometric")[:, 0, 0]
    np.testing.assert_allclose(np.unique(samples), [2.0, 4.0, 8.0], rtol=1e-12)


def test_resampling_rejects_bad_input():
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match="at least one"):
        resample_scores(rng, np.array([[[np.nan, np.nan]]]), 5, "mean")
    with pytest.raises(ValueError, match="positive"):
        resample_scores(rng, np.array([[[0.0, 2.0]]]), 5, "geometric")
    with pytest.raises(ValueError, match="unknown"):
        resample_scores(rng, np.array([[[1.0]]]), 5, "mode")
    with pytest.raises(ValueError, match="evaluators"):
        resample_scores(rng, np.array([[1.0]]), 5, "mean")


# --------------------------------------------------------------------------------------------------------
# SMAA indices
# --------------------------------------------------------------------------------------------------------

def test_two_candidates_two_criteria_match_the_closed_form():
    """A = (5, 1), B = (2, 3), w = (w₁, 1 − w₁), w₁ ~ U(0, 1).

    A beats B iff 5w₁ + (1 − w₁) > 2w₁ + 3(1 − w₁) ⇔ 5w₁ > 2 ⇔ w₁ > 0.4, so b_A¹ = 0.6, the central weight
    of A is the mean of U(0.4, 1) = (1 + 0.4)/2 = 0.7 and that of B the mean of U(0, 0.4) = 0.2.
    """
    n = 40_000
    result = smaa(np.array([[5.0, 1.0], [2.0, 3.0]]), uniform(2), n, 12, ["A", "B"], ["c1", "c2"])
    first = result.rank_acceptability.loc["A", 1]
    assert abs(first - 0.6) < 4 * np.sqrt(0.6 * 0.4 / n)
    assert result.standard_error.loc["A", 1] == pytest.approx(np.sqrt(first * (1 - first) / n))
    for candidate, share, mean_w1 in (("A", first, 0.7), ("B", 1 - first, 0.2)):
        w1 = result.central_weights.loc[candidate]
        assert abs(w1["c1"] - mean_w1) < 4 * (0.6 if candidate == "A" else 0.4) / np.sqrt(12 * n * share)
        assert w1.sum() == pytest.approx(1)
    assert result.pairwise_winning.loc["A", "B"] == first
    assert result.pairwise_winning.loc["B", "A"] == result.rank_acceptability.loc["B", 1]
    assert result.confidence.tolist() == [1.0, 1.0]
    assert result.holistic_acceptability["A"] == first


def test_acceptabilities_sum_to_one_and_dominated_candidates_never_win():
    rng = np.random.default_rng(13)
    scores = rng.uniform(2, 5, (6, 4))
    scores = np.vstack([scores, scores.min(axis=0) - 0.5])  # dominated by every other candidate
    result = smaa(scores, uniform(4), 20_000, 14, ids("C", 7), ids("k", 4))
    table = result.rank_acceptability
    assert list(table.columns) == list(range(1, 8))
    np.testing.assert_allclose(table.sum(axis=1), 1, atol=1e-12)
    np.testing.assert_allclose(table.sum(axis=0), 1, atol=1e-12)
    assert table.loc["C6", 1] == 0.0
    assert table.loc["C6", 7] == 1.0
    assert result.central_weights.loc["C6"].isna().all()
    assert np.isnan(result.confidence["C6"])
    winners = table[1] > 0
    assert result.central_weights[winners].notna().all().all()
    np.testing.assert_allclose(result.central_weights[winners].sum(axis=1), 1, atol=1e-12)
    meta_weights = np.array([6, 5, 4, 3, 2, 1, 0]) / 6
    np.testing.assert_allclose(result.holistic_acceptability, table.to_numpy() @ meta_weights, atol=1e-15)
    np.testing.assert_allclose(result.holistic_acceptability, result.pairwise_winning.mean(axis=1), atol=1e-12)
    np.testing.assert_allclose(result.standard_error, np.sqrt(table * (1 - table) / 20_000))


def test_pairwise_winning_indices_complement_each_other():
    rng = np.random.default_rng(15)
    scores = rng.integers(1, 4, (9, 3)).astype(float)
    scores[5] = scores[1]  # an exact tie in every sample: the earlier candidate ranks above
    result = smaa(scores, uniform(3), 15_000, 16, ids("C", 9), ids("k", 3))
    table = result.pairwise_winning.to_numpy()
    assert np.isnan(np.diag(table)).all()
    off_diagonal = ~np.eye(9, dtype=bool)
    np.testing.assert_allclose((table + table.T)[off_diagonal], 1, atol=1e-15)
    assert result.pairwise_winning.loc["C1", "C5"] == 1.0
    assert result.rank_acceptability.loc["C5", 1] == 0.0


@pytest.mark.parametrize("with_scores", [False, True])
def test_smaa_matches_a_loop_that_ranks_one_sample_at_a_time(with_scores):
    rng = np.random.default_rng(17)
    n, k, evaluators, samples = 6, 3, 3, 3000
    evaluator_scores = rng.integers(1, 6, (n, k, evaluators)).astype(float)
    evaluator_scores[4] = evaluator_scores[2]  # identical candidates tie exactly
    fixed = evaluator_scores.mean(axis=2)
    weights = sample_ordinal_weights(rng, samples, [1, 0, 2])
    score_samples = (resample_scores(rng, evaluator_scores, samples, "mean") if with_scores
                     else np.broadcast_to(fixed, (samples, n, k)))
    result = smaa(fixed, replay(weights), samples, 0, ids("C", n), ids("k", k),
                  score_sampler=replay(score_samples) if with_scores else None)
    expected = loop_reference(weights, score_samples)
    assert_counts_match(result, expected, samples)
    firsts = expected["rank_counts"][:, :1]
    with np.errstate(invalid="ignore"):
        central = expected["weight_sums"] / firsts
    np.testing.assert_allclose(result.central_weights.to_numpy(), central, rtol=1e-12, equal_nan=True)
    if with_scores:  # the replayed score samples serve the confidence pass too
        for candidate in np.flatnonzero(firsts[:, 0]):
            fit = score_samples @ result.central_weights.to_numpy()[candidate]
            share = np.mean(np.argmax(fit, axis=1) == candidate)
            assert result.confidence.iloc[candidate] == pytest.approx(share, abs=1e-12)


@pytest.mark.parametrize(("n", "samples"), [(1, 7), (2, 1001), (9, 1003), (10, 2042)])
def test_sample_counts_off_the_tallies_groups_match_the_loop(n, samples):
    """Samples are compared four at a time and their one-byte counts emptied every 252 samples; counts that
    end a group or a batch of rows early (1001 = 4·250 + 1, 2042 samples of 10 candidates: one batch of 2040
    rows and two more) and one or two candidates still equal the loop's."""
    rng = np.random.default_rng(n)
    scores = rng.uniform(1, 5, (n, 4))
    weights = sample_uniform_weights(rng, samples, 4)
    result = smaa(scores, replay(weights), samples, 0, ids("C", n), ids("k", 4))
    assert_counts_match(result, loop_reference(weights, np.broadcast_to(scores, (samples, n, 4))), samples)


def test_near_ties_and_equal_fits_rank_as_a_stable_sort_of_the_fits():
    """Fits one rounding step apart rank by value; equal fits, zeros too, rank in candidate order.

    The ranking sorts integer keys whose lowest bits hold the candidate index instead of the fit's own, so
    fits a step apart can get keys that differ only there; such rows are ranked again by their fits. C3 scores
    one step above C1 on a criterion, so its fit is equal to C1's (C1 ahead) or a step higher (C3 ahead).
    """
    scores = np.array([[0.0, 0.0], [3.0, 2.0], [-0.0, -0.0], [np.nextafter(3.0, np.inf), 2.0], [1.0, 4.0],
                       [2.0, 2.5]])
    samples = 4000
    weights = sample_uniform_weights(np.random.default_rng(30), samples, 2)
    result = smaa(scores, replay(weights), samples, 0, ids("C", 6), ids("k", 2))
    assert_counts_match(result, loop_reference(weights, np.broadcast_to(scores, (samples, 6, 2))), samples)
    assert 0 < result.pairwise_winning.loc["C3", "C1"] < 1
    assert result.pairwise_winning.loc["C0", "C2"] == 1.0


@pytest.mark.parametrize("lowest_score", [1.0, -5.0])
def test_more_than_256_candidates_over_several_blocks_match_the_loop(lowest_score):
    """Continuous scores (no ties), fits all positive or of both signs (two ways of building the sort keys);
    ranks of over 256 candidates take two bytes; 2500 samples fill the pairwise block more than once."""
    rng = np.random.default_rng(31)
    n, k, samples = 260, 3, 2500
    scores = rng.uniform(lowest_score, 5, (n, k))
    weights = sample_uniform_weights(rng, samples, k)
    result = smaa(scores, replay(weights), samples, 0, ids("C", n), ids("k", k))
    assert_counts_match(result, loop_reference(weights, np.broadcast_to(scores, (samples, n, k))), samples)


def test_confidence_with_fixed_scores_is_one_for_every_possible_winner():
    scores = np.random.default_rng(18).uniform(1, 5, (12, 5))
    result = smaa(scores, uniform(5), 10_000, 19, ids("C", 12), ids("k", 5))
    can_win = result.rank_acceptability[1] > 0
    assert can_win.sum() >= 2
    assert (result.confidence[can_win] == 1.0).all()
    assert result.confidence[~can_win].isna().all()


def test_confidence_with_uncertain_scores_lies_between_zero_and_one():
    rng = np.random.default_rng(20)
    evaluator_scores = rng.integers(1, 6, (5, 3, 4)).astype(float)
    result = smaa(evaluator_scores.mean(axis=2), uniform(3), 12_000, 21, ids("C", 5), ids("k", 3),
                  score_sampler=lambda generator, m: resample_scores(generator, evaluator_scores, m, "median"))
    known = result.confidence.dropna()
    assert len(known) >= 2 and ((known >= 0) & (known <= 1)).all() and (known < 1).any()


# --------------------------------------------------------------------------------------------------------
# Reproducibility, output and input checks
# --------------------------------------------------------------------------------------------------------

def reproducibility_runs(seed: int, chunk_size: int) -> dict:
    rng = np.random.default_rng(22)
    evaluator_scores = rng.integers(1, 6, (5, 3, 3)).astype(float)
    lower, upper, start = np.array([0.1, 0.1, 0.1]), np.array([0.6, 0.5, 0.7]), np.array([0.4, 0.3, 0.3])
    runs = {}
    for name, sampler, score_sampler in (
        ("uniform", uniform(3), None),
        ("interval+scores", lambda g, m: sample_interval_weights(g, m, lower, upper, start, burn_in=20, thin=2),
         lambda g, m: resample_scores(g, evaluator_scores, m, "geometric")),
    ):
        runs[name] = smaa(evaluator_scores.mean(axis=2), sampler, 2 * RNG_BLOCK + 1234, seed, ids("C", 5),
                          ids("k", 3), score_sampler=score_sampler, chunk_size=chunk_size)
    return runs


def assert_identical(first, second):
    for field in ("rank_acceptability", "holistic_acceptability", "central_weights", "confidence",
                  "pairwise_winning", "standard_error"):
        left, right = getattr(first, field), getattr(second, field)
        assert np.array_equal(left.to_numpy(), right.to_numpy(), equal_nan=True), field
    assert first.to_json() == second.to_json()


def test_same_seed_gives_identical_results_whatever_the_chunk_size():
    reference = reproducibility_runs(seed=5, chunk_size=20_000)
    for chunk_size in (20_000, 1, RNG_BLOCK, 3 * RNG_BLOCK):
        for name, run in reproducibility_runs(seed=5, chunk_size=chunk_size).items():
            assert_identical(reference[name], run)
    other = reproducibility_runs(seed=6, chunk_size=20_000)
    for name in reference:
        assert not reference[name].rank_acceptability.equals(other[name].rank_acceptability)


def test_to_json_holds_plain_types_and_none_for_missing_values():
    scores = np.array([[4.0, 4.0], [1.0, 5.0], [0.5, 0.5]])
    result = smaa(scores, uniform(2), 5000, 23, ["A", "B", "C"], ["x", "y"])
    document = result.to_json()
    assert json.loads(json.dumps(document, allow_nan=False)) == document
    assert set(document) >= {"rank_acceptability", "central_weights", "confidence", "holistic_acceptability",
                             "pairwise_winning", "max_standard_error", "n_samples"}
    assert document["central_weights"]["C"] is None and document["confidence"]["C"] is None
    assert document["rank_acceptability"]["C"] == [0.0, 0.0, 1.0]
    assert document["pairwise_winning"]["A"]["A"] is None and document["pairwise_winning"]["A"]["C"] == 1.0
    assert set(document["central_weights"]["A"]) == {"x", "y"}
    assert document["n_samples"] == 5000 and isinstance(document["max_standard_error"], float)


def test_smaa_rejects_bad_input():
    scores = np.ones((2, 3))
    with pytest.raises(ValueError, match="candidates"):
        smaa(scores, uniform(3), 10, 0, ["A", "B", "C"], ids("k", 3))
    with pytest.raises(ValueError, match="unique"):
        smaa(scores, uniform(3), 10, 0, ["A", "A"], ids("k", 3))
    with pytest.raises(ValueError, match="finite"):
        smaa(np.array([[1.0, np.nan, 1.0], [1.0, 1.0, 1.0]]), uniform(3), 10, 0, ["A", "B"], ids("k", 3))
    with pytest.raises(ValueError, match="n_samples"):
        smaa(scores, uniform(3), 0, 0, ["A", "B"], ids("k", 3))
    with pytest.raises(ValueError, match="shape"):
        smaa(scores, uniform(2), 10, 0, ["A", "B"], ids("k", 3))
    with pytest.raises(ValueError, match="shape"):
        smaa(scores, uniform(3), 10, 0, ["A", "B"], ids("k", 3), score_sampler=lambda g, m: np.ones((m, 3, 2)))
    with pytest.raises(ValueError, match="NaN"):
        smaa(scores, uniform(3), 10, 0, ["A", "B"], ids("k", 3),
             score_sampler=lambda g, m: np.where(np.arange(3) == 1, np.nan, np.ones((m, 2, 3))))


@settings(max_examples=40, deadline=None)
@given(n=st.integers(1, 7), k=st.integers(1, 4), levels=st.integers(2, 5), seed=st.integers(0, 2**32 - 1),
       samples=st.integers(1, 700))
def test_invariants_on_random_problems(n, k, levels, seed, samples):
    scores = np.random.default_rng(seed).integers(1, levels + 1, (n, k)).astype(float)
    result = smaa(scores, uniform(k), samples, seed, ids("C", n), ids("k", k))
    table = result.rank_acceptability.to_numpy()
    np.testing.assert_allclose(table.sum(axis=0), 1, atol=1e-12)
    np.testing.assert_allclose(table.sum(axis=1), 1, atol=1e-12)
    pairwise = result.pairwise_winning.to_numpy()
    off_diagonal = ~np.eye(n, dtype=bool)
    np.testing.assert_allclose((pairwise + pairwise.T)[off_diagonal], 1, atol=1e-12)
    if n == 2:
        assert pairwise[0, 1] == table[0, 0]
    wins = table[:, 0] > 0
    assert np.array_equal(~np.isnan(result.central_weights.to_numpy()).any(axis=1), wins)
    assert (result.confidence[wins] == 1.0).all() and result.confidence[~wins].isna().all()
    holistic = result.holistic_acceptability.to_numpy()
    assert np.all((holistic >= table[:, 0] - 1e-12) & (holistic <= 1 + 1e-12))
    assert isinstance(result.central_weights, pd.DataFrame)
