"""What changed in the inputs: rows keyed by their ids, cells by their typed values, settings by key path,
parameters; the copy of the inputs each run keeps."""

from __future__ import annotations

import hashlib
from pathlib import Path

import openpyxl
import pytest
from run_folders import edit_cell

from alliance_analytics import load_case
from alliance_analytics.case.conversion import write_workbook
from alliance_analytics.compare.inputs import CellChange, diff_inputs, key_columns
from alliance_analytics.compare.report import inputs_sentence, row_words
from alliance_analytics.compare.snapshot import snapshot_case
from alliance_analytics.core.paths import SAMPLE_CASE_DIR


def _line_of(path: Path, start: str) -> int:
    """The 1-based line of the first line of a file starting with ``start`` (counted by hand)."""
    return next(number for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
                if line.startswith(start))


def test_one_changed_cell_is_the_one_change_reported(case_copy):
    edit_cell(case_copy / "assumptions.csv", "C05,study_savings", "p90", "1200000")
    changes = diff_inputs(SAMPLE_CASE_DIR, case_copy, {}, {})
    line = _line_of(case_copy / "assumptions.csv", "C05,study_savings")
    assert changes.count == 1 and not (changes.files or changes.reordered or changes.settings or changes.parameters)
    [row] = changes.rows
    assert (row.file, row.key, row.change, row.line_before, row.line_after) == (
        "assumptions.csv", ("C05", "study_savings"), "changed", line, line)
    assert row.cells == (CellChange("p90", 950000.0, 1200000.0),)
    assert inputs_sentence(changes) == (f"One input changed: assumptions.csv, line {line} (C05 study_savings: p90 "
                                        "950,000 → 1,200,000 EUR/year).")


def test_the_same_number_written_otherwise_and_identical_inputs_are_no_change(case_copy):
    assert diff_inputs(SAMPLE_CASE_DIR, case_copy, {"seed": 7}, {"seed": 7}).count == 0
    edit_cell(case_copy / "assumptions.csv", "C05,study_savings", "p90", "950000.000")
    changes = diff_inputs(SAMPLE_CASE_DIR, case_copy, {}, {})
    assert changes.count == 0
    assert inputs_sentence(changes, since=" since 30 Nov 2026 14:12 UTC") == \
        "Nothing changed in the inputs since 30 Nov 2026 14:12 UTC."


def test_added_removed_and_moved_rows(case_copy):
    path = case_copy / "risks.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    removed = lines.pop(3)
    moved = lines.pop(1)
    lines.append(moved)
    lines.append("C05,new_risk,A new risk,0.1,one_off_cost,1000,2000,3000,,,\n")
    path.write_text("".join(lines), encoding="utf-8")
    changes = diff_inputs(SAMPLE_CASE_DIR, case_copy, {}, {})
    kinds = {(row.change, row.key) for row in changes.rows}
    assert kinds == {("removed", tuple(removed.split(",")[:2])), ("added", ("C05", "new_risk"))}
    added = next(row for row in changes.rows if row.change == "added")
    assert added.where == f"risks.csv, line {len(lines)}" and row_words(added) == f"{added.where} (added: C05 new_risk)"
    assert changes.reordered == ["risks.csv"]


def test_settings_are_compared_by_key_with_the_line_they_are_on(case_copy):
    path = case_copy / "case.yaml"
    text = path.read_text(encoding="utf-8")
    assert "discount_rate: 0.09" in text
    path.write_text(text.replace("discount_rate: 0.09", "discount_rate: 0.1"), encoding="utf-8")
    changes = diff_inputs(SAMPLE_CASE_DIR, case_copy, {}, {"seed": 7})
    [setting] = changes.settings
    assert (setting.key, setting.before, setting.after) == ("finance.discount_rate", 0.09, 0.1)
    assert setting.where == f"case.yaml, line {_line_of(path, '  discount_rate:')}"
    [parameter] = changes.parameters
    assert (parameter.name, parameter.given_before, parameter.after) == ("seed", False, 7)
    assert changes.count == 2 and not changes.rows


def test_a_criterion_is_named_by_its_id_not_its_place(case_copy):
    path = case_copy / "case.yaml"
    text = path.read_text(encoding="utf-8")
    start = text.index("id: cultural_fit")
    weight = text.index("weight:", start)
    end = text.index("\n", weight)
    path.write_text(text[:weight] + "weight: 15" + text[end:], encoding="utf-8")
    [setting] = diff_inputs(SAMPLE_CASE_DIR, case_copy, {}, {}).settings
    assert setting.key == "criteria[cultural_fit].weight" and setting.after == 15


def test_a_workbook_case_reads_like_its_folder_and_is_located_by_sheet_and_row(tmp_path):
    workbook = write_workbook(SAMPLE_CASE_DIR, tmp_path / "book" / "case.xlsx")
    assert diff_inputs(SAMPLE_CASE_DIR, workbook.parent, {}, {}).count == 0
    book = openpyxl.load_workbook(workbook)
    sheet = book["assumptions"]
    header = [cell.value for cell in sheet[1]]
    row = next(row for row in sheet.iter_rows(min_row=2) if row[0].value == "C05" and row[1].value == "study_savings")
    row[header.index("p90")].value = 1_200_000
    book.save(workbook)
    [change] = diff_inputs(SAMPLE_CASE_DIR, workbook.parent, {}, {}).rows
    assert change.where == f"case.xlsx, sheet 'assumptions', row {row[0].row}"
    assert change.cells == (CellChange("p90", 950000.0, 1200000.0),)


def test_a_table_without_listed_keys_is_keyed_by_its_id_columns():
    assert key_columns("kpis.csv", []) == ("alliance_id", "kpi_id")
    assert key_columns("notes.csv", ["note", "text"]) == ("note", "text")


@pytest.mark.parametrize("form", ["folder", "workbook"])
def test_the_copy_of_the_inputs_is_every_file_read_byte_for_byte(tmp_path, form):
    source = SAMPLE_CASE_DIR if form == "folder" else write_workbook(SAMPLE_CASE_DIR, tmp_path / "q3" / "q3.xlsx")
    case = load_case(source)
    report = tmp_path / "report"
    loaded = snapshot_case(case, report)
    assert loaded == ("inputs/sample" if form == "folder" else "inputs/q3/q3.xlsx")
    copy = report / loaded
    folder = copy if copy.is_dir() else copy.parent
    assert sorted(path.name for path in folder.iterdir()) == sorted(case.file_hashes)
    assert {name: hashlib.sha256((folder / name).read_bytes()).hexdigest() for name in case.file_hashes} == \
        case.file_hashes
    assert load_case(copy).file_hashes == case.file_hashes
