"""Why a result changed: fit scores split by criterion (by hand), expected NPVs split by exact Shapley values (the
definition over all orders, the two-player formula, a plain full re-simulation)."""

from __future__ import annotations

import itertools
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st
from run_folders import ITERATIONS, copy_sample, edit_cell

from alliance_analytics import PartnerFitParameters, analyse_partner_fit, load_case
from alliance_analytics.compare.attribution import (
    fit_attributions,
    merged_order,
    npv_attribution,
    shapley_values,
)
from alliance_analytics.core.paths import SAMPLE_CASE_DIR
from alliance_analytics.risk.analysis import simulate_case


def _brute_shapley(values: np.ndarray) -> list[float]:
    """Shapley's definition: each player's marginal contribution averaged over every order of the players."""
    k = int(math.log2(values.size))
    totals = [0.0] * k
    for order in itertools.permutations(range(k)):
        mask = 0
        for player in order:
            totals[player] += values[mask | 1 << player] - values[mask]
            mask |= 1 << player
    return [total / math.factorial(k) for total in totals]


@pytest.mark.parametrize("k", range(6))
def test_shapley_values_are_the_average_over_all_orders(k):
    values = np.random.default_rng(k).normal(size=1 << k) * 1e6
    found = shapley_values(values)
    assert found == pytest.approx(_brute_shapley(values), rel=1e-12, abs=1e-6)
    assert found.sum() == pytest.approx(values[-1] - values[0], rel=1e-12, abs=1e-6)


def test_shapley_values_need_every_coalition():
    with pytest.raises(ValueError, match="2\\*\\*k"):
        shapley_values(np.zeros(3))


def _fit(case_dir: Path, weights: dict | None = None) -> dict:
    return analyse_partner_fit(load_case(case_dir), PartnerFitParameters(weights=weights or {})).to_json()


def test_a_changed_score_moves_one_criterion_by_its_weight_times_the_change_of_the_mean(case_copy):
    edit_cell(case_copy / "scores.csv", "C05,strategic_fit,A. Keller (Strategy)", "score", "5")  # 3 -> 5
    [change] = fit_attributions(_fit(SAMPLE_CASE_DIR), _fit(case_copy))
    by_hand = 25 / 100 * (5 - 3) / 4  # weight 25 of 100, one of four evaluators' scores up by 2
    parts = {part.label: part.value for part in change.parts}
    assert change.candidate == "C05" and change.change == pytest.approx(by_hand, rel=1e-12)
    assert parts["strategic fit"] == pytest.approx(by_hand, rel=1e-12)
    assert all(abs(value) < 1e-15 for label, value in parts.items() if label != "strategic fit")
    assert sum(parts.values()) == pytest.approx(change.change, rel=1e-12)


def test_a_weight_change_splits_into_weight_changes_times_scores_by_hand():
    before, after = _fit(SAMPLE_CASE_DIR), _fit(SAMPLE_CASE_DIR, {"cultural_fit": 40})
    raw = {criterion["id"]: criterion["weight"] for criterion in
           yaml.safe_load((SAMPLE_CASE_DIR / "case.yaml").read_text(encoding="utf-8"))["criteria"]}
    new = {**raw, "cultural_fit": 40}
    means = pd.read_csv(SAMPLE_CASE_DIR / "scores.csv").groupby(["candidate_id", "criterion_id"])["score"].mean()
    changes = fit_attributions(before, after)
    assert len(changes) == len(before["candidates"])
    for change in changes:
        parts = {part.label.replace(" ", "_"): part.value for part in change.parts}
        for criterion, value in parts.items():
            by_hand = (new[criterion] / sum(new.values()) - raw[criterion] / sum(raw.values())) * \
                means[change.candidate, criterion]
            assert value == pytest.approx(by_hand, rel=1e-9, abs=1e-14)
        assert sum(parts.values()) == pytest.approx(change.change, rel=1e-12)


def _simulated(case_dir: Path, candidates: list[str] | None = None, seed: int | None = None) -> dict:
    """A risk simulation as its results.json records it (settings and each candidate's expected NPV), computed by
    a plain simulation of the whole case folder."""
    result = simulate_case(load_case(case_dir), iterations=ITERATIONS, seed=seed, sensitivity=False,
                           candidates=candidates)
    return {"iterations": result.iterations, "seed": result.seed, "sampling": result.sampling,
            "candidates": {candidate: {"name": candidate, "npv_mean": float(simulation.npv.mean())}
                           for candidate, simulation in result.candidates.items()}}


def test_two_changed_inputs_split_by_the_two_player_formula(tmp_path):
    cases = {name: copy_sample(tmp_path / name) for name in ("none", "first", "second", "both")}
    for name in ("first", "both"):
        edit_cell(cases[name] / "assumptions.csv", "C05,study_savings", "p90", "1200000")
    for name in ("second", "both"):
        edit_cell(cases[name] / "risks.csv", "C05,", "probability", "0.5")
    v = {name: _simulated(folder, ["C05"])["candidates"]["C05"]["npv_mean"] for name, folder in cases.items()}
    change = npv_attribution(load_case(cases["none"]), load_case(cases["both"]), "C05",
                             _simulated(cases["none"], ["C05"]), _simulated(cases["both"], ["C05"]))
    parts = {part.source: part.value for part in change.parts}
    assert set(parts) == {"assumptions.csv", "risks.csv"} and change.simulations == 4 and not change.note
    assert parts["assumptions.csv"] == pytest.approx(((v["first"] - v["none"]) + (v["both"] - v["second"])) / 2,
                                                     rel=1e-9)
    assert parts["risks.csv"] == pytest.approx(((v["second"] - v["none"]) + (v["both"] - v["first"])) / 2, rel=1e-9)
    assert sum(parts.values()) == pytest.approx(v["both"] - v["none"], rel=1e-9)


def test_parts_sum_to_the_change_a_full_resimulation_gives_whatever_changed(tmp_path):
    before, after = copy_sample(tmp_path / "before"), copy_sample(tmp_path / "after")
    path = after / "assumptions.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    lines.insert(4, "C01,extra_savings,cost_savings,triangular,,10000,50000,90000,,,,,,,EUR/year,Extra savings,,\n")
    path.write_text("".join(lines), encoding="utf-8")
    with (after / "correlations.csv").open("a", encoding="utf-8") as stream:
        stream.write("C01,extra_savings,launch,0.2\n")
    path = after / "risks.csv"
    path.write_text("".join(line for line in path.read_text(encoding="utf-8").splitlines(keepends=True)
                            if not line.startswith("C02,key_engineer_leaves")), encoding="utf-8")
    edit_cell(after / "drivers.csv", "dach_reimbursement", "sd", "0.3")
    path = after / "candidates.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    lines.append(lines.pop(2))  # C02 moves to the end: every later candidate draws from another stream
    path.write_text("".join(lines), encoding="utf-8")
    path = after / "case.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("discount_rate: 0.09", "discount_rate: 0.1"),
                    encoding="utf-8")
    old, new = _simulated(before), _simulated(after, seed=7)
    case_before, case_after = load_case(before), load_case(after)
    found = {candidate: npv_attribution(case_before, case_after, candidate, old, new, ["seed"])
             for candidate in ("C01", "C02", "C03")}
    for candidate, change in found.items():
        full = new["candidates"][candidate]["npv_mean"] - old["candidates"][candidate]["npv_mean"]
        assert not change.note and change.remainder == 0
        assert sum(part.value for part in change.parts) == pytest.approx(full, rel=1e-9)
    labels = {candidate: {part.label for part in change.parts} for candidate, change in found.items()}
    assert labels["C01"] == {"extra_savings + correlations", "driver dach_reimbursement", "finance.discount_rate",
                             "seed"}
    assert labels["C02"] == {"risk key_engineer_leaves", "C02's random numbers (its row moved)",
                             "driver dach_reimbursement", "finance.discount_rate", "seed"}
    assert labels["C03"] == {"C03's random numbers (its row moved)", "finance.discount_rate", "seed"}
    assert found["C01"].simulations == 2 ** 4


def test_more_groups_than_the_limit_are_merged_by_file(case_copy):
    edit_cell(case_copy / "assumptions.csv", "C05,study_savings", "p90", "1200000")
    edit_cell(case_copy / "assumptions.csv", "C05,rev_evidence", "mode", "600000")
    edit_cell(case_copy / "risks.csv", "C05,", "probability", "0.5")
    old, new = _simulated(SAMPLE_CASE_DIR, ["C05"]), _simulated(case_copy, ["C05"])
    change = npv_attribution(load_case(SAMPLE_CASE_DIR), load_case(case_copy), "C05", old, new, max_groups=2)
    assert [part.source for part in change.parts] == ["assumptions.csv", "risks.csv"] and change.simulations == 4
    assert sum(part.value for part in change.parts) == pytest.approx(change.change, rel=1e-9)


def test_a_stored_value_this_version_does_not_reproduce_is_left_unexplained(case_copy):
    edit_cell(case_copy / "assumptions.csv", "C05,study_savings", "p90", "1200000")
    old, new = _simulated(SAMPLE_CASE_DIR, ["C05"]), _simulated(case_copy, ["C05"])
    new["candidates"]["C05"]["npv_mean"] += 1000.0
    change = npv_attribution(load_case(SAMPLE_CASE_DIR), load_case(case_copy), "C05", old, new)
    assert change.remainder == pytest.approx(1000.0, rel=1e-6) and "different versions" in change.note
    assert sum(part.value for part in change.parts) + change.remainder == pytest.approx(change.change, rel=1e-9)


@given(st.lists(st.integers(0, 2), max_size=12))
def test_merged_order_restricts_to_either_sequence(marks):
    """Ids in one order; each in the first sequence (0), the second (1) or both (2): the merge restricted to each
    sequence is that sequence."""
    first = [f"x{i}" for i, where in enumerate(marks) if where in (0, 2)]
    second = [f"x{i}" for i, where in enumerate(marks) if where in (1, 2)]
    merged = merged_order(first, second)
    assert sorted(merged) == sorted(set(first) | set(second)) and len(merged) == len(set(merged))
    assert [item for item in merged if item in first] == first
    assert [item for item in merged if item in second] == second
