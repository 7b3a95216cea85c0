"""The partner-fit report's tables and headline as a reader sees them, checked against the case files."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from degenerate_cases import write_degenerate_case
from reader_checks import assert_reader_table, number

from alliance_analytics import load_case
from alliance_analytics.fit.analysis import partner_fit

WEIGHTS = {"strategic_fit": 25, "capability_complementarity": 20, "economic_symmetry": 15, "operating_fit": 10,
           "cultural_fit": 10, "compliance_security_fit": 12, "leadership_sponsorship": 8}
"""The sample case's relative weights, as written in case.yaml."""


@pytest.fixture(scope="module")
def fit(sample_case):
    return partner_fit(sample_case)


@pytest.fixture(scope="module")
def mean_scores(sample_case) -> pd.DataFrame:
    """Candidates × criteria: the mean of the evaluators' scores, straight from scores.csv."""
    return sample_case.scores.groupby(["candidate_id", "criterion_id"])["score"].mean().unstack()


def test_every_table_reads_as_text(fit, sample_case):
    for table in (fit.recommendation_table(), fit.gate_table(), fit.red_flag_table(), fit.disagreement_table(),
                  fit.weight_table(), fit.score_table()):
        assert_reader_table(table, sample_case.criterion_ids)


def test_recommendation_table_shows_the_fit_score_of_the_weighted_mean(fit, mean_scores):
    weights = pd.Series(WEIGHTS) / sum(WEIGHTS.values())
    expected = (mean_scores[weights.index] * weights).sum(axis=1)
    table = fit.recommendation_table()
    assert table.index[0] == "Alpenmed Vertrieb GmbH (C09)" and table.index.name == "Candidate"
    for label, row in table.iterrows():
        candidate = label[-4:-1]
        assert number(row["Fit score"]) == pytest.approx(expected[candidate], abs=0.0051)
    assert list(table["Recommendation"]) == sorted(table["Recommendation"], key=["advance", "review", "walk away"].index)


def test_disagreement_reasons_name_the_criterion(fit):
    reasons = fit.recommendation_table().loc["Medivio Cloud GmbH (C02)", "Reasons"]
    assert reasons == "evaluators disagree on Cultural fit: calibrate before deciding"
    assert set(fit.disagreement_table()["Criterion"]) == {"Cultural fit", "Operating fit", "Economic symmetry",
                                                           "Leadership sponsorship"}


def test_weights_are_percentages_of_the_relative_weights(fit):
    table = fit.weight_table()
    for criterion, name in fit.criterion_names.items():
        assert number(table.at[name, "Weight"]) == pytest.approx(100 * WEIGHTS[criterion] / 100, abs=0.051)


def test_red_flag_and_gate_tables_show_names_scores_and_dates(fit, mean_scores):
    flags = fit.red_flag_table()
    assert list(flags.index) == ["PulseLink Devices Ltd (C08)"]
    assert flags.iloc[0]["Criterion"] == "Compliance and security fit"
    assert number(flags.iloc[0]["Score"]) == pytest.approx(mean_scores.at["C08", "compliance_security_fit"], abs=0.0051)
    gate = fit.gate_table()
    assert gate.at["Vantage Telehealth Classic (C03)", "Offering phased out"] == "30 Sep 2027"
    assert gate.at["Medivio Cloud GmbH (C02)", "Offering phased out"] == "none planned"
    assert gate.at["Medivio Cloud GmbH (C02)", "Gate"] == "pass"


def test_no_limitation_on_the_sample_case(fit):
    assert fit.limitations() == []
    assert fit.walk_aways() == ["C03", "C04", "C07", "C08"]


def test_all_walk_away_is_said_in_words(tmp_path: Path):
    fit = partner_fit(load_case(write_degenerate_case("all_walk_away", tmp_path)))
    assert len(fit.walk_aways()) == 13
    assert fit.limitations() and fit.limitations()[0].startswith("Every candidate (13) walks away")
    assert fit.headline()[0] == "advance: (none)"
    assert_reader_table(fit.recommendation_table())
