"""The decision brief: its numbers against independent calculations, its plain words and its edge cases."""

from __future__ import annotations

import itertools
import json
import math
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import reference_fit as ref
from matplotlib.figure import Figure
from nbconvert.filters.markdown_mistune import markdown2html_mistune

from alliance_analytics import InputError, load_case
from alliance_analytics.brief.analysis import (
    BriefParameters,
    DecisionBrief,
    analyse_decision_brief,
    build_brief,
)
from alliance_analytics.charts.brief import WALK_AWAY_GREY, fit_value_chart
from alliance_analytics.core.formatting import format_money, markdown_list, markdown_text
from alliance_analytics.core.parameters import parameter_problems
from alliance_analytics.fit.analysis import partner_fit
from alliance_analytics.portfolio.analysis import analyse_portfolio
from alliance_analytics.risk.analysis import simulate_case
from alliance_analytics.sensitivity.analysis import weight_sensitivity

SECTIONS = {"recommended", "no_recommendation", "advancing", "left_out", "decision", "walk_aways", "robustness", "key_risks", "validate_first", "caveats"}


@pytest.fixture(scope="module")
def analyses(sample_case):
    """The three analyses exactly as notebooks 01–03 run them with their default parameters."""
    fit = partner_fit(sample_case)
    sensitivity = weight_sensitivity(sample_case, samples=20000, seed=-1)
    simulation = simulate_case(sample_case, iterations=-1, seed=-1)
    return fit, sensitivity, simulation


@pytest.fixture(scope="module")
def brief(sample_case) -> DecisionBrief:
    """The brief of the sample case, as notebook 05 builds it with its default parameters."""
    return analyse_decision_brief(sample_case, BriefParameters(top=20))


def _reference_recommendations(case) -> dict[str, str]:
    """Advance / review / walk away per candidate, recomputed by the brute-force reference from the case tables."""
    settings = case.settings
    result = ref.reference_partner_fit(
        case.scores[["candidate_id", "criterion_id", "evaluator", "score"]].itertuples(index=False),
        case.weights.to_dict(),
        {criterion.id: criterion.red_flag_below for criterion in settings.criteria},
        settings.aggregation.method,
        candidates=[ref.CandidateInput(candidate, tuple(row["objectives"]), int(row["payback_months"]),
                                       row["phase_out_date"], row["risk_level"])
                    for candidate, row in case.candidates.iterrows()],
        disagreement_threshold=settings.aggregation.disagreement_threshold,
        advance_min_score=settings.recommendation.advance_min_score,
        as_of=settings.as_of, horizon=settings.strategy.horizon,
        strategy_objectives=[(objective.id, objective.required) for objective in settings.strategy.objectives],
        risk_appetite=settings.strategy.risk_appetite,
    )
    assert not result.close_calls
    return {candidate: fit.recommendation for candidate, fit in result.candidates.items()}


def test_advancing_are_the_advance_candidates_of_the_reference(brief, sample_case):
    expected = {c for c, label in _reference_recommendations(sample_case).items() if label == "advance"}
    assert expected and set(brief.advancing.index) == expected
    assert list(brief.advancing["rank"]) == sorted(brief.advancing["rank"])
    walked = {c for c, label in _reference_recommendations(sample_case).items() if label == "walk away"}
    assert set(brief.walk_aways.index) == walked


def test_recommended_is_the_best_portfolio_found_by_enumeration(brief):
    """The MILP's portfolio against every subset of the candidates in the running and of the review's changes to
    the alliances in flight (restructure or exit), checked limit by limit (one change per alliance included)."""
    problem = brief.portfolio.problem
    running = [problem.candidates.index(c) for c in brief.overview.index[brief.overview["recommendation"] != "walk away"]]
    running += [problem.candidates.index(c) for c in problem.changes]
    best, best_value = None, -np.inf
    for bits in itertools.product((0.0, 1.0), repeat=len(running)):
        selection = np.zeros(len(problem.candidates))
        selection[running] = bits
        value = float(problem.expected_npv @ selection)
        if value > best_value + 1e-6 and not problem.violations(selection):
            best, best_value = selection, value
    assert best is not None
    assert set(brief.recommended.index) == set(problem.selected(best)) - set(problem.changes)
    assert brief.portfolio.decisions == {"A01": "continue", "A03": "restructure"}
    assert brief.portfolio.expected_npv == pytest.approx(best_value, rel=1e-9)
    assert brief.overview["in_portfolio"].sum() == len(brief.recommended)


def test_the_decision_names_the_review_then_the_portfolio_with_its_value_and_tail(brief, analyses):
    """The review's decisions come first; the NPV is the new alliances' plus the restructure's gain over continuing."""
    problem = brief.portfolio.problem
    gain = problem.scenarios[:, problem.candidates.index("A03:restructure")]
    scenarios = analyses[2].scenarios[list(brief.recommended.index)].to_numpy().sum(axis=1) + gain
    worst = np.sort(scenarios)[:math.ceil(0.05 * len(scenarios))].mean()
    decision = brief.decision()
    names = [f"{brief.overview.at[c, 'name']} ({c})" for c in brief.recommended.index]
    review = ("Restructure Alpina Reha Kliniken AG (A03) as “Bavarian clinics only”; continue Baltic Homecare Services "
              "UAB (A01); ")
    assert decision.startswith(review + "pursue " + ", ".join(names[:-1]) + f" and {names[-1]}: ")
    assert f"expected NPV of {format_money(scenarios.mean(), 'EUR')}" in decision
    assert worst > 0 and f"in the worst 5 % of futures they still gain {format_money(worst, 'EUR')} on average" in decision
    assert markdown_text(decision) in brief.summary_markdown()
    assert brief.summary_markdown().split("\n\n")[1].startswith("**" + markdown_text(review))
    assert brief.headline()[0].startswith("recommended: " + ", ".join(brief.recommended.index) + " (")


def test_every_candidate_advancing_but_left_out_says_why(brief, analyses):
    scenarios = analyses[2].scenarios
    out = [c for c in brief.advancing.index if c not in brief.recommended.index]
    assert out and list(brief.left_out.index) == out
    for candidate, reason in brief.left_out["reason"].items():
        values = scenarios[candidate].to_numpy()
        if values.mean() < 0:
            share = np.count_nonzero(values < 0) / len(values)
            assert reason == f"expected to lose {format_money(-values.mean(), 'EUR')} ({100 * share:.0f} % chance of a loss)"
        assert markdown_text(f"Leave out {brief.overview.at[candidate, 'name']} ({candidate}): {reason}") in \
            brief.summary_markdown()


def test_a_candidate_left_out_for_a_limit_names_the_limit(case_copy):
    """A budget of 3.5 M EUR (with a worst-5 % average loss of up to 1 M EUR accepted: at 0 no portfolio that small
    meets the floor, the shared drivers make its alliances fail together): Helvetia (C01) no longer fits, and its
    reason names the limits it would break.

    Without the portfolio review, so that the limits are used by new candidates only (as the reference sums them).
    """
    for name in ("review.csv", "restructure.csv"):
        (case_copy / name).unlink()
    case = load_case(case_copy)
    brief = analyse_decision_brief(case, BriefParameters(iterations=2000, robustness_samples=0, frontier_points=2,
                                                         samples=500, portfolio={"budget": 3_500_000,
                                                                                    "risk_limit": {"cvar_floor": -1_000_000}}))
    investment = case.candidates["investment"]
    fte = case.candidates["manager_fte"]
    chosen = list(brief.recommended.index)
    assert "C01" in brief.left_out.index and investment[chosen].sum() <= 3_500_000
    for candidate, reason in brief.left_out["reason"].items():
        if reason.startswith("adding it would break a limit"):
            assert ("total investment at most" in reason) == (investment[chosen].sum() + investment[candidate] > 3_500_000)
            assert ("alliance-manager capacity at most 3 FTE" in reason) == (fte[chosen].sum() + fte[candidate] > 3)
    assert brief.left_out.at["C01", "reason"].startswith("adding it would break a limit")
    forced = analyse_decision_brief(case, BriefParameters(iterations=2000, robustness_samples=0, frontier_points=2,
                                                          force_out=["C05"],
                                                          portfolio={"risk_limit": {"cvar_floor": -1_000_000}}))
    assert forced.left_out.at["C05", "reason"] == "forced out by this what-if"
    assert "C05" not in forced.recommended.index and "C12" in forced.recommended.index


def test_value_and_loss_probability_equal_the_scenarios(brief, analyses):
    scenarios = analyses[2].scenarios
    for candidate, row in brief.overview.iterrows():
        values = scenarios[candidate].to_numpy()
        assert row["npv_mean"] == pytest.approx(np.mean(values), rel=1e-12)
        assert row["prob_loss"] == np.count_nonzero(values < 0) / len(values)
    for candidate, row in brief.key_risks.iterrows():
        worst = np.sort(scenarios[candidate].to_numpy())[:math.ceil(0.05 * len(scenarios))]
        assert row["cvar_5"] == pytest.approx(worst.mean(), rel=1e-12)
        assert row["prob_loss"] == brief.overview.at[candidate, "prob_loss"]


def test_first_rank_acceptability_equals_the_weight_sensitivity_notebook(brief, analyses):
    first = analyses[1].smaa.rank_acceptability.iloc[:, 0]
    assert brief.recommended["first_rank"].to_dict() == first[brief.recommended.index].to_dict()
    assert brief.advancing["first_rank"].to_dict() == first[brief.advancing.index].to_dict()


def test_robustness_names_the_smallest_flip_and_the_top_share(brief, analyses):
    stability, smaa = analyses[1].stability, analyses[1].smaa
    detail = stability.min_change_detail
    first = smaa.rank_acceptability.iloc[:, 0]
    favourite = first.idxmax()
    assert brief.robustness[0].startswith(f"Of the {len(first)} candidates in the running, {favourite} (")
    assert f"ranks first most often: in {100 * first[favourite]:.0f} % of 20,000 plausible weightings" in brief.robustness[0]
    if favourite != stability.top:
        assert brief.robustness[1].startswith(f"{stability.top} (")
        assert f"ranks first in {100 * first[stability.top]:.0f} %" in brief.robustness[1]
    flip = next(line for line in brief.robustness if line.startswith("Changing one weight"))
    direction = "falls below" if detail["to"] < detail["from"] else "rises above"
    criterion = analyses[0].criterion_names[detail["criterion"]]
    assert f"the weight of {criterion} {direction} {100 * detail['to']:.0f} %" in flip
    assert f"{detail['new_top']} (" in flip


def test_walk_away_reasons_are_the_gate_and_red_flag_reasons(brief, analyses):
    fit = analyses[0].candidates
    table = brief.walk_away_table()
    for candidate, row in brief.walk_aways.iterrows():
        expected = list(fit.at[candidate, "gate_reasons"]) + list(fit.at[candidate, "red_flag_reasons"])
        assert expected and row["reasons"] == expected
        assert expected[0][1:] in table.at[candidate, "Why walk away"]
    assert any("does not support required objective" in reason for reasons in brief.walk_aways["reasons"]
               for reason in reasons)


def test_validate_first_is_worth_a_tenth_of_perfect_information(brief, analyses):
    simulation = analyses[2]
    assert set(brief.validate_first["candidate"]) <= set(brief.recommended.index)
    for candidate in brief.recommended.index:
        rows = brief.validate_first[brief.validate_first["candidate"] == candidate]
        assert list(rows["assumption"]) == simulation.validate_first(candidate)
        values = simulation.scenarios[candidate].to_numpy()
        evpi = np.maximum(values, 0).mean() - max(values.mean(), 0)
        assert (rows["evppi"] >= 0.1 * evpi - 1).all()
    assert (brief.validate_first["description"].str.len() > 0).all()


def test_key_risks_are_the_largest_risk_register_drivers(brief, analyses, sample_case):
    for candidate, drivers in brief.key_risks["drivers"].items():
        table = analyses[2].sensitivity(candidate)
        risks = table[table.index.str.startswith("risk:") & (table["Variance share"] > 0)]
        expected = risks["Variance share"].sort_values(ascending=False).head(2)
        assert [f"risk:{driver['risk']}" for driver in drivers] == list(expected.index)
        described = sample_case.risks.set_index(["candidate_id", "risk_id"])["description"]
        assert [driver["description"] for driver in drivers] == [described[(candidate, d["risk"])] for d in drivers]


def test_caveats_name_every_review_candidate_and_the_unconverged(brief, analyses):
    fit, simulation = analyses[0], analyses[2]
    review = fit.candidates.index[fit.candidates["recommendation"] == "review"]
    in_review = next(line for line in brief.caveats if line.startswith("In review on fit"))
    for candidate in review:
        assert f"{fit.candidates.at[candidate, 'name']} ({candidate}): " in in_review
    open_ = [c for c in fit.candidates.index[fit.candidates["recommendation"] != "walk away"]
             if not simulation.convergence(c).met]
    precision = [line for line in brief.caveats if "precision targets" in line]
    assert bool(open_) == bool(precision) and all(c in precision[0] for c in open_)
    assert brief.caveats[-1].startswith("The fit scores are the judgement of 4 evaluators")


def test_headline_says_who_is_recommended_left_out_and_walked_away_from(brief):
    lines = brief.headline()
    assert lines[0].startswith("recommended: " + ", ".join(brief.recommended.index) + " (expected NPV ")
    assert [line for line in lines if line.startswith("advances on fit but left out")] == [
        f"advances on fit but left out: {c} — {reason}" for c, reason in brief.left_out["reason"].items()]
    assert "walk away: " + ", ".join(brief.walk_aways.index) in lines


def test_top_limits_the_recommended_and_says_so(sample_case, analyses):
    fit, sensitivity, simulation = analyses
    portfolio = analyse_portfolio(sample_case)
    brief = build_brief(sample_case, fit, sensitivity, simulation, portfolio, top=2)
    advancing = fit.candidates[fit.candidates["recommendation"] == "advance"].sort_values("rank").index
    assert list(brief.advancing.index) == list(advancing[:2])
    assert set(brief.recommended.index) == set(portfolio.selected)
    assert any(all(c in line for c in advancing[2:]) and "also advance" in line for line in brief.caveats)


def test_json_round_trips_with_stable_keys(brief):
    data = brief.to_json()
    assert SECTIONS <= set(data)
    assert json.loads(json.dumps(data, allow_nan=False)) == data
    assert [row["candidate"] for row in data["recommended"]] == list(brief.recommended.index)
    assert all(isinstance(row["rank"], int) for row in data["recommended"])


def test_the_chart_draws_every_candidate_with_walk_aways_grey(brief):
    figure = fit_value_chart(brief)
    assert isinstance(figure, Figure)
    points = figure.axes[0].collections[0]
    assert len(points.get_offsets()) == len(brief.overview)
    grey = np.array([int(WALK_AWAY_GREY[i:i + 2], 16) / 255 for i in (1, 3, 5)])
    walk_away = (brief.overview["recommendation"] == "walk away").to_numpy()
    colours = points.get_facecolors()[:, :3]
    assert np.allclose(colours[walk_away], grey) and not np.isclose(colours[~walk_away], grey).all(axis=1).any()


def _edit_candidates(case_dir: Path, **columns: dict) -> None:
    """Set cells of candidates.csv: ``column={candidate_id: value}``."""
    path = case_dir / "candidates.csv"
    table = pd.read_csv(path, dtype=str, keep_default_na=False).set_index("candidate_id")
    for column, values in columns.items():
        for candidate, value in values.items():
            table.at[candidate, column] = value
    table.reset_index().to_csv(path, index=False)


def test_everybody_walked_away_is_said_in_plain_words(case_copy):
    table = pd.read_csv(case_copy / "candidates.csv", dtype=str)
    candidates = table.loc[table["status"].ne("active"), "candidate_id"]
    _edit_candidates(case_copy, objectives={c: "O1;O2" for c in candidates})
    brief = analyse_decision_brief(load_case(case_copy), BriefParameters(iterations=500, robustness_samples=0))
    assert brief.recommended.empty and brief.key_risks.empty and brief.validate_first.empty
    assert len(brief.walk_aways) == len(candidates)
    assert brief.headline()[0] == "recommended: none (every candidate is a walk-away)"
    assert "Pursue no alliance yet: every candidate is a walk-away." in markdown2html_mistune(brief.summary_markdown())
    assert brief.recommended_table().to_numpy().tolist() == [["No alliance is recommended: every candidate is a walk-away."]]
    assert "not analysed: no candidate is still in the running" in brief.robustness[0]
    assert all(any("required objective O3" in reason for reason in reasons) for reasons in brief.walk_aways["reasons"])
    assert json.loads(json.dumps(brief.to_json(), allow_nan=False))["recommended"] == []
    assert isinstance(fit_value_chart(brief), Figure)


def test_a_single_candidate_in_the_running_skips_the_weights(case_copy, sample_case):
    keep = "C09"
    _edit_candidates(case_copy, objectives={c: "O1;O2" for c in sample_case.candidates.index if c != keep})
    brief = analyse_decision_brief(load_case(case_copy), BriefParameters(
        iterations=500, robustness_samples=0, portfolio={
            "min_alliances": 1, "risk_limit": {"cvar_floor": -1_000_000},
            "capabilities_required": [{"capability": "distribution_dach", "min_partners": 1}]}))
    assert list(brief.recommended.index) == [keep]
    assert np.isnan(brief.recommended.at[keep, "first_rank"])
    assert f"only {keep} (" in brief.robustness[0]
    assert brief.to_json()["recommended"][0]["first_rank"] is None
    assert brief.recommended_table().at[keep, "Ranks first"] == "—"


def test_names_from_the_case_are_escaped_in_markdown(case_copy):
    _edit_candidates(case_copy, name={"C09": "<script>alert(1)</script> *Alpen* $x$ [link](http://a.b)"})
    case_yaml = case_copy / "case.yaml"
    case_yaml.write_text(re.sub(r"^name: .*$", 'name: "<b>Bold</b> & co"', case_yaml.read_text(encoding="utf-8"),
                                count=1, flags=re.MULTILINE), encoding="utf-8")
    brief = analyse_decision_brief(load_case(case_copy), BriefParameters(samples=200, iterations=500, robustness_samples=0))
    for markdown in (brief.summary_markdown(), markdown_list(brief.robustness), markdown_list(brief.caveats)):
        assert "<script" not in markdown and "<b>" not in markdown
    summary = brief.summary_markdown()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in summary and "&lt;b&gt;Bold&lt;/b&gt; &amp; co" in summary
    assert r"\*Alpen\*" in summary and r"\$x\$" in summary and r"\[link\]" in summary


def test_markdown_text_renders_as_written_in_the_html_report():
    text = "<i>A</i> *b* _c_ `d` $e$ [f](g) # h | i ~ j + k - l ! m \\ n & o"
    rendered = markdown2html_mistune(markdown_text(text))
    assert rendered == f"<p>{text.replace('&', '&amp;').replace('<', '&lt;').replace('>', '&gt;')}</p>\n"


def test_every_bad_parameter_is_reported(sample_case):
    problems = parameter_problems(BriefParameters, {"weights": {"charisma": 3}, "aggregation": "average",
                                                    "iterations": 5, "sampling": "lhs", "top": 0}, sample_case)
    assert {problem.column for problem in problems} == {"weights.charisma", "aggregation", "iterations", "top"}
    assert parameter_problems(BriefParameters, {}, sample_case) == []
    with pytest.raises(InputError):
        analyse_decision_brief(sample_case, BriefParameters(force_in=["C99"]))


def test_analyses_that_do_not_belong_together_are_refused(sample_case, analyses):
    _, sensitivity, simulation = analyses
    other = partner_fit(sample_case, weights={"strategic_fit": 60})
    with pytest.raises(ValueError, match="other weights"):
        build_brief(sample_case, other, sensitivity, simulation, analyse_portfolio(sample_case))
