"""The thesis check on the sample case and on edited copies, each figure checked by an independent calculation.

The sample's two alliances with actuals tell opposite stories: Baltic Homecare (A01) confirms its thesis, Alpina
Reha's (A03) revenue ramp is far below plan. Independent references: the normal–normal closed form written out
here (Gelman et al., *Bayesian Data Analysis*, 3rd ed., section 2.5), a posterior computed by numerical
integration on a grid (prior density × likelihood), the risk simulation's own NPVs and EVPPIs.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

import alliance_analytics as aa
from alliance_analytics import load_case
from alliance_analytics.risk.analysis import simulate_case
from alliance_analytics.thesis.analysis import thesis_check

ITERATIONS, SEED = 20_000, 20261101
FAST_BRIEF = {"samples": 1000, "robustness_samples": 5, "frontier_points": 3}
"""The brief's own analyses made small; its risk simulation (the thesis check's draws) keeps the case's size."""


@pytest.fixture(scope="module")
def sample_thesis() -> aa.ThesisResult:
    """The thesis check of the sample case with its own iterations and seed."""
    return thesis_check(load_case(aa_sample()), ITERATIONS, SEED, "random")


def aa_sample() -> Path:
    from alliance_analytics.core.paths import SAMPLE_CASE_DIR
    return SAMPLE_CASE_DIR


def _append(path: Path, *lines: str) -> None:
    with path.open("a", encoding="utf-8") as file:
        file.write("".join(f"{line}\n" for line in lines))


def _normal_posterior(mu0: float, tau: float, y: list[float], sigma: list[float]) -> tuple[float, float]:
    """BDA3 eq. 2.11–2.12 with one σ per measurement: posterior mean and sd of a normal mean."""
    precision = 1 / tau**2 + sum(1 / s**2 for s in sigma)
    return (mu0 / tau**2 + sum(v / s**2 for v, s in zip(y, sigma, strict=True))) / precision, math.sqrt(1 / precision)


def test_the_sample_verdicts_tell_the_two_stories(sample_thesis):
    verdicts = sample_thesis.verdicts
    assert set(verdicts) == {"A01", "A03"}
    assert verdicts["A01"].code == "confirmed" and verdicts["A01"].words == "thesis confirmed"
    assert verdicts["A03"].code == "broken" and verdicts["A03"].words == "thesis broken: review the alliance"
    assert verdicts["A03"].moved[0] == "rev_rehab"
    a03 = sample_thesis.updates["A03"]
    assert a03.then["prob_loss"] < 0.05 and a03.now["prob_loss"] >= 0.5
    assert a03.now["mean"] < 0 < a03.then["mean"]
    assert list(sample_thesis.verdicts) == ["A03", "A01"]  # most severe first, everywhere
    assert sample_thesis.headline()[0].startswith(
        "Alpina Reha Kliniken AG: thesis broken: review the alliance. Device sales to rehabilitation clinics at "
        "full run rate: observed 0.52 M EUR/year on average over 3 months, now expected 0.60 M EUR/year against "
        "1.30 M EUR/year planned")


def test_a_conjugate_update_matches_the_closed_form(sample_thesis):
    """A03's revenue: normal prior N(1.3 M, 0.25 M), three measurements with sd 150 k."""
    mean, sd = _normal_posterior(1_300_000, 250_000, [520_000, 480_000, 560_000], [150_000] * 3)
    row = sample_thesis.updates["A03"].assumptions.loc["rev_rehab"]
    draws = sample_thesis.updates["A03"].posterior_draws["rev_rehab"].to_numpy()
    assert row["method"] == "closed form"
    error = sd / math.sqrt(ITERATIONS)
    assert abs(row["posterior_mean"] - mean) < 5 * error
    assert draws.std() == pytest.approx(sd, rel=0.03)
    assert row["posterior_p10"] == pytest.approx(stats.norm(mean, sd).ppf(0.1), abs=5 * error * 1.7)
    assert draws.std() < 250_000  # the posterior is narrower than the prior
    assert row["support"] < 1e-3  # P(revenue ≥ 1.3 M) under N(0.60 M, 0.08 M) is ~1e-17


def test_importance_resampling_matches_a_grid_posterior(sample_thesis):
    """A01's launch: triangular(2, 3, 5) prior, one measurement 3 ± 0.25 months; posterior by grid integration."""
    grid = np.linspace(2, 5, 300_001)
    density = stats.triang((3 - 2) / 3, loc=2, scale=3).pdf(grid) * stats.norm(3, 0.25).pdf(grid)
    density /= density.sum()
    mean = float(grid @ density)
    sd = math.sqrt(float((grid - mean) ** 2 @ density))
    update = sample_thesis.updates["A01"]
    row = update.assumptions.loc["launch"]
    assert row["method"] == "importance resampling"
    assert update.ess is not None and 0.01 * ITERATIONS < update.ess < ITERATIONS
    assert abs(row["posterior_mean"] - mean) < 5 * sd / math.sqrt(update.ess)
    assert update.posterior_draws["launch"].std() == pytest.approx(sd, rel=0.1)


def test_importance_resampling_agrees_with_the_conjugate_answer_on_the_same_problem(case_copy):
    """Correlating A03's revenue with its ramp sends it through importance resampling; its marginal posterior is
    still the normal–normal closed form (the likelihood involves the revenue only)."""
    _append(case_copy / "correlations.csv", "A03,rev_rehab,ramp,0.4")
    update = thesis_check(load_case(case_copy), ITERATIONS, SEED, "random").updates["A03"]
    row = update.assumptions.loc["rev_rehab"]
    mean, sd = _normal_posterior(1_300_000, 250_000, [520_000, 480_000, 560_000], [150_000] * 3)
    assert row["method"] == "importance resampling"
    assert abs(row["posterior_mean"] - mean) < 5 * sd / math.sqrt(update.ess)
    assert update.posterior_draws["rev_rehab"].std() == pytest.approx(sd, rel=0.15)
    # the correlated ramp moves with it: low revenue draws come with shorter ramps (positive rank correlation)
    assert update.posterior_draws["ramp"].mean() < update.prior_draws["ramp"].mean()


def test_then_is_the_risk_reports_distribution_for_a_proposed_candidate(case_copy):
    """A pilot's actuals for a proposed candidate: "then" is bit for bit the risk simulation's NPV of it."""
    _append(case_copy / "actuals.csv", "C11,rev_app,2026-10,1500000,,400000,pilot clinics annualised")
    case = load_case(case_copy)
    update = thesis_check(case, 2000, SEED, "random").updates["C11"]
    risk = simulate_case(case, iterations=2000, seed=SEED, sensitivity=False).candidates["C11"]
    assert np.array_equal(update.npv_then, risk.npv)
    assert not update.in_flight


def test_pilots_are_valued_against_the_risk_reports_evppi(sample_thesis):
    simulation = aa.analyse_risk_simulation(load_case(aa_sample()), aa.SimulationParameters())
    for pilot in sample_thesis.pilots:
        reported = simulation.candidates[pilot.candidate].sensitivity.at[pilot.assumption, "EVPPI"]
        assert pilot.evppi == pytest.approx(reported, rel=1e-12)
        evsi = pilot.plan["evsi"].to_numpy()
        assert np.all(evsi >= 0) and np.all(evsi <= pilot.evppi * (1 + 1e-9)) and pilot.evppi <= pilot.evpi
        assert np.all(np.diff(evsi) >= -1e-9 * pilot.evppi)
        assert evsi[-1] > evsi[0]
        assert np.allclose(pilot.plan["enbs"], evsi - pilot.plan["cost"])


def test_the_sample_pilots_say_run_one_and_skip_the_other(sample_thesis):
    c11 = sample_thesis.pilot_for("C11", "rev_app")
    c05 = sample_thesis.pilot_for("C05", "study_savings")
    assert c11.best_size is not None and c11.plan.at[c11.best_size, "enbs"] == c11.plan["enbs"].max() > 0
    assert c05.best_size is None and (c05.plan["enbs"] < 0).all()
    assert any(line.startswith(f"CareSphere Platform AB: run a pilot of {c11.best_size} pilot clinics. It tests "
                               "“Subscription revenue from the patient app”") for line in sample_thesis.headline())
    assert any(line.startswith("Clinexa Research GmbH: no pilot pays for itself. Testing “Lower cost per study "
                               "through decentralised trials” with up to 20 pilot studies") for line in
               sample_thesis.headline())
    assert c05.shown_size == c05.plan.index[-1] == 20


def test_a_weakened_thesis(case_copy):
    """A01's channel cost far above plan (a triangular 110–160 k prior, three invoices near 158 k): the cost is now
    unlikely to be as low as planned, but the alliance still pays on average."""
    lines = (case_copy / "actuals.csv").read_text().splitlines()
    kept = [line for line in lines if ",channel_cost," not in line]
    kept += [f"A01,channel_cost,2025-0{month},158000,,4000," for month in (3, 4, 5)]
    (case_copy / "actuals.csv").write_text("\n".join(kept) + "\n")
    result = thesis_check(load_case(case_copy), ITERATIONS, SEED, "random")
    verdict = result.verdicts["A01"]
    assert verdict.code == "weakened" and verdict.moved == ["channel_cost"]
    assert result.updates["A01"].now["prob_loss"] < 0.5


def test_few_effective_draws_are_flagged(case_copy):
    """An actual in the far tail of a PERT prior, measured precisely, leaves very few draws carrying the weight."""
    _append(case_copy / "actuals.csv", "A03,gm_rehab,2025-05,0.485,,0.001,")
    result = thesis_check(load_case(case_copy), ITERATIONS, SEED, "random")
    update = result.updates["A03"]
    assert update.ess < 0.01 * ITERATIONS
    assert any("rests on few draws" in line for line in result.limitations())
    assert not result.verdicts["A03"].reliable and "Treat this with care" in result.verdicts["A03"].reasons


def test_same_seed_same_result_and_another_seed_another(sample_thesis):
    again = thesis_check(load_case(aa_sample()), ITERATIONS, SEED, "random")
    other = thesis_check(load_case(aa_sample()), ITERATIONS, SEED + 1, "random")
    for owner, update in sample_thesis.updates.items():
        assert np.array_equal(update.npv_now, again.updates[owner].npv_now)
        assert not np.array_equal(update.npv_now, other.updates[owner].npv_now)


def test_nothing_to_check_is_said_in_words(case_copy):
    for name in ("actuals.csv", "pilots.csv"):
        (case_copy / name).unlink()
    result = thesis_check(load_case(case_copy), 500, SEED, "random")
    assert result.headline() == ["Nothing to check yet. Add actuals.csv to check a value thesis against the first "
                                 "months, or pilots.csv to size a pilot before committing."]
    assert result.then_now_table().iloc[0, 0].startswith("No alliance has actuals yet")
    assert result.to_json()["alliances"] == {} and result.to_json()["pilots"] == []


def test_the_brief_carries_the_pilot_and_the_theses_in_doubt(sample_thesis):
    brief = aa.analyse_decision_brief(load_case(aa_sample()), aa.BriefParameters(**FAST_BRIEF))
    row = brief.validate_first.set_index(["candidate", "assumption"]).loc[("C11", "rev_app")]
    pilot = sample_thesis.pilot_for("C11", "rev_app")
    assert row["pilot_size"] == pilot.best_size
    assert row["pilot_evsi"] == pytest.approx(pilot.plan.at[pilot.best_size, "evsi"], rel=1e-12)
    assert brief.theses == [("A03", "Alpina Reha Kliniken AG", "broken", "thesis broken: review the alliance", True)]
    records = {(r["candidate"], r["assumption"]): r for r in brief.to_json()["validate_first"]}
    assert records[("C05", "study_savings")]["pilot_size"] is None
    assert records[("C05", "study_savings")]["pilot_unit"] == "pilot study"
    assert records[("C11", "rev_app")]["pilot_size"] == pilot.best_size and isinstance(
        records[("C11", "rev_app")]["pilot_size"], int)
    assert records[("C05", "rev_evidence")]["pilot_unit"] is None
    assert brief.to_json()["theses"] == [{"alliance": "A03", "name": "Alpina Reha Kliniken AG", "verdict": "broken",
                                          "verdict_words": "thesis broken: review the alliance", "reliable": True}]


def test_a_recommended_candidate_whose_pilot_actuals_break_its_thesis_is_a_caveat_of_the_brief(case_copy):
    """C11 is in the recommended portfolio; pilot actuals far below its plan break its thesis before committing."""
    _append(case_copy / "actuals.csv", *[f"C11,rev_app,2026-{month},1120000,,40000," for month in ("08", "09", "10")])
    case = load_case(case_copy)
    brief = aa.analyse_decision_brief(case, aa.BriefParameters(**FAST_BRIEF))
    verdict = aa.analyse_thesis_check(case, aa.ThesisParameters()).verdicts["C11"]
    assert verdict.code == "broken" and verdict.words == "thesis broken: reconsider before committing"
    assert "C11" in brief.recommended.index
    assert any(line.startswith("The pilot actuals of CareSphere Platform AB (C11) (thesis broken: reconsider before "
                               "committing) put its value thesis in doubt") for line in brief.caveats)
