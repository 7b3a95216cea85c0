"""Writing a case in either form: a folder of CSV files and ``case.yaml``, or one workbook ``case.xlsx``.

:func:`write_workbook` turns a case folder into a workbook for analysts: one sheet per file with the same columns,
each header cell carrying a comment that explains the column (from ``docs/case-format.md``), drop-down lists for
the columns that take one of a few words (``distribution``, ``impact_type``, ``status``, …), money and shares
formatted, the header row frozen; and the ``settings`` sheet (see :mod:`alliance_analytics.case.workbook`).
:func:`write_folder` turns a workbook back into a folder. Folder → workbook → folder gives the same CSV files
byte for byte (cells are stored as numbers only where that is lossless) and a ``case.yaml`` with the same
settings (its comments live in the settings sheet's notes).

:func:`new_case` writes a filled-in template: the sample case, or a blank case with the seven seed criteria.
"""

from __future__ import annotations

import csv
import io
import re
import shutil
import typing
from pathlib import Path
from typing import Any

import yaml

from alliance_analytics.case.model import CASE_FILES, OPTIONAL_FILES
from alliance_analytics.case.workbook import (
    SETTINGS_COLUMNS,
    SETTINGS_FILE,
    SETTINGS_SHEET,
    WORKBOOK_NAME,
    cell_value,
    read_workbook,
    settings_data,
    settings_rows,
    sheet_of,
)
from alliance_analytics.core.atomic_files import write_bytes_atomic, write_text_atomic
from alliance_analytics.core.paths import PROJECT_ROOT, SAMPLE_CASE_DIR
from alliance_analytics.core.problems import InputError, Problem
from alliance_analytics.core.yaml_reading import parse_yaml

FORMAT_DOC = PROJECT_ROOT / "docs" / "case-format.md"
"""The case format's reference, whose tables explain each column and key."""
_ROW = re.compile(r"^\|\s*(`[^|]*)\|(.*)\|\s*$")
_HEADING = re.compile(r"^#+ .*?`([a-z_]+\.(?:csv|yaml))`")
MONEY_FORMAT = "#,##0"
SHARE_COLUMNS = ("gross_margin", "probability", "mitigated_probability", "rank_correlation", "factor")
_MONEY = re.compile(r"(investment|cost|spent|commitment|salvage|revenue|savings|exit_cost|impact_)")
ALL_FILES = [*CASE_FILES, *OPTIONAL_FILES]
"""Every case file, in the order of the format's reference."""


def column_notes(path: Path = FORMAT_DOC) -> dict[str, dict[str, str]]:
    """What each column of each case file (and each key of ``case.yaml``) means, from the format's reference.

    Parameters
    ----------
    path : Path
        ``docs/case-format.md``: a section per file whose heading names it, with a table whose first column is
        the column (or key path) in backticks.

    Returns
    -------
    dict
        ``{file: {column or key path: note}}``; the note joins the table's other cells (type, values, meaning).
        Empty when the reference is not beside the package.
    """
    if not path.is_file():
        return {}
    notes: dict[str, dict[str, str]] = {}
    current = None
    for line in path.read_text(encoding="utf-8").splitlines():
        heading = _HEADING.match(line)
        if line.startswith("#"):
            current = heading[1] if heading else current if line.startswith("###") else None
            continue
        row = _ROW.match(line)
        if current is None or row is None:
            continue
        cells = [re.sub(r"[`*]", "", cell).strip() for cell in row[2].split("|")]
        meaning = cells[-1]
        details = "; ".join(cell for cell in cells[:-1] if cell and cell not in ("yes", "no"))
        blank = {"yes": " May be blank.", "no": " Required."}.get(cells[-2] if len(cells) > 2 else "", "")
        for name in re.findall(r"`([^`]+)`", line.split("|")[1]):
            notes.setdefault(current, {})[name] = f"{meaning} ({details}).{blank}".replace("..", ".")
    return notes


def choices(file: str) -> dict[str, list[str]]:
    """The columns of a case file that take one of a few words, and those words (from the row model).

    Examples
    --------
    >>> choices("assumptions.csv")["driver_effect"]
    ['multiply', 'add']
    """
    model = {**CASE_FILES, **OPTIONAL_FILES}[file]
    found = {}
    for name, info in model.model_fields.items():
        words = _literal_words(info.annotation)
        if words:
            found[name] = words
    return found


def _literal_words(annotation: Any) -> list[str]:
    """The words of a ``Literal`` inside an annotation (``Literal[...] | None``, ``Annotated[Literal, ...]``)."""
    if typing.get_origin(annotation) is typing.Literal:
        return [str(word) for word in typing.get_args(annotation)]
    for argument in typing.get_args(annotation):
        words = _literal_words(argument)
        if words:
            return words
    return []


def write_workbook(case_dir: Path, destination: Path) -> Path:
    """Write a case folder as a case workbook (atomically).

    Parameters
    ----------
    case_dir : Path
        A case folder (``case.yaml`` and CSV files); every file present becomes a sheet.
    destination : Path
        The ``.xlsx`` file to write.

    Returns
    -------
    Path
        ``destination``.

    Raises
    ------
    InputError
        When ``case.yaml`` cannot be parsed (a case that fails other checks is still written: fix it in Excel).
    """
    from openpyxl import Workbook

    data = _settings_of(case_dir)
    workbook = Workbook()
    notes = column_notes()
    _settings_sheet(workbook.active, data, notes.get(SETTINGS_FILE, {}))
    for file in ALL_FILES:
        if file != SETTINGS_FILE and (case_dir / file).is_file():
            rows = list(csv.reader(io.StringIO((case_dir / file).read_text(encoding="utf-8-sig"), newline="")))
            _table_sheet(workbook.create_sheet(sheet_of(file)), file, rows, notes.get(file, {}))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return write_bytes_atomic(destination, buffer.getvalue())


def _settings_of(case_dir: Path) -> dict[str, Any]:
    """``case.yaml``'s data; a file that is not YAML is an :class:`InputError`."""
    try:
        data, _ = parse_yaml((case_dir / SETTINGS_FILE).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        raise InputError(f"case {case_dir}", [Problem(SETTINGS_FILE, f"cannot be read: {error}")]) from None
    if not isinstance(data, dict):
        raise InputError(f"case {case_dir}", [Problem(SETTINGS_FILE, "must be a mapping of keys", line=1)])
    return data


def _settings_sheet(sheet: Any, data: dict[str, Any], notes: dict[str, str]) -> None:
    """Fill the settings sheet: key, value and a note explaining the key."""
    sheet.title = SETTINGS_SHEET
    sheet.append(list(SETTINGS_COLUMNS))
    for key, value in settings_rows(data):
        sheet.append([key, value, notes.get(re.sub(r"\[\d+\]", "[]", key), notes.get(key.split("[")[0], ""))])
    _style(sheet, [40, 48, 90])


def _table_sheet(sheet: Any, file: str, rows: list[list[str]], notes: dict[str, str]) -> None:
    """Fill one table's sheet: header with comments, cells as numbers where lossless, drop-downs, formats."""
    from openpyxl.comments import Comment
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    header = rows[0] if rows else []
    for cells in rows:
        sheet.append([cell_value(cell) for cell in cells] if cells is not header else cells)
    for index, name in enumerate(header, start=1):
        note = notes.get(name.strip())
        if note:
            sheet.cell(row=1, column=index).comment = Comment(note, "Alliance Analytics", width=320, height=160)
        letter = get_column_letter(index)
        words = choices(file).get(name.strip())
        if words:
            validation = DataValidation(type="list", formula1=f'"{",".join(words)}"', allow_blank=True,
                                        showErrorMessage=True, errorTitle=name,
                                        error=f"{name} is one of: {', '.join(words)}")
            sheet.add_data_validation(validation)
            validation.add(f"{letter}2:{letter}1048576")
        if _MONEY.search(name) and name not in SHARE_COLUMNS or name in ("value", "min", "mode", "max", "mean", "sd",
                                                                          "p10", "p50", "p90"):
            for cell in sheet[letter][1:]:
                if isinstance(cell.value, (int, float)) and abs(cell.value) >= 1000:
                    cell.number_format = MONEY_FORMAT
    _style(sheet, [max(10, min(40, max((len(str(row[index])) for row in rows if index < len(row)), default=8) + 2))
                   for index in range(len(header))])


def _style(sheet: Any, widths: list[int]) -> None:
    """Bold, frozen header row and column widths."""
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width


def write_folder(workbook: Path, destination: Path) -> Path:
    """Write a case workbook as a case folder: ``case.yaml`` and one CSV file per sheet.

    Parameters
    ----------
    workbook : Path
        The ``.xlsx`` file.
    destination : Path
        The folder to write (created; files in it are replaced atomically).

    Returns
    -------
    Path
        ``destination``.

    Raises
    ------
    InputError
        When the workbook cannot be read as a case workbook (not a workbook, unknown sheets, a malformed
        settings sheet).
    """
    problems: list[Problem] = []
    content = read_workbook(workbook, set(ALL_FILES), problems)
    data = settings_data(content.settings, problems)[0] if content is not None and content.settings else None
    if problems or content is None:
        raise InputError(f"workbook {workbook}", problems)
    destination.mkdir(parents=True, exist_ok=True)
    if data is not None:
        write_text_atomic(destination / SETTINGS_FILE, yaml.safe_dump(data, sort_keys=False, allow_unicode=True,
                                                                      width=120))
    for file, (header, raw) in content.tables.items():
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(cells for _, cells in raw)
        write_text_atomic(destination / file, buffer.getvalue())
    return destination


def new_case(destination: Path, workbook: bool = False, blank: bool = False, source: Path = SAMPLE_CASE_DIR) -> Path:
    """Write a filled-in case to start from: a copy of a case (the sample by default) or a blank one.

    Parameters
    ----------
    destination : Path
        A folder that does not exist yet or is empty.
    workbook : bool
        Write ``case.xlsx`` instead of ``case.yaml`` and CSV files.
    blank : bool
        A blank case: the seven seed criteria and neutral settings, every table with its header only.
    source : Path
        The case folder or workbook to copy when not ``blank``.

    Returns
    -------
    Path
        The case written: the folder (CSV form) or the workbook.

    Raises
    ------
    InputError
        When ``destination`` is a file or a folder that is not empty (nothing is overwritten).
    """
    subject = f"new case {destination}"
    if destination.exists() and (not destination.is_dir() or any(destination.iterdir())):
        raise InputError(subject, [Problem(str(destination), "already exists and is not an empty folder; choose a "
                                           "new folder (nothing was written)")])
    if destination.suffix.lower() in (".xlsx", ".xlsm", ".csv", ".yaml"):
        raise InputError(subject, [Problem(str(destination), "is the folder to write the case into, not a file "
                                           f"name; give a folder (the workbook is written as {WORKBOOK_NAME} in it)")])
    source = _case_in(source) if not blank else source
    staging = destination.parent / f".{destination.name}.new"
    shutil.rmtree(staging, ignore_errors=True)
    try:
        if blank:
            _blank_case(staging)
        elif source.is_file():
            write_folder(source, staging)
        else:
            staging.mkdir(parents=True)
            for file in ALL_FILES:
                if (source / file).is_file():
                    shutil.copyfile(source / file, staging / file)
        if workbook:
            write_workbook(staging, staging / WORKBOOK_NAME)
            for file in ALL_FILES:
                (staging / file).unlink(missing_ok=True)
        if destination.exists():
            destination.rmdir()
        staging.rename(destination)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return destination / WORKBOOK_NAME if workbook else destination


def _case_in(source: Path) -> Path:
    """The case to copy: a workbook, a folder's ``case.xlsx``, or a case folder (it must hold ``case.yaml``).

    Raises
    ------
    InputError
        When ``source`` is none of these (nothing would be copied).
    """
    if source.is_file() and source.suffix.lower() in (".xlsx", ".xlsm"):
        return source
    if source.is_dir() and (source / WORKBOOK_NAME).is_file() and not (source / SETTINGS_FILE).is_file():
        return source / WORKBOOK_NAME
    if source.is_dir() and (source / SETTINGS_FILE).is_file():
        return source
    what = ("does not exist" if not source.exists() else "is a folder without case.yaml or case.xlsx"
            if source.is_dir() else "is not a case workbook (.xlsx)")
    raise InputError(f"case {source}", [Problem(str(source), f"{what}; --from takes a case folder or a case "
                                                "workbook (nothing was written)")])


def _blank_case(folder: Path) -> None:
    """A blank case: the sample's seven seed criteria and neutral settings; every table with its header only."""
    sample = _settings_of(SAMPLE_CASE_DIR)
    settings = {
        "name": "New alliance programme",
        "currency": sample["currency"],
        "as_of": sample["as_of"],
        "strategy": {"objectives": [{"id": "O1", "description": "Describe the first objective the alliances serve"}],
                     "horizon": sample["strategy"]["horizon"], "risk_appetite": "medium"},
        **{key: sample[key] for key in ("scale", "aggregation", "recommendation", "criteria", "finance")},
        "portfolio": {"objective": "npv", "budget": sample["portfolio"]["budget"],
                      "manager_capacity_fte": sample["portfolio"]["manager_capacity_fte"],
                      "risk_limit": sample["portfolio"]["risk_limit"]},
        "simulation": sample["simulation"],
    }
    folder.mkdir(parents=True)
    write_text_atomic(folder / SETTINGS_FILE, yaml.safe_dump(settings, sort_keys=False, allow_unicode=True, width=120))
    for file in ALL_FILES:
        if file != SETTINGS_FILE:
            write_text_atomic(folder / file, ",".join({**CASE_FILES, **OPTIONAL_FILES}[file].model_fields) + "\n")

