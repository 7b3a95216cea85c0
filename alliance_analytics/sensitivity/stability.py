"""How far one criterion's weight can move before the top candidate or the ranking changes.

Setting the weight of criterion *k* to *t* while the other weights keep their proportions (so the weights
still sum to 1) makes every candidate's fit score linear in *t* on [0, 1]:
``s_i(t) = t·a_ik + (1 − t)·b_i``, with ``b_i`` the candidate's score over the other criteria reweighted to
sum to 1. The intervals are therefore solved exactly from where these lines cross, for all candidates (or
all pairs of candidates) at once; nothing is found by scanning a grid.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

TOLERANCE = 1e-12
"""Score differences within ``TOLERANCE`` × the largest absolute score count as ties, and crossing points
within ``TOLERANCE`` of each other as the same point, so float noise is never a crossing."""


def rescaled_weights(weights: np.ndarray, criterion: int, values: np.ndarray) -> np.ndarray:
    """The normalised weights with one criterion's weight set to each of ``values``.

    Criterion *k* gets weight *t*; every other criterion *j* gets ``w_j·(1 − t)/(1 − w_k)``, keeping the
    others' proportions. When criterion *k* carries all the weight (every other weight is 0) the others
    share ``1 − t`` equally. A single criterion has weight 1 whatever *t*: there is nothing to share with.

    Parameters
    ----------
    weights : numpy.ndarray
        Normalised weights (sum 1), one per criterion.
    criterion : int
        Position of the criterion whose weight changes.
    values : numpy.ndarray
        Its new weights, each in [0, 1].

    Returns
    -------
    numpy.ndarray
        ``len(values)`` × ``len(weights)``; every row sums to 1.

    Examples
    --------
    >>> rescaled_weights(np.array([0.5, 0.3, 0.2]), 0, np.array([0.0, 0.75])).round(3).tolist()
    [[0.0, 0.6, 0.4], [0.75, 0.15, 0.1]]
    """
    weights = np.asarray(weights, dtype=float)
    values = np.asarray(values, dtype=float)
    if weights.size == 1:
        return np.ones((values.size, 1))
    others = np.arange(weights.size) != criterion
    rest = np.where(others, weights, 0.0)
    share = rest / rest.sum() if rest.sum() > 0 else others / (weights.size - 1)
    return np.outer(1 - values, share) + np.outer(values, ~others)


@dataclass(frozen=True)
class WeightInterval:
    """How far one criterion's weight can move, the others rescaled, before the top or the ranking changes.

    Attributes
    ----------
    criterion : str
        Criterion id.
    current : float
        Its current normalised weight.
    top_kept : tuple of float
        The closed interval of weights, containing ``current``, within which the current top candidate
        still scores at least as high as every other candidate.
    ranking_kept : tuple of float
        The closed interval within which the ranking is unchanged: a pair ordered now keeps its order (it
        may tie at an end) and a pair tied now stays tied, so the interval shrinks to ``current`` on a side
        where a tied pair separates.
    top_lost_to : tuple of (str or None)
        The candidate ahead of the top just below / just above ``top_kept``; ``None`` for an end at 0 or 1
        where nothing changes.
    ranking_broken_by : tuple of ((str, str) or None)
        The pair whose order changes just below / just above ``ranking_kept``, as ``(a, b)``: ``a`` is ahead
        of ``b`` now or tied with it, ``b`` is ahead just beyond the end. ``None`` where nothing changes.
    """

    criterion: str
    current: float
    top_kept: tuple[float, float]
    ranking_kept: tuple[float, float]
    top_lost_to: tuple[str | None, str | None]
    ranking_broken_by: tuple[tuple[str, str] | None, tuple[str, str] | None]


@dataclass(frozen=True)
class StabilityResult:
    """How robust the top candidate and the ranking are to changing one weight at a time.

    Attributes
    ----------
    top : str
        The current top candidate (highest fit score; ties go to the first in the scores' index).
    intervals : dict of str to WeightInterval
        By criterion id, in the order of the weights.
    min_change_to_flip_top : float or None
        The smallest change of a single weight after which another candidate is on top: the distance from
        the current weight to the nearest end of a ``top_kept`` interval with a taker (at that end the top
        is tied; just beyond it, it is lost). 0 when the top is tied now. ``None`` when no single weight
        can flip the top.
    min_change_detail : dict or None
        ``criterion``, ``from`` (its current weight), ``to`` (the end of ``top_kept``) and ``new_top`` for
        that change (the first criterion in weight order, lower end first, when several are as near).
    """

    top: str
    intervals: dict[str, WeightInterval]
    min_change_to_flip_top: float | None
    min_change_detail: dict | None

    def table(self) -> pd.DataFrame:
        """The intervals, one row per criterion, for display.

        Returns
        -------
        pandas.DataFrame
            Indexed by criterion id: ``Weight now``, ``Top kept from``, ``Top kept to``, ``Top lost below
            to``, ``Top lost above to``, ``Ranking kept from``, ``Ranking kept to``, ``Ranking broken below``
            and ``Ranking broken above`` (``"b ahead of a"``); weights to four decimals, ``"—"`` for none.
        """
        rows = {
            criterion: {
                "Weight now": interval.current,
                "Top kept from": interval.top_kept[0],
                "Top kept to": interval.top_kept[1],
                "Top lost below to": interval.top_lost_to[0] or "—",
                "Top lost above to": interval.top_lost_to[1] or "—",
                "Ranking kept from": interval.ranking_kept[0],
                "Ranking kept to": interval.ranking_kept[1],
                "Ranking broken below": _swap_text(interval.ranking_broken_by[0]),
                "Ranking broken above": _swap_text(interval.ranking_broken_by[1]),
            }
            for criterion, interval in self.intervals.items()
        }
        return pd.DataFrame.from_dict(rows, orient="index").round(4).rename_axis("ID")

    def to_json(self) -> dict:
        """The machine-readable result.

        Returns
        -------
        dict
            ``stability`` (per criterion id: ``top_kept`` and ``ranking_kept`` as ``[lo, hi]``),
            ``min_change_to_flip_top``, ``min_change_detail`` and ``top``.
        """
        return {
            "stability": {
                criterion: {"top_kept": [float(end) for end in interval.top_kept],
                            "ranking_kept": [float(end) for end in interval.ranking_kept]}
                for criterion, interval in self.intervals.items()
            },
            "min_change_to_flip_top": self.min_change_to_flip_top,
            "min_change_detail": None if self.min_change_detail is None else dict(self.min_change_detail),
            "top": self.top,
        }


@dataclass(frozen=True)
class Sweep:
    """Every candidate's fit score as one criterion's weight goes from 0 to 1, the others rescaled.

    Attributes
    ----------
    criterion : str
        Criterion id.
    values : numpy.ndarray
        The weights swept, from 0 to 1.
    scores : pandas.DataFrame
        Fit score by weight ``t`` (rows) and candidate id (columns).
    crossings : pandas.DataFrame
        Every pair of candidates whose scores cross strictly inside (0, 1), by ``t``: columns ``t``,
        ``score`` (both candidates' score there), ``candidate_a`` (ahead below ``t``) and ``candidate_b``
        (ahead above ``t``).
    current : float
        The criterion's current weight.
    """

    criterion: str
    values: np.ndarray
    scores: pd.DataFrame
    crossings: pd.DataFrame
    current: float


def stability_intervals(scores: pd.DataFrame, weights: pd.Series) -> StabilityResult:
    """How far each weight can move, the others rescaled, before the top candidate or the ranking changes.

    Parameters
    ----------
    scores : pandas.DataFrame
        Candidates (index, ids) × criteria (columns, ids) of aggregated scores.
    weights : pandas.Series
        Normalised weights by criterion id (the columns of ``scores``).

    Returns
    -------
    StabilityResult
        The top candidate, a :class:`WeightInterval` per criterion and the smallest weight change that
        flips the top.

    Examples
    --------
    >>> scores = pd.DataFrame({"x": [5.0, 2.0], "y": [1.0, 4.0]}, index=["A", "B"])
    >>> result = stability_intervals(scores, pd.Series({"x": 0.75, "y": 0.25}))
    >>> result.top, result.intervals["x"].top_kept, result.intervals["x"].top_lost_to
    ('A', (0.5, 1.0), ('B', None))
    """
    matrix = _matrix(scores, weights)
    weight_values = weights.to_numpy(dtype=float)
    now = matrix @ weight_values
    tolerance = TOLERANCE * np.abs(matrix).max(initial=0.0)
    order = np.argsort((now[None, :] > now[:, None] + tolerance).sum(axis=1), kind="stable")
    top = order[0]
    ahead, behind = (order[positions] for positions in np.triu_indices(order.size, 1))
    names = scores.index
    intervals = {}
    for position, criterion in enumerate(weights.index):
        start, end = _line_ends(matrix, weight_values, position)
        lines = np.vstack([start, now, end])
        current = float(weight_values[position])
        top_gaps = _snap(lines[:, [top]] - lines, tolerance)
        top_kept, top_lost = _kept(top_gaps, current, keep_ties=False)
        pair_gaps = _snap(lines[:, ahead] - lines[:, behind], tolerance)
        ranking_kept, broken = _kept(pair_gaps, current, keep_ties=True)
        intervals[criterion] = WeightInterval(
            criterion=criterion,
            current=current,
            top_kept=top_kept,
            ranking_kept=ranking_kept,
            top_lost_to=tuple(_taker(gaps, at_end, names, tolerance)
                              for gaps, at_end in zip(top_gaps[[0, 2]], top_lost)),
            ranking_broken_by=tuple(_swap(gaps, at_end, ahead, behind, names)
                                    for gaps, at_end in zip(pair_gaps[[0, 2]], broken)),
        )
    return StabilityResult(names[top], intervals, *_nearest_flip(intervals))


def weight_sweep(scores: pd.DataFrame, weights: pd.Series, criterion: str, points: int = 101) -> Sweep:
    """Sweep one criterion's weight from 0 to 1, the others rescaled, and find where candidates cross.

    Parameters
    ----------
    scores : pandas.DataFrame
        Candidates (index, ids) × criteria (columns, ids) of aggregated scores.
    weights : pandas.Series
        Normalised weights by criterion id.
    criterion : str
        The criterion whose weight is swept.
    points : int, default 101
        Number of evenly spaced weights in the grid, ends included.

    Returns
    -------
    Sweep
        The scores on the grid and the exact crossing points.

    Examples
    --------
    >>> scores = pd.DataFrame({"x": [5.0, 2.0], "y": [1.0, 4.0]}, index=["A", "B"])
    >>> sweep = weight_sweep(scores, pd.Series({"x": 0.75, "y": 0.25}), "x", points=5)
    >>> sweep.scores["A"].tolist()
    [1.0, 2.0, 3.0, 4.0, 5.0]
    >>> sweep.crossings.to_dict(orient="records")
    [{'t': 0.5, 'score': 3.0, 'candidate_a': 'B', 'candidate_b': 'A'}]
    """
    matrix = _matrix(scores, weights)
    weight_values = weights.to_numpy(dtype=float)
    position = weights.index.get_loc(criterion)
    values = np.linspace(0.0, 1.0, points)
    swept = matrix @ rescaled_weights(weight_values, position, values).T
    start, end = _line_ends(matrix, weight_values, position)
    tolerance = TOLERANCE * np.abs(matrix).max(initial=0.0)
    first, second = np.triu_indices(len(scores), 1)
    low = _snap(start[first] - start[second], tolerance)
    high = _snap(end[first] - end[second], tolerance)
    crossing = low * high < 0
    t = low[crossing] / (low[crossing] - high[crossing])
    below = np.where(low[crossing] > 0, first[crossing], second[crossing])
    above = first[crossing] + second[crossing] - below
    names = scores.index.to_numpy()
    crossings = pd.DataFrame({
        "t": t,
        "score": (1 - t) * start[below] + t * end[below],
        "candidate_a": names[below],
        "candidate_b": names[above],
    }).sort_values("t", kind="stable", ignore_index=True)
    return Sweep(
        criterion=criterion,
        values=values,
        scores=pd.DataFrame(swept.T, index=pd.Index(values, name="t"), columns=scores.index),
        crossings=crossings,
        current=float(weight_values[position]),
    )


def _swap_text(swap: tuple[str, str] | None) -> str:
    """A swapped pair as "B ahead of A" (or a dash)."""
    return "—" if swap is None else f"{swap[1]} ahead of {swap[0]}"


def _matrix(scores: pd.DataFrame, weights: pd.Series) -> np.ndarray:
    """The scores as an array with columns in the order of the weights."""
    if set(scores.columns) != set(weights.index) or (weights < 0).any() or not np.isclose(weights.sum(), 1.0):
        raise ValueError("weights must be non-negative, sum to 1 and be indexed by the criterion ids of scores")
    return scores[weights.index].to_numpy(dtype=float)


def _line_ends(matrix: np.ndarray, weights: np.ndarray, position: int) -> np.ndarray:
    """Every candidate's score with the criterion's weight at 0 and at 1 (2 × candidates)."""
    return rescaled_weights(weights, position, np.array([0.0, 1.0])) @ matrix.T


def _snap(differences: np.ndarray, tolerance: float) -> np.ndarray:
    """Treat differences within ``tolerance`` as exact ties (zero)."""
    return np.where(np.abs(differences) <= tolerance, 0.0, differences)


def _kept(gaps: np.ndarray, current: float, keep_ties: bool) -> tuple[tuple[float, float], tuple[np.ndarray, ...]]:
    """The interval within which every gap stays >= 0 (and, with ``keep_ties``, every zero gap stays 0).

    ``gaps`` holds the score differences at weight 0, now and at weight 1 (3 × lines, snapped). Returns the
    interval and, for each end, which lines break just beyond it.
    """
    low, now, high = gaps
    below, at_low = _reach(low, now, current, keep_ties)
    above, at_high = _reach(high, now, 1.0 - current, keep_ties)
    interval = (float(current - below) if at_low.any() else 0.0, float(current + above) if at_high.any() else 1.0)
    return interval, (at_low, at_high)


def _reach(far: np.ndarray, now: np.ndarray, span: float, keep_ties: bool) -> tuple[float, np.ndarray]:
    """How far the weight can move towards an end ``span`` away before a gap turns negative (or a zero gap
    turns non-zero, with ``keep_ties``), and which gaps do so right there; the gap is linear from ``now``
    to ``far``."""
    breaks = (far < 0) | (keep_ties & (now == 0) & (far != 0))
    distance = np.where(breaks, span * now / np.where(breaks, now - far, 1.0), np.inf)
    reach = distance.min(initial=np.inf)
    return reach, breaks & (distance <= reach + TOLERANCE)


def _taker(far: np.ndarray, at_end: np.ndarray, names: pd.Index, tolerance: float) -> str | None:
    """Of the candidates reaching the top at an end, the one ahead beyond it: the steepest (furthest ahead
    at weight 0 or 1), the first in index order among equals."""
    if not at_end.any():
        return None
    steepest = np.where(at_end, far, np.inf)
    return names[np.flatnonzero(steepest <= steepest.min() + tolerance)[0]]


def _swap(far: np.ndarray, at_end: np.ndarray, ahead: np.ndarray, behind: np.ndarray,
          names: pd.Index) -> tuple[str, str] | None:
    """The first pair, in ranking order, whose order changes beyond an end: (ahead now, ahead beyond)."""
    if not at_end.any():
        return None
    pair = np.flatnonzero(at_end)[0]
    first, second = (ahead[pair], behind[pair]) if far[pair] < 0 else (behind[pair], ahead[pair])
    return names[first], names[second]


def _nearest_flip(intervals: dict[str, WeightInterval]) -> tuple[float | None, dict | None]:
    """The smallest single-weight change that changes the top, with its details."""
    flips = [(abs(end - interval.current), criterion, interval.current, end, taker)
             for criterion, interval in intervals.items()
             for end, taker in zip(interval.top_kept, interval.top_lost_to) if taker is not None]
    if not flips:
        return None, None
    nearest = min(flip[0] for flip in flips)
    distance, criterion, current, end, taker = next(flip for flip in flips if flip[0] <= nearest + TOLERANCE)
    return distance, {"criterion": criterion, "from": current, "to": end, "new_top": taker}
