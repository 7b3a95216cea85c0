"""Checks across the thesis-check files (``actuals.csv``, ``pilots.csv``), ``assumptions.csv`` and
``candidates.csv``, each problem located by file, line and column."""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence

import numpy as np

from alliance_analytics.case.distributions import frozen
from alliance_analytics.case.health_checks import RowsWithLines
from alliance_analytics.case.model import SHARE_QUANTITIES, ActualRow, AssumptionRow
from alliance_analytics.case.vocabulary import PARAMETER_COLUMNS
from alliance_analytics.core.problems import Problem, number

LARGEST_POISSON_PILOT = 100_000
"""Most events a count may expect (its periods × the rate's P99.9), for an actual and a Poisson pilot alike:
beyond it a pilot cannot be valued, and a count that large is a measurement, not a rate of events."""


def check_thesis_files(tables: Mapping[str, RowsWithLines], candidates: Sequence[str], active: Mapping[str, object],
                       last_period: str | None) -> list[Problem]:
    """Every problem across ``actuals.csv`` and ``pilots.csv``, at once.

    Parameters
    ----------
    tables : mapping of str to table
        The validated rows of the case's files by file name (only those present); ``assumptions.csv`` is read
        only when every row of it is valid, so that a skipped row does not make its assumption look unknown.
    candidates : sequence of str
        Every id of ``candidates.csv`` (proposed and in flight).
    active : mapping of str to date or None
        The alliances in flight by id, with their ``start_date``.
    last_period : str or None
        The month of ``as_of`` (``YYYY-MM``); actuals after it are in the future.

    Returns
    -------
    list of Problem
    """
    problems: list[Problem] = []
    assumptions = tables["assumptions.csv"]
    known = ({(row.candidate_id, row.assumption_id): row for row in assumptions.rows}
             if assumptions.complete else None)
    if "actuals.csv" in tables:
        problems += _check_actuals(tables["actuals.csv"], set(candidates), active, known, last_period)
    if "pilots.csv" in tables:
        problems += _check_pilots(tables["pilots.csv"], set(candidates) - set(active), active, known)
    return problems


def _check_actuals(table: RowsWithLines, candidates: set[str], active: Mapping[str, object],
                   known: dict[tuple[str, str], AssumptionRow] | None, last_period: str | None) -> list[Problem]:
    """Unknown ids, months outside the alliance's life, repeats, and observations its assumption cannot produce."""
    problems = []
    seen: dict[tuple[str, str, str], int] = {}
    evidence: dict[tuple[str, str], tuple[str, int]] = {}
    for row, line in zip(table.rows, table.lines):
        problem = functools.partial(_append, problems, "actuals.csv", line)
        given = (row.n is None) != (row.sd is None)
        strength = "sd" if row.sd is not None else "n"
        first, first_line = evidence.setdefault((row.alliance_id, row.assumption_id), (strength, line)) if given \
            else (strength, line)
        if strength != first:
            problem(f"{row.assumption_id} of {row.alliance_id} is given with {first} on line {first_line}; give every "
                    f"observation of one assumption the same way (all sd or all n)", strength)
        key = (row.alliance_id, row.assumption_id, row.period)
        if key in seen:
            problem(f"{row.assumption_id} of {row.alliance_id} in {row.period} is already on line {seen[key]}; "
                    "one observation per assumption and month", "period")
        seen.setdefault(key, line)
        if row.alliance_id not in candidates:
            problem(f"unknown alliance or candidate '{row.alliance_id}'; expected an id of candidates.csv",
                    "alliance_id")
            continue
        start = active.get(row.alliance_id)
        if start is not None and row.period < f"{start:%Y-%m}":
            problem(f"period {row.period} is before the alliance started ({start:%Y-%m}, start_date in "
                    "candidates.csv)", "period")
        if last_period is not None and row.period > last_period:
            problem(f"period {row.period} is after as_of ({last_period}) in case.yaml", "period")
        if known is None:
            continue
        assumption = known.get((row.alliance_id, row.assumption_id))
        if assumption is None:
            problem(f"unknown assumption '{row.assumption_id}' of {row.alliance_id}; expected "
                    f"{_assumptions_of(known, row.alliance_id)} in assumptions.csv", "assumption_id")
        elif assumption.distribution == "fixed":
            problem(f"{row.assumption_id} is fixed in assumptions.csv, so no actual can move it; give it a "
                    "distribution (its uncertainty before the actuals)", "assumption_id")
        elif given:
            problems += [Problem("actuals.csv", message, line=line, column=column)
                         for column, message in _observation_problems(row, assumption)]
    return problems


def _observation_problems(row: ActualRow, assumption: AssumptionRow) -> list[tuple[str, str]]:
    """What is wrong with one observation given its assumption (support, counts, trials)."""
    share = _is_share(assumption)
    if row.sd is not None:
        low, high = _support(assumption)
        if not low <= row.observed <= high:
            return [("observed", f"{number(row.observed)} is outside what assumptions.csv allows for "
                     f"{row.assumption_id} ({number(low)} to {number(high)}); widen its distribution if the "
                     "actual is right")]
        return []
    problems = []
    if not share and assumption.distribution != "gamma":
        return [("n", f"with n, observed counts events in n periods, which observes a rate; {row.assumption_id} is a "
                 f"{assumption.quantity} with a {assumption.distribution} distribution: measure it instead (sd), or "
                 "give a rate a gamma distribution in assumptions.csv")]
    if not share and row.n * _support(assumption, 0.999)[1] > LARGEST_POISSON_PILOT:
        problems.append(("n", f"{number(row.n)} periods of {row.assumption_id} would expect more than "
                         f"{LARGEST_POISSON_PILOT:,} events; counts are for rates such as deals per month: measure "
                         "it instead (sd)"))
    if row.observed < 0 or row.observed != round(row.observed):
        problems.append(("observed", f"with n, observed is a count of {'successes' if share else 'events'}: a whole "
                         f"number of at least 0, got {number(row.observed)}"))
    if share and row.n != round(row.n):
        problems.append(("n", f"n is the number of trials behind a share: a whole number, got {number(row.n)}"))
    if share and row.n < row.observed:
        problems.append(("n", f"n ({number(row.n)}) is below the count observed ({number(row.observed)}): a share "
                         "has at most n successes in n trials"))
    return problems


def _check_pilots(table: RowsWithLines, proposed: set[str], active: Mapping[str, object],
                  known: dict[tuple[str, str], AssumptionRow] | None) -> list[Problem]:
    """Pilots of known, uncertain assumptions of proposed candidates, observed in a way that fits them."""
    problems = []
    seen: dict[tuple[str, str], int] = {}
    for row, line in zip(table.rows, table.lines):
        problem = functools.partial(_append, problems, "pilots.csv", line)
        key = (row.candidate_id, row.assumption_id)
        if key in seen:
            problem(f"a pilot of {row.assumption_id} for {row.candidate_id} is already on line {seen[key]}",
                    "assumption_id")
        seen.setdefault(key, line)
        if row.candidate_id in active:
            problem(f"'{row.candidate_id}' is an alliance in flight; a pilot tests a proposed candidate's "
                    "assumption before committing (its actuals go to actuals.csv)", "candidate_id")
            continue
        if row.candidate_id not in proposed:
            problem(f"unknown candidate '{row.candidate_id}'; expected a proposed candidate of candidates.csv",
                    "candidate_id")
            continue
        if known is None:
            continue
        assumption = known.get(key)
        if assumption is None:
            problem(f"unknown assumption '{row.assumption_id}' of {row.candidate_id}; expected "
                    f"{_assumptions_of(known, row.candidate_id)} in assumptions.csv", "assumption_id")
        elif assumption.distribution == "fixed":
            problem(f"{row.assumption_id} is fixed in assumptions.csv; a pilot cannot tell anything about it",
                    "assumption_id")
        elif row.evidence == "binomial" and not _is_share(assumption):
            problem(f"a binomial pilot observes a share in trials, but {row.assumption_id} is a "
                    f"{assumption.quantity}; use normal (with unit_sd) or poisson", "evidence")
        elif row.evidence == "poisson" and _is_share(assumption):
            problem(f"{row.assumption_id} is a share; a pilot observes it in trials (binomial) or measures it "
                    "(normal), not as a count of events", "evidence")
        elif row.evidence == "poisson" and assumption.distribution != "gamma":
            problem(f"a poisson pilot counts events, which observes a rate; {row.assumption_id} is a "
                    f"{assumption.quantity} with a {assumption.distribution} distribution: measure it (normal, with "
                    "unit_sd), or give a rate a gamma distribution in assumptions.csv", "evidence")
        elif row.evidence == "poisson" and row.max_n * _support(assumption, 0.999)[1] > LARGEST_POISSON_PILOT:
            problem(f"a poisson pilot of up to {row.max_n} periods expects more than "
                    f"{LARGEST_POISSON_PILOT:,} events of {row.assumption_id}; a count pilot is for rates such as "
                    "deals per month — measure it instead (normal, with unit_sd)", "evidence")
    return problems


def _append(problems: list[Problem], file: str, line: int, message: str, column: str) -> None:
    """Add one located problem."""
    problems.append(Problem(file, message, line=line, column=column))


def _is_share(assumption: AssumptionRow) -> bool:
    """The assumption is a share (0–1): observed in trials rather than as a count of events."""
    return assumption.quantity in SHARE_QUANTITIES or assumption.distribution == "beta"


def _support(assumption: AssumptionRow, level: float = 1.0) -> tuple[float, float]:
    """The range the simulation can draw the assumption from (the ``level`` quantile as its top when < 1)."""
    distribution = frozen(assumption.distribution, {name: getattr(assumption, name) for name in PARAMETER_COLUMNS})
    low, high = distribution.support() if level >= 1 else (distribution.support()[0], distribution.ppf(level))
    ceiling = 1.0 if _is_share(assumption) else np.inf
    return float(max(low, 0.0)), float(min(high, ceiling))


def _assumptions_of(known: Mapping[tuple[str, str], AssumptionRow], candidate: str) -> str:
    """The assumption ids of one candidate, for a message."""
    ids = [assumption for owner, assumption in known if owner == candidate]
    return f"one of {', '.join(ids)}" if ids else "an assumption, but it has none"
