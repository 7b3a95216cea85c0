"""The partner-fit analysis: who fits best, who is knocked out, and why.

:func:`partner_fit` runs the strategy gate, aggregates the evaluators' scores, applies red flags,
computes the weighted fit score and rank, flags evaluator disagreement and writes an advance / review /
walk-away recommendation with reasons for every candidate. The :class:`PartnerFitResult` it returns feeds
the notebook's tables and charts, ``results.json`` and the tests alike.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from numbers import Real
from typing import Annotated, Literal

import numpy as np
import pandas as pd
from pydantic import Field

from alliance_analytics.case.case import Case
from alliance_analytics.case.vocabulary import RISK_LEVEL_ORDER
from alliance_analytics.core.cache import cached
from alliance_analytics.core.formatting import (
    candidate_label,
    format_count,
    format_date,
    join_words,
    reader_table,
    sentence_table,
)
from alliance_analytics.core.parameters import AnalysisParameters, Number, parameter_problems
from alliance_analytics.core.problems import InputError, Problem, colon_hint
from alliance_analytics.core.scoring import below, fit_contributions, fit_scores, normalise_weights, rank_candidates
from alliance_analytics.fit.aggregation import AGGREGATION_METHODS, aggregate_scores, disagreements
from alliance_analytics.fit.gates import red_flags, strategy_gate

RECOMMENDATIONS: tuple[str, ...] = ("advance", "review", "walk away")
"""The possible recommendations, best first."""


@dataclass(frozen=True)
class PartnerFitResult:
    """Everything the partner-fit analysis found.

    Attributes
    ----------
    case_name, currency : str
        From the case.
    aggregation : str
        How evaluators' scores were combined.
    weights : pandas.Series
        Normalised weights by criterion id (sum 1).
    criterion_names : dict of str to str
        Criterion id to display name.
    aggregated : pandas.DataFrame
        Candidates × criteria of aggregated scores.
    contributions : pandas.DataFrame
        Candidates × criteria of ``weight × aggregated score``; rows sum to the fit score.
    candidates : pandas.DataFrame
        One row per candidate id: ``name``, ``fit_score``, ``rank``, ``gate_passed``, ``gate_reasons``,
        ``red_flags``, ``red_flag_reasons``, ``disagreements`` (criterion ids), ``recommendation``, ``reasons``.
    disagreements : pandas.DataFrame
        Flagged candidate/criterion pairs (see :func:`alliance_analytics.fit.aggregation.disagreements`).
    advance_min_score : float
        Fit score needed to advance.
    parameters : PartnerFitParameters or None
        The parameters the result was computed with (set by :func:`analyse_partner_fit`).
    """

    case_name: str
    currency: str
    aggregation: str
    weights: pd.Series
    criterion_names: dict[str, str]
    aggregated: pd.DataFrame
    contributions: pd.DataFrame
    candidates: pd.DataFrame
    disagreements: pd.DataFrame
    advance_min_score: float
    parameters: PartnerFitParameters | None = None

    def _labels(self, candidates: pd.Index) -> pd.Index:
        """Candidates for a reader, ``"Alpenmed Vertrieb GmbH (C09)"``, as the index of a reader table."""
        names = self.candidates.loc[candidates, "name"]
        return pd.Index([candidate_label(candidate, name) for candidate, name in names.items()], name="Candidate")

    def _reader_reasons(self, candidate: str) -> str:
        """A candidate's reasons for a reader: criterion names instead of ids in the disagreement reason."""
        row = self.candidates.loc[candidate]
        disputed = join_words(self.criterion_names[criterion] for criterion in row["disagreements"])
        return "; ".join(f"evaluators disagree on {disputed}: calibrate before deciding"
                         if reason.startswith("evaluators disagree on ") else reason for reason in row["reasons"])

    def recommendation_table(self) -> pd.DataFrame:
        """The recommendation for every candidate, advance first, then by rank, as a reader reads it.

        Returns
        -------
        pandas.DataFrame
            Indexed by candidate (name and id); ``Fit score``, ``Rank``, ``Recommendation``, ``Reasons``; every
            cell a string.
        """
        table = self.candidates.assign(order=self.candidates["recommendation"].map(RECOMMENDATIONS.index)) \
            .sort_values(["order", "rank"])
        frame = pd.DataFrame({
            "Fit score": table["fit_score"].to_numpy(),
            "Rank": table["rank"].to_numpy(),
            "Recommendation": table["recommendation"].to_numpy(),
            "Reasons": [self._reader_reasons(candidate) for candidate in table.index],
        }, index=self._labels(table.index))
        return reader_table(frame, {"Fit score": "score", "Rank": "count"})

    def gate_table(self) -> pd.DataFrame:
        """The strategy gate for every candidate, failures first, as a reader reads it.

        Returns
        -------
        pandas.DataFrame
            Indexed by candidate (name and id); ``Offering phased out``, ``Pays back by``, ``Gate`` (pass or
            walk away) and ``Reasons``; every cell a string.
        """
        table = self.candidates.sort_values(["gate_passed", "rank"])
        frame = pd.DataFrame({
            "Offering phased out": [format_date(date) if pd.notna(date) else "none planned"
                                    for date in table["phase_out_date"]],
            "Pays back by": table["payback_date"].to_numpy(),
            "Gate": np.where(table["gate_passed"].to_numpy(dtype=bool), "pass", "walk away"),
            "Reasons": table["gate_reasons"].to_numpy(),
        }, index=self._labels(table.index))
        return reader_table(frame, {"Pays back by": "date"})

    def red_flag_table(self) -> pd.DataFrame:
        """Every red flag raised: candidate, criterion, aggregated score and reason, as a reader reads it.

        Returns
        -------
        pandas.DataFrame
            One row per flag, indexed by candidate (name and id), with ``Criterion``, ``Score`` and ``Reason``;
            when no flag is raised, one row saying so.
        """
        flags = self.candidates.sort_values("rank")[["red_flags", "red_flag_reasons"]].explode(
            ["red_flags", "red_flag_reasons"]).dropna()
        if flags.empty:
            return sentence_table("No candidate has a red flag: every aggregated score is at or above its "
                                   "criterion's red-flag threshold.")
        frame = pd.DataFrame({
            "Criterion": flags["red_flags"].map(self.criterion_names).to_numpy(),
            "Score": [self.aggregated.at[candidate, criterion] for candidate, criterion in flags["red_flags"].items()],
            "Reason": flags["red_flag_reasons"].to_numpy(),
        }, index=self._labels(flags.index))
        return reader_table(frame, {"Score": "score"})

    def disagreement_table(self) -> pd.DataFrame:
        """Candidate/criterion pairs to calibrate, widest spread first, with the evaluators' scores.

        Returns
        -------
        pandas.DataFrame
            Indexed by candidate (name and id): ``Criterion``, ``Spread``, ``Scores`` and ``Rationales``
            (lowest and highest); when no pair is flagged, one row saying so.
        """
        flagged = self.disagreements
        if flagged.empty:
            return sentence_table("The evaluators agree: no candidate and criterion has scores spread by more "
                                   "than the case's disagreement threshold.")
        frame = pd.DataFrame({
            "Criterion": flagged["criterion_id"].map(self.criterion_names).to_numpy(),
            "Spread": flagged["spread"].to_numpy(),
            "Scores": flagged["evaluators"].to_numpy(),
            "Rationales": flagged["rationales"].to_numpy(),
        }, index=self._labels(pd.Index(flagged["candidate_id"])))
        return reader_table(frame, {"Spread": "score"})

    def weight_table(self) -> pd.DataFrame:
        """The normalised weights used, by criterion, as percentages.

        Returns
        -------
        pandas.DataFrame
            Indexed by criterion name: ``Weight`` (shares summing to 100 %); every cell a string.
        """
        frame = pd.DataFrame({"Weight": self.weights.to_numpy()},
                             index=pd.Index(self.weights.index.map(self.criterion_names), name="Criterion"))
        return reader_table(frame, {"Weight": "fine share"})

    def score_table(self) -> pd.DataFrame:
        """Aggregated scores by candidate (rows, by rank) and criterion name (columns), with the fit score.

        Returns
        -------
        pandas.DataFrame
            Indexed by candidate (name and id); every cell a string with two decimals.
        """
        order = self.candidates.sort_values("rank").index
        frame = self.aggregated.loc[order, self.weights.index].rename(columns=self.criterion_names)
        frame["Fit score"] = self.candidates.loc[order, "fit_score"]
        frame["Recommendation"] = self.candidates.loc[order, "recommendation"]
        frame.index = self._labels(order)
        return reader_table(frame, {column: "score" for column in frame.columns if column != "Recommendation"})

    def walk_aways(self) -> list[str]:
        """The candidates the analysis walks away from, by rank.

        Returns
        -------
        list of str
            Candidate ids.
        """
        ranked = self.candidates.sort_values("rank")
        return ranked.index[ranked["recommendation"] == "walk away"].tolist()

    def limitations(self) -> list[str]:
        """What this analysis could not answer on this case, and why, in sentences (empty when nothing).

        Returns
        -------
        list of str
        """
        walked = self.candidates.index[self.candidates["recommendation"] == "walk away"]
        if len(walked) < len(self.candidates):
            return []
        return [(f"Every candidate ({format_count(len(walked))}) walks away: each fails the strategy gate or has a "
                 "red flag, so no candidate can be recommended to advance or to review. The fit scores and ranks "
                 "below compare walk-aways only; fix the knock-outs or widen the candidate list first.")]

    def headline(self) -> list[str]:
        """One line per recommendation listing its candidates by rank (the headline of every report).

        Returns
        -------
        list of str
            ``"advance: C03, C07"`` style lines.
        """
        ranked = self.candidates.sort_values("rank")
        return [f"{label}: {', '.join(ranked.index[ranked['recommendation'] == label]) or '(none)'}"
                for label in RECOMMENDATIONS]

    def to_json(self) -> dict:
        """The machine-readable result, as stored in ``results.json``.

        Returns
        -------
        dict
            ``aggregation``, ``weights`` and per candidate id: ``name``, ``gate_passed``, ``gate_reasons``,
            ``red_flags``, ``fit_score``, ``rank``, ``recommendation``, ``reasons``, ``contributions``;
            plus the flagged ``disagreements``.
        """
        candidates = {
            candidate: {
                "name": row["name"],
                "gate_passed": bool(row["gate_passed"]),
                "gate_reasons": list(row["gate_reasons"]),
                "red_flags": list(row["red_flags"]),
                "fit_score": float(row["fit_score"]),
                "rank": int(row["rank"]),
                "recommendation": row["recommendation"],
                "reasons": list(row["reasons"]),
                "contributions": {k: float(v) for k, v in self.contributions.loc[candidate].items()},
            }
            for candidate, row in self.candidates.iterrows()
        }
        return {
            "aggregation": self.aggregation,
            "weights": {k: float(v) for k, v in self.weights.items()},
            "advance_min_score": self.advance_min_score,
            "candidates": candidates,
            "disagreements": [
                {key: (float(value) if isinstance(value, Real) else value) for key, value in record.items()}
                for record in self.disagreements.to_dict(orient="records")
            ],
        }


def _case_problems(case: Case, weights: Mapping[str, float], aggregation: str) -> list[Problem]:
    """What in valid partner-fit parameters does not fit the case: unknown criteria, every weight zero, a
    geometric mean on a scale that reaches 0."""
    criterion_ids = case.criterion_ids
    problems = [Problem("parameters", f"unknown criterion '{criterion}'; expected one of "
                        f"{', '.join(criterion_ids)}{colon_hint(criterion)}", column=f"weights.{criterion}")
                for criterion in weights if criterion not in criterion_ids]
    if not problems and float(_weights(case, weights).max()) <= 0:
        problems.append(Problem("parameters", "with these overrides every weight is zero", column="weights"))
    if aggregation == "geometric" and case.settings.scale.min <= 0:
        problems.append(Problem("parameters", "the geometric mean needs a scale whose minimum is above 0",
                                column="aggregation"))
    return problems


def _weights(case: Case, overrides: Mapping[str, float] | None) -> pd.Series:
    """The case's relative weights with the overrides applied."""
    weights = case.weights.astype(float)
    for criterion, weight in (overrides or {}).items():
        weights[criterion] = float(weight)
    return weights


def partner_fit(
    case: Case,
    weights: Mapping[str, float] | None = None,
    aggregation: str | None = None,
) -> PartnerFitResult:
    """Run the partner-fit analysis on a case.

    Parameters
    ----------
    case : Case
        A validated case (see :func:`alliance_analytics.load_case`).
    weights : mapping of str to float, optional
        Relative weights that replace the case's for the criteria named; the others keep the case's
        weight. All weights are then normalised to sum to 1.
    aggregation : {"mean", "median", "geometric"}, optional
        Replaces the case's ``aggregation.method``; ``None`` or ``""`` keeps it.

    Returns
    -------
    PartnerFitResult
        Gate, red flags, fit score, rank, disagreement and recommendation per candidate.

    Raises
    ------
    InputError
        When a parameter does not fit the case; every problem is listed.

    Examples
    --------
    >>> from alliance_analytics import load_case
    >>> from alliance_analytics.core.paths import SAMPLE_CASE_DIR
    >>> result = partner_fit(load_case(SAMPLE_CASE_DIR), aggregation="median")
    >>> sorted(set(result.candidates["recommendation"])) == ["advance", "review", "walk away"]
    True
    """
    problems = parameter_problems(PartnerFitParameters, {"weights": {} if weights is None else weights,
                                                         "aggregation": aggregation or ""}, case)
    if problems:
        raise InputError("partner-fit parameters", problems)
    settings = case.settings
    method = aggregation or settings.aggregation.method
    normalised = normalise_weights(_weights(case, weights))
    aggregated = aggregate_scores(case.scores, method).loc[case.candidates.index]
    scores = fit_scores(aggregated, normalised)
    flagged = disagreements(case.scores, settings.aggregation.disagreement_threshold)
    table = pd.concat(
        [
            case.candidates[["name"]],
            scores,
            rank_candidates(scores),
            strategy_gate(case.candidates, settings.strategy, settings.as_of),
            red_flags(aggregated, settings.criteria),
        ],
        axis=1,
    )
    disputed = flagged.groupby("candidate_id")["criterion_id"].agg(list)
    table["disagreements"] = [disputed.get(candidate, []) for candidate in table.index]
    table["risk_level"] = case.candidates["risk_level"]
    table = table.join(recommend(table, settings.strategy.risk_appetite, settings.recommendation.advance_min_score))
    return PartnerFitResult(
        case_name=settings.name,
        currency=settings.currency,
        aggregation=method,
        weights=normalised,
        criterion_names={criterion.id: criterion.name for criterion in settings.criteria},
        aggregated=aggregated,
        contributions=fit_contributions(aggregated, normalised),
        candidates=table,
        disagreements=flagged,
        advance_min_score=settings.recommendation.advance_min_score,
    )


def recommend(table: pd.DataFrame, risk_appetite: str, advance_min_score: float) -> pd.DataFrame:
    """Advance, review or walk away, with the reasons, for every candidate.

    *Walk away* on any strategy-gate failure or red flag; otherwise *review* when the fit score is below
    ``advance_min_score``, the risk level is above the appetite or evaluators disagree; otherwise *advance*.

    Parameters
    ----------
    table : pandas.DataFrame
        Per candidate: ``fit_score``, ``rank``, ``gate_reasons``, ``red_flag_reasons``, ``disagreements``
        (lists) and ``risk_level``.
    risk_appetite : {"low", "medium", "high"}
        The strategy's risk appetite.
    advance_min_score : float
        The fit score needed to advance.

    Returns
    -------
    pandas.DataFrame
        Indexed like ``table``, with ``recommendation`` and ``reasons`` (list of str).
    """
    knocked_out = (table["gate_reasons"].map(len) + table["red_flag_reasons"].map(len)) > 0
    low_score = below(table["fit_score"], advance_min_score)
    above_appetite = table["risk_level"].map(RISK_LEVEL_ORDER) > RISK_LEVEL_ORDER[risk_appetite]
    disputed = table["disagreements"].map(len) > 0
    label = np.select([knocked_out, low_score | above_appetite | disputed], ["walk away", "review"], "advance")
    reasons = []
    for columns in zip(knocked_out, low_score, above_appetite, table["gate_reasons"], table["red_flag_reasons"],
                       table["disagreements"], table["fit_score"], table["rank"], table["risk_level"]):
        out, low, above, gate, flags, disagreeing, score, rank, risk = columns
        if out:
            reasons.append([f"strategy gate: {reason}" for reason in gate] + list(flags))
            continue
        concerns = [f"fit score {score:.2f} is below the advance threshold {advance_min_score:g}"] if low else []
        if above:
            concerns.append(f"risk level {risk} is above the strategy's risk appetite ({risk_appetite})")
        if disagreeing:
            concerns.append(f"evaluators disagree on {', '.join(disagreeing)}: calibrate before deciding")
        reasons.append(concerns or [f"passes the strategy gate and every red-flag check; fit score {score:.2f} "
                                    f"(rank {rank})"])
    return pd.DataFrame({"recommendation": label, "reasons": reasons}, index=table.index)


class PartnerFitParameters(AnalysisParameters):
    """The partner-fit analysis's parameters (the ``parameters`` cell of ``01_partner_fit``).

    Attributes
    ----------
    weights : dict of str to float
        Relative weights replacing the case's for the criteria named (finite, ≥ 0); the others keep theirs.
    aggregation : {"", "mean", "median", "geometric"}
        How evaluators' scores are combined; empty keeps the case's ``aggregation.method``.
    """

    weights: dict[str, Annotated[Number, Field(ge=0)]] = {}
    aggregation: Literal["", *AGGREGATION_METHODS] = ""  # type: ignore[valid-type]

    def problems(self, case: Case) -> list[Problem]:
        """What does not fit the case (unknown criteria, all weights zero, geometric mean on a scale from 0)."""
        return _case_problems(case, self.weights, self.aggregation)


def analyse_partner_fit(case: Case, parameters: PartnerFitParameters = PartnerFitParameters()) -> PartnerFitResult:
    """Run the partner-fit analysis on a case, once per run (see :mod:`alliance_analytics.core.cache`).

    Parameters
    ----------
    case : Case
        A validated case.
    parameters : PartnerFitParameters
        Weight overrides and aggregation method.

    Returns
    -------
    PartnerFitResult
        As :func:`partner_fit`, carrying ``parameters``.

    Raises
    ------
    InputError
        When a parameter does not fit the case; every problem is listed.

    Examples
    --------
    >>> from alliance_analytics import load_case
    >>> from alliance_analytics.core.paths import SAMPLE_CASE_DIR
    >>> result = analyse_partner_fit(load_case(SAMPLE_CASE_DIR), PartnerFitParameters(aggregation="median"))
    >>> result.aggregation, result.parameters.aggregation
    ('median', 'median')
    """
    def compute() -> PartnerFitResult:
        result = partner_fit(case, parameters.weights, parameters.aggregation or None)
        return dataclasses.replace(result, parameters=parameters)
    return cached("partner_fit", case.file_hashes, parameters.as_json(), compute)
