"""Least-squares Monte Carlo (``alliance_analytics.review.lsm``) against the paper, a lattice and closed forms.

- The numerical example of Longstaff and Schwartz (2001, "Valuing American Options by Simulation: A Simple
  Least-Squares Approach", Review of Financial Studies 14(1):113–147, Section 1): an American put with strike
  1.10, r = 6 % per period, exercisable at t = 1, 2, 3, on the paper's eight paths from S0 = 1.00. The paper
  exercises at t = 1 on paths 4, 6, 7, 8 (cash flows 0.17, 0.34, 0.18, 0.22) and at t = 3 on path 3 (0.07), and
  values the option at 0.1144.
- An alliance's exit option: its value V follows geometric Brownian motion with drift r (the pricing measure)
  and it can be exited for a salvage value K at each of 12 quarterly reviews over three years, i.e. a Bermudan
  put. The reference is a Cox–Ross–Rubinstein binomial lattice (Cox, Ross and Rubinstein 1979, "Option
  Pricing: A Simplified Approach", Journal of Financial Economics 7(3):229–263) written here, with many steps
  per review and early exercise at the reviews only. The lattice is checked against Black–Scholes (no early
  exercise) and against the paper's Table 1, first row (S = 36, σ = 0.20, T = 1, r = 0.06, K = 40: European
  3.844, finite-difference American 4.478, LSM with 50 exercise dates a year 4.472, s.e. 0.010).
- The value of waiting, against E[max(0, m)] = μΦ(μ/s) + sφ(μ/s) for m ~ N(μ, s).

Statistical checks use fixed seeds, so they are deterministic; each tolerance is stated where it is used.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from alliance_analytics.review.lsm import (
    WaitingValue,
    american_option_value,
    exercise_times,
    polynomial_basis,
    value_of_waiting,
)

PAPER_PATHS = np.array([
    [1.09, 1.08, 1.34], [1.16, 1.26, 1.54], [1.22, 1.07, 1.03], [0.93, 0.97, 0.92],
    [1.11, 1.56, 1.52], [0.76, 0.77, 0.90], [0.92, 0.84, 1.01], [0.88, 1.22, 1.34],
])
"""Longstaff and Schwartz (2001), Section 1, the stock price paths at t = 1, 2, 3 (rows: paths 1 … 8)."""
PAPER_STRIKE = 1.10
PAPER_DISCOUNT = math.exp(-0.06)
"""The paper discounts one period at 0.94176."""


def crr_put(spot: float, strike: float, rate: float, sigma: float, years: float, dates: int,
            steps_per_date: int) -> float:
    """Cox–Ross–Rubinstein value of a put exercisable at ``dates`` equally spaced dates ending at ``years``.

    ``steps_per_date`` binomial steps between dates; the put is exercised at a node where K − S exceeds the
    discounted expected value of holding it, at the exercise dates only (``dates = 1``: European).
    """
    steps = dates * steps_per_date
    dt = years / steps
    up = math.exp(sigma * math.sqrt(dt))
    p_up = (math.exp(rate * dt) - 1 / up) / (up - 1 / up)
    step_discount = math.exp(-rate * dt)
    price = spot * up ** (steps - 2 * np.arange(steps + 1.0))
    value = np.maximum(strike - price, 0.0)
    for step in range(steps - 1, -1, -1):
        price = price[:-1] / up
        value = step_discount * (p_up * value[:-1] + (1 - p_up) * value[1:])
        if step > 0 and step % steps_per_date == 0:
            value = np.maximum(value, strike - price)
    return float(value[0])


def black_scholes_put(spot: float, strike: float, rate: float, sigma: float, years: float) -> float:
    """The European put of Black and Scholes (1973)."""
    d1 = (math.log(spot / strike) + (rate + sigma**2 / 2) * years) / (sigma * math.sqrt(years))
    d2 = d1 - sigma * math.sqrt(years)
    return strike * math.exp(-rate * years) * stats.norm.cdf(-d2) - spot * stats.norm.cdf(-d1)


def normal_upside(mean: float, sd: float) -> float:
    """E[max(0, m)] for m ~ N(mean, sd): mean·Φ(mean/sd) + sd·φ(mean/sd)."""
    return mean * stats.norm.cdf(mean / sd) + sd * stats.norm.pdf(mean / sd)


def test_the_papers_example_is_worth_0_1144():
    """Section 1: 0.1144, and the same from the paper's own stopping-rule cash flows."""
    paper_cash_flows = (0.17 + 0.34 + 0.18 + 0.22) * PAPER_DISCOUNT + 0.07 * PAPER_DISCOUNT**3
    assert paper_cash_flows / 8 == pytest.approx(0.1144, abs=5e-5)
    value = american_option_value(PAPER_PATHS, np.maximum(PAPER_STRIKE - PAPER_PATHS, 0), PAPER_DISCOUNT)
    assert value == pytest.approx(0.1144, abs=5e-5)
    assert value == pytest.approx(paper_cash_flows / 8, rel=1e-12)


def test_the_papers_stopping_rule():
    """Section 1, final stopping rule: exercise at t = 1 on paths 4, 6, 7, 8, at t = 3 on path 3, else never."""
    stop = exercise_times(PAPER_PATHS, np.maximum(PAPER_STRIKE - PAPER_PATHS, 0), PAPER_DISCOUNT)
    assert stop.tolist() == [0, 0, 3, 1, 0, 1, 1, 1]


def test_a_state_with_one_regressor_axis_gives_the_same_rule():
    """``state`` of shape (n, T, 1) is the same single regressor as (n, T)."""
    exercise = np.maximum(PAPER_STRIKE - PAPER_PATHS, 0)
    assert (exercise_times(PAPER_PATHS[:, :, None], exercise, PAPER_DISCOUNT).tolist()
            == exercise_times(PAPER_PATHS, exercise, PAPER_DISCOUNT).tolist())


def test_the_lattice_matches_black_scholes_and_the_papers_table_1():
    """The lattice's European put is Black–Scholes (3.844 in Table 1) within 0.002; with 50 exercise dates a
    year it is within 3 s.e. of the paper's LSM 4.472 (which uses 50) and within 0.002 of its finite-difference
    4.478; with exercise at every one of 5,000 steps (≈ continuous) it is higher still, as it must be."""
    assert round(black_scholes_put(36, 40, 0.06, 0.2, 1), 3) == 3.844
    assert crr_put(36, 40, 0.06, 0.2, 1, 1, 5000) == pytest.approx(black_scholes_put(36, 40, 0.06, 0.2, 1), abs=0.002)
    bermudan = crr_put(36, 40, 0.06, 0.2, 1, 50, 100)
    assert abs(bermudan - 4.472) <= 3 * 0.010
    assert bermudan == pytest.approx(4.478, abs=0.002)
    assert crr_put(36, 40, 0.06, 0.2, 1, 5000, 1) > bermudan + 0.005


def test_the_exit_option_matches_the_lattice():
    """12 quarterly reviews, V0 = 36, K = 40, σ = 0.2, r = 0.06: LSM on 20,000 antithetic paths against the lattice.

    The lattice is converged (doubling its 400 steps per review moves it by < 0.001). The LSM estimate's
    standard error is that of the mean of the 10,000 antithetic pair averages of the discounted exercise value.
    """
    spot, strike, rate, sigma, years, dates = 36.0, 40.0, 0.06, 0.2, 3.0, 12
    lattice = crr_put(spot, strike, rate, sigma, years, dates, 400)
    assert abs(crr_put(spot, strike, rate, sigma, years, dates, 800) - lattice) < 0.001
    dt = years / dates
    shocks = np.random.default_rng(2001).standard_normal((10_000, dates))
    shocks = np.vstack([shocks, -shocks])
    value = spot * np.exp(np.cumsum((rate - sigma**2 / 2) * dt + sigma * math.sqrt(dt) * shocks, axis=1))
    salvage = np.maximum(strike - value, 0)
    discount = math.exp(-rate * dt)
    stop = exercise_times(value, salvage, discount)
    realised = np.where(stop > 0, salvage[np.arange(len(stop)), stop - 1] * discount**stop, 0)
    pairs = (realised[:10_000] + realised[10_000:]) / 2
    standard_error = pairs.std(ddof=1) / math.sqrt(len(pairs))
    lsm = american_option_value(value, salvage, discount)
    assert lsm == pytest.approx(realised.mean(), rel=1e-12)
    assert abs(lsm - lattice) <= 3 * standard_error
    assert abs(lsm - lattice) <= 0.01 * lattice
    assert lsm > black_scholes_put(spot, strike, rate, sigma, years) + 0.5


def test_the_basis_is_standardised_powers_spanning_the_raw_ones():
    """Columns 1, z, z² with z standardised; least-squares fits on it equal those on the paper's 1, X, X²."""
    x = np.random.default_rng(1).uniform(30, 50, 200)
    y = np.maximum(40 - x, 0) + np.random.default_rng(2).normal(0, 1, 200)
    basis = polynomial_basis(x)
    z = (x - x.mean()) / x.std()
    np.testing.assert_allclose(basis, np.column_stack([np.ones(200), z, z**2]), rtol=1e-12)
    raw = np.column_stack([np.ones(200), x, x**2])
    fit = basis @ np.linalg.lstsq(basis, y, rcond=None)[0]
    np.testing.assert_allclose(fit, raw @ np.linalg.lstsq(raw, y, rcond=None)[0], rtol=1e-9)


def test_a_constant_regressor_gets_harmless_zero_columns():
    """Shape (n, 1 + d·degree) with regressor-major columns; a constant regressor's columns are 0."""
    signal = np.column_stack([np.arange(6.0), np.full(6, 0.1)])
    basis = polynomial_basis(signal, degree=3)
    assert basis.shape == (6, 7)
    assert (basis[:, 4:] == 0).all()
    np.testing.assert_allclose(basis[:, 1:4], polynomial_basis(np.arange(6.0), degree=3)[:, 1:])


def test_perfect_information_is_worth_the_normal_upside():
    """later = now = (0, θ), θ ~ N(0.5, 1), signal θ: the review takes option 1 exactly when θ > 0.

    So wait ≈ E[max(0, θ)] and flexibility ≈ E[max(0, θ)] − 0.5, within 3 standard errors; the reported standard
    error is that of the per-path gain max(0, θ) − θ = max(0, −θ).
    """
    mean, sd, n = 0.5, 1.0, 20_000
    theta = np.random.default_rng(11).normal(mean, sd, n)
    values = np.column_stack([np.zeros(n), theta])
    result = value_of_waiting(values, values, theta)
    assert result.best_now == 1
    assert result.decide_now == pytest.approx(theta.mean(), rel=1e-12)
    assert result.standard_error == pytest.approx(np.maximum(-theta, 0).std(ddof=1) / math.sqrt(n), rel=1e-6)
    assert result.choice_shares.tolist() == pytest.approx([np.mean(theta <= 0), np.mean(theta > 0)], abs=1e-12)
    wait_error = np.maximum(theta, 0).std(ddof=1) / math.sqrt(n)
    assert abs(result.wait - normal_upside(mean, sd)) <= 3 * wait_error
    assert abs(result.flexibility - (normal_upside(mean, sd) - mean)) <= 3 * result.standard_error
    assert result.wait_worthwhile


def test_a_noisy_signal_is_worth_the_upside_of_the_posterior_mean():
    """Signal θ + ε, ε ~ N(0, τ): E[θ | signal] = μ + ρ(signal − μ) with ρ = s²/(s² + τ²), a normal with sd
    s²/√(s² + τ²). Choosing θ when it is positive is worth E[max(0, E[θ | signal])]; within 3 s.e."""
    mean, sd, noise, n = -0.3, 1.0, 1.5, 20_000
    rng = np.random.default_rng(12)
    theta = rng.normal(mean, sd, n)
    values = np.column_stack([np.zeros(n), theta])
    result = value_of_waiting(values, values, theta + rng.normal(0, noise, n))
    assert result.best_now == 0
    informed = normal_upside(mean, sd**2 / math.hypot(sd, noise))
    assert abs(result.wait - informed) <= 3 * result.standard_error
    assert 0.1 < informed < normal_upside(mean, sd)


def test_an_uninformative_signal_gives_no_flexibility():
    """later = now, signal pure noise: the review cannot beat the best option now (flexibility < 3 s.e.)."""
    rng = np.random.default_rng(13)
    now = rng.normal([1.0, 0.9], 1.0, (20_000, 2))
    result = value_of_waiting(now, now, rng.standard_normal(20_000))
    assert result.best_now == 0
    assert result.flexibility <= 3 * result.standard_error
    assert result.wait <= result.decide_now + 3 * result.standard_error


def test_cross_fitting_removes_the_foresight_bias():
    """Two options worth N(0, 1) each, independent of a 10-regressor noise signal: every policy is worth 0.

    Over 200 small instances (n = 200, 21 basis columns) the cross-fitted wait averages 0 within 3 s.e., while
    the same regression fitted and evaluated on all paths (computed here) is biased clearly upwards (Glasserman
    2004, Monte Carlo Methods in Financial Engineering, §8.6).
    """
    rng = np.random.default_rng(14)
    cross, in_sample = [], []
    for _ in range(200):
        values, signal = rng.standard_normal((200, 2)), rng.standard_normal((200, 10))
        cross.append(value_of_waiting(values, values, signal).wait)
        basis = polynomial_basis(signal)
        fitted = basis @ np.linalg.lstsq(basis, values, rcond=None)[0]
        in_sample.append(values[np.arange(200), fitted.argmax(axis=1)].mean())
    cross_mean, cross_error = np.mean(cross), np.std(cross, ddof=1) / math.sqrt(200)
    assert abs(cross_mean) <= 3 * cross_error
    assert np.mean(in_sample) > cross_mean + 10 * cross_error


def test_permuting_the_options_permutes_the_choices_only():
    """Reordering the K options reorders ``choice_shares`` and ``best_now`` and changes no value."""
    rng = np.random.default_rng(15)
    signal = rng.standard_normal((400, 2))
    later = np.column_stack([signal[:, 0], -signal[:, 0], signal[:, 1] ** 2 - 1]) + rng.normal(0, 0.5, (400, 3))
    now = later + rng.normal(0.1, 0.3, (400, 3))
    order = [2, 0, 1]
    result = value_of_waiting(now, later, signal)
    permuted = value_of_waiting(now[:, order], later[:, order], signal)
    assert order[permuted.best_now] == result.best_now
    np.testing.assert_allclose(permuted.choice_shares, result.choice_shares[order], atol=1e-12)
    for field in ("decide_now", "wait", "flexibility", "standard_error"):
        assert getattr(permuted, field) == pytest.approx(getattr(result, field), rel=1e-9)


@settings(max_examples=60, deadline=None)
@given(st.integers(20, 60), st.integers(1, 4), st.integers(1, 2), st.integers(1, 2), st.integers(0, 2**32 - 1),
       st.floats(0.01, 1e4))
def test_the_waiting_policy_is_consistent(n, options, regressors, degree, seed, scale):
    """On random instances: flexibility = max(0, wait − decide_now) ≥ 0, decide_now the best column mean, wait
    between the means of each path's worst and best later value, shares a distribution."""
    rng = np.random.default_rng(seed)
    now, later = scale * rng.standard_normal((2, n, options))
    result = value_of_waiting(now, later, rng.standard_normal((n, regressors)), degree)
    assert isinstance(result, WaitingValue)
    assert result.flexibility >= 0
    assert result.flexibility == pytest.approx(max(0.0, result.wait - result.decide_now), abs=1e-9 * scale)
    assert result.wait_worthwhile == (result.flexibility > 0)
    assert result.decide_now == pytest.approx(now.mean(axis=0).max(), rel=1e-12)
    assert result.best_now == int(np.argmax(now.mean(axis=0)))
    assert later.min(axis=1).mean() - 1e-9 * scale <= result.wait <= later.max(axis=1).mean() + 1e-9 * scale
    assert result.choice_shares.shape == (options,)
    assert (result.choice_shares >= 0).all() and result.choice_shares.sum() == pytest.approx(1.0)
    assert result.standard_error >= 0


@pytest.mark.parametrize(("now", "later", "signal", "message"), [
    (np.zeros((40, 2)), np.zeros((41, 2)), np.zeros(40), "same shape"),
    (np.zeros((40, 2)), np.zeros((40, 3)), np.zeros(40), "same shape"),
    (np.zeros(40), np.zeros(40), np.zeros(40), r"now must have shape \(n, K\)"),
    (np.zeros((40, 2)), np.zeros((40, 2)), np.zeros(39), "one row per path"),
    (np.zeros((40, 2)), np.zeros((40, 2)), np.zeros((40, 2, 1)), "signal must have shape"),
    (np.zeros((10, 2)), np.zeros((10, 2)), np.arange(10.0), "at least 6 paths"),
    (np.zeros((40, 2)), np.full((40, 2), np.nan), np.zeros(40), "later must be finite"),
])
def test_value_of_waiting_rejects_bad_shapes(now, later, signal, message):
    with pytest.raises(ValueError, match=message):
        value_of_waiting(now, later, signal)


@pytest.mark.parametrize(("state", "exercise", "discount", "degree", "message"), [
    (np.ones((8, 2)), np.ones((8, 3)), 0.9, 2, "state must have shape"),
    (np.ones((8, 3)), -np.ones((8, 3)), 0.9, 2, "≥ 0"),
    (np.ones((8, 3)), np.ones((8, 3)), 0.0, 2, "discount"),
    (np.ones((8, 3)), np.ones((8, 3)), 0.9, 0, "degree"),
    (np.ones(8), np.ones(8), 0.9, 2, r"exercise must have shape \(n, T\)"),
])
def test_exercise_times_rejects_bad_inputs(state, exercise, discount, degree, message):
    with pytest.raises(ValueError, match=message):
        exercise_times(state, exercise, discount, degree)
