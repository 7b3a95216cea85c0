"""Every chart a person can read: complete legends, distinguishable series, no overlapping or clipped text.

Every public chart of :mod:`alliance_analytics.charts` is drawn from the analyses of the sample case and of a
crowded 25-candidate case (``tests/many_candidates.py``) and checked, after ``canvas.draw()``, for:

(a) legends: each axes legend lists exactly the labelled series of its axes, a figure legend exactly the
    labelled series of the axes without a legend of their own, and no labelled series goes without a legend;
    a *key* legend (gid ``"key"``) explains an encoding of one unlabelled series (colour of a class, marker
    size), so its entries are only checked to be distinct;
(b) series: no two labelled series of one axes share colour and line style, marker and hatch;
(c) text: no two visible texts (titles, axis labels, tick labels, legend texts and boxes, annotations) overlap
    by more than :data:`TOLERANCE` pixels, none reaches outside the figure, none reads ``nan``.

The checks are shown to fail on a deliberately bad figure.
"""

from __future__ import annotations

import inspect
import itertools
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import matplotlib.colors as mcolors
import pytest
from many_candidates import write_many_candidates_case
from matplotlib.axes import Axes
from matplotlib.backend_bases import RendererBase
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import Collection
from matplotlib.container import Container
from matplotlib.figure import Figure
from matplotlib.legend import Legend
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.text import Text
from matplotlib.transforms import Bbox

import alliance_analytics as aa
from alliance_analytics import charts
from alliance_analytics.charts import brief as brief_charts
from alliance_analytics.charts import fit as fit_charts
from alliance_analytics.charts import health as health_charts
from alliance_analytics.charts import review as review_charts
from alliance_analytics.charts import thesis as thesis_charts
from alliance_analytics.charts import portfolio as portfolio_charts
from alliance_analytics.charts import risk as risk_charts
from alliance_analytics.charts import sensitivity as sensitivity_charts
from alliance_analytics.core.paths import SAMPLE_CASE_DIR

TOLERANCE = 1.0
"""Pixels two texts may overlap (anti-aliasing of touching boxes), or one may reach beyond the figure edge."""

KEY = "key"
"""The gid of a legend that explains an encoding instead of naming series."""

MODULES = (fit_charts, sensitivity_charts, risk_charts, portfolio_charts, brief_charts, health_charts, thesis_charts,
           review_charts)


# --- the checker -----------------------------------------------------------------------------------------------


def _labelled(axes: Axes) -> list[tuple[object, str]]:
    """The labelled series of an axes (what a legend of it would list), as (handle, label)."""
    handles, labels = axes.get_legend_handles_labels()
    return list(zip(handles, labels))


def _legends(figure: Figure) -> list[Legend]:
    """Every visible legend: of the axes and of the figure."""
    found = [axes.get_legend() for axes in figure.axes if axes.get_visible()] + list(figure.legends)
    return [legend for legend in found if legend is not None and legend.get_visible()]


def _entries(legend: Legend) -> list[str]:
    return [text.get_text() for text in legend.get_texts()]


def legend_problems(figure: Figure) -> list[str]:
    """Check (a): legend entries against labelled series.

    Parameters
    ----------
    figure : matplotlib.figure.Figure
        A drawn figure.

    Returns
    -------
    list of str
        One sentence per problem; empty when the legends are complete and exact.
    """
    problems = []
    orphans: set[str] = set()
    for axes in figure.axes:
        if not axes.get_visible():
            continue
        labels = {label for _, label in _labelled(axes)}
        legend = axes.get_legend()
        if legend is not None and legend.get_gid() != KEY:
            entries = _entries(legend)
            if len(set(entries)) != len(entries):
                problems.append(f"legend of {axes.get_title()!r} repeats an entry: {entries}")
            if set(entries) != labels:
                problems.append(f"legend of {axes.get_title()!r}: missing {sorted(labels - set(entries))}, "
                                f"without a series {sorted(set(entries) - labels)}")
        else:
            orphans |= labels
    figure_entries = [entry for legend in figure.legends if legend.get_gid() != KEY for entry in _entries(legend)]
    if len(set(figure_entries)) != len(figure_entries):
        problems.append(f"figure legend repeats an entry: {figure_entries}")
    if set(figure_entries) != orphans:
        problems.append(f"figure legend: missing {sorted(orphans - set(figure_entries))}, without a series "
                        f"{sorted(set(figure_entries) - orphans)}")
    for legend in _legends(figure):
        entries = _entries(legend)
        if legend.get_gid() == KEY and len(set(entries)) != len(entries):
            problems.append(f"key legend repeats an entry: {entries}")
        if any(not entry.strip() for entry in entries):
            problems.append("a legend entry is empty")
    return problems


def _colour(colour: object) -> str:
    return mcolors.to_hex(colour, keep_alpha=True)


def _style(handle: object) -> tuple:
    """What tells a series apart: colours, line style, marker and hatch."""
    if isinstance(handle, Container):
        parts = [child for child in handle if child is not None and not isinstance(child, (list, tuple))]
        return _style(parts[0]) if parts else ()
    if isinstance(handle, Line2D):
        return ("line", _colour(handle.get_color()), handle.get_linestyle(), str(handle.get_marker()),
                _colour(handle.get_markerfacecolor()) if handle.get_marker() not in ("None", "", None) else "")
    if isinstance(handle, Patch):
        return ("patch", _colour(handle.get_facecolor()) if handle.get_fill() else "", _colour(handle.get_edgecolor()),
                handle.get_hatch() or "", str(handle.get_linestyle()))
    if isinstance(handle, Collection):
        return ("collection", tuple(sorted({_colour(c) for c in handle.get_facecolors()})),
                tuple(sorted({_colour(c) for c in handle.get_edgecolors()})), handle.get_hatch() or "")
    return (type(handle).__name__, id(handle))


def series_problems(figure: Figure) -> list[str]:
    """Check (b): no two labelled series of one axes look the same.

    Parameters
    ----------
    figure : matplotlib.figure.Figure
        A drawn figure.

    Returns
    -------
    list of str
        One sentence per pair of indistinguishable series.
    """
    problems = []
    for axes in figure.axes:
        if not axes.get_visible():
            continue
        for (first, first_label), (second, second_label) in itertools.combinations(_labelled(axes), 2):
            if first_label != second_label and _style(first) == _style(second):
                problems.append(f"{first_label!r} and {second_label!r} look the same in {axes.get_title()!r}: "
                                f"{_style(first)}")
    return problems


def _shown_ticks(axes: Axes) -> Iterator[Text]:
    """The tick labels an axis draws: non-empty, visible, at a location within the view."""
    for axis in (axes.xaxis, axes.yaxis):
        low, high = sorted(axis.get_view_interval())
        margin = 1e-9 * max(abs(low), abs(high), 1.0)
        for locations, ticks in ((axis.get_majorticklocs(), axis.get_major_ticks()),
                                 (axis.get_minorticklocs(), axis.get_minor_ticks())):
            for location, tick in zip(locations, ticks):
                if low - margin <= location <= high + margin and tick.get_visible():
                    for label in (tick.label1, tick.label2):
                        if label.get_visible() and label.get_text().strip():
                            yield label


def _texts(figure: Figure) -> Iterator[tuple[str, Text, object]]:
    """Every visible, non-empty text as (kind, artist, owner): texts of one legend share their owner."""
    candidates: list[tuple[str, Text, object]] = [("figure text", text, None) for text in figure.texts]
    for axes in figure.axes:
        if not axes.get_visible():
            continue
        candidates += [("title", title, None) for title in (axes.title, axes._left_title, axes._right_title)]
        candidates += [("axis label", axes.xaxis.label, None), ("axis label", axes.yaxis.label, None)]
        candidates += [("tick label", tick, None) for tick in _shown_ticks(axes)]
        candidates += [("annotation", text, None) for text in axes.texts]
    for legend in _legends(figure):
        candidates += [("legend text", text, legend) for text in legend.get_texts()]
        if legend.get_title().get_text():
            candidates.append(("legend title", legend.get_title(), legend))
    seen: set[int] = set()
    for kind, text, owner in candidates:
        if id(text) not in seen and text.get_visible() and text.get_text().strip():
            seen.add(id(text))
            yield kind, text, owner


def _shrunk(box: Bbox) -> Bbox:
    return Bbox.from_extents(box.x0 + TOLERANCE, box.y0 + TOLERANCE, box.x1 - TOLERANCE, box.y1 - TOLERANCE)


def _overlap(first: Bbox, second: Bbox) -> bool:
    a, b = _shrunk(first), _shrunk(second)
    return a.x0 < b.x1 and b.x0 < a.x1 and a.y0 < b.y1 and b.y0 < a.y1


def text_problems(figure: Figure, renderer: RendererBase) -> list[str]:
    """Check (c): no overlapping, clipped or ``nan`` text; legend boxes clear of every other text.

    Parameters
    ----------
    figure : matplotlib.figure.Figure
        A drawn figure.
    renderer : matplotlib.backend_bases.RendererBase
        The renderer it was drawn with.

    Returns
    -------
    list of str
        One sentence per problem.
    """
    problems = []
    texts = [(kind, text, owner, text.get_window_extent(renderer)) for kind, text, owner in _texts(figure)]
    page = figure.bbox
    for kind, text, _, box in texts:
        if re.search(r"\bnan\b", text.get_text(), flags=re.IGNORECASE):
            problems.append(f"{kind} {text.get_text()!r} shows NaN")
        if box.x0 < page.x0 - TOLERANCE or box.y0 < page.y0 - TOLERANCE or box.x1 > page.x1 + TOLERANCE \
                or box.y1 > page.y1 + TOLERANCE:
            problems.append(f"{kind} {text.get_text()!r} reaches outside the figure ({box.extents.round()})")
    for (kind, text, owner, box), (other_kind, other, other_owner, other_box) in itertools.combinations(texts, 2):
        if _overlap(box, other_box):
            problems.append(f"{kind} {text.get_text()!r} overlaps {other_kind} {other.get_text()!r}")
    legends = [(legend, legend.get_window_extent(renderer)) for legend in _legends(figure)]
    for legend, box in legends:
        if box.x0 < page.x0 - TOLERANCE or box.y0 < page.y0 - TOLERANCE or box.x1 > page.x1 + TOLERANCE \
                or box.y1 > page.y1 + TOLERANCE:
            problems.append(f"legend {_entries(legend)[:3]} reaches outside the figure")
        for kind, text, owner, text_box in texts:
            if owner is not legend and _overlap(box, text_box):
                problems.append(f"legend {_entries(legend)[:3]} overlaps {kind} {text.get_text()!r}")
    for (legend, box), (other, other_box) in itertools.combinations(legends, 2):
        if _overlap(box, other_box):
            problems.append(f"legends {_entries(legend)[:2]} and {_entries(other)[:2]} overlap")
    return problems


def readability_problems(figure: Figure) -> list[str]:
    """Draw ``figure`` and run checks (a), (b) and (c) on it.

    Parameters
    ----------
    figure : matplotlib.figure.Figure
        A figure, with or without a canvas.

    Returns
    -------
    list of str
        Every problem found; empty for a readable figure.
    """
    canvas = FigureCanvasAgg(figure)
    canvas.draw()
    renderer = canvas.get_renderer()
    return legend_problems(figure) + series_problems(figure) + text_problems(figure, renderer)


# --- the checker fails where it should --------------------------------------------------------------------------


def _bad_figure() -> Figure:
    figure = Figure(figsize=(4, 3))
    axes = figure.add_subplot()
    axes.plot([0, 1], [0, 1], color="green", label="C02")
    axes.plot([0, 1], [1, 0], color="green", label="C10")
    axes.plot([0, 1], [0.5, 0.5], color="blue", label="C11")
    axes.legend(handles=axes.get_lines()[:2])
    axes.set_xlabel("A long axis label that runs under the next text")
    axes.text(0.5, -0.12, "an overlapping note", transform=axes.transAxes, ha="center", va="top")
    axes.set_title(f"{float('nan')}")
    figure.text(0.98, 0.5, "off the edge of the page")
    return figure


def test_the_checker_catches_a_bad_figure():
    problems = readability_problems(_bad_figure())
    assert any("missing ['C11']" in problem for problem in problems), problems
    assert any("'C02' and 'C10' look the same" in problem for problem in problems), problems
    assert any("overlaps annotation 'an overlapping note'" in problem for problem in problems), problems
    assert any("shows NaN" in problem for problem in problems), problems
    assert any("reaches outside the figure" in problem for problem in problems), problems


def test_the_checker_catches_a_legend_entry_without_a_series_and_a_legend_over_labels():
    figure = Figure(figsize=(4, 3), layout="constrained")
    axes = figure.add_subplot()
    axes.plot([0, 1], [0, 1], label="drawn")
    axes.legend(handles=[*axes.get_lines(), Line2D([], [], color="red", label="never drawn")],
                loc="upper left", bbox_to_anchor=(-0.3, 0.6), fontsize=14)
    axes.set_yticks([0, 0.5, 1], ["first", "second", "third"])
    problems = readability_problems(figure)
    assert any("without a series ['never drawn']" in problem for problem in problems), problems
    assert any(problem.startswith("legend ['drawn'") and "tick label" in problem for problem in problems), problems


def test_the_checker_passes_a_clean_figure():
    figure = Figure(figsize=(5, 3), layout="constrained")
    axes = figure.add_subplot()
    axes.plot([0, 1], [0, 1], label="first")
    axes.plot([0, 1], [1, 0], label="second", linestyle="--")
    axes.set_xlabel("x")
    figure.legend(loc="outside right upper")
    assert readability_problems(figure) == []


# --- every chart of two cases -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def analyses(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, object]]:
    """Every analysis of the sample case and of the 25-candidate case, small and fast, computed once each."""
    monkeypatch = pytest.MonkeyPatch()
    monkeypatch.setenv("ALLIANCE_ANALYTICS_CACHE", str(tmp_path_factory.mktemp("cache")))
    crowded = write_many_candidates_case(tmp_path_factory.mktemp("crowded") / "case")
    fast = {"iterations": 2000, "robustness_samples": 10, "frontier_points": 5}
    results = {}
    try:
        for label, folder in (("sample", SAMPLE_CASE_DIR), ("25 candidates", crowded)):
            case = aa.load_case(folder)
            results[label] = {
                "fit": aa.analyse_partner_fit(case, aa.PartnerFitParameters()),
                "sensitivity": aa.analyse_weight_sensitivity(case, aa.SensitivityParameters(samples=2000)),
                "simulation": aa.analyse_risk_simulation(case, aa.SimulationParameters(iterations=2000)),
                "portfolio": aa.analyse_portfolio(case, aa.PortfolioParameters(**fast)),
                "brief": aa.analyse_decision_brief(case, aa.BriefParameters(samples=2000, **fast)),
                "health": aa.analyse_alliance_health(case, aa.HealthParameters()),
                "thesis": aa.analyse_thesis_check(case, aa.ThesisParameters(iterations=2000)),
                "review": aa.analyse_portfolio_review(case, aa.ReviewParameters(**fast)),
            }
    finally:
        monkeypatch.undo()
    return results


def _sensitivity_charts(name: str) -> Callable[[dict], Figure]:
    """A weight-sensitivity chart called as its notebook calls it."""
    def draw(results: dict) -> Figure:
        sensitivity = results["sensitivity"]
        names, criterion_names = sensitivity.fit.candidates["name"], sensitivity.fit.criterion_names
        calls = {
            "stability_chart": lambda: sensitivity_charts.stability_chart(sensitivity.stability, criterion_names),
            "sweep_chart": lambda: sensitivity_charts.sweep_chart(sensitivity.sweeps, criterion_names, names),
            "rank_acceptability_chart": lambda: sensitivity_charts.rank_acceptability_chart(sensitivity.smaa, names),
            "central_weights_heatmap": lambda: sensitivity_charts.central_weights_heatmap(
                sensitivity.smaa, criterion_names, names),
            "pairwise_winning_heatmap": lambda: sensitivity_charts.pairwise_winning_heatmap(sensitivity.smaa, names),
        }
        return calls[name]()
    return draw


CHARTS: dict[str, Callable[[dict], Figure]] = {
    "fit.contribution_chart": lambda results: fit_charts.contribution_chart(results["fit"]),
    "fit.score_heatmap": lambda results: fit_charts.score_heatmap(results["fit"]),
    **{f"sensitivity.{name}": _sensitivity_charts(name) for name in (
        "stability_chart", "sweep_chart", "rank_acceptability_chart", "central_weights_heatmap",
        "pairwise_winning_heatmap")},
    "risk.s_curves": lambda results: risk_charts.s_curves(results["simulation"]),
    "risk.npv_histograms": lambda results: risk_charts.npv_histograms(results["simulation"]),
    "risk.tornado_charts": lambda results: risk_charts.tornado_charts(results["simulation"]),
    "portfolio.frontier_chart": lambda results: portfolio_charts.frontier_chart(results["portfolio"]),
    "portfolio.limits_chart": lambda results: portfolio_charts.limits_chart(results["portfolio"]),
    "portfolio.inclusion_chart": lambda results: portfolio_charts.inclusion_chart(results["portfolio"]),
    "brief.fit_value_chart": lambda results: brief_charts.fit_value_chart(results["brief"]),
    "health.heat_map": lambda results: health_charts.heat_map(results["health"]),
    "health.alliance_card": lambda results: health_charts.alliance_card(
        results["health"], max(results["health"].alliances, key=lambda alliance: len(
            results["health"].alliances[alliance].kpis))),
    "thesis.then_and_now": lambda results: thesis_charts.then_and_now(results["thesis"]),
    "thesis.assumptions_before_after": lambda results: thesis_charts.assumptions_before_after(results["thesis"]),
    "thesis.pilot_value": lambda results: thesis_charts.pilot_value(results["thesis"]),
    "review.option_values": lambda results: review_charts.option_values(results["review"]),
}
"""Every public chart, called on the analyses of one case."""


def test_every_public_chart_is_checked():
    public = {f"{module.__name__.rsplit('.', 1)[-1]}.{name}"
              for module in MODULES for name, function in inspect.getmembers(module, inspect.isfunction)
              if function.__module__ == module.__name__ and not name.startswith("_")
              and inspect.signature(function).return_annotation in (Figure, "Figure")}
    assert public == set(CHARTS)
    shared = {"text", "style", "interactive"}
    assert {path.stem for path in Path(charts.__file__).parent.glob("[!_]*.py")} - shared == \
        {module.__name__.rsplit(".", 1)[-1] for module in MODULES}


@pytest.mark.parametrize("case", ["sample", "25 candidates"])
@pytest.mark.parametrize("chart", list(CHARTS))
def test_chart_is_readable(analyses, case, chart):
    figure = CHARTS[chart](analyses[case])
    width, _ = figure.get_size_inches()
    assert width <= 10.0, f"{width} in is wider than a report page"
    problems = readability_problems(figure)
    assert not problems, "\n".join(problems)


def test_the_crowded_case_is_a_valid_case_of_25_distinct_candidates(tmp_path):
    case = aa.load_case(write_many_candidates_case(tmp_path / "case"))
    names = case.candidates["name"]
    assert len(case.candidates) == 25 and names.is_unique and not names.str.contains(r"\(C\d\d\)").any()
