"""A case as one Excel workbook: one sheet per case file, the same columns, and a ``settings`` sheet.

The workbook route exists for analysts who live in spreadsheets. ``case.xlsx`` holds one sheet per CSV file of a
case folder (``candidates``, ``scores``, ``assumptions``, …), named after the file without ``.csv``, with the
same header in row 1 and the same columns; and a ``settings`` sheet that holds ``case.yaml`` as rows of
``key``, ``value`` and ``note``:

- ``key`` is the key path as every message writes it (``portfolio.budget``, ``criteria[2].weight``; list
  positions count from 0 as in those messages);
- ``value`` is the value: a number, text, a date, TRUE/FALSE, or a short list written as in YAML
  (``[C02, C11]``); text starting with ``[``, ``{`` or a quote is read as YAML;
- ``note`` is free text (the template explains each key there).

A settings sheet rather than ``case.yaml`` kept beside the workbook: an analyst who never opens a text editor can
change the budget, the seed or a weight where every other input lives, and validation points at the sheet's row
like it does for every other sheet. Nested settings are spelled out one leaf per row, so no cell holds a
structure larger than a short list.

Cells are read as the CSV reader reads text: a whole number is written without a decimal point, a date typed
into Excel is an ISO date (``period`` columns: ``YYYY-MM``), TRUE/FALSE is ``true``/``false``. A formula without
a saved result (a workbook written by a program and never opened in Excel) is a problem, never a blank.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from alliance_analytics.core.problems import Problem
from alliance_analytics.core.yaml_reading import CaseYamlLoader, key_path

WORKBOOK_NAME = "case.xlsx"
"""The file name of a case workbook inside a case folder."""
SETTINGS_SHEET = "settings"
"""The sheet that holds ``case.yaml``'s settings."""
SETTINGS_COLUMNS = ("key", "value", "note")
"""The columns of the settings sheet."""
SETTINGS_FILE = "case.yaml"
"""The case file the settings sheet stands for."""
_YAML_START = ("[", "{", "'", '"')
"""A text value starting with one of these is read as YAML (a list, a mapping, a quoted text)."""
_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+|\[\d+\])*$")
_PART = re.compile(r"\.?([A-Za-z0-9_]+)|\[(\d+)\]")


def sheet_of(file: str) -> str:
    """The sheet standing for a case file.

    Examples
    --------
    >>> sheet_of("assumptions.csv"), sheet_of("case.yaml")
    ('assumptions', 'settings')
    """
    return SETTINGS_SHEET if file == SETTINGS_FILE else file.removesuffix(".csv")


def file_of(sheet: str) -> str:
    """The case file a sheet stands for (the inverse of :func:`sheet_of`).

    Examples
    --------
    >>> file_of("scores"), file_of("settings")
    ('scores.csv', 'case.yaml')
    """
    return SETTINGS_FILE if sheet == SETTINGS_SHEET else f"{sheet}.csv"


def cell_text(value: object, column: str = "") -> str:
    """A cell's value as the text a CSV file would hold.

    Parameters
    ----------
    value : object
        As openpyxl reads it: None, bool, int, float, str, datetime or date.
    column : str
        The column's name; a date in a ``period`` column is a month (``YYYY-MM``).

    Returns
    -------
    str

    Examples
    --------
    >>> cell_text(None), cell_text(1150000.0), cell_text(0.46), cell_text(True)
    ('', '1150000', '0.46', 'true')
    >>> cell_text(dt.datetime(2025, 3, 1), "period"), cell_text(dt.date(2026, 11, 1))
    ('2025-03', '2026-11-01')
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 2**53 else repr(value)
    if isinstance(value, (dt.datetime, dt.date)):
        return value.strftime("%Y-%m" if column == "period" else "%Y-%m-%d")
    return str(value)


def cell_value(text: str) -> str | int | float | None:
    """The value to store in a cell for a CSV cell's text: a number where the text is exactly one, else the text.

    A number is stored only when reading the cell back gives the same text (so ``3.0``, ``007`` or a value
    with more digits than a cell keeps stay text), which makes CSV → workbook → CSV lossless.

    Examples
    --------
    >>> cell_value("1150000"), cell_value("0.46"), cell_value("C01"), cell_value("3.0"), cell_value("")
    (1150000, 0.46, 'C01', '3.0', None)
    """
    if text == "":
        return None
    for kind in (int, float):
        try:
            number = kind(text)
        except ValueError:
            continue
        if cell_text(number) == text and float(format(number, ".15g")) == number:
            return number
        return text
    return text


@dataclass
class WorkbookContent:
    """What a case workbook holds, read as text rows with their Excel row numbers.

    Attributes
    ----------
    tables : dict of str to (list of str, list of (int, list of str))
        Per case file (``"assumptions.csv"``) standing for a sheet: the header of row 1 and the non-blank rows.
    settings : list of (int, str, object)
        The settings sheet's rows: Excel row, key, value (as :func:`setting_value` reads it).
    headers : dict of str to list of str
        Each sheet's header, to name a column by its letter too.
    ignored : list of str
        Sheets the case format does not have (an analyst's notes), ignored.
    """

    tables: dict[str, tuple[list[str], list[tuple[int, list[str]]]]] = field(default_factory=dict)
    settings: list[tuple[int, str, object]] | None = None
    headers: dict[str, list[str]] = field(default_factory=dict)
    ignored: list[str] = field(default_factory=list)


def read_workbook(path: Path, known_files: set[str], problems: list[Problem]) -> WorkbookContent | None:
    """Read a case workbook's sheets as text rows.

    Parameters
    ----------
    path : Path
        The ``.xlsx`` file.
    known_files : set of str
        The case files a sheet may stand for (``"candidates.csv"``, …, ``"case.yaml"``).
    problems : list of Problem
        Appended: a file that is not a workbook, a sheet the case format does not have, a formula without a
        saved result; filed under the case file the sheet stands for.

    Returns
    -------
    WorkbookContent or None
        ``None`` when the file cannot be opened as a workbook.
    """
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        values = load_workbook(path, read_only=True, data_only=True)
        formulas = load_workbook(path, data_only=False)
    except (InvalidFileException, OSError, KeyError, ValueError) as error:
        problems.append(Problem(path.name, f"cannot be opened as an Excel workbook (.xlsx): {error}"))
        return None
    content = WorkbookContent()
    try:
        for sheet in values.sheetnames:
            file = file_of(sheet)
            if file not in known_files:
                meant = next((name for name in known_files if sheet_of(name) == sheet.strip().lower()), None)
                if meant is None:
                    content.ignored.append(sheet)
                else:
                    problems.append(Problem(path.name, f"sheet '{sheet}' is not named as the case format names it; "
                                            f"rename it '{sheet_of(meant)}' (lower case, no spaces)"))
                continue
            rows = [list(row) for row in values[sheet].iter_rows(values_only=True)]
            _check_formulas(formulas[sheet], rows, file, problems)
            problems.extend(Problem(file, f"cells {merged.coord} are merged, so only the first holds a value; unmerge "
                                    "them and type the value in every cell", line=merged.min_row)
                            for merged in formulas[sheet].merged_cells.ranges)
            header = [cell_text(cell).strip() for cell in rows[0]] if rows else []
            while header and not header[-1] and not any(len(row) >= len(header) and row[len(header) - 1] is not None
                                                         for row in rows[1:]):
                header.pop()
            content.headers[file] = header
            if file == SETTINGS_FILE:
                content.settings = _settings_rows(header, rows, problems)
                continue
            if not any(header):
                problems.append(Problem(file, "is empty; expected a header row naming the columns in row 1", line=1))
                continue
            raw = []
            for number, cells in enumerate(rows[1:], start=2):
                texts = [cell_text(cell, header[index] if index < len(header) else "")
                         for index, cell in enumerate(cells)]
                while len(texts) > len(header) and not texts[-1].strip():
                    texts.pop()
                texts += [""] * (len(header) - len(texts))
                if any(text.strip() for text in texts):
                    raw.append((number, texts))
            content.tables[file] = (header, raw)
    finally:
        values.close()
        formulas.close()
    return content


def _check_formulas(sheet: Any, values: list[list[object]], file: str, problems: list[Problem]) -> None:
    """A formula whose result was never saved reads as blank: say so instead of reading a blank."""
    from openpyxl.utils import get_column_letter

    for number, cells in enumerate(sheet.iter_rows(values_only=True), start=1):
        for index, cell in enumerate(cells):
            saved = values[number - 1][index] if index < len(values[number - 1]) else None
            if isinstance(cell, str) and cell.startswith("=") and saved is None:
                header = values[0][index] if values and index < len(values[0]) else None
                problems.append(Problem(file, f"cell {get_column_letter(index + 1)}{number} holds the formula "
                                        f"{cell} without a saved result; open the workbook in Excel and save it, or "
                                        "type the value", line=number, column=cell_text(header) or None))


def _settings_rows(header: list[str], rows: list[list[object]],
                   problems: list[Problem]) -> list[tuple[int, str, object]]:
    """The settings sheet's (row, key, value) triples; a wrong header or a malformed key is a problem."""
    if header[:2] != list(SETTINGS_COLUMNS[:2]) or any(name not in SETTINGS_COLUMNS for name in header):
        problems.append(Problem(SETTINGS_FILE, f"row 1 must name the columns {', '.join(SETTINGS_COLUMNS)} (note "
                                "optional), in this order", line=1))
        return []
    triples = []
    for number, cells in enumerate(rows[1:], start=2):
        key = cell_text(cells[0] if cells else None).strip()
        value = cells[1] if len(cells) > 1 else None
        if not key:
            if value is not None and cell_text(value).strip():
                problems.append(Problem(SETTINGS_FILE, "a value without a key; write the key path in column A",
                                        line=number, column="key"))
            continue
        if not _KEY.match(key):
            problems.append(Problem(SETTINGS_FILE, f"'{key}' is not a key path; expected keys joined by '.', with "
                                    "list positions in brackets, e.g. portfolio.budget or criteria[0].weight",
                                    line=number, column="key"))
            continue
        try:
            triples.append((number, key, setting_value(value)))
        except yaml.YAMLError as error:
            problems.append(Problem(SETTINGS_FILE, f"{key}: cannot be read as YAML ({getattr(error, 'problem', error)})",
                                    line=number, column="value"))
    return triples


def setting_value(cell: object) -> object:
    """The value of a settings cell: numbers, booleans and text as they are, dates as ISO text, YAML where marked.

    Raises
    ------
    yaml.YAMLError
        For text starting with ``[``, ``{`` or a quote that is not valid YAML.

    Examples
    --------
    >>> setting_value("[C02, C11]"), setting_value("EUR"), setting_value(" "), setting_value(0.09)
    (['C02', 'C11'], 'EUR', None, 0.09)
    """
    if isinstance(cell, (dt.datetime, dt.date)):
        return cell.strftime("%Y-%m-%d")
    if not isinstance(cell, str):
        return cell
    text = cell.strip()
    if not text:
        return None
    if text.startswith(_YAML_START):
        return yaml.load(text, Loader=CaseYamlLoader)
    return text


def settings_data(rows: list[tuple[int, str, object]],
                  problems: list[Problem]) -> tuple[dict[str, Any], dict[tuple, int]]:
    """Build the nested settings from the sheet's key paths.

    Parameters
    ----------
    rows : list of (int, str, object)
        From :func:`read_workbook`.
    problems : list of Problem
        Appended: a key given twice, a list position skipped, a key that is both a value and a section.

    Returns
    -------
    tuple of (dict, dict of tuple to int)
        The settings as ``case.yaml`` would hold them, and the Excel row of every key path and of every
        section it opens.

    Examples
    --------
    >>> data, rows = settings_data([(2, "name", "X"), (3, "criteria[0].id", "a"), (4, "criteria[1].id", "b")], [])
    >>> data, rows[("criteria", 1)]
    ({'name': 'X', 'criteria': [{'id': 'a'}, {'id': 'b'}]}, 4)
    """
    tree: dict[str, Any] = {}
    located: dict[tuple, int] = {}
    for number, key, value in rows:
        location = tuple(int(index) if index else name for name, index in _PART.findall(key))
        if location in located and located[location] != number:
            problems.append(Problem(SETTINGS_FILE, f"{key}: given twice (first in row {located[location]})",
                                    line=number, column="key"))
            continue
        for depth in range(1, len(location) + 1):
            located.setdefault(location[:depth], number)
            located.setdefault(_numeric_keys(location[:depth]), number)
        node: Any = tree
        for depth, (part, following) in enumerate(itertools.pairwise(location), start=1):
            kind = dict if isinstance(following, str) else _Positions
            node = node.setdefault(part, kind())
            if type(node) is not kind:
                problems.append(_clash(key, location[:depth], number))
                break
        else:
            if isinstance(node.get(location[-1]), dict):
                problems.append(_clash(key, location, number))
                continue
            node[location[-1]] = value
    return _as_lists(tree, (), located, problems), located


def _numeric_keys(location: tuple) -> tuple:
    """A key path with its number-like mapping keys as numbers, as YAML reads ``2027:`` (validation's locations)."""
    return tuple(int(part) if isinstance(part, str) and part.isdigit() else part for part in location)


def _clash(key: str, location: tuple, row: int) -> Problem:
    """The problem of a key path used both for a value and for a section (or a list and a mapping)."""
    return Problem(SETTINGS_FILE, f"{key}: {key_path(location)} is used in another row for a different kind of "
                   "setting (a value, a list or a section), so this row cannot be read with it", line=row, column="key")


class _Positions(dict):
    """The items of a list being collected from key paths, by position."""


def _as_lists(node: Any, location: tuple, located: dict[tuple, int], problems: list[Problem]) -> Any:
    """Turn collected positions into lists, checking that positions run 0, 1, 2, … without gaps."""
    if not isinstance(node, dict):
        return node
    if not isinstance(node, _Positions):
        return {int(key) if key.isdigit() else key: _as_lists(value, (*location, key), located, problems)
                for key, value in node.items()}
    missing = next(index for index in range(len(node) + 1) if index not in node)
    if missing < len(node):
        problems.append(Problem(SETTINGS_FILE, f"{key_path((*location, missing))} is missing: list positions must "
                                "run 0, 1, 2, … without gaps", line=located.get(location), column="key"))
    return [_as_lists(node[position], (*location, position), located, problems) for position in sorted(node)]


def settings_rows(data: dict[str, Any]) -> list[tuple[str, object]]:
    """Flatten settings (as ``case.yaml`` holds them) into the settings sheet's (key, cell value) rows.

    Mappings and lists of mappings or lists are spelled out one leaf per row; a list of plain values is one
    cell in YAML's flow style.

    Examples
    --------
    >>> settings_rows({"portfolio": {"budget": 5000000, "exclusions": [["C02", "C11"]]}, "name": "[x]"})
    [('portfolio.budget', 5000000), ('portfolio.exclusions[0]', '[C02, C11]'), ('name', '"[x]"')]
    >>> settings_rows({"budget_per_year": {2027: 4000000}})
    [('budget_per_year.2027', 4000000)]
    """
    rows: list[tuple[str, object]] = []

    def walk(value: Any, path: str) -> None:
        if isinstance(value, dict) and value:
            for key, child in value.items():
                walk(child, f"{path}.{key}" if path else str(key))
        elif isinstance(value, list) and any(isinstance(item, (dict, list)) for item in value):
            for index, child in enumerate(value):
                walk(child, f"{path}[{index}]")
        else:
            rows.append((path, _setting_cell(value)))

    walk(data, "")
    return rows


def _setting_cell(value: Any) -> object:
    """The cell for one settings leaf: numbers, booleans and plain text as they are; lists in YAML flow style."""
    if isinstance(value, (list, dict)):
        return yaml.safe_dump(value, default_flow_style=True, width=10**6).strip()
    if isinstance(value, str) and value.strip().startswith(_YAML_START):
        return json.dumps(value, ensure_ascii=False)
    return value
