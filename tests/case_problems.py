"""Loading a case that must be invalid, and checking where each problem is: shared by the case-validation tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from alliance_analytics import load_case
from alliance_analytics.core.problems import InputError, Problem


def load_problems(case_dir: Path) -> list[Problem]:
    """Load a case that must be invalid and return every problem reported."""
    with pytest.raises(InputError) as caught:
        load_case(case_dir)
    return caught.value.problems


def the_only_problem(case_dir: Path) -> Problem:
    """Load a case that must have exactly one problem and return it."""
    problems = load_problems(case_dir)
    assert len(problems) == 1, "\n".join(map(str, problems))
    return problems[0]


def assert_problem(problem: Problem, file: str, line: int | None, column: str | None, *phrases: str) -> None:
    """Check where a problem is, and that its message contains every phrase."""
    assert (problem.file, problem.line, problem.column) == (file, line, column), str(problem)
    for phrase in phrases:
        assert phrase in problem.message, str(problem)
