"""The front page's words: what-if banners, the decision it reads from the results, the comparison matrix."""

from __future__ import annotations

import itertools

import pytest

from alliance_analytics.reporting.front_page import (
    AnalysisRun,
    Setting,
    comparison_matrix,
    front_page_title,
    group_settings,
    what_if_words,
)


def _run(notebook: str, results: dict, ok: bool = True) -> AnalysisRun:
    """An analysis run with the given ``results.json`` content."""
    return AnalysisRun(title=notebook, notebook=notebook, ok=ok, seconds=1.0, html=None, executed_notebook=None,
                       results_link=None, results=results)


@pytest.mark.parametrize(("parameters", "words"), [
    ({}, ""),
    ({"force_in": ["C02"], "portfolio": {"budget": 3_000_000}}, "C02 forced in; budget 3 M EUR"),
    ({"force_out": ["C05", "C09"]}, "C05 and C09 forced out"),
    ({"weights": {"cultural_fit": 30}}, "weight of Cultural fit 30"),
    ({"portfolio": {"manager_capacity_fte": 4.5, "risk_limit": {"cvar_floor": -500_000}}},
     "alliance-manager capacity 4.5 FTE; CVaR floor -0.50 M EUR"),
    ({"iterations": 50_000, "aggregation": "median", "score_uncertainty": False},
     "50,000 iterations; aggregation median; score uncertainty no"),
    ({"force_in": [], "weights": {}}, ""),
])
def test_what_if_words(sample_case, parameters, words):
    assert what_if_words(parameters, sample_case) == words


def test_the_decision_is_the_briefs_own_sentence(sample_case):
    brief = {"decision": "Pursue A (C01).", "left_out": [{"candidate": "C13", "name": "Nordkap", "reason": "expected to lose"}],
             "walk_aways": [{"candidate": "C07", "name": "Stratocloud", "reasons": ["no EU hosting", "other"]}],
             "recommended": [{"candidate": "C01"}]}
    decision = Setting(sample_case, {}, [_run("05_decision_brief", brief)]).decision()
    assert decision.sentence == "Pursue A (C01)."
    assert decision.left_out == ["Nordkap (C13): expected to lose"]
    assert decision.walk_aways == ["Stratocloud (C07): no EU hosting"]


def test_without_a_brief_the_decision_comes_from_the_portfolio(sample_case):
    portfolio = {"selected": ["C01", "C05"], "expected_npv": 2_500_000.0, "cvar_5": -120_000.0, "cvar_level": 0.05,
                 "headline": ["No portfolio"]}
    names = sample_case.candidates["name"]
    sentence = Setting(sample_case, {}, [_run("04_portfolio", portfolio)]).decision().sentence
    assert sentence == (f"Pursue {names['C01']} (C01) and {names['C05']} (C05): together an expected NPV of 2.50 M EUR; "
                        "in the worst 5 % of futures they lose 0.12 M EUR on average.")
    failed = Setting(sample_case, {}, [_run("04_portfolio", portfolio, ok=False)]).decision()
    assert failed.sentence.startswith("This run has no decision brief or portfolio")


def test_the_comparison_matrix_highlights_exactly_the_rows_that_differ(sample_case):
    candidates = list(sample_case.candidates.index)
    selections = [{"C01", "C05", "C09", "C11"}, {"C01", "C05", "C06", "C09", "C11"}, {"C01", "C02", "C05", "C09"}]
    ranks = [{c: i + 1 for i, c in enumerate(candidates)}, {c: i + 1 for i, c in enumerate(candidates)},
             {c: len(candidates) - i for i, c in enumerate(candidates)}]
    settings = []
    for number, (selected, rank) in enumerate(zip(selections, ranks)):
        fit = {"candidates": {c: {"recommendation": "advance", "rank": rank[c]} for c in candidates}}
        brief = {"recommended": [{"candidate": c} for c in sorted(selected)]}
        settings.append(Setting(sample_case, {"seed": number}, [_run("01_partner_fit", fit), _run("05_decision_brief", brief)]))
    matrix = comparison_matrix(settings)
    assert matrix.columns == ["seed 0", "seed 1", "seed 2"]
    for (label, cells, differs), candidate in zip(matrix.rows, candidates):
        assert label.endswith(f"({candidate})")
        pursued = [candidate in selected for selected in selections]
        assert [cell.startswith("pursue ") for cell in cells] == pursued
        assert [cell.endswith(f"rank {rank[candidate]}") for cell, rank in zip(cells, ranks)] == [True] * 3
        expected = len(set(pursued)) > 1 or len({rank[candidate] for rank in ranks}) > 1
        assert differs == expected
    assert matrix.totals == [("Portfolio: expected NPV", ["—"] * 3), ("Portfolio: mean of the worst 5 %", ["—"] * 3)]


def test_settings_group_by_case_and_parameters_in_order(sample_case):
    runs = [_run(f"n{i}", {}) for i in range(4)]
    grouped = group_settings([(sample_case, {"b": 1, "a": 2}, runs[0]), (sample_case, {}, runs[1]),
                              (sample_case, {"a": 2, "b": 1}, runs[2]), (sample_case, {}, runs[3])])
    assert [[run.notebook for run in setting.analyses] for setting in grouped] == [["n0", "n2"], ["n1", "n3"]]
    assert front_page_title(grouped) == f"{sample_case.settings.name}: which alliances to pursue"
    assert [setting.label for setting in grouped] == ["b 1; a 2", "as given in the case"]
    assert list(itertools.chain.from_iterable(s.analyses for s in grouped)) == [runs[0], runs[2], runs[1], runs[3]]
