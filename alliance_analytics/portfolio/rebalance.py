"""The portfolio rebalanced: new candidates and a decision for every alliance in flight under review, in one MILP.

Continuing an alliance as it runs is the status quo. Every other option of an alliance (restructure, exit) is
one more 0/1 column of the portfolio problem whose numbers are its difference from continuing, on the same
simulated futures: its expected NPV from today, its NPV in every scenario, and what it needs of each limit
(money now, alliance-manager FTE, a sponsor's slot). A row per alliance allows at most one change. So:

- with no change chosen, the problem is exactly the choice among new candidates, and the limits in
  ``portfolio`` are what the programme can add on top of the alliances in flight as they run;
- an exit frees the alliance's remaining commitment (less the exit cost), its FTE and its sponsor's slot for new
  candidates; a restructure frees the commitment less its own cost and changes the FTE;
- the objective, the CVaR floor and the loss limit apply to the NPV the decisions add: the new alliances' NPV
  plus, scenario by scenario, each change's gain over continuing. Money already spent appears nowhere.

The count limits (``min_alliances``, ``max_alliances``), coverage, exclusions, dependencies and the per-year
budgets concern the new candidates only. Under the ``fit`` objective a change is worth 0 points (fit scores are
for proposed partners), so only the limits decide it; the ``blend`` objective counts its NPV part.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence

import numpy as np

from alliance_analytics.core.formatting import candidate_label
from alliance_analytics.portfolio.problem import ONE_OPTION, LinearLimit, PortfolioProblem
from alliance_analytics.review.options import AllianceOptions


def with_review(problem: PortfolioProblem, review: Sequence[AllianceOptions], sponsors: Mapping[str, str | None],
                value_of: Callable[[np.ndarray, np.ndarray], np.ndarray]) -> PortfolioProblem:
    """The portfolio problem with a change column per non-status-quo option of every reviewed alliance.

    Parameters
    ----------
    problem : PortfolioProblem
        The choice among new candidates (:func:`~alliance_analytics.portfolio.from_case.build_problem`).
    review : sequence of AllianceOptions
        Each reviewed alliance's options, valued on the problem's scenarios (same rows, ``S``).
    sponsors : mapping of str to str or None
        Each reviewed alliance's executive sponsor (``sponsor`` in ``candidates.csv``).
    value_of : callable
        ``value_of(expected_npv, fit)`` → objective coefficient per column, applied to every column again (the
        ``blend`` objective normalises by the largest expected NPV).

    Returns
    -------
    PortfolioProblem
        Columns: the new candidates, then ``alliance:option`` per change; ``changes`` maps the latter to
        ``(alliance, option)``.

    Raises
    ------
    ValueError
        When an alliance's scenarios do not line up with the problem's.
    """
    if not review:
        return problem
    columns, names, scenarios, money, fte, freed = [], [], [], [], [], []
    changes: dict[str, tuple[str, str]] = {}
    for options in review:
        if options.npv.shape[0] != problem.scenarios.shape[0]:
            raise ValueError(f"{options.alliance} has {options.npv.shape[0]} scenarios, the portfolio "
                             f"{problem.scenarios.shape[0]}")
        for position, option in enumerate(options.options[1:], start=1):
            column = f"{options.alliance}:{option}"
            columns.append(column)
            names.append(f"{options.label(option)}: {options.name}")
            scenarios.append(options.npv[:, position] - options.npv[:, 0])
            money.append(options.money[position] - options.money[0])
            fte.append(options.fte[position] - options.fte[0])
            freed.append(sponsors.get(options.alliance) if option == "exit" else None)
            changes[column] = (options.alliance, option)
    change_scenarios = np.column_stack(scenarios)
    matrix = np.hstack([problem.scenarios, change_scenarios])
    expected = np.concatenate([problem.expected_npv, np.ascontiguousarray(change_scenarios.T).mean(axis=1)])
    fit = np.concatenate([problem.fit, np.zeros(len(columns))])
    extra = {"budget": np.array(money), "manager_fte": np.array(fte)}
    limits = []
    for limit in problem.limits:
        coefficients = extra.get(limit.family, np.zeros(len(columns)))
        if limit.family == "sponsor":
            sponsor = limit.name.split(":", 1)[1]
            coefficients = -np.array([owner == sponsor for owner in freed], dtype=float)
        limits.append(dataclasses.replace(limit, coefficients=np.concatenate([limit.coefficients, coefficients])))
    size = problem.size + len(columns)
    for options in review:
        own = [problem.size + columns.index(f"{options.alliance}:{option}") for option in options.options[1:]]
        if len(own) < 2:
            continue
        coefficients = np.zeros(size)
        coefficients[own] = 1.0
        choices = ", ".join(label[0].lower() + label[1:] for label in map(options.label, options.options))
        limits.append(LinearLimit(f"{ONE_OPTION}:{options.alliance}", ONE_OPTION, coefficients, "<=", 1.0,
                                  f"one decision for {candidate_label(options.alliance, options.name)}: {choices}"))
    return dataclasses.replace(problem, candidates=[*problem.candidates, *columns], names=[*problem.names, *names],
                               value=value_of(expected, fit), expected_npv=expected, fit=fit, scenarios=matrix,
                               limits=limits, changes=changes)
