"""The risk events and the cash-flow model fused into one compiled pass per iteration: NPV, payback, yearly sums.

:func:`~alliance_analytics.risk.cash_flow.cash_flows` states the model with numpy arrays (iterations × years),
which costs a dozen passes over memory and as many temporary matrices; :func:`outcomes` computes the same
yearly flows one iteration at a time in registers, compiled by Numba (Lam, Pitrou & Seibert 2015, "Numba: a
LLVM-based Python JIT compiler"), and keeps only what the simulation needs: each iteration's NPV and payback year,
and the flows summed over iterations. The arithmetic is the model's, operation for operation (no fast-math
reordering), so the flows equal :func:`~alliance_analytics.risk.cash_flow.cash_flows`'; the NPV sums the
discounted flows year by year. ``tests/risk/test_kernel.py`` checks both against the numpy model. The compiled
code is cached beside this module, so only the first run on a machine compiles it (about a second).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from numba import njit

from alliance_analytics.risk.cash_flow import ValueThesis

IMPACT_CODES = {"delay_months": 0, "one_off_cost": 1, "revenue_loss_pct": 2}
"""The risk events' impact types as the compiled code knows them."""


def outcomes(thesis: ValueThesis, uniforms: np.ndarray, probability: np.ndarray, impact_type: Sequence[str],
             impact_min: np.ndarray, impact_mode: np.ndarray, impact_max: np.ndarray, horizon_years: int,
             phase_out_years: float | None, elapsed_years: float, discount_rate: float,
             realised: np.ndarray | None = None, rows: np.ndarray | None = None,
             ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every iteration's NPV and payback year, and the cash flow of each year summed over the iterations.

    The risk events are drawn as :func:`~alliance_analytics.risk.events.sample_risk_impacts` draws them from the
    same uniforms (event j occurs when u ≥ 1 − p_j, its impact the triangular quantile of (u − (1 − p_j))/p_j;
    delays and one-off costs add up, revenue losses combine as 1 − Π(1 − loss)); the flows are those of
    :func:`~alliance_analytics.risk.cash_flow.cash_flows`.

    Parameters
    ----------
    thesis : ValueThesis
        The value-thesis quantities, ``n`` iterations.
    uniforms : numpy.ndarray
        ``n`` × risk events, in [0, 1).
    probability, impact_min, impact_mode, impact_max : numpy.ndarray
        Per risk event, ``(r,)`` (validated: ``0 ≤ min ≤ mode ≤ max``, probabilities within 0..1).
    impact_type : sequence of str
        Per risk event, a key of :data:`IMPACT_CODES`.
    horizon_years : int
        Years of cash flow, at least 1.
    phase_out_years : float or None
        Years until the partner's offering is phased out (None: never).
    elapsed_years : float
        Years of the alliance's life already past, ``0 <= e < horizon_years``.
    discount_rate : float
        Annual discount rate, ``> −1``.
    realised : numpy.ndarray, optional
        ``n`` × risk events, filled with each event's realised impact (0 where it did not occur) when given.
    rows : numpy.ndarray, optional
        Only these iterations (integer positions), e.g. those a mitigation can change; default all.

    Returns
    -------
    npv : numpy.ndarray
        One per iteration computed (``rows``), as :func:`~alliance_analytics.risk.cash_flow.npv` of the flows.
    payback : numpy.ndarray
        The same iterations', as :func:`~alliance_analytics.risk.cash_flow.payback_year` (NaN: none within the
        horizon).
    flow_sum : numpy.ndarray
        ``(ceil(horizon − e) + 1,)``: each year's cash flow summed over those iterations (year 0 first).
    """
    horizon = float(horizon_years)
    cap = horizon if phase_out_years is None else min(horizon, float(phase_out_years))
    years = math.ceil(horizon - elapsed_years)
    discount = (1 + discount_rate) ** -np.arange(years + 1, dtype=float)
    rows = np.arange(thesis.investment.shape[0]) if rows is None else np.asarray(rows, dtype=np.int64)
    npv, payback, flow_sum = np.empty(rows.size), np.empty(rows.size), np.zeros(years + 1)
    codes = np.array([IMPACT_CODES[kind] for kind in impact_type], dtype=np.int64)
    keep = realised is not None
    _outcomes(thesis.investment, thesis.revenue_uplift, thesis.gross_margin, thesis.cost_savings,
              thesis.running_cost, thesis.launch_months, thesis.ramp_up_years, thesis.lifetime_years,
              np.ascontiguousarray(uniforms, dtype=float), np.asarray(probability, dtype=float), codes,
              np.asarray(impact_min, dtype=float), np.asarray(impact_mode, dtype=float),
              np.asarray(impact_max, dtype=float), horizon, cap, float(elapsed_years), discount, npv, payback,
              flow_sum, realised if keep else np.empty((1, 1)), keep, rows)
    return npv, payback, flow_sum


@njit(cache=True, nogil=True)
def _outcomes(investment, revenue, margin, savings, running_cost, launch_months, ramp, lifetime, uniforms,
              probability, codes, low, mode, high, horizon, cap, elapsed, discount, npv, payback, flow_sum,
              realised, keep, rows):
    """Fill ``npv``, ``payback``, ``flow_sum`` (and ``realised`` when ``keep``), one iteration at a time."""
    years = discount.shape[0] - 1
    events = probability.shape[0]
    for position in range(rows.shape[0]):
        i = rows[position]
        delay, one_off, kept = 0.0, 0.0, 1.0
        for j in range(events):
            impact = 0.0
            if uniforms[i, j] >= 1 - probability[j]:
                q = min(max((uniforms[i, j] - (1 - probability[j])) / probability[j], 0.0), 1.0)
                width = high[j] - low[j]
                if q * width < mode[j] - low[j]:
                    impact = low[j] + math.sqrt(q * width * (mode[j] - low[j]))
                else:
                    impact = high[j] - math.sqrt((1 - q) * width * (high[j] - mode[j]))
            if keep:
                realised[i, j] = impact
            if codes[j] == 0:
                delay += impact
            elif codes[j] == 1:
                one_off += impact
            else:
                kept *= 1 - impact
        launch = (launch_months[i] + delay) / 12
        end = min(launch + lifetime[i], cap)
        rate = revenue[i] * margin[i] * (1 - (1 - kept)) + savings[i]
        half_slope = 0.5 / ramp[i] if ramp[i] > 0 else 0.0
        flow = -investment[i] if elapsed == 0 else 0.0
        total = flow * discount[0]
        cumulative = flow
        flow_sum[0] += flow
        last_negative = 0 if cumulative < 0 else -1
        previous = 0.0
        for year in range(years + 1):
            boundary = min(elapsed + year, horizon)
            running = min(boundary, end)
            since_launch = max(running - launch, 0.0)
            ramping = min(since_launch, ramp[i])
            since_launch -= ramping
            net = (ramping * ramping * half_slope + since_launch) * rate - running * running_cost[i]
            if year > 0:
                flow = net - previous
                if year == 1:
                    flow -= one_off
                total += flow * discount[year]
                cumulative += flow
                flow_sum[year] += flow
                if cumulative < 0:
                    last_negative = year
            previous = net
        npv[position] = total
        if last_negative == years:
            payback[position] = np.nan
        else:
            payback[position] = last_negative + 1.0
