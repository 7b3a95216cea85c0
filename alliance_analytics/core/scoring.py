"""The weighted fit score: weights, contributions and ranks.

The fit score of a candidate is the weighted sum of its aggregated criterion scores, with weights
normalised to sum to 1, so it stays on the evaluation scale.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

SCORE_TOLERANCE = 1e-9
"""Scores closer than this are equal: float noise (a weighted sum of 3.9999999999999996, a geometric mean of
4.999999999999999) never decides a threshold or a tie."""


def normalise_weights(weights: pd.Series) -> pd.Series:
    """Scale non-negative, finite weights to sum to 1.

    The weights are first divided by the largest, so their sum cannot overflow: ``1e308`` and ``1e308`` are
    half and half, as ``1`` and ``1`` are (a plain division by the sum would make every weight 0).

    Parameters
    ----------
    weights : pandas.Series
        Relative weights by criterion id; finite, non-negative, not all zero.

    Returns
    -------
    pandas.Series
        The weights divided by their sum.

    Raises
    ------
    ValueError
        When a weight is negative or not finite, or all are zero.

    Examples
    --------
    >>> normalise_weights(pd.Series({"a": 3.0, "b": 1.0})).tolist()
    [0.75, 0.25]
    >>> normalise_weights(pd.Series({"a": 1.0e308, "b": 1.0e308})).tolist()
    [0.5, 0.5]
    """
    values = weights.astype(float)
    if values.empty or (values < 0).any() or not np.isfinite(values).all() or not float(values.max()) > 0:
        raise ValueError("weights must be finite, non-negative and not all zero")
    scaled = values / float(values.max())
    return scaled / float(scaled.sum())


def fit_contributions(aggregated: pd.DataFrame, weights: pd.Series) -> pd.DataFrame:
    """Each criterion's contribution to each candidate's fit score.

    Parameters
    ----------
    aggregated : pandas.DataFrame
        Candidates × criteria of aggregated scores.
    weights : pandas.Series
        Normalised weights by criterion id (the columns of ``aggregated``).

    Returns
    -------
    pandas.DataFrame
        Candidates × criteria of ``weight × score``, columns in the order of ``weights``; a row sums to the
        candidate's fit score.
    """
    return aggregated[weights.index].mul(weights, axis=1)


def fit_scores(aggregated: pd.DataFrame, weights: pd.Series) -> pd.Series:
    """The weighted fit score of every candidate.

    Parameters
    ----------
    aggregated : pandas.DataFrame
        Candidates × criteria of aggregated scores.
    weights : pandas.Series
        Normalised weights by criterion id.

    Returns
    -------
    pandas.Series
        Fit score by candidate id, on the evaluation scale.
    """
    return fit_contributions(aggregated, weights).sum(axis=1).rename("fit_score")


def rank_candidates(scores: pd.Series) -> pd.Series:
    """Rank candidates by fit score, 1 = best; scores within :data:`SCORE_TOLERANCE` share the better rank.

    Parameters
    ----------
    scores : pandas.Series
        Fit score by candidate id.

    Returns
    -------
    pandas.Series
        Integer rank by candidate id: 1 + the number of candidates scoring clearly higher.

    Examples
    --------
    >>> rank_candidates(pd.Series({"a": 3.0, "b": 4.0, "c": 3.0 + 1e-12})).to_dict()
    {'a': 2, 'b': 1, 'c': 2}
    """
    values = scores.to_numpy(dtype=float)
    clearly_higher = (values[None, :] > values[:, None] + SCORE_TOLERANCE).sum(axis=1)
    return pd.Series(1 + clearly_higher, index=scores.index, name="rank")


def below(scores: pd.Series, threshold: float) -> pd.Series:
    """Whether each score is clearly below ``threshold`` (by more than :data:`SCORE_TOLERANCE`).

    Parameters
    ----------
    scores : pandas.Series
        Scores on the evaluation scale.
    threshold : float
        The threshold.

    Returns
    -------
    pandas.Series
        Boolean, indexed like ``scores``.

    Examples
    --------
    >>> below(pd.Series([3.9999999999999996, 3.5]), 4.0).tolist()
    [False, True]
    """
    return scores < threshold - SCORE_TOLERANCE
