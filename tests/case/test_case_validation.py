"""Loading and validating a case folder: every kind of bad input is reported with its file, line and column.

Each test breaks one thing in a writable copy of the sample case (fixture ``case_copy``) and checks the
problem that :func:`load_case` reports. CSV line numbers count the header as line 1, so data row ``i``
(counting from 0) is on line ``i + 2`` (unless a blank line or a cell spanning lines comes before it); a rule
across the columns of a row names the column to fix; YAML problems give the key path as ``column``.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import re
from pathlib import Path

import pandas as pd
import pytest
from case_problems import assert_problem, load_problems, the_only_problem
from click.testing import CliRunner

from alliance_analytics import load_case
from alliance_analytics.case.model import CASE_FILES
from alliance_analytics.cli import main
from alliance_analytics.core.paths import SAMPLE_CASE_DIR
from alliance_analytics.core.problems import InputError, Problem

FIRST_DATA_LINE = 2
"""Line of the first data row of a CSV file: the header is line 1."""


# --- helpers ----------------------------------------------------------------------------------------------


def read_rows(path: Path) -> list[list[str]]:
    """Read a CSV file as lists of cells, the header row first."""
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.reader(handle))


def write_rows(path: Path, rows: list[list[str]]) -> None:
    """Write lists of cells as CSV, quoting only where needed (as the sample files do)."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)


def set_cell(case_dir: Path, file: str, row: int, column: str, value: str) -> int:
    """Set one cell of a case CSV (``row`` counts data rows from 0) and return the line messages use."""
    rows = read_rows(case_dir / file)
    rows[row + 1][rows[0].index(column)] = value
    write_rows(case_dir / file, rows)
    return row + FIRST_DATA_LINE


def append_copy_of_row(case_dir: Path, file: str, row: int) -> int:
    """Append a copy of data row ``row`` to a case CSV and return the line of the copy."""
    rows = read_rows(case_dir / file)
    rows.append(list(rows[row + 1]))
    write_rows(case_dir / file, rows)
    return len(rows)


def drop_rows(case_dir: Path, file: str, **cells: str) -> None:
    """Delete every data row of a case CSV whose cells equal all of ``cells`` (column=value)."""
    header, *data = read_rows(case_dir / file)
    kept = [row for row in data if any(row[header.index(column)] != value for column, value in cells.items())]
    assert len(kept) < len(data), f"no row of {file} matches {cells}"
    write_rows(case_dir / file, [header, *kept])


def edit_header(case_dir: Path, file: str, column: str, new_name: str | None) -> None:
    """Rename a column of a case CSV, or delete it with all its cells when ``new_name`` is None."""
    rows = read_rows(case_dir / file)
    index = rows[0].index(column)
    if new_name is None:
        rows = [row[:index] + row[index + 1:] for row in rows]
    else:
        rows[0][index] = new_name
    write_rows(case_dir / file, rows)


def edit_yaml(case_dir: Path, *replacements: tuple[str, str]) -> None:
    """Apply regex replacements to ``case.yaml`` as text (keeping comments and line numbers)."""
    path = case_dir / "case.yaml"
    text = path.read_text(encoding="utf-8")
    for pattern, replacement in replacements:
        text, count = re.subn(pattern, replacement, text)
        assert count, f"{pattern!r} not found in case.yaml"
    path.write_text(text, encoding="utf-8")


def yaml_line(case_dir: Path, text: str) -> int:
    """The 1-based line of ``case.yaml`` holding ``text``, which must occur on exactly one line."""
    text_lines = (case_dir / "case.yaml").read_text(encoding="utf-8").splitlines()
    lines = [number for number, line in enumerate(text_lines, 1) if text in line]
    assert len(lines) == 1, f"{text!r} is on lines {lines} of case.yaml"
    return lines[0]


def problems_by_line(case_dir: Path) -> list[Problem]:
    """Load a case that must be invalid and return its problems ordered by file and line."""
    return sorted(load_problems(case_dir), key=lambda problem: (problem.file, problem.line or 0))


def file_hashes(case_dir: Path) -> dict[str, str]:
    """SHA-256 of every file in a case folder, by file name."""
    return {path.name: hashlib.sha256(path.read_bytes()).hexdigest() for path in sorted(case_dir.iterdir())}


# --- the valid sample -------------------------------------------------------------------------------------


def test_sample_case_loads(sample_case):
    assert len(sample_case.candidates) == 13
    assert len(sample_case.settings.criteria) == 7
    assert sample_case.file_hashes == file_hashes(SAMPLE_CASE_DIR)
    assert set(sample_case.file_hashes) == set(CASE_FILES) | {"drivers.csv", "correlations.csv", "kpis.csv", "scorecard.csv",
                                                              "triggers.csv", "actuals.csv", "pilots.csv",
                                                              "review.csv", "restructure.csv", "decisions.csv"}


# --- missing files and folders ----------------------------------------------------------------------------


@pytest.mark.parametrize("file", list(CASE_FILES))
def test_missing_case_file(case_copy, file):
    (case_copy / file).unlink()
    assert_problem(the_only_problem(case_copy), file, None, None, "not found")


def test_case_folder_that_does_not_exist(tmp_path):
    folder = tmp_path / "no-such-case"
    assert_problem(the_only_problem(folder), str(folder), None, None, "not a folder")


# --- CSV columns -------------------------------------------------------------------------------------------


def test_missing_required_column(case_copy):
    edit_header(case_copy, "candidates.csv", "risk_level", None)
    assert_problem(the_only_problem(case_copy), "candidates.csv", 1, "risk_level", "missing")


def test_misspelt_column_is_unexpected_and_the_real_one_missing(case_copy):
    edit_header(case_copy, "risks.csv", "probability", "probabilty")
    missing, unexpected = load_problems(case_copy)
    assert_problem(missing, "risks.csv", 1, "probability", "missing")
    assert_problem(unexpected, "risks.csv", 1, "probabilty", "unexpected column")


# --- CSV cells ---------------------------------------------------------------------------------------------

CELL_CASES = [
    pytest.param("scores.csv", 37, "score", "7", ("outside the scale", "1..5"), id="score-outside-scale"),
    pytest.param("scores.csv", 37, "score", "high", ("valid number", "'high'"), id="score-not-a-number"),
    pytest.param("scores.csv", 52, "evaluator", "", ("blank",), id="blank-evaluator"),
    pytest.param("scores.csv", 52, "score", " ", ("blank",), id="blank-score"),
    pytest.param("scores.csv", 3, "candidate_id", "C99", ("unknown candidate 'C99'",), id="scores-unknown-candidate"),
    pytest.param("scores.csv", 200, "criterion_id", "price", ("unknown criterion 'price'", "strategic_fit"),
                 id="scores-unknown-criterion"),
    pytest.param("candidates.csv", 6, "investment", "1.2m", ("valid number", "'1.2m'"), id="investment-not-a-number"),
    pytest.param("candidates.csv", 6, "investment", "-5", ("greater than or equal to 0",), id="negative-investment"),
    pytest.param("candidates.csv", 2, "phase_out_date", "2027-13-45", ("valid date", "'2027-13-45'"),
                 id="phase-out-date-not-a-date"),
    pytest.param("candidates.csv", 4, "name", "", ("blank",), id="blank-candidate-name"),
    pytest.param("candidates.csv", 9, "objectives", "O1;O9", ("unknown objective 'O9'", "O1, O2, O3, O4"),
                 id="unknown-objective"),
    pytest.param("candidates.csv", 9, "competes_with", "C01;C77", ("unknown candidate 'C77'",),
                 id="competes-with-unknown-candidate"),
    # Row 9 is candidate C10.
    pytest.param("candidates.csv", 9, "competes_with", "C01;C10", ("itself",), id="competes-with-itself"),
    pytest.param("assumptions.csv", 20, "candidate_id", "C42", ("unknown candidate 'C42'",),
                 id="assumptions-unknown-candidate"),
    pytest.param("risks.csv", 7, "candidate_id", "C42", ("unknown candidate 'C42'",), id="risks-unknown-candidate"),
    pytest.param("risks.csv", 7, "probability", "1.5", ("less than or equal to 1",), id="probability-above-1"),
]


@pytest.mark.parametrize(("file", "row", "column", "value", "words"), CELL_CASES)
def test_bad_cell(case_copy, file, row, column, value, words):
    line = set_cell(case_copy, file, row, column, value)
    assert_problem(the_only_problem(case_copy), file, line, column, *words)


ROW_RULE_CASES = [
    # Row 3 of assumptions.csv is a pert with min 750000, mode 900000, max 1250000.
    pytest.param("assumptions.csv", 3, "min", "950000", "mode",
                 "need min <= mode <= max with min < max, got 950000, 900000, 1250000", id="pert-min-above-mode"),
    pytest.param("assumptions.csv", 3, "mode", "", "mode", "distribution 'pert' needs mode",
                 id="distribution-missing-parameter"),
    pytest.param("assumptions.csv", 3, "mean", "5", "mean", "distribution 'pert' does not use mean; leave it blank",
                 id="distribution-unused-parameter"),
    # Row 6 is a uniform from 1 to 2.
    pytest.param("assumptions.csv", 6, "max", "0.5", "max", "min (1) must be below max (0.5)",
                 id="uniform-max-below-min"),
    # Row 1 is a normal with mean 0.46 and sd 0.04.
    pytest.param("assumptions.csv", 1, "sd", "0", "sd", "sd must be positive, got 0", id="normal-sd-not-positive"),
    # Row 37 is a lognormal with mean 1000000 and sd 350000.
    pytest.param("assumptions.csv", 37, "mean", "-1000000", "mean",
                 "a lognormal quantity needs a positive mean, got -1000000", id="lognormal-mean-not-positive"),
    # Row 8 is a p10_p50_p90 of 1900000, 2800000, 3900000.
    pytest.param("assumptions.csv", 8, "p50", "4000000", "p50", "need p10 < p50 < p90, got 1900000, 4000000, 3900000",
                 id="p50-above-p90"),
    # Row 7 of risks.csv has impacts 0.1, 0.2, 0.35 (revenue_loss_pct), probability 0.3 and a mitigation to 0.2.
    pytest.param("risks.csv", 7, "impact_min", "0.5", "impact_mode",
                 "need impact_min <= impact_mode <= impact_max, got 0.5, 0.2, 0.35", id="impact-min-above-impact-max"),
    pytest.param("risks.csv", 7, "impact_max", "1.5", "impact_max",
                 "revenue_loss_pct is a share between 0 and 1, got 1.5", id="revenue-loss-above-1"),
    pytest.param("risks.csv", 7, "mitigation_cost", "", "mitigation_cost",
                 "a mitigation needs mitigation_cost and mitigated_probability", id="mitigation-without-cost"),
    pytest.param("risks.csv", 7, "mitigated_probability", "", "mitigated_probability",
                 "a mitigation needs mitigation_cost and mitigated_probability",
                 id="mitigation-without-mitigated-probability"),
    pytest.param("risks.csv", 7, "mitigated_probability", "0.4", "mitigated_probability",
                 "mitigated_probability (0.4) must not exceed probability (0.3)",
                 id="mitigated-probability-above-probability"),
]
"""Rules across the columns of one row: the cell changed, the column the problem names and its message."""


@pytest.mark.parametrize(("file", "row", "column", "value", "problem_column", "message"), ROW_RULE_CASES)
def test_rule_across_the_columns_of_a_row(case_copy, file, row, column, value, problem_column, message):
    """A rule between several columns names the row and the column to fix; numbers print in plain digits."""
    line = set_cell(case_copy, file, row, column, value)
    assert the_only_problem(case_copy) == Problem(file, message, line=line, column=problem_column)


@pytest.mark.parametrize(
    ("file", "row", "cells", "message"),
    [
        # Row 3 of assumptions.csv is a pert.
        pytest.param("assumptions.csv", 3, {"min": "", "max": ""}, "distribution 'pert' needs {column}",
                     id="distribution-missing-two-parameters"),
        # Row 1 of risks.csv has no mitigation.
        pytest.param("risks.csv", 1, {"mitigation": "Second supplier", "mitigation_cost": "",
                                      "mitigated_probability": ""},
                     "a mitigation needs mitigation_cost and mitigated_probability", id="mitigation-without-both"),
    ],
)
def test_one_problem_per_missing_column(case_copy, file, row, cells, message):
    (line,) = {set_cell(case_copy, file, row, column, value) for column, value in cells.items()}
    missing = [column for column, value in cells.items() if not value]
    assert load_problems(case_copy) == [Problem(file, message.format(column=column), line=line, column=column)
                                        for column in missing]


@pytest.mark.parametrize(
    ("file", "row", "column", "words"),
    [
        pytest.param("candidates.csv", 0, "candidate_id", ("duplicate id 'C01'", "first on line 2"),
                     id="duplicate-candidate"),
        pytest.param("scores.csv", 5, "evaluator", ("scored C01 on capability_complementarity twice",
                                                    "first on line 7"), id="duplicate-score"),
        pytest.param("assumptions.csv", 5, "assumption_id", ("duplicate id 'launch' for candidate 'C01'",
                                                             "first on line 7"), id="duplicate-assumption"),
        pytest.param("risks.csv", 1, "risk_id", ("duplicate id 'price_increase' for candidate 'C01'",
                                                 "first on line 3"), id="duplicate-risk"),
    ],
)
def test_duplicate_row(case_copy, file, row, column, words):
    line = append_copy_of_row(case_copy, file, row)
    assert_problem(the_only_problem(case_copy), file, line, column, *words)


def test_candidate_without_scores(case_copy):
    drop_rows(case_copy, "scores.csv", candidate_id="C05")
    assert_problem(the_only_problem(case_copy), "scores.csv", None, None, "'C05' has no scores")


def test_candidate_missing_one_criterion(case_copy):
    drop_rows(case_copy, "scores.csv", candidate_id="C05", criterion_id="cultural_fit")
    assert_problem(the_only_problem(case_copy), "scores.csv", None, None, "'C05' has no score on cultural_fit")


# --- whole CSV files ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("file", "content", "line", "column", "message"),
    [
        pytest.param("risks.csv", b"", 1, None, "is empty; expected a header row naming the columns", id="empty-file"),
        # The latin-1 byte of "é" is byte 73 of the file.
        pytest.param("scores.csv", b"candidate_id,criterion_id,evaluator,score,rationale\n"
                                   b"C01,strategic_fit,Jos\xe9 (latin-1),4,\n",
                     2, "evaluator", "is not UTF-8 text (byte 0xe9, 'é' in Windows-1252/Latin-1?); save it as 'CSV UTF-8'",
                     id="not-utf-8"),
    ],
)
def test_unreadable_csv(case_copy, file, content, line, column, message):
    (case_copy / file).write_bytes(content)
    assert the_only_problem(case_copy) == Problem(file, message, line=line, column=column)


@pytest.mark.parametrize("file", list(CASE_FILES))
def test_byte_order_mark_is_accepted(case_copy, file):
    """Excel's "CSV UTF-8" (and Windows Notepad) start the file with a UTF-8 byte-order mark."""
    path = case_copy / file
    path.write_bytes(codecs.BOM_UTF8 + path.read_bytes())
    assert load_case(case_copy).file_hashes == file_hashes(case_copy)


@pytest.mark.parametrize("cells", [pytest.param(12, id="stray-comma"), pytest.param(10, id="missing-comma")])
def test_row_with_wrong_number_of_cells(case_copy, cells):
    """The row is reported on its own line and skipped; the other rows are still validated."""
    rows = read_rows(case_copy / "risks.csv")
    rows[4] = [*rows[4], "extra"][:cells]  # data row 3; its last cell is blank
    write_rows(case_copy / "risks.csv", rows)
    line = set_cell(case_copy, "risks.csv", 7, "probability", "1.5")
    wrong_row, bad_cell = load_problems(case_copy)
    assert wrong_row == Problem("risks.csv", f"has {cells} cells but the header has 11 columns (a stray or missing "
                                "comma?)", line=3 + FIRST_DATA_LINE)
    assert_problem(bad_cell, "risks.csv", line, "probability", "less than or equal to 1")


@pytest.mark.parametrize("blank", [pytest.param([], id="empty-line"), pytest.param([""] * 11, id="empty-cells")])
def test_blank_line_in_csv_keeps_line_numbers(case_copy, blank):
    """A blank line is skipped, but counted: a spreadsheet shows it as a row of its own."""
    rows = read_rows(case_copy / "risks.csv")
    write_rows(case_copy / "risks.csv", [*rows[:2], blank, *rows[2:]])
    line = set_cell(case_copy, "risks.csv", 8, "probability", "1.5")  # data row 7 before the blank line
    assert line == 7 + FIRST_DATA_LINE + 1
    assert_problem(the_only_problem(case_copy), "risks.csv", line, "probability", "less than or equal to 1")


def test_cell_over_several_lines_keeps_line_numbers(case_copy):
    """A row is on the line it starts on, and a quoted cell spanning lines moves the rows after it down."""
    set_cell(case_copy, "scores.csv", 10, "rationale", "Strong sensors.\nWeak service.\nAsk again in Q3.")
    start = set_cell(case_copy, "scores.csv", 10, "score", "7")
    later = set_cell(case_copy, "scores.csv", 37, "score", "high") + 2  # the two line breaks of row 10
    problems = problems_by_line(case_copy)
    assert [(problem.file, problem.line, problem.column) for problem in problems] == [
        ("scores.csv", start, "score"), ("scores.csv", later, "score")]
    assert problems[0].message == "score 7 is outside the scale 1..5"
    assert "'high'" in problems[1].message


# --- case.yaml ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        pytest.param("currency: EUR", "currency: EUR: x", "mapping values are not allowed here", id="colon-in-value"),
        pytest.param("  method: mean", "\tmethod: mean", "found character '\\t' that cannot start any token",
                     id="tab-indentation"),
    ],
)
def test_yaml_syntax_error(case_copy, old, new, message):
    edit_yaml(case_copy, (old, new))
    assert the_only_problem(case_copy) == Problem("case.yaml", f"is not valid YAML: {message}",
                                                  line=yaml_line(case_copy, new))


def test_yaml_syntax_error_names_the_line_where_the_unclosed_part_starts(case_copy):
    """The reader notices a missing ``]`` only on a later line; the message says where the list began."""
    edit_yaml(case_copy, (r"- \[C04, C13\]", "- [C04, C13"))
    start = yaml_line(case_copy, "[C04, C13 ")
    assert the_only_problem(case_copy) == Problem(
        "case.yaml", f"is not valid YAML: expected ',' or ']', but got '<scalar>' (while parsing a flow sequence "
        f"that starts on line {start})", line=yaml_line(case_copy, "dependencies:"))


@pytest.mark.parametrize(
    ("first", "second"),
    [
        pytest.param("currency: EUR", "currency: USD", id="top-level-key"),
        pytest.param("  method: mean", "  method: median", id="nested-key"),
    ],
)
def test_yaml_key_given_twice(case_copy, first, second):
    """A key given twice is an error at its second occurrence, not a silent choice of the last value."""
    edit_yaml(case_copy, (f"({re.escape(first)}.*\n)", rf"\g<1>{second}\n"))
    key = second.split(":")[0].strip()
    assert the_only_problem(case_copy) == Problem(
        "case.yaml", f"is not valid YAML: key '{key}' is given twice (first on line {yaml_line(case_copy, first)})",
        line=yaml_line(case_copy, second))


@pytest.mark.parametrize(
    ("key_line", "column", "parent"),
    [
        pytest.param("  risk_appetite: medium\n", "strategy.risk_appetite", "strategy:", id="strategy.risk_appetite"),
        pytest.param("  discount_rate: 0.09\n", "finance.discount_rate", "finance:", id="finance.discount_rate"),
    ],
)
def test_missing_yaml_key_is_reported_at_its_parent(case_copy, key_line, column, parent):
    edit_yaml(case_copy, (key_line, ""))
    assert_problem(the_only_problem(case_copy), "case.yaml", yaml_line(case_copy, parent), column, "is missing")


YAML_VALUE_CASES = [
    pytest.param("  method: mean", "  methd: mean", "aggregation.methd", ("not a known key",), id="misspelt-key"),
    pytest.param("iterations: 20000", "iterations: many", "simulation.iterations", ("valid integer", "'many'"),
                 id="iterations-not-an-integer"),
    pytest.param("horizon: 2029-12-31", "horizon: end of 2029", "strategy.horizon", ("expected an ISO date like 2027-06-30", "'end of 2029'"),
                 id="horizon-not-a-date"),
    pytest.param("horizon: 2029-12-31", "horizon: 2029-13-45", "strategy.horizon",
                 ("valid date", "month value is outside expected range of 1-12", "'2029-13-45'"),
                 id="horizon-impossible-date"),
    pytest.param("weight: 15", "weight: -15", "criteria[2].weight", ("greater than or equal to 0",),
                 id="negative-weight"),
    pytest.param("method: mean", "method: meen", "aggregation.method", ("'mean', 'median' or 'geometric'", "'meen'"),
                 id="unknown-aggregation-method"),
]


@pytest.mark.parametrize(("old", "new", "column", "words"), YAML_VALUE_CASES)
def test_bad_yaml_value(case_copy, old, new, column, words):
    edit_yaml(case_copy, (old, new))
    assert_problem(the_only_problem(case_copy), "case.yaml", yaml_line(case_copy, new), column, *words)


SETTINGS_RULE_CASES = [
    pytest.param([("red_flag_below: 1.5", "red_flag_below: 7")], "criteria[4].red_flag_below", "red_flag_below: 7",
                 "must lie within the scale 1..5, got 7", id="red-flag-outside-scale"),
    pytest.param([("advance_min_score: 3.4", "advance_min_score: 6")], "recommendation.advance_min_score",
                 "advance_min_score: 6", "must lie within the scale 1..5, got 6", id="advance-min-score-outside-scale"),
    pytest.param([("horizon: 2029-12-31", "horizon: 2026-01-01")], "strategy.horizon", "horizon: 2026-01-01",
                 "the strategic horizon must be after as_of (2026-11-01)", id="horizon-before-as-of"),
    pytest.param([("method: mean", "method: geometric"), ("  min: 1\n", "  min: 0\n")], "aggregation.method",
                 "method: geometric", "the geometric mean needs a scale whose minimum is above 0",
                 id="geometric-with-scale-min-0"),
    pytest.param([(r"weight: \d+", "weight: 0")], "criteria", "criteria:",
                 "all criterion weights are zero; at least one must be positive", id="all-weights-zero"),
    pytest.param([("C02, C11", "C02, C99")], "portfolio.exclusions[0][1]", "C02, C99",
                 "unknown candidate 'C99'; expected an id from candidates.csv", id="exclusion-unknown-candidate"),
    pytest.param([("candidate: C06", "candidate: C97")], "portfolio.dependencies[0].candidate", "candidate: C97",
                 "unknown candidate 'C97'; expected an id from candidates.csv", id="dependency-unknown-candidate"),
    pytest.param([("requires: C05", "requires: C98")], "portfolio.dependencies[0].requires", "requires: C98",
                 "unknown candidate 'C98'; expected an id from candidates.csv",
                 id="dependency-requires-unknown-candidate"),
    pytest.param([("  max_alliances: 5", "  max_alliances: 5\n  force_in: [C01, C77]")], "portfolio.force_in[1]",
                 "force_in: [C01, C77]", "unknown candidate 'C77'; expected an id from candidates.csv",
                 id="force-in-unknown-candidate"),
    pytest.param([("min_alliances: 3", "min_alliances: 6")], "portfolio", "portfolio:",
                 "min_alliances (6) exceeds max_alliances (5)", id="min-above-max-alliances"),
]
"""Rules across several settings of case.yaml, or between case.yaml and candidates.csv: the regex
replacements, the key path reported, text on the line the problem is about, and the message."""


@pytest.mark.parametrize(("replacements", "column", "anchor", "message"), SETTINGS_RULE_CASES)
def test_settings_rule(case_copy, replacements, column, anchor, message):
    edit_yaml(case_copy, *replacements)
    assert the_only_problem(case_copy) == Problem("case.yaml", message, line=yaml_line(case_copy, anchor),
                                                  column=column)


def test_yaml_not_utf_8(case_copy):
    path = case_copy / "case.yaml"
    content = path.read_bytes().replace(b"name: Nordlicht", "name: Nördlicht".encode("latin-1"))
    path.write_bytes(content)
    assert the_only_problem(case_copy) == Problem("case.yaml", "is not UTF-8 text (invalid start byte)")


# --- all problems at once, and files left alone ------------------------------------------------------------


def test_every_problem_in_settings_and_rows_is_reported_at_once(case_copy):
    """Bad settings in case.yaml do not hide the problems of the CSV rows."""
    edit_yaml(case_copy, ("iterations: 20000", "iterations: many"), ("currency: EUR", "currency: euro"))
    expected = {
        ("case.yaml", yaml_line(case_copy, "iterations: many"), "simulation.iterations"),
        ("case.yaml", yaml_line(case_copy, "currency: euro"), "currency"),
        ("candidates.csv", set_cell(case_copy, "candidates.csv", 6, "investment", "-5"), "investment"),
        ("candidates.csv", set_cell(case_copy, "candidates.csv", 2, "phase_out_date", "2027-13-45"), "phase_out_date"),
        ("scores.csv", set_cell(case_copy, "scores.csv", 37, "score", "high"), "score"),
        ("scores.csv", set_cell(case_copy, "scores.csv", 52, "evaluator", ""), "evaluator"),
    }
    problems = load_problems(case_copy)
    assert {(problem.file, problem.line, problem.column) for problem in problems} == expected
    assert len(problems) == len(expected)


def test_every_problem_across_files_is_reported_at_once(case_copy):
    """Checks between the files report every mistake too, not only the first."""
    expected = {
        ("candidates.csv", set_cell(case_copy, "candidates.csv", 9, "objectives", "O1;O9"), "objectives"),
        ("candidates.csv", set_cell(case_copy, "candidates.csv", 2, "competes_with", "C03"), "competes_with"),
        ("scores.csv", set_cell(case_copy, "scores.csv", 37, "score", "7"), "score"),
        ("scores.csv", set_cell(case_copy, "scores.csv", 200, "criterion_id", "price"), "criterion_id"),
        ("assumptions.csv", append_copy_of_row(case_copy, "assumptions.csv", 5), "assumption_id"),
        ("risks.csv", set_cell(case_copy, "risks.csv", 7, "candidate_id", "C42"), "candidate_id"),
    }
    problems = load_problems(case_copy)
    assert {(problem.file, problem.line, problem.column) for problem in problems} == expected
    assert len(problems) == len(expected)


def test_loading_never_modifies_the_case_files(case_copy):
    edit_yaml(case_copy, ("iterations: 20000", "iterations: many"))
    set_cell(case_copy, "scores.csv", 37, "score", "high")
    set_cell(case_copy, "risks.csv", 7, "probability", "1.5")
    before = file_hashes(case_copy)
    load_problems(case_copy)
    assert file_hashes(case_copy) == before


# --- the command line --------------------------------------------------------------------------------------


def test_cli_validate_accepts_the_sample():
    result = CliRunner().invoke(main, ["validate", str(SAMPLE_CASE_DIR)])
    assert result.exit_code == 0, result.output
    assert "valid case 'Nordlicht Medical" in result.stdout
    assert "13 candidates, 7 criteria, 4 evaluators" in result.stdout


def test_cli_validate_lists_every_problem_without_traceback(case_copy):
    set_cell(case_copy, "candidates.csv", 6, "investment", "-5")
    set_cell(case_copy, "scores.csv", 37, "score", "high")
    edit_header(case_copy, "risks.csv", "probability", "probabilty")
    problems = load_problems(case_copy)

    result = CliRunner().invoke(main, ["validate", str(case_copy)])

    assert result.exit_code == 2, result.output
    assert isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    assert f"{len(problems)} problems found" in result.stderr
    for problem in problems:
        assert str(problem) in result.stderr
    assert "candidates.csv, line 8, column 'investment'" in result.stderr
    assert "scores.csv, line 39, column 'score'" in result.stderr
    assert "risks.csv, line 1, column 'probabilty'" in result.stderr


def test_cli_validate_folder_that_does_not_exist(tmp_path):
    result = CliRunner().invoke(main, ["validate", str(tmp_path / "no-such-case")])
    assert result.exit_code == 2
    assert "not a folder" in result.stderr
    assert "Traceback" not in result.output


# --- Problem and InputError --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("problem", "text"),
    [
        (Problem("scores.csv", "file not found"), "scores.csv: file not found"),
        (Problem("risks.csv", "bad row", line=4), "risks.csv, line 4: bad row"),
        (Problem("candidates.csv", "must be >= 0", line=8, column="investment"),
         "candidates.csv, line 8, column 'investment': must be >= 0"),
        (Problem("case.yaml", "all weights are zero", column="criteria"),
         "case.yaml, 'criteria': all weights are zero"),
    ],
)
def test_problem_text(problem, text):
    assert str(problem) == text


def test_input_error_renders_its_problems_without_traceback():
    error = InputError("case x", [Problem("scores.csv", "file not found"),
                                  Problem("risks.csv", "bad value", line=3, column="probability")])
    lines = error._render_traceback_()
    assert lines == ["case x: 2 problems found",
                     "  - scores.csv: file not found",
                     "  - risks.csv, line 3, column 'probability': bad value"]
    assert str(error) == "\n".join(lines)
    assert not any("Traceback" in line for line in lines)


def test_input_error_with_one_problem_says_problem():
    assert InputError("case x", [Problem("case.yaml", "oops")]).report().startswith("case x: 1 problem found\n")


def test_input_error_needs_a_problem():
    with pytest.raises(ValueError):
        InputError("case x", [])


def test_skipped_candidate_row_does_not_cascade(case_copy):
    """A candidate row with a stray comma is one problem, not an 'unknown candidate' in every other file."""
    path = case_copy / "candidates.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[3] += ",stray"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    problems = load_problems(case_copy)
    assert [(p.file, p.line) for p in problems] == [("candidates.csv", 4)]
    assert "has 16 cells but the header has 15 columns" in problems[0].message


def test_column_named_twice(case_copy):
    path = case_copy / "risks.csv"
    text = path.read_text(encoding="utf-8")
    header, rest = text.split("\n", 1)
    path.write_text(header.replace("description", "probability") + "\n" + rest, encoding="utf-8")
    assert the_only_problem(case_copy) == Problem("risks.csv", "column is named twice in the header", line=1,
                                                  column="probability")


def test_yaml_merge_keys_are_accepted_and_list_keys_rejected(case_copy):
    path = case_copy / "case.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("finance:", "defaults: &defaults\n  discount_rate: 0.09\nfinance:", 1)
                    .replace("  discount_rate: 0.09\n", "  <<: *defaults\n", 2)
                    .replace("defaults: &defaults\n  <<: *defaults\n", "defaults: &defaults\n  discount_rate: 0.09\n"),
                    encoding="utf-8")
    problems = load_problems(case_copy)
    assert [problem.column for problem in problems] == ["defaults"], "merge worked; only the extra key is reported"
    path.write_text("? [a, b]\n: 1\n" + text, encoding="utf-8")
    assert the_only_problem(case_copy) == Problem("case.yaml", "is not valid YAML: a key must be plain text", line=1)


def test_score_checks_do_not_wait_for_a_clean_candidates_file(case_copy):
    """A bad candidate row no longer hides scores outside the scale or unknown criteria (one round of fixes)."""
    candidates = case_copy / "candidates.csv"
    candidates.write_text(candidates.read_text(encoding="utf-8").replace(",900000,", ",0.9M,", 1), encoding="utf-8")
    scores = case_copy / "scores.csv"
    lines = scores.read_text(encoding="utf-8").splitlines()
    first = lines[1].split(",")
    lines[1] = ",".join([first[0], first[1], first[2], "7", *first[4:]])
    second = lines[2].split(",")
    lines[2] = ",".join([second[0], "charisma", *second[2:]])
    scores.write_text("\n".join(lines) + "\n", encoding="utf-8")
    found = {(problem.file, problem.line, problem.column) for problem in load_problems(case_copy)}
    assert {("candidates.csv", 2, "investment"), ("scores.csv", 2, "score"), ("scores.csv", 3, "criterion_id")} \
        <= found


# --- portfolio columns of candidates.csv ------------------------------------------------------------------


def test_sponsor_without_capacity_and_start_year_without_budget(case_copy):
    """Both problems at once, each at its row and column, naming what was expected."""
    path = case_copy / "candidates.csv"
    text = path.read_text(encoding="utf-8")
    text = text.replace("C08;C10,COO,2027", "C08;C10,CFO,2027").replace("C11;C07,CTO,2027", "C11;C07,CTO,2031")
    path.write_text(text, encoding="utf-8")
    problems = problems_by_line(case_copy)
    assert [(p.file, p.line, p.column) for p in problems] == [("candidates.csv", 2, "sponsor"),
                                                               ("candidates.csv", 3, "start_year")]
    assert "sponsor 'CFO' has no entry in portfolio.sponsor_capacity" in problems[0].message
    assert "expected one of CTO, CMO, CCO, COO" in problems[0].message
    assert "start year 2031 has no budget in portfolio.budget_per_year" in problems[1].message


def test_portfolio_columns_are_optional(case_copy):
    """A case written before sponsors and start years existed still loads, without those limits."""
    path = case_copy / "candidates.csv"
    table = pd.read_csv(path, dtype=str, keep_default_na=False)
    table.drop(columns=["sponsor", "start_year"]).to_csv(path, index=False)
    edit_yaml(case_copy, (r"  sponsor_capacity:[^\n]*\n(    \w+: \d\n)+", ""),
              (r"  budget_per_year:[^\n]*\n(    \d+: \d+\n)+", ""))
    case = load_case(case_copy)
    assert case.candidates["sponsor"].isna().all() and case.candidates["start_year"].isna().all()
    assert case.settings.portfolio.sponsor_capacity == {} and case.settings.portfolio.budget_per_year == {}
