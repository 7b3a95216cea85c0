"""The project's own files: pins agree across pyproject.toml and environment.yml; notebooks are clean."""

from __future__ import annotations

import re
import tomllib

import nbformat
import pytest
import yaml

from alliance_analytics.core.paths import NOTEBOOKS_DIR, PROJECT_ROOT
from alliance_analytics.notebook.hygiene import CHECK_MARKER, strip_outputs


def _name(requirement: str) -> str:
    return re.split(r"[=<>!~\[ ]", requirement, maxsplit=1)[0].lower().replace("_", "-")


def _pyproject_pins() -> dict[str, str]:
    """The packages ``make setup`` installs: the dependencies and the test extra (not the benchmarks' ``bench``
    extra, whose baselines are installed on their own and need other versions of shared packages)."""
    project = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    requirements = project["dependencies"] + project["optional-dependencies"]["test"]
    return {_name(r): r.split("==")[1] for r in requirements}


def _environment_pins() -> dict[str, str]:
    environment = yaml.safe_load((PROJECT_ROOT / "environment.yml").read_text(encoding="utf-8"))
    pins = {}
    for dependency in environment["dependencies"]:
        if isinstance(dependency, str) and "=" in dependency and not dependency.startswith("python="):
            name, pinned = dependency.split("=", 1)
            pins[_name(name)] = pinned
    return pins


def test_pyproject_pins_every_dependency_exactly():
    project = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    for requirement in [*project["dependencies"], *(r for group in project["optional-dependencies"].values()
                                                     for r in group)]:
        assert re.fullmatch(r"[A-Za-z0-9_.\-]+==[0-9][0-9A-Za-z.]*", requirement), requirement


def test_environment_yml_names_the_same_packages_and_versions():
    assert _environment_pins() == _pyproject_pins()


def test_lock_file_agrees_with_pyproject():
    locked = {}
    for line in (PROJECT_ROOT / "requirements.lock").read_text(encoding="utf-8").splitlines():
        if "==" in line:
            name, pinned = line.split("==")
            locked[_name(name)] = pinned.strip()
    for name, pinned in _pyproject_pins().items():
        assert locked.get(name) == pinned, name


@pytest.mark.parametrize("path", sorted(NOTEBOOKS_DIR.glob("*.ipynb")), ids=lambda path: path.name)
def test_notebooks_in_git_carry_only_checked_outputs(path):
    notebook = nbformat.read(path, as_version=4)
    assert strip_outputs(notebook) == notebook, "run `make notebooks` to strip outputs and execution counts"
    assert any(CHECK_MARKER in cell.source for cell in notebook.cells), "nbval checks at least one output"
    tagged = [cell for cell in notebook.cells if "parameters" in cell.metadata.get("tags", [])]
    assert len(tagged) == 1
    assert all(re.fullmatch(r"\w+: \w+ = .+  # .+", line) for line in tagged[0].source.splitlines()), \
        "parameters are annotated literals with a help comment"


def test_strip_outputs_keeps_only_checked_outputs():
    notebook = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("1 + 1", execution_count=3, outputs=[
            nbformat.v4.new_output("execute_result", {"text/plain": "2"}, execution_count=3)]),
        nbformat.v4.new_code_cell(f"{CHECK_MARKER}\nprint(2)", execution_count=4, outputs=[
            nbformat.v4.new_output("stream", name="stdout", text="2\n")]),
    ])
    clean = strip_outputs(notebook)
    assert [cell.execution_count for cell in clean.cells] == [None, 4]
    assert clean.cells[0].outputs == [] and clean.cells[1].outputs[0].text == "2\n"
    assert notebook.cells[0].outputs, "the input notebook is not modified"


def test_dollar_signs_in_names_are_drawn_literally(sample_case):
    """A name with '$' (even an unbalanced '$_$') is drawn as written, not parsed as math notation."""
    import io
    from dataclasses import replace

    from alliance_analytics.charts import fit as plots
    from alliance_analytics.fit.analysis import partner_fit

    candidates = sample_case.candidates.copy()
    candidates.loc["C01", "name"] = "US$ vs. A$ $_$"
    figure = plots.contribution_chart(partner_fit(replace(sample_case, candidates=candidates)))
    figure.savefig(io.BytesIO(), format="png")
    labels = [label.get_text() for label in figure.axes[0].get_yticklabels()]
    assert "US$ vs. A$ $_$ (C01)" in labels
    assert all(not label.get_parse_math() for label in figure.axes[0].get_yticklabels())
