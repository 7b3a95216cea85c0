"""The portfolio MILP against brute force: optimum, CVaR linearisation, forcing and the tail CVaR itself.

Every random instance (see ``portfolio_reference.instances``) is solved by CBC and by HiGHS with a zero gap
and compared with the enumeration of all ``2^n`` portfolios in ``tests/portfolio_reference.py``, which
checks each limit from the instance's plain description and computes the CVaR by a second method.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import portfolio_reference as ref
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from alliance_analytics.portfolio.problem import LinearLimit, PortfolioProblem
from alliance_analytics.portfolio.solver import Solution, solve
from alliance_analytics.risk.measures import cvar, tail_weights

SOLVERS = ["cbc", "highs"]


def check_against_brute_force(instance: ref.Instance, solved: Solution) -> None:
    """Assert that a zero-gap solve of ``instance`` found brute force's optimum (or infeasibility exactly when
    brute force finds no feasible portfolio), with a portfolio that meets every limit of the reference.

    Parameters
    ----------
    instance : Instance
        The problem.
    solved : Solution
        The MILP's answer.
    """
    expected = ref.brute_force(instance)
    tolerance = 1e-6 * instance.scale
    if expected.best is None:
        assert solved.status == "infeasible" and solved.selection is None
        return
    assert solved.status == "optimal", solved
    assert solved.gap == pytest.approx(0.0, abs=1e-9)
    chosen = solved.selection[None, :].astype(np.int8)
    broken = [name for name, ok in ref.satisfied(instance, chosen).items() if not ok[0]]
    assert not broken, f"the MILP's portfolio breaks {broken}"
    assert float(chosen[0] @ instance.value) == pytest.approx(expected.best, abs=tolerance)
    assert solved.objective == pytest.approx(expected.best, abs=tolerance)
    assert (expected.optimal == chosen).all(axis=1).any()
    if instance.cvar_floor is not None:
        exact = ref.reference_cvar(chosen @ instance.scenarios.T, instance.cvar_level)[0]
        assert exact >= instance.cvar_floor - tolerance
        assert solved.cvar == pytest.approx(exact, abs=tolerance), "the solution reports its exact CVaR"


@pytest.mark.parametrize("solver", SOLVERS)
@settings(max_examples=60, deadline=None)
@given(instance=ref.instances(min_size=4, max_size=12))
def test_the_optimum_is_brute_forces(solver: str, instance: ref.Instance) -> None:
    check_against_brute_force(instance, solve(ref.to_problem(instance), solver=solver, gap=0.0))


@pytest.mark.parametrize("solver", SOLVERS)
@settings(max_examples=4, deadline=None)
@given(instance=ref.instances(min_size=16, max_size=18, max_scenarios=16))
def test_the_optimum_is_brute_forces_with_16_to_18_candidates(solver: str, instance: ref.Instance) -> None:
    check_against_brute_force(instance, solve(ref.to_problem(instance), solver=solver))


@pytest.mark.parametrize("solver", SOLVERS)
@settings(max_examples=30, deadline=None)
@given(instance=ref.instances(min_size=4, max_size=12, cvar=True))
def test_a_cvar_floor_holds_exactly_at_the_optimum(solver: str, instance: ref.Instance) -> None:
    check_against_brute_force(instance, solve(ref.to_problem(instance), solver=solver))


@pytest.mark.parametrize("solver", SOLVERS)
@settings(max_examples=30, deadline=None)
@given(instance=ref.instances(min_size=4, max_size=12, loss=True))
def test_a_loss_probability_limit_holds_exactly_at_the_optimum(solver: str, instance: ref.Instance) -> None:
    check_against_brute_force(instance, solve(ref.to_problem(instance), solver=solver))


@pytest.mark.parametrize("solver", SOLVERS)
@settings(max_examples=30, deadline=None)
@given(instance=ref.instances(min_size=4, max_size=11))
def test_the_maximised_cvar_is_the_exact_cvar(solver: str, instance: ref.Instance) -> None:
    expected = ref.brute_force(instance, maximise="cvar")
    solved = solve(ref.to_problem(instance), solver=solver, maximise="cvar")
    if expected.best is None:
        assert solved.status == "infeasible"
        return
    tolerance = 1e-6 * instance.scale
    assert solved.status == "optimal"
    chosen = solved.selection.astype(np.int8)
    exact = ref.reference_cvar(chosen @ instance.scenarios.T, instance.cvar_level)[0]
    assert solved.cvar == pytest.approx(expected.best, abs=tolerance)
    assert exact == pytest.approx(expected.best, abs=tolerance)
    assert float(cvar(chosen @ instance.scenarios.T, instance.cvar_level)) == \
        pytest.approx(expected.best, abs=tolerance)
    assert all(ref.satisfied(instance, chosen[None, :]).values())


@pytest.mark.parametrize("solver", SOLVERS)
@settings(max_examples=25, deadline=None)
@given(instance=ref.instances(min_size=4, max_size=10), data=st.data())
def test_forcing_in_or_out_is_brute_forces_optimum_under_the_force(solver: str, instance: ref.Instance,
                                                                   data: st.DataObject) -> None:
    candidate = data.draw(st.integers(0, instance.size - 1), label="candidate")
    include = data.draw(st.booleans(), label="include")
    forced = dataclasses.replace(
        instance,
        force_in=instance.force_in | {candidate} if include else instance.force_in - {candidate},
        force_out=instance.force_out - {candidate} if include else instance.force_out | {candidate},
    )
    problem = ref.to_problem(instance).forcing(ref.candidate_id(candidate), include)
    solved = solve(problem, solver=solver)
    check_against_brute_force(forced, solved)
    if solved.found:
        assert solved.selection[candidate] == float(include)


@settings(max_examples=200, deadline=None)
@given(values=st.integers(1, 60).flatmap(lambda count: arrays(np.int64, st.tuples(st.integers(1, 3), st.just(count)),
                                                                elements=st.integers(-10**6, 10**6))),
       level=st.one_of(st.sampled_from(ref.CVAR_LEVELS), st.floats(0.001, 1.0)))
def test_cvar_is_the_rockafellar_uryasev_maximum(values: np.ndarray, level: float) -> None:
    scale = max(1.0, float(np.abs(values).max()))
    expected = ref.reference_cvar(values, level)
    assert cvar(values, level) == pytest.approx(expected, abs=1e-9 * scale)
    assert float(cvar(values[0], level)) == pytest.approx(expected[0], abs=1e-9 * scale)
    weights = tail_weights(values[0], level)
    assert weights.sum() == pytest.approx(1.0) and weights.max() <= 1 / (level * values.shape[1]) + 1e-12
    assert float(weights @ values[0]) == pytest.approx(expected[0], abs=1e-9 * scale)


def test_cvar_weights_the_boundary_scenario() -> None:
    values = np.array([5.0, -10.0, 3.0, 0.0])
    assert float(cvar(values, 0.375)) == pytest.approx((-10.0 + 0.5 * 0.0) / 1.5)
    assert float(cvar(values, 0.1)) == -10.0
    assert float(cvar(values, 1.0)) == pytest.approx(-0.5)


def market_split(candidates: int = 40, rows: int = 4, seed: int = 7) -> tuple[PortfolioProblem, np.ndarray, np.ndarray]:
    """A Cornuéjols–Dawande market-split problem ``W x = W h`` for a hidden 0/1 ``h``, as pairs of limits.

    Branch and bound needs hours to find ``h`` (or any other solution) with 40 candidates and 4 rows, so no
    solver finds a portfolio, let alone proves one optimal, within a fraction of a second.

    Returns
    -------
    tuple
        The problem, the ``rows × candidates`` weights ``W`` and the targets ``W h``.
    """
    rng = np.random.default_rng(seed)
    weights = rng.integers(0, 100, (rows, candidates)).astype(float)
    target = weights @ rng.integers(0, 2, candidates)
    limits = [LinearLimit(f"{family}:{row}", family, weights[row], sense, float(target[row]), f"row {row} {sense}")
              for row in range(rows) for family, sense in (("budget_per_year", "<="), ("coverage", ">="))]
    ids = [ref.candidate_id(index) for index in range(candidates)]
    problem = PortfolioProblem(ids, ids, rng.integers(1, 100, candidates).astype(float), np.zeros(candidates),
                               np.zeros(candidates), np.zeros((1, candidates)), limits)
    return problem, weights, target


@pytest.mark.parametrize("solver", SOLVERS)
def test_a_hard_problem_stops_at_the_time_limit(solver: str) -> None:
    problem, weights, target = market_split()
    solved = solve(problem, solver=solver, time_limit_s=0.2)
    assert solved.status in ("no solution", "time limit")
    if solved.status == "no solution":
        assert solved.selection is None and solved.objective is None
    else:
        assert (weights @ solved.selection == target).all()
