"""Every field case of ``../shared/field-cases`` whose files overlay the sample case gives the right result.

Each case's README (beside its files) gives the command and the right result; here each overlays a copy of the
sample case and checks that result. Skipped where the shared folder is not beside the clone.
"""

from __future__ import annotations

import shutil

import pandas as pd
import pytest

from alliance_analytics import load_case
from alliance_analytics.core.paths import PROJECT_ROOT, SAMPLE_CASE_DIR
from alliance_analytics.core.problems import InputError
from alliance_analytics.fit.analysis import partner_fit

FIELD_CASES = PROJECT_ROOT.parent / "shared" / "field-cases"

EXPECTED_PROBLEMS: dict[str, set[tuple[str, int | None, str | None]]] = {
    "R73": {("candidates.csv", 3, "phase_out_date"), ("candidates.csv", 5, "phase_out_date")},
    "B20": {("scores.csv", 362, "evaluator")},
    "R29": {("scores.csv", 50, "rationale")},
    "R64": {("case.yaml", 77, "finance.discount_rate"), ("candidates.csv", 3, "investment"),
            ("scores.csv", 8, "score"), ("assumptions.csv", 3, "sd"), ("risks.csv", 3, "probability")},
}
"""Field cases whose right result is exit 2 with exactly these problems (file, line, column)."""

VALID = ("B01", "B08", "B11", "R67")
"""Field cases whose right result is a valid case."""


def _overlay(case_id: str, tmp_path):
    folder = tmp_path / "case"
    shutil.copytree(SAMPLE_CASE_DIR, folder)
    for path in (FIELD_CASES / case_id).iterdir():
        if path.suffix in (".csv", ".yaml") and path.name != "budget_whatif.yaml":
            shutil.copy(path, folder / path.name)
    brought = {path.name for path in (FIELD_CASES / case_id).iterdir()}
    if "candidates.csv" in brought:
        for name in ("kpis.csv", "scorecard.csv", "triggers.csv", "decisions.csv"):  # the sample's alliances
            (folder / name).unlink()
    if brought & {"candidates.csv", "assumptions.csv"}:
        for name in ("actuals.csv", "pilots.csv", "review.csv", "restructure.csv"):  # about the sample's own assumptions
            (folder / name).unlink()
    if "candidates.csv" in brought and "assumptions.csv" not in brought:  # keep the value theses of its ids only
        ids = set(pd.read_csv(folder / "candidates.csv", dtype=str)["candidate_id"])
        theses = pd.read_csv(folder / "assumptions.csv", dtype=str, keep_default_na=False)
        theses[theses["candidate_id"].isin(ids)].to_csv(folder / "assumptions.csv", index=False)
    return folder


pytestmark = pytest.mark.skipif(not FIELD_CASES.is_dir(), reason="the shared field cases are not beside the clone")


@pytest.mark.parametrize("case_id", sorted(EXPECTED_PROBLEMS))
def test_a_field_case_gives_exactly_its_problems(case_id, tmp_path):
    with pytest.raises(InputError) as raised:
        load_case(_overlay(case_id, tmp_path))
    assert {(p.file, p.line, p.column) for p in raised.value.problems} == EXPECTED_PROBLEMS[case_id]


@pytest.mark.parametrize("case_id", VALID)
def test_a_field_case_is_valid(case_id, tmp_path):
    case = load_case(_overlay(case_id, tmp_path))
    assert case.candidates.shape[0] == 13


def test_r67_weights_keep_their_ratio(tmp_path):
    result = partner_fit(load_case(_overlay("R67", tmp_path)))
    assert result.weights[["strategic_fit", "capability_complementarity"]].round(12).tolist() == [0.5, 0.5]
    assert result.candidates["fit_score"].nunique() > 1


def test_r22_is_one_short_problem_quickly(tmp_path):
    with pytest.raises(InputError) as raised:
        load_case(_overlay("R22", tmp_path))
    [problem] = raised.value.problems
    assert problem.file == "case.yaml" and "aliases expand" in problem.message and len(problem.message) < 200
