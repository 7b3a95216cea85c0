"""Spreadsheet CSV habits are read as meant or named precisely (field cases B08 and R29).

- B08: empty columns without a name (Excel's trailing ``,,``) are ignored; an unnamed column with data is one
  located problem; a semicolon-separated file is one problem naming the separator.
- R29: a file that is not UTF-8 is a problem at the line and column of its first bad byte.
"""

from __future__ import annotations

import pandas as pd
import pytest

from alliance_analytics import load_case
from alliance_analytics.core.csv_reading import read_csv_rows
from alliance_analytics.core.problems import InputError


def _write(path, text: str, encoding: str = "utf-8") -> None:
    path.write_bytes(text.encode(encoding))


@pytest.mark.parametrize("tail", [",", ",,", ", ,"])
def test_empty_unnamed_columns_are_ignored(case_copy, sample_case, tail):
    path = case_copy / "candidates.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    path.write_text("\r\n".join(line + tail for line in lines) + "\r\n", encoding="utf-8-sig")
    case = load_case(case_copy)
    pd.testing.assert_frame_equal(case.candidates, sample_case.candidates)


def test_an_unnamed_column_with_data_is_a_located_problem(tmp_path):
    path = tmp_path / "scores.csv"
    _write(path, "a,b,\n1,2,\n3,4,x\n")
    problems = []
    read_csv_rows(path, problems)
    assert [(p.line, p.message) for p in problems] == [
        (3, "column 3 has no name in the header but holds data; name it or delete it")]


def test_a_semicolon_separated_file_is_one_clear_problem(case_copy):
    path = case_copy / "scores.csv"
    table = pd.read_csv(path, dtype=str, keep_default_na=False)
    table.to_csv(path, sep=";", index=False)
    with pytest.raises(InputError) as raised:
        load_case(case_copy)
    scores = [p for p in raised.value.problems if p.file == "scores.csv"]
    assert len(scores) == 1 and scores[0].line == 1 and "uses ';' to separate its columns" in scores[0].message


@pytest.mark.parametrize(("line", "column", "text", "byte"), [
    (50, "rationale", "Qualitätsprüfung bestätigt", "0xe4"),
    (7, "evaluator", "J. Müller", "0xfc"),
])
def test_a_latin1_file_is_located_at_its_first_bad_byte(case_copy, line, column, text, byte):
    path = case_copy / "scores.csv"
    table = pd.read_csv(path, dtype=str, keep_default_na=False)
    table.loc[line - 2, column] = text
    path.write_bytes(table.to_csv(index=False).encode("latin-1"))
    with pytest.raises(InputError) as raised:
        load_case(case_copy)
    problem = next(p for p in raised.value.problems if p.file == "scores.csv")
    assert (problem.line, problem.column) == (line, column)
    assert problem.message.startswith(f"is not UTF-8 text (byte {byte}, ")
