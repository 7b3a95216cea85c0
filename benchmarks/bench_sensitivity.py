"""Benchmark: SMAA-2 (``alliance_analytics.sensitivity.smaa``) against per-sample loops and a bare floor.

Default problem: 100,000 uniform weight samples × 200 candidates × 7 criteria, fixed random scores
(uniform on 1..5, seeded). Times, in this process (each the best of ``--repeat`` runs, as the machine's
other load only ever adds time):

- ``smaa``: the whole analysis (rank acceptability, central weights, confidence, pairwise winning);
- baseline ``plain-Python loop``: the same tallies (rank counts, first-place weight sums, pairwise wins)
  computed one sample at a time with lists, timed on ``--loop-samples`` samples and scaled to the full count;
- ``numpy per-sample loop``: the same, one sample at a time but with numpy for each sample's scores,
  ranking and tallies, also timed on the subset and scaled;
- ``floor``: one matrix product of the same weight and score arrays plus an argsort of the result, the
  least any exact ranking of every sample must do;
- the peak traced memory (``tracemalloc``) of a ``--memory-samples`` run (default 1,000,000).

Both loops are checked against ``smaa`` on the subset (largest difference in rank acceptability and
pairwise winning index). Prints each figure, the speed-ups, the ratio to the floor and the load average at
the start (other work on the machine slows every figure), and as its last line one JSON object.
Usage: ``.venv/bin/python benchmarks/bench_sensitivity.py [--samples N] [--candidates N] [--repeat R]``.
"""

from __future__ import annotations

import argparse
import json
import os
import time
import tracemalloc

import numpy as np
from timing import best_of

from alliance_analytics.sensitivity.smaa import sample_uniform_weights, smaa

CRITERIA = 7


def plain_python_loop(scores: list[list[float]], weights: list[list[float]]) -> tuple[list, list, list]:
    """Baseline: rank one sample at a time with lists; return rank counts, first-place weight sums and wins."""
    n, k = len(scores), len(weights[0])
    rank_counts = [[0] * n for _ in range(n)]
    weight_sums = [[0.0] * k for _ in range(n)]
    wins = [[0] * n for _ in range(n)]
    for w in weights:
        fit = [sum(wj * xj for wj, xj in zip(w, row)) for row in scores]
        order = sorted(range(n), key=lambda candidate: -fit[candidate])
        for rank, candidate in enumerate(order):
            rank_counts[candidate][rank] += 1
        best = weight_sums[order[0]]
        for j, wj in enumerate(w):
            best[j] += wj
        for position, candidate in enumerate(order):
            row = wins[candidate]
            for other in order[position + 1:]:
                row[other] += 1
    return rank_counts, weight_sums, wins


def numpy_per_sample_loop(scores: np.ndarray, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Baseline: rank one sample at a time with numpy; return rank counts, first-place weight sums and wins."""
    n = len(scores)
    positions = np.arange(n)
    rank_counts = np.zeros((n, n), dtype=np.int64)
    weight_sums = np.zeros((n, weights.shape[1]))
    wins = np.zeros((n, n), dtype=np.int64)
    ranks = np.empty(n, dtype=np.int64)
    for w in weights:
        order = np.argsort(-(scores @ w), kind="stable")
        rank_counts[order, positions] += 1
        weight_sums[order[0]] += w
        ranks[order] = positions
        wins += ranks[:, None] < ranks[None, :]
    return rank_counts, weight_sums, wins


def floor(scores: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """The bare minimum: every sample's fit scores (one matrix product) and their ordering (one argsort)."""
    return np.argsort(weights @ scores.T, axis=1)


def largest_gap(result, rank_counts: np.ndarray, wins: np.ndarray, samples: int) -> float:
    """Largest difference between a loop's shares and ``result``'s rank acceptability and pairwise winning."""
    pairwise = result.pairwise_winning.to_numpy()
    off_diagonal = ~np.eye(len(wins), dtype=bool)
    return float(max(np.abs(rank_counts / samples - result.rank_acceptability.to_numpy()).max(),
                     np.abs(wins / samples - pairwise)[off_diagonal].max()))


def main() -> None:
    """Build the problem, time each variant and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=100_000)
    parser.add_argument("--candidates", type=int, default=200)
    parser.add_argument("--loop-samples", type=int, default=2_000)
    parser.add_argument("--memory-samples", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=11)
    options = parser.parse_args()
    load = os.getloadavg()[0]
    rng = np.random.default_rng(options.seed)
    scores = rng.uniform(1, 5, (options.candidates, CRITERIA))
    candidates = [f"X{number:04d}" for number in range(options.candidates)]
    criteria = [f"c{number}" for number in range(CRITERIA)]

    def run(samples: int, sampler=lambda generator, m: sample_uniform_weights(generator, m, CRITERIA)):
        return smaa(scores, sampler, samples, options.seed, candidates, criteria)

    smaa_s, result = best_of(options.repeat, run, options.samples)
    weights = sample_uniform_weights(rng, options.samples, CRITERIA)
    floor_s, _ = best_of(options.repeat, floor, scores, weights)
    subset = weights[:options.loop_samples]
    replayed = run(len(subset), lambda generator, m: subset[:m])
    scale = options.samples / len(subset)
    loop_subset_s, plain = best_of(options.repeat, plain_python_loop, scores.tolist(), subset.tolist())
    numpy_subset_s, with_numpy = best_of(options.repeat, numpy_per_sample_loop, scores, subset)
    loop_s, numpy_loop_s = loop_subset_s * scale, numpy_subset_s * scale
    plain_gap, numpy_gap = (largest_gap(replayed, np.array(counts), np.array(wins), len(subset))
                            for counts, _, wins in (plain, with_numpy))
    tracemalloc.start()
    started = time.perf_counter()
    run(options.memory_samples)
    memory_run_s = time.perf_counter() - started
    peak_mib = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()

    print(f"problem: {options.samples:,} uniform weight samples × {options.candidates} candidates × {CRITERIA} "
          f"criteria; best of {options.repeat}; load average {load:.2f} at the start")
    print(f"smaa (all outputs):                       {smaa_s:.3f} s "
          f"(max Monte Carlo s.e. {result.to_json()['max_standard_error']:.4f})")
    print(f"floor (matrix product + argsort):         {floor_s:.3f} s")
    print(f"plain-Python loop, scaled:                {loop_s:.1f} s "
          f"({loop_subset_s:.2f} s for {len(subset):,} samples)")
    print(f"numpy per-sample loop, scaled:            {numpy_loop_s:.2f} s ({numpy_subset_s:.3f} s for the same)")
    print(f"speed-up vs plain-Python loop:            {loop_s / smaa_s:.0f}x")
    print(f"speed-up vs numpy per-sample loop:        {numpy_loop_s / smaa_s:.1f}x")
    print(f"smaa / floor:                             {smaa_s / floor_s:.2f}")
    print(f"largest difference to the loops (rank acceptability, pairwise winning): {plain_gap:.1e} (plain), "
          f"{numpy_gap:.1e} (numpy)")
    print(f"{options.memory_samples:,}-sample run: peak traced memory {peak_mib:.0f} MiB, "
          f"{memory_run_s:.1f} s (under tracemalloc)")
    print(json.dumps({
        "samples": options.samples, "candidates": options.candidates, "criteria": CRITERIA,
        "smaa_s": round(smaa_s, 4), "loop_s": round(loop_s, 2), "numpy_loop_s": round(numpy_loop_s, 3),
        "floor_s": round(floor_s, 4), "speedup_vs_loop": round(loop_s / smaa_s, 1),
        "speedup_vs_numpy_loop": round(numpy_loop_s / smaa_s, 2), "ratio_to_floor": round(smaa_s / floor_s, 3),
        "peak_mib_1m": round(peak_mib, 1), "memory_samples": options.memory_samples, "load_average": round(load, 2),
    }))


if __name__ == "__main__":
    main()
