"""Checking a run's parameters before anything runs: names against the notebooks, values against the models.

A parameter goes to every chosen notebook whose ``parameters`` cell declares it; its value is then checked by
the notebook's analysis model (:data:`~alliance_analytics.reporting.catalogue.NOTEBOOK_PARAMETERS`): types and
ranges by pydantic, and what must fit the case by the model's ``problems(case)``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alliance_analytics.case.case import Case
from alliance_analytics.core.parameters import parameter_problems
from alliance_analytics.core.problems import InputError, Problem
from alliance_analytics.notebook.parameters import check_parameters
from alliance_analytics.reporting.catalogue import INJECTED, NOTEBOOK_PARAMETERS


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
        unclaimed -= set(parameters) - unknown
        mine = {name: value for name, value in parameters.items() if name not in unknown and name not in INJECTED}
        per_notebook[notebook] = mine
        model = NOTEBOOK_PARAMETERS.get(notebook.stem)
        if model is None:
            problems.extend(problem for problem in from_papermill
                            if problem.column not in unknown and problem.column not in INJECTED)
            continue
        found = parameter_problems(model, mine, case)
        problems.extend(found)
        if not found:
            validated = model(**mine)
            per_notebook[notebook] = {name: _as_given(value, getattr(validated, name)) for name, value in mine.items()}
    problems.extend(Problem("parameters", f"no chosen notebook takes this parameter "
                            f"({', '.join(path.stem for path in notebooks)})", column=name)
                    for name in sorted(unclaimed))
    if problems:
        raise InputError("run parameters", list(dict.fromkeys(problems)))
    return per_notebook


def _as_given(given: Any, validated: Any) -> Any:
    """A value as the user wrote it, except a whole number written as a float (``1e4``) where a whole number is
    expected, which becomes that whole number (so the notebook's ``int`` parameter receives an ``int``)."""
    if isinstance(validated, int) and not isinstance(validated, bool) and isinstance(given, float):
        return validated
    if isinstance(given, dict) and isinstance(validated, dict):
        return {key: _as_given(value, validated[key]) if key in validated else value for key, value in given.items()}
    if isinstance(given, list) and isinstance(validated, list) and len(given) == len(validated):
        return [_as_given(value, checked) for value, checked in zip(given, validated)]
    return given
