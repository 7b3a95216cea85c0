"""Risk simulation of each alliance's value thesis: Monte Carlo NPV, risk events, sensitivity, value of information.

For every candidate, :func:`simulate_case` samples its value-thesis assumptions (``assumptions.csv``) with
their rank correlations induced by Iman–Conover (``correlations.csv``), samples its risk-register events
(``risks.csv``), runs the yearly cash-flow model (launch delay, ramp-up, running costs, risk events,
truncation at the offering's phase-out or the alliance's lifetime) and discounts it to NPV. Each candidate
draws from its own random stream (the case seed and its position), so its results do not depend on the
other candidates, and the same inputs and seed give identical results.

Sampled values are kept in their valid range: shares (gross margin, revenue loss) within 0..1, durations and
money amounts not below 0 (a normal or P10/P50/P90 tail could otherwise go negative).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Literal

import numpy as np
import pandas as pd
from pydantic import Field, field_validator

from alliance_analytics.case.case import Case
from alliance_analytics.case.distributions import latin_hypercube, sample
from alliance_analytics.case.model import ADDITIVE_QUANTITIES
from alliance_analytics.case.vocabulary import PARAMETER_COLUMNS, SAMPLING_METHODS
from alliance_analytics.core.atomic_files import write_bytes_atomic
from alliance_analytics.core.cache import cached
from alliance_analytics.core.correlation import iman_conover
from alliance_analytics.core.parameters import AnalysisParameters, WholeNumber, parameter_problems
from alliance_analytics.core.problems import InputError
from alliance_analytics.risk.cash_flow import ValueThesis, cash_flows, npv, payback_year
from alliance_analytics.risk.events import mitigated, sample_risk_impacts
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

_SHARES = ("gross_margin",)


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

    def summary_table(self, in_millions: bool = False) -> pd.DataFrame:
        """Per candidate: mean NPV, P10/P50/P90, probability of a loss, 5 % CVaR, EVPI, payback.

        Parameters
        ----------
        in_millions : bool
            Show money in millions (rounded to 0.01) for a report, instead of full amounts.

        Returns
        -------
        pandas.DataFrame
            Indexed by candidate id, best mean NPV first; money in the case's currency.
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
        table = pd.DataFrame.from_dict(rows, orient="index").sort_values("Mean NPV", ascending=False)
        if in_millions:
            money = ["Mean NPV", "P10", "P50", "P90", "CVaR 5 %", "EVPI"]
            table[money] = (table[money] / 1e6).round(2)
            table = table.rename(columns={column: f"{column} (M {self.currency})" for column in money})
            table[["P(loss)", "P(payback in horizon)"]] = table[["P(loss)", "P(payback in horizon)"]].round(3)
        return table.rename_axis("ID")

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
        """
        rows = {}
        for candidate in self.candidates:
            accuracy = self.convergence(candidate)
            rows[candidate] = {"Iterations": accuracy.n_iterations, "Mean NPV": accuracy.mean,
                               "s.e. of mean": accuracy.se_mean, "Relative s.e.": accuracy.relative_se_mean,
                               "P(loss)": accuracy.prob_loss, "s.e. of P(loss)": accuracy.se_prob_loss,
                               "Precise enough": accuracy.met}
        table = pd.DataFrame.from_dict(rows, orient="index").rename_axis("ID")
        return table.round({"Mean NPV": 0, "s.e. of mean": 0, "Relative s.e.": 4, "P(loss)": 4,
                            "s.e. of P(loss)": 4})

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

    def payback_table(self) -> pd.DataFrame:
        """The payback distribution: per candidate, the share of futures paid back by the end of each year.

        Returns
        -------
        pandas.DataFrame
            Candidates (rows, best mean NPV first) × years 1..horizon (cumulative shares, 0..1).
        """
        years = np.arange(1, self.horizon_years + 1)
        rows = {candidate: (self.candidates[candidate].payback[:, None] <= years[None, :]).mean(axis=0)
                for candidate in self.summary_table().index}
        return pd.DataFrame.from_dict(rows, orient="index", columns=[f"by year {y}" for y in years]).round(3) \
            .rename_axis("ID")

    def rank_correlation_table(self, top: int = 5) -> pd.DataFrame:
        """Spearman rank correlation of NPV with each candidate's most influential inputs.

        Parameters
        ----------
        top : int
            Inputs per candidate, by absolute correlation.

        Returns
        -------
        pandas.DataFrame
            Indexed by candidate id and input, with ``Spearman``.
        """
        spearman = {candidate: self._sensitivity_of(candidate)["Spearman"] for candidate in self.candidates}
        tables = {candidate: values.reindex(values.abs().sort_values(ascending=False).index).head(top).round(3)
                  .to_frame("Spearman") for candidate, values in spearman.items()}
        return pd.concat(tables, names=["ID", "Input"])

    def value_of_information_table(self) -> pd.DataFrame:
        """Per candidate: EVPI of the go/no-go decision, the best EVPPI, and what to validate first.

        Returns
        -------
        pandas.DataFrame
            Indexed by candidate id, highest EVPI first.
        """
        rows = {}
        for candidate, sim in self.candidates.items():
            values = self._evppi(candidate)
            assumptions = values[[name for name in values.index if name in self._assumption_ids(candidate)]]
            rows[candidate] = {
                "Candidate": self.names[candidate], "Mean NPV": float(sim.npv.mean()), "EVPI": evpi(sim.npv),
                "Most valuable assumption": assumptions.index[0] if len(assumptions) else None,
                "Its EVPPI": float(assumptions.iloc[0]) if len(assumptions) else 0.0,
                "Validate in the first 90 days": ", ".join(self.validate_first(candidate)) or "—",
            }
        table = pd.DataFrame.from_dict(rows, orient="index").sort_values("EVPI", ascending=False)
        return table.round({"Mean NPV": 0, "EVPI": 0, "Its EVPPI": 0}).rename_axis("ID")

    def mitigation_table(self) -> pd.DataFrame:
        """Every mitigation in the risk register: its cost and the change of mean NPV when it is bought.

        Returns
        -------
        pandas.DataFrame
            Indexed by candidate id and risk id.
        """
        tables = {candidate: sim.mitigation for candidate, sim in self.candidates.items() if len(sim.mitigation)}
        return pd.concat(tables, names=["ID", "Risk"]).round({"Change of mean NPV": 0}) if tables else pd.DataFrame()

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
        """The candidate's assumption ids (its inputs that are not risk events)."""
        return {name for name in self._sensitivity_of(candidate).index if not name.startswith("risk:")}

    def headline(self) -> list[str]:
        """Plain sentences: best expected NPV, the alliances likely to lose money, what to validate first.

        Returns
        -------
        list of str
        """
        table = self.summary_table()
        best = table.index[0]
        lines = [f"highest expected NPV: {best} ({table.at[best, 'Candidate']}), "
                 f"{table.at[best, 'Mean NPV'] / 1e6:.2f} M {self.currency}"]
        risky = table.index[table["P(loss)"] >= 0.25].tolist()
        lines.append(f"loss probability of 25 % or more: {', '.join(risky) if risky else 'none'}")
        worth = {candidate: self.validate_first(candidate) for candidate in table.index}
        worth = {candidate: ids for candidate, ids in worth.items() if ids}
        lines.append("validate first: " + ("; ".join(f"{c}: {', '.join(ids)}" for c, ids in worth.items())
                                           if worth else "no assumption is worth testing before committing"))
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
                  sampling: str | None = None, keep_inputs: bool = False, sensitivity: bool = True) -> SimulationResult:
    """Simulate every candidate's NPV under its value-thesis assumptions and risk register.

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

    Returns
    -------
    SimulationResult

    Raises
    ------
    InputError
        When a parameter is not usable; every problem is listed.
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
    simulated = {
        candidate: _simulate_candidate(case, candidate, position, n, seed, method, keep_inputs, sensitivity)
        for position, candidate in enumerate(case.candidates.index)
    }
    return SimulationResult(
        iterations=n, seed=int(seed), sampling=method, currency=case.settings.currency,
        horizon_years=case.settings.finance.horizon_years, names=case.candidates["name"], candidates=simulated,
        relative_se_target=settings.relative_se_target, prob_loss_se_target=settings.prob_loss_se_target,
    )


def _years_until(as_of: dt.date, date: dt.date | None) -> float | None:
    """Years from ``as_of`` to ``date`` (None when no date), never negative."""
    if date is None or pd.isna(date):
        return None
    return max((pd.Timestamp(date) - pd.Timestamp(as_of)).days / 365.25, 0.0)


def _simulate_candidate(case: Case, candidate: str, position: int, n: int, seed: int, method: str,
                        keep_inputs: bool, sensitivity: bool) -> CandidateSimulation:
    """Sample one candidate's assumptions and risks and run its cash-flow model, vectorised over iterations."""
    finance = case.settings.finance
    rows = case.assumptions[case.assumptions["candidate_id"] == candidate]
    risks = case.risks[case.risks["candidate_id"] == candidate]
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(position,)))
    uniforms = latin_hypercube(rng, n, len(rows) + len(risks)) if method == "lhs" else None
    ids = list(rows["assumption_id"])
    sampled = np.empty((n, len(ids)))
    for i, row in enumerate(rows.itertuples(index=False)):
        sampled[:, i] = _clipped(row.quantity, sample(row.distribution, _parameters(row), n, rng,
                                                     None if uniforms is None else uniforms[:, i]))
    if candidate in case.correlations:
        matrix = case.correlations[candidate]
        columns = [ids.index(name) for name in matrix.index]
        sampled[:, columns] = iman_conover(sampled[:, columns], matrix.to_numpy(), rng)
    values = pd.DataFrame(sampled, columns=ids, copy=False)
    risk_state = rng.bit_generator.state
    phase_out = _years_until(case.settings.as_of, case.candidates.at[candidate, "phase_out_date"])
    thesis = _thesis(rows, values, n, float(case.candidates.at[candidate, "investment"]))
    risk_uniforms = None if uniforms is None else uniforms[:, len(rows):]

    def outcome(apply: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """NPV, payback, flows and realised risk impacts with the mitigations in ``apply`` bought."""
        rng.bit_generator.state = risk_state  # common random numbers: every variant sees the same draws
        probability, extra_cost = mitigated(risks["probability"].to_numpy(), risks["mitigated_probability"]
                                            .fillna(risks["probability"]).to_numpy(),
                                            risks["mitigation_cost"].fillna(0).to_numpy(), apply)
        impacts, _, realised = sample_risk_impacts(
            rng, n, probability, list(risks["impact_type"]), risks["impact_min"].to_numpy(),
            risks["impact_mode"].to_numpy(), risks["impact_max"].to_numpy(), uniforms=risk_uniforms)
        flows = cash_flows(thesis, impacts, finance.horizon_years, phase_out)
        flows[:, 0] -= extra_cost
        return npv(flows, finance.discount_rate), payback_year(flows), flows, realised

    none = np.zeros(len(risks), dtype=bool)
    base_npv, payback, flows, realised = outcome(none)
    inputs = pd.DataFrame(np.hstack([sampled, realised]), columns=ids + [f"risk:{r}" for r in risks["risk_id"]],
                          copy=False)
    table = _sensitivity(base_npv, inputs) if sensitivity else None
    del values, realised, sampled
    mitigation_rows = {}
    for index in np.flatnonzero(risks["mitigation"].notna().to_numpy()):
        apply = none.copy()
        apply[index] = True
        change = float(outcome(apply)[0].mean() - base_npv.mean())
        mitigation_rows[risks["risk_id"].iloc[index]] = {
            "Mitigation": risks["mitigation"].iloc[index], "Cost": float(risks["mitigation_cost"].iloc[index]),
            "Change of mean NPV": change, "Worth buying": change > 0}
    mitigation = pd.DataFrame.from_dict(mitigation_rows, orient="index",
                                        columns=["Mitigation", "Cost", "Change of mean NPV", "Worth buying"])
    return CandidateSimulation(candidate, base_npv, payback, inputs if keep_inputs else None, table,
                               flows.mean(axis=0), mitigation.rename_axis("Risk"))


def _sensitivity(values: np.ndarray, inputs: pd.DataFrame) -> pd.DataFrame:
    """Variance share, P10/P90 conditional means and swing, Spearman correlation and EVPPI of every input."""
    swings = swing(values, inputs)[["low_mean", "high_mean", "swing"]]
    table = pd.concat([variance_contributions(values, inputs).rename("Variance share"),
                       swings.rename(columns={"low_mean": "Mean NPV, input ≤ P10",
                                              "high_mean": "Mean NPV, input ≥ P90", "swing": "Swing"}),
                       spearman_table(values, inputs).rename("Spearman"),
                       evppi_table(values, inputs).rename("EVPPI")], axis=1)
    return table.sort_values("Variance share", ascending=False).rename_axis("Input")


def _parameters(row: tuple) -> dict[str, float | None]:
    """The distribution parameters of an assumption row (blank cells as ``None``)."""
    return {column: None if pd.isna(getattr(row, column)) else float(getattr(row, column))
            for column in PARAMETER_COLUMNS}


def _clipped(quantity: str, values: np.ndarray) -> np.ndarray:
    """Keep sampled values in their valid range (shares 0..1, everything else not below 0)."""
    return np.clip(values, 0.0, 1.0) if quantity in _SHARES else np.maximum(values, 0.0)


def _thesis(rows: pd.DataFrame, values: pd.DataFrame, n: int, investment: float) -> ValueThesis:
    """Combine one candidate's sampled assumptions by quantity (additive quantities add up).

    A candidate without an ``investment`` assumption invests what ``candidates.csv`` says, fixed: the one-off
    investment is never left out of its NPV.
    """
    quantities: dict[str, np.ndarray] = {"investment": np.full(n, investment)}
    for quantity, group in rows.groupby("quantity"):
        columns = values[list(group["assumption_id"])].to_numpy()
        quantities[quantity] = columns.sum(axis=1) if quantity in ADDITIVE_QUANTITIES else columns[:, 0]
    return ValueThesis.from_arrays(n, **quantities)


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
    :mod:`alliance_analytics.core.cache`).

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
                               sampling=parameters.sampling or None)
        return dataclasses.replace(result, parameters=parameters)
    return cached("risk_simulation", case.file_hashes, parameters.as_json(), compute)
