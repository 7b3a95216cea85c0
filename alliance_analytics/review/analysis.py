"""The options of every alliance in flight under review, and whether to decide now or wait one review.

:func:`analyse_alliance_options` values each reviewed alliance's options (:mod:`~alliance_analytics.review.options`)
on the risk simulation's iterations, after the thesis check's re-forecast where the alliance has actuals, and
compares deciding now with deciding at the next review by least-squares Monte Carlo
(:func:`~alliance_analytics.review.lsm.value_of_waiting`). The portfolio optimisation chooses one option per
alliance among these values, under the programme's limits; the portfolio review report puts both together.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from alliance_analytics.case.case import Case
from alliance_analytics.core.cache import cached
from alliance_analytics.review.lsm import WaitingValue, value_of_waiting
from alliance_analytics.review.options import AllianceOptions, value_options
from alliance_analytics.risk.analysis import SimulationParameters
from alliance_analytics.risk.measures import cvar
from alliance_analytics.thesis.analysis import ThesisParameters, analyse_thesis_check

WAIT_SHARE = 0.05
"""Waiting for the next review is advised only when its actuals would change the decision on at least this share
of the simulated futures (below it, the value of waiting is the time value of deferring the option's money)."""
WAIT_STANDARD_ERRORS = 2.0
"""…and when the value of waiting exceeds this many Monte Carlo standard errors."""


@dataclass(frozen=True)
class AllianceReview:
    """One alliance in flight's options and the value of waiting one review.

    Attributes
    ----------
    options : AllianceOptions
        The options valued on the same futures.
    waiting : WaitingValue or None
        Deciding now against deciding at the next review; None when no actuals measure the alliance (the next
        review would learn nothing this model can use).
    cvar_level : float
        Tail share of the CVaR shown per option.
    """

    options: AllianceOptions
    waiting: WaitingValue | None
    cvar_level: float = 0.05

    @property
    def expected(self) -> np.ndarray:
        """Expected NPV from today of each option (``K``)."""
        return self.options.npv.mean(axis=0)

    @property
    def loss_probability(self) -> np.ndarray:
        """Chance of losing money (NPV from today below 0) of each option (``K``)."""
        return (self.options.npv < 0).mean(axis=0)

    @property
    def cvar(self) -> np.ndarray:
        """CVaR of each option's NPV from today at :attr:`cvar_level` (``K``)."""
        return cvar(self.options.npv.T, self.cvar_level)

    @property
    def best(self) -> str:
        """The option with the highest expected NPV, on its own (the status quo on ties)."""
        return self.options.options[int(np.argmax(self.expected))]

    @property
    def gain(self) -> float:
        """What changing to :attr:`best` adds to the expected NPV of continuing (0 when continuing is best)."""
        return float(self.expected.max() - self.expected[0])

    @property
    def changes_decision(self) -> float:
        """Share of futures on which the next review's actuals would lead to another option than today's best."""
        if self.waiting is None:
            return 0.0
        return float(1.0 - self.waiting.choice_shares[self.waiting.best_now])

    @property
    def wait(self) -> bool:
        """Waiting for the next review is advised (see :data:`WAIT_SHARE` and :data:`WAIT_STANDARD_ERRORS`)."""
        return bool(self.waiting is not None and self.changes_decision >= WAIT_SHARE
                    and self.waiting.flexibility > WAIT_STANDARD_ERRORS * self.waiting.standard_error)


@dataclass(frozen=True)
class AllianceOptionsResult:
    """Every reviewed alliance's options, in ``review.csv`` order.

    Attributes
    ----------
    reviews : dict of str to AllianceReview
        By alliance id.
    next_review_months : int
        Months until the next review.
    not_reviewed : list of str
        Alliances in flight without a row in ``review.csv`` (they carry on as they are).
    parameters : SimulationParameters or None
        The simulation parameters used.
    """

    reviews: dict[str, AllianceReview]
    next_review_months: int
    not_reviewed: list[str]
    parameters: SimulationParameters | None = None

    @property
    def options(self) -> list[AllianceOptions]:
        """The alliances' options, for the portfolio optimisation."""
        return [review.options for review in self.reviews.values()]


def alliance_options(case: Case, parameters: SimulationParameters) -> AllianceOptionsResult:
    """Value every reviewed alliance's options and the value of waiting one review.

    Parameters
    ----------
    case : Case
        A validated case (an empty result when it has no ``review.csv``).
    parameters : SimulationParameters
        Iterations, seed and sampling (-1 / empty: the case's), as the risk simulation uses them: the rows line up
        with its scenarios, and the thesis check's re-forecast is the one its report shows.

    Returns
    -------
    AllianceOptionsResult
    """
    settings = case.settings.simulation
    iterations = parameters.iterations if parameters.iterations > 0 else settings.iterations
    seed = parameters.seed if parameters.seed >= 0 else settings.seed
    sampling = parameters.sampling or settings.sampling
    thesis = (analyse_thesis_check(case, parameters.subset(ThesisParameters))
              if case.has_actuals and case.has_review else None)
    reviews = {}
    level = case.settings.portfolio.risk_limit.cvar_level
    for alliance in case.review_tables["review.csv"]["alliance_id"]:
        update = thesis.updates.get(alliance) if thesis is not None else None
        options = value_options(case, alliance, iterations, seed, sampling,
                                None if update is None else update.posterior_draws)
        waiting = (value_of_waiting(options.npv, options.later, options.signal)
                   if options.signal.shape[1] else None)
        reviews[alliance] = AllianceReview(options, waiting, level)
    reviewed = set(reviews)
    return AllianceOptionsResult(reviews, case.settings.review.next_review_months,
                                 [alliance for alliance in case.alliances.index if alliance not in reviewed],
                                 parameters)


def analyse_alliance_options(case: Case, parameters: SimulationParameters = SimulationParameters()
                             ) -> AllianceOptionsResult:
    """:func:`alliance_options`, once per run (cached by the case's files and the parameters).

    Parameters
    ----------
    case : Case
        A validated case.
    parameters : SimulationParameters
        Iterations, seed and sampling (-1 / empty: the case's); fields of other analyses are ignored.

    Returns
    -------
    AllianceOptionsResult
    """
    parameters = parameters.subset(SimulationParameters)
    return cached("alliance_options", case.file_hashes, parameters.as_json(),
                  lambda: alliance_options(case, parameters))
