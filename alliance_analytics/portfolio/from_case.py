"""From a case to a :class:`~alliance_analytics.portfolio.problem.PortfolioProblem`.

The limits come from ``portfolio`` in ``case.yaml`` and the ``investment``, ``manager_fte``, ``sponsor``,
``start_year`` and ``capabilities`` columns of ``candidates.csv``; the values from the partner-fit analysis
(fit score, walk-aways) and the risk simulation's scenario matrix (NPV per scenario and candidate).
Notebook parameters may override the portfolio settings; :func:`portfolio_settings` validates them the way
``case.yaml`` is validated and :func:`check_portfolio_parameters` lists every problem at once.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
from pydantic import ValidationError

from alliance_analytics.case.case import Case
from alliance_analytics.case.model import Portfolio
from alliance_analytics.core.formatting import format_money
from alliance_analytics.core.problems import InputError, Problem, colon_hint, describe_validation_error
from alliance_analytics.fit.analysis import PartnerFitResult
from alliance_analytics.portfolio.problem import LinearLimit, PortfolioProblem, force_limit

UNKNOWN_SETTING = "is not a portfolio setting (see docs/case-format.md)"
"""How an override naming no key of ``portfolio`` in ``case.yaml`` is reported."""

def portfolio_settings(case: Case, overrides: Mapping[str, Any] | None = None) -> Portfolio:
    """The case's portfolio settings with overrides applied and validated.

    Parameters
    ----------
    case : Case
        The case.
    overrides : mapping, optional
        Keys of ``portfolio`` in ``case.yaml`` (e.g. ``objective``, ``force_in``, ``risk_limit``) and their
        new values. A ``risk_limit`` or ``blend`` mapping updates only the keys it names.

    Returns
    -------
    Portfolio
        The settings to optimise with.

    Raises
    ------
    InputError
        Listing every problem with the overrides (see :func:`check_portfolio_parameters`).
    """
    problems = check_portfolio_parameters(case, overrides)
    if problems:
        raise InputError("portfolio parameters", problems)
    return _merged(case, overrides)


def check_portfolio_parameters(case: Case, overrides: Mapping[str, Any] | None = None) -> list[Problem]:
    """Every problem with portfolio overrides: unknown keys, wrong values, unknown candidate ids.

    Parameters
    ----------
    case : Case
        The case the overrides apply to.
    overrides : mapping, optional
        As for :func:`portfolio_settings`.

    Returns
    -------
    list of Problem
        Empty when the overrides are usable.
    """
    problems = []
    try:
        _merged(case, overrides)
    except ValidationError as error:
        problems += [Problem("parameters", describe_validation_error(detail, UNKNOWN_SETTING)
                             + colon_hint(detail["loc"][-1] if detail["type"] == "extra_forbidden" else ""),
                             column=".".join(str(part) for part in detail["loc"])) for detail in error.errors()]
    known = set(case.candidates.index) | set(review_changes(case))
    for key in ("force_in", "force_out"):
        chosen = (overrides or {}).get(key) or []
        if isinstance(chosen, list):
            problems += [Problem("parameters", f"unknown candidate '{candidate}'; expected an id from "
                                 "candidates.csv" + (f" or a change of the review ({', '.join(review_changes(case))})"
                                                     if case.has_review else ""), column=key)
                         for candidate in chosen if candidate not in known]
    forced_in, forced_out = ((overrides or {}).get(key) or [] for key in ("force_in", "force_out"))
    if isinstance(forced_in, list):
        changed = [item for item in forced_in if isinstance(item, str) and item in review_changes(case)]
        alliances = [item.split(":", 1)[0] for item in changed]
        problems += [Problem("parameters", f"{' and '.join(c for c in changed if c.startswith(alliance + ':'))} are "
                             f"both forced in; expected at most one change for {alliance}", column="force_in")
                     for alliance in dict.fromkeys(a for a in alliances if alliances.count(a) > 1)]
    if isinstance(forced_in, list) and isinstance(forced_out, list):
        problems += [Problem("parameters", f"'{candidate}' is both forced in and forced out; expected it in one "
                             "list at most", column="force_out") for candidate in forced_in if candidate in forced_out]
    return problems


def _merged(case: Case, overrides: Mapping[str, Any] | None) -> Portfolio:
    """The case's portfolio settings updated with the overrides, validated by pydantic (an unknown key is an
    error even when its value is null, as in ``{budget:3000000}``, which YAML reads as one key without a value)."""
    data = case.settings.portfolio.model_dump()
    for key, value in (overrides or {}).items():
        if isinstance(value, Mapping) and isinstance(data.get(key), dict) and key in ("risk_limit", "blend"):
            data[key] = {**data[key], **value}
        else:
            data[key] = value
    return Portfolio.model_validate(data)


def build_problem(case: Case, fit: PartnerFitResult, scenarios: pd.DataFrame,
                  settings: Portfolio | None = None) -> PortfolioProblem:
    """The portfolio problem of a case.

    Parameters
    ----------
    case : Case
        The case (candidates, limits).
    fit : PartnerFitResult
        Fit scores and recommendations; candidates recommended "walk away" are kept out.
    scenarios : pandas.DataFrame
        Scenarios × candidates of simulated NPV (``SimulationResult.scenarios``).
    settings : Portfolio, optional
        Portfolio settings (default: the case's; see :func:`portfolio_settings` for overrides).

    Returns
    -------
    PortfolioProblem
        Objective values, scenarios and every limit the settings set.

    Notes
    -----
    The ``blend`` objective adds the normalised expected NPV (divided by the largest absolute expected NPV
    among the candidates) and the normalised fit score (divided by the top of the scale), weighted by
    ``blend.npv`` and ``blend.fit`` after scaling those to sum to 1; both parts are then unit-free and
    between −1 and 1.
    """
    settings = settings or case.settings.portfolio
    table = case.candidates
    candidates = table.index.tolist()
    matrix = scenarios.loc[:, candidates].to_numpy(dtype=float)
    expected = np.ascontiguousarray(matrix.T).mean(axis=1)  # per candidate, summed as the risk simulation sums it
    fit_score = fit.candidates.loc[candidates, "fit_score"].to_numpy(dtype=float)
    problem = PortfolioProblem(
        candidates=candidates,
        names=table["name"].astype(str).tolist(),
        value=objective_values(settings, expected, fit_score, case.settings.scale.max),
        expected_npv=expected,
        fit=fit_score,
        scenarios=matrix,
        limits=[],
        cvar_floor=settings.risk_limit.cvar_floor,
        cvar_level=settings.risk_limit.cvar_level,
        max_loss_probability=settings.risk_limit.max_loss_probability,
        objective=settings.objective,
        currency=case.settings.currency,
    )
    limits = _resource_limits(problem, table, settings) + _rule_limits(problem, table, settings)
    limits += forces(problem, settings)
    limits += _walk_away_limits(problem, fit)
    return problem.with_limits(limits)


def review_changes(case: Case) -> list[str]:
    """The ids of the review's changes a what-if may force in or out: ``A03:restructure``, ``A03:exit``, ….

    Parameters
    ----------
    case : Case
        The case (none without ``review.csv``).

    Returns
    -------
    list of str
        Per reviewed alliance, its restructure option when it has one, then its exit.
    """
    review = case.review_tables["review.csv"]
    return [f"{alliance}:{option}" for alliance, restructure in zip(review["alliance_id"], review["restructure"])
            for option in (("restructure", "exit") if isinstance(restructure, str) else ("exit",))]


def forces(problem: PortfolioProblem, settings: Portfolio) -> list[LinearLimit]:
    """The what-if forces of the settings on the problem's columns (a change of the review only once its column
    exists, see :func:`~alliance_analytics.portfolio.rebalance.with_review`).

    Parameters
    ----------
    problem : PortfolioProblem
        The problem the forces apply to.
    settings : Portfolio
        ``force_in`` and ``force_out``.

    Returns
    -------
    list of LinearLimit
        One per forced id that is a column of ``problem``.
    """
    present = set(problem.candidates)
    return ([force_limit(problem, candidate, True, "force_in") for candidate in settings.force_in
             if candidate in present]
            + [force_limit(problem, candidate, False, "force_out") for candidate in settings.force_out
               if candidate in present])


def objective_values(settings: Portfolio, expected_npv: np.ndarray, fit_score: np.ndarray,
                     scale_max: float) -> np.ndarray:
    """Objective coefficient per candidate for the settings' objective (see :func:`build_problem`).

    Examples
    --------
    >>> from alliance_analytics.case.model import Portfolio
    >>> settings = Portfolio(budget=1, manager_capacity_fte=1, objective="blend", blend={"npv": 1, "fit": 1})
    >>> objective_values(settings, np.array([2.0, -4.0]), np.array([5.0, 2.5]), 5.0).tolist()
    [0.75, -0.25]
    """
    if settings.objective == "npv":
        return expected_npv.astype(float)
    if settings.objective == "fit":
        return fit_score.astype(float)
    total = settings.blend.npv + settings.blend.fit
    npv_scale = float(np.max(np.abs(expected_npv))) or 1.0
    return (settings.blend.npv / total) * expected_npv / npv_scale + (settings.blend.fit / total) * fit_score / scale_max


def _label(problem: PortfolioProblem, candidate: str) -> str:
    """``C05 (Name)``."""
    return f"{candidate} ({problem.names[problem.candidates.index(candidate)]})"


def _resource_limits(problem: PortfolioProblem, table: pd.DataFrame, settings: Portfolio) -> list[LinearLimit]:
    """Budget (total and per year), alliance-manager FTE, sponsors, and the number of alliances."""
    currency = problem.currency
    investment = table["investment"].to_numpy(dtype=float)
    limits = [
        LinearLimit("budget", "budget", investment, "<=", settings.budget,
                    f"total investment at most {format_money(settings.budget, currency)}"),
        LinearLimit("manager_fte", "manager_fte", table["manager_fte"].to_numpy(dtype=float), "<=",
                    settings.manager_capacity_fte,
                    f"alliance-manager capacity at most {settings.manager_capacity_fte:g} FTE"),
    ]
    if settings.budget_per_year:
        first = min(settings.budget_per_year)
        years = table["start_year"].fillna(first).to_numpy(dtype=float)
        for year, amount in sorted(settings.budget_per_year.items()):
            limits.append(LinearLimit(f"budget_{year}", "budget_per_year", investment * (years == year), "<=",
                                      amount, f"investment starting in {year} at most {format_money(amount, currency)}"))
    sponsors = table["sponsor"].to_numpy(dtype=object)
    for sponsor, capacity in settings.sponsor_capacity.items():
        limits.append(LinearLimit(f"sponsor:{sponsor}", "sponsor", (sponsors == sponsor).astype(float), "<=",
                                  capacity, f"{sponsor} sponsors at most {capacity} alliance"
                                  f"{'' if capacity == 1 else 's'}"))
    ones = np.ones(problem.size)
    if settings.min_alliances is not None:
        limits.append(LinearLimit("min_alliances", "min_alliances", ones, ">=", settings.min_alliances,
                                  f"at least {settings.min_alliances} alliances"))
    if settings.max_alliances is not None:
        limits.append(LinearLimit("max_alliances", "max_alliances", ones, "<=", settings.max_alliances,
                                  f"at most {settings.max_alliances} alliances"))
    return limits


def _rule_limits(problem: PortfolioProblem, table: pd.DataFrame, settings: Portfolio) -> list[LinearLimit]:
    """Exclusions, dependencies and capability coverage."""
    position = {candidate: index for index, candidate in enumerate(problem.candidates)}
    limits = []
    for group in settings.exclusions:
        coefficients = np.zeros(problem.size)
        coefficients[[position[candidate] for candidate in group]] = 1.0
        limits.append(LinearLimit(f"exclusion:{'+'.join(group)}", "exclusion", coefficients, "<=", 1.0,
                                  "at most one of " + ", ".join(_label(problem, c) for c in group)))
    for dependency in settings.dependencies:
        coefficients = np.zeros(problem.size)
        coefficients[position[dependency.candidate]] += 1.0
        coefficients[position[dependency.requires]] -= 1.0
        limits.append(LinearLimit(f"dependency:{dependency.candidate}->{dependency.requires}", "dependency",
                                  coefficients, "<=", 0.0, f"{_label(problem, dependency.candidate)} only together "
                                  f"with {_label(problem, dependency.requires)}"))
    capabilities = table["capabilities"]
    for requirement in settings.capabilities_required:
        brings = np.array([requirement.capability in offered for offered in capabilities], dtype=float)
        offered_by = [candidate for candidate, on in zip(problem.candidates, brings) if on]
        partners = "partner" if requirement.min_partners == 1 else "partners"
        source = f"offered by {_or_list(offered_by)}" if offered_by else "no candidate offers it"
        limits.append(LinearLimit(f"coverage:{requirement.capability}", "coverage", brings, ">=",
                                  requirement.min_partners, f"{requirement.capability.replace('_', ' ')} covered by "
                                  f"at least {requirement.min_partners} selected {partners} ({source})"))
    return limits


def _walk_away_limits(problem: PortfolioProblem, fit: PartnerFitResult) -> list[LinearLimit]:
    """Candidates the partner-fit analysis walks away from are kept out, with the reasons."""
    table = fit.candidates
    limits = []
    for candidate in table.index[table["recommendation"] == "walk away"]:
        reasons = [*table.at[candidate, "gate_reasons"], *table.at[candidate, "red_flag_reasons"]]
        limit = force_limit(problem, candidate, False, "walk_away")
        because = "; ".join(reasons) or "walked away from in the partner-fit analysis"
        limits.append(LinearLimit(limit.name, limit.family, limit.coefficients, limit.sense, limit.bound,
                                  f"{_label(problem, candidate)} is walked away from: {because}"))
    return limits


def _or_list(items: list[str]) -> str:
    """``A``, ``A or B``, ``A, B or C``.

    Examples
    --------
    >>> _or_list(["C01"]), _or_list(["C01", "C05"]), _or_list(["C01", "C05", "C12"])
    ('C01', 'C01 or C05', 'C01, C05 or C12')
    """
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} or {items[-1]}"
