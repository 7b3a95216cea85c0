"""Batch configs: reading, expanding into runs, and checking every run before anything starts."""

from __future__ import annotations

import pytest
from batch_notebooks import write_config, write_notebooks
from click.testing import CliRunner

from alliance_analytics.batch.config import load_batch_config
from alliance_analytics.batch.plan import plan_batch
from alliance_analytics.cli import EXIT_INVALID_INPUT, main
from alliance_analytics.core.paths import PROJECT_ROOT, SAMPLE_CASE_DIR
from alliance_analytics.core.problems import InputError
from alliance_analytics.reporting.catalogue import available_notebooks


def _problems(path, **plan_options) -> list[str]:
    with pytest.raises(InputError) as caught:
        plan_batch(load_batch_config(path), **plan_options)
    return [str(problem) for problem in caught.value.problems]


def test_every_config_mistake_is_reported_with_its_line(tmp_path):
    config = write_config(tmp_path / "bad.yaml", """\
out: 5
workers: 0
defaults:
  shwo_code: true
runs:
  - notebooks: partner_fit
    cases: data
    grid: {aggregation: mean}
  - notebooks: []
    timeout_s: true
""")
    with pytest.raises(InputError) as caught:
        load_batch_config(config)
    assert [str(problem) for problem in caught.value.problems] == [
        "bad.yaml, line 1, column 'out': input should be a valid string, got 5",
        "bad.yaml, line 2, column 'workers': input should be greater than or equal to 1, got 0",
        "bad.yaml, line 4, column 'defaults.shwo_code': is not a known key (see docs/batch-format.md)",
        "bad.yaml, line 8, column 'runs[0].grid.aggregation': input should be a valid list, got 'mean'",
        "bad.yaml, line 9, column 'runs[1].notebooks': must name at least one",
        "bad.yaml, line 9, column 'runs[1].cases': is missing; a value is required",
        "bad.yaml, line 10, column 'runs[1].timeout_s': input should be a valid number, got True",
    ]


def test_broken_yaml_and_missing_file_are_input_errors(tmp_path):
    with pytest.raises(InputError, match="cannot be read"):
        load_batch_config(tmp_path / "missing.yaml")
    with pytest.raises(InputError, match=r"line 3: is not valid YAML.*flow sequence that starts on line 2"):
        load_batch_config(write_config(tmp_path / "broken.yaml", "runs:\n  - cases: [a\n"))


def test_runs_expand_notebooks_cases_and_grid_with_overrides(tmp_path):
    notebooks = write_notebooks(tmp_path / "notebooks", ("01_one", "02_two"))
    config = write_config(tmp_path / "batch.yaml", f"""\
defaults:
  parameters: {{label: default, sleep_s: 0.5}}
  timeout_s: 60
runs:
  - name: grid
    notebooks: all
    cases: [{SAMPLE_CASE_DIR}]
    parameters: {{label: fixed}}
    grid: {{fail: [false, true], sleep_s: [0, 1]}}
    show_code: true
  - notebooks: [two]
    cases: {SAMPLE_CASE_DIR}
    timeout_s: 5
""")
    plan = plan_batch(load_batch_config(config), notebooks)
    assert len(plan.runs) == 2 * 2 * 2 + 1
    first = plan.runs[0]
    assert first.run_id == "001-01_one-sample-grid" and first.notebook == notebooks / "01_one.ipynb"
    assert first.parameters == {"label": "fixed", "sleep_s": 0, "fail": False}
    assert first.grid == {"fail": False, "sleep_s": 0} and first.show_code and first.timeout_s == 60
    assert [run.grid for run in plan.runs[:8:2]] == [{"fail": f, "sleep_s": s} for f in (False, True) for s in (0, 1)]
    last = plan.runs[-1]
    assert last.parameters == {"label": "default", "sleep_s": 0.5} and last.timeout_s == 5 and not last.show_code
    assert len({run.run_id for run in plan.runs}) == len(plan.runs)
    assert list(plan.cases) == [SAMPLE_CASE_DIR.resolve()]


def test_all_picks_up_notebooks_added_later(tmp_path):
    notebooks = write_notebooks(tmp_path / "notebooks", ("01_one", "02_two"))
    config = write_config(tmp_path / "batch.yaml", f"runs:\n  - cases: [{SAMPLE_CASE_DIR}]\n")
    assert [run.notebook.stem for run in plan_batch(load_batch_config(config), notebooks).runs] == ["01_one", "02_two"]
    write_notebooks(notebooks, ("04_added",))
    assert [run.notebook.stem for run in plan_batch(load_batch_config(config), notebooks).runs] == [
        "01_one", "02_two", "04_added"]


def test_every_parameter_problem_is_located_in_the_config(tmp_path):
    config = write_config(tmp_path / "batch.yaml", f"""\
defaults:
  parameters: {{crystal_ball: 3}}
runs:
  - notebooks: [partner_fit, tea_leaves]
    cases: [{SAMPLE_CASE_DIR}]
    parameters:
      aggregaton: median
      weights: heavy
  - notebooks: [partner_fit]
    cases: [{SAMPLE_CASE_DIR}]
    grid:
      aggregation: [mean, average]
      weights: [{{}}, {{charisma: 3}}]
  - notebooks: [partner_fit]
    cases: [{SAMPLE_CASE_DIR}]
    parameters: {{case_dir: elsewhere}}
""")
    problems = _problems(config)
    assert "batch.yaml, line 4, column 'runs[0].notebooks[1]': unknown notebook; expected one of " \
           "01_partner_fit" in problems[0] and problems[0].endswith("or 'all'")
    expected = [
        "batch.yaml, line 8, column 'runs[0].parameters.weights': input should be a valid dictionary, got 'heavy'",
        ("batch.yaml, line 7, column 'runs[0].parameters.aggregaton': no chosen notebook takes this parameter "
         "(01_partner_fit)"),
        "batch.yaml, line 12, column 'runs[1].grid.aggregation': ",
        "batch.yaml, line 13, column 'runs[1].grid.weights.charisma': ",
        ("batch.yaml, line 16, column 'runs[2].parameters.case_dir': is set by the runner for each run; "
         "list the case folder under 'cases'"),
        "batch.yaml, line 2, column 'defaults.parameters.crystal_ball': no notebook of the batch takes this parameter",
    ]
    for fragment in expected:
        assert any(problem.startswith(fragment) for problem in problems), fragment
    assert any("(grid value 'average')" in problem for problem in problems)
    assert len(problems) == len(set(problems)) == 7


def test_an_invalid_case_is_reported_with_its_folder(case_copy, tmp_path):
    (case_copy / "scores.csv").unlink()
    config = write_config(tmp_path / "batch.yaml", "runs:\n  - notebooks: partner_fit\n    cases: [case, nowhere]\n")
    problems = _problems(config)
    assert problems[0] == "batch.yaml, line 3, column 'runs[0].cases[0]': case 'case' is not valid (1 problem below)"
    assert problems[1].startswith("case/scores.csv: file not found")
    assert problems[2].startswith("batch.yaml, line 3, column 'runs[0].cases[1]': case 'nowhere' is not valid")


def test_cli_reports_bad_input_with_exit_2_and_writes_nothing(tmp_path):
    config = write_config(tmp_path / "batch.yaml", f"""\
runs:
  - notebooks: partner_fit
    cases: [{SAMPLE_CASE_DIR}]
    grid: {{aggregation: [mode], weigths: [{{}}]}}
""")
    result = CliRunner().invoke(main, ["batch", str(config), "--out", str(tmp_path / "out"), "--quiet"])
    assert result.exit_code == EXIT_INVALID_INPUT
    assert "2 problems found" in result.output and "Traceback" not in result.output
    assert "runs[0].grid.aggregation" in result.output and "runs[0].grid.weigths" in result.output
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("name", ["default.yaml", "aggregation_grid.yaml"])
def test_shipped_configs_are_valid(name):
    plan = plan_batch(load_batch_config(PROJECT_ROOT / "batches" / name))
    if name == "default.yaml":
        assert [run.notebook for run in plan.runs] == list(available_notebooks().values())
    else:
        assert len(plan.runs) == 9
        assert {run.parameters["aggregation"] for run in plan.runs} == {"mean", "median", "geometric"}


def test_a_grid_value_missing_the_space_after_a_colon_is_located_in_the_grid(tmp_path):
    """Field case B12 in a batch: ``{budget:3000000}`` is one key without a value, reported at its grid value."""
    config = write_config(tmp_path / "whatif.yaml", f"""\
runs:
  - notebooks: [portfolio]
    cases: [{SAMPLE_CASE_DIR}]
    grid:
      portfolio: [{{budget:3000000}}, {{budget: 3000000}}, {{budgett: null}}]
""")
    problems = _problems(config)
    assert len(problems) == 2
    assert problems[0].startswith("whatif.yaml, line 5, column 'runs[0].grid.portfolio.budget:3000000': is not a "
                                  "portfolio setting")
    assert "YAML needs a space after ':'" in problems[0] and "(grid value {'budget:3000000': None})" in problems[0]
    assert problems[1].startswith("whatif.yaml, line 5, column 'runs[0].grid.portfolio.budgett': is not a portfolio")
