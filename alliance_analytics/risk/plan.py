"""From a case to the Monte Carlo engine's :class:`~alliance_analytics.risk.engine.SimulationPlan`.

:func:`simulation_plan` gathers what the engine needs of the candidates asked for (and of any candidate their
assumptions are rank-correlated with, which must be drawn with them), every shared driver of ``drivers.csv``
(all of them, always in the same order, so a driver's values in an iteration do not depend on which candidates
are simulated) and the cross-candidate correlation groups, as plain arrays that pickle to a Dask worker.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import numpy as np
import pandas as pd

from alliance_analytics.case.case import Case
from alliance_analytics.case.vocabulary import PARAMETER_COLUMNS
from alliance_analytics.risk.engine import CHUNK_ITERATIONS, CandidatePlan, Marginal, SimulationPlan


def simulation_plan(case: Case, candidates: Sequence[str], iterations: int, seed: int, sampling: str,
                    elapsed: dict[str, float] | None = None, shared_drivers: bool = True,
                    chunk_iterations: int = CHUNK_ITERATIONS) -> tuple[SimulationPlan, list[int]]:
    """The engine's plan for some candidates of a case.

    Parameters
    ----------
    case : Case
        A validated case.
    candidates : sequence of str
        Proposed candidates' or alliances in flight's ids (a proposed candidate is valued at ``as_of``, an
        alliance in flight at its ``start_date``).
    iterations, seed : int
        Monte Carlo iterations and seed.
    sampling : {"random", "lhs"}
        The sampling method.
    elapsed : dict of str to float, optional
        Per alliance in flight, years of its life already past (see
        :func:`~alliance_analytics.risk.cash_flow.cash_flows`); others 0.
    shared_drivers : bool
        False: each candidate draws the drivers on its own (independent between candidates).
    chunk_iterations : int
        Most iterations per chunk.

    Returns
    -------
    plan : SimulationPlan
        Its candidates are ``candidates`` followed by the candidates they are rank-correlated with.
    positions : list of int
        Where each of ``candidates`` is in ``plan.candidates``.

    Raises
    ------
    KeyError
        For an id that is neither a proposed candidate nor an alliance in flight.
    """
    wanted = list(dict.fromkeys(candidates))
    groups = [[name.partition(":") for name in matrix.index] for matrix in case.cross_correlations]
    for members in groups:
        owners = [owner for owner, _, _ in members]
        if set(owners) & set(wanted):
            wanted += [owner for owner in dict.fromkeys(owners) if owner not in wanted]
    specs = tuple(_candidate_plan(case, candidate, (elapsed or {}).get(candidate, 0.0)) for candidate in wanted)
    index = {candidate: position for position, candidate in enumerate(wanted)}
    plan_groups = tuple(
        (number, tuple((index[owner], specs[index[owner]].assumptions.index(name)) for owner, _, name in members),
         matrix.to_numpy())
        for number, (members, matrix) in enumerate(zip(groups, case.cross_correlations))
        if members[0][0] in index)
    drivers = case.drivers
    finance = case.settings.finance
    plan = SimulationPlan(
        candidates=specs, drivers=tuple(marginal(row) for _, row in drivers.iterrows()),
        driver_ids=tuple(drivers.index), groups=plan_groups, iterations=int(iterations), seed=int(seed),
        sampling=sampling, horizon_years=finance.horizon_years, discount_rate=finance.discount_rate,
        chunk_iterations=chunk_iterations, shared_drivers=shared_drivers)
    return plan, [index[candidate] for candidate in dict.fromkeys(candidates)]


def stream_position(case: Case, candidate: str) -> int:
    """Which random stream of the case's seed a candidate or alliance draws from.

    Proposed candidates draw from streams 0, 1, … in ``candidates.csv`` order, alliances in flight from the
    streams after them.

    Parameters
    ----------
    case : Case
        A validated case.
    candidate : str
        A proposed candidate's or an alliance in flight's id.

    Returns
    -------
    int

    Raises
    ------
    KeyError
        For an id that is neither.
    """
    if candidate in case.candidates.index:
        return int(case.candidates.index.get_loc(candidate))
    return len(case.candidates) + int(case.alliances.index.get_loc(candidate))


def years_until(as_of: dt.date, date: dt.date | None) -> float | None:
    """Years (days / 365.25) from ``as_of`` to ``date``, never negative; None when there is no date.

    Parameters
    ----------
    as_of : datetime.date
        From.
    date : datetime.date or None
        To.

    Returns
    -------
    float or None
    """
    if date is None or pd.isna(date):
        return None
    return max((pd.Timestamp(date) - pd.Timestamp(as_of)).days / 365.25, 0.0)


def _candidate_plan(case: Case, candidate: str, elapsed: float) -> CandidatePlan:
    """One candidate's part of the plan."""
    proposed = candidate in case.candidates.index
    record = case.candidates.loc[candidate] if proposed else case.alliances.loc[candidate]
    as_of = case.settings.as_of if proposed else record["start_date"]
    rows = case.assumptions[case.assumptions["candidate_id"] == candidate]
    risks = case.risks[case.risks["candidate_id"] == candidate]
    ids = tuple(rows["assumption_id"])
    driver_ids = list(case.drivers.index)
    correlation = None
    if candidate in case.correlations:
        matrix = case.correlations[candidate]
        correlation = (tuple(ids.index(name) for name in matrix.index), matrix.to_numpy())
    probability = risks["probability"].to_numpy(dtype=float)
    return CandidatePlan(
        candidate=candidate, position=stream_position(case, candidate), assumptions=ids,
        quantities=tuple(rows["quantity"]), marginals=tuple(marginal(row) for _, row in rows.iterrows()),
        drivers=tuple((None, None) if pd.isna(driver) else (driver_ids.index(driver), effect)
                      for driver, effect in zip(rows["driver_id"], rows["driver_effect"])),
        correlation=correlation, risk_ids=tuple(risks["risk_id"]), probability=probability,
        mitigated_probability=risks["mitigated_probability"].fillna(risks["probability"]).to_numpy(dtype=float),
        mitigation_cost=risks["mitigation_cost"].fillna(0).to_numpy(dtype=float),
        impact_type=tuple(risks["impact_type"]), impact_min=risks["impact_min"].to_numpy(dtype=float),
        impact_mode=risks["impact_mode"].to_numpy(dtype=float), impact_max=risks["impact_max"].to_numpy(dtype=float),
        mitigations=tuple(int(i) for i in np.flatnonzero(risks["mitigation"].notna().to_numpy())),
        investment=float(record["investment"]), phase_out_years=years_until(as_of, record["phase_out_date"]),
        elapsed_years=float(elapsed))


def marginal(row: pd.Series) -> Marginal:
    """An assumption's or driver's distribution, from its row of ``assumptions.csv`` or ``drivers.csv``.

    Parameters
    ----------
    row : pandas.Series
        With ``distribution`` and the parameter columns (blank ones NaN or None).

    Returns
    -------
    Marginal
    """
    return Marginal(str(row["distribution"]), tuple(
        (column, None if pd.isna(row[column]) else float(row[column])) for column in PARAMETER_COLUMNS))
