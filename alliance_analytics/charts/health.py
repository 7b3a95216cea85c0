"""Charts of the alliance-health analysis: the portfolio heat map and one card per alliance.

Figures are built with :class:`matplotlib.figure.Figure` directly, not through ``pyplot``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle

from alliance_analytics.case.model import DIMENSIONS
from alliance_analytics.charts.style import REFERENCE_GREY, SERIES_COLOURS, legend_columns, share_axis
from alliance_analytics.charts.text import plain_text
from alliance_analytics.core.formatting import format_month, format_share

if TYPE_CHECKING:
    from alliance_analytics.health.analysis import AllianceHealth, HealthResult

BAND_COLOURS: dict[str, str] = {"green": "#a6dba0", "amber": "#fdd49e", "red": "#f4a582", "no data": "#eeeeee"}
"""Cell and band colours of the red / amber / green bands (light, so black text reads on them)."""

ALARM_RED = "#b2182b"
"""Markers of months in which an unfavourable rule fired."""

COLUMNS = ("health", *DIMENSIONS)
"""The heat map's columns: the whole index, then the four dimensions."""


@plain_text
def heat_map(result: HealthResult) -> Figure:
    """Alliances × dimensions in the evaluation month: the index, its trend arrow and its band colour.

    Parameters
    ----------
    result : HealthResult
        The alliance-health analysis (with at least one alliance).

    Returns
    -------
    matplotlib.figure.Figure
    """
    items = list(result.alliances.values())
    figure = Figure(figsize=(10.0, 0.5 * len(items) + 1.6), layout="constrained")
    axes = figure.add_subplot()
    for row, item in enumerate(items):
        for column, name in enumerate(COLUMNS):
            value = item.latest(name)
            band = result._band(value)
            axes.add_patch(Rectangle((column, row), 1, 1, facecolor=BAND_COLOURS[band], edgecolor="white",
                                     linewidth=2))
            text = "not measured" if np.isnan(value) else f"{format_share(value)} {item.trend(name)}".strip()
            axes.text(column + 0.5, row + 0.5, text, ha="center", va="center", fontsize=9, color="black")
        axes.text(len(COLUMNS) + 0.1, row + 0.5, item.recommendation, va="center", fontsize=9, color="black")
    axes.set_xlim(0, len(COLUMNS) + 1.2)
    axes.set_ylim(len(items), 0)
    axes.set_xticks(np.arange(len(COLUMNS)) + 0.5, [name.capitalize() for name in COLUMNS], fontsize=9)
    axes.xaxis.tick_top()
    axes.set_yticks(np.arange(len(items)) + 0.5, [item.label for item in items], fontsize=9)
    axes.tick_params(length=0)
    for side in axes.spines.values():
        side.set_visible(False)
    axes.set_title(f"Health in {format_month(result.month)}: index as a share of target\n(arrow: last 3 months "
                   "against the 3 before; right: recommendation)", fontsize=10)
    handles = [Patch(facecolor=BAND_COLOURS[band], label=label) for band, label in (
        ("green", f"green: at least {format_share(result.settings.bands.green)}"),
        ("amber", f"amber: at least {format_share(result.settings.bands.amber)}"),
        ("red", "red: below"))]
    key = figure.legend(handles=handles, loc="outside lower center", ncol=3, fontsize=8, frameon=False)
    key.set_gid("key")
    return figure


@plain_text
def alliance_card(result: HealthResult, alliance: str) -> Figure:
    """One alliance's card: its health index by dimension over time on the bands, and each KPI's control chart.

    Each KPI panel shows the monthly values, the target (dashed), the baseline centre and the individuals-chart
    limits (grey), and the months in which a rule fired against the alliance (red rings).

    Parameters
    ----------
    result : HealthResult
    alliance : str
        The alliance's id.

    Returns
    -------
    matplotlib.figure.Figure
    """
    item = result.alliances[alliance]
    kpis = list(item.kpis.index)
    columns = 3
    rows = 1 + int(np.ceil(len(kpis) / columns))
    width = 10.0
    figure = Figure(figsize=(width, 2.6 + 2.1 * (rows - 1)), layout="constrained")
    grid = figure.add_gridspec(rows, columns, height_ratios=[1.3] + [1] * (rows - 1))
    months = np.arange(len(item.periods))
    ticks = _month_ticks(item.periods)
    index_axes = figure.add_subplot(grid[0, :])
    _index_panel(index_axes, result, item, months, ticks)
    for position, kpi in enumerate(kpis):
        axes = figure.add_subplot(grid[1 + position // columns, position % columns])
        _kpi_panel(axes, item, kpi, months, ticks)
    handles = [Line2D([], [], color="black", linewidth=1.2, marker=".", label="monthly value"),
               Line2D([], [], color=REFERENCE_GREY, linestyle="--", label="target"),
               Line2D([], [], color="#888888", linestyle=":", label="natural process limits (XmR)"),
               Line2D([], [], linestyle="none", marker="o", markerfacecolor="none", markeredgecolor=ALARM_RED,
                      label="a rule fired against the alliance")]
    labels = [handle.get_label() for handle in handles]
    key = figure.legend(handles=handles, loc="outside lower center", ncol=legend_columns(labels, width, 8), fontsize=8,
                        frameon=False)
    key.set_gid("key")
    figure.suptitle(f"{item.label}: {item.recommendation}", fontsize=11)
    return figure


def _month_ticks(periods: list[str]) -> list[int]:
    """Positions of the ticks: every third month, so 36 labels never crowd."""
    step = 3 if len(periods) <= 24 else 6
    return list(range(0, len(periods), step))


def _index_panel(axes, result: HealthResult, item: AllianceHealth, months: np.ndarray, ticks: list[int]) -> None:
    """The health index and its dimensions over time, on the red / amber / green bands."""
    bands = result.settings.bands
    top = max(result.settings.attainment_cap, float(np.nanmax(item.index.to_numpy(), initial=1.0)) + 0.05)
    bottom = min(0.5, float(np.nanmin(item.index.to_numpy(), initial=1.0)) - 0.05)
    axes.axhspan(bands.green, top, color=BAND_COLOURS["green"], alpha=0.5, linewidth=0)
    axes.axhspan(bands.amber, bands.green, color=BAND_COLOURS["amber"], alpha=0.5, linewidth=0)
    axes.axhspan(bottom, bands.amber, color=BAND_COLOURS["red"], alpha=0.5, linewidth=0)
    for position, column in enumerate(item.index.columns):
        style = {"color": "black", "linewidth": 2.2} if column == "health" else \
            {"color": SERIES_COLOURS[position % len(SERIES_COLOURS)], "linewidth": 1.2}
        axes.plot(months, item.index[column].to_numpy(), label=column, **style)
    axes.set_ylim(bottom, top)
    share_axis(axes.yaxis)
    axes.set_xticks(ticks, [item.periods[tick] for tick in ticks], fontsize=8)
    axes.set_xlim(-0.5, len(months) - 0.5)
    axes.set_ylabel("index (share of target)", fontsize=8)
    axes.set_title("Health index (black) and dimensions; bands green / amber / red", fontsize=9)
    axes.legend(loc="center left", bbox_to_anchor=(1.0, 0.5), fontsize=8, frameon=False)


def _kpi_panel(axes, item: AllianceHealth, kpi: str, months: np.ndarray, ticks: list[int]) -> None:
    """One KPI's individuals chart with its target and the months a rule fired against the alliance."""
    charts = item.charts[kpi]
    values = charts.values
    axes.plot(months, values, color="black", linewidth=1.2, marker=".", markersize=4)
    axes.axhline(float(item.kpis.at[kpi, "target"]), color=REFERENCE_GREY, linestyle="--", linewidth=1)
    lower, upper = charts.xmr
    for limit in (lower, upper):
        axes.axhline(limit, color="#888888", linestyle=":", linewidth=1)
    worse = 1 if item.kpis.at[kpi, "direction"] == "lower" else -1
    alarms = sorted({signal.month for signal in charts.signals if signal.direction == worse})
    if alarms:
        axes.plot(months[alarms], values[alarms], linestyle="none", marker="o", markersize=9,
                  markerfacecolor="none", markeredgecolor=ALARM_RED, markeredgewidth=1.5)
    unit = item.kpis.at[kpi, "unit"]
    axes.set_title(f"{item.kpis.at[kpi, 'name']}" + (f" ({unit})" if unit else ""), fontsize=9)
    axes.set_xticks(ticks[::2], [item.periods[tick] for tick in ticks[::2]], fontsize=7)
    axes.set_xlim(-0.5, len(months) - 0.5)
    axes.tick_params(axis="y", labelsize=7)
