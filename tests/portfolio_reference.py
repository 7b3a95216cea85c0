"""Independent brute-force reference for the portfolio MILP tests.

A random :class:`Instance` describes a portfolio problem in plain terms (costs and a budget, sponsor groups
and their capacities, exclusion groups, dependency pairs, …). :func:`brute_force` enumerates every one of
the ``2^n`` selections as a 0/1 matrix and checks each kind of limit directly from that description, without
calling :mod:`alliance_analytics` (not even its CVaR): the CVaR here is Rockafellar and Uryasev's
``max over η of η − Σ (η − v_s)⁺ / (α S)``, evaluated at every scenario value ``η = v_t``. That is exact,
because the function is concave and piecewise linear in ``η`` with its breakpoints at the values (and its
slope is ``1 − 1/α ≤ 0`` beyond the largest). :func:`to_problem` turns the same description into a
:class:`~alliance_analytics.portfolio.problem.PortfolioProblem`, naming every limit the way the package does,
so that the two sides can be compared limit by limit.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field, replace

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from alliance_analytics.portfolio.problem import LinearLimit, PortfolioProblem

CVAR = "cvar_floor"
"""Name of the CVaR floor (as in the package)."""
LOSS = "loss_probability"
"""Name of the loss-probability limit (as in the package)."""
MONEY_SCALES = (1.0, 1000.0, 250_000.0)
"""Units of the random money amounts: small integers, thousands and quarter-millions (exact in floats)."""
CVAR_LEVELS = (0.05, 0.1, 0.125, 0.2, 0.25, 1 / 3, 0.5, 1.0)
"""Tail shares drawn for the CVaR; with the scenario counts drawn, ``level · S`` is often not an integer."""
FORCE_WORDS = {"force_in": "forced in", "force_out": "forced out", "walk_away": "walked away from"}
"""How each force family reads in a limit's description."""
CELLS_PER_CHUNK = 4_000_000
"""Most ``rows × S × S`` cells of one vectorised CVaR step (bounds the memory of :func:`reference_cvar`)."""


@dataclass(frozen=True)
class Instance:
    """A portfolio problem in plain terms: arrays per candidate and one entry per limit.

    Candidates are numbered ``0 … n−1`` and called ``C01 … Cnn``. Every limit is optional (None or empty).

    Attributes
    ----------
    value : numpy.ndarray
        Objective coefficient per candidate (maximised).
    scenarios : numpy.ndarray
        ``S × n`` NPV per scenario and candidate.
    cost : numpy.ndarray
        Investment per candidate.
    budget : float or None
        Most total investment.
    start_year : numpy.ndarray
        Start year per candidate.
    year_budgets : dict of int to float
        Most investment starting in each year named.
    fte : numpy.ndarray
        Alliance-manager FTE per candidate.
    fte_capacity : float or None
        Most total FTE.
    sponsor : numpy.ndarray
        Sponsor group per candidate (an int).
    sponsor_capacity : dict of int to int
        Most selected candidates per sponsor group named.
    exclusions : tuple of tuple of int
        Groups of which at most one candidate may be selected.
    dependencies : tuple of (int, int)
        ``(candidate, requires)``: the first only together with the second.
    capabilities : numpy.ndarray
        ``C × n`` booleans: which candidate brings which capability.
    coverage : dict of int to int
        Least number of selected candidates bringing each capability named.
    min_count, max_count : int or None
        Least and most number of selected candidates.
    force_in, force_out, walk_away : frozenset of int
        Candidates that must be selected, or must not be (``walk_away`` too, as its own family).
    cvar_floor : float or None
        Least CVaR of the portfolio NPV.
    cvar_level : float
        Tail share of the CVaR.
    max_loss_probability : float or None
        Largest share of scenarios with a negative portfolio NPV.
    """

    value: np.ndarray
    scenarios: np.ndarray
    cost: np.ndarray
    budget: float | None = None
    start_year: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=int))
    year_budgets: dict[int, float] = field(default_factory=dict)
    fte: np.ndarray = field(default_factory=lambda: np.zeros(0))
    fte_capacity: float | None = None
    sponsor: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=int))
    sponsor_capacity: dict[int, int] = field(default_factory=dict)
    exclusions: tuple[tuple[int, ...], ...] = ()
    dependencies: tuple[tuple[int, int], ...] = ()
    capabilities: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), dtype=bool))
    coverage: dict[int, int] = field(default_factory=dict)
    min_count: int | None = None
    max_count: int | None = None
    force_in: frozenset[int] = frozenset()
    force_out: frozenset[int] = frozenset()
    walk_away: frozenset[int] = frozenset()
    cvar_floor: float | None = None
    cvar_level: float = 0.05
    max_loss_probability: float | None = None

    @property
    def size(self) -> int:
        """Number of candidates."""
        return len(self.value)

    @property
    def scale(self) -> float:
        """Magnitude of the money amounts, for absolute tolerances."""
        return float(max(1.0, np.abs(self.value).max(initial=0.0), np.abs(self.scenarios).max(initial=0.0)))


@dataclass(frozen=True)
class Reference:
    """What brute force finds: the best objective (or CVaR) and every selection reaching it.

    Attributes
    ----------
    best : float or None
        Best objective over the feasible selections; None when none is feasible.
    optimal : numpy.ndarray
        ``k × n`` 0/1 rows of every optimal selection (``0 × n`` when infeasible).
    """

    best: float | None
    optimal: np.ndarray


def candidate_id(index: int) -> str:
    """``C01`` for candidate 0."""
    return f"C{index + 1:02d}"


def all_selections(n: int) -> np.ndarray:
    """Every 0/1 selection of ``n`` candidates: a ``2^n × n`` int8 matrix (row ``r`` is the bits of ``r``)."""
    rows = np.arange(2 ** n, dtype=np.int64)
    return ((rows[:, None] >> np.arange(n)) & 1).astype(np.int8)


def reference_cvar(values: np.ndarray, level: float) -> np.ndarray:
    """CVaR of each row of ``values`` (``m × S``) as ``max over η ∈ row of η − Σ (η − v)⁺ / (level S)``."""
    values = np.atleast_2d(np.asarray(values, dtype=float))
    rows, scenarios = values.shape
    result = np.empty(rows)
    step = max(1, CELLS_PER_CHUNK // (scenarios * scenarios))
    for start in range(0, rows, step):
        block = values[start:start + step]
        shortfall = np.maximum(block[:, :, None] - block[:, None, :], 0.0).sum(axis=2)
        result[start:start + step] = (block - shortfall / (level * scenarios)).max(axis=1)
    return result


def limit_names(instance: Instance) -> list[str]:
    """Names of the instance's limits, in the order :func:`to_problem` lists them (risk limits last)."""
    return [limit.name for limit in _linear_limits(instance)] + _risk_names(instance)


def satisfied(instance: Instance, selections: np.ndarray, with_cvar: bool = True) -> dict[str, np.ndarray]:
    """Whether each selection meets each limit, by limit name, checked directly from the description.

    Parameters
    ----------
    instance : Instance
        The problem.
    selections : numpy.ndarray
        ``m × n`` 0/1 selections.
    with_cvar : bool
        Whether to check the CVaR floor too (the slow one: ``m × S²`` work).

    Returns
    -------
    dict of str to numpy.ndarray
        ``m`` booleans per limit.
    """
    x = np.asarray(selections, dtype=np.int64)
    chosen = x.astype(bool)
    tolerance = 1e-9 * instance.scale
    checks: dict[str, np.ndarray] = {}
    if instance.budget is not None:
        checks["budget"] = x @ instance.cost <= instance.budget + tolerance
    if instance.fte_capacity is not None:
        checks["manager_fte"] = x @ instance.fte <= instance.fte_capacity + 1e-9
    for year, amount in sorted(instance.year_budgets.items()):
        checks[f"budget_{year}"] = x[:, instance.start_year == year] @ instance.cost[instance.start_year == year] \
            <= amount + tolerance
    for group, capacity in sorted(instance.sponsor_capacity.items()):
        checks[f"sponsor:S{group}"] = chosen[:, instance.sponsor == group].sum(axis=1) <= capacity
    if instance.min_count is not None:
        checks["min_alliances"] = chosen.sum(axis=1) >= instance.min_count
    if instance.max_count is not None:
        checks["max_alliances"] = chosen.sum(axis=1) <= instance.max_count
    for group in instance.exclusions:
        checks[_exclusion_name(group)] = chosen[:, list(group)].sum(axis=1) <= 1
    for candidate, requires in instance.dependencies:
        checks[_dependency_name(candidate, requires)] = ~chosen[:, candidate] | chosen[:, requires]
    for capability, least in sorted(instance.coverage.items()):
        checks[f"coverage:K{capability}"] = (chosen & instance.capabilities[capability]).sum(axis=1) >= least
    for family, members in (("force_in", instance.force_in), ("force_out", instance.force_out),
                            ("walk_away", instance.walk_away)):
        for candidate in sorted(members):
            checks[f"{family}:{candidate_id(candidate)}"] = chosen[:, candidate] == (family == "force_in")
    npv = x @ instance.scenarios.T
    if instance.cvar_floor is not None and with_cvar:
        checks[CVAR] = reference_cvar(npv, instance.cvar_level) >= instance.cvar_floor - tolerance
    if instance.max_loss_probability is not None:
        losses = (npv < 0).sum(axis=1)
        checks[LOSS] = losses <= instance.max_loss_probability * npv.shape[1] + 1e-9
    return checks


def brute_force(instance: Instance, keep: Collection[str] | None = None, maximise: str = "value") -> Reference:
    """The best selection by enumeration of all ``2^n``, under all limits or only those named in ``keep``.

    Parameters
    ----------
    instance : Instance
        The problem (``n ≤ 18`` or so).
    keep : collection of str, optional
        Names of the limits to apply (default: all).
    maximise : {"value", "cvar"}
        Maximise the objective values, or the CVaR.

    Returns
    -------
    Reference
        Best objective (or CVaR) and the optimal selections.
    """
    names = set(limit_names(instance) if keep is None else keep)
    selections = all_selections(instance.size)
    mask = np.ones(len(selections), dtype=bool)
    for name, ok in satisfied(instance, selections, with_cvar=False).items():
        if name in names:
            mask &= ok
    candidates = selections[mask]
    needs_cvar = maximise == "cvar" or (CVAR in names and instance.cvar_floor is not None)
    cvar = reference_cvar(candidates @ instance.scenarios.T, instance.cvar_level) if needs_cvar \
        else np.zeros(len(candidates))
    if CVAR in names and instance.cvar_floor is not None:
        ok = cvar >= instance.cvar_floor - 1e-9 * instance.scale
        candidates, cvar = candidates[ok], cvar[ok]
    if len(candidates) == 0:
        return Reference(None, candidates)
    score = cvar if maximise == "cvar" else candidates @ instance.value
    best = float(score.max())
    optimal = candidates[score >= best - 1e-9 * instance.scale]
    return Reference(best, optimal)


def is_feasible(instance: Instance, keep: Collection[str]) -> bool:
    """Whether some selection meets every limit named in ``keep`` (and no other)."""
    return brute_force(instance, keep).best is not None


def to_problem(instance: Instance) -> PortfolioProblem:
    """The instance as a :class:`PortfolioProblem`, with limits named as :func:`satisfied` names them."""
    ids = [candidate_id(index) for index in range(instance.size)]
    return PortfolioProblem(
        candidates=ids,
        names=[f"Partner {candidate}" for candidate in ids],
        value=instance.value.astype(float),
        expected_npv=instance.scenarios.mean(axis=0),
        fit=np.zeros(instance.size),
        scenarios=instance.scenarios.astype(float),
        limits=_linear_limits(instance),
        cvar_floor=instance.cvar_floor,
        cvar_level=instance.cvar_level,
        max_loss_probability=instance.max_loss_probability,
    )


def _risk_names(instance: Instance) -> list[str]:
    """Names of the risk limits the instance sets."""
    return ([CVAR] if instance.cvar_floor is not None else []) + \
        ([LOSS] if instance.max_loss_probability is not None else [])


def _exclusion_name(group: tuple[int, ...]) -> str:
    """``exclusion:C01+C03``."""
    return "exclusion:" + "+".join(candidate_id(candidate) for candidate in group)


def _dependency_name(candidate: int, requires: int) -> str:
    """``dependency:C01->C03``."""
    return f"dependency:{candidate_id(candidate)}->{candidate_id(requires)}"


def _linear_limits(instance: Instance) -> list[LinearLimit]:
    """One :class:`LinearLimit` per linear limit of the instance, in the order of :func:`satisfied`."""
    n = instance.size
    ones = np.ones(n)
    limits = []
    if instance.budget is not None:
        limits.append(LinearLimit("budget", "budget", instance.cost.astype(float), "<=", instance.budget,
                                  f"total investment at most {instance.budget:g}"))
    if instance.fte_capacity is not None:
        limits.append(LinearLimit("manager_fte", "manager_fte", instance.fte.astype(float), "<=",
                                  instance.fte_capacity, f"manager capacity at most {instance.fte_capacity:g} FTE"))
    for year, amount in sorted(instance.year_budgets.items()):
        limits.append(LinearLimit(f"budget_{year}", "budget_per_year",
                                  instance.cost * (instance.start_year == year), "<=", amount,
                                  f"investment starting in {year} at most {amount:g}"))
    for group, capacity in sorted(instance.sponsor_capacity.items()):
        limits.append(LinearLimit(f"sponsor:S{group}", "sponsor", (instance.sponsor == group).astype(float), "<=",
                                  capacity, f"sponsor S{group} carries at most {capacity}"))
    if instance.min_count is not None:
        limits.append(LinearLimit("min_alliances", "min_alliances", ones, ">=", instance.min_count,
                                  f"at least {instance.min_count} alliances"))
    if instance.max_count is not None:
        limits.append(LinearLimit("max_alliances", "max_alliances", ones, "<=", instance.max_count,
                                  f"at most {instance.max_count} alliances"))
    for group in instance.exclusions:
        coefficients = np.zeros(n)
        coefficients[list(group)] = 1.0
        limits.append(LinearLimit(_exclusion_name(group), "exclusion", coefficients, "<=", 1.0,
                                  "at most one of " + ", ".join(candidate_id(c) for c in group)))
    for candidate, requires in instance.dependencies:
        coefficients = np.zeros(n)
        coefficients[candidate] += 1.0
        coefficients[requires] -= 1.0
        limits.append(LinearLimit(_dependency_name(candidate, requires), "dependency", coefficients, "<=", 0.0,
                                  f"{candidate_id(candidate)} only together with {candidate_id(requires)}"))
    for capability, least in sorted(instance.coverage.items()):
        limits.append(LinearLimit(f"coverage:K{capability}", "coverage",
                                  instance.capabilities[capability].astype(float), ">=", least,
                                  f"capability K{capability} covered by at least {least} partners"))
    for family, members in (("force_in", instance.force_in), ("force_out", instance.force_out),
                            ("walk_away", instance.walk_away)):
        for candidate in sorted(members):
            coefficients = np.zeros(n)
            coefficients[candidate] = 1.0
            include = family == "force_in"
            limits.append(LinearLimit(f"{family}:{candidate_id(candidate)}", family, coefficients,
                                      ">=" if include else "<=", 1.0 if include else 0.0,
                                      f"{candidate_id(candidate)} is {FORCE_WORDS[family]}"))
    return limits


@st.composite
def instances(draw: st.DrawFn, min_size: int = 4, max_size: int = 12, max_scenarios: int = 40,
              cvar: bool | None = None, loss: bool | None = None) -> Instance:
    """Random instances with a random subset of every kind of limit, bounds drawn so that they often bind.

    Parameters
    ----------
    draw : callable
        Hypothesis's draw.
    min_size, max_size : int
        Range of the number of candidates.
    max_scenarios : int
        Most scenarios (at least 8 are drawn).
    cvar, loss : bool or None
        Always (True), never (False) or sometimes (None) a CVaR floor, and a loss-probability limit.

    Returns
    -------
    Instance
        Integer money amounts times a unit from :data:`MONEY_SCALES`, so sums are exact.
    """
    n = draw(st.integers(min_size, max_size))
    count = draw(st.integers(8, max(8, max_scenarios)))
    unit = draw(st.sampled_from(MONEY_SCALES))
    value = draw(arrays(np.int64, n, elements=st.integers(-20, 60))) * unit
    scenarios = draw(arrays(np.int64, (count, n), elements=st.integers(-60, 80))) * unit
    cost = draw(arrays(np.int64, n, elements=st.integers(1, 20)))
    start_year = draw(arrays(np.int64, n, elements=st.integers(2027, 2029)))
    fte = draw(arrays(np.int64, n, elements=st.integers(1, 6))) / 4
    sponsor = draw(arrays(np.int64, n, elements=st.integers(0, 3)))
    capabilities = draw(arrays(np.bool_, (3, n), elements=st.booleans()))
    on = {kind: draw(st.integers(0, 4)) < 2 for kind in ("budget", "years", "fte", "sponsor", "exclusion", "dependency",
                                                 "coverage", "min", "max", "force", "loss")}
    candidate = st.integers(0, n - 1)
    year_budgets = {int(year): _share_of(draw, cost[start_year == year].sum()) * unit
                    for year in draw(st.sets(st.integers(2027, 2029), min_size=1))} if on["years"] else {}
    exclusions = draw(st.sets(st.lists(candidate, min_size=2, max_size=3, unique=True).map(lambda g: tuple(sorted(g))),
                              min_size=1, max_size=2)) if on["exclusion"] else set()
    dependencies = draw(st.sets(st.tuples(candidate, candidate).filter(lambda pair: pair[0] != pair[1]),
                                min_size=1, max_size=2)) if on["dependency"] else set()
    instance = Instance(
        value=value, scenarios=scenarios, cost=cost * unit,
        budget=_share_of(draw, cost.sum()) * unit if on["budget"] else None,
        start_year=start_year, year_budgets=year_budgets, fte=fte,
        fte_capacity=_share_of(draw, 4 * fte.sum()) / 4 if on["fte"] else None,
        sponsor=sponsor,
        sponsor_capacity=draw(st.dictionaries(st.integers(0, 3), st.integers(0, 3), min_size=1, max_size=2))
        if on["sponsor"] else {},
        exclusions=tuple(sorted(exclusions)), dependencies=tuple(sorted(dependencies)),
        capabilities=capabilities,
        coverage=draw(st.dictionaries(st.integers(0, 2), st.integers(1, 2), min_size=1, max_size=2)) if on["coverage"] else {},
        min_count=draw(st.integers(1, n // 3 + 1)) if on["min"] else None,
        max_count=draw(st.integers(1, n)) if on["max"] else None,
        force_in=frozenset(draw(st.sets(candidate, max_size=2))) if on["force"] else frozenset(),
        force_out=frozenset(draw(st.sets(candidate, max_size=2))) if on["force"] else frozenset(),
        walk_away=frozenset(draw(st.sets(candidate, max_size=1))) if on["force"] else frozenset(),
        cvar_level=draw(st.sampled_from(CVAR_LEVELS)),
    )
    if loss if loss is not None else on["loss"]:
        instance = replace(instance, max_loss_probability=_draw_loss_limit(draw, instance))
    if cvar if cvar is not None else draw(st.booleans()):
        instance = replace(instance, cvar_floor=_draw_cvar_floor(draw, instance))
    return instance


def _share_of(draw: st.DrawFn, total: float) -> float:
    """A bound of 30 % to 90 % of ``total``, rounded up to a whole number (so it binds without float noise)."""
    return float(np.ceil(draw(st.sampled_from([0.7, 0.5, 0.3, 0.9])) * total))


def _draw_loss_limit(draw: st.DrawFn, instance: Instance) -> float:
    """A loss-probability limit at (or half a scenario above) the loss share of a random portfolio."""
    portfolio = draw(arrays(np.int8, instance.size, elements=st.integers(0, 1)))
    losses = int((instance.scenarios @ portfolio < 0).sum())
    return (losses + draw(st.sampled_from([0.0, 0.5]))) / len(instance.scenarios)


def _draw_cvar_floor(draw: st.DrawFn, instance: Instance) -> float:
    """A CVaR floor between the lowest and highest CVaR of a few random portfolios (often binding)."""
    portfolios = draw(arrays(np.int8, (4, instance.size), elements=st.integers(0, 1)))
    cvar = reference_cvar(portfolios @ instance.scenarios.T, instance.cvar_level)
    share = draw(st.sampled_from([0.0, 0.25, 0.5, 0.75, 1.0]))
    return float(cvar.min() + share * (cvar.max() - cvar.min()))
