"""The alliance-health analysis on the sample case and on broken inputs, each figure checked independently.

The sample case's five alliances in flight each tell a story (data/sample, README "Alliance health"): A01 is
only noisy, A02's joint revenue drifts down slowly, A03's relationship pulse falls and its execution slips,
A04's two sides disagree, A05's partner moved its offering's phase-out before the alliance's payback.
"""

from __future__ import annotations

import itertools
import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from alliance_analytics import InputError, load_case
from alliance_analytics.core.paths import SAMPLE_CASE_DIR
from alliance_analytics.health.analysis import HealthParameters, alliance_health, analyse_alliance_health


@pytest.fixture(scope="module")
def health():
    return alliance_health(load_case(SAMPLE_CASE_DIR))


@pytest.fixture(scope="module")
def scorecard() -> pd.DataFrame:
    return pd.read_csv(SAMPLE_CASE_DIR / "scorecard.csv", dtype={"period": str})


def _brute_first_firing(breached: list[bool], k: int, n: int) -> int:
    """The first month in which at least k of the last n months breach, by counting each window."""
    for month in range(len(breached)):
        if sum(breached[max(0, month - n + 1):month + 1]) >= k:
            return month
    return -1


def test_the_noisy_alliance_raises_no_alarm(health):
    """A01 varies only as noise does: no rule fires against it, no trigger fires, and it continues."""
    item = health.alliances["A01"]
    worse = {kpi: 1 if direction == "lower" else -1 for kpi, direction in item.kpis["direction"].items()}
    assert [signal for kpi, charts in item.charts.items() for signal in charts.signals
            if signal.direction == worse[kpi]] == []
    assert not item.triggers["firing"].any()
    assert item.recommendation == "continue"


def test_the_drifting_alliance_is_caught_by_a_drift_rule_and_the_early_warning(health, scorecard):
    """A02's joint revenue falls by about 1 % of target a month: CUSUM or EWMA signals it, its revenue floor
    (2 of 3 months below 90) has not fired yet but is likely to within 6 months, and the alliance is watched.

    The independent check: an ordinary least-squares line through the last 12 months of the raw scorecard
    falls, and extrapolated 6 months ahead it is below the floor."""
    item = health.alliances["A02"]
    rules = {signal.rule for signal in item.charts["joint_revenue"].signals if signal.direction < 0 and signal.current}
    assert rules & {"CUSUM", "EWMA"}
    floor = item.triggers.set_index("trigger_id").loc["revenue_floor"]
    assert not floor["firing"] and floor["probability"] >= 0.5
    revenue = scorecard[(scorecard["alliance_id"] == "A02") & (scorecard["kpi_id"] == "joint_revenue")]
    recent = revenue.sort_values("period")["value"].to_numpy()[-12:]
    slope, level = np.polyfit(np.arange(12), recent, 1)
    assert slope < 0 and level + slope * (11 + 6) < 90
    assert item.recommendation == "watch"


def test_the_falling_relationship_fires_its_triggers_in_the_right_month(health, scorecard):
    """A03's pulse (mean of all respondents, recomputed here from scorecard.csv) is below 3.0 in 3 of 4 months
    first in the month a brute-force window count finds, not one earlier or later; execution slips too, so the
    alliance is to be restructured."""
    item = health.alliances["A03"]
    pulse = (scorecard[(scorecard["alliance_id"] == "A03") & (scorecard["kpi_id"] == "relationship_pulse")]
             .groupby("period")["value"].mean().reindex(item.periods))
    first = _brute_first_firing(list(pulse.to_numpy() < 3.0), 3, 4)
    triggers = item.triggers.set_index("trigger_id")
    assert first >= 0 and triggers.at["pulse_low", "first_fired"] == item.periods[first]
    assert triggers.at["pulse_low", "firing"] and triggers.at["execution_slip", "firing"]
    assert item.recommendation == "restructure"
    before = alliance_health(load_case(SAMPLE_CASE_DIR), month=item.periods[first - 1]).alliances["A03"]
    assert not before.triggers.set_index("trigger_id").at["pulse_low", "firing"]


def test_the_disagreeing_sides_are_told_apart_by_an_exact_test(health, scorecard):
    """A04: the p-value of the relationship gap equals the share of all splits of the 8 respondents' scores
    whose rank-sum is at least as extreme (brute-force enumeration), and is below 0.05, so it is reviewed."""
    item = health.alliances["A04"]
    recent = item.periods[-health.settings.recent_months:]
    answers = scorecard[(scorecard["alliance_id"] == "A04") & scorecard["respondent"].notna()
                        & scorecard["period"].isin(recent)]
    scores = answers.groupby(["side", "respondent"])["value"].mean()
    ours, theirs = scores.loc["us"].to_numpy(), scores.loc["partner"].to_numpy()
    pooled = np.concatenate([ours, theirs])
    ranks = pd.Series(pooled).rank().to_numpy()
    observed = ranks[:len(ours)].sum()
    centre = len(ours) * (len(pooled) + 1) / 2
    sums = [ranks[list(split)].sum() for split in itertools.combinations(range(len(pooled)), len(ours))]
    brute = np.mean([abs(total - centre) >= abs(observed - centre) - 1e-9 for total in sums])
    gap = item.gaps.loc["relationship"]
    assert gap["p_value"] == pytest.approx(brute)
    assert gap["p_value"] < 0.05 and item.recommendation == "review"


def test_a_phase_out_before_payback_is_a_hard_exit_trigger(health):
    """A05 started on 1 May 2025 with a 30-month payback (1 Nov 2027); its partner now phases the offering out on
    31 Mar 2027, before that: the strategy gate re-run on the current case makes it an exit, whatever the KPIs."""
    item = health.alliances["A05"]
    gate = item.triggers.set_index("trigger_id").loc["strategy_gate"]
    assert gate["firing"] and gate["action"] == "exit" and "1 Nov 2027" in gate["reason"]
    assert item.recommendation == "exit"
    assert {alert["alliance"]: alert["action"] for alert in health.alerts()}["A05"] == "exit"


def test_a_missing_kpi_changes_coverage_not_the_index_floor(health, scorecard):
    """A01 did not report its pipeline in Mar 2026: the month's coverage is 1 minus the pipeline's weight share,
    and its index is the weighted mean of the KPIs reported (recomputed here), not a zero for the gap."""
    item = health.alliances["A01"]
    weights = item.kpis["weight"]
    assert item.coverage.at["2026-03", "health"] == pytest.approx(1 - weights["qualified_pipeline"] / weights.sum())
    month = scorecard[(scorecard["alliance_id"] == "A01") & (scorecard["period"] == "2026-03")]
    values = month.groupby("kpi_id")["value"].mean()
    kpis = item.kpis.loc[values.index]
    attained = np.where(kpis["direction"] == "higher", values / kpis["target"], kpis["target"] / values)
    attained = np.minimum(attained, health.settings.attainment_cap)
    assert item.index.at["2026-03", "health"] == pytest.approx(np.average(attained, weights=kpis["weight"]))


def test_same_seed_same_early_warning_and_another_seed_within_monte_carlo_error():
    """The early warning is reproducible for a seed; with another seed it moves by no more than its Monte Carlo
    error (4 binomial standard errors)."""
    case = load_case(SAMPLE_CASE_DIR)
    first, again = alliance_health(case, seed=11), alliance_health(case, seed=11)
    other = alliance_health(case, seed=12)
    a = first.alliances["A02"].triggers["probability"].to_numpy()
    assert np.array_equal(a, again.alliances["A02"].triggers["probability"].to_numpy(), equal_nan=True)
    b = other.alliances["A02"].triggers["probability"].to_numpy()
    se = np.sqrt(np.maximum(a * (1 - a), 1 / 2000) / 2000) * np.sqrt(2)
    assert np.all(np.isnan(a) == np.isnan(b))
    assert np.all(np.abs(a - b)[~np.isnan(a)] <= 4 * se[~np.isnan(a)])


def test_a_case_without_a_scorecard_is_skipped_in_words(tmp_path):
    case_dir = tmp_path / "case"
    shutil.copytree(SAMPLE_CASE_DIR, case_dir)
    for name in ("kpis.csv", "scorecard.csv", "triggers.csv"):
        (case_dir / name).unlink()
    result = alliance_health(load_case(case_dir))
    assert result.skipped.startswith("The case has no monthly scorecard")
    assert result.headline() == [result.skipped] and result.alerts() == [] and result.attention() == []
    assert result.status_table().iloc[0, 0] == result.skipped


def test_a_month_outside_the_scorecard_is_refused():
    with pytest.raises(InputError, match="month 2031-01 is outside the scorecard"):
        analyse_alliance_health(load_case(SAMPLE_CASE_DIR), HealthParameters(month="2031-01"))


def _problems(case_dir: Path) -> list[str]:
    with pytest.raises(InputError) as caught:
        load_case(case_dir)
    return [str(problem) for problem in caught.value.problems]


def test_every_problem_of_the_health_files_is_reported_at_once_and_located(tmp_path):
    case_dir = tmp_path / "case"
    shutil.copytree(SAMPLE_CASE_DIR, case_dir)
    scorecard = (case_dir / "scorecard.csv").read_text().splitlines()
    scorecard[1] = scorecard[1].replace("2024-11", "2024-13", 1)
    scorecard.append(scorecard[2])
    scorecard.append("A09,2026-01,joint_revenue,10,,,")
    (case_dir / "scorecard.csv").write_text("\n".join(scorecard) + "\n")
    kpis = (case_dir / "kpis.csv").read_text().splitlines()
    kpis[1] = kpis[1].replace(",80,", ",-80,")
    (case_dir / "kpis.csv").write_text("\n".join(kpis) + "\n")
    triggers = (case_dir / "triggers.csv").read_text().splitlines()
    triggers.append("*,odd,value,below,80,5,4,review,6")
    (case_dir / "triggers.csv").write_text("\n".join(triggers) + "\n")
    found = "\n".join(_problems(case_dir))
    last = len(scorecard)
    assert "scorecard.csv, line 2, column 'period'" in found and "YYYY-MM" in found
    assert f"scorecard.csv, line {last - 1}, column 'value': duplicate fact" in found
    assert f"scorecard.csv, line {last}, column 'alliance_id': unknown alliance 'A09'" in found
    assert "kpis.csv, line 2, column 'target'" in found
    assert f"triggers.csv, line {len(triggers)}, column 'persist_k'" in found
    assert f"triggers.csv, line {len(triggers)}, column 'threshold'" in found
    assert "unknown KPI" not in found  # kpis.csv has an invalid row: its KPIs are not called unknown
    assert len(found.splitlines()) == 6


def test_an_unknown_kpi_is_located(tmp_path):
    case_dir = tmp_path / "case"
    shutil.copytree(SAMPLE_CASE_DIR, case_dir)
    with (case_dir / "scorecard.csv").open("a") as scorecard:
        scorecard.write("A01,2026-01,no_such_kpi,10,,,\n")
    lines = len((case_dir / "scorecard.csv").read_text().splitlines())
    assert _problems(case_dir) == [f"scorecard.csv, line {lines}, column 'kpi_id': unknown KPI 'no_such_kpi' for "
                                   "alliance 'A01'; expected one of certified_staff, joint_revenue, "
                                   "milestones_on_time, qualified_pipeline, relationship_pulse, time_to_contract"]


def test_a_proposed_candidate_cannot_have_a_scorecard(tmp_path):
    case_dir = tmp_path / "case"
    shutil.copytree(SAMPLE_CASE_DIR, case_dir)
    with (case_dir / "kpis.csv").open("a") as kpis:
        kpis.write("C01,joint_revenue,value,Joint revenue,k EUR/month,higher,80,30,false\n")
    assert any("'C01' is a proposed candidate, not an alliance in flight" in problem for problem in _problems(case_dir))


def test_the_monthly_batch_lists_its_alerts_and_exits_5(tmp_path):
    """The scheduled run's contract: manifest.json alerts carry the triggers firing (here A05's strategy gate and
    A03's execution slip and pulse), and an exit or restructure alert makes the batch exit with 5."""
    config = tmp_path / "monthly.yaml"
    config.write_text(f"out: {tmp_path / 'out'}\nfail_on_alert: [exit, restructure]\n"
                      f"runs:\n  - notebooks: [alliance_health]\n    cases: [{SAMPLE_CASE_DIR}]\n")
    done = subprocess.run([str(Path(sys.executable).with_name("alliance-analytics")), "batch", str(config), "--quiet"],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 5, done.stderr
    manifest = json.loads((tmp_path / "out" / "latest" / "manifest.json").read_text())
    alerts = {(alert["alliance"], alert["trigger"]): alert["action"] for alert in manifest["alerts"]}
    assert alerts == {("A05", "strategy_gate"): "exit", ("A03", "execution_slip"): "restructure",
                      ("A03", "pulse_low"): "review"}
    assert "alert: A05 strategy_gate -> exit" in done.stderr
