"""Reading case CSV files as text rows that remember their line in the file.

Line numbers count the header as line 1 and stay right past blank lines and quoted cells that span
several lines, so a message can send the user to the exact row in a spreadsheet or editor.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from alliance_analytics.core.problems import Problem


@dataclass(frozen=True)
class CsvRows:
    """A CSV file's header and its non-blank rows, each with the line it starts on.

    ``complete`` is false when a row had to be skipped (a wrong number of cells).
    """

    header: list[str]
    rows: list[tuple[int, dict[str, str]]]
    complete: bool


def read_csv_rows(path: Path, problems: list[Problem]) -> CsvRows | None:
    """Read a UTF-8 CSV file (a leading byte-order mark is allowed) into text rows.

    Spreadsheet habits are taken as meant: columns without a name that hold no data (Excel's trailing ``,,``)
    are ignored; a file separated by semicolons (Excel in much of Europe) is one clear problem, not a list of
    wrong cells; a file that is not UTF-8 is a problem at the line and column of its first bad byte.

    Parameters
    ----------
    path : Path
        The file.
    problems : list of Problem
        Problems found are appended: an unreadable file, an empty file, a column named twice, an unnamed column
        holding data, a row with the wrong number of cells (that row is skipped).

    Returns
    -------
    CsvRows or None
        ``None`` when the file cannot be read at all.
    """
    try:
        data = path.read_bytes()
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        problems.append(_not_utf8(path, data, error))
        return None
    reader = csv.reader(io.StringIO(text, newline=""), skipinitialspace=True)
    try:
        header = [name.strip() for name in next(reader, [])]
        if not any(header):
            problems.append(Problem(path.name, "is empty; expected a header row naming the columns", line=1))
            return None
        if len(header) == 1 and header[0].count(";") >= 1:
            problems.append(Problem(path.name, "uses ';' to separate its columns; save it with commas (in Excel: "
                                    "'CSV UTF-8 (comma delimited)'), with '.' as the decimal point", line=1))
            return None
        raw = []
        start = reader.line_num + 1
        for cells in reader:
            if any(cell.strip() for cell in cells):
                raw.append((start, cells))
            start = reader.line_num + 1
    except csv.Error as error:
        problems.append(Problem(path.name, f"cannot be read as CSV: {error}", line=reader.line_num))
        return None
    return table_rows(path.name, header, raw, problems)


def table_rows(file: str, header: list[str], raw: list[tuple[int, list[str]]],
               problems: list[Problem]) -> CsvRows | None:
    """Check a table's header and pair each row's cells with it: the rules every case table follows.

    Used for CSV files and for worksheets alike, so both are read by the same rules.

    Parameters
    ----------
    file : str
        The name problems are filed under (``"assumptions.csv"``).
    header : list of str
        The column names of line 1, stripped.
    raw : list of (int, list of str)
        The non-blank rows: the line (or row) each starts on and its cells as text.
    problems : list of Problem
        Problems found are appended: a column named twice, an unnamed column holding data, a row with the
        wrong number of cells (that row is skipped).

    Returns
    -------
    CsvRows or None
        ``None`` when a column is named twice.
    """
    header, raw = _without_empty_unnamed_columns(file, header, raw, problems)
    for name in sorted({name for name in header if name and header.count(name) > 1}):
        problems.append(Problem(file, "column is named twice in the header", line=1, column=name))
    if len(set(header)) < len(header):
        return None
    rows, complete = [], True
    for line, cells in raw:
        if len(cells) == len(header):
            rows.append((line, dict(zip(header, cells))))
        else:
            complete = False
            problems.append(Problem(file, f"has {len(cells)} cells but the header has {len(header)} columns "
                                    "(a stray or missing comma?)", line=line))
    return CsvRows(header=header, rows=rows, complete=complete)


def _without_empty_unnamed_columns(file: str, header: list[str], raw: list[tuple[int, list[str]]],
                                   problems: list[Problem]) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """Drop the columns without a name whose every cell is empty; an unnamed column with data is a problem."""
    unnamed = [index for index, name in enumerate(header) if not name]
    if not unnamed:
        return header, raw
    keep = []
    for index in range(len(header)):
        if index not in unnamed:
            keep.append(index)
            continue
        filled = next((line for line, cells in raw if index < len(cells) and cells[index].strip()), None)
        if filled is not None:
            problems.append(Problem(file, f"column {index + 1} has no name in the header but holds data; name "
                                    "it or delete it", line=filled))
            keep.append(index)
    width = len(header)
    trimmed = [(line, [cells[index] for index in keep] if len(cells) == width else cells) for line, cells in raw]
    return [header[index] for index in keep], trimmed


def _not_utf8(path: Path, data: bytes, error: UnicodeDecodeError) -> Problem:
    """The problem of a file that is not UTF-8, at the line and column of its first bad byte."""
    offset = error.start
    line = data.count(b"\n", 0, offset) + 1
    line_start = data.rfind(b"\n", 0, offset) + 1
    header = next(csv.reader([data.split(b"\n", 1)[0].decode("latin-1")]), [])
    before = data[line_start:offset].decode("latin-1")
    cell = len(next(csv.reader([before]), [""])) - 1 if before else 0
    column = header[cell].strip() if 0 <= cell < len(header) else None
    byte = data[offset]
    return Problem(path.name, f"is not UTF-8 text (byte 0x{byte:02x}, {bytes([byte]).decode('cp1252', 'replace')!r} "
                   "in Windows-1252/Latin-1?); save it as 'CSV UTF-8'", line=line, column=column)
