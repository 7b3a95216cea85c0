"""Problems found in user input, collected and reported all at once.

Every user-facing input (case files, notebook parameters, command-line options) is checked in full before
anything is computed. Each problem names where it is (file, line, column or field) and what was expected;
:class:`InputError` carries the complete list and renders it without a Python traceback, both on the
command line and in a notebook.
"""

from __future__ import annotations

import reprlib
from dataclasses import dataclass

import numpy


def number(value: float) -> str:
    """Format a number for a message: plain digits, never scientific notation, no trailing zeros.

    Examples
    --------
    >>> number(1250000.0), number(0.25), number(3.0), number(1e-05)
    ('1250000', '0.25', '3', '0.00001')
    """
    return numpy.format_float_positional(value, trim="-")


def describe_validation_error(detail: dict, unknown_key: str) -> str:
    """Turn one pydantic error into a sentence that says what was expected.

    Parameters
    ----------
    detail : dict
        One item of ``ValidationError.errors()``.
    unknown_key : str
        The sentence for a key the model does not know (it names the document to check).

    Returns
    -------
    str

    Examples
    --------
    >>> describe_validation_error({"type": "literal_error", "input": "money", "msg": "Input should be 'npv'"},
    ...                           "is not a known key")
    "input should be 'npv', got 'money'"
    """
    kind, value = detail["type"], detail.get("input")
    if kind == "missing":
        return "is missing; a value is required"
    if kind == "extra_forbidden":
        return unknown_key
    if value is None:
        return "is blank; a value is required"
    message = detail["msg"].removeprefix("Value error, ")
    if kind == "value_error":
        return message
    return f"{message[0].lower()}{message[1:]}, got {short_repr(value)}"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one input.

    Parameters
    ----------
    file : str
        The file (or other input, such as ``"parameters"``) the problem is in.
    message : str
        What is wrong and what was expected.
    line : int or None
        Line number in the file, counting a CSV header as line 1; ``None`` when it does not apply.
    column : str or None
        Column (CSV), key path (YAML) or parameter name; ``None`` when it does not apply.
    sheet : str or None
        The worksheet, when ``file`` is a workbook; ``line`` is then the row as Excel numbers it.
    """

    file: str
    message: str
    line: int | None = None
    column: str | None = None
    sheet: str | None = None

    def __str__(self) -> str:
        where = [self.file if self.sheet is None else f"{self.file}, sheet '{self.sheet}'"]
        if self.line is not None:
            where.append(f"{'line' if self.sheet is None else 'row'} {self.line}")
        if self.column is not None:
            where.append(f"column '{self.column}'" if self.line is not None else f"'{self.column}'")
        return f"{', '.join(where)}: {self.message}"


class InputError(Exception):
    """User input that cannot be used, with every problem found in it.

    Parameters
    ----------
    subject : str
        What was being checked, e.g. ``"case data/sample"``.
    problems : list of Problem
        Every problem found; never empty.
    """

    def __init__(self, subject: str, problems: list[Problem]) -> None:
        if not problems:
            raise ValueError("InputError needs at least one problem")
        self.subject = subject
        self.problems = list(problems)
        super().__init__(self.report())

    def report(self) -> str:
        """Return the full, human-readable list of problems.

        Returns
        -------
        str
            A heading line followed by one line per problem.
        """
        count = len(self.problems)
        heading = f"{self.subject}: {count} problem{'s' if count != 1 else ''} found"
        return "\n".join([heading, *(f"  - {problem}" for problem in self.problems)])

    def _render_traceback_(self) -> list[str]:
        """Show only the problem list in IPython/Jupyter, never a traceback."""
        return self.report().splitlines()


def colon_hint(key: object) -> str:
    """A hint for a key that YAML read together with its value because no space followed the colon.

    ``{budget:3000000}`` in YAML flow style is one key ``budget:3000000`` with no value (js-yaml#355).

    Parameters
    ----------
    key : object
        The key reported as unknown.

    Returns
    -------
    str
        ``" (YAML needs a space after ':': write {budget: 3000000}, not {budget:3000000})"`` style text, or
        an empty string when the key holds no colon.

    Examples
    --------
    >>> colon_hint("budget:3000000")
    " (YAML needs a space after ':': write {budget: 3000000}, not {budget:3000000})"
    >>> colon_hint("budget")
    ''
    """
    text = str(key)
    if ":" not in text:
        return ""
    name, _, value = text.partition(":")
    return f" (YAML needs a space after ':': write {{{name}: {value}}}, not {{{text}}})"


_REPR = reprlib.Repr()
_REPR.maxlevel, _REPR.maxdict, _REPR.maxlist, _REPR.maxtuple, _REPR.maxset = 2, 4, 4, 4, 4
_REPR.maxstring, _REPR.maxother, _REPR.maxlong = 60, 60, 40


def short_repr(value: object, limit: int = 100) -> str:
    """A value as written in a message, cut short: a message never echoes megabytes of user input.

    Parameters
    ----------
    value : object
        What the user gave.
    limit : int
        Most characters.

    Returns
    -------
    str
        ``repr(value)`` with long strings, deep nesting and long collections abbreviated (``...``).

    Examples
    --------
    >>> short_repr("heavy")
    "'heavy'"
    >>> len(short_repr([[["lol"] * 10] * 10] * 10)) <= 100
    True
    """
    text = _REPR.repr(value)
    return text if len(text) <= limit else text[:limit - 3] + "..."
