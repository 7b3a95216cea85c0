"""Running the notebooks on a case and writing a dated, self-contained report folder.

:func:`run_report` validates the case and the parameters first (nothing runs when they are wrong), executes
each notebook with papermill, exports each to offline HTML with nbconvert (code hidden, images embedded, no
network requests), and writes ``index.html`` and ``run.json``. The run is assembled in a hidden temporary
folder and renamed into place only when complete, so a crash never leaves a half-written report; ``latest``
moves to the new run only when every notebook succeeded.

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
import datetime as dt
import inspect
import json
import os
import shutil
import tempfile
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
from nbconvert import HTMLExporter
from tqdm import tqdm
from traitlets import CaselessStrEnum, default

from alliance_analytics import partner_fit, risk_simulation, weight_sensitivity
from alliance_analytics.atomic_files import write_json_atomic, write_text_atomic
from alliance_analytics.case_loading import load_case
from alliance_analytics.case_model import Case
from alliance_analytics.notebook_parameters import check_parameters, declared_parameters
from alliance_analytics.paths import NOTEBOOKS_DIR, REPORTS_DIR
from alliance_analytics.problems import InputError, Problem
from alliance_analytics.provenance import run_provenance

TEMPLATES_DIR = Path(__file__).parent / "templates"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
KERNEL_ARGUMENTS = ["--HistoryManager.hist_file=:memory:"]
"""Kernels keep no history database: many kernels at once would contend for IPython's SQLite file."""
INJECTED = ("case_dir", "results_path")
"""Parameters the runner sets itself for every notebook."""

VALUE_CHECKS: dict[str, Callable[..., list[Problem]]] = {
    "01_partner_fit": partner_fit.check_parameters,
    "02_weight_sensitivity": weight_sensitivity.check_sensitivity_parameters,
    "03_risk_simulation": risk_simulation.check_simulation_parameters,
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
    """The outcome of one notebook in a report run."""

    name: str
    title: str
    ok: bool
    seconds: float
    notebook: str | None
    html: str | None
    results: str | None
    error: str | None = None
    headline: list[str] = field(default_factory=list)


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
    stamp = _new_stamp(out)
    staging = out / f".{stamp}.partial"
    staging.mkdir()
    try:
        runs = [
            _run_one(notebook, case, per_notebook[notebook], staging, show_code)
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
        _point_latest(out, stamp)
    return ReportRun(folder=final, runs=runs)


def _new_stamp(out: Path) -> str:
    """A UTC timestamp folder name not yet used in ``out``."""
    base = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d_%H%M%S")
    stamp, counter = base, 1
    while (out / stamp).exists() or (out / f".{stamp}.partial").exists():
        counter += 1
        stamp = f"{base}_{counter}"
    return stamp


def _run_one(notebook: Path, case: Case, parameters: dict[str, Any], staging: Path, show_code: bool) -> NotebookRun:
    """Execute one notebook with papermill and export it to HTML; a failure is recorded, not raised."""
    folder = staging / notebook.stem
    folder.mkdir()
    executed = folder / notebook.name
    results = folder / "results.json"
    injected = {**parameters, "case_dir": str(case.directory.resolve()), "results_path": str(results)}
    started = time.perf_counter()
    error = None
    try:
        papermill.execute_notebook(str(notebook), str(executed), parameters=injected, cwd=str(notebook.parent),
                                   progress_bar=False, kernel_name="python3",
                                   kernel_manager_class=IpcKernelManager, extra_arguments=KERNEL_ARGUMENTS)
    except papermill.PapermillExecutionError as failure:
        error = f"{failure.ename}: {failure.evalue}".strip()
    except Exception as failure:  # the kernel died or never started: recorded like a failing cell
        error = f"{type(failure).__name__}: {failure}".strip()
    seconds = time.perf_counter() - started
    title = _title(notebook)
    html = None
    if executed.is_file():
        export_html(executed, folder / f"{notebook.stem}.html", title=f"{title} — {case.settings.name}",
                    show_code=show_code)
        html = f"{notebook.stem}/{notebook.stem}.html"
    headline = []
    if error is None and results.is_file():
        headline = json.loads(results.read_text(encoding="utf-8")).get("headline", [])
    return NotebookRun(
        name=notebook.stem, title=title, ok=error is None, seconds=seconds,
        notebook=f"{notebook.stem}/{notebook.name}" if executed.is_file() else None, html=html,
        results=f"{notebook.stem}/results.json" if results.is_file() else None, error=error, headline=headline,
    )


def _title(notebook: Path) -> str:
    """The notebook's first Markdown heading, or its name."""
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


def _point_latest(out: Path, stamp: str) -> None:
    """Point ``out/latest`` at ``stamp`` in one atomic rename."""
    temporary = out / f".latest.{stamp}"
    temporary.unlink(missing_ok=True)
    os.symlink(stamp, temporary)
    os.replace(temporary, out / "latest")
