"""The portfolio analysis on the sample case, every answer checked against an enumeration of all 2^13 portfolios.

The enumeration evaluates each portfolio directly (limits as dot products, CVaR from sorted scenario NPVs),
a different method from the MILP and its re-solves.
"""

from __future__ import annotations

import itertools
import json

import numpy as np
import pytest
from reader_checks import number

from alliance_analytics.core.parameters import parameter_problems
from alliance_analytics.fit.analysis import partner_fit
from alliance_analytics.portfolio.analysis import PortfolioParameters, optimise_portfolio
from alliance_analytics.portfolio.problem import PortfolioProblem
from alliance_analytics.risk.analysis import simulate_case

SCENARIOS = 400


@pytest.fixture(scope="module")
def inputs(sample_case):
    """Fit result and a small scenario matrix of the sample case."""
    fit = partner_fit(sample_case)
    scenarios = simulate_case(sample_case, iterations=SCENARIOS, sensitivity=False).scenarios
    return sample_case, fit, scenarios


@pytest.fixture(scope="module")
def result(inputs):
    case, fit, scenarios = inputs
    return optimise_portfolio(case, fit, scenarios, frontier_points=5, robustness_samples=6)


def every_portfolio(size: int) -> np.ndarray:
    """All 0/1 selections of ``size`` candidates."""
    return np.array(list(itertools.product([0.0, 1.0], repeat=size)))


def best(problem: PortfolioProblem, values: np.ndarray | None = None) -> float | None:
    """Brute-force optimum of a problem (None when infeasible)."""
    selections = every_portfolio(problem.size)
    feasible = problem.feasible(selections)
    if not feasible.any():
        return None
    return float((selections[feasible] @ (problem.value if values is None else values)).max())


def test_optimum_equals_enumeration(result):
    problem = result.problem
    assert result.solution.status == "optimal"
    assert result.solution.objective == pytest.approx(best(problem), rel=1e-9)
    assert problem.feasible(result.solution.selection)
    assert result.expected_npv == pytest.approx((problem.scenarios @ result.solution.selection).mean())


def test_walk_aways_are_out_and_reported(result, inputs):
    _, fit, _ = inputs
    walk_aways = set(fit.candidates.index[fit.candidates["recommendation"] == "walk away"])
    assert walk_aways and not walk_aways & set(result.selected)
    assert set(result.why.index[result.why["status"] == "walked away"]) == walk_aways
    assert any("walk-aways" in line and all(c in line for c in walk_aways) for line in result.headline())


def test_binding_limits_are_those_whose_removal_improves_the_optimum(result):
    problem = result.problem
    optimum = result.solution.objective
    for name in problem.limit_names:
        if name.split(":")[0] in ("force_in", "force_out", "walk_away"):
            continue
        relaxed = best(problem.without([name]))
        improves = relaxed is not None and relaxed > optimum + 1e-6
        assert (name in result.binding) == improves, name
        if improves:
            assert result.binding[name] == pytest.approx(relaxed - optimum, rel=1e-9)
    assert result.binding, "the sample case is built so that some limit binds"


def test_why_in_or_out_changes_equal_enumeration(result):
    problem = result.problem
    selections = every_portfolio(problem.size)
    feasible = problem.feasible(selections)
    values = selections @ problem.value
    for candidate, row in result.why.iterrows():
        if row.status not in ("in", "out"):
            continue
        column = selections[:, problem.candidates.index(candidate)]
        other_way = feasible & (column == (0.0 if row.status == "in" else 1.0))
        if other_way.any():
            assert row.objective_change == pytest.approx(values[other_way].max() - result.solution.objective,
                                                         rel=1e-9, abs=1e-6), candidate
        else:
            assert np.isnan(row.objective_change) and "no portfolio" in row.reason, candidate


def test_marginal_values_equal_enumeration(result):
    problem = result.problem
    for name, row in result.marginal.iterrows():
        bigger = problem.with_bound(name, problem.limit(name).bound + row.step)
        assert row.gain == pytest.approx(best(bigger) - result.solution.objective, abs=1e-6), name


def test_frontier_points_are_optimal_at_their_floor(result):
    problem = result.problem
    selections = every_portfolio(problem.size)
    others = problem.without(["cvar_floor"])
    feasible = others.feasible(selections)
    npv = selections @ problem.expected_npv
    cvar = problem.cvar(selections)
    assert len(result.frontier) == 5
    for point in result.frontier:
        allowed = feasible & (cvar >= point.cvar_floor - 1e-6)
        assert point.expected_npv == pytest.approx(npv[allowed].max(), rel=1e-9)
        assert point.cvar >= point.cvar_floor - 1e-6
    assert [point.expected_npv for point in result.frontier] == sorted(
        (point.expected_npv for point in result.frontier), reverse=True)


def test_inclusion_frequency_is_reproducible_and_classified(inputs, result):
    case, fit, scenarios = inputs
    again = optimise_portfolio(case, fit, scenarios, frontier_points=2, robustness_samples=6)
    assert again.robustness.frequency.equals(result.robustness.frequency)
    table = result.robustness_table()
    shares = table["Inclusion frequency"].map(number)
    assert shares.between(0, 100).all()
    assert shares.tolist() == pytest.approx((100 * result.robustness.frequency.sort_values(
        ascending=False, kind="stable")).tolist(), abs=0.051)
    assert set(table.loc[shares >= 90, "Class"]) <= {"core"}
    assert set(table.loc[shares <= 10, "Class"]) <= {"exterior"}
    walk_aways = result.why.index[result.why["status"] == "walked away"]
    assert (result.robustness.frequency[walk_aways] == 0).all()


def test_results_json_has_the_documented_keys(result):
    data = json.loads(json.dumps(result.to_json()))
    for key in ("selected", "objective", "expected_npv", "cvar_5", "status", "gap", "frontier", "core_index",
                "binding"):
        assert key in data
    assert data["selected"] == result.selected and data["status"] == "optimal"
    assert data["cvar_5"] == pytest.approx(result.problem.cvar(result.solution.selection))
    assert set(data["core_index"]) == set(result.problem.candidates)
    assert all({"cvar_floor", "expected_npv", "cvar", "selected", "status"} <= set(p) for p in data["frontier"])


def test_infeasible_case_is_explained_in_plain_words(inputs):
    case, fit, scenarios = inputs
    result = optimise_portfolio(case, fit, scenarios, {"force_out": ["C01", "C05"]}, frontier_points=2,
                               robustness_samples=0)
    assert result.solution.status == "infeasible" and result.selected == []
    assert result.conflict.limits == ["coverage:regulatory", "force_out:C01", "force_out:C05"]
    text = " ".join(result.headline())
    assert "regulatory covered by at least 1 selected partner (offered by C01 or C05)" in text
    assert "C01 (Helvetia Sensorik AG) is forced out" in text
    assert result.to_json()["conflict"]["limits"] == result.conflict.limits


def test_forcing_in_a_candidate_keeps_it_in(inputs):
    case, fit, scenarios = inputs
    result = optimise_portfolio(case, fit, scenarios, {"force_in": ["C12"], "risk_limit": {"cvar_floor": -1_000_000}},
                                frontier_points=2, robustness_samples=0)  # at 0, C12 fits no portfolio of 400 futures
    assert "C12" in result.selected
    assert result.solution.objective == pytest.approx(best(result.problem), rel=1e-9)
    assert result.why.at["C12", "status"] == "forced in"


def test_bad_parameters_are_all_reported(sample_case):
    problems = parameter_problems(PortfolioParameters, {
        "objective": "profit", "force_in": ["C99"], "frontier_points": 1, "robustness_samples": -1,
        "budget_step": 0, "iterations": 50, "weights": {"charisma": 1}}, sample_case)
    columns = sorted(problem.column for problem in problems)
    assert columns == ["budget_step", "force_in", "frontier_points", "iterations", "objective", "robustness_samples",
                       "weights.charisma"]
    assert not parameter_problems(PortfolioParameters, {}, sample_case)
