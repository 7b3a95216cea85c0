"""Expanding a batch config into runs, and checking every run before any of them starts.

Each entry of ``runs:`` becomes one run per notebook × case × combination of its ``grid`` values. A run's
parameters are the config's ``defaults.parameters`` (those its notebooks declare), then the entry's
``parameters``, then the grid combination, later ones winning. They are checked as ``alliance-analytics run``
checks them (:func:`alliance_analytics.reporting.checks.check_run`): against each notebook's tagged ``parameters``
cell (names and types, as papermill reads them) and against the case (the per-notebook value checks). Every
problem of every run is collected and reported at once, located in the config file.
"""

from __future__ import annotations

import dataclasses
import itertools
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from alliance_analytics.batch.config import LocatedConfig, RunEntry
from alliance_analytics.case.case import Case
from alliance_analytics.case.loading import load_case
from alliance_analytics.core.paths import NOTEBOOKS_DIR
from alliance_analytics.core.problems import InputError, Problem
from alliance_analytics.notebook.parameters import declared_parameters
from alliance_analytics.reporting.catalogue import INJECTED, available_notebooks, notebook_title, select_notebooks
from alliance_analytics.reporting.checks import check_run
from alliance_analytics.reporting.front_page import what_if_words

ALL_NOTEBOOKS = "all"
"""The notebook name that stands for every notebook in the notebooks folder (found when the batch starts)."""


@dataclass(frozen=True)
class RunSpec:
    """One run of a batch: a notebook on a case with checked parameters. Picklable, for pool workers.

    Attributes
    ----------
    run_id : str
        Unique in the batch; also the run's folder name, e.g. ``003-01_partner_fit-sample``.
    entry : int
        Position of the config entry it comes from in ``runs:``.
    name : str or None
        The entry's ``name``.
    notebook : Path
        The notebook file.
    title : str
        The notebook's title.
    case_dir : Path
        The case folder (absolute).
    case_name : str
        The case's name.
    parameters : dict
        The parameters injected (besides ``case_dir`` and ``results_path``).
    grid : dict
        The grid values of this run (a subset of ``parameters``), to tell grid runs apart at a glance.
    setting : dict
        Every parameter of the config entry's combination this run belongs to (defaults, the entry's and the
        grid's), whichever notebook takes them: the runs of one setting share it.
    what_if : str
        ``parameters`` in words when there are any (the banner on the run's pages), else ``""``: a notebook
        that takes none of the setting's parameters ran on the case as given and carries no banner.
    timeout_s : float
        Time limit of the run.
    show_code : bool
        Keep code cells in the HTML.
    """

    run_id: str
    entry: int
    name: str | None
    notebook: Path
    title: str
    case_dir: Path
    case_name: str
    parameters: dict[str, Any]
    grid: dict[str, Any] = field(default_factory=dict)
    setting: dict[str, Any] = field(default_factory=dict)
    what_if: str = ""
    timeout_s: float = 1800.0
    show_code: bool = False


@dataclass
class BatchPlan:
    """The checked runs of a batch and the cases they read.

    Attributes
    ----------
    runs : list of RunSpec
        In config order: entry, case, grid combination, notebook.
    cases : dict of Path to Case
        Every case the runs read, loaded and validated.
    """

    runs: list[RunSpec]
    cases: dict[Path, Case]


def plan_batch(located: LocatedConfig, notebooks_dir: Path = NOTEBOOKS_DIR,
               show_code: bool | None = None) -> BatchPlan:
    """Expand a batch config into runs and check every one of them.

    Parameters
    ----------
    located : LocatedConfig
        From :func:`alliance_analytics.batch.config.load_batch_config`.
    notebooks_dir : Path
        Folder of the notebooks; ``all`` means every notebook in it.
    show_code : bool, optional
        Overrides the config's ``show_code`` for every run.

    Returns
    -------
    BatchPlan

    Raises
    ------
    InputError
        With every problem: unknown notebooks, invalid cases, unknown, mistyped or unsuitable parameters.
    """
    config = located.config
    problems: list[Problem] = []
    cases: dict[Path, Case] = {}
    runs: list[RunSpec] = []
    declared_anywhere: set[str] = set()
    for position, entry in enumerate(config.runs):
        notebooks = _notebooks(located, position, entry, notebooks_dir, problems)
        declared = {name for notebook in notebooks for name in declared_parameters(notebook)}
        declared_anywhere |= declared
        defaults = {name: value for name, value in config.defaults.parameters.items() if name in declared}
        for case_position, written in enumerate(entry.cases):
            case = _case(located, ("runs", position, "cases", case_position), written, cases, problems)
            if case is None or not notebooks:
                continue
            for combination in _combinations(entry.grid):
                parameters = defaults | entry.parameters | combination
                try:
                    per_notebook = check_run(case, notebooks, parameters)
                except InputError as error:
                    problems.extend(_locate(located, position, entry, combination, problem)
                                    for problem in error.problems)
                    continue
                runs.extend(RunSpec(
                    run_id="", entry=position, name=entry.name, notebook=notebook, title=notebook_title(notebook),
                    case_dir=case.directory, case_name=case.settings.name, parameters=per_notebook[notebook],
                    grid={name: value for name, value in combination.items() if name in per_notebook[notebook]},
                    setting=parameters, what_if=what_if_words(per_notebook[notebook], case),
                    timeout_s=entry.timeout_s or config.defaults.timeout_s,
                    show_code=_first(show_code, entry.show_code, config.defaults.show_code),
                ) for notebook in notebooks)
    problems.extend(located.problem(("defaults", "parameters", name), "no notebook of the batch takes this parameter")
                    for name in config.defaults.parameters if name not in declared_anywhere)
    if problems:
        raise InputError(f"batch config {located.path}", list(dict.fromkeys(problems)))
    width = len(str(len(runs)))
    numbered = [_with_id(spec, f"{number:0{max(width, 3)}d}") for number, spec in enumerate(runs, start=1)]
    return BatchPlan(runs=numbered, cases=cases)


def _first(*choices: bool | None) -> bool:
    """The first choice that is set."""
    return next(choice for choice in choices if choice is not None)


def _notebooks(located: LocatedConfig, position: int, entry: RunEntry, notebooks_dir: Path,
               problems: list[Problem]) -> list[Path]:
    """The entry's notebooks in run order; unknown names become problems."""
    chosen: list[Path] = []
    for number, name in enumerate(entry.notebooks):
        if name == ALL_NOTEBOOKS:
            chosen.extend(available_notebooks(notebooks_dir).values())
            continue
        try:
            chosen.extend(select_notebooks([name], notebooks_dir))
        except InputError as error:
            problems.extend(located.problem(("runs", position, "notebooks", number),
                                            f"{problem.message} or '{ALL_NOTEBOOKS}'") for problem in error.problems)
    return sorted(set(chosen))


def _case(located: LocatedConfig, location: tuple, written: str, cases: dict[Path, Case],
          problems: list[Problem]) -> Case | None:
    """Load a case once per batch; its problems are reported with the case folder as written in the config."""
    folder = located.resolve(written)
    if folder in cases:
        return cases[folder]
    try:
        cases[folder] = load_case(folder)
    except InputError as error:
        problems.append(located.problem(location, f"case '{written}' is not valid ({len(error.problems)} "
                                                  f"problem{'s' if len(error.problems) != 1 else ''} below)"))
        problems.extend(Problem(str(Path(written) / problem.file) if not Path(problem.file).is_absolute()
                                else problem.file, problem.message, problem.line, problem.column)
                        for problem in error.problems)
        return None
    return cases[folder]


def _combinations(grid: dict[str, list[Any]]) -> list[dict[str, Any]]:
    """Every combination of the grid's values (one empty combination for no grid), first key slowest."""
    names = list(grid)
    return [dict(zip(names, values, strict=True)) for values in itertools.product(*(grid[name] for name in names))]


def _locate(located: LocatedConfig, position: int, entry: RunEntry, combination: dict[str, Any],
            problem: Problem) -> Problem:
    """Move a parameter problem to the config key that set the parameter."""
    name, _, rest = (problem.column or "").partition(".")
    if name in INJECTED:
        problem = Problem(problem.file, "is set by the runner for each run; list the case folder under 'cases'",
                          problem.line, problem.column)
    if name in combination:
        location: tuple = ("runs", position, "grid", name)
        message = f"{problem.message} (grid value {combination[name]!r})"
    elif name in entry.parameters:
        location, message = ("runs", position, "parameters", name), problem.message
    else:
        location, message = ("defaults", "parameters", name), problem.message
    located_problem = located.problem(location, message)
    if rest:
        return Problem(located_problem.file, message, located_problem.line, f"{located_problem.column}.{rest}")
    return located_problem


def _with_id(spec: RunSpec, number: str) -> RunSpec:
    """The run with its id: number, notebook, case folder and entry name, as a safe folder name."""
    folder = spec.case_dir.parent if spec.case_dir.is_file() else spec.case_dir  # a workbook: its folder names it
    parts = [number, spec.notebook.stem, folder.name, *([spec.name] if spec.name else [])]
    run_id = "-".join(_slug(part) for part in parts)[:80].rstrip("-_.")
    return dataclasses.replace(spec, run_id=run_id)


def _slug(text: str) -> str:
    """Letters, digits, ``_`` and ``.`` kept; anything else becomes ``_``.

    Examples
    --------
    >>> _slug("Aggregation grid / EU")
    'Aggregation_grid_EU'
    """
    return re.sub(r"[^A-Za-z0-9_.]+", "_", text).strip("_") or "run"
