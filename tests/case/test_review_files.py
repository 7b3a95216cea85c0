"""The portfolio-review files ``review.csv`` and ``restructure.csv``: every rule located by file, line and column.

Each test writes a small ``review.csv`` (and ``restructure.csv``) into a writable copy of the sample case and
checks the problem :func:`load_case` reports: the file, the line (the header is line 1) and the column, and a key
phrase of the message. The sample's alliances in flight are A01..A05 (started 2024-11-01, A05 2025-05-01); only
A01 and A03 have assumptions; ``as_of`` is 2026-11-01 and ``finance.horizon_years`` 7.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from case_problems import assert_problem, load_problems, the_only_problem

from alliance_analytics import load_case

REVIEW_HEADER = "alliance_id,spent_to_date,commitment,exit_cost,salvage,restructure,restructure_cost,restructure_fte"
RESTRUCTURE_HEADER = "alliance_id,assumption_id,factor,note"


def write(path: Path, header: str, *rows: str) -> None:
    """Write a CSV file as the given raw lines (the header first)."""
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")


@pytest.mark.parametrize(("rows", "line", "column", "phrase"), [
    (["C05,,1000,0,0,,,"], 2, "alliance_id", "is a proposed candidate"),
    (["A09,,1000,0,0,,,"], 2, "alliance_id", "unknown alliance 'A09'"),
    (["A01,,1000,0,0,,,", "A01,,2000,0,0,,,"], 3, "alliance_id", "already reviewed on line 2"),
    (["A02,,1000,0,0,,,"], 2, "alliance_id", "A02 has no assumptions in assumptions.csv"),
    (["A01,,1000,0,0,Smaller,,"], 2, "restructure_cost", "needs its one-off cost"),
    (["A01,,1000,0,0,,5000,"], 2, "restructure_cost", "without a restructure option"),
    (["A01,,1000,0,0,,,0.2"], 2, "restructure_fte", "without a restructure option"),
    (["A01,,-5,0,0,,,"], 2, "commitment", "greater than or equal to 0"),
    (["A01,-1,1000,0,0,,,"], 2, "spent_to_date", "greater than or equal to 0"),
])
def test_review_rows_are_checked(case_copy: Path, rows: list[str], line: int, column: str, phrase: str) -> None:
    (case_copy / "restructure.csv").unlink()
    write(case_copy / "review.csv", REVIEW_HEADER, *rows)
    assert_problem(the_only_problem(case_copy), "review.csv", line, column, phrase)


@pytest.mark.parametrize(("rows", "line", "column", "phrase"), [
    (["A01,rev_baltics,0.8,"], 2, "alliance_id", "A01 has no restructure option"),
    (["A02,rev_rehab,0.8,"], 2, "alliance_id", "'A02' is not reviewed"),
    (["A03,rev_baltics,0.8,"], 2, "assumption_id", "unknown assumption 'rev_baltics' of A03"),
    (["A03,rev_rehab,0.8,", "A03,rev_rehab,0.9,"], 3, "assumption_id", "already changed on line 2"),
    (["A03,rev_rehab,0,"], 2, "factor", "greater than 0"),
    (["A03,co_marketing,0.5,"], 2, "assumption_id", "sunk, so a factor on it changes nothing"),
])
def test_restructure_rows_are_checked(case_copy: Path, rows: list[str], line: int, column: str,
                                      phrase: str) -> None:
    write(case_copy / "restructure.csv", RESTRUCTURE_HEADER, *rows)
    assert_problem(the_only_problem(case_copy), "restructure.csv", line, column, phrase)


def test_restructure_without_review_is_reported(case_copy: Path) -> None:
    (case_copy / "review.csv").unlink()
    assert_problem(the_only_problem(case_copy), "restructure.csv", None, None, "add review.csv")


def test_an_alliance_past_its_horizon_is_reported(case_copy: Path) -> None:
    """A01 starts 2024-11-01; a 2-year horizon ends 2026-11-01, not after as_of (2026-11-01)."""
    settings = (case_copy / "case.yaml").read_text(encoding="utf-8")
    (case_copy / "case.yaml").write_text(settings.replace("horizon_years: 7", "horizon_years: 2"), encoding="utf-8")
    problems = [problem for problem in load_problems(case_copy) if problem.file == "review.csv"]
    assert {(problem.line, problem.column) for problem in problems} == {(2, "alliance_id"), (3, "alliance_id")}
    assert all("horizon" in problem.message for problem in problems)


def test_every_problem_is_reported_at_once(case_copy: Path) -> None:
    """An invalid review.csv row does not hide restructure.csv's own problems, and makes no cascade: A01 is not
    said to be unreviewed (the invalid row could have been meant to review it)."""
    write(case_copy / "review.csv", REVIEW_HEADER, "A09,,1000,0,0,,,", "A03,,1000,0,0,Smaller,,")
    write(case_copy / "restructure.csv", RESTRUCTURE_HEADER, "A03,nope,0.5,", "A01,rev_baltics,0.8,")
    located = {(problem.file, problem.line, problem.column) for problem in load_problems(case_copy)}
    assert located == {("review.csv", 2, "alliance_id"), ("review.csv", 3, "restructure_cost"),
                       ("restructure.csv", 2, "assumption_id")}


def test_the_sample_review_loads_as_written(sample_case) -> None:
    review = sample_case.review_tables["review.csv"].set_index("alliance_id")
    assert list(review.index) == ["A01", "A03"]
    assert review.at["A03", "restructure"] == "Bavarian clinics only"
    assert review.at["A03", "restructure_cost"] == 80_000 and review.at["A01", "commitment"] == 150_000
    assert sample_case.has_review


def test_a_case_without_review_files_has_no_review(case_copy: Path) -> None:
    (case_copy / "review.csv").unlink()
    (case_copy / "restructure.csv").unlink()
    case = load_case(case_copy)
    assert not case.has_review and case.review_tables["review.csv"].empty
