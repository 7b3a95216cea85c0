"""The portfolio report's tables and headline as a reader sees them, checked against the case and the scenarios."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from degenerate_cases import write_degenerate_case
from reader_checks import assert_reader_table, number

from alliance_analytics import load_case
from alliance_analytics.core.formatting import candidate_label
from alliance_analytics.fit.analysis import partner_fit
from alliance_analytics.portfolio.analysis import WALK_AWAYS_PREFIX, optimise_portfolio
from alliance_analytics.risk.analysis import simulate_case

SCENARIOS = 400


def _solve(case, **options):
    scenarios = simulate_case(case, iterations=SCENARIOS, sensitivity=False).scenarios
    return optimise_portfolio(case, partner_fit(case), scenarios, **options), scenarios


@pytest.fixture(scope="module")
def solved(sample_case):
    return _solve(sample_case, frontier_points=6, robustness_samples=4)


def _labels(case, candidates):
    return [candidate_label(candidate, case.candidates.at[candidate, "name"]) for candidate in candidates]


def test_every_table_reads_as_text(solved, sample_case):
    result, _ = solved
    for table in (result.portfolio_table(), result.solver_table(), result.limits_table(), result.why_table(),
                  result.marginal_table(), result.robustness_table(), result.frontier_table()):
        assert_reader_table(table, sample_case.criterion_ids)


def test_portfolio_table_totals_the_investment_of_candidates_csv(solved, sample_case):
    result, scenarios = solved
    table = result.portfolio_table()
    assert list(table.index) == [*_labels(sample_case, result.selected), "Total"]
    investment = sample_case.candidates.loc[result.selected, "investment"].astype(float)
    assert number(table.at["Total", "Investment (M EUR)"]) == pytest.approx(investment.sum() / 1e6, abs=0.0051)
    npv = scenarios[result.selected].mean()
    for candidate, label in zip(result.selected, table.index):
        assert number(table.at[label, "Expected NPV (M EUR)"]) == pytest.approx(npv[candidate] / 1e6, abs=0.0051)
    assert table.at["Total", "Fit score"] == "—"


def test_headline_names_the_portfolio_and_its_money_in_one_format(solved, sample_case):
    result, scenarios = solved
    headline = result.headline()
    assert headline[0].startswith("Recommended portfolio (expected NPV maximised): ")
    for label in _labels(sample_case, result.selected):
        assert label in headline[0]
    investment = sample_case.candidates.loc[result.selected, "investment"].astype(float).sum()
    money = headline[1].split("; ")
    assert money[0].startswith("Investment ") and money[0].endswith(" M EUR")
    assert number(money[0]) == pytest.approx(investment / 1e6, abs=0.0051)
    assert number(money[1].removeprefix("expected NPV ")) == pytest.approx(
        scenarios[result.selected].sum(axis=1).mean() / 1e6, abs=0.0051)
    assert money[2].startswith("5 % CVaR ")
    assert headline[-1] == f"{WALK_AWAYS_PREFIX}: C03, C04, C07 and C08."
    assert result.limitations() == []


def test_frontier_table_has_one_row_per_distinct_portfolio(solved, sample_case):
    result, _ = solved
    table = result.frontier_table()
    portfolios = list(dict.fromkeys(tuple(point.selected) for point in result.frontier))
    assert len(table) == len(portfolios) < len(result.frontier)
    assert table.index.name == "Portfolio" and table.index.is_unique
    for portfolio, (label, row) in zip(portfolios, table.iterrows()):
        assert all(name in label for name in _labels(sample_case, portfolio))
        floors = [point.cvar_floor for point in result.frontier if tuple(point.selected) == portfolio]
        assert number(row["CVaR floor from (M EUR)"]) == pytest.approx(min(floors) / 1e6, abs=0.0051)
        assert number(row["CVaR floor to (M EUR)"]) == pytest.approx(max(floors) / 1e6, abs=0.0051)
    assert (table["Recommended"] == "yes").sum() == 1


def test_why_table_words_amounts_as_the_headline_does(solved):
    result, _ = solved
    table = result.why_table()
    for label, row in table.iterrows():
        change = result.why.at[label[-4:-1], "objective_change"]
        if row["Reason"].startswith("dropping it costs "):
            assert row["Reason"].endswith(" M EUR at best") or row["Reason"].endswith(" EUR at best")
            assert number(row["Reason"]) == pytest.approx(-change / 1e6, abs=0.0051)
        if np.isnan(change):
            assert row["Objective if forced the other way"] == "—"


@pytest.mark.parametrize("name", ["infeasible_portfolio", "all_walk_away"])
def test_no_portfolio_is_an_answer_in_words(tmp_path: Path, name):
    result, _ = _solve(load_case(write_degenerate_case(name, tmp_path)), frontier_points=3, robustness_samples=2)
    assert not result.solution.found
    limitations = result.limitations()
    assert any(line.startswith("No portfolio was found (infeasible") and "No portfolio can meet" in line
               for line in limitations)
    for table in (result.portfolio_table(), result.limits_table(), result.why_table(), result.marginal_table(),
                  result.robustness_table(), result.frontier_table(), result.solver_table()):
        assert_reader_table(table)
    assert result.portfolio_table().iloc[0, 0] == "No portfolio: infeasible: no portfolio meets every limit."
    if name == "all_walk_away":
        assert limitations[0].startswith("Every candidate walks away")
        assert result.headline()[-1].startswith(WALK_AWAYS_PREFIX)
