"""The Monte Carlo engine: every candidate's draws, one joint draw per iteration, in seeded chunks of iterations.

A simulation of ``n`` iterations is cut into chunks of at most :data:`CHUNK_ITERATIONS` (sizes as equal as
possible, fixed by ``n`` alone). Each chunk is the unit of randomness: it draws from its own streams,
``SeedSequence(seed, spawn_key=(MONTE_CARLO_STREAM, kind, index, chunk))`` (what ``SeedSequence(seed).spawn``
gives down that path of children), so

- the shared drivers of a chunk come from one stream (kind ``DRIVERS``) and every candidate in the chunk sees the
  same driver values: the dependence between alliances is in the draws themselves;
- each candidate's own assumptions and risk events come from its stream (kind ``CANDIDATE``, index its
  :func:`~alliance_analytics.risk.analysis.stream_position`), so they do not depend on the other candidates;
- each group of assumptions rank-correlated across candidates is induced jointly (Iman–Conover) with the group's
  stream (kind ``GROUP``).

Chunks are grouped into blocks, the unit of work: one process runs the blocks one after the other, a Dask
cluster runs them on its workers (:func:`run`). Since no draw depends on how chunks are grouped, the results are
bit-identical for any number of blocks or workers. Memory is bounded by one chunk's working arrays plus the
outputs kept (two floats per candidate and iteration: NPV and payback).

In a chunk, every assumption is drawn from its distribution (or, with Latin hypercube sampling, the inverse
CDF of a hypercube stratified within the chunk), kept in its valid range, rank-correlated, and then moved by its
driver: ``value = draw × driver`` (``multiply``, e.g. a market-adoption index around 1) or ``value = draw +
driver`` (``add``, e.g. a regulator's extra months), kept in its valid range again. Risk events draw one uniform
each per iteration (:func:`~alliance_analytics.risk.events.sample_risk_impacts`); a mitigation changes only
the event's probability on the same uniforms (common random numbers), so its effect is evaluated on the
iterations where the event occurs and nowhere else, exactly.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from alliance_analytics.case.distributions import frozen, latin_hypercube, sample
from alliance_analytics.case.model import ADDITIVE_QUANTITIES, SHARE_QUANTITIES
from alliance_analytics.core.cluster import connect
from alliance_analytics.core.correlation import iman_conover_order, reorder_in_place
from alliance_analytics.risk.cash_flow import ValueThesis
from alliance_analytics.risk.kernel import outcomes

if TYPE_CHECKING:
    from scipy.stats._distn_infrastructure import rv_continuous_frozen

CHUNK_ITERATIONS = 32768
"""Most iterations in one chunk, the unit of randomness (its own seeded streams)."""
MONTE_CARLO_STREAM = 11
"""First word of every spawn key of the engine, apart from the other analyses' streams."""
SCHEDULER_ENV = "ALLIANCE_ANALYTICS_SCHEDULER"
"""Environment variable with a Dask scheduler's address: the report runner sets it for the kernels of a run
started with ``--scheduler``, and :func:`~alliance_analytics.risk.analysis.analyse_risk_simulation` then runs its
blocks there."""
CANDIDATE, DRIVERS, GROUP = 0, 1, 2
"""Second word of a spawn key: a candidate's own draws, the shared drivers, a cross-candidate correlation group."""


@dataclass(frozen=True)
class Marginal:
    """A distribution to draw from: one of ``DISTRIBUTIONS`` and its parameters by ``assumptions.csv`` column."""

    distribution: str
    parameters: tuple[tuple[str, float | None], ...]

    def draw(self, n: int, rng: np.random.Generator, uniforms: np.ndarray | None) -> np.ndarray:
        """``n`` draws, through the inverse CDF at ``uniforms`` when given (Latin hypercube)."""
        return sample(self.distribution, dict(self.parameters), n, rng, uniforms)

    def frozen(self) -> rv_continuous_frozen:
        """The distribution as a scipy frozen distribution (quantiles for a reader)."""
        return frozen(self.distribution, dict(self.parameters))


@dataclass(frozen=True)
class CandidatePlan:
    """What the engine needs of one candidate (picklable, no pandas).

    Attributes
    ----------
    candidate : str
        Its id.
    position : int
        Its random stream (:func:`~alliance_analytics.risk.analysis.stream_position`).
    assumptions : tuple of str
        Assumption ids, the columns of its draws.
    quantities : tuple of str
        Each assumption's quantity.
    marginals : tuple of Marginal
        Each assumption's distribution.
    drivers : tuple of (int or None, str or None)
        Each assumption's driver (position in :attr:`SimulationPlan.drivers`) and effect (``multiply``/``add``).
    correlation : tuple or None
        ``(columns, matrix)``: the rank correlations among its own assumptions (column positions, k × k).
    risk_ids : tuple of str
        Its risk events.
    probability, mitigated_probability, mitigation_cost, impact_min, impact_mode, impact_max : numpy.ndarray
        Per risk event, ``(r,)``; ``mitigated_probability`` is ``probability`` and ``mitigation_cost`` 0 where
        there is no mitigation.
    impact_type : tuple of str
        Per risk event.
    mitigations : tuple of int
        The risk events (positions) with a mitigation to value.
    investment : float
        The one-off investment when no assumption states it (``candidates.csv``).
    phase_out_years : float or None
        Years from its valuation date to the partner's phase-out.
    elapsed_years : float
        Years of its life already past (0: valued at its start).
    """

    candidate: str
    position: int
    assumptions: tuple[str, ...]
    quantities: tuple[str, ...]
    marginals: tuple[Marginal, ...]
    drivers: tuple[tuple[int | None, str | None], ...]
    correlation: tuple[tuple[int, ...], np.ndarray] | None
    risk_ids: tuple[str, ...]
    probability: np.ndarray
    mitigated_probability: np.ndarray
    mitigation_cost: np.ndarray
    impact_type: tuple[str, ...]
    impact_min: np.ndarray
    impact_mode: np.ndarray
    impact_max: np.ndarray
    mitigations: tuple[int, ...]
    investment: float
    phase_out_years: float | None
    elapsed_years: float = 0.0

    @property
    def driver_positions(self) -> list[int]:
        """The drivers it depends on, each once, in order of first use."""
        return list(dict.fromkeys(driver for driver, _ in self.drivers if driver is not None))


@dataclass(frozen=True)
class SimulationPlan:
    """A whole simulation: candidates, shared drivers, cross-candidate groups and the settings.

    Attributes
    ----------
    candidates : tuple of CandidatePlan
        The candidates simulated together.
    drivers : tuple of Marginal
        The shared drivers.
    driver_ids : tuple of str
        Their ids.
    groups : tuple of (int, tuple of (int, int), numpy.ndarray)
        Per group rank-correlated across candidates: its stream index (its position among the case's groups),
        its members as (candidate position in ``candidates``, assumption column) and its rank-correlation matrix.
    iterations, seed : int
        Monte Carlo iterations and seed.
    sampling : str
        ``random`` or ``lhs``.
    horizon_years : int
        Years of cash flow.
    discount_rate : float
        Annual discount rate.
    chunk_iterations : int
        Most iterations per chunk (:data:`CHUNK_ITERATIONS`).
    shared_drivers : bool
        True: one draw of each driver per iteration for all candidates. False: each candidate draws its drivers
        on its own (the same distributions, independent between candidates): what the risk would be if the
        drivers were not shared.
    """

    candidates: tuple[CandidatePlan, ...]
    drivers: tuple[Marginal, ...] = ()
    driver_ids: tuple[str, ...] = ()
    groups: tuple[tuple[int, tuple[tuple[int, int], ...], np.ndarray], ...] = ()
    iterations: int = 10_000
    seed: int = 0
    sampling: str = "random"
    horizon_years: int = 10
    discount_rate: float = 0.1
    chunk_iterations: int = CHUNK_ITERATIONS
    shared_drivers: bool = True

    @property
    def chunks(self) -> list[int]:
        """The iterations of each chunk: ``ceil(n / chunk_iterations)`` chunks, sizes as equal as possible."""
        return chunk_sizes(self.iterations, self.chunk_iterations)


@dataclass
class Draws:
    """One candidate's inputs in one chunk.

    Attributes
    ----------
    values : numpy.ndarray
        Its assumptions as used, assumptions × iterations (one contiguous row per assumption).
    risk_uniforms : numpy.ndarray
        Iterations × its risk events, uniforms in [0, 1).
    drivers : numpy.ndarray
        Every driver's values as this candidate meets them, drivers × iterations.
    """

    values: np.ndarray
    risk_uniforms: np.ndarray
    drivers: np.ndarray


@dataclass
class Outcome:
    """One candidate's outcome on some iterations.

    Attributes
    ----------
    npv, payback : numpy.ndarray
        Per iteration.
    flow_sum : numpy.ndarray
        Cash flow per year summed over the iterations, ``(H + 1,)``.
    realised : numpy.ndarray or None
        Iterations × risk events: each event's realised impact (0 where it did not occur); only when asked.
    mitigation_sums : numpy.ndarray
        Per mitigation: the summed change of NPV when it is bought (its cost not included).
    """

    npv: np.ndarray
    payback: np.ndarray
    flow_sum: np.ndarray
    realised: np.ndarray | None
    mitigation_sums: np.ndarray


@dataclass
class CandidateRun:
    """One candidate's simulation over every iteration, assembled from the chunks in order.

    Attributes
    ----------
    npv, payback : numpy.ndarray
        Per iteration, ``(n,)``.
    mean_cash_flows : numpy.ndarray
        Mean cash flow per year.
    mitigation_changes : numpy.ndarray
        Per mitigation (in :attr:`CandidatePlan.mitigations` order): the change of mean NPV when it is bought,
        its cost included.
    inputs : numpy.ndarray or None
        When kept: iterations × (assumptions, risk events' realised impacts, drivers used).
    """

    npv: np.ndarray
    payback: np.ndarray
    mean_cash_flows: np.ndarray
    mitigation_changes: np.ndarray
    inputs: np.ndarray | None = None


@dataclass
class ChunkResult:
    """What one chunk hands back: per candidate its outcome (and inputs when kept)."""

    index: int
    outcomes: list[Outcome]
    inputs: list[np.ndarray | None] = field(default_factory=list)


def chunk_sizes(iterations: int, chunk_iterations: int = CHUNK_ITERATIONS) -> list[int]:
    """The iterations of each chunk of a simulation.

    Parameters
    ----------
    iterations : int
        Iterations in all, ``>= 1``.
    chunk_iterations : int
        Most iterations per chunk, ``>= 1``.

    Returns
    -------
    list of int
        ``ceil(iterations / chunk_iterations)`` sizes that differ by at most one, larger first, summing to
        ``iterations``.

    Examples
    --------
    >>> chunk_sizes(10, 4)
    [4, 3, 3]
    """
    count = math.ceil(iterations / chunk_iterations)
    base, extra = divmod(iterations, count)
    return [base + 1] * extra + [base] * (count - extra)


def stream(seed: int, kind: int, index: int, chunk: int) -> np.random.Generator:
    """The generator of one chunk's draws of one kind (``CANDIDATE``, ``DRIVERS`` or ``GROUP``).

    Parameters
    ----------
    seed : int
        The simulation's seed.
    kind, index, chunk : int
        What draws (kind and its index: a candidate's stream position, 0 for the shared drivers, a group's
        position) and in which chunk.

    Returns
    -------
    numpy.random.Generator
        PCG64 seeded by ``SeedSequence(seed, spawn_key=(MONTE_CARLO_STREAM, kind, index, chunk))``.
    """
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(MONTE_CARLO_STREAM, kind, index, chunk)))


def clipped_to_range(quantity: str, values: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """Keep sampled values of a quantity in their valid range: shares within 0..1, everything else not below 0.

    Parameters
    ----------
    quantity : str
        The assumption's quantity (``assumptions.csv``).
    values : numpy.ndarray
        Sampled values, any shape.
    out : numpy.ndarray, optional
        Where to write the result (the same shape; may be ``values`` itself); default a new array.

    Returns
    -------
    numpy.ndarray
        Same shape (``out`` when given).

    Examples
    --------
    >>> clipped_to_range("gross_margin", np.array([-0.1, 0.5, 1.2])).tolist(), clipped_to_range("launch_months", -2.0)
    ([0.0, 0.5, 1.0], np.float64(0.0))
    """
    return np.clip(values, 0.0, 1.0, out=out) if quantity in SHARE_QUANTITIES else np.maximum(values, 0.0, out=out)


def draw_chunk(plan: SimulationPlan, chunk: int) -> list[Draws]:
    """Every candidate's inputs in one chunk: drivers, own draws, correlations, drivers applied.

    Parameters
    ----------
    plan : SimulationPlan
        The simulation.
    chunk : int
        The chunk, ``0 <= chunk < len(plan.chunks)``.

    Returns
    -------
    list of Draws
        One per candidate of the plan, in its order.
    """
    m = plan.chunks[chunk]
    lhs = plan.sampling == "lhs"
    shared = _draw_drivers(plan, 0, chunk, m) if plan.shared_drivers else None
    draws = []
    for spec in plan.candidates:
        rng = stream(plan.seed, CANDIDATE, spec.position, chunk)
        k, r = len(spec.assumptions), len(spec.risk_ids)
        uniforms = latin_hypercube(rng, m, k + r) if lhs else None
        values = np.empty((k, m))
        for column, (quantity, marginal) in enumerate(zip(spec.quantities, spec.marginals)):
            clipped_to_range(quantity, marginal.draw(m, rng, None if uniforms is None else uniforms[:, column]),
                             out=values[column])
        if spec.correlation is not None:
            columns, matrix = spec.correlation
            reorder_in_place([values[column] for column in columns], iman_conover_order(m, matrix, rng))
        risk_uniforms = rng.random((m, r)) if uniforms is None else uniforms[:, k:]
        drivers = shared if shared is not None else _draw_drivers(plan, 1 + spec.position, chunk, m)
        draws.append(Draws(values, risk_uniforms, drivers))
    for number, members, matrix in plan.groups:
        order = iman_conover_order(m, matrix, stream(plan.seed, GROUP, number, chunk))
        reorder_in_place([draws[candidate].values[column] for candidate, column in members], order)
    for spec, drawn in zip(plan.candidates, draws):
        for column, (driver, effect) in enumerate(spec.drivers):
            if driver is None:
                continue
            row = drawn.values[column]
            (np.multiply if effect == "multiply" else np.add)(row, drawn.drivers[driver], out=row)
            clipped_to_range(spec.quantities[column], row, out=row)
    return draws


def _draw_drivers(plan: SimulationPlan, index: int, chunk: int, m: int) -> np.ndarray:
    """The drivers' values in one chunk, drivers × ``m``, from the stream ``(DRIVERS, index, chunk)``."""
    if not plan.drivers:
        return np.empty((0, m))
    rng = stream(plan.seed, DRIVERS, index, chunk)
    uniforms = latin_hypercube(rng, m, len(plan.drivers)) if plan.sampling == "lhs" else None
    return np.stack([marginal.draw(m, rng, None if uniforms is None else uniforms[:, column])
                     for column, marginal in enumerate(plan.drivers)])


def value_thesis(spec: CandidatePlan, values: np.ndarray) -> ValueThesis:
    """Combine one candidate's assumption columns by quantity (additive quantities add up).

    A candidate without an ``investment`` assumption invests what ``candidates.csv`` says, fixed: the one-off
    investment is never left out of its NPV.

    Parameters
    ----------
    spec : CandidatePlan
        The candidate.
    values : numpy.ndarray
        Its assumptions × iterations.

    Returns
    -------
    ValueThesis
    """
    n = values.shape[1]
    quantities: dict[str, np.ndarray] = {"investment": np.full(n, spec.investment)}
    for quantity in dict.fromkeys(spec.quantities):
        rows = [row for row, name in enumerate(spec.quantities) if name == quantity]
        quantities[quantity] = (values[rows].sum(axis=0) if quantity in ADDITIVE_QUANTITIES and len(rows) > 1
                                else values[rows[0]])
    return ValueThesis.from_arrays(n, **quantities)


def evaluate(spec: CandidatePlan, values: np.ndarray, risk_uniforms: np.ndarray, horizon_years: int,
             discount_rate: float, mitigate: bool = True, keep_realised: bool = False) -> Outcome:
    """One candidate's NPV, payback and cash flows on some iterations, and what each mitigation changes.

    Parameters
    ----------
    spec : CandidatePlan
        The candidate.
    values : numpy.ndarray
        Its assumptions × iterations, as used.
    risk_uniforms : numpy.ndarray
        Iterations × its risk events, uniforms in [0, 1).
    horizon_years : int
        Years of cash flow.
    discount_rate : float
        Annual discount rate.
    mitigate : bool
        Value the mitigations (False: ``mitigation_sums`` is empty).
    keep_realised : bool
        Hand back the risk events' realised impacts (for the inputs table).

    Returns
    -------
    Outcome
    """
    thesis = value_thesis(spec, values)
    realised = np.empty(risk_uniforms.shape) if keep_realised else None

    def outcome(probability: np.ndarray, realised: np.ndarray | None = None,
                rows: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        return outcomes(thesis, risk_uniforms, probability, spec.impact_type, spec.impact_min, spec.impact_mode,
                        spec.impact_max, horizon_years, spec.phase_out_years, spec.elapsed_years, discount_rate,
                        realised, rows)

    values_npv, payback, flow_sum = outcome(spec.probability, realised)
    sums = np.zeros(len(spec.mitigations) if mitigate else 0)
    for number in range(sums.size):
        event = spec.mitigations[number]
        rows = np.flatnonzero(risk_uniforms[:, event] >= 1 - spec.probability[event])  # only these can change
        if rows.size == 0:
            continue
        probability = spec.probability.copy()
        probability[event] = spec.mitigated_probability[event]
        changed = outcome(probability, rows=rows)[0]
        sums[number] = float(np.sum(changed - values_npv[rows]))
    return Outcome(values_npv, payback, flow_sum, realised, sums)


def simulate_chunk(plan: SimulationPlan, chunk: int, keep_inputs: bool = False,
                   mitigate: bool = True) -> ChunkResult:
    """Draw and evaluate one chunk for every candidate.

    Parameters
    ----------
    plan : SimulationPlan
        The simulation.
    chunk : int
        The chunk.
    keep_inputs : bool
        Hand back each candidate's inputs (assumptions, realised risk impacts, drivers used).
    mitigate : bool
        Value the mitigations.

    Returns
    -------
    ChunkResult
    """
    result = ChunkResult(chunk, [], [])
    for spec, drawn in zip(plan.candidates, draw_chunk(plan, chunk)):
        outcome = evaluate(spec, drawn.values, drawn.risk_uniforms, plan.horizon_years, plan.discount_rate, mitigate,
                           keep_realised=keep_inputs)
        result.outcomes.append(outcome)
        result.inputs.append(np.hstack([drawn.values.T, outcome.realised, drawn.drivers[spec.driver_positions].T])
                             if keep_inputs else None)
    return result


def simulate_block(plan: SimulationPlan, chunks: Sequence[int], keep_inputs: bool = False,
                   mitigate: bool = True) -> list[ChunkResult]:
    """Simulate a block of chunks one after the other (the unit of work a worker runs).

    Parameters
    ----------
    plan : SimulationPlan
        The simulation.
    chunks : sequence of int
        The chunks of the block.
    keep_inputs, mitigate : bool
        As :func:`simulate_chunk`.

    Returns
    -------
    list of ChunkResult
        In the order of ``chunks``.
    """
    return [simulate_chunk(plan, chunk, keep_inputs, mitigate) for chunk in chunks]


def blocks_of(chunks: int, blocks: int) -> list[range]:
    """Split chunks ``0 … chunks − 1`` into at most ``blocks`` contiguous blocks of nearly equal size.

    Parameters
    ----------
    chunks, blocks : int
        Number of chunks and of blocks wanted, both ``>= 1``.

    Returns
    -------
    list of range
        Non-empty, in order, covering every chunk once.

    Examples
    --------
    >>> blocks_of(5, 2)
    [range(0, 3), range(3, 5)]
    """
    sizes = chunk_sizes(chunks, math.ceil(chunks / min(blocks, chunks)))
    starts = np.concatenate([[0], np.cumsum(sizes)])
    return [range(int(start), int(stop)) for start, stop in itertools.pairwise(starts)]


def run(plan: SimulationPlan, keep_inputs: bool = False, mitigate: bool = True, blocks: int | None = None,
        scheduler: Any = None) -> list[CandidateRun]:
    """Simulate every chunk of the plan, locally or on a Dask cluster, and assemble each candidate's run.

    Parameters
    ----------
    plan : SimulationPlan
        The simulation.
    keep_inputs : bool
        Keep every candidate's inputs (iterations × inputs; dominates memory at scale).
    mitigate : bool
        Value the mitigations.
    blocks : int, optional
        Blocks of chunks to run (default: one per chunk on a cluster, one in all locally). Any number gives the
        same results.
    scheduler : str or distributed.Client, optional
        A Dask scheduler's address (``tcp://host:8786``) or a connected client: the blocks run on its workers,
        which need this package installed. None: in this process.

    Returns
    -------
    list of CandidateRun
        One per candidate of the plan, in its order.

    Raises
    ------
    InputError
        When the scheduler cannot be reached.
    """
    sizes = plan.chunks
    n = plan.iterations
    starts = np.concatenate([[0], np.cumsum(sizes)]).astype(int)
    runs = [CandidateRun(np.empty(n), np.empty(n), np.zeros(0), np.zeros(0)) for _ in plan.candidates]
    flow_sums: list[list[np.ndarray]] = [[] for _ in plan.candidates]
    mitigation_sums: list[list[np.ndarray]] = [[] for _ in plan.candidates]
    inputs: list[list[np.ndarray]] = [[] for _ in plan.candidates]

    def keep(result: ChunkResult) -> None:
        rows = slice(starts[result.index], starts[result.index + 1])
        for position, outcome in enumerate(result.outcomes):
            runs[position].npv[rows] = outcome.npv
            runs[position].payback[rows] = outcome.payback
            flow_sums[position].append(outcome.flow_sum)
            mitigation_sums[position].append(outcome.mitigation_sums)
            if keep_inputs:
                inputs[position].append(result.inputs[position])

    work = blocks_of(len(sizes), blocks or (len(sizes) if scheduler is not None else 1))
    for result in _results(plan, work, keep_inputs, mitigate, scheduler):
        keep(result)
    costs = [spec.mitigation_cost[list(spec.mitigations)] if mitigate else np.zeros(0) for spec in plan.candidates]
    for position, candidate_run in enumerate(runs):
        candidate_run.mean_cash_flows = np.add.reduce(np.stack(flow_sums[position]), axis=0) / n
        candidate_run.mitigation_changes = (np.add.reduce(np.stack(mitigation_sums[position]), axis=0) / n
                                            - costs[position])
        candidate_run.inputs = np.concatenate(inputs[position]) if keep_inputs else None
    return runs


def _results(plan: SimulationPlan, work: list[range], keep_inputs: bool, mitigate: bool,
             scheduler: Any) -> Iterator[ChunkResult]:
    """Every chunk's result in order: computed one at a time in this process (so only one chunk's working arrays
    live at once), or gathered block by block from the cluster as each block is done."""
    if scheduler is None:
        yield from (simulate_chunk(plan, chunk, keep_inputs, mitigate) for block in work for chunk in block)
        return
    client = connect(scheduler) if isinstance(scheduler, str) else scheduler
    try:
        shared = client.scatter(plan, broadcast=True)
        futures = client.map(simulate_block, [shared] * len(work), [list(block) for block in work],
                             keep_inputs=keep_inputs, mitigate=mitigate, pure=False)
        for future in futures:
            yield from future.result()
            future.release()
    finally:
        if client is not scheduler:
            client.close()


def transform_and_evaluate(plan: SimulationPlan, position: int,
                           transform: Callable[[np.ndarray], np.ndarray] | None = None,
                           mitigate: bool = False) -> tuple[CandidateRun, np.ndarray]:
    """One candidate's simulation with its sampled assumptions changed as a whole before the cash flows.

    The draws of every chunk are made first (as :func:`run` makes them), the candidate's assumptions (iterations
    × assumptions) are passed to ``transform`` all at once (a posterior mapping, a restructuring's factors), and
    the outcome is evaluated chunk by chunk, so with no transform the NPVs are bit-identical to :func:`run`'s.

    Parameters
    ----------
    plan : SimulationPlan
        The simulation (the candidate and any candidates it is rank-correlated with).
    position : int
        The candidate's position in ``plan.candidates``.
    transform : callable, optional
        Iterations × assumptions → the same shape.
    mitigate : bool
        Value the mitigations.

    Returns
    -------
    run : CandidateRun
        With ``inputs``: iterations × (assumptions as used, realised risk impacts, drivers used).
    risk_uniforms : numpy.ndarray
        Iterations × risk events.
    """
    spec = plan.candidates[position]
    drawn = [draw_chunk(plan, chunk)[position] for chunk in range(len(plan.chunks))]
    values = np.concatenate([part.values for part in drawn], axis=1)
    if transform is not None:
        values = np.ascontiguousarray(transform(values.T).T)
    uniforms = np.concatenate([part.risk_uniforms for part in drawn])
    starts = np.concatenate([[0], np.cumsum(plan.chunks)]).astype(int)
    outcomes = [evaluate(spec, values[:, start:stop], uniforms[start:stop], plan.horizon_years, plan.discount_rate,
                         mitigate, keep_realised=True) for start, stop in itertools.pairwise(starts)]
    drivers = np.concatenate([part.drivers[spec.driver_positions] for part in drawn], axis=1).T
    realised = np.concatenate([outcome.realised for outcome in outcomes])
    cost = spec.mitigation_cost[list(spec.mitigations)] if mitigate else np.zeros(0)
    candidate_run = CandidateRun(
        np.concatenate([outcome.npv for outcome in outcomes]), np.concatenate([outcome.payback for outcome in outcomes]),
        np.add.reduce(np.stack([outcome.flow_sum for outcome in outcomes]), axis=0) / plan.iterations,
        np.add.reduce(np.stack([outcome.mitigation_sums for outcome in outcomes]), axis=0) / plan.iterations - cost,
        np.hstack([values.T, realised, drivers]))
    return candidate_run, uniforms
