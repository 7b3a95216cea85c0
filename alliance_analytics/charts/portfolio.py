"""Charts of the portfolio analysis: one function per chart, each returning a ``Figure``.

Like :mod:`alliance_analytics.charts.fit`, figures are built without ``pyplot``; nothing is shown or printed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from alliance_analytics.charts.style import (
    MILLION,
    REFERENCE_GREY,
    SERIES_COLOURS,
    legend_columns,
    money_axis,
    share_axis,
)
from alliance_analytics.charts.text import plain_text
from alliance_analytics.core.formatting import candidate_label, format_share

if TYPE_CHECKING:
    from alliance_analytics.portfolio.analysis import PortfolioResult
    from alliance_analytics.portfolio.frontier import FrontierPoint


MARKERS: tuple[str, ...] = ("o", "s", "^", "D")
"""Markers cycled with the colours, so every frontier portfolio has a look of its own."""

RECOMMENDED_RED = "#b2182b"
"""The recommended portfolio and the CVaR floor."""

FRONTIER_GREY = "#888888"
"""The dotted line through the frontier's portfolios."""

RECOMMENDED, CVAR_FLOOR = "recommended portfolio", "CVaR floor"
"""Legend entries of the recommended portfolio's ring and of the CVaR floor's line."""

LIMIT_STATES: dict[str, str] = {"binding": "#b2182b", "used up": "#d9a400", "room left": "#4c72b0"}
"""How much of a limit the portfolio uses, and its colour."""

INCLUSION_CLASSES: dict[str, str] = {"core": "#1b7837", "borderline": "#d9a400", "exterior": "#999999"}
"""Colour of each robustness class."""


FRONTIER_TITLE = ("Efficient frontier: the most expected NPV at each level of tail risk\n"
                  "(each point a distinct efficient portfolio, named by its alliances)")
"""The frontier chart's title."""


def frontier_points(result: PortfolioResult) -> list[FrontierPoint]:
    """The distinct portfolios of the efficient frontier, as the frontier chart draws them.

    Parameters
    ----------
    result : PortfolioResult
        The portfolio analysis.

    Returns
    -------
    list of FrontierPoint
        One point per distinct portfolio found (the first floor that gave it), by increasing CVaR.
    """
    distinct: dict[tuple[str, ...], FrontierPoint] = {}
    for point in result.frontier:
        if point.expected_npv is not None:
            distinct.setdefault(tuple(point.selected), point)
    return sorted(distinct.values(), key=lambda point: point.cvar)


def frontier_marker(index: int) -> tuple[str, str]:
    """Colour and matplotlib marker of the ``index``-th frontier portfolio (distinct for 32 portfolios).

    Parameters
    ----------
    index : int
        Position of the portfolio in :func:`frontier_points`, from 0.

    Returns
    -------
    (str, str)
        Colour and marker (one of :data:`MARKERS`).

    Examples
    --------
    >>> frontier_marker(0), frontier_marker(9)
    (('#0072b2', 'o'), ('#e69f00', 's'))
    """
    colours = len(SERIES_COLOURS)
    return SERIES_COLOURS[index % colours], MARKERS[index // colours % len(MARKERS)]


def portfolio_label(point: FrontierPoint) -> str:
    """A frontier portfolio's legend entry: its alliances' ids, ``"C01, C03"``, or ``"no alliance"``."""
    return ", ".join(point.selected) or "no alliance"


@plain_text
def frontier_chart(result: PortfolioResult) -> Figure:
    """Expected NPV against CVaR along the efficient frontier, each distinct portfolio a legend entry.

    Parameters
    ----------
    result : PortfolioResult
        The portfolio analysis.

    Returns
    -------
    matplotlib.figure.Figure
    """
    width = 9.0
    figure = Figure(figsize=(width, 5.5), layout="constrained")
    axes = figure.add_subplot()
    currency = result.problem.currency
    points = frontier_points(result)
    xs = np.array([point.cvar for point in points], dtype=float) / MILLION
    ys = np.array([point.expected_npv for point in points], dtype=float) / MILLION
    axes.plot(xs, ys, color=FRONTIER_GREY, linewidth=1, linestyle=":", zorder=1)
    for index, (point, x, y) in enumerate(zip(points, xs, ys)):
        colour, marker = frontier_marker(index)
        axes.plot([x], [y], linestyle="", marker=marker, markersize=7, color=colour, zorder=2,
                  label=portfolio_label(point))
    if result.solution.found:
        axes.scatter([result.cvar / MILLION], [result.expected_npv / MILLION], s=180, facecolors="none",
                     edgecolors=RECOMMENDED_RED, linewidths=2, zorder=3, label=RECOMMENDED)
    if result.problem.cvar_floor is not None:
        axes.axvline(result.problem.cvar_floor / MILLION, color=RECOMMENDED_RED, linestyle="--", linewidth=1,
                     label=CVAR_FLOOR)
    unit = money_axis(axes.xaxis, currency)
    money_axis(axes.yaxis, currency)
    axes.set_xlabel(frontier_x_label(result, unit))
    axes.set_ylabel(f"Expected NPV ({unit})")
    axes.set_title(FRONTIER_TITLE, fontsize=10)
    labels = axes.get_legend_handles_labels()[1]
    if labels:
        figure.legend(loc="outside lower center", ncol=legend_columns(labels, width, 8), fontsize=8, frameon=False)
    return figure


def frontier_x_label(result: PortfolioResult, unit: str) -> str:
    """The frontier's x-axis label, ``"5 % CVaR of portfolio NPV (M EUR; further right is safer)"``."""
    return f"{format_share(result.problem.cvar_level)} CVaR of portfolio NPV ({unit}; further right is safer)"


@plain_text
def limits_chart(result: PortfolioResult) -> Figure:
    """Share of each upper limit (budget, FTE, sponsors, maximum count) the portfolio uses.

    Parameters
    ----------
    result : PortfolioResult
        The portfolio analysis.

    Returns
    -------
    matplotlib.figure.Figure
    """
    upper_limits = {limit.name for limit in result.problem.limits if limit.sense == "<=" and limit.bound > 0}
    upper = result.usage.loc[[name for name in result.usage.index if name in upper_limits]]
    shares = (upper["used"] / upper["bound"]).to_numpy(dtype=float)
    binding = np.array([name in result.binding for name in upper.index], dtype=bool)
    states = np.where(binding, "binding", np.where(shares >= 1 - 1e-9, "used up", "room left"))
    figure = Figure(figsize=(9, 0.45 * max(len(upper), 2) + 1.6), layout="constrained")
    axes = figure.add_subplot()
    positions = np.arange(len(upper))
    for state, colour in LIMIT_STATES.items():
        chosen = states == state
        if chosen.any():
            axes.barh(positions[chosen], shares[chosen], color=colour, label=state)
    axes.axvline(1, color=REFERENCE_GREY, linewidth=1, linestyle="--")
    axes.set_yticks(positions, list(upper["limit"]), fontsize=8)
    axes.invert_yaxis()
    axes.set_xlim(0, max(1.05, float(shares.max(initial=0.0)) * 1.05))
    share_axis(axes.xaxis)
    axes.set_xlabel("Share of the limit used (dashed: the limit)")
    axes.set_title("How much of each limit the portfolio uses")
    figure.legend(loc="outside lower center", ncol=3, fontsize=8, frameon=False)
    return figure


@plain_text
def inclusion_chart(result: PortfolioResult) -> Figure:
    """Inclusion frequency of each candidate over re-solved portfolios, coloured by class.

    Parameters
    ----------
    result : PortfolioResult
        The portfolio analysis (with robustness samples).

    Returns
    -------
    matplotlib.figure.Figure
    """
    names = dict(zip(result.problem.candidates, result.problem.names))
    table = result.robustness.table(pd.Series(names))
    figure = Figure(figsize=(9, 0.35 * len(table) + 1.6), layout="constrained")
    axes = figure.add_subplot()
    positions = np.arange(len(table))
    frequency = table["inclusion frequency"].to_numpy(dtype=float)
    for kind, colour in INCLUSION_CLASSES.items():
        chosen = (table["class"] == kind).to_numpy()
        if chosen.any():
            axes.barh(positions[chosen], frequency[chosen], color=colour, label=kind)
    axes.set_yticks(positions, [candidate_label(candidate, names[candidate]) for candidate in table.index],
                    fontsize=8)
    axes.invert_yaxis()
    axes.set_xlim(0, 1)
    share_axis(axes.xaxis)
    axes.set_xlabel("Share of re-solved optimal portfolios that include it")
    axes.set_title("Inclusion frequency over re-solved portfolios")
    figure.legend(loc="outside lower center", ncol=3, fontsize=8, frameon=False)
    return figure
