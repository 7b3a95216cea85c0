"""Benchmark: the portfolio review, alliances in flight renewed, restructured or exited in one MILP with new candidates.

Builds a seeded synthetic review the size of the issue's (default 50 alliances in flight × 200 new candidates ×
1,000 scenarios). Each alliance in flight may continue, exit and, for about 60 % of them (``--restructure-share``),
restructure; each is an :class:`~alliance_analytics.review.options.AllianceOptions` valued on the same scenarios as
the new candidates, and :func:`~alliance_analytics.portfolio.rebalance.with_review` turns the review into the
portfolio problem (one 0/1 change column per restructure or exit, one row per alliance allowing at most one
change). The limits are those of the sample case's ``portfolio`` section (``data/sample/case.yaml``) scaled up:
total budget, alliance-manager FTE, capacities of 4 executive sponsors (CTO, CMO, CCO, COO), a few exclusion
pairs (one per 40 candidates), one dependency, two coverage requirements (``regulatory`` and ``eu_hosting``, each
brought by about 15 % of the candidates, required of at least 2 and 1 selected partners), the minimum and maximum
number of new alliances, and a binding 5 % CVaR floor.

Money comes from a factor model as in ``bench_portfolio.py``: a market factor with a 4 % crash state, one of six
sector factors and idiosyncratic noise, scaled by the candidate's investment (lognormal around 800,000, between
150,000 and 4,000,000), plus a candidate-specific risk event (probability 2–15 %, a loss of 0.5–2.5 × the
investment). A higher market beta or a riskier event earns a higher expected NPV, so value and tail risk pull
apart. An alliance in flight's cash flows still to come follow the same factors (scale 300,000–3,000,000, a
quarter of the alliances under water). Continuing costs the remaining ``commitment`` now (100,000–600,000); a
restructure keeps 50–80 % of the cash flows to come, half of them with half the market beta, plus an efficiency
gain, for a cost of 50,000–300,000 and half the FTE; an exit is ``salvage − exit_cost``, the same in every
scenario, and frees the alliance's FTE and its sponsor's slot. Each problem's CVaR floor is set ``--floor-share``
(default 50 %) of the way from its optimum's CVaR without a floor to a safer portfolio's (see the notes), so it is
feasible and binds; the script checks that it binds (the optimum with the floor is worth more than 2 × the gap
less than the one without).

Then times, in this process, at a 0.1 % relative gap and ``--time-limit`` (default 120 s) per cut loop:

- the review, ``solve(with_review(problem, review, sponsors, value_of), solver, 120, 0.001)`` with CBC and with
  HiGHS: model building, every solve of the CVaR cut loop and every exact CVaR check included (wall time, the
  solver's own seconds, CPU time, status, gap, CVaR cuts, and what was decided for the alliances in flight);
- the named baseline, the same 200 new candidates without the review (no change columns, no one-option rows;
  the same linear limits and a CVaR floor set the same way), with the same solvers;
- the floor, the least any solve of the review through the package does: building its PuLP model once
  (``build_model``, no cuts) plus one exact CVaR of the optimum found (``problem.cvar``). Beside it, as
  ``bench_portfolio.py``'s floor, the review's MILP without the CVaR floor (HiGHS through the package, solved
  once, in the calibration). The first ratio shows what branch and bound and the cut loop cost over the bare
  model, the second what the CVaR floor adds to the review;
- the sample case (``data/sample``, loaded once with ``load_case``; ``ALLIANCE_ANALYTICS_CACHE`` is unset, so
  nothing is cached and every call computes): ``analyse_alliance_options(case)`` with the case's own simulation
  settings (20,000 iterations), and the rebalanced portfolio, ``optimise_portfolio(case, fit, scenarios,
  explain=False, review=options.options)`` with ``fit = partner_fit(case)`` and the scenarios of
  ``simulate_case(case, sensitivity=False)``: the solver's seconds (``result.solution.seconds``), the whole
  call's wall time, status, gap, cuts and ``result.decisions``.

Timings are repeated only where cheap: the floor and the sample case ``--repeat`` times (default 3), each solve of
the review and the baseline ``--repeat`` times when its first run took at most :data:`CHEAP_SOLVE_S` seconds
(once otherwise, so a solve at the time limit is not repeated). The median is printed and used in the ratios,
the best (the least disturbed by other work, as ``timing.best_of`` keeps) beside it; a solve's status, gap,
cuts and CPU time are those of its median run. The ratios are review / baseline per solver, review / floor and
review / MILP without the CVaR floor. The machine has 2 cores shared with other work, so times are wall-clock
under whatever load there was (the load average at the start and at the end is printed). Prints each figure and
as its last line one JSON object.

Usage: ``.venv/bin/python benchmarks/bench_review.py [--quick] [--alliances A] [--candidates N] [--scenarios S]
[--restructure-share P] [--repeat R] [--seed SEED] [--time-limit T] [--floor-share F]``. ``--quick`` is a smoke
run (10 alliances × 40 candidates × 200 scenarios, 30 s per solve, one repeat); the default run takes about a
minute and a half.

Notes
-----
``bench_portfolio.py`` sets its floor between the optimum's CVaR and the highest CVaR (``solve(...,
maximise="cvar")``). That solve takes about a minute on this baseline and finds no portfolio in 120 s on the
review, whose change columns are bets against the market (an exit's NPV over continuing is highest in a crash),
and the review's optimum has a higher CVaR than any portfolio of the baseline: no single floor binds for both yet
keeps the baseline feasible. So each problem gets its own floor, towards a safer portfolio found in seconds: the
best of greedy single flips (one column in or out, every linear limit kept) from the optimum and from
:data:`TAIL_STARTS` portfolios each maximising the previous one's worst-5 % mean NPV. On the baseline this finds
the exact highest CVaR. The LP relaxation is not exposed by the solver module, so the floor is the bare model
build plus one CVaR check: a strict lower bound, not a tight one, hence the second, MILP-without-floor, figure.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import os
import statistics
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pulp
from timing import best_of, cpu_seconds

from alliance_analytics import load_case
from alliance_analytics.core.cache import CACHE_ENV
from alliance_analytics.core.paths import SAMPLE_CASE_DIR
from alliance_analytics.fit.analysis import partner_fit
from alliance_analytics.portfolio.analysis import optimise_portfolio
from alliance_analytics.portfolio.problem import LinearLimit, PortfolioProblem
from alliance_analytics.portfolio.rebalance import with_review
from alliance_analytics.portfolio.solver import build_model, solve
from alliance_analytics.review.analysis import analyse_alliance_options
from alliance_analytics.review.options import AllianceOptions
from alliance_analytics.risk.analysis import simulate_case
from alliance_analytics.risk.measures import tail_weights

GAP = 1e-3
"""Relative optimality gap of every solve (0.1 %)."""
SPONSORS = ("CTO", "CMO", "CCO", "COO")
"""The sample case's four executive sponsors."""
SPONSOR_SHARES = (0.2, 0.15, 0.1, 0.15)
"""Each sponsor's capacity as a share of the new candidates it sponsors (the CCO is the tightest, as in the
sample case)."""
REQUIRED = {"regulatory": 2, "eu_hosting": 1}
"""The two required capabilities and the least number of selected partners bringing each."""
SECTORS = 6
CHEAP_SOLVE_S = 20.0
"""A solve whose first run took at most this many seconds is repeated ``--repeat`` times."""
TAIL_STARTS = 4
"""Portfolios maximising the previous one's tail from which the floor calibration also searches (see
:func:`calibrate_floor`)."""
QUICK = {"alliances": 10, "candidates": 40, "scenarios": 200, "time_limit": 30.0, "repeat": 1}
"""Sizes of ``--quick``."""


# ------------------------------------------------------------------------------------------------- the instance
@dataclasses.dataclass(frozen=True)
class Instance:
    """A synthetic review: the new candidates' problem (no CVaR floor yet), the alliances' options, sponsors."""

    problem: PortfolioProblem
    review: list[AllianceOptions]
    sponsors: dict[str, str]


def synthetic_instance(alliances: int, candidates: int, scenarios: int, restructure_share: float,
                       seed: int) -> Instance:
    """A seeded synthetic review (see the module docstring).

    Parameters
    ----------
    alliances : int
        Alliances in flight under review.
    candidates : int
        New candidates (at least 20).
    scenarios : int
        NPV scenarios.
    restructure_share : float
        Chance that an alliance has a restructure option.
    seed : int
        Random seed.

    Returns
    -------
    Instance
        Expected NPV as the objective, the sample case's kinds of limit, ``cvar_floor=None``.
    """
    rng = np.random.default_rng(seed)
    market = rng.standard_normal(scenarios) - 3.0 * (rng.random(scenarios) < 0.04)
    sector_factor = rng.standard_normal((scenarios, SECTORS))

    def factor_npv(scale: np.ndarray, beta: np.ndarray, sector: np.ndarray) -> np.ndarray:
        """``S × n`` deviations from the mean: market, sector and idiosyncratic risk, scaled by ``scale``."""
        noise = rng.standard_normal((scenarios, len(scale)))
        return scale * (0.5 * beta * market[:, None] + 0.35 * sector_factor[:, sector] + 0.45 * noise)

    # the new candidates
    ids = [f"C{number:04d}" for number in range(candidates)]
    investment = np.clip(np.round(rng.lognormal(np.log(800_000), 0.5, candidates), -3), 150_000, 4_000_000)
    fte = rng.choice([0.25, 0.5, 0.75, 1.0], candidates)
    sponsor = rng.choice(len(SPONSORS), candidates)
    beta = rng.uniform(0.2, 1.5, candidates)
    event_probability = rng.uniform(0.02, 0.15, candidates)
    event_loss = investment * rng.uniform(0.5, 2.5, candidates)
    base = investment * (rng.normal(0.05, 0.3, candidates) + 0.35 * beta) + 1.1 * event_probability * event_loss
    events = rng.random((scenarios, candidates)) < event_probability
    matrix = base + factor_npv(investment, beta, rng.integers(0, SECTORS, candidates)) - event_loss * events
    expected = matrix.mean(axis=0)
    problem = PortfolioProblem(candidates=ids, names=[f"Partner {i}" for i in ids], value=expected,
                               expected_npv=expected, fit=rng.uniform(2.0, 5.0, candidates), scenarios=matrix,
                               limits=[])
    budget = round(0.1 * investment.sum(), -5)
    capacity = round(0.13 * fte.sum() * 4) / 4
    limits = [LinearLimit("budget", "budget", investment, "<=", budget, f"total investment at most {budget:,.0f}"),
              LinearLimit("manager_fte", "manager_fte", fte, "<=", capacity, f"at most {capacity:g} FTE")]
    for index, (name, share) in enumerate(zip(SPONSORS, SPONSOR_SHARES)):
        members = sponsor == index
        most = max(1, round(share * members.sum()))
        limits.append(LinearLimit(f"sponsor:{name}", "sponsor", members.astype(float), "<=", most,
                                  f"{name} sponsors at most {most}"))
    order = rng.permutation(candidates)
    for pair in range(max(2, candidates // 40)):
        group = np.sort(order[2 * pair:2 * pair + 2])
        coefficients = np.zeros(candidates)
        coefficients[group] = 1.0
        limits.append(LinearLimit("exclusion:" + "+".join(ids[i] for i in group), "exclusion", coefficients, "<=",
                                  1.0, "at most one of the pair"))
    cursor = 2 * max(2, candidates // 40)
    dependant, requirement = order[cursor], order[cursor + 1]
    coefficients = np.zeros(candidates)
    coefficients[dependant], coefficients[requirement] = 1.0, -1.0
    limits.append(LinearLimit(f"dependency:{ids[dependant]}->{ids[requirement]}", "dependency", coefficients, "<=",
                              0.0, "only together"))
    for capability, least in REQUIRED.items():
        brings = (rng.random(candidates) < 0.15).astype(float)
        limits.append(LinearLimit(f"coverage:{capability}", "coverage", brings, ">=", float(least),
                                  f"{capability} covered by at least {least}"))
    ones = np.ones(candidates)
    limits += [LinearLimit("min_alliances", "min_alliances", ones, ">=", round(0.05 * candidates), "at least"),
               LinearLimit("max_alliances", "max_alliances", ones, "<=", round(0.2 * candidates), "at most")]
    problem = problem.with_limits(limits)

    # the alliances in flight: cash flows still to come, and each option's NPV from today
    scale = np.round(rng.uniform(300_000, 3_000_000, alliances), -3)
    beta_a = rng.uniform(0.3, 1.5, alliances)
    under_water = rng.random(alliances) < 0.25
    mean = scale * np.where(under_water, rng.uniform(-0.3, 0.1, alliances), rng.uniform(0.4, 1.2, alliances))
    to_come = mean + factor_npv(scale, beta_a, rng.integers(0, SECTORS, alliances))
    half_beta = mean + factor_npv(scale, beta_a / 2, rng.integers(0, SECTORS, alliances))
    commitment = np.round(rng.uniform(100_000, 600_000, alliances), -4)
    restructure_cost = np.round(rng.uniform(50_000, 300_000, alliances), -4)
    exit_cost = np.round(rng.uniform(50_000, 300_000, alliances), -4)
    salvage = np.round(rng.uniform(0, 250_000, alliances), -4)
    kept = rng.uniform(0.5, 0.8, alliances)
    gain = scale * rng.uniform(-0.05, 0.2, alliances)
    fte_a = rng.choice([0.25, 0.5, 0.75, 1.0], alliances)
    has_restructure = rng.random(alliances) < restructure_share
    review, sponsors = [], {}
    for a in range(alliances):
        alliance = f"A{a + 1:03d}"
        npv = [to_come[:, a] - commitment[a]]
        money, fte_options = [commitment[a]], [fte_a[a]]
        if has_restructure[a]:
            npv.append(kept[a] * (0.5 * to_come[:, a] + 0.5 * half_beta[:, a]) + gain[a] - restructure_cost[a])
            money.append(restructure_cost[a])
            fte_options.append(fte_a[a] / 2)
        npv.append(np.full(scenarios, salvage[a] - exit_cost[a]))
        money.append(exit_cost[a])
        fte_options.append(0.0)
        npv = np.column_stack(npv)
        review.append(AllianceOptions(
            alliance=alliance, name=f"Alliance {alliance}",
            options=["continue", *(["restructure"] if has_restructure[a] else []), "exit"],
            restructure="smaller scope" if has_restructure[a] else None, npv=npv, later=None,
            signal=np.empty((scenarios, 0)), signal_names=[], money=np.array(money), fte=np.array(fte_options),
            spent_to_date=None, updated=False))
        sponsors[alliance] = SPONSORS[int(rng.integers(len(SPONSORS)))]
    return Instance(problem, review, sponsors)


def npv_objective(expected: np.ndarray, fit: np.ndarray) -> np.ndarray:
    """``value_of`` of the ``npv`` objective: the expected NPV of every column."""
    return expected


# ----------------------------------------------------------------------------------------------------- timings
def timed_solve(problem: PortfolioProblem, solver: str, time_limit_s: float) -> dict:
    """Solve with the package at :data:`GAP` (cut loop included): status, objective, gap, times, cuts, CVaR."""
    cpu, started = cpu_seconds(), time.perf_counter()
    solution = solve(problem, solver, time_limit_s, GAP)
    seconds, cpu = time.perf_counter() - started, cpu_seconds() - cpu
    return {"status": solution.status, "objective": solution.objective, "gap": solution.gap, "seconds": seconds,
            "solver_s": solution.seconds, "cpu_s": cpu, "selection": solution.selection, "cuts": solution.cuts,
            "cvar": None if solution.selection is None else float(problem.cvar(solution.selection))}


def timed_solves(problem: PortfolioProblem, solver: str, time_limit_s: float, repeat: int) -> dict:
    """:func:`timed_solve`, ``repeat`` times when the first run took at most :data:`CHEAP_SOLVE_S` seconds.

    Returns the median run (by wall time) with ``best_s`` (the fastest) and ``runs`` added.
    """
    runs = [timed_solve(problem, solver, time_limit_s)]
    if runs[0]["seconds"] <= CHEAP_SOLVE_S:
        runs += [timed_solve(problem, solver, time_limit_s) for _ in range(repeat - 1)]
    ranked = sorted(runs, key=lambda run: run["seconds"])
    median = dict(ranked[(len(ranked) - 1) // 2])
    median["seconds"] = statistics.median(run["seconds"] for run in runs)
    return {**median, "best_s": ranked[0]["seconds"], "runs": len(runs)}


def repeated(repeat: int, function: Callable[..., Any], *args: Any) -> tuple[float, float, Any]:
    """``function(*args)`` ``repeat`` times: the best and the median wall time, and the last result."""
    times, result = [], None
    for _ in range(repeat):
        seconds, result = best_of(1, function, *args)
        times.append(seconds)
    return min(times), statistics.median(times), result


def decided(problem: PortfolioProblem, selection: np.ndarray | None) -> dict[str, int]:
    """How many alliances in flight each option was chosen for, and how many new candidates were selected."""
    if selection is None:
        return {}
    selected = problem.selected(selection)
    changes = [problem.changes[column][1] for column in selected if column in problem.changes]
    alliances = len({alliance for alliance, _ in problem.changes.values()})
    return {"new": len(selected) - len(changes), "continue": alliances - len(changes),
            "restructure": changes.count("restructure"), "exit": changes.count("exit")}


def line(label: str, text: str) -> None:
    """One row of the table."""
    print(f"  {label:<46} {text}")


def text(run: dict) -> str:
    """A solve in words: time, status, gap, objective, cuts."""
    gap = "n/a" if run["gap"] is None else f"{run['gap']:.3%}"
    objective = "n/a" if run["objective"] is None else f"{run['objective']:,.0f}"
    repeats = f"median of {run['runs']}, best {run['best_s']:.2f} s, " if run.get("runs", 1) > 1 else ""
    return (f"{run['seconds']:.2f} s ({repeats}solver {run['solver_s']:.2f} s, CPU {run['cpu_s']:.2f} s), "
            f"{run['status']}, "
            f"gap {gap}, objective {objective}, {run['cuts']} CVaR cuts")


def round_all(run: dict) -> dict:
    """A solve's figures for the JSON (no selection, floats rounded)."""
    return {key: (round(value, 4) if isinstance(value, float) else value) for key, value in run.items()
            if key != "selection"}


# ---------------------------------------------------------------------------------------------------- sections
@dataclasses.dataclass(frozen=True)
class Calibration:
    """How one problem's CVaR floor was set: its optimum without a floor, a safer portfolio, the floor."""

    unconstrained: dict
    unconstrained_cvar: float
    safer_cvar: float
    floor: float
    seconds: float


def safer_portfolio(problem: PortfolioProblem, selection: np.ndarray) -> tuple[np.ndarray, float]:
    """A portfolio meeting every linear limit with a higher CVaR, by greedy single flips from ``selection``.

    Each step tries every one-column change (a candidate in or out, a change to an alliance made or undone),
    keeps those meeting every linear limit (``problem`` has no risk limit) and takes the one that raises the CVaR
    most, until none does. A lower bound of the highest CVaR, found in seconds where the exact one (``solve(...,
    maximise="cvar")``) takes a minute on the baseline and does not finish in 120 s on the review.
    """
    current, best = selection.copy(), float(problem.cvar(selection))
    diagonal = np.arange(problem.size)
    for _ in range(problem.size):
        flips = np.tile(current, (problem.size, 1))
        flips[diagonal, diagonal] = 1.0 - flips[diagonal, diagonal]
        flips = flips[problem.feasible(flips)]
        if not len(flips):
            break
        values = problem.cvar(flips)
        top = int(np.argmax(values))
        if values[top] <= best + 1e-6 * max(1.0, abs(best)):
            break
        current, best = flips[top], float(values[top])
    return current, best


def calibrate_floor(problem: PortfolioProblem, share: float, time_limit_s: float) -> Calibration:
    """Set the CVaR floor ``share`` of the way from the optimum's CVaR (no floor, HiGHS) to a safer portfolio's.

    The safer portfolio is the best of :func:`safer_portfolio` started from the optimum and from
    :data:`TAIL_STARTS` portfolios that each maximise the previous one's tail (the mean NPV of its worst 5 % of
    scenarios, a linear objective: one MILP without a risk limit, HiGHS). It meets every linear limit and the
    floor, so the problem with the floor is feasible; the optimum without the floor does not meet it, so the floor
    binds (unless no safer portfolio was found: the floor is then the optimum's own CVaR).
    """
    started = time.perf_counter()
    unconstrained = timed_solve(problem, "highs", time_limit_s)
    if unconstrained["selection"] is None:
        raise SystemExit(f"CVaR floor calibration failed: {unconstrained['status']} without a floor")
    starts, current = [unconstrained["selection"]], unconstrained["selection"]
    for _ in range(TAIL_STARTS):
        tail = tail_weights(problem.portfolio_npv(current), problem.cvar_level) @ problem.scenarios
        current = solve(dataclasses.replace(problem, value=tail), "highs", time_limit_s, GAP).selection
        if current is None:
            break
        starts.append(current)
    low = unconstrained["cvar"]
    safer = max(safer_portfolio(problem, start)[1] for start in starts)
    return Calibration(unconstrained, low, safer, low + share * (safer - low), time.perf_counter() - started)


def synthetic_section(options: argparse.Namespace) -> dict:
    """Build the synthetic review, calibrate the floors, time the review, the baseline and the floors."""
    started = time.perf_counter()
    instance = synthetic_instance(options.alliances, options.candidates, options.scenarios,
                                  options.restructure_share, options.seed)
    plain = {"review": with_review(instance.problem, instance.review, instance.sponsors, npv_objective),
             "baseline": instance.problem}
    calibrations = {name: calibrate_floor(problem, options.floor_share, options.time_limit)
                    for name, problem in plain.items()}
    review, baseline = (dataclasses.replace(plain[name], cvar_floor=calibrations[name].floor)
                        for name in ("review", "baseline"))
    restructures = sum(1 for item in instance.review if "restructure" in item.options)
    kinds = sorted({limit.family for limit in baseline.limits})
    print(f"== {options.alliances} alliances in flight ({restructures} with a restructure option) × "
          f"{options.candidates:,} new candidates × {options.scenarios:,} scenarios: {review.size} columns "
          f"({len(review.changes)} changes), {len(review.limits)} linear limits ({len(baseline.limits)} of "
          f"{len(kinds)} kinds: {', '.join(kinds)}; {len(review.limits) - len(baseline.limits)} one-option rows) "
          f"+ CVaR floor")
    for name, calibration in calibrations.items():
        line(f"CVaR floor calibration, {name}", f"{calibration.seconds:.1f} s: optimum's CVaR "
             f"{calibration.unconstrained_cvar:,.0f}, safer portfolio's {calibration.safer_cvar:,.0f} → floor "
             f"{calibration.floor:,.0f} ({options.floor_share:.0%} of the way)")
    no_floor = calibrations["review"].unconstrained
    runs = {solver: timed_solves(review, solver, options.time_limit, options.repeat) for solver in ("cbc", "highs")}
    baselines = {solver: timed_solves(baseline, solver, options.time_limit, options.repeat)
                 for solver in ("cbc", "highs")}
    found = [run for run in runs.values() if run["selection"] is not None]
    best = max(found, key=lambda run: run["objective"])["selection"] if found else no_floor["selection"]

    def build_and_check() -> float:
        build_model(review)
        return float(review.cvar(best))

    floor_best_s, floor_s, _ = repeated(options.repeat, build_and_check)
    for solver in ("cbc", "highs"):
        run, base_run = runs[solver], baselines[solver]
        line(f"review, {solver.upper()}", text(run))
        line("", f"decisions {decided(review, run['selection'])}")
        line(f"baseline, {solver.upper()}", text(base_run))
        line("", f"review / baseline {run['seconds'] / base_run['seconds']:.2f}x, review / floor "
             f"{run['seconds'] / floor_s:,.0f}x, review / MILP without CVaR floor "
             f"{run['seconds'] / no_floor['seconds']:.2f}x")
    line("baseline", "the same new candidates without the review (no change columns), same limits, own floor")
    line("floor: build_model + one exact CVaR", f"{floor_s:.4f} s (median of {options.repeat}, best "
         f"{floor_best_s:.4f} s)")
    line("review's MILP without the CVaR floor, HiGHS", text(no_floor))
    objectives = [run["objective"] for run in runs.values() if run["objective"] is not None]
    disagreement = ((max(objectives) - min(objectives)) / abs(max(objectives)) if len(objectives) > 1 else None)
    if disagreement is not None:
        line("review objectives agree (CBC vs HiGHS)", f"largest relative difference {disagreement:.3%} "
             f"({'within' if disagreement <= 2 * GAP else 'OUTSIDE'} the solves' gaps)")
    binding = {}
    for name, solved in (("review", runs), ("baseline", baselines)):
        values = [run["objective"] for run in solved.values() if run["objective"] is not None]
        without = calibrations[name].unconstrained["objective"]
        binding[name] = bool(values and max(values) < without - 2 * GAP * abs(without))
    line("CVaR floor binds", ", ".join(f"{name} {'yes' if value else 'NO'}" for name, value in binding.items()))
    line("section wall time", f"{time.perf_counter() - started:.1f} s")
    figures = {"alliances": options.alliances, "restructure_options": restructures, "candidates": options.candidates,
               "scenarios": options.scenarios, "columns": review.size, "changes": len(review.changes),
               "limits": len(review.limits), "baseline_limits": len(baseline.limits), "limit_kinds": kinds,
               "time_limit_s": options.time_limit, "floor_share": options.floor_share,
               **{f"{name}_calibration_s": round(item.seconds, 2) for name, item in calibrations.items()},
               **{f"{name}_cvar_floor": round(item.floor, 2) for name, item in calibrations.items()},
               **{f"{name}_cvar_binding": value for name, value in binding.items()},
               "floor_s": round(floor_s, 5), "floor_best_s": round(floor_best_s, 5), "review_no_cvar_floor": round_all(no_floor),
               "review_no_cvar_floor_decisions": decided(review, no_floor["selection"]),
               "baseline_no_cvar_floor": round_all(calibrations["baseline"].unconstrained),
               "objective_disagreement": disagreement}
    for solver in ("cbc", "highs"):
        run, base_run = runs[solver], baselines[solver]
        figures[f"review_{solver}"] = {**round_all(run), "decisions": decided(review, run["selection"])}
        figures[f"baseline_{solver}"] = round_all(base_run)
        figures[f"{solver}_review_over_baseline"] = round(run["seconds"] / base_run["seconds"], 3)
        figures[f"{solver}_review_over_floor"] = round(run["seconds"] / floor_s, 1)
        figures[f"{solver}_review_over_no_cvar_floor"] = round(run["seconds"] / no_floor["seconds"], 3)
    figures["section_s"] = round(time.perf_counter() - started, 1)
    return figures


def sample_section(repeat: int) -> dict:
    """Time the alliance options and the rebalanced portfolio of the sample case (no cache)."""
    started = time.perf_counter()
    case = load_case(SAMPLE_CASE_DIR)
    load_s = time.perf_counter() - started
    options_best_s, options_s, options = repeated(repeat, analyse_alliance_options, case)
    fit = partner_fit(case)
    simulate_s, simulation = best_of(1, lambda: simulate_case(case, sensitivity=False))
    review = options.options
    calls, solves = [], []
    for _ in range(repeat):
        call_s, result = best_of(1, lambda: optimise_portfolio(case, fit, simulation.scenarios, explain=False,
                                                               review=review))
        calls.append(call_s)
        solves.append(result.solution.seconds)
    solution = result.solution
    settings = case.settings
    new_alliances = ([column for column in result.problem.selected(solution.selection)
                      if column not in result.problem.changes] if solution.found else [])
    print(f"== sample case ({SAMPLE_CASE_DIR.name}): {len(review)} alliances in flight under review "
          f"({', '.join(item.alliance + ': ' + '/'.join(item.options) for item in review)}), "
          f"{settings.simulation.iterations:,} iterations, seed {settings.simulation.seed}, solver "
          f"{settings.portfolio.solver.upper()}, {result.problem.size} columns; load_case {load_s:.2f} s and "
          f"simulate_case {simulate_s:.2f} s (not part of the figures)")
    line("analyse_alliance_options (no cache)", f"{options_s:.3f} s (median of {repeat}, best {options_best_s:.3f} s)")
    line("rebalanced solve, result.solution.seconds", f"{statistics.median(solves):.4f} s (median of {repeat}, "
         f"best {min(solves):.4f} s); {solution.status}, gap {solution.gap}, {solution.cuts} CVaR cuts")
    line("optimise_portfolio(explain=False), whole call", f"{statistics.median(calls):.3f} s (median of {repeat}, "
         f"best {min(calls):.3f} s)")
    line("decisions", json.dumps(result.decisions) + f"; new alliances {', '.join(new_alliances)}"
         if solution.found else "none (no portfolio)")
    return {"sample_iterations": settings.simulation.iterations, "sample_options_s": round(options_s, 4),
            "sample_options_best_s": round(options_best_s, 4),
            "sample_solve_s": round(statistics.median(solves), 5), "sample_solve_best_s": round(min(solves), 5),
            "sample_optimise_s": round(statistics.median(calls), 4), "sample_optimise_best_s": round(min(calls), 4),
            "sample_status": solution.status, "sample_gap": solution.gap, "sample_cuts": solution.cuts,
            "sample_decisions": result.decisions, "sample_new_alliances": new_alliances,
            "sample_solver": settings.portfolio.solver}


def main() -> None:
    """Run the synthetic review and the sample case and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--alliances", type=int, default=None, help="alliances in flight (default 50; quick 10)")
    parser.add_argument("--candidates", type=int, default=None, help="new candidates (default 200; quick 40)")
    parser.add_argument("--scenarios", type=int, default=None, help="scenarios (default 1,000; quick 200)")
    parser.add_argument("--restructure-share", type=float, default=0.6,
                        help="chance that an alliance has a restructure option")
    parser.add_argument("--repeat", type=int, default=None, help="runs of the cheap timings (default 3; quick 1)")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--time-limit", type=float, default=None, help="seconds per solve (default 120; quick 30)")
    parser.add_argument("--floor-share", type=float, default=0.5,
                        help="where the CVaR floor sits between the optimum's CVaR and a safer portfolio's")
    parser.add_argument("--quick", action="store_true", help="small sizes, one repeat: a smoke run")
    options = parser.parse_args()
    defaults = QUICK if options.quick else {"alliances": 50, "candidates": 200, "scenarios": 1000,
                                            "time_limit": 120.0, "repeat": 3}
    for key, value in defaults.items():
        if getattr(options, key) is None:
            setattr(options, key, value)
    os.environ.pop(CACHE_ENV, None)  # nothing cached: every analysis computes
    load = os.getloadavg()[0]
    print(f"portfolio review benchmark, {dt.date.today()}, PuLP {pulp.__version__}, load average {load:.2f} at the "
          f"start on {os.cpu_count()} cores shared with other work (wall-clock times)")
    figures = synthetic_section(options)
    figures.update(sample_section(options.repeat))
    end_load = os.getloadavg()[0]
    print(f"load average {end_load:.2f} at the end")
    figures.update(load_average=round(load, 2), end_load_average=round(end_load, 2), gap=GAP,
                   repeat=options.repeat, seed=options.seed, quick=options.quick)
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
