"""The ``alliance-analytics run`` command: a thin shell over the report runner, with clear errors."""

from __future__ import annotations

import json

from click.testing import CliRunner

from alliance_analytics.cli import EXIT_INVALID_INPUT, main


def test_run_writes_a_report_and_says_where(tmp_path):
    result = CliRunner().invoke(main, ["run", "--out", str(tmp_path), "--quiet", "--notebook", "partner_fit",
                                       "-p", "aggregation", "geometric", "-p", "weights", "{cultural_fit: 40}"])
    assert result.exit_code == 0, result.output
    assert not (tmp_path / "latest").exists(), "a what-if leaves latest where it was"
    assert "A what-if: 'latest' was not moved to it (--latest moves it)." in result.output
    folder = next(path for path in tmp_path.iterdir() if path.is_dir() and not path.name.startswith("."))
    assert f"Report: {folder / 'index.html'}" in result.output
    results = json.loads((folder / "01_partner_fit" / "results.json").read_text(encoding="utf-8"))
    assert results["aggregation"] == "geometric"
    assert results["provenance"]["parameters"]["weights"] == {"cultural_fit": 40}


def test_run_reports_every_bad_parameter_without_traceback(tmp_path):
    result = CliRunner().invoke(main, ["run", "--out", str(tmp_path), "--quiet", "-p", "aggregation", "mode",
                                       "-p", "weigths", "{}", "-p", "weights", "[1, 2]"])
    assert result.exit_code == EXIT_INVALID_INPUT
    assert "Traceback" not in result.output
    assert "3 problems found" in result.output
    for fragment in ("'aggregation'", "'weigths'", "'weights'"):
        assert fragment in result.output
    assert not list(tmp_path.iterdir())


def test_run_rejects_a_broken_case_with_exit_2(case_copy, tmp_path):
    (case_copy / "candidates.csv").write_text("candidate_id,name\nC01,Solo\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["run", str(case_copy), "--out", str(tmp_path / "out"), "--quiet"])
    assert result.exit_code == EXIT_INVALID_INPUT
    assert "candidates.csv, line 1, column 'alliance_type': required column is missing" in result.output
    assert "Traceback" not in result.output


def test_unknown_notebook_lists_the_available_ones(tmp_path):
    result = CliRunner().invoke(main, ["run", "--out", str(tmp_path), "--notebook", "tea_leaves"])
    assert result.exit_code == EXIT_INVALID_INPUT
    assert "01_partner_fit" in result.output and "tea_leaves" in result.output


def test_latest_moves_for_a_what_if_only_when_asked(tmp_path):
    plain = CliRunner().invoke(main, ["run", "--out", str(tmp_path), "--quiet", "--notebook", "partner_fit"])
    assert plain.exit_code == 0, plain.output
    first = (tmp_path / "latest").resolve()
    asked = CliRunner().invoke(main, ["run", "--out", str(tmp_path), "--quiet", "--notebook", "partner_fit",
                                      "-p", "aggregation", "median", "--latest"])
    assert asked.exit_code == 0, asked.output
    moved = (tmp_path / "latest").resolve()
    assert moved != first and json.loads((moved / "run.json").read_text(encoding="utf-8"))["what_if"] == \
        "aggregation median"
