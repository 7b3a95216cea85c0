"""The portfolio problem as plain arrays: candidates, their values and scenarios, and the limits on a selection.

A :class:`PortfolioProblem` says everything the optimiser needs and nothing about how it is solved, so the
same object is solved by PuLP (:mod:`alliance_analytics.portfolio.solver`), checked portfolio by portfolio
(:meth:`PortfolioProblem.violations`) and relaxed limit by limit to explain an infeasible case
(:mod:`alliance_analytics.portfolio.conflicts`). Every limit is linear in the 0/1 selection vector ``x``
(``coefficients · x`` compared with ``bound``), except the two risk limits over the scenario matrix: the
5 % CVaR floor and the maximum probability of a portfolio loss.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from alliance_analytics.core.formatting import format_money, format_share
from alliance_analytics.risk.measures import cvar

Sense = Literal["<=", ">="]
CVAR_LIMIT = "cvar_floor"
"""Name of the CVaR floor among a problem's limits."""
LOSS_LIMIT = "loss_probability"
"""Name of the loss-probability limit among a problem's limits."""
ONE_OPTION = "one_option"
"""Family of the rows that let a portfolio review take at most one change (restructure or exit) per alliance in
flight: part of the problem's structure, never relaxed, dropped or reported as a limit that binds or conflicts."""
TOLERANCE = 1e-9
"""Relative slack below which a limit counts as violated or binding (float noise never decides)."""


@dataclass(frozen=True)
class LinearLimit:
    """One linear limit on a selection: ``coefficients · x  sense  bound``.

    Attributes
    ----------
    name : str
        Unique machine name, e.g. ``budget``, ``exclusion:C02+C11``, ``coverage:regulatory``.
    family : str
        The kind of limit (``budget``, ``budget_per_year``, ``manager_fte``, ``sponsor``, ``exclusion``,
        ``dependency``, ``coverage``, ``min_alliances``, ``max_alliances``, ``force_in``, ``force_out``,
        ``walk_away``).
    coefficients : numpy.ndarray
        One coefficient per candidate.
    sense : {"<=", ">="}
        Direction of the limit.
    bound : float
        Right-hand side.
    description : str
        The limit in plain words, e.g. "total investment at most 6.50 M EUR".
    """

    name: str
    family: str
    coefficients: np.ndarray
    sense: Sense
    bound: float
    description: str

    def slack(self, selections: np.ndarray) -> np.ndarray:
        """How far each selection is inside the limit (negative: violated).

        Parameters
        ----------
        selections : numpy.ndarray
            ``m × n`` 0/1 selections (or one of length ``n``).

        Returns
        -------
        numpy.ndarray
            ``m`` slacks, in the limit's unit.
        """
        used = np.asarray(selections, dtype=float) @ self.coefficients
        return self.bound - used if self.sense == "<=" else used - self.bound


@dataclass(frozen=True)
class PortfolioProblem:
    """Which candidates to select: objective values, simulated NPVs and every limit.

    Attributes
    ----------
    candidates : list of str
        Candidate ids, in case order (walk-aways included; a ``walk_away`` limit keeps them out).
    names : list of str
        Display names, aligned with ``candidates``.
    value : numpy.ndarray
        Objective coefficient per candidate (maximised).
    expected_npv : numpy.ndarray
        Mean of each candidate's scenario NPVs.
    fit : numpy.ndarray
        Weighted fit score per candidate.
    scenarios : numpy.ndarray
        ``S × n`` simulated NPV per scenario and candidate; a portfolio's NPV is the row sum of its columns.
    limits : list of LinearLimit
        The linear limits.
    cvar_floor : float or None
        Lowest acceptable CVaR of portfolio NPV at ``cvar_level``; None for no floor.
    cvar_level : float
        Tail share of the CVaR (0.05: the mean of the worst 5 % of scenarios).
    max_loss_probability : float or None
        Highest acceptable share of scenarios with a portfolio NPV below 0; None for no limit.
    objective : str
        What ``value`` measures: ``npv``, ``fit`` or ``blend``.
    currency : str
        Currency of NPVs and investments.
    changes : dict of str to (str, str)
        The columns that are changes to an alliance in flight rather than new candidates (a portfolio review):
        column id → ``(alliance id, option)``, e.g. ``"A03:exit" → ("A03", "exit")``. Each such column's values,
        scenarios and coefficients are the option's difference from continuing the alliance as it runs.
    """

    candidates: list[str]
    names: list[str]
    value: np.ndarray
    expected_npv: np.ndarray
    fit: np.ndarray
    scenarios: np.ndarray
    limits: list[LinearLimit]
    cvar_floor: float | None = None
    cvar_level: float = 0.05
    max_loss_probability: float | None = None
    objective: str = "npv"
    currency: str = "EUR"
    changes: dict[str, tuple[str, str]] = dataclasses.field(default_factory=dict)

    @property
    def size(self) -> int:
        """Number of candidates."""
        return len(self.candidates)

    @property
    def new_candidates(self) -> list[str]:
        """The columns that are proposed candidates (every column but the changes to alliances in flight)."""
        return [candidate for candidate in self.candidates if candidate not in self.changes]

    @property
    def limit_names(self) -> list[str]:
        """Names of every limit, the risk limits last."""
        names = [limit.name for limit in self.limits]
        if self.cvar_floor is not None:
            names.append(CVAR_LIMIT)
        if self.max_loss_probability is not None:
            names.append(LOSS_LIMIT)
        return names

    def selection(self, selected: Iterable[str]) -> np.ndarray:
        """The 0/1 vector of a set of candidate ids."""
        chosen = set(selected)
        return np.array([candidate in chosen for candidate in self.candidates], dtype=float)

    def selected(self, selection: np.ndarray) -> list[str]:
        """The candidate ids of a 0/1 vector, in case order."""
        return [candidate for candidate, on in zip(self.candidates, np.asarray(selection) > 0.5) if on]

    def objective_value(self, selections: np.ndarray) -> np.ndarray:
        """Objective of each selection (``m × n`` → ``m``, or ``n`` → scalar array)."""
        return np.asarray(selections, dtype=float) @ self.value

    def portfolio_npv(self, selections: np.ndarray) -> np.ndarray:
        """Scenario NPVs of each selection: ``m × n`` → ``m × S`` (``n`` → ``S``)."""
        return np.asarray(selections, dtype=float) @ self.scenarios.T

    def cvar(self, selections: np.ndarray) -> np.ndarray:
        """CVaR of each selection's NPV at ``cvar_level`` (:func:`alliance_analytics.risk.measures.cvar`)."""
        return cvar(self.portfolio_npv(selections), self.cvar_level)

    def loss_probability(self, selections: np.ndarray) -> np.ndarray:
        """Share of scenarios in which each selection's NPV is below 0."""
        return (self.portfolio_npv(selections) < 0).mean(axis=-1)

    def slacks(self, selections: np.ndarray) -> dict[str, np.ndarray]:
        """Slack of every limit for each selection (negative: violated), by limit name.

        Risk limits are included: the CVaR's slack is ``CVaR − floor`` and the loss probability's is
        ``limit − P(loss)``.
        """
        slack = {limit.name: limit.slack(selections) for limit in self.limits}
        if self.cvar_floor is not None:
            slack[CVAR_LIMIT] = self.cvar(selections) - self.cvar_floor
        if self.max_loss_probability is not None:
            slack[LOSS_LIMIT] = self.max_loss_probability - self.loss_probability(selections)
        return slack

    def feasible(self, selections: np.ndarray) -> np.ndarray:
        """Whether each selection meets every limit (within :data:`TOLERANCE`)."""
        slack = self.slacks(selections)
        ok = np.ones(np.asarray(selections).shape[:-1], dtype=bool)
        for name, values in slack.items():
            ok &= values >= -TOLERANCE * max(1.0, self._scale(name))
        return ok

    def violations(self, selection: np.ndarray) -> list[str]:
        """Names of the limits one selection breaks."""
        slack = self.slacks(selection)
        return [name for name in self.limit_names if slack[name] < -TOLERANCE * max(1.0, self._scale(name))]

    def used_up(self, selection: np.ndarray) -> list[str]:
        """Names of the limits on a quantity (money, FTE, sponsors, counts, coverage, risk) used up exactly.

        Exclusions, dependencies and forces are left out: they are yes/no rules, reported separately as
        the reason a candidate is out (:meth:`violations` of the portfolio with it added).
        """
        slack = self.slacks(selection)
        resource_families = {"budget", "budget_per_year", "manager_fte", "sponsor", "coverage", "min_alliances",
                             "max_alliances"}
        resource = {limit.name for limit in self.limits if limit.family in resource_families}
        resource |= {CVAR_LIMIT, LOSS_LIMIT}
        return [name for name in self.limit_names
                if name in resource and abs(slack[name]) <= 1e-6 * max(1.0, self._scale(name))]

    def describe(self, name: str) -> str:
        """The plain-words description of a limit."""
        if name == CVAR_LIMIT:
            return (f"{format_share(self.cvar_level)} CVaR of portfolio NPV at least "
                    f"{format_money(self.cvar_floor, self.currency)}")
        if name == LOSS_LIMIT:
            return f"probability of a portfolio loss at most {format_share(self.max_loss_probability)}"
        return self.limit(name).description

    def limit(self, name: str) -> LinearLimit:
        """The linear limit called ``name``."""
        for limit in self.limits:
            if limit.name == name:
                return limit
        raise KeyError(name)

    def without(self, names: Iterable[str]) -> PortfolioProblem:
        """The same problem with the named limits dropped (risk limits included)."""
        dropped = set(names)
        return dataclasses.replace(
            self,
            limits=[limit for limit in self.limits if limit.name not in dropped],
            cvar_floor=None if CVAR_LIMIT in dropped else self.cvar_floor,
            max_loss_probability=None if LOSS_LIMIT in dropped else self.max_loss_probability,
        )

    def with_bound(self, name: str, bound: float) -> PortfolioProblem:
        """The same problem with one limit's bound changed (``cvar_floor`` included)."""
        if name == CVAR_LIMIT:
            return dataclasses.replace(self, cvar_floor=bound)
        if name == LOSS_LIMIT:
            return dataclasses.replace(self, max_loss_probability=bound)
        return dataclasses.replace(self, limits=[dataclasses.replace(limit, bound=bound) if limit.name == name
                                                 else limit for limit in self.limits])

    def with_limits(self, extra: Sequence[LinearLimit]) -> PortfolioProblem:
        """The same problem with more linear limits (names must be new)."""
        return dataclasses.replace(self, limits=[*self.limits, *extra])

    def forcing(self, candidate: str, include: bool) -> PortfolioProblem:
        """The problem with one candidate forced in (``include``) or out, replacing any force on it."""
        family = "force_in" if include else "force_out"
        kept = [limit for limit in self.limits
                if not (limit.family in ("force_in", "force_out") and limit.name.endswith(f":{candidate}"))]
        return dataclasses.replace(self, limits=[*kept, force_limit(self, candidate, include, family)])

    def _scale(self, name: str) -> float:
        """Magnitude of a limit's bound, for relative tolerances."""
        if name == CVAR_LIMIT:
            return abs(self.cvar_floor or 0.0)
        if name == LOSS_LIMIT:
            return 1.0
        return abs(self.limit(name).bound)


def force_limit(problem: PortfolioProblem, candidate: str, include: bool, family: str) -> LinearLimit:
    """A limit that forces one candidate in or keeps it out.

    Parameters
    ----------
    problem : PortfolioProblem
        For the candidate's position and name.
    candidate : str
        Candidate id.
    include : bool
        True to force it in, False to keep it out.
    family : str
        ``force_in``, ``force_out`` or ``walk_away``.

    Returns
    -------
    LinearLimit
        ``x[candidate] >= 1`` or ``x[candidate] <= 0``.
    """
    position = problem.candidates.index(candidate)
    coefficients = np.zeros(problem.size)
    coefficients[position] = 1.0
    label = (f"{problem.names[position]} ({problem.changes[candidate][0]})" if candidate in problem.changes
             else f"{candidate} ({problem.names[position]})")
    description = f"{label} is forced in" if include else f"{label} is forced out"
    return LinearLimit(f"{family}:{candidate}", family, coefficients, ">=" if include else "<=",
                       1.0 if include else 0.0, description)
