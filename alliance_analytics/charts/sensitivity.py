"""Charts of the weight-sensitivity results: one function per chart, each returning a ``Figure``.

Like :mod:`alliance_analytics.charts.fit`, figures are built without ``pyplot``; nothing is shown or printed.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TYPE_CHECKING

import numpy as np
from matplotlib import colormaps
from matplotlib.colors import to_hex
from matplotlib.figure import Figure

from alliance_analytics.charts.style import (
    OTHERS,
    OTHERS_GREY,
    cell_text_colours,
    highlighted,
    legend_columns,
    series_style,
    share_axis,
    wrapped,
)
from alliance_analytics.charts.text import plain_text
from alliance_analytics.core.formatting import candidate_label, format_count, format_number, format_share

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
    share_axis(axes.xaxis)
    axes.invert_yaxis()
    axes.set_xlabel("Weight of the criterion (the others keep their proportions); labels: who takes the top")
    axes.set_title(f"Stability of the ranking to one weight at a time (top: {stability.top})")
    axes.legend(loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=3, fontsize=8, frameon=False)
    return figure


@plain_text
def sweep_chart(sweeps: Mapping[str, Sweep], criterion_names: Mapping[str, str],
                names: Mapping[str, str] | None = None, highlight: int = 5) -> Figure:
    """Small multiples: every candidate's fit score as one weight moves from 0 to 1, crossings marked.

    The leaders at the current weights are drawn in colour, in the same colour and style in every panel; the
    other candidates in light grey, under one legend entry (``others``).

    Parameters
    ----------
    sweeps : mapping of str to Sweep
        One sweep per criterion.
    criterion_names : mapping of str to str
        Display names by criterion id.
    names : mapping of str to str, optional
        Candidate names by id, for the legend (``"Name (C02)"``); ids alone without it.
    highlight : int
        The first ``highlight`` candidates (by current fit score) are drawn in colour, the rest in grey.

    Returns
    -------
    matplotlib.figure.Figure
    """
    columns, width = 3, 10.0
    rows = math.ceil(len(sweeps) / columns)
    figure = Figure(figsize=(width, 2.9 * rows + 1.2), layout="constrained")
    grid = figure.subplots(rows, columns, squeeze=False, sharey=True)
    first = next(iter(sweeps.values()))
    current = first.scores.iloc[int(np.argmin(np.abs(first.values - first.current)))]
    ranked = list(current.sort_values(ascending=False, kind="stable").index)
    leaders = highlighted(ranked, most=highlight)
    labels = {candidate: candidate_label(candidate, names[candidate]) if names is not None else candidate
              for candidate in ranked}
    for axes, (criterion, sweep) in zip(grid.flat, sweeps.items()):
        others = [candidate for candidate in ranked if candidate not in leaders]
        for order, candidate in enumerate(others):
            axes.plot(sweep.values, sweep.scores[candidate], linewidth=0.8, color=OTHERS_GREY, zorder=1,
                      label=f"{OTHERS} ({len(others)})" if not order else None)
        for index, candidate in enumerate(leaders):
            axes.plot(sweep.values, sweep.scores[candidate], linewidth=1.6, zorder=3, label=labels[candidate],
                      **series_style(index))
        marked = sweep.crossings[sweep.crossings["candidate_a"].isin(leaders)
                                 | sweep.crossings["candidate_b"].isin(leaders)]
        axes.scatter(marked["t"], marked["score"], s=12, color="black", zorder=4)
        axes.axvline(sweep.current, color="#d62728", linestyle="--", linewidth=1)
        axes.set_title(criterion_names[criterion], fontsize=9)
        axes.set_xlim(0, 1)
        share_axis(axes.xaxis)
        axes.tick_params(labelsize=7)
    for axes in list(grid.flat)[len(sweeps):]:
        axes.set_visible(False)
    handles, entries = grid.flat[0].get_legend_handles_labels()
    order = [*range(len(others) > 0, len(entries)), *([0] if others else [])]
    figure.legend([handles[i] for i in order], [entries[i] for i in order], loc="outside lower center",
                  ncol=legend_columns(entries, width, 8), fontsize=8, frameon=False)
    figure.suptitle("Fit score as one weight moves (dashed: current weight; dots: crossings among the leaders)",
                    fontsize=10)
    return figure


ACCEPTABILITY_TITLE = "Rank acceptability (SMAA-2)"
"""The rank-acceptability chart's title."""


def rank_colours(ranks: int) -> list[str]:
    """One colour per rank, from dark (rank 1) to light (viridis up to 95 %), as ``"#rrggbb"``.

    Parameters
    ----------
    ranks : int
        Number of ranks (candidates).

    Returns
    -------
    list of str

    Examples
    --------
    >>> rank_colours(2)
    ['#440154', '#dfe318']
    """
    return [to_hex(colour) for colour in colormaps["viridis"](np.linspace(0, 0.95, ranks))]


def rank_labels(ranks: int) -> list[str]:
    """The legend entries of the ranks, ``["rank 1", "rank 2", ...]``."""
    return [f"rank {rank}" for rank in range(1, ranks + 1)]


def acceptability_axis(result: SMAAResult) -> str:
    """The x-axis label of the rank-acceptability chart, ``"Share of 20,000 samples"``."""
    return f"Share of {format_count(result.n_samples)} samples"


@plain_text
def rank_acceptability_chart(result: SMAAResult, names: Mapping[str, str]) -> Figure:
    """Stacked bars of each candidate's rank acceptability indices (share of samples at each rank).

    Every rank has its colour (from dark, rank 1, to light) and its legend entry.

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
    width = 10.0
    figure = Figure(figsize=(width, 0.42 * len(table) + 2.0), layout="constrained")
    axes = figure.add_subplot()
    left = np.zeros(len(table))
    positions = np.arange(len(table))
    labels = rank_labels(table.shape[1])
    for colour, label, column in zip(rank_colours(table.shape[1]), labels, table.columns):
        widths = table[column].to_numpy()
        axes.barh(positions, widths, left=left, color=colour, edgecolor="white", linewidth=0.4, label=label)
        left += widths
    axes.set_yticks(positions, [candidate_label(c, names[c]) for c in table.index], fontsize=8)
    axes.invert_yaxis()
    axes.set_xlim(0, 1)
    share_axis(axes.xaxis)
    axes.set_xlabel(acceptability_axis(result))
    axes.set_title(ACCEPTABILITY_TITLE)
    figure.legend(loc="outside lower center", ncol=min(legend_columns(labels, width, 7), 10), fontsize=7,
                  frameon=False)
    return figure


@plain_text
def central_weights_heatmap(result: SMAAResult, criterion_names: Mapping[str, str],
                            names: Mapping[str, str] | None = None) -> Figure:
    """Heat map of central weight vectors: the typical weights that make each candidate best.

    Parameters
    ----------
    result : SMAAResult
        The SMAA run.
    criterion_names : mapping of str to str
        Display names by criterion id.
    names : mapping of str to str, optional
        Candidate names by id (``"Name (C02)"`` on the rows); ids alone without it.

    Returns
    -------
    matplotlib.figure.Figure
    """
    table = result.central_weights.dropna(how="all")
    figure = Figure(figsize=(10, 0.45 * max(len(table), 1) + 2.4), layout="constrained")
    axes = figure.add_subplot()
    values = table.to_numpy()
    image = axes.imshow(values, cmap="Blues", aspect="auto", vmin=0, vmax=float(np.nanmax(values, initial=0.0)))
    colours = cell_text_colours(image)
    for (row, column), value in np.ndenumerate(values):
        axes.text(column, row, format_share(value), ha="center", va="center", fontsize=8, color=colours[row, column])
    characters = int(6.0 * 72 / max(len(table.columns), 1) / (0.6 * 7))
    axes.set_xticks(range(len(table.columns)), [wrapped(criterion_names[c], characters) for c in table.columns],
                    fontsize=7)
    rows = [f"{candidate_label(c, names[c]) if names is not None else c}, confidence "
            f"{format_share(result.confidence[c])}" for c in table.index]
    axes.set_yticks(range(len(table)), rows, fontsize=8)
    colour_bar = figure.colorbar(image, ax=axes, label="Central weight", shrink=0.8)
    share_axis(colour_bar.ax.yaxis)
    axes.set_title("Central weights of the candidates that can rank first")
    return figure


@plain_text
def pairwise_winning_heatmap(result: SMAAResult, names: Mapping[str, str] | None = None) -> Figure:
    """Heat map of pairwise winning indices: the share of samples in which the row ranks above the column.

    Parameters
    ----------
    result : SMAAResult
        The SMAA run.
    names : mapping of str to str, optional
        Candidate names by id (``"Name (C02)"`` on the rows; the columns keep the ids); ids alone without it.

    Returns
    -------
    matplotlib.figure.Figure
    """
    table = result.pairwise_winning
    figure = Figure(figsize=(min(10.0, 0.5 * len(table) + (5.5 if names is not None else 3.0)),
                             0.45 * len(table) + 2.2), layout="constrained")
    axes = figure.add_subplot()
    values = table.to_numpy()
    image = axes.imshow(values, cmap="RdBu", vmin=0, vmax=1)
    colours = cell_text_colours(image)
    off_diagonal = ~np.eye(*values.shape, dtype=bool)
    for (row, column), value in np.ndenumerate(values):
        if off_diagonal[row, column]:
            axes.text(column, row, format_number(value), ha="center", va="center", fontsize=7,
                      color=colours[row, column])
    axes.set_xticks(range(len(table)), table.columns, fontsize=8, rotation=90)
    axes.set_yticks(range(len(table)), [candidate_label(c, names[c]) if names is not None else c
                                        for c in table.index], fontsize=8)
    colour_bar = figure.colorbar(image, ax=axes, label="Share of samples row ranks above column", shrink=0.8)
    share_axis(colour_bar.ax.yaxis)
    axes.set_title("Pairwise winning index")
    return figure
