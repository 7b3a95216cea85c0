"""The batch configuration file: which notebooks run on which cases with which parameters.

A batch config is a YAML file (format in ``docs/batch-format.md``)::

    out: ../reports                # relative to this file; --out overrides
    workers: 2                     # local pool size; default: one per core, at most one per run
    retention: 10                  # keep the 10 newest batch reports (older ones are deleted after success)
    defaults:
      parameters: {seed: 7}        # given to every notebook that declares them
      timeout_s: 900               # per run
      show_code: false
    runs:
      - name: aggregation grid
        notebooks: [partner_fit]   # or "all"
        cases: [../data/sample]    # relative to this file
        parameters: {weights: {strategic_fit: 30}}
        grid:                      # every combination: 3 × 2 runs per case and notebook
          aggregation: [mean, median, geometric]
          weights: [{}, {cultural_fit: 30}]

:func:`load_batch_config` reads and validates the file; every problem is reported at once, each with the
file, the line and the key path, as an :class:`~alliance_analytics.core.problems.InputError`. Checking the
parameters against the notebooks and the cases is the batch runner's job (:mod:`alliance_analytics.batch.runner`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from alliance_analytics.core.problems import InputError, Problem, describe_validation_error
from alliance_analytics.core.yaml_reading import describe_yaml_error, key_path, line_of, parse_yaml

DEFAULT_TIMEOUT_S = 1800.0
"""Time limit of one run when the config gives none."""
UNKNOWN_KEY = "is not a known key (see docs/batch-format.md)"
"""How a key the batch config format does not have is reported."""


class _Strict(BaseModel):
    """A config section: unknown keys are errors, values are not coerced between types."""

    model_config = ConfigDict(extra="forbid", strict=True)


class RunDefaults(_Strict):
    """Settings every run starts from; a run entry may override each of them."""

    parameters: dict[str, Any] = Field(default_factory=dict)
    timeout_s: float = Field(default=DEFAULT_TIMEOUT_S, gt=0)
    show_code: bool = False


class RunEntry(_Strict):
    """One entry of ``runs:``: notebooks × cases × the grid's combinations, with fixed parameters."""

    name: str | None = None
    notebooks: list[str] = ["all"]
    cases: list[str]
    parameters: dict[str, Any] = Field(default_factory=dict)
    grid: dict[str, list[Any]] = Field(default_factory=dict)
    timeout_s: float | None = Field(default=None, gt=0)
    show_code: bool | None = None

    @field_validator("notebooks", "cases", mode="before")
    @classmethod
    def _listed(cls, value: Any) -> Any:
        """A single name or path is a list of one; an empty list is an error."""
        if value == []:
            raise ValueError("must name at least one")
        return [value] if isinstance(value, str) else value

    @field_validator("grid")
    @classmethod
    def _values_to_try(cls, grid: dict[str, list[Any]]) -> dict[str, list[Any]]:
        """Every grid parameter needs at least one value."""
        empty = [name for name, values in grid.items() if not values]
        if empty:
            raise ValueError(f"needs at least one value for {', '.join(empty)}")
        return grid


class BatchConfig(_Strict):
    """A whole batch config file."""

    out: str | None = None
    workers: int | None = Field(default=None, ge=1)
    retention: int | None = Field(default=None, ge=1)
    fail_on_alert: list[Literal["watch", "review", "restructure", "exit"]] = Field(default_factory=list)
    defaults: RunDefaults = Field(default_factory=RunDefaults)
    runs: list[RunEntry] = Field(min_length=1)


class LocatedConfig:
    """A validated batch config, with its file and the YAML node tree that locates each key.

    Parameters
    ----------
    path : Path
        The config file.
    config : BatchConfig
        Its validated content.
    root : yaml.Node or None
        The YAML node tree, for line numbers.
    text : str
        The file's text (hashed into the manifest).
    """

    def __init__(self, path: Path, config: BatchConfig, root: yaml.Node | None, text: str) -> None:
        self.path = path
        self.config = config
        self.root = root
        self.text = text

    def resolve(self, relative: str) -> Path:
        """A path written in the config, relative to the config's folder.

        Parameters
        ----------
        relative : str
            As written (``~`` is expanded; absolute paths stay as they are).

        Returns
        -------
        Path
            Absolute.
        """
        return (self.path.parent / Path(relative).expanduser()).resolve()

    def problem(self, location: tuple, message: str) -> Problem:
        """A problem at a key path of the config, with the line that path leads to.

        Parameters
        ----------
        location : tuple
            Keys and list indices, e.g. ``("runs", 0, "grid", "aggregation")``.
        message : str
            What is wrong and what was expected.

        Returns
        -------
        Problem
        """
        return Problem(self.path.name, message, line=line_of(self.root, location), column=key_path(location) or None)


def load_batch_config(path: str | Path) -> LocatedConfig:
    """Read and validate a batch config file.

    Parameters
    ----------
    path : str or Path
        The YAML file.

    Returns
    -------
    LocatedConfig

    Raises
    ------
    InputError
        With every problem in the file (a missing file, bad YAML, unknown keys, wrong types, empty lists).
    """
    path = Path(path).resolve()
    subject = f"batch config {path}"
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise InputError(subject, [Problem(path.name, f"cannot be read ({error})")]) from None
    try:
        data, root = parse_yaml(text)
    except yaml.YAMLError as error:
        message, line = describe_yaml_error(error)
        raise InputError(subject, [Problem(path.name, f"is not valid YAML: {message}", line=line)]) from None
    if not isinstance(data, dict):
        raise InputError(subject, [Problem(path.name, "must be a mapping with a 'runs:' list", line=1)])
    try:
        config = BatchConfig.model_validate(data)
    except ValidationError as error:
        located = LocatedConfig(path, BatchConfig.model_construct(), root, text)
        problems = [located.problem(detail["loc"], describe_validation_error(detail, UNKNOWN_KEY))
                    for detail in error.errors()]
        raise InputError(subject, list(dict.fromkeys(problems))) from None
    return LocatedConfig(path, config, root, text)
