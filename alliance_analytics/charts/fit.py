"""Charts of analysis results: one function per chart, each returning a matplotlib ``Figure``.

Figures are built with :class:`matplotlib.figure.Figure` directly, not through ``pyplot``: nothing here
shows or prints anything, and a notebook displays a returned figure exactly once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from alliance_analytics.charts.style import REFERENCE_GREY, cell_text_colours, fill_style, legend_columns, wrapped
from alliance_analytics.charts.text import plain_text
from alliance_analytics.core.formatting import candidate_label, format_number

if TYPE_CHECKING:
    from alliance_analytics.fit.analysis import PartnerFitResult

RECOMMENDATION_COLOURS: dict[str, str] = {"advance": "#1b7837", "review": "#d9a400", "walk away": "#b2182b"}
"""Colour of each recommendation in charts."""

CRITERION_COLOURS: tuple[str, ...] = ("#4c72b0", "#55a868", "#c44e52", "#8172b2", "#ccb974", "#64b5cd", "#dd8452",
                                      "#937860", "#da8bc3", "#8c8c8c")
"""Ten qualitative colours for the criteria (cycled with hatches beyond ten)."""

WALK_AWAY_HATCH = "\\\\\\"
"""Hatch added to a walk-away's bars (besides fading them)."""


@plain_text
def contribution_chart(result: PartnerFitResult) -> Figure:
    """Stacked horizontal bars: each criterion's contribution to each candidate's fit score.

    Candidates are sorted by fit score (best on top); walk-aways are drawn faded and hatched, and each
    bar is labelled with its score and recommendation. A dashed line marks the advance threshold. The legend
    of the criteria sits below the plot, clear of the axis label.

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
    width = 10.0
    figure = Figure(figsize=(width, 0.45 * len(table) + 2.4), layout="constrained")
    axes = figure.add_subplot()
    positions = np.arange(len(table))
    walk_away = (table["recommendation"] == "walk away").to_numpy()
    left = np.zeros(len(table))
    faded = []
    for index, criterion in enumerate(contributions.columns):
        widths = contributions[criterion].to_numpy()
        bars = axes.barh(positions, widths, left=left, edgecolor="white", linewidth=0.5,
                         label=result.criterion_names[criterion], **fill_style(index, CRITERION_COLOURS))
        faded += list(np.asarray(bars.patches, dtype=object)[walk_away])
        left += widths
    for position, (score, recommendation) in zip(positions, table[["fit_score", "recommendation"]].to_numpy()):
        axes.text(score + 0.03, position, f"{format_number(score)}  {recommendation}", va="center", fontsize=8,
                  color=RECOMMENDATION_COLOURS[recommendation],
                  bbox={"facecolor": "white", "edgecolor": "none", "pad": 0.5})
    axes.axvline(result.advance_min_score, color=REFERENCE_GREY, linestyle="--", linewidth=1)
    axes.set_yticks(positions, [candidate_label(candidate, name) for candidate, name in table["name"].items()],
                    fontsize=8)
    axes.set_xlim(0, float(table["fit_score"].max()) * 1.25)
    axes.set_xlabel(f"Weighted fit score ({result.aggregation} of evaluators; dashed line: advance threshold "
                    f"{result.advance_min_score:g}; faded: walk-away)")
    axes.set_title("Fit score by criterion contribution")
    labels = [result.criterion_names[criterion] for criterion in contributions.columns]
    figure.legend(loc="outside lower center", ncol=legend_columns(labels, width, 8), fontsize=8, frameon=False)
    for bar in faded:  # after the legend, whose keys show the criteria's own colours
        bar.set_alpha(0.35)
        bar.set_hatch(f"{bar.get_hatch() or ''}{WALK_AWAY_HATCH}")
    axes.spines[["top", "right"]].set_visible(False)
    return figure


@plain_text
def score_heatmap(result: PartnerFitResult) -> Figure:
    """Heat map of aggregated scores, with red flags and evaluator disagreements marked.

    A red-flagged cell has a thick red border; a cell where evaluators disagree has a black dotted border
    and a ``!`` beside its score. The legend names only the marks the chart shows.

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
    width = 10.0
    figure = Figure(figsize=(width, 0.42 * len(order) + 2.4), layout="constrained")
    axes = figure.add_subplot()
    image = axes.imshow(values, cmap="RdYlGn", aspect="auto", vmin=float(np.nanmin(values)),
                        vmax=float(np.nanmax(values)))
    disputed = set(zip(result.disagreements["candidate_id"], result.disagreements["criterion_id"]))
    flag_label, dispute_label = "red flag", "evaluators disagree (!)"
    colours = cell_text_colours(image)
    for row, candidate in enumerate(order):
        flagged = set(result.candidates.at[candidate, "red_flags"])
        for column, criterion in enumerate(criteria):
            mark = " !" if (candidate, criterion) in disputed else ""
            axes.text(column, row, f"{format_number(values[row, column], 1)}{mark}", ha="center", va="center",
                      fontsize=8, color=colours[row, column])
            if criterion in flagged:
                axes.add_patch(Rectangle((column - 0.5, row - 0.5), 1, 1, fill=False, edgecolor="#b2182b",
                                         linewidth=2.5, label=flag_label))
                flag_label = "_red flag"
            if mark:
                axes.add_patch(Rectangle((column - 0.46, row - 0.46), 0.92, 0.92, fill=False, edgecolor="black",
                                         linewidth=1, linestyle=":", label=dispute_label))
                dispute_label = "_evaluators disagree"
    characters = int(6.5 * 72 / len(criteria) / (0.6 * 8))
    axes.set_xticks(range(len(criteria)), [wrapped(result.criterion_names[c], characters) for c in criteria],
                    fontsize=8)
    axes.set_yticks(range(len(order)), [candidate_label(c, result.candidates.at[c, "name"]) for c in order],
                    fontsize=8)
    figure.colorbar(image, ax=axes, label=f"Aggregated score ({result.aggregation})", shrink=0.8)
    if axes.get_legend_handles_labels()[0]:
        figure.legend(loc="outside lower center", ncol=2, fontsize=8, frameon=False)
    axes.set_title("Aggregated scores (candidates by rank)")
    return figure
