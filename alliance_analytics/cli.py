"""The ``alliance-analytics`` command line: a thin shell over :mod:`alliance_analytics.reporting.runner`.

``alliance-analytics validate CASE_DIR`` checks a case and lists every problem (exit 0 valid, 2 not). A case is a
folder of ``case.yaml`` and CSV files, or a workbook ``case.xlsx`` (the folder holding it, or the file itself).
``alliance-analytics new-case DIR [--xlsx] [--blank] [--from CASE]`` writes a case to start from (exit 0, 2 bad input).
``alliance-analytics run [CASE_DIR] [--notebook NAME ...] [--out DIR] [-p NAME VALUE ...]`` runs notebooks
on a case and writes a dated report folder (exit 0 all succeeded, 1 a notebook failed, 2 bad input, 4 the
output folder cannot be written).
``alliance-analytics batch CONFIG`` runs a batch config (notebooks × cases × parameter sets) in parallel and
writes a dated batch report (exit 0 all runs succeeded, 1 a run failed, 2 bad input, 3 another batch is
writing to the output folder, 4 the output folder cannot be written, 5 every run succeeded but an alliance-health
alert named by ``--fail-on-alert`` or the config's ``fail_on_alert`` fired).
``alliance-analytics compare RUN_A RUN_B [--json FILE]`` says what changed between two report folders, in the inputs
and in the decisions, and why (exit 0 compared, 2 bad input, 4 the --json file cannot be written).
User mistakes are reported as a list of problems, and an output folder that cannot be written (a file,
read-only, full) in one line; never as a Python traceback.

The runners (papermill, nbconvert, dask) are imported by the command that needs them, so ``--help`` and
``validate`` start quickly (``benchmarks/bench_cli_start.py``).
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from alliance_analytics.core.paths import REPORTS_DIR, SAMPLE_CASE_DIR
from alliance_analytics.core.problems import InputError

EXIT_INVALID_INPUT = 2
EXIT_NOTEBOOK_FAILED = 1
EXIT_BATCH_LOCKED = 3
EXIT_ENVIRONMENT = 4
EXIT_ALERT = 5


@click.group()
@click.version_option(package_name="alliance-analytics")
def main() -> None:
    """Alliance Analytics: partner-fit, sensitivity, risk and portfolio reports from a case folder."""


@main.command()
@click.argument("case_dir", type=click.Path(path_type=Path))
def validate(case_dir: Path) -> None:
    """Check CASE_DIR and list every problem in it (exit 0 when valid, 2 when not).

    A valid case is summarised, with any warnings, and with what the strategy gate will do to its candidates.
    """
    from alliance_analytics.case.loading import load_case
    from alliance_analytics.fit.gates import gate_outlook

    try:
        case = load_case(case_dir)
    except InputError as error:
        click.echo(error.report(), err=True)
        sys.exit(EXIT_INVALID_INPUT)
    click.echo(f"{case_dir}: valid case '{case.settings.name}' with {len(case.candidates)} candidates, "
               f"{len(case.settings.criteria)} criteria, {case.scores['evaluator'].nunique()} evaluators.")
    for warning in case.warnings:
        click.echo(f"warning: {warning}", err=True)
    for line in gate_outlook(case.candidates, case.settings.strategy, case.settings.as_of):
        click.echo(f"outlook: {line}")


@main.command("new-case")
@click.argument("destination", type=click.Path(path_type=Path))
@click.option("--xlsx", "workbook", is_flag=True, help="Write one Excel workbook (DESTINATION/case.xlsx) instead of "
              "case.yaml and CSV files.")
@click.option("--blank", is_flag=True, help="A blank case (the seven seed criteria, every table empty) instead of "
              "a copy of the sample case.")
@click.option("--from", "source", type=click.Path(path_type=Path), default=SAMPLE_CASE_DIR,
              help="Copy this case (a folder or a workbook) instead of the sample; with --xlsx this converts a case "
                   "folder to a workbook, without it a workbook to a folder.")
def new_case(destination: Path, workbook: bool, blank: bool, source: Path) -> None:
    """Write a case to start from into DESTINATION, a new or empty folder (exit 0 written, 2 bad input).

    Fill it in (in Excel with --xlsx: drop-downs for the columns that take one of a few words, a comment on each
    column's header), then run `alliance-analytics validate DESTINATION` and `alliance-analytics run DESTINATION`.
    """
    from alliance_analytics.case.conversion import new_case as write_new_case
    from alliance_analytics.core.problems import Problem

    try:
        if blank and source != SAMPLE_CASE_DIR:
            raise InputError("new-case", [Problem("--blank", "writes a blank case; it cannot be combined with --from "
                                                  "(nothing was written)")])
        written = write_new_case(destination, workbook=workbook, blank=blank, source=source)
    except InputError as error:
        click.echo(error.report(), err=True)
        sys.exit(EXIT_INVALID_INPUT)
    click.echo(f"Wrote {'a blank case' if blank else f'a copy of {source}'}: {written}")
    click.echo(f"Next: fill it in, then `alliance-analytics validate {destination}` and "
               f"`alliance-analytics run {destination}`.")


@main.command()
@click.argument("case_dir", type=click.Path(path_type=Path))
@click.argument("alliance")
@click.argument("decision", type=click.Choice(["pursue", "do_not_pursue", "continue", "restructure", "exit", "defer"]))
@click.option("--rationale", required=True, help="Why the steering committee decided so.")
@click.option("--dissent", default="", help="Who disagreed and why, if anyone did.")
@click.option("--run", "run_folder", type=click.Path(path_type=Path), default=None,
              help="The report folder (run or batch) the decision was based on; its record's SHA-256 is logged.")
@click.option("--date", "when", default=None, metavar="YYYY-MM-DD", help="The decision's date [default: today].")
def decide(case_dir: Path, alliance: str, decision: str, rationale: str, dissent: str, run_folder: Path | None,
           when: str | None) -> None:
    """Log a steering-committee DECISION on ALLIANCE in CASE_DIR's decisions.csv (exit 0 logged, 2 bad input).

    The entry is chained to the one before it by its hash, so `validate` detects a logged entry edited later.
    A proposed candidate takes pursue, do_not_pursue or defer; an alliance in flight continue, restructure, exit or
    defer. The case must be valid first (its log's chain included).
    """
    from alliance_analytics.case.decision_log import append_decision, run_hash, today
    from alliance_analytics.case.loading import decision_problems, load_case

    try:
        case = load_case(case_dir)
        problems = []
        try:
            run = run_hash(run_folder) if run_folder else ""
        except InputError as error:
            problems, run = error.problems, ""
        entry = {"date": when or today(), "alliance": alliance, "decision": decision, "rationale": rationale,
                 "dissent": dissent, "run": run}
        problems = [*decision_problems(case, entry), *problems]
        if problems:
            raise InputError(f"decision on {alliance}", problems)
        last = case.decisions["entry_hash"].iloc[-1] if len(case.decisions) else ""
        written = append_decision(case.directory, entry, last)
    except InputError as error:
        click.echo(error.report(), err=True)
        sys.exit(EXIT_INVALID_INPUT)
    click.echo(f"Logged: {written['date']} {alliance} {decision} (entry {written['entry_hash'][:12]})")


@main.command()
@click.argument("case_dir", required=False, default=SAMPLE_CASE_DIR, type=click.Path(path_type=Path))
@click.option("--notebook", "notebooks", multiple=True, metavar="NAME",
              help="Run only this notebook (repeatable), e.g. partner_fit; default: all.")
@click.option("--out", "out_dir", default=REPORTS_DIR, type=click.Path(path_type=Path), show_default=True,
              help="Folder for the dated report runs and the 'latest' link.")
@click.option("-p", "--parameter", "parameters", multiple=True, nargs=2, metavar="NAME VALUE",
              help="Notebook parameter; VALUE is read as YAML, e.g. -p aggregation median "
                   "-p weights '{strategic_fit: 30}'.")
@click.option("--show-code", is_flag=True, help="Keep code cells in the HTML reports (hidden by default).")
@click.option("--latest/--no-latest", "move_latest", default=None,
              help="Move 'latest' to this run when it succeeds [default: only without -p; a what-if leaves it].")
@click.option("--scheduler", metavar="ADDRESS", default=None,
              help="Run the risk simulation's blocks of iterations on this Dask cluster, e.g. tcp://10.0.0.5:8786 "
                   "(its workers need this package); the results are identical to a local run.")
@click.option("--quiet", is_flag=True, help="No progress bar.")
def run(case_dir: Path, notebooks: tuple[str, ...], out_dir: Path, parameters: tuple[tuple[str, str], ...],
        show_code: bool, move_latest: bool | None, scheduler: str | None, quiet: bool) -> None:
    """Run the notebooks on CASE_DIR (default: the sample case) and write an HTML report.

    Exit 0 when every notebook succeeded, 1 when a notebook failed, 2 for bad input (nothing ran; an unreachable
    ``--scheduler`` included), 4 when the output folder cannot be written (no report written).
    """
    from alliance_analytics.notebook.parameters import parse_value
    from alliance_analytics.reporting.folders import OutputFolderError
    from alliance_analytics.reporting.runner import run_report

    values = {name: parse_value(text) for name, text in parameters}
    try:
        if scheduler:
            from alliance_analytics.core.cluster import connect

            connect(scheduler).close()  # before anything runs: an unreachable scheduler is bad input
        report = run_report(case_dir, notebooks, out_dir, values, show_code=show_code, progress=not quiet,
                            move_latest=move_latest, scheduler=scheduler)
    except InputError as error:
        click.echo(error.report(), err=True)
        sys.exit(EXIT_INVALID_INPUT)
    except OutputFolderError as error:
        click.echo(f"error: {error}", err=True)
        sys.exit(EXIT_ENVIRONMENT)
    _say_removed(report.abandoned)
    for outcome in report.runs:
        state = "ok" if outcome.ok else f"FAILED ({outcome.error})"
        click.echo(f"  {outcome.name}: {state}, {outcome.seconds:.1f} s")
    click.echo(f"Report: {report.folder / 'index.html'}")
    if report.ok and values and move_latest is None:
        click.echo("A what-if: 'latest' was not moved to it (--latest moves it).")
    if not report.ok:
        click.echo("Some notebooks failed; their executed notebooks show the failing cell. "
                   "'latest' was not moved.", err=True)
        sys.exit(EXIT_NOTEBOOK_FAILED)


@main.command()
@click.argument("config", type=click.Path(path_type=Path))
@click.option("--out", "out_dir", type=click.Path(path_type=Path), default=None,
              help="Folder for the dated batch reports and 'latest' [default: the config's 'out', else reports/].")
@click.option("--workers", type=click.IntRange(min=1), default=None,
              help="Local worker processes [default: the config's 'workers', else one per core].")
@click.option("--scheduler", metavar="ADDRESS", default=None,
              help="Run on an existing Dask cluster, e.g. tcp://10.0.0.5:8786 (workers need a shared file system).")
@click.option("--show-code", is_flag=True, default=None, help="Keep code cells in every HTML report.")
@click.option("--keep", type=click.IntRange(min=1), default=None,
              help="After a successful batch, keep only the N newest batch reports [default: the config's "
                   "'retention', else all].")
@click.option("--latest/--no-latest", "move_latest", default=True, show_default=True,
              help="Move 'latest' to this batch when it succeeds.")
@click.option("--fail-on-alert", "fail_on_alert", multiple=True,
              type=click.Choice(["watch", "review", "restructure", "exit"]),
              help="Exit with 5 when an alliance-health trigger with this action fires (repeatable) [default: the "
                   "config's 'fail_on_alert', else never].")
@click.option("--quiet", is_flag=True, help="No progress bar.")
def batch(config: Path, out_dir: Path | None, workers: int | None, scheduler: str | None, show_code: bool | None,
          keep: int | None, move_latest: bool, fail_on_alert: tuple[str, ...], quiet: bool) -> None:
    """Run the batch CONFIG (notebooks × cases × parameter sets) in parallel and write a batch report.

    Exit 0 when every run succeeded, 1 when a run failed, 2 for bad input (nothing ran), 3 when another
    batch is writing to the same output folder, 4 when the output folder cannot be written (no report written),
    5 when every run succeeded but an alert to fail on fired (the report is written and 'latest' moved).
    """
    from alliance_analytics.batch.lock import BatchLocked
    from alliance_analytics.batch.runner import run_batch, summary_table
    from alliance_analytics.reporting.folders import OutputFolderError

    try:
        result = run_batch(config, out_dir, workers=workers, scheduler=scheduler, show_code=show_code or None,
                           keep=keep, progress=not quiet, move_latest=move_latest,
                           fail_on_alert=list(fail_on_alert) or None)
    except InputError as error:
        click.echo(error.report(), err=True)
        sys.exit(EXIT_INVALID_INPUT)
    except BatchLocked as error:
        click.echo(f"error: {error}", err=True)
        sys.exit(EXIT_BATCH_LOCKED)
    except OutputFolderError as error:
        click.echo(f"error: {error}", err=True)
        sys.exit(EXIT_ENVIRONMENT)
    _say_removed(result.abandoned)
    click.echo(summary_table(result))
    for folder in result.deleted:
        click.echo(f"Removed old batch report {folder} (retention)")
    click.echo(f"Report: {result.folder / 'index.html'}")
    click.echo(f"Manifest: {result.folder / 'manifest.json'}")
    if not result.ok:
        click.echo(f"{len(result.failed)} run(s) failed; their executed notebooks show the failing cell. "
                   "'latest' was not moved.", err=True)
        sys.exit(EXIT_NOTEBOOK_FAILED)
    for alert in result.alarming:
        click.echo(f"alert: {alert['alliance']} {alert['trigger']} -> {alert['action']} ({alert['month']}, "
                   f"case {alert['case']})", err=True)
    if result.alarming:
        sys.exit(EXIT_ALERT)


@main.command()
@click.argument("run_a", type=click.Path(path_type=Path))
@click.argument("run_b", type=click.Path(path_type=Path))
@click.option("--json", "json_file", type=click.Path(path_type=Path), default=None,
              help="Also write the comparison, machine-readable, to this file.")
def compare(run_a: Path, run_b: Path, json_file: Path | None) -> None:
    """Say what changed from report folder RUN_A to RUN_B: inputs, decisions, and why.

    RUN_A and RUN_B are folders written by `run` or `batch` (e.g. reports/2026-11-30_141222 and reports/latest).
    The input files are compared row by row from the copies each run kept; a changed fit score is split by
    criterion and a changed expected NPV over the changed inputs (Shapley values on common random numbers).

    Exit 0 when compared (whether or not anything changed), 2 for bad input (a folder that is not a report
    folder, an unreadable record or copy of the inputs), 4 when the --json file cannot be written.
    """
    from alliance_analytics.compare.comparison import compare_folders
    from alliance_analytics.compare.report import comparison_json, report_text
    from alliance_analytics.core.atomic_files import write_json_atomic

    try:
        comparison = compare_folders(run_a, run_b)
    except InputError as error:
        click.echo(error.report(), err=True)
        sys.exit(EXIT_INVALID_INPUT)
    click.echo(report_text(comparison), nl=False)
    if json_file is not None:
        try:
            write_json_atomic(json_file, comparison_json(comparison))
        except OSError as error:
            click.echo(f"error: cannot write {json_file}: {error.strerror or error}", err=True)
            sys.exit(EXIT_ENVIRONMENT)
        click.echo(f"JSON: {json_file}")


def _say_removed(abandoned: list[Path]) -> None:
    """Say on standard error, one line each, which unfinished report folders of stopped runs were removed."""
    for folder in abandoned:
        click.echo(f"Removed {folder}: an unfinished report left by a run that was stopped", err=True)
