"""``alliance-analytics compare`` on pairs of run folders: exactly one changed input is the one change reported and
explains the whole change; a parameter-only change; old runs without a copy of their inputs; bad folders."""

from __future__ import annotations

import json
import re
import shutil

import pytest
from click.testing import CliRunner
from run_folders import copy_sample, edit_cell, write_run

from alliance_analytics.cli import EXIT_INVALID_INPUT, main
from alliance_analytics.compare.comparison import compare_folders
from alliance_analytics.compare.report import front_page_section, summary


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """Run folders of fit, risk and portfolio: the sample case (``plain``), again (``again``), with one changed
    assumption (``edited``), and with another seed (``seeded``)."""
    base = tmp_path_factory.mktemp("compare")
    sample, edited = copy_sample(base / "sample"), copy_sample(base / "edited")
    edit_cell(edited / "assumptions.csv", "C05,study_savings", "p90", "1200000")
    return {"plain": write_run(sample, base / "plain"), "again": write_run(sample, base / "again"),
            "edited": write_run(edited, base / "edited-run"), "seeded": write_run(sample, base / "seeded", {"seed": 7}),
            "line": next(number for number, line in enumerate(
                (sample / "assumptions.csv").read_text(encoding="utf-8").splitlines(), 1)
                if line.startswith("C05,study_savings"))}


def _results(folder, notebook):
    return json.loads((folder / notebook / "results.json").read_text(encoding="utf-8"))


def test_one_changed_input_is_the_one_change_and_explains_the_whole_change(runs):
    [pair] = compare_folders(runs["plain"], runs["edited"]).pairs
    assert pair.inputs.count == 1 and [row.key for row in pair.inputs.rows] == [("C05", "study_savings")]
    decisions = pair.decisions
    assert [change.subject for change in decisions.npv] == ["C05"]
    assert not (decisions.recommendations or decisions.ranks or decisions.fit_scores or pair.fit)
    [change] = pair.npv
    stored = [_results(runs[name], "03_risk_simulation")["candidates"]["C05"]["npv_mean"] for name in ("plain", "edited")]
    assert (change.before, change.after) == tuple(stored)
    [part] = change.parts
    assert (part.label, part.source) == ("study_savings", "assumptions.csv") and not change.note
    assert part.value == pytest.approx(stored[1] - stored[0], rel=1e-12)
    portfolio = [_results(runs[name], "04_portfolio") for name in ("plain", "edited")]
    assert portfolio[0]["selected"] == portfolio[1]["selected"] == decisions.portfolio.after
    first, second = summary(pair)
    assert first == (f"One input changed: assumptions.csv, line {runs['line']} (C05 study_savings: p90 950,000 → "
                     "1,200,000 EUR/year).")
    assert re.fullmatch(r"Decisions: portfolio unchanged; C05's expected NPV \+0\.\d\d M EUR, all of it from "
                        r"study_savings\.", second), second


def test_a_parameter_only_change_is_reported_as_a_parameter_and_explains_every_change(runs):
    [pair] = compare_folders(runs["plain"], runs["seeded"]).pairs
    assert not (pair.inputs.rows or pair.inputs.settings or pair.inputs.files or pair.inputs.reordered)
    [parameter] = pair.inputs.parameters
    assert (parameter.name, parameter.given_before, parameter.after) == ("seed", False, 7)
    assert summary(pair)[0] == "One input changed: parameter seed: the case's value → 7."
    assert pair.npv and len(pair.npv) == len(pair.decisions.npv)
    for change in pair.npv:
        [part] = change.parts
        assert (part.label, part.source) == ("seed", "parameters")
        assert part.value == pytest.approx(change.change, rel=1e-12)


def test_nothing_changed_says_so(runs):
    [pair] = compare_folders(runs["plain"], runs["again"]).pairs
    section = front_page_section(pair)
    assert section.title == f"What changed since {pair.before.when}"
    assert section.summary == [f"Nothing changed in the inputs since {pair.before.when}.",
                               "Decisions and results: unchanged."]
    assert section.details == []


def test_cli_prints_the_summary_first_and_writes_the_json(runs, tmp_path):
    target = tmp_path / "out" / "comparison.json"
    result = CliRunner().invoke(main, ["compare", str(runs["plain"]), str(runs["edited"]), "--json", str(target)])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[4].startswith("One input changed: assumptions.csv") and lines[5].startswith("Decisions: portfolio")
    assert "Why" in lines and f"JSON: {target}" in lines
    written = json.loads(target.read_text(encoding="utf-8"))
    [pair] = written["comparisons"]
    assert set(pair) == {"before", "after", "summary", "currency", "notes", "inputs", "decisions", "attributions"}
    assert pair["inputs"]["count"] == 1 and pair["inputs"]["rows"][0]["cells"] == [
        {"column": "p90", "before": 950000.0, "after": 1200000.0}]
    [npv] = pair["attributions"]["npv"]
    assert sum(part["value"] for part in npv["parts"]) == pytest.approx(npv["change"], rel=1e-12)
    assert pair["summary"] == lines[4:6]


def test_a_run_without_a_copy_of_its_inputs_still_compares_decisions(runs, tmp_path):
    old = tmp_path / "old"
    shutil.copytree(runs["plain"], old)
    record = json.loads((old / "run.json").read_text(encoding="utf-8"))
    del record["inputs"]
    (old / "run.json").write_text(json.dumps(record), encoding="utf-8")
    shutil.rmtree(old / "inputs")
    [pair] = compare_folders(old, runs["edited"]).pairs
    assert not pair.inputs.available and not pair.npv and [change.subject for change in pair.decisions.npv] == ["C05"]
    assert pair.notes[0].startswith("the earlier run kept no copy of its inputs")
    assert summary(pair)[0] == "The input files cannot be compared: a run kept no copy of them; no parameter changed."
    assert "expected NPV changed for C05" in summary(pair)[1]


def test_bad_folders_exit_2_listing_every_problem_without_a_traceback(tmp_path):
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "run.json").write_text("{not json", encoding="utf-8")
    empty = tmp_path / "empty"
    empty.mkdir()
    for folders, expected in (([tmp_path / "missing", empty], ["missing: is not a folder", "holds neither run.json"]),
                              ([broken, broken], ["run.json: cannot be read"])):
        result = CliRunner().invoke(main, ["compare", *map(str, folders)])
        assert result.exit_code == EXIT_INVALID_INPUT
        assert "Traceback" not in result.output and isinstance(result.exception, SystemExit)
        assert result.output.startswith("compare: ")
        for text in expected:
            assert text in result.output
