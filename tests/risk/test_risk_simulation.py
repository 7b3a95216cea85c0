"""The risk simulation of a whole case: deterministic limits, risk events, correlations, reproducibility."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from degenerate_cases import write_degenerate_case
from reader_checks import assert_reader_table, number
from scipy import stats

from alliance_analytics import load_case
from alliance_analytics.core.problems import InputError
from alliance_analytics.risk.analysis import simulate_case, write_scenarios

ASSUMPTION_HEADER = ("candidate_id,assumption_id,quantity,distribution,value,min,mode,max,shape,mean,sd,p10,p50,p90,"
                     "unit,description\n")
RISK_HEADER = ("candidate_id,risk_id,description,probability,impact_type,impact_min,impact_mode,impact_max,"
               "mitigation,mitigation_cost,mitigated_probability\n")


def _fixed(candidate: str, **quantities: float) -> str:
    return "".join(f"{candidate},{name},{name},fixed,{value},,,,,,,,,,,\n" for name, value in quantities.items())


@pytest.fixture
def certain_case(case_copy: Path) -> Path:
    """The sample case with C01's value thesis made certain and every other candidate's too, no risks."""
    rows = _fixed("C01", revenue_uplift=600_000, gross_margin=0.5, investment=1_000_000, launch_months=6,
                  ramp_up_years=1, lifetime_years=20)
    others = "".join(_fixed(c, revenue_uplift=100_000, investment=50_000) for c in
                     [f"C{i:02d}" for i in range(2, 14)])
    (case_copy / "assumptions.csv").write_text(ASSUMPTION_HEADER + rows + others, encoding="utf-8")
    (case_copy / "risks.csv").write_text(RISK_HEADER, encoding="utf-8")
    (case_copy / "correlations.csv").unlink()
    for name in ("actuals.csv", "pilots.csv", "review.csv", "restructure.csv"):  # about the value theses replaced here
        (case_copy / name).unlink()
    return case_copy


def _hand_npv(rate: float, horizon: int) -> float:
    """C01 by hand: benefit 300,000 a year at full rate, launch at 0.5 years, one-year linear ramp-up.

    Year 1 covers t in [0, 1]: the ramp from 0.5 to 1 gives 300,000 · ∫_0^0.5 s ds = 300,000 · 0.125 = 37,500.
    Year 2: the ramp from 1 to 1.5 gives 300,000 · (0.5 + 1)/2 · 0.5 = 225,000·... = 300,000 · 0.875 = 262,500.
    Later years: 300,000. Year 0: −1,000,000.
    """
    flows = [-1_000_000, 37_500, 262_500] + [300_000] * (horizon - 2)
    return sum(flow / (1 + rate) ** year for year, flow in enumerate(flows))


def test_a_case_without_uncertainty_gives_the_deterministic_npv_exactly(certain_case):
    case = load_case(certain_case)
    result = simulate_case(case, iterations=200, seed=1)
    finance = case.settings.finance
    npv = result.candidates["C01"].npv
    assert np.all(npv == npv[0])
    assert npv[0] == pytest.approx(_hand_npv(finance.discount_rate, finance.horizon_years), rel=1e-12)
    summary = result.to_json()["candidates"]["C01"]
    assert summary["evpi"] == 0 and summary["prob_loss"] in (0.0, 1.0)


def test_phase_out_truncates_the_benefits(certain_case):
    """C04's offering is phased out on 2030-06-30, 3.66 years after as_of: no benefit after that."""
    case = load_case(certain_case)
    flows = simulate_case(case, iterations=100, seed=1).candidates["C04"].mean_cash_flows
    years = (pd.Timestamp("2030-06-30") - pd.Timestamp(case.settings.as_of)).days / 365.25
    assert flows[0] == pytest.approx(-50_000)
    assert flows[1:4] == pytest.approx([100_000] * 3)
    assert flows[4] == pytest.approx(100_000 * (years - 3))
    assert np.all(flows[5:] == 0)


@pytest.mark.parametrize(("probability", "expected_share"), [(0.0, 0.0), (1.0, 1.0)])
def test_risk_events_with_probability_zero_or_one_behave_exactly(certain_case, probability, expected_share):
    (certain_case / "risks.csv").write_text(
        RISK_HEADER + f"C01,fine,A regulator's fine,{probability},one_off_cost,200000,200000,200000,,,\n",
        encoding="utf-8")
    case = load_case(certain_case)
    result = simulate_case(case, iterations=300, seed=4)
    npv = result.candidates["C01"].npv
    rate = case.settings.finance.discount_rate
    expected = _hand_npv(rate, case.settings.finance.horizon_years) - expected_share * 200_000 / (1 + rate)
    assert np.allclose(npv, expected, rtol=1e-12)


def test_a_mitigation_is_valued_on_the_same_futures(certain_case):
    (certain_case / "risks.csv").write_text(
        RISK_HEADER + "C01,fine,A fine,0.5,one_off_cost,100000,100000,100000,Better controls,10000,0.1\n",
        encoding="utf-8")
    case = load_case(certain_case)
    table = simulate_case(case, iterations=4000, seed=2).candidates["C01"].mitigation
    rate = case.settings.finance.discount_rate
    # Expected saving (0.5 − 0.1) · 100,000 / 1.09 ≈ 36,697, minus the 10,000 cost; common random numbers keep
    # the Monte Carlo error of the difference small.
    assert table.loc["fine", "Change of mean NPV"] == pytest.approx(0.4 * 100_000 / (1 + rate) - 10_000, rel=0.05)
    assert bool(table.loc["fine", "Worth buying"])


def test_rank_correlations_are_induced(sample_case):
    result = simulate_case(sample_case, iterations=20_000, seed=3, keep_inputs=True)
    inputs = result.candidates["C05"].inputs  # assumptions no shared driver moves after the correlation is induced
    assert stats.spearmanr(inputs["rev_evidence"], inputs["study_savings"]).statistic == pytest.approx(0.6, abs=0.03)
    inputs = result.candidates["C13"].inputs
    assert stats.spearmanr(inputs["rev_jv"], inputs["jv_overhead"]).statistic == pytest.approx(0.4, abs=0.03)


def test_same_seed_same_results_and_candidates_are_independent(sample_case):
    first = simulate_case(sample_case, iterations=2000, seed=9)
    again = simulate_case(sample_case, iterations=2000, seed=9)
    other = simulate_case(sample_case, iterations=2000, seed=10)
    assert first.scenarios.equals(again.scenarios)
    assert not first.scenarios.equals(other.scenarios)
    assert json.dumps(first.to_json()) == json.dumps(again.to_json())


def test_latin_hypercube_estimates_the_mean_more_precisely(certain_case):
    """With only revenue uncertain (uniform), LHS's mean NPV error is far below plain Monte Carlo's."""
    text = (certain_case / "assumptions.csv").read_text(encoding="utf-8")
    (certain_case / "assumptions.csv").write_text(
        text.replace("C01,revenue_uplift,revenue_uplift,fixed,600000,,,,,,,,,,,",
                     "C01,revenue_uplift,revenue_uplift,uniform,,400000,,800000,,,,,,,,"), encoding="utf-8")
    case = load_case(certain_case)
    exact = simulate_case(case, iterations=100_000, seed=1, sampling="lhs").candidates["C01"].npv.mean()
    errors = {method: np.std([simulate_case(case, iterations=200, seed=s, sampling=method)
                              .candidates["C01"].npv.mean() - exact for s in range(12)])
              for method in ("random", "lhs")}
    assert errors["lhs"] < errors["random"] / 5


def test_summary_matches_the_scenarios(sample_case):
    result = simulate_case(sample_case, iterations=5000, seed=5)
    scenarios = result.scenarios
    data = result.to_json()["candidates"]
    for candidate in ("C02", "C10"):
        values = scenarios[candidate].to_numpy()
        assert data[candidate]["npv_mean"] == pytest.approx(values.mean())
        assert data[candidate]["npv_p10"] == pytest.approx(np.quantile(values, 0.1))
        assert data[candidate]["prob_loss"] == pytest.approx((values < 0).mean())
        worst = np.sort(values)[: int(np.ceil(0.05 * len(values)))]
        assert data[candidate]["cvar_5"] == pytest.approx(worst.mean())
        assert set(data[candidate]["evppi"]) == set(
            sample_case.assumptions.loc[sample_case.assumptions["candidate_id"] == candidate, "assumption_id"])
        assert 0 <= max(data[candidate]["evppi"].values()) <= data[candidate]["evpi"] + 1e-6


def test_scenario_matrix_is_saved_beside_the_results(sample_case, tmp_path):
    result = simulate_case(sample_case, iterations=500, seed=5)
    path = write_scenarios(tmp_path / "results.json", result)
    assert path == tmp_path / "npv_scenarios.csv.gz"
    with gzip.open(path, "rt") as stream:
        saved = pd.read_csv(stream, index_col="iteration")
    assert list(saved.columns) == list(sample_case.candidates.index) and len(saved) == 500
    assert np.allclose(saved.to_numpy(), result.scenarios.to_numpy(), atol=0.005)
    assert write_scenarios("", result) is None


def test_bad_parameters_are_all_reported(sample_case):
    with pytest.raises(InputError) as caught:
        simulate_case(sample_case, iterations=5, sampling="quasi")
    assert [problem.column for problem in caught.value.problems] == ["iterations", "sampling"]


WALK_AWAYS = ["C03", "C04", "C07", "C08"]


def test_headline_and_value_of_information_agree(sample_case):
    result = simulate_case(sample_case, iterations=5000, seed=20261101)
    table = result.value_of_information_table()
    assert_reader_table(table)
    for label in table.index:
        listed = table.at[label, "Validate in the first 90 days"]
        assert listed == ("; ".join(result.validate_first(label[-4:-1])) or "—")
    headline = result.headline(WALK_AWAYS)
    running = result.scenarios.drop(columns=WALK_AWAYS).mean()
    best = running.idxmax()
    assert headline[0].startswith(f"highest expected NPV of the 9 candidates in the running: "
                                  f"{result.names[best]} ({best}), ")
    assert number(headline[0].rsplit(", ", 1)[1]) == pytest.approx(running[best] / 1e6, abs=0.0051)
    assert headline[-1] == "walk-aways, simulated for reference only: C07, C04, C03 and C08"
    losing = (result.scenarios.drop(columns=WALK_AWAYS) < 0).mean()
    called = headline[1].removeprefix("loss probability of 25 % or more: ").replace(" and ", ", ").split(", ")
    assert sorted(called) == sorted(losing.index[losing >= 0.25])


def test_payback_table_is_the_cumulative_share_paid_back(sample_case):
    result = simulate_case(sample_case, iterations=3000, seed=6)
    table = result.payback_table()
    assert_reader_table(table)
    payback = result.candidates["C02"].payback
    assert number(table.loc["Medivio Cloud GmbH (C02)", "by year 4"]) == pytest.approx(100 * (payback <= 4).mean(),
                                                                                       abs=0.51)
    shares = table.map(number)
    assert (shares.diff(axis=1).iloc[:, 1:] >= 0).all().all(), "cumulative shares never fall"
    assert set(table.loc["Vantage Telehealth Classic (C03)"]) == {"0 %"}, "the phased-out offering never pays back"


def test_rank_correlation_table_matches_scipy(sample_case):
    result = simulate_case(sample_case, iterations=3000, seed=6, keep_inputs=True)
    table = result.rank_correlation_table(top=3)
    assert_reader_table(table)
    inputs, npv = result.candidates["C02"].inputs, result.candidates["C02"].npv
    top = table.loc["Medivio Cloud GmbH (C02)"]
    assert len(top) == 3 and top.index[0] == "rev_subscriptions"
    assert number(top.loc["rev_subscriptions", "Spearman"]) == pytest.approx(
        stats.spearmanr(inputs["rev_subscriptions"], npv).statistic, abs=0.0051)


def test_value_table_in_one_unit_with_walk_aways_last(sample_case):
    result = simulate_case(sample_case, iterations=3000, seed=6)
    table = result.value_table(WALK_AWAYS)
    assert_reader_table(table)
    assert "Mean NPV (M EUR)" in table.columns and "CVaR 5 % (M EUR)" in table.columns
    assert list(table["Partner fit"]) == ["in the running"] * 9 + ["walk-away"] * 4
    for label, row in table.iterrows():
        npv = result.candidates[label[-4:-1]].npv
        assert number(row["Mean NPV (M EUR)"]) == pytest.approx(npv.mean() / 1e6, abs=0.0051)
        if "<" not in row["P(loss)"] and ">" not in row["P(loss)"]:
            assert number(row["P(loss)"]) == pytest.approx(100 * (npv < 0).mean(), abs=0.51)
    assert result.leader(WALK_AWAYS) == table.index[0][-4:-1]


def test_sensitivity_mitigation_and_convergence_tables_read_as_text(sample_case):
    result = simulate_case(sample_case, iterations=3000, seed=6)
    sensitivity = result.sensitivity_table("C09")
    assert sensitivity.index.name == "Input of Alpenmed Vertrieb GmbH (C09)"
    mitigation = result.mitigation_table()
    convergence = result.convergence_table()
    for table in (sensitivity, mitigation, convergence):
        assert_reader_table(table)
    raw = result.candidates["C11"].mitigation.loc["holding_reprioritises"]
    assert number(mitigation.loc[("CareSphere Platform AB (C11)", "holding_reprioritises"), "Cost (M EUR)"]) \
        == pytest.approx(raw["Cost"] / 1e6, abs=0.0051)
    assert set(convergence["Precise enough"]) <= {"yes", "no"}
    assert convergence.at["Medivio Cloud GmbH (C02)", "Iterations"] == "3,000"


def test_a_case_without_risks_or_correlations_says_so(tmp_path):
    for name, words in (("no_risks", "lists no risk"), ("no_correlations", "No rank correlations")):
        case = load_case(write_degenerate_case(name, tmp_path))
        result = simulate_case(case, iterations=500, seed=3)
        assert [line for line in result.limitations(case, WALK_AWAYS) if words in line]
    case = load_case(tmp_path / "no_risks")
    assert simulate_case(case, iterations=500).mitigation_table().iloc[0, 0] == \
        "The risk register offers no mitigation to value."


def test_every_candidate_walking_away_leaves_a_reference_only_headline(sample_case):
    result = simulate_case(sample_case, iterations=500, seed=3)
    everyone = list(sample_case.candidates.index)
    assert result.headline(everyone)[0].startswith("No candidate is in the running: all 13 walk away")
    assert result.limitations(sample_case, everyone)[0].startswith("Every candidate walks away")
    assert result.headline()[0].startswith("highest expected NPV of the 13 candidates simulated")


def test_inputs_are_kept_only_when_asked_and_do_not_change_the_results(sample_case):
    lean = simulate_case(sample_case, iterations=2000, seed=8)
    full = simulate_case(sample_case, iterations=2000, seed=8, keep_inputs=True)
    assert lean.candidates["C01"].inputs is None
    assert list(full.candidates["C01"].inputs.columns[-4:]) == ["risk:notified_body_delay", "risk:price_increase",
                                                                "driver:dach_reimbursement",
                                                                "driver:notified_body_backlog"]
    assert json.dumps(lean.to_json()) == json.dumps(full.to_json())
    sensitivity = full.candidates["C01"].sensitivity
    assert sensitivity.loc["rev_sensor_devices", "Spearman"] == pytest.approx(
        stats.spearmanr(full.candidates["C01"].inputs["rev_sensor_devices"], full.candidates["C01"].npv).statistic)


def test_the_bare_model_gives_the_same_futures_without_sensitivity_figures(sample_case):
    bare = simulate_case(sample_case, iterations=1000, seed=8, sensitivity=False)
    full = simulate_case(sample_case, iterations=1000, seed=8)
    assert bare.scenarios.equals(full.scenarios)
    assert bare.summary_table().equals(full.summary_table())
    with pytest.raises(ValueError, match="sensitivity=False"):
        bare.to_json()
