"""Checking run parameters against a notebook's tagged ``parameters`` cell before anything runs.

papermill only warns about unknown parameters and never checks types. Here the parameters cell is read
with :func:`papermill.inspect_notebook` (names, annotations, defaults) and every supplied parameter is
checked: an unknown name or a value of the wrong type is a problem, and all problems are reported at once.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import yaml

from alliance_analytics.core.problems import Problem
from alliance_analytics.core.yaml_reading import parse_yaml

_TYPES: dict[str, tuple[type, ...]] = {
    "str": (str,),
    "int": (int,),
    "float": (int, float),
    "bool": (bool,),
    "dict": (dict,),
    "list": (list,),
    "None": (type(None),),
}
"""Annotation names a parameters cell may use, and the Python types each accepts."""


def declared_parameters(notebook: Path) -> dict[str, dict[str, Any]]:
    """The parameters a notebook declares in its tagged ``parameters`` cell.

    Parameters
    ----------
    notebook : Path
        The notebook file.

    Returns
    -------
    dict
        Parameter name to papermill's description (``inferred_type_name``, ``default``, ``help``).
    """
    status = Path(notebook).stat()
    return dict(_inspect(str(notebook), status.st_mtime_ns, status.st_size))


@functools.lru_cache(maxsize=64)
def _inspect(path: str, modified_ns: int, size: int) -> dict[str, dict[str, Any]]:
    """papermill's reading of a parameters cell, cached per file version (a batch checks many runs)."""
    import papermill

    return dict(papermill.inspect_notebook(path))


def parse_value(text: str) -> Any:
    """Read a command-line parameter value as a YAML scalar or collection.

    Parameters
    ----------
    text : str
        As typed, e.g. ``median``, ``0.3``, ``true`` or ``{strategic_fit: 30}``.

    Returns
    -------
    Any
        The parsed value: YAML as the case files are read (:class:`~alliance_analytics.core.yaml_reading.
        CaseYamlLoader`: ``1e4`` is a number, dates stay text); an empty text is the empty string (which
        parameters such as ``aggregation`` read as "the case's value"); text that is not valid YAML stays a
        string, and so does text nested too deeply or standing for too many values.

    Examples
    --------
    >>> parse_value("{strategic_fit: 30}")
    {'strategic_fit': 30}
    >>> parse_value("median"), parse_value(""), parse_value("1e4")
    ('median', '', 10000.0)
    """
    if not text.strip():
        return text
    try:
        data, _ = parse_yaml(text)
    except yaml.YAMLError:
        return text
    return data


def accepts(annotation: str, value: Any) -> bool:
    """Whether ``value`` fits a parameters-cell annotation such as ``"str | None"``.

    Parameters
    ----------
    annotation : str
        papermill's ``inferred_type_name``: type names joined by ``|``; ``"None"`` when unannotated.
    value : Any
        The supplied value.

    Returns
    -------
    bool
        ``True`` when the value has one of the annotated types (``bool`` is not taken as a number).

    Examples
    --------
    >>> accepts("float", 3), accepts("float", True), accepts("dict | None", None)
    (True, False, True)
    """
    names = [name.strip() for name in annotation.replace("Optional[", "").rstrip("]").split("|")]
    allowed = tuple(kind for name in names for kind in _TYPES.get(name, ()))
    if isinstance(value, bool) and bool not in allowed:
        return False
    return isinstance(value, allowed)


def check_parameters(notebook: Path, parameters: dict[str, Any]) -> list[Problem]:
    """Check supplied parameters against one notebook's declared parameters.

    Parameters
    ----------
    notebook : Path
        The notebook whose ``parameters`` cell is the reference.
    parameters : dict
        Name to value, as they would be injected.

    Returns
    -------
    list of Problem
        One per unknown name or wrongly typed value; empty when all fit.
    """
    declared = declared_parameters(notebook)
    problems = []
    for name, value in parameters.items():
        if name not in declared:
            problems.append(Problem("parameters", f"unknown parameter; {notebook.name} takes "
                                    f"{', '.join(sorted(declared))}", column=name))
        elif not accepts(declared[name]["inferred_type_name"], value):
            problems.append(Problem("parameters", f"expected {declared[name]['inferred_type_name']}, got "
                                    f"{type(value).__name__} {value!r}", column=name))
    return problems
