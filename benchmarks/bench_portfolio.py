"""Benchmark: building and solving the portfolio MILP (every linear limit kind plus the CVaR floor).

Builds a seeded synthetic :class:`~alliance_analytics.portfolio.problem.PortfolioProblem` (default 200
candidates × 1,000 scenarios) with a limit of every linear kind the case builder makes: total budget and
per-start-year budgets, alliance-manager FTE, sponsor capacities, exclusion groups (pairs and triples of
competitors), dependencies, capability coverage (each candidate brings 1–3 of 12 capabilities; 6 are
required, by 1 or 2 partners), minimum and maximum number of alliances, forced in, forced out and walked
away. The loss-probability limit is left out: its binary per scenario makes a different, much harder
problem class. Scenario NPVs come from a factor model: a market factor with a 4 % crash state, one of six
sector factors and idiosyncratic noise, all scaled by the candidate's investment, plus a candidate-specific
risk event (probability 2–15 %, a loss of 0.5–2.5 × the investment). Candidates with a higher market beta
or riskier events earn a higher expected NPV, so value and tail risk pull apart. The objective is expected
NPV. The CVaR floor (5 % level) is calibrated to bind: the portfolio without a floor and the one with the
highest CVaR are solved (HiGHS, 0.1 % gap) and the floor is set ``--floor-share`` (default 30 %) of the way
from the first's CVaR to the second's.

Then times, in this process:

- ``build_model`` (the package: rows from numpy arrays straight into ``LpAffineExpression`` pairs),
  best of ``--repeat``;
- baseline ``straightforward PuLP``: the same model with ``lpSum(coef * x[i] for …)`` for every limit row,
  every scenario row, the CVaR row and the objective (coefficients as Python floats, zero coefficients left
  out as the package does, variables made with ``LpProblem.add_variable`` to avoid PuLP 3's deprecation
  warning on ``LpVariable(...)``; same rows, columns and non-zeros, which is checked);
- the floor: the same model as ``scipy.sparse`` CSR matrices built with vectorised numpy, packaged as
  ``LinearConstraint``, ``Bounds`` and ``integrality`` for ``scipy.optimize.milp`` (building only); it is
  also solved once with ``milp`` at the same gap as a cross-check of the objective;
- ``solve_model`` with CBC and with HiGHS at a 0.1 % relative gap (``Solution.seconds``: PuLP's export to
  the solver is included, building is not; the MPS write CBC needs and HiGHS's own run time are shown
  separately). A stop at the time limit is reported as such, with the gap reached;
- ``efficient_frontier`` with 10 points at a 0.1 % gap (its two end solves, every point's model building
  and solve), with the faster of the two solvers unless ``--frontier-solver`` says otherwise.

``--large`` adds the same section at 1,000 candidates × 5,000 scenarios with its own time limits (keys
prefixed ``large_`` in the JSON). The machine has 2 cores shared with other work, so times are wall-clock
under whatever load there was (the load average at the start is printed); best-of-N removes only part of
that noise. Targets of the issue (default size): building at least 3× faster than the straightforward
construction and under a quarter of the solve time, CBC under 20 s with the floor binding, the frontier
under 2 minutes. Prints each figure and as its last line one JSON object.
Usage: ``.venv/bin/python benchmarks/bench_portfolio.py [--candidates N] [--scenarios S] [--repeat R]
[--time-limit T] [--frontier-solver cbc|highs] [--large] [--large-time-limit T] [--large-frontier-time-limit T]``.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pulp
from scipy import optimize, sparse
from timing import best_of

from alliance_analytics.portfolio.frontier import efficient_frontier
from alliance_analytics.portfolio.problem import LinearLimit, PortfolioProblem, force_limit
from alliance_analytics.portfolio.solver import Solution, build_model, solve, solve_model

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
    """Set the CVaR floor ``share`` of the way from the best portfolio's CVaR to the highest CVaR (HiGHS).

    When the highest-CVaR solve finds no portfolio in time, ``highest_cvar`` is None and the floor is the best
    portfolio's own CVaR (not binding): the section then times the model building only.
    """
    started = time.perf_counter()
    unconstrained = solve(problem, "highs", time_limit_s, GAP)
    safest = solve(problem, "highs", time_limit_s, GAP, maximise="cvar")
    low = float(problem.cvar(unconstrained.selection))
    high = float(problem.cvar(safest.selection)) if safest.found else None
    floor = low if high is None else low + share * (high - low)
    return Calibration(unconstrained, safest, low, high, floor, time.perf_counter() - started)


# -------------------------------------------------------------------------------------------- the models
def naive_model(problem: PortfolioProblem) -> pulp.LpProblem:
    """The same model as ``build_model``, written the straightforward way with ``lpSum`` per row."""
    lp = pulp.LpProblem("portfolio", pulp.LpMaximize)
    x = [lp.add_variable(f"x_{index}", cat=pulp.LpBinary) for index in range(problem.size)]
    for number, limit in enumerate(problem.limits):
        row = pulp.lpSum(coef * x[i] for i, coef in enumerate(limit.coefficients.tolist()) if coef)
        lp += (row <= limit.bound if limit.sense == "<=" else row >= limit.bound), f"limit_{number}"
    count = problem.scenarios.shape[0]
    eta = lp.add_variable("eta")
    u = [lp.add_variable(f"u_{index}", lowBound=0) for index in range(count)]
    for index, row in enumerate(problem.scenarios.tolist()):
        lp += pulp.lpSum(coef * x[i] for i, coef in enumerate(row) if coef) + u[index] - eta >= 0, f"tail_{index}"
    lp += eta - pulp.lpSum(u) / (problem.cvar_level * count) >= problem.cvar_floor, "cvar_floor"
    lp += pulp.lpSum(coef * x[i] for i, coef in enumerate(problem.value.tolist()) if coef)
    return lp


@dataclass(frozen=True)
class FloorModel:
    """The model as ``scipy.optimize.milp`` arguments (minimising, so the objective is negated)."""

    c: np.ndarray
    constraints: optimize.LinearConstraint
    integrality: np.ndarray
    bounds: optimize.Bounds


def floor_model(problem: PortfolioProblem) -> FloorModel:
    """The same model as sparse matrices: columns ``x`` (n), ``η``, ``u`` (S); rows limits, tails, CVaR floor."""
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
    return FloorModel(c=-np.r_[problem.value, np.zeros(1 + count)],
                      constraints=optimize.LinearConstraint(matrix, lower, upper),
                      integrality=np.r_[np.ones(n), np.zeros(1 + count)],
                      bounds=optimize.Bounds(np.r_[np.zeros(n), -np.inf, np.zeros(count)],
                                             np.r_[np.ones(n), np.full(1 + count, np.inf)]))


def pulp_size(lp: pulp.LpProblem) -> tuple[int, int, int]:
    """Rows, columns and non-zero coefficients of a PuLP model."""
    return (len(lp.constraints), len(lp.variables()),
            sum(sum(1 for value in row.values() if value) for row in lp.constraints.values()))


def mps_write_seconds(lp: pulp.LpProblem) -> float:
    """Time PuLP takes to write the model as MPS, the export inside every CBC solve."""
    with tempfile.TemporaryDirectory(prefix="bench-portfolio-") as folder:
        started = time.perf_counter()
        lp.writeMPS(str(Path(folder) / "model.mps"))
        return time.perf_counter() - started


# ------------------------------------------------------------------------------------------- one section
def cpu_seconds() -> float:
    """CPU time used so far by this process, its threads and its finished child processes (CBC runs as one)."""
    times = os.times()
    return times.user + times.system + times.children_user + times.children_system


def timed_solve(problem: PortfolioProblem, solver: str, time_limit_s: float) -> dict:
    """Build and solve with one solver at :data:`GAP`; status, objective, gap, times and the CVaR reached."""
    model = build_model(problem)
    cpu = cpu_seconds()
    solution = solve_model(model, problem, solver, time_limit_s, GAP)
    cpu = cpu_seconds() - cpu
    result = {"status": solution.status, "objective": solution.objective, "gap": solution.gap,
              "seconds": solution.seconds, "cpu_s": cpu, "selection": solution.selection,
              "cvar": None if solution.selection is None else float(problem.cvar(solution.selection)),
              "engine_s": None, "export_s": None}
    if solver == "highs":
        result["engine_s"] = float(model.lp.solverModel.getRunTime())
    else:
        result["export_s"] = mps_write_seconds(model.lp)
    return result


def milp_check(model: FloorModel, time_limit_s: float) -> dict:
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


def line(label: str, text: str) -> None:
    """One row of the table."""
    print(f"  {label:<44} {text}")


def _build_lines(build_s: float, naive_s: float, floor_s: float, ours_size: tuple, naive_size: tuple,
                 floor_size: tuple) -> None:
    """The table's rows on model building."""
    line("build_model (package)", f"{build_s:.3f} s")
    line("straightforward lpSum construction", f"{naive_s:.3f} s → package is {naive_s / build_s:.1f}x faster "
         f"(target ≥ 3x: {'met' if naive_s / build_s >= 3 else 'NOT met'})")
    line("floor: scipy.sparse model for milp", f"{floor_s:.4f} s ({build_s / floor_s:.0f}x less than build_model)")
    line("same model (rows, columns, non-zeros)", f"package {ours_size}, lpSum {naive_size}, sparse {floor_size}: "
         f"{'identical' if ours_size == naive_size == floor_size else 'DIFFERENT'}")


def run_section(candidates: int, scenarios: int, options: argparse.Namespace, repeat: int, time_limit_s: float,
                frontier_time_limit_s: float) -> dict:
    """Build one instance, time everything, print the table and return the figures."""
    started = time.perf_counter()
    base = synthetic_problem(candidates, scenarios, options.seed)
    calibration = calibrate_floor(base, options.floor_share, time_limit_s)
    problem = dataclasses.replace(base, cvar_floor=calibration.floor)
    kinds = sorted({limit.family for limit in problem.limits})

    build_s, model = best_of(repeat, build_model, problem)
    ours_size = pulp_size(model.lp)
    del model
    naive_s, naive = best_of(repeat, naive_model, problem)
    naive_size = pulp_size(naive)
    del naive
    floor_s, floor = best_of(repeat, floor_model, problem)
    floor_size = (floor.constraints.A.shape[0], floor.constraints.A.shape[1], floor.constraints.A.nnz)
    builds = {
        "candidates": candidates, "scenarios": scenarios, "rows": floor_size[0], "columns": floor_size[1],
        "nonzeros": floor_size[2], "limits": len(problem.limits), "limit_kinds": kinds,
        "build_s": round(build_s, 4), "naive_build_s": round(naive_s, 4), "build_speedup": round(naive_s / build_s, 2),
        "floor_build_s": round(floor_s, 5), "same_model": ours_size == naive_size == floor_size,
        "calibration_s": round(calibration.seconds, 2),
    }
    print(f"== {candidates:,} candidates × {scenarios:,} scenarios: {floor_size[0]:,} rows, {floor_size[1]:,} "
          f"columns ({candidates:,} binary), {floor_size[2]:,} non-zeros; {len(problem.limits)} linear limits of "
          f"{len(kinds)} kinds ({', '.join(kinds)}) + CVaR floor; best of {repeat}")
    if calibration.highest_cvar is None:
        print(f"  CVaR floor calibration FAILED: the highest-CVaR solve (HiGHS, limit {time_limit_s:g} s) ended "
              f"'{calibration.safest.status}' after {calibration.safest.seconds:.1f} s; builds timed with the floor at "
              "the best portfolio's CVaR, solves and frontier skipped")
        _build_lines(build_s, naive_s, floor_s, ours_size, naive_size, floor_size)
        return {**builds, "cvar_calibration": calibration.safest.status}
    runs = {solver: timed_solve(problem, solver, time_limit_s) for solver in ("cbc", "highs")}
    check = milp_check(floor, time_limit_s) if options.milp_check else None
    fastest = min(runs, key=lambda solver: (runs[solver]["status"] != "optimal", runs[solver]["selection"] is None,
                                            runs[solver]["seconds"]))
    frontier_solver = options.frontier_solver or fastest
    frontier_started, frontier_cpu = time.perf_counter(), cpu_seconds()
    frontier = efficient_frontier(problem, points=options.frontier_points, solver=frontier_solver,
                                  time_limit_s=frontier_time_limit_s, gap=GAP)
    frontier_s, frontier_cpu = time.perf_counter() - frontier_started, cpu_seconds() - frontier_cpu

    unconstrained = calibration.unconstrained
    best = runs[fastest]
    cvar_slack = None if best["cvar"] is None else best["cvar"] - calibration.floor
    spread = calibration.highest_cvar - calibration.unconstrained_cvar
    floor_costs = (best["objective"] is not None
                   and best["objective"] < unconstrained.objective - 2 * GAP * abs(unconstrained.objective))
    binding = bool(calibration.unconstrained_cvar < calibration.floor and floor_costs)
    objectives = [value for value in (runs["cbc"]["objective"], runs["highs"]["objective"],
                                      check and check["objective"]) if value is not None]
    disagreement = (max(objectives) - min(objectives)) / abs(max(objectives)) if len(objectives) > 1 else None
    frontier_statuses = [point.status for point in frontier]
    selected = int(best["selection"].sum()) if best["selection"] is not None else None
    solve_min = min(run["seconds"] for run in runs.values())

    line("CVaR floor calibration (2 HiGHS solves)",
         f"{calibration.seconds:.1f} s: best portfolio's CVaR {calibration.unconstrained_cvar:,.0f}, highest CVaR "
         f"{calibration.highest_cvar:,.0f} → floor {calibration.floor:,.0f} ({options.floor_share:.0%} of the way)")
    _build_lines(build_s, naive_s, floor_s, ours_size, naive_size, floor_size)
    for solver, run in runs.items():
        extra = (f"; HiGHS's own run time {run['engine_s']:.2f} s, the rest PuLP's export/import" if solver == "highs"
                 else f"; includes PuLP's MPS write ≈ {run['export_s']:.2f} s")
        gap = "n/a" if run["gap"] is None else f"{run['gap']:.3%}"
        objective = "n/a" if run["objective"] is None else f"{run['objective']:,.0f}"
        line(f"{solver.upper()} solve at {GAP:.1%} gap (limit {time_limit_s:g} s)",
             f"{run['seconds']:.2f} s (CPU {run['cpu_s']:.2f} s), {run['status']}, gap {gap}, "
             f"objective {objective}{extra}")
    if check is not None:
        gap = "n/a" if check["gap"] is None else f"{check['gap']:.3%}"
        objective = "n/a" if check["objective"] is None else f"{check['objective']:,.0f}"
        line("cross-check: scipy milp on the sparse model",
             f"{check['seconds']:.2f} s, {check['status']}, gap {gap}, objective {objective}")
    if disagreement is not None:
        line("objectives agree", f"largest relative difference {disagreement:.3%} "
             f"({'within' if disagreement <= 2 * GAP else 'OUTSIDE'} the two solves' gaps)")
    cbc = runs["cbc"]
    line("CBC under 20 s at a proven 0.1 % gap", "met" if cbc["status"] == "optimal" and cbc["seconds"] < 20
         else f"NOT met ({cbc['status']}, {cbc['seconds']:.1f} s)")
    line("build / solve time", ", ".join(f"{build_s / run['seconds']:.3f} of {solver.upper()}" for solver, run in
                                         runs.items()) + f" (target < 0.25: "
         f"{'met' if build_s / solve_min < 0.25 else 'NOT met'} against the faster)")
    if best["selection"] is None:
        line("CVaR floor binds", f"unknown: no portfolio found with the floor ({fastest.upper()} {best['status']})")
    else:
        line("CVaR floor binds", f"{'yes' if binding else 'NO'}: without the floor CVaR "
             f"{calibration.unconstrained_cvar:,.0f} < floor and objective {unconstrained.objective:,.0f}; with it "
             f"({fastest.upper()}) objective {best['objective']:,.0f}, CVaR − floor = {cvar_slack:,.0f} "
             f"({cvar_slack / spread:.2%} of the calibration range), {selected} alliances")
    line(f"frontier, {options.frontier_points} points ({frontier_solver.upper()}, limit {frontier_time_limit_s:g} s "
         "each)", f"{frontier_s:.1f} s (CPU {frontier_cpu:.1f} s) for {options.frontier_points + 2} solves incl. "
         "building; statuses "
         + (", ".join(f"{frontier_statuses.count(s)} {s}" for s in sorted(set(frontier_statuses)))
            or "none: an end solve found no portfolio")
         + (f" (target < 120 s: {'met' if frontier_s < 120 else 'NOT met'})" if candidates <= 200 else ""))
    budget = problem.limit("budget")
    used = [None if selection is None else float(selection @ budget.coefficients) / budget.bound
            for selection in (best["selection"], unconstrained.selection)]
    line("budget used by the solution", ("n/a" if used[0] is None else f"{used[0]:.2%}")
         + f" of {budget.bound:,.0f} (without the floor {used[1]:.2%})")
    line("section wall time", f"{time.perf_counter() - started:.1f} s")
    return {
        **builds, "cvar_calibration": calibration.safest.status,
        "cbc_solve_s": round(cbc["seconds"], 3), "cbc_cpu_s": round(cbc["cpu_s"], 3), "cbc_status": cbc["status"],
        "cbc_gap": cbc["gap"],
        "cbc_objective": cbc["objective"], "cbc_mps_write_s": round(cbc["export_s"], 3),
        "highs_solve_s": round(runs["highs"]["seconds"], 3), "highs_cpu_s": round(runs["highs"]["cpu_s"], 3),
        "highs_status": runs["highs"]["status"],
        "highs_gap": runs["highs"]["gap"], "highs_objective": runs["highs"]["objective"],
        "highs_engine_s": round(runs["highs"]["engine_s"], 3),
        "milp_solve_s": check and round(check["seconds"], 3), "milp_status": check and check["status"],
        "milp_objective": check and check["objective"], "objective_disagreement": disagreement,
        "build_over_solve": round(build_s / solve_min, 4),
        "build_over_cbc_solve": round(build_s / cbc["seconds"], 4),
        "build_over_highs_solve": round(build_s / runs["highs"]["seconds"], 4),
        "cvar_floor": round(calibration.floor, 2), "unconstrained_cvar": round(calibration.unconstrained_cvar, 2),
        "highest_cvar": round(calibration.highest_cvar, 2), "cvar_slack": cvar_slack and round(cvar_slack, 2),
        "cvar_binding": binding, "unconstrained_objective": unconstrained.objective,
        "frontier_s": round(frontier_s, 2), "frontier_cpu_s": round(frontier_cpu, 2),
        "frontier_solver": frontier_solver,
        "frontier_points": options.frontier_points, "frontier_statuses": frontier_statuses,
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
    parser.add_argument("--no-milp-check", dest="milp_check", action="store_false",
                        help="skip solving the sparse model with scipy's milp")
    parser.add_argument("--large", action="store_true", help="also run 1,000 candidates × 5,000 scenarios")
    parser.add_argument("--large-time-limit", type=float, default=60.0, help="seconds per solve, large section")
    parser.add_argument("--large-frontier-time-limit", type=float, default=10.0,
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
