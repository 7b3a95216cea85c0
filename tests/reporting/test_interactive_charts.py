"""Interactive charts: the same numbers as the static charts, BokehJS once per page, offline, with a fallback.

Without a browser: each interactive chart (:mod:`alliance_analytics.charts.interactive`) carries exactly the
numbers of its analysis, recomputed here from the results (sorted NPVs and their empirical probabilities, the
distinct frontier portfolios, the KPI values and the months a rule fired, the rank acceptability shares); its
output carries the static picture and no script; an exported page inlines BokehJS once, runs no other script
and allows exactly its scripts by hash, and a page without interactive charts runs no script at all; text
from case files stays data.

In headless Chromium (skipped without it), on the sample report every notebook report and the front page are
opened with the network refused: a page with interactive charts loads BokehJS exactly once and every chart
draws (its canvas has the chart's own colours), a page without loads none, nothing is requested, no error is
logged; hovering shows the numbers and a legend click hides a curve; with JavaScript off every chart shows its
static picture. Every page, the decision brief included, is under 5 MB.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import nbformat
import numpy as np
import pytest
from bokeh.models import GlyphRenderer, HBar, Line, Plot, Scatter
from bs4 import BeautifulSoup
from degenerate_cases import write_degenerate_case
from matplotlib.figure import Figure
from PIL import Image
from report_browser import CHROMIUM, open_offline

import alliance_analytics as aa
from alliance_analytics.charts import interactive
from alliance_analytics.charts.portfolio import RECOMMENDED_RED
from alliance_analytics.charts.style import OTHERS_GREY, SERIES_COLOURS
from alliance_analytics.core.formatting import candidate_label, format_share
from alliance_analytics.core.paths import SAMPLE_CASE_DIR
from alliance_analytics.reporting.html import export_html
from alliance_analytics.reporting.live_charts import bokeh_library, render_live_charts

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

needs_chromium = pytest.mark.skipif(CHROMIUM is None, reason="no Chromium installed (apt-get install chromium)")

PAGE_BUDGET = 5_000_000
"""Most bytes of one report page."""

INTERACTIVE_PAGES = {"02_weight_sensitivity": 1, "03_risk_simulation": 1, "04_portfolio": 1, "06_alliance_health": None}
"""Reports with interactive charts, and how many (``None``: one per alliance in flight)."""

CHART_INK: dict[str, dict[str, int]] = {
    "02_weight_sensitivity": {"#440154": 2000, "#dfe318": 500},
    "03_risk_simulation": {SERIES_COLOURS[0]: 150, SERIES_COLOURS[1]: 150, OTHERS_GREY: 150},
    "04_portfolio": {SERIES_COLOURS[0]: 60, SERIES_COLOURS[1]: 60, RECOMMENDED_RED: 60},
    "06_alliance_health": {"#000000": 1000, SERIES_COLOURS[1]: 100},
}
"""Per page, colours its charts draw (rank 1 and the last rank, series, markers, the index and KPI lines), and
more pixels than each must cover in every chart of the page."""

HOSTILE = """Evil "Partner" </div><script>alert('x')</script> & Co"""
"""A candidate name that would break out of an attribute or a script if the page did not escape it."""


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, object]]:
    """The four analyses whose charts are interactive, on the sample case, small and fast."""
    monkeypatch = pytest.MonkeyPatch()
    monkeypatch.setenv("ALLIANCE_ANALYTICS_CACHE", str(tmp_path_factory.mktemp("cache")))
    case = aa.load_case(SAMPLE_CASE_DIR)
    yield {"simulation": aa.analyse_risk_simulation(case, aa.SimulationParameters(iterations=2000)),
           "portfolio": aa.analyse_portfolio(case, aa.PortfolioParameters(iterations=2000, robustness_samples=5,
                                                                          frontier_points=5)),
           "health": aa.analyse_alliance_health(case, aa.HealthParameters()),
           "sensitivity": aa.analyse_weight_sensitivity(case, aa.SensitivityParameters(samples=2000))}
    monkeypatch.undo()


def _renderers(chart: interactive.InteractiveChart, glyph: type) -> list[GlyphRenderer]:
    """The chart's renderers of one glyph type, each panel's in the order they were drawn."""
    return [renderer for plot in chart.live.select({"type": Plot}) for renderer in plot.renderers
            if isinstance(renderer, GlyphRenderer) and isinstance(renderer.glyph, glyph)]


def _data(renderer: GlyphRenderer, column: str) -> np.ndarray:
    return np.asarray(renderer.data_source.data[column])


# --- the same numbers as the analyses ----------------------------------------------------------------------------


def test_s_curves_carry_the_sorted_npvs_at_their_empirical_probabilities(results):
    simulation = results["simulation"]
    chart = interactive.s_curves(simulation)
    markers = {renderer.name: renderer for renderer in _renderers(chart, Scatter)}
    assert set(markers) == {candidate_label(candidate, name) for candidate, name in simulation.names.items()}
    n = simulation.iterations
    for candidate, name in simulation.names.items():
        marker = markers[candidate_label(candidate, name)]
        npv, share = _data(marker, "npv"), _data(marker, "share")
        ordered = np.sort(simulation.candidates[candidate].npv) / 1e6
        ranks = np.rint(share * n - 0.5).astype(int)
        assert ranks[0] == 0 and ranks[-1] == n - 1 and len(ranks) == min(n, interactive.S_CURVE_POINTS)
        assert np.all(np.diff(ranks) > 0)
        np.testing.assert_allclose(npv, ordered[ranks], rtol=0, atol=1e-12)
        below = (simulation.candidates[candidate].npv[:, None] / 1e6 <= npv[None, :]).mean(axis=0)
        assert np.all(np.abs(below - share) <= 0.5 / n + 1e-12), "a point's share is its empirical probability"
        assert list(marker.data_source.data["share_text"]) == [format_share(value) for value in share]


def test_frontier_points_are_the_distinct_portfolios_of_the_frontier(results):
    portfolio = results["portfolio"]
    chart = interactive.frontier_chart(portfolio)
    first_of_each: dict[tuple[str, ...], object] = {}
    for point in portfolio.frontier:
        if point.expected_npv is not None and tuple(point.selected) not in first_of_each:
            first_of_each[tuple(point.selected)] = point
    expected = sorted((point.cvar / 1e6, point.expected_npv / 1e6, tuple(point.selected))
                      for point in first_of_each.values())
    names = dict(zip(portfolio.problem.candidates, portfolio.problem.names))
    shown = [renderer for renderer in _renderers(chart, Scatter) if "members" in renderer.data_source.data]
    assert len(shown) == len(expected) >= 2
    for renderer, (cvar, npv, selected) in zip(sorted(shown, key=lambda r: _data(r, "cvar")[0]), expected):
        assert _data(renderer, "cvar")[0] == pytest.approx(cvar, abs=1e-12)
        assert _data(renderer, "npv")[0] == pytest.approx(npv, abs=1e-12)
        assert renderer.data_source.data["members"][0].split("\n") == [candidate_label(c, names[c]) for c in selected]
    ring = [renderer for renderer in _renderers(chart, Scatter) if renderer.glyph.size == 20]
    assert _data(ring[0], "x")[0] == pytest.approx(portfolio.cvar / 1e6)
    assert _data(ring[0], "y")[0] == pytest.approx(portfolio.expected_npv / 1e6)


def test_control_charts_carry_every_month_and_ring_the_months_a_rule_fired_against_the_alliance(results):
    health = results["health"]
    alliance = next(iter(health.alliances))
    item = health.alliances[alliance]
    chart = interactive.alliance_card(health, alliance)
    dots = {renderer.data_source.data["value_text"][0]: renderer for renderer in _renderers(chart, Scatter)
            if "value_text" in renderer.data_source.data}
    assert len(dots) == len(item.kpis)
    rings = [renderer for renderer in _renderers(chart, Scatter) if renderer.glyph.size == 11
             and min(_data(renderer, "x")) >= 0]
    rung = sorted(tuple(_data(ring, "x").astype(int)) for ring in rings)
    expected_rings = []
    for kpi in item.kpis.index:
        values = item.charts[kpi].values
        dot = next(renderer for renderer in dots.values()
                   if np.array_equal(_data(renderer, "value"), values, equal_nan=True))
        assert list(dot.data_source.data["period"]) == item.periods
        worse = 1 if item.kpis.at[kpi, "direction"] == "lower" else -1
        fired = sorted({signal.month for signal in item.charts[kpi].signals if signal.direction == worse})
        assert [text != "no" for text in dot.data_source.data["alarm"]] == [m in fired for m in range(len(values))]
        if fired:
            expected_rings.append(tuple(fired))
    assert rung == sorted(expected_rings)
    lines = {renderer.name: renderer for renderer in _renderers(chart, Line) if renderer.name}
    for column in item.index.columns:
        np.testing.assert_array_equal(_data(lines[column], "value"), item.index[column].to_numpy(dtype=float))
    assert len({id(plot.x_range) for plot in chart.live.select({"type": Plot})}) == 1, \
        "every panel zooms and pans the same months"


def test_rank_acceptability_bars_are_the_shares_stacked_to_one(results):
    sensitivity = results["sensitivity"]
    table = sensitivity.smaa.rank_acceptability
    chart = interactive.rank_acceptability_chart(sensitivity.smaa, sensitivity.fit.candidates["name"])
    bars = _renderers(chart, HBar)
    assert [bar.name for bar in bars] == [f"rank {rank}" for rank in range(1, table.shape[1] + 1)]
    widths = np.column_stack([_data(bar, "right") - _data(bar, "left") for bar in bars])
    np.testing.assert_allclose(widths, table.to_numpy(dtype=float), atol=1e-12)
    np.testing.assert_allclose(_data(bars[-1], "right"), 1.0, atol=1e-9)
    assert list(bars[0].data_source.data["candidate"]) == [
        candidate_label(c, sensitivity.fit.candidates["name"][c]) for c in table.index]


def test_an_output_carries_the_document_and_the_static_picture_but_no_script(results):
    chart = interactive.s_curves(results["simulation"])
    bundle = chart._repr_mimebundle_()
    assert set(bundle) == {interactive.BOKEH_MIMETYPE, "image/png", "text/plain"}
    document = json.loads(bundle[interactive.BOKEH_MIMETYPE])
    assert document["root_id"] == chart.live.id
    picture = Image.open(io.BytesIO(base64.b64decode(bundle["image/png"])))
    assert picture.format == "PNG" and picture.width > 600
    assert isinstance(chart.static, Figure) and chart.static.axes[0].get_title() == chart.live.title.text
    assert "<script" not in bundle[interactive.BOKEH_MIMETYPE] and "Bokeh.set_log_level" not in str(bundle)
    assert len(bundle[interactive.BOKEH_MIMETYPE]) < 400_000


# --- the exported page --------------------------------------------------------------------------------------------


def _page(tmp_path: Path, outputs: list[dict]) -> Path:
    """Export a notebook whose cells show ``outputs`` (mime bundles) and return the HTML file."""
    notebook = nbformat.v4.new_notebook()
    for bundle in outputs:
        cell = nbformat.v4.new_code_cell("chart")
        cell.outputs = [nbformat.v4.new_output("display_data", bundle)]
        notebook.cells.append(cell)
    executed = tmp_path / "page.ipynb"
    nbformat.write(notebook, executed)
    return export_html(executed, tmp_path / "page.html", title="Charts")


def _strings(value: object) -> Iterator[str]:
    """Every string in a JSON value."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict | list):
        for item in value.values() if isinstance(value, dict) else value:
            yield from _strings(item)


def _hostile_chart(results) -> interactive.InteractiveChart:
    """The rank acceptability chart with a candidate named :data:`HOSTILE`."""
    sensitivity = results["sensitivity"]
    names = sensitivity.fit.candidates["name"].copy()
    names.iloc[0] = HOSTILE
    return interactive.rank_acceptability_chart(sensitivity.smaa, names)


def test_a_page_inlines_bokehjs_once_and_allows_only_its_own_scripts(results, tmp_path):
    bundles = [interactive.frontier_chart(results["portfolio"])._repr_mimebundle_(),
               _hostile_chart(results)._repr_mimebundle_()]
    page = _page(tmp_path, bundles)
    soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
    scripts = [script.string for script in soup.find_all("script")]
    assert len(scripts) == 2 and scripts[0] == bokeh_library() and "Bokeh.embed.embed_item" in scripts[1]
    policy = soup.find("meta", attrs={"http-equiv": "Content-Security-Policy"})["content"]
    allowed = re.search(r"script-src ([^;]+)", policy).group(1).split()
    assert allowed == [f"'sha256-{base64.b64encode(hashlib.sha256(s.encode()).digest()).decode()}'" for s in scripts]
    charts = soup.select("div.aa-chart")
    assert [json.loads(chart["data-aa-bokeh"]) for chart in charts] == \
        [json.loads(bundle[interactive.BOKEH_MIMETYPE]) for bundle in bundles], "the documents survive escaping"
    assert [chart.img["src"] for chart in charts] == [f"data:image/png;base64,{b['image/png']}" for b in bundles]
    assert any(HOSTILE in text for text in _strings(json.loads(charts[1]["data-aa-bokeh"])))
    assert "<script>alert" not in page.read_text(encoding="utf-8") and "alert(" not in "".join(scripts)


def test_a_page_without_interactive_charts_runs_no_script(tmp_path):
    static = {"text/plain": "a table", "text/html": "<table><tr><td>1</td></tr></table>"}
    page = _page(tmp_path, [static])
    soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
    assert soup.find_all("script") == []
    assert "script-src" not in soup.find("meta", attrs={"http-equiv": "Content-Security-Policy"})["content"]
    notebook = nbformat.read(tmp_path / "page.ipynb", as_version=4)
    assert render_live_charts(notebook) is False


def test_a_chart_with_nothing_to_explore_is_its_picture_alone(tmp_path):
    case = aa.load_case(write_degenerate_case("all_walk_away", tmp_path / "case"))
    sensitivity = aa.analyse_weight_sensitivity(case, aa.SensitivityParameters(samples=200))
    assert sensitivity.smaa.rank_acceptability.empty, "no candidate is in the running"
    chart = interactive.rank_acceptability_chart(sensitivity.smaa, sensitivity.fit.candidates["name"])
    assert chart.live is None and set(chart._repr_mimebundle_()) == {"image/png", "text/plain"}
    soup = BeautifulSoup(_page(tmp_path, [chart._repr_mimebundle_()]).read_text(encoding="utf-8"), "html.parser")
    assert soup.find_all("script") == [] and soup.select("div.aa-chart") == [] and len(soup.find_all("img")) == 1


# --- the sample report in Chromium --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def pages(sample_report) -> dict[str, Path]:
    """Every page of the sample report by name (``index`` and each notebook's stem)."""
    assert sample_report.ok
    folder = sample_report.folder
    return {"index": folder / "index.html", **{path.stem: path for path in folder.glob("*/*.html")}}


def test_every_page_keeps_to_its_size_budget(pages):
    sizes = {name: path.stat().st_size for name, path in pages.items()}
    assert sizes["05_decision_brief"] < PAGE_BUDGET
    assert max(sizes.values()) < PAGE_BUDGET, sizes


def _chart_count(pages: dict[str, Path], name: str) -> int:
    """How many interactive charts the page ``name`` should have: one card per alliance in ``results.json``."""
    expected = INTERACTIVE_PAGES.get(name, 0)
    if expected is None:
        results = json.loads((pages[name].parent / "results.json").read_text(encoding="utf-8"))
        return len(results["alliances"])
    return expected


def _ink(image: Image.Image, colour: str, tolerance: int = 40) -> int:
    """Pixels of ``image`` within ``tolerance`` (each channel) of ``colour``."""
    pixels = np.asarray(image.convert("RGB"), dtype=int)
    target = np.array([int(colour[i:i + 2], 16) for i in (1, 3, 5)])
    return int((np.abs(pixels - target).max(axis=-1) <= tolerance).sum())


def _open(browser: Browser, path: Path, javascript: bool = True) -> tuple[Page, object]:
    """A page opened offline; the caller closes the returned context."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, offline=True,
                                  java_script_enabled=javascript)
    page = context.new_page()
    page.goto(path.resolve().as_uri(), wait_until="load")
    return page, context


@needs_chromium
@pytest.mark.parametrize("name", ["index", "01_partner_fit", *INTERACTIVE_PAGES, "05_decision_brief"])
def test_each_page_loads_bokehjs_once_when_it_has_charts_and_never_otherwise(browser, pages, name):
    report = open_offline(browser, pages[name], f"interactive-{name}")
    assert report.console_errors == [] and report.network_requests == [] and report.failed_requests == []
    expected = _chart_count(pages, name)
    assert sum(script == bokeh_library() for script in report.scripts) == (1 if expected else 0)
    assert sum("Bokeh" in script for script in report.scripts) == (2 if expected else 0)
    page, context = _open(browser, pages[name])
    try:
        charts = page.locator("div.aa-chart")
        assert charts.count() == expected
        if expected:
            page.wait_for_selector(f"div.aa-chart-drawn >> nth={expected - 1}", timeout=15_000)
        for index in range(expected):
            chart = charts.nth(index)
            assert "aa-chart-drawn" in chart.get_attribute("class")
            assert not chart.locator("img.aa-chart-static").is_visible(), "a drawn chart hides its picture"
            chart.scroll_into_view_if_needed()
            drawn = Image.open(io.BytesIO(chart.locator("div.aa-chart-live").screenshot()))
            assert drawn.height > 150
            for colour, pixels in CHART_INK[name].items():
                assert _ink(drawn, colour) > pixels, f"{colour} is drawn: the canvas shows the chart's own series"
    finally:
        context.close()


@needs_chromium
@pytest.mark.parametrize("name", list(INTERACTIVE_PAGES))
def test_without_javascript_every_chart_shows_its_static_picture(browser, pages, name):
    page, context = _open(browser, pages[name], javascript=False)
    try:
        pictures = page.locator("div.aa-chart img.aa-chart-static")
        assert pictures.count() == page.locator("div.aa-chart").count() >= 1
        for index in range(pictures.count()):
            picture = pictures.nth(index)
            assert picture.is_visible()
            assert picture.evaluate("image => image.complete && image.naturalWidth > 600")
        assert page.locator("div.aa-chart-live > *").count() == 0
    finally:
        context.close()


VIEW_JS = """([index, x, y]) => {
    const view = [...Bokeh.index].filter(view => view.model.type === "Figure")[index];
    const box = view.el.getBoundingClientRect();
    return [box.left + view.frame.x_scale.compute(x), box.top + view.frame.y_scale.compute(y)];
}"""
"""Page coordinates of the data point ``(x, y)`` in the ``index``-th Bokeh figure of the page."""

VISIBLE_LINES_JS = """() => [...Bokeh.documents[0].all_models]
    .filter(model => model.type === "GlyphRenderer" && model.glyph.type === "Line" && model.visible).length"""
"""How many line renderers of the page's first chart are shown."""


@needs_chromium
def test_hovering_an_s_curve_shows_its_npv_and_a_legend_click_hides_it(browser, pages):
    page, context = _open(browser, pages["03_risk_simulation"])
    try:
        page.wait_for_selector("div.aa-chart-drawn")
        chart = page.locator("div.aa-chart").first
        chart.scroll_into_view_if_needed()
        page.wait_for_timeout(300)
        curves = page.evaluate("""() => [...Bokeh.documents[0].all_models]
            .filter(model => model.type === "GlyphRenderer" && model.glyph.type === "Scatter" && model.name)
            .map(model => [model.name, ...["npv", "share", "npv_text", "share_text"]
                           .map(column => [...model.data_source.get_column(column)])])""")
        name, npv, share, npv_text, share_text = curves[0]
        middle = len(npv) // 2
        mouse = np.array(page.evaluate(VIEW_JS, [0, npv[middle], share[middle]]))
        page.mouse.move(*mouse)
        label = page.get_by_text("P(NPV at most this):", exact=True)
        label.wait_for(timeout=5_000)
        shown = label.evaluate("element => element.closest('.bk-tooltip-content').innerText").split()
        points = np.array([page.evaluate(VIEW_JS, [0, x, y]) for x, y in zip(npv, share)])
        under = np.flatnonzero(np.hypot(*(points - mouse).T) <= 4.5)
        assert middle in under and " ".join(shown).startswith(name)
        assert (" ".join(shown[shown.index("NPV:") + 1:shown.index("P(NPV")]),
                " ".join(shown[shown.index("this):") + 1:])) in {(npv_text[i], share_text[i]) for i in under}, \
            "the tooltip shows a point under the mouse"
        page.mouse.move(1, 1)
        lines_before = page.evaluate(VISIBLE_LINES_JS)
        entry = chart.get_by_text(name, exact=True).first.bounding_box()
        page.mouse.click(entry["x"] + entry["width"] / 2, entry["y"] + entry["height"] / 2)
        page.wait_for_timeout(300)
        visible = page.evaluate("""(name) => [...Bokeh.documents[0].all_models]
            .filter(model => model.type === "GlyphRenderer" && model.name === name).map(model => model.visible)""",
                                name)
        assert visible == [False] and page.evaluate(VISIBLE_LINES_JS) == lines_before - 1
    finally:
        context.close()
