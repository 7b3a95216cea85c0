"""Benchmark: how the alliance-health analysis scales, against a plain-Python baseline and a bare floor.

Builds a seeded synthetic case in a temporary folder: the sample case's ``case.yaml``, ``scores.csv``,
``assumptions.csv``, ``risks.csv``, ``correlations.csv`` and proposed candidates, plus (default) 100 alliances in
flight (status active, started 36 months before the month of ``as_of``, so their scorecard runs to the month
before it), each with 20 KPIs (5 per dimension: value, execution, relationship, capability). One relationship
KPI is a survey answered by 4 respondents per side (us and partner), the others have one fact a month; about
2 % of the facts and 5 % of the survey answers are missing. A third of the alliances decline from a month
between 18 and 30 on, and a fifth have a partner side that scores the relationship lower, so signals, triggers,
early warnings and side gaps all occur. Triggers: ``*`` triggers on the health index, on each dimension and
on the survey KPI, and one KPI trigger per alliance (6 per alliance). Then times, in this process (each the
best of ``--repeat`` runs, as the machine's other load only ever adds time):

- ``load_case``: reading and validating every file and row, the health files' cross-checks included;
- the model, ``alliance_health(case, paths=--paths)``: index and coverage, run chart, XmR, EWMA and CUSUM on
  every KPI, triggers, early-warning simulation of every trigger not firing, side gaps, recommendations;
- ``index + EWMA + CUSUM only``: the package's own functions (``attainment``, ``weighted_index``, ``baseline``,
  ``ewma``, ``cusum``) called per alliance and per KPI as the model calls them, the scope of the baseline;
- the floor, the least any implementation must do at this size: one pandas groupby-mean of the scorecard
  into an alliances × months × KPIs array, one vectorised pass of attainment and of the weighted index (and
  coverage) for every alliance at once, and as many standard normal draws as the early warning needs
  (paths × horizon of every trigger it simulated);
- baseline ``plain Python loops``: the same monthly means, health index and coverage per dimension, and EWMA
  and CUSUM per KPI with dicts, lists and loops per alliance, per KPI and per month, checked against the model.

The peak memory of one model run is traced with ``tracemalloc`` (Python allocations, numpy's included); the
process's ``ru_maxrss`` at the end is printed beside it. Prints each figure, the ratios (model / floor,
baseline / model, baseline / index-only) and the load average at the start, and as its last line one JSON
object. ``--quick`` runs 10 alliances with one repeat, for a smoke run.
Usage: ``.venv/bin/python benchmarks/bench_health.py [--alliances N] [--months M] [--paths P] [--repeat R]
[--quick]``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import json
import math
import os
import resource
import shutil
import tempfile
import time
import tracemalloc
from collections import defaultdict
from pathlib import Path

import numpy as np
import pandas as pd
import yaml
from timing import best_of

from alliance_analytics import load_case
from alliance_analytics.case.model import DIMENSIONS
from alliance_analytics.core.paths import SAMPLE_CASE_DIR
from alliance_analytics.health.analysis import HEALTH, alliance_health
from alliance_analytics.health.control_charts import baseline, cusum, ewma
from alliance_analytics.health.index import attainment, weighted_index

RESPONDENTS = 4
"""Survey respondents per side and alliance."""
SURVEY_KPI = "relationship_pulse"
COPIED = ("case.yaml", "scores.csv", "assumptions.csv", "risks.csv", "correlations.csv")
SPONSORS = ("CTO", "CMO", "CCO", "COO")
OBJECTIVES = ("O1;O3", "O2;O3", "O3;O4", "O1;O2;O3", "O3")
TYPES = ("co-development", "co-marketing", "distribution", "technology", "licensing", "supply", "joint-venture")

# kpi_id, dimension, name, unit, direction, typical target (the alliance's target is this × 0.6 to 1.6)
CATALOGUE = (
    ("joint_revenue", "value", "Joint revenue", "k EUR/month", "higher", 80.0),
    ("qualified_pipeline", "value", "Qualified pipeline", "opportunities", "higher", 30.0),
    ("win_rate", "value", "Win rate", "%", "higher", 35.0),
    ("joint_customers", "value", "Joint customers", "customers", "higher", 40.0),
    ("cost_savings", "value", "Cost savings", "k EUR/month", "higher", 25.0),
    ("milestones_on_time", "execution", "Milestones on time", "%", "higher", 90.0),
    ("time_to_contract", "execution", "Time to contract", "days", "lower", 45.0),
    ("open_escalations", "execution", "Open escalations", "issues", "lower", 4.0),
    ("integration_defects", "execution", "Integration defects", "defects", "lower", 12.0),
    ("deliverables_done", "execution", "Deliverables done", "%", "higher", 95.0),
    (SURVEY_KPI, "relationship", "Relationship pulse", "points of 5", "higher", 4.0),
    ("executive_meetings", "relationship", "Executive meetings", "meetings", "higher", 2.0),
    ("joint_plan_reviews", "relationship", "Joint plan reviews", "reviews", "higher", 3.0),
    ("response_time", "relationship", "Response time", "days", "lower", 2.0),
    ("partner_satisfaction", "relationship", "Partner satisfaction", "%", "higher", 80.0),
    ("certified_staff", "capability", "Certified partner staff", "people", "higher", 12.0),
    ("trained_sellers", "capability", "Trained sellers", "people", "higher", 20.0),
    ("shared_assets", "capability", "Shared assets", "assets", "higher", 15.0),
    ("demo_systems", "capability", "Demo systems", "systems", "higher", 6.0),
    ("knowledge_articles", "capability", "Knowledge articles", "articles", "higher", 50.0),
)
# trigger_id, target, comparator, threshold, persist_k, persist_n, action (all with alliance_id "*")
STAR_TRIGGERS = (
    ("health_red", HEALTH, "below", 0.8, 3, 4, "review"),
    ("value_shortfall", "value", "below", 0.8, 3, 4, "restructure"),
    ("execution_slip", "execution", "below", 0.8, 3, 4, "restructure"),
    ("relationship_low", "relationship", "below", 0.8, 3, 4, "watch"),
    ("pulse_low", SURVEY_KPI, "below", 3.0, 3, 4, "review"),
)


# ------------------------------------------------------------------------------------------ the case
def month_start(as_of: dt.date, months_back: int) -> dt.date:
    """The first day of the month ``months_back`` months before the month of ``as_of``."""
    position = as_of.year * 12 + as_of.month - 1 - months_back
    return dt.date(position // 12, position % 12 + 1, 1)


def build_case(folder: Path, alliances: int, months: int, seed: int) -> dict[str, int]:
    """Write the synthetic case (see the module docstring) into ``folder``; return its row counts."""
    rng = np.random.default_rng(seed)
    for name in COPIED:
        shutil.copy(SAMPLE_CASE_DIR / name, folder / name)
    as_of = yaml.safe_load((SAMPLE_CASE_DIR / "case.yaml").read_text(encoding="utf-8"))["as_of"]
    start = month_start(as_of, months)
    periods = list(pd.period_range(start, periods=months, freq="M").strftime("%Y-%m"))
    sample = pd.read_csv(SAMPLE_CASE_DIR / "candidates.csv", dtype=str, keep_default_na=False)
    proposed = sample[sample["status"] != "active"]
    ids = [f"A{number:03d}" for number in range(1, alliances + 1)]
    active = pd.DataFrame({
        "candidate_id": ids, "name": [f"Alliance partner {i}" for i in ids],
        "alliance_type": rng.choice(TYPES, alliances), "capabilities": "eu_hosting;regulatory",
        "objectives": rng.choice(OBJECTIVES, alliances), "investment": rng.integers(200, 2000, alliances) * 1000,
        "manager_fte": rng.choice([0.3, 0.4, 0.5, 0.8], alliances), "payback_months": rng.integers(18, 48, alliances),
        "phase_out_date": "", "risk_level": rng.choice(["low", "medium"], alliances), "competes_with": "",
        "sponsor": rng.choice([*SPONSORS, ""], alliances), "start_year": "", "status": "active",
        "start_date": start.isoformat(),
    })
    pd.concat([proposed, active.astype(str)], ignore_index=True).to_csv(folder / "candidates.csv", index=False)

    catalogue = pd.DataFrame(CATALOGUE, columns=["kpi_id", "dimension", "name", "unit", "direction", "typical"])
    kpi_count = len(catalogue)
    targets = np.round(catalogue["typical"].to_numpy() * rng.uniform(0.6, 1.6, (alliances, kpi_count)), 1)
    survey = catalogue["kpi_id"].eq(SURVEY_KPI).to_numpy()
    targets[:, survey] = 4.0
    kpis = pd.DataFrame({
        "alliance_id": np.repeat(ids, kpi_count), "kpi_id": np.tile(catalogue["kpi_id"], alliances),
        "dimension": np.tile(catalogue["dimension"], alliances), "name": np.tile(catalogue["name"], alliances),
        "unit": np.tile(catalogue["unit"], alliances), "direction": np.tile(catalogue["direction"], alliances),
        "target": targets.ravel(), "weight": rng.integers(5, 31, alliances * kpi_count),
        "leading": rng.random(alliances * kpi_count) < 0.4,
    })
    kpis["leading"] = kpis["leading"].map({True: "true", False: "false"})
    kpis.to_csv(folder / "kpis.csv", index=False)

    # Each alliance's performance factor per month (1.0 = on target): a level, a decline after a change month for
    # a third of the alliances, a per-dimension offset, and 8 % noise per fact.
    time_axis = np.arange(months)
    level = rng.uniform(0.88, 1.08, alliances)
    declining = rng.random(alliances) < 1 / 3
    slope = np.where(declining, rng.uniform(0.006, 0.02, alliances), 0.0)
    change = rng.integers(18, 31, alliances)
    factor = level[:, None] - slope[:, None] * np.maximum(0, time_axis[None, :] - change[:, None])
    dimension_of = catalogue["dimension"].map(DIMENSIONS.index).to_numpy()
    offsets = rng.normal(0, 0.04, (alliances, len(DIMENSIONS)))[:, dimension_of]
    performance = (factor[:, :, None] + offsets[:, None, :]) * (1 + rng.normal(0, 0.08, (alliances, months,
                                                                                           kpi_count)))
    performance = np.maximum(performance, 0.05)
    higher = catalogue["direction"].eq("higher").to_numpy()
    values = np.where(higher, targets[:, None, :] * performance, targets[:, None, :] / performance)
    grid = pd.MultiIndex.from_product([ids, periods, catalogue["kpi_id"]],
                                      names=["alliance_id", "period", "kpi_id"]).to_frame(index=False)
    grid["value"] = np.round(values.ravel(), 1)
    keep = ~np.tile(survey, alliances * months) & (rng.random(len(grid)) >= 0.02)
    facts = grid[keep].assign(side="", respondent="")

    # The survey: every respondent's answer on 1..5 around the alliance's factor, the partner side lower for a
    # fifth of the alliances.
    partner_bias = np.where(rng.random(alliances) < 0.2, -0.7, 0.0)
    sides = np.repeat(["us", "partner"], RESPONDENTS)
    respondents = [f"R{side[0]}{number}" for side in ("us", "partner") for number in range(1, RESPONDENTS + 1)]
    answers = pd.MultiIndex.from_product([ids, periods, range(2 * RESPONDENTS)],
                                         names=["alliance_id", "period", "who"]).to_frame(index=False)
    relationship = offsets[:, np.flatnonzero(survey)[0]]
    base = (4.0 * (factor + relationship[:, None]))[:, :, None] + np.where(sides == "partner", partner_bias[:, None],
                                                                           0.0)[:, None, :]
    person = rng.normal(0, 0.25, (alliances, 1, 2 * RESPONDENTS))
    answers["value"] = np.clip(np.round(base + person + rng.normal(0, 0.3, base.shape), 1), 1.0, 5.0).ravel()
    answers["kpi_id"] = SURVEY_KPI
    answers["side"] = sides[answers["who"]]
    answers["respondent"] = np.array(respondents)[answers["who"]]
    answers = answers[rng.random(len(answers)) >= 0.05].drop(columns="who")
    scorecard = pd.concat([facts, answers], ignore_index=True).sort_values(["alliance_id", "period"], kind="stable")
    scorecard = scorecard[["alliance_id", "period", "kpi_id", "value", "side", "respondent"]].assign(note="")
    scorecard.to_csv(folder / "scorecard.csv", index=False)

    star = pd.DataFrame(STAR_TRIGGERS, columns=["trigger_id", "target", "comparator", "threshold", "persist_k",
                                                "persist_n", "action"]).assign(alliance_id="*", horizon_months=6)
    revenue = targets[:, catalogue.index[catalogue["kpi_id"] == "joint_revenue"][0]]
    own = pd.DataFrame({"alliance_id": ids, "trigger_id": "revenue_floor", "target": "joint_revenue",
                        "comparator": "below", "threshold": np.round(0.85 * revenue, 1), "persist_k": 2,
                        "persist_n": 3, "action": "review", "horizon_months": ""})
    triggers = pd.concat([star, own], ignore_index=True)
    triggers[["alliance_id", "trigger_id", "target", "comparator", "threshold", "persist_k", "persist_n", "action",
              "horizon_months"]].to_csv(folder / "triggers.csv", index=False)
    return {"kpi_rows": len(kpis), "scorecard_rows": len(scorecard), "trigger_rows": len(triggers),
            "survey_answers": len(answers)}


# ---------------------------------------------------------------------------- same scope, package functions
def index_and_charts_only(case, month: str) -> dict:
    """The package's index, coverage, EWMA and CUSUM functions, called per alliance and KPI as the model does."""
    settings = case.settings.health
    scorecard = case.health_tables["scorecard.csv"]
    kpis = case.health_tables["kpis.csv"]
    values = scorecard[scorecard["period"] <= month].groupby(["alliance_id", "kpi_id", "period"])["value"].mean()
    found = {}
    for alliance, row in case.alliances.iterrows():
        own = kpis[kpis["alliance_id"] == alliance].set_index("kpi_id")
        periods = [str(p) for p in pd.period_range(f"{row['start_date']:%Y-%m}", month, freq="M")]
        matrix = values.loc[alliance].unstack("kpi_id").reindex(index=periods, columns=own.index).to_numpy(float)
        attained = attainment(matrix, own["target"].to_numpy(float), (own["direction"] == "higher").to_numpy(),
                              settings.attainment_cap)
        weights = own["weight"].to_numpy(float)
        measured = [dimension for dimension in DIMENSIONS if (own["dimension"] == dimension).any()]
        by_dimension = weighted_index(attained, weights, own["dimension"].map(measured.index).to_numpy(int),
                                      len(measured))
        overall = weighted_index(attained, weights, np.zeros(len(own), int), 1)
        charts = {}
        for column, kpi in enumerate(own.index):
            reference = baseline(matrix[:, column], settings.baseline_months)
            charts[kpi] = (ewma(matrix[:, column], reference.centre, reference.sigma, settings.ewma.weight,
                                settings.ewma.width),
                           cusum(matrix[:, column], reference.centre, reference.sigma, settings.cusum.allowance))
        found[alliance] = (overall, by_dimension, charts)
    return found


# --------------------------------------------------------------------------------------------- the floor
def floor(case, month: str, normal_draws: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """The bare minimum at this size (every alliance shares one month axis here, as in the synthetic case).

    One groupby-mean into an alliances × months × KPIs array, one vectorised attainment and weighted index (health
    and the four dimensions) over all alliances at once, and ``normal_draws`` standard normal variates.
    """
    cap = case.settings.health.attainment_cap
    scorecard = case.health_tables["scorecard.csv"]
    kpis = case.health_tables["kpis.csv"]
    alliances = len(case.alliances)
    per_alliance = len(kpis) // alliances
    means = scorecard[scorecard["period"] <= month].groupby(["alliance_id", "kpi_id", "period"])["value"].mean()
    table = means.unstack("period").reindex(pd.MultiIndex.from_frame(kpis[["alliance_id", "kpi_id"]]))
    cube = table.to_numpy(float).reshape(alliances, per_alliance, -1).transpose(0, 2, 1)
    shape = (alliances, 1, per_alliance)
    attained = attainment(cube, kpis["target"].to_numpy(float).reshape(shape),
                          kpis["direction"].eq("higher").to_numpy().reshape(shape), cap)
    groups = kpis["dimension"].map(DIMENSIONS.index).to_numpy().reshape(alliances, per_alliance)
    membership = np.zeros((alliances, per_alliance, len(DIMENSIONS) + 1))
    weights = kpis["weight"].to_numpy(float).reshape(alliances, per_alliance)
    membership[:, :, 0] = weights
    np.put_along_axis(membership, groups[:, :, None] + 1, weights[:, :, None], axis=2)
    observed = ~np.isnan(attained)
    seen = np.einsum("amk,akg->amg", observed.astype(float), membership)
    weighted = np.einsum("amk,akg->amg", np.where(observed, attained, 0.0), membership)
    with np.errstate(divide="ignore", invalid="ignore"):
        index = np.where(seen > 0, weighted / seen, np.nan)
    coverage = seen / membership.sum(axis=1)[:, None, :]
    np.random.default_rng(seed).standard_normal(normal_draws)
    return index, coverage


# ------------------------------------------------------------------------------------------ the baseline
def plain_python_health(scorecard: pd.DataFrame, kpis: pd.DataFrame, starts: dict[str, dt.date], month: str,
                        cap: float, baseline_months: int, weight: float, width: float, allowance: float) -> dict:
    """Baseline: plain Python loops per alliance, per KPI and per month (no numpy, no pandas past reading columns).

    Monthly mean of every fact, each KPI's capped attainment, the weighted health index and coverage of the
    whole scorecard and of each dimension per month, and per KPI the EWMA (statistic and limits) and the tabular
    CUSUM on a baseline of the first ``baseline_months`` observed months.
    """
    sums: dict[tuple[str, str, str], list[float]] = {}
    for alliance, kpi, period, value in zip(scorecard["alliance_id"], scorecard["kpi_id"], scorecard["period"],
                                            scorecard["value"]):
        if period > month:
            continue
        entry = sums.get((alliance, kpi, period))
        if entry is None:
            sums[(alliance, kpi, period)] = [value, 1]
        else:
            entry[0] += value
            entry[1] += 1
    own: dict[str, list[tuple]] = defaultdict(list)
    for row in zip(kpis["alliance_id"], kpis["kpi_id"], kpis["dimension"], kpis["direction"], kpis["target"],
                   kpis["weight"]):
        own[row[0]].append(row[1:])
    end_year, end_month = int(month[:4]), int(month[5:])
    found = {}
    for alliance, start in starts.items():
        periods, year, number = [], start.year, start.month
        while (year, number) <= (end_year, end_month):
            periods.append(f"{year:04d}-{number:02d}")
            year, number = (year + 1, 1) if number == 12 else (year, number + 1)
        groups = [HEALTH] + [d for d in DIMENSIONS if any(row[1] == d for row in own[alliance])]
        totals = dict.fromkeys(groups, 0.0)
        for _, dimension, _, _, kpi_weight in own[alliance]:
            totals[HEALTH] += kpi_weight
            totals[dimension] += kpi_weight
        index_rows = []
        series: dict[str, list[float | None]] = {kpi: [] for kpi, *_ in own[alliance]}
        for period in periods:
            weighted, seen = dict.fromkeys(groups, 0.0), dict.fromkeys(groups, 0.0)
            for kpi, dimension, direction, target, kpi_weight in own[alliance]:
                entry = sums.get((alliance, kpi, period))
                value = None if entry is None else entry[0] / entry[1]
                series[kpi].append(value)
                if value is None:
                    continue
                if direction == "higher":
                    ratio = value / target
                else:
                    ratio = target / value if value > 0 else math.inf
                ratio = min(max(ratio, 0.0), cap)
                for group in (HEALTH, dimension):
                    weighted[group] += kpi_weight * ratio
                    seen[group] += kpi_weight
            index_rows.append({group: (weighted[group] / seen[group] if seen[group] > 0 else math.nan,
                                       seen[group] / totals[group]) for group in groups})
        charts = {}
        for kpi, values in series.items():
            observed = [value for value in values if value is not None][:max(baseline_months, 2)]
            centre = sum(observed) / len(observed) if observed else math.nan
            ranges = [abs(b - a) for a, b in itertools.pairwise(observed)]
            sigma = (sum(ranges) / len(ranges) if ranges else 0.0) / 1.128
            statistic, lower, upper, high_line, low_line = [], [], [], [], []
            z, high, low, steps = centre, 0.0, 0.0, 0
            for value in values:
                if value is not None:
                    z = weight * value + (1 - weight) * z
                    high = max(0.0, value - (centre + allowance * sigma) + high)
                    low = max(0.0, (centre - allowance * sigma) - value + low)
                    steps += 1
                spread = width * sigma * math.sqrt(weight / (2 - weight) * (1 - (1 - weight) ** (2 * steps)))
                statistic.append(z)
                lower.append(centre - spread)
                upper.append(centre + spread)
                high_line.append(high)
                low_line.append(low)
            charts[kpi] = (statistic, lower, upper, high_line, low_line)
        found[alliance] = (index_rows, charts)
    return found


def run_baseline(case, month: str) -> dict:
    """The baseline on a case's validated tables and settings."""
    settings = case.settings.health
    starts = {alliance: row["start_date"] for alliance, row in case.alliances.iterrows()}
    return plain_python_health(case.health_tables["scorecard.csv"], case.health_tables["kpis.csv"], starts, month,
                               settings.attainment_cap, settings.baseline_months, settings.ewma.weight,
                               settings.ewma.width, settings.cusum.allowance)


def largest_gaps(result, plain: dict, floor_index: np.ndarray) -> tuple[float, float, float]:
    """Largest differences to the model: baseline index and coverage, baseline EWMA and CUSUM, floor index."""
    index_gap = chart_gap = floor_gap = 0.0
    for position, (alliance, item) in enumerate(result.alliances.items()):
        rows, charts = plain[alliance]
        for column in item.index.columns:
            ours = np.array([row[column][0] for row in rows])
            covered = np.array([row[column][1] for row in rows])
            index_gap = max(index_gap, float(np.nanmax(np.abs(ours - item.index[column].to_numpy()), initial=0.0)),
                            float(np.max(np.abs(covered - item.coverage[column].to_numpy()))))
            if np.isnan(ours).any() != np.isnan(item.index[column].to_numpy()).any():
                index_gap = math.inf
            group = 0 if column == HEALTH else DIMENSIONS.index(column) + 1
            floor_gap = max(floor_gap, float(np.nanmax(np.abs(floor_index[position, :, group]
                                                              - item.index[column].to_numpy()), initial=0.0)))
        for kpi, chart in item.charts.items():
            model = (chart.ewma, chart.ewma_lower, chart.ewma_upper, chart.cusum_upper, chart.cusum_lower)
            for mine, theirs in zip(charts[kpi], model):
                chart_gap = max(chart_gap, float(np.nanmax(np.abs(np.array(mine, dtype=float) - theirs),
                                                           initial=0.0)))
    return index_gap, chart_gap, floor_gap


# --------------------------------------------------------------------------------------------------- main
def main() -> None:
    """Build the case, time each step and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--alliances", type=int, default=None, help="alliances in flight (default 100; 10 quick)")
    parser.add_argument("--months", type=int, default=36)
    parser.add_argument("--paths", type=int, default=2000, help="early-warning paths per trigger")
    parser.add_argument("--repeat", type=int, default=None, help="runs per timing, the best kept (default 3; 1 quick)")
    parser.add_argument("--seed", type=int, default=17)
    parser.add_argument("--quick", action="store_true", help="10 alliances, one run each: a smoke run")
    options = parser.parse_args()
    alliances = options.alliances or (10 if options.quick else 100)
    repeat = options.repeat or (1 if options.quick else 3)
    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="bench_health_") as directory:
        folder = Path(directory)
        started = time.perf_counter()
        counts = build_case(folder, alliances, options.months, options.seed)
        build_s = time.perf_counter() - started
        load_s, case = best_of(repeat, load_case, folder)
    month = str(case.health_tables["scorecard.csv"]["period"].max())
    model_s, result = best_of(repeat, lambda: alliance_health(case, paths=options.paths))
    simulated = [row for item in result.alliances.values() for row in item.triggers.itertuples()
                 if not row.firing and not np.isnan(row.probability)]
    firing = sum(bool(row.firing) for item in result.alliances.values() for row in item.triggers.itertuples())
    draws = options.paths * sum(int(row.horizon) for row in simulated)
    floor_s, (floor_index, _) = best_of(repeat, floor, case, month, draws, options.seed)
    core_s, _ = best_of(repeat, index_and_charts_only, case, month)
    baseline_s, plain = best_of(repeat, run_baseline, case, month)
    index_gap, chart_gap, floor_gap = largest_gaps(result, plain, floor_index)
    tracemalloc.start()
    started = time.perf_counter()
    alliance_health(case, paths=options.paths)
    traced_s = time.perf_counter() - started
    peak_mib = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    maxrss_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    kpis = len(case.health_tables["kpis.csv"]) // alliances
    series = alliances * kpis
    signals = sum(len(charts.signals) for item in result.alliances.values() for charts in item.charts.values())
    actions = pd.Series([item.recommendation for item in result.alliances.values()]).value_counts().to_dict()

    print(f"case: {alliances} alliances × {options.months} months × {kpis} KPIs ({series:,} series), "
          f"{counts['scorecard_rows']:,} scorecard rows ({counts['survey_answers']:,} survey answers, "
          f"{RESPONDENTS} respondents per side), {counts['trigger_rows']} trigger rows; evaluation month {month}")
    print(f"best of {repeat}; load average {load:.2f} at the start; case written in {build_s:.2f} s")
    print(f"model found {signals:,} signals, {firing} triggers firing, {len(simulated)} simulated "
          f"({options.paths:,} paths each, {draws:,} normal draws); recommendations {actions}")
    print(f"{'step':<46}{'seconds':>10}{'ms per alliance':>17}")
    for label, seconds in (("load_case (read + validate every row)", load_s),
                           (f"model: alliance_health(paths={options.paths})", model_s),
                           ("index + EWMA + CUSUM only (package functions)", core_s),
                           ("floor (groupby + vectorised index + draws)", floor_s),
                           ("baseline: plain Python loops", baseline_s)):
        print(f"{label:<46}{seconds:>10.3f}{1000 * seconds / alliances:>17.1f}")
    print(f"model / floor:                       {model_s / floor_s:.1f}")
    print(f"baseline / model:                    {baseline_s / model_s:.2f} (the model does far more than the "
          "baseline: run charts, XmR, triggers, early warning, gaps)")
    print(f"baseline / index + EWMA + CUSUM only: {baseline_s / core_s:.2f} (same scope)")
    print(f"model peak traced memory:            {peak_mib:.1f} MiB ({traced_s:.2f} s under tracemalloc); "
          f"process ru_maxrss {maxrss_mib:.0f} MiB")
    print(f"largest difference to the model: baseline index/coverage {index_gap:.1e}, baseline EWMA/CUSUM "
          f"{chart_gap:.1e}, floor index {floor_gap:.1e}")
    print(json.dumps({
        "alliances": alliances, "months": options.months, "kpis_per_alliance": kpis, "series": series,
        "scorecard_rows": counts["scorecard_rows"], "trigger_rows": counts["trigger_rows"], "paths": options.paths,
        "simulated_triggers": len(simulated), "firing_triggers": firing, "normal_draws": draws, "repeat": repeat,
        "load_s": round(load_s, 4), "model_s": round(model_s, 4), "index_charts_only_s": round(core_s, 4),
        "floor_s": round(floor_s, 4), "baseline_s": round(baseline_s, 4),
        "model_over_floor": round(model_s / floor_s, 2), "baseline_over_model": round(baseline_s / model_s, 3),
        "baseline_over_index_charts_only": round(baseline_s / core_s, 3), "peak_mib": round(peak_mib, 1),
        "maxrss_mib": round(maxrss_mib, 1), "baseline_index_gap": index_gap, "baseline_chart_gap": chart_gap,
        "floor_index_gap": floor_gap, "load_average": round(load, 2), "quick": options.quick,
    }))


if __name__ == "__main__":
    main()
