"""The alliance-health analysis: is each running alliance healthy, is a change a signal or noise, which trigger
fires, which is about to, and what to do.

:func:`alliance_health` reads the monthly scorecard of every alliance in flight (``kpis.csv``,
``scorecard.csv``, ``triggers.csv``), computes the health index per dimension and month with its coverage, runs
the run-chart and control-chart rules on every KPI, applies the triggers' k-of-n rules and re-runs the strategy
gate (a hard exit trigger), simulates when the triggers not yet fired would fire, compares our side's and the
partner's survey answers, and writes a continue / watch / review / restructure / exit recommendation with its
reasons for every alliance. The :class:`HealthResult` feeds notebook ``06_alliance_health``, ``results.json``,
the front page and the decision brief.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated

import numpy as np
import pandas as pd
from pydantic import Field, field_validator

from alliance_analytics.case.case import Case
from alliance_analytics.case.model import DIMENSIONS, HEALTH_ACTIONS, Health
from alliance_analytics.core.cache import cached
from alliance_analytics.core.formatting import (
    MISSING,
    candidate_label,
    format_count,
    format_month,
    format_number,
    format_share,
    join_words,
    markdown_text,
    reader_table,
    sentence,
    sentence_table,
)
from alliance_analytics.core.parameters import AnalysisParameters, WholeNumber
from alliance_analytics.core.problems import InputError, Problem
from alliance_analytics.fit.gates import strategy_gate
from alliance_analytics.health.early_warning import firing_outlook, fit_local_trend, simulate_paths
from alliance_analytics.health.index import attainment, weighted_index
from alliance_analytics.health.signals import SeriesCharts, detect_signals
from alliance_analytics.health.triggers import breaches, first_firing, persistent
from alliance_analytics.health.two_sided import side_gap

HEALTH = "health"
"""The name of the whole-scorecard index (beside the four dimensions)."""

TREND_MONTHS = 3
"""The trend arrow compares the mean of the last three months with the three before."""

TREND_STEP = 0.02
"""A change of the index smaller than 2 points of target is shown as flat."""

UNLIKELY = 0.01
"""Early warnings with a smaller chance than this are left out of the reader's table (they stay in results.json)."""

NO_DATA = "no data"
"""The band of a month in which nothing of the scorecard was observed."""


@dataclass(frozen=True)
class AllianceHealth:
    """Everything the analysis found for one alliance in flight.

    Attributes
    ----------
    alliance, name : str
        Id and name.
    periods : list of str
        The months from the alliance's start to the evaluation month, ``YYYY-MM``.
    kpis : pandas.DataFrame
        The alliance's rows of ``kpis.csv``, indexed by ``kpi_id``.
    values : pandas.DataFrame
        Months × KPIs of the monthly value (the mean over sides and respondents); NaN where not reported.
    index : pandas.DataFrame
        Months × (``health`` and the dimensions the alliance measures) of the index (1.0 = on target).
    coverage : pandas.DataFrame
        Like ``index``: the share of the weight observed.
    charts : dict of str to SeriesCharts
        Per KPI id, the run chart, control charts and signals.
    triggers : pandas.DataFrame
        One row per trigger that applies, and the strategy gate: ``trigger_id``, ``target``, ``description``,
        ``action``, ``breached`` (months breached in the last n), ``n``, ``firing`` (bool, in the evaluation month),
        ``first_fired`` (``YYYY-MM`` or ``""``), ``reason``, ``probability``, ``horizon``, ``p10``, ``p50``, ``p90``
        (early warning for those not firing; NaN otherwise).
    gaps : pandas.DataFrame
        Per dimension with survey answers from both sides: ``ours``, ``partners``, ``respondents_us``,
        ``respondents_partner``, ``p_value``, ``method``, ``shown``.
    recommendation : str
        One of :data:`~alliance_analytics.case.model.HEALTH_ACTIONS`.
    reasons : list of (str, str)
        ``(action, reason)``, most severe first.
    """

    alliance: str
    name: str
    periods: list[str]
    kpis: pd.DataFrame
    values: pd.DataFrame
    index: pd.DataFrame
    coverage: pd.DataFrame
    charts: dict[str, SeriesCharts]
    triggers: pd.DataFrame
    gaps: pd.DataFrame
    recommendation: str
    reasons: list[tuple[str, str]]

    @property
    def label(self) -> str:
        """``"Name (A01)"``."""
        return candidate_label(self.alliance, self.name)

    def latest(self, column: str = HEALTH) -> float:
        """The index of ``column`` in the evaluation month (NaN when not observed or not measured)."""
        if column not in self.index or not len(self.index):
            return float("nan")
        return float(self.index[column].iloc[-1])

    def trend(self, column: str = HEALTH) -> str:
        """``"↑"``, ``"↓"`` or ``"→"``: the last three months against the three before."""
        if column not in self.index or len(self.index) < 2 * TREND_MONTHS:
            return ""
        series = self.index[column].to_numpy()
        change = np.nanmean(series[-TREND_MONTHS:]) - np.nanmean(series[-2 * TREND_MONTHS:-TREND_MONTHS])
        return "" if np.isnan(change) else "↑" if change > TREND_STEP else "↓" if change < -TREND_STEP else "→"


@dataclass(frozen=True)
class HealthResult:
    """The alliance-health analysis of a case.

    Attributes
    ----------
    case_name : str
    month : str
        The evaluation month, ``YYYY-MM`` (empty when the case has no scorecard).
    settings : Health
        The case's ``health`` settings used.
    alliances : dict of str to AllianceHealth
        By alliance id, in ``candidates.csv`` order.
    skipped : str
        Why the analysis did not run (no alliances in flight or no scorecard), empty when it ran.
    parameters : HealthParameters or None
    """

    case_name: str
    month: str
    settings: Health
    alliances: dict[str, AllianceHealth]
    skipped: str = ""
    parameters: HealthParameters | None = None

    def _band(self, value: float) -> str:
        """Green, amber or red for an index value."""
        if np.isnan(value):
            return NO_DATA
        bands = self.settings.bands
        return "green" if value >= bands.green else "amber" if value >= bands.amber else "red"

    def attention(self) -> list[tuple[str, str, str]]:
        """The alliances that need attention (anything but *continue*), most severe first.

        Returns
        -------
        list of (str, str, str)
            ``(alliance label, recommendation, first reason)``.
        """
        ordered = sorted(self.alliances.values(), key=lambda item: -HEALTH_ACTIONS.index(item.recommendation))
        return [(item.label, item.recommendation, item.reasons[0][1]) for item in ordered
                if item.recommendation != "continue"]

    def alerts(self) -> list[dict[str, str]]:
        """The triggers firing in the evaluation month, for an orchestrator (``manifest.json`` ``alerts``).

        Returns
        -------
        list of dict
            ``alliance``, ``trigger``, ``action``, ``month``; the most severe first.
        """
        found = [{"alliance": item.alliance, "trigger": row.trigger_id, "action": row.action, "month": self.month}
                 for item in self.alliances.values() for row in item.triggers.itertuples() if row.firing]
        return sorted(found, key=lambda alert: -HEALTH_ACTIONS.index(alert["action"]))

    def headline(self) -> list[str]:
        """The decision first (which alliances need what), then one line per alliance.

        Returns
        -------
        list of str
        """
        if self.skipped:
            return [self.skipped]
        attention = self.attention()
        total = len(self.alliances)
        first = (f"{format_count(len(attention))} of {format_count(total)} alliances in flight need attention in "
                 f"{format_month(self.month)}: " + "; ".join(f"{action} {label}" for label, action, _ in attention)
                 if attention else f"All {format_count(total)} alliances in flight are healthy in "
                 f"{format_month(self.month)}: "
                 "continue.")
        return [first] + [f"{item.alliance}: {item.recommendation}" for item in self.alliances.values()]

    def summary_markdown(self) -> str:
        """The decision in words for the report's first screen (Markdown).

        Returns
        -------
        str
        """
        if self.skipped:
            return self.skipped
        lines = [f"**{markdown_text(self.headline()[0])}**", ""]
        for label, action, reason in self.attention():
            lines.append(f"- **{markdown_text(f'{label}: {action}.')}** {markdown_text(sentence(reason))}")
        calm = [item.label for item in self.alliances.values() if item.recommendation == "continue"]
        if calm:
            lines.append(f"- {markdown_text(join_words(calm))}: continue; no rule or trigger fired.")
        return "\n".join(lines)

    def status_table(self) -> pd.DataFrame:
        """The portfolio heat map as a table: each alliance's latest index per dimension with its trend.

        Returns
        -------
        pandas.DataFrame
            Indexed by alliance; ``Health``, one column per dimension (``"96 % ↓"``), ``Coverage``,
            ``Recommendation``; every cell a string.
        """
        if self.skipped:
            return sentence_table(self.skipped)
        rows = {}
        for item in self.alliances.values():
            cells = {"Health": _index_cell(item.latest(), item.trend())}
            for dimension in DIMENSIONS:
                cells[dimension.capitalize()] = _index_cell(item.latest(dimension), item.trend(dimension))
            coverage = item.coverage[HEALTH].iloc[-1] if len(item.coverage) else float("nan")
            cells["Coverage"] = format_share(coverage)
            cells["Band"] = self._band(item.latest())
            cells["Recommendation"] = item.recommendation
            rows[item.label] = cells
        table = pd.DataFrame.from_dict(rows, orient="index")
        table.index.name = "Alliance"
        return table

    def recommendation_table(self) -> pd.DataFrame:
        """The recommendation for every alliance, most severe first, with all its reasons.

        Returns
        -------
        pandas.DataFrame
            Indexed by alliance; ``Recommendation`` and ``Reasons``; every cell a string.
        """
        if self.skipped:
            return sentence_table(self.skipped)
        ordered = sorted(self.alliances.values(), key=lambda item: -HEALTH_ACTIONS.index(item.recommendation))
        frame = pd.DataFrame({
            "Recommendation": [item.recommendation for item in ordered],
            "Reasons": ["; ".join(f"{reason} ({action})" if action != item.recommendation else reason
                                  for action, reason in item.reasons) for item in ordered],
        }, index=pd.Index([item.label for item in ordered], name="Alliance"))
        return reader_table(frame, {})

    def trigger_table(self) -> pd.DataFrame:
        """Every trigger and the strategy gate: its rule, its action, whether it fires now and since when.

        Returns
        -------
        pandas.DataFrame
            Indexed by alliance; ``Trigger``, ``Rule``, ``Action``, ``Breached``, ``Status``; every cell a string.
        """
        if self.skipped:
            return sentence_table(self.skipped)
        rows = []
        for item in self.alliances.values():
            for row in item.triggers.itertuples():
                since = format_month(row.first_fired)
                status = (f"fires (since {since})" if row.firing and row.first_fired
                          else "fires" if row.firing
                          else f"fired in {since}, cleared since" if row.first_fired else "quiet")
                order = 0 if row.firing else 1 if row.first_fired else 2
                rows.append({"Alliance": item.label, "Trigger": row.trigger_id, "Rule": row.description,
                             "Action": row.action,
                             "Breached": (f"{row.breached} of the last {row.n} months" if row.n else MISSING),
                             "Status": status, "order": (order, -HEALTH_ACTIONS.index(row.action))})
        frame = pd.DataFrame(rows).sort_values("order", kind="stable").drop(columns="order")
        return reader_table(frame.set_index("Alliance"), {})

    def early_warning_table(self) -> pd.DataFrame:
        """For each trigger not firing, the chance it fires within its horizon and when (P10, P50, P90).

        Returns
        -------
        pandas.DataFrame
            Indexed by alliance; ``Trigger``, ``Rule``, ``Action``, ``Within``, ``Chance``, ``Months P10``,
            ``Months P50``, ``Months P90`` (``"> 6"`` beyond the horizon); most likely first; triggers with less than
            a :data:`UNLIKELY` chance are left out.
        """
        if self.skipped:
            return sentence_table(self.skipped)
        rows = []
        for item in self.alliances.values():
            for row in item.triggers.itertuples():
                if row.firing or np.isnan(row.probability) or row.probability < UNLIKELY:
                    continue
                rows.append({"Alliance": item.label, "Trigger": row.trigger_id, "Rule": row.description,
                             "Action": row.action, "Within": f"{row.horizon} months", "Chance": row.probability,
                             **{f"Months {name}": _months_cell(value, row.horizon)
                                for name, value in (("P10", row.p10), ("P50", row.p50), ("P90", row.p90))}})
        if not rows:
            return sentence_table("No trigger that is quiet now has even a 1 % chance of firing within its horizon.")
        frame = pd.DataFrame(rows).sort_values("Chance", ascending=False, kind="stable").set_index("Alliance")
        return reader_table(frame, {"Chance": "share"})

    def signal_table(self) -> pd.DataFrame:
        """Every rule that fired against an alliance (a KPI moving the wrong way): in which month, and whether it
        still signals.

        Returns
        -------
        pandas.DataFrame
            Indexed by alliance; ``KPI``, ``Rule``, ``First month``, ``Still``, ``What it saw``; one sentence row
            when no rule fired against any alliance. Favourable signals (a KPI improving beyond noise) are in
            ``results.json``.
        """
        if self.skipped:
            return sentence_table(self.skipped)
        rows = []
        for item in self.alliances.values():
            for kpi, charts in item.charts.items():
                for signal in charts.signals:
                    if _unfavourable(item, kpi, signal.direction):
                        rows.append({"Alliance": item.label, "KPI": item.kpis.at[kpi, "name"], "Rule": signal.rule,
                                     "First month": format_month(item.periods[signal.month]),
                                     "Still": signal.current, "What it saw": signal.detail})
        if not rows:
            return sentence_table("No rule fired against any alliance: every KPI varies only as noise does, or "
                                  "improves.")
        return reader_table(pd.DataFrame(rows).set_index("Alliance"), {"Still": "yes/no"})

    def gap_table(self) -> pd.DataFrame:
        """Our side's and the partner's survey scores per dimension, and the exact p-value of the gap.

        Returns
        -------
        pandas.DataFrame
            Indexed by alliance; ``Dimension``, ``Our side``, ``Partner``, ``Gap``, ``Respondents``, ``p-value``,
            ``Verdict``; a side with fewer than 3 respondents is not shown.
        """
        if self.skipped:
            return sentence_table(self.skipped)
        rows = []
        for item in self.alliances.values():
            for dimension, row in item.gaps.iterrows():
                shown = bool(row["shown"])
                significant = shown and row["p_value"] < self.settings.gap_significance
                rows.append({"Alliance": item.label, "Dimension": dimension,
                             "Our side": row["ours"] if shown else np.nan,
                             "Partner": row["partners"] if shown else np.nan,
                             "Gap": row["ours"] - row["partners"] if shown else np.nan,
                             "Respondents": f"{int(row['respondents_us'])} and {int(row['respondents_partner'])}",
                             "p-value": format_number(row["p_value"], 3) if shown else MISSING,
                             "Verdict": ("the sides disagree" if significant else "within chance" if shown
                                         else "fewer than 3 respondents on a side: not shown")})
        if not rows:
            return sentence_table("No survey item was answered by both sides in the last months.")
        return reader_table(pd.DataFrame(rows).set_index("Alliance"),
                            {"Our side": "score", "Partner": "score", "Gap": "score"})

    def limitations(self) -> list[str]:
        """What this analysis could not answer, in sentences; one sentence saying so when nothing.

        Returns
        -------
        list of str
        """
        if self.skipped:
            return [self.skipped]
        short = [item.label for item in self.alliances.values() if len(item.periods) < self.settings.baseline_months]
        if not short:
            return [f"None: every alliance has at least the {self.settings.baseline_months} baseline months of data."]
        return [f"{join_words(short)} {'has' if len(short) == 1 else 'have'} fewer months than the "
                f"{self.settings.baseline_months}-month baseline: their control limits rest on fewer points and "
                "widen accordingly."]

    def to_json(self) -> dict:
        """The machine-readable result, as stored in ``results.json``.

        Returns
        -------
        dict
            ``month``, ``skipped``, ``attention``, ``alerts`` and per alliance id: ``name``, ``recommendation``,
            ``reasons``, ``band``, ``health_index`` / ``coverage`` (by dimension and ``health``, by month),
            ``signals``, ``triggers`` (with early warning), ``gaps``.
        """
        alliances = {}
        for alliance, item in self.alliances.items():
            alliances[alliance] = {
                "name": item.name,
                "recommendation": item.recommendation,
                "reasons": [{"action": action, "reason": reason} for action, reason in item.reasons],
                "band": self._band(item.latest()),
                "health_index": _series_json(item.index),
                "coverage": _series_json(item.coverage),
                "signals": [{"kpi": kpi, "rule": signal.rule, "month": item.periods[signal.month],
                             "direction": "up" if signal.direction > 0 else "down",
                             "alarm": _unfavourable(item, kpi, signal.direction), "current": signal.current,
                             "detail": signal.detail}
                            for kpi, charts in item.charts.items() for signal in charts.signals],
                "triggers": [{"trigger": row.trigger_id, "target": row.target, "action": row.action,
                              "firing": bool(row.firing), "first_fired": row.first_fired or None,
                              "reason": row.reason,
                              "early_warning": None if np.isnan(row.probability) else {
                                  "horizon_months": int(row.horizon), "probability": float(row.probability),
                                  "months_p10": _finite(row.p10), "months_p50": _finite(row.p50),
                                  "months_p90": _finite(row.p90)}}
                             for row in item.triggers.itertuples()],
                "gaps": {dimension: {"ours": _finite(row["ours"]), "partners": _finite(row["partners"]),
                                     "respondents": [int(row["respondents_us"]), int(row["respondents_partner"])],
                                     "p_value": _finite(row["p_value"]), "shown": bool(row["shown"])}
                         for dimension, row in item.gaps.iterrows()},
            }
        return {"month": self.month, "skipped": self.skipped or None,
                "attention": [{"alliance": label, "recommendation": action, "reason": reason}
                              for label, action, reason in self.attention()],
                "alerts": self.alerts(), "alliances": alliances}


def _finite(value: float) -> float | None:
    """A JSON number, or None for NaN."""
    return None if value is None or np.isnan(value) else float(value)


def _series_json(frame: pd.DataFrame) -> dict[str, dict[str, float | None]]:
    """Months × columns as ``{column: {month: value}}``."""
    return {column: {month: _finite(value) for month, value in frame[column].items()} for column in frame.columns}


def _index_cell(value: float, arrow: str) -> str:
    """An index for a reader: ``"96 % ↓"``."""
    return MISSING if np.isnan(value) else f"{format_share(value)} {arrow}".strip()


def _months_cell(value: float, horizon: int) -> str:
    """Months to firing for a reader; beyond the horizon as ``"> 6"``."""
    return f"> {horizon}" if value is None or np.isnan(value) else format_count(value)


def _unfavourable(item: AllianceHealth, kpi: str, direction: int) -> bool:
    """A move of the KPI in the direction that is worse for it."""
    return direction == (1 if item.kpis.at[kpi, "direction"] == "lower" else -1)


def _periods(start: str, end: str) -> list[str]:
    """The months from ``start`` to ``end`` inclusive, ``YYYY-MM``."""
    if end < start:
        return []
    return [str(period) for period in pd.period_range(start, end, freq="M")]


def alliance_health(case: Case, month: str = "", paths: int = 2000, seed: int | None = None) -> HealthResult:
    """Run the alliance-health analysis on a case.

    Parameters
    ----------
    case : Case
        A validated case (see :func:`alliance_analytics.load_case`).
    month : str
        Evaluate as of this month (``YYYY-MM``); empty takes the latest month of ``scorecard.csv``.
    paths : int
        Simulated future paths per trigger for the early warning.
    seed : int, optional
        Seed of the early-warning simulation; ``None`` uses the case's ``simulation.seed``. Each alliance and
        trigger has its own stream (the seed and their positions), so results do not depend on which other
        alliances or triggers the case has after them, nor on the order they are computed in.

    Returns
    -------
    HealthResult
        With ``skipped`` set (and no alliances) when the case has no alliance in flight or no scorecard.

    Raises
    ------
    InputError
        When ``month`` is not a month of the scorecard's span.
    """
    settings = case.settings.health
    if not case.has_health:
        reason = ("The case has no alliances in flight (status active in candidates.csv)" if not len(case.alliances)
                  else "The case has no monthly scorecard (kpis.csv and scorecard.csv)")
        return HealthResult(case.settings.name, "", settings, {},
                            skipped=f"{reason}, so there is no alliance health to report; see docs/case-format.md.")
    scorecard = case.health_tables["scorecard.csv"]
    latest = str(scorecard["period"].max())
    month = month or latest
    if month < str(scorecard["period"].min()) or month > latest:
        raise InputError("alliance-health parameters", [Problem(
            "parameters", f"month {month} is outside the scorecard ({scorecard['period'].min()} to {latest})",
            column="month")])
    seed = case.settings.simulation.seed if seed is None else seed
    values = scorecard[scorecard["period"] <= month].groupby(["alliance_id", "kpi_id", "period"])["value"].mean()
    kpis = case.health_tables["kpis.csv"]
    gate = _gate(case)
    answered = scorecard[scorecard["respondent"].notna()]
    answers = {alliance: rows for alliance, rows in answered.groupby("alliance_id", sort=False)}
    rules = _rules_by_alliance(case.health_tables["triggers.csv"])
    alliances = {}
    for position, (alliance, row) in enumerate(case.alliances.iterrows()):
        own = kpis[kpis["alliance_id"] == alliance].set_index("kpi_id")
        periods = _periods(f"{row['start_date']:%Y-%m}", month)
        alliances[alliance] = _assess(case, alliance, str(row["name"]), periods, own, values, gate.loc[alliance],
                                      answers.get(alliance, answered.iloc[:0]), rules(alliance), settings, month,
                                      position, paths, seed)
    return HealthResult(case.settings.name, month, settings, alliances)


def _gate(case: Case) -> pd.DataFrame:
    """The strategy gate re-run on the alliances in flight, payback counted from each alliance's start."""
    strategy = case.settings.strategy
    return pd.concat([strategy_gate(group, strategy, start)
                      for start, group in case.alliances.groupby("start_date", sort=False)])


def _assess(case: Case, alliance: str, name: str, periods: list[str], kpis: pd.DataFrame, values: pd.Series,
            gate: pd.Series, answers: pd.DataFrame, rules: list[tuple[int, dict]], settings: Health, month: str,
            position: int, paths: int, seed: int) -> AllianceHealth:
    """Index, signals, triggers, early warning, gaps and recommendation of one alliance."""
    frame = pd.DataFrame(np.nan, index=pd.Index(periods, name="period"), columns=kpis.index)
    if alliance in values.index.get_level_values(0):
        observed = values.loc[alliance].unstack("kpi_id").reindex(index=periods, columns=kpis.index)
        frame = observed.astype(float)
    matrix = frame.to_numpy()
    attained = attainment(matrix, kpis["target"].to_numpy(float), (kpis["direction"] == "higher").to_numpy(),
                          settings.attainment_cap)
    weights = kpis["weight"].to_numpy(float)
    measured = [dimension for dimension in DIMENSIONS if (kpis["dimension"] == dimension).any()]
    groups = kpis["dimension"].map(measured.index).to_numpy(int)
    by_dimension, dimension_coverage = weighted_index(attained, weights, groups, len(measured))
    overall, overall_coverage = weighted_index(attained, weights, np.zeros(len(kpis), int), 1)
    columns = [HEALTH, *measured]
    index = pd.DataFrame(np.column_stack([overall, by_dimension]), index=frame.index, columns=columns)
    coverage = pd.DataFrame(np.column_stack([overall_coverage, dimension_coverage]), index=frame.index,
                            columns=columns)
    charts = {kpi: detect_signals(matrix[:, column], settings.baseline_months, settings.ewma.weight,
                                  settings.ewma.width, settings.cusum.allowance, settings.cusum.decision,
                                  settings.recent_months, str(kpis.at[kpi, "unit"] or ""))
              for column, kpi in enumerate(kpis.index)}
    triggers = _triggers(rules, kpis, frame, index, gate, settings, position, paths, seed)
    gaps = _gaps(answers, kpis, periods[-settings.recent_months:])
    partial = AllianceHealth(alliance, name, periods, kpis, frame, index, coverage, charts, triggers, gaps,
                             "continue", [])
    reasons = _reasons(partial, settings)
    worst = max((action for action, _ in reasons), key=HEALTH_ACTIONS.index, default="continue")
    if not reasons:
        health = partial.latest()
        reasons = [("continue", "no rule or trigger fired; health index "
                    f"{format_share(health) if not np.isnan(health) else MISSING} of target")]
    return dataclasses.replace(partial, recommendation=worst, reasons=reasons)


def _rules_by_alliance(table: pd.DataFrame) -> Callable[[str], list[tuple[int, dict]]]:
    """The rows of ``triggers.csv`` that apply to an alliance, with their row numbers (the early warning's stream
    keys): its own rows, and the ``*`` rows whose ``trigger_id`` it does not have; split once for all alliances."""
    records = list(enumerate(table.to_dict("records")))
    wildcard = [(number, record) for number, record in records if record["alliance_id"] == "*"]
    own: dict[str, list[tuple[int, dict]]] = {}
    for number, record in records:
        if record["alliance_id"] != "*":
            own.setdefault(record["alliance_id"], []).append((number, record))

    def rules(alliance: str) -> list[tuple[int, dict]]:
        specific = own.get(alliance, [])
        named = {record["trigger_id"] for _, record in specific}
        return sorted([rule for rule in wildcard if rule[1]["trigger_id"] not in named] + specific,
                      key=lambda rule: rule[0])
    return rules


def _triggers(rules: list[tuple[int, dict]], kpis: pd.DataFrame, values: pd.DataFrame, index: pd.DataFrame,
              gate: pd.Series, settings: Health, position: int, paths: int, seed: int) -> pd.DataFrame:
    """The triggers that apply to the alliance (``rules``), evaluated on the months so far, with their early
    warning."""
    rows = []
    for number, trigger in rules:
        target = trigger["target"]
        if target in kpis.index:
            series = values[target].to_numpy()
            subject = f"{kpis.at[target, 'name']} {trigger['comparator']} {trigger['threshold']:g}"
            unit = kpis.at[target, "unit"]
            subject += f" {unit}" if unit else ""
        elif target in index.columns:
            series = index[target].to_numpy()
            subject = f"{target} index {trigger['comparator']} {format_share(trigger['threshold'])} of target"
        else:
            continue
        k, n = int(trigger["persist_k"]), int(trigger["persist_n"])
        breached = breaches(series, trigger["comparator"], float(trigger["threshold"]))
        fired = persistent(breached, k, n)
        first = int(first_firing(breached, k, n))
        count = int(breached[-n:].sum())
        horizon = int(trigger["horizon_months"]) if pd.notna(trigger["horizon_months"]) else settings.horizon_months
        description = subject + (f" in {k} of {n} months" if n > 1 else "")
        row = {"trigger_id": trigger["trigger_id"], "target": target, "description": description,
               "action": trigger["action"], "breached": count, "n": n, "firing": bool(fired[-1]),
               "first_fired": values.index[first] if first >= 0 else "",
               "reason": f"{subject} in {count} of the last {n} months", "horizon": horizon,
               "probability": np.nan, "p10": np.nan, "p50": np.nan, "p90": np.nan}
        if not row["firing"]:
            model = fit_local_trend(series, settings.trend_window)
            if model is not None:
                rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(position, number)))
                future = simulate_paths(model, horizon, paths, rng)
                outlook = firing_outlook(future, breached[-(n - 1):] if n > 1 else breached[:0],
                                         trigger["comparator"], float(trigger["threshold"]), k, n)
                row.update(probability=outlook.probability,
                           **{name: np.nan if value is None else value
                              for name, value in zip(("p10", "p50", "p90"), outlook.months)})
        rows.append(row)
    if not bool(gate["gate_passed"]):
        rows.append({"trigger_id": "strategy_gate", "target": "strategy", "action": "exit", "breached": 0, "n": 0,
                     "description": "the strategy gate, re-run on the current case", "firing": True,
                     "first_fired": "", "reason": "strategy gate: " + "; ".join(_gate_reasons(gate["gate_reasons"])),
                     "horizon": 0, "probability": np.nan, "p10": np.nan, "p50": np.nan, "p90": np.nan})
    columns = ["trigger_id", "target", "description", "action", "breached", "n", "firing", "first_fired", "reason",
               "horizon", "probability", "p10", "p50", "p90"]
    return pd.DataFrame(rows, columns=columns)


def _gate_reasons(reasons: list[str]) -> list[str]:
    """The gate's reasons for an alliance in flight: of two phase-out reasons, the one against its payback."""
    phase_out = [reason for reason in reasons if reason.startswith("its offering is phased out")]
    if len(phase_out) < 2:
        return reasons
    return [reason for reason in reasons if reason not in phase_out] + [phase_out[-1]]


def _gaps(answers: pd.DataFrame, kpis: pd.DataFrame, recent: list[str]) -> pd.DataFrame:
    """Per dimension, our side's and the partner's respondents' mean survey scores over the recent months
    (``answers``: the alliance's scorecard rows that have a respondent)."""
    answers = answers[answers["period"].isin(recent) & answers["kpi_id"].isin(kpis.index)]
    columns = ["ours", "partners", "respondents_us", "respondents_partner", "p_value", "method", "shown"]
    if answers.empty:
        return pd.DataFrame(columns=columns, index=pd.Index([], name="dimension"))
    answers = answers.assign(dimension=answers["kpi_id"].map(kpis["dimension"]))
    scores = answers.groupby(["dimension", "side", "respondent"])["value"].mean()
    rows = {}
    for dimension in (item for item in DIMENSIONS if item in scores.index.get_level_values(0)):
        sides = scores.loc[dimension]
        ours = sides.loc["us"].to_numpy() if "us" in sides.index.get_level_values(0) else np.zeros(0)
        theirs = sides.loc["partner"].to_numpy() if "partner" in sides.index.get_level_values(0) else np.zeros(0)
        gap = side_gap(ours, theirs)
        rows[dimension] = [gap.ours, gap.partners, gap.respondents[0], gap.respondents[1], gap.p_value, gap.method,
                           gap.shown]
    return pd.DataFrame.from_dict(rows, orient="index", columns=columns).rename_axis("dimension")


def _reasons(item: AllianceHealth, settings: Health) -> list[tuple[str, str]]:
    """Every reason to act on the alliance, ``(action, reason)``, most severe first."""
    reasons: list[tuple[str, str]] = []
    for row in item.triggers.itertuples():
        if row.firing:
            reasons.append((row.action, row.reason))
        elif not np.isnan(row.probability) and row.probability >= settings.early_warning_alert:
            reasons.append(("watch", f"early warning: {row.description} is likely within {row.horizon} months "
                            f"(chance {format_share(row.probability)}), which would mean {row.action}"))
    for dimension, row in item.gaps.iterrows():
        if row["shown"] and row["p_value"] < settings.gap_significance:
            reasons.append(("review", f"the two sides see {dimension} differently: our side scores "
                            f"{format_number(row['ours'])}, the partner's {format_number(row['partners'])} "
                            f"(exact p = {format_number(row['p_value'], 3)})"))
    band = item.latest()
    if not np.isnan(band) and band < settings.bands.amber:
        reasons.append(("review", f"health index {format_share(band)} of target, in the red band"))
    elif not np.isnan(band) and band < settings.bands.green:
        reasons.append(("watch", f"health index {format_share(band)} of target, in the amber band"))
    moving = []
    for kpi, charts in item.charts.items():
        alarms = [signal for signal in charts.signals if signal.current and _unfavourable(item, kpi, signal.direction)]
        if alarms:
            since = format_month(item.periods[min(signal.month for signal in alarms)])
            moving.append(f"{item.kpis.at[kpi, 'name']} {'falling' if alarms[0].direction < 0 else 'rising'} "
                          f"since {since}")
    if moving:
        reasons.append(("watch", f"beyond noise: {join_words(moving)}"))
    coverage = item.coverage[HEALTH].iloc[-1] if len(item.coverage) else 0.0
    if coverage < 0.5:
        reasons.append(("watch", f"only {format_share(coverage)} of the scorecard's weight was reported in "
                        f"{item.periods[-1] if item.periods else 'the month'}"))
    return sorted(reasons, key=lambda reason: -HEALTH_ACTIONS.index(reason[0]))


class HealthParameters(AnalysisParameters):
    """The alliance-health analysis's parameters (the ``parameters`` cell of ``06_alliance_health``).

    Attributes
    ----------
    month : str
        Evaluate as of this month (``YYYY-MM``); empty takes the latest month of the scorecard.
    paths : int
        Simulated future paths per trigger for the early warning, 200 to 1,000,000.
    seed : int
        Seed of the early warning; -1 uses the case's ``simulation.seed``.
    """

    month: str = Field(default="", pattern=r"^(|\d{4}-(0[1-9]|1[0-2]))$")
    paths: Annotated[WholeNumber, Field(ge=200, le=1_000_000)] = 2000
    seed: Annotated[WholeNumber, Field(ge=-1)] = -1

    @field_validator("month", mode="before")
    @classmethod
    def _month_text(cls, value: object) -> object:
        """A month is text like 2026-03."""
        return value.strip() if isinstance(value, str) else value

    def problems(self, case: Case) -> list[Problem]:
        """A month outside the case's scorecard."""
        scorecard = case.health_tables["scorecard.csv"]
        if not self.month or scorecard.empty:
            return []
        first, last = str(scorecard["period"].min()), str(scorecard["period"].max())
        if first <= self.month <= last:
            return []
        return [Problem("parameters", f"month {self.month} is outside the scorecard ({first} to {last})",
                        column="month")]


def analyse_alliance_health(case: Case, parameters: HealthParameters = HealthParameters()) -> HealthResult:
    """Run the alliance-health analysis on a case, once per run (see :mod:`alliance_analytics.core.cache`).

    Parameters
    ----------
    case : Case
        A validated case.
    parameters : HealthParameters
        Evaluation month, early-warning paths and seed.

    Returns
    -------
    HealthResult
        As :func:`alliance_health`, carrying ``parameters``.

    Raises
    ------
    InputError
        When a parameter does not fit the case.
    """
    problems = parameters.problems(case)
    if problems:
        raise InputError("alliance-health parameters", problems)

    def compute() -> HealthResult:
        result = alliance_health(case, parameters.month, parameters.paths,
                                 None if parameters.seed < 0 else parameters.seed)
        return dataclasses.replace(result, parameters=parameters)
    return cached("alliance_health", case.file_hashes, parameters.as_json(), compute)
