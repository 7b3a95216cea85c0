"""The thesis check: did the first months' actuals confirm each alliance's value thesis, and what is a pilot worth?

For every alliance (or proposed candidate) with rows in ``actuals.csv``, each observed assumption is updated
from its prior in ``assumptions.csv``: in closed form when the pair is conjugate and the assumption is not
rank-correlated with another (:mod:`~alliance_analytics.thesis.conjugate`; the prior draws are mapped onto the
posterior through their ranks, so the draws of the other assumptions keep their pairing), otherwise by
importance resampling of the simulation's own draws (:mod:`~alliance_analytics.thesis.importance`). The
alliance's cash-flow model then runs on the updated draws with the same risk-event draws, so "then" and "now"
differ only by what the actuals say. An alliance in flight is valued at its start date (its business case as
made); a proposed candidate at ``as_of``, exactly as the risk simulation values it.

The verdict per alliance follows the thresholds of ``thesis:`` in ``case.yaml``: broken when losing money is
now at least ``broken_loss`` likely; weakened when an observed assumption is now less than ``weakened_below``
likely to be as good as planned (its P50) or the chance of a loss rose by ``loss_increase``; confirmed otherwise.

For every pilot in ``pilots.csv``, the expected value of sample information of each pilot size, its cost, and
the size with the largest expected net benefit (:mod:`~alliance_analytics.thesis.evsi`), on the risk
simulation's own draws, so that EVSI is valued against the EVPPI the risk report shows.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats._distn_infrastructure import rv_continuous_frozen

from alliance_analytics.case.case import Case
from alliance_analytics.case.distributions import beta_alpha_beta, frozen, gamma_shape_rate
from alliance_analytics.case.model import LOWER_IS_BETTER, SHARE_QUANTITIES, Thesis
from alliance_analytics.case.vocabulary import PARAMETER_COLUMNS
from alliance_analytics.core.cache import cached
from alliance_analytics.core.formatting import (
    MoneyUnit,
    candidate_label,
    counted,
    format_count,
    format_money,
    format_month,
    format_number,
    format_share,
    markdown_text,
    money_unit,
    reader_table,
    sentence,
    sentence_table,
)
from alliance_analytics.core.problems import InputError, Problem
from alliance_analytics.risk.analysis import SimulationParameters, simulate_thesis
from alliance_analytics.risk.engine import clipped_to_range
from alliance_analytics.risk.plan import stream_position
from alliance_analytics.risk.value_of_information import conditional_means, evpi, evppi, npv_summary
from alliance_analytics.thesis.conjugate import beta_binomial, gamma_poisson, normal_normal
from alliance_analytics.thesis.evsi import pilot_plan
from alliance_analytics.thesis.importance import (
    effective_sample_size,
    log_likelihood,
    normalised_weights,
    systematic_resample,
)

VERDICTS: dict[str, str] = {
    "confirmed": "thesis confirmed",
    "weakened": "thesis weakened: re-plan",
    "broken": "thesis broken: review the alliance",
}
"""The verdict codes and their words for an alliance in flight, mildest first."""
PROPOSED_VERDICTS: dict[str, str] = {**VERDICTS, "broken": "thesis broken: reconsider before committing"}
"""The verdicts' words for a proposed candidate whose pilot reported actuals."""
MOST_REASONS = 3
"""Most assumptions a verdict's reasons name."""
MONEY_QUANTITIES = ("revenue_uplift", "cost_savings", "investment", "running_cost")
"""Quantities that are amounts of money (per year, or one-off for the investment)."""
RESAMPLING_STREAM = 7
"""The spawn key that separates the resampling's random stream from the simulation's."""


class ThesisParameters(SimulationParameters):
    """The thesis check's parameters (the ``parameters`` cell of ``07_thesis_check``): the risk simulation's.

    The check reuses the simulation's draws (iterations, seed and sampling), so that a proposed candidate's
    "then" is the risk report's distribution and a pilot's EVSI is valued against the EVPPI it shows.
    """


@dataclass(frozen=True)
class ThesisUpdate:
    """One alliance's value thesis before and after its actuals.

    Attributes
    ----------
    owner : str
        Alliance (or proposed candidate) id.
    name : str
        Its name.
    in_flight : bool
        An alliance in flight (valued at its start date) rather than a proposed candidate (valued at ``as_of``).
    npv_then, npv_now : numpy.ndarray
        NPV per draw before and after the actuals, shape ``(iterations,)``.
    payback_then, payback_now : numpy.ndarray
        Payback year per draw (NaN: not within the horizon), shape ``(iterations,)``.
    assumptions : pandas.DataFrame
        One row per observed assumption (index: assumption id): quantity, unit, description, evidence,
        method, observations, first and last month, planned value (the prior's P50), prior and posterior mean,
        P10 and P90, and ``support`` (the posterior chance it is at least as good as planned).
    prior_draws, posterior_draws : pandas.DataFrame
        Draws × every assumption of the alliance, before and after (an unobserved assumption moves when it is
        rank-correlated with an observed one).
    ess : float or None
        Effective sample size of the importance weights; None when every update was conjugate.
    """

    owner: str
    name: str
    in_flight: bool
    npv_then: np.ndarray
    npv_now: np.ndarray
    payback_then: np.ndarray
    payback_now: np.ndarray
    assumptions: pd.DataFrame
    prior_draws: pd.DataFrame
    posterior_draws: pd.DataFrame
    ess: float | None

    @functools.cached_property
    def then(self) -> dict[str, float]:
        """NPV summary before the actuals (:func:`npv_summary`)."""
        return npv_summary(self.npv_then)

    @functools.cached_property
    def now(self) -> dict[str, float]:
        """NPV summary after the actuals."""
        return npv_summary(self.npv_now)


@dataclass(frozen=True)
class Verdict:
    """One alliance's verdict: a code of :data:`VERDICTS`, the assumptions that moved it and why, in words.

    Attributes
    ----------
    code : str
        ``confirmed``, ``weakened`` or ``broken``.
    words : str
        The verdict in words (:data:`VERDICTS`, or :data:`PROPOSED_VERDICTS` for a proposed candidate).
    moved : list of str
        Assumption ids that moved the verdict, most telling first: every one now unlikely to be as good as
        planned (weakened, broken), or the best-supported ones (confirmed); at most :data:`MOST_REASONS`.
    reasons : str
        Why, in sentences: each assumption of ``moved`` (observed, now expected, planned) and the chance of a loss;
        and a warning when the re-forecast rests on few effective draws.
    reliable : bool
        False when the importance weights' effective sample size is below ``thesis.min_ess_share``.
    """

    code: str
    words: str
    moved: list[str]
    reasons: str
    reliable: bool = True


@dataclass(frozen=True)
class PilotValue:
    """What a pilot of one proposed candidate's assumption is worth, by size.

    Attributes
    ----------
    candidate, assumption : str
        Ids.
    unit : str
        What one unit of the pilot is (``pilots.csv``).
    evppi, evpi : float
        The risk simulation's value of knowing the assumption exactly, and the whole outcome.
    plan : pandas.DataFrame
        By pilot size ``n``: ``evsi``, ``cost``, ``enbs`` (:func:`~alliance_analytics.thesis.evsi.pilot_plan`).
    """

    candidate: str
    assumption: str
    unit: str
    evppi: float
    evpi: float
    plan: pd.DataFrame

    @property
    def best_size(self) -> int | None:
        """The size with the largest expected net benefit; None when no pilot is worth its cost."""
        enbs = self.plan["enbs"]
        return int(enbs.idxmax()) if enbs.max() > 0 else None

    @property
    def shown_size(self) -> int:
        """The size every report shows: the best one, or the largest considered when none pays."""
        return self.best_size if self.best_size is not None else int(self.plan.index[-1])


@dataclass(frozen=True)
class ThesisResult:
    """The thesis check of a case.

    Attributes
    ----------
    currency : str
        Currency of every amount.
    names : pandas.Series
        Name by id (candidates and alliances).
    updates : dict of str to ThesisUpdate
        Per alliance with actuals, most severe verdict first (then in ``candidates.csv`` order).
    verdicts : dict of str to Verdict
        Same keys, same order.
    pilots : list of PilotValue
        One per ``pilots.csv`` row.
    descriptions : pandas.Series
        Assumption descriptions by (owner, assumption id).
    min_ess_share : float
        ``thesis.min_ess_share``.
    parameters : ThesisParameters or None
        As run.
    """

    currency: str
    names: pd.Series
    updates: dict[str, ThesisUpdate]
    verdicts: dict[str, Verdict]
    pilots: list[PilotValue]
    descriptions: pd.Series
    min_ess_share: float
    parameters: ThesisParameters | None = None

    def _label(self, owner: str) -> str:
        """Name and id."""
        return candidate_label(owner, self.names[owner])

    def headline(self) -> list[str]:
        """The decision in plain sentences: one verdict per alliance with actuals (most severe first), then the pilots.

        Returns
        -------
        list of str
            Sentences; a single sentence when there is nothing to check.
        """
        return [f"{lead} {rest}" for lead, rest in self._headline_parts()]

    def summary_markdown(self) -> str:
        """The decision for the report's first screen (Markdown): one item per verdict and pilot, its lead in bold.

        Returns
        -------
        str
        """
        return "\n".join(f"- **{markdown_text(lead)}** {markdown_text(rest)}" for lead, rest in self._headline_parts())

    def _headline_parts(self) -> list[tuple[str, str]]:
        """Each line of the headline as (lead, the rest)."""
        if not self.updates and not self.pilots:
            return [("Nothing to check yet.", "Add actuals.csv to check a value thesis against the first months, or "
                     "pilots.csv to size a pilot before committing.")]
        parts = [(f"{self.names[owner]}: {verdict.words}.", verdict.reasons) for owner, verdict in self.verdicts.items()]
        if not self.updates:
            parts.append(("No actuals yet.", "Add actuals.csv once the first months report."))
        return parts + [self._pilot_parts(pilot) for pilot in self.pilots]

    def _pilot_parts(self, pilot: PilotValue) -> tuple[str, str]:
        """A pilot as (lead, the rest): the size to run and its net worth, or that none pays."""
        what = f"\u201c{self.descriptions[(pilot.candidate, pilot.assumption)]}\u201d"
        row = pilot.plan.loc[pilot.shown_size]
        money = functools.partial(format_money, currency=self.currency)
        if pilot.best_size is None:
            return (f"{self.names[pilot.candidate]}: no pilot pays for itself.",
                    f"Testing {what} with up to {counted(pilot.shown_size, pilot.unit)} would add at most "
                    f"{money(row['evsi'])} for a cost of {money(row['cost'])}; decide without one.")
        return (f"{self.names[pilot.candidate]}: run a pilot of {counted(pilot.shown_size, pilot.unit)}.",
                f"It tests {what}; it is worth {money(row['evsi'])} before it runs and costs {money(row['cost'])}, "
                f"a net {money(row['enbs'])} (knowing it exactly would be worth {money(pilot.evppi)}).")

    def pilot_money_unit(self) -> MoneyUnit:
        """The one money unit of the pilots' table and chart: that of every amount the table shows.

        Returns
        -------
        MoneyUnit
        """
        return money_unit([value for pilot in self.pilots for value in
                           (pilot.evppi, *pilot.plan.loc[pilot.shown_size, ["evsi", "cost", "enbs"]])], self.currency)

    def pilot_for(self, candidate: str, assumption: str) -> PilotValue | None:
        """The pilot of one assumption, if ``pilots.csv`` costs one.

        Parameters
        ----------
        candidate, assumption : str
            Ids.

        Returns
        -------
        PilotValue or None
        """
        return next((pilot for pilot in self.pilots
                     if (pilot.candidate, pilot.assumption) == (candidate, assumption)), None)

    def in_doubt(self) -> list[tuple[str, str, str, bool]]:
        """The value theses the actuals weaken or break, most severe first.

        Returns
        -------
        list of (str, str, str, bool)
            ``(id, verdict code, verdict in words, reliable)``.
        """
        return [(owner, verdict.code, verdict.words, verdict.reliable) for owner, verdict in self.verdicts.items()
                if verdict.code != "confirmed"]

    def limitations(self) -> list[str]:
        """What a reader should know before relying on the re-forecast.

        Returns
        -------
        list of str
            Plain sentences.
        """
        if not self.updates and not self.pilots:
            return ["Nothing was checked, so there is nothing to qualify"]
        lines = ["Actuals move only the assumptions they observe (and, through the rank correlations, those "
                 "correlated with them); every other assumption and the risk register stay as in the business case"
                 ] if self.updates else []
        for owner, update in self.updates.items():
            if update.ess is not None and update.ess < self.min_ess_share * len(update.npv_then):
                lines.append(f"The re-forecast of {self._label(owner)} rests on few draws (effective sample size "
                             f"{format_count(update.ess)} of {format_count(len(update.npv_then))}): the actuals "
                             "are far from what its assumptions allowed; widen them or run more iterations")
        if any(update.in_flight for update in self.updates.values()):
            lines.append("An alliance in flight is valued at its start date, as its business case was made, so "
                         "then and now compare the same plan before and after the actuals")
        if self.pilots:
            lines.append("A pilot's value assumes the decision waits for it and that it observes the assumption "
                         "without bias; it is valued on the risk simulation's draws, grouped as for the EVPPI")
        lines += [f"The pilot of {self.descriptions[(pilot.candidate, pilot.assumption)]} "
                  f"({self._label(pilot.candidate)}) is valued on the business case as made: its actuals are not in "
                  "it; update assumptions.csv and re-run to size a further pilot"
                  for pilot in self.pilots if pilot.candidate in self.updates
                  and pilot.assumption in self.updates[pilot.candidate].assumptions.index]
        return lines

    def then_now_table(self) -> pd.DataFrame:
        """Then versus now per alliance: mean NPV, P10, P90, chance of a loss, worst 5 % and payback.

        Returns
        -------
        pandas.DataFrame
            Indexed by alliance (name and id) and "Then"/"Now"; every cell a string.
        """
        if not self.updates:
            return sentence_table("No alliance has actuals yet, so there is nothing to compare")
        rows = []
        for owner, update in self.updates.items():
            for when, summary, payback in (("Then", update.then, update.payback_then),
                                           ("Now", update.now, update.payback_now)):
                rows.append({"Alliance": self._label(owner), "": when, "Expected NPV": summary["mean"],
                             "P10": summary["p10"], "P90": summary["p90"], "Chance of a loss": summary["prob_loss"],
                             "Worst 5 % on average": summary["cvar_5"], "Median payback": _median_year(payback)})
        frame = pd.DataFrame(rows).set_index(["Alliance", ""])
        return reader_table(frame, {"Expected NPV": "money", "P10": "money", "P90": "money",
                                    "Chance of a loss": "share", "Worst 5 % on average": "money"}, self.currency)

    def verdict_table(self) -> pd.DataFrame:
        """The verdict per alliance and its reason.

        Returns
        -------
        pandas.DataFrame
            Indexed by alliance (name and id): verdict and reason; every cell a string.
        """
        if not self.verdicts:
            return sentence_table("No alliance has actuals yet, so there is no verdict")
        return pd.DataFrame({"Verdict": [verdict.words for verdict in self.verdicts.values()],
                             "Why": [verdict.reasons for verdict in self.verdicts.values()]},
                            index=pd.Index([self._label(owner) for owner in self.verdicts], name="Alliance"))

    def assumption_table(self) -> pd.DataFrame:
        """Each observed assumption before and after its actuals.

        Returns
        -------
        pandas.DataFrame
            Indexed by alliance and assumption (description): actuals, planned value, before and after (mean
            with P10–P90), the chance it is as good as planned, and how it was updated; every cell a string.
        """
        if not self.updates:
            return sentence_table("No assumption has actuals yet")
        rows = []
        for owner, update in self.updates.items():
            for assumption, row in update.assumptions.iterrows():
                around = functools.partial(_range_text, row["quantity"], row["unit"], currency=self.currency)
                rows.append({
                    "Alliance": self.names[owner], "Assumption": row["description"] or assumption,
                    "Actuals": f"{row['observed_text']} ({_months_text(row['first'], row['last'])})",
                    "Planned (P50)": _value_text(row["quantity"], row["unit"], row["planned"], self.currency),
                    "Before: mean (P10 to P90)": around(row["prior_mean"], row["prior_p10"], row["prior_p90"]),
                    "After: mean (P10 to P90)": around(row["posterior_mean"], row["posterior_p10"],
                                                       row["posterior_p90"]),
                    "Chance as good as planned": row["support"], "Updated by": row["method"]})
        frame = pd.DataFrame(rows).set_index(["Alliance", "Assumption"])
        return reader_table(frame, {"Chance as good as planned": "share"})

    def pilot_table(self) -> pd.DataFrame:
        """Every costed pilot: the value of knowing the assumption, the best size and its value and cost.

        Returns
        -------
        pandas.DataFrame
            Indexed by candidate and assumption; every cell a string.
        """
        if not self.pilots:
            return sentence_table("No pilot is costed in this case (pilots.csv)")
        rows = []
        for pilot in self.pilots:
            size = pilot.best_size
            at = pilot.plan.loc[pilot.shown_size]
            rows.append({"Candidate": self._label(pilot.candidate),
                         "Assumption": self.descriptions[(pilot.candidate, pilot.assumption)],
                         "Knowing it exactly (EVPPI)": pilot.evppi,
                         "Best pilot": (counted(size, pilot.unit) if size is not None
                                        else f"none pays (up to {counted(pilot.shown_size, pilot.unit)})"),
                         "Worth (EVSI)": at["evsi"], "Cost": at["cost"], "Net (ENBS)": at["enbs"]})
        frame = pd.DataFrame(rows).set_index(["Candidate", "Assumption"])
        return reader_table(frame, dict.fromkeys(["Knowing it exactly (EVPPI)", "Worth (EVSI)", "Cost", "Net (ENBS)"],
                                                 "money"), self.currency)

    def to_json(self) -> dict:
        """The result for ``results.json``: per alliance then/now and posterior summaries, verdicts, pilots.

        Returns
        -------
        dict
            ``alliances`` (per id: ``name``, ``in_flight``, ``verdict``, ``verdict_words``, ``reasons``, ``moved``,
            ``then``, ``now``, ``ess``, ``assumptions``) and
            ``pilots`` (per pilot: ids, ``unit``, ``evppi``, ``evpi``, ``best_size`` (None when no size pays),
            ``size`` (the best, else the largest considered), ``evsi``, ``cost``, ``enbs`` at ``size`` and the
            whole curve).
        """
        alliances = {}
        for owner, update in self.updates.items():
            verdict = self.verdicts[owner]
            table = update.assumptions.drop(columns=["description", "unit", "quantity", "first", "last",
                                                     "observed_text"])
            alliances[owner] = {
                "name": update.name, "in_flight": update.in_flight, "verdict": verdict.code,
                "verdict_words": verdict.words, "reasons": verdict.reasons, "reliable": verdict.reliable,
                "moved": verdict.moved,
                "then": update.then, "now": update.now,
                "ess": update.ess, "assumptions": {assumption: {key: _plain(value) for key, value in row.items()}
                                                   for assumption, row in table.iterrows()}}
        pilots = [{"candidate": pilot.candidate, "assumption": pilot.assumption, "unit": pilot.unit,
                   "evppi": pilot.evppi, "evpi": pilot.evpi, "best_size": pilot.best_size, "size": pilot.shown_size,
                   **{key: float(pilot.plan.at[pilot.shown_size, key]) for key in ("evsi", "cost", "enbs")},
                   "curve": {"n": pilot.plan.index.tolist(), "evsi": pilot.plan["evsi"].tolist()}}
                  for pilot in self.pilots]
        return {"currency": self.currency, "alliances": alliances, "pilots": pilots}


def thesis_check(case: Case, iterations: int, seed: int, sampling: str) -> ThesisResult:
    """Update every observed value thesis and value every costed pilot.

    Parameters
    ----------
    case : Case
        A validated case.
    iterations, seed : int
        Monte Carlo iterations and seed, as the risk simulation uses them.
    sampling : {"random", "lhs"}
        As the risk simulation.

    Returns
    -------
    ThesisResult

    Raises
    ------
    InputError
        When the actuals of an assumption are impossible under every draw of its prior (they are checked
        against its range when the case is loaded, so only counts far in a share's or rate's tail get here).
    """
    everyone = pd.concat([case.candidates["name"], case.alliances["name"]])
    actuals = case.thesis_tables["actuals.csv"]
    owners = [owner for owner in everyone.index if owner in set(actuals["alliance_id"])]
    settings = case.settings.thesis
    updates = {owner: _update(case, owner, actuals[actuals["alliance_id"] == owner], iterations, seed, sampling)
               for owner in owners}
    verdicts = {owner: _verdict(update, settings) for owner, update in updates.items()}
    severity = sorted(verdicts, key=lambda owner: -list(VERDICTS).index(verdicts[owner].code))
    updates, verdicts = {owner: updates[owner] for owner in severity}, {owner: verdicts[owner] for owner in severity}
    pilots = [_pilot(case, row, iterations, seed, sampling)
              for row in case.thesis_tables["pilots.csv"].itertuples(index=False)]
    return ThesisResult(currency=case.settings.currency, names=everyone, updates=updates, verdicts=verdicts,
                        pilots=pilots, descriptions=_descriptions(case), min_ess_share=settings.min_ess_share)


def analyse_thesis_check(case: Case, parameters: ThesisParameters = ThesisParameters()) -> ThesisResult:
    """The thesis check of a case, once per run (shared by notebook 07 and the decision brief).

    Parameters
    ----------
    case : Case
        A validated case.
    parameters : ThesisParameters
        Iterations, seed and sampling; -1 / empty use the case's ``simulation`` settings.

    Returns
    -------
    ThesisResult
        As :func:`thesis_check`, carrying ``parameters``.

    Raises
    ------
    InputError
        As :func:`thesis_check`.
    """
    settings = case.settings.simulation

    def compute() -> ThesisResult:
        result = thesis_check(case, parameters.iterations if parameters.iterations > 0 else settings.iterations,
                              parameters.seed if parameters.seed >= 0 else settings.seed,
                              parameters.sampling or settings.sampling)
        return dataclasses.replace(result, parameters=parameters)
    return cached("thesis_check", case.file_hashes, parameters.as_json(), compute)


def _update(case: Case, owner: str, actuals: pd.DataFrame, iterations: int, seed: int,
            sampling: str) -> ThesisUpdate:
    """One alliance's re-forecast: conjugate where it applies, importance resampling otherwise."""
    rows = case.assumptions[case.assumptions["candidate_id"] == owner].set_index("assumption_id")
    correlated = case.dependent_assumptions(owner)
    before = simulate_thesis(case, owner, iterations, seed, sampling)
    prior_draws = before.inputs[list(rows.index)]
    posteriors: dict[str, rv_continuous_frozen] = {}
    log_weights = np.zeros(iterations)
    records = {}
    for assumption, observed in actuals.groupby("assumption_id", sort=False):
        row = rows.loc[assumption]
        evidence = _evidence(row, observed)
        strength = observed["sd" if evidence == "normal" else "n"].to_numpy(dtype=float)
        posterior = None if assumption in correlated else _conjugate(row, evidence, observed["observed"].to_numpy(
            dtype=float), strength)
        if posterior is None:
            log_weights += log_likelihood(prior_draws[assumption].to_numpy(), evidence,
                                          observed["observed"].to_numpy(dtype=float), strength)
        else:
            posteriors[assumption] = posterior
        records[assumption] = {"evidence": evidence, "observations": len(observed),
                               **_observed_summary(row, evidence, observed, case.settings.currency),
                               "first": observed["period"].min(), "last": observed["period"].max(),
                               "method": "closed form" if posterior is not None else "importance resampling"}
    resampled = len(posteriors) < len(records)
    try:
        weights = normalised_weights(log_weights)
    except ValueError:
        raise InputError("thesis check", [Problem("actuals.csv", f"the actuals of {owner} are impossible under "
                                                  "every draw of its assumptions; widen their distributions")])
    after = simulate_thesis(case, owner, iterations, seed, sampling,
                            transform=_rank_mapping(rows, posteriors) if posteriors else None)
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(RESAMPLING_STREAM,
                                                                       stream_position(case, owner))))
    index = systematic_resample(weights, rng) if resampled else np.arange(iterations)
    observed_ids = list(records)
    posterior_draws = after.inputs[list(rows.index)].iloc[index].reset_index(drop=True)
    table = pd.DataFrame.from_dict(records, orient="index")
    for assumption in observed_ids:
        row = rows.loc[assumption]
        planned = float(_prior(row).median())
        prior, post = prior_draws[assumption].to_numpy(), posterior_draws[assumption].to_numpy()
        better = post <= planned if row["quantity"] in LOWER_IS_BETTER else post >= planned
        table.loc[assumption, ["quantity", "unit", "description"]] = (row["quantity"], row["unit"],
                                                                      row["description"])
        table.loc[assumption, ["planned", "prior_mean", "prior_p10", "prior_p90", "posterior_mean",
                               "posterior_p10", "posterior_p90", "support"]] = (
            planned, prior.mean(), *np.quantile(prior, [0.1, 0.9]), post.mean(), *np.quantile(post, [0.1, 0.9]),
            better.mean())
    in_flight = owner in case.alliances.index
    name = (case.alliances if in_flight else case.candidates).at[owner, "name"]
    return ThesisUpdate(owner=owner, name=name, in_flight=in_flight, npv_then=before.npv,
                        npv_now=after.npv[index], payback_then=before.payback, payback_now=after.payback[index],
                        assumptions=table.rename_axis("assumption"), prior_draws=prior_draws,
                        posterior_draws=posterior_draws, ess=effective_sample_size(weights) if resampled else None)


def _evidence(row: pd.Series, observed: pd.DataFrame) -> str:
    """How the actuals of one assumption observe it: measured (sd), trials of a share, or counts of events.

    Loading the case made sure every observation of one assumption gives the same one of ``sd`` and ``n``.
    """
    if observed["sd"].notna().all():
        return "normal"
    return "binomial" if _is_share(row) else "poisson"


def _is_share(row: pd.Series) -> bool:
    """A share (0–1): observed in trials."""
    return row["quantity"] in SHARE_QUANTITIES or row["distribution"] == "beta"


def _prior(row: pd.Series) -> rv_continuous_frozen:
    """The assumption's prior as a scipy distribution."""
    return frozen(row["distribution"], {name: None if pd.isna(row[name]) else float(row[name])
                                        for name in PARAMETER_COLUMNS})


def _conjugate(row: pd.Series, evidence: str, observed: np.ndarray,
               strength: np.ndarray) -> rv_continuous_frozen | None:
    """The closed-form posterior when prior and evidence are a conjugate pair; None otherwise."""
    kind = row["distribution"]
    if evidence == "normal" and kind == "normal":
        return normal_normal(float(row["mean"]), float(row["sd"]), observed, strength)
    if evidence == "binomial" and kind == "beta":
        return beta_binomial(*beta_alpha_beta(float(row["mean"]), float(row["sd"])), observed, strength)
    if evidence == "poisson" and kind == "gamma":
        return gamma_poisson(*gamma_shape_rate(float(row["mean"]), float(row["sd"])), observed, strength)
    return None


def _rank_mapping(rows: pd.DataFrame, posteriors: dict[str, rv_continuous_frozen],
                  ) -> Callable[[pd.DataFrame], pd.DataFrame]:
    """Map each conjugately updated assumption's draws onto its posterior through their prior ranks."""
    def transform(values: pd.DataFrame) -> pd.DataFrame:
        mapped = values.copy()
        for assumption, posterior in posteriors.items():
            ranks = np.clip(_prior(rows.loc[assumption]).cdf(values[assumption].to_numpy()), 1e-15, 1 - 1e-15)
            mapped[assumption] = clipped_to_range(rows.at[assumption, "quantity"], posterior.ppf(ranks))
        return mapped
    return transform


def _verdict(update: ThesisUpdate, settings: Thesis) -> Verdict:
    """Confirmed, weakened or broken (thresholds of ``thesis:``), the assumptions that moved it and why, in words."""
    table = update.assumptions.sort_values("support")
    weak = [assumption for assumption, support in table["support"].items() if support < settings.weakened_below]
    then_loss, now_loss = update.then["prob_loss"], update.now["prob_loss"]
    if now_loss >= settings.broken_loss:
        code = "broken"
    elif weak or now_loss - then_loss >= settings.loss_increase:
        code = "weakened"
    else:
        code = "confirmed"
    if code == "confirmed":
        moved = [assumption for assumption in table.index[::-1] if table.at[assumption, "support"] >= 0.5]
    else:
        moved = weak or [assumption for assumption in table.index if table.at[assumption, "support"] < 0.5]
    moved = moved[:MOST_REASONS]
    reasons = [sentence(_moved_text(table.loc[assumption])) for assumption in moved]
    reasons.append(sentence(f"The chance of losing money went from {format_share(then_loss)} to "
                            f"{format_share(now_loss)}"))
    reliable = update.ess is None or update.ess >= settings.min_ess_share * len(update.npv_then)
    if not reliable:
        reasons.append(sentence(f"Treat this with care: it rests on {format_count(update.ess)} effective draws of "
                                f"{format_count(len(update.npv_then))}, as the actuals lie far from what the business "
                                "case allowed"))
    words = (VERDICTS if update.in_flight else PROPOSED_VERDICTS)[code]
    return Verdict(code=code, words=words, moved=moved, reasons=" ".join(reasons), reliable=reliable)


def _moved_text(row: pd.Series) -> str:
    """How one assumption moved, in words: observed, now expected, planned, and the chance it is as good."""
    value = functools.partial(_value_text, row["quantity"], row["unit"])
    return (f"{row['description'] or row.name}: observed {row['observed_text']}, now expected "
            f"{value(row['posterior_mean'])} against {value(row['planned'])} planned "
            f"({format_share(row['support'])} chance it is as good as planned)")


def _observed_summary(row: pd.Series, evidence: str, observed: pd.DataFrame, currency: str) -> dict[str, object]:
    """What the actuals of one assumption say on their own: ``observed`` (the measurements' mean, the share of
    successes or the rate of events) and ``observed_text`` in words."""
    values, strength = observed["observed"].to_numpy(dtype=float), observed["n"].to_numpy(dtype=float)
    if evidence == "normal":
        mean = float(values.mean())
        text = _value_text(row["quantity"], row["unit"], mean, currency)
        return {"observed": mean, "observed_text": text if len(values) == 1 else f"{text} on average over "
                f"{format_count(len(values))} months"}
    total, exposure = float(values.sum()), float(strength.sum())
    if evidence == "binomial":
        return {"observed": total / exposure,
                "observed_text": f"{format_count(total)} of {format_count(exposure)} ({format_share(total / exposure)})"}
    return {"observed": total / exposure, "observed_text": f"{format_count(total)} in {format_number(exposure, 1)} "
            f"periods ({format_number(total / exposure, 2)} per period)"}


def _value_text(quantity: str, unit: object, value: float, currency: str = "EUR") -> str:
    """An assumption's value in its own unit: money (with its currency), a share, or a number and its unit."""
    if quantity in MONEY_QUANTITIES:
        return f"{format_money(value, currency)}{'' if quantity == 'investment' else '/year'}"
    if quantity in SHARE_QUANTITIES:
        return format_share(value)
    return f"{format_number(value, 1)}{f' {unit}' if isinstance(unit, str) and unit else ''}"


def _range_text(quantity: str, unit: object, mean: float, low: float, high: float, currency: str) -> str:
    """Mean and P10 to P90 of an assumption, the unit written once: ``1.10 (0.84 to 1.36) M EUR/year``."""
    if quantity in MONEY_QUANTITIES:
        texts = [format_money(value, currency) for value in (mean, low, high)]
        scale = texts[0].split(" ", 1)[1] if all(text.split(" ", 1)[1:] == texts[0].split(" ", 1)[1:]
                                                 for text in texts) else None
        if scale:
            numbers = [text.split(" ", 1)[0] for text in texts]
            return f"{numbers[0]} ({numbers[1]} to {numbers[2]}) {scale}{'' if quantity == 'investment' else '/year'}"
    if quantity in SHARE_QUANTITIES:
        return f"{format_share(mean)} ({format_share(low)} to {format_share(high)})"
    if quantity not in MONEY_QUANTITIES:
        suffix = f" {unit}" if isinstance(unit, str) and unit else ""
        return f"{format_number(mean, 1)} ({format_number(low, 1)} to {format_number(high, 1)}){suffix}"
    value = functools.partial(_value_text, quantity, unit, currency=currency)
    return f"{value(mean)} ({value(low)} to {value(high)})"


def _months_text(first: str, last: str) -> str:
    """``Aug 2026`` or ``Aug to Oct 2026``."""
    return format_month(first) if first == last else f"{format_month(first)} to {format_month(last)}"


def _median_year(payback: np.ndarray) -> str:
    """The median payback year in words (``year 3``), or that most draws do not pay back."""
    paid = np.where(np.isnan(payback), np.inf, payback)
    median = float(np.median(paid))
    return f"year {median:.0f}" if np.isfinite(median) else "not within the horizon"


def _pilot(case: Case, row: object, iterations: int, seed: int, sampling: str) -> PilotValue:
    """Value every size of one costed pilot on the risk simulation's draws of its candidate."""
    simulation = simulate_thesis(case, row.candidate_id, iterations, seed, sampling)
    theta = simulation.inputs[row.assumption_id].to_numpy()
    plan = pilot_plan(*conditional_means(simulation.npv, theta), row.evidence, int(row.max_n),
                      float(row.fixed_cost), float(row.unit_cost),
                      None if pd.isna(row.unit_sd) else float(row.unit_sd))
    return PilotValue(candidate=row.candidate_id, assumption=row.assumption_id, unit=row.unit,
                      evppi=evppi(simulation.npv, theta), evpi=evpi(simulation.npv), plan=plan)


def _descriptions(case: Case) -> pd.Series:
    """Assumption descriptions (the id where blank) by (owner, assumption id)."""
    table = case.assumptions.set_index(["candidate_id", "assumption_id"])["description"]
    return table.fillna(pd.Series(table.index.get_level_values(1), index=table.index))


def _plain(value: object) -> object:
    """A JSON-ready scalar."""
    if isinstance(value, (np.floating, float)):
        return float(value)
    if isinstance(value, (np.integer, int)):
        return int(value)
    return value
