"""Solving a :class:`~alliance_analytics.portfolio.problem.PortfolioProblem` as a PuLP MILP (CBC or HiGHS).

Variables: one binary ``x`` per candidate. Each linear limit is one row. The risk limits are enforced on every
simulated scenario by cuts added as they are needed, so the model keeps one row per cut rather than one per
scenario (Künzi-Bay and Mayer 2006, "Computational aspects of minimizing conditional value-at-risk",
*Computational Management Science* 3:3–27):

- **CVaR floor.** CVaR is the smallest tail-weighted mean ``Σ_s w_s NPV_s(x)`` over the weights with
  ``0 ≤ w_s ≤ 1/(α S)`` and ``Σ w_s = 1``. For any such ``w`` the row ``Σ_i x_i (Σ_s w_s NPV_si) ≥ floor``
  is therefore valid, and the ``w`` of a portfolio's own worst ``α`` share cuts that portfolio off when its
  CVaR misses the floor. The loop solves, checks the exact CVaR (:func:`~alliance_analytics.risk.measures.cvar`)
  of the answer, and adds that cut until the answer meets the floor: the first answer that does is optimal,
  because every cut is valid.
- **Maximising CVaR** (the risk end of the frontier): maximise ``t`` with ``t ≤ Σ_i x_i c_i`` for the cuts
  ``c`` found so far; the loop stops when ``t`` equals the answer's exact CVaR.
- **Loss probability.** One binary ``z_s`` per scenario in which some selection could lose money:
  ``NPV_s(x) + M_s z_s ≥ 0`` with ``M_s = Σ_i max(0, −NPV_si)`` and ``Σ z_s ≤ ⌊p S⌋``. The limit is not convex,
  so it is exact in one MILP rather than approached by cuts (cutting off one losing portfolio at a time could
  take as many solves as there are portfolios).

Money is handed to the solver in units of its largest power of ten (:func:`money_scale`), because solver
tolerances are absolute. Rows are built from numpy arrays straight into :class:`pulp.LpAffineExpression` objects (one list of
``(variable, coefficient)`` pairs per row) rather than by ``lpSum(coef * x …)``, which creates an
intermediate expression per term; ``benchmarks/bench_portfolio.py`` measures the difference.

PuLP's ``LpStatus`` says "Optimal" even when the solver stopped at its time limit with a merely feasible
portfolio, so the status here comes from ``sol_status``; the optimality gap is read from HiGHS's info or
from CBC's log.

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
from dataclasses import dataclass
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
solver's money units (millions for the sample case), before a cut is added: CBC reports values rounded to
about eight digits."""
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
"""HiGHS model statuses that prove infeasibility. Every variable of the model is bounded (0/1 selections, the
CVaR variable between the worst and best portfolio NPV), so "unbounded or infeasible" means infeasible."""

STATUS_TEXT: dict[str, str] = {
    "optimal": "optimal: no better portfolio exists within the limits",
    "time limit": "stopped at the time limit: the best portfolio found is shown, but a better one may exist",
    "infeasible": "infeasible: no portfolio meets every limit",
    "no solution": "stopped at the time limit before any portfolio meeting every limit was found",
}
"""Each solution status in plain words."""


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
        Solve time, model building excluded.
    solver : str
        ``cbc`` or ``highs``.
    cvar : float or None
        The exact CVaR of the selection at the problem's level, when the problem has a CVaR floor or CVaR is
        maximised.
    cuts : int
        Risk cuts added before the answer met every risk limit.
    """

    status: str
    selection: np.ndarray | None
    objective: float | None
    gap: float | None
    seconds: float
    solver: str
    cvar: float | None = None
    cuts: int = 0

    @property
    def found(self) -> bool:
        """Whether a portfolio was found (optimal or stopped at the time limit)."""
        return self.selection is not None

    @property
    def message(self) -> str:
        """The status in plain words."""
        return STATUS_TEXT[self.status]


@dataclass(frozen=True)
class Cuts:
    """Rows found by the cut loop (in the solver's money units).

    Attributes
    ----------
    cvar : tuple of numpy.ndarray
        Per CVaR cut, the tail-weighted scenario mean ``c`` of each candidate (``n``): ``Σ_i x_i c_i`` bounds
        the CVaR of every portfolio from above.
    cut_selections : tuple of numpy.ndarray
        The selection each CVaR cut was made from.
    """

    cvar: tuple[np.ndarray, ...] = ()
    cut_selections: tuple[np.ndarray, ...] = ()


@dataclass
class PortfolioModel:
    """A built PuLP model with handles on its variables."""

    lp: pulp.LpProblem
    x: list[pulp.LpVariable]
    t: pulp.LpVariable | None
    money_scale: float = 1.0


def build_model(problem: PortfolioProblem, maximise: Maximise = "value", cuts: Cuts = Cuts()) -> PortfolioModel:
    """The PuLP model of a portfolio problem with the risk cuts found so far.

    Parameters
    ----------
    problem : PortfolioProblem
        What to solve.
    maximise : {"value", "cvar"}
        Maximise the problem's objective values, or the portfolio's CVaR (for the risk end of the frontier).
    cuts : Cuts
        Risk cuts to add (see the module notes); none at first.

    Returns
    -------
    PortfolioModel
        The model and its variables.
    """
    lp = pulp.LpProblem("portfolio", pulp.LpMaximize)
    x = [lp.add_variable(f"x_{index}", cat=pulp.LpBinary) for index in range(problem.size)]
    for index, limit in enumerate(problem.limits):
        lp.addConstraint(_row(x, limit.coefficients, limit.sense, limit.bound), f"limit_{index}")
    scale = money_scale(problem.scenarios)
    t = None
    if maximise == "cvar":
        low = float(np.minimum(problem.scenarios, 0.0).sum(axis=1).min()) / scale
        high = float(np.maximum(problem.scenarios, 0.0).sum(axis=1).max()) / scale
        t = lp.add_variable("t", lowBound=low, upBound=high)
    for index, coefficients in enumerate(cuts.cvar):
        terms = _pairs(x, coefficients)
        if t is None:
            lp.addConstraint(pulp.LpConstraint(pulp.LpAffineExpression(terms), pulp.LpConstraintGE,
                                               rhs=problem.cvar_floor / scale), f"cvar_cut_{index}")
        else:
            lp.addConstraint(pulp.LpConstraint(pulp.LpAffineExpression([*terms, (t, -1.0)]), pulp.LpConstraintGE,
                                               rhs=0.0), f"cvar_cut_{index}")
    if maximise == "cvar" and problem.cvar_floor is not None:
        lp.addConstraint(pulp.LpConstraint(pulp.LpAffineExpression([(t, 1.0)]), pulp.LpConstraintGE,
                                           rhs=problem.cvar_floor / scale), "cvar_floor")
    if problem.max_loss_probability is not None:
        _loss_rows(lp, x, problem.scenarios / scale, problem.max_loss_probability)
    if maximise == "cvar":
        lp.setObjective(pulp.LpAffineExpression([(t, 1.0)]))
    else:
        lp.setObjective(pulp.LpAffineExpression(_pairs(x, problem.value / money_scale(problem.value))))
    return PortfolioModel(lp, x, t, scale)


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
          maximise: Maximise = "value") -> Solution:
    """Find the best portfolio.

    Parameters
    ----------
    problem : PortfolioProblem
        What to solve.
    solver : {"cbc", "highs"}
        CBC (bundled with PuLP) or HiGHS (highspy).
    time_limit_s : float
        Wall-clock limit for the whole cut loop; each solve of the loop gets what is left of it. At the limit
        the best portfolio found so far is returned with status ``time limit`` if it meets every risk limit,
        and status ``no solution`` otherwise.
    gap : float
        Relative optimality gap at which the solver may stop (0: prove optimality).
    maximise : {"value", "cvar"}
        See :func:`build_model`.

    Returns
    -------
    Solution
        Status, portfolio, objective, gap and time (``seconds`` adds up the solver calls). Status
        ``infeasible`` only when a solver proved it (valid for the problem, because every cut is); without any
        limit the answer is plain (every candidate of positive value) and no solver is called: CBC refuses a
        model without rows.

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
    cuts, seconds = Cuts(), 0.0
    while True:
        model = build_model(problem, maximise, cuts)
        remaining = time_limit_s - (time.perf_counter() - start)
        if remaining <= 0:
            return Solution("no solution", None, None, None, seconds, solver, cuts=_count(cuts))
        solution = solve_model(model, problem, solver, remaining, gap)
        seconds += solution.seconds
        if not solution.found:
            return dataclasses.replace(solution, seconds=seconds, cuts=_count(cuts))
        cuts, met = _separate(problem, solution, model, cuts, maximise)
        if met:
            return dataclasses.replace(solution, seconds=seconds, cuts=_count(cuts))
        if solution.status == "time limit":
            return Solution("no solution", None, None, None, seconds, solver, cuts=_count(cuts))


def _separate(problem: PortfolioProblem, solution: Solution, model: PortfolioModel, cuts: Cuts,
              maximise: Maximise) -> tuple[Cuts, bool]:
    """The cuts with any that the solution breaks added, and whether it met every risk limit.

    A selection is checked against its exact CVaR within :data:`CUT_TOLERANCE` (in the solver's money units,
    which it reads back rounded); a selection whose own cut is already in the model met that cut within the
    solver's feasibility tolerance, so it is accepted rather than cut again.
    """
    selection = solution.selection
    npv = problem.portfolio_npv(selection)
    tolerance = CUT_TOLERANCE * model.money_scale
    new_cvar: list[np.ndarray] = []
    if problem.cvar_floor is not None or maximise == "cvar":
        exact = float(cvar(npv, problem.cvar_level))
        target = problem.cvar_floor if maximise == "value" else float(model.t.value()) * model.money_scale
        already = any(np.array_equal(selection, cut) for cut in cuts.cut_selections)
        if exact < target - tolerance and not already:
            new_cvar.append(tail_weights(npv, problem.cvar_level) @ problem.scenarios / model.money_scale)
    met = not new_cvar
    sources = (selection.copy(),) if new_cvar else ()
    return Cuts(cuts.cvar + tuple(new_cvar), cuts.cut_selections + sources), met


def _count(cuts: Cuts) -> int:
    """How many risk cuts were added."""
    return len(cuts.cvar)


def solve_model(model: PortfolioModel, problem: PortfolioProblem, solver: str = "cbc",
                time_limit_s: float = 60.0, gap: float = 0.0) -> Solution:
    """Solve a model built by :func:`build_model` (see :func:`solve` for the parameters)."""
    if solver not in SOLVERS:
        raise ValueError(f"unknown solver {solver!r}; expected one of {', '.join(SOLVERS)}")
    with tempfile.TemporaryDirectory(prefix="portfolio-") as folder:
        log = Path(folder) / "cbc.log"
        start = time.perf_counter()
        if solver == "cbc":
            _solve_with_cbc(model.lp, time_limit_s, gap, log, small=len(model.x) <= SMALL_MODEL)
        else:
            model.lp.solve(pulp.HiGHS(msg=False, timeLimit=time_limit_s, gapRel=gap, gapAbs=0))
        seconds = time.perf_counter() - start
        log_text = log.read_text(errors="replace") if log.is_file() else ""
    status = _status(model.lp, log_text)
    if status == "infeasible" and not _proven_infeasible(model.lp, solver, log_text, seconds < time_limit_s):
        status = "no solution"
    if status in ("infeasible", "no solution"):
        return Solution(status, None, None, None, seconds, solver)
    selection = np.array([round(variable.value() or 0.0) for variable in model.x], dtype=float)
    objective = float(problem.objective_value(selection))
    measured = None
    if problem.cvar_floor is not None or model.t is not None:
        measured = float(cvar(problem.portfolio_npv(selection), problem.cvar_level))
    return Solution(status, selection, objective, _gap(model.lp, solver, status, log_text), seconds, solver, measured)


def _solve_with_cbc(lp: pulp.LpProblem, time_limit_s: float, gap: float, log: Path, small: bool) -> None:
    """Solve with the CBC bundled with PuLP; if CBC crashes, retry once without its preprocessing.

    The bundled CBC (2.10) can crash in preprocessing on some models with CVaR rows (a segmentation fault
    seen on a feasibility re-solve of the sample case); without preprocessing it solves them. The retry gets
    what is left of ``time_limit_s``; with nothing left there is none and the solve stays undecided. On a
    small model (``small``) CBC's primal heuristics are switched off: they take most of the time of a solve
    whose search needs a handful of nodes (0.33 s → 0.12 s on the sample case). CBC writes its log to
    ``log`` (the retry over the crashed run's).
    """
    start = time.perf_counter()
    extra = ["heuristicsOnOff off"] if small else []
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


def _proven_infeasible(lp: pulp.LpProblem, solver: str, log_text: str, within_limit: bool) -> bool:
    """Whether the solver finished and proved that no selection meets the model's rows.

    Parameters
    ----------
    lp : pulp.LpProblem
        The model after the solve (for HiGHS's model status).
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


def _gap(lp: pulp.LpProblem, solver: str, status: str, log_text: str) -> float | None:
    """The relative gap: HiGHS's ``mip_gap``, or from CBC's last "best objective … (best possible …)" log line.

    CBC's summary ``Gap:`` line is rounded to two decimals, so the gap is computed from the incumbent and the
    bound, which CBC logs in full; a proven optimum without such a line has gap 0.
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
