"""The efficient frontier of expected NPV against CVaR, by an ε-constraint sweep.

The two ends are solved first: the portfolio with the highest expected NPV (no CVaR floor) and the one with
the highest CVaR. Between the CVaR of the first and that of the second, ``points`` floors ε are spread
evenly, and each point maximises expected NPV subject to every other limit and ``CVaR ≥ ε``. Each point's
expected NPV is the best possible at its level of tail risk; a portfolio below the curve gives up value
for no gain in safety. A point whose floor the previous optimal portfolio already meets reuses it without a
solve: raising the floor only removes portfolios, so a maximum that stays feasible stays the maximum.

Warm start: each point's solve starts from the CVaR rows on which the model is exact for the previous point's
portfolio (:func:`~alliance_analytics.portfolio.solver.warm_cuts`): its aggregated cut, which cuts that
portfolio off at once, or, once the solves have needed Rockafellar and Uryasev's (2000) scenario rows, the rows
of its tail scenarios, which the next portfolio's tail mostly shares. Both hold for every floor (see
:mod:`alliance_analytics.portfolio.solver`, after Künzi-Bay and Mayer 2006), so each point still gets its own
exact answer. The saving is modest: on 1,000 candidates × 5,000 scenarios (``benchmarks/bench_portfolio.py``,
CBC, 10 points, 0.1 % gap) three runs took 62, 69 and 89 s warm against 89, 91 and 99 s cold (at 200 × 1,000,
6.4, 6.8 and 7.7 s against 7.7, 8.3 and 8.4 s), on a machine whose load changes from run to run. Carrying every row
found so far instead makes each model larger: in one measurement with scenario rows only at the larger size,
on a loaded machine, the frontier took 183 s cold, 198 s with every row carried and 138 s from the previous
portfolio's tail."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from alliance_analytics.portfolio.problem import PortfolioProblem
from alliance_analytics.portfolio.solver import Cuts, solve, warm_cuts

FLOOR_MARGIN = 1e-7
"""The top floor sits this far (relative) below the highest CVaR, so solver tolerances cannot make it infeasible."""


@dataclass(frozen=True)
class FrontierPoint:
    """One point of the frontier.

    Attributes
    ----------
    cvar_floor : float
        The floor ε the point was solved with.
    expected_npv : float or None
        Expected NPV of its portfolio (None when no portfolio was found).
    cvar : float or None
        The portfolio's CVaR (at least ``cvar_floor``).
    selected : list of str
        The portfolio.
    status : str
        The solve's status (see :data:`alliance_analytics.portfolio.solver.STATUS_TEXT`).
    """

    cvar_floor: float
    expected_npv: float | None
    cvar: float | None
    selected: list[str]
    status: str

    def to_json(self) -> dict:
        """The point as JSON-ready values."""
        return dataclasses.asdict(self)


def efficient_frontier(problem: PortfolioProblem, points: int = 10, solver: str = "cbc",
                       time_limit_s: float = 60.0, gap: float = 0.0, warm_start: bool = True) -> list[FrontierPoint]:
    """Maximum expected NPV at evenly spaced CVaR floors.

    Parameters
    ----------
    problem : PortfolioProblem
        The portfolio problem; its own CVaR floor is replaced by the sweep and its objective by expected NPV.
    points : int
        Number of floors, both ends included (at least 2).
    solver : {"cbc", "highs"}
        Solver.
    time_limit_s : float
        Time limit of each solve.
    gap : float
        Relative optimality gap of each solve.
    warm_start : bool
        Start each solve from the CVaR rows of the previous point's portfolio (see the module notes); False
        starts every solve without rows (to measure what the warm start saves).

    Returns
    -------
    list of FrontierPoint
        In order of increasing floor; empty when no portfolio meets the other limits.

    Examples
    --------
    >>> from alliance_analytics.portfolio.problem import PortfolioProblem
    >>> scenarios = np.array([[4.0, 1.0], [-2.0, 1.0]])
    >>> problem = PortfolioProblem(["A", "B"], ["A", "B"], np.zeros(2), scenarios.mean(axis=0), np.zeros(2),
    ...                            scenarios, [], cvar_level=0.5)
    >>> [(point.selected, point.expected_npv, point.cvar) for point in efficient_frontier(problem, points=2)]
    [(['A', 'B'], 2.0, -1.0), (['B'], 1.0, 1.0)]
    """
    if points < 2:
        raise ValueError(f"a frontier needs at least 2 points, got {points}")
    base = dataclasses.replace(problem, value=problem.expected_npv, cvar_floor=None)
    richest = solve(base, solver, time_limit_s, gap)
    safest = solve(base, solver, time_limit_s, gap, maximise="cvar")
    if not (richest.found and safest.found):
        return []
    low, high = float(problem.cvar(richest.selection)), float(problem.cvar(safest.selection))
    high -= FLOOR_MARGIN * max(1.0, abs(high))
    floors = np.linspace(low, high, points) if high > low else np.array([low])
    frontier = []
    solution = previous = richest
    for floor in floors.tolist():
        if not (solution.found and solution.status == "optimal" and problem.cvar(solution.selection) >= floor):
            start = warm_cuts(problem, previous) if warm_start else Cuts()
            solution = solve(dataclasses.replace(base, cvar_floor=floor), solver, time_limit_s, gap, cuts=start)
            previous = solution if solution.found else previous
        if solution.found:
            frontier.append(FrontierPoint(floor, float(problem.expected_npv @ solution.selection),
                                          float(problem.cvar(solution.selection)),
                                          problem.selected(solution.selection), solution.status))
        else:
            frontier.append(FrontierPoint(floor, None, None, [], solution.status))
    return frontier
