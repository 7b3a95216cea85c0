"""The base of every analysis's ``Parameters`` model, and turning a set of values into a model or problems.

Each analysis declares one frozen pydantic model of its parameters (types, defaults, ranges): the notebook's
tagged ``parameters`` cell declares the same fields with the same defaults (a test keeps them equal), the
runners check values against it before anything runs, and the result carries the model it was computed with,
so provenance records exactly what was used.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, TypeVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from alliance_analytics.core.problems import Problem, colon_hint, describe_validation_error

UNKNOWN_PARAMETER = "is not a parameter of this analysis"

Model = TypeVar("Model", bound="AnalysisParameters")


def _not_a_bool(value: object) -> object:
    """Refuse ``true``/``false`` where a number is expected (pydantic's lax mode would read them as 1 and 0)."""
    if isinstance(value, bool):
        raise ValueError(f"expected a number, got {value!r}")
    return value


Number = Annotated[float, BeforeValidator(_not_a_bool), Field(allow_inf_nan=False)]
"""A finite number (``true``/``false`` are not numbers)."""
WholeNumber = Annotated[int, BeforeValidator(_not_a_bool)]
"""A whole number (``true``/``false`` are not numbers; ``1e4`` is 10,000)."""


class AnalysisParameters(BaseModel):
    """Frozen, strict about unknown names; subclasses add the fields (types and ranges: the one statement of
    them) and, where a value must fit the case, ``problems(case)``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    def problems(self, case: Any) -> list[Problem]:
        """What does not fit the case, beyond the types and ranges pydantic checks; none by default.

        Parameters
        ----------
        case : Case
            The case the parameters apply to.

        Returns
        -------
        list of Problem
        """
        return []

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

    Values that fail validation are reported and left out (an invalid entry of a mapping alone, or else the
    whole parameter, its default standing in) so that the case checks still run on the rest: the user sees
    every problem at once.

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
    if validated is not None:
        return validated.problems(case)
    remaining = dict(values)
    for problem in problems:
        _drop(remaining, (problem.column or "").split("."))
    validated, _ = parameters_or_problems(model, remaining)
    if validated is None:
        return problems
    reported = {problem.column for problem in problems}
    return problems + [problem for problem in validated.problems(case) if problem.column not in reported]


def _drop(values: dict[str, Any], path: list[str]) -> None:
    """Remove the value at ``path`` (an invalid entry of a mapping, or a whole parameter) from ``values``."""
    head, rest = path[0], path[1:]
    if rest and isinstance(values.get(head), dict):
        inner = dict(values[head])
        _drop(inner, rest)
        values[head] = inner
    else:
        values.pop(head, None)
