"""Combining several evaluators' scores, and finding where they disagree.

Pure functions over the long-form ``scores`` table of a case (one row per candidate × criterion ×
evaluator); no I/O.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from alliance_analytics.case.vocabulary import AGGREGATION_METHODS
from alliance_analytics.core.scoring import SCORE_TOLERANCE

_PAIR = ["candidate_id", "criterion_id"]


def aggregate_scores(scores: pd.DataFrame, method: str) -> pd.DataFrame:
    """Combine the evaluators' scores of each candidate/criterion pair.

    Parameters
    ----------
    scores : pandas.DataFrame
        Long form with columns ``candidate_id``, ``criterion_id``, ``evaluator``, ``score``.
    method : {"mean", "median", "geometric"}
        Arithmetic mean, median, or geometric mean (scores must be positive).

    Returns
    -------
    pandas.DataFrame
        Candidates (rows, sorted) × criteria (columns, sorted) of combined scores.

    Examples
    --------
    >>> scores = pd.DataFrame({"candidate_id": ["A", "A"], "criterion_id": ["fit", "fit"],
    ...                        "evaluator": ["x", "y"], "score": [2.0, 8.0]})
    >>> float(aggregate_scores(scores, "geometric").loc["A", "fit"])
    4.0
    """
    if method not in AGGREGATION_METHODS:
        raise ValueError(f"unknown aggregation method {method!r}; expected one of {', '.join(AGGREGATION_METHODS)}")
    grouped = scores.groupby(_PAIR)["score"]
    if method == "geometric":
        combined = np.exp(scores.assign(score=np.log(scores["score"])).groupby(_PAIR)["score"].mean())
    else:
        combined = grouped.agg(method)
    return combined.unstack("criterion_id").sort_index().sort_index(axis=1)


def disagreements(scores: pd.DataFrame, threshold: float) -> pd.DataFrame:
    """Find candidate/criterion pairs whose evaluators' scores spread by more than ``threshold``.

    The spread is the range (highest minus lowest score). Flagged pairs need a calibration discussion
    before the scores are trusted.

    Parameters
    ----------
    scores : pandas.DataFrame
        Long form with columns ``candidate_id``, ``criterion_id``, ``evaluator``, ``score``, ``rationale``.
    threshold : float
        A pair is flagged when its spread is greater than this (by more than the float-noise tolerance).

    Returns
    -------
    pandas.DataFrame
        One row per flagged pair, widest spread first, with columns ``candidate_id``, ``criterion_id``,
        ``spread``, ``lowest``, ``highest``, ``evaluators`` (``"name: score"`` items joined by ``"; "``) and
        ``rationales`` (the lowest and highest scorers' rationales).
    """
    summary = scores.groupby(_PAIR)["score"].agg(lowest="min", highest="max")
    summary["spread"] = summary["highest"] - summary["lowest"]
    flagged = summary[summary["spread"] > threshold + SCORE_TOLERANCE]
    rows = scores.merge(flagged.index.to_frame(index=False), on=_PAIR).sort_values([*_PAIR, "score", "evaluator"])
    score_text = rows["score"].map("{:g}".format)
    rows["item"] = rows["evaluator"] + ": " + score_text
    rows["said"] = rows["evaluator"] + " (" + score_text + "): " + rows["rationale"].fillna("")
    grouped = rows.groupby(_PAIR, sort=True)
    flagged = flagged.assign(
        evaluators=grouped["item"].agg("; ".join),
        rationales=grouped["said"].first() + " | " + grouped["said"].last(),
    ).reset_index()
    columns = [*_PAIR, "spread", "lowest", "highest", "evaluators", "rationales"]
    return flagged.sort_values(["spread", *_PAIR], ascending=[False, True, True])[columns].reset_index(drop=True)
