"""End-to-end report runs: folder layout, offline HTML, escaping, provenance, failures and atomicity."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from alliance_analytics.core.paths import NOTEBOOKS_DIR, SAMPLE_CASE_DIR
from alliance_analytics.core.problems import InputError
from alliance_analytics.reporting import kernel
from alliance_analytics.reporting import runner as reporting
from alliance_analytics.reporting.kernel import IpcKernelManager
from alliance_analytics.reporting.runner import run_report


def _html(report: reporting.ReportRun, name: str = "01_partner_fit") -> str:
    return (report.folder / name / f"{name}.html").read_text(encoding="utf-8")


def test_report_folder_has_every_file_and_latest_points_at_it(sample_report):
    folder = sample_report.folder
    assert sample_report.ok
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}_\d{6}(_\d+)?", folder.name)
    for name in ("index.html", "run.json", "01_partner_fit/01_partner_fit.ipynb",
                 "01_partner_fit/01_partner_fit.html", "01_partner_fit/results.json"):
        assert (folder / name).is_file(), name
    assert (folder.parent / "latest").resolve() == folder.resolve()
    assert not [path for path in folder.parent.iterdir() if path.name.startswith(".")]


def test_index_links_every_report_and_the_links_resolve(sample_report):
    index = (sample_report.folder / "index.html").read_text(encoding="utf-8")
    links = re.findall(r'href="([^"#]+)"', index)
    assert "01_partner_fit/01_partner_fit.html" in links
    assert "01_partner_fit/results.json" in links
    for link in links:
        assert (sample_report.folder / link).is_file(), link
    assert "advance: C09, C05, C01, C13, C11" in index


def test_the_front_page_names_the_theses_in_doubt_with_the_thesis_checks_reasons(sample_report):
    """The front page's first box carries the thesis check's verdict and reason, the same words as its results."""
    index = html.unescape((sample_report.folder / "index.html").read_text(encoding="utf-8"))
    thesis = json.loads((sample_report.folder / "07_thesis_check" / "results.json").read_text(encoding="utf-8"))
    a03 = thesis["alliances"]["A03"]
    assert a03["verdict"] == "broken" and thesis["alliances"]["A01"]["verdict"] == "confirmed"
    assert "Value theses the first months' actuals put in doubt:" in index
    assert f"Alpina Reha Kliniken AG (A03): thesis broken: review the alliance. {a03['reasons']}" in index
    assert "Baltic Homecare Services UAB (A01): thesis" not in index


def test_the_front_page_states_the_review_decisions_first_with_the_reviews_reasons(sample_report):
    """The decision sentence starts with the review's decisions, and the first box lists each reviewed alliance
    with the portfolio review's own reason (the words of its results.json), the change first."""
    index = html.unescape((sample_report.folder / "index.html").read_text(encoding="utf-8"))
    review = json.loads((sample_report.folder / "08_portfolio_review" / "results.json").read_text(encoding="utf-8"))
    brief = json.loads((sample_report.folder / "05_decision_brief" / "results.json").read_text(encoding="utf-8"))
    portfolio = json.loads((sample_report.folder / "04_portfolio" / "results.json").read_text(encoding="utf-8"))
    assert review["alliances"]["A03"]["decision"] == "restructure" == portfolio["review"]["A03"]
    assert review["alliances"]["A01"]["decision"] == "continue" == portfolio["review"]["A01"]
    assert brief["decision"].startswith("Restructure Alpina Reha Kliniken AG (A03) as “Bavarian clinics only”; "
                                        "continue Baltic Homecare Services UAB (A01); pursue ")
    assert f"<strong>{brief['decision']}</strong>" in index
    a03 = f"Alpina Reha Kliniken AG (A03): restructure. {review['alliances']['A03']['reason']}"
    a01 = f"Baltic Homecare Services UAB (A01): continue. {review['alliances']['A01']['reason']}"
    assert "The review's decision for each alliance in flight, and why:" in index
    assert a03 in index and a01 in index and index.index(a03) < index.index(a01)
    assert review["portfolio"]["selected"] == portfolio["selected"] == [row["candidate"] for row in
                                                                        sorted(brief["recommended"],
                                                                               key=lambda r: r["candidate"])]


def test_results_json_matches_the_analysis(sample_report, sample_case):
    from alliance_analytics.fit.analysis import partner_fit

    results = json.loads((sample_report.folder / "01_partner_fit" / "results.json").read_text(encoding="utf-8"))
    expected = partner_fit(sample_case).to_json()
    assert results["candidates"] == expected["candidates"]
    for candidate in results["candidates"].values():
        assert {"gate_passed", "gate_reasons", "red_flags", "fit_score", "rank", "recommendation"} <= set(candidate)
    provenance = results["provenance"]
    assert provenance["case"]["file_sha256"] == sample_case.file_hashes
    assert provenance["seed"] == sample_case.settings.simulation.seed
    assert provenance["parameters"] == {"weights": {}, "aggregation": ""}
    assert {"python", "numpy", "pandas", "papermill", "alliance-analytics"} <= set(provenance["versions"])
    assert re.fullmatch(r"[0-9a-f]{40}(\+dirty)?|unknown", provenance["git_revision"])


def test_run_json_records_status_and_provenance(sample_report, sample_case):
    run = json.loads((sample_report.folder / "run.json").read_text(encoding="utf-8"))
    assert run["ok"] is True
    assert [entry["name"] for entry in run["notebooks"]] == ["01_partner_fit", "02_weight_sensitivity",
                                                             "03_risk_simulation", "04_portfolio",
                                                             "05_decision_brief", "06_alliance_health",
                                                             "07_thesis_check", "08_portfolio_review"]
    assert run["case"]["file_sha256"] == sample_case.file_hashes


def test_html_is_offline_self_contained_and_hides_code(sample_report):
    html = _html(sample_report)
    assert "<script" not in html
    assert not re.search(r'(src|href)\s*=\s*"(https?:)?//', html), "no network references"
    assert not re.search(r"@import|url\(\s*['\"]?(https?:)?//", html), "no remote styles or fonts"
    images = re.findall(r'<img[^>]+src="([^"]+)"', html)
    assert len(images) == 2 and all(src.startswith("data:image/png;base64,") for src in images)
    assert not re.search(r"class=\"[^\"]*jp-InputArea-editor", html) and "partner_fit" not in html
    assert "Strategy gate" in html and "Vantage Telehealth Classic" in html


def test_weight_sensitivity_results_have_the_documented_keys(sample_report, sample_case):
    results = json.loads((sample_report.folder / "02_weight_sensitivity" / "results.json").read_text(encoding="utf-8"))
    criteria, candidates = sample_case.criterion_ids, results["candidates"]
    assert set(results["stability"]) == set(criteria)
    for interval in results["stability"].values():
        assert set(interval) == {"top_kept", "ranking_kept"}
        assert interval["top_kept"][0] <= interval["ranking_kept"][0] <= interval["ranking_kept"][1] \
            <= interval["top_kept"][1]
    assert 0 < results["min_change_to_flip_top"] < 1
    assert set(results["rank_acceptability"]) == set(candidates)
    assert all(len(shares) == len(candidates) for shares in results["rank_acceptability"].values())
    assert set(results["central_weights"]) == set(results["confidence"]) == set(candidates)
    assert results["provenance"]["parameters"]["samples"] == 20000
    html = _html(sample_report, "02_weight_sensitivity")
    # its rank-acceptability chart is interactive: BokehJS and the loader inline, nothing loaded from elsewhere
    assert html.count("<script") == 2 and not re.search(r"<script[^>]*\bsrc=", html)
    assert html.count('src="data:image/png;base64,') >= 6
    assert "Weight explorer (static view" in html


def test_risk_simulation_results_and_scenarios_are_saved(sample_report, sample_case):
    folder = sample_report.folder / "03_risk_simulation"
    results = json.loads((folder / "results.json").read_text(encoding="utf-8"))
    assert set(results["candidates"]) == set(sample_case.candidates.index)
    for values in results["candidates"].values():
        assert {"npv_mean", "npv_p10", "npv_p50", "npv_p90", "prob_loss", "cvar_5", "evppi", "evpi"} <= set(values)
        assert values["npv_p10"] <= values["npv_p50"] <= values["npv_p90"] and values["cvar_5"] <= values["npv_p10"]
    scenarios = pd.read_csv(folder / "npv_scenarios.csv.gz", index_col="iteration")
    assert scenarios.shape == (sample_case.settings.simulation.iterations, len(sample_case.candidates))
    assert scenarios["C02"].mean() == pytest.approx(results["candidates"]["C02"]["npv_mean"], abs=1)
    assert "03_risk_simulation/results.json" in (sample_report.folder / "index.html").read_text(encoding="utf-8")


def test_show_code_keeps_the_code(tmp_path):
    report = run_report(SAMPLE_CASE_DIR, ["partner_fit"], out_dir=tmp_path, show_code=True, progress=False)
    html = _html(report)
    assert re.search(r"class=\"[^\"]*jp-InputArea-editor", html) and "partner_fit" in html


def test_text_from_case_files_is_escaped(case_copy, tmp_path):
    candidates = pd.read_csv(case_copy / "candidates.csv", dtype=str, keep_default_na=False)
    candidates.loc[0, "name"] = "<script>alert(1)</script>"
    candidates.to_csv(case_copy / "candidates.csv", index=False)
    case_yaml = case_copy / "case.yaml"
    case_yaml.write_text(re.sub(r"^name: .*$", 'name: "<b>Bold</b> & <script>x()</script>"',
                                case_yaml.read_text(encoding="utf-8"), count=1, flags=re.M), encoding="utf-8")
    report = run_report(case_copy, ["partner_fit"], out_dir=tmp_path / "out", progress=False)
    html = _html(report)
    index = (report.folder / "index.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    for page in (html, index):
        assert "<script" not in page
        assert "<b>Bold</b>" not in page
    assert "&lt;b&gt;Bold&lt;/b&gt; &amp; &lt;script&gt;x()&lt;/script&gt;" in index


def test_parameters_reach_the_notebook(tmp_path):
    report = run_report(SAMPLE_CASE_DIR, ["partner_fit"], out_dir=tmp_path, progress=False,
                        parameters={"aggregation": "median", "weights": {"strategic_fit": 0}})
    results = json.loads((report.folder / "01_partner_fit" / "results.json").read_text(encoding="utf-8"))
    assert results["aggregation"] == "median"
    assert results["weights"]["strategic_fit"] == 0
    assert results["provenance"]["parameters"] == {"weights": {"strategic_fit": 0}, "aggregation": "median"}


def test_bad_parameters_are_all_reported_before_anything_runs(tmp_path):
    with pytest.raises(InputError) as caught:
        run_report(SAMPLE_CASE_DIR, out_dir=tmp_path, progress=False,
                   parameters={"aggregaton": "median", "weights": "heavy", "case_dir": "elsewhere"})
    columns = {problem.column for problem in caught.value.problems}
    assert {"aggregaton", "weights", "case_dir"} <= columns
    assert not tmp_path.exists() or not any(tmp_path.iterdir())


def test_parameter_values_are_checked_against_the_case(tmp_path):
    with pytest.raises(InputError) as caught:
        run_report(SAMPLE_CASE_DIR, out_dir=tmp_path, progress=False,
                   parameters={"aggregation": "average", "weights": {"charisma": 3}})
    columns = {problem.column for problem in caught.value.problems}
    assert columns == {"aggregation", "weights.charisma"}


def test_unknown_notebook_is_an_input_error(tmp_path):
    with pytest.raises(InputError) as caught:
        run_report(SAMPLE_CASE_DIR, ["partner_fit", "crystal_ball"], out_dir=tmp_path, progress=False)
    assert [problem.column for problem in caught.value.problems] == ["crystal_ball"]


def test_invalid_case_stops_before_running(case_copy, tmp_path):
    (case_copy / "scores.csv").unlink()
    with pytest.raises(InputError, match="scores.csv"):
        run_report(case_copy, out_dir=tmp_path / "out", progress=False)
    assert not (tmp_path / "out").exists()


def _notebooks(folder: Path, failing: bool) -> Path:
    """Two tiny notebooks taking the runner's parameters; the second fails when asked to."""
    folder.mkdir()
    for name, body in (("01_fine", "value = 1"), ("02_broken", "raise RuntimeError('assumption missing')"
                                                              if failing else "value = 2")):
        notebook = new_notebook(cells=[
            new_markdown_cell(f"# {name}"),
            new_code_cell('case_dir: str = ""\nresults_path: str = ""', metadata={"tags": ["parameters"]}),
            new_code_cell(body),
        ], metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}})
        nbformat.write(notebook, folder / f"{name}.ipynb")
    return folder


def test_a_failing_notebook_is_kept_reported_and_does_not_move_latest(tmp_path):
    good = run_report(SAMPLE_CASE_DIR, out_dir=tmp_path / "out", progress=False,
                      notebooks_dir=_notebooks(tmp_path / "fine", failing=False))
    bad = run_report(SAMPLE_CASE_DIR, out_dir=tmp_path / "out", progress=False,
                     notebooks_dir=_notebooks(tmp_path / "broken", failing=True))
    assert good.ok and not bad.ok
    assert [run.ok for run in bad.runs] == [True, False]
    assert "RuntimeError: assumption missing" in bad.runs[1].error
    executed = nbformat.read(bad.folder / "02_broken" / "02_broken.ipynb", as_version=4)
    assert any(output.get("ename") == "RuntimeError" for cell in executed.cells for output in cell.get("outputs", []))
    index = (bad.folder / "index.html").read_text(encoding="utf-8")
    assert "failed: RuntimeError: assumption missing" in index
    assert (tmp_path / "out" / "latest").resolve() == good.folder.resolve()


def test_a_crash_leaves_no_half_written_report(tmp_path, monkeypatch):
    def crash(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(reporting, "export_html", crash)
    with pytest.raises(OSError, match="disk full"):
        run_report(SAMPLE_CASE_DIR, out_dir=tmp_path, progress=False)
    assert list(tmp_path.iterdir()) == []


def test_the_notebook_itself_stops_with_the_problem_list_not_a_traceback(case_copy, tmp_path):
    import papermill

    (case_copy / "scores.csv").write_text("candidate_id,criterion_id,evaluator,score,rationale\n"
                                          "C01,strategic_fit,A,9,too keen\n", encoding="utf-8")
    executed = tmp_path / "executed.ipynb"
    with pytest.raises(papermill.PapermillExecutionError):
        papermill.execute_notebook(str(NOTEBOOKS_DIR / "01_partner_fit.ipynb"), str(executed),
                                   parameters={"case_dir": str(case_copy)}, progress_bar=False,
                                   cwd=str(NOTEBOOKS_DIR))
    errors = [output for cell in nbformat.read(executed, as_version=4).cells
              for output in cell.get("outputs", []) if output.output_type == "error"]
    assert len(errors) == 1
    traceback = "\n".join(errors[0].traceback)
    assert "scores.csv, line 2, column 'score': score 9 is outside the scale 1..5" in traceback
    assert "has no scores" in traceback
    assert "Traceback" not in traceback and "File " not in traceback


def test_kernels_talk_over_unix_sockets_in_the_temporary_folder():
    import tempfile

    manager = IpcKernelManager()
    assert manager.transport == "ipc"
    assert manager.ip.startswith(tempfile.gettempdir()) and manager.ip != IpcKernelManager().ip


def test_a_kernel_that_dies_is_a_reported_failure_not_a_traceback(tmp_path, monkeypatch):
    def dead_kernel(*args, **kwargs):
        raise RuntimeError("Kernel died before replying to kernel_info")

    monkeypatch.setattr(kernel.papermill, "execute_notebook", dead_kernel)
    report = run_report(SAMPLE_CASE_DIR, ["partner_fit"], out_dir=tmp_path, progress=False)
    assert not report.ok and report.runs[0].error == "RuntimeError: Kernel died before replying to kernel_info"
    assert report.runs[0].html is None and report.folder.is_dir()
    index = (report.folder / "index.html").read_text(encoding="utf-8")
    assert "failed: RuntimeError: Kernel died" in index and not (tmp_path / "latest").exists()
