"""Charts of the risk simulation: one function per chart, each returning a ``Figure``.

Like :mod:`alliance_analytics.charts.fit`, figures are built without ``pyplot``; nothing is shown or printed.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
from matplotlib.figure import Figure

from alliance_analytics.charts.text import plain_text

if TYPE_CHECKING:
    from alliance_analytics.risk.analysis import SimulationResult

MILLION = 1e6


@plain_text
def s_curves(result: SimulationResult) -> Figure:
    """The cumulative distribution (S-curve) of every candidate's NPV on one chart.

    Parameters
    ----------
    result : SimulationResult
        The simulation.

    Returns
    -------
    matplotlib.figure.Figure
    """
    figure = Figure(figsize=(10, 5.5), layout="constrained")
    axes = figure.add_subplot()
    order = result.summary_table().index
    shares = np.linspace(0, 1, result.iterations, endpoint=False) + 0.5 / result.iterations
    for candidate in order:
        axes.plot(np.sort(result.candidates[candidate].npv) / MILLION, shares, linewidth=1.3,
                  label=f"{candidate} {result.names[candidate]}")
    axes.axvline(0, color="#444444", linewidth=1, linestyle="--")
    axes.set_xlabel(f"NPV (M {result.currency})")
    axes.set_ylabel("Probability NPV is at most this")
    axes.set_title("NPV S-curves (left of the dashed line: the alliance loses money)")
    axes.legend(fontsize=7, loc="lower right", ncol=2)
    return figure


@plain_text
def npv_histograms(result: SimulationResult) -> Figure:
    """A histogram of NPV per candidate, with the mean and the 5 % CVaR marked.

    Parameters
    ----------
    result : SimulationResult
        The simulation.

    Returns
    -------
    matplotlib.figure.Figure
    """
    candidates = list(result.summary_table().index)
    columns = 3
    rows = math.ceil(len(candidates) / columns)
    figure = Figure(figsize=(11, 2.4 * rows + 0.6), layout="constrained")
    grid = figure.subplots(rows, columns, squeeze=False)
    summary = result.summary_table()
    for axes, candidate in zip(grid.flat, candidates):
        values = result.candidates[candidate].npv / MILLION
        axes.hist(values, bins=60, color="#4c72b0", alpha=0.85)
        axes.axvline(0, color="#444444", linewidth=1, linestyle="--")
        axes.axvline(summary.at[candidate, "Mean NPV"] / MILLION, color="#1b7837", linewidth=1.5)
        axes.axvline(summary.at[candidate, "CVaR 5 %"] / MILLION, color="#b2182b", linewidth=1.5)
        axes.set_title(f"{candidate} {result.names[candidate]} — P(loss) {summary.at[candidate, 'P(loss)']:.0%}",
                       fontsize=8)
        axes.tick_params(labelsize=7)
        axes.set_yticks([])
    for axes in list(grid.flat)[len(candidates):]:
        axes.set_visible(False)
    figure.suptitle(f"NPV distributions (M {result.currency}; green: mean, red: 5 % CVaR, dashed: zero)",
                    fontsize=10)
    return figure


@plain_text
def tornado_charts(result: SimulationResult, top: int = 6) -> Figure:
    """A tornado chart per candidate: mean NPV when each input is low (≤ P10) or high (≥ P90).

    Bars are ordered by swing; each label carries the input's share of NPV variance.

    Parameters
    ----------
    result : SimulationResult
        The simulation.
    top : int
        Inputs shown per candidate.

    Returns
    -------
    matplotlib.figure.Figure
    """
    candidates = list(result.summary_table().index)
    columns = 2
    rows = math.ceil(len(candidates) / columns)
    figure = Figure(figsize=(12, (0.3 * top + 1.0) * rows + 0.6), layout="constrained")
    grid = figure.subplots(rows, columns, squeeze=False)
    for axes, candidate in zip(grid.flat, candidates):
        table = result.sensitivity(candidate)
        table = table.reindex(table["Swing"].abs().nlargest(top).index)[::-1]
        centre = float(result.candidates[candidate].npv.mean()) / MILLION
        positions = np.arange(len(table))
        low, high = table["Mean NPV, input ≤ P10"] / MILLION, table["Mean NPV, input ≥ P90"] / MILLION
        axes.barh(positions, low - centre, left=centre, color="#b2182b", label="input ≤ P10")
        axes.barh(positions, high - centre, left=centre, color="#2166ac", label="input ≥ P90")
        axes.axvline(centre, color="#444444", linewidth=1)
        axes.set_yticks(positions, [f"{name} ({share:.0%})" for name, share in
                                    zip(table.index, table["Variance share"])], fontsize=7)
        axes.set_title(f"{candidate} {result.names[candidate]}", fontsize=8)
        axes.tick_params(axis="x", labelsize=7)
    for axes in list(grid.flat)[len(candidates):]:
        axes.set_visible(False)
    handles, labels = grid.flat[0].get_legend_handles_labels()
    figure.legend(handles, labels, loc="outside lower center", ncol=2, fontsize=8, frameon=False)
    figure.suptitle(f"Tornado: mean NPV (M {result.currency}) with each input low or high; (share of NPV "
                    "variance)", fontsize=10)
    return figure
