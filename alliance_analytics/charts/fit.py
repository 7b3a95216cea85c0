"""Charts of analysis results: one function per chart, each returning a matplotlib ``Figure``.

Figures are built with :class:`matplotlib.figure.Figure` directly, not through ``pyplot``: nothing here
shows or prints anything, and a notebook displays a returned figure exactly once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure
from matplotlib.patches import Patch, Rectangle

from alliance_analytics.charts.text import plain_text

if TYPE_CHECKING:
    from alliance_analytics.fit.analysis import PartnerFitResult

RECOMMENDATION_COLOURS: dict[str, str] = {"advance": "#1b7837", "review": "#d9a400", "walk away": "#b2182b"}
"""Colour of each recommendation in charts."""


@plain_text
def contribution_chart(result: PartnerFitResult) -> Figure:
    """Stacked horizontal bars: each criterion's contribution to each candidate's fit score.

    Candidates are sorted by fit score (best on top); walk-aways are drawn faded and hatched, and each
    bar is labelled with its score and recommendation. A dashed line marks the advance threshold.

    Parameters
    ----------
    result : PartnerFitResult
        The partner-fit analysis.

    Returns
    -------
    matplotlib.figure.Figure
    """
    table = result.candidates.sort_values(["fit_score", "name"], ascending=[True, False])
    contributions = result.contributions.loc[table.index, result.weights.index]
    figure = Figure(figsize=(10, 0.45 * len(table) + 2.4), layout="constrained")
    axes = figure.add_subplot()
    colours = _criterion_colours(len(contributions.columns))
    positions = np.arange(len(table))
    walk_away = (table["recommendation"] == "walk away").to_numpy()
    left = np.zeros(len(table))
    for index, criterion in enumerate(contributions.columns):
        widths = contributions[criterion].to_numpy()
        bars = axes.barh(positions, widths, left=left, color=colours[index], edgecolor="white", linewidth=0.5,
                         label=result.criterion_names[criterion])
        for bar, faded in zip(bars, walk_away):
            if faded:
                bar.set_alpha(0.35)
                bar.set_hatch("//")
        left += widths
    for position, (candidate, row) in zip(positions, table.iterrows()):
        axes.text(row["fit_score"] + 0.03, position, f"{row['fit_score']:.2f}  {row['recommendation']}",
                  va="center", fontsize=8, color=RECOMMENDATION_COLOURS[row["recommendation"]])
    axes.axvline(result.advance_min_score, color="#444444", linestyle="--", linewidth=1)
    axes.set_yticks(positions, [f"{name} ({candidate})" for candidate, name in table["name"].items()], fontsize=8)
    axes.set_xlim(0, float(table["fit_score"].max()) * 1.25)
    axes.set_xlabel(f"Weighted fit score ({result.aggregation} of evaluators; dashed line: advance threshold "
                    f"{result.advance_min_score:g})")
    axes.set_title("Fit score by criterion contribution")
    axes.legend(loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=4, fontsize=7, frameon=False)
    axes.spines[["top", "right"]].set_visible(False)
    return figure


@plain_text
def score_heatmap(result: PartnerFitResult) -> Figure:
    """Heat map of aggregated scores, with red flags and evaluator disagreements marked.

    A red-flagged cell has a thick red border; a cell where evaluators disagree has a black dotted border
    and a ``!`` beside its score.

    Parameters
    ----------
    result : PartnerFitResult
        The partner-fit analysis.

    Returns
    -------
    matplotlib.figure.Figure
    """
    order = result.candidates.sort_values("rank").index
    criteria = list(result.weights.index)
    values = result.aggregated.loc[order, criteria].to_numpy()
    figure = Figure(figsize=(10, 0.42 * len(order) + 2.2), layout="constrained")
    axes = figure.add_subplot()
    image = axes.imshow(values, cmap="RdYlGn", aspect="auto", vmin=float(np.nanmin(values)),
                        vmax=float(np.nanmax(values)))
    disputed = set(zip(result.disagreements["candidate_id"], result.disagreements["criterion_id"]))
    for row, candidate in enumerate(order):
        flagged = set(result.candidates.at[candidate, "red_flags"])
        for column, criterion in enumerate(criteria):
            mark = " !" if (candidate, criterion) in disputed else ""
            axes.text(column, row, f"{values[row, column]:.1f}{mark}", ha="center", va="center", fontsize=8)
            if criterion in flagged:
                axes.add_patch(Rectangle((column - 0.5, row - 0.5), 1, 1, fill=False, edgecolor="#b2182b",
                                         linewidth=2.5))
            if mark:
                axes.add_patch(Rectangle((column - 0.46, row - 0.46), 0.92, 0.92, fill=False, edgecolor="black",
                                         linewidth=1, linestyle=":"))
    axes.set_xticks(range(len(criteria)), [result.criterion_names[c] for c in criteria], rotation=30, ha="right",
                    fontsize=8)
    axes.set_yticks(range(len(order)), [f"{result.candidates.at[c, 'name']} ({c})" for c in order], fontsize=8)
    figure.colorbar(image, ax=axes, label=f"Aggregated score ({result.aggregation})", shrink=0.8)
    axes.legend(handles=[Patch(fill=False, edgecolor="#b2182b", linewidth=2.5, label="red flag"),
                         Patch(fill=False, edgecolor="black", linestyle=":", label="evaluators disagree (!)")],
                loc="upper left", bbox_to_anchor=(0, -0.25), ncol=2, fontsize=7, frameon=False)
    axes.set_title("Aggregated scores (candidates by rank)")
    return figure


def _criterion_colours(count: int) -> list:
    """A qualitative palette with one colour per criterion."""
    palette = ListedColormap(["#4c72b0", "#55a868", "#c44e52", "#8172b2", "#ccb974", "#64b5cd", "#dd8452",
                              "#937860", "#da8bc3", "#8c8c8c"])
    return [palette(index % palette.N) for index in range(count)]
