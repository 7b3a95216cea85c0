"""Hostile YAML is refused quickly with one short message (field cases R22 and R54): alias bombs, deep nesting."""

from __future__ import annotations

import re

import pytest

from alliance_analytics import load_case
from alliance_analytics.batch.config import load_batch_config
from alliance_analytics.core.problems import InputError, describe_validation_error
from alliance_analytics.notebook.parameters import parse_value
from alliance_analytics.reporting.catalogue import available_notebooks
from alliance_analytics.reporting.checks import check_run


def _laughs(levels: int) -> str:
    """A "billion laughs" preamble: ``a0`` is ten strings, each level ten aliases of the one below."""
    lines = ['x0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    lines += [f"x{level}: &a{level} [" + ", ".join([f"*a{level - 1}"] * 10) + "]" for level in range(1, levels)]
    return "\n".join(lines) + "\n"


def _one_problem(folder) -> tuple[str, int | None, str]:
    with pytest.raises(InputError) as raised:
        load_case(folder)
    problems = raised.value.problems
    assert len(problems) == 1, problems
    return problems[0].file, problems[0].line, problems[0].message


def test_an_alias_bomb_in_case_yaml_is_one_short_problem(case_copy):
    path = case_copy / "case.yaml"
    text = re.sub(r"^name: .*$", "name: *a8", path.read_text(encoding="utf-8"), count=1, flags=re.MULTILINE)
    path.write_text(_laughs(9) + text, encoding="utf-8")
    file, line, message = _one_problem(case_copy)
    assert file == "case.yaml" and "aliases expand to more than 100,000 values" in message and len(message) < 200


def test_a_few_aliases_are_still_fine(case_copy):
    path = case_copy / "case.yaml"
    text = path.read_text(encoding="utf-8").replace("    CTO: 2\n", "    CTO: &two 2\n").replace("    COO: 2\n", "    COO: *two\n")
    path.write_text(text, encoding="utf-8")
    assert load_case(case_copy).settings.portfolio.sponsor_capacity["COO"] == 2


def test_an_alias_bomb_in_a_batch_config_is_refused(tmp_path):
    config = tmp_path / "batch.yaml"
    config.write_text(_laughs(9) + "runs: *a8\n", encoding="utf-8")
    with pytest.raises(InputError) as raised:
        load_batch_config(config)
    assert any("aliases expand to more than" in problem.message for problem in raised.value.problems)


def test_a_deeply_nested_value_in_case_yaml_is_one_problem(case_copy):
    path = case_copy / "case.yaml"
    deep = "[" * 5000 + "]" * 5000
    path.write_text(re.sub(r"^name: .*$", f"name: {deep}", path.read_text(encoding="utf-8"), count=1,
                           flags=re.MULTILINE), encoding="utf-8")
    file, _, message = _one_problem(case_copy)
    assert file == "case.yaml" and "nested more" in message


@pytest.mark.parametrize("depth", [150, 5000])
def test_a_deeply_nested_parameter_is_a_short_problem(sample_case, depth):
    value = parse_value("[" * depth + "]" * depth)
    notebook = available_notebooks()["01_partner_fit"]
    with pytest.raises(InputError) as raised:
        check_run(sample_case, [notebook], {"weights": value})
    [problem] = raised.value.problems
    assert problem.column == "weights" and len(problem.message) < 200


def test_a_message_never_echoes_a_huge_value():
    huge = [[["lol"] * 10] * 10] * 10
    message = describe_validation_error({"type": "string_type", "input": huge, "msg": "Input should be a valid string"},
                                        "is not a known key")
    assert message.startswith("input should be a valid string, got [") and len(message) < 200
