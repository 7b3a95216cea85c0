"""Weight sensitivity: would the ranking survive other reasonable weights and scores?

:func:`weight_sensitivity` answers it exactly (stability intervals and one-at-a-time sweeps, from
:mod:`alliance_analytics.sensitivity.stability`) and by simulation (SMAA-2, from :mod:`alliance_analytics.sensitivity.smaa`), over
the candidates still in the running after the partner-fit knock-outs (walk-aways are left out, since no
weight brings them back; ``include_walk_aways`` keeps them).

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
from alliance_analytics.core.parameters import Number, WholeNumber, parameter_problems
from alliance_analytics.core.problems import InputError, Problem
from alliance_analytics.fit.analysis import PartnerFitParameters, PartnerFitResult, partner_fit
from alliance_analytics.sensitivity.smaa import (
    SMAAResult,
    resample_scores,
    sample_interval_weights,
    sample_ordinal_weights,
    sample_uniform_weights,
    smaa,
)
from alliance_analytics.sensitivity.stability import StabilityResult, Sweep, stability_intervals, weight_sweep


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
        Exact stability intervals per criterion.
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

    def headline(self) -> list[str]:
        """A few plain sentences summing up the robustness of the choice.

        Returns
        -------
        list of str
        """
        top = self.stability.top
        names = self.fit.candidates["name"]
        first = self.smaa.rank_acceptability.iloc[:, 0].sort_values(ascending=False)
        lines = [f"current top: {top} ({names[top]}); it ranks first in {first.get(top, 0.0):.0%} of "
                 f"{self.weight_uncertainty} weight samples"]
        favourite = first.index[0]
        if favourite != top:
            lines.append(f"{favourite} ({names[favourite]}) ranks first more often: {first.iloc[0]:.0%}")
        change = self.stability.min_change_to_flip_top
        if change is None:
            lines.append("no change of a single weight makes another candidate top")
        else:
            detail = self.stability.min_change_detail
            lines.append(f"smallest single-weight change that changes the top: {detail['criterion']} from "
                         f"{detail['from']:.3f} to {detail['to']:.3f} ({change:.3f}), {detail['new_top']} takes over")
        contenders = [candidate for candidate, share in first.items() if share >= 0.05 and candidate != top]
        if contenders:
            lines.append(f"other contenders for first place: {', '.join(contenders)}")
        return lines

    def acceptability_table(self) -> pd.DataFrame:
        """SMAA-2 per candidate: rank-1 and holistic acceptability, confidence, and Monte Carlo error.

        Returns
        -------
        pandas.DataFrame
            Indexed by candidate id, best first-rank acceptability first; shares as percentages.
        """
        result = self.smaa
        table = pd.DataFrame({
            "Candidate": self.fit.candidates.loc[result.candidates, "name"],
            "Rank 1 (%)": 100 * result.rank_acceptability.iloc[:, 0],
            "Top 3 (%)": 100 * result.rank_acceptability.iloc[:, :3].sum(axis=1),
            "Holistic (%)": 100 * result.holistic_acceptability,
            "Confidence (%)": 100 * result.confidence,
            "± s.e. rank 1 (%)": 100 * result.standard_error.iloc[:, 0],
        })
        return table.sort_values(["Rank 1 (%)", "Holistic (%)"], ascending=False).round(1).rename_axis("ID")

    def weights_table(self) -> pd.DataFrame:
        """Where the weights come from: the weights used and what their order alone would imply.

        Returns
        -------
        pandas.DataFrame
            Per criterion: name, weight used (normalised; the case's method, after any overrides) and the
            rank-order-centroid weight of the same order.
        """
        return pd.DataFrame({
            "Criterion": pd.Series(self.fit.criterion_names),
            f"Used ({self.weighting_method})": self.fit.weights.round(3),
            "Order only (rank-order centroid)": self.ordinal_weights.round(3),
        }, index=self.fit.weights.index).rename_axis("ID")

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
            **self.smaa.to_json(),
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
    if len(in_running) < 2:
        raise InputError("weight-sensitivity analysis", [Problem(
            "case", f"needs at least two candidates in the running, found {len(in_running)}; set "
            "include_walk_aways to analyse knocked-out candidates too")])
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
    simulation = smaa(scores.to_numpy(), samplers[weight_uncertainty], samples, seed, in_running, criteria,
                      score_sampler=score_sampler)
    return SensitivityResult(
        fit=fit,
        candidates=in_running,
        excluded=[candidate for candidate in ranked.index if candidate not in in_running],
        stability=stability_intervals(scores, fit.weights),
        sweeps={criterion: weight_sweep(scores, fit.weights, criterion) for criterion in criteria},
        smaa=simulation,
        weight_uncertainty=weight_uncertainty,
        weight_range=float(weight_range),
        score_uncertainty=score_uncertainty,
        seed=int(seed),
        ordinal_weights=rank_order_centroid([criteria[i] for i in order])[criteria],
        weighting_method=case.criterion_weights.method,
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
        When a parameter does not fit the case, or fewer than two candidates are in the running.
    """
    def compute() -> SensitivityResult:
        result = weight_sensitivity(
            case, weights=parameters.weights, aggregation=parameters.aggregation or None,
            weight_uncertainty=parameters.weight_uncertainty, weight_range=parameters.weight_range,
            samples=parameters.samples, seed=None if parameters.seed < 0 else parameters.seed,
            score_uncertainty=parameters.score_uncertainty, include_walk_aways=parameters.include_walk_aways)
        return dataclasses.replace(result, parameters=parameters)
    return cached("weight_sensitivity", case.file_hashes, parameters.as_json(), compute)
