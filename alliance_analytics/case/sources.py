"""Where a case's files come from: a folder of CSV files and ``case.yaml``, or one Excel workbook.

The loader asks a source for each case file by its name (``"assumptions.csv"``, ``"case.yaml"``) and checks what
it gets by the same rules either way; problems are filed under those names and a workbook source then
re-labels them with the workbook, the sheet, the row as Excel numbers it and the column with its letter.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from alliance_analytics.case.workbook import (
    SETTINGS_FILE,
    WORKBOOK_NAME,
    read_workbook,
    settings_data,
    sheet_of,
)
from alliance_analytics.core.csv_reading import CsvRows, read_csv_rows, table_rows
from alliance_analytics.core.problems import InputError, Problem
from alliance_analytics.core.yaml_reading import describe_yaml_error, key_path, line_of, parse_yaml

Locate = Callable[[tuple, str], Problem]
"""Turns a settings key path and a message into a problem located in the settings (a line, a row)."""


class FolderSource:
    """A case folder: ``case.yaml`` and one CSV file per table.

    Parameters
    ----------
    directory : Path
        The case folder.
    """

    def __init__(self, directory: Path) -> None:
        self.path = directory

    def has(self, name: str) -> bool:
        """Whether the case has this file."""
        return (self.path / name).is_file()

    def missing(self, name: str) -> Problem:
        """The problem of a required file the case does not have."""
        return Problem(name, f"file not found in {self.path}")

    def table(self, name: str, problems: list[Problem]) -> CsvRows | None:
        """The file's header and rows (see :func:`~alliance_analytics.core.csv_reading.read_csv_rows`)."""
        return read_csv_rows(self.path / name, problems)

    def settings(self, problems: list[Problem]) -> tuple[Any, Locate | None]:
        """Parse ``case.yaml``: its data and how to locate a key path in it (both ``None`` when it cannot be read)."""
        path = self.path / SETTINGS_FILE
        try:
            data, root = parse_yaml(path.read_text(encoding="utf-8"))
        except UnicodeDecodeError as error:
            problems.append(Problem(SETTINGS_FILE, f"is not UTF-8 text ({error.reason})"))
            return None, None
        except yaml.YAMLError as error:
            message, line = describe_yaml_error(error)
            problems.append(Problem(SETTINGS_FILE, f"is not valid YAML: {message}", line=line))
            return None, None

        def locate(location: tuple, message: str) -> Problem:
            return Problem(SETTINGS_FILE, message, line=line_of(root, location), column=key_path(location) or None)

        return data, locate

    def hashes(self, names: list[str]) -> dict[str, str]:
        """SHA-256 of each of these files, by name."""
        return {name: hashlib.sha256((self.path / name).read_bytes()).hexdigest() for name in names}

    def relabel(self, problems: list[Problem], warnings: list[str]) -> tuple[list[Problem], list[str]]:
        """Problems and warnings as they are: they already name the files."""
        return problems, warnings


class WorkbookSource:
    """A case workbook (see :mod:`alliance_analytics.case.workbook`), read once.

    Parameters
    ----------
    workbook : Path
        The ``.xlsx`` file.
    known_files : list of str
        Every case file a sheet may stand for.
    problems : list of Problem
        Problems reading the workbook are appended.
    """

    def __init__(self, workbook: Path, known_files: list[str], problems: list[Problem]) -> None:
        self.path = workbook
        self.known = known_files
        self.content = read_workbook(workbook, set(known_files), problems)

    def has(self, name: str) -> bool:
        """Whether the workbook has the sheet standing for this file."""
        if self.content is None:
            return False
        return self.content.settings is not None if name == SETTINGS_FILE else name in self.content.tables

    def missing(self, name: str) -> Problem:
        """The problem of a required sheet the workbook does not have."""
        return Problem(name, f"sheet not found in {self.path.name}; add a sheet named '{sheet_of(name)}' (see "
                       "docs/case-format.md)")

    def table(self, name: str, problems: list[Problem]) -> CsvRows | None:
        """The sheet's header and rows, checked like a CSV file's."""
        header, raw = self.content.tables[name]
        return table_rows(name, header, raw, problems)

    def settings(self, problems: list[Problem]) -> tuple[Any, Locate]:
        """The settings sheet as ``case.yaml``'s data, and how to locate a key path in the sheet."""
        data, rows = settings_data(self.content.settings, problems)

        def locate(location: tuple, message: str) -> Problem:
            found = next((location[:depth] for depth in range(len(location), 0, -1) if location[:depth] in rows), None)
            if found is None:
                return Problem(SETTINGS_FILE, f"{key_path(location)}: {message}", column="key")
            unknown = message.startswith("is not a known key")
            return Problem(SETTINGS_FILE, f"{key_path(location)}: {message}", line=rows[found],
                           column="value" if found == location and not unknown else "key")

        return data, locate

    def hashes(self, names: list[str]) -> dict[str, str]:
        """SHA-256 of the workbook, under its name (the sheets are in it)."""
        return {self.path.name: hashlib.sha256(self.path.read_bytes()).hexdigest()}

    def relabel(self, problems: list[Problem], warnings: list[str]) -> tuple[list[Problem], list[str]]:
        """File each problem under the workbook and its sheet, name columns with their letters, and say
        "sheet 'x'" where a message or warning names a case file."""
        from openpyxl.utils import get_column_letter

        headers = self.content.headers if self.content is not None else {}
        relabelled = []
        for problem in problems:
            if problem.file not in self.known:
                relabelled.append(problem)
                continue
            column = problem.column
            header = headers.get(problem.file, ["key", "value", "note"] if problem.file == SETTINGS_FILE else [])
            if column in header:
                column = f"{column} ({get_column_letter(header.index(column) + 1)})"
            relabelled.append(Problem(self.path.name, self._words(problem.message), line=problem.line,
                                      column=column, sheet=sheet_of(problem.file)))
        ignored = [f"{self.path.name}: sheet '{sheet}' is not part of the case format and is ignored"
                   for sheet in (self.content.ignored if self.content is not None else [])]
        return relabelled, [*ignored, *(self._words(warning) for warning in warnings)]

    def _words(self, text: str) -> str:
        """A message with each case file it names written as the sheet standing for it."""
        names = "|".join(re.escape(name) for name in sorted(self.known, key=len, reverse=True))
        text = re.sub(rf"\b({names})\b", lambda match: f"sheet '{sheet_of(match[1])}'", text)
        return re.sub(r"\bline (\d+)", r"row \1", text)


def case_source(path: Path, known_files: list[str], problems: list[Problem]) -> FolderSource | WorkbookSource:
    """The source of the case at ``path``: a case folder, a folder holding ``case.xlsx``, or a workbook.

    Parameters
    ----------
    path : Path
        A case folder or an ``.xlsx`` file.
    known_files : list of str
        Every case file name.
    problems : list of Problem
        Problems reading a workbook are appended.

    Returns
    -------
    FolderSource or WorkbookSource

    Raises
    ------
    InputError
        When ``path`` is neither, or a folder holds both a workbook and case files (which one is meant?).
    """
    subject = f"case {path}"
    if path.is_file() and path.suffix.lower() in (".xlsx", ".xlsm"):
        return WorkbookSource(path, known_files, problems)
    if not path.is_dir():
        raise InputError(subject, [Problem(str(path), "is not a folder or an Excel workbook; expected a case folder "
                                           "(case.yaml and CSV files) or a case workbook (case.xlsx)")])
    workbook = path / WORKBOOK_NAME
    if not workbook.is_file():
        return FolderSource(path)
    both = [name for name in known_files if (path / name).is_file()]
    if both:
        raise InputError(subject, [Problem(str(path), f"holds both {WORKBOOK_NAME} and case files "
                                           f"({', '.join(both)}); keep one form of the case in a folder")])
    return WorkbookSource(workbook, known_files, problems)
