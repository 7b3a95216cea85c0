"""Parameters are checked against a notebook's tagged ``parameters`` cell, as papermill reads it."""

from __future__ import annotations

import pytest

from alliance_analytics.core.paths import NOTEBOOKS_DIR
from alliance_analytics.notebook.parameters import accepts, check_parameters, declared_parameters, parse_value

PARTNER_FIT = NOTEBOOKS_DIR / "01_partner_fit.ipynb"


def test_partner_fit_declares_its_parameters_with_types():
    declared = declared_parameters(PARTNER_FIT)
    assert {name: spec["inferred_type_name"] for name, spec in declared.items()} == {
        "case_dir": "str", "weights": "dict", "aggregation": "str", "results_path": "str"}
    assert all(spec["help"] for spec in declared.values()), "every parameter is documented in its comment"


@pytest.mark.parametrize(("annotation", "value", "expected"), [
    ("str", "median", True), ("str", 3, False), ("float", 3, True), ("float", 2.5, True),
    ("float", True, False), ("int", 2.5, False), ("bool", True, True), ("dict", {}, True),
    ("dict", [], False), ("str | None", None, True), ("Optional[int]", None, False), ("Optional[int]", 3, True),
])
def test_accepts(annotation, value, expected):
    assert accepts(annotation, value) is expected


@pytest.mark.parametrize(("text", "value"), [
    ("median", "median"), ("0.3", 0.3), ("12", 12), ("true", True), ("{a: 1, b: 2.5}", {"a": 1, "b": 2.5}),
    ("[x, y]", ["x", "y"]), ("{unclosed", "{unclosed"),
])
def test_parse_value(text, value):
    assert parse_value(text) == value


def test_every_unknown_or_mistyped_parameter_is_a_problem():
    problems = check_parameters(PARTNER_FIT, {"aggregation": 1, "weights": {"strategic_fit": 2},
                                              "seed": 4, "weight": {}})
    assert {(problem.column, problem.message.split(";")[0].split(",")[0]) for problem in problems} == {
        ("aggregation", "expected str"), ("seed", "unknown parameter"), ("weight", "unknown parameter")}
    assert all(problem.file == "parameters" for problem in problems)
    assert "01_partner_fit.ipynb takes aggregation, case_dir, results_path, weights" in problems[1].message
