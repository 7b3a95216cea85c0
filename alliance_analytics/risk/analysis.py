"""Risk simulation of each alliance's value thesis: Monte Carlo NPV, risk events, sensitivity, value of information.

:func:`simulate_case` runs the Monte Carlo engine (:mod:`alliance_analytics.risk.engine`) over every candidate
at once: the value-thesis assumptions (``assumptions.csv``) with their rank correlations induced by Iman–Conover
within and across candidates (``correlations.csv``), the shared drivers several candidates depend on
(``drivers.csv``, one draw per iteration for all of them), the risk-register events (``risks.csv``), the yearly
cash-flow model (launch delay, ramp-up, running costs, risk events, truncation at the offering's phase-out or the
alliance's lifetime) and NPV. Each candidate's own draws come from its own random streams, so they do not depend
on the other candidates; what candidates share (drivers, cross-candidate correlations) is drawn from streams of
its own. The same inputs and seed give identical results, however the iterations are split into blocks or
spread over a Dask cluster.

Sampled values are kept in their valid range: shares (gross margin, revenue loss) within 0..1, durations and
money amounts not below 0 (a normal or P10/P50/P90 tail could otherwise go negative).
"""

from __future__ import annotations

import dataclasses
import functools
import io
import os
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
import pandas as pd
from pydantic import Field, field_validator

from alliance_analytics.case.case import Case
from alliance_analytics.case.vocabulary import SAMPLING_METHODS
from alliance_analytics.core.atomic_files import write_bytes_atomic
from alliance_analytics.core.cache import cached
from alliance_analytics.core.formatting import (
    candidate_label,
    format_count,
    format_money,
    format_number,
    format_share,
    join_words,
    reader_table,
    sentence_table,
)
from alliance_analytics.core.parameters import AnalysisParameters, WholeNumber, parameter_problems
from alliance_analytics.core.problems import InputError
from alliance_analytics.risk.engine import (
    CHUNK_ITERATIONS,
    SCHEDULER_ENV,
    CandidatePlan,
    CandidateRun,
    SimulationPlan,
    run,
    transform_and_evaluate,
)
from alliance_analytics.risk.plan import simulation_plan, years_until
from alliance_analytics.risk.value_of_information import (
    Convergence,
    convergence,
    evpi,
    evppi_table,
    npv_summary,
    spearman_table,
    swing,
    variance_contributions,
)

WORTH_KNOWING = 0.01
"""An EVPPI below one cent is float noise, not value: no assumption is named as the most valuable for it."""
LOSS_CALLED_OUT = 0.25
"""A loss probability at or above this is called out in the headline."""


@dataclass(frozen=True)
class CandidateSimulation:
    """One candidate's simulated outcomes.

    Attributes
    ----------
    candidate : str
        Candidate id.
    npv : numpy.ndarray
        NPV per iteration.
    payback : numpy.ndarray
        Payback year per iteration (NaN: not within the horizon).
    inputs : pandas.DataFrame or None
        Per iteration, every sampled assumption (by assumption id) and every risk's realised impact (by
        ``risk:<risk id>``); kept only when asked (``keep_inputs``), since it dominates memory at scale.
    sensitivity : pandas.DataFrame or None
        Per input (``None`` when simulated without sensitivity analysis): share of NPV variance, mean NPV
        with the input ≤ P10 and ≥ P90, swing, Spearman correlation
        with NPV and EVPPI; largest variance share first.
    mean_cash_flows : numpy.ndarray
        Mean cash flow per year (year 0 first).
    mitigation : pandas.DataFrame
        Per risk with a mitigation: its cost, the change of mean NPV when it is bought (cost included, common
        random numbers) and whether it is worth buying.
    """

    candidate: str
    npv: np.ndarray
    payback: np.ndarray
    inputs: pd.DataFrame | None
    sensitivity: pd.DataFrame | None
    mean_cash_flows: np.ndarray
    mitigation: pd.DataFrame

    @functools.cached_property
    def summary(self) -> dict[str, float]:
        """Mean, P10/P50/P90, P(loss) and 5 % CVaR of the NPV (:func:`npv_summary`), computed once and shown
        by every report."""
        return npv_summary(self.npv)


@dataclass(frozen=True)
class SimulationResult:
    """The risk simulation of every candidate.

    Attributes
    ----------
    iterations, seed : int
        Monte Carlo settings used.
    sampling : str
        ``random`` or ``lhs``.
    currency : str
        Currency of every amount.
    horizon_years : int
        Years of cash flow.
    names : pandas.Series
        Candidate names by id.
    candidates : dict of str to CandidateSimulation
        Per candidate id, in the case's order.
    relative_se_target, prob_loss_se_target : float
        The precision the iteration count is judged against.
    """

    iterations: int
    seed: int
    sampling: str
    currency: str
    horizon_years: int
    names: pd.Series
    candidates: dict[str, CandidateSimulation]
    relative_se_target: float
    prob_loss_se_target: float
    parameters: SimulationParameters | None = None

    @property
    def scenarios(self) -> pd.DataFrame:
        """The scenario matrix: NPV per iteration (rows) and candidate (columns)."""
        return pd.DataFrame({candidate: sim.npv for candidate, sim in self.candidates.items()}).rename_axis(
            "iteration")

    def summary_table(self) -> pd.DataFrame:
        """Per candidate: mean NPV, P10/P50/P90, probability of a loss, 5 % CVaR, EVPI, payback, as numbers.

        Returns
        -------
        pandas.DataFrame
            Indexed by candidate id, best mean NPV first; money in full units of the case's currency (for
            charts and calculations; :meth:`value_table` is what a reader sees).
        """
        rows = {}
        for candidate, sim in self.candidates.items():
            stats = sim.summary
            rows[candidate] = {
                "Candidate": self.names[candidate], "Mean NPV": stats["mean"], "P10": stats["p10"],
                "P50": stats["p50"], "P90": stats["p90"], "P(loss)": stats["prob_loss"], "CVaR 5 %": stats["cvar_5"],
                "EVPI": evpi(sim.npv), "Median payback (years)": float(np.nanmedian(sim.payback))
                if np.isfinite(sim.payback).any() else np.nan,
                "P(payback in horizon)": float(np.isfinite(sim.payback).mean()),
            }
        return pd.DataFrame.from_dict(rows, orient="index").sort_values("Mean NPV", ascending=False) \
            .rename_axis("ID")

    def _label(self, candidate: str) -> str:
        """A candidate for a reader: name and id."""
        return candidate_label(candidate, self.names[candidate])

    def _labels(self, candidates: Iterable[str], name: str = "Candidate") -> pd.Index:
        """Candidates for a reader, as the index of a reader table."""
        return pd.Index([self._label(candidate) for candidate in candidates], name=name)

    def in_running(self, walk_aways: Collection[str] | None) -> list[str]:
        """The candidates not among ``walk_aways``, best mean NPV first.

        Parameters
        ----------
        walk_aways : collection of str or None
            The partner-fit analysis's walk-aways (None: not known, every candidate counts).

        Returns
        -------
        list of str
        """
        return [candidate for candidate in self.summary_table().index if candidate not in (walk_aways or ())]

    def value_table(self, walk_aways: Collection[str] | None = None) -> pd.DataFrame:
        """What each alliance is worth, as a reader reads it: candidates in the running first, best mean NPV
        first.

        Parameters
        ----------
        walk_aways : collection of str, optional
            The partner-fit analysis's walk-aways: listed last and marked as such (None: no such column).

        Returns
        -------
        pandas.DataFrame
            Indexed by candidate (name and id): mean NPV, P10/P50/P90, probability of a loss, 5 % CVaR, EVPI
            (one money unit, named in the headers), median payback in years and the probability of paying back
            within the horizon; every cell a string.
        """
        table = self.summary_table()
        order = [*self.in_running(walk_aways), *(c for c in table.index if c in (walk_aways or ()))]
        frame = table.loc[order].drop(columns="Candidate")
        frame["Median payback (years)"] = frame["Median payback (years)"].map(lambda years: format_number(years, 1))
        if walk_aways is not None:
            frame["Partner fit"] = np.where(frame.index.isin(list(walk_aways)), "walk-away", "in the running")
        frame.index = self._labels(order)
        return reader_table(frame, {**dict.fromkeys(["Mean NPV", "P10", "P50", "P90", "CVaR 5 %", "EVPI"], "money"),
                                    "P(loss)": "share", "P(payback in horizon)": "share"}, self.currency)

    def convergence(self, candidate: str) -> Convergence:
        """Monte Carlo precision of one candidate's mean NPV and probability of a loss.

        Parameters
        ----------
        candidate : str
            Candidate id.

        Returns
        -------
        Convergence
        """
        return convergence(self.candidates[candidate].npv, self.relative_se_target, self.prob_loss_se_target)

    def convergence_table(self) -> pd.DataFrame:
        """The precision of every candidate's estimates and whether the iteration count was enough.

        Returns
        -------
        pandas.DataFrame
            Indexed by candidate (name and id): iterations, standard error of the mean NPV (money) and of the
            loss probability, relative standard error, and whether the case's targets are met; every cell a
            string.
        """
        accuracy = {candidate: self.convergence(candidate) for candidate in self.candidates}
        frame = pd.DataFrame({
            "Iterations": [result.n_iterations for result in accuracy.values()],
            "s.e. of mean NPV": [result.se_mean for result in accuracy.values()],
            "Relative s.e. of mean NPV": [result.relative_se_mean for result in accuracy.values()],
            "s.e. of P(loss)": [result.se_prob_loss for result in accuracy.values()],
            "Precise enough": [bool(result.met) for result in accuracy.values()],
        }, index=self._labels(accuracy))
        return reader_table(frame, {"Iterations": "count", "s.e. of mean NPV": "money",
                                    "Relative s.e. of mean NPV": "fine share", "s.e. of P(loss)": "fine share",
                                    "Precise enough": "yes/no"}, self.currency)

    def sensitivity(self, candidate: str) -> pd.DataFrame:
        """One candidate's tornado data: variance contribution, P10→P90 swing, Spearman correlation, EVPPI.

        Parameters
        ----------
        candidate : str
            Candidate id.

        Returns
        -------
        pandas.DataFrame
            One row per assumption and risk, largest variance contribution first; money rounded to whole units.
        """
        table = self._sensitivity_of(candidate).copy()
        money = ["Mean NPV, input ≤ P10", "Mean NPV, input ≥ P90", "Swing", "EVPPI"]
        table[money] = table[money].round(0)
        return table.round({"Variance share": 3, "Spearman": 3})

    def sensitivity_table(self, candidate: str) -> pd.DataFrame:
        """One candidate's tornado data as a reader reads it.

        Parameters
        ----------
        candidate : str
            Candidate id.

        Returns
        -------
        pandas.DataFrame
            One row per assumption and risk (``risk:<id>``), largest variance share first, the index named
            after the candidate: variance share, mean NPV with the input low and high, swing and EVPPI (one
            money unit) and the Spearman rank correlation; every cell a string.
        """
        frame = self._sensitivity_of(candidate)
        table = reader_table(frame, {"Variance share": "share", "Spearman": "number",
                                     **dict.fromkeys(["Mean NPV, input ≤ P10", "Mean NPV, input ≥ P90", "Swing",
                                                      "EVPPI"], "money")}, self.currency)
        return table.rename_axis(f"Input of {self._label(candidate)}")

    def payback_table(self) -> pd.DataFrame:
        """The payback distribution: per candidate, the share of futures paid back by the end of each year.

        Returns
        -------
        pandas.DataFrame
            Indexed by candidate (name and id), best mean NPV first; one column per year 1..horizon with the
            cumulative share paid back, as percentages; every cell a string.
        """
        years = np.arange(1, self.horizon_years + 1)
        order = self.summary_table().index
        shares = np.array([(self.candidates[candidate].payback[:, None] <= years[None, :]).mean(axis=0)
                           for candidate in order])
        frame = pd.DataFrame(shares, index=self._labels(order), columns=[f"by year {year}" for year in years])
        return reader_table(frame, dict.fromkeys(frame.columns, "share"))

    def rank_correlation_table(self, top: int = 5) -> pd.DataFrame:
        """Spearman rank correlation of NPV with each candidate's most influential inputs.

        Parameters
        ----------
        top : int
            Inputs per candidate, by absolute correlation.

        Returns
        -------
        pandas.DataFrame
            Indexed by candidate (name and id) and input, with ``Spearman`` (two decimals); every cell a
            string.
        """
        tables = {}
        for candidate in self.candidates:
            spearman = self._sensitivity_of(candidate)["Spearman"]
            tables[self._label(candidate)] = spearman.reindex(
                spearman.abs().sort_values(ascending=False, kind="stable").index).head(top).to_frame("Spearman")
        return reader_table(pd.concat(tables, names=["Candidate", "Input"]), {"Spearman": "number"})

    def value_of_information_table(self) -> pd.DataFrame:
        """Per candidate: EVPI of the go/no-go decision, the best EVPPI, and what to validate first.

        Returns
        -------
        pandas.DataFrame
            Indexed by candidate (name and id), highest EVPI first: EVPI, the most valuable assumption and its
            EVPPI (one money unit; no assumption named when knowing any one is worth less than a cent),
            and the assumptions to validate in the first 90 days; every cell a string.
        """
        rows = {}
        for candidate, sim in self.candidates.items():
            values = self._evppi(candidate)
            assumptions = values[[name for name in values.index if name in self._assumption_ids(candidate)]]
            worth = assumptions[assumptions >= WORTH_KNOWING]
            rows[candidate] = {
                "EVPI": evpi(sim.npv),
                "Most valuable assumption": worth.index[0] if len(worth) else None,
                "Its EVPPI": float(worth.iloc[0]) if len(worth) else None,
                "Validate in the first 90 days": self.validate_first(candidate) or None,
            }
        frame = pd.DataFrame.from_dict(rows, orient="index").sort_values("EVPI", ascending=False, kind="stable")
        frame.index = self._labels(frame.index)
        return reader_table(frame, {"EVPI": "money", "Its EVPPI": "money"}, self.currency)

    def mitigation_table(self) -> pd.DataFrame:
        """Every mitigation in the risk register: its cost and the change of mean NPV when it is bought.

        Returns
        -------
        pandas.DataFrame
            Indexed by candidate (name and id) and risk id: the mitigation, its cost and the change of mean NPV
            (one money unit) and whether it is worth buying; every cell a string. One row saying so when the
            risk register offers no mitigation.
        """
        tables = {self._label(candidate): sim.mitigation for candidate, sim in self.candidates.items()
                  if len(sim.mitigation)}
        if not tables:
            return sentence_table("The risk register offers no mitigation to value.")
        frame = pd.concat(tables, names=["Candidate", "Risk"])
        return reader_table(frame, {"Cost": "money", "Change of mean NPV": "money", "Worth buying": "yes/no"},
                            self.currency)

    def validate_first(self, candidate: str, share_of_evpi: float = 0.1) -> list[str]:
        """The assumptions worth validating before committing: EVPPI at least ``share_of_evpi`` of the EVPI.

        Parameters
        ----------
        candidate : str
            Candidate id.
        share_of_evpi : float
            Threshold as a share of the candidate's EVPI.

        Returns
        -------
        list of str
            Assumption ids, most valuable first; empty when perfect information is worth nothing.
        """
        sim = self.candidates[candidate]
        total = evpi(sim.npv)
        if total <= 0:
            return []
        values = self._evppi(candidate)
        assumptions = [column for column in values.index if column in self._assumption_ids(candidate)]
        return [column for column in assumptions if values[column] >= share_of_evpi * total]

    def _sensitivity_of(self, candidate: str) -> pd.DataFrame:
        """The candidate's sensitivity figures; an error when the simulation was run without them."""
        table = self.candidates[candidate].sensitivity
        if table is None:
            raise ValueError("this simulation was run with sensitivity=False; run simulate_case with "
                             "sensitivity=True for tornado, value-of-information and results figures")
        return table

    def _evppi(self, candidate: str) -> pd.Series:
        """EVPPI by input, largest first."""
        return self._sensitivity_of(candidate)["EVPPI"].sort_values(ascending=False)

    def _assumption_ids(self, candidate: str) -> set[str]:
        """The candidate's assumption ids (its inputs that are neither risk events nor shared drivers)."""
        return {name for name in self._sensitivity_of(candidate).index
                if not name.startswith(("risk:", "driver:"))}

    def leader(self, walk_aways: Collection[str] | None = None) -> str:
        """The candidate the headline leads with: the highest mean NPV in the running (of all when nobody is).

        Parameters
        ----------
        walk_aways : collection of str, optional
            The partner-fit analysis's walk-aways.

        Returns
        -------
        str
            Candidate id.
        """
        return (self.in_running(walk_aways) or list(self.summary_table().index))[0]

    def headline(self, walk_aways: Collection[str] | None = None) -> list[str]:
        """Plain sentences on the candidates in the running: best expected NPV, the alliances likely to lose
        money, what to validate first; then the walk-aways, simulated for reference only.

        Parameters
        ----------
        walk_aways : collection of str, optional
            The partner-fit analysis's walk-aways (None: not known, every candidate is compared).

        Returns
        -------
        list of str
        """
        table = self.summary_table()
        running = self.in_running(walk_aways)
        left_out = [candidate for candidate in table.index if candidate not in running]
        if not running:
            best = table.index[0]
            return [(f"No candidate is in the running: all {format_count(len(table))} walk away in the "
                     "partner-fit analysis, so no alliance is compared; their simulations are for reference only"),
                    (f"highest expected NPV of the walk-aways: {self._label(best)}, "
                     f"{format_money(table.at[best, 'Mean NPV'], self.currency)}")]
        best = running[0]
        scope = (f"the {format_count(len(running))} candidates simulated" if walk_aways is None
                 else f"the {format_count(len(running))} candidates in the running")
        lines = [(f"highest expected NPV of {scope}: {self._label(best)}, "
                  f"{format_money(table.at[best, 'Mean NPV'], self.currency)}")]
        risky = [candidate for candidate in running if table.at[candidate, "P(loss)"] >= LOSS_CALLED_OUT]
        lines.append(f"loss probability of {format_share(LOSS_CALLED_OUT)} or more: {join_words(risky) or 'none'}")
        worth = {candidate: self.validate_first(candidate) for candidate in running}
        worth = {candidate: ids for candidate, ids in worth.items() if ids}
        lines.append("validate first: " + ("; ".join(f"{candidate}: {join_words(ids)}" for candidate, ids in worth.items())
                                           if worth else "no assumption is worth testing before committing"))
        if left_out:
            lines.append(f"walk-aways, simulated for reference only: {join_words(left_out)}")
        return lines

    def limitations(self, case: Case, walk_aways: Collection[str] | None = None) -> list[str]:
        """What this simulation could not take into account on this case, and why, in sentences.

        Parameters
        ----------
        case : Case
            The case simulated (its risk register and correlations).
        walk_aways : collection of str, optional
            The partner-fit analysis's walk-aways.

        Returns
        -------
        list of str
            Empty when nothing is missing.
        """
        lines = []
        if walk_aways is not None and not self.in_running(walk_aways):
            lines.append("Every candidate walks away in the partner-fit analysis: no alliance in the running can be "
                         "valued or compared, so the figures below are for reference only.")
        if case.risks.empty:
            lines.append("The risk register (risks.csv) lists no risk: the NPVs include no delay, one-off cost or "
                         "revenue loss from risk events, and there is no mitigation to value.")
        if not case.correlations and not case.cross_correlations:
            lines.append("No rank correlations between assumptions are given (correlations.csv is absent or empty): "
                         "every assumption is sampled independently of the others, which may understate the spread "
                         "of NPV when assumptions move together.")
        if case.drivers.empty:
            lines.append("No shared drivers are given (drivers.csv is absent): every alliance is simulated "
                         "independently of the others, which understates a portfolio's tail risk when alliances share "
                         "a market, a payer or a regulator.")
        return lines

    def to_json(self) -> dict:
        """The machine-readable result, as stored in ``results.json``.

        Returns
        -------
        dict
            ``candidates[candidate_id]`` with ``npv_mean``, ``npv_p10``, ``npv_p50``, ``npv_p90``,
            ``prob_loss``, ``cvar_5``, ``evppi`` (assumption id → value), ``evpi``, ``payback_median_years``,
            ``prob_payback_in_horizon``, ``se_mean``, ``se_prob_loss``, ``converged``, ``validate_first``; plus
            the settings of the run.
        """
        candidates = {}
        for candidate, sim in self.candidates.items():
            stats = sim.summary
            accuracy = self.convergence(candidate)
            values = self._evppi(candidate)
            finite = np.isfinite(sim.payback)
            candidates[candidate] = {
                "name": self.names[candidate],
                "npv_mean": stats["mean"], "npv_p10": stats["p10"], "npv_p50": stats["p50"],
                "npv_p90": stats["p90"], "prob_loss": stats["prob_loss"], "cvar_5": stats["cvar_5"],
                "evpi": float(evpi(sim.npv)),
                "evppi": {name: float(values[name]) for name in values.index if name in self._assumption_ids(candidate)},
                "payback_median_years": float(np.median(sim.payback[finite])) if finite.any() else None,
                "prob_payback_in_horizon": float(finite.mean()),
                "se_mean": accuracy.se_mean, "se_prob_loss": accuracy.se_prob_loss,
                "converged": bool(accuracy.met),
                "validate_first": self.validate_first(candidate),
            }
        return {"iterations": self.iterations, "seed": self.seed, "sampling": self.sampling,
                "currency": self.currency, "horizon_years": self.horizon_years, "candidates": candidates}


def simulate_case(case: Case, iterations: int | None = None, seed: int | None = None,
                  sampling: str | None = None, keep_inputs: bool = False, sensitivity: bool = True,
                  blocks: int | None = None, scheduler: Any = None, shared_drivers: bool = True,
                  candidates: Sequence[str] | None = None, chunk_iterations: int = CHUNK_ITERATIONS,
                  ) -> SimulationResult:
    """Simulate every candidate's NPV under its value-thesis assumptions, shared drivers and risk register.

    One joint draw per iteration for all candidates (:mod:`alliance_analytics.risk.engine`): the shared drivers
    of ``drivers.csv`` take one value per iteration that every candidate depending on them sees, and the rank
    correlations of ``correlations.csv`` are induced within and across candidates, so the scenario matrix (and
    the portfolio's risk) carries the dependence between alliances.

    Parameters
    ----------
    case : Case
        A validated case.
    iterations : int, optional
        Monte Carlo iterations; ``None`` or a non-positive number uses ``simulation.iterations``.
    seed : int, optional
        ``None`` or a negative number uses ``simulation.seed``.
    sampling : {"random", "lhs"}, optional
        ``None`` or empty uses ``simulation.sampling``.
    keep_inputs : bool
        Keep every candidate's sampled inputs (iterations × inputs) in the result; the sensitivity figures are
        computed either way. Off by default: at a million iterations they would dominate memory.
    sensitivity : bool
        Compute each candidate's sensitivity figures (variance shares, swings, rank correlations, EVPPI), which
        the tornado, value-of-information tables, headline and ``results.json`` need. Off only to time or run
        the bare model.
    blocks : int, optional
        Blocks of iterations to run (see :func:`~alliance_analytics.risk.engine.run`); any number gives the same
        results.
    scheduler : str or distributed.Client, optional
        Run the blocks on this Dask cluster (an address such as ``tcp://10.0.0.5:8786``, or a client); the
        results are identical to a local run.
    shared_drivers : bool
        False: every candidate draws the drivers on its own, as if they were not shared (for comparison).
    candidates : sequence of str, optional
        Simulate only these proposed candidates (default: all, in ``candidates.csv`` order); each gets the same
        NPVs as in a run of all of them.
    chunk_iterations : int
        Most iterations per chunk, the unit of randomness (each chunk draws from its own streams). Unlike
        ``blocks`` it changes the draws; the default is the engine's :data:`CHUNK_ITERATIONS`.

    Returns
    -------
    SimulationResult

    Raises
    ------
    InputError
        When a parameter is not usable; every problem is listed.
    InputError
        When ``scheduler`` cannot be reached.
    """
    problems = parameter_problems(SimulationParameters, {
        "iterations": -1 if iterations is None else iterations, "seed": -1 if seed is None or seed < 0 else seed,
        "sampling": sampling or ""}, case)
    if problems:
        raise InputError("risk-simulation parameters", problems)
    settings = case.settings.simulation
    n = iterations if iterations and iterations > 0 else settings.iterations
    seed = settings.seed if seed is None or seed < 0 else seed
    method = sampling or settings.sampling
    wanted = list(case.candidates.index) if candidates is None else list(candidates)
    plan, positions = simulation_plan(case, wanted, n, seed, method, shared_drivers=shared_drivers,
                                      chunk_iterations=chunk_iterations)
    runs = run(plan, keep_inputs=keep_inputs or sensitivity, blocks=blocks, scheduler=scheduler)
    simulated = {candidate: _candidate_simulation(case, plan.candidates[position], runs[position], plan,
                                                  keep_inputs, sensitivity)
                 for candidate, position in zip(wanted, positions)}
    return SimulationResult(
        iterations=n, seed=int(seed), sampling=method, currency=case.settings.currency,
        horizon_years=case.settings.finance.horizon_years, names=case.candidates["name"], candidates=simulated,
        relative_se_target=settings.relative_se_target, prob_loss_se_target=settings.prob_loss_se_target,
    )


def simulate_thesis(case: Case, candidate: str, iterations: int, seed: int, sampling: str,
                    transform: Callable[[pd.DataFrame], pd.DataFrame] | None = None,
                    elapsed: float | None = None) -> CandidateSimulation:
    """One proposed candidate's or alliance in flight's simulation with its sampled inputs kept.

    A proposed candidate is simulated exactly as :func:`simulate_case` does (same random streams and shared
    drivers, so the same NPVs) and valued at ``as_of``; an alliance in flight draws from its own stream after the
    candidates' (the same drivers) and is valued at its ``start_date``: its business case as it was made, the
    reference the thesis check compares with.

    Parameters
    ----------
    case : Case
        A validated case.
    candidate : str
        A proposed candidate's or an alliance in flight's id, with assumptions in ``assumptions.csv``.
    iterations, seed : int
        Monte Carlo iterations and seed (as used, not -1).
    sampling : {"random", "lhs"}
        The sampling method.
    transform : callable, optional
        Applied to all the sampled assumptions at once (iterations × assumption ids, after the rank correlations
        are induced and the drivers applied) before the cash-flow model; it must keep their shape and columns. The
        risk events' draws do not change with it (common random numbers).
    elapsed : float, optional
        For an alliance in flight: value only what is still to come after this many years of its life (the
        investment is sunk; see :func:`~alliance_analytics.risk.cash_flow.cash_flows`), discounted to that
        moment, e.g. :func:`elapsed_years` for today. None: the business case as made, at its start date. The
        draws are the same either way.

    Returns
    -------
    CandidateSimulation
        With ``inputs`` (the assumptions as used, the risks' realised impacts, the drivers it depends on); no
        sensitivity figures or mitigation table.

    Raises
    ------
    KeyError
        For an id that is neither a proposed candidate nor an alliance in flight.
    """
    plan, (position,) = simulation_plan(case, [candidate], iterations, seed, sampling,
                                        elapsed={candidate: elapsed or 0.0})
    spec = plan.candidates[position]

    def as_array(values: np.ndarray) -> np.ndarray:
        changed = transform(pd.DataFrame(values, columns=list(spec.assumptions), copy=False))
        return changed[list(spec.assumptions)].to_numpy(dtype=float)

    candidate_run, _ = transform_and_evaluate(plan, position, None if transform is None else as_array)
    return _candidate_simulation(case, spec, candidate_run, plan, keep_inputs=True, sensitivity=False)


def elapsed_years(case: Case, alliance: str) -> float:
    """Years from an alliance in flight's ``start_date`` to the case's ``as_of`` (0 for a proposed candidate).

    Parameters
    ----------
    case : Case
        A validated case.
    alliance : str
        An alliance in flight's or a proposed candidate's id.

    Returns
    -------
    float
        Days / 365.25, never negative.
    """
    if alliance in case.candidates.index:
        return 0.0
    return years_until(case.alliances.at[alliance, "start_date"], case.settings.as_of) or 0.0


def _candidate_simulation(case: Case, spec: CandidatePlan, candidate_run: CandidateRun, plan: SimulationPlan,
                          keep_inputs: bool, sensitivity: bool) -> CandidateSimulation:
    """A candidate's result from the engine's run: inputs as a table, sensitivity figures, mitigation table."""
    columns = [*spec.assumptions, *(f"risk:{risk}" for risk in spec.risk_ids),
               *(f"driver:{plan.driver_ids[driver]}" for driver in spec.driver_positions)]
    inputs = (None if candidate_run.inputs is None
              else pd.DataFrame(candidate_run.inputs, columns=columns, copy=False))
    table = _sensitivity(candidate_run.npv, inputs) if sensitivity else None
    risks = case.risks[case.risks["candidate_id"] == spec.candidate]
    events = spec.mitigations if len(candidate_run.mitigation_changes) else ()  # none valued: no table rows
    mitigation = pd.DataFrame(
        {"Mitigation": [risks["mitigation"].iloc[event] for event in events],
         "Cost": [float(spec.mitigation_cost[event]) for event in events],
         "Change of mean NPV": [float(change) for change in candidate_run.mitigation_changes],
         "Worth buying": [bool(change > 0) for change in candidate_run.mitigation_changes]},
        index=pd.Index([spec.risk_ids[event] for event in events], name="Risk"))
    return CandidateSimulation(spec.candidate, candidate_run.npv, candidate_run.payback,
                               inputs if keep_inputs else None, table, candidate_run.mean_cash_flows, mitigation)


def _sensitivity(values: np.ndarray, inputs: pd.DataFrame) -> pd.DataFrame:
    """Variance share, P10/P90 conditional means and swing, Spearman correlation and EVPPI of every input."""
    swings = swing(values, inputs)[["low_mean", "high_mean", "swing"]]
    table = pd.concat([variance_contributions(values, inputs).rename("Variance share"),
                       swings.rename(columns={"low_mean": "Mean NPV, input ≤ P10",
                                              "high_mean": "Mean NPV, input ≥ P90", "swing": "Swing"}),
                       spearman_table(values, inputs).rename("Spearman"),
                       evppi_table(values, inputs).rename("EVPPI")], axis=1)
    return table.sort_values("Variance share", ascending=False).rename_axis("Input")


def write_scenarios(results_path: str | Path | None, result: SimulationResult) -> Path | None:
    """Save the scenario matrix (iterations × candidates NPV) beside ``results.json`` for the portfolio step.

    Parameters
    ----------
    results_path : str, Path or None
        The run's ``results.json``; empty or ``None`` writes nothing.
    result : SimulationResult
        The simulation.

    Returns
    -------
    Path or None
        ``npv_scenarios.csv.gz`` in the same folder, written atomically.
    """
    if not results_path:
        return None
    buffer = io.BytesIO()
    result.scenarios.to_csv(buffer, compression={"method": "gzip", "mtime": 0}, float_format="%.2f")
    return write_bytes_atomic(Path(results_path).with_name("npv_scenarios.csv.gz"), buffer.getvalue())


class SimulationParameters(AnalysisParameters):
    """The risk simulation's parameters (the ``parameters`` cell of ``03_risk_simulation``).

    Attributes
    ----------
    iterations : int
        Monte Carlo iterations, 100 to 10,000,000; -1 uses the case's ``simulation.iterations``.
    seed : int
        Seed of the simulation; -1 uses the case's ``simulation.seed``.
    sampling : {"", "random", "lhs"}
        Plain Monte Carlo or Latin hypercube; empty uses the case's ``simulation.sampling``.
    """

    iterations: Annotated[WholeNumber, Field(ge=-1, le=10_000_000)] = -1
    seed: Annotated[WholeNumber, Field(ge=-1)] = -1
    sampling: Literal["", *SAMPLING_METHODS] = ""  # type: ignore[valid-type]

    @field_validator("iterations")
    @classmethod
    def _enough_iterations(cls, iterations: int) -> int:
        """At least 100 iterations, or 0 / -1 for the case's ``simulation.iterations``."""
        if 0 < iterations < 100:
            raise ValueError(f"expected a whole number from 100 to 10,000,000 (or -1 for the case's), got {iterations}")
        return iterations


def analyse_risk_simulation(case: Case, parameters: SimulationParameters = SimulationParameters(),
                            ) -> SimulationResult:
    """Simulate every candidate of a case, once per run: the one scenario set every report uses.

    The risk report, the portfolio and the decision brief all take their NPVs, loss probabilities and CVaRs
    from this result, so the same alliance shows the same numbers everywhere (see
    :mod:`alliance_analytics.core.cache`). When the environment names a Dask scheduler (:data:`SCHEDULER_ENV`,
    set by ``alliance-analytics run --scheduler ADDRESS``) the blocks of iterations run on that cluster, with the
    same results.

    Parameters
    ----------
    case : Case
        A validated case.
    parameters : SimulationParameters
        Iterations, seed and sampling.

    Returns
    -------
    SimulationResult
        As :func:`simulate_case` (with sensitivity figures), carrying ``parameters``.

    Raises
    ------
    InputError
        When a parameter does not fit the case.
    """
    def compute() -> SimulationResult:
        result = simulate_case(case, iterations=None if parameters.iterations < 0 else parameters.iterations,
                               seed=None if parameters.seed < 0 else parameters.seed,
                               sampling=parameters.sampling or None, scheduler=os.environ.get(SCHEDULER_ENV) or None)
        return dataclasses.replace(result, parameters=parameters)
    return cached("risk_simulation", case.file_hashes, parameters.as_json(), compute)
