"""Signal versus noise on one KPI series: which rule fired, in which month, and in which direction.

Each series gets the Anhøj run-chart rules; when they show only random variation, the individuals (XmR) chart
looks for single months outside the natural process limits; EWMA and tabular CUSUM always look for the small
persistent drifts a run chart of 12–36 points misses (Montgomery 2013, §9.3 on choosing between them). Only a
signal in the unfavourable direction of the KPI (below target when higher is better) is an alarm; a favourable
one is reported as good news.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from alliance_analytics.health.control_charts import Baseline, baseline, cusum, ewma, xmr_limits
from alliance_analytics.health.run_chart import RunChart, run_chart


@dataclass(frozen=True)
class Signal:
    """One rule that fired on one series.

    Attributes
    ----------
    rule : str
        ``"run chart: long run"``, ``"run chart: few crossings"``, ``"XmR"``, ``"EWMA"`` or ``"CUSUM"``.
    month : int
        Position (0-based) of the month the rule fired first.
    direction : int
        +1 upwards, -1 downwards.
    current : bool
        The rule still signals in one of the last months (see :func:`detect_signals`).
    detail : str
        What the rule saw, in words.
    """

    rule: str
    month: int
    direction: int
    current: bool
    detail: str


@dataclass(frozen=True)
class SeriesCharts:
    """A series' control-chart statistics, for the charts and the record.

    Attributes
    ----------
    values : numpy.ndarray
        Shape ``(months,)``; NaN where missing.
    run : RunChart
    reference : Baseline
        Centre and sigma from the baseline months.
    xmr : (float, float)
        Lower and upper natural process limits.
    ewma, ewma_lower, ewma_upper : numpy.ndarray
        The EWMA statistic and its limits, shape ``(months,)``.
    cusum_upper, cusum_lower : numpy.ndarray
        ``C⁺`` and ``C⁻``, shape ``(months,)``.
    decision : float
        The CUSUM decision interval ``H = h σ``.
    signals : list of Signal
    """

    values: np.ndarray
    run: RunChart
    reference: Baseline
    xmr: tuple[float, float]
    ewma: np.ndarray
    ewma_lower: np.ndarray
    ewma_upper: np.ndarray
    cusum_upper: np.ndarray
    cusum_lower: np.ndarray
    decision: float
    signals: list[Signal]


def _first(mask: np.ndarray) -> int:
    """Position of the first True, or -1."""
    hits = np.flatnonzero(mask)
    return int(hits[0]) if hits.size else -1


def detect_signals(values: np.ndarray, baseline_months: int, ewma_weight: float, ewma_width: float,
                   cusum_allowance: float, cusum_decision: float, recent_months: int, unit: str = "",
                   ) -> SeriesCharts:
    """Run every rule on one series.

    Parameters
    ----------
    values : numpy.ndarray
        Shape ``(months,)``, in time order; NaN where missing.
    baseline_months : int
        Months the centre and sigma are estimated on.
    ewma_weight, ewma_width : float
        ``λ`` and ``L`` of the EWMA chart.
    cusum_allowance, cusum_decision : float
        ``k`` and ``h`` of the tabular CUSUM, in sigmas.
    recent_months : int
        A signal is *current* when its rule still signals in one of the last ``recent_months`` months.
    unit : str
        The KPI's unit, for the words of :attr:`Signal.detail`.

    Returns
    -------
    SeriesCharts
        With no signal when the baseline shows no variation (sigma 0) or fewer than 4 months are observed.
    """
    series = np.asarray(values, dtype=float)
    months = series.size
    recent = np.arange(months) >= months - recent_months
    run = run_chart(series)
    reference = baseline(series, baseline_months)
    lower, upper = xmr_limits(reference)
    statistic, ewma_lower, ewma_upper = ewma(series, reference.centre, reference.sigma, ewma_weight, ewma_width)
    high, low = cusum(series, reference.centre, reference.sigma, cusum_allowance)
    decision = cusum_decision * reference.sigma
    signals: list[Signal] = []
    if reference.sigma <= 0 or np.count_nonzero(~np.isnan(series)) < 4:
        return SeriesCharts(series, run, reference, (lower, upper), statistic, ewma_lower, ewma_upper, high, low,
                            decision, signals)
    suffix = f" {unit}" if unit else ""
    if run.long_run:
        side = "above" if run.longest_run_side > 0 else "below"
        signals.append(Signal("run chart: long run", _nth_useful(series, run, run.longest_run_start, run.longest_run_limit),
                              run.longest_run_side, run.longest_run_end >= months - recent_months,
                              f"{run.longest_run} months in a row {side} the median {run.median:.3g}{suffix} "
                              f"(random variation allows {run.longest_run_limit})"))
    if run.few_crossings:
        slope = np.polyfit(np.flatnonzero(~np.isnan(series)), series[~np.isnan(series)], 1)[0]
        signals.append(Signal("run chart: few crossings", months - 1, 1 if slope > 0 else -1, True,
                              f"the series crosses its median {run.crossings} times (random variation crosses "
                              f"at least {run.crossings_limit} times)"))
    if run.random:
        for direction, outside in ((1, series > upper), (-1, series < lower)):
            if outside.any():
                signals.append(Signal("XmR", _first(outside), direction, bool(outside[recent].any()),
                                      f"{int(outside.sum())} month(s) {'above' if direction > 0 else 'below'} the "
                                      f"natural process limit {upper if direction > 0 else lower:.3g}{suffix}"))
    for direction, outside in ((1, statistic > ewma_upper), (-1, statistic < ewma_lower)):
        if outside.any():
            signals.append(Signal("EWMA", _first(outside), direction, bool(outside[recent].any()),
                                  f"the EWMA drifted {'above' if direction > 0 else 'below'} its limit "
                                  f"(baseline mean {reference.centre:.3g}{suffix})"))
    for direction, statistic_side in ((1, high), (-1, low)):
        outside = statistic_side > decision
        if outside.any():
            signals.append(Signal("CUSUM", _first(outside), direction, bool(outside[recent].any()),
                                  f"the cumulative shift {'above' if direction > 0 else 'below'} the baseline mean "
                                  f"{reference.centre:.3g}{suffix} passed {cusum_decision:g} sigma"))
    return SeriesCharts(series, run, reference, (lower, upper), statistic, ewma_lower, ewma_upper, high, low,
                        decision, signals)


def _nth_useful(series: np.ndarray, run: RunChart, start: int, limit: int) -> int:
    """The month in which a long run first became longer than the limit (its ``limit + 1``-th useful point)."""
    useful = np.flatnonzero(~np.isnan(series) & (series != run.median))
    useful = useful[useful >= start]
    return int(useful[min(limit, useful.size - 1)])
