"""The weight explorer without a browser: controls drive the ranking; the static view stands in for reports."""

from __future__ import annotations

import re

from alliance_analytics.fit.analysis import partner_fit
from alliance_analytics.notebook.explorer import WeightExplorer, ranking_changes, ranking_html


def _ids(html: str) -> list[str]:
    return re.findall(r"<td>(C\d\d)</td>", html)


def test_starts_at_the_case_weights_and_ranking(sample_case):
    explorer = WeightExplorer(sample_case)
    assert explorer.current_weights() == sample_case.weights.astype(float).to_dict(), "the sample's weights sum to 100"
    expected = partner_fit(sample_case).candidates.sort_values(["rank", "name"]).index.tolist()
    assert _ids(explorer.ranking.value) == expected
    assert explorer.normalised["strategic_fit"].value == "25.0 %"


def test_moving_a_slider_updates_ranking_and_normalised_weights(sample_case):
    explorer = WeightExplorer(sample_case)
    explorer.sliders["cultural_fit"].value = 100.0
    expected = partner_fit(sample_case, weights={"cultural_fit": 100.0})
    assert _ids(explorer.ranking.value) == expected.candidates.sort_values(["rank", "name"]).index.tolist()
    assert explorer.normalised["cultural_fit"].value == f"{100 / 190 * 100:.1f} %"
    assert explorer.chart.value[:8] == b"\x89PNG\r\n\x1a\n"


def test_changing_the_aggregation_recomputes(sample_case):
    explorer = WeightExplorer(sample_case)
    explorer.method.value = "median"
    assert explorer.ranking.value == ranking_html(partner_fit(sample_case, aggregation="median"))


def test_all_sliders_at_zero_falls_back_to_the_case_weights(sample_case):
    explorer = WeightExplorer(sample_case)
    for slider in explorer.sliders.values():
        slider.value = 0.0
    assert _ids(explorer.ranking.value)[0] == "C03"


def test_starting_overrides_are_applied(sample_case):
    explorer = WeightExplorer(sample_case, weights={"strategic_fit": 0}, aggregation="geometric")
    assert explorer.sliders["strategic_fit"].value == 0 and explorer.method.value == "geometric"
    assert explorer.sliders["capability_complementarity"].value == round(100 * 20 / 75, 1)


def test_sliders_show_derived_weights_in_percent(case_copy):
    """Rank-order-centroid weights (sum 1) start as percentages, so one slider step is a small change."""
    import yaml

    from alliance_analytics import load_case

    path = case_copy / "case.yaml"
    settings = yaml.safe_load(path.read_text(encoding="utf-8"))
    order = [criterion["id"] for criterion in settings["criteria"]]
    settings["weighting"] = {"method": "rank", "ranking": order}
    for criterion in settings["criteria"]:
        criterion.pop("weight")
    path.write_text(yaml.safe_dump(settings, sort_keys=False), encoding="utf-8")
    explorer = WeightExplorer(load_case(case_copy))
    assert explorer.sliders["strategic_fit"].value == 37.0
    explorer.sliders["leadership_sponsorship"].value += 0.5
    assert explorer.normalised["leadership_sponsorship"].value == f"{2.5 / 100.5 * 100:.1f} %"


def test_static_view_is_escaped_and_embeds_the_chart(sample_case):
    from dataclasses import replace

    candidates = sample_case.candidates.copy()
    candidates.loc["C01", "name"] = "<script>alert(1)</script>"
    explorer = WeightExplorer(replace(sample_case, candidates=candidates))
    bundle = explorer._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    html = bundle["text/html"]
    assert "<script" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert html.count('src="data:image/png;base64,') == 1
    assert html.count("<table") == 2, "the weights and the ranking"


def test_names_stay_on_one_line_in_the_ranking(sample_case):
    html = WeightExplorer(sample_case).ranking.value
    assert html.startswith('<div style="white-space: nowrap') and 'class="dataframe aa-ranking"' in html


def test_the_chart_keeps_its_aspect_ratio(sample_case):
    """The image is sized by width only: the browser derives the height from the PNG, never stretches it."""
    layout = WeightExplorer(sample_case).chart.layout
    assert layout.height == "auto" and layout.object_fit == "contain" and layout.align_self == "flex-start"
    assert layout.width == "640px" and layout.max_width == "100%"


def test_what_changed_is_said_above_the_ranking_and_chart(sample_case):
    explorer = WeightExplorer(sample_case)
    assert "Top: Vantage Telehealth Classic (C03)." in explorer.changes.value
    explorer.sliders["cultural_fit"].value = 100.0
    text = explorer.changes.value
    assert "<strong>Cultural fit: 10.0 → 100.0</strong>" in text
    assert "Top unchanged: Vantage Telehealth Classic (C03)." in text
    assert "Helvetia Sensorik AG (C01) up 6 → 3" in text
    top, below = explorer.widget.children
    assert explorer.changes in top.children and explorer.chart in below.children, "the change is told first"


def test_ranking_changes_name_the_new_top_the_moves_and_the_recommendations(sample_case):
    before = partner_fit(sample_case)
    after = partner_fit(sample_case, weights={"strategic_fit": 0.0, "cultural_fit": 100.0,
                                              "compliance_security_fit": 0.0})
    lines = ranking_changes(before, after, most=2)
    old, new = before.candidates, after.candidates
    assert lines[0].startswith("New top:" if old["rank"].idxmin() != new["rank"].idxmin() else "Top unchanged:")
    moved = int((old["rank"] != new["rank"]).sum())
    assert lines[1].startswith("Moved: ") and lines[1].count(" → ") == min(moved, 2)
    assert lines[1].endswith(f"; and {moved - 2} more.") if moved > 2 else lines[1].endswith(".")
    turned = (old["recommendation"] != new["recommendation"]).sum()
    assert (lines[-1].startswith("Recommendation now: ")) == bool(turned)
    assert ranking_changes(before, before) == ["Top unchanged: Vantage Telehealth Classic (C03).",
                                               "No candidate changed rank."]
