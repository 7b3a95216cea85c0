"""One default batch (what `make report` runs) computes each analysis once, and every report shows its numbers.

The expected values are checked two ways: equal across every ``results.json`` of the batch, and equal to an
independent recomputation from the risk simulation's scenario file (``npv_scenarios.csv.gz``, NPVs to the cent)
with a CVaR written here from its definition in docs/risk-measures.md.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from alliance_analytics import load_case
from alliance_analytics.batch.runner import run_batch
from alliance_analytics.core.paths import PROJECT_ROOT, SAMPLE_CASE_DIR
from alliance_analytics.review.analysis import analyse_alliance_options

DEFAULT_CONFIG = PROJECT_ROOT / "batches" / "default.yaml"
NOTEBOOKS = ("01_partner_fit", "02_weight_sensitivity", "03_risk_simulation", "04_portfolio", "05_decision_brief",
             "06_alliance_health", "07_thesis_check", "08_portfolio_review")


@pytest.fixture(scope="module")
def batch(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, dict[str, dict], Path]:
    """The default batch, run once: its manifest, each notebook's results.json, and its folder."""
    result = run_batch(DEFAULT_CONFIG, out_dir=tmp_path_factory.mktemp("default-batch"), workers=2, progress=False)
    assert result.ok, [run.outcome.error for run in result.runs if not run.outcome.ok]
    manifest = json.loads((result.folder / "manifest.json").read_text(encoding="utf-8"))
    results = {}
    for run in manifest["runs"]:
        results[run["notebook"]] = json.loads((result.folder / run["results"]).read_text(encoding="utf-8"))
    assert set(results) == set(NOTEBOOKS)
    return manifest, results, result.folder


def _cvar(values: np.ndarray, level: float) -> float:
    """Lower-tail CVaR by its definition: the worst ⌊αS⌋ outcomes, and the fraction αS − ⌊αS⌋ of the next."""
    ordered = sorted(values.tolist())
    share = level * len(ordered)
    whole = int(np.floor(share + 1e-12))
    return (sum(ordered[:whole]) + (share - whole) * (ordered[whole] if whole < len(ordered) else 0.0)) / share


def test_the_monte_carlo_and_every_analysis_run_exactly_once(batch):
    manifest, _, _ = batch
    counts = Counter(entry["analysis"] for entry in manifest["computations"])
    assert counts["risk_simulation"] == 1
    assert counts == {"partner_fit": 1, "weight_sensitivity": 1, "risk_simulation": 1, "portfolio": 1,
                      "alliance_health": 1, "thesis_check": 1, "alliance_options": 1, "portfolio_review": 1}
    assert len({entry["key"] for entry in manifest["computations"]}) == len(manifest["computations"])


def test_each_alliance_has_one_expected_npv_loss_probability_and_cvar(batch):
    _, results, _ = batch
    risk = results["03_risk_simulation"]["candidates"]
    brief = results["05_decision_brief"]
    assert brief["recommended"], "the sample brief lists alliances"
    for record in brief["recommended"]:
        candidate = record["candidate"]
        assert record["npv_mean"] == risk[candidate]["npv_mean"]
        assert record["prob_loss"] == risk[candidate]["prob_loss"]
    for record in brief["key_risks"]:
        assert record["prob_loss"] == risk[record["candidate"]]["prob_loss"]
        assert record["cvar_5"] == risk[record["candidate"]]["cvar_5"]
    for record in brief["walk_aways"]:
        assert record["npv_mean"] == risk[record["candidate"]]["npv_mean"]


def test_the_portfolio_is_the_same_in_the_portfolio_report_and_the_brief(batch):
    _, results, _ = batch
    portfolio, brief = results["04_portfolio"], results["05_decision_brief"]["portfolio"]
    for key in ("selected", "objective", "expected_npv", "cvar_5", "status"):
        assert brief[key] == portfolio[key], key
    risk = results["03_risk_simulation"]["candidates"]
    review = results["08_portfolio_review"]["alliances"]
    gains = sum(row["options"][row["decision"]]["expected_npv"] - row["options"]["continue"]["expected_npv"]
                for row in review.values())
    assert {alliance: row["decision"] for alliance, row in review.items()} == portfolio["review"]
    assert portfolio["expected_npv"] == pytest.approx(sum(risk[c]["npv_mean"] for c in portfolio["selected"]) + gains,
                                                      rel=1e-12)
    assert results["08_portfolio_review"]["portfolio"]["expected_npv"] == portfolio["expected_npv"]


def test_the_reports_agree_with_the_scenario_file(batch):
    _, results, folder = batch
    risk_run = next(path for path in folder.iterdir() if path.name.endswith("03_risk_simulation-sample"))
    scenarios = pd.read_csv(risk_run / "npv_scenarios.csv.gz", index_col=0)
    settings = results["03_risk_simulation"]
    assert len(scenarios) == settings["iterations"]
    for candidate, stats in settings["candidates"].items():
        npv = scenarios[candidate].to_numpy()
        assert stats["npv_mean"] == pytest.approx(npv.mean(), abs=0.005)
        assert stats["prob_loss"] == pytest.approx((npv < 0).mean(), abs=5 / len(npv))
        assert stats["cvar_5"] == pytest.approx(_cvar(npv, 0.05), abs=0.01)
    portfolio = results["04_portfolio"]
    options = analyse_alliance_options(load_case(SAMPLE_CASE_DIR)).reviews  # recomputed: the same seed, bit for bit
    gains = sum(review.options.npv[:, review.options.options.index(portfolio["review"][alliance])]
                - review.options.npv[:, 0] for alliance, review in options.items())
    total = scenarios[portfolio["selected"]].sum(axis=1).to_numpy() + gains
    assert portfolio["expected_npv"] == pytest.approx(total.mean(), abs=0.005 * len(portfolio["selected"]))
    assert portfolio["cvar_5"] == pytest.approx(_cvar(total, portfolio["cvar_level"]), abs=0.01 * len(portfolio["selected"]))


def test_walk_aways_and_recommendations_agree_with_partner_fit(batch):
    _, results, _ = batch
    fit = results["01_partner_fit"]["candidates"]
    walk_aways = {candidate for candidate, row in fit.items() if row["recommendation"] == "walk away"}
    assert {record["candidate"] for record in results["05_decision_brief"]["walk_aways"]} == walk_aways
    assert not walk_aways & set(results["04_portfolio"]["selected"])
    assert set(results["02_weight_sensitivity"]["excluded"]) == walk_aways
