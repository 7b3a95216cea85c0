"""Solving a :class:`~alliance_analytics.portfolio.problem.PortfolioProblem` as a MILP with CBC or HiGHS.

Variables: one binary ``x`` per candidate. Each linear limit is one row. Money is handed to the solver in units
of its largest power of ten (:func:`money_scale`), because solver tolerances are absolute.

**The CVaR limits, by rows added as they are needed.** The CVaR at level ``α`` of the portfolio NPVs
``v_s(x) = Σ_i x_i NPV_si`` over ``S`` equally likely scenarios is bounded by rows of two kinds. Each is valid
for every portfolio, so every model of the loop below is a relaxation of the problem and its bound holds for
the problem:

- *Aggregated cuts* (Künzi-Bay and Mayer 2006, "Computational aspects of minimizing conditional value-at-risk",
  *Computational Management Science* 3:3–27). For any weights ``0 ≤ w_s ≤ 1/(α S)`` with ``Σ w_s = 1``,
  ``Σ_s w_s v_s(x) ≥ CVaR(x)``, so ``t ≤ Σ_i x_i (Σ_s w_s NPV_si)`` is valid; with a portfolio's own tail weights
  (:func:`~alliance_analytics.risk.measures.tail_weights`) it is exact for that portfolio and cuts it off when
  its CVaR misses the floor. One row per portfolio.
- *Scenario rows* (Rockafellar and Uryasev 2000, "Optimization of conditional value-at-risk", *Journal of
  Risk* 2(3):21–41). ``CVaR(x) = max over η of η − Σ_s (η − v_s(x))⁺ / (α S)``, so ``CVaR(x) ≥ t`` holds exactly
  when some ``η`` and ``u_s ≥ 0`` meet ``v_s(x) − η + u_s ≥ 0`` for every scenario and ``t ≤ η − Σ_s u_s / (α S)``.
  The model holds these rows for a subset ``K`` of the scenarios. Leaving scenarios out drops non-negative
  terms, so it can only overstate a CVaR; and the model is exact for every portfolio whose tail (the scenarios
  with a positive weight in its CVaR) lies in ``K``, since the best ``η`` is then the portfolio's VaR and every
  scenario below it is in ``K``. Adding a portfolio's missing tail scenarios therefore cuts it off too. An
  aggregated cut is a weighted sum of the scenario rows of its tail (and of ``u_s ≥ 0``): scenario rows describe
  every portfolio whose tail they hold, where a cut describes one.

The loop solves, checks the exact CVaR (:func:`~alliance_analytics.risk.measures.cvar`) of the answer, and while
it misses the floor adds rows that cut it off and solves again. The first answer that meets the floor is
optimal (within the gap), because every row is valid. The loop adds aggregated cuts for the first
:data:`AGGREGATED_ROUNDS` answers: one small row each, which is enough when the floor binds lightly. Beyond that
these cutting planes tail off, so the loop switches to scenario rows. It starts them from the linear
relaxation, solved by HiGHS: add the missing tail scenarios of the relaxation's answer and solve it again, until
the answer meets the floor or adds none. Then it adds each MILP answer's missing tail scenarios. Maximising CVaR,
where cutting planes converge worst, uses scenario rows from the start, as does a solve given scenario rows.
On 1,000 candidates × 5,000 scenarios (``benchmarks/bench_portfolio.py``, 0.1 % gap) the aggregated cuts alone
took 2 to 13 cuts of under a second each up to 70 % of the way from the best portfolio's CVaR to the highest,
but 45 to 90 cuts did not finish in 120 s at 90 %, nor 36 in 60 s maximising CVaR; scenario rows took 1 to 4
MILP solves at any floor there and 2 maximising CVaR (10 s with CBC, 40 s with HiGHS), with 250 to 440 of the
5,000 scenarios. Rows found for one problem hold for every problem over the same scenarios and level (another
floor, objective or set of linear limits): :func:`solve` takes them as ``cuts`` and returns them in
:attr:`Solution.rows`, and the efficient frontier starts each point from those of the previous point's portfolio
(:func:`warm_cuts`).

- **Maximising CVaR** (the risk end of the frontier): maximise ``t``; the loop stops when the answer's exact
  CVaR reaches ``t``.
- **Loss probability.** One binary ``z_s`` per scenario in which some selection could lose money:
  ``v_s(x) + M_s z_s ≥ 0`` with ``M_s = Σ_i max(0, −NPV_si)`` and ``Σ z_s ≤ ⌊p S⌋``. The limit is not convex,
  so it is exact in one MILP rather than approached by rows.

HiGHS runs in this process (highspy): the model is built from numpy arrays, and each round adds its rows to the
same ``Highs`` object and solves it again. CBC is PuLP's bundled program, which reads the model from a file; its
rows are built from numpy arrays straight into :class:`pulp.LpAffineExpression` objects (one list of
``(variable, coefficient)`` pairs per row) rather than by ``lpSum(coef * x …)``, which creates an intermediate
expression per term.

PuLP's ``LpStatus`` says "Optimal" even when CBC stopped at its time limit with a merely feasible portfolio, so
CBC's status here comes from ``sol_status`` and its optimality gap from its log; HiGHS's status and gap come from
its model status and info.

A solve that did not finish proves nothing. Status ``infeasible`` needs the solver's own proof: HiGHS's model
status, or for CBC a proof in its log with no time-limit stop (:func:`_proven_infeasible`). Anything else
without a portfolio is ``no solution``. CBC (2.10) gives its preprocessing what is left of the time limit,
and preprocessing that runs out of it returns no model, which CBC logs just as it logs preprocessing's proof
of infeasibility ("Pre-processing says infeasible or unbounded") and PuLP reports as infeasible (field case
B15). Preprocessing can only run out of time once CBC's clock has reached the limit, and CBC's clock runs
inside the solve's own, so that verdict counts as a proof only when the whole solve took less than the time
limit.
"""

from __future__ import annotations

import dataclasses
import math
import re
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import highspy
import numpy as np
import pulp

from alliance_analytics.case.vocabulary import SOLVERS
from alliance_analytics.portfolio.problem import PortfolioProblem
from alliance_analytics.risk.measures import cvar, tail_weights

Maximise = Literal["value", "cvar"]
CUT_TOLERANCE = 1e-6
"""A selection's exact CVaR may fall short of its floor (or of the model's CVaR bound) by this much, in the
solver's money units (millions for the sample case), before rows are added: CBC reports values rounded to
about eight digits."""
AGGREGATED_ROUNDS = 10
"""MILP answers that a solve cuts off by their aggregated cuts before it switches to scenario rows (see the
module notes)."""
SMALL_MODEL = 40
"""Models with at most this many candidates are solved by CBC without its primal heuristics."""
CBC_PROOFS: tuple[str, ...] = ("Result - Problem proven infeasible", "Result - Linear relaxation infeasible",
                               "Problem is infeasible")
"""Lines of CBC's log that prove infeasibility: the search finished without a portfolio, or the linear
relaxation or CBC's bound tightening found none (``Problem is infeasible - 0.00 seconds``, ``Problem is
infeasible!``). CBC's preprocessing verdict is not one of them: it counts only within the time limit (see the
module notes)."""
CBC_STOPS: tuple[str, ...] = ("Stopped on time", "Exiting on maximum time", "Problem is stopped")
"""Lines of CBC's log that say it stopped at its time limit."""
CBC_PREPROCESSING_VERDICT = "Pre-processing says infeasible"
"""How CBC's log reports that preprocessing returned no model, whether it proved infeasibility or ran out of
time (see the module notes)."""
HIGHS_PROOFS = (highspy.HighsModelStatus.kInfeasible, highspy.HighsModelStatus.kUnboundedOrInfeasible)
"""HiGHS model statuses that prove infeasibility. Every variable of the model is bounded (0/1 selections and
loss flags; ``t`` and ``η`` between the worst and the best portfolio NPV, each ``u_s`` between 0 and their
difference), so "unbounded or infeasible" means infeasible."""
INFINITY = highspy.kHighsInf
"""HiGHS's infinite bound."""

STATUS_TEXT: dict[str, str] = {
    "optimal": "optimal: no better portfolio exists within the limits",
    "time limit": "stopped at the time limit: the best portfolio found is shown, but a better one may exist",
    "infeasible": "infeasible: no portfolio meets every limit",
    "no solution": "stopped at the time limit before any portfolio meeting every limit was found",
}
"""Each solution status in plain words."""


@dataclass(frozen=True)
class Cuts:
    """CVaR rows (see the module notes); rows found for one problem hold for every problem over the same scenarios
    and CVaR level.

    Attributes
    ----------
    cvar : tuple of numpy.ndarray
        Aggregated cuts: per cut, the tail-weighted scenario mean ``c`` of each candidate (``n``, in money), so that
        ``Σ_i x_i c_i`` bounds the CVaR of every portfolio from above.
    scenarios : tuple of int
        Scenarios whose rows the model holds (rows of :attr:`PortfolioProblem.scenarios`), in the order they were
        added.
    """

    cvar: tuple[np.ndarray, ...] = ()
    scenarios: tuple[int, ...] = ()


@dataclass(frozen=True)
class Solution:
    """The outcome of one solve.

    Attributes
    ----------
    status : str
        ``optimal``, ``time limit`` (stopped with a feasible portfolio, not proven optimal), ``infeasible`` or
        ``no solution`` (stopped before finding one); see :data:`STATUS_TEXT`.
    selection : numpy.ndarray or None
        0/1 per candidate, None when no portfolio was found.
    objective : float or None
        Objective value of the selection.
    gap : float or None
        Relative optimality gap reported by the solver (0 when proven optimal with a zero tolerance).
    seconds : float
        Solve time (every linear and MILP solve of the loop), model building excluded.
    solver : str
        ``cbc`` or ``highs``.
    cvar : float or None
        The exact CVaR of the selection at the problem's level, when the problem has a CVaR floor or CVaR is
        maximised.
    cuts : int
        MILP solves whose answer missed a risk limit, so that rows cutting it off were added (its aggregated
        cut, or its missing tail scenarios) and the model solved again (0: the first answer met every limit).
    rows : Cuts
        The CVaR rows of the last model (none without a CVaR limit); they can start a solve over the same
        scenarios and level (``cuts`` of :func:`solve`).
    """

    status: str
    selection: np.ndarray | None
    objective: float | None
    gap: float | None
    seconds: float
    solver: str
    cvar: float | None = None
    cuts: int = 0
    rows: Cuts = Cuts()

    @property
    def found(self) -> bool:
        """Whether a portfolio was found (optimal or stopped at the time limit)."""
        return self.selection is not None

    @property
    def message(self) -> str:
        """The status in plain words."""
        return STATUS_TEXT[self.status]


@dataclass(frozen=True)
class Tail:
    """What a model's CVaR rows are made of.

    Attributes
    ----------
    scenarios : numpy.ndarray
        ``S × n`` scenario NPVs in the solver's money units.
    level : float
        CVaR level ``α``.
    low, high : float
        The worst and the best NPV any portfolio can have in any scenario (solver's money units): the bounds of
        ``t`` and ``η``.
    """

    scenarios: np.ndarray
    level: float
    low: float
    high: float

    @property
    def weight(self) -> float:
        """The coefficient ``1 / (α S)`` of each ``u_s`` in the CVaR row."""
        return 1.0 / (self.level * self.scenarios.shape[0])

    def missing(self, rows: list[int], scenarios: Iterable[int]) -> list[int]:
        """The scenarios (without repeats, in order) that are not among ``rows`` yet."""
        present = set(rows)
        return [index for index in dict.fromkeys(int(value) for value in scenarios) if index not in present]


@dataclass
class PulpModel:
    """A PuLP model (for CBC) with handles on its variables.

    Attributes
    ----------
    lp : pulp.LpProblem
        The model.
    x : list of pulp.LpVariable
        The selections, in candidate order.
    money_scale : float
        Money is in these units (see :func:`money_scale`).
    tail : Tail or None
        The CVaR rows' data; None without a CVaR limit (and then no ``t``, ``eta``, ``cvar_row``).
    t, eta : pulp.LpVariable or None
        The model's CVaR bound ``t`` and the variable ``η``.
    cvar_row : pulp.LpConstraint or None
        ``t − η + Σ_s u_s / (α S) ≤ 0`` over the scenarios in ``rows``.
    cuts : list of numpy.ndarray
        The aggregated cuts the model holds (``c`` in money, as in :class:`Cuts`).
    rows : list of int
        The scenarios whose rows the model holds.
    """

    lp: pulp.LpProblem
    x: list[pulp.LpVariable]
    money_scale: float
    tail: Tail | None = None
    t: pulp.LpVariable | None = None
    eta: pulp.LpVariable | None = None
    cvar_row: pulp.LpConstraint | None = None
    cuts: list[np.ndarray] = field(default_factory=list)
    rows: list[int] = field(default_factory=list)

    def add_cut(self, coefficients: np.ndarray) -> bool:
        """Add the aggregated cut ``t ≤ Σ_i x_i c_i`` (``c`` in money) unless the model holds it; whether it did."""
        if _holds(self.cuts, coefficients):
            return False
        terms = _pairs(self.x, coefficients / self.money_scale) + [(self.t, -1.0)]
        self.lp.addConstraint(pulp.LpConstraint(pulp.LpAffineExpression(terms), pulp.LpConstraintGE, rhs=0.0),
                              f"cvar_cut_{len(self.cuts)}")
        self.cuts.append(coefficients)
        return True

    def add_scenarios(self, scenarios: Iterable[int]) -> list[int]:
        """Add the rows of the scenarios the model does not hold yet; return those scenarios."""
        new = self.tail.missing(self.rows, scenarios)
        for index in new:
            u = self.lp.add_variable(f"u_{index}", lowBound=0.0, upBound=self.tail.high - self.tail.low)
            self.cvar_row.expr.addterm(u, self.tail.weight)
            terms = _pairs(self.x, self.tail.scenarios[index]) + [(self.eta, -1.0), (u, 1.0)]
            self.lp.addConstraint(pulp.LpConstraint(pulp.LpAffineExpression(terms), pulp.LpConstraintGE, rhs=0.0),
                                  f"tail_{index}")
        self.rows.extend(new)
        return new

    def selection(self) -> np.ndarray:
        """The 0/1 selection of the last solve."""
        return np.array([round(variable.value() or 0.0) for variable in self.x], dtype=float)

    def bound(self) -> float:
        """The model's CVaR ``t`` at the last solve (solver's money units)."""
        return float(self.t.value())


@dataclass
class HighsModel:
    """A HiGHS model in this process, with the positions of its columns and rows.

    Attributes
    ----------
    solverModel : highspy.Highs
        The model (named as PuLP names a problem's solver object, which the status helpers read).
    size : int
        Number of candidates: columns ``0 … n−1`` are the selections.
    money_scale : float
        Money is in these units (see :func:`money_scale`).
    tail : Tail or None
        The CVaR rows' data; None without a CVaR limit (and then no ``t``, ``eta``, ``cvar_row``).
    t, eta : int or None
        Columns of the model's CVaR bound ``t`` and of ``η``.
    cvar_row : int or None
        Row ``t − η + Σ_s u_s / (α S) ≤ 0`` over the scenarios in ``rows``.
    cuts : list of numpy.ndarray
        The aggregated cuts the model holds (``c`` in money, as in :class:`Cuts`).
    rows : list of int
        The scenarios whose rows the model holds.
    """

    solverModel: highspy.Highs
    size: int
    money_scale: float
    tail: Tail | None = None
    t: int | None = None
    eta: int | None = None
    cvar_row: int | None = None
    cuts: list[np.ndarray] = field(default_factory=list)
    rows: list[int] = field(default_factory=list)

    def add_cut(self, coefficients: np.ndarray) -> bool:
        """Add the aggregated cut ``t ≤ Σ_i x_i c_i`` (``c`` in money) unless the model holds it; whether it did."""
        if _holds(self.cuts, coefficients):
            return False
        _add_rows(self.solverModel, (coefficients / self.money_scale)[None, :], [0.0], [INFINITY],
                  np.array([[self.t]]), -np.ones((1, 1)))
        self.cuts.append(coefficients)
        return True

    def add_scenarios(self, scenarios: Iterable[int]) -> list[int]:
        """Add the rows of the scenarios the model does not hold yet (one call for the columns ``u_s`` and their
        entries in the CVaR row, one for the rows); return those scenarios."""
        new = self.tail.missing(self.rows, scenarios)
        if new:
            highs, count = self.solverModel, len(new)
            first = highs.getNumCol()
            spread = self.tail.high - self.tail.low
            _check(highs.addCols(count, np.zeros(count), np.zeros(count), np.full(count, spread), count,
                                 np.arange(count, dtype=np.int32), np.full(count, self.cvar_row, dtype=np.int32),
                                 np.full(count, self.tail.weight)))
            columns = np.column_stack([np.full(count, self.eta), first + np.arange(count)])
            _add_rows(highs, self.tail.scenarios[new], np.zeros(count), np.full(count, INFINITY), columns,
                      np.tile([-1.0, 1.0], (count, 1)))
            self.rows.extend(new)
        return new

    def selection(self) -> np.ndarray:
        """The 0/1 selection of the last solve."""
        return np.round(np.asarray(self.solverModel.getSolution().col_value[:self.size], dtype=float))

    def bound(self) -> float:
        """The model's CVaR ``t`` at the last solve (solver's money units)."""
        return float(self.solverModel.getSolution().col_value[self.t])


PortfolioModel = PulpModel | HighsModel
"""A built model: PuLP's for CBC, HiGHS's own for HiGHS."""


def _holds(cuts: list[np.ndarray], coefficients: np.ndarray) -> bool:
    """Whether an aggregated cut is among ``cuts`` already (the same portfolio's cut is computed identically)."""
    return any(np.array_equal(coefficients, cut) for cut in cuts)


def build_model(problem: PortfolioProblem, maximise: Maximise = "value", cuts: Cuts = Cuts(),
                solver: str = "cbc") -> PortfolioModel:
    """The model of a portfolio problem with the given CVaR rows.

    Parameters
    ----------
    problem : PortfolioProblem
        What to solve.
    maximise : {"value", "cvar"}
        Maximise the problem's objective values, or the portfolio's CVaR (for the risk end of the frontier).
    cuts : Cuts
        CVaR rows to hold from the start (see the module notes); ignored without a CVaR limit.
    solver : {"cbc", "highs"}
        The solver the model is for: a PuLP model for CBC, a ``highspy.Highs`` for HiGHS.

    Returns
    -------
    PulpModel or HighsModel
        The model and the positions of its variables.

    Raises
    ------
    ValueError
        For an unknown solver.
    """
    _check_solver(solver)
    model = _build_pulp(problem, maximise) if solver == "cbc" else _build_highs(problem, maximise)
    if model.tail is not None:
        for coefficients in cuts.cvar:
            model.add_cut(coefficients)
        model.add_scenarios(cuts.scenarios)
    return model


def warm_cuts(problem: PortfolioProblem, solution: Solution) -> Cuts:
    """The CVaR rows on which a model is exact for a solution's portfolio, of the kind its solve ended with.

    A solve of a nearby problem (the next point of an efficient frontier) starts from them (``cuts`` of
    :func:`solve`): the portfolio's aggregated cut if its solve needed no scenario rows, else the rows of its
    tail scenarios, which the next answer's tail mostly shares, in a model that stays small.

    Parameters
    ----------
    problem : PortfolioProblem
        For the scenarios and the CVaR level.
    solution : Solution
        A solve of a problem over the same scenarios and level that found a portfolio.

    Returns
    -------
    Cuts
        One aggregated cut, or the scenarios with a positive weight in the portfolio's CVaR
        (:func:`~alliance_analytics.risk.measures.tail_weights`).

    Examples
    --------
    >>> from alliance_analytics.portfolio.problem import PortfolioProblem
    >>> scenarios = np.array([[4.0, 1.0], [-2.0, 1.0], [3.0, -1.0], [0.0, 0.0]])
    >>> problem = PortfolioProblem(["A", "B"], ["A", "B"], np.zeros(2), scenarios.mean(axis=0), np.zeros(2),
    ...                            scenarios, [], cvar_level=0.375)
    >>> both = Solution("optimal", np.ones(2), 0.0, 0.0, 0.0, "cbc")
    >>> warm_cuts(problem, both).cvar[0].round(4).tolist()
    [-1.3333, 0.6667]
    >>> warm_cuts(problem, dataclasses.replace(both, rows=Cuts(scenarios=(1, 2)))).scenarios
    (1, 3)
    """
    weights = tail_weights(problem.portfolio_npv(solution.selection), problem.cvar_level)
    if solution.rows.scenarios:
        return Cuts(scenarios=tuple(np.flatnonzero(weights).tolist()))
    return Cuts(cvar=(weights @ problem.scenarios,))


def money_scale(values: np.ndarray) -> float:
    """The power of ten of the largest magnitude in ``values`` (at least 1), to express them in its units.

    Solvers' tolerances are absolute, so NPVs of millions are given to them in millions: a CVaR floor that a
    portfolio meets exactly is then not lost to a tolerance of 1e-7 against numbers of 1e7.

    Examples
    --------
    >>> money_scale(np.array([3_250_000.0, -12.0])), money_scale(np.array([0.4])), money_scale(np.zeros(2))
    (1000000.0, 1.0, 1.0)
    """
    largest = float(np.max(np.abs(values), initial=0.0))
    return 10.0 ** math.floor(math.log10(largest)) if largest >= 1 else 1.0


def solve(problem: PortfolioProblem, solver: str = "cbc", time_limit_s: float = 60.0, gap: float = 0.0,
          maximise: Maximise = "value", cuts: Cuts = Cuts()) -> Solution:
    """Find the best portfolio.

    Parameters
    ----------
    problem : PortfolioProblem
        What to solve.
    solver : {"cbc", "highs"}
        CBC (bundled with PuLP) or HiGHS (highspy, in this process).
    time_limit_s : float
        Wall-clock limit for the whole loop (starting rows and every MILP solve); each solve gets what is left of
        it. At the limit the best portfolio found so far is returned with status ``time limit`` if it meets every
        risk limit, and status ``no solution`` otherwise.
    gap : float
        Relative optimality gap at which the solver may stop (0: prove optimality).
    maximise : {"value", "cvar"}
        See :func:`build_model`.
    cuts : Cuts
        CVaR rows to start from, e.g. :attr:`Solution.rows` of a solve over the same scenarios and level (see
        the module notes); none by default.

    Returns
    -------
    Solution
        Status, portfolio, objective, gap and time (``seconds`` adds up the solver calls). Status
        ``infeasible`` only when a solver proved it (valid for the problem, because every model of the loop is a
        relaxation); without any limit the answer is plain (every candidate of positive value) and no solver is
        called: CBC refuses a model without rows.

    Raises
    ------
    ValueError
        For an unknown solver.

    Examples
    --------
    >>> import numpy as np
    >>> from alliance_analytics.portfolio.problem import LinearLimit, PortfolioProblem
    >>> budget = LinearLimit("budget", "budget", np.array([3.0, 2.0, 2.0]), "<=", 4.0, "budget at most 4")
    >>> problem = PortfolioProblem(["A", "B", "C"], ["A", "B", "C"], np.array([5.0, 3.0, 3.0]),
    ...                            np.zeros(3), np.zeros(3), np.zeros((1, 3)), [budget])
    >>> solution = solve(problem)
    >>> solution.status, problem.selected(solution.selection), solution.objective
    ('optimal', ['B', 'C'], 6.0)
    """
    if maximise == "value" and not problem.limit_names:
        selection = (problem.value > 0).astype(float)
        return Solution("optimal", selection, float(problem.objective_value(selection)), 0.0, 0.0, solver)
    start = time.perf_counter()
    model = build_model(problem, maximise, cuts, solver)
    seconds, rounds = 0.0, 0
    scenario_rows = model.tail is not None and (maximise == "cvar" or bool(cuts.scenarios) or AGGREGATED_ROUNDS == 0)
    if scenario_rows:
        seconds += _starting_rows(problem, maximise, model, time_limit_s - (time.perf_counter() - start))
    while True:
        remaining = time_limit_s - (time.perf_counter() - start)
        if remaining <= 0:
            return Solution("no solution", None, None, None, seconds, solver, cuts=rounds, rows=_rows(model))
        solution = solve_model(model, problem, solver, remaining, gap)
        seconds += solution.seconds
        answer = dataclasses.replace(solution, seconds=seconds, cuts=rounds, rows=_rows(model))
        if not solution.found or _separate(problem, solution.selection, model, maximise, scenario_rows):
            return answer
        rounds += 1
        if solution.status == "time limit":
            return Solution("no solution", None, None, None, seconds, solver, cuts=rounds, rows=_rows(model))
        if not scenario_rows and rounds >= AGGREGATED_ROUNDS:
            scenario_rows = True
            seconds += _starting_rows(problem, maximise, model, time_limit_s - (time.perf_counter() - start))


def _starting_rows(problem: PortfolioProblem, maximise: Maximise, model: PortfolioModel, time_limit_s: float,
                   ) -> float:
    """Add the scenario rows of the linear relaxation to a model (see the module notes); return the seconds the
    linear solves took.

    The relaxation is solved by HiGHS: on the model itself for HiGHS (whose next MILP solve then starts from the
    relaxation's answer), on a HiGHS copy of it for CBC. Its loop stops at the first answer that meets the CVaR
    target or adds no row, and at anything but an optimal answer (an infeasible or stopped relaxation leaves
    the verdict to the MILP).
    """
    relaxation = model if isinstance(model, HighsModel) else build_model(problem, maximise, _rows(model), "highs")
    highs = relaxation.solverModel
    highs.setOptionValue("solve_relaxation", True)
    started, seconds = time.perf_counter(), 0.0
    while (remaining := time_limit_s - (time.perf_counter() - started)) > 0:
        # A linear solve's time limit counts every run of the Highs object so far (HiGHS 1.15; a MILP's does not).
        seconds += _run_highs(highs, highs.getRunTime() + remaining, 0.0)
        if highs.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            break
        fractional = np.asarray(highs.getSolution().col_value[:relaxation.size], dtype=float)
        if _separate(problem, fractional, relaxation, maximise, scenario_rows=True):
            break
    highs.setOptionValue("solve_relaxation", False)
    model.add_scenarios(relaxation.rows)
    return seconds


def _separate(problem: PortfolioProblem, selection: np.ndarray, model: PortfolioModel, maximise: Maximise,
              scenario_rows: bool) -> bool:
    """Whether the selection met every risk limit; if not, rows that cut it off are added: its missing tail
    scenarios (``scenario_rows``) or its aggregated cut.

    A selection (0/1, or fractional from the relaxation) is checked against its exact CVaR within
    :data:`CUT_TOLERANCE` (in the solver's money units, which it reads back rounded). A selection whose rows
    are all in the model already (its cut, or every tail scenario) met them within the solver's feasibility
    tolerance, and the model is exact for it, so it is accepted rather than cut again.
    """
    if model.tail is None:
        return True
    npv = problem.portfolio_npv(selection)
    target = problem.cvar_floor if maximise == "value" else model.bound() * model.money_scale
    if float(cvar(npv, problem.cvar_level)) >= target - CUT_TOLERANCE * model.money_scale:
        return True
    weights = tail_weights(npv, problem.cvar_level)
    if scenario_rows:
        return not model.add_scenarios(np.flatnonzero(weights))
    return not model.add_cut(weights @ problem.scenarios)


def _rows(model: PortfolioModel) -> Cuts:
    """The CVaR rows the model holds."""
    return Cuts(tuple(model.cuts), tuple(model.rows))


def solve_model(model: PortfolioModel, problem: PortfolioProblem, solver: str = "cbc",
                time_limit_s: float = 60.0, gap: float = 0.0) -> Solution:
    """Solve a model built by :func:`build_model` once, for the solver it was built for.

    Parameters
    ----------
    model : PulpModel or HighsModel
        The model (:func:`build_model` with the same ``solver``).
    problem : PortfolioProblem
        The problem it was built from.
    solver, time_limit_s, gap
        See :func:`solve`.

    Returns
    -------
    Solution
        The solver's answer, which may miss a risk limit whose rows the model does not all hold (``cuts`` 0).

    Raises
    ------
    ValueError
        For an unknown solver, or one the model was not built for.
    """
    _check_solver(solver)
    if (solver == "highs") != isinstance(model, HighsModel):
        raise ValueError(f"the model was not built for {solver}")
    if isinstance(model, HighsModel):
        seconds = _run_highs(model.solverModel, time_limit_s, gap)
        solved, log_text, status = model, "", _highs_status(model.solverModel)
    else:
        seconds, log_text = _run_cbc(model, time_limit_s, gap)
        solved, status = model.lp, _status(model.lp, log_text)
    if status == "infeasible" and not _proven_infeasible(solved, solver, log_text, seconds < time_limit_s):
        status = "no solution"
    if status in ("infeasible", "no solution"):
        return Solution(status, None, None, None, seconds, solver)
    selection = model.selection()
    objective = float(problem.objective_value(selection))
    measured = None if model.tail is None else float(cvar(problem.portfolio_npv(selection), problem.cvar_level))
    return Solution(status, selection, objective, _gap(solved, solver, status, log_text), seconds, solver, measured)


def _check_solver(solver: str) -> None:
    """Refuse an unknown solver."""
    if solver not in SOLVERS:
        raise ValueError(f"unknown solver {solver!r}; expected one of {', '.join(SOLVERS)}")


def _run_highs(highs: highspy.Highs, time_limit_s: float, gap: float) -> float:
    """Run HiGHS on its model with a time limit and relative gap; return the seconds it took."""
    highs.setOptionValue("time_limit", float(time_limit_s))
    highs.setOptionValue("mip_rel_gap", float(gap))
    highs.setOptionValue("mip_abs_gap", 0.0)
    start = time.perf_counter()
    highs.run()
    return time.perf_counter() - start


def _highs_status(highs: highspy.Highs) -> str:
    """The solve's status from HiGHS's model status: stopped runs by whether they hold a feasible portfolio."""
    model_status = highs.getModelStatus()
    if model_status == highspy.HighsModelStatus.kOptimal:
        return "optimal"
    if model_status in HIGHS_PROOFS:
        return "infeasible"
    if model_status == highspy.HighsModelStatus.kUnbounded:
        raise RuntimeError("unexpected solver outcome: HiGHS says unbounded")
    feasible = highs.getInfo().primal_solution_status == int(highspy.SolutionStatus.kSolutionStatusFeasible)
    return "time limit" if feasible else "no solution"


def _run_cbc(model: PulpModel, time_limit_s: float, gap: float) -> tuple[float, str]:
    """Solve with CBC; return the seconds it took and its log."""
    with tempfile.TemporaryDirectory(prefix="portfolio-") as folder:
        log = Path(folder) / "cbc.log"
        start = time.perf_counter()
        _solve_with_cbc(model.lp, time_limit_s, gap, log, small=len(model.x) <= SMALL_MODEL,
                        cvar=model.tail is not None)
        seconds = time.perf_counter() - start
        return seconds, log.read_text(errors="replace") if log.is_file() else ""


def _solve_with_cbc(lp: pulp.LpProblem, time_limit_s: float, gap: float, log: Path, small: bool,
                    cvar: bool) -> None:
    """Solve with the CBC bundled with PuLP; if CBC crashes, retry once without its preprocessing.

    The bundled CBC (2.10) can crash in preprocessing on some models with CVaR rows (a segmentation fault
    seen on a feasibility re-solve of the sample case); without preprocessing it solves them. The retry gets
    what is left of ``time_limit_s``; with nothing left there is none and the solve stays undecided. On a
    small model (``small``) CBC's primal heuristics are switched off: they take most of the time of a solve
    whose search needs a handful of nodes (0.33 s → 0.12 s on the sample case). On a model with CVaR rows
    (``cvar``) its knapsack cover cuts are switched off: they cut off the optimum of some (on 1,200 random
    instances like those of ``tests/portfolio/test_lazy_cvar.py``, 6 answers called optimal were worse than
    brute force's, none without them; such cuts are known to, coin-or/Cgl#32 and coin-or/Cbc#82), and on 1,000
    candidates × 5,000 scenarios the solves took as long without them. CBC writes its log to
    ``log`` (the retry over the crashed run's).
    """
    start = time.perf_counter()
    extra = (["heuristicsOnOff off"] if small else []) + (["knapsackCuts off"] if cvar else [])
    options = {"msg": False, "gapRel": gap, "gapAbs": 0, "logPath": str(log)}
    try:
        lp.solve(pulp.PULP_CBC_CMD(**options, timeLimit=time_limit_s, options=extra))
    except pulp.PulpSolverError:
        remaining = time_limit_s - (time.perf_counter() - start)
        if remaining > 0:
            lp.solve(pulp.PULP_CBC_CMD(**options, timeLimit=remaining, options=[*extra, "preprocess off"]))


def _status(lp: pulp.LpProblem, log_text: str) -> str:
    """The solve's status as PuLP reports it, from ``sol_status`` (and CBC's log for a time-limit stop).

    PuLP's "infeasible" is no proof on its own: :func:`solve_model` keeps it only when
    :func:`_proven_infeasible` agrees.
    """
    if lp.sol_status == pulp.LpSolutionOptimal:
        return "optimal"
    if lp.sol_status == pulp.LpSolutionIntegerFeasible:
        return "time limit"
    if lp.sol_status == pulp.LpSolutionInfeasible or lp.status == pulp.LpStatusInfeasible:
        return "infeasible"
    if "No feasible solution found" in log_text or lp.status == pulp.LpStatusNotSolved:
        return "no solution"
    raise RuntimeError(f"unexpected solver outcome: status {pulp.LpStatus[lp.status]}, sol_status {lp.sol_status}")


def _proven_infeasible(lp: pulp.LpProblem | HighsModel, solver: str, log_text: str, within_limit: bool) -> bool:
    """Whether the solver finished and proved that no selection meets the model's rows.

    Parameters
    ----------
    lp : pulp.LpProblem or HighsModel
        The model after the solve: CBC's PuLP problem (unused), or for HiGHS anything whose ``solverModel`` is
        the ``highspy.Highs`` that ran (for its model status).
    solver : {"cbc", "highs"}
        The solver that ran.
    log_text : str
        CBC's log (unused for HiGHS).
    within_limit : bool
        Whether the solve took less than its time limit (for CBC's preprocessing verdict).

    Returns
    -------
    bool
        HiGHS: its model status is one of :data:`HIGHS_PROOFS`. CBC: its log holds none of
        :data:`CBC_STOPS`, and a line of :data:`CBC_PROOFS` or, ``within_limit``,
        :data:`CBC_PREPROCESSING_VERDICT`.

    Examples
    --------
    >>> _proven_infeasible(None, "cbc", "Result - Problem proven infeasible", within_limit=False)
    True
    >>> verdict = "Cgl0000I Cut generators found to be infeasible! Pre-processing says infeasible or unbounded"
    >>> _proven_infeasible(None, "cbc", verdict, within_limit=True), _proven_infeasible(None, "cbc", verdict, False)
    (True, False)
    """
    if solver == "highs":
        return lp.solverModel.getModelStatus() in HIGHS_PROOFS
    if any(line in log_text for line in CBC_STOPS):
        return False
    return any(line in log_text for line in CBC_PROOFS) or (within_limit and CBC_PREPROCESSING_VERDICT in log_text)


def _gap(lp: pulp.LpProblem | HighsModel, solver: str, status: str, log_text: str) -> float | None:
    """The relative gap: HiGHS's ``mip_gap`` (of ``lp.solverModel``), or CBC's from its log.

    CBC's summary ``Gap:`` line is rounded to two decimals, so the gap is computed from numbers CBC logs in
    full: the incumbent and bound of its last "best objective … (best possible …)" line (a search it stopped),
    or the absolute gap of "Exiting as integer gap of …" over the incumbent of "best objective …" (a search it
    ended within the gap tolerance). A proven optimum without either line has gap 0.

    Examples
    --------
    >>> log = ["Cbc0011I Exiting as integer gap of 0.031483293 less than 1e-10 or 0.1%",
    ...        "Cbc0001I Search completed - best objective -76.5671433121536, took 0 iterations and 0 nodes"]
    >>> round(_gap(None, "cbc", "optimal", "\\n".join(log)), 6)
    0.000411
    """
    if solver == "highs":
        value = float(lp.solverModel.getInfo().mip_gap)
        return value if math.isfinite(value) else None
    found = re.findall(r"best objective (\S+) \(best possible (\S+)\)", log_text)
    if found:
        incumbent, bound = (float(value) for value in found[-1])
        if abs(incumbent) < 1e49:
            return abs(incumbent - bound) / max(abs(incumbent), 1e-10)
        return None
    within = re.findall(r"Exiting as integer gap of (\S+) less than", log_text)
    incumbent = re.findall(r"best objective ([^\s,]+)", log_text)
    if within and incumbent:
        return abs(float(within[-1])) / max(abs(float(incumbent[-1])), 1e-10)
    return 0.0 if status == "optimal" else None


def _pairs(variables: list[pulp.LpVariable], coefficients: np.ndarray) -> list[tuple[pulp.LpVariable, float]]:
    """``(variable, coefficient)`` pairs of the non-zero coefficients."""
    nonzero = np.flatnonzero(coefficients)
    return [(variables[index], value) for index, value in zip(nonzero.tolist(), coefficients[nonzero].tolist())]


def _row(x: list[pulp.LpVariable], coefficients: np.ndarray, sense: str, bound: float) -> pulp.LpConstraint:
    """One linear limit as a PuLP constraint."""
    pulp_sense = pulp.LpConstraintLE if sense == "<=" else pulp.LpConstraintGE
    return pulp.LpConstraint(pulp.LpAffineExpression(_pairs(x, coefficients)), pulp_sense, rhs=float(bound))


def _loss_rows(lp: pulp.LpProblem, x: list[pulp.LpVariable], scenarios: np.ndarray, limit: float) -> None:
    """Add the rows of the loss-probability limit (only scenarios where some selection could lose)."""
    worst = np.maximum(-scenarios, 0.0).sum(axis=1)
    allowed = math.floor(limit * scenarios.shape[0] + 1e-9)
    z = []
    for index in np.flatnonzero(worst > 0).tolist():
        flag = lp.add_variable(f"z_{index}", cat=pulp.LpBinary)
        z.append(flag)
        terms = _pairs(x, scenarios[index]) + [(flag, float(worst[index]))]
        lp.addConstraint(pulp.LpConstraint(pulp.LpAffineExpression(terms), pulp.LpConstraintGE, rhs=0.0),
                         f"loss_{index}")
    if z:
        lp.addConstraint(pulp.LpConstraint(pulp.LpAffineExpression([(flag, 1.0) for flag in z]),
                                           pulp.LpConstraintLE, rhs=float(allowed)), "loss_count")


def _tail(problem: PortfolioProblem, maximise: Maximise, scale: float) -> Tail | None:
    """The data of the CVaR rows, when the problem has a CVaR floor or CVaR is maximised."""
    if problem.cvar_floor is None and maximise != "cvar":
        return None
    scenarios = problem.scenarios / scale
    return Tail(scenarios, problem.cvar_level, float(np.minimum(scenarios, 0.0).sum(axis=1).min()),
                float(np.maximum(scenarios, 0.0).sum(axis=1).max()))


def _build_pulp(problem: PortfolioProblem, maximise: Maximise) -> PulpModel:
    """The PuLP model of :func:`build_model`, without CVaR rows."""
    lp = pulp.LpProblem("portfolio", pulp.LpMaximize)
    x = [lp.add_variable(f"x_{index}", cat=pulp.LpBinary) for index in range(problem.size)]
    for index, limit in enumerate(problem.limits):
        lp.addConstraint(_row(x, limit.coefficients, limit.sense, limit.bound), f"limit_{index}")
    scale = money_scale(problem.scenarios)
    model = PulpModel(lp, x, scale, _tail(problem, maximise, scale))
    if model.tail is not None:
        model.t = lp.add_variable("t", lowBound=model.tail.low, upBound=model.tail.high)
        model.eta = lp.add_variable("eta", lowBound=model.tail.low, upBound=model.tail.high)
        model.cvar_row = pulp.LpConstraint(pulp.LpAffineExpression([(model.t, 1.0), (model.eta, -1.0)]),
                                           pulp.LpConstraintLE, rhs=0.0)
        lp.addConstraint(model.cvar_row, "cvar")
        if problem.cvar_floor is not None:
            lp.addConstraint(pulp.LpConstraint(pulp.LpAffineExpression([(model.t, 1.0)]), pulp.LpConstraintGE,
                                               rhs=problem.cvar_floor / scale), "cvar_floor")
    if problem.max_loss_probability is not None:
        _loss_rows(lp, x, problem.scenarios / scale, problem.max_loss_probability)
    if maximise == "cvar":
        lp.setObjective(pulp.LpAffineExpression([(model.t, 1.0)]))
    else:
        lp.setObjective(pulp.LpAffineExpression(_pairs(x, problem.value / money_scale(problem.value))))
    return model


def _build_highs(problem: PortfolioProblem, maximise: Maximise) -> HighsModel:
    """The HiGHS model of :func:`build_model`, without CVaR rows: columns ``x``, then ``t`` and ``η``, then the
    loss flags ``z``; each block of rows in one call."""
    size = problem.size
    highs = highspy.Highs()
    highs.setOptionValue("output_flag", False)
    _check(highs.addVars(size, np.zeros(size), np.ones(size)))
    _integral(highs, np.arange(size))
    if problem.limits:
        upper = np.array([limit.sense == "<=" for limit in problem.limits])
        bounds = np.array([limit.bound for limit in problem.limits], dtype=float)
        _add_rows(highs, np.array([limit.coefficients for limit in problem.limits], dtype=float),
                  np.where(upper, -INFINITY, bounds), np.where(upper, bounds, INFINITY))
    scale = money_scale(problem.scenarios)
    model = HighsModel(highs, size, scale, _tail(problem, maximise, scale))
    if model.tail is not None:
        model.t, model.eta, model.cvar_row = size, size + 1, highs.getNumRow()
        _check(highs.addVars(2, np.full(2, model.tail.low), np.full(2, model.tail.high)))
        nothing = np.zeros((1, 0))
        _add_rows(highs, nothing, [-INFINITY], [0.0], np.array([[model.t, model.eta]]), np.array([[1.0, -1.0]]))
        if problem.cvar_floor is not None:
            _add_rows(highs, nothing, [problem.cvar_floor / scale], [INFINITY], np.array([[model.t]]),
                      np.ones((1, 1)))
    if problem.max_loss_probability is not None:
        _highs_loss_rows(highs, problem.scenarios / scale, problem.max_loss_probability)
    if maximise == "cvar":
        _check(highs.changeColCost(model.t, 1.0))
    else:
        _check(highs.changeColsCost(size, np.arange(size, dtype=np.int32), problem.value / money_scale(problem.value)))
    _check(highs.changeObjectiveSense(highspy.ObjSense.kMaximize))
    return model


def _highs_loss_rows(highs: highspy.Highs, scenarios: np.ndarray, limit: float) -> None:
    """Add the loss-probability limit's flags and rows (only scenarios where some selection could lose)."""
    worst = np.maximum(-scenarios, 0.0).sum(axis=1)
    losing = np.flatnonzero(worst > 0)
    if not losing.size:
        return
    count, first = losing.size, highs.getNumCol()
    flags = first + np.arange(count)
    _check(highs.addVars(count, np.zeros(count), np.ones(count)))
    _integral(highs, flags)
    _add_rows(highs, scenarios[losing], np.zeros(count), np.full(count, INFINITY), flags[:, None],
              worst[losing][:, None])
    allowed = math.floor(limit * scenarios.shape[0] + 1e-9)
    _add_rows(highs, np.zeros((1, 0)), [-INFINITY], [float(allowed)], flags[None, :], np.ones((1, count)))


def _add_rows(highs: highspy.Highs, block: np.ndarray, lower: Iterable[float], upper: Iterable[float],
              columns: np.ndarray | None = None, values: np.ndarray | None = None) -> None:
    """Add the rows ``lower ≤ block · x + Σ_j values[:, j] · (column columns[:, j]) ≤ upper`` in one call.

    ``block`` is ``m × k`` coefficients of the first ``k`` columns (the selections; zeros are left out);
    ``columns`` and ``values`` (``m × e``) are further entries of each row.
    """
    count = block.shape[0]
    rows, where = np.nonzero(block)
    entries = block[rows, where]
    if columns is not None:
        rows = np.r_[rows, np.repeat(np.arange(count), columns.shape[1])]
        where = np.r_[where, columns.ravel()]
        entries = np.r_[entries, values.ravel()]
    order = np.argsort(rows, kind="stable")
    starts = np.r_[0, np.cumsum(np.bincount(rows, minlength=count))[:-1]]
    _check(highs.addRows(count, np.asarray(lower, dtype=float), np.asarray(upper, dtype=float), order.size,
                         starts.astype(np.int32), where[order].astype(np.int32), entries[order].astype(float)))


def _integral(highs: highspy.Highs, columns: np.ndarray) -> None:
    """Make the columns integers (0/1 with their bounds)."""
    _check(highs.changeColsIntegrality(columns.size, columns.astype(np.int32),
                                       np.full(columns.size, int(highspy.HighsVarType.kInteger), dtype=np.uint8)))


def _check(status: highspy.HighsStatus) -> None:
    """Refuse a HiGHS call that failed (a malformed model would otherwise be solved as it stands)."""
    if status == highspy.HighsStatus.kError:
        raise RuntimeError("HiGHS refused to build the model")
