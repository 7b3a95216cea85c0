"""Running the notebooks on a case and writing a dated, self-contained report folder.

:func:`run_report` validates the case and the parameters first (nothing runs when they are wrong), executes
each notebook with papermill, exports each to offline HTML with nbconvert (code hidden, images embedded, no
network requests), and writes ``index.html`` and ``run.json``. The run is assembled in a hidden temporary
folder and renamed into place only when complete, so a crash never leaves a half-written report; ``latest``
moves to the new run only when every notebook succeeded.

:func:`run_notebook` is the one way a notebook is run and exported, shared with the batch runner
(:mod:`alliance_analytics.batch.runner`): its own kernel over Unix sockets, a dead kernel retried once, an optional
time limit, offline HTML.

Layout of one run::

    reports/2026-11-23_101500/
      index.html                       links every analysis, shows status and headline
      run.json                         status, parameters, case file hashes, seed, versions, git revision
      01_partner_fit/
        01_partner_fit.ipynb           the executed notebook
        01_partner_fit.html            the shareable report
        results.json                   machine-readable results
    reports/latest -> 2026-11-23_101500
"""

from __future__ import annotations

import ast
import contextlib
import inspect
import json
import os
import shutil
import signal
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import jinja2
import nbformat
import papermill
from jupyter_client.manager import AsyncKernelManager
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbconvert import HTMLExporter
from nbconvert.preprocessors import TagRemovePreprocessor
from tqdm import tqdm
from traitlets import CaselessStrEnum, default

from alliance_analytics.brief import analysis as decision_brief
from alliance_analytics.case.case import Case
from alliance_analytics.case.loading import load_case
from alliance_analytics.core.atomic_files import write_json_atomic, write_text_atomic
from alliance_analytics.core.paths import NOTEBOOKS_DIR, REPORTS_DIR
from alliance_analytics.core.problems import InputError, Problem
from alliance_analytics.fit import analysis as partner_fit
from alliance_analytics.notebook.parameters import check_parameters, declared_parameters
from alliance_analytics.notebook.provenance import run_provenance
from alliance_analytics.portfolio import analysis as portfolio_analysis
from alliance_analytics.reporting.folders import new_stamp, point_latest, staging_folder
from alliance_analytics.risk import analysis as risk_simulation
from alliance_analytics.sensitivity import analysis as weight_sensitivity

TEMPLATES_DIR = Path(__file__).parent / "templates"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
KERNEL_ARGUMENTS = ["--HistoryManager.hist_file=:memory:"]
"""Kernels keep no history database: many kernels at once would contend for IPython's SQLite file."""
DEAD_KERNEL_RETRIES = 1
"""How many times a notebook whose kernel died is run again."""
REPORT_HIDE_TAG = "report-hide"
"""Cells tagged with this are left out of the HTML report (e.g. a checked headline the page already says)."""
INJECTED = ("case_dir", "results_path")
"""Parameters the runner sets itself for every notebook."""

VALUE_CHECKS: dict[str, Callable[..., list[Problem]]] = {
    "01_partner_fit": partner_fit.check_parameters,
    "02_weight_sensitivity": weight_sensitivity.check_sensitivity_parameters,
    "03_risk_simulation": risk_simulation.check_simulation_parameters,
    "04_portfolio": portfolio_analysis.check_portfolio_run,
    "05_decision_brief": decision_brief.check_brief_parameters,
}
"""Per notebook, the check of parameter values against the case, run before the notebook is. Each is called
with the case and, by name, those of the notebook's parameters (defaults filled in) that it takes."""


class IpcKernelManager(AsyncKernelManager):
    """A kernel manager that talks to its kernel over Unix sockets in the temporary folder, not TCP ports.

    Many kernels started at once cannot collide on ports (papermill issue #511), and nothing listens on
    the network.
    """

    transport = CaselessStrEnum(["tcp", "ipc"], default_value="ipc", config=True)

    @default("ip")
    def _socket_prefix(self) -> str:
        """A fresh socket-path prefix in the temporary folder for each kernel."""
        return os.path.join(tempfile.gettempdir(), f"alliance-analytics-kernel-{uuid.uuid4().hex}")


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
    """

    folder: Path
    runs: list[NotebookRun]

    @property
    def ok(self) -> bool:
        """Whether every notebook succeeded."""
        return all(run.ok for run in self.runs)


def available_notebooks(notebooks_dir: Path = NOTEBOOKS_DIR) -> dict[str, Path]:
    """The analysis notebooks, by name (file name without ``.ipynb``), in run order.

    Parameters
    ----------
    notebooks_dir : Path
        Folder of the notebooks.

    Returns
    -------
    dict of str to Path
    """
    return {path.stem: path for path in sorted(notebooks_dir.glob("[0-9][0-9]_*.ipynb"))}


def select_notebooks(names: Sequence[str], notebooks_dir: Path = NOTEBOOKS_DIR) -> list[Path]:
    """Resolve notebook names to files; ``01_partner_fit`` and ``partner_fit`` both work.

    Parameters
    ----------
    names : sequence of str
        Names as typed; empty means every notebook.
    notebooks_dir : Path
        Folder of the notebooks.

    Returns
    -------
    list of Path
        In run order, without duplicates.

    Raises
    ------
    InputError
        Naming every unknown notebook and listing the available ones.
    """
    available = available_notebooks(notebooks_dir)
    if not names:
        return list(available.values())
    chosen, problems = [], []
    for name in names:
        stem = name.removesuffix(".ipynb")
        match = [path for key, path in available.items() if stem in (key, key[3:])]
        if match:
            chosen.extend(match)
        else:
            problems.append(Problem("--notebook", f"unknown notebook; expected one of {', '.join(available)}",
                                    column=name))
    if problems:
        raise InputError("notebook selection", problems)
    return sorted(set(chosen))


def check_run(case: Case, notebooks: list[Path], parameters: dict[str, Any]) -> dict[Path, dict[str, Any]]:
    """Check parameters against the notebooks and the case; return each notebook's parameters.

    A parameter goes to every chosen notebook that declares it and must be declared by at least one. A
    problem found in several notebooks is reported once.

    Parameters
    ----------
    case : Case
        The validated case.
    notebooks : list of Path
        The notebooks to run.
    parameters : dict
        User parameters (without ``case_dir`` and ``results_path``, which the runner sets).

    Returns
    -------
    dict of Path to dict
        The user parameters each notebook receives.

    Raises
    ------
    InputError
        With every unknown, mistyped or unsuitable parameter.
    """
    problems = [Problem("parameters", "is set by the runner; give the case folder as an argument instead",
                        column=name) for name in INJECTED if name in parameters]
    per_notebook: dict[Path, dict[str, Any]] = {}
    unclaimed = set(parameters) - set(INJECTED)
    for notebook in notebooks:
        from_papermill = check_parameters(notebook, parameters)
        unknown = {problem.column for problem in from_papermill if problem.message.startswith("unknown")}
        mistyped = {problem.column for problem in from_papermill} - unknown
        unclaimed -= set(parameters) - unknown
        problems.extend(problem for problem in from_papermill if problem.column in mistyped - set(INJECTED))
        mine = {name: value for name, value in parameters.items() if name not in unknown and name not in INJECTED}
        per_notebook[notebook] = mine
        if notebook.stem in VALUE_CHECKS:
            well_typed = {name: value for name, value in mine.items() if name not in mistyped}
            problems.extend(_check_values(VALUE_CHECKS[notebook.stem], case, notebook, well_typed))
    problems.extend(Problem("parameters", f"no chosen notebook takes this parameter "
                            f"({', '.join(path.stem for path in notebooks)})", column=name)
                    for name in sorted(unclaimed))
    if problems:
        raise InputError("run parameters", list(dict.fromkeys(problems)))
    return per_notebook


def _check_values(check: Callable[..., list[Problem]], case: Case, notebook: Path,
                  parameters: dict[str, Any]) -> list[Problem]:
    """Call a value check with the notebook's defaults overridden by ``parameters``."""
    defaults = {name: ast.literal_eval(spec["default"]) for name, spec in declared_parameters(notebook).items()}
    values = defaults | parameters
    taken = [name for name in inspect.signature(check).parameters if name != "case"]
    return check(case, **{name: values[name] for name in taken})


def run_report(
    case_dir: str | Path,
    notebook_names: Sequence[str] = (),
    out_dir: str | Path = REPORTS_DIR,
    parameters: dict[str, Any] | None = None,
    show_code: bool = False,
    progress: bool = True,
    notebooks_dir: Path = NOTEBOOKS_DIR,
) -> ReportRun:
    """Run notebooks on a case and write a dated report folder.

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

    Returns
    -------
    ReportRun
        The folder written and each notebook's outcome.

    Raises
    ------
    InputError
        When the case, the notebook names or the parameters are wrong; nothing has run then.
    """
    parameters = dict(parameters or {})
    case = load_case(case_dir)
    notebooks = select_notebooks(notebook_names, notebooks_dir)
    per_notebook = check_run(case, notebooks, parameters)
    out = Path(out_dir).resolve()
    out.mkdir(parents=True, exist_ok=True)
    stamp = new_stamp(out)
    staging = staging_folder(out, stamp)
    staging.mkdir()
    try:
        runs = [
            run_notebook(notebook, case.directory, case.settings.name, per_notebook[notebook],
                         staging / notebook.stem, show_code=show_code, link_prefix=f"{notebook.stem}/")
            for notebook in tqdm(notebooks, desc="notebooks", unit="notebook", disable=not progress)
        ]
        provenance = run_provenance(case, parameters)
        status = {"ok": all(run.ok for run in runs), "notebooks": [asdict(run) for run in runs]}
        write_json_atomic(staging / "run.json", {**status, **provenance})
        _write_index(staging / "index.html", case, runs, provenance)
        final = out / stamp
        staging.rename(final)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    if all(run.ok for run in runs):
        point_latest(out, stamp)
    return ReportRun(folder=final, runs=runs)


def run_notebook(notebook: Path, case_dir: Path, case_name: str, parameters: dict[str, Any], folder: Path, *,
                 show_code: bool = False, timeout_s: float | None = None, link_prefix: str = "") -> NotebookRun:
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
        error, kernel_died = _execute(notebook, executed, injected, timeout_s)
        if not kernel_died:
            break
    seconds = time.perf_counter() - started
    title = notebook_title(notebook)
    html, export_seconds = None, 0.0
    if executed.is_file():
        exporting = time.perf_counter()
        export_html(executed, folder / f"{notebook.stem}.html", title=f"{title} — {case_name}", show_code=show_code)
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


def _execute(notebook: Path, executed: Path, parameters: dict[str, Any],
             timeout_s: float | None) -> tuple[str | None, bool]:
    """Run papermill once; return the error (``None`` on success) and whether the kernel died."""
    kernels: list[IpcKernelManager] = []

    class WatchedKernelManager(IpcKernelManager):
        """This execution's kernel manager, remembered so the watchdog can stop its kernel."""

        def __init__(self, **kwargs: Any) -> None:
            super().__init__(**kwargs)
            kernels.append(self)

    expired = threading.Event()

    def stop_kernels() -> None:
        """Past the time limit: kill the kernel, which ends papermill's execution."""
        expired.set()
        for manager in kernels:
            if manager.has_kernel and manager.provisioner is not None:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(manager.provisioner.pid, signal.SIGKILL)

    watchdog = threading.Timer(timeout_s, stop_kernels) if timeout_s else None
    if watchdog is not None:
        watchdog.daemon = True
        watchdog.start()
    try:
        papermill.execute_notebook(str(notebook), str(executed), parameters=parameters, cwd=str(notebook.parent),
                                   progress_bar=False, kernel_name="python3", execution_timeout=timeout_s,
                                   kernel_manager_class=WatchedKernelManager, extra_arguments=KERNEL_ARGUMENTS)
    except papermill.PapermillExecutionError as failure:
        return f"{failure.ename}: {failure.evalue}".strip(), False
    except CellTimeoutError:
        return timed_out(timeout_s), False
    except Exception as failure:  # the kernel died or never started: recorded like a failing cell
        if expired.is_set():
            return timed_out(timeout_s), False
        died = isinstance(failure, DeadKernelError) or "kernel died" in str(failure).lower()
        return f"{type(failure).__name__}: {failure}".strip(), died
    finally:
        if watchdog is not None:
            watchdog.cancel()
    return None, False


def timed_out(timeout_s: float | None) -> str:
    """The reason recorded for a run stopped at its time limit.

    Parameters
    ----------
    timeout_s : float or None
        The time limit in seconds.

    Returns
    -------
    str
        E.g. ``"timed out after 600 s"``.

    Examples
    --------
    >>> timed_out(600.0)
    'timed out after 600 s'
    """
    return f"timed out after {timeout_s:g} s"


def notebook_title(notebook: Path) -> str:
    """The notebook's first Markdown heading, or its name.

    Parameters
    ----------
    notebook : Path
        The notebook file.

    Returns
    -------
    str
    """
    for cell in nbformat.read(notebook, as_version=4).cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    return notebook.stem


def export_html(executed: Path, destination: Path, title: str, show_code: bool = False) -> Path:
    """Export an executed notebook to a self-contained, offline HTML file.

    Parameters
    ----------
    executed : Path
        The executed notebook.
    destination : Path
        The HTML file to write (atomically).
    title : str
        The page title.
    show_code : bool
        Keep the code cells (hidden by default).

    Returns
    -------
    Path
        ``destination``.
    """
    exporter = HTMLExporter(
        extra_template_basedirs=[str(TEMPLATES_DIR)],
        template_name="offline",
        exclude_input=not show_code,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        embed_images=True,
    )
    exporter.register_preprocessor(TagRemovePreprocessor(remove_cell_tags={REPORT_HIDE_TAG}), enabled=True)
    notebook = without_live_widgets(nbformat.read(executed, as_version=4))
    notebook.metadata["title"] = title
    body, _ = exporter.from_notebook_node(notebook)
    return write_text_atomic(destination, body)


def without_live_widgets(notebook: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Drop live-widget views and widget state, so each widget output shows its static representation.

    A live widget needs a kernel and widget JavaScript; an offline report has neither. Outputs that also
    carry a static form (HTML, image) show that; the saved widget state is removed.

    Parameters
    ----------
    notebook : nbformat.NotebookNode
        An executed notebook; modified in place and returned.

    Returns
    -------
    nbformat.NotebookNode
    """
    notebook.metadata.pop("widgets", None)
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if WIDGET_VIEW in data and len(set(data) - {WIDGET_VIEW, "text/plain"}) > 0:
                del data[WIDGET_VIEW]
    return notebook


def _write_index(path: Path, case: Case, runs: list[NotebookRun], provenance: dict[str, Any]) -> None:
    """Write the run's ``index.html`` (text escaped by jinja2's autoescape)."""
    environment = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES_DIR), autoescape=True)
    html = environment.get_template("index.html.j2").render(
        case_name=case.settings.name, created=provenance["created"], runs=runs,
        case_dir=provenance["case"]["directory"], file_sha256=provenance["case"]["file_sha256"],
        parameters=json.dumps(provenance["parameters"], ensure_ascii=False), seed=provenance["seed"],
        git_revision=provenance["git_revision"], versions=provenance["versions"],
    )
    write_text_atomic(path, html)
