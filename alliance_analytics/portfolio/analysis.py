"""The portfolio analysis: the optimal set of alliances, the frontier, why each candidate is in or out, robustness.

:func:`optimise_portfolio` takes the partner-fit result (fit scores, walk-aways) and the risk simulation's
scenario matrix, solves the MILP of :mod:`alliance_analytics.portfolio.solver` and answers the follow-up
questions by re-solving. When the solver proves that no portfolio meets the limits, it explains why with a
minimal set of conflicting limits instead of a solver status; a solve stopped at its time limit before finding
a portfolio proves nothing, so it is reported as such and no limits are said to conflict.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Literal

import numpy as np
import pandas as pd
from pydantic import Field

from alliance_analytics.case.case import Case
from alliance_analytics.case.vocabulary import PORTFOLIO_OBJECTIVES
from alliance_analytics.core.cache import cached
from alliance_analytics.core.parameters import Number, WholeNumber
from alliance_analytics.core.problems import Problem
from alliance_analytics.fit.analysis import PartnerFitParameters, PartnerFitResult, analyse_partner_fit
from alliance_analytics.portfolio.conflicts import Conflict, minimal_conflict
from alliance_analytics.portfolio.explain import (
    SolveOptions,
    binding_limits,
    limit_usage,
    marginal_values,
    why_in_or_out,
)
from alliance_analytics.portfolio.from_case import (
    build_problem,
    check_portfolio_parameters,
    objective_values,
    portfolio_settings,
)
from alliance_analytics.portfolio.frontier import FrontierPoint, efficient_frontier
from alliance_analytics.portfolio.problem import CVAR_LIMIT, LOSS_LIMIT, PortfolioProblem, money
from alliance_analytics.portfolio.robustness import Robustness, inclusion_frequency
from alliance_analytics.portfolio.solver import Solution
from alliance_analytics.risk.analysis import SimulationParameters, analyse_risk_simulation

OBJECTIVE_NAMES: dict[str, str] = {"npv": "expected NPV", "fit": "total fit score",
                                   "blend": "blend of normalised expected NPV and fit score"}
"""Each objective in words."""


@dataclass(frozen=True)
class PortfolioResult:
    """Everything the portfolio analysis found.

    Attributes
    ----------
    problem : PortfolioProblem
        The problem solved (limits, values, scenarios).
    solution : Solution
        The optimal (or best found) portfolio and the solver's status, gap and time.
    conflict : Conflict or None
        When the solver proved that no portfolio meets the limits: a minimal set of conflicting limits (or
        word that a check stopped at its time limit before it was found); None otherwise.
    usage : pandas.DataFrame
        Use of each quantity limit by the portfolio (:func:`~alliance_analytics.portfolio.explain.limit_usage`).
    binding : dict of str to float
        Binding limits and the objective gained by dropping each.
    frontier : list of FrontierPoint
        Expected NPV against CVaR.
    why : pandas.DataFrame
        Why each candidate is in or out.
    marginal : pandas.DataFrame
        Gain from one more step of budget and of alliance-manager capacity.
    robustness : Robustness or None
        Inclusion frequencies over re-solved portfolios (None when not run).
    parameters : PortfolioParameters or None
        The parameters the result was computed with (set by :func:`analyse_portfolio`).
    """

    problem: PortfolioProblem
    solution: Solution
    conflict: Conflict | None
    usage: pd.DataFrame
    binding: dict[str, float]
    frontier: list[FrontierPoint]
    why: pd.DataFrame
    marginal: pd.DataFrame
    robustness: Robustness | None
    parameters: PortfolioParameters | None = None

    @property
    def selected(self) -> list[str]:
        """Ids of the selected candidates (empty when none was found)."""
        return self.problem.selected(self.solution.selection) if self.solution.found else []

    @property
    def expected_npv(self) -> float | None:
        """Expected NPV of the portfolio."""
        return float(self.problem.expected_npv @ self.solution.selection) if self.solution.found else None

    @property
    def cvar(self) -> float | None:
        """CVaR of the portfolio's NPV at the problem's level."""
        return float(self.problem.cvar(self.solution.selection)) if self.solution.found else None

    def portfolio_table(self) -> pd.DataFrame:
        """The selected candidates: investment and expected NPV in millions, FTE, fit score (empty if none)."""
        problem = self.problem
        positions = [problem.candidates.index(candidate) for candidate in self.selected]
        usage = {limit.family: limit.coefficients for limit in problem.limits
                 if limit.family in ("budget", "manager_fte")}
        unit = f"(M {problem.currency})"
        return pd.DataFrame({
            "name": [problem.names[p] for p in positions],
            f"investment {unit}": [round(usage["budget"][p] / 1e6, 3) for p in positions],
            "manager FTE": [usage["manager_fte"][p] for p in positions],
            f"expected NPV {unit}": (problem.expected_npv[positions] / 1e6).round(3),
            "fit score": problem.fit[positions].round(2),
        }, index=pd.Index(self.selected, name="candidate_id"))

    def limits_table(self) -> pd.DataFrame:
        """Each quantity limit (used, bound, slack, used up) and every binding limit with the gain if dropped."""
        if self.usage.empty:
            return self.usage
        names = [*self.usage.index, *(name for name in self.binding if name not in self.usage.index)]
        usage = self.usage.reindex(names)
        table = pd.DataFrame({"limit": [self.problem.describe(name) for name in names]}, index=usage.index)
        for column in ("used", "bound", "slack"):
            table[column] = [self._quantity_text(name, value) for name, value in usage[column].items()]
        table["used up"] = ["yes" if tight is True else "" for tight in usage["tight"]]
        table["binding"] = ["yes" if name in self.binding else "" for name in names]
        table["gain if dropped"] = [self._objective_text(self.binding[name], signed=True) if name in self.binding
                                    else "" for name in names]
        return table

    def _quantity_text(self, name: str, value: float) -> str:
        """A limit's quantity in its unit: money, FTE, a share for the loss probability, or a count."""
        if pd.isna(value):
            return ""
        family = name if name in (CVAR_LIMIT, LOSS_LIMIT) else self.problem.limit(name).family
        if family in ("budget", "budget_per_year", CVAR_LIMIT):
            return money(value, self.problem.currency)
        if family == "manager_fte":
            return f"{value:g} FTE"
        if family == LOSS_LIMIT:
            return f"{value:.1%}"
        return f"{value:g}"

    def solver_table(self) -> pd.DataFrame:
        """Solver, status in words, objective, optimality gap and solve time."""
        solution = self.solution
        return pd.DataFrame({"value": {
            "solver": solution.solver.upper(), "status": solution.message,
            "objective": f"{OBJECTIVE_NAMES[self.problem.objective]}: {self._objective_text(solution.objective)}",
            "optimality gap": "n/a" if solution.gap is None else f"{solution.gap:.2%}",
            "solve time": f"{solution.seconds:.2f} s",
            "scenarios": f"{self.problem.scenarios.shape[0]:,}"}})

    def why_table(self) -> pd.DataFrame:
        """Why each candidate is in or out, in plain words, with the change in objective if forced."""
        if self.why.empty:
            return self.why
        table = self.why[["name", "status"]].copy()
        table["objective if forced the other way"] = [self._objective_text(change, signed=True)
                                                      for change in self.why["objective_change"]]
        table["reason"] = self.why["reason"]
        return table

    def marginal_table(self) -> pd.DataFrame:
        """Gain in objective from one more step of budget and of alliance-manager capacity."""
        if self.marginal.empty:
            return self.marginal
        table = self.marginal[["limit"]].copy()
        table["one more"] = [money(step, self.problem.currency) if name == "budget" else f"{step:g} FTE"
                             for name, step in self.marginal["step"].items()]
        table["gain"] = [self._objective_text(gain, signed=True) for gain in self.marginal["gain"]]
        table["portfolio then"] = self.marginal["new_portfolio"]
        return table

    def robustness_table(self) -> pd.DataFrame:
        """Inclusion frequency and class (core, borderline, exterior) per candidate; empty when not run."""
        if self.robustness is None:
            return pd.DataFrame()
        names = pd.Series(self.problem.names, index=self.problem.candidates)
        return self.robustness.table(names)

    def _objective_text(self, value: float | None, signed: bool = False) -> str:
        """An objective value or change in its unit (money for NPV, points otherwise)."""
        if value is None or np.isnan(value):
            return "n/a"
        sign = "+" if signed and value > 0 else ""
        if self.problem.objective == "npv":
            return sign + money(value, self.problem.currency)
        return f"{sign}{value:.3f}"

    def frontier_table(self) -> pd.DataFrame:
        """The frontier points, the current choice marked."""
        current = set(self.selected)
        unit = f"(M {self.problem.currency})"
        return pd.DataFrame([{f"CVaR floor {unit}": round(point.cvar_floor / 1e6, 3),
                              f"expected NPV {unit}": None if point.expected_npv is None
                              else round(point.expected_npv / 1e6, 3),
                              f"CVaR {unit}": None if point.cvar is None else round(point.cvar / 1e6, 3),
                              "portfolio": ", ".join(point.selected),
                              "current choice": set(point.selected) == current and bool(current),
                              "status": point.status} for point in self.frontier])

    def headline(self) -> list[str]:
        """Plain-words summary lines (the notebook's checked output)."""
        problem, solution = self.problem, self.solution
        if not solution.found:
            lines = [f"No portfolio: {solution.message}."]
            if self.conflict is not None:
                lines.append(self.conflict.explanation())
            return lines
        investment = float(self.problem.limit("budget").coefficients @ solution.selection)
        lines = [f"Recommended portfolio ({OBJECTIVE_NAMES[problem.objective]} maximised): "
                 f"{', '.join(self.selected)}.",
                 f"Investment {money(investment, problem.currency)}; expected NPV "
                 f"{money(self.expected_npv, problem.currency)}; {problem.cvar_level:.0%} CVaR "
                 f"{money(self.cvar, problem.currency)}.",
                 f"Solver: {solution.message}."]
        if self.binding:
            lines.append("Binding limits: " + "; ".join(problem.describe(name) for name in self.binding) + ".")
        walked = [limit.name.split(":", 1)[1] for limit in problem.limits if limit.family == "walk_away"]
        if walked:
            lines.append(f"Kept out as walk-aways from the partner-fit analysis: {', '.join(walked)}.")
        return lines

    def to_json(self) -> dict[str, Any]:
        """Machine-readable results for ``results.json``.

        Returns
        -------
        dict
            ``selected``, ``objective``, ``expected_npv``, ``cvar_5`` (CVaR at the problem's level, 5 % by
            default), ``status``, ``gap``, ``solve_seconds``, ``solver``, ``frontier`` (points with their
            portfolios), ``core_index`` (candidate → inclusion frequency over re-solved portfolios, see
            :mod:`alliance_analytics.portfolio.robustness`), ``binding`` (limit names), ``conflict`` (limit
            names and explanation when the status is ``infeasible``, the names empty when a check stopped at
            its time limit; None otherwise), ``why`` (candidate → status, objective change, reason).
        """
        solution = self.solution
        return {
            "selected": self.selected,
            "objective": solution.objective,
            "objective_kind": self.problem.objective,
            "expected_npv": self.expected_npv,
            "cvar_5": self.cvar,
            "cvar_level": self.problem.cvar_level,
            "status": solution.status,
            "gap": solution.gap,
            "solve_seconds": solution.seconds,
            "solver": solution.solver,
            "frontier": [point.to_json() for point in self.frontier],
            "core_index": ({candidate: float(share) for candidate, share in self.robustness.frequency.items()}
                           if self.robustness else {}),
            "binding": list(self.binding),
            "conflict": ({"limits": self.conflict.limits, "explanation": self.conflict.explanation()}
                         if self.conflict else None),
            "why": {candidate: {"status": row.status, "objective_change": _number(row.objective_change),
                                "reason": row.reason} for candidate, row in self.why.iterrows()},
        }


def portfolio_overrides(objective: str = "", force_in: Sequence[str] = (), force_out: Sequence[str] = (),
                        portfolio: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The notebook's parameters as overrides of ``portfolio`` in ``case.yaml`` (empty values keep the case's).

    Examples
    --------
    >>> portfolio_overrides("fit", ["C05"], [], {"budget": 4e6})
    {'budget': 4000000.0, 'objective': 'fit', 'force_in': ['C05']}
    """
    overrides = dict(portfolio or {})
    if objective:
        overrides["objective"] = objective
    if force_in:
        overrides["force_in"] = list(force_in)
    if force_out:
        overrides["force_out"] = list(force_out)
    return overrides


def optimise_portfolio(case: Case, fit: PartnerFitResult, scenarios: pd.DataFrame,
                      overrides: Mapping[str, Any] | None = None, frontier_points: int = 10,
                      robustness_samples: int = 20, budget_step: float = 500_000, fte_step: float = 0.5,
                      explain: bool = True) -> PortfolioResult:
    """Optimise the case's portfolio and explain the result.

    Parameters
    ----------
    case : Case
        The case.
    fit : PartnerFitResult
        Fit scores and walk-aways (:func:`alliance_analytics.partner_fit`).
    scenarios : pandas.DataFrame
        Scenarios × candidates of simulated NPV (``SimulationResult.scenarios``).
    overrides : mapping, optional
        Overrides of the case's portfolio settings (see :func:`portfolio_overrides`).
    frontier_points : int
        Points of the efficient frontier.
    robustness_samples : int
        Re-solves for the inclusion frequencies (0: skip).
    budget_step, fte_step : float
        Steps for the marginal value of budget (currency) and of alliance-manager capacity (FTE).
    explain : bool
        False solves only (and explains a proven infeasible case): no frontier, binding limits, why in or
        out, marginal values or robustness, for a summary such as the decision brief.

    Returns
    -------
    PortfolioResult
        The portfolio and its explanations.
    """
    settings = portfolio_settings(case, overrides)
    problem = build_problem(case, fit, scenarios, settings)
    options = SolveOptions(settings.solver, settings.time_limit_s)
    solution = options.solve(problem)
    frontier = efficient_frontier(problem, frontier_points, options.solver, options.time_limit_s) if explain else []
    if not solution.found:
        conflict = (minimal_conflict(problem, options.solver, options.time_limit_s)
                    if solution.status == "infeasible" else None)
        return PortfolioResult(problem, solution, conflict, pd.DataFrame(), {}, frontier, pd.DataFrame(),
                               pd.DataFrame(), None)
    if not explain:
        return PortfolioResult(problem, solution, None, limit_usage(problem, solution.selection), {}, [],
                               pd.DataFrame(), pd.DataFrame(), None)
    value_of = functools.partial(objective_values, settings, scale_max=case.settings.scale.max)
    uses_fit = settings.objective != "npv"
    robustness = inclusion_frequency(
        problem, value_of, fit.aggregated.loc[problem.candidates].to_numpy() if uses_fit else None,
        fit.weights.to_numpy() if uses_fit else None, robustness_samples, case.settings.simulation.seed, options,
    ) if robustness_samples else None
    return PortfolioResult(
        problem=problem,
        solution=solution,
        conflict=None,
        usage=limit_usage(problem, solution.selection),
        binding=binding_limits(problem, solution, options),
        frontier=frontier,
        why=why_in_or_out(problem, solution, options),
        marginal=marginal_values(problem, solution, {"budget": budget_step, "manager_fte": fte_step}, options),
        robustness=robustness,
    )


def _number(value: float) -> float | None:
    """A float for JSON, None for NaN."""
    return None if value is None or np.isnan(value) else float(value)


class PortfolioParameters(SimulationParameters, PartnerFitParameters):
    """The portfolio analysis's parameters (the ``parameters`` cell of ``04_portfolio``).

    The partner-fit fields decide fit scores and walk-aways, the simulation fields the scenario set: with the
    same values as the risk report, the portfolio is optimised on exactly its iterations.

    Attributes
    ----------
    weights, aggregation
        As :class:`~alliance_analytics.fit.analysis.PartnerFitParameters`.
    iterations, seed, sampling
        As :class:`~alliance_analytics.risk.analysis.SimulationParameters`.
    objective : {"", "npv", "fit", "blend"}
        Replaces ``portfolio.objective``; empty keeps the case's.
    force_in, force_out : list of str
        Candidate ids that must be in, or stay out (what-if questions).
    portfolio : dict
        Any other ``portfolio`` setting of ``case.yaml``, e.g. ``{budget: 6000000}``.
    frontier_points : int
        CVaR floors in the efficient-frontier sweep, at least 2.
    robustness_samples : int
        Re-solves with resampled scenarios (and weights) for the inclusion frequencies; 0 skips.
    budget_step : float
        Extra budget for its marginal value, in the case's currency, above 0.
    fte_step : float
        Extra alliance-manager capacity for its marginal value, in FTE, above 0.
    """

    objective: Literal["", *PORTFOLIO_OBJECTIVES] = ""  # type: ignore[valid-type]
    force_in: list[str] = []
    force_out: list[str] = []
    portfolio: dict[str, Any] = {}
    frontier_points: Annotated[WholeNumber, Field(ge=2, le=1000)] = 10
    robustness_samples: Annotated[WholeNumber, Field(ge=0, le=10_000)] = 20
    budget_step: Annotated[Number, Field(gt=0)] = 500_000.0
    fte_step: Annotated[Number, Field(gt=0)] = 0.5

    def overrides(self) -> dict[str, Any]:
        """The parameters as overrides of ``portfolio`` in ``case.yaml`` (:func:`portfolio_overrides`)."""
        return portfolio_overrides(self.objective, self.force_in, self.force_out, self.portfolio)

    def problems(self, case: Case) -> list[Problem]:
        """What does not fit the case: fit and simulation parameters, and the portfolio overrides.

        A problem with a setting given inside ``portfolio`` is reported at ``portfolio.<setting>``; one with
        ``objective``, ``force_in`` or ``force_out`` given as a parameter of its own, at that parameter.
        """
        own = {"objective": bool(self.objective), "force_in": bool(self.force_in), "force_out": bool(self.force_out)}
        overrides = [problem if own.get((problem.column or "").split(".")[0])
                     else dataclasses.replace(problem, column=f"portfolio.{problem.column}")
                     for problem in check_portfolio_parameters(case, self.overrides())]
        return PartnerFitParameters.problems(self, case) + overrides


def analyse_portfolio(case: Case, parameters: PortfolioParameters = PortfolioParameters()) -> PortfolioResult:
    """Optimise a case's portfolio on the risk simulation's scenarios, once per run.

    The fit scores and walk-aways come from :func:`~alliance_analytics.fit.analysis.analyse_partner_fit` and
    the scenarios from :func:`~alliance_analytics.risk.analysis.analyse_risk_simulation` with the same
    parameters, so within a run they are the very results the other reports show.

    Parameters
    ----------
    case : Case
        A validated case.
    parameters : PortfolioParameters
        The analysis's parameters.

    Returns
    -------
    PortfolioResult
        As :func:`optimise_portfolio`, carrying ``parameters``.

    Raises
    ------
    InputError
        When a parameter does not fit the case.
    """
    def compute() -> PortfolioResult:
        fit = analyse_partner_fit(case, parameters.subset(PartnerFitParameters))
        simulation = analyse_risk_simulation(case, parameters.subset(SimulationParameters))
        result = optimise_portfolio(case, fit, simulation.scenarios, parameters.overrides(),
                                    frontier_points=parameters.frontier_points,
                                    robustness_samples=parameters.robustness_samples,
                                    budget_step=parameters.budget_step, fte_step=parameters.fte_step)
        return dataclasses.replace(result, parameters=parameters)
    return cached("portfolio", case.file_hashes, parameters.as_json(), compute)
