"""A batch sent to a real Dask distributed cluster (a LocalCluster on 127.0.0.1) with ``--scheduler``."""

from __future__ import annotations

import json
import shutil

import pytest
from batch_notebooks import write_config
from click.testing import CliRunner

from alliance_analytics.cli import EXIT_INVALID_INPUT, main
from alliance_analytics.core.paths import SAMPLE_CASE_DIR


@pytest.fixture(scope="module")
def cluster():
    """Two single-threaded worker processes and a scheduler, on the loopback interface only."""
    from distributed import LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, host="127.0.0.1", processes=True,
                      dashboard_address=None) as local:
        yield local


def test_a_batch_runs_on_a_dask_cluster(cluster, tmp_path):
    shutil.copytree(SAMPLE_CASE_DIR, tmp_path / "sample")
    config = write_config(tmp_path / "batch.yaml", """\
runs:
  - notebooks: partner_fit
    cases: [sample]
    grid: {aggregation: [median, geometric]}
""")
    result = CliRunner().invoke(main, ["batch", str(config), "--out", str(tmp_path / "out"), "--quiet",
                                       "--scheduler", cluster.scheduler_address])
    assert result.exit_code == 0, result.output
    assert "2 of 2 runs ok" in result.output and f"Dask scheduler {cluster.scheduler_address}" in result.output
    latest = (tmp_path / "out" / "latest").resolve()
    manifest = json.loads((latest / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["executor"] == f"Dask scheduler {cluster.scheduler_address}"
    assert [run["status"] for run in manifest["runs"]] == ["ok", "ok"]
    for run, aggregation in zip(manifest["runs"], ("median", "geometric"), strict=True):
        results = json.loads((latest / run["results"]).read_text(encoding="utf-8"))
        assert results["aggregation"] == aggregation
        assert (latest / run["html"]).is_file() and (latest / run["executed_notebook"]).is_file()


@pytest.fixture
def quick_refusal(monkeypatch):
    """Give up on an unreachable scheduler after 1 s instead of 10 (the refused port never answers anyway)."""
    monkeypatch.setattr("alliance_analytics.core.cluster.SCHEDULER_CONNECT_TIMEOUT_S", 1)


def test_an_unreachable_scheduler_is_bad_input(tmp_path, quick_refusal):
    config = write_config(tmp_path / "batch.yaml",
                          f"runs:\n  - notebooks: partner_fit\n    cases: [{SAMPLE_CASE_DIR}]\n")
    result = CliRunner().invoke(main, ["batch", str(config), "--out", str(tmp_path / "out"), "--quiet",
                                       "--scheduler", "tcp://127.0.0.1:9"])
    assert result.exit_code == EXIT_INVALID_INPUT
    assert "cannot connect to the Dask scheduler" in result.output and "Traceback" not in result.output
    assert not [path for path in (tmp_path / "out").iterdir() if not path.name.startswith(".batch.lock")]


def test_a_report_run_simulates_on_the_cluster_with_the_local_results(cluster, tmp_path):
    """``run --scheduler``: the risk simulation's blocks run on the cluster, and the report equals a local run's."""
    figures = {}
    for where, extra in (("local", []), ("cluster", ["--scheduler", cluster.scheduler_address])):
        out = tmp_path / where
        result = CliRunner().invoke(main, ["run", "--out", str(out), "--quiet", "--notebook", "risk_simulation",
                                           "-p", "iterations", "40000", *extra])
        assert result.exit_code == 0, result.output
        folder = next(path for path in out.iterdir() if path.is_dir() and not path.name.startswith("."))
        figures[where] = json.loads((folder / "03_risk_simulation" / "results.json").read_text(encoding="utf-8"))
        run = json.loads((folder / "run.json").read_text(encoding="utf-8"))
        assert run["scheduler"] == (cluster.scheduler_address if extra else None)
    assert figures["local"]["candidates"] == figures["cluster"]["candidates"]  # 2 chunks: 2 blocks on 2 workers


def test_a_report_run_with_an_unreachable_scheduler_is_bad_input(tmp_path, quick_refusal):
    result = CliRunner().invoke(main, ["run", "--out", str(tmp_path / "out"), "--quiet", "--scheduler",
                                       "tcp://127.0.0.1:9"])
    assert result.exit_code == EXIT_INVALID_INPUT
    assert "cannot connect to the Dask scheduler" in result.output and "Traceback" not in result.output
    assert not (tmp_path / "out").exists()
