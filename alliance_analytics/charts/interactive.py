"""Interactive charts for the HTML reports: hover, zoom and legend toggling, with the static chart as fallback.

Each chart here is drawn twice from the same data: by the matplotlib function of its module (the picture a
notebook, a printout or a page without JavaScript shows) and by Bokeh (the interactive chart of the HTML
report). The data come from one function of the chart's module (:func:`~alliance_analytics.charts.risk.
s_curve_data`, :func:`~alliance_analytics.charts.portfolio.frontier_points`, ...), so both show the same
numbers.

A chart is a :class:`InteractiveChart`. Its output carries the Bokeh document as JSON (:data:`BOKEH_MIMETYPE`,
which JupyterLab does not render) and the static chart as ``image/png`` (which it does); the HTML export
(:mod:`alliance_analytics.reporting.live_charts`) turns the JSON into the live chart and inlines BokehJS once
per page. Bokeh (BokehJS ships inside the Python package) is used rather than plotly, whose script alone
(about 4.8 MB) would take most of a page's 5 MB budget; BokehJS's core is about 1.3 MB. No chart uses
``CustomJS`` code, so the page runs under a content security policy without ``eval``.

Styling follows :mod:`alliance_analytics.charts.style`: the same series colours and line styles, matplotlib's
font (DejaVu Sans), money in millions (``"M EUR"``) and shares as percentages, on axes and in tooltips (the
tooltip texts are written by :mod:`alliance_analytics.core.formatting`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from bokeh.embed import json_item
from bokeh.layouts import column, gridplot
from bokeh.models import (
    BasicTickFormatter,
    BoxAnnotation,
    ColumnDataSource,
    FactorRange,
    FixedTicker,
    HoverTool,
    LayoutDOM,
    Legend,
    LegendItem,
    NumeralTickFormatter,
    Range1d,
    Span,
)
from bokeh.plotting import figure as bokeh_figure
from IPython.core.pylabtools import print_figure
from matplotlib.figure import Figure

from alliance_analytics.charts import health, portfolio, risk, sensitivity
from alliance_analytics.charts.style import (
    MILLION,
    OTHERS_GREY,
    REFERENCE_GREY,
    legend_columns,
    millions,
    series_style,
)
from alliance_analytics.core.formatting import candidate_label, format_number, format_share

if TYPE_CHECKING:
    from bokeh.plotting import figure as BokehFigure

    from alliance_analytics.health.analysis import AllianceHealth, HealthResult
    from alliance_analytics.portfolio.analysis import PortfolioResult
    from alliance_analytics.risk.analysis import SimulationResult
    from alliance_analytics.sensitivity.smaa import SMAAResult

BOKEH_MIMETYPE = "application/vnd.alliance-analytics.bokeh"
"""The output's Bokeh document, ``bokeh.embed.json_item`` as JSON text; only the HTML export reads it.

Text, not a JSON object: a notebook stores JSON objects with sorted keys, and BokehJS reads a document's
models in the order Bokeh wrote them (a reference before its definition fails)."""

FONT = "DejaVu Sans, Bitstream Vera Sans, Arial, Helvetica, sans-serif"
"""matplotlib's default font first, then what a reader's machine is likely to have."""

DASHES: dict[str, str] = {"-": "solid", "--": "dashed", "-.": "dashdot", ":": "dotted"}
"""matplotlib line styles in Bokeh's words."""

MARKERS: dict[str, str] = {"o": "circle", "s": "square", "^": "triangle", "D": "diamond"}
"""matplotlib markers in Bokeh's words."""

LEGEND_CHARACTER = 6.4
"""Average width of a legend character at 11 px, in pixels: legend columns are as wide as the longest entry."""

TOOLS = "pan,box_zoom,wheel_zoom,reset"
"""The toolbar of every chart (hover tools are added per chart, on the series they describe)."""

FRONTIER_TOOLTIP = ('<div style="white-space: pre-line; font-size: 12px">@members</div>'
                    '<div style="font-size: 12px; margin-top: 4px">'
                    'Expected NPV: @npv_text<br>{level} CVaR: @cvar_text</div>')
"""A frontier portfolio's tooltip: its alliances one per line, its expected NPV and CVaR (fields escaped)."""

S_CURVE_POINTS = 401
"""Points per S-curve in the interactive chart: the sorted NPVs at evenly spaced ranks, first and last
included, so every point is a point of the static curve (20,000 per curve would weigh megabytes)."""


@dataclass(frozen=True)
class InteractiveChart:
    """A chart with an interactive version for HTML reports and a static picture for everything else.

    Attributes
    ----------
    static : matplotlib.figure.Figure
        The chart drawn by matplotlib: shown in notebooks, printouts and pages without JavaScript.
    live : bokeh.models.LayoutDOM or None
        The same chart in Bokeh; ``None`` when it would draw no data point (no portfolio on the frontier, no
        candidate in the running): the output is then the picture alone, and a page of such outputs loads
        no script.
    title : str
        What the chart shows, in words (the output's ``text/plain`` and the picture's alternative text).
    """

    static: Figure
    live: LayoutDOM | None
    title: str

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        """The output: the Bokeh document (:data:`BOKEH_MIMETYPE`), the static chart as PNG, and the title."""
        bundle = {"image/png": print_figure(self.static, "png", bbox_inches="tight", base64=True),
                  "text/plain": self.title}
        if self.live is not None:
            bundle[BOKEH_MIMETYPE] = json.dumps(json_item(self.live), separators=(",", ":"))
        return bundle


def _styled(plot: BokehFigure, x_label: str, y_label: str) -> BokehFigure:
    """A Bokeh figure dressed like the matplotlib charts: black frame, no grid, DejaVu Sans, plain labels."""
    plot.title.text_font = FONT
    plot.title.text_font_size = "13px"
    plot.title.text_font_style = "normal"
    plot.title.text_color = "black"
    plot.title.align = "center"
    plot.outline_line_color = "black"
    plot.grid.visible = False
    plot.toolbar.logo = None
    plot.toolbar.autohide = True
    plot.xaxis.axis_label, plot.yaxis.axis_label = x_label, y_label
    for axis in plot.axis:
        axis.axis_label_text_font = axis.major_label_text_font = FONT
        axis.axis_label_text_font_style = "normal"
        axis.axis_label_text_font_size = "12px"
        axis.major_label_text_font_size = "11px"
        axis.axis_line_color = axis.major_tick_line_color = "black"
        axis.axis_label_text_color = axis.major_label_text_color = "black"
        axis.minor_tick_line_color = None
    return plot


def _figure(title: str, x_label: str, y_label: str, height: int, **options: Any) -> BokehFigure:
    """A new styled figure that fills the page's width at ``height`` pixels."""
    plot = bokeh_figure(title=title, height=height, sizing_mode="stretch_width", tools=TOOLS,
                        toolbar_location="above", **options)
    return _styled(plot, x_label, y_label)


def _legend(plot: BokehFigure, items: Sequence[LegendItem], place: str = "below", toggles: bool = True,
            most_columns: int = 10) -> None:
    """A frameless legend of ``items`` in as many columns as fit the page; clicking an entry hides its series.

    The columns are as many as the static chart's legend has (:func:`~alliance_analytics.charts.style.
    legend_columns`), all as wide as the longest entry.
    """
    labels = [item.label.value for item in items]
    columns = min(legend_columns(labels, 10.0, 8), most_columns) if place == "below" else 1
    legend = Legend(items=list(items), ncols=columns, border_line_color=None, label_text_font=FONT,
                    label_text_font_size="11px", label_text_color="black", spacing=2,
                    label_width=int(LEGEND_CHARACTER * max(len(label) for label in labels)),
                    click_policy="hide" if toggles else "none", location="center" if place == "below" else "top_left")
    plot.add_layout(legend, place)


def _money_ticks(axis: Any) -> None:
    """Plain tick labels for an axis in millions (``"1.5"``); the unit is in the axis label."""
    axis.formatter = BasicTickFormatter(use_scientific=False)


def _share_ticks(axis: Any) -> None:
    """Percent tick labels (``"40 %"``) for an axis of shares."""
    axis.formatter = NumeralTickFormatter(format="0 %")


def _hover(plot: BokehFigure, renderers: Sequence[Any], tooltips: list[tuple[str, str]] | str,
           mode: str = "mouse") -> None:
    """Tooltips on ``renderers``, for one point under the mouse.

    The texts are written by :mod:`alliance_analytics.core.formatting`; Bokeh escapes every field, so names
    from case files show as text.
    """
    plot.add_tools(HoverTool(renderers=list(renderers), tooltips=tooltips, mode=mode, limit=1))


def s_curves(result: SimulationResult, highlight: Sequence[str] = ()) -> InteractiveChart:
    """The NPV S-curves of :func:`alliance_analytics.charts.risk.s_curves`, interactive.

    Clicking a candidate in the legend hides or shows its curve (the grey ones together); hovering a curve
    shows the candidate, the NPV and the probability that the NPV is at most that. Each curve carries
    :data:`S_CURVE_POINTS` of the sorted NPVs, evenly spaced in rank, first and last included.

    Parameters
    ----------
    result : SimulationResult
        The simulation.
    highlight : sequence of str
        Candidates to draw in colour whatever their expected NPV.

    Returns
    -------
    InteractiveChart
    """
    curves = risk.s_curve_data(result, highlight)
    unit = millions(curves.currency).label
    ranks = np.unique(np.linspace(0, len(curves.shares) - 1, S_CURVE_POINTS).round().astype(int))
    shares = curves.shares[ranks]
    share_text = [format_share(share) for share in shares]
    plot = _figure(curves.title, f"NPV ({unit})", risk.S_CURVE_AXIS, 520, y_range=Range1d(0, 1))
    plot.add_layout(Span(location=0, dimension="height", line_color=REFERENCE_GREY, line_dash="dashed"))

    def curve(candidate: str, **style: Any) -> list[Any]:
        """The curve's line and, on its points, invisible markers that catch the mouse for the tooltip."""
        npv = curves.npv[candidate][ranks]
        source = ColumnDataSource({"npv": npv, "share": shares, "share_text": share_text,
                                   "npv_text": [f"{format_number(value)} {unit}" for value in npv]})
        return [plot.line("npv", "share", source=source, **style),
                plot.scatter("npv", "share", source=source, name=curves.labels[candidate], size=7, alpha=0)]

    grey = [curve(candidate, line_width=0.9, color=OTHERS_GREY) for candidate in curves.others]
    coloured = []
    for index, candidate in enumerate(curves.coloured):
        style = series_style(index)
        coloured.append(curve(candidate, line_width=1.5, color=style["color"], line_dash=DASHES[style["linestyle"]]))
    _share_ticks(plot.yaxis)
    _money_ticks(plot.xaxis)
    _hover(plot, [markers for _, markers in [*coloured, *grey]],
           [("", "$name"), ("NPV", "@npv_text"), ("P(NPV at most this)", "@share_text")])
    items = [LegendItem(label=curves.labels[candidate], renderers=renderers)
             for candidate, renderers in zip(curves.coloured, coloured)]
    if grey:
        items.append(LegendItem(label=curves.others_label, renderers=[renderer for pair in grey for renderer in pair]))
    _legend(plot, items)
    return InteractiveChart(curves.figure(), plot, "NPV S-curves of every candidate")


def frontier_chart(result: PortfolioResult) -> InteractiveChart:
    """The efficient frontier of :func:`alliance_analytics.charts.portfolio.frontier_chart`, interactive.

    Hovering a portfolio shows its alliances by name, its expected NPV and its CVaR; clicking a legend entry
    hides or shows that portfolio.

    Parameters
    ----------
    result : PortfolioResult
        The portfolio analysis.

    Returns
    -------
    InteractiveChart
    """
    title = "Efficient frontier of expected NPV against CVaR"
    points = portfolio.frontier_points(result)
    if not points:
        return InteractiveChart(portfolio.frontier_chart(result), None, title)
    currency = result.problem.currency
    unit = millions(currency).label
    names = dict(zip(result.problem.candidates, result.problem.names))
    cvar = np.array([point.cvar for point in points], dtype=float) / MILLION
    npv = np.array([point.expected_npv for point in points], dtype=float) / MILLION
    plot = _figure(portfolio.FRONTIER_TITLE.replace("\n", " "), portfolio.frontier_x_label(result, unit),
                   f"Expected NPV ({unit})", 480)
    plot.line(cvar, npv, color=portfolio.FRONTIER_GREY, line_width=1, line_dash="dotted")
    items, markers = [], []
    for index, (point, x, y) in enumerate(zip(points, cvar, npv)):
        colour, marker = portfolio.frontier_marker(index)
        source = ColumnDataSource({
            "cvar": [x], "npv": [y], "cvar_text": [f"{format_number(x)} {unit}"],
            "npv_text": [f"{format_number(y)} {unit}"],
            "members": ["\n".join(candidate_label(candidate, names[candidate]) for candidate in point.selected)
                        or "no alliance"]})
        markers.append(plot.scatter("cvar", "npv", source=source, marker=MARKERS[marker], size=10, color=colour))
        items.append(LegendItem(label=portfolio.portfolio_label(point), renderers=[markers[-1]]))
    if result.solution.found:
        ring = plot.scatter([result.cvar / MILLION], [result.expected_npv / MILLION],
                            marker="circle", size=20, fill_color=None, line_color=portfolio.RECOMMENDED_RED,
                            line_width=2)
        items.append(LegendItem(label=portfolio.RECOMMENDED, renderers=[ring]))
    if result.problem.cvar_floor is not None:
        floor = plot.vspan(x=[result.problem.cvar_floor / MILLION], line_dash="dashed",
                           line_color=portfolio.RECOMMENDED_RED, line_width=1)
        items.append(LegendItem(label=portfolio.CVAR_FLOOR, renderers=[floor]))
    _money_ticks(plot.xaxis)
    _money_ticks(plot.yaxis)
    _hover(plot, markers, FRONTIER_TOOLTIP.replace("{level}", format_share(result.problem.cvar_level)))
    _legend(plot, items)
    return InteractiveChart(portfolio.frontier_chart(result), plot, title)


def alliance_card(result: HealthResult, alliance: str) -> InteractiveChart:
    """One alliance's card of :func:`alliance_analytics.charts.health.alliance_card`, interactive.

    The panels share their months: zooming or panning one moves all. Hovering the index shows the month and
    each dimension's share of target; hovering a KPI shows the month, the value and whether a rule fired.
    Clicking a dimension in the legend hides or shows it.

    Parameters
    ----------
    result : HealthResult
    alliance : str
        The alliance's id.

    Returns
    -------
    InteractiveChart
    """
    item = result.alliances[alliance]
    months = np.arange(len(item.periods))
    ticks = health.month_ticks(item.periods)
    x_range = Range1d(-0.5, len(months) - 0.5)
    bottom, top = health.index_range(result, item)
    bands = result.settings.bands
    index_plot = _figure(f"{health.card_title(item)}\n{health.INDEX_TITLE}", "", health.INDEX_AXIS, 350,
                         x_range=x_range, y_range=Range1d(bottom, top))
    for lower, upper, band in ((bands.green, top, "green"), (bands.amber, bands.green, "amber"),
                               (bottom, bands.amber, "red")):
        index_plot.add_layout(BoxAnnotation(bottom=lower, top=upper, fill_color=health.BAND_COLOURS[band],
                                            fill_alpha=0.5, line_color=None, level="underlay"))
    lines, items = [], []
    for position, name in enumerate(item.index.columns):
        style = health.index_line_style(position, name)
        values = item.index[name].to_numpy(dtype=float)
        source = ColumnDataSource({"month": months, "value": values, "period": item.periods,
                                   "value_text": [format_share(value) for value in values]})
        lines.append(index_plot.line("month", "value", source=source, name=name, color=style["color"],
                                     line_width=style["linewidth"]))
        items.append(LegendItem(label=name, renderers=[lines[-1]]))
    _share_ticks(index_plot.yaxis)
    _hover(index_plot, lines, [("", "$name"), ("Month", "@period"), ("Share of target", "@value_text")])
    _legend(index_plot, items, place="right")
    panels = [_kpi_plot(item, kpi, months, x_range) for kpi in item.kpis.index]
    for plot in (index_plot, *panels):
        plot.xaxis.ticker = FixedTicker(ticks=ticks if plot is index_plot else ticks[::2])
        plot.xaxis.major_label_overrides = {tick: item.periods[tick] for tick in ticks}
    hidden = ([-1e9, -2e9], [-1e9, -2e9])  # outside the panel: the key's glyphs show in the legend only
    value, target, limits, alarm = health.CARD_KEY
    key_items = [
        LegendItem(label=value, renderers=[index_plot.line(*hidden, color="black", line_width=1.2)]),
        LegendItem(label=target, renderers=[index_plot.line(*hidden, color=REFERENCE_GREY, line_dash="dashed")]),
        LegendItem(label=limits, renderers=[index_plot.line(*hidden, color=health.LIMIT_GREY, line_dash="dotted")]),
        LegendItem(label=alarm, renderers=[index_plot.scatter(*hidden, size=11, fill_color=None,
                                                              line_color=health.ALARM_RED, line_width=1.5)])]
    _legend(index_plot, key_items, toggles=False)
    grid = gridplot([panels[start:start + 3] for start in range(0, len(panels), 3)], sizing_mode="stretch_width",
                    toolbar_location="above", merge_tools=True)
    layout = column(index_plot, grid, sizing_mode="stretch_width")
    return InteractiveChart(health.alliance_card(result, alliance), layout,
                            f"Health card of {health.card_title(item)}")


def _kpi_plot(item: AllianceHealth, kpi: str, months: np.ndarray, x_range: Range1d) -> BokehFigure:
    """One KPI's individuals chart: values, target, natural process limits, the months a rule fired."""
    charts = item.charts[kpi]
    unit = item.kpis.at[kpi, "unit"]
    alarms = set(health.alarm_months(item, kpi))
    values = charts.values.astype(float)
    source = ColumnDataSource({
        "month": months, "value": values, "period": item.periods,
        "value_text": [f"{format_number(value, 1)} {unit}".strip() for value in values],
        "alarm": ["a rule fired against the alliance" if month in alarms else "no" for month in months]})
    plot = _figure(health.kpi_title(item, kpi), "", "", 200, x_range=x_range)
    plot.title.text_font_size = "12px"
    plot.hspan(y=[float(item.kpis.at[kpi, "target"])], line_color=REFERENCE_GREY, line_dash="dashed", line_width=1)
    plot.hspan(y=[float(limit) for limit in charts.xmr], line_color=health.LIMIT_GREY, line_dash="dotted",
               line_width=1)
    plot.line("month", "value", source=source, color="black", line_width=1.2)
    dots = plot.scatter("month", "value", source=source, size=4, color="black")
    chosen = sorted(alarms)
    if chosen:
        plot.scatter(months[chosen], values[chosen], size=11, fill_color=None, line_color=health.ALARM_RED,
                     line_width=1.5)
    _hover(plot, [dots], [("Month", "@period"), ("Value", "@value_text"), ("Rule fired", "@alarm")], mode="vline")
    return plot


def rank_acceptability_chart(result: SMAAResult, names: Mapping[str, str]) -> InteractiveChart:
    """The rank acceptability bars of :func:`alliance_analytics.charts.sensitivity.rank_acceptability_chart`,
    interactive.

    Hovering a bar segment shows the candidate, the rank and the share of samples giving it that rank;
    clicking a rank in the legend hides or shows it.

    Parameters
    ----------
    result : SMAAResult
        The SMAA run.
    names : mapping of str to str
        Candidate names by id.

    Returns
    -------
    InteractiveChart
    """
    table = result.rank_acceptability
    if table.empty:
        return InteractiveChart(sensitivity.rank_acceptability_chart(result, names), None,
                                sensitivity.ACCEPTABILITY_TITLE)
    labels = [candidate_label(candidate, names[candidate]) for candidate in table.index]
    shares = table.to_numpy(dtype=float)
    right = np.cumsum(shares, axis=1)
    plot = _figure(sensitivity.ACCEPTABILITY_TITLE, sensitivity.acceptability_axis(result), "",
                   int(18 * len(table) + 160), x_range=Range1d(0, 1), y_range=FactorRange(*reversed(labels)))
    bars, items = [], []
    for rank, (colour, label) in enumerate(zip(sensitivity.rank_colours(table.shape[1]),
                                               sensitivity.rank_labels(table.shape[1]))):
        source = ColumnDataSource({"candidate": labels, "left": right[:, rank] - shares[:, rank],
                                   "right": right[:, rank], "share_text": [format_share(share, 1)
                                                                           for share in shares[:, rank]]})
        bars.append(plot.hbar(y="candidate", left="left", right="right", height=0.8, source=source, name=label,
                              color=colour, line_color="white", line_width=0.4))
        items.append(LegendItem(label=label, renderers=[bars[-1]]))
    _share_ticks(plot.xaxis)
    _hover(plot, bars, [("", "@candidate"), ("Rank", "$name"), ("Share of samples", "@share_text")])
    _legend(plot, items)
    return InteractiveChart(sensitivity.rank_acceptability_chart(result, names), plot, sensitivity.ACCEPTABILITY_TITLE)
