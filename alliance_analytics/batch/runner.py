"""Batch runs: many notebooks × cases × parameter sets from one config file, in parallel, into one report.

:func:`run_batch` reads the config (:mod:`~alliance_analytics.batch.config`), expands and checks every run
before any starts (:mod:`~alliance_analytics.batch.plan`), takes the output folder's lock
(:mod:`~alliance_analytics.batch.lock`), runs the notebooks on a local process pool or a Dask cluster
(:mod:`~alliance_analytics.batch.execution`), each exactly as ``alliance-analytics run`` runs one
(:func:`alliance_analytics.reporting.runner.run_notebook`: own kernel, offline HTML, a dead kernel retried once, a
time limit), and writes ``index.html`` and ``manifest.json``.

The batch is assembled in a hidden staging folder inside the output folder and renamed to its dated name
when complete. ``latest`` moves to it, and older batch reports beyond the retention count are deleted, only
when every run succeeded. Staging folders that runs or batches killed earlier left behind are removed first;
an output folder that cannot be written (a file, read-only, full) stops the batch with an
:class:`~alliance_analytics.reporting.folders.OutputFolderError`, before any run starts when that shows at
once, and without leaving a half-written report when a write fails later (:mod:`alliance_analytics.reporting.folders`).
Layout::

    reports/2026-11-23_101500/
      index.html          the front page: each setting's decision first, what changed since the previous batch
                          of the setting, one line per analysis, a comparison matrix when a case runs under
                          several settings, provenance folded away
      manifest.json       the same, machine-readable, with case file hashes, seeds, versions, git revision,
                          and where each case's input files were copied (``cases[…].inputs``)
      inputs/sample/      the copy of a case's input files (every file load_case read, byte for byte)
      001-01_partner_fit-sample/
        01_partner_fit.ipynb   the executed notebook (a failing one shows its failing cell)
        01_partner_fit.html    the report
        results.json           machine-readable results
      002-02_weight_sensitivity-sample/
      ...
    reports/latest -> 2026-11-23_101500
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import shutil
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tqdm import tqdm

from alliance_analytics.batch.changes import setting_key, what_changed
from alliance_analytics.batch.config import LocatedConfig, load_batch_config
from alliance_analytics.batch.execution import DaskCluster, LocalPool, default_workers, open_executor
from alliance_analytics.batch.lock import batch_lock
from alliance_analytics.batch.plan import BatchPlan, RunSpec, plan_batch
from alliance_analytics.compare.snapshot import snapshot_case
from alliance_analytics.core.atomic_files import write_json_atomic
from alliance_analytics.core.cache import computations
from alliance_analytics.core.formatting import format_date
from alliance_analytics.core.paths import NOTEBOOKS_DIR, REPORTS_DIR
from alliance_analytics.notebook.provenance import git_revision, package_versions
from alliance_analytics.reporting.folders import output_folder, point_latest, remove_abandoned, staged_report
from alliance_analytics.reporting.front_page import (
    AnalysisRun,
    front_page_title,
    group_settings,
    read_results,
    write_front_page,
)
from alliance_analytics.reporting.runner import CACHE_FOLDER, NotebookRun

MANIFEST_KIND = "alliance-analytics batch"
"""The ``kind`` of a batch's ``manifest.json``; retention deletes only folders whose manifest says so."""
HEALTH_NOTEBOOK = "06_alliance_health"
"""The notebook whose ``results.json`` carries the alerts of the alliances in flight."""

MANIFEST_VERSION = 1
"""Version of the manifest's layout."""


@dataclass
class BatchRun:
    """One finished run of a batch: what was asked and what happened."""

    spec: RunSpec
    outcome: NotebookRun


@dataclass
class BatchResult:
    """A finished batch.

    Attributes
    ----------
    folder : Path
        The dated batch folder.
    runs : list of BatchRun
        In config order.
    executor : str
        Where the runs went (local pool or Dask scheduler).
    seconds : float
        Wall time of the runs.
    deleted : list of Path
        Older batch folders removed by the retention rule.
    abandoned : list of Path
        Staging folders left by runs or batches that were stopped (killed) before they finished, removed
        before this batch started.
    alerts : list of dict
        The alliance-health triggers firing, from every alliance-health run: ``case``, ``run``, ``alliance``,
        ``trigger``, ``action``, ``month`` (``manifest.json`` ``alerts``).
    fail_on_alert : list of str
        The alert actions that make the batch exit with :data:`~alliance_analytics.cli.EXIT_ALERT`.
    """

    folder: Path
    runs: list[BatchRun]
    executor: str
    seconds: float
    deleted: list[Path] = field(default_factory=list)
    abandoned: list[Path] = field(default_factory=list)
    alerts: list[dict[str, str]] = field(default_factory=list)
    fail_on_alert: list[str] = field(default_factory=list)

    @property
    def alarming(self) -> list[dict[str, str]]:
        """The alerts whose action is one the batch was told to fail on (``fail_on_alert``)."""
        return [alert for alert in self.alerts if alert["action"] in self.fail_on_alert]

    @property
    def ok(self) -> bool:
        """Whether every run succeeded."""
        return all(run.outcome.ok for run in self.runs)

    @property
    def failed(self) -> list[BatchRun]:
        """The runs that failed."""
        return [run for run in self.runs if not run.outcome.ok]


def run_batch(
    config_path: str | Path,
    out_dir: str | Path | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
    show_code: bool | None = None,
    keep: int | None = None,
    progress: bool = True,
    notebooks_dir: Path = NOTEBOOKS_DIR,
    move_latest: bool = True,
    fail_on_alert: Sequence[str] | None = None,
) -> BatchResult:
    """Run a batch config and write a dated batch report.

    Parameters
    ----------
    config_path : str or Path
        The batch config (see ``docs/batch-format.md``).
    out_dir : str or Path, optional
        Output folder; default the config's ``out`` (relative to the config), else the project's ``reports/``.
    workers : int, optional
        Local pool size; default the config's ``workers``, else one per core (at most one per run).
    scheduler : str, optional
        Address of a Dask scheduler to run on instead of the local pool.
    show_code : bool, optional
        Keep code in every HTML report (overrides the config).
    keep : int, optional
        Keep this many batch reports (newest first) after a successful batch; default the config's
        ``retention``, else all.
    progress : bool
        Show a progress bar on standard error.
    notebooks_dir : Path
        Folder of the notebooks.
    move_latest : bool
        Whether ``latest`` moves to this batch when every run succeeded. A batch is a configured job (often
        scheduled, read by downstream tasks through ``latest``), so it moves by default, parameters or not;
        each what-if page still carries its banner.
    fail_on_alert : sequence of str, optional
        Alert actions (``watch``, ``review``, ``restructure``, ``exit``) that make :attr:`BatchResult.alarming`
        non-empty when an alliance-health trigger with that action fires; default the config's ``fail_on_alert``.

    Returns
    -------
    BatchResult

    Raises
    ------
    InputError
        When the config, a case or a parameter is wrong, or the scheduler cannot be reached; nothing ran.
    alliance_analytics.batch.lock.BatchLocked
        When another batch is writing to the output folder.
    alliance_analytics.reporting.folders.OutputFolderError
        When the output folder cannot be written (a file, read-only, full): before any run starts when that
        shows at once, otherwise when a write fails; no half-written report is left either way.
    """
    located = load_batch_config(config_path)
    config = located.config
    plan = plan_batch(located, notebooks_dir, show_code)
    out = (Path(out_dir) if out_dir is not None else located.resolve(config.out) if config.out else REPORTS_DIR)
    out = out.resolve()
    pool_size = workers or config.workers or default_workers(len(plan.runs))
    retention = keep if keep is not None else config.retention
    with output_folder(out), batch_lock(out):
        abandoned = remove_abandoned(out)
        with staged_report(out) as staging:
            files = staging.folder
            inputs = {folder: snapshot_case(case, files) for folder, case in plan.cases.items()}
            with open_executor(pool_size, scheduler) as executor:
                started = time.perf_counter()
                outcomes = _run_all(executor, plan.runs, files, progress)
                seconds = time.perf_counter() - started
            runs = [BatchRun(spec, outcomes[spec.run_id]) for spec in plan.runs]
            result = BatchResult(folder=staging.final, runs=runs, executor=executor.describe(), seconds=seconds,
                                 abandoned=abandoned, alerts=_alerts(runs, files),
                                 fail_on_alert=list(config.fail_on_alert if fail_on_alert is None else fail_on_alert))
            manifest = build_manifest(located, plan, result, files, inputs)
            write_json_atomic(files / "manifest.json", manifest)
            _write_front_page(files, manifest, plan, result)
            shutil.rmtree(files / CACHE_FOLDER, ignore_errors=True)
            staging.publish()
        if result.ok:
            if move_latest:
                point_latest(out, result.folder.name)
            if retention:
                result.deleted = prune_batches(out, retention)
    return result


def _run_all(executor: LocalPool | DaskCluster, specs: list[RunSpec], staging: Path,
             progress: bool) -> dict[str, NotebookRun]:
    """Run every spec on the executor, with a progress bar; each run's outcome by run id.

    The runs are submitted before the progress bar starts its thread, so local workers fork without it.
    """
    outcomes: dict[str, NotebookRun] = {}
    finishing = executor.run(specs, staging)
    with tqdm(total=len(specs), desc="runs", unit="run", disable=not progress) as bar:
        for spec, outcome in finishing:
            outcomes[spec.run_id] = outcome
            failures = sum(not run.ok for run in outcomes.values())
            bar.set_postfix_str(f"{failures} failed" if failures else "all ok", refresh=False)
            bar.update()
    return outcomes


def build_manifest(located: LocatedConfig, plan: BatchPlan, result: BatchResult, files: Path,
                   inputs: dict[Path, str] | None = None) -> dict[str, Any]:
    """The batch's ``manifest.json``: every run with its status, inputs and outputs, and the provenance.

    Parameters
    ----------
    located : LocatedConfig
        The config the batch ran.
    plan : BatchPlan
        Its runs and cases.
    result : BatchResult
        What happened.
    files : Path
        The folder that holds the runs' folders and the run's result cache now (the staging folder, before it is
        renamed); ``computations`` lists each analysis computed in the batch once, with its cache key.
    inputs : dict of Path to str, optional
        Per case folder, where its input files were copied in the batch folder
        (:func:`~alliance_analytics.compare.snapshot.snapshot_case`); recorded as ``cases[…].inputs``.

    Returns
    -------
    dict
        JSON-serialisable; its keys are documented in ``docs/batch-format.md``.
    """
    return {
        "kind": MANIFEST_KIND,
        "version": MANIFEST_VERSION,
        "ok": result.ok,
        "created": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "folder": result.folder.name,
        "seconds": round(result.seconds, 3),
        "executor": result.executor,
        "summary": {"runs": len(result.runs), "ok": len(result.runs) - len(result.failed),
                    "failed": len(result.failed)},
        "config": {"path": str(located.path), "sha256": hashlib.sha256(located.text.encode("utf-8")).hexdigest()},
        "cases": {str(folder): {"name": case.settings.name, "seed": case.settings.simulation.seed,
                                "file_sha256": dict(case.file_hashes), "inputs": (inputs or {}).get(folder)}
                  for folder, case in plan.cases.items()},
        "runs": [_run_entry(run, files) for run in result.runs],
        "alerts": result.alerts,
        "fail_on_alert": result.fail_on_alert,
        "computations": [{"analysis": analysis, "key": key} for analysis, key in computations(files / CACHE_FOLDER)],
        "versions": package_versions(),
        "git_revision": git_revision(),
    }


def _run_entry(run: BatchRun, files: Path) -> dict[str, Any]:
    """One run's record in the manifest."""
    spec, outcome = run.spec, run.outcome
    return {
        "id": spec.run_id, "entry": spec.entry, "name": spec.name, "notebook": spec.notebook.stem,
        "title": spec.title, "case": str(spec.case_dir), "case_name": spec.case_name,
        "parameters": spec.parameters, "grid": spec.grid, "setting": spec.setting, "what_if": spec.what_if,
        "status": "ok" if outcome.ok else "failed", "error": outcome.error, "attempts": outcome.attempts,
        "seconds": round(outcome.seconds + outcome.export_seconds, 3), "timeout_s": spec.timeout_s,
        "seed": _seed(files / spec.run_id / "results.json"), "headline": outcome.headline,
        "html": outcome.html, "executed_notebook": outcome.notebook, "results": outcome.results,
    }


def _alerts(runs: list[BatchRun], files: Path) -> list[dict[str, str]]:
    """The triggers firing in every successful alliance-health run, each with its case and run id."""
    found = []
    for run in runs:
        results = files / run.spec.run_id / "results.json"
        if not (run.outcome.ok and run.spec.notebook.stem == HEALTH_NOTEBOOK and results.is_file()):
            continue
        for alert in json.loads(results.read_text(encoding="utf-8")).get("alerts", []):
            found.append({"case": str(run.spec.case_dir), "run": run.spec.run_id, **alert})
    return found


def _seed(results: Path) -> int | None:
    """The seed a run's ``results.json`` records (its provenance), if it wrote one."""
    if not results.is_file():
        return None
    return json.loads(results.read_text(encoding="utf-8")).get("provenance", {}).get("seed")


def _write_front_page(files: Path, manifest: dict[str, Any], plan: BatchPlan, result: BatchResult) -> None:
    """Write the batch's front page, ``index.html``, from its manifest (:mod:`alliance_analytics.reporting.front_page`)."""
    cases = {Path(case.directory).resolve(): case for case in plan.cases.values()}
    entries = []
    for run, entry in zip(result.runs, manifest["runs"]):
        analysis = AnalysisRun(title=entry["title"], notebook=entry["notebook"], ok=entry["status"] == "ok",
                               seconds=entry["seconds"], html=entry["html"],
                               executed_notebook=entry["executed_notebook"], results_link=entry["results"],
                               error=entry["error"], headline=entry["headline"], run_id=entry["id"],
                               results=read_results(files, entry["results"]))
        entries.append((cases[Path(run.spec.case_dir).resolve()], run.spec.setting, analysis))
    settings = group_settings(entries)
    changes = what_changed(files, _batch_folders(files.parent, before=result.folder.name))
    for setting in settings:
        setting.what_changed = changes.get(setting_key(setting.case.directory, setting.parameters))
    summary = manifest["summary"]
    status = (f"Batch of {format_date(manifest['created'])}: {summary['ok']} of {summary['runs']} runs succeeded in "
              f"{manifest['seconds']:,.0f} s ({manifest['executor']})")
    rows = [("Config", f"{manifest['config']['path']} (SHA-256 {manifest['config']['sha256']})")]
    for folder, case in manifest["cases"].items():
        rows.append((f"Case {case['name']}", f"{folder}, seed {case['seed']}"))
        rows.extend((f"{name} (SHA-256)", digest) for name, digest in case["file_sha256"].items())
    rows.extend((f"Run {entry['id']}", json.dumps(entry["parameters"], ensure_ascii=False) if entry["parameters"]
                 else "the case as given") for entry in manifest["runs"])
    rows += [("Created", manifest["created"]), ("Git revision", manifest["git_revision"]),
             ("Versions", ", ".join(f"{name} {value}" for name, value in manifest["versions"].items()))]
    write_front_page(files / "index.html", title=front_page_title(settings), settings=settings, status=status,
                     ok=manifest["ok"], provenance=rows, machine_readable="manifest.json")


def _compact(value: Any) -> str:
    """A parameter value as short JSON (``{"a": 1}``, ``"median"``, ``3``).

    Examples
    --------
    >>> _compact({"strategic_fit": 30})
    '{"strategic_fit": 30}'
    """
    return json.dumps(value, ensure_ascii=False)


def prune_batches(out: Path, keep: int) -> list[Path]:
    """Delete the oldest batch reports in ``out`` so that ``keep`` remain; return the folders deleted.

    Only folders this tool wrote as batches are considered: a dated folder holding a ``manifest.json`` of
    kind ``"alliance-analytics batch"``. ``run`` reports, other files, hidden folders and the folder
    ``latest`` leads to are never deleted.

    Parameters
    ----------
    out : Path
        The output folder.
    keep : int
        How many batch reports to keep, the newest (by their dated names).

    Returns
    -------
    list of Path
    """
    latest = (out / "latest").resolve() if (out / "latest").is_symlink() else None
    batches = _batch_folders(out)[::-1]
    doomed = [folder for folder in batches[:max(len(batches) - keep, 0)] if folder.resolve() != latest]
    for folder in doomed:
        shutil.rmtree(folder)
    return doomed


def _batch_folders(out: Path, before: str | None = None) -> list[Path]:
    """The batch reports in ``out`` (dated folders with a batch manifest), newest first; only those whose name
    sorts before ``before`` when given."""
    return sorted((folder for folder in out.iterdir()
                   if folder.is_dir() and not folder.is_symlink() and not folder.name.startswith(".")
                   and (before is None or folder.name < before) and _is_batch(folder)), reverse=True)


def _is_batch(folder: Path) -> bool:
    """Whether ``folder`` holds a batch manifest written by this tool."""
    try:
        return json.loads((folder / "manifest.json").read_text(encoding="utf-8")).get("kind") == MANIFEST_KIND
    except (OSError, ValueError, AttributeError):
        return False


def summary_table(result: BatchResult) -> str:
    """A plain-text table of a batch's runs, for the terminal.

    Parameters
    ----------
    result : BatchResult
        The finished batch.

    Returns
    -------
    str
        One line per run (id, status, seconds, parameters; a failure's reason), then the totals.
    """
    rows = [("run", "status", "time", "parameters")]
    for run in result.runs:
        status = "ok" if run.outcome.ok else "FAILED"
        if run.outcome.attempts > 1:
            status += f" (attempt {run.outcome.attempts})"
        parameters = ", ".join(f"{name}={_compact(value)}" for name, value in run.spec.parameters.items()) or "-"
        rows.append((run.spec.run_id, status, f"{run.outcome.seconds + run.outcome.export_seconds:.1f} s",
                     parameters))
    widths = [max(len(row[column]) for row in rows) for column in range(3)]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row[:3], widths, strict=True)) + "  " + row[3]
             for row in rows]
    lines.insert(1, "  ".join("-" * width for width in widths) + "  " + "-" * len(rows[0][3]))
    for run in result.failed:
        lines.append(f"{run.spec.run_id}: {run.outcome.error}")
    lines.append(f"{len(result.runs) - len(result.failed)} of {len(result.runs)} runs ok in {result.seconds:.1f} s "
                 f"({result.executor})")
    return "\n".join(lines)
