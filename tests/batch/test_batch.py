"""Batch runs end to end: statuses, links, manifest, failures, retries, time limits, the lock and retention."""

from __future__ import annotations

import functools
import hashlib
import json
import os
import re
import shutil
from pathlib import Path

import nbformat
import pytest
from batch_notebooks import write_config, write_notebooks
from click.testing import CliRunner

from alliance_analytics.batch import runner as batch_module
from alliance_analytics.batch.lock import batch_lock
from alliance_analytics.batch.runner import MANIFEST_KIND, prune_batches, run_batch
from alliance_analytics.cli import EXIT_BATCH_LOCKED, EXIT_NOTEBOOK_FAILED, main
from alliance_analytics.core.paths import SAMPLE_CASE_DIR


def _links(folder: Path) -> list[str]:
    return re.findall(r'href="([^"#]+)"', (folder / "index.html").read_text(encoding="utf-8"))


def _manifest(folder: Path) -> dict:
    return json.loads((folder / "manifest.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def partner_fit_batch(tmp_path_factory: pytest.TempPathFactory):
    """partner_fit × two parameter sets on a copy of the sample case, through the CLI with two workers."""
    folder = tmp_path_factory.mktemp("partner_fit_batch")
    shutil.copytree(SAMPLE_CASE_DIR, folder / "sample")
    config = write_config(folder / "batch.yaml", """\
runs:
  - name: two aggregations
    notebooks: partner_fit
    cases: [sample]
    parameters: {weights: {cultural_fit: 40}}
    grid: {aggregation: [median, geometric]}
""")
    result = CliRunner().invoke(main, ["batch", str(config), "--out", str(folder / "out"), "--workers", "2",
                                       "--quiet"])
    return folder / "out", result


def test_cli_batch_runs_every_run_and_moves_latest(partner_fit_batch):
    out, result = partner_fit_batch
    assert result.exit_code == 0, result.output
    latest = (out / "latest").resolve()
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}_\d{6}(_\d+)?", latest.name)
    assert f"Report: {latest / 'index.html'}" in result.output
    assert "2 of 2 runs ok" in result.output and "local pool of 2 workers" in result.output
    assert re.search(r"001-01_partner_fit-sample-two_aggregations\s+ok\s+[\d.]+ s\s+weights=\{\"cultural_fit\": 40\}, "
                     r"aggregation=\"median\"", result.output)
    assert not [path for path in out.iterdir() if path.name.startswith(".") and path.name != ".batch.lock"]
    for run in ("001-01_partner_fit-sample-two_aggregations", "002-01_partner_fit-sample-two_aggregations"):
        results = json.loads((latest / run / "results.json").read_text(encoding="utf-8"))
        assert results["weights"]["cultural_fit"] > results["weights"]["strategic_fit"]
    assert json.loads((latest / "002-01_partner_fit-sample-two_aggregations" / "results.json").read_text(
        encoding="utf-8"))["aggregation"] == "geometric"


def test_manifest_records_runs_hashes_seed_versions_and_revision(partner_fit_batch, sample_case):
    out, _ = partner_fit_batch
    manifest = _manifest(out / "latest")
    assert manifest["kind"] == MANIFEST_KIND and manifest["ok"] is True
    assert manifest["summary"] == {"runs": 2, "ok": 2, "failed": 0}
    case_dir = (out.parent / "sample").resolve()
    case = manifest["cases"][str(case_dir)]
    assert case["file_sha256"] == {path.name: hashlib.sha256(path.read_bytes()).hexdigest()
                                   for path in case_dir.iterdir() if path.suffix in (".yaml", ".csv")}
    assert set(case["file_sha256"]) == set(sample_case.file_hashes)
    assert case["seed"] == sample_case.settings.simulation.seed
    first, second = manifest["runs"]
    assert first["parameters"] == {"weights": {"cultural_fit": 40}, "aggregation": "median"}
    assert first["grid"] == {"aggregation": "median"} and second["grid"] == {"aggregation": "geometric"}
    assert first["status"] == "ok" and first["error"] is None and first["attempts"] == 1
    assert first["seed"] == sample_case.settings.simulation.seed
    assert first["headline"] and first["headline"][0].startswith("advance: ")
    assert {"python", "papermill", "alliance-analytics"} <= set(manifest["versions"])
    assert re.fullmatch(r"[0-9a-f]{40}(\+dirty)?|unknown", manifest["git_revision"])
    config_text = (out.parent / "batch.yaml").read_bytes()
    assert manifest["config"]["sha256"] == hashlib.sha256(config_text).hexdigest()


def test_front_page_links_every_run_with_its_headline_and_parameters(partner_fit_batch):
    out, _ = partner_fit_batch
    folder = (out / "latest").resolve()
    index = (folder / "index.html").read_text(encoding="utf-8")
    links = _links(folder)
    for run in _manifest(folder)["runs"]:
        for key in ("html", "executed_notebook", "results"):
            assert run[key] in links
        assert f"Run {run['id']}" in index
        assert run["headline"][0] in index
    for link in links:
        assert (folder / link).is_file(), link
    assert "&#34;aggregation&#34;: &#34;geometric&#34;" in index and "<script" not in index


def test_batch_html_is_offline_with_code_hidden(partner_fit_batch):
    out, _ = partner_fit_batch
    html = (out / "latest" / "001-01_partner_fit-sample-two_aggregations" / "01_partner_fit.html").read_text(
        encoding="utf-8")
    assert "<script" not in html and not re.search(r'(src|href)\s*=\s*"(https?:)?//', html)
    assert all(src.startswith("data:image/png;base64,") for src in re.findall(r'<img[^>]+src="([^"]+)"', html))
    assert "analyse_partner_fit" not in html


def test_two_workers_run_two_notebooks_at_the_same_time(partner_fit_batch):
    out, _ = partner_fit_batch
    spans = []
    for run in _manifest(out / "latest")["runs"]:
        metadata = nbformat.read(out / "latest" / run["executed_notebook"], as_version=4).metadata.papermill
        spans.append((metadata.start_time, metadata.end_time))
    (first_start, first_end), (second_start, second_end) = spans
    assert first_start < second_end and second_start < first_end, "the two runs overlap in time"


def _tiny_batch(tmp_path: Path, runs: str, **options) -> batch_module.BatchResult:
    notebooks = write_notebooks(tmp_path / "notebooks", ("01_tiny",))
    config = write_config(tmp_path / "batch.yaml", f"runs:\n{runs}")
    options.setdefault("out_dir", tmp_path / "out")
    return run_batch(config, progress=False, notebooks_dir=notebooks, **options)


def test_a_failing_run_is_kept_and_linked_and_latest_stays(tmp_path):
    good = _tiny_batch(tmp_path, f"  - cases: [{SAMPLE_CASE_DIR}]\n")
    bad = _tiny_batch(tmp_path, f"""\
  - cases: [{SAMPLE_CASE_DIR}]
    grid: {{fail: [false, true], label: [x]}}
""")
    assert good.ok and not bad.ok
    assert [run.outcome.ok for run in bad.runs] == [True, False]
    failed = bad.failed[0]
    assert failed.outcome.error == "RuntimeError: assumption missing for x" and failed.outcome.attempts == 1
    executed = nbformat.read(bad.folder / failed.outcome.notebook, as_version=4)
    assert any(output.get("ename") == "RuntimeError" for cell in executed.cells for output in cell.get("outputs", []))
    index = (bad.folder / "index.html").read_text(encoding="utf-8")
    assert "failed: RuntimeError: assumption missing for x" in index
    assert failed.outcome.notebook in _links(bad.folder) and failed.outcome.html in _links(bad.folder)
    assert "&lt;b&gt;escaped&lt;/b&gt;" in index and "<b>escaped</b>" not in index
    manifest = _manifest(bad.folder)
    assert manifest["ok"] is False and manifest["summary"] == {"runs": 2, "ok": 1, "failed": 1}
    assert manifest["runs"][1]["status"] == "failed" and manifest["runs"][1]["seed"] is None
    assert manifest["runs"][0]["seed"] == 7
    assert (tmp_path / "out" / "latest").resolve() == good.folder.resolve()


def test_cli_exits_1_with_a_summary_when_a_run_fails(tmp_path, monkeypatch):
    notebooks = write_notebooks(tmp_path / "notebooks", ("01_tiny",))
    monkeypatch.setattr(batch_module, "run_batch", functools.partial(run_batch, notebooks_dir=notebooks))
    config = write_config(tmp_path / "batch.yaml", f"runs:\n  - cases: [{SAMPLE_CASE_DIR}]\n"
                                                   "    grid: {fail: [true, false]}\n")
    result = CliRunner().invoke(main, ["batch", str(config), "--out", str(tmp_path / "out"), "--quiet"])
    assert result.exit_code == EXIT_NOTEBOOK_FAILED
    assert "1 of 2 runs ok" in result.output
    assert "001-01_tiny-sample: RuntimeError: assumption missing for plain" in result.output
    assert "'latest' was not moved" in result.output and not (tmp_path / "out" / "latest").exists()


def test_a_kernel_that_dies_once_is_retried(tmp_path):
    marker = tmp_path / "died-once"
    result = _tiny_batch(tmp_path, f"  - cases: [{SAMPLE_CASE_DIR}]\n    parameters: {{marker: '{marker}'}}\n")
    assert marker.exists() and result.ok
    assert result.runs[0].outcome.attempts == 2
    assert _manifest(result.folder)["runs"][0]["attempts"] == 2


def test_a_kernel_that_keeps_dying_fails_after_one_retry(tmp_path):
    result = _tiny_batch(tmp_path, f"  - cases: [{SAMPLE_CASE_DIR}]\n    parameters: {{die: true}}\n")
    outcome = result.runs[0].outcome
    assert not result.ok and outcome.attempts == 2
    assert outcome.error.startswith("DeadKernelError")


@pytest.mark.parametrize("sleep_s", [30, 1.5], ids=["one slow cell", "slow in total"])
def test_a_run_past_its_time_limit_is_marked_timed_out(tmp_path, sleep_s):
    result = _tiny_batch(tmp_path, f"  - cases: [{SAMPLE_CASE_DIR}]\n    parameters: {{sleep_s: {sleep_s}}}\n"
                                   "    timeout_s: 3\n")
    outcome = result.runs[0].outcome
    assert not result.ok and outcome.error == "timed out after 3 s" and outcome.attempts == 1
    assert "timed out after 3 s" in (result.folder / "index.html").read_text(encoding="utf-8")


def test_a_second_batch_on_the_same_folder_is_refused(tmp_path):
    out = tmp_path / "out"
    config = write_config(tmp_path / "batch.yaml",
                          f"runs:\n  - notebooks: partner_fit\n    cases: [{SAMPLE_CASE_DIR}]\n")
    with batch_lock(out):
        result = CliRunner().invoke(main, ["batch", str(config), "--out", str(out), "--quiet"])
    assert result.exit_code == EXIT_BATCH_LOCKED
    assert re.search(rf"another batch is writing to {re.escape(str(out.resolve()))} \(started \d{{4}}-.*, pid "
                     rf"{os.getpid()}\)", result.output)
    assert "Traceback" not in result.output
    assert sorted(path.name for path in out.iterdir()) == [".batch.lock"]


def _fake_batch(out: Path, name: str, kind: str = MANIFEST_KIND) -> Path:
    folder = out / name
    folder.mkdir(parents=True)
    (folder / "manifest.json").write_text(json.dumps({"kind": kind}), encoding="utf-8")
    return folder


def test_retention_deletes_only_the_oldest_batch_reports(tmp_path):
    out = tmp_path / "out"
    oldest, older, newer = (_fake_batch(out, f"2026-01-0{day}_000000") for day in (1, 2, 3))
    foreign = _fake_batch(out, "2025-12-31_000000", kind="something else")
    run_report = out / "2025-12-30_000000"
    run_report.mkdir()
    (run_report / "run.json").write_text("{}", encoding="utf-8")
    result = _tiny_batch(tmp_path, f"  - cases: [{SAMPLE_CASE_DIR}]\n", keep=2)
    assert result.ok and sorted(result.deleted) == [oldest, older]
    assert sorted(path.name for path in out.iterdir() if not path.name.startswith(".")) == [
        run_report.name, foreign.name, newer.name, result.folder.name, "latest"]


def test_retention_never_runs_after_a_failed_batch_and_spares_latest(tmp_path):
    out = tmp_path / "out"
    kept = _fake_batch(out, "2026-01-01_000000")
    result = _tiny_batch(tmp_path, f"  - cases: [{SAMPLE_CASE_DIR}]\n    parameters: {{fail: true}}\n", keep=1)
    assert not result.ok and result.deleted == [] and kept.is_dir()
    (out / "latest").symlink_to(kept.name)
    assert prune_batches(out, 1) == [] and kept.is_dir()


def test_a_crash_while_writing_leaves_no_half_written_batch(tmp_path, monkeypatch):
    def crash(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(batch_module, "_write_front_page", crash)
    with pytest.raises(OSError, match="disk full"):
        _tiny_batch(tmp_path, f"  - cases: [{SAMPLE_CASE_DIR}]\n")
    assert sorted(path.name for path in (tmp_path / "out").iterdir()) == [".batch.lock"]
    with batch_lock(tmp_path / "out"):
        pass


def test_code_is_hidden_unless_a_run_asks_for_it(tmp_path):
    result = _tiny_batch(tmp_path, f"""\
  - cases: [{SAMPLE_CASE_DIR}]
  - cases: [{SAMPLE_CASE_DIR}]
    show_code: true
""")
    hidden, shown = ((result.folder / run.outcome.html).read_text(encoding="utf-8") for run in result.runs)
    editor = re.compile(r'class="[^"]*jp-InputArea-editor')
    assert not editor.search(hidden) and "sleep_s" not in hidden
    assert editor.search(shown) and "sleep_s" in shown
    assert [run["html"] for run in _manifest(result.folder)["runs"]] == [run.outcome.html for run in result.runs]


def test_a_run_whose_worker_broke_is_recorded_as_failed(tmp_path):
    from concurrent.futures import Future
    from concurrent.futures.process import BrokenProcessPool

    from alliance_analytics.batch.execution import _outcome
    from alliance_analytics.batch.plan import RunSpec

    notebook = write_notebooks(tmp_path / "notebooks") / "01_tiny.ipynb"
    spec = RunSpec(run_id="001-01_tiny-sample", entry=0, name=None, notebook=notebook, title="Tiny 01_tiny",
                   case_dir=SAMPLE_CASE_DIR, case_name="sample", parameters={})
    future: Future = Future()
    future.set_exception(BrokenProcessPool("a process in the pool was terminated abruptly"))
    outcome = _outcome(future, spec)
    assert not outcome.ok and outcome.html is None
    assert outcome.error == "worker failed: BrokenProcessPool: a process in the pool was terminated abruptly"
