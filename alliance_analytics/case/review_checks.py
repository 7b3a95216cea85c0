"""Checks across the portfolio-review files (``review.csv``, ``restructure.csv``), ``candidates.csv`` and
``assumptions.csv``, each problem located by file, line and column."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Mapping, Sequence

from alliance_analytics.case.health_checks import RowsWithLines
from alliance_analytics.core.problems import Problem


def check_review_files(tables: Mapping[str, RowsWithLines], proposed: Sequence[str],
                       active: Mapping[str, dt.date | None], as_of: dt.date | None,
                       horizon_years: int | None) -> list[Problem]:
    """Every problem across ``review.csv`` and ``restructure.csv``, at once.

    Parameters
    ----------
    tables : mapping of str to table
        The validated rows of the case's files by file name (only those present); ``assumptions.csv`` is read only
        when every row of it is valid, so that a skipped row does not make an alliance look as if it had none.
    proposed : sequence of str
        The proposed candidates' ids.
    active : mapping of str to date or None
        The alliances in flight by id, with their ``start_date``.
    as_of : datetime.date or None
        The review date (``as_of`` in ``case.yaml``), None when it is not valid.
    horizon_years : int or None
        ``finance.horizon_years``, None when not valid.

    Returns
    -------
    list of Problem
        Unknown or proposed alliances, repeats, an alliance without assumptions to value it, an alliance whose
        horizon has ended; restructure rows of an alliance not reviewed or without a restructure option, unknown
        or repeated assumptions, ``restructure.csv`` without ``review.csv``.
    """
    problems: list[Problem] = []
    assumptions = tables["assumptions.csv"]
    owned: dict[str, dict[str, str]] | None = None
    if assumptions.complete:
        owned = {}
        for row in assumptions.rows:
            owned.setdefault(row.candidate_id, {})[row.assumption_id] = row.quantity
    reviewed: dict[str, bool] = {}
    if "review.csv" in tables:
        reviewed = _check_review(tables["review.csv"], set(proposed), active, owned, as_of, horizon_years, problems)
    if "restructure.csv" in tables:
        if "review.csv" not in tables:
            problems.append(Problem("restructure.csv", "restructures alliances that review.csv does not review; add "
                                    "review.csv (or remove restructure.csv)"))
        else:
            _check_restructure(tables["restructure.csv"], reviewed, tables["review.csv"].complete, owned, problems)
    return problems


def _check_review(table: RowsWithLines, proposed: set[str], active: Mapping[str, dt.date | None],
                  owned: dict[str, dict[str, str]] | None, as_of: dt.date | None, horizon_years: int | None,
                  problems: list[Problem]) -> dict[str, bool]:
    """Problems of ``review.csv``; returns every reviewed alliance and whether it has a restructure option."""
    seen: dict[str, int] = {}
    reviewed = {}
    for row, line in zip(table.rows, table.lines):
        problem = functools.partial(_append, problems, "review.csv", line)
        alliance = row.alliance_id
        if alliance in seen:
            problem(f"{alliance} is already reviewed on line {seen[alliance]}; one row per alliance")
            continue
        seen[alliance] = line
        reviewed[alliance] = row.restructure is not None
        if alliance in proposed:
            problem(f"{alliance} is a proposed candidate; review.csv lists alliances in flight (status active in "
                    "candidates.csv): the portfolio optimisation decides proposed candidates")
            continue
        if alliance not in active:
            problem(f"unknown alliance '{alliance}'; expected an alliance in flight of candidates.csv "
                    f"({', '.join(active) or 'none has status active'})")
            continue
        if owned is not None and alliance not in owned:
            problem(f"{alliance} has no assumptions in assumptions.csv; the review values what is still to come "
                    "from its business case, so give its assumptions there")
        start = active[alliance]
        if start is not None and as_of is not None and horizon_years is not None:
            end = dt.date(start.year + horizon_years, start.month, min(start.day, 28))
            if end <= as_of:
                problem(f"{alliance} started on {start:%Y-%m-%d}, so its {horizon_years}-year horizon "
                        f"(finance.horizon_years) ended before as_of ({as_of:%Y-%m-%d}): nothing is left to decide")
    return reviewed


def _check_restructure(table: RowsWithLines, reviewed: Mapping[str, bool], complete: bool,
                       owned: dict[str, dict[str, str]] | None, problems: list[Problem]) -> None:
    """Problems of ``restructure.csv``: reviewed alliances with a restructure option, their own assumptions once,
    no factor on a sunk investment. With an invalid ``review.csv`` row (``complete`` false), a row of an alliance not
    among the valid ones is not checked against it (it may be the invalid row's)."""
    seen: dict[tuple[str, str], int] = {}
    for row, line in zip(table.rows, table.lines):
        problem = functools.partial(_append, problems, "restructure.csv", line)
        key = (row.alliance_id, row.assumption_id)
        if key in seen:
            problem(f"{row.assumption_id} of {row.alliance_id} is already changed on line {seen[key]}; one factor "
                    "per assumption", "assumption_id")
            continue
        seen[key] = line
        if row.alliance_id not in reviewed:
            if complete:
                problem(f"'{row.alliance_id}' is not reviewed in review.csv; expected one of "
                        f"{', '.join(reviewed) or '(none)'}", "alliance_id")
        elif not reviewed[row.alliance_id]:
            problem(f"{row.alliance_id} has no restructure option in review.csv (column restructure is blank); name "
                    "the option there", "alliance_id")
        elif owned is not None and row.assumption_id not in owned.get(row.alliance_id, {}):
            known = sorted(owned.get(row.alliance_id, {}))
            problem(f"unknown assumption '{row.assumption_id}' of {row.alliance_id}; expected one of "
                    f"{', '.join(known) or '(none)'} in assumptions.csv", "assumption_id")
        elif owned is not None and owned[row.alliance_id][row.assumption_id] == "investment":
            problem(f"{row.assumption_id} is {row.alliance_id}'s investment, paid at its start: sunk, so a factor on "
                    "it changes nothing; give the restructure's one-off cost as restructure_cost in review.csv",
                    "assumption_id")


def _append(problems: list[Problem], file: str, line: int, message: str, column: str = "alliance_id") -> None:
    """Add one located problem (by default at the alliance's id)."""
    problems.append(Problem(file, message, line=line, column=column))
