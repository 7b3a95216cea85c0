"""Benchmark: the risk simulation (``simulate_case``) against the ``monaco`` library and a per-iteration loop.

Builds a synthetic case in a temporary folder (default 25 candidates, each with 8 value-thesis assumptions,
one per quantity, drawn from a mix of every distribution (pert, triangular, p10_p50_p90, normal, lognormal,
uniform, fixed); 6 risk events covering the three impact types, 2 of them with a mitigation; 2–3 rank-
correlated assumption pairs), loads it with ``load_case`` and times, in this process (each the best of
``--repeat`` runs, as the machine's other load only ever adds time):

- ``simulate_case(case, iterations=N, sensitivity=False)`` (default N = 100,000), the model itself: for
  every candidate the assumption draws, the Iman–Conover correlation, the risk events, the cash flows, NPV
  and payback, and one re-run per mitigation (common random numbers); also, as ``sim_full_s``, the run the
  notebook makes, with every candidate's sensitivity figures (variance shares, swings, rank correlations,
  EVPPI). Throughput is given two ways:
  *case iterations per second* = N / time (one iteration covers all the candidates), and
  *candidate-iterations per second* = candidates × N / time;
- baseline ``monaco`` (PyPI, the Monte Carlo library), running the same model for ONE candidate
  (``--model-candidate``): an ``InVar`` per random assumption (PERT as ``scipy.stats.beta`` with loc/scale,
  triangular as ``scipy.stats.triang``, lognormal as ``scipy.stats.lognorm``, p10_p50_p90 as its exact
  normal / shifted-lognormal fit, fixed values as constants), a Bernoulli and a triangular ``InVar`` per risk
  event, the rank correlations through monaco's custom percentiles (a Gaussian copula: monaco has no
  correlated sampling of its own). Two run functions are timed: one calls ``alliance_analytics.risk.cash_flow``'s
  ``cash_flows``, ``npv`` and ``payback_year`` on arrays of length 1, the other computes the same flows in
  plain Python (the loop's :func:`scalar_outcome`); the faster one is compared, so the speed-up is not
  inflated by the package's per-call checks. Single process (``singlethreaded=True``), no progress bars
  (``verbose=False``), nothing saved or plotted; the time covers building the ``Sim`` and ``runSim`` on
  ``--baseline-iterations`` cases. Its throughput is in candidate-iterations per second; divided by the
  number of candidates it is the case iterations per second monaco would reach running every candidate one
  after the other;
- baseline ``per-iteration Python loop``: the same one-candidate model one iteration at a time in plain
  Python with scalar numpy draws (correlated assumptions through a Gaussian copula, since Iman–Conover
  reorders a whole sample), the yearly cash flows in a Python loop over years, NPV and payback, timed on
  ``--baseline-iterations`` iterations. Its cash flows are checked against ``cash_flows`` on the inputs it
  drew, and both baselines' mean NPV against ``simulate_case``'s;
- the floor, in the same process: the model's own variates (every assumption and shared driver from its own
  distribution with the engine's samplers, every risk event's uniform), chunk by chunk as the engine draws them,
  and each correlated column ranked once (per column and chunk, with `argsort_rows`, the fastest exact ranking the
  package has, the one the engine uses): the least any simulation of this
  model must do. ``floor_ratio`` = model / floor. Also a strict floor, as many standard normals instead of the
  model's distributions (``normal_floor_ratio``);
- the same model on a Dask ``LocalCluster`` of 2 worker processes, one block per chunk (``--no-dask`` skips it):
  its time, the speed-up over one process (the machine has 2 cores), the overhead per block (2 × Dask time − local
  time, over the blocks) and whether every NPV equals the local run's bit for bit;
- the peak memory and time of a ``--memory-iterations`` run (default 1,000,000) of the model (``simulate_case``
  without sensitivity figures: every candidate's NPV and payback per iteration, the mitigations valued),
  measured in a fresh child process (this script with a hidden flag) as its peak resident set size (``VmHWM``
  from ``/proc/self/status``, which counts only the child's own process image; ``ru_maxrss`` is not used there
  because Linux carries the parent's peak over through fork and exec). The child's resident size before the
  run (interpreter, libraries, loaded case) is reported too.

The synthetic case has two shared drivers and cross-candidate rank correlations (see :func:`build_case`); the
first candidate, the one the baselines model, depends on neither, so the baselines' model is the same.
The baselines do less than ``simulate_case`` (no per-iteration inputs table, no mitigation re-runs), so
``simulate_case`` is also timed on the same case with its mitigations removed (``sim_no_mitigation_s``,
``speedup_vs_monaco_no_mitigation``), the like-for-like figure; the headline figures use the full case. Targets
(issue 16): ``speedup_vs_monaco`` at least 100, ``floor_ratio`` at most 2, the 1,000,000-iteration run under
60 s and 1 GiB (the older targets, 50× and 2 GiB, are still reported as ``meets_50x_monaco`` and
``meets_2gib_1m``). Prints each figure and as its last line one JSON object.
The baseline ``monaco`` comes with the project's ``bench`` extra: ``.venv/bin/python -m pip install -e ".[bench]"``.
Usage: ``.venv/bin/python benchmarks/bench_simulation.py [--candidates N] [--iterations N] [--repeat R]
[--baseline-iterations N] [--memory-iterations N (0: skip)] [--no-dask]``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import yaml
from scipy import special, stats
from timing import best_of

from alliance_analytics import load_case
from alliance_analytics.case.distributions import frozen
from alliance_analytics.core.correlation import argsort_rows
from alliance_analytics.core.paths import SAMPLE_CASE_DIR
from alliance_analytics.risk.analysis import simulate_case
from alliance_analytics.risk.cash_flow import RiskImpacts, ValueThesis, cash_flows, npv, payback_year
from alliance_analytics.risk.plan import simulation_plan

QUANTITIES = ("revenue_uplift", "gross_margin", "cost_savings", "investment", "running_cost", "launch_months",
              "ramp_up_years", "lifetime_years")
MONEY = {"revenue_uplift", "cost_savings", "investment", "running_cost"}
BASE = {  # (low, mode, high) before the candidate's size factor (money only); right-skewed like most estimates
    "revenue_uplift": (1_000_000, 1_600_000, 2_600_000), "gross_margin": (0.35, 0.45, 0.6),
    "cost_savings": (100_000, 250_000, 450_000), "investment": (700_000, 900_000, 1_300_000),
    "running_cost": (150_000, 200_000, 300_000), "launch_months": (4, 8, 14), "ramp_up_years": (0.5, 1.5, 3),
    "lifetime_years": (4, 7, 10),
}
DISTRIBUTION_CYCLE = ("pert", "triangular", "p10_p50_p90", "normal", "lognormal", "uniform", "fixed", "pert")
CORRELATED_PAIRS = (("revenue_uplift", "launch_months", -0.4), ("investment", "running_cost", 0.5),
                    ("revenue_uplift", "ramp_up_years", -0.3), ("gross_margin", "revenue_uplift", 0.3),
                    ("cost_savings", "investment", 0.4))
RISKS = (  # impact type, probability, (min, mode, max), money amounts scaled by the candidate's size
    ("delay_months", 0.25, (2, 4, 8)), ("one_off_cost", 0.3, (100_000, 250_000, 600_000)),
    ("revenue_loss_pct", 0.2, (0.05, 0.12, 0.25)), ("delay_months", 0.15, (1, 3, 6)),
    ("one_off_cost", 0.2, (50_000, 120_000, 300_000)), ("revenue_loss_pct", 0.1, (0.1, 0.2, 0.4)),
)
SHARES = {"gross_margin"}
Z90 = float(special.ndtri(0.9))
MIB = 2**20


# ---------------------------------------------------------------------------------------------- the case
def build_case(folder: Path, candidates: int, seed: int = 5, mitigations: bool = True) -> None:
    """Write a synthetic case of ``candidates`` candidates (see the module docstring) into ``folder``.

    ``mitigations=False`` writes the same case with no mitigation in the risk register. Two shared drivers: a
    market-adoption index (lognormal, mean 1) multiplies the revenue of every candidate but the first, a
    regulator's extra months (triangular 0, 1, 6) add to every second candidate's launch; and the revenues of
    candidates 2 and 3, 4 and 5, … are rank-correlated across candidates (0.3). The first candidate, the one the
    baselines model, depends on neither.
    """
    rng = np.random.default_rng(seed)
    settings = yaml.safe_load((SAMPLE_CASE_DIR / "case.yaml").read_text(encoding="utf-8"))
    settings["name"] = f"Synthetic risk-simulation benchmark, {candidates} candidates"
    settings["portfolio"].update(exclusions=[], dependencies=[])
    (folder / "case.yaml").write_text(yaml.safe_dump(settings, sort_keys=False), encoding="utf-8")
    ids = [f"S{number:02d}" for number in range(1, candidates + 1)]
    size = rng.uniform(0.6, 1.6, candidates)
    types = ["supply", "technology", "co-marketing", "distribution", "co-development", "licensing",
             "joint-venture"]
    pd.DataFrame({
        "candidate_id": ids, "name": [f"Partner {i}" for i in ids],
        "alliance_type": [types[i % len(types)] for i in range(candidates)],
        "capabilities": "eu_hosting;regulatory", "objectives": "O1;O3",
        "investment": (900_000 * size).round(-3), "manager_fte": 0.5, "payback_months": 36,
        "phase_out_date": ["2032-06-30" if i % 4 == 3 else "" for i in range(candidates)],
        "risk_level": [("low", "medium", "high")[i % 3] for i in range(candidates)], "competes_with": "",
    }).to_csv(folder / "candidates.csv", index=False)
    criteria = [criterion["id"] for criterion in settings["criteria"]]
    pd.DataFrame([{"candidate_id": c, "criterion_id": k, "evaluator": "E1", "score": int(rng.integers(2, 6)),
                   "rationale": "synthetic"} for c in ids for k in criteria]).to_csv(folder / "scores.csv",
                                                                                      index=False)
    assumption_rows, correlation_rows, risk_rows = [], [], []
    for position, (candidate, factor) in enumerate(zip(ids, size)):
        chosen = {}
        for slot, quantity in enumerate(QUANTITIES):
            distribution = DISTRIBUTION_CYCLE[(slot + position) % len(DISTRIBUTION_CYCLE)]
            low, mode, high = (value * (factor if quantity in MONEY else 1.0) for value in BASE[quantity])
            row = {"candidate_id": candidate, "assumption_id": f"a_{quantity}", "quantity": quantity,
                   "distribution": distribution, "unit": "", "description": f"synthetic {quantity}"}
            if distribution == "fixed":
                row["value"] = mode
            elif distribution == "uniform":
                row.update(min=low, max=high)
            elif distribution in ("triangular", "pert"):
                row.update(min=low, mode=mode, max=high)
                if distribution == "pert" and position % 3 == 0:
                    row["shape"] = 5
            elif distribution in ("normal", "lognormal"):
                row.update(mean=(low + mode + high) / 3, sd=(high - low) / 6)
            else:  # every third one skewed to the left, the others to the right
                below, above = (0.6 * (high - mode), 0.6 * (mode - low)) if position % 3 == 1 else (
                    0.6 * (mode - low), 0.6 * (high - mode))
                row.update(p10=mode - below, p50=mode, p90=mode + above)
            assumption_rows.append(row)
            chosen[quantity] = distribution
        pairs = [pair for pair in CORRELATED_PAIRS if "fixed" not in (chosen[pair[0]], chosen[pair[1]])]
        for a, b, rho in pairs[:2 + position % 2]:
            correlation_rows.append({"candidate_id": candidate, "assumption_a": f"a_{a}", "assumption_b": f"a_{b}",
                                     "rank_correlation": rho})
        for number, (impact, probability, triple) in enumerate(RISKS):
            scale = factor if impact == "one_off_cost" else 1.0
            mitigated = mitigations and number in (position % 6, (position + 3) % 6)
            risk_rows.append({
                "candidate_id": candidate, "risk_id": f"r{number + 1}_{impact}", "description": f"synthetic {impact}",
                "probability": probability, "impact_type": impact, "impact_min": triple[0] * scale,
                "impact_mode": triple[1] * scale, "impact_max": triple[2] * scale,
                "mitigation": "synthetic mitigation" if mitigated else "",
                "mitigation_cost": round(40_000 * factor) if mitigated else "",
                "mitigated_probability": round(probability / 2, 3) if mitigated else "",
            })
    header = (SAMPLE_CASE_DIR / "assumptions.csv").read_text(encoding="utf-8").splitlines()[0].split(",")[:16]
    pd.DataFrame(risk_rows).to_csv(folder / "risks.csv", index=False)
    for position in range(1, candidates - 1, 2):
        correlation_rows.append({"candidate_id": ids[position], "assumption_a": "a_revenue_uplift",
                                 "assumption_b": f"{ids[position + 1]}:a_revenue_uplift", "rank_correlation": 0.3})
    frame = pd.DataFrame(assumption_rows).reindex(columns=header).assign(driver_id="", driver_effect="")
    revenue = (frame["quantity"] == "revenue_uplift") & (frame["candidate_id"] != ids[0])
    launch = (frame["quantity"] == "launch_months") & frame["candidate_id"].isin(ids[1::2])
    frame.loc[revenue, ["driver_id", "driver_effect"]] = ["market_adoption", "multiply"]
    frame.loc[launch, ["driver_id", "driver_effect"]] = ["regulatory_delay", "add"]
    frame.to_csv(folder / "assumptions.csv", index=False)
    pd.DataFrame([
        {"driver_id": "market_adoption", "name": "market adoption", "distribution": "lognormal", "mean": 1.0, "sd": 0.2,
         "description": "Adoption of remote monitoring across the market (1 = as planned)"},
        {"driver_id": "regulatory_delay", "name": "regulatory delay", "distribution": "triangular", "min": 0.0, "mode": 1.0, "max": 6.0,
         "unit": "months", "description": "Extra months the notified bodies take"},
    ]).reindex(columns=["driver_id", "name", "distribution", "value", "min", "mode", "max", "shape", "mean", "sd", "p10",
                        "p50", "p90", "unit", "description"]).to_csv(folder / "drivers.csv", index=False)
    pd.DataFrame(correlation_rows).to_csv(folder / "correlations.csv", index=False)


# ------------------------------------------------------------------------------- one candidate's model
class CandidateModel:
    """One candidate's model, read from the loaded case, in the plain form the baselines use."""

    def __init__(self, case, candidate: str) -> None:
        finance = case.settings.finance
        self.candidate = candidate
        self.horizon = int(finance.horizon_years)
        self.rate = float(finance.discount_rate)
        phase_out = case.candidates.at[candidate, "phase_out_date"]
        self.phase_out = None if phase_out is None or pd.isna(phase_out) else max(
            (pd.Timestamp(phase_out) - pd.Timestamp(case.settings.as_of)).days / 365.25, 0.0)
        self.cap = float(self.horizon) if self.phase_out is None else min(float(self.horizon), self.phase_out)
        rows = case.assumptions[case.assumptions["candidate_id"] == candidate]
        self.assumptions = []  # (assumption id, quantity, distribution, parameters)
        for row in rows.itertuples(index=False):
            params = {name: float(getattr(row, name)) for name in
                      ("value", "min", "mode", "max", "shape", "mean", "sd", "p10", "p50", "p90")
                      if not pd.isna(getattr(row, name))}
            if row.distribution == "pert":
                params.setdefault("shape", 4.0)
            self.assumptions.append((row.assumption_id, row.quantity, row.distribution, params))
        matrix = case.correlations.get(candidate)
        self.correlated = [] if matrix is None else list(matrix.index)
        self.spearman = None if matrix is None else matrix.to_numpy()
        risks = case.risks[case.risks["candidate_id"] == candidate]
        self.risks = [(r.risk_id, r.impact_type, float(r.probability), float(r.impact_min), float(r.impact_mode),
                       float(r.impact_max)) for r in risks.itertuples(index=False)]

    def pearson_factor(self) -> np.ndarray:
        """A factor F with F·Fᵀ the normal-copula correlation 2·sin(π·ρ_S/6) of the Spearman target."""
        eigenvalues, eigenvectors = np.linalg.eigh(2 * np.sin(np.pi / 6 * self.spearman))
        return eigenvectors * np.sqrt(np.maximum(eigenvalues, 0))

    def copula_uniforms(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """``n`` × k uniforms in (0, 1) whose rank correlations are the target (Gaussian copula)."""
        z = rng.standard_normal((n, len(self.correlated))) @ self.pearson_factor().T
        return np.clip(special.ndtr(z), 1e-12, 1 - 1e-12)

    def discount_factors(self) -> list[float]:
        """Year-end discount factor of every year, year 0 first."""
        return [(1 + self.rate) ** -year for year in range(self.horizon + 1)]

    def clip(self, quantity: str, value: float) -> float:
        """Keep a draw in its valid range, as ``simulate_case`` does (shares 0..1, the rest not below 0)."""
        return min(max(value, 0.0), 1.0) if quantity in SHARES else max(value, 0.0)


def pert_alpha_beta(p: dict) -> tuple[float, float]:
    """α and β of the PERT's beta distribution (see ``distributions.frozen``)."""
    width = p["max"] - p["min"]
    return 1 + p["shape"] * (p["mode"] - p["min"]) / width, 1 + p["shape"] * (p["max"] - p["mode"]) / width


def lognormal_mu_sigma(p: dict) -> tuple[float, float]:
    """μ and σ of ln X for a lognormal with the given mean and sd of X."""
    variance = math.log1p((p["sd"] / p["mean"]) ** 2)
    return math.log(p["mean"]) - variance / 2, math.sqrt(variance)


def three_point(p: dict) -> tuple[float, float]:
    """Signed log-sd ``s`` (0: symmetric) and scale ``b`` of the P10/P50/P90 fit (``fit_p10_p50_p90``)."""
    below, above = p["p50"] - p["p10"], p["p90"] - p["p50"]
    if abs(above - below) <= 1e-12 * (p["p90"] - p["p10"]):
        return 0.0, (p["p90"] - p["p10"]) / (2 * Z90)
    s = math.log(above / below) / Z90
    return s, above * s / math.expm1(s * Z90)


# ------------------------------------------------------------------------------------------- monaco
def scalar_outcome(thesis: dict, delay: float, cost: float, kept: float, horizon: int, cap: float,
                   discount: list[float]) -> tuple[float, float, list[float]]:
    """One iteration's NPV, payback year and yearly cash flows in plain Python, by the formulas of
    ``cash_flow.cash_flows`` (``kept``: the share of the revenue uplift left after the risk events)."""
    launch = (thesis.get("launch_months", 0.0) + delay) / 12
    ramp = thesis.get("ramp_up_years", 0.0)
    end = min(launch + thesis.get("lifetime_years", math.inf), cap)
    rate = thesis.get("revenue_uplift", 0.0) * thesis.get("gross_margin", 1.0) * kept + thesis.get("cost_savings", 0.0)
    running = thesis.get("running_cost", 0.0)
    flows = [-thesis.get("investment", 0.0)]
    earned_before, until_before = 0.0, 0.0
    for year in range(1, horizon + 1):
        until = min(float(year), end)
        since = max(until - launch, 0.0)
        ramping = min(since, ramp)
        earned = (ramping * ramping * 0.5 / ramp if ramp > 0 else 0.0) + since - ramping
        flows.append(rate * (earned - earned_before) - running * (until - until_before))
        earned_before, until_before = earned, until
    flows[1] -= cost
    total = 0.0
    for flow, weight in zip(flows, discount):
        total += flow * weight
    cumulative, payback = 0.0, 0.0  # payback year: after the last negative cumulative cash flow
    for year, flow in enumerate(flows):
        cumulative += flow
        if cumulative < 0:
            payback = year + 1.0
    if cumulative < 0:
        payback = math.nan
    return total, payback, flows


def monaco_distribution(distribution: str, p: dict) -> tuple[object, dict]:
    """The scipy distribution and keyword arguments of a monaco ``InVar`` for an assumption."""
    if distribution == "pert":
        a, b = pert_alpha_beta(p)
        return stats.beta, {"a": a, "b": b, "loc": p["min"], "scale": p["max"] - p["min"]}
    if distribution == "triangular":
        width = p["max"] - p["min"]
        return stats.triang, {"c": (p["mode"] - p["min"]) / width, "loc": p["min"], "scale": width}
    if distribution == "uniform":
        return stats.uniform, {"loc": p["min"], "scale": p["max"] - p["min"]}
    if distribution == "normal":
        return stats.norm, {"loc": p["mean"], "scale": p["sd"]}
    if distribution == "lognormal":
        mu, sigma = lognormal_mu_sigma(p)
        return stats.lognorm, {"s": sigma, "scale": math.exp(mu)}
    if distribution == "p10_p50_p90":
        s, b = three_point(p)
        if s == 0:
            return stats.norm, {"loc": p["p50"], "scale": b}
        if s > 0:  # right skew: X = c + exp(μ + σZ), exactly scipy's lognorm(σ, loc=c, scale=e^μ)
            return stats.lognorm, {"s": s, "loc": p["p50"] - b / s, "scale": b / s}
        # left skew (the mirror image) is no scipy lognorm (its scale must be positive): the package's own
        # fitted distribution object, which is an ordinary scipy rv_continuous, so the fit stays exact
        fit = frozen("p10_p50_p90", p)
        return fit.dist, {"s": fit.args[0], **fit.kwds}
    raise ValueError(f"no monaco InVar for {distribution!r}")


def run_monaco(model: CandidateModel, n: int, seed: int, scalar: bool):
    """Build and run the monaco ``Sim`` of one candidate for ``n`` cases; return the sim.

    ``scalar``: the run function computes the cash flows in plain Python (:func:`scalar_outcome`), otherwise
    with ``cash_flows``, ``npv`` and ``payback_year`` on arrays of length 1.
    """
    import monaco as mc

    discount = model.discount_factors()

    def preprocess(case):
        values = {assumption: case.invals[assumption].val for assumption in random_ids}
        values.update(fixed)
        occurred = [case.invals[f"occurs:{risk[0]}"].val for risk in model.risks]
        impact = [case.invals[f"impact:{risk[0]}"].val for risk in model.risks]
        return values, occurred, impact

    def combined(occurred, impact):
        delay = cost = 0.0
        kept = 1.0
        for (_, kind, *_), happened, amount in zip(model.risks, occurred, impact):
            realised = amount if happened else 0.0
            if kind == "delay_months":
                delay += realised
            elif kind == "one_off_cost":
                cost += realised
            else:
                kept *= 1 - realised
        return delay, cost, kept

    def run_cash_flows(values, occurred, impact):  # the package's vectorised functions on length-1 arrays
        thesis = ValueThesis.from_arrays(1, **{quantity: np.array([model.clip(quantity, values[assumption])])
                                               for assumption, quantity, _, _ in model.assumptions})
        delay, cost, kept = combined(occurred, impact)
        flows = cash_flows(thesis, RiskImpacts(np.array([delay]), np.array([cost]), np.array([1 - kept])),
                           model.horizon, model.phase_out)
        return float(npv(flows, model.rate)[0]), float(payback_year(flows)[0])

    def run_scalar(values, occurred, impact):  # the same formulas in plain Python (scalar_outcome)
        thesis = {quantity: model.clip(quantity, values[assumption])
                  for assumption, quantity, _, _ in model.assumptions}
        total, payback, _ = scalar_outcome(thesis, *combined(occurred, impact), model.horizon, model.cap, discount)
        return total, payback

    def postprocess(case, net_present_value, payback):
        case.addOutVal("npv", net_present_value)
        case.addOutVal("payback", payback)

    sim = mc.Sim(name="bench_simulation", ndraws=n, fcns={mc.SimFunctions.PREPROCESS: preprocess,
                                                          mc.SimFunctions.RUN: run_scalar if scalar else run_cash_flows,
                                                          mc.SimFunctions.POSTPROCESS: postprocess},
                 samplemethod=mc.SampleMethod.RANDOM, seed=seed, singlethreaded=True, verbose=False,
                 debug=True, savesimdata=False, savecasedata=False)
    rng = np.random.default_rng(seed)
    copula = dict(zip(model.correlated, model.copula_uniforms(n, rng).T)) if model.correlated else {}
    fixed, random_ids = {}, []
    for assumption, _, distribution, params in model.assumptions:
        if distribution == "fixed":
            fixed[assumption] = params["value"]
            sim.addConstVal(assumption, params["value"])
            continue
        dist, kwargs = monaco_distribution(distribution, params)
        pcts = copula[assumption].tolist() if assumption in copula else None
        sim.addInVar(name=assumption, dist=dist, distkwargs=kwargs, pcts=pcts)
        random_ids.append(assumption)
    for risk_id, _, probability, low, mode, high in model.risks:
        sim.addInVar(name=f"occurs:{risk_id}", dist=stats.bernoulli, distkwargs={"p": probability})
        sim.addInVar(name=f"impact:{risk_id}", dist=stats.triang,
                     distkwargs={"c": (mode - low) / (high - low), "loc": low, "scale": high - low})
    sim.runSim()
    if len(sim.casespostprocessed) != n:
        raise RuntimeError(f"monaco ran {len(sim.casespostprocessed)} of {n} cases")
    return sim


# ------------------------------------------------------------------------------ per-iteration loop
def loop_model(model: CandidateModel, n: int, seed: int, record: bool = False) -> tuple[list, list]:
    """One candidate, one iteration at a time in plain Python: NPVs, and the drawn theses/impacts if ``record``."""
    rng = np.random.default_rng(seed)
    factor = model.pearson_factor().tolist() if model.correlated else []
    k = len(model.correlated)
    position = {assumption: i for i, assumption in enumerate(model.correlated)}
    plans = []  # per assumption: (quantity, distribution, precomputed parameters, copula index or None)
    for assumption, quantity, distribution, p in model.assumptions:
        if distribution == "pert":
            extra = pert_alpha_beta(p)
        elif distribution == "lognormal":
            extra = lognormal_mu_sigma(p)
        elif distribution == "p10_p50_p90":
            extra = three_point(p)
        else:
            extra = None
        plans.append((quantity, distribution, p, extra, position.get(assumption)))
    discount, horizon, cap, sqrt_half = model.discount_factors(), model.horizon, model.cap, math.sqrt(0.5)
    npvs, drawn = [], []
    for _ in range(n):
        z = []
        if k:
            e = [rng.standard_normal() for _ in range(k)]
            z = [sum(factor[i][j] * e[j] for j in range(k)) for i in range(k)]
        thesis = {}
        for quantity, distribution, p, extra, index in plans:
            if index is None:  # independent: numpy's scalar samplers
                if distribution == "fixed":
                    value = p["value"]
                elif distribution == "uniform":
                    value = rng.uniform(p["min"], p["max"])
                elif distribution == "triangular":
                    value = rng.triangular(p["min"], p["mode"], p["max"])
                elif distribution == "pert":
                    value = p["min"] + (p["max"] - p["min"]) * rng.beta(*extra)
                elif distribution == "normal":
                    value = rng.normal(p["mean"], p["sd"])
                elif distribution == "lognormal":
                    value = rng.lognormal(*extra)
                else:
                    s, b = extra
                    g = rng.standard_normal()
                    value = p["p50"] + b * (g if s == 0 else math.expm1(s * g) / s)
            else:  # correlated: the inverse CDF at the copula's normal score
                g = z[index]
                u = min(max(0.5 * math.erfc(-g * sqrt_half), 1e-12), 1 - 1e-12)
                if distribution == "fixed":
                    value = p["value"]
                elif distribution == "uniform":
                    value = p["min"] + (p["max"] - p["min"]) * u
                elif distribution == "triangular":
                    width = p["max"] - p["min"]
                    value = (p["min"] + math.sqrt(u * width * (p["mode"] - p["min"]))
                             if u * width < p["mode"] - p["min"]
                             else p["max"] - math.sqrt((1 - u) * width * (p["max"] - p["mode"])))
                elif distribution == "pert":
                    value = p["min"] + (p["max"] - p["min"]) * float(special.betaincinv(*extra, u))
                elif distribution == "normal":
                    value = p["mean"] + p["sd"] * g
                elif distribution == "lognormal":
                    value = math.exp(extra[0] + extra[1] * g)
                else:
                    s, b = extra
                    value = p["p50"] + b * (g if s == 0 else math.expm1(s * g) / s)
            thesis[quantity] = thesis.get(quantity, 0.0) + model.clip(quantity, value)
        delay = cost = 0.0
        kept = 1.0
        for _, kind, probability, low, mode, high in model.risks:
            u = rng.random()
            if u >= 1 - probability:
                q = min(max((u - (1 - probability)) / probability, 0.0), 1.0)
                width = high - low
                impact = (low + math.sqrt(q * width * (mode - low)) if q * width < mode - low
                          else high - math.sqrt((1 - q) * width * (high - mode)))
                if kind == "delay_months":
                    delay += impact
                elif kind == "one_off_cost":
                    cost += impact
                else:
                    kept *= 1 - impact
        total, payback, flows = scalar_outcome(thesis, delay, cost, kept, horizon, cap, discount)
        npvs.append(total)
        if record:
            drawn.append((thesis, delay, cost, 1 - kept, flows, payback))
    return npvs, drawn


def loop_gap(model: CandidateModel, drawn: list) -> float:
    """Largest relative difference between the loop's cash flows and ``cash_flows`` on the same inputs."""
    theses, delays, costs, losses, flows, paybacks = zip(*drawn)
    n = len(drawn)
    thesis = ValueThesis.from_arrays(n, **{quantity: np.array([t.get(quantity, np.nan) for t in theses])
                                           for quantity in QUANTITIES if quantity in theses[0]})
    expected = cash_flows(thesis, RiskImpacts(np.array(delays), np.array(costs), np.array(losses)), model.horizon,
                          model.phase_out)
    scale = np.maximum(np.abs(expected), 1.0)
    paybacks_match = np.array_equal(np.array(paybacks), payback_year(expected), equal_nan=True)
    return float(np.max(np.abs(np.array(flows) - expected) / scale)) if paybacks_match else math.inf


# ------------------------------------------------------------------------------------------- memory
def peak_rss_mib() -> float:
    """This process's peak resident set size since exec (``VmHWM``; ``ru_maxrss`` where there is no /proc)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def bare_model(case, iterations: int):
    """``simulate_case`` without the sensitivity figures (what the baselines compute: the model and its NPV)."""
    return simulate_case(case, iterations=iterations, sensitivity=False)


def with_sensitivity(case, iterations: int):
    """``simulate_case`` as the notebook runs it, with every candidate's sensitivity figures."""
    return simulate_case(case, iterations=iterations)


def memory_child(folder: str, iterations: int) -> None:
    """Child process: load the case, run the model once (``simulate_case`` without sensitivity figures: every
    candidate's NPV and payback per iteration, the mitigations valued) and print one JSON line with its peak RSS."""
    case = load_case(folder)
    before = peak_rss_mib()
    started = time.perf_counter()
    bare_model(case, iterations)
    print(json.dumps({"seconds": time.perf_counter() - started, "rss_before_mib": before,
                      "peak_rss_mib": peak_rss_mib(),
                      "ru_maxrss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))


def variates_and_correlated(case, iterations: int) -> tuple[int, int, list[int]]:
    """Variates one iteration draws (assumptions, risk uniforms, drivers), the correlated columns, the chunks."""
    plan = simulation_plan(case, list(case.candidates.index), iterations, 1, "random")[0]
    variates = sum(len(spec.assumptions) + len(spec.risk_ids) for spec in plan.candidates) + len(plan.drivers)
    correlated = (sum(len(spec.correlation[0]) for spec in plan.candidates if spec.correlation is not None)
                  + sum(len(members) for _, members, _ in plan.groups))
    return variates, correlated, plan.chunks


def floor_run(variates: int, correlated: int, chunks: list[int]) -> None:
    """The strict floor: draw as many standard normal variates, chunk by chunk, and rank each correlated column
    once (per column and chunk, with the fastest exact ranking the package has, ``argsort_rows``)."""
    rng = np.random.default_rng(0)
    for size in chunks:
        drawn = rng.standard_normal((variates, size))
        argsort_rows(drawn[:correlated])


def floor_same_variates(case, iterations: int) -> None:
    """The floor on the model's own variates: every assumption and driver drawn from its own distribution with
    the same samplers the engine uses, every risk event's uniform, chunk by chunk, and each correlated column
    ranked once."""
    plan = simulation_plan(case, list(case.candidates.index), iterations, 1, "random")[0]
    rng = np.random.default_rng(0)
    correlated = [(position, column) for position, spec in enumerate(plan.candidates) if spec.correlation is not None
                  for column in spec.correlation[0]] + [member for _, members, _ in plan.groups for member in members]
    for size in plan.chunks:
        drawn = [np.stack([marginal.draw(size, rng, None) for marginal in spec.marginals]) for spec in plan.candidates]
        for spec in plan.candidates:
            rng.random((size, len(spec.risk_ids)))
        for marginal in plan.drivers:
            marginal.draw(size, rng, None)
        argsort_rows(np.stack([drawn[position][column] for position, column in correlated]))


def dask_figures(case, iterations: int, local_s: float, reference) -> dict:
    """The model on a 2-worker Dask ``LocalCluster`` (one block per chunk): time, speed-up, overhead per block and
    whether the NPVs equal the local run's bit for bit."""
    from distributed import Client, LocalCluster

    blocks = len(variates_and_correlated(case, iterations)[2])
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
            Client(cluster) as client:
        simulate_case(case, iterations=min(iterations, 2_000), sensitivity=False, scheduler=client)  # warm the workers
        started = time.perf_counter()
        result = simulate_case(case, iterations=iterations, sensitivity=False, scheduler=client, blocks=blocks)
        seconds = time.perf_counter() - started
    identical = all(np.array_equal(result.candidates[c].npv, reference.candidates[c].npv) for c in reference.candidates)
    return {"dask_s": seconds, "dask_blocks": blocks, "dask_speedup": local_s / seconds,
            "dask_overhead_per_block_s": max(0.0, 2 * seconds - local_s) / blocks, "dask_identical": identical}


def measure_memory(folder: Path, iterations: int) -> tuple[dict | None, str | None]:
    """Run :func:`memory_child` in a fresh interpreter; its figures, or None and the reason."""
    command = [sys.executable, str(Path(__file__).resolve()), "--memory-child", str(folder),
               "--memory-iterations", str(iterations)]
    done = subprocess.run(command, check=False, capture_output=True, text=True)
    if done.returncode != 0:
        return None, f"child exited with {done.returncode}: {done.stderr.strip().splitlines()[-1:]}"
    return json.loads(done.stdout.strip().splitlines()[-1]), None


# --------------------------------------------------------------------------------------------- main
def mean_and_se(values) -> tuple[float, float]:
    """Mean and its standard error."""
    array = np.asarray(values, dtype=float)
    return float(array.mean()), float(array.std(ddof=1) / math.sqrt(len(array)))


def rounded(value: float | None, digits: int) -> float | None:
    """``value`` rounded, or None."""
    return None if value is None else round(value, digits)


def main() -> None:
    """Build the case, time each variant and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--candidates", type=int, default=25)
    parser.add_argument("--iterations", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--baseline-iterations", type=int, default=2_000,
                        help="iterations of the monaco and per-iteration-loop baselines (one candidate)")
    parser.add_argument("--model-candidate", type=int, default=0,
                        help="position of the candidate the baselines model (default the first)")
    parser.add_argument("--memory-iterations", type=int, default=1_000_000, help="0 skips the memory run")
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--no-dask", dest="dask", action="store_false", help="skip the Dask LocalCluster run")
    parser.add_argument("--memory-child", help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.memory_child:
        memory_child(options.memory_child, options.memory_iterations)
        return
    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as directory:
        folder = Path(directory)
        build_case(folder, options.candidates, options.seed)
        case = load_case(folder)
        plain_folder = folder / "without_mitigations"
        plain_folder.mkdir()
        build_case(plain_folder, options.candidates, options.seed, mitigations=False)
        plain_case = load_case(plain_folder)
        memory, memory_error = (measure_memory(folder, options.memory_iterations) if options.memory_iterations
                                else (None, "skipped (--memory-iterations 0)"))
    candidates = list(case.candidates.index)
    assumptions = len(case.assumptions) / len(candidates)
    risks = len(case.risks) / len(candidates)
    pairs = sum(int(np.count_nonzero(np.triu(matrix.to_numpy(), 1)))
                for matrix in [*case.correlations.values(), *case.cross_correlations])

    sim_s, result = best_of(options.repeat, bare_model, case, options.iterations)
    iters_per_s = options.iterations / sim_s
    candidate_iters_per_s = len(candidates) * options.iterations / sim_s
    variates, correlated, chunks = variates_and_correlated(case, options.iterations)
    floor_s, _ = best_of(options.repeat, floor_same_variates, case, options.iterations)
    floor_ratio = sim_s / floor_s
    normal_floor_s, _ = best_of(options.repeat, floor_run, variates, correlated, chunks)
    normal_floor_ratio = sim_s / normal_floor_s
    dask = dask_figures(case, options.iterations, sim_s, result) if options.dask else {}
    plain_s, _ = best_of(options.repeat, bare_model, plain_case, options.iterations)
    plain_candidate_iters_per_s = len(candidates) * options.iterations / plain_s
    full_s, _ = best_of(1, with_sensitivity, case, options.iterations)

    model = CandidateModel(case, candidates[options.model_candidate])
    ours_mean, ours_se = mean_and_se(result.candidates[model.candidate].npv)
    n_base = options.baseline_iterations

    loop_s, (loop_npvs, _) = best_of(options.repeat, loop_model, model, n_base, options.seed)
    loop_candidate_iters_per_s = n_base / loop_s
    loop_mean, loop_se = mean_and_se(loop_npvs)
    gap = loop_gap(model, loop_model(model, min(n_base, 500), options.seed + 1, record=True)[1])

    monaco_version = monaco_error = None
    monaco_times: dict[str, float] = {}
    monaco_s = monaco_candidate_iters_per_s = monaco_mean = monaco_se = None
    try:
        from importlib.metadata import version

        monaco_version = version("monaco")
        for variant in ("cash_flows", "scalar"):
            monaco_times[variant], sim = best_of(options.repeat, run_monaco, model, n_base, options.seed,
                                                 variant == "scalar")
            if variant == "scalar":
                monaco_mean, monaco_se = mean_and_se(sim.outvars["npv"].nums)
        monaco_s = min(monaco_times.values())  # the comparison uses monaco's faster variant
        monaco_candidate_iters_per_s = n_base / monaco_s
    except Exception as error:  # noqa: BLE001 - any failure of the optional baseline is reported, not fatal
        monaco_error = f"{type(error).__name__}: {error}"
    monaco_iters_per_s = (None if monaco_candidate_iters_per_s is None
                          else monaco_candidate_iters_per_s / len(candidates))
    speedup_vs_monaco = (None if monaco_candidate_iters_per_s is None
                         else candidate_iters_per_s / monaco_candidate_iters_per_s)
    speedup_vs_loop = candidate_iters_per_s / loop_candidate_iters_per_s
    plain_speedup_vs_monaco = (None if monaco_candidate_iters_per_s is None
                               else plain_candidate_iters_per_s / monaco_candidate_iters_per_s)
    peak_mib = None if memory is None else memory["peak_rss_mib"]

    print(f"case: {len(candidates)} candidates × ({assumptions:.0f} assumptions + {risks:.0f} risk events), "
          f"{sum(case.risks['mitigation'].notna())} mitigations, {len(case.correlations)} candidates with "
          f"correlations of their own and {len(case.cross_correlations)} groups across candidates ({pairs} "
          f"correlated pairs); {options.iterations:,} iterations; best of "
          f"{options.repeat}; load average {load:.2f} at the start; {dt.date.today()}")
    print(f"simulate_case (the model, sensitivity=False): {sim_s:.3f} s")
    print(f"floor (the model's {variates} variates per iteration, each from its own distribution, {correlated} "
          f"correlated columns ranked once, in the same {len(chunks)} chunks): {floor_s:.3f} s → model / floor "
          f"{floor_ratio:.2f}x (target ≤ 2x: {'met' if floor_ratio <= 2 else 'NOT met'})")
    print(f"strict floor (as many standard normals instead): {normal_floor_s:.3f} s → model / strict floor "
          f"{normal_floor_ratio:.2f}x")
    if dask:
        print(f"Dask LocalCluster, 2 workers, {dask['dask_blocks']} blocks: {dask['dask_s']:.3f} s → speed-up "
              f"{dask['dask_speedup']:.2f}x over one process, overhead {dask['dask_overhead_per_block_s'] * 1000:.0f} ms "
              f"per block; NPVs bit-identical to the local run: {dask['dask_identical']}")
    print(f"simulate_case with sensitivity figures (as the notebook runs it): {full_s:.3f} s")
    print(f"  case iterations/s (all {len(candidates)}):        {iters_per_s:,.0f}")
    print(f"  candidate-iterations/s:             {candidate_iters_per_s:,.0f}")
    print(f"simulate_case, same case without its mitigations (no re-runs; the baselines' scope): {plain_s:.3f} s "
          f"→ {plain_candidate_iters_per_s:,.0f} candidate-iterations/s")
    print(f"baselines model candidate {model.candidate} ({len(model.assumptions)} assumptions, {len(model.risks)} "
          f"risks, {len(model.correlated)} correlated), {n_base:,} iterations each:")
    if monaco_error is None:
        for variant, label in (("cash_flows", "run calls cash_flows on length-1 arrays"),
                               ("scalar", "run computes the flows in plain Python")):
            print(f"  monaco {monaco_version}, {label}: {monaco_times[variant]:.3f} s → "
                  f"{n_base / monaco_times[variant]:,.0f} candidate-iterations/s")
        print(f"  monaco, faster variant (compared):  {monaco_candidate_iters_per_s:,.0f} candidate-iterations/s "
              f"(= {monaco_iters_per_s:,.1f} case iterations/s for {len(candidates)} candidates)")
    else:
        print(f"  monaco: not measured ({monaco_error})")
    print(f"  per-iteration Python loop:        {loop_s:.3f} s → {loop_candidate_iters_per_s:,.0f} "
          f"candidate-iterations/s (= {loop_candidate_iters_per_s / len(candidates):,.1f} case iterations/s)")
    print("speed-up vs monaco (candidate-iterations/s):  "
          + ("n/a" if speedup_vs_monaco is None else f"{speedup_vs_monaco:,.0f}x (target ≥ 100x: "
             f"{'met' if speedup_vs_monaco >= 100 else 'NOT met'})"))
    if plain_speedup_vs_monaco is not None:
        print(f"  the same without mitigations (like for like): {plain_speedup_vs_monaco:,.0f}x")
    print(f"speed-up vs per-iteration loop:               {speedup_vs_loop:,.0f}x (without mitigations "
          f"{plain_candidate_iters_per_s / loop_candidate_iters_per_s:,.0f}x)")
    print(f"mean NPV of {model.candidate} (± s.e.): simulate_case {ours_mean:,.0f} ± {ours_se:,.0f}; loop "
          f"{loop_mean:,.0f} ± {loop_se:,.0f}" + ("" if monaco_mean is None else
                                                 f"; monaco {monaco_mean:,.0f} ± {monaco_se:,.0f}"))
    print(f"loop cash flows vs cash_flows on the same draws: largest relative difference {gap:.1e}")
    if memory is None:
        print(f"memory run of {options.memory_iterations:,} iterations: not measured ({memory_error})")
    else:
        print(f"{options.memory_iterations:,}-iteration run of the model (child process): peak RSS {peak_mib:,.0f} MiB "
              f"(target < 1,024: {'met' if peak_mib < 1024 else 'NOT met'}), {memory['rss_before_mib']:,.0f} MiB "
              f"before the run, {memory['seconds']:.1f} s (target < 60 s: "
              f"{'met' if memory['seconds'] < 60 else 'NOT met'})")
    print(json.dumps({
        "candidates": len(candidates), "assumptions_per_candidate": assumptions, "risks_per_candidate": risks,
        "iterations": options.iterations, "repeat": options.repeat,
        "sim_s": round(sim_s, 4), "sim_full_s": round(full_s, 4), "iters_per_s": round(iters_per_s, 1),
        "candidate_iters_per_s": round(candidate_iters_per_s, 1),
        "sim_no_mitigation_s": round(plain_s, 4),
        "monaco_version": monaco_version, "monaco_error": monaco_error, "baseline_iterations": n_base,
        "monaco_s": rounded(monaco_s, 4), "monaco_cash_flows_s": rounded(monaco_times.get("cash_flows"), 4),
        "monaco_scalar_s": rounded(monaco_times.get("scalar"), 4),
        "monaco_candidate_iters_per_s": rounded(monaco_candidate_iters_per_s, 1),
        "monaco_iters_per_s": rounded(monaco_iters_per_s, 2), "speedup_vs_monaco": rounded(speedup_vs_monaco, 1),
        "loop_s": round(loop_s, 4), "loop_candidate_iters_per_s": round(loop_candidate_iters_per_s, 1),
        "speedup_vs_loop": round(speedup_vs_loop, 1),
        "speedup_vs_monaco_no_mitigation": rounded(plain_speedup_vs_monaco, 1),
        "peak_mib_1m": rounded(peak_mib, 1), "memory_iterations": options.memory_iterations,
        "memory_error": memory_error,
        "rss_before_mib_1m": None if memory is None else round(memory["rss_before_mib"], 1),
        "sim_1m_s": None if memory is None else round(memory["seconds"], 2),
        "floor_s": round(floor_s, 4), "floor_ratio": round(floor_ratio, 2), "meets_2x_floor": floor_ratio <= 2,
        "normal_floor_s": round(normal_floor_s, 4), "normal_floor_ratio": round(normal_floor_ratio, 2),
        "variates_per_iteration": variates, "correlated_columns": correlated, "chunks": len(chunks),
        **{key: round(value, 4) if isinstance(value, float) else value for key, value in dask.items()},
        "meets_50x_monaco": None if speedup_vs_monaco is None else speedup_vs_monaco >= 50,
        "meets_2gib_1m": None if peak_mib is None else peak_mib < 2048,
        "meets_100x_monaco": None if speedup_vs_monaco is None else speedup_vs_monaco >= 100,
        "meets_1gib_1m": None if peak_mib is None else peak_mib < 1024,
        "meets_60s_1m": None if memory is None else memory["seconds"] < 60,
        "load_average": round(load, 2),
    }))


if __name__ == "__main__":
    main()
