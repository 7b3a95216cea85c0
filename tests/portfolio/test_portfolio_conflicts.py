"""Infeasibility explanations: the conflicting limits are really infeasible together, and minimal.

Random instances are made infeasible on purpose in the ways a case goes wrong (a minimum count the budget
cannot pay for, a capability whose providers are all forced out, a CVaR floor above the best achievable,
forcing in both members of an exclusion, a dependency against the forces, a minimum count above the maximum)
and each conflict ``minimal_conflict`` names is checked by brute force, limit subset by limit subset.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path

import numpy as np
import portfolio_reference as ref
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alliance_analytics import load_case
from alliance_analytics.fit.analysis import partner_fit
from alliance_analytics.portfolio.conflicts import minimal_conflict
from alliance_analytics.portfolio.from_case import build_problem, portfolio_settings
from alliance_analytics.portfolio.problem import LinearLimit, PortfolioProblem
from alliance_analytics.risk.analysis import simulate_case


def _count_beyond_budget(instance: ref.Instance, data: st.DataObject) -> ref.Instance:
    """At least ``k`` alliances, with a budget half the cheapest cost short of the ``k`` cheapest."""
    least = data.draw(st.integers(1, instance.size), label="least")
    cheapest = float(np.sort(instance.cost)[:least].sum())
    return dataclasses.replace(instance, min_count=least, budget=cheapest - float(instance.cost.min()) / 2)


def _providers_forced_out(instance: ref.Instance, data: st.DataObject) -> ref.Instance:
    """A capability to cover whose every provider is forced out (or that no candidate offers)."""
    capability = data.draw(st.integers(0, 2), label="capability")
    providers = np.flatnonzero(instance.capabilities[capability]).tolist()
    return dataclasses.replace(instance, coverage={**instance.coverage, capability: 1},
                               force_out=instance.force_out | set(providers),
                               force_in=instance.force_in - set(providers))


def _cvar_above_best(instance: ref.Instance, data: st.DataObject) -> ref.Instance:
    """A CVaR floor above the best CVaR of any portfolio."""
    best = ref.reference_cvar(ref.all_selections(instance.size) @ instance.scenarios.T, instance.cvar_level).max()
    return dataclasses.replace(instance, cvar_floor=float(best) + data.draw(st.sampled_from([0.01, 1.0])) * instance.scale)


def _exclusion_forced_in(instance: ref.Instance, data: st.DataObject) -> ref.Instance:
    """Both members of an exclusion forced in."""
    pair = tuple(sorted(data.draw(st.lists(st.integers(0, instance.size - 1), min_size=2, max_size=2, unique=True),
                                  label="pair")))
    return dataclasses.replace(instance, exclusions=tuple(sorted({*instance.exclusions, pair})),
                               force_in=instance.force_in | set(pair), force_out=instance.force_out - set(pair),
                               walk_away=instance.walk_away - set(pair))


def _dependency_against_forces(instance: ref.Instance, data: st.DataObject) -> ref.Instance:
    """``a`` only with ``b``, ``a`` forced in and ``b`` forced out."""
    first, second = data.draw(st.lists(st.integers(0, instance.size - 1), min_size=2, max_size=2, unique=True),
                              label="pair")
    return dataclasses.replace(instance, dependencies=tuple(sorted({*instance.dependencies, (first, second)})),
                               force_in=(instance.force_in | {first}) - {second},
                               force_out=(instance.force_out | {second}) - {first},
                               walk_away=instance.walk_away - {first})


def _minimum_above_maximum(instance: ref.Instance, data: st.DataObject) -> ref.Instance:
    """A minimum number of alliances above the maximum."""
    most = data.draw(st.integers(0, instance.size - 1), label="most")
    return dataclasses.replace(instance, min_count=most + 1, max_count=most)


BREAKS: list[Callable[[ref.Instance, st.DataObject], ref.Instance]] = [
    _count_beyond_budget, _providers_forced_out, _cvar_above_best, _exclusion_forced_in,
    _dependency_against_forces, _minimum_above_maximum,
]
"""Ways to make an instance infeasible."""


def check_conflict(instance: ref.Instance, solver: str) -> None:
    """Assert that ``minimal_conflict`` is None exactly when brute force finds a portfolio, and otherwise
    names a set of limits that brute force confirms is infeasible on its own and minimal.
    """
    problem = ref.to_problem(instance)
    conflict = minimal_conflict(problem, solver=solver)
    if ref.is_feasible(instance, ref.limit_names(instance)):
        assert conflict is None
        return
    assert conflict is not None and conflict.certain
    names = conflict.limits
    assert len(set(names)) == len(names) and set(names) <= set(problem.limit_names)
    assert not ref.is_feasible(instance, names), f"{names} is not infeasible on its own"
    for name in names:
        rest = [other for other in names if other != name]
        assert ref.is_feasible(instance, rest), f"{names} is not minimal: infeasible without {name}"
    assert conflict.descriptions == [problem.describe(name) for name in names]
    text = conflict.explanation()
    assert all(description in text for description in conflict.descriptions)


@pytest.mark.parametrize("solver", ["cbc", "highs"])
@settings(max_examples=12, deadline=None)
@given(instance=ref.instances(min_size=4, max_size=8, max_scenarios=20), break_it=st.sampled_from(BREAKS),
       data=st.data())
def test_a_conflict_is_infeasible_and_minimal(solver: str, instance: ref.Instance,
                                              break_it: Callable[[ref.Instance, st.DataObject], ref.Instance],
                                              data: st.DataObject) -> None:
    broken = break_it(instance, data)
    assert not ref.is_feasible(broken, ref.limit_names(broken))
    check_conflict(broken, solver)


@settings(max_examples=12, deadline=None)
@given(instance=ref.instances(min_size=4, max_size=8, max_scenarios=20))
def test_a_random_problem_has_a_conflict_exactly_when_infeasible(instance: ref.Instance) -> None:
    check_conflict(instance, "highs")


def test_forcing_out_both_regulatory_providers_is_explained(case_copy: Path) -> None:
    case = load_case(case_copy)
    overridden = portfolio_settings(case, {"force_out": ["C01", "C05"]})
    scenarios = simulate_case(case, iterations=300, sensitivity=False).scenarios
    problem = build_problem(case, partner_fit(case), scenarios, overridden)
    conflict = minimal_conflict(problem)
    assert conflict is not None
    assert set(conflict.limits) == {"coverage:regulatory", "force_out:C01", "force_out:C05"}
    assert "regulatory" in conflict.explanation()


def test_a_limit_named_apart_from_its_family_can_be_in_a_conflict() -> None:
    limits = [LinearLimit("total_spend", "budget", np.ones(2), "<=", 0.0, "spend nothing"),
              LinearLimit("min_alliances", "min_alliances", np.ones(2), ">=", 1.0, "at least 1 alliance")]
    problem = PortfolioProblem(["A", "B"], ["A", "B"], np.ones(2), np.zeros(2), np.zeros(2), np.zeros((1, 2)), limits)
    conflict = minimal_conflict(problem)
    assert conflict is not None and set(conflict.limits) == {"total_spend", "min_alliances"}
