"""Weight sensitivity: would the ranking survive other reasonable weights and scores?

:func:`weight_sensitivity` answers it exactly (stability intervals and one-at-a-time sweeps, from
:mod:`alliance_analytics.sensitivity.stability`) and by simulation (SMAA-2, from :mod:`alliance_analytics.sensitivity.smaa`), over
the candidates still in the running after the partner-fit knock-outs (walk-aways are left out, since no
weight brings them back; ``include_walk_aways`` keeps them). With fewer than two candidates in the running
there is nothing to compare: the result says so (:meth:`SensitivityResult.limitations`) instead of failing.

Weight information for SMAA (``weight_uncertainty``):

- ``uniform``: no preference information, weights uniform on the simplex;
- ``ordinal``: only the order of the current weights is trusted (ties broken by criterion order);
- ``interval``: each normalised weight within ± ``weight_range`` of the current one (clipped to [0, 1]),
  uniform on that polytope by hit-and-run.

Score uncertainty: each sample draws a bootstrap resample of every candidate/criterion pair's evaluators
and aggregates it with the analysis's method, so evaluator disagreement widens the result.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated

import numpy as np
import pandas as pd
from pydantic import Field

from alliance_analytics.case.case import Case
from alliance_analytics.case.elicitation import rank_order_centroid
from alliance_analytics.case.vocabulary import WeightUncertainty
from alliance_analytics.core.cache import cached
from alliance_analytics.core.formatting import (
    candidate_label,
    format_count,
    format_share,
    join_words,
    reader_table,
    sentence_table,
)
from alliance_analytics.core.parameters import Number, WholeNumber, parameter_problems
from alliance_analytics.core.problems import InputError
from alliance_analytics.fit.analysis import (
    RECOMMENDATIONS,
    PartnerFitParameters,
    PartnerFitResult,
    partner_fit,
)
from alliance_analytics.sensitivity.smaa import (
    SMAAResult,
    resample_scores,
    sample_interval_weights,
    sample_ordinal_weights,
    sample_uniform_weights,
    smaa,
)
from alliance_analytics.sensitivity.stability import StabilityResult, Sweep, stability_intervals, weight_sweep

NOTHING_TO_COMPARE = "Nothing to compare: fewer than two candidates are in the running."
"""What a table of comparisons says when fewer than two candidates are in the running."""
CONTENDER_SHARE = 0.05
"""A candidate ranking first in at least this share of the samples is a contender for first place."""


@dataclass(frozen=True)
class SensitivityResult:
    """Everything the weight-sensitivity analysis found.

    Attributes
    ----------
    fit : PartnerFitResult
        The partner-fit analysis at the current weights.
    candidates : list of str
        The candidates analysed (in the running), by current rank.
    excluded : list of str
        Walk-aways left out of the analysis.
    stability : StabilityResult
        Exact stability intervals per criterion (``top`` None and no intervals when nobody is in the running).
    sweeps : dict of str to Sweep
        One-at-a-time sweeps per criterion.
    smaa : SMAAResult
        SMAA-2 acceptabilities, central weights, confidence factors, pairwise winning indices.
    weight_uncertainty : str
        ``uniform``, ``ordinal`` or ``interval``.
    weight_range : float
        The ± range of ``interval``.
    score_uncertainty : bool
        Whether evaluator scores were resampled.
    seed : int
        The seed of the simulation.
    ordinal_weights : pandas.Series
        The rank-order-centroid weights of the current order (what "only the order" implies on average).
    weighting_method : str
        The case's weighting method.
    """

    fit: PartnerFitResult
    candidates: list[str]
    excluded: list[str]
    stability: StabilityResult
    sweeps: dict[str, Sweep]
    smaa: SMAAResult
    weight_uncertainty: str
    weight_range: float
    score_uncertainty: bool
    seed: int
    ordinal_weights: pd.Series
    weighting_method: str
    parameters: SensitivityParameters | None = None

    def _label(self, candidate: str) -> str:
        """A candidate for a reader: name and id."""
        return candidate_label(candidate, self.fit.candidates.at[candidate, "name"])

    def _samples_text(self) -> str:
        """The SMAA samples in words, ``"20,000 uniform weight samples"``."""
        return f"{format_count(self.smaa.n_samples)} {self.weight_uncertainty} weight samples"

    def headline(self) -> list[str]:
        """A few plain sentences: who is in the running, who ranks first most often, how far the top is from
        changing.

        Returns
        -------
        list of str
        """
        fit = self.fit.candidates
        left_out = f"{format_count(len(self.excluded))} walk-aways left out"
        if len(self.candidates) < 2:
            return [*self.limitations(), f"{left_out}: {join_words(self.excluded)}" if self.excluded else left_out]
        counts = fit.loc[self.candidates, "recommendation"].value_counts()
        standing = join_words(f"{format_count(counts[label])} {label if label != 'review' else 'in review'}"
                              for label in RECOMMENDATIONS if label in counts)
        lines = [f"{format_count(len(self.candidates))} candidates in the running ({standing}); {left_out}"]
        first = self.smaa.rank_acceptability.iloc[:, 0]
        favourite, top = first.idxmax(), self.stability.top
        standing_of = {"advance": "recommended to advance", "review": "in review", "walk away": "a walk-away"}
        lines.append(f"{self._label(favourite)} ranks first most often: in {format_share(first[favourite])} of "
                     f"{self._samples_text()} ({standing_of[fit.at[favourite, 'recommendation']]})")
        if top != favourite:
            lines.append(f"{self._label(top)} has the highest fit score at the current weights "
                         f"({standing_of[fit.at[top, 'recommendation']]}) and ranks first in "
                         f"{format_share(first[top])} of the samples")
        detail = self.stability.min_change_detail
        if detail is None:
            lines.append("no change of a single weight makes another candidate top")
        else:
            lines.append(f"smallest single-weight change that changes the top: "
                         f"{self.fit.criterion_names[detail['criterion']]} from {format_share(detail['from'], 1)} "
                         f"to {format_share(detail['to'], 1)}, and {self._label(detail['new_top'])} takes over")
        contenders = first[(first >= CONTENDER_SHARE) & ~first.index.isin([favourite, top])].sort_values(
            ascending=False)
        if len(contenders):
            lines.append("other contenders for first place: " + join_words(
                f"{self._label(candidate)} ({format_share(share)})" for candidate, share in contenders.items()))
        return lines

    def limitations(self) -> list[str]:
        """What this analysis could not answer on this case, and why, in sentences (empty when nothing).

        Returns
        -------
        list of str
        """
        if len(self.candidates) >= 2:
            return []
        who = f"only {self._label(self.candidates[0])} is" if self.candidates else "no candidate is"
        return [(f"The weight sensitivity was not analysed: {who} still in the running after the partner-fit "
                 "knock-outs, so no weighting can change who comes first and the stability intervals, sweeps and "
                 "SMAA tables have nothing to compare. Set include_walk_aways to True to compare the walk-aways too.")]

    def stability_table(self) -> pd.DataFrame:
        """The exact stability intervals, one row per criterion, as a reader reads them.

        Returns
        -------
        pandas.DataFrame
            Indexed by criterion name: the weight now, the interval keeping the top and who takes over below
            and above it, the interval keeping the whole ranking and the pair that swaps below and above it;
            weights as percentages, every cell a string. One row saying so when nothing was compared.
        """
        if len(self.candidates) < 2:
            return sentence_table(NOTHING_TO_COMPARE)
        intervals = self.stability.intervals.values()
        frame = pd.DataFrame({
            "Weight now": [interval.current for interval in intervals],
            "Top kept from": [interval.top_kept[0] for interval in intervals],
            "Top kept to": [interval.top_kept[1] for interval in intervals],
            "Top lost below to": [self._taker(interval.top_lost_to[0]) for interval in intervals],
            "Top lost above to": [self._taker(interval.top_lost_to[1]) for interval in intervals],
            "Ranking kept from": [interval.ranking_kept[0] for interval in intervals],
            "Ranking kept to": [interval.ranking_kept[1] for interval in intervals],
            "Ranking broken below": [self._swap(interval.ranking_broken_by[0]) for interval in intervals],
            "Ranking broken above": [self._swap(interval.ranking_broken_by[1]) for interval in intervals],
        }, index=pd.Index([self.fit.criterion_names[criterion] for criterion in self.stability.intervals],
                          name="Criterion"))
        return reader_table(frame, {column: "fine share" for column in frame.columns
                                    if column.startswith(("Weight", "Top kept", "Ranking kept"))})

    def _taker(self, candidate: str | None) -> str | None:
        """Who takes the top beyond an end of its interval (None: nobody)."""
        return None if candidate is None else self._label(candidate)

    def _swap(self, pair: tuple[str, str] | None) -> str | None:
        """A pair that swaps beyond an end of the ranking interval, ``"B ahead of A"`` (None: none)."""
        return None if pair is None else f"{self._label(pair[1])} ahead of {self._label(pair[0])}"

    def acceptability_table(self) -> pd.DataFrame:
        """SMAA-2 per candidate: rank-1 and holistic acceptability, confidence, and Monte Carlo error.

        Returns
        -------
        pandas.DataFrame
            Indexed by candidate (name and id), the one ranking first most often first; shares as percentages,
            every cell a string. One row saying so when nothing was compared.
        """
        if len(self.candidates) < 2:
            return sentence_table(NOTHING_TO_COMPARE)
        result = self.smaa
        frame = pd.DataFrame({
            "Ranks first": result.rank_acceptability.iloc[:, 0],
            "In the top 3": result.rank_acceptability.iloc[:, :3].sum(axis=1),
            "Holistic": result.holistic_acceptability,
            "Confidence": result.confidence,
            "± s.e. of ranks first": result.standard_error.iloc[:, 0],
            "Recommendation": self.fit.candidates.loc[result.candidates, "recommendation"],
        }).sort_values(["Ranks first", "Holistic"], ascending=False)
        frame.index = pd.Index([self._label(candidate) for candidate in frame.index], name="Candidate")
        return reader_table(frame, {column: "share" for column in frame.columns if column != "Recommendation"})

    def weights_table(self) -> pd.DataFrame:
        """Where the weights come from: the weights used and what their order alone would imply.

        Returns
        -------
        pandas.DataFrame
            Indexed by criterion name: the weight used (normalised; the case's method, after any overrides)
            and the rank-order-centroid weight of the same order, as percentages; every cell a string.
        """
        frame = pd.DataFrame({
            f"Used ({self.weighting_method})": self.fit.weights,
            "Order only (rank-order centroid)": self.ordinal_weights,
        }, index=self.fit.weights.index)
        frame.index = pd.Index(frame.index.map(self.fit.criterion_names), name="Criterion")
        return reader_table(frame, dict.fromkeys(frame.columns, "fine share"))

    def to_json(self) -> dict:
        """The machine-readable result, as stored in ``results.json``.

        Returns
        -------
        dict
            ``stability``, ``min_change_to_flip_top``, ``rank_acceptability``, ``central_weights``,
            ``confidence`` and the other SMAA outputs, plus the settings of the run.
        """
        return {
            "candidates": self.candidates,
            "excluded": self.excluded,
            "aggregation": self.fit.aggregation,
            "weights": {criterion: float(weight) for criterion, weight in self.fit.weights.items()},
            "weight_uncertainty": self.weight_uncertainty,
            "weight_range": self.weight_range,
            "score_uncertainty": self.score_uncertainty,
            "seed": self.seed,
            "weighting_method": self.weighting_method,
            **self.stability.to_json(),
            **(self.smaa.to_json() if self.candidates else {
                "rank_acceptability": {}, "central_weights": {}, "confidence": {}, "holistic_acceptability": {},
                "pairwise_winning": {}, "max_standard_error": None, "n_samples": 0}),
        }


def evaluator_score_array(case: Case, candidates: list[str], criteria: list[str]) -> np.ndarray:
    """The evaluators' scores as an array (candidates × criteria × evaluators), NaN where none was given.

    Parameters
    ----------
    case : Case
        The case.
    candidates, criteria : list of str
        Row and column order.

    Returns
    -------
    numpy.ndarray
    """
    wide = case.scores.pivot_table(index=["candidate_id", "criterion_id"], columns="evaluator", values="score")
    full = pd.MultiIndex.from_product([candidates, criteria], names=["candidate_id", "criterion_id"])
    values = wide.reindex(full).to_numpy(dtype=float)
    return values.reshape(len(candidates), len(criteria), wide.shape[1])


def weight_sensitivity(
    case: Case,
    weights: Mapping[str, float] | None = None,
    aggregation: str | None = None,
    weight_uncertainty: str = "uniform",
    weight_range: float = 0.05,
    samples: int = 10_000,
    seed: int | None = None,
    score_uncertainty: bool = True,
    include_walk_aways: bool = False,
) -> SensitivityResult:
    """Run the weight-sensitivity analysis on a case.

    Parameters
    ----------
    case : Case
        A validated case.
    weights, aggregation
        As for :func:`alliance_analytics.partner_fit`: the current weights and method.
    weight_uncertainty : {"uniform", "ordinal", "interval"}
        The weight information SMAA uses.
    weight_range : float
        ± range around each normalised weight for ``interval``.
    samples : int
        SMAA samples.
    seed : int, optional
        Seed of the simulation; ``None`` or a negative number uses the case's ``simulation.seed``.
    score_uncertainty : bool
        Resample evaluators' scores in SMAA.
    include_walk_aways : bool
        Keep knocked-out candidates in the analysis.

    Returns
    -------
    SensitivityResult
        With fewer than two candidates in the running, a result whose headline and
        :meth:`~SensitivityResult.limitations` say that nothing could be compared (no SMAA sample is drawn
        when nobody is in the running).

    Raises
    ------
    InputError
        When a parameter does not fit the case; every problem is listed.
    """
    problems = parameter_problems(SensitivityParameters, {
        "weights": {} if weights is None else weights, "aggregation": aggregation or "",
        "weight_uncertainty": weight_uncertainty, "weight_range": weight_range, "samples": samples,
        "seed": -1 if seed is None else seed, "score_uncertainty": score_uncertainty,
        "include_walk_aways": include_walk_aways}, case)
    if problems:
        raise InputError("weight-sensitivity parameters", problems)
    fit = partner_fit(case, weights=weights, aggregation=aggregation)
    ranked = fit.candidates.sort_values(["rank", "name"])
    in_running = ranked.index[(ranked["recommendation"] != "walk away") | include_walk_aways].tolist()
    criteria = list(fit.weights.index)
    scores = fit.aggregated.loc[in_running, criteria]
    seed = case.settings.simulation.seed if seed is None or seed < 0 else seed
    order = np.argsort(-fit.weights.to_numpy(), kind="stable")
    samplers = {
        "uniform": lambda rng, n: sample_uniform_weights(rng, n, len(criteria)),
        "ordinal": lambda rng, n: sample_ordinal_weights(rng, n, order),
        "interval": lambda rng, n: sample_interval_weights(
            rng, n, np.clip(fit.weights.to_numpy() - weight_range, 0, 1),
            np.clip(fit.weights.to_numpy() + weight_range, 0, 1), fit.weights.to_numpy()),
    }
    evaluator_scores = evaluator_score_array(case, in_running, criteria)
    score_sampler = None
    if score_uncertainty:
        def score_sampler(rng: np.random.Generator, n: int) -> np.ndarray:
            """Bootstrap-resampled evaluator scores, aggregated with the analysis's method."""
            return resample_scores(rng, evaluator_scores, n, fit.aggregation)
    simulation = (smaa(scores.to_numpy(), samplers[weight_uncertainty], samples, seed, in_running, criteria,
                       score_sampler=score_sampler) if in_running else _no_smaa(criteria))
    return SensitivityResult(
        fit=fit,
        candidates=in_running,
        excluded=[candidate for candidate in ranked.index if candidate not in in_running],
        stability=(stability_intervals(scores, fit.weights) if in_running
                   else StabilityResult(top=None, intervals={}, min_change_to_flip_top=None, min_change_detail=None)),
        sweeps={criterion: weight_sweep(scores, fit.weights, criterion) for criterion in criteria},
        smaa=simulation,
        weight_uncertainty=weight_uncertainty,
        weight_range=float(weight_range),
        score_uncertainty=score_uncertainty,
        seed=int(seed),
        ordinal_weights=rank_order_centroid([criteria[i] for i in order])[criteria],
        weighting_method=case.criterion_weights.method,
    )


def _no_smaa(criteria: list[str]) -> SMAAResult:
    """The SMAA result of no candidate: every table empty, no sample drawn."""
    candidates = pd.Index([], dtype=str, name="candidate")
    return SMAAResult(
        candidates=[], criteria=criteria, n_samples=0,
        rank_acceptability=pd.DataFrame(index=candidates, dtype=float),
        holistic_acceptability=pd.Series(index=candidates, dtype=float, name="holistic_acceptability"),
        central_weights=pd.DataFrame(index=candidates, columns=pd.Index(criteria, name="criterion"), dtype=float),
        confidence=pd.Series(index=candidates, dtype=float, name="confidence"),
        pairwise_winning=pd.DataFrame(index=candidates, columns=pd.Index([], dtype=str, name="versus"), dtype=float),
        standard_error=pd.DataFrame(index=candidates, dtype=float),
    )


class SensitivityParameters(PartnerFitParameters):
    """The weight-sensitivity analysis's parameters (the ``parameters`` cell of ``02_weight_sensitivity``).

    Attributes
    ----------
    weights, aggregation
        As :class:`~alliance_analytics.fit.analysis.PartnerFitParameters`.
    weight_uncertainty : {"uniform", "ordinal", "interval"}
        SMAA's weight information.
    weight_range : float
        For ``interval``: how far each normalised weight may move either way, in (0, 1].
    samples : int
        SMAA samples, 100 to 10,000,000.
    seed : int
        Seed of the SMAA sampling; -1 uses the case's ``simulation.seed``.
    score_uncertainty : bool
        Resample evaluators' scores in SMAA.
    include_walk_aways : bool
        Keep knocked-out candidates in the analysis.
    """

    weight_uncertainty: WeightUncertainty = "uniform"
    weight_range: Annotated[Number, Field(gt=0, le=1)] = 0.05
    samples: Annotated[WholeNumber, Field(ge=100, le=10_000_000)] = 20_000
    seed: Annotated[WholeNumber, Field(ge=-1)] = -1
    score_uncertainty: bool = True
    include_walk_aways: bool = False


def analyse_weight_sensitivity(case: Case, parameters: SensitivityParameters = SensitivityParameters(),
                               ) -> SensitivityResult:
    """Run the weight-sensitivity analysis on a case, once per run (see :mod:`alliance_analytics.core.cache`).

    Parameters
    ----------
    case : Case
        A validated case.
    parameters : SensitivityParameters
        The analysis's parameters.

    Returns
    -------
    SensitivityResult
        As :func:`weight_sensitivity`, carrying ``parameters``.

    Raises
    ------
    InputError
        When a parameter does not fit the case.
    """
    def compute() -> SensitivityResult:
        result = weight_sensitivity(
            case, weights=parameters.weights, aggregation=parameters.aggregation or None,
            weight_uncertainty=parameters.weight_uncertainty, weight_range=parameters.weight_range,
            samples=parameters.samples, seed=None if parameters.seed < 0 else parameters.seed,
            score_uncertainty=parameters.score_uncertainty, include_walk_aways=parameters.include_walk_aways)
        return dataclasses.replace(result, parameters=parameters)
    return cached("weight_sensitivity", case.file_hashes, parameters.as_json(), compute)
