"""Solver status, gap and the two solvers: what a run that stops early reports, and CBC agreeing with HiGHS."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pulp
import pytest

from alliance_analytics.fit.analysis import partner_fit
from alliance_analytics.portfolio.from_case import build_problem
from alliance_analytics.portfolio.problem import LinearLimit, PortfolioProblem
from alliance_analytics.portfolio.solver import STATUS_TEXT, _gap, _status, solve
from alliance_analytics.risk.analysis import simulate_case

CBC_TIME_LIMIT_LOG = """Cbc0010I After 0 nodes, 1 on tree, -11.388915 best solution, best possible -12.66502 (0.98 seconds)
Cbc0020I Exiting on maximum time
Cbc0005I Partial search - best objective -11.388915 (best possible -12.66502), took 1113 iterations and 0 nodes
Result - Stopped on time limit

Objective value:                11.38891506
Upper bound:                    12.665
Gap:                            -0.10
Enumerated nodes:               0
"""


@pytest.mark.parametrize(("sol_status", "status", "expected"), [
    (pulp.LpSolutionOptimal, pulp.LpStatusOptimal, "optimal"),
    (pulp.LpSolutionIntegerFeasible, pulp.LpStatusOptimal, "time limit"),
    (pulp.LpSolutionInfeasible, pulp.LpStatusInfeasible, "infeasible"),
    (pulp.LpSolutionNoSolutionFound, pulp.LpStatusNotSolved, "no solution"),
])
def test_status_comes_from_sol_status_not_lp_status(sol_status, status, expected):
    """PuLP says "Optimal" (status 1) for a time-limit stop with a feasible portfolio; sol_status tells them apart."""
    assert _status(SimpleNamespace(sol_status=sol_status, status=status), "") == expected


def test_status_texts_say_what_a_time_limit_stop_means():
    assert "time limit" in STATUS_TEXT["time limit"] and "may exist" in STATUS_TEXT["time limit"]
    assert "optimal" not in STATUS_TEXT["time limit"].split(":")[0]


def test_cbc_gap_is_read_from_its_log():
    assert _gap(None, "cbc", "time limit", CBC_TIME_LIMIT_LOG) == pytest.approx((12.66502 - 11.388915) / 11.388915)
    no_incumbent = "Cbc0005I Partial search - best objective 1e+50 (best possible -12.562013), took 518"
    assert _gap(None, "cbc", "no solution", no_incumbent) is None
    assert _gap(None, "cbc", "optimal", "Result - Optimal solution found\n") == 0.0
    assert _gap(None, "cbc", "time limit", "") is None


def hard_problem(n: int = 80, scenarios: int = 800, floor: float = -6.0) -> PortfolioProblem:
    """A random CVaR-constrained instance that neither solver proves optimal within a second here."""
    rng = np.random.default_rng(7)
    npv = rng.normal(0.5, 2.0, (scenarios, n))
    investment = rng.uniform(1, 3, n)
    budget = LinearLimit("budget", "budget", investment, "<=", float(investment.sum() / 3), "budget")
    return PortfolioProblem([f"C{i}" for i in range(n)], [f"C{i}" for i in range(n)], npv.mean(axis=0),
                            npv.mean(axis=0), np.zeros(n), npv, [budget], cvar_floor=floor)


@pytest.mark.parametrize("solver", ["cbc", "highs"])
def test_a_solve_stopped_by_its_time_limit_is_never_called_optimal(solver):
    problem = hard_problem()
    solution = solve(problem, solver=solver, time_limit_s=1.0)
    assert solution.status in ("time limit", "no solution", "optimal")
    if solution.status == "time limit":
        assert problem.feasible(solution.selection)
        assert solution.gap is None or solution.gap > 0
    if solution.status == "no solution":
        assert solution.selection is None and solution.objective is None
    if solution.status == "optimal":
        assert solution.gap is not None and solution.gap <= 1e-9


def test_cbc_and_highs_agree_on_the_sample_case(sample_case):
    fit = partner_fit(sample_case)
    problem = build_problem(sample_case, fit, simulate_case(sample_case, iterations=300, sensitivity=False).scenarios)
    cbc, highs = solve(problem, "cbc"), solve(problem, "highs")
    assert cbc.status == highs.status == "optimal"
    assert cbc.objective == pytest.approx(highs.objective, rel=1e-9)
    assert cbc.gap == 0.0 and highs.gap == pytest.approx(0.0, abs=1e-9)


def test_unknown_solver_is_refused():
    problem = hard_problem(4, 10)
    with pytest.raises(ValueError, match="unknown solver 'gurobi'"):
        solve(problem, solver="gurobi")
