"""What the options of an alliance in flight are worth from today, and the sample case's review.

- The cash flows still to come are checked against a numerical integral of the model's rates (midpoint rule on a
  fine grid), an independent second method.
- Sunk costs never enter (property test): adding the same amount to what a running alliance has already spent (its
  ``spent_to_date``, and its investment as ``candidates.csv`` and ``assumptions.csv`` give it) changes no option
  value and no decision.
- The sample case's review tells Alpina Reha (A03) to restructure, for the reasons its thesis check (broken) and
  its health report (restructure) show, and never says waiting is worth less than nothing.
"""

from __future__ import annotations

import itertools
import shutil
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alliance_analytics import load_case
from alliance_analytics.core.paths import SAMPLE_CASE_DIR
from alliance_analytics.fit.analysis import partner_fit
from alliance_analytics.portfolio.analysis import optimise_portfolio
from alliance_analytics.portfolio.review import ReviewParameters, analyse_portfolio_review
from alliance_analytics.review.analysis import alliance_options
from alliance_analytics.risk.analysis import SimulationParameters, simulate_case
from alliance_analytics.risk.cash_flow import RiskImpacts, ValueThesis, cash_flows

ITERATIONS = 1000
"""Small simulations for the property test: invariance must hold at any size, bit for bit."""


def integrated_flows(thesis: dict[str, float], horizon: int, elapsed: float, steps: int = 400_000) -> np.ndarray:
    """Yearly net cash flows from ``elapsed`` by the midpoint rule on the model's rates (one iteration)."""
    launch = thesis["launch_months"] / 12
    end = min(launch + thesis["lifetime_years"], horizon)
    rate = thesis["revenue_uplift"] * thesis["gross_margin"] + thesis["cost_savings"]
    edges = np.minimum(elapsed + np.arange(np.ceil(horizon - elapsed) + 1), horizon)
    flows = []
    for start, stop in itertools.pairwise(edges):
        width = (stop - start) / steps
        t = start + width * (np.arange(steps) + 0.5)
        ramp = np.clip((t - launch) / thesis["ramp_up_years"], 0, 1) * (t >= launch)
        running = (t < end).astype(float)
        flows.append(float(((rate * ramp - thesis["running_cost"]) * running).sum() * width))
    return np.array([0.0, *flows])


@pytest.mark.parametrize("elapsed", [0.25, 1.0, 1.9, 3.5, 6.75])
def test_the_cash_flows_still_to_come_are_the_integral_of_the_rates(elapsed: float) -> None:
    thesis = {"revenue_uplift": 900_000.0, "gross_margin": 0.4, "cost_savings": 50_000.0, "investment": 700_000.0,
              "running_cost": 120_000.0, "launch_months": 5.0, "ramp_up_years": 1.5, "lifetime_years": 4.0}
    flows = cash_flows(ValueThesis.from_arrays(1, **thesis), RiskImpacts.none(1), horizon_years=7,
                       elapsed_years=elapsed)[0]
    assert flows[0] == 0.0, "the investment is sunk"
    # the midpoint rule errs by at most one step (2.5e-6 years) times the rate where the alliance ends: < 1 EUR
    assert flows[1:] == pytest.approx(integrated_flows(thesis, 7, elapsed)[1:], rel=1e-6, abs=1.0)


def test_at_the_start_the_flows_still_to_come_are_the_business_case_without_its_investment() -> None:
    thesis = ValueThesis.from_arrays(3, investment=np.array([1.0, 2.0, 3.0]), revenue_uplift=0.6,
                                     gross_margin=0.5, launch_months=6, ramp_up_years=1, running_cost=0.1)
    whole = cash_flows(thesis, RiskImpacts.none(3), horizon_years=4)
    later = cash_flows(thesis, RiskImpacts.none(3), horizon_years=4, elapsed_years=1e-12)
    assert later[:, 1:] == pytest.approx(whole[:, 1:], abs=1e-9)


def _review_decisions(case_dir: Path) -> tuple[dict[str, str], dict[str, np.ndarray]]:
    """The rebalanced portfolio's decision per alliance and each alliance's option NPVs, on a small simulation."""
    case = load_case(case_dir)
    parameters = SimulationParameters(iterations=ITERATIONS)
    options = alliance_options(case, parameters)
    fit = partner_fit(case)
    scenarios = simulate_case(case, iterations=ITERATIONS, sensitivity=False).scenarios
    portfolio = optimise_portfolio(case, fit, scenarios, explain=False, review=options.options)
    return portfolio.decisions, {alliance: review.options.npv for alliance, review in options.reviews.items()}


@pytest.fixture(scope="module")
def baseline() -> tuple[dict[str, str], dict[str, np.ndarray]]:
    return _review_decisions(SAMPLE_CASE_DIR)


@settings(max_examples=4, deadline=None)
@given(alliance=st.sampled_from(["A01", "A03"]), extra=st.integers(1, 5_000_000))
def test_money_already_spent_never_changes_a_decision(baseline, alliance: str, extra: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        case_dir = Path(folder) / "case"
        shutil.copytree(SAMPLE_CASE_DIR, case_dir)
        review = pd.read_csv(case_dir / "review.csv", dtype=str, keep_default_na=False)
        row = review["alliance_id"] == alliance
        review.loc[row, "spent_to_date"] = str(int(review.loc[row, "spent_to_date"].iloc[0]) + extra)
        review.to_csv(case_dir / "review.csv", index=False)
        candidates = pd.read_csv(case_dir / "candidates.csv", dtype=str, keep_default_na=False)
        row = candidates["candidate_id"] == alliance
        candidates.loc[row, "investment"] = str(int(candidates.loc[row, "investment"].iloc[0]) + extra)
        candidates.to_csv(case_dir / "candidates.csv", index=False)
        assumptions = pd.read_csv(case_dir / "assumptions.csv", dtype=str, keep_default_na=False)
        row = (assumptions["candidate_id"] == alliance) & (assumptions["quantity"] == "investment")
        assumptions.loc[row, "value"] = str(int(assumptions.loc[row, "value"].iloc[0]) + extra)
        assumptions.to_csv(case_dir / "assumptions.csv", index=False)
        decisions, values = _review_decisions(case_dir)
    assert decisions == baseline[0]
    for owner, npv in values.items():
        assert np.array_equal(npv, baseline[1][owner]), f"{owner}'s option values moved with money already spent"


@pytest.fixture(scope="module")
def review(sample_case):
    return analyse_portfolio_review(sample_case, ReviewParameters(frontier_points=2, robustness_samples=0))


def test_the_sample_restructures_alpina_reha_for_the_reasons_its_reports_show(review) -> None:
    assert review.decision("A03") in ("restructure", "exit")
    assert review.decision("A01") == "continue"
    reason = review.reason("A03")
    assert "Thesis broken" in reason and "Alliance health says restructure" in reason
    assert review.in_need() == ["A03"]
    assert review.reviews["A03"].gain > 0


def test_waiting_is_never_worth_less_than_nothing(review) -> None:
    for item in review.reviews.values():
        if item.waiting is not None:
            assert item.waiting.flexibility >= 0
            money = 1e-9 * max(1.0, abs(item.waiting.decide_now))  # the mean gain and the difference of means differ by rounding
            assert item.waiting.flexibility == pytest.approx(max(0.0, item.waiting.wait - item.waiting.decide_now),
                                                             abs=money)


def test_exit_is_salvage_less_exit_cost_in_every_future(review, sample_case) -> None:
    table = sample_case.review_tables["review.csv"].set_index("alliance_id")
    for alliance, item in review.reviews.items():
        exit_value = table.at[alliance, "salvage"] - table.at[alliance, "exit_cost"]
        assert (item.options.npv[:, -1] == exit_value).all()


def test_the_portfolio_report_and_the_review_show_one_rebalanced_portfolio(review, sample_case) -> None:
    """The review's portfolio is the portfolio analysis's own result: its new candidates and its decisions."""
    from alliance_analytics.portfolio.analysis import PortfolioParameters, analyse_portfolio

    portfolio = analyse_portfolio(sample_case, PortfolioParameters(frontier_points=2, robustness_samples=0))
    assert portfolio.selected == review.portfolio.selected
    assert portfolio.decisions == {alliance: review.decision(alliance) for alliance in review.reviews}


def test_a_case_without_review_says_so_in_words_everywhere(case_copy) -> None:
    for name in ("review.csv", "restructure.csv"):
        (case_copy / name).unlink()
    case = load_case(case_copy)
    result = analyse_portfolio_review(case, ReviewParameters(iterations=2000, frontier_points=2, robustness_samples=0))
    said = "No alliance in flight is reviewed: review.csv"
    assert result.headline()[0].startswith(said) and result.limitations()[0].startswith(said)
    for table in (result.decision_table(), result.options_table(), result.waiting_table(), result.sunk_table(),
                  result.in_need_table()):
        assert table.shape == (1, 1) and table.iloc[0, 0].startswith(said)
    assert result.to_json()["alliances"] == {} and result.portfolio.decisions == {}
    assert result.portfolio.problem.changes == {}


def test_an_infeasible_programme_shows_every_alliance_continuing_and_says_why(case_copy) -> None:
    settings = (case_copy / "case.yaml").read_text(encoding="utf-8")
    (case_copy / "case.yaml").write_text(settings.replace("budget: 5000000 ", "budget: 100000 "), encoding="utf-8")
    case = load_case(case_copy)
    result = analyse_portfolio_review(case, ReviewParameters(iterations=2000, frontier_points=2, robustness_samples=0))
    assert result.portfolio.solution.status == "infeasible"
    assert {alliance: result.decision(alliance) for alliance in result.reviews} == {"A01": "continue",
                                                                                   "A03": "continue"}
    assert any(line.startswith("No rebalanced portfolio was found (infeasible") for line in result.limitations())
    assert result.to_json()["portfolio"]["status"] == "infeasible"


def _review_of(now: np.ndarray, later: np.ndarray, signal: np.ndarray):
    """An AllianceReview of synthetic option values (continue, exit) with the waiting value computed."""
    from alliance_analytics.review.analysis import AllianceReview
    from alliance_analytics.review.lsm import value_of_waiting
    from alliance_analytics.review.options import AllianceOptions

    options = AllianceOptions("A09", "Test", ["continue", "exit"], None, now, later, signal, ["x"],
                              np.zeros(2), np.zeros(2), None, True)
    return AllianceReview(options, value_of_waiting(now, later, signal))


def test_waiting_is_advised_only_when_the_next_reviews_actuals_would_change_the_decision() -> None:
    """Continue is worth θ ~ N(0.1, 1) M EUR, exit 0: deciding now continues (0.1); a review that learns θ
    exits when θ < 0 and is worth E[max(θ, 0)] ≈ 0.45 (closed form μΦ(μ/s) + sφ(μ/s)); waiting is advised.
    When the same review learns nothing (pure noise), waiting would not change the decision: decide now."""
    rng = np.random.default_rng(5)
    theta = rng.normal(0.1e6, 1e6, 20_000)
    now = np.column_stack([theta, np.zeros_like(theta)])
    informed = _review_of(now, now, theta)
    assert informed.wait and 0.3 < informed.changes_decision < 0.7
    assert informed.waiting.flexibility == pytest.approx(0.45e6 - 0.1e6, rel=0.1)
    blind = _review_of(now, now, rng.normal(size=theta.size))
    assert not blind.wait and blind.changes_decision < 0.05


def test_a_what_if_can_force_a_review_decision(sample_case) -> None:
    """Forcing A03's exit (or keeping its restructure out) is a what-if like forcing a candidate: the optimum under
    the force, equal to the best of the rebalanced problem with that column fixed, and reported as forced."""
    from alliance_analytics.portfolio.analysis import PortfolioParameters, analyse_portfolio

    fast = {"frontier_points": 2, "robustness_samples": 0}
    exit_a03 = analyse_portfolio(sample_case, PortfolioParameters(force_in=["A03:exit"], **fast))
    assert exit_a03.decisions == {"A01": "continue", "A03": "exit"}
    assert exit_a03.why.at["A03:exit", "status"] == "forced in"
    base = analyse_portfolio(sample_case, PortfolioParameters(**fast))
    fixed = base.problem.forcing("A03:exit", include=True)
    from alliance_analytics.portfolio.solver import solve

    assert exit_a03.solution.objective == pytest.approx(solve(fixed, gap=0.0).objective, rel=1e-9)
    assert exit_a03.solution.objective < base.solution.objective
    kept = analyse_portfolio(sample_case, PortfolioParameters(force_out=["A03:restructure"], **fast))
    assert kept.decisions["A03"] in ("continue", "exit")


def test_forcing_an_unknown_review_change_names_the_changes(sample_case) -> None:
    from alliance_analytics.portfolio.analysis import PortfolioParameters

    problems = PortfolioParameters(force_in=["A03:exit", "A01:restructure"]).problems(sample_case)
    assert len(problems) == 1 and problems[0].column == "force_in"
    assert "unknown candidate 'A01:restructure'" in problems[0].message
    assert "A01:exit, A03:restructure, A03:exit" in problems[0].message


def test_two_changes_of_one_alliance_cannot_both_be_forced_in(sample_case) -> None:
    from alliance_analytics.portfolio.analysis import PortfolioParameters

    problems = PortfolioParameters(force_in=["A03:exit", "A03:restructure"]).problems(sample_case)
    assert [problem.message for problem in problems] == [
        "A03:exit and A03:restructure are both forced in; expected at most one change for A03"]


def test_an_alliance_worth_waiting_for_keeps_running_and_every_report_says_so(case_copy) -> None:
    """A03 without its restructure option, its revenue actuals measured with sd 600,000 (so three more months
    still teach a lot) and a salvage that makes exiting worth as much as continuing (0.80 M EUR each): the next
    review's actuals would change the decision in a sixth of the futures, waiting is worth more than two standard
    errors, so A03 keeps running and is left out of the rebalancing; the brief's first sentence says so."""
    from alliance_analytics import BriefParameters, analyse_decision_brief

    (case_copy / "restructure.csv").unlink()
    review = pd.read_csv(case_copy / "review.csv", dtype=str, keep_default_na=False)
    review.loc[review["alliance_id"] == "A03", ["restructure", "restructure_cost", "restructure_fte", "salvage"]] = \
        ["", "", "", "920000"]
    review.to_csv(case_copy / "review.csv", index=False)
    actuals = pd.read_csv(case_copy / "actuals.csv", dtype=str, keep_default_na=False)
    actuals.loc[(actuals["alliance_id"] == "A03") & (actuals["assumption_id"] == "rev_rehab"), "sd"] = "600000"
    actuals.to_csv(case_copy / "actuals.csv", index=False)
    case = load_case(case_copy)
    fast = {"frontier_points": 2, "robustness_samples": 0}
    result = analyse_portfolio_review(case, ReviewParameters(**fast))
    a03 = result.reviews["A03"]
    assert abs(a03.expected[0] - a03.expected[1]) < 0.05 * a03.expected[0], "continue and exit are close"
    assert a03.wait and a03.changes_decision >= 0.05
    assert a03.waiting.flexibility > 2 * a03.waiting.standard_error
    assert result.decision("A03") == "wait" and "A03:exit" not in result.portfolio.problem.changes
    assert result.headline()[0].startswith("Keep Alpina Reha Kliniken AG (A03) running until the next review, then "
                                           "decide; wait for the review in 3 months")
    brief = analyse_decision_brief(case, BriefParameters(samples=500, **fast))
    assert brief.decision().startswith("Keep Alpina Reha Kliniken AG (A03) running until the next review, then decide; "
                                       "continue Baltic Homecare Services UAB (A01); pursue ")
    assert result.to_json()["alliances"]["A03"]["waiting"]["recommendation"] == "wait"
