"""``results.xlsx``: a notebook's ``results.json`` as a workbook an analyst opens in Excel.

The workbook holds exactly what ``results.json`` holds, laid out as tables: a ``Summary`` sheet (the headline and
every single value), one sheet per table (a list of records, or records by id such as the candidates), a long
sheet for what is nested deeper (a time series per alliance, the options per alliance) and a ``Run`` sheet with
the run record (case file hashes, parameters, seed, versions, git revision). Numbers keep their full value; the
cell's format shows them: money with thousands separators, shares and probabilities as percentages.
"""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

from alliance_analytics.core.atomic_files import write_bytes_atomic

MONEY_FORMAT = "#,##0"
SHARE_FORMAT = "0.0%"
NUMBER_FORMAT = "0.00"
_MONEY = re.compile(r"(npv|cvar|cost|investment|evpi|evppi|evsi|objective|spent|commitment|salvage|money|gain|"
                    r"budget|value_|revenue|savings|p10|p50|p90|expected|^cvar_floor)")
_SHARE = re.compile(r"(prob|share|acceptability|confidence|winning|weight|level|attainment|health|index|gap$|"
                    r"standard_error|se_prob)")
_ACRONYMS = {"npv": "NPV", "cvar": "CVaR", "evpi": "EVPI", "evppi": "EVPPI", "evsi": "EVSI", "fte": "FTE",
             "id": "id", "p10": "P10", "p50": "P50", "p90": "P90", "se": "SE", "smaa": "SMAA", "sha256": "SHA-256"}
SKIPPED = ("notebook", "headline", "provenance")
"""Keys of ``results.json`` that are not analysis results (the headline and run record get their own sheets)."""


def label(key: str) -> str:
    """A column heading for a ``results.json`` key.

    Examples
    --------
    >>> label("npv_mean"), label("prob_loss"), label("C01")
    ('NPV mean', 'Prob loss', 'C01')
    """
    words = [_ACRONYMS.get(word, word) for word in str(key).split("_")]
    text = " ".join(words)
    return text[:1].upper() + text[1:] if words and words[0] not in _ACRONYMS.values() else text


def number_format(key: str, value: float) -> str:
    """The cell format for a number under ``key``: money, share or plain.

    Examples
    --------
    >>> number_format("npv_mean", 1.6e6), number_format("prob_loss", 0.2), number_format("rank", 3)
    ('#,##0', '0.0%', 'General')
    """
    name = str(key).lower()
    if _SHARE.search(name) and abs(value) <= 1.5:
        return SHARE_FORMAT
    if _MONEY.search(name):
        return MONEY_FORMAT
    return NUMBER_FORMAT if isinstance(value, float) and not float(value).is_integer() else "General"


def _scalar(value: Any) -> bool:
    """Whether a value fits one cell as it is."""
    return value is None or isinstance(value, (str, int, float, bool))


def _numbers(value: Any) -> bool:
    """Whether a value is a non-empty list of numbers (spread over cells, one number each)."""
    return isinstance(value, list) and bool(value) and all(
        isinstance(item, (int, float)) and not isinstance(item, bool) for item in value)


def _cell(value: Any) -> Any:
    """A value for one cell: scalars as they are, a list of plain values as text."""
    if isinstance(value, list) and all(_scalar(item) for item in value):
        return "; ".join("" if item is None else str(item) for item in value)
    return value


def _tables(payload: dict[str, Any]) -> tuple[list[tuple[str, Any]], list[tuple[str, list[str], list[list[Any]]]]]:
    """Split a ``results.json`` payload into single values and tables (name, columns, rows)."""
    singles: list[tuple[str, Any]] = []
    tables: list[tuple[str, list[str], list[list[Any]]]] = []
    for key, value in payload.items():
        if key in SKIPPED:
            continue
        if _scalar(value) or (isinstance(value, list) and all(_scalar(item) for item in value)):
            singles.append((key, value if _numbers(value) else _cell(value)))
        elif isinstance(value, list) and all(isinstance(item, dict) for item in value):
            tables.extend(_records(key, [(None, item) for item in value]))
        elif isinstance(value, dict) and all(isinstance(item, dict) for item in value.values()):
            tables.extend(_records(key, list(value.items())))
        elif isinstance(value, dict) and all(_scalar(item) for item in value.values()):
            tables.append((key, ["Id", label(key)], [[name, item] for name, item in value.items()]))
        elif isinstance(value, dict) and all(isinstance(item, list) for item in value.values()):
            width = max((len(item) for item in value.values()), default=0)
            tables.append((key, ["Id", *(str(position + 1) for position in range(width))],
                           [[name, *item] for name, item in value.items()]))
        else:
            tables.append((key, ["Item", "Value"], [[path, item] for path, item in _leaves(value, "")]))
    return singles, tables


def _records(name: str, records: list[tuple[str | None, dict[str, Any]]]) -> list[tuple[str, list[str], list[list[Any]]]]:
    """A table of records (by id when given); fields nested deeper go to a long table of their own."""
    columns: list[tuple[str, str | None]] = []
    deep: dict[str, list[list[Any]]] = {}
    for _, record in records:
        for field, value in record.items():
            if _numbers(value):
                keys = [(field, position) for position in range(len(value))]
            elif _scalar(value) or (isinstance(value, list) and all(_scalar(item) for item in value)):
                keys = [(field, None)]
            elif isinstance(value, dict) and all(_scalar(item) for item in value.values()):
                keys = [(field, sub) for sub in value]
            else:
                keys = []
                deep.setdefault(field, [])
            columns.extend(key for key in keys if key not in columns)
    ids = any(identifier is not None for identifier, _ in records)
    rows = []
    for identifier, record in records:
        cells = [identifier] if ids else []
        for field, sub in columns:
            value = record.get(field)
            if isinstance(sub, int):
                value = value[sub] if _numbers(value) and sub < len(value) else None
            elif sub is not None:
                value = value.get(sub) if isinstance(value, dict) else None
            cells.append(_cell(value))
        rows.append(cells)
        for field, long in deep.items():
            if field in record:
                long.extend([identifier, path, item] if ids else [path, item]
                                   for path, item in _leaves(record[field], ""))
    first = [_id_heading(name)] if ids else []
    headings = first + [label(field) if sub is None else f"{label(field)} {sub + 1}" if isinstance(sub, int)
                        else f"{label(field)}: {sub}"
                                         for field, sub in columns]
    tables = [(name, headings, rows)]
    tables += [(f"{name} {field}", first + ["Item", label(field)], long)
               for field, long in deep.items()]
    return tables


def _id_heading(name: str) -> str:
    """The heading of the id column of a table of records by id: ``candidates`` → ``Candidate``.

    Examples
    --------
    >>> _id_heading("candidates"), _id_heading("why")
    ('Candidate', 'Id')
    """
    return label(name[:-1]) if name.endswith("s") else "Id"


def _leaves(value: Any, path: str) -> list[tuple[str, Any]]:
    """Every plain value inside nested dicts and lists, with its path (``options.exit.expected_npv``)."""
    if isinstance(value, dict):
        return [leaf for key, item in value.items() for leaf in _leaves(item, f"{path}.{key}" if path else str(key))]
    if isinstance(value, list) and (_numbers(value) or not all(_scalar(item) for item in value)):
        return [leaf for index, item in enumerate(value) for leaf in _leaves(item, f"{path}[{index}]")]
    return [(path, _cell(value))]


def write_results_workbook(destination: str | Path, payload: dict[str, Any]) -> Path:
    """Write ``results.xlsx`` (atomically) from what ``results.json`` holds.

    Parameters
    ----------
    destination : str or Path
        The ``.xlsx`` file.
    payload : dict
        The content of ``results.json``: ``notebook``, ``headline``, the results and ``provenance``.

    Returns
    -------
    Path
        ``destination``.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    singles, tables = _tables(payload)
    workbook = Workbook()
    summary = workbook.active
    summary.title = "Summary"
    summary.append([payload.get("notebook", "")])
    summary["A1"].font = Font(bold=True, size=13)
    for line in payload.get("headline", []):
        summary.append([line])
    summary.append([])
    for key, value in singles:
        summary.append([label(key), *(value if isinstance(value, list) else [value])])
        for cell in summary[summary.max_row][1:]:
            _format(cell, key)
    summary.column_dimensions["A"].width = 60
    summary.column_dimensions["B"].width = 40
    names = {"Summary", "Run"}
    for title, headings, rows in tables:
        sheet = workbook.create_sheet(_sheet_name(title, names))
        sheet.append(headings)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        for row in rows:
            sheet.append(row)
            for column, cell in enumerate(sheet[sheet.max_row]):
                _format(cell, str(row[-2]) if headings[column] == "Value" else f"{title} {headings[column]}")
        sheet.freeze_panes = "A2"
        for column, heading in enumerate(headings, start=1):
            sheet.column_dimensions[sheet.cell(row=1, column=column).column_letter].width = max(10, min(45,
                                                                                                    len(heading) + 4))
    run = workbook.create_sheet("Run")
    run.append(["Item", "Value"])
    for path, value in _leaves(payload.get("provenance", {}), ""):
        run.append([path, value])
    run.column_dimensions["A"].width = 45
    run.column_dimensions["B"].width = 70
    buffer = io.BytesIO()
    workbook.save(buffer)
    return write_bytes_atomic(destination, buffer.getvalue())


def _format(cell: Any, key: str) -> None:
    """Give a number cell the format its key calls for."""
    if isinstance(cell.value, (int, float)) and not isinstance(cell.value, bool):
        cell.number_format = number_format(key.replace(" ", "_").lower(), cell.value)


def _sheet_name(title: str, taken: set[str]) -> str:
    """A unique sheet name of at most 31 characters without the characters Excel forbids."""
    base = label(re.sub(r"[\\/*?:\[\]]", " ", title))[:31]
    name, number = base, 2
    while name in taken:
        suffix = f" {number}"
        name, number = base[:31 - len(suffix)] + suffix, number + 1
    taken.add(name)
    return name
