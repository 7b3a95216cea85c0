"""Case values are read as the user meant them, or refused with their place (field-failures issue, kind 1).

- R73: a date is ISO 8601 text only; a whole number (``0``, ``86400``: spreadsheet artefacts that lax parsing
  reads as seconds since 1970) or an Excel serial is a located problem, in every date of the case.
- R67: weights whose sum overflows a float are normalised safely (divided by the largest first), so
  ``1e308`` and ``1e308`` weigh half and half, as ``1`` and ``1`` do: from case.yaml and from ``-p weights``.
- B20: names and ids are compared without the white space around them (a trailing space is not a new
  evaluator, so a duplicate score is caught).
- B01: AHP judgements may be written as fractions (``1/3``), as docs/case-format.md says, with the weights of
  the same judgements written as decimals.
"""

from __future__ import annotations

import re
import shutil

import pandas as pd
import pytest

from alliance_analytics import load_case
from alliance_analytics.core.paths import PROJECT_ROOT
from alliance_analytics.core.problems import InputError
from alliance_analytics.fit.analysis import partner_fit

FIELD_CASES = PROJECT_ROOT.parent / "shared" / "field-cases"


def _problems(folder) -> list[tuple[str, int | None, str | None, str]]:
    with pytest.raises(InputError) as raised:
        load_case(folder)
    return [(problem.file, problem.line, problem.column, problem.message) for problem in raised.value.problems]


def _edit_yaml(folder, pattern: str, replacement: str) -> None:
    path = folder / "case.yaml"
    text, count = re.subn(pattern, replacement, path.read_text(encoding="utf-8"), count=1, flags=re.MULTILINE)
    assert count == 1, pattern
    path.write_text(text, encoding="utf-8")


@pytest.mark.parametrize("cell", ["0", "86400", "46203", "2027/06/30", "30.06.2027"])
def test_a_phase_out_date_that_is_not_iso_text_is_a_located_problem(case_copy, cell):
    table = pd.read_csv(case_copy / "candidates.csv", dtype=str, keep_default_na=False)
    table.loc[table["candidate_id"] == "C02", "phase_out_date"] = cell
    table.to_csv(case_copy / "candidates.csv", index=False)
    assert _problems(case_copy) == [("candidates.csv", 3, "phase_out_date",
                                     f"expected an ISO date like 2027-06-30, got '{cell}'")]


@pytest.mark.parametrize(("pattern", "replacement", "column"), [
    (r"^as_of: .*$", "as_of: 0", "as_of"),
    (r"^  horizon: .*$", "  horizon: 1893456000", "strategy.horizon"),
])
def test_a_number_is_never_a_date_in_case_yaml(case_copy, pattern, replacement, column):
    _edit_yaml(case_copy, pattern, replacement)
    problems = _problems(case_copy)
    assert [(file, column_) for file, _, column_, _ in problems] == [("case.yaml", column)]
    assert problems[0][3].startswith("expected an ISO date like 2027-06-30, got ")


def test_an_iso_date_still_reads(case_copy):
    table = pd.read_csv(case_copy / "candidates.csv", dtype=str, keep_default_na=False)
    table.loc[table["candidate_id"] == "C02", "phase_out_date"] = " 2031-01-15 "
    table.to_csv(case_copy / "candidates.csv", index=False)
    assert str(load_case(case_copy).candidates.at["C02", "phase_out_date"]) == "2031-01-15"


def test_overflowing_case_weights_weigh_like_their_ratio(case_copy, sample_case):
    _edit_yaml(case_copy, r"^    weight: 25$", "    weight: 1.0e+308")
    _edit_yaml(case_copy, r"^    weight: 20$", "    weight: 1.0e+308")
    huge = partner_fit(load_case(case_copy))
    assert huge.weights["strategic_fit"] == pytest.approx(0.5) and huge.weights["capability_complementarity"] == \
        pytest.approx(0.5)
    assert huge.weights.drop(["strategic_fit", "capability_complementarity"]).max() < 1e-300
    halves = partner_fit(sample_case, weights={name: (1.0 if name in ("strategic_fit", "capability_complementarity")
                                                      else 0.0) for name in sample_case.criterion_ids})
    pd.testing.assert_series_equal(huge.candidates["fit_score"], halves.candidates["fit_score"], rtol=1e-12)
    assert huge.candidates["rank"].tolist() == halves.candidates["rank"].tolist()


def test_overflowing_weight_overrides_weigh_like_their_ratio(sample_case):
    huge = partner_fit(sample_case, weights={"strategic_fit": 1.0e308, "capability_complementarity": 1.0e308})
    ones = partner_fit(sample_case, weights={name: (1.0 if name in ("strategic_fit", "capability_complementarity")
                                                    else 0.0) for name in sample_case.criterion_ids})
    pd.testing.assert_series_equal(huge.candidates["fit_score"], ones.candidates["fit_score"], rtol=1e-12)
    assert huge.candidates["fit_score"].nunique() > 1, "not every candidate scores the same"


@pytest.mark.parametrize("evaluator", ["A. Keller (Strategy) ", " A. Keller (Strategy)", "A. Keller (Strategy)\t"])
def test_a_name_with_white_space_around_it_is_the_same_name(case_copy, evaluator):
    path = case_copy / "scores.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    lines.append(f"C01,strategic_fit,{evaluator},1,Second thoughts after the supplier audit.")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    problems = _problems(case_copy)
    assert problems == [("scores.csv", len(lines), "evaluator", "A. Keller (Strategy) scored C01 on strategic_fit "
                         "twice (first on line 2)")]


def _ahp_case(folder, third: str, half: str) -> None:
    """The sample case with AHP weights from one evaluator, some judgements written as ``third`` and ``half``."""
    text = (folder / "case.yaml").read_text(encoding="utf-8")
    text = re.sub(r"^    weight: .*\n", "", text, flags=re.MULTILINE)
    criteria = ["strategic_fit", "capability_complementarity", "economic_symmetry", "operating_fit", "cultural_fit",
                "compliance_security_fit", "leadership_sponsorship"]
    judgements = {("strategic_fit", "capability_complementarity"): "2", ("leadership_sponsorship", "strategic_fit"): third,
                  ("operating_fit", "compliance_security_fit"): half, ("cultural_fit", "compliance_security_fit"): half}
    rows = []
    for i, a in enumerate(criteria):
        for b in criteria[i + 1:]:
            value = judgements.get((a, b)) or judgements.get((b, a))
            pair = (b, a) if (b, a) in judgements else (a, b)
            rows.append(f"        - [{pair[0]}, {pair[1]}, {value or '1'}]")
    text += "\nweighting:\n  method: ahp\n  pairwise:\n    - evaluator: A. Keller\n      comparisons:\n" + "\n".join(rows) + "\n"
    (folder / "case.yaml").write_text(text, encoding="utf-8")


def test_ahp_fractions_give_the_weights_of_their_decimals(tmp_path):
    as_fractions, as_decimals = tmp_path / "fractions", tmp_path / "decimals"
    from alliance_analytics.core.paths import SAMPLE_CASE_DIR
    for folder, third, half in ((as_fractions, "1/3", "1/2"), (as_decimals, "0.3333333333333333", "0.5")):
        shutil.copytree(SAMPLE_CASE_DIR, folder)
        _ahp_case(folder, third, half)
    pd.testing.assert_series_equal(load_case(as_fractions).weights, load_case(as_decimals).weights, rtol=1e-12)


def test_a_fraction_that_is_not_a_number_is_a_located_problem(case_copy):
    _ahp_case(case_copy, "1/0", "1/2")
    problems = _problems(case_copy)
    assert len(problems) == 1 and problems[0][0] == "case.yaml"
    assert "expected a number or a fraction like 1/3, got '1/0'" in problems[0][3]


@pytest.mark.skipif(not (FIELD_CASES / "B01").is_dir(), reason="the shared field cases are not beside the clone")
def test_field_case_b01_gives_the_published_weights(case_copy):
    shutil.copy(FIELD_CASES / "B01" / "case.yaml", case_copy / "case.yaml")
    case = load_case(case_copy)
    expected = {"strategic_fit": 0.2772, "capability_complementarity": 0.1864, "economic_symmetry": 0.1555,
                "operating_fit": 0.0810, "cultural_fit": 0.0810, "compliance_security_fit": 0.1423,
                "leadership_sponsorship": 0.0766}
    assert case.weights.round(4).to_dict() == expected
    assert round(case.criterion_weights.ahp.consistency_ratio, 3) == 0.010
    assert round(case.criterion_weights.ahp.lambda_max, 4) == 7.0753
