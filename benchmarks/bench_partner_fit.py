"""Benchmark: loading/validating a large case and the partner-fit analysis, against a plain-Python baseline.

Builds a synthetic case (default 2,000 candidates × 7 criteria × 5 evaluators = 70,000 score rows; each
evaluator scores a pair's true score plus noise of s.d. 0.7, rounded to 1..5) in a temporary folder, then
times, in this process:

- ``load_case``: reading and validating every file and row (the cost of complete error reporting);
- ``partner_fit``: aggregation, gates, red flags, scores, ranks, disagreement, recommendations;
- ``fit scores only``: the package's vectorised mean aggregation and weighted fit score (the part the
  baseline also does);
- baseline ``plain-Python loop``: the same mean aggregation and weighted fit scores computed with dicts and
  loops over the validated rows, the way a spreadsheet macro would.

Prints each time (best of --repeat runs), the ratios to the baseline, and as its last line one JSON object.
Usage: ``.venv/bin/python benchmarks/bench_partner_fit.py [--candidates N] [--repeat R]``.
"""

from __future__ import annotations

import argparse
import json
import tempfile
from collections import defaultdict
from pathlib import Path

import numpy as np
import pandas as pd
import yaml
from timing import best_of

from alliance_analytics import load_case
from alliance_analytics.core.paths import SAMPLE_CASE_DIR
from alliance_analytics.core.scoring import fit_scores, normalise_weights
from alliance_analytics.fit.aggregation import aggregate_scores
from alliance_analytics.fit.analysis import partner_fit

EVALUATORS = 5


def build_case(folder: Path, candidates: int, seed: int = 7) -> None:
    """Write a synthetic case of ``candidates`` candidates, based on the sample case's settings."""
    rng = np.random.default_rng(seed)
    settings = yaml.safe_load((SAMPLE_CASE_DIR / "case.yaml").read_text(encoding="utf-8"))
    settings["portfolio"].update(exclusions=[], dependencies=[])
    (folder / "case.yaml").write_text(yaml.safe_dump(settings, sort_keys=False), encoding="utf-8")
    ids = [f"X{number:05d}" for number in range(candidates)]
    pd.DataFrame({
        "candidate_id": ids, "name": [f"Partner {i}" for i in ids], "alliance_type": "technology",
        "capabilities": "eu_hosting;regulatory", "objectives": "O1;O3",
        "investment": rng.integers(100_000, 2_000_000, candidates), "manager_fte": 0.5,
        "payback_months": rng.integers(12, 60, candidates),
        "phase_out_date": np.where(rng.random(candidates) < 0.1, "2028-06-30", ""),
        "risk_level": rng.choice(["low", "medium", "high"], candidates), "competes_with": "",
    }).to_csv(folder / "candidates.csv", index=False)
    criteria = [criterion["id"] for criterion in settings["criteria"]]
    grid = pd.MultiIndex.from_product([ids, criteria, [f"E{e}" for e in range(EVALUATORS)]],
                                      names=["candidate_id", "criterion_id", "evaluator"]).to_frame(index=False)
    true_score = np.repeat(rng.uniform(1.5, 4.5, candidates * len(criteria)), EVALUATORS)
    grid["score"] = np.clip(np.rint(true_score + rng.normal(0, 0.7, len(grid))), 1, 5).astype(int)
    grid["rationale"] = "synthetic"
    grid.to_csv(folder / "scores.csv", index=False)
    for name in ("assumptions.csv", "risks.csv"):
        header = (SAMPLE_CASE_DIR / name).read_text(encoding="utf-8").splitlines()[0]
        (folder / name).write_text(header + "\n", encoding="utf-8")


def plain_python_fit_scores(scores: pd.DataFrame, weights: dict[str, float]) -> dict[str, float]:
    """Baseline: mean of evaluators per pair, then the weighted sum, with dicts and loops."""
    sums: dict[tuple[str, str], list[float]] = defaultdict(lambda: [0.0, 0])
    for candidate, criterion, score in zip(scores["candidate_id"], scores["criterion_id"], scores["score"]):
        entry = sums[(candidate, criterion)]
        entry[0] += score
        entry[1] += 1
    total = sum(weights.values())
    fit: dict[str, float] = defaultdict(float)
    for (candidate, criterion), (value, count) in sums.items():
        fit[candidate] += weights[criterion] / total * value / count
    return dict(fit)


def main() -> None:
    """Build the case, time each step and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--candidates", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=3)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        folder = Path(directory)
        build_case(folder, options.candidates)
        load_s, case = best_of(options.repeat, load_case, folder)
    rows = len(case.scores)
    analysis_s, result = best_of(options.repeat, partner_fit, case)
    fit_only_s, _ = best_of(options.repeat, lambda: fit_scores(aggregate_scores(case.scores, "mean"),
                                                                normalise_weights(case.weights)))
    baseline_s, baseline = best_of(options.repeat, plain_python_fit_scores, case.scores, case.weights.to_dict())
    largest_gap = max(abs(baseline[c] - result.candidates.at[c, "fit_score"]) for c in baseline)
    print(f"case: {options.candidates} candidates, {rows} score rows")
    print(f"load_case (read + validate every row): {load_s:.3f} s ({rows / load_s:,.0f} score rows/s)")
    print(f"partner_fit:                   {analysis_s:.3f} s")
    print(f"fit scores only (vectorised):          {fit_only_s:.3f} s")
    print(f"baseline plain-Python loop (fit only): {baseline_s:.3f} s")
    print(f"baseline / fit-scores-only speed-up:   {baseline_s / fit_only_s:.1f}x")
    print(f"full analysis / baseline time ratio:   {analysis_s / baseline_s:.2f}")
    print(f"largest fit-score difference to baseline: {largest_gap:.2e}")
    print(json.dumps({"candidates": options.candidates, "score_rows": rows, "load_s": round(load_s, 4),
                      "analysis_s": round(analysis_s, 4), "fit_only_s": round(fit_only_s, 4),
                      "baseline_s": round(baseline_s, 4), "fit_only_speedup": round(baseline_s / fit_only_s, 2),
                      "analysis_over_baseline": round(analysis_s / baseline_s, 3)}))


if __name__ == "__main__":
    main()
