"""What changed in the decisions, read from two runs' results as stored: each analysis's decision, by hand-made
results whose differences are known."""

from __future__ import annotations

from alliance_analytics.compare.decisions import ValueChange, decision_changes
from alliance_analytics.compare.report import decision_parts


def _fit(recommendations: dict[str, tuple[str, int, float]]) -> dict:
    return {"candidates": {candidate: {"name": f"Partner {candidate}", "recommendation": recommendation, "rank": rank,
                                       "fit_score": score, "contributions": {}}
                           for candidate, (recommendation, rank, score) in recommendations.items()}}


BEFORE = {
    "01_partner_fit": _fit({"C01": ("advance", 1, 4.0), "C02": ("review", 2, 3.5), "C03": ("walk away", 3, 3.0)}),
    "04_portfolio": {"selected": ["C01", "C02"], "expected_npv": 2e6, "cvar_5": -1e5, "cvar_level": 0.05,
                     "status": "optimal", "review": {"A01": "continue", "A03": "restructure"}},
    "05_decision_brief": {"decision": "Pursue C01 and C02."},
    "06_alliance_health": {"alerts": [{"alliance": "A03", "trigger": "pulse_low", "action": "review", "month": "2026-09"}],
                           "alliances": {"A01": {"name": "Baltic", "recommendation": "continue"},
                                         "A03": {"name": "Alpina", "recommendation": "review"}}},
    "07_thesis_check": {"alliances": {"A03": {"name": "Alpina", "verdict": "weakened"}}},
    "08_portfolio_review": {"alliances": {"A03": {"name": "Alpina", "decision": "restructure"}}},
    "02_weight_sensitivity": {"top": "C01"},
}
AFTER = {
    "01_partner_fit": _fit({"C01": ("advance", 1, 4.0), "C02": ("advance", 2, 3.6), "C04": ("review", 3, 3.2)}),
    "04_portfolio": {"selected": ["C01", "C04"], "expected_npv": 2.5e6, "cvar_5": -2e5, "cvar_level": 0.05,
                     "status": "optimal", "review": {"A01": "continue", "A03": "exit"}},
    "05_decision_brief": {"decision": "Pursue C01 and C04."},
    "06_alliance_health": {"alerts": [{"alliance": "A03", "trigger": "execution_slip", "action": "exit",
                                       "month": "2026-10"}],
                           "alliances": {"A01": {"name": "Baltic", "recommendation": "continue"},
                                         "A03": {"name": "Alpina", "recommendation": "exit"}}},
    "07_thesis_check": {"alliances": {"A03": {"name": "Alpina", "verdict": "broken"}}},
    "08_portfolio_review": {"alliances": {"A03": {"name": "Alpina", "decision": "exit"}}},
}


def test_every_analysis_decision_that_changed_and_nothing_else():
    changes = decision_changes(BEFORE, AFTER)
    assert changes.compared == ["01_partner_fit", "04_portfolio", "05_decision_brief", "06_alliance_health",
                                "07_thesis_check", "08_portfolio_review"]
    assert changes.one_sided == [] and changes.any
    assert changes.recommendations == [ValueChange("C02", "Partner C02", "review", "advance")]
    assert changes.fit_scores == [ValueChange("C02", "Partner C02", 3.5, 3.6)] and changes.ranks == []
    assert [change.subject for change in changes.candidates_added] == ["C04"]
    assert [change.subject for change in changes.candidates_removed] == ["C03"]
    portfolio = changes.portfolio
    assert (portfolio.added, portfolio.dropped, portfolio.expected_npv) == (["C04"], ["C02"], (2e6, 2.5e6))
    assert portfolio.review == [ValueChange("A03", "A03", "restructure", "exit")] and not portfolio.same_selection
    assert changes.decision == ("Pursue C01 and C02.", "Pursue C01 and C04.")
    assert [alert["trigger"] for alert in changes.alerts_new] == ["execution_slip"]
    assert [alert["trigger"] for alert in changes.alerts_cleared] == ["pulse_low"]
    assert changes.health == [ValueChange("A03", "Alpina", "review", "exit")]
    assert changes.theses == [ValueChange("A03", "Alpina", "weakened", "broken")]
    assert changes.review == [ValueChange("A03", "Alpina", "restructure", "exit")]
    assert decision_parts(changes) == [
        "the portfolio adds C04, drops C02 and A03 now exit (was restructure)",
        "C02's recommendation on fit now advance (was review)", "C04 is new (review on fit)",
        "C03 is no longer assessed", "A03 review decision now exit (was restructure)",
        "A03 health recommendation now exit (was review)", "A03 thesis now broken (was weakened)",
        "new alert: A03 execution_slip (exit)", "alert cleared: A03 pulse_low (review)"]


def test_the_same_results_change_nothing_and_one_sided_analyses_are_not_compared():
    changes = decision_changes(BEFORE, {name: results for name, results in BEFORE.items() if name != "07_thesis_check"})
    assert not changes.any and changes.one_sided == ["07_thesis_check"]
    assert decision_parts(changes) == ["portfolio unchanged"]
