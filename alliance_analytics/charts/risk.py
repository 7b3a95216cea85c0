"""Charts of the risk simulation: one function per chart, each returning a ``Figure``.

Like :mod:`alliance_analytics.charts.fit`, figures are built without ``pyplot``; nothing is shown or printed.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from matplotlib.figure import Figure

from alliance_analytics.charts.style import (
    MILLION,
    OTHERS,
    OTHERS_GREY,
    REFERENCE_GREY,
    highlighted,
    legend_columns,
    millions,
    money_axis,
    series_style,
    share_axis,
)
from alliance_analytics.charts.text import plain_text
from alliance_analytics.core.formatting import candidate_label, format_share

if TYPE_CHECKING:
    from alliance_analytics.risk.analysis import SimulationResult


MEAN_GREEN, CVAR_RED = "#1b7837", "#b2182b"
"""Colours of the mean and of the 5 % CVaR in the NPV histograms."""

S_CURVE_AXIS = "Probability NPV is at most this"
"""The y axis of the S-curves."""


def _label(result: SimulationResult, candidate: str) -> str:
    """``"Name (C02)"``."""
    return candidate_label(candidate, result.names[candidate])


@dataclass(frozen=True)
class SCurves:
    """What the S-curve chart draws, computed once for the static chart (:meth:`figure`) and the interactive one.

    Attributes
    ----------
    currency : str
        ISO 4217 code of the NPVs.
    shares : numpy.ndarray
        Shape ``(iterations,)``: the cumulative probability plotted at each sorted NPV, ``(i + 0.5) / n``.
    npv : dict of str to numpy.ndarray
        Per candidate, its NPVs sorted ascending, in millions of ``currency``, shape ``(iterations,)``.
    labels : dict of str to str
        Per candidate, ``"Name (C02)"``.
    coloured : list of str
        The candidates drawn in colour, in legend order (``series_style(position)``).
    others : list of str
        The candidates drawn in grey under one legend entry.
    title : str
        The chart's title.
    """

    currency: str
    shares: np.ndarray
    npv: dict[str, np.ndarray]
    labels: dict[str, str]
    coloured: list[str]
    others: list[str]
    title: str

    @property
    def others_label(self) -> str:
        """The one legend entry of the grey curves, ``"others (5)"``."""
        return f"{OTHERS} ({len(self.others)})"

    @plain_text
    def figure(self) -> Figure:
        """Draw the S-curves on one chart, the grey ones under one legend entry.

        Returns
        -------
        matplotlib.figure.Figure
        """
        width = 10.0
        figure = Figure(figsize=(width, 6.0), layout="constrained")
        axes = figure.add_subplot()
        for index, candidate in enumerate(self.others):
            axes.plot(self.npv[candidate], self.shares, linewidth=0.9, color=OTHERS_GREY, zorder=1,
                      label=None if index else self.others_label)
        for index, candidate in enumerate(self.coloured):
            axes.plot(self.npv[candidate], self.shares, linewidth=1.5, zorder=3, label=self.labels[candidate],
                      **series_style(index))
        axes.axvline(0, color=REFERENCE_GREY, linewidth=1, linestyle="--")
        axes.set_xlabel(f"NPV ({money_axis(axes.xaxis, self.currency)})")
        share_axis(axes.yaxis)
        axes.set_ylim(0, 1)
        axes.set_ylabel(S_CURVE_AXIS)
        axes.set_title(self.title)
        handles, labels = axes.get_legend_handles_labels()
        others = len(self.others) > 0
        order_of_entries = [*range(others, len(labels)), *([0] if others else [])]
        figure.legend([handles[i] for i in order_of_entries], [labels[i] for i in order_of_entries],
                      loc="outside lower center", ncol=legend_columns(labels, width, 8), fontsize=8, frameon=False)
        return figure


def s_curve_data(result: SimulationResult, highlight: Sequence[str] = ()) -> SCurves:
    """The S-curves of every candidate's NPV: sorted NPVs against their cumulative probability.

    With more than :data:`~alliance_analytics.charts.style.MOST_SERIES` candidates, the ones that matter are
    coloured (``highlight``, then the highest expected NPVs) and the rest grey.

    Parameters
    ----------
    result : SimulationResult
        The simulation.
    highlight : sequence of str
        Candidates to draw in colour whatever their expected NPV (e.g. the recommended portfolio).

    Returns
    -------
    SCurves
        The empirical distribution function of each NPV sample, plotted at the mid-points ``(i + 0.5) / n``
        (Hazen plotting positions).
    """
    order = list(result.summary_table().index)
    coloured = highlighted(order, highlight)
    others = [candidate for candidate in order if candidate not in coloured]
    kept = "" if not others else f"; in colour: the {len(coloured)} highest expected NPVs" if not highlight \
        else f"; in colour: {len(coloured)} chosen and highest expected NPVs"
    return SCurves(currency=result.currency,
                   shares=np.linspace(0, 1, result.iterations, endpoint=False) + 0.5 / result.iterations,
                   npv={candidate: np.sort(result.candidates[candidate].npv) / MILLION for candidate in order},
                   labels={candidate: _label(result, candidate) for candidate in order},
                   coloured=coloured, others=others,
                   title=f"NPV S-curves (left of the dashed line: the alliance loses money{kept})")


def s_curves(result: SimulationResult, highlight: Sequence[str] = ()) -> Figure:
    """The cumulative distribution (S-curve) of every candidate's NPV on one chart.

    With more than :data:`~alliance_analytics.charts.style.MOST_SERIES` candidates, the ones that matter are
    drawn in colour (``highlight``, then the highest expected NPVs) and the rest in light grey, under one
    legend entry (``others``).

    Parameters
    ----------
    result : SimulationResult
        The simulation.
    highlight : sequence of str
        Candidates to draw in colour whatever their expected NPV (e.g. the recommended portfolio).

    Returns
    -------
    matplotlib.figure.Figure
    """
    return s_curve_data(result, highlight).figure()


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
    summary = result.summary_table()
    candidates = list(summary.index)
    columns = 3
    rows = math.ceil(len(candidates) / columns)
    figure = Figure(figsize=(10, 2.5 * rows + 1.0), layout="constrained")
    grid = figure.subplots(rows, columns, squeeze=False)
    for axes, candidate in zip(grid.flat, candidates):
        values = result.candidates[candidate].npv / MILLION
        axes.hist(values, bins=60, color="#4c72b0", alpha=0.85)
        axes.axvline(0, color=REFERENCE_GREY, linewidth=1, linestyle="--", label="zero")
        axes.axvline(summary.at[candidate, "Mean NPV"] / MILLION, color=MEAN_GREEN, linewidth=1.5, label="mean")
        axes.axvline(summary.at[candidate, "CVaR 5 %"] / MILLION, color=CVAR_RED, linewidth=1.5,
                     label="5 % CVaR (mean of the worst 5 %)")
        axes.set_title(f"{_label(result, candidate)}\nP(loss) {format_share(summary.at[candidate, 'P(loss)'])}",
                       fontsize=8)
        money_axis(axes.xaxis, result.currency)
        axes.tick_params(labelsize=7)
        axes.set_yticks([])
    for axes in list(grid.flat)[len(candidates):]:
        axes.set_visible(False)
    handles, labels = grid.flat[0].get_legend_handles_labels()
    figure.legend(handles, labels, loc="outside lower center", ncol=3, fontsize=8, frameon=False)
    figure.suptitle(f"NPV distributions ({millions(result.currency).label})", fontsize=10)
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
    figure = Figure(figsize=(10, (0.3 * top + 1.1) * rows + 1.0), layout="constrained")
    grid = figure.subplots(rows, columns, squeeze=False)
    for axes, candidate in zip(grid.flat, candidates):
        table = result.sensitivity(candidate)
        table = table.reindex(table["Swing"].abs().nlargest(top).index)[::-1]
        centre = float(result.candidates[candidate].npv.mean()) / MILLION
        positions = np.arange(len(table))
        low, high = table["Mean NPV, input ≤ P10"] / MILLION, table["Mean NPV, input ≥ P90"] / MILLION
        axes.barh(positions, low - centre, left=centre, color=CVAR_RED, label="input ≤ P10")
        axes.barh(positions, high - centre, left=centre, color="#2166ac", label="input ≥ P90")
        axes.axvline(centre, color=REFERENCE_GREY, linewidth=1)
        axes.set_yticks(positions, [f"{name} ({format_share(share)})" for name, share in
                                    zip(table.index, table["Variance share"])], fontsize=7)
        axes.set_title(_label(result, candidate), fontsize=8)
        money_axis(axes.xaxis, result.currency)
        axes.tick_params(axis="x", labelsize=7)
    for axes in list(grid.flat)[len(candidates):]:
        axes.set_visible(False)
    handles, labels = grid.flat[0].get_legend_handles_labels()
    figure.legend(handles, labels, loc="outside lower center", ncol=2, fontsize=8, frameon=False)
    figure.suptitle(f"Tornado: mean NPV ({millions(result.currency).label}) with each input low or high "
                    "(share of NPV variance)", fontsize=10)
    return figure
