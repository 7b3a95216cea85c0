"""Text in charts is shown as written: names from case files may contain ``$``, which matplotlib would
otherwise read as mathematical notation (mangling "US$ … A$" or failing on an unbalanced ``$_$``)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import ParamSpec, TypeVar

import matplotlib

Parameters = ParamSpec("Parameters")
Result = TypeVar("Result")


def plain_text(chart: Callable[Parameters, Result]) -> Callable[Parameters, Result]:
    """Build a chart with math-text parsing off, so every label is drawn literally.

    Parameters
    ----------
    chart : callable
        A function that builds and returns a figure.

    Returns
    -------
    callable
        The same function, run under ``text.parse_math = False``.
    """
    @functools.wraps(chart)
    def literal(*args: Parameters.args, **kwargs: Parameters.kwargs) -> Result:
        with matplotlib.rc_context({"text.parse_math": False}):
            return chart(*args, **kwargs)

    return literal
