"""The yearly cash-flow model (``alliance_analytics.risk.cash_flow``) checked against hand calculations and an
independent numerical integration.

- Hand-computed yearly integrals (worked out in the comments) for a no-uncertainty thesis: ramp-up, a step at
  launch, truncation at the phase-out and at the end of the lifetime, launch delay, revenue loss, running
  costs that end with the alliance and the one-off risk cost in year 1.
- Random inputs (hypothesis): every yearly flow and the NPV against a per-iteration loop that integrates the
  benefit and running-cost rates with a fine trapezoid rule.
- NPV and payback year against hand examples, including no payback (NaN) and immediate payback.

Amounts are chosen so every hand-computed flow is exact in binary floating point.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alliance_analytics.risk.cash_flow import RiskImpacts, ValueThesis, cash_flows, npv, payback_year

# The worked example: investment 1.0M, revenue uplift 0.6M/yr at margin 0.5 (B = 0.3M/yr), launch after 6 months
# (L = 0.5), ramp-up over 1 year (full rate from t = 1.5), no running cost, runs until the horizon (5 years).
WORKED = {"investment": 1_000_000.0, "revenue_uplift": 600_000.0, "gross_margin": 0.5, "launch_months": 6.0,
          "ramp_up_years": 1.0}
# Year 1, [0, 1]: ∫_0.5^1 0.3M·(t − 0.5) dt = 0.3M · 0.5²/2 = 37,500.
# Year 2, [1, 2]: ramp part ∫_1^1.5 0.3M·(t − 0.5) dt = 0.3M · (1² − 0.5²)/2 = 112,500; full rate on [1.5, 2]:
#                 0.3M · 0.5 = 150,000; together 262,500.
# Years 3–5: full rate, 300,000 each.
WORKED_FLOWS = [-1_000_000.0, 37_500.0, 262_500.0, 300_000.0, 300_000.0, 300_000.0]


def thesis(n: int = 1, **quantities: float) -> ValueThesis:
    return ValueThesis.from_arrays(n, **quantities)


def impacts(n: int = 1, delay_months: float = 0.0, one_off_cost: float = 0.0,
            revenue_loss_share: float = 0.0) -> RiskImpacts:
    return RiskImpacts(np.full(n, delay_months), np.full(n, one_off_cost), np.full(n, revenue_loss_share))


def flows_of(horizon: int = 5, phase_out: float | None = None, risk: RiskImpacts | None = None,
             **quantities: float) -> list[float]:
    """The single iteration's flows of a fixed thesis."""
    return cash_flows(thesis(**quantities), risk or RiskImpacts.none(1), horizon, phase_out)[0].tolist()


def test_worked_example_flows_npv_and_payback() -> None:
    flows = cash_flows(thesis(**WORKED), RiskImpacts.none(1), horizon_years=5)
    np.testing.assert_allclose(flows[0], WORKED_FLOWS, rtol=1e-12)
    # NPV at 9 %: −1,000,000 + 37,500/1.09 + 262,500/1.09² + 300,000·(1/1.09³ + 1/1.09⁴ + 1/1.09⁵) ≈ −105,493.31
    expected = (-1_000_000 + 37_500 / 1.09 + 262_500 / 1.09**2
                + 300_000 * (1 / 1.09**3 + 1 / 1.09**4 + 1 / 1.09**5))
    assert npv(flows, 0.09)[0] == pytest.approx(expected, rel=1e-12)
    assert npv(flows, 0.09)[0] == pytest.approx(-105_493.31, abs=0.01)
    # Cumulative: −1,000,000, −962,500, −700,000, −400,000, −100,000, +200,000 → pays back in year 5.
    assert payback_year(flows).tolist() == [5.0]


def test_total_benefit_matches_closed_form() -> None:
    # Over [0, H] the ramp earns B·(H − L − R/2) once at full rate: 0.3M · (5 − 0.5 − 0.5) = 1.2M.
    flows = cash_flows(thesis(**WORKED), RiskImpacts.none(1), 5)
    assert flows[0, 1:].sum() == pytest.approx(1_200_000, rel=1e-12)


def test_no_ramp_is_a_step_at_launch() -> None:
    # B = 120/yr from t = 0.25: year 1 earns 120 · 0.75 = 90, every later year 120.
    assert flows_of(horizon=3, revenue_uplift=120.0, launch_months=3.0) == [0.0, 90.0, 120.0, 120.0]


def test_launch_at_zero_without_ramp_earns_full_years() -> None:
    assert flows_of(horizon=2, cost_savings=50.0, investment=10.0) == [-10.0, 50.0, 50.0]


def test_phase_out_truncates_benefits_exactly() -> None:
    # The worked example phased out at t = 2.25: year 3 earns 300,000 · 0.25 = 75,000, years 4–5 nothing.
    assert flows_of(phase_out=2.25, **WORKED) == [-1_000_000.0, 37_500.0, 262_500.0, 75_000.0, 0.0, 0.0]


def test_phase_out_during_ramp_up() -> None:
    # Phase-out at t = 1.25, during the ramp: year 2 earns ∫_1^1.25 0.3M·(t − 0.5) dt = 0.3M·(0.75² − 0.5²)/2.
    flows = flows_of(phase_out=1.25, **WORKED)
    assert flows == pytest.approx([-1_000_000.0, 37_500.0, 0.3e6 * (0.75**2 - 0.5**2) / 2, 0.0, 0.0, 0.0],
                                  rel=1e-12)


def test_lifetime_truncates_like_the_phase_out() -> None:
    # Launch 0.5 + lifetime 1.75 ends at 2.25, the same as a phase-out at 2.25.
    assert flows_of(lifetime_years=1.75, **WORKED) == flows_of(phase_out=2.25, **WORKED)
    # The earlier of the two ends wins.
    assert flows_of(lifetime_years=1.75, phase_out=4.0, **WORKED) == flows_of(phase_out=2.25, **WORKED)
    assert flows_of(lifetime_years=3.0, phase_out=2.25, **WORKED) == flows_of(phase_out=2.25, **WORKED)


def test_zero_lifetime_or_phase_out_before_launch_earns_nothing() -> None:
    assert flows_of(lifetime_years=0.0, **WORKED) == [-1_000_000.0, 0.0, 0.0, 0.0, 0.0, 0.0]
    assert flows_of(phase_out=0.25, **WORKED) == [-1_000_000.0, 0.0, 0.0, 0.0, 0.0, 0.0]


def test_delay_shifts_benefits() -> None:
    # A 12-month delay moves every benefit one year later.
    base = flows_of(**WORKED)
    delayed = flows_of(risk=impacts(delay_months=12.0), **WORKED)
    assert delayed == [base[0], 0.0] + base[1:-1]
    # Launch after 6 months plus a 6-month delay is the same as launching after 12 months.
    assert (flows_of(risk=impacts(delay_months=6.0), **WORKED)
            == flows_of(**{**WORKED, "launch_months": 12.0}))


def test_delay_does_not_move_a_fixed_end() -> None:
    # Phase-out at 3: the delayed alliance (launch 1.5, full rate from 2.5) loses the earliest years' benefit.
    # Year 2: ∫_1.5^2 0.3M·(t − 1.5) dt = 37,500; year 3: ramp 112,500 + full 150,000; then nothing.
    flows = flows_of(phase_out=3.0, risk=impacts(delay_months=12.0), **WORKED)
    assert flows == [-1_000_000.0, 0.0, 37_500.0, 262_500.0, 0.0, 0.0]


def test_revenue_loss_scales_revenue_but_not_savings() -> None:
    # B = 100 · 0.5 · (1 − 0.25) + 20 = 57.5 per year.
    assert flows_of(horizon=2, revenue_uplift=100.0, gross_margin=0.5, cost_savings=20.0,
                    risk=impacts(revenue_loss_share=0.25)) == [0.0, 57.5, 57.5]
    assert flows_of(horizon=1, revenue_uplift=100.0, risk=impacts(revenue_loss_share=1.0)) == [0.0, 0.0]


def test_running_cost_ends_with_the_alliance() -> None:
    # Running cost 40/yr from 0 until E = 0.5 + 2 = 2.5: years 1–2 pay 40, year 3 pays 20, then nothing.
    # Benefit 100/yr from 0.5 without ramp until 2.5: 50, 100, 50.
    assert flows_of(revenue_uplift=100.0, running_cost=40.0, launch_months=6.0, lifetime_years=2.0) == [
        0.0, 10.0, 60.0, 30.0, 0.0, 0.0]
    # Without a lifetime it runs until the horizon, also before launch.
    assert flows_of(horizon=3, running_cost=40.0, launch_months=30.0) == [0.0, -40.0, -40.0, -40.0]
    # Phased out before launch: the running cost stops at the phase-out.
    assert flows_of(horizon=3, running_cost=40.0, launch_months=30.0, phase_out=1.5) == [0.0, -40.0, -20.0, 0.0]


def test_one_off_risk_cost_is_paid_in_year_one() -> None:
    assert flows_of(horizon=2, investment=5.0, cost_savings=10.0, risk=impacts(one_off_cost=3.0)) == [
        -5.0, 7.0, 10.0]


def test_iterations_are_independent_rows() -> None:
    many = ValueThesis.from_arrays(3, revenue_uplift=np.array([100.0, 0.0, 100.0]),
                                   launch_months=np.array([0.0, 0.0, 6.0]), investment=50.0)
    risk = RiskImpacts(np.zeros(3), np.array([0.0, 5.0, 0.0]), np.array([0.5, 0.0, 0.0]))
    assert cash_flows(many, risk, 2).tolist() == [[-50.0, 50.0, 50.0], [-50.0, -5.0, 0.0], [-50.0, 50.0, 100.0]]


def test_from_arrays_defaults_and_copies() -> None:
    revenue = np.array([1.0, 2.0])
    built = ValueThesis.from_arrays(2, revenue_uplift=revenue)
    revenue[0] = 99.0
    assert built.revenue_uplift.tolist() == [1.0, 2.0]
    assert {name: getattr(built, name).tolist() for name in ("gross_margin", "cost_savings", "investment",
                                                             "running_cost", "launch_months", "ramp_up_years",
                                                             "lifetime_years")} == {
        "gross_margin": [1.0, 1.0], "cost_savings": [0.0, 0.0], "investment": [0.0, 0.0],
        "running_cost": [0.0, 0.0], "launch_months": [0.0, 0.0], "ramp_up_years": [0.0, 0.0],
        "lifetime_years": [math.inf, math.inf]}
    assert ValueThesis.from_arrays(2).revenue_uplift.tolist() == [0.0, 0.0]


@pytest.mark.parametrize("call", [
    lambda: ValueThesis.from_arrays(2, revenue=1.0),
    lambda: ValueThesis.from_arrays(2, revenue_uplift=np.ones(3)),
    lambda: ValueThesis.from_arrays(1, launch_months=-1.0),
    lambda: ValueThesis.from_arrays(1, ramp_up_years=np.nan),
    lambda: RiskImpacts(np.zeros(2), np.zeros(2), np.zeros(3)),
    lambda: RiskImpacts(np.zeros(1), np.zeros(1), np.ones(1) * 1.5),
    lambda: cash_flows(thesis(2), RiskImpacts.none(3), 5),
    lambda: cash_flows(thesis(), RiskImpacts.none(1), 0),
    lambda: cash_flows(thesis(), RiskImpacts.none(1), 2.5),
    lambda: cash_flows(thesis(), RiskImpacts.none(1), 5, phase_out_years=-1.0),
    lambda: npv(np.zeros(3), 0.05),
    lambda: npv(np.zeros((1, 3)), -1.0),
    lambda: payback_year(np.zeros(3)),
])
def test_invalid_inputs_raise(call) -> None:
    with pytest.raises(ValueError):
        call()


def test_npv_hand_examples() -> None:
    flows = np.array([[-100.0, 60.0, 60.0], [10.0, 0.0, 0.0]])
    np.testing.assert_allclose(npv(flows, 0.0), [20.0, 10.0])
    np.testing.assert_allclose(npv(flows, 0.2), [-100 + 50 + 60 / 1.44, 10.0], rtol=1e-12)


@pytest.mark.parametrize(("flows", "expected"), [
    ([-10.0, 4.0, 4.0, 4.0], 3.0),          # cumulative −10, −6, −2, 2
    ([-10.0, 5.0, 5.0, 1.0], 2.0),          # reaching exactly 0 counts as paid back
    ([0.0, 1.0, 1.0], 0.0),                 # never negative: immediate
    ([5.0, -1.0, 0.0], 0.0),                # dips but stays non-negative
    ([-10.0, 1.0, 1.0, 1.0], math.nan),     # never within the horizon
    ([-1.0, 2.0, -3.0], math.nan),          # paid back, then negative again at the horizon
    ([0.0, -5.0, 2.0, 4.0], 3.0),           # no investment but a negative first year: after it is made good
    ([-1.0, 2.0, -3.0, 4.0], 3.0),          # the last return to ≥ 0 counts
])
def test_payback_year(flows: list[float], expected: float) -> None:
    result = payback_year(np.array([flows]))
    np.testing.assert_array_equal(result, [expected])


def test_payback_year_is_vectorised_over_rows() -> None:
    flows = np.array([[-10.0, 4.0, 4.0, 4.0], [0.0, 1.0, 1.0, 1.0], [-10.0, 1.0, 1.0, 1.0]])
    np.testing.assert_array_equal(payback_year(flows), [3.0, 0.0, math.nan])


# --- Independent check: numerical integration of the rates, one iteration at a time -------------------------

STEPS_PER_YEAR = 40_000


def reference_flows(q: dict[str, float], horizon: int, phase_out: float | None) -> np.ndarray:
    """Yearly flows of one iteration by the trapezoid rule on a fine grid.

    The rates jump at most twice (at launch without ramp-up and at the end), by at most 20; the trapezoid
    error of a jump is at most jump · h / 2, so the flows are within 2 · 20 / (2 · STEPS_PER_YEAR) = 5e-4.
    """
    launch = (q["launch_months"] + q["delay_months"]) / 12
    end = min(launch + q["lifetime_years"], horizon, math.inf if phase_out is None else phase_out)
    full_rate = q["revenue_uplift"] * q["gross_margin"] * (1 - q["revenue_loss_share"]) + q["cost_savings"]
    flows = [-q["investment"]]
    for year in range(1, horizon + 1):
        t = np.linspace(year - 1, year, STEPS_PER_YEAR + 1)
        share = np.clip((t - launch) / q["ramp_up_years"], 0, 1) if q["ramp_up_years"] > 0 else 1.0
        running = t < end
        rate = full_rate * share * ((t >= launch) & running) - q["running_cost"] * running
        flows.append(float(np.trapezoid(rate, t)))
    flows[1] -= q["one_off_cost"]
    return np.array(flows)


def amounts(high: float) -> st.SearchStrategy[float]:
    return st.floats(0, high, allow_subnormal=False)


ITERATION = st.fixed_dictionaries({
    "revenue_uplift": amounts(10), "gross_margin": amounts(1), "cost_savings": amounts(5),
    "investment": amounts(20), "running_cost": amounts(5), "launch_months": amounts(36),
    "ramp_up_years": st.one_of(st.just(0.0), amounts(4)), "lifetime_years": st.one_of(st.just(math.inf), amounts(10)),
    "delay_months": amounts(24), "one_off_cost": amounts(5), "revenue_loss_share": amounts(1),
})
IMPACT_FIELDS = ("delay_months", "one_off_cost", "revenue_loss_share")


@settings(max_examples=60, deadline=None)
@given(iterations=st.lists(ITERATION, min_size=1, max_size=4), horizon=st.integers(1, 8),
       phase_out=st.one_of(st.none(), amounts(12)), rate=st.floats(0, 0.3))
def test_flows_and_npv_match_numerical_integration(iterations: list[dict[str, float]], horizon: int,
                                                    phase_out: float | None, rate: float) -> None:
    n = len(iterations)
    column = {name: np.array([q[name] for q in iterations]) for name in iterations[0]}
    built = ValueThesis.from_arrays(n, **{name: values for name, values in column.items()
                                          if name not in IMPACT_FIELDS})
    risk = RiskImpacts(*(column[name] for name in IMPACT_FIELDS))
    flows = cash_flows(built, risk, horizon, phase_out)
    expected = np.array([reference_flows(q, horizon, phase_out) for q in iterations])
    np.testing.assert_allclose(flows, expected, rtol=0, atol=1e-3)
    discount = (1 + rate) ** -np.arange(horizon + 1.0)
    np.testing.assert_allclose(npv(flows, rate), [(row * discount).sum() for row in expected], rtol=0, atol=1e-2)
