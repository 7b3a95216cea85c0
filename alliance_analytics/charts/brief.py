"""The decision brief's chart, returning a ``Figure``.

Like :mod:`alliance_analytics.charts.fit`, figures are built without ``pyplot``; nothing is shown or printed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from alliance_analytics.charts.fit import RECOMMENDATION_COLOURS
from alliance_analytics.charts.text import plain_text

if TYPE_CHECKING:
    from alliance_analytics.brief.analysis import DecisionBrief

WALK_AWAY_GREY = "#b0b0b0"
"""Walk-aways are greyed out: no weight or value brings them back."""


def marker_area(prob_loss: np.ndarray) -> np.ndarray:
    """Marker area (points²) for a loss probability: larger means more likely to lose money.

    Parameters
    ----------
    prob_loss : numpy.ndarray
        Shares between 0 and 1.

    Returns
    -------
    numpy.ndarray

    Examples
    --------
    >>> marker_area(np.array([0.0, 0.5, 1.0])).tolist()
    [40.0, 240.0, 440.0]
    """
    return 40.0 + 400.0 * np.asarray(prob_loss, dtype=float)


@plain_text
def fit_value_chart(brief: DecisionBrief) -> Figure:
    """Every candidate's fit score against its expected NPV, sized by the chance of losing money.

    Colour is the recommendation (walk-aways in grey); the dashed lines mark the advance threshold and an
    NPV of zero, so the top-right corner holds the candidates that both fit and pay.

    Parameters
    ----------
    brief : DecisionBrief
        The decision brief.

    Returns
    -------
    matplotlib.figure.Figure
    """
    table = brief.overview
    figure = Figure(figsize=(6.8, 2.8), layout="constrained")
    axes = figure.add_subplot()
    colours = table["recommendation"].map({**RECOMMENDATION_COLOURS, "walk away": WALK_AWAY_GREY})
    npv = table["npv_mean"].to_numpy() / 1e6
    axes.scatter(table["fit_score"], npv, s=marker_area(table["prob_loss"].to_numpy()), c=list(colours),
                 alpha=0.8, edgecolors="white", linewidths=0.8, zorder=3)
    for candidate, x, y in zip(table.index, table["fit_score"], npv):
        axes.annotate(candidate, (x, y), xytext=(6, 4), textcoords="offset points", fontsize=8, zorder=4)
    axes.axhline(0, color="#444444", linewidth=1, linestyle="--")
    axes.axvline(brief.advance_min_score, color="#444444", linewidth=1, linestyle=":")
    axes.set_xlabel(f"Fit score (dotted line: advance threshold {brief.advance_min_score:g})")
    axes.set_ylabel(f"Expected NPV (M {brief.currency})")
    axes.set_title("Fit and value of every candidate (marker size: chance of losing money)")
    handles = [Line2D([], [], marker="o", linestyle="", color=colour, label=label, markersize=8)
               for label, colour in (("advance", RECOMMENDATION_COLOURS["advance"]),
                                     ("review", RECOMMENDATION_COLOURS["review"]), ("walk away", WALK_AWAY_GREY))]
    handles += [Line2D([], [], marker="o", linestyle="", color="#777777", markersize=float(np.sqrt(area)),
                       label=f"P(loss) {share:.0%}") for share, area in zip((0.1, 0.5, 0.9),
                                                                             marker_area(np.array([0.1, 0.5, 0.9])))]
    axes.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=6, fontsize=8,
                frameon=False)
    axes.spines[["top", "right"]].set_visible(False)
    return figure
