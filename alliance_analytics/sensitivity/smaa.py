"""Stochastic multicriteria acceptability analysis (SMAA-2) of the weighted fit score.

When the weights, and perhaps the scores, are uncertain, SMAA-2 (Lahdelma & Salminen 2001) samples them and
reports for every candidate how often it takes each rank (rank acceptability), the typical weights that make
it best (central weights), how reliably those weights make it best when the scores vary (confidence) and how
often it ranks above each other candidate (pairwise winning index).

The weight samplers and :func:`resample_scores` draw the samples; :func:`smaa` ranks every sample, in
vectorised chunks, and returns an :class:`SMAAResult`. Pure functions; no I/O.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numba import njit

from alliance_analytics.fit.aggregation import AGGREGATION_METHODS

RNG_BLOCK = 10_000
"""Samples are drawn in blocks of this many: block *b* from its own generator, seeded with
``SeedSequence(seed, spawn_key=(stream, b))``. How blocks are grouped into chunks therefore changes no draw,
and :func:`smaa` gives bit-identical results whatever its ``chunk_size``."""

FEASIBILITY_TOLERANCE = 1e-9
"""How far a start point of :func:`sample_interval_weights` may miss a bound or the unit sum (float noise)."""

_WEIGHT_STREAM, _SCORE_STREAM, _CONFIDENCE_STREAM = 0, 1, 2
_RANK_BYTES = 400_000
_MAX_ROWS = 2040
_LANE_LIMIT = 255
_MAGNITUDE_BITS = 0x7FFF_FFFF_FFFF_FFFF
_WORKING_ELEMENTS = 4_000_000


def sample_uniform_weights(rng: np.random.Generator, n_samples: int, k: int) -> np.ndarray:
    """Weight vectors uniform on the simplex (nothing is known about the weights).

    The spacings of ``k − 1`` sorted uniforms on [0, 1] (with 0 and 1 as end points) are uniform on the
    simplex, i.e. Dirichlet(1, …, 1). Normalising independent uniforms is not: it crowds the centre.

    Parameters
    ----------
    rng : numpy.random.Generator
        Source of randomness.
    n_samples : int
        Number of weight vectors.
    k : int
        Number of criteria, at least 1.

    Returns
    -------
    numpy.ndarray
        ``n_samples`` × ``k``, non-negative, rows summing to 1.

    Examples
    --------
    >>> weights = sample_uniform_weights(np.random.default_rng(1), 4, 3)
    >>> weights.shape, bool(np.allclose(weights.sum(axis=1), 1))
    ((4, 3), True)
    """
    if k < 1:
        raise ValueError(f"need at least one criterion, got k={k}")
    cuts = np.sort(rng.random((n_samples, k - 1)), axis=1)
    return np.diff(cuts, axis=1, prepend=0.0, append=1.0)


def sample_ordinal_weights(rng: np.random.Generator, n_samples: int, order: Sequence[int]) -> np.ndarray:
    """Weight vectors uniform on the simplex among those that respect an importance order.

    ``order[0]`` is the position of the most important criterion, ``order[1]`` the next, and so on; samples
    are uniform on {w on the simplex: w[order[0]] ≥ w[order[1]] ≥ …}. Method: draw uniform weights, sort each
    row in descending order and put the sorted values at the positions ``order``. This is exact: the simplex
    splits into k! congruent regions, one per ordering of the coordinates, and permuting coordinates maps
    them onto each other while preserving the uniform distribution. Sorting a row maps the point in each
    region onto its image in the region w₁ ≥ … ≥ w_k by such a permutation, so the sorted point is uniform
    on that region (ties have probability 0); placing the values at ``order`` is one more coordinate
    permutation onto the requested region.

    Parameters
    ----------
    rng : numpy.random.Generator
        Source of randomness.
    n_samples : int
        Number of weight vectors.
    order : sequence of int
        A permutation of ``0 … k − 1``, most important criterion first.

    Returns
    -------
    numpy.ndarray
        ``n_samples`` × ``k``, rows summing to 1, ``w[:, order]`` non-increasing along each row.

    Examples
    --------
    >>> weights = sample_ordinal_weights(np.random.default_rng(1), 5, [2, 0, 1])
    >>> bool(np.all((weights[:, 2] >= weights[:, 0]) & (weights[:, 0] >= weights[:, 1])))
    True
    """
    positions = np.asarray(order, dtype=int)
    if positions.ndim != 1 or not np.array_equal(np.sort(positions), np.arange(positions.size)):
        raise ValueError(f"order must be a permutation of 0 … k − 1, got {positions.tolist()}")
    descending = np.sort(sample_uniform_weights(rng, n_samples, positions.size), axis=1)[:, ::-1]
    weights = np.empty_like(descending)
    weights[:, positions] = descending
    return weights


def sample_interval_weights(
    rng: np.random.Generator,
    n_samples: int,
    lower: np.ndarray,
    upper: np.ndarray,
    start: np.ndarray,
    burn_in: int = 1000,
    thin: int = 10,
    chains: int = 256,
) -> np.ndarray:
    """Weight vectors uniform on {w: Σw = 1, lower ≤ w ≤ upper}, by hit-and-run.

    Every chain starts at ``start`` and repeats: pick a random direction in the plane Σd = 0 (a standard
    normal draw minus its mean, normalised; criteria with ``lower == upper`` stay fixed), find the segment of
    the line through the current point that stays within the bounds, and move to a uniform point on it. The
    uniform distribution on the polytope is the chain's stationary distribution. All ``chains`` chains move
    together as arrays; the first ``burn_in`` moves are discarded (forgetting the start), then every chain
    contributes its point every ``thin`` moves (thinning the correlation between successive samples), until
    ``n_samples`` points are collected. No point is ever rejected.

    Parameters
    ----------
    rng : numpy.random.Generator
        Source of randomness.
    n_samples : int
        Number of weight vectors.
    lower, upper : numpy.ndarray
        Bounds per criterion, ``lower ≤ upper``, with Σlower ≤ 1 ≤ Σupper.
    start : numpy.ndarray
        A feasible weight vector (within the bounds, summing to 1), e.g. the current weights.
    burn_in : int, default 1000
        Moves discarded before the first sample.
    thin : int, default 10
        Moves between two samples of the same chain.
    chains : int, default 256
        Chains run side by side; samples are ordered by collection round, then chain.

    Returns
    -------
    numpy.ndarray
        ``n_samples`` × ``k``, within the bounds, rows summing to 1 (both up to float rounding).

    Raises
    ------
    ValueError
        When the bounds leave no feasible weights or ``start`` is not feasible
        (:data:`FEASIBILITY_TOLERANCE`).

    Examples
    --------
    >>> weights = sample_interval_weights(np.random.default_rng(1), 100, np.array([0.2, 0.1, 0.0]),
    ...                                   np.array([0.6, 0.5, 0.4]), np.array([0.4, 0.3, 0.3]), burn_in=50)
    >>> bool(np.all(weights >= [0.2, 0.1, 0.0]) and np.all(weights <= [0.6, 0.5, 0.4]))
    True
    """
    lower, upper, start = (np.asarray(bound, dtype=float) for bound in (lower, upper, start))
    if lower.ndim != 1 or lower.shape != upper.shape or lower.shape != start.shape:
        raise ValueError("lower, upper and start must be vectors of the same length")
    if np.any(lower > upper) or lower.sum() > 1 + FEASIBILITY_TOLERANCE or upper.sum() < 1 - FEASIBILITY_TOLERANCE:
        raise ValueError("no weights satisfy the bounds: need lower ≤ upper and Σlower ≤ 1 ≤ Σupper")
    if (abs(start.sum() - 1) > FEASIBILITY_TOLERANCE or np.any(start < lower - FEASIBILITY_TOLERANCE)
            or np.any(start > upper + FEASIBILITY_TOLERANCE)):
        raise ValueError("start must lie within the bounds and sum to 1")
    if min(burn_in, thin - 1, chains - 1) < 0:
        raise ValueError("need burn_in ≥ 0, thin ≥ 1 and chains ≥ 1")
    free = (lower < upper).astype(float)
    if free.sum() < 2:
        return np.tile(start, (n_samples, 1))
    points = np.tile(np.clip(start, lower, upper), (chains, 1))
    for _ in range(burn_in):
        points = _hit_and_run_move(rng, points, lower, upper, free)
    collected = np.empty((-(-n_samples // chains), chains, start.size))
    for round_points in collected:
        for _ in range(thin):
            points = _hit_and_run_move(rng, points, lower, upper, free)
        round_points[:] = points
    return collected.reshape(-1, start.size)[:n_samples]


def _hit_and_run_move(rng: np.random.Generator, points: np.ndarray, lower: np.ndarray, upper: np.ndarray,
                      free: np.ndarray) -> np.ndarray:
    """One hit-and-run move of every chain (row of ``points``) within the bounds, keeping Σw = 1.

    ``free`` is 1.0 for criteria that may move, 0.0 for fixed ones. Along a criterion the direction does not
    move, the distance to its bounds is ±inf or NaN (0/0), which ``fmin``/``fmax`` pass over.
    """
    direction = rng.standard_normal(points.shape) * free
    direction -= direction.sum(axis=1, keepdims=True) / free.sum() * free
    direction /= np.linalg.norm(direction, axis=1, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        to_lower = (lower - points) / direction
        to_upper = (upper - points) / direction
    lowest = np.minimum(np.fmax.reduce(np.fmin(to_lower, to_upper), axis=1), 0)
    highest = np.maximum(np.fmin.reduce(np.fmax(to_lower, to_upper), axis=1), 0)
    step = lowest + (highest - lowest) * rng.random(len(points))
    return np.clip(points + step[:, None] * direction, lower, upper)


def resample_scores(rng: np.random.Generator, evaluator_scores: np.ndarray, n_samples: int,
                    method: str) -> np.ndarray:
    """Score samples that reflect evaluator disagreement, by bootstrapping each pair's evaluators.

    For every sample and every candidate/criterion pair, the pair's available scores (``m`` of them) are
    resampled ``m`` times with replacement and combined like
    :func:`alliance_analytics.fit.aggregation.aggregate_scores` does. A pair scored by one evaluator, or by
    evaluators who agree, never varies. Each resample is sorted before it is combined, so equal resamples
    give bit-identical scores and tie exactly rather than by float noise.

    Parameters
    ----------
    rng : numpy.random.Generator
        Source of randomness.
    evaluator_scores : numpy.ndarray
        Candidates × criteria × evaluators, NaN where an evaluator gave no score; every pair needs at least
        one score.
    n_samples : int
        Number of score samples.
    method : {"mean", "median", "geometric"}
        How each resample is combined; ``geometric`` needs positive scores.

    Returns
    -------
    numpy.ndarray
        ``n_samples`` × candidates × criteria.

    Examples
    --------
    >>> scores = np.array([[[2.0, 4.0, np.nan], [3.0, 3.0, 3.0]]])
    >>> samples = resample_scores(np.random.default_rng(1), scores, 1000, "mean")
    >>> sorted(set(samples[:, 0, 0].tolist())), set(samples[:, 0, 1].tolist())
    ([2.0, 3.0, 4.0], {3.0})
    """
    if method not in AGGREGATION_METHODS:
        raise ValueError(f"unknown aggregation method {method!r}; expected one of {', '.join(AGGREGATION_METHODS)}")
    values = np.asarray(evaluator_scores, dtype=float)
    if values.ndim != 3:
        raise ValueError(f"evaluator_scores must be candidates × criteria × evaluators, got shape {values.shape}")
    values = np.sort(values, axis=2)
    available = np.count_nonzero(~np.isnan(values), axis=2)
    if np.any(available == 0):
        raise ValueError("every candidate/criterion pair needs at least one evaluator's score")
    if method == "geometric":
        if np.any(values <= 0):
            raise ValueError("the geometric mean needs positive scores")
        values = np.log(values)
    n_candidates, k, evaluators = values.shape
    used = np.arange(evaluators) < available[..., None]
    pair_starts = np.arange(0, values.size, evaluators).reshape(n_candidates, k, 1)
    samples = np.empty((n_samples, n_candidates, k))
    step = max(1, _WORKING_ELEMENTS // values.size)
    for first in range(0, n_samples, step):
        count = min(step, n_samples - first)
        picks = rng.integers(0, available[..., None], size=(count, n_candidates, k, evaluators))
        draws = np.sort(np.where(used, values.ravel()[picks + pair_starts], np.inf), axis=3)
        if method == "median":
            low, high = (np.take_along_axis(draws, index[None, ..., None], axis=3)[..., 0]
                         for index in ((available - 1) // 2, available // 2))
            samples[first:first + count] = (low + high) / 2
        else:
            samples[first:first + count] = draws.sum(axis=3, where=used) / available
    return np.exp(samples, out=samples) if method == "geometric" else samples


@dataclass(frozen=True)
class SMAAResult:
    """The SMAA-2 indices of a set of candidates.

    Attributes
    ----------
    candidates, criteria : list of str
        Candidate and criterion ids, in the order of the score matrix.
    n_samples : int
        Number of samples.
    rank_acceptability : pandas.DataFrame
        Candidates × ranks ``1 … n``: share of samples in which the candidate takes that rank (b_i^r); rows
        and columns sum to 1.
    holistic_acceptability : pandas.Series
        Σ_r α_r·b_i^r with linear meta-weights α_r = (n − r)/(n − 1): rank 1 counts fully, the last rank not
        at all, each rank in between one equal step less than the one above (α_1 = 1 when n = 1). Linear
        meta-weights are the simplest decreasing choice and have a plain meaning: the expected share of the
        other candidates that the candidate ranks above (its mean pairwise winning index).
    central_weights : pandas.DataFrame
        Candidates × criteria: the mean weight vector of the samples in which the candidate ranks first; a
        NaN row when it never does.
    confidence : pandas.Series
        Share of score samples in which the candidate ranks first with its central weights (1 or 0 when the
        scores are fixed); NaN without central weights.
    pairwise_winning : pandas.DataFrame
        Candidates × candidates: share of samples in which the row ranks above the column; diagonal NaN.
    standard_error : pandas.DataFrame
        Monte Carlo standard error √(b(1 − b)/n_samples) of every rank acceptability.
    """

    candidates: list[str]
    criteria: list[str]
    n_samples: int
    rank_acceptability: pd.DataFrame
    holistic_acceptability: pd.Series
    central_weights: pd.DataFrame
    confidence: pd.Series
    pairwise_winning: pd.DataFrame
    standard_error: pd.DataFrame

    def to_json(self) -> dict:
        """The machine-readable result, plain Python types only (NaN becomes ``None``).

        Returns
        -------
        dict
            ``rank_acceptability`` (id to shares of rank 1, 2, …), ``central_weights`` (id to criterion
            weights, or ``None``), ``confidence`` (id to share or ``None``), ``holistic_acceptability``,
            ``pairwise_winning`` (id to id to share, ``None`` on the diagonal), ``max_standard_error`` and
            ``n_samples``.
        """
        return {
            "rank_acceptability": {candidate: [float(share) for share in row]
                                   for candidate, row in self.rank_acceptability.iterrows()},
            "central_weights": {candidate: None if row.isna().all() else {c: float(w) for c, w in row.items()}
                                for candidate, row in self.central_weights.iterrows()},
            "confidence": {candidate: _plain(value) for candidate, value in self.confidence.items()},
            "holistic_acceptability": {candidate: float(value)
                                       for candidate, value in self.holistic_acceptability.items()},
            "pairwise_winning": {candidate: {other: _plain(share) for other, share in row.items()}
                                 for candidate, row in self.pairwise_winning.iterrows()},
            "max_standard_error": float(self.standard_error.to_numpy().max()),
            "n_samples": self.n_samples,
        }


def smaa(
    scores: np.ndarray,
    weight_sampler: Callable[[np.random.Generator, int], np.ndarray],
    n_samples: int,
    seed: int,
    candidates: Sequence[str],
    criteria: Sequence[str],
    score_sampler: Callable[[np.random.Generator, int], np.ndarray] | None = None,
    chunk_size: int = 20_000,
) -> SMAAResult:
    """Run SMAA-2 on the weighted fit score.

    Each sample draws a weight vector (and, with ``score_sampler``, a score matrix) and ranks the candidates
    by fit score, highest first; equal scores rank in candidate order. Samples are drawn in blocks of
    :data:`RNG_BLOCK` from generators derived from ``seed``, ``chunk_size`` at a time, and ranked a
    cache-sized block at a time, so memory does not grow with ``n_samples`` and the results are bit-identical
    for the same seed whatever the chunk size. A second pass ranks ``n_samples`` fresh score samples with
    each central weight vector for the confidence factors (with fixed scores one ranking decides it).

    Parameters
    ----------
    scores : numpy.ndarray
        Candidates × criteria fit-score inputs (e.g. aggregated scores). Used as they are when
        ``score_sampler`` is ``None``; otherwise only their shape is (the sampler's samples must match it).
    weight_sampler : callable
        ``weight_sampler(rng, m)`` returns ``m`` × criteria weights, rows summing to 1, e.g.
        ``lambda rng, m: sample_uniform_weights(rng, m, k)``.
    n_samples : int
        Number of samples, at least 1.
    seed : int
        Seed of every generator used.
    candidates, criteria : sequence of str
        Ids of the rows and columns of ``scores``; candidate ids must be unique.
    score_sampler : callable, optional
        ``score_sampler(rng, m)`` returns ``m`` × candidates × criteria score samples, e.g. from
        :func:`resample_scores`.
    chunk_size : int, default 20000
        Samples drawn at once, rounded up to a whole number of :data:`RNG_BLOCK` blocks.

    Returns
    -------
    SMAAResult

    Raises
    ------
    ValueError
        On scores, ids or samples of the wrong shape, non-finite fixed scores, ``n_samples`` or
        ``chunk_size`` below 1, or samples that give a NaN fit score.

    Examples
    --------
    >>> scores = np.array([[4.0, 2.0], [2.0, 4.0], [1.0, 1.0]])
    >>> result = smaa(scores, lambda rng, m: sample_uniform_weights(rng, m, 2), 2000, seed=7,
    ...               candidates=["A", "B", "C"], criteria=["cost", "fit"])
    >>> result.rank_acceptability.loc["C"].tolist()
    [0.0, 0.0, 1.0]
    >>> round(float(result.pairwise_winning.loc["A", "B"] + result.pairwise_winning.loc["B", "A"]), 9)
    1.0
    """
    scores = np.asarray(scores, dtype=float)
    candidates, criteria = list(candidates), list(criteria)
    n, k = len(candidates), len(criteria)
    if scores.shape != (n, k) or n == 0 or k == 0:
        raise ValueError(f"scores must be {n} candidates × {k} criteria (both at least 1), got {scores.shape}")
    if len(set(candidates)) != n:
        raise ValueError("candidate ids must be unique")
    if score_sampler is None and not np.all(np.isfinite(scores)):
        raise ValueError("scores must be finite")
    if n_samples < 1 or chunk_size < 1:
        raise ValueError("need n_samples ≥ 1 and chunk_size ≥ 1")
    blocks = _block_sizes(n_samples)
    per_chunk = -(-chunk_size // RNG_BLOCK)
    tally = _RankTally(n)
    weight_sums = np.zeros((n, k))
    scores_by_criterion = np.ascontiguousarray(scores.T)
    for first in range(0, len(blocks), per_chunk):
        chunk = range(first, min(first + per_chunk, len(blocks)))
        weights = _draw(weight_sampler, seed, _WEIGHT_STREAM, chunk, blocks, (k,))
        negated = -weights
        score_samples = (None if score_sampler is None
                         else _draw(score_sampler, seed, _SCORE_STREAM, chunk, blocks, (n, k)))
        winners = np.empty(len(negated), dtype=np.intp)
        for start in range(0, len(negated), tally.rows):
            part = slice(start, start + tally.rows)
            values = tally.values[:len(negated[part])]
            if score_samples is None:
                np.einsum("sk,kn->sn", negated[part], scores_by_criterion, out=values)
            else:
                np.einsum("snk,sk->sn", score_samples[part], negated[part], out=values)
            tally.add(values, winners[part])
        for block_sums in _first_place_weight_sums(winners, weights, n):
            weight_sums += block_sums
    rank_counts, ahead_counts = tally.finish()
    acceptability = rank_counts / n_samples
    firsts = rank_counts[:, 0]
    with np.errstate(invalid="ignore", divide="ignore"):
        central = weight_sums / firsts[:, None]
    confidence = _confidence(central, scores, score_sampler, seed, blocks)
    meta_weights = (n - np.arange(1, n + 1)) / (n - 1) if n > 1 else np.ones(1)
    rank_labels = pd.Index(range(1, n + 1), name="rank")
    index = pd.Index(candidates, name="candidate")
    return SMAAResult(
        candidates=candidates,
        criteria=criteria,
        n_samples=n_samples,
        rank_acceptability=pd.DataFrame(acceptability, index=index, columns=rank_labels),
        holistic_acceptability=pd.Series(acceptability @ meta_weights, index=index, name="holistic_acceptability"),
        central_weights=pd.DataFrame(central, index=index, columns=pd.Index(criteria, name="criterion")),
        confidence=pd.Series(confidence, index=index, name="confidence"),
        pairwise_winning=pd.DataFrame(_pairwise_table(ahead_counts, n_samples), index=index,
                                      columns=pd.Index(candidates, name="versus")),
        standard_error=pd.DataFrame(np.sqrt(acceptability * (1 - acceptability) / n_samples), index=index,
                                    columns=rank_labels),
    )


def _plain(value: float) -> float | None:
    """A float for JSON: NaN becomes ``None``."""
    return None if np.isnan(value) else float(value)


def _block_sizes(n_samples: int) -> list[int]:
    """Sizes of the fixed RNG blocks covering ``n_samples``."""
    full, rest = divmod(n_samples, RNG_BLOCK)
    return [RNG_BLOCK] * full + ([rest] if rest else [])


def _block_rng(seed: int, stream: int, block: int) -> np.random.Generator:
    """The generator of one block of one stream, independent of the chunking."""
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(stream, block)))


def _draw(sampler: Callable[[np.random.Generator, int], np.ndarray], seed: int, stream: int, chunk: range,
          blocks: list[int], shape: tuple[int, ...]) -> np.ndarray:
    """The samples of the blocks in ``chunk``, each from its own generator, checked against ``shape``."""
    drawn = [np.asarray(sampler(_block_rng(seed, stream, block), blocks[block]), dtype=float) for block in chunk]
    for block, samples in zip(chunk, drawn):
        if samples.shape != (blocks[block], *shape):
            raise ValueError(f"sampler returned shape {samples.shape}, expected {(blocks[block], *shape)}")
    return drawn[0] if len(drawn) == 1 else np.concatenate(drawn)


def _first_place_weight_sums(first: np.ndarray, weights: np.ndarray, n: int) -> np.ndarray:
    """Per RNG block (in order) × candidate × criterion: the sum of the weights of the samples it wins.

    Summing block by block, in block order, keeps the float sums independent of the chunk size.
    """
    blocks = -(-len(first) // RNG_BLOCK)
    slots = np.arange(len(first)) // RNG_BLOCK * n + first
    sums = [np.bincount(slots, weights=weights[:, j], minlength=blocks * n) for j in range(weights.shape[1])]
    return np.stack(sums, axis=-1).reshape(blocks, n, weights.shape[1])


class _RankTally:
    """Ranks blocks of samples and tallies their rank counts and pairwise counts, reusing its buffers.

    Samples come up to :attr:`rows` at a time as fit values, lowest best, written into :attr:`values` (so
    every buffer of a block stays in cache). Each row is ranked by one sort of int64 keys, one per candidate:
    the value's bits mapped to an integer of the same order, with the bits of :attr:`low` (enough for a
    candidate index) replaced by the candidate's index. Sorting plain integers is two to three times faster
    than an argsort and puts equal values in candidate order, as the ranking requires; the sorted keys' low bits
    are the order. Two values that differ only in the replaced bits would also come out in candidate order,
    so a row whose sorted keys come within :attr:`low` of each other (an exact tie or such a near tie, rare
    with continuous scores) is ranked again by a stable argsort of its values: every row ends up ordered
    exactly as by a stable argsort. ``-0.0`` and ``0.0`` get the same key; NaN fit values are refused.

    The orders are then counted by :func:`_count_ranks` (compiled): the rank counts and :attr:`ahead_counts`,
    for d = 1 … n//2 (rows) and candidate i, the samples in which i ranks above candidate (i + d) mod n
    (d = 1 … n//2 covers every unordered pair).
    """

    def __init__(self, n: int) -> None:
        self.n, self.half = n, n // 2
        self.rows = max(8, min(_MAX_ROWS, _RANK_BYTES // (8 * n)) // 8 * 8)
        self.low = (1 << (n - 1).bit_length()) - 1
        self.high = np.int64(_MAGNITUDE_BITS & ~self.low)
        shape = (self.rows, n)  # constants at full size: ufuncs run fastest on whole contiguous arrays
        self.candidates = np.tile(np.arange(n, dtype=np.int64), (self.rows, 1))
        self.values = np.empty(shape)
        self.keys = np.empty(shape, dtype=np.int64)
        self.gaps = np.empty(shape, dtype=np.int64)
        rank_type = np.uint8 if n <= 2**8 else np.uint16 if n <= 2**16 else np.uint32
        self.ranks = np.empty((4, n + self.half), dtype=rank_type)
        self.lanes = np.zeros((self.half, n), dtype=np.uint8)
        self.rank_counts = np.zeros((n, n), dtype=np.int64)
        self.ahead_counts = np.zeros((self.half, n), dtype=np.int64)

    def add(self, values: np.ndarray, winners: np.ndarray) -> None:
        """Rank and tally the samples whose fit values are ``values`` (leading rows of :attr:`values`); write
        the candidate each ranks first into ``winners``."""
        order = self._order(values)
        winners[:] = order[:, 0]
        _count_ranks(order, self.ranks, self.lanes, self.rank_counts, self.ahead_counts)

    def finish(self) -> tuple[np.ndarray, np.ndarray]:
        """Candidates × ranks sample counts and :attr:`ahead_counts` of all the samples added."""
        return self.rank_counts, self.ahead_counts

    def _order(self, values: np.ndarray) -> np.ndarray:
        """Each row's candidates, lowest value first and equal values in candidate order (in :attr:`keys`)."""
        m = len(values)
        bits, keys, candidates, gaps = values.view(np.int64), self.keys[:m], self.candidates[:m], self.gaps[:m]
        if values.max() <= 0:  # fits ≥ 0, the usual case: the key falls as the magnitude grows
            np.bitwise_and(bits, self.high, out=keys)
            np.subtract(candidates, keys, out=keys)
        else:
            if np.isnan(values).any():
                raise ValueError("the weight and score samples give NaN fit scores")
            signs = gaps  # −1 for negative values, else 0
            np.right_shift(bits, 63, out=signs)
            np.bitwise_and(bits, self.high, out=keys)
            np.bitwise_xor(keys, signs, out=keys)
            np.subtract(keys, signs, out=keys)
            np.add(keys, candidates, out=keys)
        keys.sort(axis=1)
        flat = keys.ravel()
        np.subtract(flat[1:], flat[:-1], out=gaps.ravel()[:-1])
        gaps[:, -1] = self.low + 1  # a row's last key has no successor in the row
        gaps = gaps.view(np.uint64)  # sorted keys differ by less than 2**64, perhaps more than int64 holds
        near = gaps.min() <= self.low
        np.bitwise_and(keys, self.low, out=keys)
        if near:
            rows = np.flatnonzero(gaps.min(axis=1) <= self.low)
            keys[rows] = np.argsort(values[rows], axis=1, kind="stable")
        return keys


@njit(cache=True, nogil=True)
def _count_ranks(order, ranks, lanes, rank_counts, ahead_counts):
    """Tally samples' orders (``order``: samples × n, each row the candidates best first), four at a time.

    Each sample's ranks are scattered into a row of ``ranks`` (4 × (n + n//2): the first n//2 repeated at the
    end, so candidate i + d is at i + d for every d ≤ n//2; a row without a sample is all 0 and adds nothing),
    counted into ``rank_counts`` (candidates × ranks), and compared with the ranks d places on, for every d, in
    loops over the candidates that the compiler turns into byte-wide SIMD instructions: ``lanes[d − 1, i]``
    (one byte) counts the samples in which candidate i ranks above candidate i + d, and is added to
    ``ahead_counts`` and cleared before it could overflow (every 252 samples).
    """
    m, n = order.shape
    half = ahead_counts.shape[0]
    pending = 0
    for first in range(0, m, 4):
        group = min(4, m - first)
        for row in range(4):
            if row < group:
                for rank in range(n):
                    candidate = order[first + row, rank]
                    ranks[row, candidate] = rank
                    rank_counts[candidate, rank] += 1
                ranks[row, n:] = ranks[row, :half]
            else:
                ranks[row] = 0
        a, b, c, e = ranks[0], ranks[1], ranks[2], ranks[3]
        for d in range(half):
            counts = lanes[d]
            for i in range(n):
                j = i + d + 1
                counts[i] += ((a[i] < a[j]) + (b[i] < b[j])) + ((c[i] < c[j]) + (e[i] < e[j]))
        pending += 4
        if pending > _LANE_LIMIT - 4 or first + group == m:
            ahead_counts += lanes
            lanes[:] = 0
            pending = 0


def _pairwise_table(ahead_counts: np.ndarray, n_samples: int) -> np.ndarray:
    """The candidates × candidates shares of samples with the row above the column, from
    :attr:`_RankTally.ahead_counts`."""
    half, n = ahead_counts.shape
    rows = np.arange(n)
    columns = (rows + np.arange(1, half + 1)[:, None]) % n
    table = np.full((n, n), np.nan)
    table[columns, rows] = (n_samples - ahead_counts) / n_samples
    table[rows, columns] = ahead_counts / n_samples
    return table


def _confidence(central: np.ndarray, scores: np.ndarray,
                score_sampler: Callable[[np.random.Generator, int], np.ndarray] | None, seed: int,
                blocks: list[int]) -> np.ndarray:
    """Share of score samples in which each candidate ranks first with its central weights (NaN without).

    ``argmin`` returns the first of equal values, so ties go to the earlier candidate as in the ranking.
    """
    n, k = scores.shape
    winners = np.flatnonzero(~np.isnan(central[:, 0]))
    confidence = np.full(n, np.nan)
    if score_sampler is None:
        best = np.einsum("ck,kn->cn", -central[winners], np.ascontiguousarray(scores.T)).argmin(axis=1)
        confidence[winners] = best == winners
        return confidence
    hits = np.zeros(len(winners), dtype=np.int64)
    step = max(1, _WORKING_ELEMENTS // (n * len(winners)))
    for block in range(len(blocks)):
        samples = _draw(score_sampler, seed, _CONFIDENCE_STREAM, range(block, block + 1), blocks, (n, k))
        for start in range(0, len(samples), step):
            best = np.matmul(samples[start:start + step], -central[winners].T).argmin(axis=1)
            hits += np.count_nonzero(best == winners, axis=0)
    confidence[winners] = hits / sum(blocks)
    return confidence
