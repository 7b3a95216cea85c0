"""Every problem at once (field case R64): an invalid section of case.yaml, or a missing file, hides nothing else."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from alliance_analytics import load_case
from alliance_analytics.core.problems import InputError


def _problems(folder) -> set[tuple[str, str | None]]:
    with pytest.raises(InputError) as raised:
        load_case(folder)
    return {(problem.file, problem.column) for problem in raised.value.problems}


def _edit_yaml(folder, pattern: str, replacement: str) -> None:
    path = folder / "case.yaml"
    text, count = re.subn(pattern, replacement, path.read_text(encoding="utf-8"), count=1, flags=re.MULTILINE)
    assert count == 1, pattern
    path.write_text(text, encoding="utf-8")


def _edit(folder, file: str, row: int, column: str, value: str) -> None:
    table = pd.read_csv(folder / file, dtype=str, keep_default_na=False)
    table.loc[row, column] = value
    table.to_csv(folder / file, index=False)


def test_an_invalid_finance_section_still_lets_the_scale_check_the_scores(case_copy):
    _edit_yaml(case_copy, r"^  discount_rate: .*$", "  discount_rate: 1.5")
    _edit(case_copy, "candidates.csv", 1, "investment", "abc")
    _edit(case_copy, "scores.csv", 6, "score", "9")
    _edit(case_copy, "risks.csv", 1, "probability", "2")
    assert _problems(case_copy) == {("case.yaml", "finance.discount_rate"), ("candidates.csv", "investment"),
                                    ("scores.csv", "score"), ("risks.csv", "probability")}


def test_an_invalid_scale_still_lets_the_strategy_check_the_candidates(case_copy):
    _edit_yaml(case_copy, r"^  min: 1$", "  min: one")
    _edit(case_copy, "candidates.csv", 0, "objectives", "O1;O9")
    assert _problems(case_copy) == {("case.yaml", "scale.min"), ("candidates.csv", "objectives")}


def test_a_missing_file_hides_no_other_problem(case_copy):
    (case_copy / "risks.csv").unlink()
    _edit(case_copy, "scores.csv", 6, "score", "9")
    _edit_yaml(case_copy, r"^  discount_rate: .*$", "  discount_rate: 1.5")
    assert _problems(case_copy) == {("risks.csv", None), ("scores.csv", "score"), ("case.yaml", "finance.discount_rate")}
