"""Shared drivers and cross-candidate correlations: the dependence between alliances, against closed forms.

Two candidates whose NPV is a linear function of one normal driver (no ramp-up, no launch delay, no risks)
give closed forms: with the driver shared their NPVs are equal in every iteration, so the sum's CVaR is twice
one's (CVaR is positively homogeneous); with the drivers drawn independently the sum is normal with twice the
mean and √2 times the standard deviation, and the normal CVaR is μ − σ·φ(z_α)/α (Rockafellar & Uryasev 2000,
section 3, for the normal case).
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from alliance_analytics import load_case
from alliance_analytics.core.problems import InputError
from alliance_analytics.risk.analysis import simulate_case, simulate_thesis
from alliance_analytics.risk.measures import cvar

ASSUMPTIONS = ("candidate_id,assumption_id,quantity,distribution,value,min,mode,max,shape,mean,sd,p10,p50,p90,"
               "unit,description,driver_id,driver_effect\n")
DRIVERS = "driver_id,name,distribution,value,min,mode,max,shape,mean,sd,p10,p50,p90,unit,description\n"
RISKS = ("candidate_id,risk_id,description,probability,impact_type,impact_min,impact_mode,impact_max,"
         "mitigation,mitigation_cost,mitigated_probability\n")
REVENUE_MEAN, REVENUE_SD, MARGIN, INVESTMENT = 1_000_000.0, 300_000.0, 0.5, 1_500_000.0


def _linear_case(case_copy: Path) -> Path:
    """The sample case with C01 and C02 made identical and linear in one normal driver (revenue = 0 + driver)."""
    rows = ""
    for candidate in ("C01", "C02"):
        rows += (f"{candidate},revenue,revenue_uplift,fixed,0,,,,,,,,,,EUR/year,revenue,market,add\n"
                 f"{candidate},margin,gross_margin,fixed,{MARGIN},,,,,,,,,,share,margin,,\n"
                 f"{candidate},invest,investment,fixed,{INVESTMENT},,,,,,,,,,EUR,investment,,\n")
    others = "".join(f"C{i:02d},invest,investment,fixed,50000,,,,,,,,,,EUR,investment,,\n" for i in range(3, 14))
    (case_copy / "assumptions.csv").write_text(ASSUMPTIONS + rows + others, encoding="utf-8")
    (case_copy / "drivers.csv").write_text(
        DRIVERS + f"market,Market,normal,,,,,,{REVENUE_MEAN},{REVENUE_SD},,,,EUR/year,Market demand\n", encoding="utf-8")
    (case_copy / "risks.csv").write_text(RISKS, encoding="utf-8")
    for name in ("correlations.csv", "actuals.csv", "pilots.csv", "review.csv", "restructure.csv"):
        (case_copy / name).unlink()
    return case_copy


def _set_drivers(case_dir: Path, lines: dict[int, tuple[str, str]]) -> None:
    """Set the driver columns of some lines of ``assumptions.csv`` (file line numbers) and clear all others."""
    with (case_dir / "assumptions.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    for number, row in enumerate(rows[1:], start=2):
        row[-2:] = lines.get(number, ("", ""))
    with (case_dir / "assumptions.csv").open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)


def _annuity(case) -> float:
    """Σ_y (1 + r)^−y over the horizon: the NPV of one EUR a year."""
    finance = case.settings.finance
    return float(sum((1 + finance.discount_rate) ** -year for year in range(1, finance.horizon_years + 1)))


def test_one_shared_driver_makes_two_identical_alliances_one_risk(case_copy):
    case = load_case(_linear_case(case_copy))
    result = simulate_case(case, iterations=20_000, seed=3, sensitivity=False)
    first, second = result.candidates["C01"].npv, result.candidates["C02"].npv
    assert np.array_equal(first, second)
    assert cvar(first + second, 0.05) == pytest.approx(2 * cvar(first, 0.05), rel=1e-12)
    expected = REVENUE_MEAN * MARGIN * _annuity(case) - INVESTMENT  # linear: E[NPV] by hand
    assert first.mean() == pytest.approx(expected, abs=4 * first.std() / np.sqrt(first.size))


def test_independent_drivers_give_the_normal_closed_form_for_the_sum(case_copy):
    case = load_case(_linear_case(case_copy))
    result = simulate_case(case, iterations=200_000, seed=4, sensitivity=False, shared_drivers=False)
    first, second = result.candidates["C01"].npv, result.candidates["C02"].npv
    assert abs(stats.spearmanr(first, second)[0]) < 0.01
    scale = MARGIN * _annuity(case)
    mean, sd = 2 * (REVENUE_MEAN * scale - INVESTMENT), np.sqrt(2) * REVENUE_SD * scale
    alpha = 0.05
    closed_form = mean - sd * stats.norm.pdf(stats.norm.ppf(alpha)) / alpha
    assert cvar(first + second, alpha) == pytest.approx(closed_form, abs=0.02 * sd)  # ≈ 3 Monte Carlo s.e.
    shared = simulate_case(case, iterations=200_000, seed=4, sensitivity=False)
    together = shared.candidates["C01"].npv + shared.candidates["C02"].npv
    assert cvar(together, alpha) < closed_form - 0.25 * sd  # sharing the driver fattens the portfolio's tail


def test_cross_candidate_rank_correlations_reach_their_targets(case_copy):
    (case_copy / "correlations.csv").write_text(
        "candidate_id,assumption_a,assumption_b,rank_correlation\n"
        "C05,rev_evidence,C11:rev_app,0.6\n"
        "C11,rev_app,C13:rev_jv,-0.3\n"
        "C11,rev_app,launch,-0.4\n", encoding="utf-8")  # assumptions no shared driver moves
    case = load_case(case_copy)
    assert len(case.cross_correlations) == 1 and "C11" not in case.correlations
    result = simulate_case(case, iterations=20_000, seed=5, keep_inputs=True, sensitivity=False,
                           chunk_iterations=5_000)
    inputs = {candidate: result.candidates[candidate].inputs for candidate in ("C05", "C11", "C13")}
    pairs = [(("C05", "rev_evidence"), ("C11", "rev_app"), 0.6),
             (("C11", "rev_app"), ("C13", "rev_jv"), -0.3),
             (("C11", "rev_app"), ("C11", "launch"), -0.4),
             (("C05", "rev_evidence"), ("C13", "rev_jv"), 0.0)]  # not linked directly: the matrix says 0
    for (a, x), (b, y), target in pairs:
        achieved = stats.spearmanr(inputs[a][x], inputs[b][y])[0]
        assert achieved == pytest.approx(target, abs=0.03), (a, x, b, y)


def test_blocks_and_dask_give_bit_identical_results(sample_case):
    distributed = pytest.importorskip("distributed")
    runs = {blocks: simulate_case(sample_case, iterations=4_000, seed=8, chunk_iterations=500, blocks=blocks)
            for blocks in (1, 3, 8)}
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        runs["dask"] = simulate_case(sample_case, iterations=4_000, seed=8, chunk_iterations=500, blocks=8,
                                     scheduler=client)
    reference = runs[1]
    for label, result in runs.items():
        for candidate, simulation in reference.candidates.items():
            other = result.candidates[candidate]
            assert np.array_equal(simulation.npv, other.npv), (label, candidate)
            assert np.array_equal(simulation.payback, other.payback, equal_nan=True), (label, candidate)
            assert np.array_equal(simulation.mean_cash_flows, other.mean_cash_flows), (label, candidate)
            assert simulation.mitigation.equals(other.mitigation), (label, candidate)
            assert simulation.sensitivity.equals(other.sensitivity), (label, candidate)


def test_chunks_are_the_unit_of_randomness(sample_case):
    """Different chunk sizes draw differently but agree in distribution: the split is a seed, not a bias."""
    a = simulate_case(sample_case, iterations=20_000, seed=2, sensitivity=False, chunk_iterations=20_000)
    b = simulate_case(sample_case, iterations=20_000, seed=2, sensitivity=False, chunk_iterations=3_000)
    npv_a, npv_b = a.candidates["C01"].npv, b.candidates["C01"].npv
    assert not np.array_equal(npv_a, npv_b)
    assert stats.ks_2samp(npv_a, npv_b).pvalue > 1e-3


def test_a_candidate_alone_gets_the_npvs_it_gets_among_all(case_copy):
    (case_copy / "correlations.csv").write_text(
        "candidate_id,assumption_a,assumption_b,rank_correlation\nC01,rev_sensor_devices,C05:rev_evidence,0.5\n",
        encoding="utf-8")
    case = load_case(case_copy)
    everyone = simulate_case(case, iterations=3_000, seed=6, sensitivity=False)
    alone = simulate_case(case, iterations=3_000, seed=6, sensitivity=False, candidates=["C01"])
    assert list(alone.candidates) == ["C01"]
    assert np.array_equal(alone.candidates["C01"].npv, everyone.candidates["C01"].npv)
    thesis = simulate_thesis(case, "C01", 3_000, 6, "random")
    assert np.array_equal(thesis.npv, everyone.candidates["C01"].npv)


def test_a_mitigation_is_valued_on_the_iterations_its_event_can_change(sample_case):
    """The engine re-evaluates only the iterations where the event occurs; a full second run with the
    mitigated probability (the candidate's risk row changed) must give the same change of mean NPV."""
    result = simulate_case(sample_case, iterations=6_000, seed=9, sensitivity=False)
    table = result.candidates["C01"].mitigation
    risk = table.index[0]
    import dataclasses

    risks = sample_case.risks.copy()
    row = (risks["candidate_id"] == "C01") & (risks["risk_id"] == risk)
    risks.loc[row, "probability"] = risks.loc[row, "mitigated_probability"]
    mitigated = dataclasses.replace(sample_case, risks=risks)
    bought = simulate_case(mitigated, iterations=6_000, seed=9, sensitivity=False, candidates=["C01"])
    change = bought.candidates["C01"].npv.mean() - result.candidates["C01"].npv.mean() - table.at[risk, "Cost"]
    assert table.at[risk, "Change of mean NPV"] == pytest.approx(change, rel=1e-9, abs=1e-6)


def test_driver_mistakes_are_located(case_copy):
    _set_drivers(case_copy, {2: ("market", "multiply"), 3: ("nowhere", "add"), 4: ("market", "")})
    (case_copy / "drivers.csv").write_text(
        DRIVERS + "market,Market,lognormal,,,,,,1.0,0.2,,,,index,Market adoption\nmarket,Market,normal,,,,,,1,,,,,,Again\n"
        "blank,Blank,fixed,1,,,,,,,,,,,\n", encoding="utf-8")
    with pytest.raises(InputError) as raised:
        load_case(case_copy)
    found = {(problem.file, problem.line, problem.column) for problem in raised.value.problems}
    assert found == {("assumptions.csv", 4, "driver_effect"), ("drivers.csv", 3, "driver_id"),  # repeated id
                     ("drivers.csv", 3, "sd"), ("drivers.csv", 4, "description")}  # normal needs its sd


def test_a_qualified_id_must_name_another_candidates_assumption(case_copy):
    (case_copy / "correlations.csv").write_text(
        "candidate_id,assumption_a,assumption_b,rank_correlation\nC01,rev_sensor_devices,C99:anything,0.5\n"
        "C01,rev_sensor_devices,C05:launch,0.2\nC05,launch,C01:rev_sensor_devices,0.3\n", encoding="utf-8")
    with pytest.raises(InputError) as raised:
        load_case(case_copy)
    problems = [(p.line, p.column, p.message) for p in raised.value.problems]
    assert problems[0][:2] == (2, "assumption_b") and "candidate 'C99' has no assumption 'anything'" in problems[0][2]
    assert problems[1][:2] == (4, "assumption_b") and "already given on line 3" in problems[1][2]
    assert len(problems) == 2


def test_an_unknown_driver_is_named_with_the_known_ones(case_copy):
    _set_drivers(case_copy, {2: ("nowhere", "add")})
    (case_copy / "drivers.csv").unlink()
    with pytest.raises(InputError) as raised:  # no drivers.csv at all
        load_case(case_copy)
    assert [(p.file, p.line, p.column) for p in raised.value.problems] == [("assumptions.csv", 2, "driver_id")]
    (case_copy / "drivers.csv").write_text(DRIVERS + "market,Market,fixed,1,,,,,,,,,,,Market\n", encoding="utf-8")
    with pytest.raises(InputError) as raised:
        load_case(case_copy)
    assert "unknown driver 'nowhere'; expected one of market" in raised.value.problems[0].message
