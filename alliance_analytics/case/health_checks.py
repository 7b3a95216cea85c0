"""Checks across the alliance-health files (``kpis.csv``, ``scorecard.csv``, ``triggers.csv``) and the alliances
in flight of ``candidates.csv``, each problem located by file, line and column."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol

from alliance_analytics.case.model import DIMENSIONS, KpiRow, ScorecardRow, TriggerRow
from alliance_analytics.core.problems import Problem, number

HEALTH_TARGETS = ("health",)
"""A trigger target that is neither a KPI nor a dimension: the alliance's whole health index."""


class RowsWithLines(Protocol):
    """The validated rows of one file and their line numbers."""

    rows: list
    lines: list[int]
    complete: bool


def check_health_files(tables: Mapping[str, RowsWithLines], active: Mapping[str, object],
                       proposed: Sequence[str], attainment_cap: float, last_period: str | None) -> list[Problem]:
    """Every problem across the health files, at once.

    Parameters
    ----------
    tables : mapping of str to table
        The validated rows of the case's files by file name (only those present).
    active : mapping of str to date or None
        The alliances in flight (``status: active``) by id, with their ``start_date``.
    proposed : sequence of str
        Ids of the proposed candidates (named in messages when a health file refers to one by mistake).
    attainment_cap : float
        ``health.attainment_cap``: a dimension or health threshold above it can never be breached from below.
    last_period : str or None
        The month of ``as_of`` (``YYYY-MM``); facts after it are in the future.

    Returns
    -------
    list of Problem
    """
    problems: list[Problem] = []
    present = [name for name in ("kpis.csv", "scorecard.csv", "triggers.csv") if name in tables]
    if not present:
        return problems
    for name, needs in (("kpis.csv", "scorecard.csv"), ("scorecard.csv", "kpis.csv"), ("triggers.csv", "kpis.csv")):
        if name in tables and needs not in tables:
            problems.append(Problem(name, f"needs {needs} beside it (the health analysis reads them together)"))
    if not active:
        problems.append(Problem(present[0], "the case has no alliance in flight: mark running alliances with "
                                "status active (and a start_date) in candidates.csv"))
        return problems
    def alliance_problem(file: str, alliance: str, line: int) -> Problem | None:
        if alliance in active:
            return None
        reason = (f"'{alliance}' is a proposed candidate, not an alliance in flight; set its status to active in "
                  "candidates.csv" if alliance in proposed else
                  f"unknown alliance '{alliance}'; expected one with status active in candidates.csv: "
                  f"{', '.join(active) or 'none'}")
        return Problem(file, reason, line=line, column="alliance_id")

    kpis: dict[tuple[str, str], int] = {}
    if "kpis.csv" in tables:
        table = tables["kpis.csv"]
        for row, line in zip(table.rows, table.lines):
            row: KpiRow
            found = alliance_problem("kpis.csv", row.alliance_id, line)
            if found:
                problems.append(found)
            key = (row.alliance_id, row.kpi_id)
            if key in kpis:
                problems.append(Problem("kpis.csv", f"duplicate KPI '{row.kpi_id}' for alliance '{row.alliance_id}' "
                                        f"(first on line {kpis[key]})", line=line, column="kpi_id"))
            kpis.setdefault(key, line)
    kpi_ids = {kpi for _, kpi in kpis}
    if "scorecard.csv" in tables and "kpis.csv" in tables:
        table = tables["scorecard.csv"]
        seen: dict[tuple, int] = {}
        for row, line in zip(table.rows, table.lines):
            row: ScorecardRow
            found = alliance_problem("scorecard.csv", row.alliance_id, line)
            if found:
                problems.append(found)
            elif tables["kpis.csv"].complete and (row.alliance_id, row.kpi_id) not in kpis:
                known = sorted(kpi for alliance, kpi in kpis if alliance == row.alliance_id)
                problems.append(Problem("scorecard.csv", f"unknown KPI '{row.kpi_id}' for alliance "
                                        f"'{row.alliance_id}'; expected one of {', '.join(known) or 'none in kpis.csv'}",
                                        line=line, column="kpi_id"))
            start = active.get(row.alliance_id)
            if start is not None and row.period < f"{start:%Y-%m}":
                problems.append(Problem("scorecard.csv", f"period {row.period} is before the alliance started "
                                        f"({start:%Y-%m}, start_date in candidates.csv)", line=line, column="period"))
            if last_period is not None and row.period > last_period:
                problems.append(Problem("scorecard.csv", f"period {row.period} is after as_of ({last_period}) in "
                                        "case.yaml: a fact cannot come from the future", line=line, column="period"))
            if row.respondent is not None and row.side is None:
                problems.append(Problem("scorecard.csv", "a respondent answers for one side: set side to us or "
                                        "partner", line=line, column="side"))
            key = (row.alliance_id, row.period, row.kpi_id, row.side, row.respondent)
            if key in seen:
                who = "".join([f", side {row.side}" if row.side else "",
                               f", respondent {row.respondent}" if row.respondent else ""])
                problems.append(Problem("scorecard.csv", f"duplicate fact: {row.alliance_id} {row.kpi_id} in "
                                        f"{row.period}{who} (first on line {seen[key]})", line=line, column="value"))
            seen.setdefault(key, line)
    if "triggers.csv" in tables:
        problems.extend(_check_triggers(tables["triggers.csv"], kpis, kpi_ids, alliance_problem, attainment_cap,
                                        "kpis.csv" in tables and tables["kpis.csv"].complete))
    return problems


def _check_triggers(table: RowsWithLines, kpis: Mapping[tuple[str, str], int], kpi_ids: set[str],
                    alliance_problem, attainment_cap: float, kpis_complete: bool) -> list[Problem]:
    """Triggers name a known alliance (or ``*``), a KPI of it (checked when every row of ``kpis.csv`` is valid),
    a dimension or ``health``; ids are unique."""
    problems: list[Problem] = []
    seen: dict[tuple[str, str], int] = {}
    for row, line in zip(table.rows, table.lines):
        row: TriggerRow
        if row.alliance_id != "*":
            found = alliance_problem("triggers.csv", row.alliance_id, line)
            if found:
                problems.append(found)
        key = (row.alliance_id, row.trigger_id)
        if key in seen:
            problems.append(Problem("triggers.csv", f"duplicate trigger '{row.trigger_id}' for "
                                    f"'{row.alliance_id}' (first on line {seen[key]})", line=line,
                                    column="trigger_id"))
        seen.setdefault(key, line)
        if row.target in DIMENSIONS or row.target in HEALTH_TARGETS:
            if not 0 < row.threshold <= attainment_cap:
                problems.append(Problem("triggers.csv", f"a {row.target} threshold is a share of target between 0 "
                                        f"and the attainment cap {number(attainment_cap)} (0.8 = 80 % of target), "
                                        f"got {number(row.threshold)}", line=line, column="threshold"))
        elif kpis_complete and not (row.target in kpi_ids if row.alliance_id == "*"
                                    else (row.alliance_id, row.target) in kpis):
            problems.append(Problem("triggers.csv", f"unknown target '{row.target}'; expected a KPI id of the "
                                    f"alliance, a dimension ({', '.join(DIMENSIONS)}) or health", line=line,
                                    column="target"))
    return problems
