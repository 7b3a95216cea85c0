"""Solving a :class:`~alliance_analytics.portfolio.problem.PortfolioProblem` as a PuLP MILP (CBC or HiGHS).

Variables: one binary ``x`` per candidate. Each linear limit is one row. The CVaR floor is Rockafellar and
Uryasev's linearisation: a free ``η`` and one ``u_s ≥ 0`` per scenario with ``u_s ≥ η − NPV_s(x)`` and
``η − Σ u_s / (α S) ≥ floor``; at any feasible point ``η − Σ u_s / (α S)`` is at most the portfolio's CVaR
and some ``η`` reaches it, so the floor holds exactly when the CVaR meets it. The loss-probability limit
adds a binary ``z_s`` per scenario that may lose money: ``NPV_s(x) + M_s z_s ≥ 0`` with
``M_s = Σ_i max(0, −NPV_si)`` and ``Σ z_s ≤ ⌊p S⌋``.

Money is handed to the solver in units of its largest power of ten (:func:`money_scale`), because solver
tolerances are absolute. Rows are built from numpy arrays straight into :class:`pulp.LpAffineExpression` objects (one list of
``(variable, coefficient)`` pairs per row) rather than by ``lpSum(coef * x …)``, which creates an
intermediate expression per term; ``benchmarks/bench_portfolio.py`` measures the difference.

PuLP's ``LpStatus`` says "Optimal" even when the solver stopped at its time limit with a merely feasible
portfolio, so the status here comes from ``sol_status``; the optimality gap is read from HiGHS's info or
from CBC's log.
"""

from __future__ import annotations

import math
import re
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
import pulp

from alliance_analytics.case.vocabulary import SOLVERS
from alliance_analytics.portfolio.problem import PortfolioProblem

Maximise = Literal["value", "cvar"]
SMALL_MODEL = 40
"""Models with at most this many candidates are solved by CBC without its primal heuristics."""

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
    linearised_cvar : float or None
        ``η − Σ u_s / (α S)`` at the solution, when the model has CVaR variables.
    """

    status: str
    selection: np.ndarray | None
    objective: float | None
    gap: float | None
    seconds: float
    solver: str
    linearised_cvar: float | None = None

    @property
    def found(self) -> bool:
        """Whether a portfolio was found (optimal or stopped at the time limit)."""
        return self.selection is not None

    @property
    def message(self) -> str:
        """The status in plain words."""
        return STATUS_TEXT[self.status]


@dataclass
class PortfolioModel:
    """A built PuLP model with handles on its variables."""

    lp: pulp.LpProblem
    x: list[pulp.LpVariable]
    eta: pulp.LpVariable | None
    u: list[pulp.LpVariable]
    money_scale: float = 1.0


def build_model(problem: PortfolioProblem, maximise: Maximise = "value") -> PortfolioModel:
    """The PuLP model of a portfolio problem.

    Parameters
    ----------
    problem : PortfolioProblem
        What to solve.
    maximise : {"value", "cvar"}
        Maximise the problem's objective values, or the portfolio's CVaR (for the risk end of the frontier).

    Returns
    -------
    PortfolioModel
        The model and its variables.
    """
    lp = pulp.LpProblem("portfolio", pulp.LpMaximize)
    x = [lp.add_variable(f"x_{index}", cat=pulp.LpBinary) for index in range(problem.size)]
    for index, limit in enumerate(problem.limits):
        lp.addConstraint(_row(x, limit.coefficients, limit.sense, limit.bound), f"limit_{index}")
    eta, u = None, []
    scale = money_scale(problem.scenarios)
    scenarios = problem.scenarios / scale
    needs_cvar = problem.cvar_floor is not None or maximise == "cvar"
    if needs_cvar:
        eta, u, cvar = _cvar_rows(lp, x, scenarios, problem.cvar_level)
        if problem.cvar_floor is not None:
            lp.addConstraint(pulp.LpConstraint(cvar, pulp.LpConstraintGE, "cvar_floor", problem.cvar_floor / scale))
    if problem.max_loss_probability is not None:
        _loss_rows(lp, x, scenarios, problem.max_loss_probability)
    if maximise == "cvar":
        lp.setObjective(cvar)
    else:
        lp.setObjective(pulp.LpAffineExpression(_pairs(x, problem.value / money_scale(problem.value))))
    return PortfolioModel(lp, x, eta, u, scale)


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
        Wall-clock limit; at the limit the best portfolio found so far is returned with status
        ``time limit``.
    gap : float
        Relative optimality gap at which the solver may stop (0: prove optimality).
    maximise : {"value", "cvar"}
        See :func:`build_model`.

    Returns
    -------
    Solution
        Status, portfolio, objective, gap and time. Without any limit the answer is plain (every candidate
        of positive value) and no solver is called: CBC refuses a model without rows.

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
    model = build_model(problem, maximise)
    return solve_model(model, problem, solver, time_limit_s, gap)


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
    if status in ("infeasible", "no solution"):
        return Solution(status, None, None, None, seconds, solver)
    selection = np.array([round(variable.value() or 0.0) for variable in model.x], dtype=float)
    linearised = None
    if model.eta is not None:
        u_sum = sum(variable.value() or 0.0 for variable in model.u)
        linearised = float(model.eta.value() - u_sum / (problem.cvar_level * problem.scenarios.shape[0]))
        linearised *= model.money_scale
    objective = float(problem.objective_value(selection))
    return Solution(status, selection, objective, _gap(model.lp, solver, status, log_text), seconds, solver,
                    linearised)


def _solve_with_cbc(lp: pulp.LpProblem, time_limit_s: float, gap: float, log: Path, small: bool) -> None:
    """Solve with the CBC bundled with PuLP; if CBC crashes, retry once without its preprocessing.

    The bundled CBC (2.10) can crash in preprocessing on some models with CVaR rows (a segmentation fault
    seen on a feasibility re-solve of the sample case); without preprocessing it solves them. On a small
    model (``small``) CBC's primal heuristics are switched off: they take most of the time of a solve
    whose search needs a handful of nodes (0.33 s → 0.12 s on the sample case).
    """
    extra = ["heuristicsOnOff off"] if small else []
    options = {"msg": False, "timeLimit": time_limit_s, "gapRel": gap, "gapAbs": 0, "logPath": str(log)}
    try:
        lp.solve(pulp.PULP_CBC_CMD(**options, options=extra))
    except pulp.PulpSolverError:
        lp.solve(pulp.PULP_CBC_CMD(**options, options=[*extra, "preprocess off"]))


def _status(lp: pulp.LpProblem, log_text: str) -> str:
    """The solve's status from PuLP's ``sol_status`` (and CBC's log for a time-limit stop)."""
    if lp.sol_status == pulp.LpSolutionOptimal:
        return "optimal"
    if lp.sol_status == pulp.LpSolutionIntegerFeasible:
        return "time limit"
    if lp.sol_status == pulp.LpSolutionInfeasible or lp.status == pulp.LpStatusInfeasible:
        return "infeasible"
    if "No feasible solution found" in log_text or lp.status == pulp.LpStatusNotSolved:
        return "no solution"
    raise RuntimeError(f"unexpected solver outcome: status {pulp.LpStatus[lp.status]}, sol_status {lp.sol_status}")


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


def _cvar_rows(lp: pulp.LpProblem, x: list[pulp.LpVariable], scenarios: np.ndarray, level: float,
               ) -> tuple[pulp.LpVariable, list[pulp.LpVariable], pulp.LpAffineExpression]:
    """Add the Rockafellar–Uryasev rows; return ``η``, the ``u_s`` and the expression of the CVaR.

    ``η`` is bounded by the lowest and highest NPV any portfolio could have in any scenario: the best ``η``
    is the portfolio's value at risk, which lies between them. The bounds tighten the relaxation and keep CBC
    from reporting a flat direction (``η`` and every ``u_s`` growing together at a tail share of 1) as
    unbounded.
    """
    low = float(np.minimum(scenarios, 0.0).sum(axis=1).min())
    high = float(np.maximum(scenarios, 0.0).sum(axis=1).max())
    eta = lp.add_variable("eta", lowBound=low, upBound=high)
    u = [lp.add_variable(f"u_{index}", lowBound=0) for index in range(scenarios.shape[0])]
    for index, row in enumerate(scenarios):
        terms = _pairs(x, row)
        terms += [(u[index], 1.0), (eta, -1.0)]
        lp.addConstraint(pulp.LpConstraint(pulp.LpAffineExpression(terms), pulp.LpConstraintGE, rhs=0.0),
                         f"tail_{index}")
    weight = -1.0 / (level * scenarios.shape[0])
    cvar = pulp.LpAffineExpression([(eta, 1.0), *((variable, weight) for variable in u)])
    return eta, u, cvar


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

