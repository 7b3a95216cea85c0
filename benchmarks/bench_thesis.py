"""Benchmark: how the thesis check scales with the number of draws, against a bare floor and a nested Monte Carlo EVSI.

Runs on the sample case (``data/sample``, loaded once with ``load_case``): actuals for the two alliances in flight
A01 and A03, and two costed pilots, C11 ``rev_app`` and C05 ``study_savings``. The case's seed and sampling come
from ``simulation`` in ``case.yaml``. For each number of draws N (default 5,000, 20,000, 80,000 and 320,000;
``--quick`` 2,000 and 8,000) it times the following in this process. Each figure is the best of ``--repeat`` runs,
as the machine's other load only ever adds time:

- the model, ``thesis_check(case, N, seed, sampling)``. For each alliance with actuals it simulates the business
  case, updates the observed inputs (in closed form where prior and evidence are a conjugate pair, by importance
  resampling otherwise), re-runs the simulation and gives the then-versus-now summary and the verdict. For each
  costed pilot it simulates the candidate and computes the EVPPI and the EVSI/ENBS curve over every pilot size;
- the floor, the least a re-forecast must do at this size: one bare vectorised call of ``cash_flows`` + ``npv`` per
  alliance with actuals, on inputs that are already sampled. These are ``simulate_thesis``'s draws of the business
  case, combined into a ``ValueThesis`` and ``RiskImpacts`` before the clock starts. The floor leaves out
  sampling, the update, the model's second run per alliance (it runs once before and once after the update) and
  the pilots, so it is a strict lower bound of the model. Its NPVs are checked against ``simulate_thesis``'s;
- the pilot valuation, ours: ``pilot_plan`` (EVSI by preposterior analysis on the discrete prior) on
  ``conditional_means(npv, θ)``, for C11's pilot (``unit_sd`` and ``max_n`` from ``pilots.csv``). NPV and θ
  (``rev_app``) are the draws of ``simulate_thesis(case, "C11", N, seed, sampling)``;
- its baseline, textbook nested Monte Carlo EVSI on the same N draws and the same pilot sizes
  (``pilot_sizes(max_n)``). For each of K (``--outer``, default 1,000) simulated pilot results
  X_k ~ N(θ_k, σ²/n), with θ_k a prior draw picked at random, every one of the N prior draws is weighted by its
  likelihood φ((X_k − θ_i)/(σ/√n)) and max(weighted mean NPV, 0) is taken. Then
  EVSI(n) = mean over k − max(mean NPV, 0). The same K outer draws (θ_k and X_k's standard normal) serve every
  pilot size (common random numbers). The cost is K·N likelihoods per pilot size, so by default this baseline
  runs once per size (``--baseline-repeat``). The two curves are compared by their largest absolute difference,
  as a share of the EVPPI (``evppi(npv, θ)``). Beside it is the nested estimate's Monte Carlo standard error at
  that size (the sd of max(·, 0) over k, divided by √K), also as a share of the EVPPI, and the difference in
  standard errors.

One untimed run of the model and of ours at the smallest size comes first, so lazy imports and first-call set-up
are not counted in the first size. The time per draw is seconds / N (one draw is one iteration of every simulation
the check runs: two per alliance and one per pilot). The scaling exponent is the log-log slope of time against N,
between consecutive sizes and, by least squares, over all of them (1 means linear). One model run at the largest
size has its peak memory traced with ``tracemalloc`` (Python allocations, numpy's included), and the process's
``ru_maxrss`` at the end is printed beside it. The script prints each figure, the ratios (model / floor, nested /
ours) and the load average at the start and at the end, and as its last line one JSON object.
Usage: ``.venv/bin/python benchmarks/bench_thesis.py [--sizes N N ...] [--repeat R] [--outer K]
[--baseline-repeat R] [--pilot ID] [--quick]``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import json
import math
import os
import resource
import time
import tracemalloc

import numpy as np
import pandas as pd
from timing import best_of

from alliance_analytics import load_case
from alliance_analytics.case.model import ADDITIVE_QUANTITIES
from alliance_analytics.core.paths import SAMPLE_CASE_DIR
from alliance_analytics.risk.analysis import simulate_thesis
from alliance_analytics.risk.cash_flow import RiskImpacts, ValueThesis, cash_flows, npv
from alliance_analytics.risk.value_of_information import conditional_means, evppi
from alliance_analytics.thesis.analysis import thesis_check
from alliance_analytics.thesis.evsi import pilot_plan, pilot_sizes

SIZES = (5_000, 20_000, 80_000, 320_000)
QUICK_SIZES = (2_000, 8_000)
CHUNK = 2_000_000
"""Likelihoods the nested Monte Carlo holds at once (outer rows × N prior draws, 16 MB)."""
BASELINE_STREAM = 7_919
"""Spawn key of the nested Monte Carlo's outer draws under the case's seed (apart from the model's streams)."""


# ------------------------------------------------------------------------------------------------- the floor
def years_until(as_of: dt.date, date: object) -> float | None:
    """Years from ``as_of`` to ``date`` (None when no date), never negative, as the risk simulation counts them."""
    if date is None or pd.isna(date):
        return None
    return max((pd.Timestamp(date) - pd.Timestamp(as_of)).days / 365.25, 0.0)


def sampled_inputs(case, owner: str, iterations: int, seed: int,
                   sampling: str) -> tuple[ValueThesis, RiskImpacts, float | None, np.ndarray]:
    """An owner's business-case draws, ready for the cash-flow model, and the NPVs the simulation found on them.

    The sampled assumptions of ``simulate_thesis`` are combined by quantity (additive quantities add up, the
    investment of the case's row where no assumption gives one) and the risks' realised impacts by type (delays
    and one-off costs add up, revenue losses combine as 1 − Π(1 − loss)), as the simulation combines them.
    """
    simulation = simulate_thesis(case, owner, iterations, seed, sampling)
    proposed = owner in case.candidates.index
    record = (case.candidates if proposed else case.alliances).loc[owner]
    as_of = case.settings.as_of if proposed else record["start_date"]
    rows = case.assumptions[case.assumptions["candidate_id"] == owner]
    risks = case.risks[case.risks["candidate_id"] == owner]
    inputs = simulation.inputs
    quantities = {"investment": np.full(iterations, float(record["investment"]))}
    for quantity, group in rows.groupby("quantity"):
        columns = inputs[list(group["assumption_id"])].to_numpy()
        quantities[quantity] = columns.sum(axis=1) if quantity in ADDITIVE_QUANTITIES else columns[:, 0]
    realised = {kind: inputs[[f"risk:{risk}" for risk in risks.loc[risks["impact_type"] == kind, "risk_id"]]]
                .to_numpy() for kind in ("delay_months", "one_off_cost", "revenue_loss_pct")}
    impacts = RiskImpacts(realised["delay_months"].sum(axis=1), realised["one_off_cost"].sum(axis=1),
                          1 - np.prod(1 - realised["revenue_loss_pct"], axis=1))
    return (ValueThesis.from_arrays(iterations, **quantities), impacts, years_until(as_of, record["phase_out_date"]),
            simulation.npv)


def floor(prepared: list[tuple], horizon_years: int, rate: float) -> list[np.ndarray]:
    """The floor: one bare ``cash_flows`` + ``npv`` per alliance with actuals, on already-sampled inputs."""
    return [npv(cash_flows(thesis, impacts, horizon_years, phase_out), rate)
            for thesis, impacts, phase_out, _ in prepared]


# ------------------------------------------------------------------------------------------ the pilot valuation
def our_plan(values: np.ndarray, theta: np.ndarray, pilot) -> pd.DataFrame:
    """Ours: ``pilot_plan`` on the EVPPI's discretised prior (``conditional_means``), as the thesis check calls it."""
    return pilot_plan(*conditional_means(values, theta), pilot.evidence, int(pilot.max_n), float(pilot.fixed_cost),
                      float(pilot.unit_cost), float(pilot.unit_sd))


def nested_evsi(values: np.ndarray, theta: np.ndarray, sizes: np.ndarray, unit_sd: float, outer: int,
                seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Baseline: textbook nested Monte Carlo EVSI of a normal pilot; EVSI and its standard error per size.

    For each of ``outer`` pilot results X_k ~ N(θ_k, σ²/n), θ_k a random prior draw, all N prior draws are
    weighted by the likelihood exp(−(X_k − θ_i)² / (2σ²/n)) (the constant factor cancels) and the weighted mean
    NPV is the posterior mean. EVSI(n) = mean_k max(posterior mean, 0) − max(mean NPV, 0). No row can underflow
    to all zeros, so no log-sum-exp shift is needed: the draw θ_k itself is among the N, with weight
    exp(−z_k²/2), z_k the standard normal of X_k, which underflows only for |z_k| above 38.
    """
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(BASELINE_STREAM,)))
    draws = len(values)
    centres = theta[rng.integers(draws, size=outer)]
    noise = rng.standard_normal(outer)
    decide_now = max(float(values.mean()), 0.0)
    weighed = np.column_stack([values, np.ones(draws)])  # one product gives Σ w·NPV and Σ w
    rows = max(1, CHUNK // draws)
    buffer = np.empty((min(rows, outer), draws))
    estimates, errors = [], []
    for size in sizes:
        scale = math.sqrt(size / 2) / unit_sd  # (X − θ)·scale squared is (X − θ)² / (2σ²/n)
        scaled = theta * scale
        observed = (centres + noise * unit_sd / math.sqrt(size)) * scale
        posterior_mean = np.empty(outer)
        for start in range(0, outer, rows):
            x = observed[start:start + rows]
            block = buffer[:len(x)]
            np.subtract(x[:, None], scaled[None, :], out=block)
            np.square(block, out=block)
            np.negative(block, out=block)
            np.exp(block, out=block)
            sums = block @ weighed
            posterior_mean[start:start + len(x)] = sums[:, 0] / sums[:, 1]
        informed = np.maximum(posterior_mean, 0.0)
        estimates.append(informed.mean() - decide_now)
        errors.append(informed.std(ddof=1) / math.sqrt(outer))
    return np.array(estimates), np.array(errors)


# ----------------------------------------------------------------------------------------------------- scaling
def slopes(sizes: list[int], seconds: list[float]) -> list[float]:
    """Log-log slope of time against draws between consecutive sizes."""
    return [math.log(t2 / t1) / math.log(n2 / n1)
            for (n1, t1), (n2, t2) in itertools.pairwise(zip(sizes, seconds, strict=True))]


def fitted_slope(sizes: list[int], seconds: list[float]) -> float:
    """Least-squares log-log slope of time against draws over every size."""
    return float(np.polyfit(np.log(sizes), np.log(seconds), 1)[0])


# --------------------------------------------------------------------------------------------------------- main
def main() -> None:
    """Load the sample case, time each step at each size and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=None,
                        help="numbers of draws (default 5,000 20,000 80,000 320,000; quick 2,000 8,000)")
    parser.add_argument("--repeat", type=int, default=None, help="runs per timing, the best kept (default 3; 1 quick)")
    parser.add_argument("--outer", type=int, default=1_000, help="simulated pilot results K of the nested MC")
    parser.add_argument("--baseline-repeat", type=int, default=1, help="runs of the nested MC per size")
    parser.add_argument("--pilot", default="C11", help="candidate of the pilot valued (a row of pilots.csv)")
    parser.add_argument("--quick", action="store_true", help="2,000 and 8,000 draws, one run each: a smoke run")
    options = parser.parse_args()
    sizes = sorted(options.sizes or (QUICK_SIZES if options.quick else SIZES))
    repeat = options.repeat or (1 if options.quick else 3)
    load = os.getloadavg()[0]
    started = time.perf_counter()
    case = load_case(SAMPLE_CASE_DIR)
    load_s = time.perf_counter() - started
    simulation = case.settings.simulation
    seed, sampling = simulation.seed, simulation.sampling
    finance = case.settings.finance
    actuals = case.thesis_tables["actuals.csv"]
    pilots = case.thesis_tables["pilots.csv"]
    owners = list(dict.fromkeys(actuals["alliance_id"]))
    pilot = next(row for row in pilots.itertuples(index=False) if row.candidate_id == options.pilot)
    if pilot.evidence != "normal":
        raise SystemExit(f"the nested Monte Carlo baseline values normal pilots; {options.pilot}'s is {pilot.evidence}")
    plan_sizes = pilot_sizes(int(pilot.max_n))
    started = time.perf_counter()  # one untimed run first: lazy imports and first-call set-up are not timed
    thesis_check(case, sizes[0], seed, sampling)
    warm = simulate_thesis(case, pilot.candidate_id, sizes[0], seed, sampling)
    our_plan(warm.npv, warm.inputs[pilot.assumption_id].to_numpy(), pilot)
    warm_s = time.perf_counter() - started

    rows = []
    for size in sizes:
        model_s, result = best_of(repeat, thesis_check, case, size, seed, sampling)
        prepared = [sampled_inputs(case, owner, size, seed, sampling) for owner in owners]
        floor_s, floor_npvs = best_of(repeat, floor, prepared, finance.horizon_years, finance.discount_rate)
        floor_gap = max(float(np.max(np.abs(found - item[3]) / np.maximum(np.abs(item[3]), 1.0)))
                        for found, item in zip(floor_npvs, prepared))
        candidate = simulate_thesis(case, pilot.candidate_id, size, seed, sampling)
        values, theta = candidate.npv, candidate.inputs[pilot.assumption_id].to_numpy()
        ours_s, plan = best_of(repeat, our_plan, values, theta, pilot)
        nested_s, (nested, errors) = best_of(options.baseline_repeat, nested_evsi, values, theta, plan_sizes,
                                             float(pilot.unit_sd), options.outer, seed)
        model_pilot = next(item for item in result.pilots if item.candidate == pilot.candidate_id)
        worth = evppi(values, theta)
        difference = np.abs(nested - plan["evsi"].to_numpy())
        worst = int(np.argmax(difference))
        rows.append({
            "size": size, "model_s": model_s, "floor_s": floor_s, "ours_s": ours_s, "nested_s": nested_s,
            "floor_gap": floor_gap, "evppi": worth, "diff_share": float(difference[worst] / worth),
            "se_share": float(errors[worst] / worth), "diff_in_se": float(difference[worst] / errors[worst]),
            "worst_n": int(plan_sizes[worst]), "max_se_share": float(errors.max() / worth),
            "ours_vs_model": float(np.max(np.abs(plan["evsi"].to_numpy() - model_pilot.plan["evsi"].to_numpy()))),
            "verdicts": {owner: result.verdicts[owner].code for owner in owners},
            "ess": {owner: None if result.updates[owner].ess is None else round(float(result.updates[owner].ess))
                    for owner in owners},
            "best_pilot": {item.candidate: item.best_size for item in result.pilots},
        })
        del result, prepared, floor_npvs, candidate

    largest = sizes[-1]
    tracemalloc.start()
    started = time.perf_counter()
    thesis_check(case, largest, seed, sampling)
    traced_s = time.perf_counter() - started
    peak_mib = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    maxrss_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    end_load = os.getloadavg()[0]

    column = {key: [row[key] for row in rows] for key in rows[0]}
    exponents = {key: slopes(sizes, column[key]) if len(sizes) > 1 else [] for key in
                 ("model_s", "floor_s", "ours_s", "nested_s")}
    fitted = {key: fitted_slope(sizes, column[key]) if len(sizes) > 1 else None for key in exponents}
    names = {"model_s": "model", "floor_s": "floor", "ours_s": "EVSI ours", "nested_s": "EVSI nested MC"}

    costed = ", ".join(f"{row.candidate_id} {row.assumption_id}" for row in pilots.itertuples(index=False))
    print(f"case: sample ({SAMPLE_CASE_DIR.name}), seed {seed}, sampling {sampling}; actuals for "
          f"{', '.join(owners)}; pilots {costed}")
    print(f"pilot valued: {pilot.candidate_id} {pilot.assumption_id} ({pilot.evidence}, unit_sd {pilot.unit_sd:,.0f}, "
          f"max_n {pilot.max_n}: {len(plan_sizes)} pilot sizes), nested MC with K = {options.outer:,} outer draws")
    print(f"best of {repeat} (nested MC: {options.baseline_repeat}); load average {load:.2f} at the start, "
          f"{end_load:.2f} at the end; load_case {load_s:.2f} s, untimed warm-up run {warm_s:.2f} s")
    print(f"{'draws':>9}{'model s':>10}{'µs/draw':>9}{'floor s':>10}{'model/floor':>13}{'EVSI ours s':>13}"
          f"{'nested MC s':>13}{'nested/ours':>13}{'max|Δ|/EVPPI':>14}{'s.e./EVPPI':>12}{'|Δ|/s.e.':>10}")
    for row in rows:
        print(f"{row['size']:>9,}{row['model_s']:>10.3f}{1e6 * row['model_s'] / row['size']:>9.2f}"
              f"{row['floor_s']:>10.4f}{row['model_s'] / row['floor_s']:>13.1f}{row['ours_s']:>13.4f}"
              f"{row['nested_s']:>13.2f}{row['nested_s'] / row['ours_s']:>13.0f}{row['diff_share']:>14.2%}"
              f"{row['se_share']:>12.2%}{row['diff_in_se']:>10.2f}")
    if len(sizes) > 1:
        steps = " | ".join(f"{a:,}→{b:,}" for a, b in itertools.pairwise(sizes))
        print(f"scaling exponent (log-log slope of time against draws), {steps} | least squares over all:")
        for key, label in names.items():
            print(f"  {label:<16}" + " | ".join(f"{value:.2f}" for value in exponents[key])
                  + f" | {fitted[key]:.2f}")
    for row in rows:
        print(f"{row['size']:>9,} draws: verdicts {row['verdicts']}, ESS {row['ess']}, best pilot sizes "
              f"{row['best_pilot']}; {pilot.candidate_id} EVPPI {row['evppi']:,.0f}, largest EVSI difference at "
              f"n = {row['worst_n']} (largest nested s.e. {row['max_se_share']:.2%} of EVPPI)")
    print(f"floor NPVs vs simulate_thesis: largest relative difference {max(column['floor_gap']):.1e}; our plan vs "
          f"thesis_check's {pilot.candidate_id} EVSI curve: largest difference {max(column['ours_vs_model']):.1e}")
    print(f"model peak traced memory at {largest:,} draws: {peak_mib:.1f} MiB ({traced_s:.2f} s under tracemalloc); "
          f"process ru_maxrss {maxrss_mib:.0f} MiB")
    print(json.dumps({
        "sizes": sizes, "repeat": repeat, "baseline_repeat": options.baseline_repeat, "outer": options.outer,
        "pilot": f"{pilot.candidate_id}:{pilot.assumption_id}", "pilot_sizes": len(plan_sizes),
        "model_s": [round(value, 4) for value in column["model_s"]],
        "us_per_draw": [round(1e6 * row["model_s"] / row["size"], 3) for row in rows],
        "floor_s": [round(value, 5) for value in column["floor_s"]],
        "model_over_floor": [round(row["model_s"] / row["floor_s"], 1) for row in rows],
        "scaling_exponent": None if fitted["model_s"] is None else round(fitted["model_s"], 3),
        "scaling_exponents_model": [round(value, 3) for value in exponents["model_s"]],
        "scaling_exponent_floor": None if fitted["floor_s"] is None else round(fitted["floor_s"], 3),
        "evsi_ours_s": [round(value, 5) for value in column["ours_s"]],
        "evsi_nested_s": [round(value, 4) for value in column["nested_s"]],
        "nested_over_ours": [round(row["nested_s"] / row["ours_s"], 1) for row in rows],
        "scaling_exponent_evsi_ours": None if fitted["ours_s"] is None else round(fitted["ours_s"], 3),
        "scaling_exponent_evsi_nested": None if fitted["nested_s"] is None else round(fitted["nested_s"], 3),
        "evppi": [round(value, 1) for value in column["evppi"]],
        "max_curve_diff_share_of_evppi": [round(value, 4) for value in column["diff_share"]],
        "nested_se_share_of_evppi": [round(value, 4) for value in column["se_share"]],
        "max_curve_diff_in_se": [round(value, 2) for value in column["diff_in_se"]],
        "floor_npv_gap": max(column["floor_gap"]), "ours_vs_model_gap": max(column["ours_vs_model"]),
        "peak_mib": round(peak_mib, 1), "peak_at": largest, "maxrss_mib": round(maxrss_mib, 1),
        "load_average": round(load, 2), "end_load_average": round(end_load, 2), "quick": options.quick,
    }))


if __name__ == "__main__":
    main()
