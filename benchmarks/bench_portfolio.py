"""Benchmark: solving the portfolio MILP (every linear limit kind plus a binding CVaR floor).

Builds a seeded synthetic :class:`~alliance_analytics.portfolio.problem.PortfolioProblem` (default 200
candidates × 1,000 scenarios) with a limit of every linear kind the case builder makes: total budget and
per-start-year budgets, alliance-manager FTE, sponsor capacities, exclusion groups (pairs and triples of
competitors), dependencies, capability coverage (each candidate brings 1–3 of 12 capabilities; 6 are
required, by 1 or 2 partners), minimum and maximum number of alliances, forced in, forced out and walked
away. Scenario NPVs come from a factor model: a market factor with a 4 % crash state, one of six sector
factors and idiosyncratic noise, all scaled by the candidate's investment, plus a candidate-specific risk event
(probability 2–15 %, a loss of 0.5–2.5 × the investment). Candidates with a higher market beta or riskier
events earn a higher expected NPV, so value and tail risk pull apart. The objective is expected NPV. The CVaR
floor (5 % level) is calibrated to bind: the portfolio without a floor and the one with the highest CVaR are
solved (CBC through the package) and the floor is set ``--floor-share`` (default 30 %) of the way from the
first's CVaR to the second's.

Then times, in this process, at a 0.1 % relative gap:

- the package, :func:`~alliance_analytics.portfolio.solver.solve` with CBC and with HiGHS: the MILP over the
  linear limits with CVaR rows added lazily until the answer meets the floor (Künzi-Bay and Mayer's aggregated
  cut of each answer, then, after ten, Rockafellar and Uryasev's scenario rows from the linear relaxation's
  tail scenarios on; model building and every solve included; shown: the MILP re-solves, ``cuts``, and the
  last model's aggregated cuts, ``cvar_cuts``, and scenario rows, ``rows``);
- the named baseline, Rockafellar and Uryasev's linearisation with one row and one variable per scenario
  (what the package solved before it added CVaR rows lazily), built as ``scipy.sparse`` matrices with
  vectorised numpy and solved by HiGHS through ``scipy.optimize.milp`` (building and solving timed apart);
- the floor: the same MILP without the CVaR floor (HiGHS through the package), the least any way of
  enforcing the floor can cost;
- ``efficient_frontier`` with 10 points (its two end solves and every point), with the faster of the two
  solvers unless ``--frontier-solver`` says otherwise: warm-started (each point from the tail rows of the
  previous point's portfolio, the package's default; ``frontier_s`` and ``frontier_warm_s``) and cold (every
  point from no rows, ``frontier_cold_s``), with the largest relative difference between the two frontiers'
  expected NPVs, point by point (``frontier_warm_cold_difference``, within the gap when both are right).

Ratios are against the baseline and the floor. ``--large`` adds the same section at 1,000 candidates × 5,000
scenarios with its own time limits (keys prefixed ``large_`` in the JSON). The machine has 2 cores shared with
other work, so times are wall-clock under whatever load there was (the load average at the start is printed).
Prints each figure and as its last line one JSON object.
Usage: ``.venv/bin/python benchmarks/bench_portfolio.py [--candidates N] [--scenarios S] [--repeat R]
[--time-limit T] [--frontier-solver cbc|highs] [--large] [--large-time-limit T] [--large-frontier-time-limit T]``.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import os
import time
from dataclasses import dataclass

import numpy as np
import pulp
from scipy import optimize, sparse
from timing import best_of, cpu_seconds

from alliance_analytics.portfolio.frontier import FrontierPoint, efficient_frontier
from alliance_analytics.portfolio.problem import LinearLimit, PortfolioProblem, force_limit
from alliance_analytics.portfolio.solver import Solution, solve

GAP = 1e-3
"""Relative optimality gap of every solve (0.1 %)."""
CAPABILITIES = ("eu_hosting", "regulatory", "ai_platform", "cloud_ops", "payments", "logistics", "field_sales",
                "clinical", "data_exchange", "cybersecurity", "manufacturing", "retail_channel")
REQUIRED = {"eu_hosting": 2, "regulatory": 1, "ai_platform": 2, "payments": 1, "cybersecurity": 2, "clinical": 1}
"""Required capabilities and the least number of selected partners bringing each."""
SPONSORS = ("CEO", "CFO", "CTO", "CCO", "COO", "CSO")
YEARS = (2026, 2027, 2028)
YEAR_SHARES = (0.45, 0.40, 0.30)
"""Each start year's budget as a share of the total budget (they add up to more, so the total binds too)."""
SECTORS = 6


# ------------------------------------------------------------------------------------------ the instance
def synthetic_problem(candidates: int, scenarios: int, seed: int) -> PortfolioProblem:
    """A seeded synthetic portfolio problem without a CVaR floor (see the module docstring).

    Parameters
    ----------
    candidates : int
        Number of candidates (at least 50).
    scenarios : int
        Number of NPV scenarios.
    seed : int
        Random seed.

    Returns
    -------
    PortfolioProblem
        Expected NPV as the objective, every linear limit kind, ``cvar_floor=None``.
    """
    rng = np.random.default_rng(seed)
    ids = [f"C{number:04d}" for number in range(candidates)]
    investment = np.clip(np.round(rng.lognormal(np.log(800_000), 0.5, candidates), -3), 150_000, 4_000_000)
    fte = rng.choice([0.25, 0.5, 0.75, 1.0], candidates)
    sponsor = rng.choice(len(SPONSORS), candidates)
    start = rng.choice(len(YEARS), candidates, p=[0.4, 0.35, 0.25])
    sector = rng.integers(0, SECTORS, candidates)

    beta = rng.uniform(0.2, 1.5, candidates)
    event_probability = rng.uniform(0.02, 0.15, candidates)
    event_loss = investment * rng.uniform(0.5, 2.5, candidates)
    base = investment * (rng.normal(0.05, 0.3, candidates) + 0.35 * beta) + 1.1 * event_probability * event_loss
    market = rng.standard_normal(scenarios) - 3.0 * (rng.random(scenarios) < 0.04)
    sector_factor = rng.standard_normal((scenarios, SECTORS))
    noise = rng.standard_normal((scenarios, candidates))
    events = rng.random((scenarios, candidates)) < event_probability
    matrix = (base + investment * (0.5 * beta * market[:, None] + 0.35 * sector_factor[:, sector] + 0.45 * noise)
              - event_loss * events)
    expected = matrix.mean(axis=0)

    problem = PortfolioProblem(candidates=ids, names=[f"Partner {i}" for i in ids], value=expected,
                               expected_npv=expected, fit=rng.uniform(2.0, 5.0, candidates), scenarios=matrix,
                               limits=[])
    budget = round(0.1 * investment.sum(), -5)
    limits = [
        LinearLimit("budget", "budget", investment, "<=", budget, f"total investment at most {budget:,.0f}"),
        LinearLimit("manager_fte", "manager_fte", fte, "<=", round(0.13 * fte.sum()), "manager capacity"),
    ]
    limits += [LinearLimit(f"budget_{year}", "budget_per_year", investment * (start == index), "<=",
                           round(share * budget, -5), f"investment starting in {year}")
               for index, (year, share) in enumerate(zip(YEARS, YEAR_SHARES))]
    for index, name in enumerate(SPONSORS):
        members = sponsor == index
        capacity = max(1, round((0.1 if index == 0 else 0.3) * members.sum()))
        limits.append(LinearLimit(f"sponsor:{name}", "sponsor", members.astype(float), "<=", capacity,
                                  f"{name} sponsors at most {capacity}"))
    order = rng.permutation(candidates)
    groups = candidates // 10
    sizes = rng.choice([2, 3], groups, p=[0.7, 0.3])
    cursor = 0
    for size in sizes.tolist():
        group = np.sort(order[cursor:cursor + size])
        cursor += size
        coefficients = np.zeros(candidates)
        coefficients[group] = 1.0
        limits.append(LinearLimit("exclusion:" + "+".join(ids[i] for i in group), "exclusion", coefficients, "<=",
                                  1.0, "at most one of the group"))
    for _ in range(candidates // 25):  # dependants and their requirements, disjoint from the exclusion groups
        dependant, requirement = order[cursor], order[cursor + 1]
        cursor += 2
        coefficients = np.zeros(candidates)
        coefficients[dependant], coefficients[requirement] = 1.0, -1.0
        limits.append(LinearLimit(f"dependency:{ids[dependant]}->{ids[requirement]}", "dependency", coefficients,
                                  "<=", 0.0, "only together"))
    popularity = rng.dirichlet(np.full(len(CAPABILITIES), 2.0))
    brings = np.zeros((candidates, len(CAPABILITIES)), dtype=bool)
    for row, count in zip(brings, rng.integers(1, 4, candidates).tolist()):
        row[rng.choice(len(CAPABILITIES), count, replace=False, p=popularity)] = True
    for capability, least in REQUIRED.items():
        column = brings[:, CAPABILITIES.index(capability)].astype(float)
        limits.append(LinearLimit(f"coverage:{capability}", "coverage", column, ">=", float(least),
                                  f"{capability} covered by at least {least}"))
    ones = np.ones(candidates)
    limits += [LinearLimit("min_alliances", "min_alliances", ones, ">=", round(0.05 * candidates), "at least"),
               LinearLimit("max_alliances", "max_alliances", ones, "<=", round(0.2 * candidates), "at most")]
    free = order[cursor:]  # in no exclusion group or dependency
    ranked = free[np.argsort(expected[free])]
    walked_away, forced_in, forced_out = ranked[:3], ranked[len(ranked) // 2:len(ranked) // 2 + 2], ranked[-2:]
    limits += [force_limit(problem, ids[i], True, "force_in") for i in forced_in]
    limits += [force_limit(problem, ids[i], False, "force_out") for i in forced_out]
    limits += [force_limit(problem, ids[i], False, "walk_away") for i in walked_away]
    return problem.with_limits(limits)


@dataclass(frozen=True)
class Calibration:
    """How the CVaR floor was set: the two end portfolios and their CVaRs."""

    unconstrained: Solution
    safest: Solution
    unconstrained_cvar: float
    highest_cvar: float | None
    floor: float
    seconds: float


def calibrate_floor(problem: PortfolioProblem, share: float, time_limit_s: float) -> Calibration:
    """Set the CVaR floor ``share`` of the way from the best portfolio's CVaR to the highest CVaR (CBC).

    When the highest-CVaR solve finds no portfolio in time, ``highest_cvar`` is None and the floor is the best
    portfolio's own CVaR (not binding): the section then times the model building only.
    """
    started = time.perf_counter()
    unconstrained = solve(problem, "cbc", time_limit_s, GAP)
    safest = solve(problem, "cbc", time_limit_s, GAP, maximise="cvar")
    low = float(problem.cvar(unconstrained.selection))
    high = float(problem.cvar(safest.selection)) if safest.found else None
    floor = low if high is None else low + share * (high - low)
    return Calibration(unconstrained, safest, low, high, floor, time.perf_counter() - started)


# -------------------------------------------------------------------------------------------- the baseline model
@dataclass(frozen=True)
class UryasevModel:
    """Rockafellar and Uryasev's model as ``scipy.optimize.milp`` arguments (minimising: the objective negated)."""

    c: np.ndarray
    constraints: optimize.LinearConstraint
    integrality: np.ndarray
    bounds: optimize.Bounds


def uryasev_model(problem: PortfolioProblem) -> UryasevModel:
    """The baseline as sparse matrices: columns ``x`` (n), ``η``, ``u`` (S); rows limits, one per scenario, CVaR."""
    n, count = problem.size, problem.scenarios.shape[0]
    coefficients = np.array([limit.coefficients for limit in problem.limits])
    bounds = np.array([limit.bound for limit in problem.limits])
    upper_limit = np.array([limit.sense == "<=" for limit in problem.limits])
    limit_rows = sparse.hstack([sparse.csr_array(coefficients), sparse.csr_array((len(bounds), 1 + count))])
    tail_rows = sparse.hstack([sparse.csr_array(problem.scenarios), sparse.csr_array(-np.ones((count, 1))),
                               sparse.identity(count, format="csr")])
    cvar_row = sparse.csr_array((np.r_[1.0, np.full(count, -1.0 / (problem.cvar_level * count))],
                                 np.arange(n, n + 1 + count), [0, 1 + count]), shape=(1, n + 1 + count))
    matrix = sparse.vstack([limit_rows, tail_rows, cvar_row], format="csr")
    lower = np.r_[np.where(upper_limit, -np.inf, bounds), np.zeros(count), problem.cvar_floor]
    upper = np.r_[np.where(upper_limit, bounds, np.inf), np.full(count + 1, np.inf)]
    return UryasevModel(c=-np.r_[problem.value, np.zeros(1 + count)],
                      constraints=optimize.LinearConstraint(matrix, lower, upper),
                      integrality=np.r_[np.ones(n), np.zeros(1 + count)],
                      bounds=optimize.Bounds(np.r_[np.zeros(n), -np.inf, np.zeros(count)],
                                             np.r_[np.ones(n), np.full(1 + count, np.inf)]))


# ------------------------------------------------------------------------------------------- one section
def timed_solve(problem: PortfolioProblem, solver: str, time_limit_s: float) -> dict:
    """Solve with the package at :data:`GAP` (row loop included): status, objective, gap, times, re-solves
    (``cuts``), aggregated cuts (``cvar_cuts``) and scenario rows (``rows``) of the last model, CVaR."""
    cpu, started = cpu_seconds(), time.perf_counter()
    solution = solve(problem, solver, time_limit_s, GAP)
    seconds, cpu = time.perf_counter() - started, cpu_seconds() - cpu
    return {"status": solution.status, "objective": solution.objective, "gap": solution.gap, "seconds": seconds,
            "cpu_s": cpu, "selection": solution.selection, "cuts": solution.cuts, "cvar_cuts": len(solution.rows.cvar),
            "rows": len(solution.rows.scenarios),
            "cvar": None if solution.selection is None else float(problem.cvar(solution.selection))}


def milp_solve(model: UryasevModel, time_limit_s: float) -> dict:
    """Solve the floor model with ``scipy.optimize.milp`` at :data:`GAP`: status, objective, gap, time."""
    started = time.perf_counter()
    result = optimize.milp(model.c, constraints=model.constraints, integrality=model.integrality,
                           bounds=model.bounds, options={"mip_rel_gap": GAP, "time_limit": time_limit_s})
    seconds = time.perf_counter() - started
    status = {0: "optimal", 1: "time limit"}.get(result.status, f"failed ({result.message})")
    found = result.x is not None
    return {"status": status if found or result.status != 1 else "no solution", "seconds": seconds,
            "objective": float(-result.fun) if found else None,
            "gap": float(result.mip_gap) if found and result.mip_gap is not None else None}


def timed_frontier(problem: PortfolioProblem, points: int, solver: str, time_limit_s: float,
                   warm_start: bool) -> tuple[float, list[FrontierPoint]]:
    """``efficient_frontier`` at :data:`GAP`, warm-started or cold: wall seconds and the points."""
    started = time.perf_counter()
    frontier = efficient_frontier(problem, points=points, solver=solver, time_limit_s=time_limit_s, gap=GAP,
                                  warm_start=warm_start)
    return time.perf_counter() - started, frontier


def frontier_difference(first: list[FrontierPoint], second: list[FrontierPoint]) -> float | None:
    """The largest relative difference between two frontiers' expected NPVs at the same floors (None when they
    have different floors or a point without a portfolio)."""
    pairs = list(zip(first, second))
    if len(first) != len(second) or any(a.cvar_floor != b.cvar_floor or a.expected_npv is None
                                        or b.expected_npv is None for a, b in pairs):
        return None
    return max(abs(a.expected_npv - b.expected_npv) / max(abs(a.expected_npv), 1.0) for a, b in pairs)


def line(label: str, text: str) -> None:
    """One row of the table."""
    print(f"  {label:<44} {text}")


def run_section(candidates: int, scenarios: int, options: argparse.Namespace, repeat: int, time_limit_s: float,
                frontier_time_limit_s: float) -> dict:
    """Build one instance, time everything, print the table and return the figures."""
    started = time.perf_counter()
    base = synthetic_problem(candidates, scenarios, options.seed)
    calibration = calibrate_floor(base, options.floor_share, time_limit_s)
    problem = dataclasses.replace(base, cvar_floor=calibration.floor)
    kinds = sorted({limit.family for limit in problem.limits})
    baseline_build_s, baseline_model = best_of(repeat, uryasev_model, problem)
    size = baseline_model.constraints.A.shape
    print(f"== {candidates:,} candidates × {scenarios:,} scenarios; {len(problem.limits)} linear limits of "
          f"{len(kinds)} kinds ({', '.join(kinds)}) + CVaR floor; the baseline model has {size[0]:,} rows and "
          f"{size[1]:,} columns")
    figures = {"candidates": candidates, "scenarios": scenarios, "limits": len(problem.limits), "limit_kinds": kinds,
               "baseline_rows": size[0], "baseline_columns": size[1], "calibration_s": round(calibration.seconds, 2)}
    if calibration.highest_cvar is None:
        print(f"  CVaR floor calibration FAILED ({calibration.safest.status}); solves skipped")
        return {**figures, "cvar_calibration": calibration.safest.status}
    line("CVaR floor calibration", f"{calibration.seconds:.1f} s: best portfolio's CVaR "
         f"{calibration.unconstrained_cvar:,.0f}, highest {calibration.highest_cvar:,.0f} → floor "
         f"{calibration.floor:,.0f} ({options.floor_share:.0%} of the way)")
    floor_s, _ = best_of(repeat, lambda: solve(base, "highs", time_limit_s, GAP))
    runs = {solver: timed_solve(problem, solver, time_limit_s) for solver in ("cbc", "highs")}
    baseline = milp_solve(baseline_model, time_limit_s)
    for solver, run in runs.items():
        gap = "n/a" if run["gap"] is None else f"{run['gap']:.3%}"
        objective = "n/a" if run["objective"] is None else f"{run['objective']:,.0f}"
        line(f"package, {solver.upper()}, lazy CVaR rows", f"{run['seconds']:.2f} s (CPU {run['cpu_s']:.2f} s), "
             f"{run['status']}, gap {gap}, objective {objective}, {run['cuts']} re-solves ({run['cvar_cuts']} "
             f"aggregated cuts, {run['rows']:,} scenario rows); "
             f"{run['seconds'] / floor_s:.1f}x floor, {run['seconds'] / (baseline_build_s + baseline['seconds']):.3f}x "
             "baseline")
    objective = "n/a" if baseline["objective"] is None else f"{baseline['objective']:,.0f}"
    line("baseline: R-U rows, scipy milp (HiGHS)", f"build {baseline_build_s:.3f} s + solve {baseline['seconds']:.2f} s, "
         f"{baseline['status']}, objective {objective}")
    line("floor: the MILP without the CVaR floor", f"{floor_s:.3f} s (HiGHS, best of {repeat})")
    objectives = [value for value in (runs["cbc"]["objective"], runs["highs"]["objective"], baseline["objective"])
                  if value is not None]
    disagreement = (max(objectives) - min(objectives)) / abs(max(objectives)) if len(objectives) > 1 else None
    if disagreement is not None:
        line("objectives agree", f"largest relative difference {disagreement:.3%} "
             f"({'within' if disagreement <= 2 * GAP else 'OUTSIDE'} the solves' gaps)")
    fastest = min(runs, key=lambda solver: (runs[solver]["status"] != "optimal", runs[solver]["seconds"]))
    frontier_solver = options.frontier_solver or fastest
    frontiers = {warm: timed_frontier(problem, options.frontier_points, frontier_solver, frontier_time_limit_s, warm)
                 for warm in (True, False)}
    for warm, (seconds, frontier) in frontiers.items():
        statuses = [point.status for point in frontier]
        line(f"frontier, {options.frontier_points} points ({frontier_solver.upper()}, {'warm' if warm else 'cold'})",
             f"{seconds:.1f} s; statuses " + ", ".join(f"{statuses.count(s)} {s}" for s in sorted(set(statuses))))
    (frontier_s, frontier), (cold_s, cold) = frontiers[True], frontiers[False]
    statuses = [point.status for point in frontier]
    difference = frontier_difference(frontier, cold)
    if difference is not None:
        line("warm and cold frontiers agree", f"largest relative difference of a point's expected NPV {difference:.3%} "
             f"({'within' if difference <= 2 * GAP else 'OUTSIDE'} the solves' gaps)")
    best = runs[fastest]
    binding = best["objective"] is not None and best["objective"] < calibration.unconstrained.objective * (1 - 2 * GAP)
    line("CVaR floor binds", "yes" if binding else "NO")
    line("section wall time", f"{time.perf_counter() - started:.1f} s")
    baseline_total = baseline_build_s + baseline["seconds"]
    return {
        **figures, "cvar_calibration": calibration.safest.status, "cvar_floor": round(calibration.floor, 2),
        "cvar_binding": bool(binding), "floor_s": round(floor_s, 4),
        "baseline_build_s": round(baseline_build_s, 4), "baseline_solve_s": round(baseline["seconds"], 3),
        "baseline_status": baseline["status"], "baseline_objective": baseline["objective"],
        **{f"{solver}_{key}": (round(value, 4) if isinstance(value, float) else value)
           for solver, run in runs.items() for key, value in run.items() if key != "selection"},
        "cbc_over_baseline": round(runs["cbc"]["seconds"] / baseline_total, 4),
        "highs_over_baseline": round(runs["highs"]["seconds"] / baseline_total, 4),
        "highs_over_floor": round(runs["highs"]["seconds"] / floor_s, 2),
        "objective_disagreement": disagreement, "frontier_s": round(frontier_s, 2), "frontier_solver": frontier_solver,
        "frontier_statuses": statuses, "frontier_warm_s": round(frontier_s, 2), "frontier_cold_s": round(cold_s, 2),
        "frontier_cold_statuses": [point.status for point in cold], "frontier_warm_cold_difference": difference,
        "section_s": round(time.perf_counter() - started, 1),
    }


def main() -> None:
    """Run the default section (and the large one with ``--large``) and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--candidates", type=int, default=200)
    parser.add_argument("--scenarios", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--time-limit", type=float, default=120.0, help="seconds per solve")
    parser.add_argument("--floor-share", type=float, default=0.3,
                        help="where the CVaR floor sits between the best portfolio's CVaR and the highest CVaR")
    parser.add_argument("--frontier-points", type=int, default=10)
    parser.add_argument("--frontier-solver", choices=("cbc", "highs"),
                        help="default: the faster of the two at the section's size")
    parser.add_argument("--large", action="store_true", help="also run 1,000 candidates × 5,000 scenarios")
    parser.add_argument("--large-time-limit", type=float, default=60.0, help="seconds per solve, large section")
    parser.add_argument("--large-frontier-time-limit", type=float, default=60.0,
                        help="seconds per frontier solve, large section")
    options = parser.parse_args()
    load = os.getloadavg()[0]
    print(f"portfolio MILP benchmark, {dt.date.today()}, PuLP {pulp.__version__}, load average {load:.2f} at the "
          f"start on {os.cpu_count()} cores shared with other work (wall-clock times)")
    figures = run_section(options.candidates, options.scenarios, options, options.repeat, options.time_limit,
                          options.time_limit)
    if options.large:
        large = run_section(1000, 5000, options, 1, options.large_time_limit, options.large_frontier_time_limit)
        figures.update({f"large_{key}": value for key, value in large.items()})
    figures.update(load_average=round(load, 2), end_load_average=round(os.getloadavg()[0], 2), gap=GAP,
                   repeat=options.repeat)
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
