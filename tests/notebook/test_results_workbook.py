"""``results.xlsx`` holds what ``results.json`` holds: nothing lost, nothing invented, numbers formatted.

Checked on every notebook's output of the sample run (the session's ``sample_report``): every number of
``results.json`` appears in the workbook as a number cell and the workbook has no other numbers (compared as
sorted lists, so a lost, added or altered number fails), every text value appears in a cell, and the run record
is on its own sheet.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from alliance_analytics.notebook.results_workbook import write_results_workbook


def _plain(value: Any) -> bool:
    return value is None or isinstance(value, (str, int, float, bool))


def _json_leaves(value: Any, numbers: list[float], texts: list[str]) -> None:
    """Numbers and texts of a JSON document; a list of plain values counts as one text (one cell, '; ' joined)."""
    if isinstance(value, dict):
        for item in value.values():
            _json_leaves(item, numbers, texts)
    elif isinstance(value, list) and value and all(_plain(item) for item in value) and not all(
            isinstance(item, (int, float)) and not isinstance(item, bool) for item in value):  # numbers: one a cell
        texts.append("; ".join("" if item is None else str(item) for item in value))
    elif isinstance(value, list):
        for item in value:
            _json_leaves(item, numbers, texts)
    elif isinstance(value, bool):
        texts.append(str(value))
    elif isinstance(value, (int, float)):
        numbers.append(float(value))
    elif isinstance(value, str):
        texts.append(value)


def _workbook_cells(path: Path) -> tuple[list[float], set[str], list[str]]:
    numbers, texts = [], set()
    book = openpyxl.load_workbook(path)
    for sheet in book.worksheets:
        for row in sheet.iter_rows(values_only=True):
            for cell in row:
                if isinstance(cell, bool):
                    texts.add(str(cell))
                elif isinstance(cell, (int, float)):
                    numbers.append(float(cell))
                elif isinstance(cell, str):
                    texts.add(cell)
    return numbers, texts, book.sheetnames


def _outputs(sample_report) -> list[Path]:
    return sorted(Path(sample_report.folder).glob("*/results.json"))


def test_every_run_writes_a_results_workbook(sample_report) -> None:
    outputs = _outputs(sample_report)
    assert len(outputs) == len(sample_report.runs) >= 8
    for path in outputs:
        assert path.with_suffix(".xlsx").is_file(), path


@pytest.mark.parametrize("index", range(8))
def test_the_workbook_equals_results_json(sample_report, index: int) -> None:
    path = _outputs(sample_report)[index]
    payload = json.loads(path.read_text())
    json_numbers: list[float] = []
    json_texts = list(payload["headline"])  # one line a row of the summary
    for key, value in payload.items():
        if key not in ("notebook", "headline"):
            _json_leaves(value, json_numbers, json_texts)
    cells, texts, sheets = _workbook_cells(path.with_suffix(".xlsx"))
    assert len(cells) == len(json_numbers), path.parent.name
    for got, expected in zip(sorted(cells), sorted(json_numbers)):
        assert math.isclose(got, expected, rel_tol=1e-12, abs_tol=1e-300), (path.parent.name, got, expected)
    missing = [text for text in json_texts if text and text not in texts]
    assert not missing, (path.parent.name, missing[:5])
    assert sheets[0] == "Summary" and sheets[-1] == "Run"
    run = openpyxl.load_workbook(path.with_suffix(".xlsx"))["Run"]
    record = {row[0]: row[1] for row in run.iter_rows(min_row=2, values_only=True)}
    assert record["seed"] == payload["provenance"]["seed"]
    assert record["git_revision"] == payload["provenance"]["git_revision"]


def test_money_and_shares_are_formatted(tmp_path: Path) -> None:
    payload = {"notebook": "03_risk_simulation", "headline": ["x"], "currency": "EUR",
               "candidates": {"C01": {"name": "Helvetia", "npv_mean": 1691403.34, "prob_loss": 0.25, "rank": 2}},
               "provenance": {"seed": 7}}
    book = openpyxl.load_workbook(write_results_workbook(tmp_path / "r.xlsx", payload))
    sheet = book["Candidates"]
    header = [cell.value for cell in sheet[1]]
    assert header == ["Candidate", "Name", "NPV mean", "Prob loss", "Rank"]
    row = {name: cell for name, cell in zip(header, sheet[2])}
    assert row["Candidate"].value == "C01" and row["NPV mean"].value == 1691403.34
    assert row["NPV mean"].number_format == "#,##0"
    assert row["Prob loss"].number_format == "0.0%"
    assert row["Rank"].number_format == "General"
