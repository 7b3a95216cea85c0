"""The base of every analysis's ``Parameters`` model, and turning a set of values into a model or problems.

Each analysis declares one frozen pydantic model of its parameters (types, defaults, ranges): the notebook's
tagged ``parameters`` cell declares the same fields with the same defaults (a test keeps them equal), the
runners check values against it before anything runs, and the result carries the model it was computed with,
so provenance records exactly what was used.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError

from alliance_analytics.core.problems import Problem, colon_hint, describe_validation_error

UNKNOWN_PARAMETER = "is not a parameter of this analysis"

Model = TypeVar("Model", bound="AnalysisParameters")


class AnalysisParameters(BaseModel):
    """Frozen, strict about unknown names; subclasses add the fields and a ``problems(case)`` check."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    def subset(self, model: type[Model]) -> Model:
        """The fields another analysis's model shares with this one, as that model.

        Parameters
        ----------
        model : type
            An :class:`AnalysisParameters` subclass whose fields this model includes.

        Returns
        -------
        AnalysisParameters
            An instance of ``model``.
        """
        return model(**{name: getattr(self, name) for name in model.model_fields})

    def as_json(self) -> dict[str, Any]:
        """The parameters as JSON values (for provenance and cache keys)."""
        return self.model_dump(mode="json")


def parameters_or_problems(model: type[Model], values: Mapping[str, Any]) -> tuple[Model | None, list[Problem]]:
    """Validate ``values`` against ``model``: the model, or every problem with the parameter's name.

    Parameters
    ----------
    model : type
        The analysis's parameters model.
    values : mapping
        Parameter values by name.

    Returns
    -------
    (model or None, list of Problem)
        The validated parameters and no problems, or ``None`` and one problem per invalid value.

    Examples
    --------
    >>> from pydantic import Field
    >>> class Example(AnalysisParameters):
    ...     samples: int = Field(default=10, ge=1)
    >>> parameters_or_problems(Example, {"samples": 0})[1][0].message
    'input should be greater than or equal to 1, got 0'
    """
    try:
        return model(**values), []
    except ValidationError as error:
        return None, [Problem("parameters", describe_validation_error(detail, UNKNOWN_PARAMETER)
                              + colon_hint(detail["loc"][-1] if detail["loc"] else ""),
                              column=".".join(str(part) for part in detail["loc"]))
                      for detail in error.errors()]


def parameter_problems(model: type[AnalysisParameters], values: Mapping[str, Any], case: Any) -> list[Problem]:
    """Every problem with ``values`` for ``model`` and a case: types and ranges, then what must fit the case.

    Values that fail validation are reported and left out (their defaults stand in) so that the case checks
    still run on the others: the user sees every problem at once.

    Parameters
    ----------
    model : type
        The analysis's parameters model (with a ``problems(case)`` method).
    values : mapping
        Parameter values by name.
    case : Case
        The case the parameters apply to.

    Returns
    -------
    list of Problem
        Empty when the values are usable.
    """
    validated, problems = parameters_or_problems(model, values)
    if validated is None:
        invalid = {problem.column.split(".")[0] for problem in problems}
        validated, _ = parameters_or_problems(model, {k: v for k, v in values.items() if k not in invalid})
        if validated is None:
            return problems
        return problems + [problem for problem in validated.problems(case)
                           if problem.column.split(".")[0] not in invalid]
    return validated.problems(case)
