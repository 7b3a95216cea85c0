"""Why no portfolio is possible: a minimal set of conflicting limits, in plain words.

PuLP has no infeasibility diagnosis, so the conflict is found by re-solving: a deletion filter drops each
limit in turn and keeps it dropped when the rest is still infeasible. What remains is infeasible, and
dropping any one of its limits makes a portfolio possible (an irreducible infeasible set of limits; a
limit is a whole rule such as "regulatory covered by at least one partner", not a solver row).

Every step of the filter rests on a decided check: a portfolio found, or infeasibility proven by the solver.
A check stopped at its time limit decides nothing (taking it for "infeasible" or for "feasible" would both
name a wrong set), so the search stops there and says that the conflict could not be determined within the
time limit.
"""

from __future__ import annotations

from dataclasses import dataclass

from alliance_analytics.portfolio.problem import CVAR_LIMIT, LOSS_LIMIT, ONE_OPTION, PortfolioProblem
from alliance_analytics.portfolio.solver import solve


@dataclass(frozen=True)
class Conflict:
    """A minimal set of limits that no portfolio can meet together, or word that it could not be determined.

    Attributes
    ----------
    limits : list of str
        Names of the conflicting limits (empty when undetermined).
    descriptions : list of str
        Each limit in plain words, aligned with ``limits``.
    stopped_at_limit_s : float or None
        Set when a feasibility check the search needed stopped at its time limit (this many seconds) before
        deciding: then no conflict is known (see :meth:`undetermined`).
    """

    limits: list[str]
    descriptions: list[str]
    stopped_at_limit_s: float | None = None

    @classmethod
    def undetermined(cls, time_limit_s: float) -> Conflict:
        """The outcome of a search that a check stopped at its time limit of ``time_limit_s`` seconds.

        Examples
        --------
        >>> Conflict.undetermined(0.1).explanation()
        'Which limits conflict could not be determined: a check stopped at its time limit of 0.1 s before it could tell whether a portfolio is possible. A longer time limit (portfolio time_limit_s) may tell.'
        """
        return cls([], [], stopped_at_limit_s=time_limit_s)

    @property
    def certain(self) -> bool:
        """Whether the conflict was determined: every check the search needed was decided."""
        return self.stopped_at_limit_s is None

    def explanation(self) -> str:
        """The conflict as one plain-words paragraph.

        Examples
        --------
        >>> Conflict(["budget", "min_alliances"], ["total investment at most 1 M EUR", "at least 3 alliances"]
        ...          ).explanation()
        'No portfolio can meet these 2 limits together (drop any one and a portfolio becomes possible): total investment at most 1 M EUR; at least 3 alliances.'
        """
        if not self.certain:
            return ("Which limits conflict could not be determined: a check stopped at its time limit of "
                    f"{self.stopped_at_limit_s:g} s before it could tell whether a portfolio is possible. A longer "
                    "time limit (portfolio time_limit_s) may tell.")
        if len(self.limits) == 1:
            return f"No portfolio can meet this limit even on its own: {self.descriptions[0]}."
        return (f"No portfolio can meet these {len(self.limits)} limits together (drop any one and a "
                f"portfolio becomes possible): {'; '.join(self.descriptions)}.")


def feasible(problem: PortfolioProblem, solver: str = "cbc", time_limit_s: float = 60.0) -> bool | None:
    """Whether some portfolio meets every limit of ``problem``.

    Returns
    -------
    bool or None
        True when a portfolio was found, False when the solver proved that none exists, None when the
        check stopped at its time limit first (undecided: neither answer may be assumed).
    """
    check = solve(problem, solver=solver, time_limit_s=time_limit_s)
    if check.found:
        return True
    return False if check.status == "infeasible" else None


def minimal_conflict(problem: PortfolioProblem, solver: str = "cbc", time_limit_s: float = 60.0,
                     ) -> Conflict | None:
    """A minimal set of the problem's limits that cannot hold together.

    Parameters
    ----------
    problem : PortfolioProblem
        A problem that may be infeasible.
    solver : {"cbc", "highs"}
        Solver for the feasibility checks.
    time_limit_s : float
        Time limit of each check.

    Returns
    -------
    Conflict or None
        None when the problem is feasible; :meth:`Conflict.undetermined` when a check needed (whether the
        whole problem is feasible, or any step of the filter) stopped at its time limit.

    Examples
    --------
    >>> import numpy as np
    >>> from alliance_analytics.portfolio.problem import LinearLimit, PortfolioProblem
    >>> limits = [LinearLimit("budget", "budget", np.array([2.0, 2.0]), "<=", 3.0, "budget at most 3"),
    ...           LinearLimit("max_alliances", "max_alliances", np.ones(2), "<=", 2.0, "at most 2"),
    ...           LinearLimit("min_alliances", "min_alliances", np.ones(2), ">=", 2.0, "at least 2")]
    >>> problem = PortfolioProblem(["A", "B"], ["A", "B"], np.ones(2), np.zeros(2), np.zeros(2),
    ...                            np.zeros((1, 2)), limits)
    >>> minimal_conflict(problem).limits
    ['budget', 'min_alliances']
    """
    verdict = feasible(problem, solver, time_limit_s)
    if verdict is None:
        return Conflict.undetermined(time_limit_s)
    if verdict:
        return None
    structure = [limit.name for limit in problem.limits if limit.family == ONE_OPTION]
    kept = [name for name in problem.limit_names if name not in structure]
    for name in sorted(kept, key=lambda limit: _removal_order(problem, limit)):
        trial = [other for other in kept if other != name]
        verdict = feasible(_only(problem, [*trial, *structure]), solver, time_limit_s)
        if verdict is None:
            return Conflict.undetermined(time_limit_s)
        if not verdict:
            kept = trial
    return Conflict(kept, [problem.describe(name) for name in kept])


REMOVAL_ORDER: tuple[str, ...] = ("cvar_floor", "loss_probability", "budget", "budget_per_year", "manager_fte",
                                   "sponsor", "min_alliances", "max_alliances", "exclusion", "dependency",
                                   "walk_away", "coverage", "force_out", "force_in")
"""Families in the order the filter tries to drop them: the ones tried last are the likeliest to stay, so an
explanation prefers the user's own what-if forces and the capability requirements over background limits."""


def _removal_order(problem: PortfolioProblem, name: str) -> int:
    """Position of a limit's family in :data:`REMOVAL_ORDER`; families not listed go after the risk limits."""
    family = name if name in (CVAR_LIMIT, LOSS_LIMIT) else problem.limit(name).family
    return REMOVAL_ORDER.index(family) if family in REMOVAL_ORDER else 2


def _only(problem: PortfolioProblem, names: list[str]) -> PortfolioProblem:
    """The problem keeping only the named limits."""
    keep = set(names)
    return problem.without([name for name in problem.limit_names if name not in keep])

