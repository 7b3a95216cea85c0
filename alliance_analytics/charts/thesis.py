"""Charts of the thesis check: NPV then versus now, each assumption before and after, and pilot sizing.

Like the other chart modules, figures are built without ``pyplot``; nothing is shown or printed.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from alliance_analytics.case.model import SHARE_QUANTITIES
from alliance_analytics.charts.style import MILLION, REFERENCE_GREY, millions, money_axis, share_axis, wrapped
from alliance_analytics.charts.text import plain_text
from alliance_analytics.core.formatting import MoneyUnit, candidate_label, counted, format_share

if TYPE_CHECKING:
    from alliance_analytics.thesis.analysis import PilotValue, ThesisResult

THEN_GREY, NOW_BLUE = "#8c8c8c", "#2166ac"
"""Colours of the business case as made (then) and after the actuals (now)."""
EVSI_GREEN, COST_RED = "#1b7837", "#b2182b"
"""Colours of a pilot's value and its cost."""
MONEY = ("revenue_uplift", "cost_savings", "investment", "running_cost")
"""Quantities plotted in millions."""


@plain_text
def then_and_now(result: ThesisResult) -> Figure:
    """Each alliance's NPV distribution before (grey) and after (blue) its actuals, with the loss line.

    Parameters
    ----------
    result : ThesisResult
        The thesis check, with at least one alliance with actuals.

    Returns
    -------
    matplotlib.figure.Figure
        One panel per alliance with actuals, two per row.
    """
    owners = list(result.updates)
    columns = min(2, len(owners))
    rows = math.ceil(len(owners) / columns)
    figure = Figure(figsize=(10, 3.0 * rows + 1.0), layout="constrained")
    grid = figure.subplots(rows, columns, squeeze=False)
    for axes, owner in zip(grid.flat, owners):
        update = result.updates[owner]
        values = np.concatenate([update.npv_then, update.npv_now]) / MILLION
        bins = np.linspace(np.quantile(values, 0.001), np.quantile(values, 0.999), 60)
        axes.hist(np.clip(update.npv_then / MILLION, bins[0], bins[-1]), bins=bins, color=THEN_GREY, alpha=0.6,
                  label="then: the business case as made")
        axes.hist(np.clip(update.npv_now / MILLION, bins[0], bins[-1]), bins=bins, color=NOW_BLUE, alpha=0.6,
                  label="now: after the actuals")
        axes.axvline(0, color=REFERENCE_GREY, linewidth=1, linestyle="--", label="zero: left of it, a loss")
        axes.set_title(wrapped(f"{candidate_label(owner, update.name)}: {result.verdicts[owner].words}", 60)
                       + f"\nchance of a loss {format_share(update.then['prob_loss'])} then, "
                       f"{format_share(update.now['prob_loss'])} now", fontsize=8)
        axes.set_xlabel(f"NPV ({money_axis(axes.xaxis, result.currency)})", fontsize=8)
        axes.tick_params(labelsize=7)
        axes.set_yticks([])
    for axes in list(grid.flat)[len(owners):]:
        axes.set_visible(False)
    handles, labels = grid.flat[0].get_legend_handles_labels()
    figure.legend(handles, labels, loc="outside lower center", ncol=3, fontsize=8, frameon=False)
    figure.suptitle(f"NPV then and now ({millions(result.currency).label})", fontsize=10)
    return figure


@plain_text
def assumptions_before_after(result: ThesisResult) -> Figure:
    """Every observed assumption's distribution before and after its actuals, with the planned value (P50).

    Parameters
    ----------
    result : ThesisResult
        The thesis check, with at least one alliance with actuals.

    Returns
    -------
    matplotlib.figure.Figure
        One panel per observed assumption, three per row, titled with its alliance and the chance it is as good
        as planned.
    """
    panels = [(owner, assumption) for owner, update in result.updates.items() for assumption in update.assumptions.index]
    columns = min(3, len(panels))
    rows = math.ceil(len(panels) / columns)
    figure = Figure(figsize=(10, 2.7 * rows + 1.0), layout="constrained")
    grid = figure.subplots(rows, columns, squeeze=False)
    for axes, (owner, assumption) in zip(grid.flat, panels):
        update = result.updates[owner]
        row = update.assumptions.loc[assumption]
        scale = MILLION if row["quantity"] in MONEY else 1.0
        before = update.prior_draws[assumption].to_numpy() / scale
        after = update.posterior_draws[assumption].to_numpy() / scale
        both = np.concatenate([before, after])
        low, high = np.quantile(both, 0.002), np.quantile(both, 0.998)
        bins = np.linspace(low, high if high > low else low + 1.0, 50)
        axes.hist(np.clip(before, bins[0], bins[-1]), bins=bins, density=True, color=THEN_GREY, alpha=0.6,
                  label="before the actuals (assumptions.csv)")
        axes.hist(np.clip(after, bins[0], bins[-1]), bins=bins, density=True, color=NOW_BLUE, alpha=0.6,
                  label="after the actuals")
        axes.axvline(row["planned"] / scale, color=REFERENCE_GREY, linewidth=1.2, linestyle="--",
                     label="planned (P50 of the business case)")
        if row["quantity"] in MONEY:
            unit = f"{money_axis(axes.xaxis, result.currency)}{'' if row['quantity'] == 'investment' else '/year'}"
        elif row["quantity"] in SHARE_QUANTITIES:
            share_axis(axes.xaxis)
            unit = "share"
        else:
            unit = row["unit"] if isinstance(row["unit"], str) else ""
        axes.set_xlabel(unit, fontsize=7)
        axes.set_title(wrapped(f"{update.name}: {row['description'] or assumption}", 42)
                       + f"\n{format_share(row['support'])} chance as good as planned", fontsize=7.5)
        axes.tick_params(labelsize=7)
        axes.set_yticks([])
    for axes in list(grid.flat)[len(panels):]:
        axes.set_visible(False)
    handles, labels = grid.flat[0].get_legend_handles_labels()
    figure.legend(handles, labels, loc="outside lower center", ncol=3, fontsize=8, frameon=False)
    figure.suptitle("Each observed assumption before and after its actuals", fontsize=10)
    return figure


@plain_text
def pilot_value(result: ThesisResult) -> Figure:
    """Each costed pilot: its value (EVSI) and cost by size, the value of knowing exactly (EVPPI), the best size.

    Parameters
    ----------
    result : ThesisResult
        The thesis check, with at least one pilot.

    Returns
    -------
    matplotlib.figure.Figure
        One panel per pilot, two per row.
    """
    pilots = result.pilots
    columns = min(2, len(pilots))
    rows = math.ceil(len(pilots) / columns)
    figure = Figure(figsize=(10, 3.2 * rows + 1.0), layout="constrained")
    grid = figure.subplots(rows, columns, squeeze=False)
    unit = result.pilot_money_unit()
    for axes, pilot in zip(grid.flat, pilots):
        _pilot_panel(axes, pilot, result, unit)
    for axes in list(grid.flat)[len(pilots):]:
        axes.set_visible(False)
    handles, labels = grid.flat[0].get_legend_handles_labels()
    figure.legend(handles, labels, loc="outside lower center", ncol=2, fontsize=8, frameon=False)
    figure.suptitle(f"What a pilot is worth before it runs, by its size ({unit.label})", fontsize=10)
    return figure


def _pilot_panel(axes: object, pilot: PilotValue, result: ThesisResult, unit: MoneyUnit) -> None:
    """One pilot's EVSI and cost curves, EVPPI ceiling and best size, in ``unit``."""
    plan = pilot.plan
    sizes = plan.index.to_numpy()
    axes.plot(sizes, plan["evsi"] / unit.divisor, color=EVSI_GREEN, linewidth=1.6, label="worth of the pilot (EVSI)")
    axes.plot(sizes, plan["cost"] / unit.divisor, color=COST_RED, linewidth=1.2, label="its cost")
    axes.axhline(pilot.evppi / unit.divisor, color=REFERENCE_GREY, linewidth=1, linestyle="--",
                 label="knowing it exactly (EVPPI): the ceiling")
    best = pilot.best_size
    if best is not None:
        axes.axvline(best, color=EVSI_GREEN, linewidth=1, linestyle=":", label="best size (largest net value)")
    top = max(pilot.evppi, float(plan["cost"].iloc[0])) * 1.3 / unit.divisor
    axes.set_ylim(0, top if top > 0 else 1.0)
    axes.set_xlim(0, sizes[-1])
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_ylabel(money_axis(axes.yaxis, result.currency, unit), fontsize=8)
    axes.set_xlabel(f"pilot size ({counted(2, pilot.unit).split(' ', 1)[1]})", fontsize=8)
    verdict = f"best: {counted(best, pilot.unit)}" if best is not None else "no pilot pays for itself"
    axes.set_title(wrapped(f"{result.names[pilot.candidate]}: "
                           f"{result.descriptions[(pilot.candidate, pilot.assumption)]}", 55) + f"\n{verdict}",
                   fontsize=8)
    axes.tick_params(labelsize=7)
