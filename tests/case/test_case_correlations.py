"""correlations.csv: located problems, invalid matrices rejected or repaired with a warning."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from alliance_analytics import load_case
from alliance_analytics.core.problems import InputError, Problem

HEADER = "candidate_id,assumption_a,assumption_b,rank_correlation\n"


def _write(case_dir: Path, rows: str) -> None:
    (case_dir / "correlations.csv").write_text(HEADER + rows, encoding="utf-8")


def _problems(case_dir: Path) -> list[Problem]:
    with pytest.raises(InputError) as caught:
        load_case(case_dir)
    return caught.value.problems


def test_sample_matrices_are_built_symmetric_with_unit_diagonal(sample_case):
    matrix = sample_case.correlations["C02"]
    assert list(matrix.index) == ["rev_subscriptions", "launch", "gm_subscriptions", "platform_build"]
    assert np.allclose(matrix.to_numpy(), matrix.to_numpy().T) and np.all(np.diag(matrix) == 1)
    assert matrix.loc["launch", "rev_subscriptions"] == -0.5 and matrix.loc["gm_subscriptions", "launch"] == 0
    assert "correlations.csv" in sample_case.file_hashes


def test_the_file_is_optional(case_copy):
    (case_copy / "correlations.csv").unlink()
    case = load_case(case_copy)
    assert case.correlations == {} and "correlations.csv" not in case.file_hashes


def test_every_row_problem_is_located(case_copy):
    _write(case_copy, "C01,rev_sensor_devices,launch,-0.4\n"
                      "C01,launch,rev_sensor_devices,0.2\n"
                      "C01,rev_sensor_devices,warp_drive,0.1\n"
                      "C01,ramp,ramp,0.5\n"
                      "C99,x,y,0.1\n"
                      "C02,rev_subscriptions,launch,1.5\n")
    found = {(problem.line, problem.column) for problem in _problems(case_copy)}
    assert found == {(3, "assumption_b"), (4, "assumption_b"), (5, "assumption_b"), (6, "candidate_id"),
                     (6, "assumption_a"), (6, "assumption_b"), (7, "rank_correlation")}


def test_an_invalid_matrix_is_rejected_with_its_smallest_eigenvalue(case_copy):
    _write(case_copy, "C01,rev_sensor_devices,launch,0.9\nC01,launch,ramp,0.9\nC01,rev_sensor_devices,ramp,-0.9\n")
    problems = _problems(case_copy)
    assert len(problems) == 1 and problems[0].file == "correlations.csv"
    assert "C01" in problems[0].message and "eigenvalue" in problems[0].message
    assert "repair_correlations" in problems[0].message


def test_an_invalid_matrix_is_repaired_when_asked(case_copy):
    _write(case_copy, "C01,rev_sensor_devices,launch,0.9\nC01,launch,ramp,0.9\nC01,rev_sensor_devices,ramp,-0.9\n")
    path = case_copy / "case.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("  seed: 20261101", "  seed: 20261101\n"
                                                             "  repair_correlations: true"), encoding="utf-8")
    case = load_case(case_copy)
    repaired = case.correlations["C01"].to_numpy()
    assert np.linalg.eigvalsh(repaired).min() >= -1e-10 and np.allclose(np.diag(repaired), 1)
    assert len(case.warnings) == 1 and "repaired to the nearest valid one" in case.warnings[0]


def test_a_non_additive_quantity_given_twice_is_a_problem(case_copy):
    path = case_copy / "assumptions.csv"
    path.write_text(path.read_text(encoding="utf-8") + "C01,launch_2,launch_months,fixed,3,,,,,,,,,,months,,,\n",
                    encoding="utf-8")
    problems = _problems(case_copy)
    assert [(p.file, p.column) for p in problems] == [("assumptions.csv", "quantity")]
    assert "already has a launch_months assumption" in problems[0].message
