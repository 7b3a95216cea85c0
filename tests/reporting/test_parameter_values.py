"""Parameter values are read as the user meant them (field cases B11, B12, B13 of the field-failures issue).

- B13: an empty value on the command line is the empty string ("the case's value"), not YAML's null.
- B11: a whole number in exponent notation (``1e4``) is that number, on the command line, in nested values
  and in case files (YAML 1.2 and JSON read it so; PyYAML's YAML 1.1 resolver reads it as text).
- B12: ``{budget:3000000}`` (no space after the colon) is one unknown key with no value in YAML; it is a
  located problem with a hint, never silently ignored, for any mapping parameter and in a batch grid.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from alliance_analytics import load_case
from alliance_analytics.core.paths import PROJECT_ROOT
from alliance_analytics.core.problems import InputError
from alliance_analytics.notebook.parameters import parse_value
from alliance_analytics.reporting.catalogue import available_notebooks
from alliance_analytics.reporting.checks import check_run

FIELD_CASES = PROJECT_ROOT.parent / "shared" / "field-cases"


def _notebook(stem: str) -> Path:
    return available_notebooks()[stem]


@pytest.mark.parametrize("name", ["aggregation", "sampling", "objective"])
def test_an_empty_value_means_the_cases_own(sample_case, name):
    value = parse_value("")
    assert value == ""
    stems = {"aggregation": "01_partner_fit", "sampling": "03_risk_simulation", "objective": "04_portfolio"}
    injected = check_run(sample_case, [_notebook(stems[name])], {name: value})
    assert injected[_notebook(stems[name])][name] == ""


@pytest.mark.parametrize(("text", "expected"), [("1e4", 10_000), ("2E+4", 20_000), ("1.5e3", 1_500)])
def test_exponent_notation_is_a_number_on_the_command_line(sample_case, text, expected):
    notebook = _notebook("02_weight_sensitivity")
    injected = check_run(sample_case, [notebook], {"samples": parse_value(text)})[notebook]
    assert injected["samples"] == expected and type(injected["samples"]) is int


def test_exponent_notation_is_a_number_inside_a_mapping(sample_case):
    notebook = _notebook("01_partner_fit")
    injected = check_run(sample_case, [notebook], {"weights": parse_value("{strategic_fit: 1e2}")})[notebook]
    assert injected["weights"] == {"strategic_fit": 100.0}


def test_a_fraction_in_exponent_notation_is_refused_for_a_whole_number(sample_case):
    with pytest.raises(InputError) as raised:
        check_run(sample_case, [_notebook("03_risk_simulation")], {"iterations": parse_value("1.0005e3")})
    assert [problem.column for problem in raised.value.problems] == ["iterations"]


def test_exponent_notation_is_a_number_in_case_yaml(case_copy):
    path = case_copy / "case.yaml"
    text = path.read_text(encoding="utf-8")
    text = text.replace("iterations: 20000", "iterations: 2e4").replace("budget: 5000000", "budget: 5e6")
    text = text.replace("2027: 4000000", "2027: 4.0e6")
    path.write_text(text, encoding="utf-8")
    case = load_case(case_copy)
    assert case.settings.simulation.iterations == 20_000
    assert case.settings.portfolio.budget == 5_000_000
    assert case.settings.portfolio.budget_per_year[2027] == 4_000_000


@pytest.mark.skipif(not (FIELD_CASES / "B11").is_dir(), reason="the shared field cases are not beside the clone")
def test_field_case_b11_is_a_valid_case(case_copy):
    shutil.copy(FIELD_CASES / "B11" / "case.yaml", case_copy / "case.yaml")
    case = load_case(case_copy)
    assert case.settings.simulation.iterations == 20_000
    assert case.settings.portfolio.budget == 5_000_000


@pytest.mark.parametrize(("parameter", "text", "column"), [
    ("portfolio", "{budget:3000000}", "portfolio.budget:3000000"),
    ("portfolio", "{risk_limit: {cvar_floor:0}}", "portfolio.risk_limit.cvar_floor:0"),
    ("weights", "{strategic_fit:40}", "weights.strategic_fit:40"),
])
def test_a_missing_space_after_a_colon_is_a_problem_with_a_hint(sample_case, parameter, text, column):
    notebook = _notebook("04_portfolio")
    with pytest.raises(InputError) as raised:
        check_run(sample_case, [notebook], {parameter: parse_value(text)})
    problem = next(problem for problem in raised.value.problems if problem.column == column)
    assert "YAML needs a space after ':'" in problem.message


def test_an_unknown_key_with_a_null_value_is_a_problem(sample_case):
    with pytest.raises(InputError) as raised:
        check_run(sample_case, [_notebook("04_portfolio")], {"portfolio": parse_value("{budgett: null}")})
    assert [problem.column for problem in raised.value.problems] == ["portfolio.budgett"]


def test_the_same_what_if_with_a_space_is_applied(sample_case):
    notebook = _notebook("04_portfolio")
    injected = check_run(sample_case, [notebook], {"portfolio": parse_value("{budget: 3000000}")})[notebook]
    assert injected["portfolio"] == {"budget": 3_000_000}


@pytest.mark.parametrize(("stem", "name", "value", "column"), [
    ("02_weight_sensitivity", "samples", True, "samples"),
    ("01_partner_fit", "weights", {"strategic_fit": True}, "weights.strategic_fit"),
    ("04_portfolio", "budget_step", False, "budget_step"),
])
def test_true_and_false_are_not_numbers(sample_case, stem, name, value, column):
    with pytest.raises(InputError) as raised:
        check_run(sample_case, [_notebook(stem)], {name: value})
    assert [(problem.column, problem.message) for problem in raised.value.problems] == [
        (column, f"expected a number, got {value if not isinstance(value, dict) else True!r}")]
