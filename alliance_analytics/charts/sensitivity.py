"""Charts of the weight-sensitivity results: one function per chart, each returning a ``Figure``.

Like :mod:`alliance_analytics.charts.fit`, figures are built without ``pyplot``; nothing is shown or printed.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TYPE_CHECKING

import numpy as np
from matplotlib import colormaps
from matplotlib.figure import Figure

from alliance_analytics.charts.text import plain_text

if TYPE_CHECKING:
    from alliance_analytics.sensitivity.smaa import SMAAResult
    from alliance_analytics.sensitivity.stability import StabilityResult, Sweep


@plain_text
def stability_chart(stability: StabilityResult, criterion_names: Mapping[str, str]) -> Figure:
    """Per criterion, the weight range keeping the top candidate and the one keeping the whole ranking.

    Parameters
    ----------
    stability : StabilityResult
        Exact stability intervals.
    criterion_names : mapping of str to str
        Display names by criterion id.

    Returns
    -------
    matplotlib.figure.Figure
    """
    criteria = list(stability.intervals)
    figure = Figure(figsize=(10, 0.6 * len(criteria) + 1.6), layout="constrained")
    axes = figure.add_subplot()
    for row, criterion in enumerate(criteria):
        interval = stability.intervals[criterion]
        low, high = interval.top_kept
        axes.barh(row, high - low, left=low, height=0.55, color="#9ecae1", label="top candidate kept" if not row
                  else None)
        low, high = interval.ranking_kept
        axes.barh(row, max(high - low, 0.004), left=low, height=0.25, color="#08519c",
                  label="whole ranking kept" if not row else None)
        axes.plot(interval.current, row, marker="D", color="#d62728", markersize=6,
                  label="current weight" if not row else None)
        for end, taker in zip(interval.top_kept, interval.top_lost_to):
            if taker:
                axes.text(end, row + 0.36, taker, ha="center", fontsize=7, color="#444444")
    axes.set_yticks(range(len(criteria)), [criterion_names[c] for c in criteria], fontsize=8)
    axes.set_xlim(0, 1)
    axes.invert_yaxis()
    axes.set_xlabel("Weight of the criterion (the others keep their proportions); labels: who takes the top")
    axes.set_title(f"Stability of the ranking to one weight at a time (top: {stability.top})")
    axes.legend(loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=3, fontsize=8, frameon=False)
    return figure


@plain_text
def sweep_chart(sweeps: Mapping[str, Sweep], criterion_names: Mapping[str, str], highlight: int = 5) -> Figure:
    """Small multiples: every candidate's fit score as one weight moves from 0 to 1, crossings marked.

    Parameters
    ----------
    sweeps : mapping of str to Sweep
        One sweep per criterion.
    criterion_names : mapping of str to str
        Display names by criterion id.
    highlight : int
        The first ``highlight`` candidates (by current rank) are drawn in colour, the rest in grey.

    Returns
    -------
    matplotlib.figure.Figure
    """
    columns = 3
    rows = math.ceil(len(sweeps) / columns)
    figure = Figure(figsize=(11, 3.1 * rows + 0.8), layout="constrained")
    grid = figure.subplots(rows, columns, squeeze=False, sharey=True)
    for axes, (criterion, sweep) in zip(grid.flat, sweeps.items()):
        current = sweep.scores.iloc[int(np.argmin(np.abs(sweep.values - sweep.current)))]
        ranked = current.sort_values(ascending=False).index
        for order, candidate in enumerate(reversed(ranked)):
            coloured = len(ranked) - 1 - order < highlight
            axes.plot(sweep.values, sweep.scores[candidate], linewidth=1.6 if coloured else 0.8,
                      color=None if coloured else "#bbbbbb", label=candidate if coloured else None,
                      zorder=3 if coloured else 1)
        top = set(ranked[:highlight])
        marked = sweep.crossings[sweep.crossings["candidate_a"].isin(top) | sweep.crossings["candidate_b"].isin(top)]
        axes.scatter(marked["t"], marked["score"], s=12, color="black", zorder=4)
        axes.axvline(sweep.current, color="#d62728", linestyle="--", linewidth=1)
        axes.set_title(criterion_names[criterion], fontsize=9)
        axes.set_xlim(0, 1)
        axes.tick_params(labelsize=7)
    for axes in list(grid.flat)[len(sweeps):]:
        axes.set_visible(False)
    handles, labels = grid.flat[0].get_legend_handles_labels()
    figure.legend(handles[::-1], labels[::-1], loc="outside lower center", ncol=highlight, fontsize=8,
                  frameon=False)
    figure.suptitle("Fit score as one weight moves (dashed: current weight; dots: crossings among the leaders)",
                    fontsize=10)
    return figure


@plain_text
def rank_acceptability_chart(result: SMAAResult, names: Mapping[str, str]) -> Figure:
    """Stacked bars of each candidate's rank acceptability indices (share of samples at each rank).

    Parameters
    ----------
    result : SMAAResult
        The SMAA run.
    names : mapping of str to str
        Candidate names by id.

    Returns
    -------
    matplotlib.figure.Figure
    """
    table = result.rank_acceptability
    figure = Figure(figsize=(10, 0.42 * len(table) + 1.8), layout="constrained")
    axes = figure.add_subplot()
    colours = colormaps["viridis"](np.linspace(0, 0.95, table.shape[1]))
    left = np.zeros(len(table))
    positions = np.arange(len(table))
    for rank, column in enumerate(table.columns):
        widths = table[column].to_numpy()
        axes.barh(positions, widths, left=left, color=colours[rank], edgecolor="white", linewidth=0.4,
                  label=f"rank {rank + 1}" if rank < 8 else None)
        left += widths
    axes.set_yticks(positions, [f"{names[c]} ({c})" for c in table.index], fontsize=8)
    axes.invert_yaxis()
    axes.set_xlim(0, 1)
    axes.set_xlabel(f"Share of {result.n_samples:,} samples")
    axes.set_title("Rank acceptability (SMAA-2)")
    axes.legend(loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=8, fontsize=7, frameon=False)
    return figure


@plain_text
def central_weights_heatmap(result: SMAAResult, criterion_names: Mapping[str, str]) -> Figure:
    """Heat map of central weight vectors: the typical weights that make each candidate best.

    Parameters
    ----------
    result : SMAAResult
        The SMAA run.
    criterion_names : mapping of str to str
        Display names by criterion id.

    Returns
    -------
    matplotlib.figure.Figure
    """
    table = result.central_weights.dropna(how="all")
    figure = Figure(figsize=(10, 0.45 * max(len(table), 1) + 2.2), layout="constrained")
    axes = figure.add_subplot()
    values = table.to_numpy()
    image = axes.imshow(values, cmap="Blues", aspect="auto", vmin=0, vmax=float(np.nanmax(values)))
    for row in range(values.shape[0]):
        for column in range(values.shape[1]):
            axes.text(column, row, f"{values[row, column]:.2f}", ha="center", va="center", fontsize=8)
    axes.set_xticks(range(len(table.columns)), [criterion_names[c] for c in table.columns], rotation=30,
                    ha="right", fontsize=8)
    axes.set_yticks(range(len(table)), [f"{c} (confidence {result.confidence[c]:.0%})" for c in table.index],
                    fontsize=8)
    figure.colorbar(image, ax=axes, label="Central weight", shrink=0.8)
    axes.set_title("Central weights of the candidates that can rank first")
    return figure


@plain_text
def pairwise_winning_heatmap(result: SMAAResult) -> Figure:
    """Heat map of pairwise winning indices: the share of samples in which the row ranks above the column.

    Parameters
    ----------
    result : SMAAResult
        The SMAA run.

    Returns
    -------
    matplotlib.figure.Figure
    """
    table = result.pairwise_winning
    figure = Figure(figsize=(0.55 * len(table) + 3, 0.5 * len(table) + 2), layout="constrained")
    axes = figure.add_subplot()
    values = table.to_numpy()
    image = axes.imshow(values, cmap="RdBu", vmin=0, vmax=1)
    for row in range(values.shape[0]):
        for column in range(values.shape[1]):
            if row != column:
                axes.text(column, row, f"{values[row, column]:.2f}", ha="center", va="center", fontsize=7)
    axes.set_xticks(range(len(table)), table.columns, fontsize=8)
    axes.set_yticks(range(len(table)), table.index, fontsize=8)
    figure.colorbar(image, ax=axes, label="Share of samples row ranks above column", shrink=0.8)
    axes.set_title("Pairwise winning index")
    return figure
