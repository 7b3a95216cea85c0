"""The weight-sensitivity analysis as a whole: who is analysed, parameters, reproducibility, tables, charts."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import replace

import numpy as np
import pytest
from reader_checks import assert_reader_table, number

from alliance_analytics.charts import sensitivity as sensitivity_plots
from alliance_analytics.core.problems import InputError
from alliance_analytics.fit.analysis import partner_fit
from alliance_analytics.sensitivity.analysis import evaluator_score_array, weight_sensitivity
from alliance_analytics.sensitivity.stability import stability_intervals

WALK_AWAYS = ["C03", "C04", "C07", "C08"]


@pytest.fixture(scope="module")
def sensitivity(sample_case):
    """A small, fast run on the sample case."""
    return weight_sensitivity(sample_case, samples=2000, seed=11)


def test_walk_aways_are_left_out_unless_asked(sample_case, sensitivity):
    assert sorted(sensitivity.excluded) == WALK_AWAYS
    assert set(sensitivity.candidates).isdisjoint(WALK_AWAYS) and len(sensitivity.candidates) == 9
    assert list(sensitivity.smaa.rank_acceptability.index) == sensitivity.candidates
    everyone = weight_sensitivity(sample_case, samples=500, seed=1, include_walk_aways=True)
    assert len(everyone.candidates) == 13 and everyone.excluded == []
    assert everyone.stability.top == "C03"


def test_candidates_are_analysed_in_current_rank_order(sample_case, sensitivity):
    ranks = partner_fit(sample_case).candidates.loc[sensitivity.candidates, "rank"]
    assert ranks.is_monotonic_increasing


def test_stability_is_that_of_the_candidates_in_the_running(sample_case, sensitivity):
    fit = partner_fit(sample_case)
    direct = stability_intervals(fit.aggregated.loc[sensitivity.candidates, fit.weights.index], fit.weights)
    assert sensitivity.stability.to_json() == direct.to_json()
    assert sensitivity.stability.top == "C02"


def test_same_seed_same_results_other_seed_other_results(sample_case, sensitivity):
    again = weight_sensitivity(sample_case, samples=2000, seed=11)
    other = weight_sensitivity(sample_case, samples=2000, seed=12)
    assert json.dumps(again.to_json()) == json.dumps(sensitivity.to_json())
    assert again.smaa.rank_acceptability.equals(sensitivity.smaa.rank_acceptability)
    assert not other.smaa.rank_acceptability.equals(sensitivity.smaa.rank_acceptability)


def test_negative_seed_uses_the_case_seed(sample_case):
    default = weight_sensitivity(sample_case, samples=500, seed=-1)
    assert default.seed == sample_case.settings.simulation.seed
    explicit = weight_sensitivity(sample_case, samples=500, seed=sample_case.settings.simulation.seed)
    assert default.smaa.rank_acceptability.equals(explicit.smaa.rank_acceptability)


@pytest.mark.parametrize("kind", ["uniform", "ordinal", "interval"])
def test_every_weight_information_kind_gives_valid_acceptabilities(sample_case, kind):
    result = weight_sensitivity(sample_case, weight_uncertainty=kind, weight_range=0.03, samples=1000,
                                        seed=5, score_uncertainty=False)
    table = result.smaa.rank_acceptability
    assert np.allclose(table.sum(axis=1), 1) and np.allclose(table.sum(axis=0), 1)
    central = result.smaa.central_weights.dropna()
    assert np.allclose(central.sum(axis=1), 1)
    if kind == "interval":  # central weights are means of weights inside the box around the current weights
        weights = result.fit.weights[central.columns]
        assert ((central - weights).abs() <= 0.03 + 1e-9).all().all()
    if kind == "ordinal":  # every sampled weight vector keeps the order, so their means do too
        order = result.fit.weights.sort_values(ascending=False, kind="stable").index
        assert (central[order].diff(axis=1).iloc[:, 1:] <= 1e-12).all().all()


def test_interval_narrower_than_uniform_concentrates_on_the_current_top(sample_case):
    tight = weight_sensitivity(sample_case, weight_uncertainty="interval", weight_range=0.01,
                                       samples=2000, seed=3, score_uncertainty=False)
    loose = weight_sensitivity(sample_case, samples=2000, seed=3, score_uncertainty=False)
    top = tight.stability.top
    assert tight.smaa.rank_acceptability.loc[top].iloc[0] == 1.0, "±0.01 never reaches a stability bound"
    assert loose.smaa.rank_acceptability.loc[top].iloc[0] < 1.0


def test_all_parameter_problems_at_once(sample_case):
    with pytest.raises(InputError) as caught:
        weight_sensitivity(sample_case, weights={"charisma": 1}, aggregation="mode",
                                   weight_uncertainty="fuzzy", weight_range=0, samples=5)
    columns = [problem.column for problem in caught.value.problems]
    assert sorted(columns) == sorted(["weights.charisma", "aggregation", "weight_uncertainty", "weight_range",
                                      "samples"])


def test_too_few_candidates_in_the_running_is_an_answer(sample_case):
    candidates = sample_case.candidates.copy()
    candidates.loc[candidates.index != "C09", "phase_out_date"] = dt.date(2027, 1, 1)
    one = weight_sensitivity(replace(sample_case, candidates=candidates), samples=100)
    assert one.candidates == ["C09"] and len(one.excluded) == 12
    assert one.limitations()[0].startswith("The weight sensitivity was not analysed: only Alpenmed Vertrieb GmbH "
                                           "(C09) is still in the running")
    candidates["phase_out_date"] = dt.date(2027, 1, 1)
    none = weight_sensitivity(replace(sample_case, candidates=candidates), samples=100)
    assert none.candidates == [] and none.stability.top is None and none.smaa.n_samples == 0
    assert "no candidate is still in the running" in none.limitations()[0]
    assert none.headline()[0] == none.limitations()[0]
    for result in (one, none):
        data = json.loads(json.dumps(result.to_json()))
        assert set(data) == set(weight_sensitivity(sample_case, samples=100).to_json())


def test_evaluator_score_array_holds_every_score(sample_case):
    candidates, criteria = ["C01", "C12"], sample_case.criterion_ids
    array = evaluator_score_array(sample_case, candidates, criteria)
    assert array.shape[:2] == (2, 7)
    scores = sample_case.scores.set_index(["candidate_id", "criterion_id"])
    for i, candidate in enumerate(candidates):
        for j, criterion in enumerate(criteria):
            given = sorted(scores.loc[(candidate, criterion), "score"].tolist())
            assert sorted(array[i, j][~np.isnan(array[i, j])].tolist()) == given
    assert np.isnan(array).sum() == 1, "C12 capability_complementarity has one evaluator missing"


def test_headline_speaks_of_the_running_and_of_who_ranks_first_most_often(sensitivity):
    headline = sensitivity.headline()
    assert headline[0] == "9 candidates in the running (5 advance and 4 in review); 4 walk-aways left out"
    first = sensitivity.smaa.rank_acceptability.iloc[:, 0]
    favourite = first.idxmax()
    label = f"{sensitivity.fit.candidates.at[favourite, 'name']} ({favourite})"
    assert headline[1].startswith(f"{label} ranks first most often: in ")
    assert number(headline[1].split(" in ")[1]) == pytest.approx(100 * first[favourite], abs=0.51)
    assert headline[1].endswith("of 2,000 uniform weight samples (" + {
        "advance": "recommended to advance", "review": "in review"}[sensitivity.fit.candidates.at[favourite,
                                                                                                  "recommendation"]]
        + ")")
    if favourite != "C02":
        assert headline[2].startswith("Medivio Cloud GmbH (C02) has the highest fit score at the current weights "
                                      "(in review)")


def test_headline_gives_the_smallest_flip_in_percent_of_weight(sample_case, sensitivity):
    means = sample_case.scores.groupby(["candidate_id", "criterion_id"])["score"].mean().unstack()
    weights = sensitivity.fit.weights
    others = weights.drop("cultural_fit") / weights.drop("cultural_fit").sum()
    rest = (means[others.index] * others).sum(axis=1)
    slope = means["cultural_fit"] - rest
    crossing = (rest["C09"] - rest["C02"]) / (slope["C02"] - slope["C09"])
    line = next(line for line in sensitivity.headline() if line.startswith("smallest single-weight change"))
    assert line.startswith("smallest single-weight change that changes the top: Cultural fit from 10.0 % to ")
    assert number(line.split(" to ")[1]) == pytest.approx(100 * crossing, abs=0.051)
    assert line.endswith("and Alpenmed Vertrieb GmbH (C09) takes over")


def test_acceptability_table_matches_the_simulation(sensitivity):
    table = sensitivity.acceptability_table()
    assert_reader_table(table)
    first = 100 * sensitivity.smaa.rank_acceptability.iloc[:, 0]
    ids = [label[-4:-1] for label in table.index]
    cells = list(table["Ranks first"])
    for cell, share in zip(cells, first[ids]):
        if cell.startswith("< "):
            assert 0 < share < 0.5, cell
        else:
            assert number(cell) == pytest.approx(share, abs=0.51)
    shown = [number(cell) for cell in cells]
    assert shown == sorted(shown, reverse=True)
    assert sum(shown) == pytest.approx(100, abs=0.5 * len(shown))


def test_weights_table_compares_with_the_rank_order_centroid(sensitivity):
    table = sensitivity.weights_table()
    assert_reader_table(table, list(sensitivity.fit.weights.index))
    assert number(table.at["Strategic fit", "Used (direct)"]) == pytest.approx(25.0, abs=0.051)
    roc = [number(cell) for cell in table["Order only (rank-order centroid)"]]
    k = 7
    assert roc[0] == pytest.approx(100 * sum(1 / i for i in range(1, k + 1)) / k, abs=0.051)
    assert sum(roc) == pytest.approx(100, abs=0.4)


def test_stability_table_reads_weights_as_percentages(sensitivity):
    table = sensitivity.stability_table()
    assert_reader_table(table, list(sensitivity.fit.weights.index))
    assert list(table.index) == [sensitivity.fit.criterion_names[c] for c in sensitivity.fit.weights.index]
    interval = sensitivity.stability.intervals["cultural_fit"]
    assert number(table.at["Cultural fit", "Top kept to"]) == pytest.approx(100 * interval.top_kept[1], abs=0.051)
    assert table.at["Cultural fit", "Top lost above to"] == "Alpenmed Vertrieb GmbH (C09)"


def test_rank_acceptability_chart_draws_the_shares(sensitivity):
    figure = sensitivity_plots.rank_acceptability_chart(sensitivity.smaa, sensitivity.fit.candidates["name"])
    bars = figure.axes[0].patches
    table = sensitivity.smaa.rank_acceptability
    widths = np.array([bar.get_width() for bar in bars]).reshape(table.shape[1], table.shape[0]).T
    assert np.allclose(widths, table.to_numpy())


def test_stability_chart_draws_the_intervals(sensitivity):
    figure = sensitivity_plots.stability_chart(sensitivity.stability, sensitivity.fit.criterion_names)
    bars = figure.axes[0].patches
    intervals = list(sensitivity.stability.intervals.values())
    top_bars = bars[0::2]
    for bar, interval in zip(top_bars, intervals):
        assert bar.get_x() == pytest.approx(interval.top_kept[0])
        assert bar.get_x() + bar.get_width() == pytest.approx(interval.top_kept[1])


def test_sweep_chart_has_a_panel_per_criterion(sensitivity):
    figure = sensitivity_plots.sweep_chart(sensitivity.sweeps, sensitivity.fit.criterion_names)
    visible = [axes for axes in figure.axes if axes.get_visible()]
    assert [axes.get_title() for axes in visible] == list(sensitivity.fit.criterion_names.values())
    strategic = visible[0]
    lines = {line.get_label(): line for line in strategic.get_lines() if not line.get_label().startswith("_")}
    sweep = sensitivity.sweeps["strategic_fit"]
    assert np.allclose(lines["C02"].get_ydata(), sweep.scores["C02"].to_numpy())


def test_heat_maps_show_the_numbers(sensitivity):
    central = sensitivity_plots.central_weights_heatmap(sensitivity.smaa, sensitivity.fit.criterion_names)
    shown = central.axes[0].images[0].get_array()
    assert np.allclose(shown, sensitivity.smaa.central_weights.dropna(how="all").to_numpy())
    winning = sensitivity_plots.pairwise_winning_heatmap(sensitivity.smaa)
    assert np.allclose(np.nan_to_num(winning.axes[0].images[0].get_array().filled(np.nan)),
                       np.nan_to_num(sensitivity.smaa.pairwise_winning.to_numpy()))
