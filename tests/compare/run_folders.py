"""Report folders for the comparison tests, written in-process as ``alliance-analytics run`` writes them.

A run folder holds ``run.json`` (the keys ``compare`` reads: ``created``, ``case``, ``parameters``, ``versions``,
``notebooks``, ``inputs``), the copy of the case's inputs (the runner's own :func:`snapshot_case`) and one
``results.json`` per notebook, computed by the analyses the notebooks call and written by the notebooks' own
:func:`write_results`: the same files at a fraction of the time of executing the notebooks.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import nbformat
from nbformat.v4 import new_code_cell, new_notebook

from alliance_analytics import (
    PartnerFitParameters,
    PortfolioParameters,
    SimulationParameters,
    analyse_partner_fit,
    analyse_portfolio,
    analyse_risk_simulation,
    load_case,
)
from alliance_analytics.compare.snapshot import snapshot_case
from alliance_analytics.core.atomic_files import write_json_atomic
from alliance_analytics.core.paths import SAMPLE_CASE_DIR
from alliance_analytics.notebook.provenance import analysis_provenance, run_provenance
from alliance_analytics.notebook.results_file import write_results

ITERATIONS = 2000
"""Iterations of the test runs' risk simulations."""


def copy_sample(folder: Path) -> Path:
    """A copy of the sample case in ``folder`` (created)."""
    shutil.copytree(SAMPLE_CASE_DIR, folder)
    return folder


def edit_cell(path: Path, row_start: str, column: str, value: str) -> None:
    """Set one cell of the CSV row starting with ``row_start`` (a plain CSV without quoted commas in that row)."""
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    header = lines[0].rstrip("\r\n").split(",")
    for number, line in enumerate(lines):
        if line.startswith(row_start):
            cells = line.rstrip("\r\n").split(",")
            cells[header.index(column)] = value
            lines[number] = ",".join(cells) + "\n"
            path.write_text("".join(lines), encoding="utf-8")
            return
    raise ValueError(f"no row starting with {row_start!r} in {path}")


def write_run(case_dir: Path, folder: Path, parameters: dict[str, Any] | None = None,
              notebooks: tuple[str, ...] = ("01_partner_fit", "03_risk_simulation", "04_portfolio")) -> Path:
    """Write a run folder of ``notebooks`` on a case with ``parameters`` (``iterations`` defaults to
    :data:`ITERATIONS`; the portfolio skips its robustness re-solves)."""
    parameters = {"iterations": ITERATIONS, **(parameters or {})}
    case = load_case(case_dir)
    folder.mkdir(parents=True)
    inputs = snapshot_case(case, folder)
    simulation = {name: parameters[name] for name in ("iterations", "seed", "sampling") if name in parameters}
    fit_settings = {name: parameters[name] for name in ("weights", "aggregation") if name in parameters}
    analyses = {
        "01_partner_fit": lambda: analyse_partner_fit(case, PartnerFitParameters(**fit_settings)),
        "03_risk_simulation": lambda: analyse_risk_simulation(case, SimulationParameters(**simulation)),
        "04_portfolio": lambda: analyse_portfolio(case, PortfolioParameters(**fit_settings, **simulation,
                                                                           robustness_samples=0, frontier_points=2)),
    }
    records = []
    for name in notebooks:
        result = analyses[name]()
        headline = result.headline() if name != "03_risk_simulation" else result.headline(None)
        write_results(folder / name / "results.json", name, headline, result.to_json(),
                      analysis_provenance(case, result.parameters))
        records.append({"name": name, "ok": True, "results": f"{name}/results.json"})
    write_json_atomic(folder / "run.json", {"ok": True, "notebooks": records, "inputs": inputs,
                                            **run_provenance(case, parameters)})
    return folder


FIT_NOTEBOOK = """from alliance_analytics import analyse_partner_fit, load_case
from alliance_analytics.notebook.provenance import analysis_provenance
from alliance_analytics.notebook.results_file import write_results
case = load_case(case_dir)
fit = analyse_partner_fit(case)
write_results(results_path, "01_partner_fit", fit.headline(), fit.to_json(), analysis_provenance(case, fit.parameters))"""
"""A notebook that writes the real partner-fit results.json without charts: a report run in a few seconds."""


def write_fit_notebook(folder: Path) -> Path:
    """Write ``01_fit.ipynb`` (the partner-fit results, no charts) into ``folder``; return the folder."""
    folder.mkdir(parents=True, exist_ok=True)
    notebook = new_notebook(cells=[
        new_code_cell('case_dir: str = ""  # the case folder\nresults_path: str = ""  # where to write results.json',
                      metadata={"tags": ["parameters"]}),
        new_code_cell(FIT_NOTEBOOK)],
        metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}})
    nbformat.write(notebook, folder / "01_fit.ipynb")
    return folder
