"""The CVaR floor by rows added lazily equals the full model's optimum and brute force's.

The package (:mod:`alliance_analytics.portfolio.solver`) adds rows that bound the CVaR only as answers need
them: Künzi-Bay and Mayer's (2006, "Computational aspects of minimizing conditional value-at-risk",
*Computational Management Science* 3:3–27) aggregated cut of each answer that misses the floor, then, after a
few rounds, Rockafellar and Uryasev's (2000, "Optimization of conditional value-at-risk", *Journal of Risk*
2(3):21–41) scenario rows, starting from the tail scenarios of the linear relaxation's answers and adding each
answer's missing tail scenarios. The paths are tested as the package runs, with the switch after two cuts and
with scenario rows from the start. On seeded random instances (4–8 candidates, 20–200 scenarios, a budget and a CVaR floor at the 5 % or
20 % level that the best portfolio without it breaks) the optimum, with CBC and with HiGHS, is compared with two
references written here without the package:

- the full Rockafellar–Uryasev model, one row and one variable per scenario, solved by ``scipy.optimize.milp``;
- brute force over every selection, with the CVaR computed by sorting: the mean of the worst ``α S`` scenario
  NPVs, the last one counted with the fraction of it inside the tail.

Money is in millions, so objectives are compared within a millionth of the money scale (one unit), not to
the last digit. A warm-started efficient frontier (rows carried from point to point) equals a cold one.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

import numpy as np
import pytest
from scipy import optimize, sparse

from alliance_analytics.portfolio import solver as portfolio_solver
from alliance_analytics.portfolio.frontier import efficient_frontier
from alliance_analytics.portfolio.problem import LinearLimit, PortfolioProblem
from alliance_analytics.portfolio.solver import solve

SOLVERS = ("cbc", "highs")
MONEY = 1e6
"""Money unit of the random instances (NPVs and the floor are in millions)."""
TOLERANCE = 1e-6 * MONEY
"""Objectives and CVaRs agree within this (one unit of money on values of millions)."""
LEVELS = (0.05, 0.2)
SEEDS = range(20)


@dataclass(frozen=True)
class Instance:
    """A random problem in plain terms: values, scenario NPVs, costs and budget, CVaR level and floor.

    Attributes
    ----------
    value : numpy.ndarray
        Expected NPV per candidate (the objective), ``n``.
    scenarios : numpy.ndarray
        ``S × n`` NPV per scenario and candidate.
    cost : numpy.ndarray
        Investment per candidate, ``n``.
    budget : float
        Most total investment.
    level : float
        CVaR level ``α``.
    floor : float
        Least CVaR of the portfolio NPV.
    """

    value: np.ndarray
    scenarios: np.ndarray
    cost: np.ndarray
    budget: float
    level: float
    floor: float

    @property
    def size(self) -> int:
        """Number of candidates."""
        return self.value.size


def every_selection(size: int) -> np.ndarray:
    """All ``2^size`` 0/1 selections, one per row."""
    return ((np.arange(2 ** size)[:, None] >> np.arange(size)) & 1).astype(float)


def sorted_cvar(npv: np.ndarray, level: float) -> np.ndarray:
    """CVaR of each row of ``npv`` (``m × S``): the mean of its worst ``α S`` values, the last counted with the
    fraction of it inside the tail (``α S = 2.6``: the two worst and 0.6 of the third, over 2.6)."""
    ordered = np.sort(np.atleast_2d(npv), axis=1)
    share = level * ordered.shape[1]
    whole = math.floor(share + 1e-9)
    total = ordered[:, :whole].sum(axis=1)
    if share - whole > 1e-9:
        total = total + (share - whole) * ordered[:, whole]
    return total / share


@dataclass(frozen=True)
class BruteForce:
    """Every selection evaluated: the best value within budget and floor, and the CVaR ends."""

    best: float | None
    unconstrained_cvar: float
    highest_cvar: float


def brute_force(instance: Instance) -> BruteForce:
    """Enumerate every selection: within budget, the best value meeting the floor (None if none does), the CVaR
    of the best portfolio without the floor and the highest CVaR."""
    selections = every_selection(instance.size)
    affordable = selections @ instance.cost <= instance.budget + 1e-9
    values = selections @ instance.value
    cvars = sorted_cvar(selections @ instance.scenarios.T, instance.level)
    meets = affordable & (cvars >= instance.floor)
    richest = np.flatnonzero(affordable)[np.argmax(values[affordable])]
    return BruteForce(float(values[meets].max()) if meets.any() else None, float(cvars[richest]),
                      float(cvars[affordable].max()))


def full_model(instance: Instance) -> float | None:
    """The optimum of the full Rockafellar–Uryasev model (``scipy.optimize.milp``), None if it is infeasible.

    Columns ``x`` (n, 0/1), ``η`` (free), ``u`` (S, ≥ 0); rows: the budget, ``NPV_s · x − η + u_s ≥ 0`` for every
    scenario, and ``η − Σ u_s / (α S) ≥ floor``. Money is in millions here too, as solvers want it.
    """
    npv = instance.scenarios / MONEY
    count, size = npv.shape
    budget_row = sparse.hstack([sparse.csr_array(instance.cost[None, :]), sparse.csr_array((1, 1 + count))])
    scenario_rows = sparse.hstack([sparse.csr_array(npv), sparse.csr_array(-np.ones((count, 1))),
                                   sparse.identity(count, format="csr")])
    cvar_row = sparse.hstack([sparse.csr_array((1, size)), sparse.csr_array(np.ones((1, 1))),
                              sparse.csr_array(np.full((1, count), -1.0 / (instance.level * count)))])
    matrix = sparse.vstack([budget_row, scenario_rows, cvar_row], format="csr")
    lower = np.r_[-np.inf, np.zeros(count), instance.floor / MONEY]
    upper = np.r_[instance.budget, np.full(count + 1, np.inf)]
    result = optimize.milp(-np.r_[instance.value / MONEY, np.zeros(1 + count)],
                           constraints=optimize.LinearConstraint(matrix, lower, upper),
                           integrality=np.r_[np.ones(size), np.zeros(1 + count)],
                           bounds=optimize.Bounds(np.r_[np.zeros(size), -np.inf, np.zeros(count)],
                                                  np.r_[np.ones(size), np.full(1 + count, np.inf)]),
                           options={"mip_rel_gap": 0.0})
    if result.status == 2:
        return None
    assert result.status == 0, result.message
    return float(-result.fun) * MONEY


def random_instance(seed: int, level: float, share: float = 0.5) -> Instance:
    """A seeded instance whose floor sits about ``share`` of the way from the CVaR of the best portfolio without a
    floor to the highest CVaR within budget (by brute force), so that it binds unless the two coincide.

    Candidates with a higher expected NPV carry more market risk and a chance of a large loss, so value and tail
    risk pull apart; some scenario counts make ``α S`` fractional. The floor is put halfway between the two
    portfolio CVaRs around that point, so that no portfolio meets it within a rounding error only (which the
    solvers' tolerances accept and exact brute force does not).
    """
    rng = np.random.default_rng(seed)
    size, count = int(rng.integers(4, 9)), int(rng.integers(20, 201))
    beta = rng.uniform(0.2, 1.5, size)
    loss_probability, loss = rng.uniform(0.02, 0.2, size), rng.uniform(0.5, 3.0, size)
    market = rng.standard_normal(count) - 2.0 * (rng.random(count) < 0.05)
    npv = (0.3 + 0.6 * beta + loss_probability * loss + beta * market[:, None]
           + 0.5 * rng.standard_normal((count, size)) - loss * (rng.random((count, size)) < loss_probability))
    scenarios = np.round(npv * MONEY, -3)
    cost = rng.uniform(1.0, 3.0, size).round(2)
    unfloored = Instance(scenarios.mean(axis=0), scenarios, cost, float(round(0.6 * cost.sum(), 2)), level, -np.inf)
    ends = brute_force(unfloored)
    target = ends.unconstrained_cvar + share * (ends.highest_cvar - ends.unconstrained_cvar)
    selections = every_selection(size)
    affordable = selections[selections @ cost <= unfloored.budget + 1e-9]
    cvars = np.unique(sorted_cvar(affordable @ scenarios.T, level))
    above = int(np.searchsorted(cvars, target))
    floor = (cvars[above - 1] + cvars[above]) / 2 if 0 < above < cvars.size else cvars[0] - MONEY
    return dataclasses.replace(unfloored, floor=float(floor))


def to_problem(instance: Instance) -> PortfolioProblem:
    """The instance as the package's problem."""
    ids = [f"C{index}" for index in range(instance.size)]
    budget = LinearLimit("budget", "budget", instance.cost, "<=", instance.budget, "budget")
    return PortfolioProblem(ids, ids, instance.value, instance.value, np.zeros(instance.size), instance.scenarios,
                            [budget], cvar_floor=instance.floor, cvar_level=instance.level)


INSTANCES = [random_instance(seed, LEVELS[seed % 2]) for seed in SEEDS]


ROUNDS = {"as the package solves": portfolio_solver.AGGREGATED_ROUNDS, "scenario rows after 2 cuts": 2,
          "scenario rows only": 0}
"""Aggregated cuts before the switch to scenario rows: the package's number (none of the instances here needs
that many), 2 (the switch happens on most) and none."""


@pytest.fixture(params=list(ROUNDS))
def rows(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Solve with the number of aggregated rounds named (see :data:`ROUNDS`)."""
    monkeypatch.setattr(portfolio_solver, "AGGREGATED_ROUNDS", ROUNDS[request.param])
    return request.param


def test_the_floors_bind_in_most_instances() -> None:
    """Without the floor the best portfolio breaks it in (nearly) every instance, so the tests below test it."""
    binding = [brute_force(instance).unconstrained_cvar < instance.floor - TOLERANCE for instance in INSTANCES]
    assert sum(binding) >= 0.8 * len(INSTANCES)
    assert {instance.level for instance in INSTANCES} == set(LEVELS)
    assert any(not float(instance.level * instance.scenarios.shape[0]).is_integer() for instance in INSTANCES)


@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("seed", SEEDS)
def test_the_lazy_optimum_is_the_full_models_and_brute_forces(solver: str, seed: int, rows: str) -> None:
    instance = INSTANCES[seed]
    expected = brute_force(instance).best
    assert expected is not None
    assert full_model(instance) == pytest.approx(expected, abs=TOLERANCE)
    solved = solve(to_problem(instance), solver, gap=0.0)
    assert solved.status == "optimal", solved
    assert solved.objective == pytest.approx(expected, abs=TOLERANCE)
    exact = float(sorted_cvar(solved.selection @ instance.scenarios.T, instance.level)[0])
    assert exact >= instance.floor - TOLERANCE
    assert solved.cvar == pytest.approx(exact, abs=TOLERANCE)
    assert solved.selection @ instance.cost <= instance.budget + 1e-9
    assert len(solved.rows.scenarios) <= instance.scenarios.shape[0]
    assert len(solved.rows.cvar) <= ROUNDS[rows]


@pytest.mark.parametrize("solver", SOLVERS)
def test_cbc_knapsack_cover_cuts_cannot_cut_off_the_optimum(solver: str) -> None:
    """With two aggregated cuts in the model, CBC 2.10's knapsack cover cuts (and no primal heuristics, as on a
    small model) cut off the optimum {C3, C4} and called the worse {C1, C3} optimal."""
    instance = dataclasses.replace(random_instance(101, 0.05), floor=-4_707_379.0)
    solved = solve(to_problem(instance), solver, gap=0.0)
    assert solved.status == "optimal"
    assert solved.objective == pytest.approx(brute_force(instance).best, abs=TOLERANCE)
    assert solved.selection.tolist() == [0.0, 0.0, 0.0, 1.0, 1.0]


@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("seed", SEEDS[:6])
def test_the_lazy_highest_cvar_is_brute_forces(solver: str, seed: int) -> None:
    instance = INSTANCES[seed]
    solved = solve(to_problem(instance), solver, gap=0.0, maximise="cvar")
    assert solved.status == "optimal"
    assert solved.cvar == pytest.approx(brute_force(instance).highest_cvar, abs=TOLERANCE)


@pytest.mark.usefixtures("rows")
@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("seed", SEEDS[:4])
def test_a_floor_above_the_highest_cvar_is_proven_infeasible(solver: str, seed: int) -> None:
    instance = INSTANCES[seed]
    above = dataclasses.replace(instance, floor=brute_force(instance).highest_cvar + 0.01 * MONEY)
    assert brute_force(above).best is None and full_model(above) is None
    assert solve(to_problem(above), solver, gap=0.0).status == "infeasible"


@pytest.mark.parametrize("solver", SOLVERS)
def test_a_warm_started_frontier_equals_a_cold_one_point_by_point(solver: str) -> None:
    instance = random_instance(101, 0.05)
    problem = to_problem(instance)
    warm = efficient_frontier(problem, points=6, solver=solver, gap=0.0)
    cold = efficient_frontier(problem, points=6, solver=solver, gap=0.0, warm_start=False)
    assert len(warm) == len(cold) == 6
    selections = every_selection(instance.size)
    affordable = selections @ instance.cost <= instance.budget + 1e-9
    cvars = sorted_cvar(selections @ instance.scenarios.T, instance.level)
    for hot, plain in zip(warm, cold, strict=True):
        assert hot.status == plain.status == "optimal"
        assert hot.cvar_floor == plain.cvar_floor
        assert hot.expected_npv == pytest.approx(plain.expected_npv, abs=TOLERANCE)
        assert hot.cvar == pytest.approx(plain.cvar, abs=TOLERANCE)
        best = (selections @ instance.value)[affordable & (cvars >= hot.cvar_floor - TOLERANCE)].max()
        assert hot.expected_npv == pytest.approx(best, abs=TOLERANCE)
    assert len({round(point.expected_npv) for point in warm}) > 1, "the frontier has more than one point"
