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

LIMIT_GREY = "#888888"
"""The individuals chart's natural process limits."""

INDEX_TITLE = "Health index (black) and dimensions; bands green / amber / red"
INDEX_AXIS = "index (share of target)"
"""Title and y-axis label of a card's index panel."""

CARD_KEY = ("monthly value", "target", "natural process limits (XmR)", "a rule fired against the alliance")
"""The card's key: what the KPI panels' value line, dashed line, dotted lines and red rings mean."""

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
    ticks = month_ticks(item.periods)
    index_axes = figure.add_subplot(grid[0, :])
    _index_panel(index_axes, result, item, months, ticks)
    for position, kpi in enumerate(kpis):
        axes = figure.add_subplot(grid[1 + position // columns, position % columns])
        _kpi_panel(axes, item, kpi, months, ticks)
    value, target, limits, alarm = CARD_KEY
    handles = [Line2D([], [], color="black", linewidth=1.2, marker=".", label=value),
               Line2D([], [], color=REFERENCE_GREY, linestyle="--", label=target),
               Line2D([], [], color=LIMIT_GREY, linestyle=":", label=limits),
               Line2D([], [], linestyle="none", marker="o", markerfacecolor="none", markeredgecolor=ALARM_RED,
                      label=alarm)]
    key = figure.legend(handles=handles, loc="outside lower center", ncol=legend_columns(CARD_KEY, width, 8),
                        fontsize=8, frameon=False)
    key.set_gid("key")
    figure.suptitle(card_title(item), fontsize=11)
    return figure


def card_title(item: AllianceHealth) -> str:
    """A card's title: the alliance and its recommendation, ``"Alpina Reha Kliniken (A01): restructure"``."""
    return f"{item.label}: {item.recommendation}"


def month_ticks(periods: list[str]) -> list[int]:
    """Positions of the ticks: every third month, so 36 labels never crowd."""
    step = 3 if len(periods) <= 24 else 6
    return list(range(0, len(periods), step))


def index_range(result: HealthResult, item: AllianceHealth) -> tuple[float, float]:
    """The index panel's y range: from at most 50 % to at least the attainment cap, with room around the data.

    Parameters
    ----------
    result : HealthResult
    item : AllianceHealth
        One of ``result.alliances``.

    Returns
    -------
    (float, float)
        Bottom and top, shares of target.
    """
    index = item.index.to_numpy()
    top = max(result.settings.attainment_cap, float(np.nanmax(index, initial=1.0)) + 0.05)
    bottom = min(0.5, float(np.nanmin(index, initial=1.0)) - 0.05)
    return bottom, top


def index_line_style(position: int, column: str) -> dict[str, object]:
    """Colour and width of the index panel's ``position``-th line: the health index thick and black."""
    return {"color": "black", "linewidth": 2.2} if column == "health" else \
        {"color": SERIES_COLOURS[position % len(SERIES_COLOURS)], "linewidth": 1.2}


def _index_panel(axes, result: HealthResult, item: AllianceHealth, months: np.ndarray, ticks: list[int]) -> None:
    """The health index and its dimensions over time, on the red / amber / green bands."""
    bands = result.settings.bands
    bottom, top = index_range(result, item)
    axes.axhspan(bands.green, top, color=BAND_COLOURS["green"], alpha=0.5, linewidth=0)
    axes.axhspan(bands.amber, bands.green, color=BAND_COLOURS["amber"], alpha=0.5, linewidth=0)
    axes.axhspan(bottom, bands.amber, color=BAND_COLOURS["red"], alpha=0.5, linewidth=0)
    for position, column in enumerate(item.index.columns):
        axes.plot(months, item.index[column].to_numpy(), label=column, **index_line_style(position, column))
    axes.set_ylim(bottom, top)
    share_axis(axes.yaxis)
    axes.set_xticks(ticks, [item.periods[tick] for tick in ticks], fontsize=8)
    axes.set_xlim(-0.5, len(months) - 0.5)
    axes.set_ylabel(INDEX_AXIS, fontsize=8)
    axes.set_title(INDEX_TITLE, fontsize=9)
    axes.legend(loc="center left", bbox_to_anchor=(1.0, 0.5), fontsize=8, frameon=False)


def alarm_months(item: AllianceHealth, kpi: str) -> list[int]:
    """Positions of the months in which a rule fired against the alliance on one KPI, ascending.

    Parameters
    ----------
    item : AllianceHealth
    kpi : str
        One of ``item.kpis.index``.

    Returns
    -------
    list of int
        0-based months (positions in ``item.periods``) where a signal fired in the unfavourable direction.
    """
    worse = 1 if item.kpis.at[kpi, "direction"] == "lower" else -1
    return sorted({signal.month for signal in item.charts[kpi].signals if signal.direction == worse})


def kpi_title(item: AllianceHealth, kpi: str) -> str:
    """A KPI panel's title, its name and unit: ``"Joint revenue (k EUR/month)"``."""
    unit = item.kpis.at[kpi, "unit"]
    return f"{item.kpis.at[kpi, 'name']}" + (f" ({unit})" if unit else "")


def _kpi_panel(axes, item: AllianceHealth, kpi: str, months: np.ndarray, ticks: list[int]) -> None:
    """One KPI's individuals chart with its target and the months a rule fired against the alliance."""
    charts = item.charts[kpi]
    values = charts.values
    axes.plot(months, values, color="black", linewidth=1.2, marker=".", markersize=4)
    axes.axhline(float(item.kpis.at[kpi, "target"]), color=REFERENCE_GREY, linestyle="--", linewidth=1)
    for limit in charts.xmr:
        axes.axhline(limit, color=LIMIT_GREY, linestyle=":", linewidth=1)
    alarms = alarm_months(item, kpi)
    if alarms:
        axes.plot(months[alarms], values[alarms], linestyle="none", marker="o", markersize=9,
                  markerfacecolor="none", markeredgecolor=ALARM_RED, markeredgewidth=1.5)
    axes.set_title(kpi_title(item, kpi), fontsize=9)
    axes.set_xticks(ticks[::2], [item.periods[tick] for tick in ticks[::2]], fontsize=7)
    axes.set_xlim(-0.5, len(months) - 0.5)
    axes.tick_params(axis="y", labelsize=7)
