"""Charts of the portfolio analysis: one function per chart, each returning a ``Figure``.

Like :mod:`alliance_analytics.charts.fit`, figures are built without ``pyplot``; nothing is shown or printed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from alliance_analytics.charts.text import plain_text

if TYPE_CHECKING:
    from alliance_analytics.portfolio.analysis import PortfolioResult

MILLION = 1e6


@plain_text
def frontier_chart(result: PortfolioResult) -> Figure:
    """Expected NPV against CVaR along the efficient frontier, each distinct portfolio labelled.

    Parameters
    ----------
    result : PortfolioResult
        The portfolio analysis.

    Returns
    -------
    matplotlib.figure.Figure
    """
    figure = Figure(figsize=(9, 5), layout="constrained")
    axes = figure.add_subplot()
    points = [point for point in result.frontier if point.expected_npv is not None]
    currency = result.problem.currency
    distinct = {}
    for point in points:
        distinct.setdefault(tuple(point.selected), point)
    xs = np.array([point.cvar for point in distinct.values()]) / MILLION
    ys = np.array([point.expected_npv for point in distinct.values()]) / MILLION
    axes.plot(xs, ys, marker="o", markersize=7, color="#4c72b0", linewidth=1, linestyle=":",
              label="efficient portfolios (no portfolio lies between them)")
    for point in distinct.values():
        axes.annotate(", ".join(point.selected), (point.cvar / MILLION, point.expected_npv / MILLION),
                      textcoords="offset points", xytext=(6, 6), fontsize=8)
    if result.solution.found:
        axes.scatter([result.cvar / MILLION], [result.expected_npv / MILLION], s=160, facecolors="none",
                     edgecolors="#b2182b", linewidths=2, zorder=3, label="recommended portfolio")
    if result.problem.cvar_floor is not None:
        axes.axvline(result.problem.cvar_floor / MILLION, color="#b2182b", linestyle="--", linewidth=1,
                     label="CVaR floor")
    level = f"{result.problem.cvar_level:.0%}"
    axes.set_xlabel(f"{level} CVaR of portfolio NPV (M {currency}; further right is safer)")
    axes.set_ylabel(f"Expected NPV (M {currency})")
    axes.set_title("Efficient frontier: the most expected NPV at each level of tail risk")
    axes.legend(fontsize=8, loc="best")
    return figure


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
    shares = (upper["used"] / upper["bound"]).to_numpy()
    binding = np.array([name in result.binding for name in upper.index])
    figure = Figure(figsize=(9, 0.45 * max(len(upper), 2) + 1.2), layout="constrained")
    axes = figure.add_subplot()
    colours = np.where(binding, "#b2182b", np.where(shares >= 1 - 1e-9, "#d9a400", "#4c72b0"))
    axes.barh(upper["limit"], shares * 100, color=colours)
    axes.axvline(100, color="#444444", linewidth=1, linestyle="--")
    axes.invert_yaxis()
    axes.set_xlabel("Share of the limit used (%)")
    axes.set_title("How much of each limit the portfolio uses (red: binding, amber: used up)")
    axes.tick_params(axis="y", labelsize=8)
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
    figure = Figure(figsize=(9, 0.35 * len(table) + 1.2), layout="constrained")
    axes = figure.add_subplot()
    colours = table["class"].map({"core": "#1b7837", "borderline": "#d9a400", "exterior": "#999999"})
    axes.barh([f"{candidate} {names[candidate]}" for candidate in table.index], table["inclusion frequency"] * 100,
              color=colours.to_numpy())
    axes.invert_yaxis()
    axes.set_xlim(0, 100)
    axes.set_xlabel("Share of re-solved optimal portfolios that include it (%)")
    axes.set_title("Inclusion frequency (green: core, amber: borderline, grey: exterior)")
    axes.tick_params(axis="y", labelsize=8)
    return figure
