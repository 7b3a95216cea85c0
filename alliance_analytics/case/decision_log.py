"""The decision log: what the steering committee decided, each entry chained to the one before it.

``decisions.csv`` (or the ``decisions`` sheet of a case workbook) records, per entry, the date, the alliance (a
candidate's or an alliance in flight's id), the decision, its rationale, any dissent, and the run it was based on
(the SHA-256 of that report folder's ``run.json`` or ``manifest.json``). Its ``entry_hash`` is the SHA-256 of the
previous entry's hash and this entry's content, a hash chain as in an append-only audit log (Haber and Stornetta
1991, "How to time-stamp a digital document"): changing, removing or reordering an old entry changes every hash
after it, so :func:`chain_problems` (run by ``validate`` and every load) finds it. New entries are added with
``alliance-analytics decide`` (:func:`append_decision`), which computes the hash.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
from collections.abc import Sequence
from pathlib import Path

from alliance_analytics.core.atomic_files import write_bytes_atomic, write_text_atomic
from alliance_analytics.core.problems import InputError, Problem

LOG_FILE = "decisions.csv"
COLUMNS = ("date", "alliance", "decision", "rationale", "dissent", "run", "entry_hash")
"""The columns of ``decisions.csv``, in order."""
CONTENT = COLUMNS[:-1]
"""The columns an entry's hash covers."""
RUN_RECORDS = ("manifest.json", "run.json")
"""The file whose SHA-256 names a report folder: a batch's manifest or a single run's record."""


def entry_hash(previous: str, entry: dict[str, str]) -> str:
    """The hash of one entry: SHA-256 of the previous entry's hash and this entry's content.

    Parameters
    ----------
    previous : str
        The previous entry's ``entry_hash``; empty for the first entry.
    entry : dict of str to str
        The entry's cells by column (``date`` as ``YYYY-MM-DD``; blank cells as empty text); white space around
        a cell does not count.

    Returns
    -------
    str
        64 lowercase hexadecimal digits.

    Examples
    --------
    >>> entry = {"date": "2026-11-20", "alliance": "A03", "decision": "restructure", "rationale": "Thesis broken"}
    >>> entry_hash("", entry) == entry_hash("", {**entry, "rationale": " Thesis broken "})
    True
    >>> entry_hash("", entry) == entry_hash("", {**entry, "decision": "exit"})
    False
    """
    content = "\x1f".join(str(entry.get(column) or "").strip() for column in CONTENT)
    return hashlib.sha256(f"{previous}\n{content}".encode()).hexdigest()


def chain_problems(entries: Sequence[tuple[int, dict[str, str]]], file: str = LOG_FILE) -> list[Problem]:
    """Check the hash chain of a decision log.

    Parameters
    ----------
    entries : sequence of (int, dict of str to str)
        Each entry's line (or row) and its cells by column, in file order.
    file : str
        The name problems are filed under.

    Returns
    -------
    list of Problem
        One problem at the first entry whose hash does not follow from its content and the entry before it
        (every later hash depends on it, so only the first break is reported); empty when the chain holds.
    """
    previous = ""
    for line, entry in entries:
        expected = entry_hash(previous, entry)
        if str(entry.get("entry_hash") or "").strip() != expected:
            return [Problem(file, "this entry does not match its entry_hash: it, or an entry before it, was "
                            "changed, removed or reordered after it was logged. The log is append-only: restore "
                            "it from the copy every report keeps (reports/<run>/inputs/<case>/) or from version "
                            "control, then record a correction with `alliance-analytics decide`",
                            line=line, column="entry_hash")]
        previous = expected
    return []


def log_entry(row: object) -> dict[str, str]:
    """A validated ``decisions.csv`` row as the text cells its hash covers (dates as ``YYYY-MM-DD``).

    Parameters
    ----------
    row : DecisionRow
        A validated row (``alliance_analytics.case.model.DecisionRow``).

    Returns
    -------
    dict of str to str
    """
    cells = {column: getattr(row, column) for column in COLUMNS}
    return {column: "" if value is None else value.isoformat() if isinstance(value, dt.date) else str(value)
            for column, value in cells.items()}


def run_hash(report_folder: Path) -> str:
    """The SHA-256 of a report folder's record (``manifest.json`` of a batch, ``run.json`` of a run).

    Raises
    ------
    InputError
        When the folder has neither.
    """
    subject = f"run {report_folder}"
    if not report_folder.is_dir():
        raise InputError(subject, [Problem(str(report_folder), "does not exist; --run takes a report folder")])
    for name in RUN_RECORDS:
        record = report_folder / name
        if record.is_file():
            content = record.read_bytes()
            try:
                parsed = json.loads(content)
            except (ValueError, UnicodeDecodeError):
                parsed = None
            if not isinstance(parsed, dict):
                raise InputError(subject, [Problem(name, "is not a report's record (not a JSON object); --run takes "
                                                   "a report folder written by run or batch")])
            return hashlib.sha256(content).hexdigest()
    raise InputError(subject, [Problem(str(report_folder), "is not a report folder: it has no manifest.json or "
                                       "run.json")])


def append_decision(case_path: Path, entry: dict[str, str], last_hash: str) -> dict[str, str]:
    """Append one entry to a case's decision log, with its hash (atomically; the log is created if absent).

    Parameters
    ----------
    case_path : Path
        The case folder (``decisions.csv`` is written there) or the case workbook (its ``decisions`` sheet).
    entry : dict of str to str
        The entry's content (:data:`CONTENT`).
    last_hash : str
        The current last entry's hash (empty for an empty log), from the validated case.

    Returns
    -------
    dict of str to str
        The entry as written, with its ``entry_hash``.
    """
    written = {**{column: str(entry.get(column) or "") for column in CONTENT}}
    written["entry_hash"] = entry_hash(last_hash, written)
    row = [written[column] for column in COLUMNS]
    workbook = case_path if case_path.is_file() else case_path / "case.xlsx"
    if workbook.is_file():
        from openpyxl import load_workbook

        book = load_workbook(workbook)
        sheet = book["decisions"] if "decisions" in book.sheetnames else book.create_sheet("decisions")
        if sheet.max_row == 1 and sheet.cell(row=1, column=1).value is None:
            sheet.append(list(COLUMNS))
        sheet.append([cell or None for cell in row])
        buffer = io.BytesIO()
        book.save(buffer)
        write_bytes_atomic(workbook, buffer.getvalue())
        return written
    log = case_path / LOG_FILE
    text = log.read_text(encoding="utf-8-sig") if log.is_file() else ""
    if text and not text.endswith("\n"):
        text += "\n"
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    if not text:
        writer.writerow(COLUMNS)
    writer.writerow(row)
    write_text_atomic(log, text + buffer.getvalue())
    return written


def today() -> str:
    """Today's date as ``YYYY-MM-DD`` (the default date of a new entry)."""
    return dt.date.today().isoformat()
