"""Running the notebooks on a case and writing a dated, self-contained report folder.

:func:`run_report` validates the case and the parameters first (nothing runs when they are wrong), executes
each notebook with papermill, exports each to offline HTML with nbconvert (code hidden, images embedded, no
network requests), and writes ``index.html`` and ``run.json``. The run is assembled in a hidden staging
folder and renamed into place only when complete, so a crash never leaves a half-written report; ``latest``
moves to the new run only when every notebook succeeded. Staging folders that runs killed earlier left
behind are removed first, and an output folder that cannot be written stops the run with an
:class:`~alliance_analytics.reporting.folders.OutputFolderError` (:mod:`alliance_analytics.reporting.folders`).

:func:`run_notebook` is the one way a notebook is run and exported, shared with the batch runner
(:mod:`alliance_analytics.batch.runner`): its own kernel over Unix sockets, a dead kernel retried once, an optional
time limit, offline HTML.

Layout of one run::

    reports/2026-11-23_101500/
      index.html                       the front page: the decision first, one line per analysis
      run.json                         status, parameters, case file hashes, seed, versions, git revision,
                                       ``inputs``: where the copy of the case's input files is
      inputs/sample/                   that copy (every file load_case read, byte for byte), for ``compare``
      01_partner_fit/
        01_partner_fit.ipynb           the executed notebook
        01_partner_fit.html            the shareable report
        results.json                   machine-readable results
    reports/latest -> 2026-11-23_101500
"""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from tqdm import tqdm

from alliance_analytics.case.case import Case
from alliance_analytics.case.loading import load_case
from alliance_analytics.compare.snapshot import snapshot_case
from alliance_analytics.core.atomic_files import write_json_atomic
from alliance_analytics.core.cache import CACHE_ENV, computations
from alliance_analytics.core.formatting import format_date
from alliance_analytics.core.paths import NOTEBOOKS_DIR, REPORTS_DIR
from alliance_analytics.notebook.provenance import run_provenance
from alliance_analytics.reporting.catalogue import notebook_title, select_notebooks
from alliance_analytics.reporting.checks import check_run
from alliance_analytics.reporting.folders import output_folder, point_latest, remove_abandoned, staged_report
from alliance_analytics.reporting.front_page import (
    AnalysisRun,
    front_page_title,
    group_settings,
    read_results,
    what_if_words,
    write_front_page,
)
from alliance_analytics.reporting.html import export_html
from alliance_analytics.reporting.kernel import DEAD_KERNEL_RETRIES, execute
from alliance_analytics.risk.engine import SCHEDULER_ENV

CACHE_FOLDER = ".cache"
"""The run's result cache, inside its hidden staging folder; removed before the report is renamed into place."""


@dataclass
class NotebookRun:
    """The outcome of one notebook in a report run.

    ``seconds`` is the execution time (every attempt, kernel start included), ``export_seconds`` the HTML
    export's; ``attempts`` is 2 when the kernel died and the notebook was run again. File links are
    relative to the report's index.
    """

    name: str
    title: str
    ok: bool
    seconds: float
    notebook: str | None
    html: str | None
    results: str | None
    error: str | None = None
    headline: list[str] = field(default_factory=list)
    attempts: int = 1
    export_seconds: float = 0.0


@dataclass
class ReportRun:
    """A finished report run.

    Attributes
    ----------
    folder : Path
        The dated report folder.
    runs : list of NotebookRun
        One per notebook, in run order.
    abandoned : list of Path
        Staging folders left by runs that were stopped (killed) before they finished, removed before this run.
    """

    folder: Path
    runs: list[NotebookRun]
    abandoned: list[Path] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Whether every notebook succeeded."""
        return all(run.ok for run in self.runs)


def run_report(
    case_dir: str | Path,
    notebook_names: Sequence[str] = (),
    out_dir: str | Path = REPORTS_DIR,
    parameters: dict[str, Any] | None = None,
    show_code: bool = False,
    progress: bool = True,
    notebooks_dir: Path = NOTEBOOKS_DIR,
    move_latest: bool | None = None,
    scheduler: str | None = None,
) -> ReportRun:
    """Run notebooks on a case and write a dated report folder.

    A run with parameters is a what-if: every page carries a banner that says what differs from the case
    ("What-if: C02 forced in; budget 3 M EUR") and ``latest`` stays on the last run of the case as given,
    unless ``move_latest`` says otherwise.

    Parameters
    ----------
    case_dir : str or Path
        The case folder.
    notebook_names : sequence of str
        Notebooks to run (see :func:`select_notebooks`); empty means all.
    out_dir : str or Path
        Folder that holds the dated runs and the ``latest`` link.
    parameters : dict, optional
        Notebook parameters, checked against each notebook's ``parameters`` cell.
    show_code : bool
        Keep code cells in the HTML (hidden by default).
    progress : bool
        Show a progress bar on standard error.
    notebooks_dir : Path
        Folder of the notebooks (the project's ``notebooks/`` by default).
    move_latest : bool, optional
        Whether ``latest`` moves to this run when every notebook succeeded; default: only when no parameter
        is given (not for a what-if).

    Returns
    -------
    ReportRun
        The folder written and each notebook's outcome.

    scheduler : str, optional
        A Dask scheduler's address: the risk simulation's blocks of iterations run on that cluster (the results
        are identical to a local run; recorded in ``run.json``).

    Raises
    ------
    InputError
        When the case, the notebook names or the parameters are wrong; nothing has run then.
    OutputFolderError
        When ``out_dir`` cannot be written (a file, read-only, full): before any notebook runs when that shows
        at once, otherwise when a write fails; no half-written report is left either way.
    """
    parameters = dict(parameters or {})
    case = load_case(case_dir)
    notebooks = select_notebooks(notebook_names, notebooks_dir)
    per_notebook = check_run(case, notebooks, parameters)
    what_if = what_if_words(parameters, case)
    out = Path(out_dir).resolve()
    with output_folder(out):
        abandoned = remove_abandoned(out)
        with staged_report(out) as staging:
            files = staging.folder
            inputs = snapshot_case(case, files)
            runs = [
                run_notebook(notebook, case.directory, case.settings.name, per_notebook[notebook],
                             files / notebook.stem, show_code=show_code, link_prefix=f"{notebook.stem}/",
                             cache_dir=files / CACHE_FOLDER, banner=what_if, scheduler=scheduler)
                for notebook in tqdm(notebooks, desc="notebooks", unit="notebook", disable=not progress)
            ]
            provenance = run_provenance(case, parameters)
            computed = [{"analysis": analysis, "key": key} for analysis, key in computations(files / CACHE_FOLDER)]
            status = {"ok": all(run.ok for run in runs), "what_if": what_if, "notebooks": [asdict(run) for run in runs],
                      "computations": computed, "scheduler": scheduler, "inputs": inputs}
            write_json_atomic(files / "run.json", {**status, **provenance})
            _write_front_page(files, case, parameters, runs, provenance)
            shutil.rmtree(files / CACHE_FOLDER, ignore_errors=True)
            final = staging.publish()
        if all(run.ok for run in runs) and (not parameters if move_latest is None else move_latest):
            point_latest(out, final.name)
    return ReportRun(folder=final, runs=runs, abandoned=abandoned)


def run_notebook(notebook: Path, case_dir: Path, case_name: str, parameters: dict[str, Any], folder: Path, *,
                 show_code: bool = False, timeout_s: float | None = None, link_prefix: str = "",
                 cache_dir: Path | None = None, banner: str = "", scheduler: str | None = None) -> NotebookRun:
    """Execute one notebook with papermill into ``folder`` and export it to HTML; a failure is recorded, not raised.

    This is the one way a notebook is run, shared by :func:`run_report` and the batch runner. ``folder``
    receives the executed notebook, its HTML report and the ``results.json`` the notebook writes. A kernel
    that dies (or never starts) is retried once, in a fresh kernel; an error in a cell is not retried. With
    ``timeout_s``, every cell may run that long (papermill's ``execution_timeout``) and a watchdog kills the
    kernel once the whole execution has taken that long; either way the run fails as "timed out after N s".

    Parameters
    ----------
    notebook : Path
        The notebook to run.
    case_dir : Path
        The case folder, injected as ``case_dir``.
    case_name : str
        The case's name, for the HTML page title.
    parameters : dict
        The checked user parameters for this notebook (``case_dir`` and ``results_path`` are added).
    folder : Path
        Where the run's files go; created if missing.
    show_code : bool
        Keep code cells in the HTML.
    timeout_s : float, optional
        Time limit of the execution, in seconds; ``None`` means none.
    link_prefix : str
        Prefix of the file links recorded in the result (the folder's path relative to the index).
    cache_dir : Path, optional
        The run's result cache (:mod:`alliance_analytics.core.cache`), handed to the kernel so that every
        notebook of the run reuses the analyses another already computed; ``None``: no cache.
    banner : str
        Text of the what-if banner at the top of the HTML report (``"What-if: ..."``); none when empty.
    scheduler : str, optional
        A Dask scheduler's address for the risk simulation's blocks (:data:`SCHEDULER_ENV` in the kernel).

    Returns
    -------
    NotebookRun
        The outcome, with the files' links, the error (if any) and the headline from ``results.json``.
    """
    folder.mkdir(parents=True, exist_ok=True)
    executed = folder / notebook.name
    results = folder / "results.json"
    injected = {**parameters, "case_dir": str(Path(case_dir).resolve()), "results_path": str(results)}
    started = time.perf_counter()
    attempts, error = 0, None
    while attempts < 1 + DEAD_KERNEL_RETRIES:
        attempts += 1
        error, kernel_died = execute(notebook, executed, injected, timeout_s, env={
            **({CACHE_ENV: str(cache_dir)} if cache_dir is not None else {}),
            **({SCHEDULER_ENV: scheduler} if scheduler else {})} or None)
        if not kernel_died:
            break
    seconds = time.perf_counter() - started
    title = notebook_title(notebook)
    html, export_seconds = None, 0.0
    if executed.is_file():
        exporting = time.perf_counter()
        export_html(executed, folder / f"{notebook.stem}.html", title=f"{title} — {case_name}", show_code=show_code,
                    banner=banner)
        export_seconds = time.perf_counter() - exporting
        html = f"{link_prefix}{notebook.stem}.html"
    headline = []
    if error is None and results.is_file():
        headline = json.loads(results.read_text(encoding="utf-8")).get("headline", [])
    return NotebookRun(
        name=notebook.stem, title=title, ok=error is None, seconds=seconds,
        notebook=f"{link_prefix}{notebook.name}" if executed.is_file() else None, html=html,
        results=f"{link_prefix}results.json" if results.is_file() else None, error=error, headline=headline,
        attempts=attempts, export_seconds=export_seconds,
    )


def _write_front_page(folder: Path, case: Case, parameters: dict[str, Any], runs: list[NotebookRun],
                      provenance: dict[str, Any]) -> None:
    """Write the run's front page, ``index.html`` (:mod:`alliance_analytics.reporting.front_page`)."""
    analyses = [AnalysisRun(title=run.title, notebook=run.name, ok=run.ok, seconds=run.seconds, html=run.html,
                            executed_notebook=run.notebook, results_link=run.results, error=run.error,
                            headline=run.headline, run_id=run.name, results=read_results(folder, run.results))
                for run in runs]
    settings = group_settings([(case, parameters, analysis) for analysis in analyses])
    failed = sum(not run.ok for run in runs)
    status = (f"Run of {format_date(provenance['created'])}: {len(runs) - failed} of {len(runs)} analyses succeeded "
              f"in {sum(run.seconds + run.export_seconds for run in runs):,.0f} s")
    rows = [("Case folder", provenance["case"]["directory"]),
            *((f"{name} (SHA-256)", digest) for name, digest in provenance["case"]["file_sha256"].items()),
            ("Parameters", json.dumps(provenance["parameters"], ensure_ascii=False) if parameters else "none (the case as given)"),
            ("Case seed", f"{provenance['seed']} (each analysis's results.json records the seed it used)"),
            ("Created", provenance["created"]), ("Git revision", provenance["git_revision"]),
            ("Versions", ", ".join(f"{name} {value}" for name, value in provenance["versions"].items()))]
    write_front_page(folder / "index.html", title=front_page_title(settings), settings=settings, status=status,
                     ok=failed == 0, provenance=rows, machine_readable="run.json")
