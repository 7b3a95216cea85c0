"""Load a case folder into a :class:`~alliance_analytics.case.model.Case`, finding every problem at once.

Loading never stops at the first mistake: each file is parsed and checked row by row, then the files are
checked against each other, and all problems are raised together in one
:class:`~alliance_analytics.core.problems.InputError`. The case files are only read, never modified.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pandas as pd
from pydantic import BaseModel, TypeAdapter, ValidationError

from alliance_analytics.case.case import Case
from alliance_analytics.case.correlations import correlation_matrices
from alliance_analytics.case.decision_log import chain_problems, log_entry
from alliance_analytics.case.health_checks import check_health_files
from alliance_analytics.case.model import (
    ADDITIVE_QUANTITIES,
    CASE_FILES,
    HEALTH_FILES,
    OPTIONAL_FILES,
    REVIEW_FILES,
    THESIS_FILES,
    ActualRow,
    AssumptionRow,
    CandidateRow,
    CaseSettings,
    DecisionRow,
    DriverRow,
    PilotRow,
    ReviewRow,
    RiskRow,
    ScoreRow,
    TriggerRow,
)
from alliance_analytics.case.review_checks import check_review_files
from alliance_analytics.case.sources import FolderSource, Locate, WorkbookSource, case_source
from alliance_analytics.case.thesis_checks import check_thesis_files
from alliance_analytics.case.weighting import derive_weights
from alliance_analytics.case.workbook import SETTINGS_FILE
from alliance_analytics.core.problems import InputError, Problem, describe_validation_error, number


@dataclass
class _Table:
    """The validated rows of one CSV file, with the line number of each row."""

    rows: list[BaseModel] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)
    complete: bool = True


UNKNOWN_KEY = "is not a known key or column (check the spelling against docs/case-format.md)"
"""How a key or column the case format does not have is reported."""

def load_case(case_dir: str | Path) -> Case:
    """Load and validate a case folder.

    Parameters
    ----------
    case_dir : str or Path
        The folder holding ``case.yaml``, ``candidates.csv``, ``scores.csv``, ``assumptions.csv`` and
        ``risks.csv`` (see ``docs/case-format.md``).

    Returns
    -------
    Case
        The validated case.

    Raises
    ------
    InputError
        With every problem found, each naming its file, line and column.

    Examples
    --------
    >>> from alliance_analytics.core.paths import SAMPLE_CASE_DIR
    >>> case = load_case(SAMPLE_CASE_DIR)
    >>> case.settings.currency
    'EUR'
    """
    directory = Path(case_dir)
    subject = f"case {directory}"
    known = [*CASE_FILES, *OPTIONAL_FILES]
    problems: list[Problem] = []
    source = case_source(directory, known, problems)
    problems.extend(source.missing(name) for name in CASE_FILES if not source.has(name))
    settings, locate, sections = (_load_settings(source, problems) if source.has(SETTINGS_FILE)
                                  else (None, None, {}))
    tables = {name: _load_table(name, source, model, problems) if source.has(name)
              else _Table(complete=False) for name, model in CASE_FILES.items() if model}
    present = {name: model for name, model in OPTIONAL_FILES.items() if source.has(name)}
    tables |= {name: _load_table(name, source, model, problems) for name, model in present.items()}
    criterion_weights, correlations, cross_correlations, warnings = None, {}, [], []
    problems.extend(_cross_check(settings, sections, locate, tables))
    if settings is not None:
        criterion_weights, located = derive_weights(settings)
        problems.extend(locate(location, message) for location, message in located)
        warnings = list(criterion_weights.warnings) if criterion_weights else []
        if "correlations.csv" in tables and tables["assumptions.csv"].complete:
            correlated = tables["correlations.csv"]
            correlations, cross_correlations, more, repaired = correlation_matrices(
                tables["assumptions.csv"].rows, correlated.rows, correlated.lines,
                settings.simulation.repair_correlations)
            problems.extend(more)
            warnings.extend(repaired)
        warnings.extend(_investment_disagreements(tables["candidates.csv"], tables["assumptions.csv"]))
        warnings.extend(_unused_drivers(tables))
        if settings.portfolio.scenarios is not None:
            warnings.append(f"portfolio.scenarios ({settings.portfolio.scenarios:,}) is no longer used: the portfolio "
                            f"is optimised on the risk simulation's {settings.simulation.iterations:,} iterations, "
                            "so every report shows the same numbers; remove the key")
    problems, warnings = source.relabel(problems, warnings)
    if problems:
        raise InputError(subject, problems)

    everyone = _frame(tables["candidates.csv"], CandidateRow).set_index("candidate_id")
    active = everyone["status"].eq("active")
    return Case(
        directory=directory,
        settings=settings,
        candidates=everyone[~active],
        alliances=everyone[active],
        health_tables={name: _frame(tables[name], model) if name in tables else _frame(_Table(), model)
                       for name, model in HEALTH_FILES.items()},
        thesis_tables={name: _frame(tables[name], model) if name in tables else _frame(_Table(), model)
                       for name, model in THESIS_FILES.items()},
        review_tables={name: _frame(tables[name], model) if name in tables else _frame(_Table(), model)
                       for name, model in REVIEW_FILES.items()},
        scores=_frame(tables["scores.csv"], ScoreRow),
        assumptions=_frame(tables["assumptions.csv"], AssumptionRow),
        risks=_frame(tables["risks.csv"], RiskRow),
        file_hashes=source.hashes([*CASE_FILES, *present]),
        criterion_weights=criterion_weights,
        correlations=correlations,
        cross_correlations=cross_correlations,
        drivers=_frame(tables["drivers.csv"] if "drivers.csv" in tables else _Table(), DriverRow)
        .set_index("driver_id"),
        decisions=_frame(tables.get("decisions.csv", _Table()), DecisionRow),
        warnings=warnings,
    )


def _frame(table: _Table, model: type[BaseModel]) -> pd.DataFrame:
    """The validated rows of a table as a DataFrame with the model's columns (optional ones included)."""
    return pd.DataFrame([row.model_dump() for row in table.rows], columns=list(_columns(model)))


def _columns(model: type[BaseModel]) -> Iterable[str]:
    """The columns of a row model, in file order."""
    return model.model_fields.keys()


def _load_settings(source: FolderSource | WorkbookSource, problems: list[Problem],
                   ) -> tuple[CaseSettings | None, Locate | None, dict[str, Any]]:
    """Parse and validate the settings: the settings (None if invalid), how to locate a key, and its valid sections.

    When the settings are invalid, each top-level section is validated on its own, so that the checks across
    files that need only valid sections (the scale for the scores, the objectives for the candidates) still
    run and every problem is reported at once.
    """
    data, locate = source.settings(problems)
    if locate is None:
        return None, None, {}
    if not isinstance(data, dict):
        problems.append(Problem(SETTINGS_FILE, "must be a mapping of keys (name, currency, strategy, …)", line=1))
        return None, locate, {}
    try:
        settings = CaseSettings.model_validate(data)
    except ValidationError as error:
        problems.extend(locate(detail["loc"], describe_validation_error(detail, UNKNOWN_KEY))
                        for detail in error.errors())
        return None, locate, _valid_sections(data)
    return settings, locate, {name: getattr(settings, name) for name in CaseSettings.model_fields}


def _valid_sections(data: dict[str, Any]) -> dict[str, Any]:
    """The top-level sections of ``case.yaml`` that are valid on their own, validated, by key."""
    sections = {}
    for name, info in CaseSettings.model_fields.items():
        if name not in data:
            continue
        try:
            sections[name] = TypeAdapter(info.annotation).validate_python(data[name])
        except ValidationError:
            continue
    return sections


def _load_table(name: str, source: FolderSource | WorkbookSource, model: type[BaseModel],
                problems: list[Problem]) -> _Table:
    """Read one table (a CSV file or a sheet) and validate every row against ``model``."""
    content = source.table(name, problems)
    if content is None:
        return _Table(complete=False)
    expected = list(_columns(model))
    missing = [column for column in expected
               if column not in content.header and model.model_fields[column].is_required()]
    unexpected = [column for column in content.header if column not in expected]
    for column in missing:
        problems.append(Problem(name, "required column is missing", line=1, column=column))
    for column in unexpected:
        problems.append(
            Problem(name, f"unexpected column; expected only {', '.join(expected)}", line=1, column=column)
        )
    if missing or unexpected:
        return _Table(complete=False)

    table = _Table(complete=content.complete)
    for line, record in content.rows:
        try:
            row = model.model_validate(record)
        except ValidationError as error:
            table.complete = False
            for detail in error.errors():
                column = str(detail["loc"][0]) if detail["loc"] else None
                problems.append(Problem(name, describe_validation_error(detail, UNKNOWN_KEY), line=line,
                                        column=column))
            continue
        row_problems = _row_problems(row)
        problems.extend(Problem(name, message, line=line, column=column) for column, message in row_problems)
        table.complete &= not row_problems
        table.rows.append(row)
        table.lines.append(line)
    return table


def _row_problems(row: BaseModel) -> list[tuple[str, str]]:
    """Checks across the columns of one row, as ``(column, message)`` pairs."""
    if isinstance(row, (AssumptionRow, DriverRow)):
        return row.parameter_problems()
    if isinstance(row, (RiskRow, TriggerRow, ActualRow, PilotRow, ReviewRow)):
        return row.consistency_problems()
    return []


def _cross_check(settings: CaseSettings | None, sections: dict[str, Any], locate: Locate | None,
                 tables: dict[str, _Table]) -> list[Problem]:
    """Checks that need more than one value, row or file, as far as the valid parts allow.

    Checks within ``case.yaml`` run when it is valid; a check against ``case.yaml`` runs when the sections it
    needs are valid (``sections``); checks that a candidate id exists run when every row of ``candidates.csv``
    is valid (otherwise a skipped row would make its id look unknown everywhere).
    """
    problems: list[Problem] = []
    candidates = tables["candidates.csv"]
    candidate_ids = _unique_ids(candidates, "candidates.csv", "candidate_id", problems)
    if not candidates.rows and candidates.complete:
        problems.append(Problem("candidates.csv", "holds no candidates; expected at least one row"))
        candidates.complete = False
    active = {row.candidate_id: row.start_date for row in candidates.rows if row.active}
    problems.extend(_check_status_columns(candidates))
    proposed_ids = [candidate for candidate in candidate_ids if candidate not in active]
    known = set(proposed_ids) if candidates.complete else None
    if candidates.complete and candidates.rows and not proposed_ids:
        problems.append(Problem("candidates.csv", "holds only alliances in flight (status active); expected at "
                                "least one proposed candidate"))
    for row, line in zip(candidates.rows, candidates.lines):
        for other in row.competes_with:
            if other == row.candidate_id:
                problems.append(Problem("candidates.csv", "a candidate cannot compete with itself",
                                        line=line, column="competes_with"))
            elif known is not None and other not in known:
                problems.append(Problem("candidates.csv", f"unknown candidate '{other}'", line=line,
                                        column="competes_with"))
    valid = SimpleNamespace(**sections)
    if settings is not None:
        problems.extend(_check_settings(settings, locate))
    if "strategy" in sections:
        problems.extend(_check_objectives(valid, candidates))
    if "criteria" in sections and "scale" in sections:
        problems.extend(_check_scores(valid, tables["scores.csv"], proposed_ids, known is not None, set(active)))
    if "portfolio" in sections:
        problems.extend(_check_portfolio_columns(valid, candidates))
        if known is not None:
            problems.extend(_check_portfolio_references(valid, locate, known))
    for name, id_column in (("assumptions.csv", "assumption_id"), ("risks.csv", "risk_id"),
                            ("correlations.csv", None)):
        if name in tables:
            problems.extend(_check_per_candidate_table(tables[name], name, id_column,
                                                       None if known is None else known | set(active)))
    problems.extend(_check_single_quantities(tables["assumptions.csv"]))
    problems.extend(_check_drivers(tables))
    if candidates.complete:
        last_period = f"{settings.as_of:%Y-%m}" if settings is not None else None  # as_of checked with its model
        problems.extend(_check_not_in_flight(tables, active))
        health = sections.get("health")
        problems.extend(check_health_files(
            tables, active, proposed_ids, health.attainment_cap if health is not None else float("inf"),
            last_period))
        problems.extend(check_thesis_files(tables, candidate_ids, active, last_period))
        problems.extend(check_review_files(tables, proposed_ids, active, settings.as_of if settings else None,
                                           settings.finance.horizon_years if settings else None))
        if "decisions.csv" in tables:
            problems.extend(_check_decisions(tables["decisions.csv"], set(proposed_ids), set(active)))
    return problems


def _check_status_columns(candidates: _Table) -> list[Problem]:
    """An alliance in flight has a start date; a proposed candidate has none yet."""
    problems = []
    for row, line in zip(candidates.rows, candidates.lines):
        if row.active and row.start_date is None:
            problems.append(Problem("candidates.csv", "an alliance in flight (status active) needs its start_date",
                                    line=line, column="start_date"))
        if not row.active and row.start_date is not None:
            problems.append(Problem("candidates.csv", "start_date is for alliances in flight; set status to active "
                                    "or leave start_date blank", line=line, column="start_date"))
    return problems


def _check_not_in_flight(tables: dict[str, _Table], active: dict[str, object]) -> list[Problem]:
    """Scores describe proposed candidates, not alliances in flight (whose value thesis and risks may stay)."""
    return [Problem("scores.csv", f"'{row.candidate_id}' is an alliance in flight (status active in "
                    "candidates.csv); scores.csv describes proposed candidates only", line=line, column="candidate_id")
            for row, line in zip(tables["scores.csv"].rows, tables["scores.csv"].lines) if row.candidate_id in active]


def _check_objectives(settings: CaseSettings, candidates: _Table) -> list[Problem]:
    """Every objective a candidate serves is one of the strategy's."""
    objective_ids = {objective.id for objective in settings.strategy.objectives}
    return [Problem("candidates.csv", f"unknown objective '{objective}'; expected one of "
                    f"{', '.join(sorted(objective_ids))}", line=line, column="objectives")
            for row, line in zip(candidates.rows, candidates.lines)
            for objective in row.objectives if objective not in objective_ids]


def _unique_ids(table: _Table, file: str, column: str, problems: list[Problem]) -> list[str]:
    """The ids of a table in order, reporting each repeated one."""
    seen: dict[str, int] = {}
    for row, line in zip(table.rows, table.lines):
        value = getattr(row, column)
        if value in seen:
            problems.append(Problem(file, f"duplicate id '{value}' (first on line {seen[value]})", line=line,
                                    column=column))
        else:
            seen[value] = line
    return list(seen)


def _check_settings(settings: CaseSettings, locate: Locate | None) -> list[Problem]:
    """Rules across ``case.yaml`` keys: unique ids, thresholds within the scale, dates in order."""
    problems = []
    scale = settings.scale
    scale_text = f"{number(scale.min)}..{number(scale.max)}"

    def in_scale(value: float) -> bool:
        return scale.min <= value <= scale.max

    for location, items in ((("strategy", "objectives"), settings.strategy.objectives),
                            (("criteria",), settings.criteria)):
        seen: set[str] = set()
        for index, item in enumerate(items):
            if item.id in seen:
                problems.append(locate((*location, index, "id"), f"duplicate id '{item.id}'"))
            seen.add(item.id)
    for index, criterion in enumerate(settings.criteria):
        if criterion.red_flag_below is not None and not in_scale(criterion.red_flag_below):
            problems.append(locate(("criteria", index, "red_flag_below"), f"must lie within the scale "
                                          f"{scale_text}, got {number(criterion.red_flag_below)}"))
    if not in_scale(settings.recommendation.advance_min_score):
        problems.append(locate(("recommendation", "advance_min_score"), f"must lie within the scale "
                                      f"{scale_text}, got {number(settings.recommendation.advance_min_score)}"))
    if settings.aggregation.method == "geometric" and scale.min <= 0:
        problems.append(locate(("aggregation", "method"), "the geometric mean needs a scale whose "
                                      "minimum is above 0"))
    if settings.strategy.horizon <= settings.as_of:
        problems.append(locate(("strategy", "horizon"), f"the strategic horizon must be after as_of "
                                      f"({settings.as_of})"))
    return problems


def _check_portfolio_references(settings: CaseSettings, locate: Locate | None, known: set[str]) -> list[Problem]:
    """Exclusions and dependencies name candidates of ``candidates.csv``."""
    portfolio = settings.portfolio
    references = [(("portfolio", "exclusions", group, item), candidate)
                  for group, members in enumerate(portfolio.exclusions) for item, candidate in enumerate(members)]
    for index, dependency in enumerate(portfolio.dependencies):
        references.append((("portfolio", "dependencies", index, "candidate"), dependency.candidate))
        references.append((("portfolio", "dependencies", index, "requires"), dependency.requires))
    references += [(("portfolio", key, item), candidate) for key in ("force_in", "force_out")
                   for item, candidate in enumerate(getattr(portfolio, key))]
    return [locate(location, f"unknown candidate '{candidate}'; expected an id from candidates.csv")
            for location, candidate in references if candidate not in known]


def _check_portfolio_columns(settings: CaseSettings, candidates: _Table) -> list[Problem]:
    """Sponsors have a capacity and start years a budget, where ``case.yaml`` sets those limits."""
    portfolio = settings.portfolio
    problems = []
    for row, line in zip(candidates.rows, candidates.lines):
        if portfolio.sponsor_capacity and row.sponsor is not None and row.sponsor not in portfolio.sponsor_capacity:
            problems.append(Problem("candidates.csv", f"sponsor '{row.sponsor}' has no entry in "
                                    "portfolio.sponsor_capacity of case.yaml; expected one of "
                                    f"{', '.join(portfolio.sponsor_capacity)}", line=line, column="sponsor"))
        if portfolio.budget_per_year and row.start_year is not None \
                and row.start_year not in portfolio.budget_per_year:
            problems.append(Problem("candidates.csv", f"start year {row.start_year} has no budget in "
                                    "portfolio.budget_per_year of case.yaml; expected one of "
                                    f"{', '.join(map(str, portfolio.budget_per_year))}", line=line,
                                    column="start_year"))
    return problems


def _check_scores(settings: CaseSettings, scores: _Table, candidate_ids: list[str],
                  candidates_complete: bool, in_flight: set[str]) -> list[Problem]:
    """Scores within the scale, on known criteria and candidates, once per evaluator, covering every pair."""
    problems = []
    criterion_ids = [criterion.id for criterion in settings.criteria]
    known_candidates, known_criteria = set(candidate_ids), set(criterion_ids)
    scale = settings.scale
    first_line: dict[tuple[str, str, str], int] = {}
    for row, line in zip(scores.rows, scores.lines):
        if candidates_complete and row.candidate_id not in known_candidates | in_flight:
            problems.append(Problem("scores.csv", f"unknown candidate '{row.candidate_id}'; expected an id from "
                                    "candidates.csv", line=line, column="candidate_id"))
        if row.criterion_id not in known_criteria:
            problems.append(Problem("scores.csv", f"unknown criterion '{row.criterion_id}'; expected one of "
                                    f"{', '.join(criterion_ids)}", line=line, column="criterion_id"))
        if not scale.min <= row.score <= scale.max:
            problems.append(Problem("scores.csv", f"score {number(row.score)} is outside the scale "
                                    f"{number(scale.min)}..{number(scale.max)}", line=line, column="score"))
        key = (row.candidate_id, row.criterion_id, row.evaluator)
        if key in first_line:
            problems.append(Problem("scores.csv", f"{row.evaluator} scored {row.candidate_id} on {row.criterion_id} "
                                    f"twice (first on line {first_line[key]})", line=line, column="evaluator"))
        first_line.setdefault(key, line)
    if scores.complete and candidates_complete:
        scored = {(candidate, criterion) for candidate, criterion, _ in first_line}
        for candidate in candidate_ids:
            unscored = [criterion for criterion in criterion_ids if (candidate, criterion) not in scored]
            if len(unscored) == len(criterion_ids):
                problems.append(Problem("scores.csv", f"candidate '{candidate}' has no scores; every candidate "
                                        "needs at least one score per criterion"))
            elif unscored:
                problems.append(Problem("scores.csv", f"candidate '{candidate}' has no score on "
                                        f"{', '.join(unscored)}; every criterion needs at least one score"))
    return problems


IN_FLIGHT_DECISIONS = ("continue", "restructure", "exit", "defer")
PROPOSED_DECISIONS = ("pursue", "do_not_pursue", "defer")


def _check_decisions(log: _Table, proposed: set[str], active: set[str]) -> list[Problem]:
    """Each decision names a known candidate or alliance with a decision that fits it; the hash chain holds."""
    problems = [Problem("decisions.csv", message, line=line, column=column) for row, line in zip(log.rows, log.lines)
                for column, message in _decision_fit(row.alliance, row.decision, proposed, active)]
    if log.complete:
        problems.extend(chain_problems([(line, log_entry(row)) for row, line in zip(log.rows, log.lines)]))
    return problems


def _decision_fit(alliance: str, decision: str, proposed: set[str], active: set[str]) -> list[tuple[str, str]]:
    """A decision names a proposed candidate (pursue, do_not_pursue, defer) or an alliance in flight (continue,
    restructure, exit, defer), as ``(column, message)`` pairs."""
    if alliance not in proposed | active:
        return [("alliance", (f"unknown alliance '{alliance}'; expected a candidate or an alliance in flight of "
                              "candidates.csv"))]
    allowed = IN_FLIGHT_DECISIONS if alliance in active else PROPOSED_DECISIONS
    if decision in allowed:
        return []
    kind = "an alliance in flight" if alliance in active else "a proposed candidate"
    return [("decision", (f"'{decision}' is not a decision for {kind} ({alliance}); expected one of "
                          f"{', '.join(allowed)}"))]


def decision_problems(case: Case, entry: dict[str, str]) -> list[Problem]:
    """What is wrong with a new entry of the decision log, by the rules of a logged one.

    Parameters
    ----------
    case : Case
        The validated case the entry is for.
    entry : dict of str to str
        ``date``, ``alliance``, ``decision``, ``rationale``, ``dissent``, ``run``.

    Returns
    -------
    list of Problem
        Filed under ``"decision"`` with the field's name; empty when the entry can be logged.
    """
    problems = []
    try:
        DecisionRow.model_validate({**entry, "entry_hash": "0" * 64})
    except ValidationError as error:
        problems = [Problem("decision", describe_validation_error(detail, UNKNOWN_KEY),
                            column=str(detail["loc"][0]) if detail["loc"] else None) for detail in error.errors()]
    try:
        future = dt.date.fromisoformat(entry["date"]) > dt.date.today()
    except ValueError:
        future = False  # reported above
    if future:
        problems.append(Problem("decision", f"{entry['date']} is in the future; log a decision once it is taken",
                                column="date"))
    return problems + [Problem("decision", message, column=column) for column, message in _decision_fit(
        entry["alliance"], entry["decision"], set(case.candidates.index), set(case.alliances.index))]


def _check_drivers(tables: dict[str, _Table]) -> list[Problem]:
    """Driver ids are unique in ``drivers.csv`` and every assumption's ``driver_id`` is one of them."""
    problems: list[Problem] = []
    drivers = tables.get("drivers.csv")
    known = None if drivers is None else _unique_ids(drivers, "drivers.csv", "driver_id", problems)
    if drivers is not None and not drivers.complete:
        return problems
    for row, line in zip(tables["assumptions.csv"].rows, tables["assumptions.csv"].lines):
        if row.driver_id is None:
            continue
        if known is None:
            problems.append(Problem("assumptions.csv", f"driver '{row.driver_id}' needs drivers.csv, which the case "
                                    "does not have; add it (driver_id, distribution, its parameters, description)",
                                    line=line, column="driver_id"))
        elif row.driver_id not in known:
            problems.append(Problem("assumptions.csv", f"unknown driver '{row.driver_id}'; expected one of "
                                    f"{', '.join(sorted(known)) or 'the ids of drivers.csv (it has none)'}",
                                    line=line, column="driver_id"))
    return problems


def _unused_drivers(tables: dict[str, _Table]) -> list[str]:
    """A warning per driver of ``drivers.csv`` that no assumption depends on."""
    if "drivers.csv" not in tables:
        return []
    used = {row.driver_id for row in tables["assumptions.csv"].rows}
    return [f"drivers.csv: driver '{row.driver_id}' is not used by any assumption (set driver_id in "
            "assumptions.csv), so it changes nothing" for row in tables["drivers.csv"].rows if row.driver_id not in used]


def _check_single_quantities(assumptions: _Table) -> list[Problem]:
    """Quantities that are not additive (margin, launch, ramp-up, lifetime) may appear once per candidate.

    A row repeating an earlier row's assumption id is reported as a duplicate id instead.
    """
    problems = []
    first: dict[tuple[str, str], tuple[int, str]] = {}
    for row, line in zip(assumptions.rows, assumptions.lines):
        key = (row.candidate_id, row.quantity)
        if row.quantity not in ADDITIVE_QUANTITIES and key in first and first[key][1] != row.assumption_id:
            problems.append(Problem("assumptions.csv", f"candidate '{row.candidate_id}' already has a {row.quantity} "
                                    f"assumption (line {first[key][0]}); only {', '.join(ADDITIVE_QUANTITIES)} "
                                    "may be given in several rows (they add up)", line=line, column="quantity"))
        first.setdefault(key, (line, row.assumption_id))
    return problems


def _check_per_candidate_table(table: _Table, file: str, id_column: str | None,
                               known: set[str] | None) -> list[Problem]:
    """Rows name known candidates (when ``known`` is given) and ids are unique per candidate."""
    problems = []
    first_line: dict[tuple[str, str], int] = {}
    for row, line in zip(table.rows, table.lines):
        if known is not None and row.candidate_id not in known:
            problems.append(Problem(file, f"unknown candidate '{row.candidate_id}'; expected an id from "
                                    "candidates.csv", line=line, column="candidate_id"))
        if id_column is None:
            continue
        key = (row.candidate_id, getattr(row, id_column))
        if key in first_line:
            problems.append(Problem(file, f"duplicate id '{key[1]}' for candidate '{key[0]}' (first on line "
                                    f"{first_line[key]})", line=line, column=id_column))
        first_line.setdefault(key, line)
    return problems


CENTRAL_PARAMETER: dict[str, str] = {"fixed": "value", "triangular": "mode", "pert": "mode", "normal": "mean",
                                     "lognormal": "mean", "p10_p50_p90": "p50"}
"""The parameter that states an assumption's central value (``uniform``: the middle of ``min`` and ``max``)."""

INVESTMENT_TOLERANCE = 0.01
"""Relative difference between the two statements of a candidate's investment that is worth a warning."""


def _investment_disagreements(candidates: _Table, assumptions: _Table) -> list[str]:
    """Warnings where ``candidates.csv`` and the investment assumptions state different investments.

    The budget limits use ``candidates.csv``; the NPV uses the assumptions (or, without any, ``candidates.csv``).
    """
    if not (candidates.complete and assumptions.complete):
        return []
    central: dict[str, float] = {}
    lines: dict[str, int] = {}
    for row, line in zip(assumptions.rows, assumptions.lines):
        if row.quantity != "investment":
            continue
        value = ((row.min + row.max) / 2 if row.distribution == "uniform"
                 else getattr(row, CENTRAL_PARAMETER[row.distribution]))
        central[row.candidate_id] = central.get(row.candidate_id, 0.0) + float(value)
        lines.setdefault(row.candidate_id, line)
    warnings = []
    for row, line in zip(candidates.rows, candidates.lines):
        stated = central.get(row.candidate_id)
        if stated is not None and abs(stated - row.investment) > INVESTMENT_TOLERANCE * max(abs(row.investment), 1.0):
            warnings.append(f"{row.candidate_id}'s investment differs: {number(row.investment)} in candidates.csv "
                            f"(line {line}, used by the budget limits) but {number(stated)} at the centre of its "
                            f"investment assumptions (assumptions.csv, line {lines[row.candidate_id]}, used by the "
                            "NPV); make them agree")
    return warnings
