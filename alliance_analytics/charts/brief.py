"""The decision brief's chart, returning a ``Figure``.

Like :mod:`alliance_analytics.charts.fit`, figures are built without ``pyplot``; nothing is shown or printed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.transforms import Bbox

from alliance_analytics.charts.fit import RECOMMENDATION_COLOURS
from alliance_analytics.charts.style import MILLION, REFERENCE_GREY, money_axis
from alliance_analytics.charts.text import plain_text
from alliance_analytics.core.formatting import format_share

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
    NPV of zero, so the top-right corner holds the candidates that both fit and pay. Each point is labelled
    with its id where the label has room (the recommended portfolio first, walk-aways last); the key below
    the plot explains colours and sizes.

    Parameters
    ----------
    brief : DecisionBrief
        The decision brief.

    Returns
    -------
    matplotlib.figure.Figure
    """
    table = brief.overview
    figure = Figure(figsize=(7.5, 4.4), layout="constrained")
    axes = figure.add_subplot()
    colours = table["recommendation"].map({**RECOMMENDATION_COLOURS, "walk away": WALK_AWAY_GREY})
    npv = table["npv_mean"].to_numpy(dtype=float) / MILLION
    areas = marker_area(table["prob_loss"].to_numpy(dtype=float))
    axes.scatter(table["fit_score"], npv, s=areas, c=list(colours), alpha=0.8, edgecolors="white", linewidths=0.8,
                 zorder=3)
    axes.axhline(0, color=REFERENCE_GREY, linewidth=1, linestyle="--")
    axes.axvline(brief.advance_min_score, color=REFERENCE_GREY, linewidth=1, linestyle=":")
    axes.set_xlabel(f"Fit score (dotted line: advance threshold {brief.advance_min_score:g})")
    axes.set_ylabel(f"Expected NPV ({money_axis(axes.yaxis, brief.currency)})")
    axes.set_title("Fit and value of every candidate (marker size: chance of losing money)", fontsize=10)
    handles = [Line2D([], [], marker="o", linestyle="", color=colour, label=label, markersize=8)
               for label, colour in (("advance", RECOMMENDATION_COLOURS["advance"]),
                                     ("review", RECOMMENDATION_COLOURS["review"]), ("walk away", WALK_AWAY_GREY))]
    handles += [Line2D([], [], marker="o", linestyle="", color="#777777", markersize=float(np.sqrt(area)),
                       label=f"P(loss) {format_share(share)}") for share, area in zip((0.1, 0.5, 0.9),
                                                                                  marker_area(np.array([0.1, 0.5,
                                                                                                        0.9])))]
    key = figure.legend(handles=handles, loc="outside lower center", ncol=6, fontsize=8, frameon=False)
    key.set_gid("key")
    axes.spines[["top", "right"]].set_visible(False)
    priority = np.lexsort((table["rank"].to_numpy(), table["recommendation"].map(
        {"advance": 0, "review": 1, "walk away": 2}).to_numpy(), ~table["in_portfolio"].to_numpy(dtype=bool)))
    figure.draw_without_rendering()
    _label_points(axes, list(table.index[priority]), np.column_stack([table["fit_score"], npv])[priority],
                  np.sqrt(areas[priority]) / 2)
    return figure


LABEL_DIRECTIONS: tuple[tuple[float, float, str, str], ...] = (
    (1, 0, "left", "center"), (-1, 0, "right", "center"), (0, 1, "center", "bottom"), (0, -1, "center", "top"),
    (0.7, 0.7, "left", "bottom"), (-0.7, 0.7, "right", "bottom"), (0.7, -0.7, "left", "top"),
    (-0.7, -0.7, "right", "top"))
"""Where a point's label may go: a direction from the point and the text's alignment there."""


def _label_points(axes: Axes, labels: list[str], points: np.ndarray, radii: np.ndarray) -> None:
    """Label each point where its label overlaps no other label or marker and stays inside the axes.

    Points come most important first; a label finds no place only in a crowd, and is then left out.
    """
    scale = axes.figure.dpi / 72
    centres = axes.transData.transform(points)
    markers = [Bbox.from_extents(*(centre - radius * scale), *(centre + radius * scale))
               for centre, radius in zip(centres, radii)]
    frame = axes.get_window_extent()
    taken: list[Bbox] = []
    for index, (label, point, radius) in enumerate(zip(labels, points, radii)):
        for dx, dy, horizontal, vertical in LABEL_DIRECTIONS:
            text = axes.annotate(label, tuple(point), xytext=(dx * (radius + 2), dy * (radius + 2)),
                                 textcoords="offset points", ha=horizontal, va=vertical, fontsize=8, zorder=4)
            text.set_in_layout(False)
            box = text.get_window_extent()
            clear = frame.x0 <= box.x0 and box.x1 <= frame.x1 and frame.y0 <= box.y0 and box.y1 <= frame.y1 and \
                not any(box.overlaps(other) for other in taken) and \
                not any(box.overlaps(marker) for other, marker in enumerate(markers) if other != index)
            if clear:
                taken.append(box)
                break
            text.remove()
