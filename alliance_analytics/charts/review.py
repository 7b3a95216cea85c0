"""Charts of the portfolio review: every reviewed alliance's options side by side.

Like the other chart modules, figures are built without ``pyplot``; nothing is shown or printed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from matplotlib.figure import Figure

from alliance_analytics.charts.style import MILLION, REFERENCE_GREY, millions, money_axis, wrapped
from alliance_analytics.charts.text import plain_text
from alliance_analytics.core.formatting import candidate_label

if TYPE_CHECKING:
    from alliance_analytics.portfolio.review import PortfolioReviewResult

CHOSEN_GREEN, OTHER_GREY = "#1b7837", "#8c8c8c"
"""Colours of the option the review chooses and of the others."""


@plain_text
def option_values(result: PortfolioReviewResult) -> Figure:
    """Each reviewed alliance's options: NPV from today, P10 to P90 as a bar, P50 as a tick, the mean as a dot.

    Parameters
    ----------
    result : PortfolioReviewResult
        The review, with at least one reviewed alliance.

    Returns
    -------
    matplotlib.figure.Figure
        One row per option, grouped by alliance in the review's order (changes first; the chosen option in green),
        with the zero line.
    """
    rows = [(alliance, option, k) for alliance in result.order
            for k, option in enumerate(result.reviews[alliance].options.options)]
    figure = Figure(figsize=(10, 0.45 * len(rows) + 1.6), layout="constrained")
    axes = figure.subplots()
    labels = []
    for position, (alliance, option, k) in enumerate(rows):
        review = result.reviews[alliance]
        npv = review.options.npv[:, k] / MILLION
        low, middle, high = np.quantile(npv, [0.1, 0.5, 0.9])
        chosen = option == result.decision(alliance)
        colour = CHOSEN_GREEN if chosen else OTHER_GREY
        y = len(rows) - 1 - position
        axes.plot([low, high], [y, y], color=colour, linewidth=6, solid_capstyle="butt", alpha=0.8)
        if k == 0 and position:
            axes.axhline(y + 0.5, color=OTHER_GREY, linewidth=0.5)
        axes.plot([middle], [y], marker="|", markersize=14, color="black", linestyle="none",
                  label="P50" if position == 0 else None)
        axes.plot([npv.mean()], [y], marker="o", markersize=6, color="white", markeredgecolor="black",
                  linestyle="none", label="mean" if position == 0 else None)
        label = review.options.label(option)
        label = label[0].lower() + label[1:]
        name = candidate_label(alliance, review.options.name) if k == 0 else ""
        labels.append(wrapped(f"{name}: {label}" if name else label, 48) + (" (chosen)" if chosen else ""))
    axes.set_yticks(range(len(rows))[::-1], labels, fontsize=8)
    axes.axvline(0, color=REFERENCE_GREY, linewidth=1, linestyle="--", label="zero: left of it, a loss")
    axes.set_xlabel(f"NPV from today, money already spent excluded ({money_axis(axes.xaxis, result.currency)})",
                    fontsize=8)
    axes.tick_params(axis="x", labelsize=8)
    axes.plot([], [], color=OTHER_GREY, linewidth=6, label="P10 to P90")
    axes.plot([], [], color=CHOSEN_GREEN, linewidth=6, label="P10 to P90 of the review's choice")
    figure.legend(loc="outside lower center", ncol=5, fontsize=8, frameon=False)
    figure.suptitle(f"Each alliance's options, valued on the same futures ({millions(result.currency).label})",
                    fontsize=10)
    return figure
