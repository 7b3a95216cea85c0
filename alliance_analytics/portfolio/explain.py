"""Why the optimal portfolio is what it is: limits used, limits that bind, and why each candidate is in or out.

Integer programs have no meaningful duals, so every "what if" is answered by re-solving: a limit binds when
dropping it alone would improve the objective; a candidate's importance is the change in objective when it is
forced the other way; the marginal value of budget or alliance-manager capacity is the gain from one more
step of it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from alliance_analytics.core.formatting import format_money
from alliance_analytics.portfolio.problem import CVAR_LIMIT, LOSS_LIMIT, ONE_OPTION, PortfolioProblem
from alliance_analytics.portfolio.solver import Solution, solve

QUANTITY_FAMILIES: tuple[str, ...] = ("budget", "budget_per_year", "manager_fte", "sponsor", "coverage",
                                      "min_alliances", "max_alliances")
"""Limit families with an amount to use up (shown in the usage table)."""
DECISION_FAMILIES: tuple[str, ...] = ("force_in", "force_out", "walk_away")
"""Limit families that record a decision about one candidate rather than a limit of the programme."""
COSTS_PREFIX = "dropping it costs "
"""How a reason words what dropping a candidate in the portfolio costs (the amount follows)."""
LOWERS_PREFIX = "adding it lowers the objective by "
"""How a reason words what adding a candidate left out costs (the amount follows)."""


@dataclass(frozen=True)
class SolveOptions:
    """How re-solves are run: solver, time limit per solve and relative gap."""

    solver: str = "cbc"
    time_limit_s: float = 60.0
    gap: float = 0.0

    def solve(self, problem: PortfolioProblem) -> Solution:
        """Solve ``problem`` with these options."""
        return solve(problem, self.solver, self.time_limit_s, self.gap)


def limit_usage(problem: PortfolioProblem, selection: np.ndarray) -> pd.DataFrame:
    """How much of each quantity limit a portfolio uses.

    Parameters
    ----------
    problem : PortfolioProblem
        The problem.
    selection : numpy.ndarray
        The portfolio (0/1 per candidate).

    Returns
    -------
    pandas.DataFrame
        Indexed by limit name: ``limit`` (plain words), ``used``, ``bound``, ``slack`` and ``tight`` (no slack
        left). For the CVaR floor ``used`` is the portfolio's CVaR; for the loss limit, its loss probability.
    """
    rows = []
    for limit in problem.limits:
        if limit.family in QUANTITY_FAMILIES:
            used = float(selection @ limit.coefficients)
            rows.append((limit.name, limit.description, used, limit.bound))
    if problem.cvar_floor is not None:
        rows.append((CVAR_LIMIT, problem.describe(CVAR_LIMIT), float(problem.cvar(selection)), problem.cvar_floor))
    if problem.max_loss_probability is not None:
        rows.append((LOSS_LIMIT, problem.describe(LOSS_LIMIT), float(problem.loss_probability(selection)),
                     problem.max_loss_probability))
    table = pd.DataFrame(rows, columns=["name", "limit", "used", "bound"]).set_index("name")
    slack = problem.slacks(selection)
    table["slack"] = [float(slack[name]) for name in table.index]
    tight = set(problem.used_up(selection))
    table["tight"] = [name in tight for name in table.index]
    return table


def binding_limits(problem: PortfolioProblem, solution: Solution, options: SolveOptions) -> dict[str, float]:
    """The limits that bind: dropping one alone would let a better portfolio be chosen.

    With whole alliances a limit can bind without being used up (the next candidate does not fit in what
    is left), and be used up without binding, so each limit is tested by re-solving without it. Forces and
    walk-aways are decisions, not limits, and are not tested.

    Parameters
    ----------
    problem : PortfolioProblem
        The problem.
    solution : Solution
        Its optimal (or best found) solution.
    options : SolveOptions
        For the re-solves.

    Returns
    -------
    dict of str to float
        Limit name to the objective gained by dropping it, for every binding limit.
    """
    decisions = {limit.name for limit in problem.limits if limit.family in (*DECISION_FAMILIES, ONE_OPTION)}
    gains = {}
    for name in problem.limit_names:
        if name in decisions:
            continue
        relaxed = options.solve(problem.without([name]))
        if relaxed.found and relaxed.objective > solution.objective + _tolerance(solution.objective):
            gains[name] = relaxed.objective - solution.objective
    return gains


def why_in_or_out(problem: PortfolioProblem, solution: Solution, options: SolveOptions) -> pd.DataFrame:
    """For every candidate: the change in objective if forced the other way, and what keeps it in or out.

    Parameters
    ----------
    problem : PortfolioProblem
        The problem.
    solution : Solution
        Its optimal (or best found) solution.
    options : SolveOptions
        For the re-solves.

    Returns
    -------
    pandas.DataFrame
        Indexed by candidate id: ``name``, ``in_portfolio``, ``status`` (in, out, forced in, forced out,
        walked away), ``objective_change`` (objective of the best portfolio with the candidate forced the
        other way minus the optimum; NaN where not re-solved, impossible or undecided at the time limit) and
        ``reason`` in plain words.
        Walk-aways are not re-solved: the partner-fit analysis has ruled them out.
    """
    rows = []
    families = {limit.name.split(":", 1)[1]: limit for limit in problem.limits
                if limit.family in DECISION_FAMILIES}
    for position, candidate in enumerate(problem.candidates):
        chosen = bool(solution.selection[position] > 0.5)
        fixed = families.get(candidate)
        if fixed is not None:
            status = {"force_in": "forced in", "force_out": "forced out", "walk_away": "walked away"}[fixed.family]
            rows.append((candidate, problem.names[position], chosen, status, np.nan, fixed.description))
            continue
        change, reason = _flip(problem, solution, candidate, chosen, options)
        rows.append((candidate, problem.names[position], chosen, "in" if chosen else "out", change, reason))
    return pd.DataFrame(rows, columns=["candidate_id", "name", "in_portfolio", "status", "objective_change",
                                       "reason"]).set_index("candidate_id")


def _flip(problem: PortfolioProblem, solution: Solution, candidate: str, chosen: bool,
          options: SolveOptions) -> tuple[float, str]:
    """Re-solve with the candidate forced the other way; the change in objective and the reason in words.

    The reason names the limits that the optimal portfolio with just this candidate added (or removed)
    would break, which is what keeps it out (or in). Only a re-solve that proved infeasibility says that no
    portfolio is possible the other way; one stopped at its time limit without a portfolio says so.
    """
    position = problem.candidates.index(candidate)
    changed = solution.selection.copy()
    changed[position] = 0.0 if chosen else 1.0
    violated = problem.violations(changed)
    broken = "; ".join(problem.describe(name) for name in violated) or "no limit directly"
    outcome = options.solve(problem.forcing(candidate, include=not chosen))
    change = outcome.objective - solution.objective if outcome.found else np.nan
    if outcome.status == "no solution":
        return change, (f"undecided: with it forced {'out' if chosen else 'in'}, the solver stopped at its time "
                        "limit before finding a portfolio")
    if chosen:
        if not outcome.found:
            return change, f"needed: no portfolio without it meets every limit (dropping it breaks: {broken})"
        return change, f"{COSTS_PREFIX}{_amount(problem, -change)} at best"
    if not outcome.found:
        return change, f"no portfolio with it meets every limit (adding it breaks: {broken})"
    if violated:
        return change, f"adding it to this portfolio would break: {broken}"
    return change, f"{LOWERS_PREFIX}{_amount(problem, -change)}"


def marginal_values(problem: PortfolioProblem, solution: Solution, steps: dict[str, float],
                    options: SolveOptions) -> pd.DataFrame:
    """The objective gained from one more step of each named limit (e.g. 0.50 M EUR of budget, 0.5 FTE).

    Parameters
    ----------
    problem : PortfolioProblem
        The problem.
    solution : Solution
        Its optimal solution.
    steps : dict of str to float
        Limit name to the step added to its bound (names absent from the problem are skipped).
    options : SolveOptions
        For the re-solves.

    Returns
    -------
    pandas.DataFrame
        Indexed by limit name: ``limit``, ``step``, ``gain`` (objective with the larger bound minus the
        optimum) and ``new_portfolio`` (ids, when it changes).
    """
    rows = []
    names = set(problem.limit_names)
    for name, step in steps.items():
        if name not in names:
            continue
        limit = problem.limit(name)
        outcome = options.solve(problem.with_bound(name, limit.bound + step))
        gain = outcome.objective - solution.objective if outcome.found else np.nan
        changed = outcome.found and not np.array_equal(outcome.selection, solution.selection)
        portfolio = ", ".join(problem.selected(outcome.selection)) if changed else "unchanged"
        rows.append((name, limit.description, step, gain, portfolio))
    return pd.DataFrame(rows, columns=["name", "limit", "step", "gain", "new_portfolio"]).set_index("name")


def _tolerance(objective: float) -> float:
    """Smallest objective improvement that counts (relative 1e-9)."""
    return 1e-9 * max(1.0, abs(objective))


def _amount(problem: PortfolioProblem, change: float) -> str:
    """An objective change in the objective's unit."""
    if problem.objective == "npv":
        return format_money(change, problem.currency)
    return f"{change:.3g} points"
