"""Knock-outs: the strategy gate and red flags.

A knocked-out candidate is a walk-away recommendation with its reasons written out, never a silent filter.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from alliance_analytics.case.model import Criterion, Strategy
from alliance_analytics.core.formatting import format_date
from alliance_analytics.core.scoring import below


def add_months(start: dt.date, months: np.ndarray) -> np.ndarray:
    """Dates ``months`` calendar months after ``start``, the day clipped to the end of shorter months.

    Parameters
    ----------
    start : datetime.date
        The starting date.
    months : numpy.ndarray
        Whole months to add, one per result.

    Returns
    -------
    numpy.ndarray
        ``datetime64[D]`` dates.

    Examples
    --------
    >>> add_months(dt.date(2026, 1, 31), np.array([1, 12, 25])).tolist()
    [datetime.date(2026, 2, 28), datetime.date(2027, 1, 31), datetime.date(2028, 2, 29)]
    """
    month = np.datetime64(start, "M") + np.asarray(months).astype("timedelta64[M]")
    first_day = month.astype("datetime64[D]")
    days_in_month = ((month + 1).astype("datetime64[D]") - first_day).astype(int)
    return first_day + (np.minimum(start.day, days_in_month) - 1).astype("timedelta64[D]")


def strategy_gate(candidates: pd.DataFrame, strategy: Strategy, as_of: dt.date) -> pd.DataFrame:
    """Check every candidate against the strategy.

    A candidate fails when its offering is phased out before the strategic horizon, or before the
    alliance would pay back (``as_of`` plus ``payback_months``), when it serves none of the strategy's
    objectives, or when it does not support a required objective.

    Parameters
    ----------
    candidates : pandas.DataFrame
        Indexed by candidate id, with columns ``phase_out_date``, ``payback_months`` and ``objectives``.
    strategy : Strategy
        The case's strategy (objectives and horizon).
    as_of : datetime.date
        The evaluation date payback is counted from.

    Returns
    -------
    pandas.DataFrame
        Indexed like ``candidates``, with ``phase_out_date``, ``payback_date`` (``as_of`` plus
        ``payback_months``), ``gate_passed`` (bool) and ``gate_reasons`` (list of str, empty when passed).
    """
    phase_out = pd.to_datetime(candidates["phase_out_date"])
    payback = pd.Series(add_months(as_of, candidates["payback_months"].to_numpy(dtype=int)),
                        index=candidates.index).astype("datetime64[ns]")
    before_horizon = phase_out < pd.Timestamp(strategy.horizon)
    before_payback = phase_out < payback
    serves_none = candidates["objectives"].map(len) == 0
    reasons = pd.Series([[] for _ in candidates.index], index=candidates.index, dtype=object)
    for candidate in candidates.index[before_horizon]:
        reasons[candidate].append(
            f"its offering is phased out on {format_date(phase_out[candidate])}, before the strategic horizon "
            f"{format_date(strategy.horizon)}"
        )
    for candidate in candidates.index[before_payback]:
        reasons[candidate].append(
            f"its offering is phased out on {format_date(phase_out[candidate])}, before the alliance would pay back "
            f"({format_date(payback[candidate])}, {candidates.at[candidate, 'payback_months']} months after "
            f"{format_date(as_of)})"
        )
    for candidate in candidates.index[serves_none]:
        reasons[candidate].append("it serves none of the strategy's objectives")
    for objective in (objective for objective in strategy.objectives if objective.required):
        lacking = candidates.index[~candidates["objectives"].map(lambda served, wanted=objective.id: wanted in served)]
        for candidate in lacking:
            reasons[candidate].append(
                f"it does not support required objective {objective.id} ({objective.description})"
            )
    return pd.DataFrame({"phase_out_date": candidates["phase_out_date"], "payback_date": payback.dt.date,
                         "gate_passed": reasons.map(len) == 0, "gate_reasons": reasons})


def red_flags(aggregated: pd.DataFrame, criteria: list[Criterion]) -> pd.DataFrame:
    """Find aggregated criterion scores below their red-flag thresholds.

    Parameters
    ----------
    aggregated : pandas.DataFrame
        Candidates × criteria of aggregated scores.
    criteria : list of Criterion
        The case's criteria; those with ``red_flag_below`` set are checked (clearly below, beyond float noise, knocks out).

    Returns
    -------
    pandas.DataFrame
        Indexed like ``aggregated``, with ``red_flags`` (list of flagged criterion ids) and
        ``red_flag_reasons`` (list of str).
    """
    flagged = pd.Series([[] for _ in aggregated.index], index=aggregated.index, dtype=object)
    reasons = pd.Series([[] for _ in aggregated.index], index=aggregated.index, dtype=object)
    for criterion in (criterion for criterion in criteria if criterion.red_flag_below is not None):
        for candidate in aggregated.index[below(aggregated[criterion.id], criterion.red_flag_below)]:
            flagged[candidate].append(criterion.id)
            reasons[candidate].append(
                f"red flag on {criterion.name}: scored {aggregated.at[candidate, criterion.id]:.2f}, "
                f"below the threshold {criterion.red_flag_below:g}"
            )
    return pd.DataFrame({"red_flags": flagged, "red_flag_reasons": reasons})


def gate_outlook(candidates: pd.DataFrame, strategy: Strategy, as_of: dt.date) -> list[str]:
    """What the strategy gate will do to the candidates, in business words, before any analysis runs.

    Parameters
    ----------
    candidates, strategy, as_of
        As for :func:`strategy_gate`.

    Returns
    -------
    list of str
        One sentence per cause that fails candidates (a required objective they lack, an offering phased out
        too early, no objective served), naming how many and which; empty when every candidate passes.

    Examples
    --------
    >>> from alliance_analytics import load_case
    >>> from alliance_analytics.core.paths import SAMPLE_CASE_DIR
    >>> case = load_case(SAMPLE_CASE_DIR)
    >>> gate_outlook(case.candidates, case.settings.strategy, case.settings.as_of)[0]
    '1 of 13 candidates does not support required objective O3 (Keep patient data in the EU (GDPR and data residency)) and will fail the strategy gate: C07.'
    """
    gate = strategy_gate(candidates, strategy, as_of)
    reasons = gate["gate_reasons"]
    causes: list[tuple[str, str, list[str]]] = [
        (f"does not support required objective {objective.id} ({objective.description})",
         f"do not support required objective {objective.id} ({objective.description})",
         [c for c, found in reasons.items() if any(r.startswith(f"it does not support required objective "
                                                                 f"{objective.id} ") for r in found)])
        for objective in strategy.objectives if objective.required]
    causes.append(("is phased out before the strategic horizon or before the alliance would pay back",
                   "are phased out before the strategic horizon or before the alliance would pay back",
                   [c for c, found in reasons.items() if any(r.startswith("its offering is phased out") for r in found)]))
    causes.append(("serves none of the strategy's objectives", "serve none of the strategy's objectives",
                   [c for c, found in reasons.items() if "it serves none of the strategy's objectives" in found]))
    total = len(gate)
    lines = [f"{len(names)} of {total} {'candidate' if total == 1 else 'candidates'} "
             f"{singular if len(names) == 1 else plural} and will fail the strategy gate: {', '.join(names)}."
             for singular, plural, names in causes if names]
    if total and not bool(gate["gate_passed"].any()):
        lines.append("No candidate will pass the strategy gate: every analysis will report only walk-aways.")
    return lines
