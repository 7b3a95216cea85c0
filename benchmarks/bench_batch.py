"""Benchmark: the batch runner — the default batch, the per-notebook overhead, and 2 workers against 1.

Three measurements, each written to a fresh temporary output folder:

1. ``report_s``: the wall time of ``alliance-analytics batch batches/default.yaml --quiet`` (what ``make
   report`` runs once the environment is set up: every notebook on the sample case, a local pool of one
   worker per core), as a child process, so interpreter start and imports count. Target: under 60 s.
2. The per-notebook overhead, from the default batch run again with ONE worker (no two runs compete for the
   cores) against the same analysis called directly in Python in this process: for each notebook, the
   package call its notebook makes with its default parameters, ``analyse_<name>(load_case(...))``, best of
   ``--repeat``; called alone, without the run's cache, so the portfolio and the brief compute their inputs
   too (in a batch they reuse them). A run's time splits into
   kernel start and papermill (execution time minus the cells' own time, from the executed notebook's
   papermill metadata), the cells (the analysis plus imports, tables and charts) and the HTML export;
   ``overhead`` = run time − direct time. A notebook without a known direct call is reported without one.
   ``overhead_s`` in the JSON is the mean overhead per notebook.
3. ``speedup_2_workers``: a batch of 8 partner-fit runs (2 aggregation methods × 4 weight profiles) with
   ``--workers 1`` and with ``--workers 2``, timed around :func:`run_batch` (pool start included); the
   speed-up is the ratio of the wall times. Target: at least 1.6 on a 2-core machine.

The machine's load average is printed before each measurement: other work on the machine only ever adds
time, and on a 2-core machine any other busy process takes from the second worker's core first.
Prints each figure and, as its last line, one JSON object.
Usage: ``.venv/bin/python benchmarks/bench_batch.py [--repeat R]``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import nbformat
from timing import best_of

from alliance_analytics import (
    analyse_decision_brief,
    analyse_partner_fit,
    analyse_portfolio,
    analyse_risk_simulation,
    analyse_weight_sensitivity,
    load_case,
)
from alliance_analytics.batch.runner import run_batch
from alliance_analytics.core.paths import PROJECT_ROOT, SAMPLE_CASE_DIR

DEFAULT_CONFIG = PROJECT_ROOT / "batches" / "default.yaml"
SPEEDUP_CONFIG = f"""\
runs:
  - name: speed-up
    notebooks: [partner_fit]
    cases: [{SAMPLE_CASE_DIR}]
    grid:
      aggregation: [mean, median]
      weights: [{{}}, {{strategic_fit: 35}}, {{cultural_fit: 30}}, {{economic_symmetry: 25, operating_fit: 25}}]
"""


def partner_fit(case_dir: Path) -> Any:
    """What ``01_partner_fit`` computes (default parameters)."""
    return analyse_partner_fit(load_case(case_dir))


def weight_sensitivity(case_dir: Path) -> Any:
    """What ``02_weight_sensitivity`` computes (default parameters)."""
    return analyse_weight_sensitivity(load_case(case_dir))


def risk_simulation(case_dir: Path) -> Any:
    """What ``03_risk_simulation`` computes (default parameters, sensitivity figures included)."""
    return analyse_risk_simulation(load_case(case_dir))


def portfolio(case_dir: Path) -> Any:
    """What ``04_portfolio`` computes alone (default parameters): the fit, the simulation and the portfolio."""
    return analyse_portfolio(load_case(case_dir))


def decision_brief(case_dir: Path) -> Any:
    """What ``05_decision_brief`` computes alone (default parameters): every analysis, then the brief."""
    return analyse_decision_brief(load_case(case_dir))


DIRECT: dict[str, Callable[[Path], Any]] = {
    "01_partner_fit": partner_fit, "02_weight_sensitivity": weight_sensitivity,
    "03_risk_simulation": risk_simulation, "04_portfolio": portfolio, "05_decision_brief": decision_brief,
}
"""Per notebook, the package calls it makes, called directly."""


def default_report(out: Path) -> tuple[float, dict]:
    """Run the default batch as ``make report`` does; its wall time and manifest."""
    command = [str(Path(sys.executable).parent / "alliance-analytics"), "batch", str(DEFAULT_CONFIG), "--out",
               str(out), "--quiet"]
    started = time.perf_counter()
    completed = subprocess.run(command, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - started
    if completed.returncode != 0:
        raise SystemExit(f"the default batch failed ({completed.returncode}):\n{completed.stdout}{completed.stderr}")
    return seconds, json.loads((out / "latest" / "manifest.json").read_text(encoding="utf-8"))


def cells_seconds(executed: Path) -> float:
    """The cells' own execution time, from papermill's metadata in an executed notebook."""
    notebook = nbformat.read(executed, as_version=4)
    return sum(cell.metadata.get("papermill", {}).get("duration") or 0.0 for cell in notebook.cells)


def overheads(out: Path, repeat: int) -> dict[str, dict[str, Any]]:
    """The default batch on one worker, each run against its analysis called directly."""
    result = run_batch(DEFAULT_CONFIG, out_dir=out, workers=1, progress=False)
    figures = {}
    for run in result.runs:
        outcome, name = run.outcome, run.spec.notebook.stem
        cells = cells_seconds(result.folder / outcome.notebook)
        entry = {"ok": outcome.ok, "run_s": outcome.seconds + outcome.export_seconds,
                 "kernel_and_papermill_s": outcome.seconds - cells, "cells_s": cells,
                 "export_s": outcome.export_seconds, "direct_s": None, "overhead_s": None, "direct_error": None}
        if name in DIRECT:
            try:
                entry["direct_s"], _ = best_of(repeat, DIRECT[name], SAMPLE_CASE_DIR)
                entry["overhead_s"] = entry["run_s"] - entry["direct_s"]
            except Exception as error:  # noqa: BLE001 - a colleague's API in flux: report, do not stop
                entry["direct_error"] = f"{type(error).__name__}: {error}"
        else:
            entry["direct_error"] = "no direct call known for this notebook"
        figures[name] = entry
    return figures


def batch_seconds(config: Path, out: Path, workers: int) -> float:
    """Wall time of one batch with ``workers`` local workers (every run must succeed)."""
    started = time.perf_counter()
    result = run_batch(config, out_dir=out, workers=workers, progress=False)
    seconds = time.perf_counter() - started
    if not result.ok:
        raise SystemExit(f"the speed-up batch failed: {[run.outcome.error for run in result.failed]}")
    return seconds


def rounded(value: float | None, digits: int = 3) -> float | None:
    """``value`` rounded, or ``None``."""
    return None if value is None else round(value, digits)


def main() -> None:
    """Run the three measurements and print them, the JSON summary last."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="best of R for the direct calls")
    options = parser.parse_args()
    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="bench-batch-") as directory:
        folder = Path(directory)
        report_s, manifest = default_report(folder / "default")
        loads = {"overhead": os.getloadavg()[0]}
        figures = overheads(folder / "sequential", options.repeat)
        config = folder / "speedup.yaml"
        config.write_text(SPEEDUP_CONFIG, encoding="utf-8")
        loads["one_worker"] = os.getloadavg()[0]
        one_s = batch_seconds(config, folder / "one", workers=1)
        loads["two_workers"] = os.getloadavg()[0]
        two_s = batch_seconds(config, folder / "two", workers=2)
    speedup = one_s / two_s
    measured = [entry["overhead_s"] for entry in figures.values() if entry["overhead_s"] is not None]
    overhead_s = statistics.mean(measured) if measured else None

    print(f"batch benchmark, {os.cpu_count()} cores, load average {load:.2f} at the start; {dt.date.today()}")
    print("load average before each later measurement (other work on the machine competes for the cores): "
          + ", ".join(f"{name} {value:.2f}" for name, value in loads.items()))
    print(f"default batch ({len(manifest['runs'])} runs, {manifest['executor']}), as `make report`: {report_s:.1f} s "
          f"(target < 60 s: {'met' if report_s < 60 else 'NOT met'})")
    computed = [entry["analysis"] for entry in manifest.get("computations", [])]
    print(f"analyses computed in the default batch: {', '.join(computed)} "
          f"(Monte Carlo runs: {computed.count('risk_simulation')})")
    for run in manifest["runs"]:
        print(f"  {run['id']}: {run['status']}, {run['seconds']:.1f} s")
    print("per notebook, one worker (run = kernel start & papermill + cells + HTML export; overhead = run − direct):")
    for name, entry in figures.items():
        direct = (f"direct {entry['direct_s']:.2f} s, overhead {entry['overhead_s']:.2f} s"
                  if entry["direct_s"] is not None else f"direct n/a ({entry['direct_error']})")
        print(f"  {name}: run {entry['run_s']:.2f} s = kernel & papermill {entry['kernel_and_papermill_s']:.2f} s "
              f"+ cells {entry['cells_s']:.2f} s + export {entry['export_s']:.2f} s; {direct}")
    print("mean overhead per notebook: " + ("n/a" if overhead_s is None else f"{overhead_s:.2f} s"))
    print(f"8 partner-fit runs: 1 worker {one_s:.1f} s, 2 workers {two_s:.1f} s → speed-up {speedup:.2f}x "
          f"(target ≥ 1.6x: {'met' if speedup >= 1.6 else 'NOT met'})")
    print(json.dumps({
        "report_s": round(report_s, 2), "report_runs": len(manifest["runs"]), "report_executor": manifest["executor"],
        "monte_carlo_runs": [entry["analysis"] for entry in manifest.get("computations", [])].count("risk_simulation"),
        "overhead_s": rounded(overhead_s),
        "overhead_by_notebook": {name: {key: rounded(value) if isinstance(value, float) else value
                                        for key, value in entry.items()} for name, entry in figures.items()},
        "batch8_1_worker_s": round(one_s, 2), "batch8_2_workers_s": round(two_s, 2),
        "speedup_2_workers": round(speedup, 3),
        "meets_60s_report": report_s < 60, "meets_1_6x_speedup": speedup >= 1.6,
        "cpu_count": os.cpu_count(), "load_average": round(load, 2),
        "load_average_before": {name: round(value, 2) for name, value in loads.items()},
    }))


if __name__ == "__main__":
    main()
