"""The risk events and the cash-flow model fused into one compiled pass: NPV, payback, yearly sums.

:func:`~alliance_analytics.risk.cash_flow.cash_flows` states the model with numpy arrays (iterations × years),
which costs a dozen passes over memory and as many temporary matrices; :func:`outcomes` computes the same
yearly flows on blocks of :data:`BLOCK` iterations whose working rows stay in the L1 cache, compiled by Numba
(Lam, Pitrou & Seibert 2015, "Numba: a LLVM-based Python JIT compiler") into SIMD loops without branches, and
keeps only what the simulation needs: each iteration's NPV and payback year, and the flows summed over
iterations. The arithmetic is the model's, operation for operation (no fast-math reordering; the yearly sums
add the iterations in order), so the flows equal :func:`~alliance_analytics.risk.cash_flow.cash_flows`'; the
NPV sums the discounted flows year by year. ``tests/risk/test_kernel.py`` checks both against the numpy model.
The compiled code is cached beside this module, so only the first run on a machine compiles it (a few seconds).
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


BLOCK = 128
"""Iterations the compiled pass takes together: its working rows (a dozen of this length) stay in the L1 cache."""


@njit(cache=True, nogil=True, error_model="numpy")
def _outcomes(investment, revenue, margin, savings, running_cost, launch_months, ramp, lifetime, uniforms,
              probability, codes, low, mode, high, horizon, cap, elapsed, discount, npv, payback, flow_sum,
              realised, keep, rows):
    """Fill ``npv``, ``payback``, ``flow_sum`` (and ``realised`` when ``keep``), :data:`BLOCK` iterations at a time.

    Each step is a loop over the block's iterations without branches (selects), which the compiler turns into
    SIMD instructions; every iteration's arithmetic is the scalar model's, operation for operation. An event's
    impact is computed on every iteration and kept where the event occurs (the same value as computing it only
    there; elsewhere it is 0). ``flow_sum`` adds the iterations' flows in iteration order, as one at a time would.
    """
    years = discount.shape[0] - 1
    events = probability.shape[0]
    count = rows.shape[0]
    delay, one_off, kept, impact = np.empty(BLOCK), np.empty(BLOCK), np.empty(BLOCK), np.empty(BLOCK)
    launch, end, rate, half_slope = np.empty(BLOCK), np.empty(BLOCK), np.empty(BLOCK), np.empty(BLOCK)
    ramp_up, cost, previous = np.empty(BLOCK), np.empty(BLOCK), np.empty(BLOCK)
    total, cumulative, last_negative = np.empty(BLOCK), np.empty(BLOCK), np.empty(BLOCK)
    flows = np.empty((years + 1, BLOCK))
    for start in range(0, count, BLOCK):
        size = min(BLOCK, count - start)
        delay[:size] = 0.0
        one_off[:size] = 0.0
        kept[:size] = 1.0
        for j in range(events):
            threshold = 1 - probability[j]
            width = high[j] - low[j]
            below, above = mode[j] - low[j], high[j] - mode[j]
            for t in range(size):
                impact[t] = uniforms[rows[start + t], j]
            for t in range(size):  # event j occurs when u >= 1 - p; its impact the triangular quantile of q
                q = min(max((impact[t] - threshold) / probability[j], 0.0), 1.0)
                lower = q * width < below
                root = math.sqrt(q * width * below if lower else (1 - q) * width * above)
                impact[t] = (low[j] + root if lower else high[j] - root) if impact[t] >= threshold else 0.0
            if keep:
                for t in range(size):
                    realised[rows[start + t], j] = impact[t]
            if codes[j] == 0:
                for t in range(size):
                    delay[t] += impact[t]
            elif codes[j] == 1:
                for t in range(size):
                    one_off[t] += impact[t]
            else:
                for t in range(size):
                    kept[t] *= 1 - impact[t]
        for t in range(size):
            i = rows[start + t]
            launch[t] = (launch_months[i] + delay[t]) / 12
            end[t] = min(launch[t] + lifetime[i], cap)
            rate[t] = revenue[i] * margin[i] * (1 - (1 - kept[t])) + savings[i]
            ramp_up[t] = ramp[i]
            half_slope[t] = 0.5 / ramp[i] if ramp[i] > 0 else 0.0
            cost[t] = running_cost[i]
            flows[0, t] = -investment[i] if elapsed == 0 else 0.0
            total[t] = flows[0, t] * discount[0]
            cumulative[t] = flows[0, t]
            last_negative[t] = 0.0 if cumulative[t] < 0 else -1.0
        for year in range(years + 1):  # the net flow accrued by the end of each year; year 0 is the start
            boundary = min(elapsed + year, horizon)
            for t in range(size):
                running = min(boundary, end[t])
                since_launch = max(running - launch[t], 0.0)
                ramping = min(since_launch, ramp_up[t])
                since_launch -= ramping
                net = (ramping * ramping * half_slope[t] + since_launch) * rate[t] - running * cost[t]
                if year > 0:
                    flow = net - previous[t] - (one_off[t] if year == 1 else 0.0)
                    total[t] += flow * discount[year]
                    cumulative[t] += flow
                    flows[year, t] = flow
                    last_negative[t] = year if cumulative[t] < 0 else last_negative[t]
                previous[t] = net
        for t in range(size):
            for year in range(years + 1):
                flow_sum[year] += flows[year, t]
            npv[start + t] = total[t]
            payback[start + t] = np.nan if last_negative[t] == years else last_negative[t] + 1.0
