"""Every notebook runs on every degenerate case and says in words what it could not analyse, and why.

The five cases (``tests/degenerate_cases.py``) are run once, in one module-scoped fixture, through the same
report runner as ``alliance-analytics run``.
"""

from __future__ import annotations

import html
import json
import re
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest
from degenerate_cases import DEGENERATE_CASES, write_degenerate_cases
from report_browser import page_layout

from alliance_analytics import load_case
from alliance_analytics.reporting.runner import ReportRun, run_report

NOTEBOOKS = ("01_partner_fit", "02_weight_sensitivity", "03_risk_simulation", "04_portfolio", "05_decision_brief",
             "06_alliance_health", "07_thesis_check")

SAID = {
    ("all_walk_away", "01_partner_fit"): "Every candidate (13) walks away",
    ("all_walk_away", "02_weight_sensitivity"): "The weight sensitivity was not analysed: no candidate is still in "
                                                "the running",
    ("all_walk_away", "03_risk_simulation"): "Every candidate walks away in the partner-fit analysis",
    ("all_walk_away", "04_portfolio"): "Every candidate walks away in the partner-fit analysis, so no candidate "
                                       "can be in a portfolio",
    ("one_left", "02_weight_sensitivity"): "The weight sensitivity was not analysed: only Alpenmed Vertrieb GmbH "
                                           "(C09) is still in the running",
    ("infeasible_portfolio", "04_portfolio"): "No portfolio was found (infeasible: no portfolio meets every limit)",
    ("all_walk_away", "05_decision_brief"): "The ranking's robustness to the weights was not analysed",
    ("one_left", "05_decision_brief"): "The ranking's robustness to the weights was not analysed",
    ("no_risks", "03_risk_simulation"): "The risk register (risks.csv) lists no risk",
    ("no_correlations", "03_risk_simulation"): "No rank correlations between assumptions are given",
}
"""What each report must say in words on a case where it cannot analyse something."""


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, ReportRun]:
    """One report run of every notebook on each degenerate case, two cases at a time.

    Each run goes to a process of its own: papermill changes the working directory while it runs a notebook,
    which two threads of one process would do to each other.
    """
    root = tmp_path_factory.mktemp("degenerate")
    cases = write_degenerate_cases(root / "cases")
    with ProcessPoolExecutor(max_workers=2, mp_context=multiprocessing.get_context("spawn")) as pool:
        runs = {name: pool.submit(run_report, folder, out_dir=root / "reports" / name, progress=False)
                for name, folder in cases.items()}
        return {name: run.result() for name, run in runs.items()}


def _text(report: ReportRun, notebook: str) -> str:
    """The words of a notebook's HTML report, tags removed and white space collapsed."""
    page = (report.folder / notebook / f"{notebook}.html").read_text(encoding="utf-8")
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.DOTALL)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page)))


def test_every_case_loads(tmp_path: Path):
    for folder in write_degenerate_cases(tmp_path).values():
        assert load_case(folder).candidates.shape[0] == 13


@pytest.mark.parametrize("case", list(DEGENERATE_CASES))
def test_every_notebook_runs(reports, case):
    failed = {run.name: run.error for run in reports[case].runs if not run.ok}
    assert [run.name for run in reports[case].runs] == list(NOTEBOOKS)
    assert not failed, failed


@pytest.mark.parametrize(("case", "notebook"), list(SAID))
def test_the_report_says_what_it_could_not_analyse(reports, case, notebook):
    assert SAID[case, notebook] in _text(reports[case], notebook)


@pytest.mark.parametrize("case", list(DEGENERATE_CASES))
def test_no_table_shows_nan_or_raw_booleans(reports, case):
    for notebook in NOTEBOOKS[:4]:
        page = (reports[case].folder / notebook / f"{notebook}.html").read_text(encoding="utf-8")
        cells = re.findall(r"<td[^>]*>(.*?)</td>", page, flags=re.DOTALL)
        assert cells, notebook
        assert not {"NaN", "nan", "None", "True", "False"} & {cell.strip() for cell in cells}, notebook


RAW_VALUES = re.compile(r"^(nan|NaN|None|True|False|null|<NA>)$")
"""A table cell that shows a raw value instead of words."""

DECISION = {
    "all_walk_away": "Pursue no alliance yet: every candidate is a walk-away.",
    "one_left": "Pursue Alpenmed Vertrieb GmbH (C09): together an expected NPV of",
    "infeasible_portfolio": "Pursue no alliance yet: no set of alliances meets every limit of the programme",
    "no_risks": "Pursue ",
    "no_correlations": "Pursue ",
}
"""How the decision starts, on the front page and the brief's first screen, for each case."""


@pytest.mark.parametrize("case", list(DEGENERATE_CASES))
def test_the_first_screen_states_the_decision_in_words(browser, reports, case):
    folder = reports[case].folder
    brief = json.loads((folder / "05_decision_brief" / "results.json").read_text(encoding="utf-8"))
    assert brief["decision"].startswith(DECISION[case])
    assert bool(brief["recommended"]) == (not brief["no_recommendation"])
    for page in ("index.html", "05_decision_brief/05_decision_brief.html"):
        layout = page_layout(browser, folder / page, screenshot=f"degenerate-{case}-{Path(page).stem}")
        assert brief["decision"] in layout.first_screen, page


@pytest.mark.parametrize("case", list(DEGENERATE_CASES))
def test_no_overlapping_text_and_no_raw_values_on_any_page(browser, reports, case):
    folder = reports[case].folder
    for page in ("index.html", *(f"{notebook}/{notebook}.html" for notebook in NOTEBOOKS)):
        layout = page_layout(browser, folder / page)
        assert layout.overlaps == [], page
        assert [cell for cell in layout.cells if RAW_VALUES.match(cell.strip())] == [], page
