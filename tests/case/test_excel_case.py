"""The Excel route: a case as one workbook, read by the same rules as the CSV folder, written back without loss.

Each check compares with something computed independently: the CSV files themselves (byte for byte), the
folder's own loading, the workbook's cells as openpyxl reads them (to find the row and column a problem must
name), the row models' own ``Literal`` words.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import shutil
import subprocess
import sys
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from alliance_analytics.case.conversion import column_notes, new_case, write_folder, write_workbook
from alliance_analytics.case.loading import load_case
from alliance_analytics.case.model import CASE_FILES, OPTIONAL_FILES
from alliance_analytics.core.paths import SAMPLE_CASE_DIR
from alliance_analytics.core.problems import InputError
from alliance_analytics.core.yaml_reading import parse_yaml

CLI = [sys.executable, "-c", "from alliance_analytics.cli import main; main()"]
TABLES = {**CASE_FILES, **OPTIONAL_FILES}


@pytest.fixture(scope="module")
def workbook(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample case written as a workbook."""
    return write_workbook(SAMPLE_CASE_DIR, tmp_path_factory.mktemp("xlsx") / "case.xlsx")


def _normalised(text: str) -> list[list[str]]:
    """A CSV file's cells (quoting and line endings aside)."""
    return list(csv.reader(io.StringIO(text, newline="")))


def _row_of(path: Path, sheet: str, column: str, value: object) -> tuple[int, str]:
    """The Excel row holding ``value`` in ``column`` of ``sheet``, and that column's letter (read with openpyxl)."""
    cells = openpyxl.load_workbook(path)[sheet]
    header = [cell.value for cell in cells[1]]
    letter = openpyxl.utils.get_column_letter(header.index(column) + 1)
    row = next(cell.row for cell in cells[letter] if cell.value == value)
    return row, letter


def test_csv_to_workbook_to_csv_is_lossless(workbook: Path, tmp_path: Path) -> None:
    back = write_folder(workbook, tmp_path / "back")
    sample_files = sorted(path.name for path in SAMPLE_CASE_DIR.iterdir() if path.suffix == ".csv")
    assert sorted(path.name for path in back.glob("*.csv")) == sample_files
    for name in sample_files:
        original, returned = (SAMPLE_CASE_DIR / name).read_bytes(), (back / name).read_bytes()
        assert _normalised(returned.decode()) == _normalised(original.decode()), name
        assert returned == original, f"{name} differs byte for byte"
    assert parse_yaml((back / "case.yaml").read_text())[0] == parse_yaml((SAMPLE_CASE_DIR / "case.yaml").read_text())[0]


def test_workbook_to_csv_to_workbook_keeps_every_cell(workbook: Path, tmp_path: Path) -> None:
    again = write_workbook(write_folder(workbook, tmp_path / "folder"), tmp_path / "again.xlsx")
    first, second = openpyxl.load_workbook(workbook), openpyxl.load_workbook(again)
    assert first.sheetnames == second.sheetnames
    for name in first.sheetnames:
        assert [[cell.value for cell in row] for row in first[name].iter_rows()] == \
               [[cell.value for cell in row] for row in second[name].iter_rows()], name


def test_workbook_loads_as_the_folder_does(workbook: Path) -> None:
    folder, book = load_case(SAMPLE_CASE_DIR), load_case(workbook)
    assert book.settings == folder.settings
    for name in ("candidates", "alliances", "scores", "assumptions", "risks", "drivers"):
        pd.testing.assert_frame_equal(getattr(book, name), getattr(folder, name), obj=name)
    for group in ("health_tables", "thesis_tables", "review_tables"):
        for name, frame in getattr(folder, group).items():
            pd.testing.assert_frame_equal(getattr(book, group)[name], frame, obj=name)
    assert book.correlations.keys() == folder.correlations.keys()
    assert book.warnings == folder.warnings
    assert book.file_hashes == {"case.xlsx": hashlib.sha256(workbook.read_bytes()).hexdigest()}


def test_a_folder_holding_case_xlsx_is_that_workbook(workbook: Path, tmp_path: Path) -> None:
    shutil.copyfile(workbook, tmp_path / "case.xlsx")
    assert load_case(tmp_path).settings == load_case(workbook).settings
    shutil.copyfile(SAMPLE_CASE_DIR / "case.yaml", tmp_path / "case.yaml")
    with pytest.raises(InputError, match="holds both case.xlsx and case files"):
        load_case(tmp_path)


def _column(path: Path, sheet: str, name: str) -> str:
    """The letter of a column of ``sheet``, from its header (read with openpyxl)."""
    header = [cell.value for cell in openpyxl.load_workbook(path)[sheet][1]]
    return openpyxl.utils.get_column_letter(header.index(name) + 1)


def test_every_problem_names_sheet_row_and_column(workbook: Path, tmp_path: Path) -> None:
    broken = tmp_path / "broken.xlsx"
    shutil.copyfile(workbook, broken)
    assumption_row, _ = _row_of(broken, "assumptions", "assumption_id", "gm_devices")
    risk_row, _ = _row_of(broken, "risks", "risk_id", "price_increase")
    budget_row, _ = _row_of(broken, "settings", "key", "portfolio.budget")
    distribution, probability = _column(broken, "assumptions", "distribution"), _column(broken, "risks", "probability")
    book = openpyxl.load_workbook(broken)
    book["assumptions"][f"{distribution}{assumption_row}"] = "pertt"
    book["risks"][f"{probability}{risk_row}"] = 1.7
    book["settings"][f"B{budget_row}"] = "lots"
    book.save(broken)
    before = hashlib.sha256(broken.read_bytes()).hexdigest()

    with pytest.raises(InputError) as raised:
        load_case(broken)
    found = {(problem.sheet, problem.line, problem.column) for problem in raised.value.problems}
    assert found == {("assumptions", assumption_row, f"distribution ({distribution})"),
                     ("risks", risk_row, f"probability ({probability})"),
                     ("settings", budget_row, "value (B)")}
    assert all(problem.file == "broken.xlsx" for problem in raised.value.problems)
    assert f"broken.xlsx, sheet 'settings', row {budget_row}, column 'value (B)': portfolio.budget:" in str(raised.value)
    assert hashlib.sha256(broken.read_bytes()).hexdigest() == before, "reading must not modify the workbook"


def test_excel_values_read_as_the_csv_text_they_stand_for(workbook: Path, tmp_path: Path) -> None:
    typed = tmp_path / "typed.xlsx"
    book = openpyxl.load_workbook(workbook)
    actuals = book["actuals"]
    header = [cell.value for cell in actuals[1]]
    actuals.cell(row=2, column=header.index("period") + 1, value=dt.datetime(2025, 3, 1))
    actuals.cell(row=2, column=header.index("observed") + 1, value=1150000.0)
    as_of_row, _ = _row_of(workbook, "settings", "key", "as_of")
    book["settings"][f"B{as_of_row}"] = dt.datetime(2026, 11, 1)
    book.save(typed)
    folder, read = load_case(SAMPLE_CASE_DIR), load_case(typed)
    pd.testing.assert_frame_equal(read.thesis_tables["actuals.csv"], folder.thesis_tables["actuals.csv"])
    assert read.settings.as_of == folder.settings.as_of


def test_a_formula_without_a_saved_result_is_a_problem_not_a_blank(workbook: Path, tmp_path: Path) -> None:
    formula = tmp_path / "formula.xlsx"
    book = openpyxl.load_workbook(workbook)
    row, _ = _row_of(workbook, "candidates", "candidate_id", "C02")
    investment = _column(workbook, "candidates", "investment")
    book["candidates"][f"{investment}{row}"] = "=900000*2"
    book.save(formula)
    with pytest.raises(InputError) as raised:
        load_case(formula)
    assert any(problem.sheet == "candidates" and problem.line == row and f"{investment}{row}" in problem.message
               for problem in raised.value.problems)


def test_the_settings_sheet_finds_gaps_and_repeats(workbook: Path, tmp_path: Path) -> None:
    edited = tmp_path / "settings.xlsx"
    book = openpyxl.load_workbook(workbook)
    book["settings"].append(["criteria[9].name", "Orphan"])
    book["settings"].append(["currency", "USD"])
    book.save(edited)
    currency_row, _ = _row_of(workbook, "settings", "key", "currency")
    last = book["settings"].max_row
    with pytest.raises(InputError) as raised:
        load_case(edited)
    messages = [(problem.line, problem.message) for problem in raised.value.problems]
    assert (last, f"currency: given twice (first in row {currency_row})") in messages
    assert any("criteria[7] is missing" in message for _, message in messages)


def test_the_template_explains_columns_and_offers_drop_downs(tmp_path: Path) -> None:
    written = new_case(tmp_path / "blank", workbook=True, blank=True)
    book = openpyxl.load_workbook(written)
    notes = column_notes()
    for name, model in TABLES.items():
        if model is None:
            continue
        sheet = book[name.removesuffix(".csv")]
        header = [cell.value for cell in sheet[1]]
        assert header == list(model.model_fields), name
        assert sheet.max_row == 1, f"{name}: a blank case has no rows"
        for cell in sheet[1]:
            assert cell.comment is not None and cell.comment.text == notes[name][cell.value], (name, cell.value)
    assumptions = book["assumptions"]
    header = [cell.value for cell in assumptions[1]]
    lists = {str(validation.sqref).split(":")[0].rstrip("0123456789"): validation.formula1.strip('"').split(",")
             for validation in assumptions.data_validations.dataValidation}
    letter = openpyxl.utils.get_column_letter
    assert lists[letter(header.index("distribution") + 1)] == ["fixed", "uniform", "triangular", "pert", "normal",
                                                               "lognormal", "p10_p50_p90", "beta", "gamma"]
    assert lists[letter(header.index("driver_effect") + 1)] == ["multiply", "add"]
    criteria = [row[1].value for row in book["settings"].iter_rows(min_row=2) if row[0].value.endswith("].id")
                and row[0].value.startswith("criteria")]
    assert criteria == [criterion.id for criterion in load_case(SAMPLE_CASE_DIR).settings.criteria]
    with pytest.raises(InputError) as raised:
        load_case(written)
    assert [str(problem) for problem in raised.value.problems] == [
        "case.xlsx, sheet 'candidates': holds no candidates; expected at least one row"]


def test_new_case_on_the_command_line(tmp_path: Path) -> None:
    made = subprocess.run([*CLI, "new-case", str(tmp_path / "mine"), "--xlsx"], capture_output=True, text=True)
    assert made.returncode == 0, made.stderr
    valid = subprocess.run([*CLI, "validate", str(tmp_path / "mine")], capture_output=True, text=True)
    assert valid.returncode == 0 and "valid case" in valid.stdout
    again = subprocess.run([*CLI, "new-case", str(tmp_path / "mine")], capture_output=True, text=True)
    assert again.returncode == 2 and "Traceback" not in again.stderr and "not an empty folder" in again.stderr
    back = subprocess.run([*CLI, "new-case", str(tmp_path / "folder"), "--from", str(tmp_path / "mine" / "case.xlsx")],
                          capture_output=True, text=True)
    assert back.returncode == 0, back.stderr
    assert (tmp_path / "folder" / "assumptions.csv").read_bytes() == (SAMPLE_CASE_DIR / "assumptions.csv").read_bytes()


def test_merged_cells_are_a_problem_not_a_blank(workbook: Path, tmp_path: Path) -> None:
    merged = tmp_path / "merged.xlsx"
    book = openpyxl.load_workbook(workbook)
    sponsor = _column(workbook, "candidates", "sponsor")
    row, _ = _row_of(workbook, "candidates", "candidate_id", "C01")
    book["candidates"].merge_cells(f"{sponsor}{row}:{sponsor}{row + 1}")
    book.save(merged)
    with pytest.raises(InputError) as raised:
        load_case(merged)
    assert [(problem.sheet, problem.line) for problem in raised.value.problems
            if "merged" in problem.message] == [("candidates", row)]


def test_a_notes_sheet_is_ignored_with_a_warning_and_a_misnamed_sheet_is_a_problem(workbook: Path,
                                                                                   tmp_path: Path) -> None:
    noted = tmp_path / "noted.xlsx"
    book = openpyxl.load_workbook(workbook)
    book.create_sheet("Notes")["A1"] = "Call Medivio on Monday"
    book.save(noted)
    case = load_case(noted)
    assert "noted.xlsx: sheet 'Notes' is not part of the case format and is ignored" in case.warnings
    book["risks"].title = "renamed"  # openpyxl refuses a title that differs only in case from the sheet's own
    book["renamed"].title = "Risks"
    book.save(noted)
    with pytest.raises(InputError) as raised:
        load_case(noted)
    assert "sheet 'Risks' is not named as the case format names it; rename it 'risks'" in str(raised.value)


def test_workbook_messages_count_rows_not_lines(workbook: Path, tmp_path: Path) -> None:
    repeated = tmp_path / "repeated.xlsx"
    book = openpyxl.load_workbook(workbook)
    sheet = book["risks"]
    sheet.append([cell.value for cell in sheet[2]])
    book.save(repeated)
    with pytest.raises(InputError) as raised:
        load_case(repeated)
    duplicate = next(problem for problem in raised.value.problems if "duplicate id" in problem.message)
    assert duplicate.line == sheet.max_row and "(first on row 2)" in duplicate.message


@pytest.mark.parametrize("source", ["folder with case.xlsx", "missing", "empty folder"])
def test_new_case_copies_only_a_case(workbook: Path, tmp_path: Path, source: str) -> None:
    origin = {"folder with case.xlsx": workbook.parent, "missing": tmp_path / "nope",
              "empty folder": tmp_path / "empty"}[source]
    (tmp_path / "empty").mkdir()
    if source == "folder with case.xlsx":
        written = new_case(tmp_path / "copy", source=origin)
        assert (written / "assumptions.csv").read_bytes() == (SAMPLE_CASE_DIR / "assumptions.csv").read_bytes()
        return
    with pytest.raises(InputError, match="--from takes a case folder or a case workbook"):
        new_case(tmp_path / "copy", source=origin)
    assert not (tmp_path / "copy").exists() and not list(tmp_path.glob(".copy*"))
