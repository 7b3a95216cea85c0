"""The compiled kernel against the numpy model it fuses: risk events, cash flows, NPV, payback, yearly sums.

The reference is the numpy statement of the model (``sample_risk_impacts``, ``cash_flows``, ``npv``,
``payback_year``), evaluated on the same inputs; random theses cover launches inside and beyond the horizon,
zero and long ramp-ups, phase-outs, alliances in flight (elapsed years) and every impact type.
"""

from __future__ import annotations

import numpy as np
import pytest

from alliance_analytics.risk.cash_flow import ValueThesis, cash_flows, npv, payback_year
from alliance_analytics.risk.events import sample_risk_impacts
from alliance_analytics.risk.kernel import outcomes

TYPES = ["delay_months", "one_off_cost", "revenue_loss_pct", "revenue_loss_pct", "delay_months"]


def _inputs(rng: np.random.Generator, n: int) -> tuple[ValueThesis, np.ndarray, dict]:
    thesis = ValueThesis.from_arrays(
        n, investment=rng.uniform(0, 2e6, n), revenue_uplift=rng.uniform(0, 3e6, n),
        gross_margin=rng.uniform(0, 1, n), cost_savings=rng.uniform(0, 4e5, n), running_cost=rng.uniform(0, 6e5, n),
        launch_months=rng.choice([0.0, 6.0, 30.0, 200.0], n) + rng.uniform(0, 12, n),
        ramp_up_years=rng.choice([0.0, 0.5, 3.0], n), lifetime_years=rng.uniform(0.5, 15, n))
    risks = {"probability": np.array([0.3, 0.0, 1.0, 0.2, 0.6]), "impact_type": TYPES,
             "impact_min": np.array([1.0, 1e4, 0.1, 0.0, 0.0]), "impact_mode": np.array([3.0, 5e4, 0.2, 0.0, 2.0]),
             "impact_max": np.array([9.0, 2e5, 0.5, 0.0, 2.0])}
    return thesis, rng.random((n, len(TYPES))), risks


@pytest.mark.parametrize(("horizon", "phase_out", "elapsed", "rate"),
                         [(10, None, 0.0, 0.09), (7, 4.3, 0.0, 0.12), (10, 6.0, 2.75, 0.09), (3, None, 2.5, 0.0)])
def test_the_kernel_computes_the_numpy_model(horizon, phase_out, elapsed, rate):
    rng = np.random.default_rng(horizon)
    thesis, uniforms, risks = _inputs(rng, 3_000)
    impacts, _, realised = sample_risk_impacts(None, uniforms.shape[0], risks["probability"], risks["impact_type"],
                                               risks["impact_min"], risks["impact_mode"], risks["impact_max"],
                                               uniforms=uniforms)
    flows = cash_flows(thesis, impacts, horizon, phase_out, elapsed)
    kept = np.empty_like(uniforms)
    values, payback, flow_sum = outcomes(thesis, uniforms, risks["probability"], risks["impact_type"],
                                         risks["impact_min"], risks["impact_mode"], risks["impact_max"], horizon,
                                         phase_out, elapsed, rate, realised=kept)
    assert np.array_equal(kept, realised)
    scale = np.abs(flows).sum(axis=1) + 1.0
    assert np.all(np.abs(values - npv(flows, rate)) <= 1e-12 * scale)
    assert np.array_equal(payback, payback_year(flows), equal_nan=True)
    assert np.allclose(flow_sum, flows.sum(axis=0), rtol=1e-12, atol=1e-6)
    assert np.isnan(payback).any() and (payback == 0).sum() + np.isfinite(payback).sum() > 0


def test_a_subset_of_rows_gives_those_rows(sample_size=500):
    rng = np.random.default_rng(3)
    thesis, uniforms, risks = _inputs(rng, sample_size)
    arguments = (uniforms, risks["probability"], risks["impact_type"], risks["impact_min"], risks["impact_mode"],
                 risks["impact_max"], 10, None, 0.0, 0.09)
    everything, payback, _ = outcomes(thesis, *arguments)
    rows = np.flatnonzero(rng.random(sample_size) < 0.3)
    some, some_payback, _ = outcomes(thesis, *arguments, rows=rows)
    assert np.array_equal(some, everything[rows])
    assert np.array_equal(some_payback, payback[rows], equal_nan=True)
