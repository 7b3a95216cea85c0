"""Run charts with the Anhøj rules: is a short monthly series random variation, or is something going on?

Anhøj's two rules look only at the points' positions above and below the median (points on the median are
ignored): the *longest run* (consecutive points on one side) is too long, or the series crosses the median too
seldom. Both limits depend on the number of useful points ``n`` and together keep the false-alarm rate near
5–10 % whatever ``n`` (Anhøj J., Olesen A. V., 2014, *Run charts revisited: a simulation study of run chart rules
for detection of non-random variation in health care processes*, PLoS ONE 9(11): e113825; Anhøj J., 2015,
*Diagnostic value of run chart analysis*, PLoS ONE 10(3): e0121349).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats


def anhoj_limits(useful: int | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The Anhøj limits for ``n`` useful points: the longest run allowed and the fewest crossings expected.

    Parameters
    ----------
    useful : int or numpy.ndarray
        Number of points not on the median (``n >= 1``).

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        ``longest_run_limit = round(log2(n) + 3)`` (a longer run signals) and
        ``crossings_limit``, the 5th percentile of Binomial(n - 1, 0.5) (fewer crossings signal); integer
        arrays shaped like ``useful``.

    Examples
    --------
    >>> [int(value) for value in anhoj_limits(24)[0]], [int(value) for value in anhoj_limits(24)[1]]
    ([8], [8])
    """
    n = np.atleast_1d(np.asarray(useful, dtype=float))
    longest = np.floor(np.log2(n) + 3 + 0.5).astype(int)
    crossings = stats.binom.ppf(0.05, np.maximum(n - 1, 0), 0.5).astype(int)
    return longest, crossings


@dataclass(frozen=True)
class RunChart:
    """A run chart's verdict.

    Attributes
    ----------
    median : float
        The centre line.
    useful : int
        Points not on the median.
    longest_run, longest_run_limit : int
        The longest run of points on one side of the median, and the most that random variation allows.
    longest_run_start, longest_run_end : int
        Positions (0-based, in the series) of the first and last points of the longest run; -1 when there is
        none.
    longest_run_side : int
        +1 when the longest run lies above the median, -1 below, 0 when there is no run.
    crossings, crossings_limit : int
        How often consecutive useful points lie on opposite sides, and the fewest random variation allows.
    """

    median: float
    useful: int
    longest_run: int
    longest_run_limit: int
    longest_run_start: int
    longest_run_end: int
    longest_run_side: int
    crossings: int
    crossings_limit: int

    @property
    def long_run(self) -> bool:
        """The longest run is longer than its limit (a shift)."""
        return self.longest_run > self.longest_run_limit

    @property
    def few_crossings(self) -> bool:
        """Fewer crossings than the limit (a shift or a trend)."""
        return self.crossings < self.crossings_limit

    @property
    def random(self) -> bool:
        """Neither rule fires: only random variation."""
        return not (self.long_run or self.few_crossings)


def run_chart(values: np.ndarray) -> RunChart:
    """Apply the Anhøj rules to one series.

    Parameters
    ----------
    values : numpy.ndarray
        Shape ``(n,)``, in time order; missing months as NaN are skipped.

    Returns
    -------
    RunChart

    Examples
    --------
    >>> chart = run_chart(np.array([1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2], dtype=float))
    >>> chart.longest_run, chart.crossings, chart.random
    (1, 11, True)
    >>> run_chart(np.arange(12, dtype=float)).few_crossings
    True
    """
    series = np.asarray(values, dtype=float)
    observed = np.flatnonzero(~np.isnan(series))
    median = float(np.median(series[observed])) if observed.size else float("nan")
    sides = np.sign(series[observed] - median)
    keep = sides != 0
    positions, sides = observed[keep], sides[keep]
    useful = int(sides.size)
    if useful == 0:
        return RunChart(median, 0, 0, 0, -1, -1, 0, 0, 0)
    starts = np.flatnonzero(np.r_[True, sides[1:] != sides[:-1]])
    lengths = np.diff(np.r_[starts, useful])
    longest = int(np.argmax(lengths))
    limit_run, limit_crossings = anhoj_limits(useful)
    return RunChart(
        median=median, useful=useful, longest_run=int(lengths[longest]), longest_run_limit=int(limit_run[0]),
        longest_run_start=int(positions[starts[longest]]),
        longest_run_end=int(positions[starts[longest] + lengths[longest] - 1]),
        longest_run_side=int(sides[starts[longest]]), crossings=int(starts.size - 1),
        crossings_limit=int(limit_crossings[0]))
