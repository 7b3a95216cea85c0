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
from alliance_analytics.core.formatting import (
    MISSING,
    candidate_label,
    format_count,
    format_money,
    format_number,
    format_share,
    format_yes_no,
    join_words,
    reader_table,
    sentence_table,
)
from alliance_analytics.core.parameters import Number, WholeNumber
from alliance_analytics.core.problems import Problem
from alliance_analytics.fit.analysis import PartnerFitParameters, PartnerFitResult, analyse_partner_fit
from alliance_analytics.portfolio.conflicts import Conflict, minimal_conflict
from alliance_analytics.portfolio.explain import (
    COSTS_PREFIX,
    LOWERS_PREFIX,
    SolveOptions,
    binding_limits,
    limit_usage,
    marginal_values,
    why_in_or_out,
)
from alliance_analytics.portfolio.from_case import (
    build_problem,
    check_portfolio_parameters,
    forces,
    objective_values,
    portfolio_settings,
)
from alliance_analytics.portfolio.frontier import FrontierPoint, efficient_frontier
from alliance_analytics.portfolio.problem import CVAR_LIMIT, LOSS_LIMIT, PortfolioProblem
from alliance_analytics.portfolio.rebalance import with_review
from alliance_analytics.portfolio.robustness import Robustness, inclusion_frequency
from alliance_analytics.portfolio.solver import Solution
from alliance_analytics.review.analysis import analyse_alliance_options
from alliance_analytics.review.options import AllianceOptions
from alliance_analytics.risk.analysis import (
    SimulationParameters,
    SimulationResult,
    analyse_risk_simulation,
    simulate_case,
)
from alliance_analytics.risk.drivers import DriverDependence, driver_dependence, moved_by

WALK_AWAYS_PREFIX = "Kept out as walk-aways from the partner-fit analysis"
"""How the headline's line on walk-aways starts (the decision brief leaves that line out)."""

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
    deferred : dict of str to str
        Alliances in flight under review whose decision waits for the next review (the review's least-squares
        Monte Carlo advises it): they keep running as they are and are not decided here; id to name.
    dependence : DriverDependence or None
        What the shared drivers do to the portfolio's tail risk: its CVaR as simulated against the same portfolio
        with each alliance drawing its drivers on its own; None without a portfolio or when no driver moves it.
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
    deferred: dict[str, str] = dataclasses.field(default_factory=dict)
    dependence: DriverDependence | None = None

    @property
    def selected(self) -> list[str]:
        """Ids of the selected new candidates (empty when none was found); the review's changes are in
        :attr:`decisions`."""
        return [column for column in self._chosen if column not in self.problem.changes]

    @property
    def _chosen(self) -> list[str]:
        """Every selected column: new candidates and changes to alliances in flight."""
        return self.problem.selected(self.solution.selection) if self.solution.found else []

    @property
    def decisions(self) -> dict[str, str]:
        """The option chosen for every alliance in flight under review (``continue`` unless a change is selected;
        ``wait`` for the :attr:`deferred`), changes first; empty without a review or a portfolio."""
        if not self.solution.found:
            return {}
        decided = dict.fromkeys(dict.fromkeys(alliance for alliance, _ in self.problem.changes.values()), "continue")
        decided.update(self.problem.changes[column] for column in self._chosen if column in self.problem.changes)
        decided.update(dict.fromkeys(self.deferred, "wait"))
        rank = {"restructure": 0, "exit": 0, "wait": 1, "continue": 2}
        return dict(sorted(decided.items(), key=lambda item: rank[item[1]]))

    @property
    def expected_npv(self) -> float | None:
        """Expected NPV of the portfolio."""
        return float(self.problem.expected_npv @ self.solution.selection) if self.solution.found else None

    @property
    def cvar(self) -> float | None:
        """CVaR of the portfolio's NPV at the problem's level."""
        return float(self.problem.cvar(self.solution.selection)) if self.solution.found else None

    def _labels(self, candidates: Sequence[str]) -> pd.Index:
        """Candidates for a reader (name and id; a change: what it does, the alliance's name and id), as the index
        of a reader table."""
        names = dict(zip(self.problem.candidates, self.problem.names))
        changes = self.problem.changes
        return pd.Index([candidate_label(changes[candidate][0] if candidate in changes else candidate,
                                         names[candidate]) for candidate in candidates], name="Candidate")

    def _portfolio_text(self, candidates: Sequence[str]) -> str:
        """A portfolio in words: its candidates' names and ids."""
        return join_words(self._labels(candidates)) or "none"

    def _no_portfolio(self) -> str:
        """Why there is no portfolio to show, in one sentence."""
        return f"No portfolio: {self.solution.message}."

    def portfolio_table(self) -> pd.DataFrame:
        """The selected candidates and their total: investment, expected NPV, alliance-manager FTE, fit score.

        Returns
        -------
        pandas.DataFrame
            Indexed by candidate (name and id), the total last; money in one unit named in the headers, every
            cell a string. One row saying why when there is no portfolio.
        """
        if not self.solution.found:
            return sentence_table(self._no_portfolio())
        problem = self.problem
        chosen = self._chosen
        positions = [problem.candidates.index(candidate) for candidate in chosen]
        usage = {limit.family: limit.coefficients for limit in problem.limits
                 if limit.family in ("budget", "manager_fte")}
        frame = pd.DataFrame({
            "Investment": usage["budget"][positions] if "budget" in usage else np.nan,
            "Expected NPV": problem.expected_npv[positions],
            "Alliance-manager FTE": usage["manager_fte"][positions] if "manager_fte" in usage else np.nan,
            "Fit score": np.where([candidate in problem.changes for candidate in chosen], np.nan,
                                  problem.fit[positions]),
        }, index=self._labels(chosen))
        total = frame.sum(min_count=1).to_frame("Total").T
        total["Fit score"] = np.nan
        frame = pd.concat([frame, total])
        frame.index.name = "Candidate"
        return reader_table(frame, {"Investment": "money", "Expected NPV": "money", "Alliance-manager FTE": "number",
                                    "Fit score": "score"}, problem.currency)

    def limits_table(self) -> pd.DataFrame:
        """Each limit: how much the portfolio uses, the limit, what is left, and whether dropping it would help.

        Returns
        -------
        pandas.DataFrame
            Indexed by the limit in words: ``Used``, ``Limit``, ``Left`` (each in its unit: money, FTE, a share
            for the loss probability, a count), ``Used up`` and ``Binding`` (yes/no) and the objective gained by
            dropping a binding limit; every cell a string. One row saying why when there is no portfolio.
        """
        if self.usage.empty:
            return sentence_table(self._no_portfolio() if not self.solution.found
                                  else "The portfolio has no limit with an amount to use up.")
        names = [*self.usage.index, *(name for name in self.binding if name not in self.usage.index)]
        usage = self.usage.reindex(names)
        frame = pd.DataFrame({
            "Used": [self._quantity_text(name, value) for name, value in usage["used"].items()],
            "Limit": [self._quantity_text(name, value) for name, value in usage["bound"].items()],
            "Left": [self._quantity_text(name, value) for name, value in usage["slack"].items()],
            "Used up": [format_yes_no(tight) if isinstance(tight, (bool, np.bool_)) else None
                        for tight in usage["tight"]],
            "Binding": [format_yes_no(name in self.binding) for name in names],
            "Gain if dropped": [self._objective_text(self.binding[name], signed=True) if name in self.binding
                                else None for name in names],
        }, index=pd.Index([self.problem.describe(name) for name in names], name="Limit in words"))
        return reader_table(frame, {})

    def _quantity_text(self, name: str, value: float) -> str | None:
        """A limit's quantity in its unit: money, FTE, a share for the loss probability, or a count."""
        if pd.isna(value):
            return None
        family = name if name in (CVAR_LIMIT, LOSS_LIMIT) else self.problem.limit(name).family
        if family in ("budget", "budget_per_year", CVAR_LIMIT):
            return format_money(value, self.problem.currency)
        if family == "manager_fte":
            return f"{format_number(value)} FTE"
        if family == LOSS_LIMIT:
            return format_share(value, 1)
        return format_count(value)

    def solver_table(self) -> pd.DataFrame:
        """Solver, status in words, objective, optimality gap, solve time and scenarios.

        Returns
        -------
        pandas.DataFrame
            One ``Value`` per row; every cell a string.
        """
        solution = self.solution
        frame = pd.DataFrame({"Value": {
            "Solver": solution.solver.upper(),
            "Status": solution.message,
            "Objective": f"{OBJECTIVE_NAMES[self.problem.objective]}: "
                         f"{self._objective_text(solution.objective) or MISSING}",
            "Optimality gap": None if solution.gap is None else format_share(solution.gap, 1),
            "Solve time": f"{format_number(solution.seconds)} s",
            "Scenarios": format_count(self.problem.scenarios.shape[0]),
        }})
        return reader_table(frame.rename_axis(""), {})

    def why_table(self) -> pd.DataFrame:
        """Why each candidate is in or out, in plain words, with the change in objective if forced the other way.

        Returns
        -------
        pandas.DataFrame
            Indexed by candidate (name and id): ``Status``, the objective change if forced the other way and
            the reason; every cell a string. One row saying why when there is no portfolio.
        """
        if self.why.empty:
            return sentence_table(self._no_portfolio())
        frame = pd.DataFrame({
            "Status": self.why["status"].to_numpy(),
            "Objective if forced the other way": [self._objective_text(change, signed=True)
                                                  for change in self.why["objective_change"]],
            "Reason": [self._reason_text(reason, change)
                       for reason, change in zip(self.why["reason"], self.why["objective_change"])],
        }, index=self._labels(list(self.why.index)))
        return reader_table(frame, {})

    def _reason_text(self, reason: str, change: float) -> str:
        """A why-in-or-out reason for a reader: the amount it names in the report's money format."""
        if reason.startswith(COSTS_PREFIX):
            return f"{COSTS_PREFIX}{self._objective_text(-change)} at best"
        if reason.startswith(LOWERS_PREFIX):
            return f"{LOWERS_PREFIX}{self._objective_text(-change)}"
        return reason

    def marginal_table(self) -> pd.DataFrame:
        """Gain in objective from one more step of budget and of alliance-manager capacity.

        Returns
        -------
        pandas.DataFrame
            Indexed by the limit in words: ``One more``, ``Gain`` and ``Portfolio then``; every cell a string.
            One row saying why when there is nothing to re-solve.
        """
        if self.marginal.empty:
            return sentence_table(self._no_portfolio() if not self.solution.found
                                  else "The portfolio has neither a budget nor an alliance-manager limit to extend.")
        frame = pd.DataFrame({
            "One more": [format_money(step, self.problem.currency) if name == "budget"
                         else f"{format_number(step)} FTE" for name, step in self.marginal["step"].items()],
            "Gain": [self._objective_text(gain, signed=True) for gain in self.marginal["gain"]],
            "Portfolio then": self.marginal["new_portfolio"].to_numpy(),
        }, index=pd.Index(self.marginal["limit"], name="Limit in words"))
        return reader_table(frame, {})

    def robustness_table(self) -> pd.DataFrame:
        """Inclusion frequency and class (core, borderline, exterior) per candidate, most often included first.

        Returns
        -------
        pandas.DataFrame
            Indexed by candidate (name and id): ``In the portfolio`` (yes/no), ``Inclusion frequency`` (share of
            re-solved portfolios) and ``Class``; every cell a string. One row saying why when not run.
        """
        if self.robustness is None:
            return sentence_table(self._robustness_missing())
        names = pd.Series(self.problem.names, index=self.problem.candidates)
        table = self.robustness.table(names)
        frame = pd.DataFrame({
            "In the portfolio": table.index.isin(self._chosen),
            "Inclusion frequency": table["inclusion frequency"].to_numpy(),
            "Class": table["class"].to_numpy(),
        }, index=self._labels(list(table.index)))
        return reader_table(frame, {"In the portfolio": "yes/no", "Inclusion frequency": "share"})

    def _robustness_missing(self) -> str:
        """Why the robustness was not analysed."""
        if not self.solution.found:
            return f"Robustness was not analysed: there is no portfolio to re-solve ({self.solution.message})."
        return "Robustness was not analysed: robustness_samples is 0, so no portfolio was re-solved."

    def _objective_text(self, value: float | None, signed: bool = False) -> str | None:
        """An objective value or change in its unit (money for NPV, points otherwise); None when missing."""
        if value is None or np.isnan(value):
            return None
        sign = "+" if signed and value > 0 else ""
        if self.problem.objective == "npv":
            return sign + format_money(value, self.problem.currency)
        return f"{sign}{format_number(value, 3)} points"

    def frontier_table(self) -> pd.DataFrame:
        """The efficient frontier: one row per distinct portfolio, with the range of CVaR floors that give it.

        Returns
        -------
        pandas.DataFrame
            Indexed by portfolio (names and ids), lowest CVaR floor first: the floors from and to, the
            expected NPV and CVaR (one money unit, named in the headers), whether it is the recommended
            portfolio and the solver's status; every cell a string. One row saying why when there is none.
        """
        if not self.frontier:
            return sentence_table(f"No efficient frontier: no portfolio meets the limits other than the CVaR "
                                  f"floor ({self.solution.message}).")
        points = pd.DataFrame([{"portfolio": tuple(point.selected), "floor": point.cvar_floor,
                                "npv": point.expected_npv, "cvar": point.cvar, "status": point.status}
                               for point in self.frontier])
        rows = points.groupby(["portfolio", "status"], sort=False, dropna=False).agg(
            floor_from=("floor", "min"), floor_to=("floor", "max"), npv=("npv", "first"), cvar=("cvar", "first"))
        current = set(self._chosen)
        frame = pd.DataFrame({
            "CVaR floor from": rows["floor_from"].to_numpy(),
            "CVaR floor to": rows["floor_to"].to_numpy(),
            "Expected NPV": rows["npv"].to_numpy(dtype=float),
            f"{format_share(self.problem.cvar_level)} CVaR": rows["cvar"].to_numpy(dtype=float),
            "Recommended": [bool(current) and set(portfolio) == current
                            for portfolio in rows.index.get_level_values("portfolio")],
            "Status": rows.index.get_level_values("status"),
        }, index=pd.Index([self._portfolio_text(portfolio) if portfolio else "no portfolio found"
                           for portfolio in rows.index.get_level_values("portfolio")], name="Portfolio"))
        money_columns = ["CVaR floor from", "CVaR floor to", "Expected NPV", f"{format_share(self.problem.cvar_level)} CVaR"]
        return reader_table(frame, {**dict.fromkeys(money_columns, "money"), "Recommended": "yes/no"},
                            self.problem.currency)

    def action(self, alliance: str) -> str:
        """The decision for one alliance in flight under review, as an instruction starting lower case.

        Returns
        -------
        str
            E.g. "restructure Alpina Reha Kliniken AG (A03) as “Bavarian clinics only”", "exit …", "continue …",
            "keep … running until the next review, then decide".
        """
        option = self.decisions.get(alliance, "continue")
        name = self._alliance_names()[alliance]
        if option == "continue":
            return f"continue {candidate_label(alliance, name)}"
        if option == "wait":
            return f"keep {candidate_label(alliance, name)} running until the next review, then decide"
        action = dict(zip(self.problem.candidates, self.problem.names))[f"{alliance}:{option}"].split(": ", 1)[0]
        _, _, detail = action.partition(" (")
        return f"{option} {candidate_label(alliance, name)}" + (f" as “{detail[:-1]}”" if detail else "")

    def review_clause(self) -> str:
        """The review's decisions for the alliances in flight, changes first, joined by semicolons; empty without
        a review (or without a portfolio).

        Returns
        -------
        str
            E.g. "restructure Alpina Reha Kliniken AG (A03) as “Bavarian clinics only”; continue Baltic Homecare
            Services UAB (A01)".
        """
        return "; ".join(self.action(alliance) for alliance in self.decisions)

    def review_sentence(self) -> str:
        """The review's decisions as a sentence (:meth:`review_clause`); empty without a review.

        Returns
        -------
        str
            E.g. "Alliances in flight: restructure Alpina Reha Kliniken AG (A03) as “Bavarian clinics only”; continue
            Baltic Homecare Services UAB (A01)."
        """
        clause = self.review_clause()
        return f"Alliances in flight: {clause}." if clause else ""

    def _alliance_names(self) -> dict[str, str]:
        """The names of the alliances under review, by id."""
        return {**{self.problem.changes[column][0]: name.split(": ", 1)[1]
                   for column, name in zip(self.problem.candidates, self.problem.names)
                   if column in self.problem.changes}, **self.deferred}

    def headline(self) -> list[str]:
        """Plain-words summary lines (the notebook's checked output).

        Returns
        -------
        list of str
            The portfolio (names and ids), its investment, expected NPV and CVaR, the solver's status, the
            binding limits and the walk-aways kept out; or why there is no portfolio.
        """
        problem, solution = self.problem, self.solution
        walked = [limit.name.split(":", 1)[1] for limit in problem.limits if limit.family == "walk_away"]
        kept_out = [f"{WALK_AWAYS_PREFIX}: {join_words(walked)}."] if walked else []
        if not solution.found:
            lines = [self._no_portfolio()]
            if self.conflict is not None:
                lines.append(self.conflict.explanation())
            return lines + kept_out
        budget = self.problem.limit("budget").coefficients * solution.selection
        new = [problem.candidates.index(candidate) for candidate in self.selected]
        investment = float(budget[new].sum())
        freed = investment - float(budget.sum())
        review = self.review_sentence()
        lines = [*([review] if review else []),
                 (f"Recommended portfolio ({OBJECTIVE_NAMES[problem.objective]} maximised): "
                  f"{self._portfolio_text(self.selected)}."),
                 (f"Investment {format_money(investment, problem.currency)}"
                  + (f" in new alliances, {format_money(investment - freed, problem.currency)} net of the "
                     f"{format_money(freed, problem.currency)} the review frees" if freed > 0
                     else f" in new alliances, {format_money(investment - freed, problem.currency)} with the "
                     f"{format_money(-freed, problem.currency)} the review needs" if freed < 0 else "")
                  + f"; expected NPV {format_money(self.expected_npv, problem.currency)}; "
                  f"{format_share(problem.cvar_level)} CVaR {format_money(self.cvar, problem.currency)}."),
                 *([self.dependence.sentence()] if self.dependence is not None else []),
                 f"Solver: {solution.message}."]
        if self.binding:
            lines.append("Binding limits: " + "; ".join(problem.describe(name) for name in self.binding) + ".")
        return lines + kept_out

    def dependence_table(self) -> pd.DataFrame:
        """The portfolio's expected NPV and CVaR with the shared drivers as simulated and with each alliance
        meeting them on its own (:class:`~alliance_analytics.risk.drivers.DriverDependence`).

        Returns
        -------
        pandas.DataFrame
            Every cell a string; one row saying why when there is nothing to compare.
        """
        if self.dependence is not None:
            return self.dependence.table()
        return sentence_table("No portfolio was found, so there is nothing to compare." if not self.solution.found
                              else "No shared driver moves an alliance of this portfolio: its alliances' futures are "
                              "simulated independently of each other (apart from any rank correlations).")

    def limitations(self) -> list[str]:
        """What this analysis could not answer on this case, and why, in sentences (empty when nothing).

        Returns
        -------
        list of str
        """
        walked = {limit.name.split(":", 1)[1] for limit in self.problem.limits if limit.family == "walk_away"}
        lines = []
        if walked >= set(self.problem.new_candidates):
            lines.append("Every candidate walks away in the partner-fit analysis, so no candidate can be in a "
                         "portfolio.")
        if not self.solution.found:
            reason = (self.conflict.explanation() if self.conflict is not None
                      else "The solver stopped at its time limit before finding a portfolio, which proves nothing.")
            lines.append(f"No portfolio was found ({self.solution.message}), so the portfolio, the use of its "
                         f"limits, why each candidate is in or out, the value of more budget or alliance-manager "
                         f"capacity and the robustness could not be analysed. {reason}")
        elif self.robustness is None:
            lines.append(self._robustness_missing())
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
            "review": self.decisions,
            "objective": solution.objective,
            "objective_kind": self.problem.objective,
            "expected_npv": self.expected_npv,
            "cvar_5": self.cvar,
            "cvar_level": self.problem.cvar_level,
            "dependence": None if self.dependence is None else self.dependence.to_json(),
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
                      explain: bool = True, review: Sequence[AllianceOptions] = ()) -> PortfolioResult:
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
    review : sequence of AllianceOptions
        The options of the alliances in flight under review, valued on the same scenarios: the portfolio is
        then rebalanced (:mod:`alliance_analytics.portfolio.rebalance`).

    Returns
    -------
    PortfolioResult
        The portfolio and its explanations.
    """
    settings = portfolio_settings(case, overrides)
    value_of = functools.partial(objective_values, settings, scale_max=case.settings.scale.max)
    problem = build_problem(case, fit, scenarios, settings)
    if review:
        problem = with_review(problem, review, case.alliances["sponsor"].to_dict(), value_of)
        problem = problem.with_limits([limit for limit in forces(problem, settings) if limit.name.split(":", 1)[1]
                                       in problem.changes])
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
    uses_fit = settings.objective != "npv"
    robustness = inclusion_frequency(
        problem, value_of, fit.aggregated.reindex(problem.candidates, fill_value=0.0).to_numpy() if uses_fit else None,
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


def portfolio_dependence(case: Case, result: PortfolioResult, simulation: SimulationResult,
                         ) -> DriverDependence | None:
    """What the shared drivers do to the portfolio's tail risk.

    The portfolio's NPV per scenario as optimised, against the same portfolio with its new alliances simulated
    again with each one drawing its drivers on its own (same iterations, seed and sampling; the review's changes
    as they are).

    Parameters
    ----------
    case : Case
        A validated case.
    result : PortfolioResult
        The optimised portfolio.
    simulation : SimulationResult
        The risk simulation its scenarios come from.

    Returns
    -------
    DriverDependence or None
        None without a portfolio or when no driver moves any of its new alliances.
    """
    if not result.solution.found or not moved_by(case, result.selected):
        return None
    problem, selection = result.problem, result.solution.selection
    alone = simulate_case(case, iterations=simulation.iterations, seed=simulation.seed, sampling=simulation.sampling,
                          sensitivity=False, shared_drivers=False, candidates=result.selected)
    independent = problem.scenarios.copy()
    for candidate in result.selected:
        independent[:, problem.candidates.index(candidate)] = alone.candidates[candidate].npv
    return driver_dependence(case, problem.scenarios @ selection, independent @ selection, result.selected,
                             problem.cvar_level)


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
        reviews = analyse_alliance_options(case, parameters.subset(SimulationParameters)).reviews
        result = optimise_portfolio(case, fit, simulation.scenarios, parameters.overrides(),
                                    frontier_points=parameters.frontier_points,
                                    robustness_samples=parameters.robustness_samples,
                                    budget_step=parameters.budget_step, fte_step=parameters.fte_step,
                                    review=[review.options for review in reviews.values() if not review.wait])
        deferred = {alliance: review.options.name for alliance, review in reviews.items() if review.wait}
        return dataclasses.replace(result, parameters=parameters, deferred=deferred,
                                   dependence=portfolio_dependence(case, result, simulation))
    return cached("portfolio", case.file_hashes, parameters.as_json(), compute)
