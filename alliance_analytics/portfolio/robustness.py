"""How robust the optimal portfolio is: re-solve under resampled scenarios and criterion weights.

Each sample bootstrap-resamples the scenario matrix (rows drawn with replacement, so expected NPVs and the
risk limits move as they would with another set of simulated futures) and, when the objective uses the fit
score, draws criterion weights uniformly among those that keep the case's order of importance (SMAA's
ordinal weights). The share of re-solved optimal portfolios that include a candidate is its *inclusion
frequency*. This is not RPM's core index, which is the share of *non-dominated* portfolios containing a
project; the report labels it accordingly, though ``results.json`` keeps the key ``core_index``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from alliance_analytics.portfolio.explain import SolveOptions
from alliance_analytics.portfolio.problem import PortfolioProblem
from alliance_analytics.sensitivity.smaa import sample_ordinal_weights

CORE_SHARE = 0.9
"""Included in at least this share of re-solved portfolios: core."""
EXTERIOR_SHARE = 0.1
"""Included in at most this share: exterior; between the two: borderline."""


@dataclass(frozen=True)
class Robustness:
    """Inclusion frequencies over re-solved portfolios.

    Attributes
    ----------
    frequency : pandas.Series
        Candidate id → share of samples whose optimal portfolio includes it.
    samples : int
        Samples with a portfolio found.
    failed : int
        Samples in which no portfolio met the limits.
    resampled : str
        What was resampled, in words.
    """

    frequency: pd.Series
    samples: int
    failed: int
    resampled: str

    def table(self, names: pd.Series) -> pd.DataFrame:
        """Candidates by inclusion frequency with their class (core, borderline, exterior)."""
        table = pd.DataFrame({"name": names.reindex(self.frequency.index), "inclusion frequency": self.frequency})
        table["class"] = np.select([self.frequency >= CORE_SHARE, self.frequency <= EXTERIOR_SHARE],
                                   ["core", "exterior"], "borderline")
        return table.sort_values("inclusion frequency", ascending=False, kind="stable")


def inclusion_frequency(problem: PortfolioProblem, value_of: Callable[[np.ndarray, np.ndarray], np.ndarray],
                        criterion_scores: np.ndarray | None, weights: np.ndarray | None, samples: int, seed: int,
                        options: SolveOptions) -> Robustness:
    """Re-solve the problem under resampled scenarios (and weights) and count how often each candidate is in.

    Parameters
    ----------
    problem : PortfolioProblem
        The problem.
    value_of : callable
        ``value_of(expected_npv, fit)`` → objective coefficient per candidate (e.g.
        :func:`alliance_analytics.portfolio.from_case.objective_values` with the settings bound).
    criterion_scores : numpy.ndarray or None
        Candidates × criteria aggregated scores; with ``weights``, the fit score is re-weighted per sample.
        None keeps the fit scores fixed.
    weights : numpy.ndarray or None
        The case's criterion weights (their order of importance is kept by the sampled weights).
    samples : int
        Number of re-solves.
    seed : int
        Seed of the resampling.
    options : SolveOptions
        Solver options.

    Returns
    -------
    Robustness
        Inclusion frequency per candidate.
    """
    rng = np.random.default_rng(seed)
    rows = rng.integers(0, problem.scenarios.shape[0], size=(samples, problem.scenarios.shape[0]))
    reweight = criterion_scores is not None and weights is not None
    if reweight:
        order = np.argsort(-np.asarray(weights), kind="stable")
        sampled_weights = sample_ordinal_weights(rng, samples, order)
        fits = sampled_weights @ np.asarray(criterion_scores).T
    counts = np.zeros(problem.size)
    found = 0
    for sample in range(samples):
        scenarios = problem.scenarios[rows[sample]]
        expected = scenarios.mean(axis=0)
        fit = fits[sample] if reweight else problem.fit
        trial = dataclasses.replace(problem, scenarios=scenarios, expected_npv=expected, fit=fit,
                                    value=value_of(expected, fit))
        solution = options.solve(trial)
        if solution.found:
            counts += solution.selection
            found += 1
    frequency = pd.Series(counts / max(found, 1), index=problem.candidates, name="inclusion frequency")
    resampled = "bootstrap-resampled scenarios"
    if reweight:
        resampled += " and criterion weights drawn in the case's order of importance (SMAA ordinal weights)"
    return Robustness(frequency, found, samples - found, resampled)
