"""The runners keep a copy of each case's inputs, ``compare`` reads report folders as the runners write them, and a
batch's front page says what changed since the previous batch of the same case."""

from __future__ import annotations

import hashlib
import html
import json

import pytest
from batch_notebooks import write_config
from click.testing import CliRunner
from run_folders import edit_cell, write_fit_notebook

from alliance_analytics.batch.runner import run_batch
from alliance_analytics.cli import main
from alliance_analytics.reporting.runner import run_report

CHANGE = "scores.csv, line 114 (C05 strategic_fit A. Keller (Strategy): score 3 → 5)"
"""The one edit of these tests, as the comparison says it."""


@pytest.fixture(scope="module")
def notebooks(tmp_path_factory):
    """A notebook writing the real partner-fit results without charts (a quick kernel)."""
    return write_fit_notebook(tmp_path_factory.mktemp("notebooks"))


def _edit(case_dir):
    line = (case_dir / "scores.csv").read_text(encoding="utf-8").splitlines()[113]
    assert line.startswith("C05,strategic_fit,A. Keller (Strategy),3,")
    edit_cell(case_dir / "scores.csv", "C05,strategic_fit,A. Keller (Strategy)", "score", "5")


def test_a_run_keeps_its_inputs_and_compare_reads_them_after_the_case_changed(case_copy, tmp_path, notebooks):
    out = tmp_path / "out"
    first = run_report(case_copy, ["01_fit"], out, progress=False, notebooks_dir=notebooks)
    record = json.loads((first.folder / "run.json").read_text(encoding="utf-8"))
    copy = first.folder / record["inputs"]
    assert record["inputs"] == "inputs/case"
    assert {path.name: hashlib.sha256(path.read_bytes()).hexdigest() for path in copy.iterdir()} == \
        record["case"]["file_sha256"]
    _edit(case_copy)
    second = run_report(case_copy, ["01_fit"], out, progress=False, notebooks_dir=notebooks)
    result = CliRunner().invoke(main, ["compare", str(first.folder), str(second.folder)])
    assert result.exit_code == 0, result.output
    assert f"One input changed: {CHANGE}." in result.output
    assert "C05's fit score +0.1" in result.output and "all of it from Strategic fit" in result.output


def test_a_batch_front_page_says_what_changed_since_the_previous_batch(case_copy, tmp_path, notebooks):
    config = write_config(tmp_path / "batch.yaml", f"runs:\n  - notebooks: [01_fit]\n    cases: [{case_copy}]\n")
    out = tmp_path / "out"
    first = run_batch(config, out, workers=1, progress=False, notebooks_dir=notebooks)
    manifest = json.loads((first.folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["cases"][str(case_copy.resolve())]["inputs"] == "inputs/case"
    assert "What changed since" not in (first.folder / "index.html").read_text(encoding="utf-8")
    _edit(case_copy)
    second = run_batch(config, out, workers=1, progress=False, notebooks_dir=notebooks)
    page = html.unescape((second.folder / "index.html").read_text(encoding="utf-8"))
    created = json.loads((first.folder / "manifest.json").read_text(encoding="utf-8"))["created"]
    since = page.split("What changed since ", 1)[1].split("<", 1)[0]
    assert since.startswith(created[8:10].lstrip("0")) and since.endswith(f"{created[11:16]} UTC")
    assert f"One input changed: {CHANGE}." in page
    assert "Decisions unchanged; C05's fit score +0.1" in page and "all of it from Strategic fit." in page
