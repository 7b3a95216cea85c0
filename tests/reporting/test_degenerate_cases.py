"""Every notebook runs on each degenerate case it is degenerate for, and says in words what it could not analyse.

The five cases (``tests/degenerate_cases.py``) are run in one module-scoped fixture, through the same report
runner as ``alliance-analytics run``, each case once, two cases at a time. A case runs only the notebooks whose
report it changes: the notebooks that read what the case breaks (:data:`CHANGED_BY`). On the other cases a
notebook reads exactly what it reads on the sample case and writes the same report, word for word, chart for
chart (only the provenance differs: the case folder, its files' SHA-256 and the time); running it there again
tests nothing the sample run (``sample_report`` in ``tests/conftest.py``) does not: that it runs is checked in
``test_reporting.py``, and its pages are checked for overlapping text and raw values in
``test_decision_story.py``.

Which notebook reads what the cases change:

- ``all_walk_away`` rewrites the objectives of every row of ``candidates.csv``, the alliances in flight
  included: it changes the partner fit (01), who is in the running for the weights (02), the walk-aways the
  risk report names (03), the portfolio (04), the brief (05) and the strategy gate that alliance health (06)
  re-runs on the alliances in flight (all fail it). The thesis check (07) reads no objective: same report.
- ``one_left`` changes 01 to 05 as above (its portfolio settings too). It gives the alliances in flight the same
  objectives as ``all_walk_away`` (C09 is a proposed candidate) and 06 reads no portfolio setting, so 06 writes
  the report it writes on ``all_walk_away``; 07 as above.
- ``infeasible_portfolio`` changes only ``portfolio.budget`` of ``case.yaml``, which only the portfolio (04)
  and the brief (05) read.
- ``no_risks`` and ``no_correlations`` change the inputs of the Monte Carlo: the risk simulation (03), the
  portfolio (04) and the brief (05) built on it, and the thesis check (07), which simulates each thesis with
  the risk register and the rank correlations. The fit (01), the weights (02) and alliance health (06) read
  neither file.
- The portfolio review (08) shows the rebalanced portfolio and the options valued on the Monte Carlo's draws, so
  every case changes its numbers; it is run where it changes what it says: on ``all_walk_away`` and
  ``infeasible_portfolio`` no rebalanced portfolio exists and it says so (:data:`SAID`), and on ``one_left`` the
  review's changes are weighed against a single new candidate. On ``no_risks`` and ``no_correlations`` it reads
  other draws through the same code as on the sample case (whose pages ``test_decision_story.py`` checks), the
  one exception to the rule above, made to keep the suite's time down.

So every notebook runs on at least one case, every (case, notebook) pair in :data:`SAID` is run, and every
case runs the brief (05) and writes its front page. A new notebook is added to :data:`CHANGED_BY` with the
cases that change what it reads (to find them: run it on every case and on the sample case and compare the
reports without their provenance); :func:`test_every_notebook_is_listed` fails until it is.
"""

from __future__ import annotations

import html
import json
import multiprocessing
import re
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest
from degenerate_cases import DEGENERATE_CASES, write_degenerate_cases
from report_browser import page_layout

from alliance_analytics import load_case
from alliance_analytics.reporting.catalogue import available_notebooks
from alliance_analytics.reporting.runner import ReportRun, run_report

EVERY_CASE = tuple(DEGENERATE_CASES)

CHANGED_BY: dict[str, tuple[str, ...]] = {
    "01_partner_fit": ("all_walk_away", "one_left"),
    "02_weight_sensitivity": ("all_walk_away", "one_left"),
    "03_risk_simulation": ("all_walk_away", "one_left", "no_risks", "no_correlations"),
    "04_portfolio": EVERY_CASE,
    "05_decision_brief": EVERY_CASE,
    "06_alliance_health": ("all_walk_away",),
    "07_thesis_check": ("no_risks", "no_correlations"),
    "08_portfolio_review": ("all_walk_away", "one_left", "infeasible_portfolio"),
}
"""Each notebook, in run order, and the degenerate cases that change what it reads (see the module's docstring);
it is run on those cases only."""

NOTEBOOKS = tuple(CHANGED_BY)
"""Every notebook, in run order."""

RUNS = {case: tuple(notebook for notebook in NOTEBOOKS if case in CHANGED_BY[notebook]) for case in DEGENERATE_CASES}
"""The notebooks run on each case, in run order."""

TABLE_NOTEBOOKS = ("01_partner_fit", "02_weight_sensitivity", "03_risk_simulation", "04_portfolio")
"""The analysis notebooks whose every run shows tables."""

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
    ("all_walk_away", "08_portfolio_review"): "No rebalanced portfolio was found (infeasible: no portfolio meets "
                                              "every limit), so every alliance is shown as continuing",
    ("infeasible_portfolio", "08_portfolio_review"): "No rebalanced portfolio was found (infeasible: no portfolio "
                                                     "meets every limit), so every alliance is shown as continuing",
}
"""What each report must say in words on a case where it cannot analyse something."""


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, ReportRun]:
    """One report run of each case's notebooks (:data:`RUNS`), two cases at a time, the longest runs first.

    Each run goes to a process of its own: papermill changes the working directory while it runs a notebook,
    which two threads of one process would do to each other. The notebooks of a case run in one report, so
    they share its result cache as in ``alliance-analytics run``.
    """
    root = tmp_path_factory.mktemp("degenerate")
    cases = write_degenerate_cases(root / "cases")
    with ProcessPoolExecutor(max_workers=2, mp_context=multiprocessing.get_context("spawn")) as pool:
        runs = {name: pool.submit(run_report, cases[name], RUNS[name], out_dir=root / "reports" / name,
                                  progress=False)
                for name in sorted(RUNS, key=lambda name: -len(RUNS[name]))}
        return {name: runs[name].result() for name in DEGENERATE_CASES}


def _text(report: ReportRun, notebook: str) -> str:
    """The words of a notebook's HTML report, tags removed and white space collapsed."""
    page = (report.folder / notebook / f"{notebook}.html").read_text(encoding="utf-8")
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.DOTALL)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page)))


def test_every_case_loads(tmp_path: Path):
    for folder in write_degenerate_cases(tmp_path).values():
        assert load_case(folder).candidates.shape[0] == 13


def test_every_notebook_is_listed():
    """A notebook added to ``notebooks/`` must be added to :data:`CHANGED_BY` with the cases that change it."""
    assert list(NOTEBOOKS) == list(available_notebooks())


def test_every_notebook_runs_on_a_case_and_every_case_states_a_decision():
    assert [notebook for notebook in NOTEBOOKS if not any(notebook in RUNS[case] for case in RUNS)] == []
    assert all(set(CHANGED_BY[notebook]) <= set(DEGENERATE_CASES) for notebook in NOTEBOOKS)
    assert [case for case in RUNS if "05_decision_brief" not in RUNS[case]] == []
    assert [pair for pair in SAID if pair[1] not in RUNS[pair[0]]] == []


@pytest.mark.parametrize("case", list(DEGENERATE_CASES))
def test_every_notebook_runs(reports, case):
    failed = {run.name: run.error for run in reports[case].runs if not run.ok}
    assert [run.name for run in reports[case].runs] == list(RUNS[case])
    assert not failed, failed


@pytest.mark.parametrize(("case", "notebook"), list(SAID))
def test_the_report_says_what_it_could_not_analyse(reports, case, notebook):
    assert SAID[case, notebook] in _text(reports[case], notebook)


@pytest.mark.parametrize("case", list(DEGENERATE_CASES))
def test_no_table_shows_nan_or_raw_booleans(reports, case):
    for notebook in [notebook for notebook in RUNS[case] if notebook in TABLE_NOTEBOOKS]:
        page = (reports[case].folder / notebook / f"{notebook}.html").read_text(encoding="utf-8")
        cells = re.findall(r"<td[^>]*>(.*?)</td>", page, flags=re.DOTALL)
        assert cells, notebook
        assert not {"NaN", "nan", "None", "True", "False"} & {cell.strip() for cell in cells}, notebook


RAW_VALUES = re.compile(r"^(nan|NaN|None|True|False|null|<NA>)$")
"""A table cell that shows a raw value instead of words."""

REVIEW = ("Restructure Alpina Reha Kliniken AG (A03) as “Bavarian clinics only”; continue Baltic Homecare Services "
          "UAB (A01); ")
"""How the decision starts when the rebalanced portfolio was found: the portfolio review's decisions."""

DECISION = {
    "all_walk_away": "Pursue no alliance yet: every candidate is a walk-away.",
    "one_left": REVIEW + "pursue Alpenmed Vertrieb GmbH (C09): together with the review's changes an expected NPV of",
    "infeasible_portfolio": "Pursue no alliance yet: no set of alliances meets every limit of the programme",
    "no_risks": REVIEW + "pursue ",
    "no_correlations": REVIEW + "pursue ",
}
"""How the decision starts, on the front page and the brief's first screen, for each case (without a portfolio,
the review decides nothing: its report says so)."""


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
    for page in ("index.html", *(f"{notebook}/{notebook}.html" for notebook in RUNS[case])):
        layout = page_layout(browser, folder / page)
        assert layout.overlaps == [], page
        assert [cell for cell in layout.cells if RAW_VALUES.match(cell.strip())] == [], page
