"""The decision log: entries appended with their hash, any later edit of a logged entry found by validation.

The hash of each entry is recomputed here from the file's own text with hashlib (SHA-256 of the previous hash,
a newline and the entry's six content cells joined by the unit separator), independently of the package.
"""

from __future__ import annotations

import csv
import hashlib
import io
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

from alliance_analytics.case.conversion import write_workbook
from alliance_analytics.case.loading import load_case
from alliance_analytics.core.paths import SAMPLE_CASE_DIR
from alliance_analytics.core.problems import InputError
from alliance_analytics.reporting.decision_log import logged_decisions

CLI = [sys.executable, "-c", "from alliance_analytics.cli import main; main()"]


def _rows(path: Path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_text(), newline="")))


def _chain(rows: list[list[str]]) -> list[str]:
    """Every entry's hash, recomputed from the cells."""
    hashes, previous = [], ""
    for cells in rows[1:]:
        previous = hashlib.sha256(f"{previous}\n{chr(31).join(cell.strip() for cell in cells[:6])}".encode()).hexdigest()
        hashes.append(previous)
    return hashes


def _decide(case: Path, *arguments: str) -> subprocess.CompletedProcess:
    return subprocess.run([*CLI, "decide", str(case), *arguments], capture_output=True, text=True)


def test_the_sample_log_is_a_valid_chain() -> None:
    rows = _rows(SAMPLE_CASE_DIR / "decisions.csv")
    assert [cells[6] for cells in rows[1:]] == _chain(rows)
    assert list(load_case(SAMPLE_CASE_DIR).decisions["alliance"]) == [cells[1] for cells in rows[1:]]


def test_decide_appends_an_entry_chained_to_the_last(case_copy: Path, tmp_path: Path) -> None:
    (tmp_path / "run").mkdir()
    (tmp_path / "run" / "run.json").write_text('{"ok": true}')
    done = _decide(case_copy, "A03", "restructure", "--rationale", "Thesis broken, keep Bavaria", "--dissent",
                   "CFO, COO: exit", "--run", str(tmp_path / "run"), "--date", "2026-11-25")
    assert done.returncode == 0, done.stderr
    rows = _rows(case_copy / "decisions.csv")
    assert rows[:-1] == _rows(SAMPLE_CASE_DIR / "decisions.csv"), "earlier entries are kept as they were"
    assert rows[-1][:6] == ["2026-11-25", "A03", "restructure", "Thesis broken, keep Bavaria", "CFO, COO: exit",
                            hashlib.sha256(b'{"ok": true}').hexdigest()]
    assert rows[-1][6] == _chain(rows)[-1]
    assert load_case(case_copy).decisions["decision"].iloc[-1] == "restructure"


@pytest.mark.parametrize("column", range(6))
def test_editing_any_cell_of_a_logged_entry_fails_validation(case_copy: Path, column: int) -> None:
    rows = _rows(case_copy / "decisions.csv")
    rows[2][column] = {0: "2026-10-16", 1: "A01", 2: "exit", 3: "Changed later", 4: "Nobody", 5: "a" * 64}[column]
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    (case_copy / "decisions.csv").write_text(buffer.getvalue())
    with pytest.raises(InputError) as raised:
        load_case(case_copy)
    chain = [problem for problem in raised.value.problems if problem.column == "entry_hash"]
    assert [(problem.file, problem.line) for problem in chain] == [("decisions.csv", 3)]
    checked = subprocess.run([*CLI, "validate", str(case_copy)], capture_output=True, text=True)
    assert checked.returncode == 2 and "Traceback" not in checked.stderr and "line 3" in checked.stderr


@pytest.mark.parametrize("change", ["remove", "swap", "truncate hash"])
def test_removing_or_reordering_entries_fails_validation(case_copy: Path, change: str) -> None:
    lines = (case_copy / "decisions.csv").read_text().splitlines(keepends=True)
    if change == "remove":
        del lines[2]
    elif change == "swap":
        lines[2], lines[3] = lines[3], lines[2]
    else:
        lines[4] = lines[4].rstrip("\n")[:-1] + "0\n"
    (case_copy / "decisions.csv").write_text("".join(lines))
    with pytest.raises(InputError, match="does not match its entry_hash"):
        load_case(case_copy)


def test_a_decision_must_fit_what_it_decides(case_copy: Path) -> None:
    before = (case_copy / "decisions.csv").read_bytes()
    wrong = _decide(case_copy, "C05", "exit", "--rationale", "x", "--date", "2026-13-01")
    assert wrong.returncode == 2 and "Traceback" not in wrong.stderr
    assert "'exit' is not a decision for a proposed candidate" in wrong.stderr and "'date'" in wrong.stderr
    unknown = _decide(case_copy, "C99", "pursue", "--rationale", "x")
    assert unknown.returncode == 2 and "unknown alliance 'C99'" in unknown.stderr
    assert (case_copy / "decisions.csv").read_bytes() == before, "a refused decision writes nothing"


def test_the_workbook_route_logs_and_checks_decisions_too(tmp_path: Path) -> None:
    book = write_workbook(SAMPLE_CASE_DIR, tmp_path / "case.xlsx")
    done = _decide(book, "A01", "continue", "--rationale", "Healthy and ahead of plan", "--date", "2026-11-25")
    assert done.returncode == 0, done.stderr
    sheet = openpyxl.load_workbook(book)["decisions"]
    rows = [["" if cell is None else str(cell) for cell in row] for row in sheet.iter_rows(values_only=True)]
    assert rows[-1][6] == _chain(rows)[-1]
    assert load_case(book).decisions["alliance"].iloc[-1] == "A01"
    edited = openpyxl.load_workbook(book)
    edited["decisions"]["D2"] = "Edited afterwards"
    edited.save(book)
    with pytest.raises(InputError) as raised:
        load_case(book)
    assert [(problem.sheet, problem.line, problem.column) for problem in raised.value.problems] == [
        ("decisions", 2, "entry_hash (G)")]


def test_the_front_page_says_whether_the_run_agrees(sample_case) -> None:
    runs = {"04_portfolio": {"selected": ["C01", "C05"]},
            "08_portfolio_review": {"alliances": {"A03": {"decision": "restructure"}}},
            "06_alliance_health": {"alliances": {"A05": {"recommendation": "exit"}}}}
    found = {row.alliance: (row.decision, row.recommended, row.verdict)
             for row in logged_decisions(sample_case, lambda name: runs.get(name, {}))}
    assert found == {"Clinexa Research GmbH (C05)": ("pursue", "pursue", "agrees"),
                     "Lumen Patient Apps BV (A05)": ("exit", "exit", "agrees"),
                     "Alpina Reha Kliniken AG (A03)": ("continue", "restructure", "differs"),
                     "Medivio Cloud GmbH (C02)": ("defer", "do not pursue", "deferred")}
    assert logged_decisions(sample_case, lambda name: {})[0].verdict == "not assessed by this run"


def test_the_front_page_shows_the_log_beside_the_run(sample_case, tmp_path: Path) -> None:
    from alliance_analytics.reporting.front_page import AnalysisRun, Setting, write_front_page

    review = AnalysisRun(title="Portfolio review", notebook="08_portfolio_review", ok=True, seconds=1.0, html=None,
                         executed_notebook=None, results_link=None,
                         results={"alliances": {"A03": {"decision": "restructure", "name": "Alpina", "reason": "x"}},
                                  "headline": ["x"]})
    page = tmp_path / "index.html"
    write_front_page(page, title="t", settings=[Setting(case=sample_case, parameters={}, analyses=[review])],
                     status="s", ok=True, provenance=[], machine_readable="run.json")
    text = page.read_text()
    assert "Decisions on record" in text
    assert ("This run agrees with 0 of the 1 latest decisions it assesses and differs on Alpina Reha Kliniken AG "
            "(A03).") in text
    assert "Dissent: CFO: restructure now; the clinics outside Bavaria do not order." in text


def test_decide_reports_every_problem_at_once(case_copy: Path, tmp_path: Path) -> None:
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "run.json").write_text("{not json")
    refused = _decide(case_copy, "C99", "exit", "--rationale", "", "--date", "2999-01-01", "--run", str(tmp_path / "bad"))
    assert refused.returncode == 2 and "4 problems found" in refused.stderr
    for words in ("'rationale': is blank", "2999-01-01 is in the future", "unknown alliance 'C99'",
                  "run.json: is not a report's record"):
        assert words in refused.stderr
