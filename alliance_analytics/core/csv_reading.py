"""Reading case CSV files as text rows that remember their line in the file.

Line numbers count the header as line 1 and stay right past blank lines and quoted cells that span
several lines, so a message can send the user to the exact row in a spreadsheet or editor.
"""

from __future__ import annotations

import csv
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

    Parameters
    ----------
    path : Path
        The file.
    problems : list of Problem
        Problems found are appended: an unreadable file, an empty file, a column named twice, a row with
        the wrong number of cells (that row is skipped).

    Returns
    -------
    CsvRows or None
        ``None`` when the file cannot be read at all.
    """
    rows, complete = [], True
    try:
        with path.open(newline="", encoding="utf-8-sig") as stream:
            reader = csv.reader(stream, skipinitialspace=True)
            header = [name.strip() for name in next(reader, [])]
            if not header:
                problems.append(Problem(path.name, "is empty; expected a header row naming the columns", line=1))
                return None
            for name in sorted({name for name in header if header.count(name) > 1}):
                problems.append(Problem(path.name, "column is named twice in the header", line=1, column=name))
            if len(set(header)) < len(header):
                return None
            start = reader.line_num + 1
            for cells in reader:
                if any(cell.strip() for cell in cells):
                    if len(cells) == len(header):
                        rows.append((start, dict(zip(header, cells))))
                    else:
                        complete = False
                        problems.append(Problem(path.name, f"has {len(cells)} cells but the header has "
                                                f"{len(header)} columns (a stray or missing comma?)", line=start))
                start = reader.line_num + 1
    except UnicodeDecodeError as error:
        problems.append(Problem(path.name, f"is not UTF-8 text ({error.reason}); save it as 'CSV UTF-8'"))
        return None
    except csv.Error as error:
        problems.append(Problem(path.name, f"cannot be read as CSV: {error}", line=reader.line_num))
        return None
    return CsvRows(header=header, rows=rows, complete=complete)
